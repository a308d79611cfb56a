//! `atlas-restore submit`: one restore request, from a file or standard input, sent the way
//! the dashboard sends it: checked with the form's rules (the source cluster's topology
//! looked up first), encoded by the engine for the profile's API version, an
//! `AUTOMATED_RESTORE` only with `--confirm-erase` naming its target, recorded in the journal
//! before it leaves, and never resent by itself.

use super::jobs::{Listed, job_json};
pub use super::validate::Outcome;
use super::validate::{findings_json, findings_text};
use crate::atlas::{Cluster, RestoreJob};
use crate::jobs::present;
use crate::jobs::{Services, SubmitOutcome, TrackedSubmit};
use crate::restore::time_input::format_utc_ms;
use crate::restore::{
    ApiVersion, Catalog, ClusterType, Context, Finding, Flavor, RestoreDraft, RestoreRequest, build_request,
    has_errors, validate,
};
use crate::text::sanitize;
use serde_json::{Value, json};

/// Exit codes of the contract.
pub(crate) const EXIT_CREATED: i32 = 0;
/// Not sent, or sent and refused: invalid, not confirmed, a repeat, or Atlas said no.
pub(crate) const EXIT_REFUSED: i32 = super::exit::REFUSED;
/// A set-up error, unreadable input, or a journal that could not record the submit.
pub const EXIT_SETUP: i32 = super::exit::SETUP;
/// Sent, but the answer was lost: recorded as unknown, to be reconciled, never resent. Also
/// Atlas not answering before anything was sent (`state` then says `refused`: nothing made).
pub(crate) const EXIT_UNKNOWN: i32 = super::exit::ATLAS_UNREACHED;

const PREFIX: &str = "atlas-restore submit";

#[derive(Debug, Clone)]
pub struct Options {
    /// The source project (`{GROUP-ID}`).
    pub group_id: String,
    /// The source cluster (`{CLUSTER-NAME}`).
    pub cluster: String,
    /// The profile's API version: the body is encoded for it.
    pub api: ApiVersion,
    /// The profile's product: Cloud and Ops Manager have rules of their own.
    pub flavor: Flavor,
    /// The current time (epoch ms), for the point-in-time window.
    pub now_ms: i64,
    /// What `--confirm-erase` named.
    pub confirm_erase: Option<String>,
    /// Send even when the same restore was submitted in the last hour.
    pub allow_repeat: bool,
    pub json: bool,
    /// `--wait`: follow the created jobs until they are ready.
    pub wait: Option<crate::jobs::wait::Wait>,
}

/// Where the submit ended, for the JSON's `state`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Created,
    Refused,
    Unknown,
}

impl State {
    fn as_str(self) -> &'static str {
        match self {
            State::Created => "created",
            State::Refused => "refused",
            State::Unknown => "unknown",
        }
    }
}

/// What a run ended with, before it is rendered.
struct Report<'a> {
    exit_code: i32,
    state: State,
    jobs: Vec<Listed>,
    findings: &'a [Finding],
    /// Why it was not created (or what went wrong after), in words.
    error: Option<String>,
    /// `--wait`: how it ended (`ready`, `failed`, `timed_out`) and the words.
    wait: Option<(&'static str, String)>,
}

impl Report<'_> {
    fn render(self, opts_json: bool) -> Outcome {
        if opts_json {
            let mut doc = json!({
                "state": self.state.as_str(),
                "jobs": self.jobs.iter().map(job_json).collect::<Vec<_>>(),
                "findings": findings_json(self.findings),
                "error": self.error,
            });
            if let Some((result, detail)) = &self.wait {
                doc["wait"] = json!({"result": result, "detail": detail});
            }
            return Outcome {
                exit_code: self.exit_code,
                stdout: format!("{doc}\n"),
                stderr: String::new(),
            };
        }
        let stdout: String = self.jobs.iter().map(job_line).collect();
        let mut stderr = findings_text(self.findings);
        if let Some(e) = &self.error {
            stderr.push_str(&format!("{PREFIX}: {e}\n"));
        } else if let Some((_, said)) = &self.wait {
            stderr.push_str(&format!("{PREFIX}: {said}\n"));
        }
        Outcome {
            exit_code: self.exit_code,
            stdout,
            stderr,
        }
    }
}

/// One created job on one line: id, cluster, status, and the method (with the target of an
/// automated restore).
fn job_line(l: &Listed) -> String {
    let j = &l.job;
    let method = present::method(j, l.request.as_ref());
    let how = match &method {
        present::Method::Automated { target_group_id, .. } => format!(
            "AUTOMATED_RESTORE -> {} (project {})",
            method.target().unwrap_or_default(),
            target_group_id.as_deref().map_or_else(|| "?".into(), sanitize)
        ),
        present::Method::Download => method.as_api().to_string(),
    };
    // A sharded restore's part names its batch: what `download` takes for every part.
    let batch = j
        .batch_id
        .as_deref()
        .map_or_else(String::new, |b| format!("  batch {}", sanitize(b)));
    format!(
        "{}  {}  {}  {how}{batch}\n",
        sanitize(&j.id),
        j.cluster_name.as_deref().map_or_else(|| "-".into(), sanitize),
        present::status(j),
    )
}

/// A failure before anything was sent: the set-up, the input, the configuration.
pub fn setup_error(message: &str, json: bool) -> Outcome {
    Report {
        exit_code: EXIT_SETUP,
        state: State::Refused,
        jobs: Vec::new(),
        findings: &[],
        error: Some(message.to_string()),
        wait: None,
    }
    .render(json)
}

fn refused(message: String, findings: &[Finding], json: bool) -> Outcome {
    not_created(EXIT_REFUSED, message, findings, json)
}

/// Nothing was created, for the reason `exit_code` names.
fn not_created(exit_code: i32, message: String, findings: &[Finding], json: bool) -> Outcome {
    Report {
        exit_code,
        state: State::Refused,
        jobs: Vec::new(),
        findings,
        error: Some(message),
        wait: None,
    }
    .render(json)
}

/// Reads the body: a JSON value, else the set-up exit.
pub fn parse(source: &str, input: &[u8], json: bool) -> Result<Value, Outcome> {
    serde_json::from_slice(input).map_err(|e| {
        setup_error(
            &format!(
                "{source} is not JSON ({e}): give a restore request body such as {{\"snapshotId\": \"...\", \"delivery\": {{\"methodName\": \"HTTP\"}}}}; nothing was sent"
            ),
            json,
        )
    })
}

/// The request to send and the findings (warnings at most), or the refusal: errors of the
/// form's rules (against what Atlas lists, in `catalog`), or an `AUTOMATED_RESTORE` whose
/// erase is not confirmed.
pub fn check(
    input: &Value,
    source_cluster: &Cluster,
    catalog: Catalog,
    opts: &Options,
) -> Result<(RestoreRequest, Vec<Finding>), Outcome> {
    let ctx = Context {
        now_ms: opts.now_ms,
        api: opts.api,
        flavor: opts.flavor,
        restorable_ranges: source_cluster.restorable_ranges.clone(),
        source_cluster_type: source_cluster.cluster_type.as_deref().and_then(ClusterType::from_api),
        source_group_id: Some(opts.group_id.clone()),
        source_cluster_name: Some(opts.cluster.clone()),
        source_cluster_id: source_cluster.id.as_deref().map(str::to_string),
        catalog,
    };
    let draft = RestoreDraft::from_json(input);
    let findings = validate(&draft, &ctx);
    let invalid = |findings: &[Finding]| {
        let errors = findings.iter().filter(|f| f.is_error()).count();
        refused(
            format!(
                "the request is not valid for {}API {} ({errors} error{}): nothing was sent; correct it (`atlas-restore validate{}` checks a body without sending it)",
                if opts.flavor.is_public_api() {
                    format!("{} ", opts.flavor.product())
                } else {
                    String::new()
                },
                opts.api.as_str(),
                if errors == 1 { "" } else { "s" },
                if opts.flavor.is_public_api() {
                    format!(" --flavor {}", opts.flavor)
                } else {
                    String::new()
                }
            ),
            findings,
            opts.json,
        )
    };
    if has_errors(&findings) {
        return Err(invalid(&findings));
    }
    let request = build_request(&draft, &ctx).map_err(|errors| invalid(&errors))?;
    confirm_erase(&request, opts).map_err(|why| refused(why, &findings, opts.json))?;
    Ok((request, findings))
}

/// An `AUTOMATED_RESTORE` erases its target: it goes only when `--confirm-erase` names the
/// target as the request's one rule says (`RestoreRequest::erase`: its name, also when the
/// request gives the id).
fn confirm_erase(request: &RestoreRequest, opts: &Options) -> Result<(), String> {
    let Some(erase) = request.erase() else {
        return Ok(());
    };
    let what = format!(
        "this AUTOMATED_RESTORE would ERASE cluster {} in project {} and replace its data with the restore of {}",
        sanitize(&erase.label),
        sanitize(&erase.target_group_id),
        sanitize(&opts.cluster)
    );
    match opts.confirm_erase.as_deref() {
        Some(given) if erase.accepts(given) => Ok(()),
        Some(given) => Err(format!(
            "--confirm-erase {} does not name the target: {what}; nothing was sent. To confirm, give --confirm-erase {} exactly",
            sanitize(given),
            sanitize(&erase.expected)
        )),
        None => Err(format!(
            "{what}; nothing was sent. To confirm, add --confirm-erase {}",
            sanitize(&erase.expected)
        )),
    }
}

/// The whole command: looks up the source cluster, checks, sends through the journal.
pub async fn run(services: &Services, source: &str, input: &[u8], opts: &Options) -> Outcome {
    let value = match parse(source, input, opts.json) {
        Ok(v) => v,
        Err(outcome) => return outcome,
    };
    let source_cluster = match services.cluster(&opts.group_id, &opts.cluster).await {
        Ok(c) => c,
        Err(e) => {
            let message = sanitize(&format!(
                "cannot look up the source cluster {} in project {}: {e}; nothing was sent",
                opts.cluster, opts.group_id
            ));
            return not_created(super::exit::for_atlas(&e), message, &[], opts.json);
        }
    };
    // The lists the request names, once each: a snapshot of another cluster, a target of
    // another topology or one that does not exist is refused here, before anything is sent.
    let catalog = services
        .catalog_for(&RestoreDraft::from_json(&value), &opts.group_id, &opts.cluster)
        .await;
    let (request, findings) = match check(&value, &source_cluster, catalog, opts) {
        Ok(checked) => checked,
        Err(outcome) => return outcome,
    };
    let body = request.body(opts.api);
    let outcome = services.submit(&request, opts.allow_repeat).await;
    let waited = match (&outcome, opts.wait) {
        (SubmitOutcome::Created { jobs, .. }, Some(wait)) => {
            Some(crate::jobs::wait::until_ready(services, &opts.group_id, &opts.cluster, jobs.clone(), wait).await)
        }
        _ => None,
    };
    report(outcome, &request, &body, &findings, opts, waited)
}

fn listed(jobs: Vec<RestoreJob>, request: &RestoreRequest, body: &Value, tracked: bool) -> Vec<Listed> {
    let name = request.target().and_then(|t| t.cluster_name.as_deref());
    jobs.into_iter()
        .map(|mut job| {
            crate::jobs::journal::name_target(&mut job, name);
            job
        })
        .map(|job| Listed {
            job,
            request: Some(body.clone()),
            tracked,
            ..Listed::default()
        })
        .collect()
}

fn ids(jobs: &[RestoreJob]) -> String {
    jobs.iter().map(|j| sanitize(&j.id)).collect::<Vec<_>>().join(", ")
}

fn report(
    outcome: SubmitOutcome,
    request: &RestoreRequest,
    body: &Value,
    findings: &[Finding],
    opts: &Options,
    waited: Option<crate::jobs::wait::Ended>,
) -> Outcome {
    let (mut exit_code, state, mut jobs, mut error) = match outcome {
        SubmitOutcome::Created { jobs, .. } => (EXIT_CREATED, State::Created, listed(jobs, request, body, true), None),
        SubmitOutcome::Refused { error, .. } => (
            // Atlas's "no", or (a 5xx, no connection) not asked: nothing made either way.
            super::exit::for_atlas(&error),
            State::Refused,
            Vec::new(),
            Some(sanitize(&format!("Atlas refused the restore request: {error}"))),
        ),
        SubmitOutcome::Unknown { detail, .. } => (
            EXIT_UNKNOWN,
            State::Unknown,
            Vec::new(),
            Some(sanitize(&format!(
                "the restore request was sent but its answer was lost ({detail}): the job may have been created. \
                 It is recorded in the journal as UNKNOWN and will be reconciled by listing the cluster's restore jobs; \
                 it is never resent by itself. `atlas-restore jobs` shows it once found; do not submit it again before then"
            ))),
        ),
        SubmitOutcome::Repeat(earlier) => (EXIT_REFUSED, State::Refused, Vec::new(), Some(repeat_message(&earlier))),
        SubmitOutcome::NotRecorded(why) => (
            EXIT_SETUP,
            State::Refused,
            Vec::new(),
            Some(sanitize(&format!(
                "the journal could not record the submit ({why}): nothing was sent; fix the journal's folder and submit again"
            ))),
        ),
        SubmitOutcome::CreatedNotRecorded { jobs, error } => {
            let message = sanitize(&format!(
                "Atlas created the restore job(s) {} but the journal could not record them ({error}): they are not tracked here; \
                 note their ids and follow them with `atlas-restore jobs --all`",
                ids(&jobs)
            ));
            (
                EXIT_SETUP,
                State::Created,
                listed(jobs, request, body, false),
                Some(message),
            )
        }
    };
    // Waited on: the jobs as last seen, and how the wait ended.
    let wait = waited.map(|ended| {
        jobs = listed(ended.jobs().to_vec(), request, body, true);
        exit_code = ended.exit_code();
        if exit_code != EXIT_CREATED {
            error = Some(sanitize(&ended.describe()));
        }
        (ended.name(), sanitize(&ended.describe()))
    });
    Report {
        exit_code,
        state,
        jobs,
        findings,
        error,
        wait,
    }
    .render(opts.json)
}

fn repeat_message(earlier: &TrackedSubmit) -> String {
    let jobs = if earlier.jobs.is_empty() {
        format!(
            "no job id known yet (its outcome is {})",
            serde_json::to_value(earlier.state)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_else(|| "unknown".into())
        )
    } else {
        format!("job(s) {}", ids(&earlier.jobs))
    };
    sanitize(&format!(
        "the same restore was submitted at {} ({jobs}): nothing was sent; `atlas-restore jobs` follows it. \
         To send it again anyway, add --allow-repeat",
        format_utc_ms(earlier.submitted_at_ms)
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn opts(confirm: Option<&str>) -> Options {
        Options {
            group_id: "5f8e2a1c9d4b7e0012c3a4b5".into(),
            cluster: "Cluster0".into(),
            api: ApiVersion::V1,
            flavor: Flavor::Atlas,
            now_ms: 1_795_870_800_000,
            confirm_erase: confirm.map(str::to_string),
            allow_repeat: false,
            json: false,
            wait: None,
        }
    }

    fn replica_set() -> Cluster {
        serde_json::from_value(
            json!({"name": "Cluster0", "id": "5f8e2a1c9d4b7e0012c3a4c0", "clusterType": "REPLICASET"}),
        )
        .unwrap()
    }

    fn automated() -> Value {
        json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {
            "methodName": "AUTOMATED_RESTORE", "targetGroupId": "5f8e2a1c9d4b7e0012c3a4b5",
            "targetClusterName": "Staging0"}})
    }

    #[test]
    fn an_erase_goes_only_with_the_target_named_exactly() {
        let err = check(&automated(), &replica_set(), Catalog::default(), &opts(None)).unwrap_err();
        assert_eq!(err.exit_code, EXIT_REFUSED);
        assert!(
            err.stderr
                .contains("would ERASE cluster Staging0 in project 5f8e2a1c9d4b7e0012c3a4b5"),
            "{}",
            err.stderr
        );
        assert!(err.stderr.contains("--confirm-erase Staging0"), "{}", err.stderr);
        let err = check(
            &automated(),
            &replica_set(),
            Catalog::default(),
            &opts(Some("staging0")),
        )
        .unwrap_err();
        assert!(
            err.stderr.contains("--confirm-erase staging0 does not name the target"),
            "{}",
            err.stderr
        );
        let (request, _) = check(
            &automated(),
            &replica_set(),
            Catalog::default(),
            &opts(Some("Staging0")),
        )
        .unwrap();
        assert_eq!(
            request.body(ApiVersion::V1)["delivery"]["targetClusterName"],
            "Staging0"
        );
    }

    #[test]
    fn a_target_given_by_id_is_confirmed_by_its_id() {
        let mut v = automated();
        let d = v["delivery"].as_object_mut().unwrap();
        d.remove("targetClusterName");
        d.insert("targetClusterId".into(), json!("5f8e2a1c9d4b7e0012c3a4d1"));
        assert!(check(&v, &replica_set(), Catalog::default(), &opts(Some("Staging0"))).is_err());
        assert!(
            check(
                &v,
                &replica_set(),
                Catalog::default(),
                &opts(Some("5f8e2a1c9d4b7e0012c3a4d1"))
            )
            .is_ok()
        );
    }

    fn listed(name: &str, id: &str, kind: ClusterType) -> crate::restore::ListedCluster {
        crate::restore::ListedCluster {
            name: name.into(),
            id: Some(id.into()),
            cluster_type: Some(kind),
        }
    }

    #[test]
    fn an_id_target_that_the_list_names_is_confirmed_by_its_name_only() {
        let mut v = automated();
        let d = v["delivery"].as_object_mut().unwrap();
        d.remove("targetClusterName");
        d.insert("targetClusterId".into(), json!("5f8e2a1c9d4b7e0012c3a4d1"));
        let catalog = || Catalog {
            target_clusters: crate::restore::Listing::Known(
                vec![listed("Staging0", "5f8e2a1c9d4b7e0012c3a4d1", ClusterType::ReplicaSet)].into(),
            ),
            ..Catalog::default()
        };
        let err = check(&v, &replica_set(), catalog(), &opts(None)).unwrap_err();
        assert!(
            err.stderr.contains("ERASE cluster Staging0 (5f8e...a4d1)")
                && err.stderr.contains("--confirm-erase Staging0"),
            "{}",
            err.stderr
        );
        assert!(check(&v, &replica_set(), catalog(), &opts(Some("5f8e2a1c9d4b7e0012c3a4d1"))).is_err());
        let (request, _) = check(&v, &replica_set(), catalog(), &opts(Some("Staging0"))).unwrap();
        // The body still names it as given; the name is ours.
        let body = request.body(ApiVersion::V1);
        assert_eq!(body["delivery"]["targetClusterId"], "5f8e2a1c9d4b7e0012c3a4d1");
        assert!(body["delivery"].get("targetClusterName").is_none(), "{body}");
    }

    #[test]
    fn a_target_of_another_topology_or_a_snapshot_of_another_cluster_is_refused_before_the_erase_question() {
        let sharded_target = Catalog {
            target_clusters: crate::restore::Listing::Known(
                vec![listed("Staging0", "5f8e2a1c9d4b7e0012c3a4d1", ClusterType::Sharded)].into(),
            ),
            ..Catalog::default()
        };
        let err = check(&automated(), &replica_set(), sharded_target, &opts(Some("Staging0"))).unwrap_err();
        assert_eq!(err.exit_code, EXIT_REFUSED);
        assert!(err.stderr.contains("TOPOLOGY_MISMATCH"), "{}", err.stderr);
        let other_cluster = Catalog {
            snapshots: crate::restore::Listing::Known(vec!["5a6669d9fcc178211a0d86aa".into()].into()),
            ..Catalog::default()
        };
        let err = check(&automated(), &replica_set(), other_cluster, &opts(Some("Staging0"))).unwrap_err();
        assert!(err.stderr.contains("SNAPSHOT_NOT_OF_SOURCE"), "{}", err.stderr);
        // A list that could not be read is a warning: Atlas decides.
        let unknown = Catalog {
            snapshots: crate::restore::Listing::Failed("503".into()),
            ..Catalog::default()
        };
        let (_, findings) = check(&automated(), &replica_set(), unknown, &opts(Some("Staging0"))).unwrap();
        assert!(
            findings
                .iter()
                .any(|f| f.code.as_str() == "LIST_UNAVAILABLE" && !f.is_error())
        );
    }

    #[test]
    fn invalid_bodies_are_refused_with_the_findings_and_not_json_is_a_setup_error() {
        let v = json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "pointInTimeUTCMillis": 1795863600,
            "delivery": {"methodName": "HTTP"}});
        let mut o = opts(None);
        o.json = true;
        let err = check(&v, &replica_set(), Catalog::default(), &o).unwrap_err();
        assert_eq!(err.exit_code, EXIT_REFUSED);
        let doc: Value = serde_json::from_str(&err.stdout).unwrap();
        assert_eq!(doc["state"], "refused");
        assert!(doc["jobs"].as_array().unwrap().is_empty());
        assert!(
            doc["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["code"] == "RESTORE_POINT_CONFLICT")
        );
        assert!(doc["error"].as_str().unwrap().contains("nothing was sent"));
        let err = parse("stdin", b"{not json", false).unwrap_err();
        assert_eq!(err.exit_code, EXIT_SETUP);
        assert!(err.stderr.contains("stdin is not JSON"), "{}", err.stderr);
    }

    #[test]
    fn the_body_sent_is_the_engines_encoding() {
        // A response pasted as a request: its response-only fields are warned about, not sent.
        let v = json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "statusName": "FINISHED",
            "delivery": {"methodName": "HTTP", "url": "https://example.invalid/x"}});
        let (request, findings) = check(&v, &replica_set(), Catalog::default(), &opts(None)).unwrap();
        assert_eq!(
            request.body(ApiVersion::V1),
            json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}})
        );
        assert!(!findings.is_empty() && !has_errors(&findings), "{findings:?}");
    }
}
