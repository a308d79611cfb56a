//! From the form to Atlas: the review (the exact request, an erase's typed confirmation), the
//! checks just before sending (still valid now? the same restore sent within the hour?), and
//! what the answer does to the screen.

use super::app::{App, Dialog, Effect};
use super::review::Review;
use crate::atlas::AtlasError;
use crate::jobs::SubmitOutcome;
use crate::restore::{Field, RestoreDraft, build_body, has_errors, validate};
use serde_json::Value;

impl App {
    pub(crate) fn open_review(&mut self, now_ms: i64) -> bool {
        self.revalidate(now_ms);
        let errors = self.form.errors();
        if errors > 0 {
            let first = self
                .form
                .findings()
                .iter()
                .find(|f| f.is_error())
                .and_then(|f| f.fields.first().copied());
            if let Some(f) = first {
                self.focus_jobs = false;
                self.form.focus(f);
            }
            self.status = Some(format!(
                "{errors} error{} to fix before submitting: see the marked fields",
                if errors == 1 { "" } else { "s" }
            ));
            return true;
        }
        let ctx = self.context(now_ms);
        let body = match build_body(&self.form.draft(), &ctx) {
            Ok(b) => b,
            Err(errors) => {
                self.status = Some(errors.first().map(|e| e.message.clone()).unwrap_or_default());
                return true;
            }
        };
        let group = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
        // Cloud and Ops Manager name the cluster by its id in the path.
        let in_path = match self.source_cluster().and_then(|c| c.id.as_deref()) {
            Some(id) if self.info.flavor.is_public_api() => id.to_string(),
            _ => cluster.clone(),
        };
        let url =
            crate::atlas::restore_jobs_url(&self.info.base_url, self.info.flavor, self.info.api, &group, &in_path);
        self.dialog = Some(Dialog::Review(Review::new(
            url,
            group,
            cluster,
            body,
            &self.info.public_key,
            self.info.api,
        )));
        true
    }

    pub(crate) fn submit(&mut self, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let ctx = self.context(now_ms);
        let Some(Dialog::Review(r)) = &mut self.dialog else {
            return false;
        };
        if r.sending {
            return false;
        }
        if !r.confirmed() {
            r.note = Some(match &r.confirm {
                Some(c) => format!("type {} exactly to confirm the erase", c.expected),
                None => String::new(),
            });
            return true;
        }
        // The clock has moved since the review opened: the body shown must still hold.
        let findings = validate(&RestoreDraft::from_json(&r.body), &ctx);
        if has_errors(&findings) {
            r.note = Some(format!(
                "no longer valid: {}; Esc and fix it",
                findings
                    .iter()
                    .find(|f| f.is_error())
                    .map(|f| f.message.as_str())
                    .unwrap_or("")
            ));
            return true;
        }
        r.sending = true;
        effects.push(Effect::Submit {
            group_id: r.group_id.clone(),
            cluster: r.cluster.clone(),
            body: r.body.clone(),
            allow_repeat: r.repeat_of.is_some(),
        });
        true
    }

    pub(crate) fn on_submitted(&mut self, body: Value, outcome: SubmitOutcome, effects: &mut Vec<Effect>) -> bool {
        let (title, mut lines) = match outcome {
            SubmitOutcome::Created { jobs, .. } | SubmitOutcome::CreatedNotRecorded { jobs, .. } if jobs.is_empty() => {
                (
                    "Atlas answered with no job",
                    vec!["Look at the cluster's restore jobs (a in the panel).".to_string()],
                )
            }
            SubmitOutcome::Created { jobs, .. } => {
                let n = jobs.len();
                let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
                let group_id = self.form.value(Field::GroupId).trim().to_string();
                let cluster = self.form.value(Field::ClusterName).trim().to_string();
                self.jobs.add(
                    jobs.into_iter()
                        .map(|job| crate::jobs::TrackedJob {
                            job,
                            request: Some(std::sync::Arc::new(body.clone())),
                            group_id: group_id.clone(),
                            cluster: cluster.clone(),
                        })
                        .collect(),
                );
                self.dialog = None;
                effects.push(Effect::PollNow);
                self.status = Some(format!(
                    "submitted: {n} restore job{} ({})",
                    if n == 1 { "" } else { "s" },
                    ids.join(", ")
                ));
                return true;
            }
            SubmitOutcome::Repeat(earlier) => {
                // Asked about once: the next Enter sends it anyway.
                if let Some(Dialog::Review(r)) = &mut self.dialog {
                    let at = crate::restore::time_input::format_utc_ms(earlier.submitted_at_ms / 1000 * 1000);
                    let jobs: Vec<String> = earlier
                        .jobs
                        .iter()
                        .map(|j| crate::jobs::present::short_id(&j.id))
                        .collect();
                    let which = if jobs.is_empty() {
                        format!("its outcome: {:?}", earlier.state)
                    } else {
                        format!("job {}", jobs.join(", "))
                    };
                    r.sending = false;
                    r.note = Some(format!(
                        "the same restore was submitted at {at} ({which}): Enter sends it again anyway; Esc goes back"
                    ));
                    r.repeat_of = Some(earlier.key.clone());
                }
                return true;
            }
            SubmitOutcome::NotRecorded(why) => (
                "Nothing was sent",
                vec![
                    why,
                    "The submit must be recorded before it is sent, so that it is never lost.".into(),
                ],
            ),
            SubmitOutcome::CreatedNotRecorded { jobs, error } => {
                let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
                (
                    "Created, but not recorded",
                    vec![
                        format!("Atlas made job(s) {}, but {error}.", ids.join(", ")),
                        "Note the ids; a, then t, tracks them once the journal can be written.".into(),
                    ],
                )
            }
            SubmitOutcome::Unknown { detail, .. } => {
                // The poller looks for it in the cluster's list at once; it is never resent.
                effects.push(Effect::PollNow);
                (
                    "The answer was lost: the job may exist",
                    vec![
                        detail,
                        "It is recorded as unknown and looked for in the cluster's restore jobs now; if found, it appears in the jobs panel.".into(),
                    ],
                )
            }
            SubmitOutcome::Refused { error, .. } => {
                let mut lines = vec![error.to_string()];
                if let AtlasError::Status(s) = &error {
                    if let Some(code) = &s.error_code {
                        lines.push(format!("errorCode: {code}"));
                    }
                    if let Some(detail) = &s.detail {
                        lines.push(format!("detail: {detail}"));
                    }
                }
                ("Atlas did not create the restore job", lines)
            }
        };
        lines.retain(|l| !l.is_empty());
        self.dialog = Some(Dialog::Message {
            title: title.into(),
            lines,
        });
        true
    }
}
