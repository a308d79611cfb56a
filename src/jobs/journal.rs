//! The tracked-jobs journal: every submit of a profile, on disk, so that nothing submitted is
//! ever forgotten, not even across `kill -9` or a dropped SSH session. Each change is written
//! to a temporary file, synced, and renamed into place (then the directory is synced), so a
//! crash leaves the old journal or the new one, never half of one. Files are 0600: they name
//! projects, clusters and download URLs.

use crate::atlas::RestoreJob;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};

/// Where a submit stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum SubmitState {
    /// Written before the request goes out; still so after a crash mid-send.
    Sending,
    /// Atlas answered with the jobs.
    Created,
    /// The request may have reached Atlas but its answer was lost: to be reconciled by
    /// listing the cluster's jobs, never resubmitted by itself.
    Unknown,
    /// Atlas refused it; kept for the record.
    Refused,
}

/// One submit and the jobs it made.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrackedSubmit {
    /// Local key: when it was made and a random part.
    pub key: String,
    pub group_id: String,
    pub cluster: String,
    pub submitted_at_ms: i64,
    pub request: Value,
    pub state: SubmitState,
    /// The last copy of each job Atlas returned.
    #[serde(default)]
    pub jobs: Vec<RestoreJob>,
    /// Why the state is what it is (the error, the reconciliation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct JournalFile {
    version: u32,
    submits: Vec<TrackedSubmit>,
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
}

#[derive(Debug)]
pub struct Journal {
    path: PathBuf,
    submits: Vec<TrackedSubmit>,
}

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
    /// Opens (or starts) the journal of `profile` in `dir`.
    pub fn open(dir: &Path, profile: &str) -> Result<Journal, JournalError> {
        let path = dir.join(file_name(profile));
        let submits = match std::fs::read(&path) {
            Ok(bytes) => {
                let file: JournalFile = serde_json::from_slice(&bytes).map_err(|e| JournalError::Damaged {
                    path: path.clone(),
                    message: e.to_string(),
                })?;
                file.submits
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Vec::new(),
            Err(source) => return Err(JournalError::Read { path, source }),
        };
        Ok(Journal { path, submits })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn submits(&self) -> &[TrackedSubmit] {
        &self.submits
    }

    /// Every job of every submit, newest submit first.
    pub fn jobs(&self) -> Vec<RestoreJob> {
        self.submits.iter().rev().flat_map(|s| s.jobs.iter().cloned()).collect()
    }

    /// Records a submit about to be sent, durably, and returns its key.
    pub fn record_sending(
        &mut self,
        group_id: &str,
        cluster: &str,
        request: &Value,
        now_ms: i64,
    ) -> Result<String, JournalError> {
        let key = format!("{now_ms}-{:08x}", rand::random::<u32>());
        self.submits.push(TrackedSubmit {
            key: key.clone(),
            group_id: group_id.to_string(),
            cluster: cluster.to_string(),
            submitted_at_ms: now_ms,
            request: request.clone(),
            state: SubmitState::Sending,
            jobs: Vec::new(),
            note: None,
        });
        self.save()?;
        Ok(key)
    }

    /// Sets a submit's outcome and saves.
    pub fn record_outcome(
        &mut self,
        key: &str,
        state: SubmitState,
        jobs: Vec<RestoreJob>,
        note: Option<String>,
    ) -> Result<(), JournalError> {
        if let Some(s) = self.submits.iter_mut().find(|s| s.key == key) {
            s.state = state;
            if !jobs.is_empty() {
                s.jobs = jobs;
            }
            s.note = note;
        }
        self.save()
    }

    /// Submits whose outcome is not known: sent, and then nothing heard (a crash, a lost answer).
    pub fn unresolved(&self) -> Vec<&TrackedSubmit> {
        self.submits
            .iter()
            .filter(|s| matches!(s.state, SubmitState::Sending | SubmitState::Unknown))
            .collect()
    }

    /// Replaces the known copies of jobs with fresher ones; saves when anything changed.
    pub fn update_jobs(&mut self, fresh: &[RestoreJob]) -> Result<bool, JournalError> {
        let mut changed = false;
        for submit in &mut self.submits {
            for job in &mut submit.jobs {
                if let Some(new) = fresh.iter().find(|f| f.id == job.id)
                    && new != job
                {
                    *job = new.clone();
                    changed = true;
                }
            }
        }
        if changed {
            self.save()?;
        }
        Ok(changed)
    }

    /// Writes the journal durably: temporary file, sync, rename, sync the directory.
    pub fn save(&self) -> Result<(), JournalError> {
        let err = |source| JournalError::Write {
            path: self.path.clone(),
            source,
        };
        let dir = self.path.parent().unwrap_or(Path::new("."));
        std::fs::create_dir_all(dir).map_err(err)?;
        let bytes = serde_json::to_vec_pretty(&JournalFile {
            version: 1,
            submits: self.submits.clone(),
        })
        .map_err(|e| err(std::io::Error::other(e)))?;
        let tmp = self.path.with_extension(format!("json.tmp{}", std::process::id()));
        {
            let mut file = private_file(&tmp).map_err(err)?;
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

#[cfg(unix)]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
}

#[cfg(not(unix))]
fn private_file(path: &Path) -> std::io::Result<std::fs::File> {
    std::fs::File::create(path)
}
