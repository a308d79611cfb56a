//! A job turning READY is told to the terminal once: a BEL by default, an OSC 9 desktop
//! notification with `[ui] notify = "osc9"`; never again on the redraws and polls after.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab::SimAsk;
use crate::support::pty;
use pty::{Pty, SimProcess, TempDir, key};

fn dashboard(dir: &TempDir, sim: &SimProcess, notify: &str) -> Pty {
    use std::os::unix::fs::PermissionsExt;
    let i = &sim.info;
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"lab\"\n[ui]\nnotify = \"{notify}\"\n[profiles.lab]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\n",
            i["base_url"], i["public_key"], i["private_key"], i["group_id"]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    let data = dir.path().join("data").to_str().unwrap().to_string();
    Pty::spawn(
        &["--config", path.to_str().unwrap()],
        &[("XDG_DATA_HOME", &data)],
        100,
        30,
    )
}

/// Submits the preselected complete snapshot, waits for the job to be READY (and told), then
/// has it polled three more times (Ctrl-R; a READY job is otherwise asked for every 30 s
/// only) and waits until each poll is back and drawn (the simulator counts them): nothing more
/// may be told on those.
fn submit_and_wait_ready(pty: &mut Pty, sim: &SimProcess) {
    pty.wait_for("snapshotId");
    pty.submit_snapshot(0, "submitted: 1 restore job");
    pty.wait_until(30, "the job READY", |s| s.contains("is READY"));
    let polls =
        |c: serde_json::Value| c["restore_job_lists"].as_u64().unwrap() + c["restore_job_gets"].as_u64().unwrap();
    let before = polls(sim.counters());
    for _ in 0..3 {
        pty.poll_now();
    }
    let after = polls(sim.counters());
    assert!(
        after >= before + 3,
        "three polls reached the simulator: {before} then {after}"
    );
}

fn count(haystack: &[u8], needle: &[u8]) -> usize {
    haystack.windows(needle.len()).filter(|w| *w == needle).count()
}

#[test]
fn ready_rings_the_bell_once() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let dir = pty::temp_dir("notify-bell");
    let mut pty = dashboard(&dir, &sim, "bell");
    submit_and_wait_ready(&mut pty, &sim);
    let raw = pty.raw();
    assert_eq!(count(&raw, b"\x07"), 1, "one BEL, for READY");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn ready_sends_one_osc9_notification() {
    let sim = SimProcess::start(&["--speed", "60"]);
    let dir = pty::temp_dir("notify-osc9");
    let mut pty = dashboard(&dir, &sim, "osc9");
    submit_and_wait_ready(&mut pty, &sim);
    let raw = pty.raw();
    assert_eq!(count(&raw, b"\x1b]9;"), 1, "one OSC 9");
    let text = String::from_utf8_lossy(&raw);
    assert!(text.contains("is READY\x07"), "the notification says what happened");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
