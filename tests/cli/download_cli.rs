//! `atlas-restore download` as scripts use it: the real binary against `atlas-restore sim` run
//! as its own process, each exit status of the contract (0 verified, 1 refused or not to be
//! trusted, 2 set-up, 3 cut and resumable), `--format json`, a whole batch, and the archive
//! check carried by `jobs --format json`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use crate::support::wait;
use lab::{SimAsk, json_of, show, text, with_input};
use pty::SimProcess;

use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// A lab (`tests/support/lab.rs`) on its own simulator, the profile with a download folder of
/// its own, `download`s going to another one.
struct Lab {
    lab: lab::Lab,
    sim: SimProcess,
}

impl std::ops::Deref for Lab {
    type Target = lab::Lab;
    fn deref(&self) -> &lab::Lab {
        &self.lab
    }
}

impl Lab {
    /// A lab on a simulator where a minute lasts a second.
    fn new(name: &str, sim_args: &[&str]) -> Lab {
        Lab::at_speed(name, "60", sim_args)
    }

    fn at_speed(name: &str, speed: &str, sim_args: &[&str]) -> Lab {
        Lab::with_lines(name, speed, sim_args, "")
    }

    /// A lab whose profile has `lines` besides the simulator's and the download folder.
    fn with_lines(name: &str, speed: &str, sim_args: &[&str], lines: &str) -> Lab {
        let sim = SimProcess::start(&[&["--speed", speed], sim_args].concat());
        let lab = lab::Lab::with_profile(&format!("download-{name}"), |dir| {
            format!(
                "{}download_dir = {:?}\n{lines}",
                lab::sim_profile(&sim),
                dir.join("profile-downloads").display().to_string()
            )
        });
        Lab { lab, sim }
    }

    fn downloads(&self) -> PathBuf {
        self.dir.join("downloads")
    }

    /// `download ID --dir DOWNLOADS ARGS`.
    fn download(&self, id: &str, args: &[&str]) -> Output {
        let dir = self.downloads();
        self.run(&[&["download", id, "--dir", dir.to_str().unwrap()], args].concat())
    }

    /// Submits `body` for `cluster`; the created jobs' ids.
    fn submit(&self, cluster: &str, body: &Value, args: &[&str]) -> Vec<String> {
        let out = self.lab.submit(
            &body.to_string(),
            &[&["-", "--cluster-name", cluster, "--allow-repeat"], args].concat(),
        );
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        text(&out.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    }

    /// `jobs --format json`, as one value.
    fn jobs(&self) -> Value {
        let out = self.run(&["jobs", "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
    }

    /// Waits (a minute a second on the simulator) until every one of `ids` is READY.
    fn wait_ready(&self, ids: &[String]) {
        // Each look starts the program: a tenth of a second apart.
        wait::until_every(
            "every job READY",
            Duration::from_secs(30),
            Duration::from_millis(100),
            || {
                let jobs = self.jobs();
                let ready = ids.iter().all(|id| {
                    jobs.as_array()
                        .unwrap()
                        .iter()
                        .any(|j| j["id"] == id.as_str() && j["delivery"]["statusName"] == "READY")
                });
                if ready { Ok(()) } else { Err(jobs) }
            },
        );
    }

    /// One HTTP restore of Cluster0, READY.
    fn ready_job(&self, delivery: Value) -> String {
        let body = json!({"snapshotId": self.sim.snapshot("Cluster0"), "delivery": delivery});
        let ids = self.submit("Cluster0", &body, &[]);
        self.wait_ready(&ids);
        ids[0].clone()
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn a_cut_download_exits_3_and_the_same_command_resumes_it_to_a_verified_file() {
    let lab = Lab::new("cut", &["--fault", "cut-download"]);
    let id = lab.ready_job(json!({"methodName": "HTTP"}));

    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("cut after") && err.contains("download again to resume"),
        "{err}"
    );
    let parts = files_in(&lab.downloads());
    assert!(parts.len() == 1 && parts[0].ends_with(".tar.gz.part"), "{parts:?}");
    assert_eq!(mode(&lab.downloads().join(&parts[0])), 0o600);
    // The folder it made is the user's alone.
    assert_eq!(mode(&lab.downloads()), 0o700);

    // The same command: the rest comes with Range (the fault cuts only downloads from the
    // start), and the SHA1 covers the whole.
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains("matches Atlas's") && stdout.contains("resumed at"),
        "{stdout}"
    );
    assert!(
        stdout.contains("archive: Cluster0-shard-0/ · 6 files")
            && stdout.contains("a mongod data directory of replica set Cluster0-shard-0"),
        "{stdout}"
    );
    assert!(out.stderr.is_empty(), "{}", show(&out));
    let files = files_in(&lab.downloads());
    assert!(files.len() == 1 && files[0].ends_with(".tar.gz"), "{files:?}");
    assert_eq!(mode(&lab.downloads().join(&files[0])), 0o600);
    // A real tar.gz.
    let listing = Command::new("tar")
        .arg("-tzf")
        .arg(lab.downloads().join(&files[0]))
        .output()
        .expect("tar is installed");
    assert!(
        text(&listing.stdout).contains("Cluster0-shard-0/WiredTiger"),
        "{}",
        show(&listing)
    );

    // `jobs --format json` carries the archive check.
    let jobs = lab.jobs();
    let job = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id.as_str())
        .unwrap();
    assert_eq!(job["archive"]["ok"], true, "{job}");
    assert_eq!(job["archive"]["mongodData"], true);
    assert_eq!(job["archive"]["replicaSet"], "Cluster0-shard-0");
    let counters = lab.sim.counters();
    assert_eq!(counters["downloads"], 1, "{counters}");
    assert_eq!(counters["ranged_downloads"], 1, "{counters}");
}

#[test]
fn a_download_that_stalls_exits_3_after_request_timeout_and_the_same_command_resumes_it() {
    // Halfway, the host sends nothing more and keeps the connection open.
    let lab = Lab::with_lines(
        "stall",
        "60",
        &["--fault", "stall-download"],
        "request_timeout = \"3s\"\n",
    );
    let id = lab.ready_job(json!({"methodName": "HTTP"}));
    let out = lab.download(&id, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    let doc = json_of(&out);
    let job = &doc["jobs"][0];
    assert_eq!(
        (doc["state"].as_str(), job["state"].as_str()),
        (Some("resumable"), Some("cut")),
        "{doc}"
    );
    let error = job["error"].as_str().unwrap();
    assert!(
        error.contains("sent nothing for 3s (the profile's request_timeout): the download stalled")
            && error.contains("download again to resume"),
        "{error}"
    );
    let part = PathBuf::from(job["part"].as_str().unwrap());
    let have = job["partBytes"].as_u64().unwrap();
    assert!(have > 0, "{doc}");
    assert_eq!(
        std::fs::metadata(&part).unwrap().len(),
        have,
        "the part keeps what arrived"
    );

    // The same command: the rest with Range, whole and verified.
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("matches Atlas's (resumed at"),
        "{}",
        show(&out)
    );
    let counters = lab.sim.counters();
    assert_eq!(
        (counters["downloads"].as_u64(), counters["ranged_downloads"].as_u64()),
        (Some(1), Some(1)),
        "{counters}"
    );
}

#[test]
fn json_output_and_the_profiles_download_dir() {
    let lab = Lab::new("json", &[]);
    let id = lab.ready_job(json!({"methodName": "HTTP"}));
    // No --dir: the profile's download_dir.
    let out = lab.run(&["download", &id, "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "verified", "{doc}");
    assert_eq!(doc["error"], Value::Null);
    let job = &doc["jobs"][0];
    assert_eq!(job["id"], id.as_str());
    assert_eq!(job["state"], "verified");
    assert_eq!(job["sha1"], job["listedSha1"]);
    assert_eq!(job["archive"]["ok"], true);
    let file = PathBuf::from(job["file"].as_str().unwrap());
    assert!(
        file.starts_with(lab.dir.join("profile-downloads")),
        "{}",
        file.display()
    );
    assert_eq!(std::fs::metadata(&file).unwrap().len(), job["bytes"].as_u64().unwrap());

    // Set-up errors are JSON too, exit 2.
    let out = lab.run(&["download", "5f0000000000000000000000", "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["state"], "setup");
    assert!(
        doc["error"].as_str().unwrap().contains("no restore job or batch"),
        "{doc}"
    );
}

#[test]
fn refusals_exit_1_and_set_up_errors_exit_2() {
    let lab = Lab::new("refused", &[]);
    // One download allowed: the second is refused by Atlas.
    let id = lab.ready_job(json!({"methodName": "HTTP", "maxDownloads": 1}));
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    for f in files_in(&lab.downloads()) {
        std::fs::remove_file(lab.downloads().join(f)).unwrap();
    }
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(text(&out.stderr).contains("MAX_DOWNLOADS_EXCEEDED"), "{}", show(&out));

    // An automated restore has no file.
    let body = json!({"snapshotId": lab.sim.snapshot("Cluster0"), "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": lab.sim.group(), "targetClusterName": "Staging0"}});
    let ids = lab.submit("Cluster0", &body, &["--confirm-erase", "Staging0"]);
    let out = lab.download(&ids[0], &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(text(&out.stderr).contains("no file to download"), "{}", show(&out));

    // An id nobody knows, and a folder that cannot be made.
    let out = lab.download("5f0000000000000000000000", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("atlas-restore jobs --all"), "{}", show(&out));
    let blocker = lab.dir.join("a-file");
    std::fs::write(&blocker, "x").unwrap();
    let inside = blocker.join("sub");
    let out = lab.run(&["download", &id, "--dir", inside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("cannot create the download folder"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_listed_job_not_ready_yet_exits_3() {
    // At real speed a job takes a minute: it is not ready when asked.
    let lab = Lab::at_speed("notready", "1", &[]);
    let body = json!({"snapshotId": lab.sim.snapshot("Cluster0"), "delivery": {"methodName": "HTTP"}});
    // Submitted with another journal: this profile's does not track it, so it is found
    // among the cluster's restore jobs.
    let out = with_input(
        lab.command(&["submit", "-"])
            .env("XDG_DATA_HOME", lab.dir.join("other-data")),
        &body.to_string(),
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let id = text(&out.stdout).split_whitespace().next().unwrap().to_string();
    assert_eq!(lab.jobs(), json!([]), "not tracked by this profile");
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(3), "{}", show(&out));
    assert!(
        text(&out.stderr).contains("once the delivery is READY"),
        "{}",
        show(&out)
    );
}

#[test]
fn a_truncated_archive_whose_sha1_matches_exits_1_is_set_aside_as_broken_and_downloads_again() {
    let lab = Lab::new("truncated", &["--fault", "truncated-archive"]);
    let id = lab.ready_job(json!({"methodName": "HTTP"}));
    let out = lab.download(&id, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    let job = &doc["jobs"][0];
    assert_eq!(job["state"], "archive-broken", "{doc}");
    assert_eq!(job["broken"], true, "{doc}");
    let broken = &job["archive"]["broken"];
    assert_eq!(broken["layer"], "gzip stream", "{doc}");
    assert!(broken["compressedOffset"].as_u64().unwrap() > 0);
    // Never under its final name: set aside as NAME.broken, and the JSON says which.
    let file = job["file"].as_str().unwrap();
    let final_name = job["finalName"].as_str().unwrap();
    assert_eq!(file, format!("{final_name}.broken"), "{doc}");
    assert!(final_name.ends_with(".tar.gz"), "{doc}");
    let files = files_in(&lab.downloads());
    assert!(files.len() == 1 && files[0].ends_with(".tar.gz.broken"), "{files:?}");
    assert!(!Path::new(final_name).exists());

    // `jobs --format json` shows the download as broken, with where it was set aside.
    let jobs = lab.jobs();
    let listed = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == id.as_str())
        .unwrap();
    assert_eq!(listed["download"]["state"], "broken", "{listed}");
    assert_eq!(listed["download"]["broken"], true, "{listed}");
    assert_eq!(listed["download"]["file"], file, "{listed}");
    assert_eq!(listed["download"]["finalName"], final_name, "{listed}");
    assert_eq!(listed["archive"]["ok"], false, "{listed}");
    // The table too: BROKEN where the SHA1 stands.
    let table = text(&lab.run(&["jobs"]).stdout);
    assert!(
        table.contains("BROKEN download: ") && table.contains(".tar.gz.broken"),
        "{table}"
    );

    // A second download downloads again (it is not "there already"), in words this time.
    assert_eq!(lab.sim.counters()["downloads"], 1);
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert_eq!(lab.sim.counters()["downloads"], 2, "downloaded again: {}", show(&out));
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("there already"), "{stdout}");
    assert!(
        stdout.contains("archive BROKEN: the gzip stream breaks") && stdout.contains("set aside, not under its name"),
        "{}",
        show(&out)
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("the archive is broken: kept as ")
            && stderr.contains(".tar.gz.broken, not under its name")
            && stderr.contains("do not restore from it; run the same command to download it again"),
        "{stderr}"
    );
    assert_eq!(
        files_in(&lab.downloads()),
        files,
        "the new broken copy replaced the old one"
    );
}

#[test]
fn a_batch_id_downloads_every_part_of_a_sharded_restore() {
    let lab = Lab::new("batch", &[]);
    let body = json!({"snapshotId": lab.sim.snapshot("Cluster1"), "delivery": {"methodName": "HTTP"}});
    let ids = lab.submit("Cluster1", &body, &[]);
    assert_eq!(ids.len(), 3);
    lab.wait_ready(&ids);
    let jobs = lab.jobs();
    let batch = jobs
        .as_array()
        .unwrap()
        .iter()
        .find(|j| j["id"] == ids[0].as_str())
        .unwrap()["batchId"]
        .as_str()
        .unwrap()
        .to_string();
    let out = lab.download(&batch, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    let parts = doc["jobs"].as_array().unwrap();
    assert_eq!(parts.len(), 3, "{doc}");
    assert!(parts.iter().all(|p| p["state"] == "verified"), "{doc}");
    let mut roles: Vec<&str> = parts.iter().map(|p| p["archive"]["role"].as_str().unwrap()).collect();
    roles.sort_unstable();
    assert_eq!(roles, ["config server", "shard", "shard"], "{doc}");
    assert_eq!(files_in(&lab.downloads()).len(), 3);
    // Again, in text: each part is there already and verified; nothing is downloaded.
    let out = lab.download(&batch, &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.matches("there already").count(), 3, "{stdout}");
    assert!(stdout.contains("3 of 3 parts verified"), "{stdout}");
}

#[test]
fn the_short_id_the_dashboard_shows_downloads_its_job() {
    let lab = Lab::new("short-id", &[]);
    let _first = lab.ready_job(json!({"methodName": "HTTP"}));
    let second = lab.ready_job(json!({"methodName": "HTTP"}));
    // The panel's `013ac002` (the id's last 8 characters), in capitals too; an ambiguous end
    // is refused with the ids it names (`present::resolve_id`'s test: no two simulator ids
    // share an end of 4 characters or more).
    let short = &second[second.len() - 8..];
    let out = lab.download(&short.to_uppercase(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    assert_eq!(json_of(&out)["jobs"][0]["id"], second.as_str());
    // An end no id has: the same words as a whole id that is not there.
    let out = lab.download("ffffeeee", &[]);
    assert_eq!(out.status.code(), Some(2), "{}", show(&out));
    assert!(text(&out.stderr).contains("no restore job or batch"), "{}", show(&out));
}
