//! From the form to Atlas: the review (the exact request, an erase's typed confirmation), the
//! checks just before sending (still valid now? the same restore sent within the hour?), and
//! what the answer does to the screen.

use super::app::{App, Dialog, Effect};
use super::review::Review;
use crate::atlas::AtlasError;
use crate::jobs::SubmitOutcome;
use crate::restore::{RestoreDraft, RestoreRequest, build_request, has_errors, validate};

fn describe(key: &crate::jobs::catalog::ListKey) -> String {
    use crate::jobs::catalog::ListKey;
    match key {
        ListKey::Snapshots { cluster, .. } => format!("snapshots of {cluster}"),
        ListKey::Checkpoints { cluster, .. } => format!("checkpoints of {cluster}"),
        ListKey::Clusters { group_id } => format!("clusters of project {group_id}"),
    }
}

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
        // Nothing is reviewed on a doubt: a list the checks need is still on its way.
        if let Some(key) = self
            .atlas
            .lists
            .pending(super::catalog::wanted(&self.form, &self.env(now_ms)))
        {
            self.status = Some(format!(
                "checking the request against Atlas's {}: Ctrl-S again in a moment",
                describe(&key)
            ));
            return true;
        }
        let ctx = self.form.context(&self.env(now_ms));
        let request = match build_request(&self.form.draft(), &ctx) {
            Ok(r) => r,
            Err(errors) => {
                self.status = Some(errors.first().map(|e| e.message.clone()).unwrap_or_default());
                return true;
            }
        };
        let source = &request.source;
        // Cloud and Ops Manager name the cluster by its id in the path.
        let in_path = match &source.cluster_id {
            Some(id) if self.info.flavor.is_public_api() => id.clone(),
            _ => source.cluster_name.clone(),
        };
        let url = crate::atlas::restore_jobs_url(
            &self.info.base_url,
            self.info.flavor,
            self.info.api,
            &source.group_id,
            &in_path,
        );
        self.dialogs.push(Dialog::Review(Box::new(Review::new(
            url,
            request,
            &self.info.public_key,
            self.info.api,
        ))));
        true
    }

    pub(crate) fn submit(&mut self, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let ctx = self.form.context(&self.env(now_ms));
        let Some(Dialog::Review(r)) = self.dialogs.top_mut() else {
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
        r.note = None;
        effects.push(Effect::Submit {
            request: Box::new(r.request.clone()),
            allow_repeat: r.repeat_of.is_some(),
        });
        true
    }

    pub(crate) fn on_submitted(
        &mut self,
        request: &RestoreRequest,
        outcome: SubmitOutcome,
        effects: &mut Vec<Effect>,
    ) -> bool {
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
                // Tracked under the request's own source, whatever the form holds now.
                let body = std::sync::Arc::new(request.body(self.info.api));
                let name = request.target().and_then(|t| t.cluster_name.as_deref());
                self.jobs.add(
                    jobs.into_iter()
                        .map(|mut job| {
                            crate::jobs::journal::name_target(&mut job, name);
                            crate::jobs::TrackedJob {
                                job,
                                request: Some(body.clone()),
                                group_id: request.source.group_id.clone(),
                                cluster: request.source.cluster_name.clone(),
                            }
                        })
                        .collect(),
                );
                self.dialogs.pop_if(|d| matches!(d, Dialog::Review(_)));
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
                if let Some(Dialog::Review(r)) = self.dialogs.top_mut() {
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
        // The outcome takes the review's place: Esc goes back to the form.
        self.dialogs.pop_if(|d| matches!(d, Dialog::Review(_)));
        self.dialogs.push(Dialog::Message {
            title: title.into(),
            lines,
        });
        true
    }
}
