//! The store's own tests: waits, modes.
use super::*;
use std::sync::atomic::{AtomicUsize, Ordering};

static WAITS_SAID: AtomicUsize = AtomicUsize::new(0);

fn said(_: &Path) {
    WAITS_SAID.fetch_add(1, Ordering::SeqCst);
}

#[test]
fn a_writer_waits_for_another_process_and_says_so_after_a_second() {
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-store-wait-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let path = dir.join("store.sqlite3");
    let mut store = Store::open(&path).unwrap();
    on_wait(said);
    // Another process's long change: a connection of its own holding the write lock.
    let other = Connection::open(&path).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    let (held, release) = std::sync::mpsc::channel::<()>();
    let holder = std::thread::spawn(move || {
        let _ = release.recv_timeout(Duration::from_millis(1_500));
        other.execute_batch("COMMIT").unwrap();
    });
    let before = WAITS_SAID.load(Ordering::SeqCst);
    let wrote = store.write("p", |_| Ok(((), true)));
    drop(held);
    holder.join().unwrap();
    assert!(wrote.is_ok(), "{wrote:?}");
    assert_eq!(WAITS_SAID.load(Ordering::SeqCst), before + 1, "said once");
    assert_eq!(store.revision("p").unwrap(), 1);
    // With nobody holding it, nothing is said.
    store.write("p", |_| Ok(((), true))).unwrap();
    assert_eq!(WAITS_SAID.load(Ordering::SeqCst), before + 1);
}

#[test]
fn the_folder_is_made_private_and_the_file_too() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-store-modes-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let path = dir.join("store.sqlite3");
    Store::open(&path).unwrap();
    let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&dir), 0o700, "a 0.1.0 data folder (0755) is tightened");
    assert_eq!(mode(&path), 0o600);
    assert_eq!(
        filesystem_of(&dir),
        Filesystem::Local,
        "the test machine's temp folder is local"
    );
}

#[test]
fn a_version_1_store_is_brought_up_to_date_and_its_live_rows_still_read() {
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-store-v1-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let path = dir.join("store.sqlite3");
    // A version 1 store, as the first store build wrote it: wire JSON bodies, no live_until_ms.
    let old = Connection::open(&path).unwrap();
    old.execute_batch(super::super::schema::SCHEMA_1).unwrap();
    let body = |key: &str, status: &str| {
        serde_json::json!({"key": key, "group_id": "g", "cluster": "Cluster0", "submitted_at_ms": 1_000,
            "request": {"snapshotId": "s1"}, "state": "CREATED",
            "jobs": [{"id": format!("job-{key}"), "statusName": status, "delivery": {"methodName": "HTTP"}}]})
        .to_string()
    };
    old.execute_batch(
        "INSERT INTO profiles (name) VALUES ('prod');
         PRAGMA user_version = 1;",
    )
    .unwrap();
    let week = LIVE_AFTER_SETTLED_MS;
    for (key, status, settled) in [
        ("running", "IN_PROGRESS", None),
        ("lately", "FINISHED", Some(10 * week)),
        ("long-ago", "FINISHED", Some(1_000)),
    ] {
        old.execute(
            "INSERT INTO submits (profile, key, group_id, cluster, submitted_at_ms, state, settled_ms, body)
             VALUES ('prod', ?1, 'g', 'Cluster0', 1000, 'CREATED', ?2, ?3)",
            params![key, settled, body(key, status)],
        )
        .unwrap();
    }
    drop(old);

    let mut store = Store::open(&path).unwrap();
    let version: i64 = store.conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    assert_eq!(version, SCHEMA_VERSION);
    let live = store
        .read(|tx| live_bodies(tx, "prod", 10 * week + 1, |b| Ok(b.to_string())))
        .unwrap();
    assert_eq!(live.len(), 2, "the running one and the one settled lately: {live:?}");
    for b in &live {
        let s: super::super::stored::StoredSubmit = serde_json::from_str(b).unwrap();
        assert!(!b.contains("statusName"), "in the store's own terms: {b}");
        assert_eq!(s.jobs.len(), 1);
    }
    let all = store.read(|tx| all_bodies(tx, Some("prod"))).unwrap();
    assert_eq!(all.len(), 3, "history keeps everything");
    // Opened again: nothing more to do.
    drop(store);
    Store::open(&path).unwrap();
}

#[test]
fn a_poll_reads_the_live_rows_through_the_index_however_long_the_history() {
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-store-plan-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let mut store = Store::open(&dir.join("store.sqlite3")).unwrap();
    let plan: Vec<String> = store
        .read(|tx| {
            let mut stmt = tx.prepare(&format!("EXPLAIN QUERY PLAN {LIVE_QUERY}"))?;
            stmt.query_map(params!["p", 0], |r| r.get::<_, String>(3))?.collect()
        })
        .unwrap();
    let searches = plan.iter().filter(|p| p.contains("USING INDEX submits_live")).count();
    assert_eq!(searches, 2, "both halves search the index, neither scans: {plan:?}");
    assert!(!plan.iter().any(|p| p.starts_with("SCAN submits")), "{plan:?}");
}
