//! Nothing submitted is lost: a job submitted in the dashboard is on disk before the screen
//! says so, survives `kill -9`, is shown again by a new dashboard that resumes polling it,
//! and is listed by `atlas-restore jobs`. Every profile in one dashboard: the profile list
//! switches form and panel at 80x24, each profile keeps its own jobs, and a production
//! profile says so in its header. Against `atlas-restore sim` run as its own process.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab::SimAsk;
use crate::support::pty;
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
    let dir = pty::temp_dir("journal-kill");
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
    let dir = pty::temp_dir("secrets");
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
    // A lone ESC followed at once by a key reads as Alt+key: Ctrl-Q once it is answered.
    pty.send(key::ESC);
    pty.wait_until(10, "the review closed", |s| !s.contains("curl --digest"));
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

/// Three profiles: two against the simulator whose names differ only in punctuation (one of
/// them production), and one whose key cannot be read.
fn write_profiles(dir: &TempDir, sim: &SimProcess) -> String {
    use std::os::unix::fs::PermissionsExt;
    let i = &sim.info;
    let lab = |name: &str, production: bool| {
        format!(
            "[profiles.\"{name}\"]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\nproduction = {production}\n",
            i["base_url"], i["public_key"], i["private_key"], i["group_id"]
        )
    };
    let path = dir.path().join("config.toml");
    std::fs::write(
        &path,
        format!(
            "{}{}[profiles.broken]\nbase_url = {}\npublic_key = \"p\"\nprivate_key_command = \"exit 3\"\n",
            lab("prod_eu", false),
            lab("prod.eu", true),
            i["base_url"]
        ),
    )
    .unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
    path.to_str().unwrap().to_string()
}

/// F4 (and ^O, for terminals without F-keys) lists the profiles; Enter on one switches.
fn switch_to(pty: &mut Pty, keys: &str, name: &str) -> String {
    pty.send(keys);
    pty.wait_for("profiles (in use:");
    let s = pty.screen();
    let rows: Vec<&str> = s
        .lines()
        .filter(|l| l.contains("  atlas  ") || l.contains("  broken"))
        .collect();
    let selected = rows.iter().position(|l| l.contains('▶')).unwrap();
    let wanted = rows
        .iter()
        .position(|l| l.split_whitespace().any(|w| w == name))
        .unwrap_or_else(|| panic!("no {name} in the list:\n{s}"));
    for _ in selected..wanted {
        pty.send(key::DOWN);
    }
    for _ in wanted..selected {
        pty.send(key::UP);
    }
    pty.wait_until(5, "the profile selected", |s| {
        s.lines()
            .any(|l| l.contains('▶') && l.split_whitespace().any(|w| w == name))
    });
    pty.send(key::ENTER);
    let title = format!("profile {name} ");
    pty.wait_until(15, "the profile opened (or said why not)", |s| {
        s.lines().next().is_some_and(|t| t.contains(&title)) || s.contains("could not be opened")
    })
}

#[test]
fn the_profile_list_switches_form_and_panel_and_production_is_said() {
    const F4: &str = "\x1bOS";
    const CTRL_O: &str = "\x0f";
    let sim = start_sim();
    let dir = pty::temp_dir("profiles-switch");
    let config = write_profiles(&dir, &sim);
    let data = dir.path().join("data");
    let data_str = data.to_str().unwrap().to_string();
    let env = [("XDG_DATA_HOME", data_str.as_str())];

    let mut pty = Pty::spawn(&["--config", &config, "--profile", "prod_eu"], &env, 80, 24);
    // The whole first frame (its footer is drawn last), or the last screen when it never comes.
    let s = pty.wait_until(10, "the form and its footer", |s| {
        s.contains("snapshotId") && s.contains("F4 profiles")
    });
    assert!(s.lines().next().unwrap().contains("profile prod_eu"), "{s}");
    assert!(!s.contains("PRODUCTION"), "{s}");
    assert!(
        s.contains("F4 profiles"),
        "the footer names the key at 80 columns:\n{s}"
    );
    pty.submit_snapshot(1, "submitted: 1 restore job (");
    pty.wait_for("Restore jobs (1)");

    // The list: each profile with its flavour and cluster, production said in a word.
    pty.send(F4);
    let list = pty.wait_for("profiles (in use: prod_eu)");
    assert!(list.contains("prod.eu  PRODUCTION  atlas  Cluster0"), "{list}");
    assert!(list.contains("(in use) prod_eu  atlas  Cluster0"), "{list}");
    pty.send(key::ESC);
    pty.wait_until(5, "the list closed", |s| !s.contains("profiles (in use:"));

    // prod.eu: its own (empty) panel, and the header says PRODUCTION before anything else.
    let s = switch_to(&mut pty, F4, "prod.eu");
    let title = s.lines().next().unwrap();
    assert!(title.starts_with("PRODUCTION · atlas-restore · profile prod.eu"), "{s}");
    assert!(!s.contains("Restore jobs ("), "prod_eu's job is not prod.eu's:\n{s}");

    // A profile that cannot be opened is said, and the screen stays where it was.
    let s = switch_to(&mut pty, CTRL_O, "broken");
    assert!(s.contains("profile broken could not be opened"), "{s}");
    assert!(s.contains("Still on profile prod.eu"), "{s}");
    pty.send(key::ESC);
    let s = pty.wait_until(5, "the message closed", |s| !s.contains("could not be opened"));
    assert!(s.lines().next().unwrap().starts_with("PRODUCTION · "), "{s}");

    // Back to prod_eu: its job is there again, polled.
    switch_to(&mut pty, CTRL_O, "prod_eu");
    let s = pty.wait_for("Restore jobs (1)");
    assert!(s.lines().next().unwrap().contains("profile prod_eu"), "{s}");
    assert!(!s.contains("PRODUCTION"), "{s}");

    // The target project from a list: name and id, the source's own marked.
    for _ in 0..5 {
        pty.send(key::DOWN);
    }
    pty.send("\x1b[C");
    pty.wait_for("< AUTOMATED_RESTORE >");
    for _ in 0..3 {
        pty.send(key::DOWN);
    }
    pty.wait_until(5, "targetGroupId focused", |s| {
        s.lines()
            .any(|l| l.contains('▶') && l.contains("delivery.targetGroupId"))
    });
    pty.send(key::ENTER);
    let s = pty.wait_for("projects this API key can see");
    let group = sim.group();
    assert!(
        s.lines().any(|l| l.contains("Payments-Prod") && l.contains(group)),
        "{s}"
    );
    pty.send(key::ENTER);
    let s = pty.wait_until(10, "the project picked", |s| {
        !s.contains("projects this API key")
            && s.lines()
                .any(|l| l.contains("delivery.targetGroupId") && l.contains(group))
    });
    assert!(s.contains("delivery.targetGroupId"), "{s}");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);

    // Three profiles used, one store: a new installation writes no per-profile journal.
    let files: Vec<String> = std::fs::read_dir(data.join("atlas-restore"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert!(files.iter().all(|f| f.starts_with("store.sqlite3")), "{files:?}");
}

#[test]
fn a_store_held_by_another_process_is_said_and_the_submit_goes_on_after() {
    let sim = start_sim();
    let dir = pty::temp_dir("journal-held");
    let config = write_config(&dir, &sim);
    let data = dir.path().join("data");
    let data_str = data.to_str().unwrap().to_string();
    let env = [("XDG_DATA_HOME", data_str.as_str())];
    let mut pty = Pty::spawn(&["--config", &config], &env, 80, 24);
    pty.pick_complete_snapshot();

    // Another process's long change: the store's write lock held for three seconds.
    let store = data.join("atlas-restore").join("store.sqlite3");
    let other = rusqlite::Connection::open(&store).unwrap();
    other.execute_batch("BEGIN IMMEDIATE").unwrap();
    pty.send(key::CTRL_S);
    pty.wait_for("Review");
    pty.send(key::ENTER);
    let s = pty.wait_for("waiting for another atlas-restore");
    assert!(!s.contains("submitted:"), "nothing is sent before it is recorded:\n{s}");
    // As long as the lock is held, nothing is sent: 2 s of it, a sleep as it is the thing
    // under test (the simulator counts what reaches it).
    std::thread::sleep(std::time::Duration::from_secs(2));
    assert!(!pty.screen().contains("submitted:"), "{}", pty.screen());
    assert_eq!(sim.counters()["restore_job_creates"], 0, "sent before it was recorded");
    other.execute_batch("COMMIT").unwrap();
    pty.wait_for("submitted: 1 restore job (");
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

/// A submit recorded but never sent (the process killed between the two): once the
/// cluster's list has been read after the job could have been made, it is said to have made
/// no job, by `jobs` and in the panel, and stays said until the DBA dismisses it with `X`.
#[test]
fn a_lost_submit_that_made_no_job_stays_said_until_dismissed() {
    let sim = SimProcess::start(&[]);
    let dir = pty::temp_dir("journal-lost");
    let config = write_config(&dir, &sim);
    let data = dir.path().join("data");
    let store = data.join("atlas-restore");
    let now_ms = i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis(),
    )
    .unwrap();
    let body = serde_json::json!({"snapshotId": sim.snapshot("Cluster0"), "delivery": {"methodName": "HTTP"}});
    atlas_restore::jobs::Journal::open(&store, "lab")
        .unwrap()
        .record_sending(
            sim.info["group_id"].as_str().unwrap(),
            "Cluster0",
            &body,
            now_ms - 30 * 60_000,
        )
        .unwrap();
    let jobs = |format: &str| {
        let out = Command::new(BIN)
            .args(["--config", &config, "jobs", "--format", format])
            .env("XDG_DATA_HOME", &data)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    // The table says it after the jobs; JSON keeps its array of jobs and says it on stderr.
    let (table, _) = jobs("table");
    assert!(table.contains("NOT CREATED") && table.contains("Cluster0"), "{table}");
    let (json, stderr) = jobs("json");
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap(),
        serde_json::json!([])
    );
    assert!(stderr.contains("NOT CREATED"), "{stderr}");

    let env = [("XDG_DATA_HOME", data.to_str().unwrap())];
    let mut pty = Pty::spawn(&["--config", &config], &env, 80, 24);
    pty.wait_for("snapshotId");
    // At 80 columns the panel is a screen of its own.
    pty.send(key::F2);
    let s = pty.wait_until(10, "the outcome and X in the panel's footer", |s| {
        s.contains("NOT CREATED") && s.contains("X dismiss")
    });
    assert!(!s.contains("none yet"), "a lost submit is not 'none yet': {s}");
    pty.send("X");
    pty.wait_until(10, "the outcome dismissed", |s| {
        !s.contains("NOT CREATED") && s.contains("dismissed 1")
    });
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
    let (table, _) = jobs("table");
    assert!(!table.contains("NOT CREATED"), "dismissed, and said no more: {table}");
}
