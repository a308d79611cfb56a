//! What a profile tracks, as the journal hands it out: each submit (its request, its state,
//! the jobs it made), the jobs with their requests, and what is live of a profile
//! (`JournalData`). Plain data; the store keeps it (`super::journal`).

pub use super::notes::{DownloadNote, JobNotes};
use crate::atlas::RestoreJob;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::path::PathBuf;

/// Where a submit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmitState {
    /// Written before the request goes out; still so after a crash mid-send.
    Sending,
    /// Atlas answered with the jobs (or reconciliation found them).
    Created,
    /// The request may have reached Atlas but its answer was lost: to be reconciled by
    /// listing the cluster's jobs, never resubmitted by itself.
    Unknown,
    /// Atlas refused it; kept for the record.
    Refused,
    /// Lost, and the cluster's list, read after the window it could have been created in,
    /// has no such job: it was most likely not created.
    NotFound,
}

/// How an entry came into the journal.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Origin {
    /// Sent from here (a dashboard or `atlas-restore submit`).
    #[default]
    Submitted,
    /// A job made elsewhere that the DBA chose to follow (`t`).
    Tracked,
}

/// One submit and the jobs it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedSubmit {
    /// Local key: when it was made and a random part.
    pub key: String,
    pub group_id: String,
    pub cluster: String,
    pub submitted_at_ms: i64,
    /// The body as sent; `null` for a job tracked from elsewhere.
    pub request: Value,
    pub state: SubmitState,
    #[serde(default)]
    pub origin: Origin,
    /// The last copy of each job Atlas returned.
    #[serde(default, deserialize_with = "exact_jobs")]
    pub jobs: Vec<RestoreJob>,
    /// Jobs of a lost submit that could each be it: the DBA chooses (`t`), nothing guesses.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<RestoreJob>,
    /// Ids of jobs forgotten with `x`: they stay claimed, so no reconciliation adopts them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forgotten: Vec<String>,
    /// Why the state is what it is (the error, the reconciliation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When reconciliation last read the cluster's list for it (epoch ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub looked_ms: Option<i64>,
    /// An automated restore whose request names its target by id (Cloud and Ops Manager):
    /// the target's name as the submit resolved it from the project's clusters, so that every
    /// row, detail and `jobs` shows which cluster was erased by name, not 24 hex digits alone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    /// A lost submit found to have made no job (`NotFound`), its outcome seen and dismissed
    /// by the DBA (`X` in the panel): until then it is shown, so that a submit that never
    /// happened is not taken for one that did.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dismissed: bool,
}

/// A submit's jobs read with no spare room: a list read grows to room for 4 jobs (570 bytes
/// each) where most submits made one; given back at once, a journal read takes half the room.
fn exact_jobs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<RestoreJob>, D::Error> {
    let mut jobs = Vec::<RestoreJob>::deserialize(d)?;
    jobs.shrink_to_fit();
    Ok(jobs)
}

/// A local key: when, and a random part.
pub(crate) fn new_key(now_ms: i64) -> String {
    format!("{now_ms}-{:08x}", random_u32())
}

/// 32 random bits from the OS, for names that must not collide (a local key, a probe file).
/// Should the OS have none to give, a count this process keeps, mixed with its id.
pub(crate) fn random_u32() -> u32 {
    let mut bytes = [0u8; 4];
    match getrandom::getrandom(&mut bytes) {
        Ok(()) => u32::from_ne_bytes(bytes),
        Err(_) => {
            static COUNT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
            COUNT.fetch_add(1, std::sync::atomic::Ordering::Relaxed) ^ std::process::id().rotate_left(16)
        }
    }
}

impl TrackedSubmit {
    /// A submit about to be sent.
    pub(crate) fn sending(
        key: &str,
        group_id: &str,
        cluster: &str,
        request: &Value,
        target_name: Option<&str>,
        now_ms: i64,
    ) -> TrackedSubmit {
        TrackedSubmit {
            key: key.to_string(),
            group_id: group_id.to_string(),
            cluster: cluster.to_string(),
            submitted_at_ms: now_ms,
            request: request.clone(),
            state: SubmitState::Sending,
            origin: Origin::Submitted,
            jobs: Vec::new(),
            candidates: Vec::new(),
            forgotten: Vec::new(),
            note: None,
            looked_ms: None,
            target_name: target_name.map(str::to_string),
            dismissed: false,
        }
    }

    /// A lost submit that made no job, not yet dismissed: its outcome is still shown.
    pub(crate) fn awaits_dismissal(&self) -> bool {
        self.state == SubmitState::NotFound && !self.dismissed
    }

    /// Sent and then nothing heard (a crash, a lost answer): to be reconciled.
    pub(crate) fn is_unresolved(&self) -> bool {
        matches!(self.state, SubmitState::Sending | SubmitState::Unknown)
    }

    /// Whether another look at the cluster's list can still change what is known: not once a
    /// look was made after the window the job could have been created in.
    pub(crate) fn worth_a_look(&self) -> bool {
        use super::reconcile::{CLOCK_SKEW_MS, LATEST_CREATE_MS};
        self.is_unresolved()
            && self
                .looked_ms
                .is_none_or(|l| l <= self.submitted_at_ms + LATEST_CREATE_MS + CLOCK_SKEW_MS)
    }

    /// Whether `body` asks for the same restore as this submit's request: same cluster,
    /// restore point, method and target (the delivery's limits aside).
    pub(crate) fn same_restore(&self, group_id: &str, cluster: &str, body: &Value) -> bool {
        fn key(v: &Value) -> Vec<String> {
            let text = |v: &Value| match v {
                Value::Null => String::new(),
                Value::String(s) => s.trim().to_string(),
                other => other.to_string(),
            };
            let d = v.get("delivery").unwrap_or(&Value::Null);
            let top = [
                "snapshotId",
                "checkpointId",
                "oplogTs",
                "oplogInc",
                "pointInTimeUTCMillis",
            ];
            let del = ["methodName", "targetGroupId", "targetClusterName", "targetClusterId"];
            top.iter()
                .map(|k| text(v.get(*k).unwrap_or(&Value::Null)))
                .chain(del.iter().map(|k| text(d.get(*k).unwrap_or(&Value::Null))))
                .collect()
        }
        self.origin == Origin::Submitted
            && self.group_id == group_id
            && self.cluster == cluster
            && key(&self.request) == key(body)
    }
}

/// The submits' jobs, newest submit first, each with its submit's request (one copy a submit).
fn tracked_of(submits: impl DoubleEndedIterator<Item = TrackedSubmit>) -> Vec<TrackedJob> {
    let mut out = Vec::with_capacity(submits.size_hint().0);
    for s in submits.rev() {
        let request = (!s.request.is_null()).then(|| std::sync::Arc::new(s.request));
        let name = s.target_name;
        out.extend(s.jobs.into_iter().map(|mut job| {
            name_target(&mut job, name.as_deref());
            TrackedJob {
                job,
                request: request.clone(),
                group_id: s.group_id.clone(),
                cluster: s.cluster.clone(),
            }
        }));
    }
    out
}

/// A job whose delivery names its target by id alone gets the name its submit resolved.
pub fn name_target(job: &mut RestoreJob, name: Option<&str>) {
    if let (Some(name), Some(d)) = (name, job.delivery.as_mut())
        && d.target_cluster_name.is_none()
    {
        d.target_cluster_name = Some(crate::text::Clean::new(name));
    }
}

/// What `record_sending_unless_repeat` did.
#[derive(Debug, Clone, PartialEq)]
pub enum Recorded {
    /// Recorded under this key: send it.
    Key(String),
    /// Not recorded: this earlier submit asked for the same restore.
    Repeat(Box<TrackedSubmit>),
}

/// The journal's content.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JournalData {
    pub version: u32,
    pub submits: Vec<TrackedSubmit>,
    /// What this profile learned about jobs beyond Atlas's copies, by job id (tracked jobs,
    /// and listed ones downloaded from here).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub notes: BTreeMap<String, JobNotes>,
    /// The folder the DBA chose for this profile's archives, asked at the first download
    /// (a `download_dir` in the config goes first). Here, so every window and the headless
    /// `download` see the choice.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download_dir: Option<PathBuf>,
}

/// A tracked job and the request that made it (when it was sent from here).
#[derive(Debug, Clone, PartialEq)]
pub struct TrackedJob {
    pub job: RestoreJob,
    pub request: Option<std::sync::Arc<Value>>,
    pub group_id: String,
    pub cluster: String,
}

impl From<RestoreJob> for TrackedJob {
    /// A job known only from Atlas: no request, its own project and cluster.
    fn from(job: RestoreJob) -> TrackedJob {
        TrackedJob {
            group_id: job.group_id.as_deref().unwrap_or_default().to_string(),
            cluster: job.cluster_name.as_deref().unwrap_or_default().to_string(),
            request: None,
            job,
        }
    }
}

impl JournalData {
    /// Every tracked job, newest submit first, with its request.
    pub fn tracked(&self) -> Vec<TrackedJob> {
        tracked_of(self.submits.iter().cloned())
    }

    /// As `tracked`, moving the jobs out rather than copying them: with 1,000 jobs a copy is
    /// megabytes, and the poller and the dashboard's start need the journal no more after.
    pub(crate) fn into_tracked(self) -> Vec<TrackedJob> {
        tracked_of(self.submits.into_iter())
    }

    /// Every tracked job, newest submit first.
    pub fn jobs(&self) -> Vec<RestoreJob> {
        self.submits.iter().rev().flat_map(|s| s.jobs.iter().cloned()).collect()
    }

    pub fn unresolved(&self) -> Vec<&TrackedSubmit> {
        self.submits.iter().filter(|s| s.is_unresolved()).collect()
    }

    /// The lost submits to tell of: those not resolved yet, and those found to have made no
    /// job that the DBA has not dismissed.
    pub fn lost(&self) -> Vec<&TrackedSubmit> {
        self.submits
            .iter()
            .filter(|s| s.is_unresolved() || s.awaits_dismissal())
            .collect()
    }

    /// Job ids some entry already owns (tracked or forgotten): never anyone else's match.
    pub fn claimed_ids(&self) -> HashSet<String> {
        self.submits
            .iter()
            .flat_map(|s| {
                s.jobs
                    .iter()
                    .map(|j| j.id.to_string())
                    .chain(s.forgotten.iter().cloned())
            })
            .collect()
    }

    /// The latest submit of the same restore sent after `since_ms` that Atlas did not refuse.
    pub(crate) fn same_restore_since(
        &self,
        group_id: &str,
        cluster: &str,
        body: &Value,
        since_ms: i64,
    ) -> Option<&TrackedSubmit> {
        self.submits.iter().rev().find(|s| {
            s.submitted_at_ms >= since_ms
                && !matches!(s.state, SubmitState::Refused | SubmitState::NotFound)
                && s.same_restore(group_id, cluster, body)
        })
    }

    pub fn is_tracked(&self, job_id: &str) -> bool {
        self.submits.iter().any(|s| s.jobs.iter().any(|j| j.id == job_id))
    }
}
