//! The drills' runs in the store (table `drill_runs`): each run saved as it goes, so that
//! `drill status` and `drill report` need no files, and a run interrupted by a reboot or a
//! kill is found and resumed by the next, never submitted twice.

use super::{DrillRun, RunResult};
use crate::jobs::journal::STORE_FILE;
use crate::jobs::store::{Store, StoreError};
use rusqlite::{OptionalExtension, params};
use std::path::Path;
use std::sync::{Arc, Mutex};

/// The store's drill runs.
#[derive(Clone)]
pub struct DrillBook {
    store: Arc<Mutex<Store>>,
}

/// A run and its row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredRun {
    pub seq: i64,
    pub run: DrillRun,
}

fn body_of(run: &DrillRun) -> Result<String, rusqlite::Error> {
    serde_json::to_string(run).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn row_run(seq: i64, body: &str) -> Result<StoredRun, rusqlite::Error> {
    let run = serde_json::from_str(body)
        .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))?;
    Ok(StoredRun { seq, run })
}

impl DrillBook {
    /// The store in `dir` (the job store's folder).
    pub fn open(dir: &Path) -> Result<DrillBook, StoreError> {
        Ok(DrillBook {
            store: Arc::new(Mutex::new(Store::open(&dir.join(STORE_FILE))?)),
        })
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Saves a new run; its row's number.
    pub(crate) fn begin(&self, run: &DrillRun) -> Result<i64, StoreError> {
        self.store().write_unowned(|tx| {
            tx.execute(
                "INSERT INTO drill_runs (drill, profile, cluster, started_ms, finished_ms, result, body)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    run.drill,
                    run.profile,
                    run.cluster,
                    run.started_ms,
                    run.finished_ms,
                    run.result.map(RunResult::as_str),
                    body_of(run)?
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })
    }

    /// Saves the run as it is now.
    pub(crate) fn save(&self, seq: i64, run: &DrillRun) -> Result<(), StoreError> {
        self.store().write_unowned(|tx| {
            tx.execute(
                "UPDATE drill_runs SET finished_ms = ?2, result = ?3, body = ?4, started_ms = ?5 WHERE seq = ?1",
                params![
                    seq,
                    run.finished_ms,
                    run.result.map(RunResult::as_str),
                    body_of(run)?,
                    run.started_ms
                ],
            )?;
            Ok(())
        })
    }

    /// The drill's run that has not finished (interrupted, or going on in another process:
    /// the drill's lock tells which).
    pub(crate) fn unfinished(&self, drill: &str) -> Result<Option<StoredRun>, StoreError> {
        self.store().read(|tx| {
            tx.query_row(
                "SELECT seq, body FROM drill_runs WHERE drill = ?1 AND finished_ms IS NULL ORDER BY seq DESC LIMIT 1",
                params![drill],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?
            .map(|(seq, body)| row_run(seq, &body))
            .transpose()
        })
    }

    /// The drill's last finished run, and its last passed one: the last made (a run's times
    /// are Atlas's clock, which the next run may read differently).
    pub fn last(&self, drill: &str) -> Result<(Option<StoredRun>, Option<StoredRun>), StoreError> {
        self.store().read(|tx| {
            let one = |sql: &str| -> Result<Option<StoredRun>, rusqlite::Error> {
                tx.query_row(sql, params![drill], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))
                    .optional()?
                    .map(|(seq, body)| row_run(seq, &body))
                    .transpose()
            };
            Ok((
                one("SELECT seq, body FROM drill_runs WHERE drill = ?1 AND finished_ms IS NOT NULL ORDER BY seq DESC LIMIT 1")?,
                one("SELECT seq, body FROM drill_runs WHERE drill = ?1 AND result = 'pass' ORDER BY seq DESC LIMIT 1")?,
            ))
        })
    }

    /// Every run started at or after `since_ms`, oldest first.
    pub fn since(&self, since_ms: i64) -> Result<Vec<StoredRun>, StoreError> {
        self.store().read(|tx| {
            let mut stmt = tx.prepare("SELECT seq, body FROM drill_runs WHERE started_ms >= ?1 ORDER BY seq")?;
            let rows = stmt.query_map(params![since_ms], |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)))?;
            rows.map(|row| row.and_then(|(seq, body)| row_run(seq, &body)))
                .collect()
        })
    }

    /// The names of every drill with a run.
    pub fn drills(&self) -> Result<Vec<String>, StoreError> {
        self.store().read(|tx| {
            let mut stmt = tx.prepare("SELECT DISTINCT drill FROM drill_runs ORDER BY drill")?;
            let names = stmt.query_map([], |r| r.get(0))?;
            names.collect()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(drill: &str, started_ms: i64, result: Option<RunResult>) -> DrillRun {
        DrillRun {
            drill: drill.into(),
            profile: "p".into(),
            cluster: "Cluster0".into(),
            group_id: "g".into(),
            method: "download".into(),
            target: None,
            result,
            started: super::super::rfc3339(started_ms),
            started_ms,
            host_started_ms: started_ms,
            finished: None,
            finished_ms: result.map(|_| started_ms + 1),
            host_finished_ms: None,
            rpo_max_seconds: 1,
            rto_max_seconds: 1,
            rpo_seconds: None,
            rto_seconds: None,
            restore_point: None,
            jobs: vec![],
            submit_key: None,
            phases: vec![],
            checks: vec![],
            error: None,
            cleanup: None,
            resumed: false,
        }
    }

    #[test]
    fn runs_are_saved_found_unfinished_and_listed() {
        let dir = tempfile::tempdir().unwrap();
        let book = DrillBook::open(dir.path()).unwrap();
        let a = book.begin(&run("a", 1_000, Some(RunResult::Pass))).unwrap();
        book.begin(&run("a", 2_000, Some(RunResult::Fail))).unwrap();
        let open = book.begin(&run("a", 3_000, None)).unwrap();
        book.begin(&run("b", 500, Some(RunResult::Pass))).unwrap();
        assert_eq!(book.unfinished("a").unwrap().unwrap().seq, open);
        assert_eq!(book.unfinished("b").unwrap(), None);
        let (last, passed) = book.last("a").unwrap();
        assert_eq!(last.unwrap().run.started_ms, 2_000);
        assert_eq!(passed.unwrap().seq, a);
        let mut done = run("a", 3_000, Some(RunResult::Pass));
        done.jobs = vec!["j1".into()];
        book.save(open, &done).unwrap();
        assert_eq!(book.unfinished("a").unwrap(), None);
        assert_eq!(book.last("a").unwrap().1.unwrap().run.jobs, vec!["j1".to_string()]);
        let since: Vec<i64> = book.since(1_000).unwrap().iter().map(|r| r.run.started_ms).collect();
        assert_eq!(since, vec![1_000, 2_000, 3_000]);
        assert_eq!(book.drills().unwrap(), vec!["a".to_string(), "b".to_string()]);
        // Another process's book sees the same rows.
        assert_eq!(DrillBook::open(dir.path()).unwrap().since(0).unwrap().len(), 4);
    }
}
