//! The tracked-jobs journal: every submit of a profile, on disk, so that nothing submitted is
//! ever forgotten, not even across `kill -9`, a dropped SSH session, or two windows on one
//! profile.
//!
//! Every change takes an exclusive lock on a lock file beside the journal, re-reads the
//! journal, applies itself, writes a temporary file, syncs it, renames it into place (then
//! syncs the directory) and releases the lock. So changes from any number of processes are
//! applied one after the other, each to the latest state (none overwrites another's), and a
//! crash leaves the old journal or the new one, never half of one. Readers take no lock: a
//! rename is atomic, so they see a whole file. Files are 0600: they name projects, clusters
//! and download URLs.

pub use super::notes::{DownloadNote, JobNotes};
use crate::atlas::RestoreJob;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::{Path, PathBuf};

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
}

/// A submit's jobs read with no spare room: a list read grows to room for 4 jobs (570 bytes
/// each) where most submits made one; given back at once, a journal read takes half the room.
fn exact_jobs<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<RestoreJob>, D::Error> {
    let mut jobs = Vec::<RestoreJob>::deserialize(d)?;
    jobs.shrink_to_fit();
    Ok(jobs)
}

/// A local key: when, and a random part.
fn new_key(now_ms: i64) -> String {
    format!("{now_ms}-{:08x}", rand::random::<u32>())
}

impl TrackedSubmit {
    /// A submit about to be sent.
    fn sending(
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
        }
    }

    /// Sent and then nothing heard (a crash, a lost answer): to be reconciled.
    pub fn is_unresolved(&self) -> bool {
        matches!(self.state, SubmitState::Sending | SubmitState::Unknown)
    }

    /// Whether another look at the cluster's list can still change what is known: not once a
    /// look was made after the window the job could have been created in.
    pub fn worth_a_look(&self) -> bool {
        use super::reconcile::{CLOCK_SKEW_MS, LATEST_CREATE_MS};
        self.is_unresolved()
            && self
                .looked_ms
                .is_none_or(|l| l <= self.submitted_at_ms + LATEST_CREATE_MS + CLOCK_SKEW_MS)
    }

    /// Whether `body` asks for the same restore as this submit's request: same cluster,
    /// restore point, method and target (the delivery's limits aside).
    pub fn same_restore(&self, group_id: &str, cluster: &str, body: &Value) -> bool {
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
    pub fn into_tracked(self) -> Vec<TrackedJob> {
        tracked_of(self.submits.into_iter())
    }

    /// Every tracked job, newest submit first.
    pub fn jobs(&self) -> Vec<RestoreJob> {
        self.submits.iter().rev().flat_map(|s| s.jobs.iter().cloned()).collect()
    }

    pub fn unresolved(&self) -> Vec<&TrackedSubmit> {
        self.submits.iter().filter(|s| s.is_unresolved()).collect()
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
    pub fn same_restore_since(
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

#[derive(Debug, thiserror::Error)]
pub enum JournalError {
    #[error("cannot read the job journal {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error(
        "the job journal {path} is damaged ({message}); it is left untouched: move it aside to start a new one, after noting the jobs it lists"
    )]
    Damaged { path: PathBuf, message: String },
    #[error("cannot write the job journal {path}: {source}")]
    Write { path: PathBuf, source: std::io::Error },
    #[error("cannot lock the job journal {path}: {source}")]
    Lock { path: PathBuf, source: std::io::Error },
}

/// The journal of one profile: a handle on its file, keeping no copy of it (but what `open`
/// read, for the first `load`), so every process and every task sees what is on disk.
#[derive(Debug, Clone)]
pub struct Journal {
    path: PathBuf,
    lock_path: PathBuf,
    /// What `open` read and its stamp: the first `load`, while the file is still that one,
    /// takes it instead of reading the file again (the dashboard's start reads it once).
    opened: std::sync::Arc<std::sync::Mutex<Opened>>,
}

/// A read of the journal: the file's stamp (`None`: no file) and its content.
type Opened = Option<(Option<Stamp>, JournalData)>;

/// The per-user data directory (`~/.local/share/atlas-restore` on Linux; `XDG_DATA_HOME` is honoured).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "atlas-restore").map(|d| d.data_dir().to_path_buf())
}

/// `jobs-PROFILE.json`, the profile's name reduced to safe characters.
pub fn file_name(profile: &str) -> String {
    let safe: String = profile
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("jobs-{safe}.json")
}

impl Journal {
    /// The journal of `profile` in `dir`, read once to refuse a damaged file at the start
    /// rather than at the first submit; what was read serves the first `load`.
    pub fn open(dir: &Path, profile: &str) -> Result<Journal, JournalError> {
        let path = dir.join(file_name(profile));
        let lock_path = dir.join(format!("{}.lock", file_name(profile)));
        let journal = Journal {
            path,
            lock_path,
            opened: Default::default(),
        };
        *journal.opened() = Some(journal.read()?);
        Ok(journal)
    }

    fn opened(&self) -> std::sync::MutexGuard<'_, Opened> {
        self.opened.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// What is on disk now (empty when there is no journal yet).
    pub fn load(&self) -> Result<JournalData, JournalError> {
        let opened = self.opened().take();
        match opened {
            Some((stamp, data)) if self.stamp().ok() == Some(stamp) => Ok(data),
            _ => self.read().map(|(_, data)| data),
        }
    }

    /// The file as it is now, and its stamp (read from the file read, so they agree).
    fn read(&self) -> Result<(Option<Stamp>, JournalData), JournalError> {
        let err = |source| JournalError::Read {
            path: self.path.clone(),
            source,
        };
        let file = match std::fs::File::open(&self.path) {
            Ok(file) => file,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok((None, JournalData::default())),
            Err(e) => return Err(err(e)),
        };
        let stamp = Stamp::of(&file.metadata().map_err(err)?);
        // Parsed as it is read: no copy of the file's text beside the parsed journal.
        let mut data: JournalData = serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| {
            if e.is_io() {
                return err(e.into());
            }
            JournalError::Damaged {
                path: self.path.clone(),
                message: e.to_string(),
            }
        })?;
        // An old journal's deprecated `url` is dropped as it is read (`update_keep` rewrites it).
        data.drop_unwritten();
        Ok((Some(stamp), data))
    }

    /// What tells one version of the file from another (`None`: no file), without reading it:
    /// each write renames a new file into place, so its inode, size or time differ.
    pub fn stamp(&self) -> Result<Option<Stamp>, JournalError> {
        match std::fs::metadata(&self.path) {
            Ok(m) => Ok(Some(Stamp::of(&m))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(source) => Err(JournalError::Read {
                path: self.path.clone(),
                source,
            }),
        }
    }

    /// Applies `change` to the latest journal under the lock and writes it when it changed.
    pub fn update<T>(&self, change: impl FnOnce(&mut JournalData) -> T) -> Result<T, JournalError> {
        self.update_keep(change).map(|(out, _)| out)
    }

    /// As `update`, and gives the journal as written back (no copy of it is made).
    pub fn update_keep<T>(&self, change: impl FnOnce(&mut JournalData) -> T) -> Result<(T, JournalData), JournalError> {
        let _lock = self.lock()?;
        // Always the file itself: a change applies to the latest version.
        *self.opened() = None;
        let (stamp, mut data) = self.read()?;
        // A file not of version 1 (one that held `url`) is written again in any case.
        let stale = stamp.is_some() && data.version != 1;
        let before = fingerprint(&data);
        let out = change(&mut data);
        if stale || fingerprint(&data) != before {
            data.version = 1;
            self.write(&data)?;
        }
        Ok((out, data))
    }

    /// Records a submit about to be sent, durably, and returns its key.
    pub fn record_sending(
        &self,
        group_id: &str,
        cluster: &str,
        request: &Value,
        now_ms: i64,
    ) -> Result<String, JournalError> {
        let key = new_key(now_ms);
        self.update(|d| {
            d.submits
                .push(TrackedSubmit::sending(&key, group_id, cluster, request, None, now_ms));
        })?;
        Ok(key)
    }

    /// Records a submit about to be sent, unless the same restore was submitted since
    /// `repeat_since_ms` (checked under the lock, so two windows cannot both miss the other's).
    pub fn record_sending_unless_repeat(
        &self,
        group_id: &str,
        cluster: &str,
        request: &Value,
        target_name: Option<&str>,
        now_ms: i64,
        repeat_since_ms: Option<i64>,
    ) -> Result<Recorded, JournalError> {
        let key = new_key(now_ms);
        self.update(|d| {
            if let Some(since) = repeat_since_ms
                && let Some(earlier) = d.same_restore_since(group_id, cluster, request, since)
            {
                return Recorded::Repeat(Box::new(earlier.clone()));
            }
            d.submits.push(TrackedSubmit::sending(
                &key,
                group_id,
                cluster,
                request,
                target_name,
                now_ms,
            ));
            Recorded::Key(key.clone())
        })
    }

    /// Sets a submit's outcome (and its jobs, when it has some).
    pub fn record_outcome(
        &self,
        key: &str,
        state: SubmitState,
        jobs: Vec<RestoreJob>,
        note: Option<String>,
    ) -> Result<(), JournalError> {
        self.update(|d| {
            if let Some(s) = d.submits.iter_mut().find(|s| s.key == key) {
                s.state = state;
                if !jobs.is_empty() {
                    s.jobs = jobs;
                    s.candidates.clear();
                }
                s.note = note;
            }
        })
    }

    /// Follows a job made elsewhere (or one of a lost submit's candidates, which settles that
    /// submit). Its whole batch comes along when `jobs` holds it. `false` when it already was.
    pub fn track(
        &self,
        group_id: &str,
        cluster: &str,
        jobs: Vec<RestoreJob>,
        now_ms: i64,
    ) -> Result<bool, JournalError> {
        self.update(|d| {
            let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
            if ids.iter().all(|id| d.is_tracked(id)) {
                return false;
            }
            let jobs: Vec<RestoreJob> = jobs.into_iter().filter(|j| !d.is_tracked(&j.id)).collect();
            for s in &mut d.submits {
                s.forgotten.retain(|f| !ids.contains(f));
            }
            // A lost submit that listed it as a candidate: it is that submit's job.
            if let Some(s) = d
                .submits
                .iter_mut()
                .find(|s| s.is_unresolved() && s.candidates.iter().any(|c| ids.iter().any(|i| c.id == *i)))
            {
                s.state = SubmitState::Created;
                s.jobs = jobs;
                s.candidates.clear();
                s.note = Some("chosen among the candidates by hand".into());
                return true;
            }
            d.submits.push(TrackedSubmit {
                state: SubmitState::Created,
                origin: Origin::Tracked,
                jobs,
                note: Some("tracked by hand: made elsewhere".into()),
                ..TrackedSubmit::sending(&new_key(now_ms), group_id, cluster, &Value::Null, None, now_ms)
            });
            true
        })
    }

    /// Stops following a job (it stays in Atlas). `false` when it was not tracked.
    pub fn forget(&self, job_id: &str) -> Result<bool, JournalError> {
        self.update(|d| {
            for s in &mut d.submits {
                if let Some(i) = s.jobs.iter().position(|j| j.id == job_id) {
                    s.jobs.remove(i);
                    s.forgotten.push(job_id.to_string());
                    return true;
                }
            }
            false
        })
    }

    /// An exclusive lock on the lock file, held until the guard drops. (The journal itself is
    /// replaced by each rename, so its own inode cannot carry the lock.)
    fn lock(&self) -> Result<std::fs::File, JournalError> {
        let err = |source| JournalError::Lock {
            path: self.lock_path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let file = open_private(&self.lock_path, false).map_err(err)?;
        file.lock().map_err(err)?;
        Ok(file)
    }

    /// Writes the journal durably: temporary file, sync, rename, sync the directory.
    fn write(&self, data: &JournalData) -> Result<(), JournalError> {
        let err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        let bytes = serde_json::to_vec_pretty(data).map_err(|e| err(std::io::Error::other(e)))?;
        let tmp = self.path.with_extension(format!("json.tmp{}", std::process::id()));
        {
            let mut file = open_private(&tmp, true).map_err(err)?;
            file.write_all(&bytes).map_err(err)?;
            file.sync_all().map_err(err)?;
        }
        std::fs::rename(&tmp, &self.path).map_err(err)?;
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }
}

/// A version of the journal file: its inode, size and modification time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(u64, u64, Option<std::time::SystemTime>);

impl Stamp {
    fn of(m: &std::fs::Metadata) -> Stamp {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(m);
        #[cfg(not(unix))]
        let inode = 0;
        Stamp(inode, m.len(), m.modified().ok())
    }
}

/// A hash of the journal as it would be written, streamed (no copy of it is made).
fn fingerprint(data: &JournalData) -> u64 {
    use std::hash::Hasher;
    struct Feed(std::collections::hash_map::DefaultHasher);
    impl Write for Feed {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0.write(buf);
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut feed = Feed(std::collections::hash_map::DefaultHasher::new());
    // Writing into a hasher cannot fail; a failure would only mean "write it".
    let _ = serde_json::to_writer(&mut feed, data);
    feed.0.finish()
}

fn open_private(path: &Path, truncate: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(truncate);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}
