//! The tracked-jobs journal: durable, private, shared safely by every process of a profile,
//! and honest about what it does not know.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use atlas_restore::atlas::{Delivery, RestoreJob};
use atlas_restore::jobs::journal::Recorded;
use atlas_restore::jobs::{Journal, JournalError, SubmitState};

use std::os::unix::fs::PermissionsExt;

fn job(id: &str, status: &str) -> RestoreJob {
    RestoreJob {
        id: id.into(),
        status_name: Some(status.into()),
        delivery: Some(Delivery::default()),
        ..RestoreJob::default()
    }
}

fn mode(path: &std::path::Path) -> u32 {
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn a_submit_is_on_disk_before_it_is_sent_and_after_it_is_answered() {
    let dir = pty::temp_dir("journal-basic");
    let body = serde_json::json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}});
    let j = Journal::open(dir.path(), "prod").unwrap();
    let key = j
        .record_sending("5a66666887d9d61443b41645", "Cluster0", &body, 1_000)
        .unwrap();

    // A crash now: a new process sees the submit, and that its outcome is unknown.
    let reopened = Journal::open(dir.path(), "prod").unwrap().load().unwrap();
    assert_eq!(reopened.unresolved().len(), 1);
    assert_eq!(reopened.submits[0].request, body);
    assert_eq!(mode(&j.path()), 0o600);
    assert_eq!(mode(dir.path()), 0o700, "the store's folder is the user's alone");

    j.record_outcome(&key, SubmitState::Created, vec![job("a1", "IN_PROGRESS")], None)
        .unwrap();
    let reopened = Journal::open(dir.path(), "prod").unwrap().load().unwrap();
    assert!(reopened.unresolved().is_empty());
    assert_eq!(reopened.jobs()[0].id, "a1");

    // Fresher copies replace the old ones, and only a change writes.
    assert!(j.update(|d| d.update_jobs(&[job("a1", "FINISHED")])).unwrap());
    let written = j.stamp().unwrap();
    assert!(!j.update(|d| d.update_jobs(&[job("a1", "FINISHED")])).unwrap());
    assert_eq!(
        j.stamp().unwrap(),
        written,
        "a change that changes nothing writes nothing"
    );
    assert_eq!(
        j.load().unwrap().jobs()[0].status_name.as_ref().map(|s| s.as_api()),
        Some("FINISHED")
    );
    // Profiles do not share jobs; the store's files (the database, its WAL and shared
    // memory) are private, and nothing else is left behind.
    assert!(
        Journal::open(dir.path(), "staging")
            .unwrap()
            .load()
            .unwrap()
            .jobs()
            .is_empty()
    );
    let mut names: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names.retain(|n| n != "store.sqlite3-shm" && n != "store.sqlite3-wal");
    assert_eq!(names, ["store.sqlite3"]);
    for name in ["store.sqlite3-shm", "store.sqlite3-wal"] {
        let path = dir.path().join(name);
        if path.exists() {
            assert_eq!(mode(&path), 0o600, "{name}");
        }
    }
}

#[test]
fn writers_in_parallel_lose_nothing() {
    // Eight writers (threads here; the multi-process test does it with processes), each
    // recording and answering its own submits: every one of them is there at the end.
    let dir = pty::temp_dir("journal-parallel");
    let threads: Vec<_> = (0..8)
        .map(|t| {
            let d = dir.path().to_path_buf();
            std::thread::spawn(move || {
                let j = Journal::open(&d, "prod").unwrap();
                for i in 0..25 {
                    let body = serde_json::json!({"snapshotId": format!("s{t}-{i}")});
                    let key = j.record_sending("g", "Cluster0", &body, 1_000 + i).unwrap();
                    j.record_outcome(
                        &key,
                        SubmitState::Created,
                        vec![job(&format!("j{t}-{i}"), "IN_PROGRESS")],
                        None,
                    )
                    .unwrap();
                    // A reader in between sees whole files only.
                    j.load().unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let data = Journal::open(dir.path(), "prod").unwrap().load().unwrap();
    let mut ids: Vec<String> = data.jobs().into_iter().map(|j| j.id.to_string()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every submit of every writer, once");
    assert!(data.submits.iter().all(|s| s.state == SubmitState::Created));
}

#[test]
fn track_and_forget_are_journal_first_and_forgotten_jobs_stay_claimed() {
    let dir = pty::temp_dir("journal-track");
    let j = Journal::open(dir.path(), "prod").unwrap();
    assert!(
        j.track("g", "Cluster0", vec![job("other1", "FINISHED")], 5_000)
            .unwrap()
    );
    assert!(
        !j.track("g", "Cluster0", vec![job("other1", "FINISHED")], 5_000)
            .unwrap(),
        "once"
    );
    let data = j.load().unwrap();
    assert!(data.is_tracked("other1"));
    assert!(data.submits[0].request.is_null());

    assert!(j.forget("other1").unwrap());
    assert!(!j.forget("other1").unwrap());
    let data = j.load().unwrap();
    assert!(!data.is_tracked("other1"));
    assert!(data.claimed_ids().contains("other1"), "no reconciliation may adopt it");
    // Tracked again by hand: it is followed again.
    assert!(
        j.track("g", "Cluster0", vec![job("other1", "FINISHED")], 6_000)
            .unwrap()
    );
    assert!(j.load().unwrap().is_tracked("other1"));
}

#[test]
fn the_same_restore_within_the_window_is_not_recorded_twice() {
    let dir = pty::temp_dir("journal-repeat");
    let j = Journal::open(dir.path(), "prod").unwrap();
    let body = serde_json::json!({"snapshotId": "s1", "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    let first = match j
        .record_sending_unless_repeat("g", "Cluster0", &body, None, 10_000, Some(0))
        .unwrap()
    {
        Recorded::Key(k) => k,
        other => panic!("{other:?}"),
    };
    // The delivery's limits do not make it another restore; the cluster or the point does.
    let same = serde_json::json!({"snapshotId": "s1", "delivery": {"methodName": "HTTP", "maxDownloads": 3}});
    match j
        .record_sending_unless_repeat("g", "Cluster0", &same, None, 20_000, Some(0))
        .unwrap()
    {
        Recorded::Repeat(earlier) => assert_eq!(earlier.key, first),
        other => panic!("{other:?}"),
    }
    let other_cluster = j
        .record_sending_unless_repeat("g", "Cluster1", &same, None, 20_000, Some(0))
        .unwrap();
    assert!(matches!(other_cluster, Recorded::Key(_)));
    // Outside the window, or refused by Atlas: no longer a repeat.
    assert!(matches!(
        j.record_sending_unless_repeat("g", "Cluster0", &same, None, 20_000, Some(15_000))
            .unwrap(),
        Recorded::Key(_)
    ));
    assert_eq!(j.load().unwrap().submits.len(), 3);
}

#[test]
fn a_damaged_journal_is_reported_and_left_alone() {
    let dir = pty::temp_dir("journal-damaged");
    let path = dir.path().join(atlas_restore::jobs::journal::file_name("prod"));
    std::fs::write(&path, b"{\"version\":1,\"submits\":[{\"key\"").unwrap();
    let err = Journal::open(dir.path(), "prod").unwrap_err();
    assert!(matches!(err, JournalError::OldDamaged { .. }));
    assert!(err.to_string().contains("left as it is"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"version\":1,\"submits\":[{\"key\"");
}

#[test]
fn odd_profile_names_make_safe_file_names() {
    assert_eq!(
        atlas_restore::jobs::journal::file_name("../../etc/x"),
        "jobs-______etc_x.json"
    );
}
