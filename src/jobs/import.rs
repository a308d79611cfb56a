//! 0.1.0's journals (`jobs-PROFILE.json`, one whole JSON file per profile) brought into the
//! store once, on a profile's first use: every submit, job, note and download verdict, and
//! the download folder. The old file is then renamed `.imported` (kept, not deleted); a
//! damaged one, or one of a newer format, is refused and left as it is.

use super::journal::{JournalData, submit_row};
use super::store::{self, Store, StoreError};
use std::path::Path;

/// The newest format of the old journal this build reads.
const OLD_VERSION: u32 = 1;

/// Imports `old` into `profile` when it is there; records the profile either way, so that
/// this is done once. Returns how many submits came in.
pub(crate) fn import_old(store: &mut Store, old: &Path, profile: &str, now_ms: i64) -> Result<usize, StoreError> {
    let Some((data, held_url)) = read_old(old)? else {
        return store.write(profile, |_| Ok((0, true)));
    };
    let imported = old.with_extension("json.imported");
    let from = old.display().to_string();
    let count = store.write(profile, |tx| {
        for s in &data.submits {
            // A lost submit that an old version found made no job was said then, and is not
            // said again at every start: it comes in dismissed (the history keeps it).
            let mut s = s.clone();
            s.dismissed |= s.state == crate::jobs::SubmitState::NotFound;
            let mut row = submit_row(&s, now_ms)?;
            // Settled when its last job was made (or when it was sent), as well as can be told.
            if row.settled_ms.is_some() {
                let made = s
                    .jobs
                    .iter()
                    .filter_map(|j| j.created.as_deref())
                    .filter_map(crate::restore::time_input::parse_rfc3339_lenient)
                    .max();
                row.settled_ms = Some(made.unwrap_or(0).max(s.submitted_at_ms));
            }
            store::put_submit(tx, profile, &row)?;
        }
        for (id, notes) in &data.notes {
            let body =
                serde_json::to_string(notes).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))?;
            store::put_note(tx, profile, id, &body)?;
        }
        let dir = data.download_dir.as_ref().map(|d| d.display().to_string());
        store::set_download_dir(tx, profile, dir.as_deref())?;
        store::mark_imported(tx, profile, &from)?;
        Ok((data.submits.len(), true))
    })?;
    // Imported: the old file is kept beside, under a name no version reads as a journal;
    // one that held the deprecated `url` (whose path is the download's key) is kept without it.
    let kept = if held_url {
        write_private(&imported, &data).and_then(|()| std::fs::remove_file(old))
    } else {
        std::fs::rename(old, &imported)
    };
    if let Err(e) = kept {
        tracing::warn!(error = %e, "the imported journal could not be set aside; it is imported once all the same");
    }
    tracing::info!(submits = count, "imported the profile's 0.1.0 journal into the store");
    Ok(count)
}

fn write_private(path: &Path, data: &JournalData) -> std::io::Result<()> {
    use std::io::Write;
    let bytes = serde_json::to_vec_pretty(data).map_err(std::io::Error::other)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    file.write_all(&bytes)?;
    file.sync_all()
}

/// The old journal, and whether it held the deprecated `url`; `None` when there is none.
fn read_old(path: &Path) -> Result<Option<(JournalData, bool)>, StoreError> {
    let damaged = |message: String| StoreError::OldDamaged {
        path: path.to_path_buf(),
        message,
    };
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => {
            return Err(StoreError::Read {
                path: path.to_path_buf(),
                message: e.to_string(),
            });
        }
    };
    let mut data: JournalData =
        serde_json::from_reader(std::io::BufReader::new(file)).map_err(|e| damaged(e.to_string()))?;
    if data.version > OLD_VERSION {
        return Err(damaged(format!(
            "it is of version {}, written by a newer atlas-restore, and this one reads up to {OLD_VERSION}",
            data.version
        )));
    }
    // An old journal's deprecated `url` never goes to the store (`drop_unwritten` marks a
    // journal that held one as version 0).
    data.version = OLD_VERSION;
    data.drop_unwritten();
    let held_url = data.version == 0;
    data.version = OLD_VERSION;
    Ok(Some((data, held_url)))
}

#[cfg(test)]
mod tests {
    use crate::jobs::journal::{Journal, STORE_FILE, file_name};
    use crate::jobs::store::StoreError;
    use crate::jobs::{JournalError, SubmitState};

    /// A 0.1.0 journal written by that version's code: a sharded batch downloaded over HTTP
    /// (one part verified), an automated restore still running, a lost submit found not
    /// created, and a chosen download folder.
    const OLD: &str = include_str!("../../tests/data/journal-0.1.0.json");

    /// A scratch folder, removed when dropped (a failed test's too).
    fn scratch(name: &str) -> tempfile::TempDir {
        tempfile::Builder::new()
            .prefix(&format!("atlas-restore-import-{name}-"))
            .tempdir()
            .unwrap()
    }

    #[test]
    fn an_old_journal_comes_in_whole_once_and_is_kept_aside() {
        let tmp = scratch("whole");
        let dir = tmp.path().to_path_buf();
        std::fs::write(dir.join(file_name("prod")), OLD).unwrap();
        let j = Journal::open(&dir, "prod").unwrap();

        let history = j.history(false).unwrap();
        assert_eq!(history.len(), 3, "every submit");
        assert!(history.iter().all(|(p, _)| p == "prod"));
        let (_, lost) = &history[0];
        assert_eq!(lost.state, SubmitState::NotFound);
        assert!(lost.note.as_deref().unwrap().contains("most likely not created"));
        let (_, automated) = &history[1];
        assert_eq!(automated.request["delivery"]["targetClusterName"], "Staging0");
        let (_, batch) = &history[2];
        assert_eq!(batch.jobs.len(), 2, "both parts of the sharded batch");
        assert!(
            batch
                .jobs
                .iter()
                .all(|p| p.batch_id.as_deref() == Some("6929b0000000000000000b01"))
        );

        // The batch's notes and the download verdict, and the folder.
        let sharded = j.cluster_history("5a66666887d9d61443b41645", "Sharded0").unwrap();
        let notes = &sharded.notes["6929b1000000000000000001"];
        assert_eq!(notes.download.as_ref().unwrap().verdict, "verified");
        assert_eq!(notes.snapshot_bytes, Some(1_073_741_824));
        let live = j.load().unwrap();
        assert_eq!(
            live.download_dir.as_deref(),
            Some(std::path::Path::new("/home/dba/restores"))
        );
        // Still running: live. The others settled a year ago: history only.
        assert_eq!(live.submits.len(), 1);
        assert_eq!(live.submits[0].cluster, "Cluster0");

        // Kept aside under a name no version reads, and imported once only.
        assert!(!dir.join(file_name("prod")).exists());
        assert_eq!(
            std::fs::read_to_string(dir.join("jobs-prod.json.imported")).unwrap(),
            OLD
        );
        std::fs::write(dir.join(file_name("prod")), OLD).unwrap();
        let again = Journal::open(&dir, "prod").unwrap();
        assert_eq!(again.history(false).unwrap().len(), 3, "not imported twice");
    }

    #[test]
    fn a_damaged_or_newer_old_journal_is_refused_and_left_as_it_is() {
        let tmp = scratch("damaged");
        let dir = tmp.path().to_path_buf();
        let path = dir.join(file_name("prod"));
        std::fs::write(&path, &OLD[..OLD.len() / 2]).unwrap();
        let err = Journal::open(&dir, "prod").unwrap_err();
        assert!(matches!(err, JournalError::OldDamaged { .. }), "{err}");
        assert!(err.to_string().contains("nothing of it was imported"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), &OLD[..OLD.len() / 2]);

        let newer = OLD.replacen("\"version\": 1", "\"version\": 7", 1);
        std::fs::write(&path, &newer).unwrap();
        let err = Journal::open(&dir, "prod").unwrap_err();
        assert!(err.to_string().contains("version 7"), "{err}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), newer);

        // Mended, it comes in.
        std::fs::write(&path, OLD).unwrap();
        assert_eq!(Journal::open(&dir, "prod").unwrap().history(false).unwrap().len(), 3);
    }

    #[test]
    fn a_store_of_a_newer_schema_is_refused_never_rewritten() {
        let tmp = scratch("newer");
        let dir = tmp.path().to_path_buf();
        Journal::open(&dir, "prod").unwrap();
        let conn = rusqlite::Connection::open(dir.join(STORE_FILE)).unwrap();
        conn.execute_batch("PRAGMA user_version = 9").unwrap();
        drop(conn);
        let err = Journal::open(&dir, "prod").unwrap_err();
        assert!(matches!(err, StoreError::Newer { found: 9, .. }), "{err}");
        assert!(err.to_string().contains("left untouched"), "{err}");
        let conn = rusqlite::Connection::open(dir.join(STORE_FILE)).unwrap();
        let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(v, 9);
    }

    #[test]
    fn profiles_whose_names_differ_in_punctuation_are_kept_apart() {
        let tmp = scratch("names");
        let dir = tmp.path().to_path_buf();
        let body = serde_json::json!({"snapshotId": "s1"});
        let names = ["prod.eu", "prod_eu", "прод", "прок"];
        for (i, name) in names.iter().enumerate() {
            let j = Journal::open(&dir, name).unwrap();
            for _ in 0..=i {
                j.record_sending("g", "Cluster0", &body, 1).unwrap();
            }
        }
        for (i, name) in names.iter().enumerate() {
            let j = Journal::open(&dir, name).unwrap();
            assert_eq!(j.load().unwrap().submits.len(), i + 1, "{name}");
        }
    }

    #[test]
    fn settled_history_is_not_read_by_a_poll_but_stays() {
        let tmp = scratch("history");
        let dir = tmp.path().to_path_buf();
        let mut old = serde_json::from_str::<serde_json::Value>(OLD).unwrap();
        // 2,000 settled submits of a year ago beside the running one.
        let settled = old["submits"][0].clone();
        let submits = old["submits"].as_array_mut().unwrap();
        for i in 0..2_000 {
            let mut s = settled.clone();
            s["key"] = format!("old-{i}").into();
            for (n, job) in s["jobs"].as_array_mut().unwrap().iter_mut().enumerate() {
                job["id"] = format!("{i:012}{n:012}").into();
            }
            submits.push(s);
        }
        std::fs::write(dir.join(file_name("prod")), old.to_string()).unwrap();
        let j = Journal::open(&dir, "prod").unwrap();
        assert_eq!(j.load().unwrap().submits.len(), 1, "only the running one is live");
        assert_eq!(j.history(false).unwrap().len(), 2_003);
    }
}
