//! From the form to Atlas: the review (the exact request, an erase's typed confirmation), the
//! checks just before sending (still valid now? the same restore sent within the hour?), and
//! what the answer does to the screen. Free functions over what they read (the form, `Env`,
//! the review), answering with what `App` then carries out.

use super::app::{Dialog, Effect};
use super::env::Env;
use super::form::Form;
use super::job_actions::Asks;
use super::review::Review;
use crate::atlas::AtlasError;
use crate::jobs::{SubmitOutcome, TrackedJob};
use crate::restore::{ApiVersion, Context, Field, RestoreDraft, RestoreRequest, build_request, has_errors, validate};

fn describe(key: &crate::jobs::catalog::ListKey) -> String {
    use crate::jobs::catalog::ListKey;
    match key {
        ListKey::Snapshots { cluster, .. } => format!("snapshots of {cluster}"),
        ListKey::Checkpoints { cluster, .. } => format!("checkpoints of {cluster}"),
        ListKey::Clusters { group_id } => format!("clusters of project {group_id}"),
    }
}

/// Why the review cannot open yet: what to say, and the field to go to.
pub(crate) struct NotYet {
    pub say: String,
    pub focus: Option<Field>,
}

impl NotYet {
    fn say(say: String) -> NotYet {
        NotYet { say, focus: None }
    }
}

/// The review of the form's request (checked just now), or why not yet.
pub fn review(form: &Form, env: &Env) -> Result<Review, NotYet> {
    let errors = form.errors();
    if errors > 0 {
        return Err(NotYet {
            say: format!(
                "{errors} error{} to fix before submitting: see the marked fields",
                if errors == 1 { "" } else { "s" }
            ),
            focus: form
                .findings()
                .iter()
                .find(|f| f.is_error())
                .and_then(|f| f.fields.first().copied()),
        });
    }
    // Nothing is reviewed on a doubt: a list the checks need is still on its way.
    if let Some(key) = env.atlas.lists.pending(super::catalog::wanted(form, env)) {
        return Err(NotYet::say(format!(
            "checking the request against Atlas's {}: Ctrl-S again in a moment",
            describe(&key)
        )));
    }
    let ctx = form.context(env);
    let request = build_request(&form.draft(), &ctx)
        .map_err(|errors| NotYet::say(errors.first().map(|e| e.message.clone()).unwrap_or_default()))?;
    let info = env.info;
    let source = &request.source;
    // Cloud and Ops Manager name the cluster by its id in the path.
    let in_path = match &source.cluster_id {
        Some(id) if info.flavor.is_public_api() => id.clone(),
        _ => source.cluster_name.clone(),
    };
    let url = crate::atlas::restore_jobs_url(&info.base_url, info.flavor, info.api, &source.group_id, &in_path);
    Ok(Review::new(url, request, &info.public_key, info.api))
}

/// What Enter in the review does.
pub enum Send {
    /// Nothing (already sending).
    Nothing,
    /// Said in the review why not (the erase not typed, no longer valid).
    Noted,
    /// Send it.
    Go(Effect),
}

/// Enter in the review: the erase typed? still valid on the clock of now (`ctx`)?
pub fn send(r: &mut Review, ctx: &Context) -> Send {
    if r.sending {
        return Send::Nothing;
    }
    if !r.confirmed() {
        r.note = Some(match &r.confirm {
            Some(c) => format!("type {} exactly to confirm the erase", c.expected),
            None => String::new(),
        });
        return Send::Noted;
    }
    // The clock has moved since the review opened: the body shown must still hold.
    let findings = validate(&RestoreDraft::from_json(&r.body), ctx);
    if has_errors(&findings) {
        r.note = Some(format!(
            "no longer valid: {}; Esc and fix it",
            findings
                .iter()
                .find(|f| f.is_error())
                .map(|f| f.message.as_str())
                .unwrap_or("")
        ));
        return Send::Noted;
    }
    r.sending = true;
    r.note = None;
    Send::Go(Effect::Submit {
        request: Box::new(r.request.clone()),
        allow_repeat: r.repeat_of.is_some(),
    })
}

/// What Atlas's answer to a submit does: jobs to add to the panel, whether the review
/// closes, and what to say, open and start.
#[derive(Default)]
pub(crate) struct Answered {
    pub track: Vec<TrackedJob>,
    pub close_review: bool,
    pub asks: Asks,
}

/// Atlas's answer to `request`. `review`: the review still open, told of a repeat.
pub fn answered(
    request: &RestoreRequest,
    outcome: SubmitOutcome,
    api: ApiVersion,
    review: Option<&mut Review>,
) -> Answered {
    let mut start = Vec::new();
    let (title, mut lines) = match outcome {
        SubmitOutcome::Created { jobs, .. } | SubmitOutcome::CreatedNotRecorded { jobs, .. } if jobs.is_empty() => (
            "Atlas answered with no job",
            vec!["Look at the cluster's restore jobs (a in the panel).".to_string()],
        ),
        SubmitOutcome::Created { jobs, .. } => {
            let n = jobs.len();
            let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
            // Tracked under the request's own source, whatever the form holds now.
            let body = std::sync::Arc::new(request.body(api));
            let name = request.target().and_then(|t| t.cluster_name.as_deref());
            return Answered {
                track: jobs
                    .into_iter()
                    .map(|mut job| {
                        crate::jobs::journal::name_target(&mut job, name);
                        TrackedJob {
                            job,
                            request: Some(body.clone()),
                            group_id: request.source.group_id.clone(),
                            cluster: request.source.cluster_name.clone(),
                        }
                    })
                    .collect(),
                close_review: true,
                asks: Asks {
                    say: Some(format!(
                        "submitted: {n} restore job{} ({})",
                        if n == 1 { "" } else { "s" },
                        ids.join(", ")
                    )),
                    start: vec![Effect::PollNow],
                    open: None,
                },
            };
        }
        SubmitOutcome::Repeat(earlier) => {
            // Asked about once: the next Enter sends it anyway.
            if let Some(r) = review {
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
            return Answered::default();
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
            start.push(Effect::PollNow);
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
    Answered {
        track: Vec::new(),
        close_review: true,
        asks: Asks {
            say: None,
            open: Some(Dialog::Message {
                title: title.into(),
                lines,
            }),
            start,
        },
    }
}
