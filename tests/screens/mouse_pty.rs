//! The mouse, in a real terminal: off by default (so the terminal's own selection works over
//! SSH), and with `[ui] mouse = true` a click focuses a field or selects a job (a second
//! click opens it) and the wheel scrolls the panel and the help.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use pty::{Pty, SimProcess, TempDir, key};

/// An SGR mouse report (what xterm-compatible terminals send with mode 1006), at the 0-based
/// cell `(col, row)`: `button` 0 is the left button, 64/65 the wheel up/down.
fn sgr(button: u8, col: u16, row: u16, press: bool) -> String {
    format!(
        "\x1b[<{button};{};{}{}",
        col + 1,
        row + 1,
        if press { 'M' } else { 'm' }
    )
}

fn click(pty: &mut Pty, col: u16, row: u16) {
    pty.send(&sgr(0, col, row, true));
    pty.send(&sgr(0, col, row, false));
}

fn config(dir: &TempDir, sim: &SimProcess, mouse: bool) -> String {
    use std::os::unix::fs::PermissionsExt;
    let i = &sim.info;
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"lab\"\n[ui]\nmouse = {mouse}\n[profiles.lab]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\n",
            i["base_url"], i["public_key"], i["private_key"], i["group_id"]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_string()
}

/// The 0-based screen row whose text contains `needle`.
fn row_of(screen: &str, needle: &str) -> u16 {
    screen
        .lines()
        .position(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("{needle:?} not on screen:\n{screen}")) as u16
}

#[test]
fn without_the_setting_the_mouse_is_left_to_the_terminal() {
    let sim = SimProcess::start(&[]);
    let dir = pty::temp_dir("mouse-off");
    let config = config(&dir, &sim, false);
    let data = dir.path().join("data").to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &config], &[("XDG_DATA_HOME", &data)], 100, 30);
    pty.wait_for("snapshotId");
    let raw = String::from_utf8_lossy(&pty.raw()).into_owned();
    assert!(
        !raw.contains("\x1b[?1000h") && !raw.contains("\x1b[?1006h"),
        "mouse capture turned on"
    );
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn with_the_setting_clicks_focus_and_select_and_the_wheel_scrolls() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let dir = pty::temp_dir("mouse-on");
    let config = config(&dir, &sim, true);
    let data = dir.path().join("data").to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &config], &[("XDG_DATA_HOME", &data)], 100, 30);
    let s = pty.wait_for("snapshotId");
    assert!(
        String::from_utf8_lossy(&pty.raw()).contains("\x1b[?1000h"),
        "capture on"
    );

    // A click on a field's row focuses it.
    let method_row = row_of(&s, "delivery.methodName");
    click(&mut pty, 10, method_row);
    pty.wait_until(10, "delivery.methodName focused", |s| {
        s.lines().any(|l| l.contains("▶") && l.contains("delivery.methodName"))
    });
    // Back on snapshotId by a click, and a submit by keys, for a job to click on.
    let snapshot_row = row_of(&pty.screen(), "snapshotId");
    click(&mut pty, 10, snapshot_row);
    pty.wait_until(10, "snapshotId focused", |s| {
        s.lines().any(|l| l.contains("▶") && l.contains("snapshotId"))
    });
    for _ in 0..2 {
        pty.send(key::ENTER);
        pty.wait_for("still being taken");
        pty.send(key::DOWN);
        pty.send(key::ENTER);
        pty.wait_for("no conflicts");
        pty.send(key::CTRL_S);
        pty.wait_for("Review");
        pty.send(key::ENTER);
        let s = pty.wait_until(15, "submitted or asked", |s| {
            s.contains("sends it again") || s.contains("submitted: 1 restore job")
        });
        if s.contains("sends it again") {
            pty.send(key::ENTER);
        }
        pty.wait_until(15, "the review closed", |s| !s.contains("Review:"));
    }
    let s = pty.wait_for("Restore jobs (2)");
    // The older job is the second row: a click selects it, a second click opens it.
    let older = s
        .lines()
        .filter(|l| l.contains("Cluster0") && (l.contains("IN_PROGRESS") || l.contains("FINISHED")))
        .nth(1)
        .and_then(|l| {
            l.split(|c: char| !c.is_ascii_hexdigit())
                .find(|w| w.len() == 8)
                .map(str::to_string)
        })
        .unwrap_or_else(|| panic!("two job rows:\n{s}"));
    let row = row_of(&s, &older);
    click(&mut pty, 5, row);
    pty.wait_until(10, "the older job selected", |s| {
        s.lines().any(|l| l.contains("▶") && l.contains(&older))
    });
    click(&mut pty, 5, row);
    let detail = pty.wait_for("Restore job ");
    assert!(detail.contains(&older), "{detail}");
    pty.send(key::ESC);
    pty.wait_until(10, "the detail closed", |s| !s.contains("Restore job "));

    // The wheel over the panel moves the selection up to the newer job.
    pty.send(&sgr(64, 5, row, true));
    pty.wait_until(10, "the newer job selected", |s| {
        s.lines()
            .any(|l| l.contains("▶") && l.contains("Cluster0") && !l.contains(&older))
    });
    // The wheel scrolls the help.
    pty.send(key::F1);
    let top = pty.wait_for("Keys (");
    let first_line = |s: &str| {
        s.lines()
            .nth(row_of(s, "Keys (") as usize + 1)
            .unwrap_or("")
            .to_string()
    };
    let before = first_line(&top);
    for _ in 0..3 {
        pty.send(&sgr(65, 50, 15, true));
    }
    pty.wait_until(10, "the help scrolled", |s| first_line(s) != before);
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
