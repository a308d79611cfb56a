//! The tracked-jobs journal: durable, private, and honest about what it does not know.

mod pty;
use atlas_restore::atlas::{Delivery, RestoreJob};
use atlas_restore::jobs::{Journal, JournalError, SubmitState};
use pty::TempDir;
use std::os::unix::fs::PermissionsExt;

fn job(id: &str, status: &str) -> RestoreJob {
    RestoreJob {
        id: id.into(),
        status_name: Some(status.into()),
        delivery: Some(Delivery::default()),
        ..RestoreJob::default()
    }
}

#[test]
fn a_submit_is_on_disk_before_it_is_sent_and_after_it_is_answered() {
    let dir = TempDir::new("journal-basic");
    let body = serde_json::json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}});
    let mut j = Journal::open(dir.path(), "prod").unwrap();
    let key = j
        .record_sending("5a66666887d9d61443b41645", "Cluster0", &body, 1_000)
        .unwrap();

    // A crash now: a new process sees the submit, and that its outcome is unknown.
    let reopened = Journal::open(dir.path(), "prod").unwrap();
    assert_eq!(reopened.unresolved().len(), 1);
    assert_eq!(reopened.submits()[0].request, body);
    let mode = std::fs::metadata(reopened.path()).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    j.record_outcome(&key, SubmitState::Created, vec![job("a1", "IN_PROGRESS")], None)
        .unwrap();
    let reopened = Journal::open(dir.path(), "prod").unwrap();
    assert!(reopened.unresolved().is_empty());
    assert_eq!(reopened.jobs()[0].id, "a1");

    // Fresher copies replace the old ones, and only a change writes.
    assert!(j.update_jobs(&[job("a1", "FINISHED")]).unwrap());
    assert!(!j.update_jobs(&[job("a1", "FINISHED")]).unwrap());
    assert_eq!(
        Journal::open(dir.path(), "prod").unwrap().jobs()[0]
            .status_name
            .as_deref(),
        Some("FINISHED")
    );
    // Profiles do not share a journal; no temporary files are left behind.
    assert!(Journal::open(dir.path(), "staging").unwrap().jobs().is_empty());
    let names: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names.len(), 1, "{names:?}");
}

#[test]
fn a_damaged_journal_is_reported_and_left_alone() {
    let dir = TempDir::new("journal-damaged");
    let path = dir.path().join(atlas_restore::jobs::journal::file_name("prod"));
    std::fs::write(&path, b"{\"version\":1,\"submits\":[{\"key\"").unwrap();
    let err = Journal::open(dir.path(), "prod").unwrap_err();
    assert!(matches!(err, JournalError::Damaged { .. }));
    assert!(err.to_string().contains("left untouched"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"{\"version\":1,\"submits\":[{\"key\"");
}

#[test]
fn odd_profile_names_make_safe_file_names() {
    assert_eq!(
        atlas_restore::jobs::journal::file_name("../../etc/x"),
        "jobs-______etc_x.json"
    );
}
