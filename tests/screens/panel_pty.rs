//! The jobs panel's own keys in a real terminal (the demo): `/` filters by any text of a row,
//! `s` cycles the sort, `n` starts a new request from a job in the form, sending nothing.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use lab::{SimAsk, show, text};
use pty::{Pty, SimProcess, TempDir, key};
use serde_json::json;

/// The demo in a 100x40 terminal, with a home of its own; once its form is up.
fn demo(name: &str) -> (TempDir, Pty) {
    let home = pty::temp_dir(name);
    let home_str = home.path().to_str().unwrap().to_string();
    let pty = Pty::spawn(
        &["--demo"],
        &[("XDG_DATA_HOME", &home_str), ("HOME", &home_str)],
        100,
        40,
    );
    pty.wait_for("snapshotId");
    (home, pty)
}

/// Submits the snapshot `downs` rows below the preselected one; the new job's short id.
fn submit(pty: &mut Pty, downs: usize) -> String {
    let s = pty.submit_snapshot(downs, "submitted: 1 restore job (");
    let id: String = s
        .split("submitted: 1 restore job (")
        .nth(1)
        .unwrap()
        .chars()
        .take(24)
        .collect();
    id.chars().skip(16).collect()
}

#[test]
fn filter_sort_and_clone_in_the_panel() {
    let (_home, mut pty) = demo("panel-keys");
    let first = submit(&mut pty, 0);
    let second = submit(&mut pty, 2);
    // Into the panel (Shift-Tab from the first field goes round to it).
    pty.send(key::UP);
    pty.send(key::UP);
    pty.send("\x1b[Z");
    pty.wait_for("▶ Restore jobs (2)");

    // `/` and a job's id: only its row is left; Esc clears the filter.
    pty.send("/");
    pty.wait_for("filter:");
    pty.type_text(&first);
    let row = |s: &str, id: &str| s.lines().any(|l| l.contains(id) && l.contains("Cluster0"));
    let s = pty.wait_until(10, "one row left", |s| s.contains("1 shown"));
    assert!(row(&s, &first) && !row(&s, &second), "{s}");
    pty.send(key::ESC);
    pty.wait_until(10, "both rows back", |s| {
        row(s, &first) && row(s, &second) && !s.contains("filter:")
    });

    // `s` cycles the sort, and says so.
    pty.send("s");
    pty.wait_for("sorted by status");
    pty.send("s");
    pty.wait_for("sorted by expiry");
    pty.send("s");
    pty.wait_for("sorted by created");

    // `n` on the selected (newest) job: its request in the form, nothing sent.
    pty.send("n");
    let s = pty.wait_for("a new request from job");
    assert!(s.contains(&second), "{s}");
    assert!(!s.contains("Review"), "nothing is reviewed or sent by n: {s}");
    assert!(
        s.lines().any(|l| l.contains("▶") && l.contains("snapshotId")),
        "the focus is on the restore point: {s}"
    );
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

/// The rows drawn as an opened batch's parts: `·` then an 8-hex id.
fn part_rows(screen: &str) -> usize {
    screen
        .lines()
        .filter_map(|l| l.split_once(" ·").and_then(|(_, rest)| rest.get(..9)))
        .filter(|id| id.ends_with(' ') && id[..8].chars().all(|c| c.is_ascii_hexdigit()))
        .count()
}

#[test]
fn a_sharded_restore_is_one_row_that_opens_and_downloads_whole() {
    let (_home, mut pty) = demo("panel-batch");
    // The sharded cluster as the source.
    pty.send(key::UP);
    pty.send("\x15");
    pty.type_text("Cluster1");
    pty.send(key::DOWN);
    pty.submit_snapshot(0, "submitted: 3 restore jobs");
    // Into the panel (F2): one row for the batch.
    pty.send(key::F2);
    // The title counts rows as drawn: the batch is one, also opened (it once said 3, the
    // parts, and with `a` an unsigned difference near 2^64).
    let s = pty.wait_for("▶ Restore jobs (1)");
    let batch_rows: Vec<&str> = s.lines().filter(|l| l.contains("3 parts")).collect();
    assert_eq!(batch_rows.len(), 1, "{s}");
    // Right opens it into its parts, Left closes it.
    pty.send("\x1b[C");
    // Each part shows its whole short id beside the tree mark (what `download` takes); the
    // header's own `·` are not parts (a count of them once passed with none drawn).
    let s = pty.wait_until(10, "three parts under the batch", |s| {
        part_rows(s) == 3 && s.contains("3 parts")
    });
    assert!(s.contains("▶ Restore jobs (1)"), "{s}");
    pty.send("a");
    pty.wait_for("1 tracked, 0 other");
    pty.send("a");
    pty.wait_for("▶ Restore jobs (1)");
    pty.send("\x1b[D");
    // Every part READY, then D downloads them all, each checked.
    pty.wait_until(60, "the batch READY", |s| s.contains("3 READY"));
    pty.send("D");
    // The profile's first download: where archives go (the demo's scratch folder offered).
    pty.wait_for("Where should this profile's archives go?");
    pty.send(key::ENTER);
    pty.wait_for("Download every part of the batch?");
    pty.send(key::ENTER);
    pty.wait_until(60, "every part fetched", |s| {
        s.contains("batch downloaded: 3 of 3 parts")
    });
    // The batch's detail lists each part with its SHA1 once Atlas lists it, and what its
    // download found: the SHA1 matched and what the archive holds.
    pty.send(key::ENTER);
    let s = pty.wait_until(30, "three SHA1s listed", |s| {
        s.contains("Batch ") && s.matches("· SHA1 ").count() == 3 && !s.contains("SHA1 not yet")
    });
    assert!(s.contains("shard"), "each part names its shard: {s}");
    // Without the spaces, whatever the wrapping (a full row runs on into the next one).
    let bare = |t: &str| t.split_whitespace().collect::<String>();
    let screen = bare(&s);
    assert_eq!(screen.matches(&bare("matches Atlas's")).count(), 3, "{s}");
    for part in [
        "shard Cluster1-shard-0",
        "shard Cluster1-shard-1",
        "config server Cluster1-config-0",
    ] {
        let said = bare(&format!("a mongod data directory of {part}"));
        assert!(screen.contains(&said), "{part}: {s}");
    }
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn a_running_job_says_how_long_it_may_take_and_on_what() {
    let (_home, mut pty) = demo("panel-eta");
    let first = submit(&mut pty, 0);
    // Into the panel at once, while the first job runs: no past job, no number.
    pty.send(key::F2);
    pty.wait_for("▶ Restore jobs (1)");
    pty.send(key::ENTER);
    let s = pty.wait_for("estimate");
    assert!(s.contains("no estimate yet"), "{s}");
    pty.send(key::ESC);
    pty.wait_until(30, "the first job FINISHED", |s| {
        s.lines().any(|l| l.contains(&first) && l.contains("FINISHED"))
    });
    // A second restore of the same cluster: its estimate names the finished one it comes from.
    // Back in the form (the Esc answered before the next key, which it would make an Alt),
    // then on to snapshotId.
    pty.send(key::ESC);
    pty.wait_until(10, "the form focused", |s| !s.contains("▶ Restore jobs"));
    pty.press_until(key::DOWN, 4, "the focus on snapshotId", |s| {
        s.lines().any(|l| l.contains("▶") && l.contains("snapshotId"))
    });
    let second = submit(&mut pty, 1);
    pty.send(key::F2);
    pty.wait_for("▶ Restore jobs (2)");
    pty.send(key::ENTER);
    let s = pty.wait_until(15, "an estimate with its basis", |s| {
        s.contains("estimate") && s.contains("from 1 finished restore")
    });
    assert!(s.contains(&second), "the newest (running) job's detail: {s}");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

/// The form's line for `field` (its label padded, as drawn).
fn field_line<'a>(s: &'a str, field: &str) -> &'a str {
    s.lines()
        .find(|l| l.contains(&format!(" {field} ")))
        .unwrap_or_default()
}

/// Into the panel, and onto the row of the job whose short id is `short`.
fn select_job(pty: &mut Pty, short: &str) {
    pty.send(key::F2);
    let s = pty.wait_until(15, "the panel with the job", |s| {
        s.contains("▶ Restore jobs") && s.contains(short)
    });
    let rows: Vec<&str> = s
        .lines()
        .skip_while(|l| !l.contains("▶ Restore jobs"))
        .filter(|l| l.contains("013ac"))
        .collect();
    let at = rows.iter().position(|l| l.contains(short)).unwrap();
    for _ in 0..rows.len() {
        pty.send(key::UP);
    }
    for _ in 0..at {
        pty.send(key::DOWN);
    }
}

/// With the focus on clusterName: its picker, and `downs` rows below the first.
fn pick_cluster(pty: &mut Pty, downs: usize) {
    pty.send(key::ENTER);
    // Listed, not loading: the rows carry each cluster's topology (Staging0 may also be in
    // the form already).
    pty.wait_until(15, "the project's clusters", |s| {
        s.contains("clusters of project") && s.contains("SHARDED") && !s.contains("loading from Atlas")
    });
    for _ in 0..downs {
        pty.send(key::DOWN);
    }
    pty.send(key::ENTER);
}

#[test]
fn a_request_is_bound_to_its_source_cluster_n_moves_the_form_and_atlas_lists_check_it() {
    let sim = SimProcess::start(&[]);
    let lab = lab::Lab::new("panel-source", &sim);
    let group = sim.group().to_string();
    // Two jobs of Cluster0, made by a script: a download of a snapshot, and a point in time
    // restored into Staging0.
    let snapshot = sim.snapshot("Cluster0");
    let http = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    let out = lab.submit(&http.to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let http_job = text(&out.stdout).split_whitespace().next().unwrap().to_string();
    let now_ms = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let pit = json!({"pointInTimeUTCMillis": now_ms - 1_800_000, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": group, "targetClusterName": "Staging0"}});
    let out = lab.submit(&pit.to_string(), &["--confirm-erase", "Staging0"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let pit_job = text(&out.stdout).split_whitespace().next().unwrap().to_string();
    let creates = || sim.counters()["restore_job_creates"].as_u64().unwrap();
    assert_eq!(creates(), 2);

    // The form on Cluster1, the sharded cluster.
    let mut pty = lab.dashboard(100, 40);
    pty.send(key::UP); // clusterName
    pick_cluster(&mut pty, 1);
    pty.wait_until(15, "the form on Cluster1", |s| {
        field_line(s, "clusterName").contains("Cluster1")
    });

    // `n` on the point-in-time job: the form moves to Cluster0, and says so; the restore
    // point and target come along; nothing is in conflict.
    select_job(&mut pty, &pit_job[16..]);
    pty.send("n");
    let s = pty.wait_for("(the form's source is now that cluster)");
    assert!(s.contains(&format!("a new request from job {}", &pit_job[16..])), "{s}");
    assert!(s.contains("of Cluster0"), "{s}");
    let s = pty.wait_until(15, "the point in time checked", |s| s.contains("no conflicts"));
    assert!(field_line(&s, "clusterName").contains("Cluster0"), "{s}");
    assert!(
        field_line(&s, "pointInTimeUTCMillis").contains(&(now_ms - 1_800_000).to_string()),
        "{s}"
    );
    assert!(field_line(&s, "delivery.targetClusterName").contains("Staging0"), "{s}");

    // `n` on the snapshot job, then clusterName changed with its picker: the snapshot is not
    // Cluster1's, and both fields say so.
    select_job(&mut pty, &http_job[16..]);
    pty.send("n");
    let s = pty.wait_until(15, "the snapshot's request", |s| {
        field_line(s, "snapshotId").contains(&snapshot) && s.contains("no conflicts")
    });
    assert!(field_line(&s, "clusterName").contains("Cluster0"), "{s}");
    pty.send(key::UP); // clusterName
    pick_cluster(&mut pty, 1);
    let s = pty.wait_for("SNAPSHOT_NOT_OF_SOURCE");
    assert!(field_line(&s, "snapshotId").contains('✖'), "{s}");
    assert!(field_line(&s, "clusterName").contains('✖'), "{s}");
    assert!(
        s.contains(&format!("snapshot {snapshot} is not one of Cluster1's")),
        "{s}"
    );
    pty.send(key::CTRL_S);
    let s = pty.wait_for("to fix before submitting");
    assert!(!s.contains("Review:"), "{s}");

    // A sharded source into a replica set: marked in the form, never at the erase prompt.
    pty.send(key::DOWN); // snapshotId
    pty.send(key::ENTER);
    pty.wait_for("still being taken");
    pty.send(key::ENTER);
    pty.wait_until(15, "a Cluster1 snapshot", |s| !s.contains("SNAPSHOT_NOT_OF_SOURCE"));
    for _ in 0..5 {
        pty.send(key::DOWN);
    }
    pty.send(" "); // AUTOMATED_RESTORE
    for _ in 0..3 {
        pty.send(key::DOWN);
    }
    pty.type_text(&group);
    pty.send(key::DOWN);
    pty.type_text("Staging0");
    let s = pty.wait_for("TOPOLOGY_MISMATCH");
    assert!(
        s.contains("Cluster1 is a sharded cluster and Staging0 is a replica set"),
        "{s}"
    );
    assert!(field_line(&s, "clusterName").contains('✖'), "{s}");
    assert!(field_line(&s, "delivery.targetClusterName").contains('✖'), "{s}");
    pty.send(key::CTRL_S);
    let s = pty.wait_for("to fix before submitting");
    assert!(!s.contains("ERASES"), "no erase prompt: {s}");
    // The target picker: Staging0 shown but not choosable, the source itself last. (Ctrl-S
    // left the focus on the first field marked, clusterName.)
    for _ in 0..10 {
        pty.send(key::DOWN);
    }
    pty.wait_until(10, "the focus on the target", |s| {
        field_line(s, "delivery.targetClusterName").contains('▶')
    });
    pty.send(key::ENTER);
    let s = pty.wait_until(15, "the target's clusters", |s| {
        s.contains("(the target)") && s.contains("other topology") && !s.contains("loading from Atlas")
    });
    assert!(s.contains("(other topology) Cluster0"), "{s}");
    pty.send(key::ESC);
    assert_eq!(creates(), 2, "nothing more reached the simulator");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
