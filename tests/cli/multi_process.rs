//! Many processes on one profile, as on a jump host with several SSH windows: two dashboards
//! in pseudo-terminals and a loop of `atlas-restore submit` and `atlas-restore jobs`
//! processes, all submitting against one `atlas-restore sim`, with `kill -9`s among them.
//! Afterwards every submit that any of them reported is in the journal and listed by `jobs`,
//! each exactly once; and a job submitted in one window shows in the other within a poll.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::pty;
use crate::support::wait;
use pty::{BIN, Pty, SimProcess, TempDir, key};
use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::Duration;

fn start_sim() -> SimProcess {
    SimProcess::start(&["--speed", "60"])
}

struct Bench {
    _sim: SimProcess,
    dir: TempDir,
    config: String,
    data: String,
    snapshot: String,
}

impl Bench {
    fn new() -> Bench {
        Bench::with_profiles(&["lab"])
    }

    /// Profiles on one simulated cluster, the first the default.
    fn with_profiles(names: &[&str]) -> Bench {
        use std::os::unix::fs::PermissionsExt;
        let sim = start_sim();
        let dir = pty::temp_dir("multi-process");
        let i = &sim.info;
        let path = dir.path().join("config.toml");
        let mut text = format!("default_profile = \"{}\"\n[ui]\nnotify = \"off\"\n", names[0]);
        for name in names {
            text += &format!(
                "[profiles.\"{name}\"]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\n",
                i["base_url"], i["public_key"], i["private_key"], i["group_id"]
            );
        }
        std::fs::write(&path, text).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600)).unwrap();
        let data = dir.path().join("data").to_str().unwrap().to_string();
        let mut bench = Bench {
            _sim: sim,
            config: path.to_str().unwrap().to_string(),
            data,
            dir,
            snapshot: String::new(),
        };
        bench.snapshot = bench.complete_snapshot();
        bench
    }

    /// A complete snapshot's id, read the way a script would: from a dashboard-free command.
    fn complete_snapshot(&self) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        let i = &self._sim.info;
        let client = atlas_restore::atlas::AtlasClient::new(&atlas_restore::atlas::ClientOptions {
            flavor: Default::default(),
            base_url: i["base_url"].as_str().unwrap().to_string(),
            public_key: i["public_key"].as_str().unwrap().to_string(),
            private_key: atlas_restore::secret::SecretString::new(i["private_key"].as_str().unwrap()),
            api: atlas_restore::restore::ApiVersion::V1,
            request_timeout: Duration::from_secs(10),
            connect_timeout: Duration::from_secs(5),
            ca_file: None,
            max_body_bytes: 1 << 20,
            envelope: false,
            pretty: false,
        })
        .unwrap();
        rt.block_on(client.list_snapshots(
            i["group_id"].as_str().unwrap(),
            "Cluster0",
            atlas_restore::atlas::SnapshotFilter::Completed,
        ))
        .unwrap()[0]
            .id
            .to_string()
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(BIN);
        c.arg("--config").arg(&self.config).args(args);
        c.env("XDG_DATA_HOME", &self.data).env_remove("ATLAS_RESTORE_CONFIG");
        c
    }

    fn dashboard(&self) -> Pty {
        // Wide and tall: the newest ~50 jobs are on screen beside the form.
        Pty::spawn(&["--config", &self.config], &[("XDG_DATA_HOME", &self.data)], 200, 60)
    }

    fn dashboard_of(&self, profile: &str) -> Pty {
        Pty::spawn(
            &["--config", &self.config, "--profile", profile],
            &[("XDG_DATA_HOME", &self.data)],
            200,
            60,
        )
    }

    /// A request body for the bench's snapshot, as a file.
    fn body_file(&self) -> String {
        let body = self.dir.path().join("body.json");
        std::fs::write(
            &body,
            serde_json::json!({"snapshotId": self.snapshot, "delivery": {"methodName": "HTTP"}}).to_string(),
        )
        .unwrap();
        body.to_str().unwrap().to_string()
    }

    /// Every job the simulated Atlas made on the cluster.
    fn made_by_atlas(&self) -> Vec<String> {
        let out = self.command(&["jobs", "--all", "--format", "json"]).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
        let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        jobs.as_array()
            .unwrap()
            .iter()
            .map(|j| j["id"].as_str().unwrap().to_string())
            .collect()
    }

    /// A profile's store, read through the library: each tracked job's id and how often it is
    /// tracked, and the ids offered as a lost submit's candidates.
    fn recorded(&self, profile: &str) -> (BTreeMap<String, usize>, Vec<String>) {
        let store = std::path::Path::new(&self.data).join("atlas-restore");
        let recorded = atlas_restore::jobs::Journal::open(&store, profile)
            .unwrap()
            .everything()
            .unwrap();
        let data = serde_json::to_value(&recorded).unwrap();
        let (mut tracked, mut candidates) = (BTreeMap::new(), Vec::new());
        for s in data["submits"].as_array().unwrap() {
            for j in s["jobs"].as_array().unwrap() {
                *tracked.entry(j["id"].as_str().unwrap().to_string()).or_insert(0) += 1;
            }
            for j in s["candidates"].as_array().into_iter().flatten() {
                candidates.push(j["id"].as_str().unwrap().to_string());
            }
        }
        (tracked, candidates)
    }

    /// `atlas-restore jobs --format json`: every listed id and how often.
    fn listed(&self) -> BTreeMap<String, usize> {
        let out = self.command(&["jobs", "--format", "json"]).output().unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let jobs: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let mut seen = BTreeMap::new();
        for j in jobs.as_array().unwrap() {
            *seen.entry(j["id"].as_str().unwrap().to_string()).or_insert(0) += 1;
        }
        seen
    }
}

/// The job id in the status line's "submitted: 1 restore job (ID)", if it shows one.
fn said_submitted(screen: &str) -> Option<String> {
    let id: String = screen
        .split("submitted: 1 restore job (")
        .nth(1)?
        .chars()
        .take(24)
        .collect();
    (id.len() == 24).then_some(id)
}

/// Submits the picked snapshot from a dashboard; the (new) job id it reports.
fn submit_in(pty: &mut Pty) -> String {
    let before = said_submitted(&pty.screen());
    let is_new = |s: &str| said_submitted(s).is_some_and(|id| Some(&id) != before.as_ref());
    pty.send(key::CTRL_S);
    pty.wait_for("Review");
    pty.send(key::ENTER);
    let s = pty.wait_until(20, "submitted or asked about a repeat", |s| {
        is_new(s) || s.contains("sends it again anyway")
    });
    let s = if s.contains("sends it again anyway") {
        pty.send(key::ENTER);
        pty.wait_until(20, "submitted", is_new)
    } else {
        s
    };
    said_submitted(&s).unwrap()
}

/// Opens a dashboard and picks a complete snapshot into the form.
fn ready_dashboard(bench: &Bench) -> Pty {
    ready(bench.dashboard())
}

/// With a complete snapshot picked, ready to review and send.
fn ready(mut pty: Pty) -> Pty {
    pty.pick_complete_snapshot();
    pty
}

fn kill_9(pid: u32) {
    let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
}

#[test]
fn many_processes_on_one_profile_lose_no_submit_and_record_none_twice() {
    let bench = Bench::new();
    let body = bench.body_file();

    // Headless submits and listings in a loop, in the background, some killed mid-flight.
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    // Rounds the loop has finished, for the test to wait on.
    let rounds = std::sync::Arc::new(std::sync::atomic::AtomicU32::new(0));
    let loop_reported = {
        let (stop, rounds) = (stop.clone(), rounds.clone());
        let (config, data, body) = (bench.config.clone(), bench.data.clone(), body.clone());
        std::thread::spawn(move || {
            let mut reported = Vec::new();
            let mut round = 0u32;
            while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                round += 1;
                let submit = Command::new(BIN)
                    .args([
                        "--config",
                        &config,
                        "submit",
                        &body,
                        "--format",
                        "json",
                        "--allow-repeat",
                    ])
                    .env("XDG_DATA_HOME", &data)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                let lister = Command::new(BIN)
                    .args(["--config", &config, "jobs", "--format", "json"])
                    .env("XDG_DATA_HOME", &data)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                if round.is_multiple_of(3) {
                    // Killed at some point of its run: reported or not, never half-written. The
                    // sleep is the point of its run, varied on purpose, not a wait.
                    std::thread::sleep(Duration::from_millis(u64::from(round * 7 % 40)));
                    kill_9(submit.id());
                }
                let out = submit.wait_with_output().unwrap();
                // A few a second, as scripts on a jump host would; more would only scroll
                // the windows' lists past what this test reads on screen. (A pace, not a wait.)
                std::thread::sleep(Duration::from_millis(250));
                let _ = { lister }.wait();
                if out.status.code() == Some(0) {
                    let v: serde_json::Value = serde_json::from_slice(&out.stdout)
                        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)));
                    assert_eq!(v["state"], "created", "{v}");
                    for j in v["jobs"].as_array().unwrap() {
                        reported.push(j["id"].as_str().unwrap().to_string());
                    }
                }
                rounds.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            }
            reported
        })
    };

    // Two windows on the profile, each submitting.
    let mut a = ready_dashboard(&bench);
    let mut b = ready_dashboard(&bench);
    let mut reported: Vec<String> = Vec::new();
    for round in 0..3 {
        let id = submit_in(&mut a);
        // The other window shows it within a poll cycle, without a key.
        let short: String = id.chars().skip(16).collect();
        b.wait_until(15, "A's job in window B", |s| s.contains(&short));
        reported.push(id);
        reported.push(submit_in(&mut b));
        if round == 1 {
            // Window A dies mid-session (kill -9), and is opened again.
            kill_9(a.pid().unwrap());
            a.wait_exit(10);
            a = ready_dashboard(&bench);
        }
    }
    // A last one from A, killed right after it said so; the loop goes on for two more rounds.
    reported.push(submit_in(&mut a));
    kill_9(a.pid().unwrap());
    a.wait_exit(10);
    let seen = rounds.load(std::sync::atomic::Ordering::SeqCst);
    wait::until_true("two more rounds of the loop", Duration::from_secs(60), || {
        rounds.load(std::sync::atomic::Ordering::SeqCst) >= seen + 2
    });
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    let from_loop = loop_reported.join().unwrap();
    assert!(!from_loop.is_empty(), "the headless loop submitted nothing");
    reported.extend(from_loop);
    b.send(key::CTRL_Q);
    b.wait_exit(10);

    // Every reported job once in the journal and in `jobs`.
    let listed = bench.listed();
    for id in &reported {
        assert_eq!(
            listed.get(id),
            Some(&1),
            "job {id} reported but listed {:?} times",
            listed.get(id)
        );
    }
    let store = std::path::Path::new(&bench.data).join("atlas-restore");
    let recorded = atlas_restore::jobs::Journal::open(&store, "lab")
        .unwrap()
        .everything()
        .unwrap();
    let data = serde_json::to_value(&recorded).unwrap();
    let mut in_journal: BTreeMap<String, usize> = BTreeMap::new();
    for s in data["submits"].as_array().unwrap() {
        for j in s["jobs"].as_array().unwrap() {
            *in_journal.entry(j["id"].as_str().unwrap().to_string()).or_insert(0) += 1;
        }
    }
    for id in &reported {
        assert_eq!(
            in_journal.get(id),
            Some(&1),
            "job {id} in the journal {:?} times",
            in_journal.get(id)
        );
    }
    assert!(
        in_journal.values().all(|n| *n == 1),
        "a job recorded twice: {in_journal:?}"
    );
    eprintln!(
        "{} submits reported, {} jobs in the journal, {} submits recorded",
        reported.len(),
        in_journal.len(),
        data["submits"].as_array().unwrap().len()
    );

    // A new dashboard, started now, shows them too.
    // (At least: a killed submit's job may be reconciled meanwhile, never one less.)
    let again = bench.dashboard();
    again.wait_until(15, "every journal job in a new window", |s| {
        s.split("Restore jobs (")
            .nth(1)
            .and_then(|t| t.split(')').next())
            .and_then(|n| n.parse::<usize>().ok())
            .is_some_and(|n| n >= in_journal.len())
    });
}

#[test]
fn processes_on_two_profiles_keep_each_job_in_one_profile_once() {
    let bench = Bench::with_profiles(&["lab", "lab.b"]);
    let body = bench.body_file();

    // A headless loop alternating the profiles, every third submit killed mid-flight.
    let mut reported: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let loop_reported = {
        let (config, data, body) = (bench.config.clone(), bench.data.clone(), body.clone());
        std::thread::spawn(move || {
            let mut reported = Vec::new();
            for round in 0..24u32 {
                let profile = if round % 2 == 0 { "lab" } else { "lab.b" };
                let submit = Command::new(BIN)
                    .args(["--config", &config, "--profile", profile, "submit", &body])
                    .args(["--format", "json", "--allow-repeat"])
                    .env("XDG_DATA_HOME", &data)
                    .stdout(Stdio::piped())
                    .stderr(Stdio::null())
                    .spawn()
                    .unwrap();
                if round % 3 == 2 {
                    // From before the request to after the answer: some die with Atlas having made the job.
                    // (The point of the kill, varied on purpose: not a wait.)
                    std::thread::sleep(Duration::from_millis(u64::from(round * 23 % 160)));
                    kill_9(submit.id());
                }
                let out = submit.wait_with_output().unwrap();
                if out.status.code() == Some(0) {
                    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
                    for j in v["jobs"].as_array().unwrap() {
                        reported.push((profile.to_string(), j["id"].as_str().unwrap().to_string()));
                    }
                }
            }
            reported
        })
    };
    // A window on each profile, each submitting; one killed and opened again.
    let mut a = ready(bench.dashboard_of("lab"));
    let mut b = ready(bench.dashboard_of("lab.b"));
    for round in 0..2 {
        reported.entry("lab".into()).or_default().push(submit_in(&mut a));
        reported.entry("lab.b".into()).or_default().push(submit_in(&mut b));
        if round == 0 {
            kill_9(b.pid().unwrap());
            b.wait_exit(10);
            b = ready(bench.dashboard_of("lab.b"));
        }
    }
    for (profile, id) in loop_reported.join().unwrap() {
        reported.entry(profile).or_default().push(id);
    }
    for p in [&mut a, &mut b] {
        p.send(key::CTRL_Q);
        p.wait_exit(10);
    }
    // A poll of each profile: lost submits look for their jobs in the cluster's list.
    for profile in ["lab", "lab.b"] {
        let _ = bench.command(&["--profile", profile, "jobs"]).output().unwrap();
    }

    let (lab, lab_candidates) = bench.recorded("lab");
    let (other, other_candidates) = bench.recorded("lab.b");
    // What each profile reported is tracked there once, and not by the other.
    for (profile, ids) in &reported {
        let (mine, theirs) = if profile == "lab" {
            (&lab, &other)
        } else {
            (&other, &lab)
        };
        for id in ids {
            assert_eq!(mine.get(id), Some(&1), "{profile}'s job {id}: {mine:?}");
            assert_eq!(
                theirs.get(id),
                None,
                "{profile}'s job {id} tracked by the other profile too"
            );
        }
    }
    // Every job Atlas made is tracked exactly once, in one profile, or offered as a lost
    // submit's candidate (the DBA chooses, nothing guesses); none is tracked twice.
    let made = bench.made_by_atlas();
    assert!(made.len() >= reported.values().map(Vec::len).sum::<usize>());
    for id in &made {
        let times = lab.get(id).unwrap_or(&0) + other.get(id).unwrap_or(&0);
        let offered = lab_candidates.contains(id) || other_candidates.contains(id);
        assert!(
            times == 1 || (times == 0 && offered),
            "Atlas's job {id} tracked {times} times (offered as a candidate: {offered})"
        );
    }
    eprintln!(
        "{} jobs made by Atlas, {} tracked by lab, {} by lab.b, {} candidates",
        made.len(),
        lab.len(),
        other.len(),
        lab_candidates.len() + other_candidates.len()
    );
}
