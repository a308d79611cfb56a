//! The store's schema, version by version: each step `Store::migrate` makes, in its own
//! transaction, from the version a database has to the one this build writes.

use super::store::LIVE_AFTER_SETTLED_MS;
use rusqlite::params;

/// Version 1: the tables.
pub(super) const SCHEMA_1: &str = "
    CREATE TABLE profiles (
        name TEXT PRIMARY KEY,
        revision INTEGER NOT NULL DEFAULT 0,
        download_dir TEXT,
        imported_from TEXT
    ) STRICT;
    CREATE TABLE submits (
        seq INTEGER PRIMARY KEY,
        profile TEXT NOT NULL REFERENCES profiles(name),
        key TEXT NOT NULL,
        group_id TEXT NOT NULL,
        cluster TEXT NOT NULL,
        submitted_at_ms INTEGER NOT NULL,
        state TEXT NOT NULL,
        settled_ms INTEGER,
        expires_ms INTEGER,
        body TEXT NOT NULL,
        UNIQUE (profile, key)
    ) STRICT;
    CREATE INDEX submits_live ON submits (profile, settled_ms);
    CREATE INDEX submits_cluster ON submits (profile, group_id, cluster);
    CREATE TABLE jobs (
        profile TEXT NOT NULL,
        job_id TEXT NOT NULL,
        submit_seq INTEGER NOT NULL REFERENCES submits(seq) ON DELETE CASCADE,
        PRIMARY KEY (profile, job_id)
    ) STRICT, WITHOUT ROWID;
    CREATE INDEX jobs_submit ON jobs (submit_seq);
    CREATE TABLE notes (
        profile TEXT NOT NULL REFERENCES profiles(name),
        job_id TEXT NOT NULL,
        body TEXT NOT NULL,
        PRIMARY KEY (profile, job_id)
    ) STRICT, WITHOUT ROWID;
";

/// Sets when submits stop being live (`?1` = `LIVE_AFTER_SETTLED_MS`): never while unsettled
/// (NULL), else `LIVE_AFTER_SETTLED_MS` after they settled or when their last link expires,
/// whichever is later.
pub(super) const SET_LIVE_UNTIL: &str = "UPDATE submits SET live_until_ms = CASE WHEN settled_ms IS NULL THEN NULL
     ELSE max(settled_ms + ?1, coalesce(expires_ms, 0)) END";

/// Version 2: a submit's body in the store's own types (`super::stored`) instead of Atlas's
/// wire JSON; and `live_until_ms`, so that a poll reads the live rows through an index
/// however long the history grows.
pub(super) fn migrate_to_2(tx: &rusqlite::Transaction<'_>) -> Result<(), rusqlite::Error> {
    tx.execute_batch(
        "ALTER TABLE submits ADD COLUMN live_until_ms INTEGER;
         DROP INDEX submits_live;
         CREATE INDEX submits_live ON submits (profile, live_until_ms);",
    )?;
    tx.execute(SET_LIVE_UNTIL, params![LIVE_AFTER_SETTLED_MS])?;
    let rows: Vec<(i64, String)> = tx
        .prepare("SELECT seq, body FROM submits")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    let mut put = tx.prepare("UPDATE submits SET body = ?2 WHERE seq = ?1")?;
    for (seq, body) in rows {
        let stored = super::stored::body_from_version_1(&body)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(0, rusqlite::types::Type::Text, Box::new(e)))?;
        put.execute(params![seq, stored])?;
    }
    Ok(())
}

/// Version 3: the restore drills' runs. A drill is named by its file, not by a profile (a
/// drill file names its profile), so the rows are not a profile's. `finished_ms` is NULL while
/// a run goes on, and after it was interrupted: the next run of the drill resumes it.
pub(super) const SCHEMA_3: &str = "
    CREATE TABLE drill_runs (
        seq INTEGER PRIMARY KEY,
        drill TEXT NOT NULL,
        profile TEXT NOT NULL,
        cluster TEXT NOT NULL,
        started_ms INTEGER NOT NULL,
        finished_ms INTEGER,
        result TEXT,
        body TEXT NOT NULL
    ) STRICT;
    CREATE INDEX drill_runs_drill ON drill_runs (drill, started_ms);
    CREATE INDEX drill_runs_started ON drill_runs (started_ms);
";
