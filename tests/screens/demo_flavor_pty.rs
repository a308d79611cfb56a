//! `atlas-restore --demo --flavor ops-manager` as a DBA on premises meets it, in a real
//! pseudo-terminal: the same screens, with Ops Manager's paths and rules. The source cluster
//! is shown with the id its paths use; an HTTP restore needs `maxDownloads`, is reviewed at
//! `/api/public/v1.0/.../clusters/{ID}/restoreJobs`, submitted, followed to READY and
//! downloaded with its SHA1 checked through the Bearer header; then a checkpoint restore of
//! the sharded cluster into a target given by id, confirmed by that id, submitted as a batch.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use pty::{Pty, key};

const CLUSTER0_ID: &str = "5f8e2b4d9d4b7e0012c3a4c1";
const CLUSTER1_ID: &str = "5f8e2b4d9d4b7e0012c3a4c2";

fn field_line<'a>(screen: &'a str, label: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {label} ")))
        .unwrap_or_else(|| panic!("no {label} on screen:\n{screen}"))
}

/// Whether the focus is on the form's field `label`.
fn focused(screen: &str, label: &str) -> bool {
    screen
        .lines()
        .any(|l| l.contains('▶') && l.contains(&format!(" {label} ")))
}

/// Moves the focus to the form's first field (Up stops there), a key once the last one is
/// answered.
fn to_top(pty: &mut Pty) {
    pty.press_until(key::UP, 14, "the focus on groupId", |s| focused(s, "groupId"));
}

fn down(pty: &mut Pty, n: usize) {
    for _ in 0..n {
        pty.send(key::DOWN);
    }
}

#[test]
fn an_ops_manager_demo_composes_submits_follows_and_downloads() {
    let home = pty::temp_dir("demo-om-home");
    let home_str = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(
        &["--demo", "--flavor", "ops-manager"],
        &[("XDG_DATA_HOME", &home_str), ("HOME", &home_str)],
        110,
        34,
    );
    let first = pty.wait_for("snapshotId");
    assert!(
        first.contains("DEMO") && first.contains("Ops Manager API v1.0"),
        "{first}"
    );
    let group = first
        .lines()
        .find(|l| l.contains(" groupId "))
        .and_then(|l| l.split_whitespace().find(|w| w.len() == 24))
        .unwrap()
        .to_string();
    // The source is named, and shown with the id Ops Manager's paths use.
    let s = pty.wait_for(&format!("= id {CLUSTER0_ID}"));
    assert!(field_line(&s, "clusterName").contains("Cluster0"), "{s}");
    // Ops Manager takes the target by id only: the name's row says so.
    assert!(
        field_line(&s, "delivery.targetClusterName").contains("Ops Manager takes targetClusterId"),
        "{s}"
    );

    // Pick a complete snapshot: HTTP without maxDownloads is Ops Manager's error.
    pty.send(key::ENTER);
    pty.wait_for("still being taken");
    pty.send(key::DOWN);
    pty.send(key::ENTER);
    let s = pty.wait_for("MAX_DOWNLOADS_REQUIRED");
    assert!(s.contains("Ops Manager requires delivery.maxDownloads"), "{s}");
    down(&mut pty, 7); // delivery.maxDownloads
    pty.type_text("1");
    pty.wait_for("no conflicts");

    // The review shows the path by id; Enter sends it.
    pty.send(key::CTRL_S);
    let path = format!("/api/public/v1.0/groups/{group}/clusters/{CLUSTER0_ID}/restoreJobs");
    let review = pty.wait_until(15, "the review", |s| s.contains("Review") && s.contains("POST"));
    assert!(review.replace(['\n', ' ', '│'], "").contains(&path), "{review}");
    pty.send(key::ENTER);
    pty.wait_for("submitted: 1 restore job");
    pty.wait_until(60, "the job READY", |s| s.contains("READY"));

    // Into the jobs panel, the job's detail, and a download through urlV2's Bearer header.
    pty.press_until(key::TAB, 16, "the jobs panel focused", |s| s.contains("▶ Restore jobs"));
    let panel = pty.wait_for("▶ Restore jobs (1)");
    assert!(
        panel.lines().any(|l| l.contains("Cluster0") && l.contains("READY")),
        "the job's row names its cluster, which Ops Manager's answers leave out:\n{panel}"
    );
    pty.send(key::ENTER);
    let detail = pty.wait_for("download URL");
    assert!(detail.contains("Authorization"), "the header urlV2 needs: {detail}");
    pty.send("d");
    pty.wait_for("Where should this profile's archives go?");
    pty.send(key::ENTER);
    pty.wait_for("Download the restore file?");
    pty.send(key::ENTER);
    pty.wait_until(60, "the download checked", |s| s.contains("matches"));
    pty.send(key::ESC);
    pty.wait_until(10, "the detail closed", |s| !s.contains("download URL"));
    // Back in the form (a lone Esc, answered before the next key: one right behind it would
    // read as Alt and that key).
    pty.send(key::ESC);
    pty.wait_until(10, "the form focused", |s| !s.contains("▶ Restore jobs"));

    // A checkpoint restore of the sharded cluster, into a target named by its id.
    to_top(&mut pty);
    pty.send(key::DOWN); // clusterName
    pty.send("\x15");
    pty.type_text("Cluster1");
    pty.send(key::DOWN); // snapshotId: cleared
    pty.wait_for(&format!("= id {CLUSTER1_ID}"));
    pty.send("\x15");
    pty.send(key::DOWN); // checkpointId: picked from the list, a restorable one
    pty.send(key::ENTER);
    pty.wait_for("restores to");
    // The selected row (`▶`) says whether it may be picked: Down past those that may not.
    let selected = |s: &str| {
        s.lines()
            .find(|l| l.contains('▶') && l.contains("restores to"))
            .map(str::to_string)
    };
    let s = pty.press_until(key::DOWN, 4, "a restorable checkpoint selected", |s| {
        selected(s).is_some_and(|l| !l.contains("not restorable"))
    });
    let row = selected(&s).unwrap();
    pty.send(key::ENTER);
    pty.wait_until(10, "the checkpoint picked", |s| !s.contains("restores to"));
    let id = row.split_whitespace().find(|w| w.len() == 24).unwrap_or_default();
    assert!(!id.is_empty(), "{row}");
    pty.wait_until(10, "the picked checkpoint in its field", |s| {
        s.lines().any(|l| l.contains(" checkpointId ") && l.contains(id))
    });
    down(&mut pty, 4); // delivery.methodName
    pty.send(" ");
    down(&mut pty, 2); // delivery.maxDownloads: cleared
    pty.send("\x15");
    pty.send(key::DOWN); // delivery.targetGroupId
    pty.type_text(&group);
    down(&mut pty, 2); // delivery.targetClusterId
    pty.type_text(CLUSTER1_ID);
    // Warnings only (once the id is typed whole): the checkpoint's, and that the target is
    // the source itself.
    let s = pty.wait_until(10, "warnings only", |s| {
        s.contains("CHECKPOINT_NEEDS_FCV_4_0") && !s.contains('✖')
    });
    assert!(s.contains("TARGET_IS_SOURCE"), "{s}");
    pty.send(key::CTRL_S);
    // The target given by id is named, and confirmed, by its name: nobody checks 24 hex
    // digits against the cluster they mean.
    let s = pty.wait_for("ERASES every piece of data on cluster Cluster1 (5f8e...a4c2)");
    assert!(s.contains("Type Cluster1 to confirm the erase"), "{s}");
    pty.type_text(CLUSTER1_ID);
    pty.send(key::ENTER);
    pty.wait_for("type Cluster1 exactly to confirm the erase");
    pty.send("\x15");
    pty.type_text("Cluster1");
    pty.send(key::ENTER);
    // One job per shard and one for the config servers.
    pty.wait_for("submitted: 3 restore jobs");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn a_point_in_time_is_picked_from_the_ranges_ops_manager_gives() {
    let home = pty::temp_dir("demo-om-ranges");
    let home_str = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(
        &["--demo", "--flavor", "ops-manager"],
        &[("XDG_DATA_HOME", &home_str), ("HOME", &home_str)],
        110,
        34,
    );
    pty.wait_for(&format!("= id {CLUSTER0_ID}"));
    down(&mut pty, 4); // pointInTimeUTCMillis
    let s = pty.wait_until(10, "the focus on pointInTimeUTCMillis", |s| {
        s.lines()
            .any(|l| l.contains("▶") && l.contains(" pointInTimeUTCMillis "))
    });
    assert!(s.contains("Enter pick"), "Enter offers a pick here: {s}");
    pty.send(key::ENTER);
    // The title shows at once, the ranges once Ops Manager answered.
    pty.wait_until(15, "the ranges listed", |s| {
        s.contains("restorable time ranges of Cluster0") && s.contains("from snapshot")
    });
    // The second newest range: its end is before the newest one, which grows as time goes.
    pty.send(key::DOWN);
    pty.send(key::ENTER);
    let s = pty.wait_until(10, "a picked time", |s| !s.contains("restorable time ranges of"));
    let line = field_line(&s, "pointInTimeUTCMillis");
    assert!(line.contains("= 20"), "the picked range's end, as epoch ms: {s}");
    // It is in a range Ops Manager gave: none of the window's findings.
    assert!(
        !s.contains("POINT_IN_TIME_OUTSIDE") && !s.contains("POINT_IN_TIME_AFTER"),
        "{s}"
    );
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
