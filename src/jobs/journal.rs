//! The tracked jobs of a profile: every submit, on disk in the store (`super::store`), so
//! that nothing submitted is ever forgotten, not even across `kill -9`, a dropped SSH
//! session, or two windows on one profile.
//!
//! A change runs in one write transaction of the store: it reads what is live, applies
//! itself, and writes back only the rows it changed. Writers from any number of processes
//! take their turn (none overwrites another's), and a crash leaves the state before the
//! change or after it, never half of one.

pub use super::notes::{DownloadNote, JobNotes};
use super::store::{self, Store};
use super::stored::StoredSubmit;
use super::tracked::new_key;
pub use super::tracked::{JournalData, Origin, Recorded, SubmitState, TrackedJob, TrackedSubmit, name_target};
use crate::atlas::RestoreJob;
use serde::Serialize;
use serde_json::Value;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

/// The journal's failures are the store's.
pub type JournalError = super::store::StoreError;

/// The jobs of one profile in the store: a handle, keeping no copy of them, so every process
/// and every task sees what is stored now.
#[derive(Debug, Clone)]
pub struct Journal {
    store: std::sync::Arc<std::sync::Mutex<Store>>,
    profile: String,
}

/// The per-user data directory (`~/.local/share/atlas-restore` on Linux; `XDG_DATA_HOME` is honoured).
pub fn default_dir() -> Option<PathBuf> {
    directories::ProjectDirs::from("", "", "atlas-restore").map(|d| d.data_dir().to_path_buf())
}

/// The store's file in the data folder: every profile's jobs.
pub(crate) const STORE_FILE: &str = "store.sqlite3";

/// `jobs-PROFILE.json`, 0.1.0's journal of a profile (the name reduced to safe characters):
/// read once, to import it.
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

/// What tells one state of a profile's jobs from another without reading them: the
/// profile's revision, which every change by any process moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stamp(i64);

/// The wall clock, for what the store decides by time (which submits are live).
fn wall_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// A hash of a row as it would be written, to write only the rows a change touched.
fn row_hash<T: Serialize>(value: &T) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut h = std::collections::hash_map::DefaultHasher::new();
    serde_json::to_vec(value).unwrap_or_default().hash(&mut h);
    h.finish()
}

impl Journal {
    /// The jobs of `profile` in the store in `dir`. A 0.1.0 journal of the profile in `dir`
    /// is imported the first time (and renamed `.imported`); a damaged one is refused.
    pub fn open(dir: &Path, profile: &str) -> Result<Journal, JournalError> {
        let mut store = Store::open(&dir.join(STORE_FILE))?;
        if !store.has_profile(profile)? {
            super::import::import_old(&mut store, &dir.join(file_name(profile)), profile, wall_ms())?;
        }
        Ok(Journal {
            store: std::sync::Arc::new(std::sync::Mutex::new(store)),
            profile: profile.to_string(),
        })
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The store's file.
    pub fn path(&self) -> PathBuf {
        self.store().path().to_path_buf()
    }

    pub fn profile(&self) -> &str {
        &self.profile
    }

    /// What is live now: submits in flight or unresolved, links not yet expired, and what
    /// settled in the last week, with their notes and the download folder.
    pub fn load(&self) -> Result<JournalData, JournalError> {
        let profile = self.profile.clone();
        self.store().read(|tx| live_data(tx, &profile, wall_ms()))
    }

    /// Every submit of one cluster, settled long ago or not, with their notes: what the
    /// estimates of its next restores are based on.
    pub(crate) fn cluster_history(&self, group_id: &str, cluster: &str) -> Result<JournalData, JournalError> {
        let profile = self.profile.clone();
        self.store().read(|tx| {
            let submits = parse_all(store::cluster_bodies(tx, &profile, group_id, cluster)?)?;
            let notes = notes_of(tx, &profile, &submits)?;
            Ok(JournalData {
                version: 1,
                submits,
                notes,
                download_dir: None,
            })
        })
    }

    /// Everything stored of the profile, live or not, oldest submit first: an export, and what
    /// tests compare.
    pub fn everything(&self) -> Result<JournalData, JournalError> {
        let profile = self.profile.clone();
        self.store().read(|tx| {
            let mut bodies: Vec<String> = store::all_bodies(tx, Some(&profile))?
                .into_iter()
                .map(|(_, b)| b)
                .collect();
            bodies.reverse();
            let submits = parse_all(bodies)?;
            let notes = notes_of(tx, &profile, &submits)?;
            Ok(JournalData {
                version: 1,
                submits,
                notes,
                download_dir: store::download_dir(tx, &profile)?.map(PathBuf::from),
            })
        })
    }

    /// Every submit ever stored, newest first, with its profile: of this profile, or of all.
    pub fn history(&self, all_profiles: bool) -> Result<Vec<(String, TrackedSubmit)>, JournalError> {
        let mut all = Vec::new();
        self.history_each(all_profiles, |p, s| all.push((p.to_string(), s)))?;
        Ok(all)
    }

    /// As `history`, each submit handed over as it is read: memory stays that of one submit
    /// however long the history is.
    pub(crate) fn history_each(
        &self,
        all_profiles: bool,
        mut each: impl FnMut(&str, TrackedSubmit),
    ) -> Result<(), JournalError> {
        let profile = (!all_profiles).then(|| self.profile.clone());
        self.store().read(|tx| {
            store::each_body(tx, profile.as_deref(), |p, body| {
                each(p, parse_submit(body)?);
                Ok(())
            })
        })
    }

    /// Every job's notes in the store, of this profile or every one, by (profile, job id).
    pub(crate) fn all_notes(&self, all_profiles: bool) -> Result<HashMap<(String, String), JobNotes>, JournalError> {
        let profile = (!all_profiles).then(|| self.profile.clone());
        self.store().read(|tx| {
            store::all_notes(tx, profile.as_deref())?
                .into_iter()
                .map(|(p, id, body)| Ok(((p, id), from_json(&body)?)))
                .collect()
        })
    }

    /// What tells one state of the profile's jobs from another, without reading them.
    pub fn stamp(&self) -> Result<Option<Stamp>, JournalError> {
        self.store().revision(&self.profile).map(|r| Some(Stamp(r)))
    }

    /// Applies `change` to what is live, in one write transaction, writing only the rows it
    /// changed.
    pub fn update<T>(&self, change: impl FnOnce(&mut JournalData) -> T) -> Result<T, JournalError> {
        self.update_keep(change).map(|(out, _)| out)
    }

    /// As `update`, and gives what is live as written back (no copy of it is made).
    pub(crate) fn update_keep<T>(
        &self,
        change: impl FnOnce(&mut JournalData) -> T,
    ) -> Result<(T, JournalData), JournalError> {
        self.change(|d, _| Ok(change(d)))
    }

    /// The transaction under `update`: `change` may also ask the store (what is not live).
    fn change<T>(
        &self,
        change: impl FnOnce(&mut JournalData, &rusqlite::Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<(T, JournalData), JournalError> {
        let profile = self.profile.clone();
        let now_ms = wall_ms();
        self.store().write(&profile, |tx| {
            let mut data = live_data(tx, &profile, now_ms)?;
            let submits: HashMap<String, u64> = data.submits.iter().map(|s| (s.key.clone(), row_hash(s))).collect();
            let notes: HashMap<String, u64> = data.notes.iter().map(|(id, n)| (id.clone(), row_hash(n))).collect();
            let folder = data.download_dir.clone();
            let out = change(&mut data, tx)?;
            let mut changed = false;
            for s in &data.submits {
                if submits.get(&s.key) != Some(&row_hash(s)) {
                    store::put_submit(tx, &profile, &submit_row(s, now_ms)?)?;
                    changed = true;
                }
            }
            let kept: HashSet<&str> = data.submits.iter().map(|s| s.key.as_str()).collect();
            for key in submits.keys().filter(|k| !kept.contains(k.as_str())) {
                store::delete_submit(tx, &profile, key)?;
                changed = true;
            }
            for (id, n) in &data.notes {
                if notes.get(id) != Some(&row_hash(n)) {
                    store::put_note(tx, &profile, id, &to_json(n)?)?;
                    changed = true;
                }
            }
            for id in notes.keys().filter(|id| !data.notes.contains_key(*id)) {
                store::delete_note(tx, &profile, id)?;
                changed = true;
            }
            if data.download_dir != folder {
                let dir = data.download_dir.as_ref().map(|d| d.display().to_string());
                store::set_download_dir(tx, &profile, dir.as_deref())?;
                changed = true;
            }
            Ok(((out, data), changed))
        })
    }

    /// Changes the notes of one job, live or not (a download of an old job's file).
    pub(crate) fn update_note(&self, job_id: &str, change: impl FnOnce(&mut JobNotes)) -> Result<(), JournalError> {
        let profile = self.profile.clone();
        self.store().write(&profile, |tx| {
            let mut notes: JobNotes = match store::note_body(tx, &profile, job_id)? {
                Some(body) => from_json(&body)?,
                None => JobNotes::default(),
            };
            let before = row_hash(&notes);
            change(&mut notes);
            let changed = row_hash(&notes) != before;
            if changed {
                store::put_note(tx, &profile, job_id, &to_json(&notes)?)?;
            }
            Ok(((), changed))
        })
    }

    /// Records a submit about to be sent, durably, and returns its key.
    pub fn record_sending(
        &self,
        group_id: &str,
        cluster: &str,
        request: &Value,
        now_ms: i64,
    ) -> Result<String, JournalError> {
        match self.record_sending_unless_repeat(group_id, cluster, request, None, now_ms, None)? {
            Recorded::Key(key) => Ok(key),
            // Not asked to look for a repeat: there is none.
            Recorded::Repeat(earlier) => Ok(earlier.key),
        }
    }

    /// Records a submit about to be sent, unless the same restore was submitted since
    /// `repeat_since_ms` (checked in the write transaction, so two windows cannot both miss
    /// the other's).
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
    /// submit). Its whole batch comes along when `jobs` holds it. `false` when it already was
    /// (live or in the history).
    pub fn track(
        &self,
        group_id: &str,
        cluster: &str,
        jobs: Vec<RestoreJob>,
        now_ms: i64,
    ) -> Result<bool, JournalError> {
        let profile = self.profile.clone();
        self.change(|d, tx| {
            let ids: Vec<String> = jobs.iter().map(|j| j.id.to_string()).collect();
            let mut untracked = Vec::new();
            for job in jobs {
                if !store::is_tracked_anywhere(tx, &profile, &job.id)? && !d.is_tracked(&job.id) {
                    untracked.push(job);
                }
            }
            if untracked.is_empty() {
                return Ok(false);
            }
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
                s.jobs = untracked;
                s.candidates.clear();
                s.note = Some("chosen among the candidates by hand".into());
                return Ok(true);
            }
            d.submits.push(TrackedSubmit {
                state: SubmitState::Created,
                origin: Origin::Tracked,
                jobs: untracked,
                note: Some("tracked by hand: made elsewhere".into()),
                ..TrackedSubmit::sending(&new_key(now_ms), group_id, cluster, &Value::Null, None, now_ms)
            });
            Ok(true)
        })
        .map(|(out, _)| out)
    }

    /// Dismisses the outcomes of these lost submits that made no job: no longer shown.
    /// How many were dismissed.
    pub fn dismiss(&self, keys: &[String]) -> Result<usize, JournalError> {
        self.update(|d| {
            let mut n = 0;
            for s in d
                .submits
                .iter_mut()
                .filter(|s| keys.contains(&s.key) && s.awaits_dismissal())
            {
                s.dismissed = true;
                n += 1;
            }
            n
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
}

fn to_json<T: Serialize>(value: &T) -> Result<String, rusqlite::Error> {
    serde_json::to_string(value).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn from_json<T: serde::de::DeserializeOwned>(body: &str) -> Result<T, rusqlite::Error> {
    serde_json::from_str(body)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))
}

/// A stored body read back into what the rest of the program works with.
fn parse_submit(body: &str) -> Result<TrackedSubmit, rusqlite::Error> {
    Ok(from_json::<StoredSubmit>(body)?.into())
}

fn parse_all(bodies: Vec<String>) -> Result<Vec<TrackedSubmit>, rusqlite::Error> {
    bodies.iter().map(|b| parse_submit(b)).collect()
}

/// The notes of the submits' jobs and candidates.
fn notes_of(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    submits: &[TrackedSubmit],
) -> Result<BTreeMap<String, JobNotes>, rusqlite::Error> {
    let mut notes = BTreeMap::new();
    for job in submits.iter().flat_map(|s| s.jobs.iter().chain(&s.candidates)) {
        if let Some(body) = store::note_body(tx, profile, &job.id)? {
            notes.insert(job.id.to_string(), from_json(&body)?);
        }
    }
    Ok(notes)
}

/// The profile's live rows as the journal's data.
fn live_data(tx: &rusqlite::Transaction<'_>, profile: &str, now_ms: i64) -> Result<JournalData, rusqlite::Error> {
    let submits = store::live_bodies(tx, profile, now_ms, parse_submit)?;
    let notes = notes_of(tx, profile, &submits)?;
    Ok(JournalData {
        version: 1,
        submits,
        notes,
        download_dir: store::download_dir(tx, profile)?.map(PathBuf::from),
    })
}

/// A submit's row: settled (`now_ms`) when nothing more can happen to it but a download;
/// the latest link expiry among its jobs.
pub(crate) fn submit_row(s: &TrackedSubmit, now_ms: i64) -> Result<store::SubmitRow, rusqlite::Error> {
    // A lost submit's outcome not yet dismissed stays live: the panel and `jobs` show it.
    let open = s.is_unresolved()
        || s.awaits_dismissal()
        || s.jobs
            .iter()
            .any(|j| !j.status_name.as_ref().is_some_and(crate::atlas::JobStatus::is_final));
    let expires_ms = s
        .jobs
        .iter()
        .filter_map(|j| j.delivery.as_ref()?.expires.as_deref())
        .filter_map(crate::restore::time_input::parse_rfc3339_lenient)
        .max();
    Ok(store::SubmitRow {
        key: s.key.clone(),
        group_id: s.group_id.clone(),
        cluster: s.cluster.clone(),
        submitted_at_ms: s.submitted_at_ms,
        state: to_json(&s.state)?.trim_matches('"').to_string(),
        settled_ms: (!open).then_some(now_ms),
        expires_ms,
        job_ids: s.jobs.iter().map(|j| j.id.to_string()).collect(),
        body: to_json(&StoredSubmit::from(s))?,
    })
}
