//! Nothing submitted is lost: a job submitted in the dashboard is on disk before the screen
//! says so, survives `kill -9`, is shown again by a new dashboard that resumes polling it,
//! and is listed by `atlas-restore jobs`. Against `atlas-restore sim` run as its own process.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod pty;
use pty::{BIN, Pty, SimProcess, TempDir, key};
use std::process::Command;

fn start_sim() -> SimProcess {
    SimProcess::start(&["--speed", "60"])
}

fn write_config(dir: &TempDir, sim: &SimProcess) -> String {
    use std::os::unix::fs::PermissionsExt;
    let i = &sim.info;
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "default_profile = \"lab\"\n[profiles.lab]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\n",
            i["base_url"], i["public_key"], i["private_key"], i["group_id"]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn a_submitted_job_survives_kill_9_and_is_polled_again() {
    let sim = start_sim();
    let dir = TempDir::new("journal-kill");
    let config = write_config(&dir, &sim);
    let data = dir.path().join("data");
    let data_str = data.to_str().unwrap().to_string();
    let env = [("XDG_DATA_HOME", data_str.as_str())];

    let mut pty = Pty::spawn(&["--config", &config], &env, 100, 30);
    pty.wait_for("snapshotId");
    let s = pty.submit_snapshot(1, "submitted: 1 restore job (");
    let job_id: String = s
        .split("submitted: 1 restore job (")
        .nth(1)
        .unwrap()
        .chars()
        .take(24)
        .collect();

    // The store has it, privately, before anything else happens.
    let store = data.join("atlas-restore");
    let recorded = atlas_restore::jobs::Journal::open(&store, "lab")
        .unwrap()
        .everything()
        .unwrap();
    assert!(recorded.jobs().iter().any(|j| j.id == job_id.as_str()), "{recorded:?}");
    use std::os::unix::fs::PermissionsExt;
    assert_eq!(
        std::fs::metadata(store.join("store.sqlite3"))
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o600
    );

    let pid = pty.pid().unwrap();
    assert!(
        Command::new("kill")
            .args(["-9", &pid.to_string()])
            .status()
            .unwrap()
            .success()
    );
    pty.wait_exit(10);
    drop(pty);

    // A new dashboard shows the job again and polls it on to READY.
    let mut again = Pty::spawn(&["--config", &config], &env, 100, 30);
    let short: String = job_id.chars().skip(16).collect();
    again.wait_for(&short);
    again.wait_until(30, "the job polled to READY", |s| {
        s.lines().any(|l| l.contains(&short) && l.contains("READY"))
    });
    again.send(key::CTRL_Q);
    assert_eq!(again.wait_exit(10), 0);

    // And `atlas-restore jobs` lists it, fresh.
    let out = Command::new(BIN)
        .args(["--config", &config, "jobs", "--format", "json"])
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(jobs[0]["id"], job_id.as_str());
    assert_eq!(jobs[0]["statusName"], "FINISHED");
    assert_eq!(jobs[0]["delivery"]["statusName"], "READY");
    assert!(jobs[0]["delivery"]["urlV2"].is_string());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("authValue"));
    let table = Command::new(BIN)
        .args(["jobs", "--config", &config])
        .env("XDG_DATA_HOME", &data)
        .output()
        .unwrap();
    let table = String::from_utf8_lossy(&table.stdout);
    assert!(table.contains(&job_id) && table.contains("READY"), "{table}");
}

#[test]
fn the_private_key_stays_off_the_screen_the_argument_list_and_help() {
    let sim = start_sim();
    let dir = TempDir::new("secrets");
    let key_text = sim.info["private_key"].as_str().unwrap().to_string();
    // The key comes from a command, with whitespace around it that must be trimmed.
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.lab]\nbase_url = {}\npublic_key = {}\nprivate_key_command = \"printf '  {key_text}  \\\\n'\"\ngroup_id = {}\ncluster_name = \"Cluster0\"\n",
            sim.info["base_url"], sim.info["public_key"], sim.info["group_id"]
        ),
    )
    .unwrap();
    let config = config.to_str().unwrap().to_string();
    let data = dir.path().join("data");
    let data_str = data.to_str().unwrap().to_string();
    let mut pty = Pty::spawn(&["--config", &config], &[("XDG_DATA_HOME", &data_str)], 100, 30);
    pty.wait_for("snapshotId");
    // Authenticated calls work (the trimmed key is right): the snapshot list loads.
    pty.send(key::ENTER);
    pty.wait_for("still being taken");
    pty.send(key::DOWN);
    pty.send(key::ENTER);
    pty.send(key::CTRL_S);
    let review = pty.wait_for("curl --digest");
    assert!(review.contains("$MONGODB_ATLAS_PRIVATE_API_KEY"), "{review}");
    let pid = pty.pid().unwrap();
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap();
    assert!(!String::from_utf8_lossy(&cmdline).contains(&key_text));
    pty.send(key::ESC);
    // A lone ESC followed at once by a key reads as Alt+key: let it arrive alone.
    std::thread::sleep(std::time::Duration::from_millis(150));
    pty.send(key::CTRL_Q);
    pty.wait_exit(10);
    assert!(
        !String::from_utf8_lossy(&pty.raw()).contains(&key_text),
        "the key reached the terminal"
    );

    let help = Command::new(BIN)
        .arg("--help")
        .env("MONGODB_ATLAS_PRIVATE_API_KEY", &key_text)
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&help.stdout).contains(&key_text));
}
