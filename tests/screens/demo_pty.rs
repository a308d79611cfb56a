//! The demo as a new user meets it: `atlas-restore --demo` in a real 80x24 pseudo-terminal,
//! driven by keys, read from the screen. Pick a snapshot, type a conflicting point in time
//! and see both fields marked with the reason, clear it, review, submit, see the job become
//! READY; an automated restore refused until the target's name is typed; a download whose
//! SHA1 Atlas then lists and which matches; and the terminal left as found.
//!
//! With `UPDATE_ASSETS=1` it also keeps the screen it saw in `assets/demo-80x24.txt`, which
//! the README shows.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use pty::{Pty, key};

fn field_value(screen: &str, label: &str) -> String {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {label} ")))
        .and_then(|l| {
            l.split_whitespace()
                .find(|w| w.len() == 24 && w.bytes().all(|b| b.is_ascii_hexdigit()))
        })
        .unwrap_or_else(|| panic!("no {label} on screen:\n{screen}"))
        .to_string()
}

#[test]
fn compose_conflict_review_submit_download_in_the_demo() {
    let home = pty::temp_dir("demo-home");
    let home_str = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(
        &["--demo"],
        &[("XDG_DATA_HOME", &home_str), ("HOME", &home_str)],
        80,
        24,
    );
    let first = pty.wait_for("snapshotId");
    assert!(first.contains("DEMO"), "{first}");
    let group = field_value(&first, "groupId");

    // Pick a complete snapshot from the list Atlas gives.
    pty.send(key::ENTER);
    pty.wait_for("still being taken");
    pty.send(key::DOWN);
    pty.send(key::ENTER);
    let s = pty.wait_until(10, "a picked snapshot", |s| !s.contains("filter:"));
    let snapshot = field_value(&s, "snapshotId");

    // A point in time as well: both fields are marked, and the reason is given.
    for _ in 0..4 {
        pty.send(key::DOWN);
    }
    pty.type_text("-90m");
    let s = pty.wait_for("RESTORE_POINT_CONFLICT");
    assert!(
        s.contains("✖ snapshotId") && s.contains("✖ pointInTimeUTCMillis"),
        "{s}"
    );
    assert!(s.contains("snapshotId and pointInTimeUTCMillis are different"), "{s}");
    if std::env::var("UPDATE_ASSETS").is_ok() {
        std::fs::write(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/demo-80x24.txt"), &s).unwrap();
    }

    // Clear it, review, submit: the job is listed at once and becomes READY.
    pty.send("\x15"); // Ctrl-U clears the field
    pty.wait_for("no conflicts");
    pty.send(key::CTRL_S);
    // (The whole frame: a screen read mid-write could hold half of it.)
    let review = pty.wait_until(15, "the review", |s| {
        s.contains("Review") && s.contains(&snapshot) && s.contains("POST")
    });
    assert!(review.contains("$MONGODB_ATLAS_PRIVATE_API_KEY"), "{review}");
    pty.send(key::ENTER);
    pty.wait_for("submitted: 1 restore job");
    pty.wait_until(30, "the job READY", |s| s.contains("READY"));

    // An automated restore onto Staging0 is refused until its name is typed.
    pty.send(key::DOWN); // delivery.methodName
    pty.send(" ");
    for _ in 0..3 {
        pty.send(key::DOWN);
    }
    pty.type_text(&group);
    pty.send(key::DOWN);
    pty.type_text("Staging0");
    pty.wait_for("no conflicts");
    pty.send(key::CTRL_S);
    pty.wait_for("ERASES every piece of data on cluster Staging0");
    pty.send(key::ENTER);
    pty.wait_for("type Staging0 exactly");
    // A name short of the target's: typed (the refusal's note goes), Enter is refused again
    // (the note is back), and the review stays, sending nothing.
    pty.type_text("Staging");
    pty.wait_until(10, "Staging typed", |s| {
        s.contains("Type Staging0 to confirm the erase: Staging ") && !s.contains("type Staging0 exactly")
    });
    pty.send(key::ENTER);
    let s = pty.wait_until(15, "the Enter answered", |s| {
        s.contains("type Staging0 exactly") || s.contains("sending") || !s.contains("Type Staging0 to confirm")
    });
    assert!(
        s.contains("type Staging0 exactly to confirm the erase")
            && s.contains("Type Staging0 to confirm the erase: Staging "),
        "sent before the name was typed whole:\n{s}"
    );
    assert!(!s.contains("sending"), "sent before the name was typed whole:\n{s}");
    pty.type_text("0");
    pty.send(key::ENTER);
    pty.wait_until(15, "the automated restore submitted", |s| {
        s.contains("submitted") && !s.contains("Review")
    });

    // Into the jobs panel by Tab (past the form's last field), the first (HTTP) job's detail,
    // and a download.
    pty.press_until(key::TAB, 14, "the jobs panel focused", |s| s.contains("▶ Restore jobs"));
    let panel = pty.wait_for("▶ Restore jobs (2)");
    // The automated restore (newest, first) names its target and restore point, not a
    // download's expiry, although Atlas calls its delivery HTTP.
    let row = panel
        .lines()
        .find(|l| l.contains("→ Staging0"))
        .unwrap_or_else(|| panic!("the automated restore's row names its target:\n{panel}"));
    assert!(row.contains("snapshot"), "{row}");
    pty.send(key::ENTER);
    let detail = pty.wait_for("target cluster");
    assert!(
        detail.contains("AUTOMATED_RESTORE") && detail.contains("Staging0"),
        "{detail}"
    );
    assert!(detail.contains("there is no file to"), "{detail}");
    assert!(
        !detail.contains("copy URL") && !detail.contains("download URL"),
        "no download keys for an automated restore: {detail}"
    );
    pty.send("d");
    pty.wait_for("there is no file to download");
    assert!(!pty.screen().contains("Download the restore file?"));
    pty.send(key::ESC);
    pty.wait_until(10, "the detail closed", |s| !s.contains("target cluster"));
    // The cluster's other restore jobs on a toggle (here there are none but ours).
    pty.send("a");
    pty.wait_for("2 tracked, 0 other");
    pty.send(key::DOWN);
    pty.send(key::ENTER);
    let detail = pty.wait_for("download URL");
    assert!(
        detail.contains("x-mongodb-restore-auth: ••••"),
        "the auth value is masked: {detail}"
    );
    // y sends the URL to the terminal's clipboard (OSC 52), and says so without claiming more.
    pty.send("y");
    pty.wait_for("sent the download URL to your terminal's clipboard");
    assert!(
        pty.raw().windows(7).any(|w| w == b"\x1b]52;c;"),
        "an OSC 52 sequence was written"
    );
    pty.send("c");
    let s = pty.wait_for("a download command (it holds the auth value)");
    assert!(
        !s.contains("curl -fSL"),
        "the command, with its secret, is not shown: {s}"
    );
    // The profile's first download asks where archives go, offering the demo's scratch folder.
    pty.send("d");
    let s = pty.wait_for("Where should this profile's archives go?");
    assert!(s.contains("folder: /") && s.contains("downloads"), "{s}");
    pty.send(key::ENTER);
    let s = pty.wait_for("Download the restore file?");
    assert!(s.contains("f chooses another"), "{s}");
    pty.send(key::ENTER);
    pty.wait_until(30, "the download checked", |s| s.contains("matches"));
    // Asked once: the next download goes straight to the question.
    pty.send("d");
    pty.wait_for("Download the restore file?");
    pty.send(key::ESC);

    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
    pty.with_screen(|s| assert!(!s.alternate_screen() && !s.bracketed_paste()));
}

/// The `47h59m`-style countdowns in `line`, as (hours, minutes).
fn countdowns(line: &str) -> Vec<(u32, u32)> {
    line.split_whitespace()
        .filter_map(|w| {
            let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric());
            let (h, m) = w.strip_suffix('m')?.split_once('h')?;
            if m.len() != 2 || !h.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
                return None;
            }
            Some((h.parse().ok()?, m.parse().ok()?))
        })
        .collect()
}

/// The demo's simulated Atlas keeps this host's time while its restores go 20 times faster:
/// a fresh 48-hour link shows 48h00m or 47h59m and counts down, and the header names no skew
/// (it raced ahead, +21m a minute after start, when the whole clock ran fast). A skew that
/// is there is named: `client_sim.rs` tests that.
#[test]
fn a_fresh_link_counts_down_from_48h_on_the_servers_clock() {
    let home = pty::temp_dir("demo-clock-home");
    let home_str = home.path().to_str().unwrap().to_string();
    let mut pty = Pty::spawn(
        &["--demo"],
        &[("XDG_DATA_HOME", &home_str), ("HOME", &home_str)],
        80,
        24,
    );
    pty.wait_for("snapshotId");
    // The snapshot list opens on a complete snapshot: pick it.
    pty.send(key::ENTER);
    pty.wait_for("complete");
    pty.send(key::ENTER);
    pty.wait_until(10, "a picked snapshot", |s| !s.contains("filter:"));
    pty.send(key::CTRL_S);
    pty.wait_for("Review");
    pty.send(key::ENTER);
    // The status line says so, unless the job's READY news has already replaced it (the
    // demo's jobs are quick, and a loaded machine slow to look): its row says so too.
    pty.wait_until(15, "the job submitted", |s| {
        s.contains("submitted: 1 restore job") || s.contains("013ac001")
    });
    let ready_row = |s: &str| {
        s.lines()
            .skip(1)
            .find(|l| l.contains("READY") && !countdowns(l).is_empty())
            .map(str::to_string)
    };
    let s = pty.wait_until(30, "the job READY with its countdown", |s| ready_row(s).is_some());
    let row = ready_row(&s).unwrap();
    let first = countdowns(&row)[0];
    assert!(
        first == (48, 0) || first == (47, 59),
        "a fresh 48-hour link shows {}h{:02}m: {row}\n{s}",
        first.0,
        first.1
    );
    let title = s.lines().next().unwrap_or_default();
    assert!(
        !title.contains("server clock"),
        "the demo's clock keeps this host's time: {title}"
    );

    // It never counts up (as it did when the simulator's clock outran this host's): after
    // polls asked for and drawn (Ctrl-R), it reads no more than it did. (On the demo's clock,
    // this host's, it moves a minute a minute: waiting for that is not worth a minute here.)
    let later = |s: &str| ready_row(s).map(|r| countdowns(&r)[0]);
    for _ in 0..3 {
        let s = pty.poll_now();
        assert!(
            later(&s).is_some_and(|l| l <= first),
            "{first:?} then {:?}\n{s}",
            later(&s)
        );
    }

    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
