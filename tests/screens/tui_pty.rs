//! The whole program in a real pseudo-terminal: it draws, takes keys, and leaves the
//! terminal as it found it on every way out.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use pty::{Pty, TempDir, key};

/// A profile pointing at a closed loopback port: the form works without any server.
fn offline_config(dir: &TempDir) -> String {
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        "[profiles.offline]\nbase_url = \"http://127.0.0.1:9\"\npublic_key = \"pub\"\nprivate_key_command = \"echo offline-secret\"\ngroup_id = \"5a66666887d9d61443b41645\"\ncluster_name = \"Cluster0\"\n",
    )
    .unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn types_sees_conflicts_and_quits_leaving_the_terminal_as_found() {
    let dir = pty::temp_dir("pty-offline");
    let config = offline_config(&dir);
    let mut pty = Pty::spawn(&["--config", &config], &[], 80, 24);
    pty.wait_for("snapshotId");
    pty.with_screen(|s| {
        assert!(s.alternate_screen(), "the dashboard uses the alternate screen");
        assert!(s.bracketed_paste(), "bracketed paste is on");
        assert_eq!(
            s.mouse_protocol_mode(),
            vt100::MouseProtocolMode::None,
            "no mouse capture unless asked"
        );
    });
    // The failed lookup of the source is said, and the form still works.
    pty.wait_for("refused the connection");
    pty.type_text("5a6669d9fcc178211a0d86b9");
    for _ in 0..4 {
        pty.send(key::DOWN);
    }
    pty.type_text("-90m");
    // Both findings of the finished text (a partly typed one may show only the first).
    let s = pty.wait_until(15, "both findings", |s| {
        s.contains("RESTORE_POINT_CONFLICT") && s.contains("REQUIRES_AUTOMATED_RESTORE")
    });
    assert!(s.contains("snapshotId and pointInTimeUTCMillis are different"), "{s}");

    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
    pty.with_screen(|s| {
        assert!(!s.alternate_screen(), "left the alternate screen");
        assert!(!s.bracketed_paste(), "bracketed paste is off again");
        assert!(!s.hide_cursor(), "the cursor is visible again");
    });
}

#[test]
fn sighup_restores_the_terminal() {
    let dir = pty::temp_dir("pty-hup");
    let config = offline_config(&dir);
    let mut pty = Pty::spawn(&["--config", &config], &[], 80, 24);
    pty.wait_for("snapshotId");
    let pid = pty.pid().expect("a pid");
    let status = std::process::Command::new("kill")
        .args(["-HUP", &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    pty.wait_exit(10);
    pty.with_screen(|s| assert!(!s.alternate_screen() && !s.bracketed_paste()));
}

/// Nothing is written while nothing changes. The status line (the failed lookup) lasts 8 s and
/// the clock ticks meanwhile, but draws nothing until it goes; then one redraw clears it, and
/// after that, with nothing left that moves with the clock, no tick at all. The windows are
/// the thing under test (nothing comes for 2 s), so they are sleeps; each is judged only where
/// the status's end cannot have fallen in it.
#[test]
fn an_idle_screen_writes_nothing() {
    let dir = pty::temp_dir("pty-idle");
    let config = offline_config(&dir);
    let pty = Pty::spawn(&["--config", &config], &[], 80, 24);
    let status = "refused the connection";
    pty.wait_for(status);
    let idle = |what: &str| {
        let before = pty.raw_len();
        std::thread::sleep(std::time::Duration::from_secs(2));
        let raw = pty.raw();
        (raw.len() == before).then_some(()).ok_or_else(|| {
            format!(
                "bytes written while idle ({what}): {:?}",
                String::from_utf8_lossy(&raw[before..])
            )
        })
    };
    // While the status lasts: judged when it is still up after the window (so its end did
    // not fall in it; on a machine that slow, the window after it still judges).
    let during = idle("the status up, the clock ticking");
    if pty.screen().contains(status) {
        during.unwrap_or_else(|e| panic!("{e}"));
    } else {
        eprintln!("the status went during the first window: only the second is judged");
    }
    // Its end, a redraw of its own, and then nothing.
    pty.wait_until(15, "the status gone", |s| !s.contains(status));
    idle("the status gone").unwrap_or_else(|e| panic!("{e}"));
}

#[test]
fn a_tiny_terminal_gets_a_notice_not_a_panic() {
    let dir = pty::temp_dir("pty-tiny");
    let config = offline_config(&dir);
    let mut pty = Pty::spawn(&["--config", &config], &[], 20, 5);
    pty.wait_for("terminal too");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
