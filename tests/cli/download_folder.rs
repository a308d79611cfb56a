//! The download folder of a profile without `download_dir`, as a DBA meets it: the first
//! download in a dashboard asks where archives go and remembers the answer, a second window
//! on the same profile (open all along) goes straight to the question with that folder, and
//! the headless `download` uses it too. Real binary, real ptys, `atlas-restore sim`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use lab::{SimAsk, show, text};
use pty::{Pty, SimProcess, key};

use serde_json::json;
use std::path::Path;
use std::time::{Duration, Instant};

/// From the form to the panel (F2), the job READY and selected.
fn to_ready_job(pty: &mut Pty) {
    // F2: straight to the panel, wherever the form's focus is.
    pty.send("\x1bOQ");
    pty.wait_for("▶ Restore jobs (1)");
    pty.wait_until(30, "the job READY", |s| s.contains("READY"));
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

#[test]
fn the_first_download_asks_the_folder_and_every_window_and_script_remembers_it() {
    let sim = SimProcess::start(&["--speed", "60"]);
    // No download_dir: the folder is the dashboard's question. Polls each second, so the
    // second window hears of the choice soon.
    let lab = lab::Lab::with_profile("download-folder", |_| {
        format!("{}poll_interval = \"1s\"\n", lab::sim_profile(&sim))
    });
    let body = json!({"snapshotId": sim.snapshot("Cluster0"), "delivery": {"methodName": "HTTP"}});
    let out = lab.submit(&body.to_string(), &["-"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let id = text(&out.stdout).split_whitespace().next().unwrap().to_string();

    let mut a = lab.dashboard(100, 30);
    let mut b = lab.dashboard(100, 30);
    to_ready_job(&mut a);
    to_ready_job(&mut b);

    // A: asked, with a folder of the user's own offered (never the current directory).
    a.send("d");
    let s = a.wait_for("Where should this profile's archives go?");
    assert!(s.contains("atlas-restore"), "the user's download folder offered: {s}");
    // A relative folder is refused with what to write instead; the question stays.
    a.send("\x15");
    a.type_text("restores");
    a.send(key::ENTER);
    a.wait_for("is relative: write a full path");
    a.send("\x15");
    a.type_text("~/restores");
    a.send(key::ENTER);
    let s = a.wait_for("Download the restore file?");
    let restores = lab.dir.join("restores");
    assert!(
        s.contains(&restores.display().to_string()),
        "the folder under HOME: {s}"
    );
    assert_eq!(mode(&restores), 0o700, "a new folder is the user's alone");
    a.send(key::ENTER);
    a.wait_until(60, "the download checked", |s| s.contains("matches"));
    let files: Vec<_> = std::fs::read_dir(&restores)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert_eq!(mode(&files[0]), 0o600);
    let journal = lab.journal();
    assert_eq!(journal["download_dir"], restores.display().to_string(), "{journal}");

    // B, open all along: no question, the folder A chose.
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let polled = pty::updated(&b.screen());
        b.send("d");
        let s = b.wait_until(10, "a question", |s| {
            s.contains("Download the restore file?") || s.contains("Where should this profile's archives go?")
        });
        // Esc answered before the next key (which it would make an Alt).
        b.send(key::ESC);
        b.wait_until(10, "the question closed", |s| {
            !s.contains("Download the restore file?") && !s.contains("Where should this profile's archives go?")
        });
        if s.contains("Download the restore file?") {
            assert!(s.contains(&restores.display().to_string()), "{s}");
            break;
        }
        // Not heard yet: the next poll brings it (B's "updated" moves when it is back).
        assert!(
            Instant::now() < deadline,
            "the second window never heard of the folder: {s}"
        );
        b.wait_until(10, "B's next poll", |s| pty::updated(s) != polled);
    }
    a.send(key::CTRL_Q);
    b.send(key::CTRL_Q);
    assert_eq!(a.wait_exit(10), 0);
    assert_eq!(b.wait_exit(10), 0);

    // A script (no --dir) downloads into the folder chosen in the dashboard.
    std::fs::remove_file(&files[0]).unwrap();
    let out = lab.run(&["download", &id]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(std::fs::read_dir(&restores).unwrap().count(), 1, "{}", show(&out));

    // A new dashboard shows the last download from the journal (here the script's), with
    // its SHA1 verdict and what the archive holds; and it remembers the folder: straight to
    // the question.
    let mut c = lab.dashboard(100, 30);
    to_ready_job(&mut c);
    c.send(key::ENTER);
    let s = c.wait_for("download URL");
    let bare: String = s.split_whitespace().collect();
    assert!(
        bare.contains("downloaded") && bare.contains("matchesAtlas's") && bare.contains("amongoddatadirectory"),
        "{s}"
    );
    c.send(key::ESC);
    c.wait_until(10, "the detail closed", |s| !s.contains("download URL"));
    c.send("d");
    let s = c.wait_for("Download the restore file?");
    assert!(s.contains("f chooses another"), "{s}");
    // f asks again, offering the folder chosen; Esc goes back to the question, the folder as
    // it was.
    c.send("f");
    let s = c.wait_for("Another download folder");
    assert!(s.contains("folder: ~/restores"), "{s}");
    c.send(key::ESC);
    let s = c.wait_until(10, "back to the question", |s| {
        s.contains("Download the restore file?") && !s.contains("Another download folder")
    });
    assert!(s.contains(&restores.display().to_string()), "{s}");
    c.send(key::ESC);
    c.send(key::CTRL_Q);
    assert_eq!(c.wait_exit(10), 0);
}
