//! The store: one SQLite database for every profile (`store.sqlite3` in the data folder),
//! holding each submit, the jobs it made, what was learned of them (notes) and the profile's
//! download folder.
//!
//! Why SQLite: the journal before it was one JSON file per profile, read whole at every poll
//! and written whole at every change, so its cost grew with everything ever tracked. Here a
//! change writes its own rows in a short transaction, and a poll reads only what is live
//! (in flight, unresolved, downloadable, or settled in the last week): the history costs
//! nothing until it is asked for. Several processes share it safely: `BEGIN IMMEDIATE` makes
//! writers wait their turn (the busy timeout), readers never wait behind a writer (WAL).
//! On a network filesystem, where WAL's shared memory does not work, it uses a rollback
//! journal and says so in the log.

use super::schema;
use rusqlite::{Connection, OptionalExtension, params};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The schema this build writes. A database of a higher version is refused, never rewritten.
pub(crate) const SCHEMA_VERSION: i64 = 3;

/// How long a writer waits for another process's transaction before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(60);

/// How long SQLite waits by itself before `patiently` tries again: after the first such
/// wait, the wait is said (`on_wait`).
const BUSY_STEP: Duration = Duration::from_secs(1);

/// What to do when the store has been busy for a second: the commands say it on stderr.
static ON_WAIT: std::sync::OnceLock<fn(&Path)> = std::sync::OnceLock::new();

/// Sets what is done, once per wait, when another process has held the store for a second.
pub fn on_wait(said: fn(&Path)) {
    let _ = ON_WAIT.set(said);
}

/// How long a settled submit (every job final, or refused) stays live: shown by the panel
/// and `jobs`, polled for its link. Older ones are history.
pub(crate) const LIVE_AFTER_SETTLED_MS: i64 = 7 * 24 * 3_600_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("cannot open the job store {path}: {message}; check that its folder exists and is writable by you")]
    Open { path: PathBuf, message: String },
    #[error(
        "the job store {path} was written by a newer atlas-restore (schema {found}, this one knows {known}); it is left untouched: run the newer version, or move the file aside to start a new store"
    )]
    Newer { path: PathBuf, found: i64, known: i64 },
    #[error("the job store {path} is damaged ({message}); it is left untouched: move it aside to start a new one")]
    Damaged { path: PathBuf, message: String },
    #[error(
        "the job store {path} stayed locked by another atlas-restore for {secs} s ({message}); try again when it is done"
    )]
    Busy { path: PathBuf, secs: u64, message: String },
    #[error(
        "cannot write the job store {path}: {message}; make the file and its folder writable by you, then try again"
    )]
    Write { path: PathBuf, message: String },
    #[error(
        "the disk holding the job store {path} is full ({message}); nothing was changed: free some space, then try again"
    )]
    Full { path: PathBuf, message: String },
    #[error("cannot read the job store {path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(
        "the old job journal {path} is damaged ({message}); it is left as it is and nothing of it was imported: move it aside, after noting the jobs it lists"
    )]
    OldDamaged { path: PathBuf, message: String },
}

/// The filesystem's kind, as far as the store cares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Filesystem {
    Local,
    /// NFS, SMB/CIFS and the like: no WAL there.
    Network(&'static str),
}

/// Which filesystem `dir` is on (Linux's `statfs` magic numbers; elsewhere, local).
pub(crate) fn filesystem_of(dir: &Path) -> Filesystem {
    #[cfg(target_os = "linux")]
    if let Ok(s) = rustix::fs::statfs(dir) {
        // From statfs(2): NFS, SMB, CIFS, SMB2, AFS, Coda, Ceph, 9p, FUSE (sshfs and others).
        #[allow(clippy::unnecessary_cast)]
        let kind = s.f_type as i64 as u32;
        let name = match kind {
            0x6969 => Some("NFS"),
            0x517B => Some("SMB"),
            0xFF53_4D42 => Some("CIFS"),
            0xFE53_4D42 => Some("SMB2"),
            0x5346_414F => Some("AFS"),
            0x7375_7245 => Some("Coda"),
            0x00C3_6400 => Some("Ceph"),
            0x0102_1997 => Some("9p"),
            0x6573_5546 => Some("FUSE"),
            _ => None,
        };
        if let Some(name) = name {
            return Filesystem::Network(name);
        }
    }
    let _ = dir;
    Filesystem::Local
}

/// An open store: one connection, used by one thread at a time.
#[derive(Debug)]
pub(crate) struct Store {
    path: PathBuf,
    conn: Connection,
}

/// A submit's row as stored: its identity, what the live query needs, and its body.
pub(crate) struct SubmitRow {
    pub key: String,
    pub group_id: String,
    pub cluster: String,
    pub submitted_at_ms: i64,
    pub state: String,
    pub settled_ms: Option<i64>,
    pub expires_ms: Option<i64>,
    pub job_ids: Vec<String>,
    /// The whole submit (its jobs included) as JSON.
    pub body: String,
}

impl Store {
    /// Opens (or makes) the store at `path`: folder 0700, file 0600, schema checked.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        let open_err = |message: String| StoreError::Open {
            path: path.to_path_buf(),
            message,
        };
        let dir = path.parent().unwrap_or(Path::new("."));
        crate::files::create_private_dir(dir).map_err(|e| open_err(e.to_string()))?;
        // Made 0600 before SQLite opens it: its -wal and -shm files take the same mode.
        crate::files::touch_private(path).map_err(|e| open_err(e.to_string()))?;
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(BUSY_STEP).map_err(|e| open_err(e.to_string()))?;
        let store = Store {
            path: path.to_path_buf(),
            conn,
        };
        store.set_journal_mode(filesystem_of(dir))?;
        store
            .conn
            .execute_batch("PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL;")
            .map_err(|e| open_err(e.to_string()))?;
        store.migrate()?;
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn set_journal_mode(&self, fs: Filesystem) -> Result<(), StoreError> {
        let mode = match fs {
            Filesystem::Local => "WAL",
            Filesystem::Network(name) => {
                tracing::info!(
                    filesystem = name,
                    "the job store is on a network filesystem: a rollback journal instead of WAL"
                );
                "DELETE"
            }
        };
        let got: String = patiently(&self.path, false, || {
            self.conn
                .query_row(&format!("PRAGMA journal_mode = {mode}"), [], |r| r.get(0))
        })?;
        if !got.eq_ignore_ascii_case(mode) {
            tracing::info!(asked = mode, got = %got, "the job store's journal mode");
        }
        Ok(())
    }

    /// Makes the schema, or brings an older one up to date step by step (each step in its
    /// own transaction), or refuses a newer one.
    fn migrate(&self) -> Result<(), StoreError> {
        let found: i64 = patiently(&self.path, false, || {
            self.conn.query_row("PRAGMA user_version", [], |r| r.get(0))
        })?;
        if found > SCHEMA_VERSION {
            return Err(StoreError::Newer {
                path: self.path.clone(),
                found,
                known: SCHEMA_VERSION,
            });
        }
        for version in found + 1..=SCHEMA_VERSION {
            let tx = begin_immediate(&self.conn, &self.path)?;
            // Another process may have made this step while this one waited for the lock.
            let now: i64 = tx
                .query_row("PRAGMA user_version", [], |r| r.get(0))
                .map_err(|e| classify_at(&self.path, e, true))?;
            if now >= version {
                continue;
            }
            let step = match version {
                1 => tx.execute_batch(schema::SCHEMA_1),
                2 => schema::migrate_to_2(&tx),
                _ => tx.execute_batch(schema::SCHEMA_3),
            };
            step.and_then(|()| tx.execute_batch(&format!("PRAGMA user_version = {version}")))
                .and_then(|()| tx.commit())
                .map_err(|e| classify_at(&self.path, e, true))?;
        }
        Ok(())
    }

    /// Runs `work` in one write transaction (taken at once, so that what it read stays true
    /// until it commits), bumping the profile's revision when `work` says it changed anything.
    pub(crate) fn write<T>(
        &mut self,
        profile: &str,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<(T, bool), rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let tx = begin_immediate(&self.conn, &self.path)?;
        let step = || -> Result<T, rusqlite::Error> {
            ensure_profile(&tx, profile)?;
            let (out, changed) = work(&tx)?;
            if changed {
                tx.execute(
                    "UPDATE profiles SET revision = revision + 1 WHERE name = ?1",
                    params![profile],
                )?;
            }
            Ok(out)
        };
        let out = step().map_err(|e| classify_at(&self.path, e, true))?;
        tx.commit().map_err(|e| classify_at(&self.path, e, true))?;
        Ok(out)
    }

    /// Runs `work` in one write transaction of rows of no profile (the drills' runs).
    pub(crate) fn write_unowned<T>(
        &mut self,
        work: impl FnOnce(&rusqlite::Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let tx = begin_immediate(&self.conn, &self.path)?;
        let out = work(&tx).map_err(|e| classify_at(&self.path, e, true))?;
        tx.commit().map_err(|e| classify_at(&self.path, e, true))?;
        Ok(out)
    }

    /// A read of the profile's rows, in one transaction so they agree with each other.
    pub fn read<T>(
        &mut self,
        mut work: impl FnMut(&rusqlite::Transaction<'_>) -> Result<T, rusqlite::Error>,
    ) -> Result<T, StoreError> {
        let conn = &mut self.conn;
        patiently(&self.path, false, || {
            let tx = conn.transaction()?;
            let out = work(&tx)?;
            tx.commit()?;
            Ok(out)
        })
    }

    /// The profile's revision: it moves with every change any process makes to it.
    pub(crate) fn revision(&self, profile: &str) -> Result<i64, StoreError> {
        self.conn
            .query_row("SELECT revision FROM profiles WHERE name = ?1", params![profile], |r| {
                r.get(0)
            })
            .optional()
            .map(|r| r.unwrap_or(0))
            .map_err(|e| classify_at(&self.path, e, false))
    }

    /// Whether the profile has rows here (or was imported).
    pub(crate) fn has_profile(&self, profile: &str) -> Result<bool, StoreError> {
        self.conn
            .query_row("SELECT 1 FROM profiles WHERE name = ?1", params![profile], |_| Ok(()))
            .optional()
            .map(|r| r.is_some())
            .map_err(|e| classify_at(&self.path, e, false))
    }
}

/// Whether SQLite said "busy" (or "locked"): another connection holds what this one needs.
fn is_busy(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode;
    matches!(
        e.sqlite_error_code(),
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
    )
}

/// Runs `attempt` until it is not refused as busy, for up to the busy timeout. SQLite waits
/// by itself for most locks (`busy_timeout`), but a reader in WAL mode can be told "busy" at
/// once while another connection sets the file up; trying again a moment later is the cure
/// SQLite's documentation gives.
fn patiently<T>(
    path: &Path,
    writing: bool,
    mut attempt: impl FnMut() -> Result<T, rusqlite::Error>,
) -> Result<T, StoreError> {
    let mut wait = Wait::new(path);
    loop {
        match attempt() {
            Err(e) if is_busy(&e) && wait.goes_on() => {}
            other => return other.map_err(|e| classify_at(path, e, writing)),
        }
    }
}

/// A wait for the store: short pauses between tries, said once it has lasted a second.
struct Wait<'p> {
    path: &'p Path,
    start: std::time::Instant,
    said: bool,
}

impl<'p> Wait<'p> {
    fn new(path: &'p Path) -> Wait<'p> {
        Wait {
            path,
            start: std::time::Instant::now(),
            said: false,
        }
    }

    /// Whether to try again (after a pause); `false` once the wait has lasted too long.
    fn goes_on(&mut self) -> bool {
        let waited = self.start.elapsed();
        if waited >= BUSY_TIMEOUT {
            return false;
        }
        if !self.said && waited >= BUSY_STEP {
            self.said = true;
            tracing::info!(path = %self.path.display(), "waiting for another atlas-restore's change to the store");
            if let Some(said) = ON_WAIT.get() {
                said(self.path);
            }
        }
        std::thread::sleep(Duration::from_millis(5));
        true
    }
}

/// `BEGIN IMMEDIATE`, tried again while another connection sets the file up (`patiently`).
fn begin_immediate<'c>(conn: &'c Connection, path: &Path) -> Result<rusqlite::Transaction<'c>, StoreError> {
    let mut wait = Wait::new(path);
    loop {
        match rusqlite::Transaction::new_unchecked(conn, rusqlite::TransactionBehavior::Immediate) {
            Err(e) if is_busy(&e) && wait.goes_on() => {}
            other => return other.map_err(|e| classify_at(path, e, true)),
        }
    }
}

/// A SQLite error in words: busy, damaged, or a plain read or write failure.
fn classify_at(path: &Path, e: rusqlite::Error, writing: bool) -> StoreError {
    use rusqlite::ErrorCode;
    let path = path.to_path_buf();
    match e.sqlite_error_code() {
        Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy {
            path,
            secs: BUSY_TIMEOUT.as_secs(),
            message: e.to_string(),
        },
        Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => StoreError::Damaged {
            path,
            message: e.to_string(),
        },
        Some(ErrorCode::DiskFull) => StoreError::Full {
            path,
            message: e.to_string(),
        },
        _ if writing => StoreError::Write {
            path,
            message: e.to_string(),
        },
        _ => StoreError::Read {
            path,
            message: e.to_string(),
        },
    }
}

pub(crate) fn ensure_profile(tx: &rusqlite::Transaction<'_>, profile: &str) -> Result<(), rusqlite::Error> {
    tx.execute("INSERT OR IGNORE INTO profiles (name) VALUES (?1)", params![profile])
        .map(|_| ())
}

/// A profile's (`?1`) live rows at `?2`: two searches of the index, one for the unsettled.
const LIVE_QUERY: &str = "SELECT seq, body FROM submits WHERE profile = ?1 AND live_until_ms IS NULL
     UNION ALL
     SELECT seq, body FROM submits WHERE profile = ?1 AND live_until_ms > ?2
     ORDER BY seq";

/// The live submits of `profile`, oldest first: not settled, or settled lately, or with a
/// link that has not expired by `now_ms` (`live_until_ms`, through its index). Each body is
/// read by `parse` where SQLite holds it: a poll never holds every body as text as well.
pub(crate) fn live_bodies<T>(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    now_ms: i64,
    parse: impl Fn(&str) -> Result<T, rusqlite::Error>,
) -> Result<Vec<T>, rusqlite::Error> {
    let mut stmt = tx.prepare_cached(LIVE_QUERY)?;
    let mut rows = stmt.query(params![profile, now_ms])?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(parse(row.get_ref(1)?.as_str()?)?);
    }
    Ok(out)
}

/// The submits of one cluster of `profile`, oldest first, settled or not (for estimates).
pub(crate) fn cluster_bodies(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    group_id: &str,
    cluster: &str,
) -> Result<Vec<String>, rusqlite::Error> {
    let mut stmt = tx.prepare_cached(
        "SELECT body FROM submits WHERE profile = ?1 AND group_id = ?2 AND cluster = ?3 ORDER BY seq",
    )?;
    stmt.query_map(params![profile, group_id, cluster], |r| r.get(0))?
        .collect()
}

/// Every submit of `profile` (or of every profile), newest first, with its profile.
pub(crate) fn all_bodies(
    tx: &rusqlite::Transaction<'_>,
    profile: Option<&str>,
) -> Result<Vec<(String, String)>, rusqlite::Error> {
    let mut stmt =
        tx.prepare_cached("SELECT profile, body FROM submits WHERE ?1 IS NULL OR profile = ?1 ORDER BY seq DESC")?;
    stmt.query_map(params![profile], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect()
}

/// Every submit of `profile` (or of every profile), newest first, handed to `each` one at a
/// time with its profile, as SQLite holds it: the history is never all in memory at once.
pub(crate) fn each_body(
    tx: &rusqlite::Transaction<'_>,
    profile: Option<&str>,
    mut each: impl FnMut(&str, &str) -> Result<(), rusqlite::Error>,
) -> Result<(), rusqlite::Error> {
    let mut stmt =
        tx.prepare_cached("SELECT profile, body FROM submits WHERE ?1 IS NULL OR profile = ?1 ORDER BY seq DESC")?;
    let mut rows = stmt.query(params![profile])?;
    while let Some(row) = rows.next()? {
        each(row.get_ref(0)?.as_str()?, row.get_ref(1)?.as_str()?)?;
    }
    Ok(())
}

/// Every note of `profile` (or of every profile): (profile, job id, body).
pub(crate) fn all_notes(
    tx: &rusqlite::Transaction<'_>,
    profile: Option<&str>,
) -> Result<Vec<(String, String, String)>, rusqlite::Error> {
    let mut stmt = tx.prepare_cached("SELECT profile, job_id, body FROM notes WHERE ?1 IS NULL OR profile = ?1")?;
    stmt.query_map(params![profile], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect()
}

/// Writes one submit's row (made or replaced in place, keeping its order) and its job index.
pub(crate) fn put_submit(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    row: &SubmitRow,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO submits (profile, key, group_id, cluster, submitted_at_ms, state, settled_ms, expires_ms, body)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
         ON CONFLICT (profile, key) DO UPDATE SET
           group_id = excluded.group_id, cluster = excluded.cluster,
           submitted_at_ms = excluded.submitted_at_ms, state = excluded.state,
           settled_ms = coalesce(submits.settled_ms, excluded.settled_ms),
           expires_ms = excluded.expires_ms, body = excluded.body",
    )?
    .execute(params![
        profile,
        row.key,
        row.group_id,
        row.cluster,
        row.submitted_at_ms,
        row.state,
        row.settled_ms,
        row.expires_ms,
        row.body
    ])?;
    let seq: i64 = tx
        .prepare_cached("SELECT seq FROM submits WHERE profile = ?1 AND key = ?2")?
        .query_row(params![profile, row.key], |r| r.get(0))?;
    // A settled submit that comes alive again (a job tracked into it): live from now on.
    if row.settled_ms.is_none() {
        tx.prepare_cached("UPDATE submits SET settled_ms = NULL WHERE seq = ?1")?
            .execute(params![seq])?;
    }
    tx.prepare_cached(&format!("{} WHERE seq = ?2", schema::SET_LIVE_UNTIL))?
        .execute(params![LIVE_AFTER_SETTLED_MS, seq])?;
    tx.prepare_cached("DELETE FROM jobs WHERE submit_seq = ?1")?
        .execute(params![seq])?;
    let mut add = tx.prepare_cached("INSERT OR REPLACE INTO jobs (profile, job_id, submit_seq) VALUES (?1, ?2, ?3)")?;
    for id in &row.job_ids {
        add.execute(params![profile, id, seq])?;
    }
    Ok(())
}

pub(crate) fn delete_submit(tx: &rusqlite::Transaction<'_>, profile: &str, key: &str) -> Result<(), rusqlite::Error> {
    tx.prepare_cached("DELETE FROM submits WHERE profile = ?1 AND key = ?2")?
        .execute(params![profile, key])
        .map(|_| ())
}

pub(crate) fn note_body(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    job_id: &str,
) -> Result<Option<String>, rusqlite::Error> {
    tx.prepare_cached("SELECT body FROM notes WHERE profile = ?1 AND job_id = ?2")?
        .query_row(params![profile, job_id], |r| r.get(0))
        .optional()
}

pub(crate) fn put_note(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    job_id: &str,
    body: &str,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached(
        "INSERT INTO notes (profile, job_id, body) VALUES (?1, ?2, ?3)
         ON CONFLICT (profile, job_id) DO UPDATE SET body = excluded.body",
    )?
    .execute(params![profile, job_id, body])
    .map(|_| ())
}

pub(crate) fn delete_note(tx: &rusqlite::Transaction<'_>, profile: &str, job_id: &str) -> Result<(), rusqlite::Error> {
    tx.prepare_cached("DELETE FROM notes WHERE profile = ?1 AND job_id = ?2")?
        .execute(params![profile, job_id])
        .map(|_| ())
}

pub(crate) fn download_dir(tx: &rusqlite::Transaction<'_>, profile: &str) -> Result<Option<String>, rusqlite::Error> {
    tx.prepare_cached("SELECT download_dir FROM profiles WHERE name = ?1")?
        .query_row(params![profile], |r| r.get(0))
        .optional()
        .map(Option::flatten)
}

pub(crate) fn set_download_dir(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    dir: Option<&str>,
) -> Result<(), rusqlite::Error> {
    tx.prepare_cached("UPDATE profiles SET download_dir = ?2 WHERE name = ?1")?
        .execute(params![profile, dir])
        .map(|_| ())
}

pub(crate) fn is_tracked_anywhere(
    tx: &rusqlite::Transaction<'_>,
    profile: &str,
    job_id: &str,
) -> Result<bool, rusqlite::Error> {
    tx.prepare_cached("SELECT 1 FROM jobs WHERE profile = ?1 AND job_id = ?2")?
        .query_row(params![profile, job_id], |_| Ok(()))
        .optional()
        .map(|r| r.is_some())
}

pub(crate) fn mark_imported(tx: &rusqlite::Transaction<'_>, profile: &str, from: &str) -> Result<(), rusqlite::Error> {
    tx.prepare_cached("UPDATE profiles SET imported_from = ?2 WHERE name = ?1")?
        .execute(params![profile, from])
        .map(|_| ())
}

#[cfg(test)]
#[path = "store_tests.rs"]
mod tests;
