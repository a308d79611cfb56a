//! What the dashboard and the headless commands ask of Atlas and the journal, as plain async
//! functions: the submit protocol (record, send, record), tracking and forgetting, the
//! pickers' lists and downloads. No screen here, so every rule (never resend, never lose a
//! submit) holds and is tested without a terminal.

use super::journal::{Journal, JournalData, JournalError, Recorded, SubmitState, TrackedSubmit};
use super::poller::{Poller, PollerConfig};
use crate::atlas::{AtlasClient, AtlasError, Checkpoint, Cluster, RestoreJob, Snapshot, SnapshotFilter};
use crate::restore::{Clock, RestoreRequest};
use serde_json::Value;
use std::sync::Arc;

/// The same restore submitted again within this long is asked about first.
pub(crate) const REPEAT_WINDOW_MS: i64 = 3_600_000;

/// How a submit ended.
#[derive(Debug)]
pub enum SubmitOutcome {
    /// Atlas made the jobs; they are in the journal.
    Created { key: String, jobs: Vec<RestoreJob> },
    /// Atlas said no (in the error); recorded as refused.
    Refused { key: String, error: AtlasError },
    /// The answer was lost: recorded as unknown, to be reconciled, never resent.
    Unknown { key: String, detail: String },
    /// Not sent: the same restore was submitted less than an hour ago.
    Repeat(Box<TrackedSubmit>),
    /// Not sent: the journal could not record it first.
    NotRecorded(String),
    /// Atlas made the jobs but the journal could not record them.
    CreatedNotRecorded { jobs: Vec<RestoreJob>, error: String },
}

/// The client and the journal of one profile.
#[derive(Clone)]
pub struct Services {
    pub client: Arc<AtlasClient>,
    pub journal: Journal,
    /// Where "now" comes from: when a submit was made, what a poll saw, what a countdown
    /// counts from. Atlas's clock, as its answers tell it (`ServerClock`): the times compared
    /// with it (a job's `created`, a link's `expires`) are Atlas's.
    pub clock: Clock,
    /// The running downloads' cancel flags, by job id (Esc in a job's detail raises one).
    cancels: Arc<std::sync::Mutex<std::collections::HashMap<String, super::download::Cancel>>>,
}

impl Services {
    pub fn new(client: Arc<AtlasClient>, journal: Journal) -> Services {
        let server = client.server_clock();
        Services {
            client,
            journal,
            clock: Arc::new(move || server.now_ms(crate::restore::Context::system_now_ms())),
            cancels: Arc::default(),
        }
    }

    /// Atlas's clock minus this host's (ms), once an answer has told it.
    pub(crate) fn clock_offset_ms(&self) -> Option<i64> {
        self.client.server_clock().offset_ms()
    }

    pub fn now_ms(&self) -> i64 {
        (self.clock)()
    }

    /// A poller of this profile's tracked jobs.
    pub fn poller(&self, config: PollerConfig) -> Poller {
        Poller::new(self.client.clone(), self.journal.clone(), config).with_clock(self.clock.clone())
    }

    /// The journal as it is on disk now.
    pub async fn journal_data(&self) -> Result<JournalData, JournalError> {
        let j = self.journal.clone();
        run_blocking(move || j.load()).await
    }

    /// Sends a typed request to its own source (`submit_body`), its body encoded for the
    /// client's API version; an id target's resolved name is kept in the journal beside it.
    pub async fn submit(&self, request: &RestoreRequest, allow_repeat: bool) -> SubmitOutcome {
        let body = request.body(self.client.api());
        let named = request
            .target()
            .filter(|t| t.by_id)
            .and_then(|t| t.cluster_name.clone());
        let source = &request.source;
        self.submit_body(&source.group_id, &source.cluster_name, &body, named, allow_repeat)
            .await
    }

    /// Records the submit, sends it once, records the outcome, and only then answers.
    /// Unless `allow_repeat`, a restore submitted less than an hour ago is not sent again.
    pub async fn submit_body(
        &self,
        group_id: &str,
        cluster: &str,
        body: &Value,
        target_name: Option<String>,
        allow_repeat: bool,
    ) -> SubmitOutcome {
        let now_ms = self.now_ms();
        let since = (!allow_repeat).then_some(now_ms - REPEAT_WINDOW_MS);
        let (j, g, c, b) = (
            self.journal.clone(),
            group_id.to_string(),
            cluster.to_string(),
            body.clone(),
        );
        let key = match run_blocking(move || {
            j.record_sending_unless_repeat(&g, &c, &b, target_name.as_deref(), now_ms, since)
        })
        .await
        {
            Ok(Recorded::Key(key)) => key,
            Ok(Recorded::Repeat(earlier)) => return SubmitOutcome::Repeat(earlier),
            Err(e) => return SubmitOutcome::NotRecorded(e.to_string()),
        };
        let result = self.client.create_restore_job(group_id, cluster, body).await;
        let (state, jobs, note) = match &result {
            Ok(created) => (
                SubmitState::Created,
                created.jobs.clone(),
                created.shape_note.map(str::to_string),
            ),
            Err(AtlasError::OutcomeUnknown { detail }) => (SubmitState::Unknown, Vec::new(), Some(detail.clone())),
            Err(e) => (SubmitState::Refused, Vec::new(), Some(e.to_string())),
        };
        let (j, k) = (self.journal.clone(), key.clone());
        let recorded_jobs = jobs.clone();
        let saved = run_blocking(move || j.record_outcome(&k, state, recorded_jobs, note)).await;
        match (result, saved) {
            (Ok(_), Ok(())) => SubmitOutcome::Created { key, jobs },
            (Ok(_), Err(e)) => SubmitOutcome::CreatedNotRecorded {
                jobs,
                error: e.to_string(),
            },
            (Err(AtlasError::OutcomeUnknown { detail }), _) => SubmitOutcome::Unknown { key, detail },
            (Err(error), _) => SubmitOutcome::Refused { key, error },
        }
    }

    /// Where this profile's archives go: the config's `download_dir`, else the folder chosen
    /// at an earlier download (in the journal), else none yet and `suggested` offered.
    pub async fn download_folder(
        &self,
        configured: Option<&std::path::Path>,
        suggested: std::path::PathBuf,
    ) -> Result<super::DownloadFolder, JournalError> {
        let remembered = self.journal_data().await?.download_dir;
        let home = super::folder::home();
        Ok(super::DownloadFolder::resolve(
            configured,
            remembered.as_deref(),
            suggested,
            home.as_deref(),
        ))
    }

    /// Makes the folder the DBA typed ready (`folder::check_choice`) and remembers it for the
    /// profile; the error says what to do instead.
    pub async fn choose_download_dir(&self, text: &str) -> Result<std::path::PathBuf, String> {
        let (j, text) = (self.journal.clone(), text.to_string());
        journal_thread(move || {
            let dir = super::folder::check_choice(&text, super::folder::home().as_deref())?;
            j.update(|d| d.download_dir = Some(dir.clone()))
                .map_err(|e| format!("the folder is ready but could not be remembered: {e}"))?;
            Ok(dir)
        })
        .await
        .unwrap_or_else(Err)
    }

    /// Follows jobs made elsewhere (a lost submit's candidate settles that submit).
    pub async fn track(&self, group_id: &str, cluster: &str, jobs: Vec<RestoreJob>) -> Result<bool, JournalError> {
        let now_ms = self.now_ms();
        let (j, g, c) = (self.journal.clone(), group_id.to_string(), cluster.to_string());
        run_blocking(move || j.track(&g, &c, jobs, now_ms)).await
    }

    /// Dismisses lost submits' outcomes (they made no job): no longer shown. How many.
    pub async fn dismiss(&self, keys: Vec<String>) -> Result<usize, JournalError> {
        let j = self.journal.clone();
        run_blocking(move || j.dismiss(&keys)).await
    }

    /// Stops following a job; it stays in Atlas.
    pub async fn forget(&self, job_id: &str) -> Result<bool, JournalError> {
        let (j, id) = (self.journal.clone(), job_id.to_string());
        run_blocking(move || j.forget(&id)).await
    }

    pub async fn snapshots(&self, group_id: &str, cluster: &str) -> Result<Vec<Snapshot>, AtlasError> {
        self.client.list_snapshots(group_id, cluster, SnapshotFilter::All).await
    }

    pub async fn checkpoints(&self, group_id: &str, cluster: &str) -> Result<Vec<Checkpoint>, AtlasError> {
        self.client.list_checkpoints(group_id, cluster).await
    }

    /// Whether Atlas answers these keys: the project's clusters, or (with no project) the
    /// projects the keys see. One request; for a command that had nothing else to ask.
    pub async fn reachable(&self, group_id: Option<&str>) -> Result<(), AtlasError> {
        match group_id {
            Some(g) => self.client.list_clusters(g).await.map(|_| ()),
            None => self.client.list_projects().await.map(|_| ()),
        }
    }

    /// The projects the key can see: the target project's picker.
    pub async fn projects(&self) -> Result<Vec<crate::atlas::Project>, AtlasError> {
        self.client.list_projects().await
    }

    pub async fn clusters(&self, group_id: &str) -> Result<Vec<Cluster>, AtlasError> {
        self.client.list_clusters(group_id).await
    }

    /// The source cluster as a restore needs it: its document and, where the server answers
    /// `restorableTimeRanges` (Cloud and Ops Manager), the ranges a point in time can be
    /// restored from. Ranges that cannot be read leave the 24-hour rule in force.
    pub async fn cluster(&self, group_id: &str, cluster: &str) -> Result<Cluster, AtlasError> {
        let mut doc = self.client.get_cluster(group_id, cluster).await?;
        let id = doc.id.as_deref().unwrap_or(cluster).to_string();
        match self.client.restorable_time_ranges(group_id, &id).await {
            Ok(ranges) => doc.restorable_ranges = ranges,
            Err(e) => tracing::warn!(error = %crate::redact::scrub(&e.to_string()), "restorable time ranges not read"),
        }
        Ok(doc)
    }

    /// One restore job as Atlas has it now.
    pub async fn restore_job(&self, group_id: &str, cluster: &str, job_id: &str) -> Result<RestoreJob, AtlasError> {
        self.client.get_restore_job(group_id, cluster, job_id).await
    }

    /// Every restore job of the cluster, tracked or not.
    pub async fn cluster_jobs(&self, group_id: &str, cluster: &str) -> Result<Vec<RestoreJob>, AtlasError> {
        self.client.list_restore_jobs(group_id, cluster, None).await
    }

    /// Notes in the journal the snapshot sizes of this cluster's tracked jobs that lack one,
    /// from one listing of the cluster's snapshots (those still kept): the ETA scales by
    /// them. Returns how many it noted.
    pub async fn note_snapshot_sizes(&self, group_id: &str, cluster: &str) -> Result<usize, super::JobsError> {
        let snapshots = self.snapshots(group_id, cluster).await?;
        let sizes: std::collections::HashMap<String, i64> = snapshots
            .iter()
            .filter_map(|s| Some((s.id.to_string(), s.data_size_bytes()?)))
            .collect();
        let (j, g, c) = (self.journal.clone(), group_id.to_string(), cluster.to_string());
        run_blocking(move || {
            j.update(|d| {
                let wanted: Vec<(String, i64)> = d
                    .submits
                    .iter()
                    .filter(|s| s.group_id == g && s.cluster == c)
                    .flat_map(|s| s.jobs.iter())
                    .filter(|job| d.notes.get(job.id.as_str()).is_none_or(|n| n.snapshot_bytes.is_none()))
                    .filter_map(|job| Some((job.id.to_string(), *sizes.get(job.snapshot_id.as_deref()?)?)))
                    .collect();
                for (id, bytes) in &wanted {
                    d.notes.entry(id.clone()).or_default().snapshot_bytes = Some(*bytes);
                }
                wanted.len()
            })
        })
        .await
        .map_err(super::JobsError::Store)
    }

    /// A running job's elapsed time and estimate (`eta::for_job`), from the journal as it
    /// is now; `None` when the job has no creation time. No request: call
    /// `note_snapshot_sizes` once in a while for the estimate to scale by size.
    /// The cancel flag of a download of `job_id`, new or the running one's.
    pub(crate) fn cancel_handle(&self, job_id: &str) -> super::download::Cancel {
        let mut map = self.cancels.lock().unwrap_or_else(|p| p.into_inner());
        map.entry(job_id.to_string()).or_default().clone()
    }

    /// Stops the running download of `job_id` (its part is kept); `false` when none runs.
    pub(crate) fn cancel_download(&self, job_id: &str) -> bool {
        let map = self.cancels.lock().unwrap_or_else(|p| p.into_inner());
        map.get(job_id).map(super::download::Cancel::cancel).is_some()
    }

    /// The download of `job_id` ended.
    pub(crate) fn forget_cancel(&self, job_id: &str) {
        self.cancels.lock().unwrap_or_else(|p| p.into_inner()).remove(job_id);
    }

    pub async fn eta(&self, group_id: &str, cluster: &str, job: &RestoreJob) -> Option<super::eta::Eta> {
        // The cluster's whole history, settled long ago or not: the more past restores, the
        // better the estimate.
        let (j, g, c) = (self.journal.clone(), group_id.to_string(), cluster.to_string());
        let data = run_blocking(move || j.cluster_history(&g, &c)).await.ok()?;
        super::eta::for_job(&data, group_id, cluster, job, self.now_ms())
    }
}

/// Journal work off the async threads (it syncs files).
async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, JournalError> + Send + 'static,
) -> Result<T, JournalError> {
    journal_thread(f).await.unwrap_or_else(|e| {
        Err(JournalError::Write {
            path: std::path::PathBuf::from("(journal task)"),
            message: e,
        })
    })
}

/// Runs journal work on one thread kept for it, not on whichever of the blocking pool's
/// threads is free: glibc's malloc gives each thread an arena of its own and keeps in it what
/// was freed there, so a journal of 1,000 jobs, read twice a poll (megabytes each time), left
/// megabytes in every arena it passed through (30 MB after four polls; 27 MB on one thread).
/// On one thread each read reuses the room of the one before. Journal work is short (a read,
/// or a write under the lock), so one after the other costs little.
pub(crate) async fn journal_thread<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> Result<T, String> {
    type Work = Box<dyn FnOnce() + Send>;
    static QUEUE: std::sync::OnceLock<std::sync::mpsc::Sender<Work>> = std::sync::OnceLock::new();
    let queue = QUEUE.get_or_init(|| {
        let (queue, work) = std::sync::mpsc::channel::<Work>();
        // Should the thread not start, the queue's sends fail and say so.
        let _ = std::thread::Builder::new().name("journal".into()).spawn(move || {
            for w in work {
                // A panic is the caller's error, not the end of the thread (where panics
                // unwind: the release build aborts on one).
                let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(w));
            }
        });
        queue
    });
    let (tx, rx) = tokio::sync::oneshot::channel();
    queue
        .send(Box::new(move || {
            let _ = tx.send(f());
        }))
        .map_err(|_| "the journal thread is gone".to_string())?;
    rx.await.map_err(|_| "the journal work stopped".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A scratch folder, removed when dropped (a failed test's too).
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("atlas-restore-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn what_open_read_serves_a_load_only_while_the_file_is_that_one() {
        let tmp = scratch("open-read");
        let dir = tmp.path().to_path_buf();
        let body = serde_json::json!({"snapshotId": "s1"});
        // Opened before the file exists, then another window writes it.
        let early = Journal::open(&dir, "p").unwrap();
        let other = Journal::open(&dir, "p").unwrap();
        other.record_sending("g", "A", &body, 1).unwrap();
        assert_eq!(early.load().unwrap().submits.len(), 1);
        // Opened on a file that another window then rewrites, to the same length.
        let opened = Journal::open(&dir, "p").unwrap();
        other.update(|d| d.submits[0].cluster = "B".into()).unwrap();
        assert_eq!(opened.load().unwrap().submits[0].cluster, "B");
        // Unchanged: the same content, from the read `open` made.
        let unchanged = Journal::open(&dir, "p").unwrap();
        assert_eq!(unchanged.load().unwrap(), other.load().unwrap());
    }

    #[tokio::test]
    async fn the_journal_thread_answers_and_outlives_a_panic() {
        assert_eq!(journal_thread(|| 2 + 2).await, Ok(4));
        let panicked = journal_thread(|| -> i32 { panic!("a bug in one piece of work") }).await;
        assert!(panicked.is_err());
        assert_eq!(journal_thread(|| "still here").await, Ok("still here"));
    }
}
