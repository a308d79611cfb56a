//! `atlas-restore download` as scripts use it: the real binary against `atlas-restore sim` run
//! as its own process, each exit status of the contract (0 verified, 1 refused or not to be
//! trusted, 2 set-up, 3 cut and resumable), `--format json`, a whole batch, and the archive
//! check carried by `jobs --format json`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pty;
use pty::{BIN, SimProcess};

use diqwest::DigestAuthSession;
use serde_json::{Value, json};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

/// A private folder with a profile `lab` for the simulator, its own data folder (so the
/// journal is the test's alone) and a download folder.
struct Lab {
    dir: PathBuf,
    config: PathBuf,
    sim: SimProcess,
}

impl Drop for Lab {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl Lab {
    /// A lab on a simulator where a minute lasts a second.
    fn new(name: &str, sim_args: &[&str]) -> Lab {
        Lab::at_speed(name, "60", sim_args)
    }

    fn at_speed(name: &str, speed: &str, sim_args: &[&str]) -> Lab {
        use std::os::unix::fs::PermissionsExt;
        let sim = SimProcess::start(&[&["--speed", speed], sim_args].concat());
        let i = &sim.info;
        let dir = std::env::temp_dir().join(format!("atlas-restore-download-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "default_profile = \"lab\"\n[profiles.lab]\nbase_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\ncluster_name = \"Cluster0\"\ndownload_dir = {:?}\n",
                i["base_url"],
                i["public_key"],
                i["private_key"],
                i["group_id"],
                dir.join("profile-downloads").display().to_string()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        Lab { dir, config, sim }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--config")
            .arg(&self.config)
            .args(args)
            .env("XDG_DATA_HOME", self.dir.join("data"))
            .env("XDG_STATE_HOME", self.dir.join("state"))
            .env("HOME", &self.dir)
            .env_remove("ATLAS_RESTORE_CONFIG")
            .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
            .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
            .env_remove("MONGODB_ATLAS_PROJECT_ID")
            .env("NO_COLOR", "1");
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).stdin(Stdio::null()).output().unwrap()
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
        let mut child = self
            .command(&[&["submit", "-", "--cluster-name", cluster, "--allow-repeat"], args].concat())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(body.to_string().as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{}", show(&out));
        text(&out.stdout)
            .lines()
            .map(|l| l.split_whitespace().next().unwrap().to_string())
            .collect()
    }

    /// The newest complete snapshot of `cluster`, asked with the simulator's key.
    fn snapshot(&self, cluster: &str) -> String {
        let i = &self.sim.info;
        let client = common::Client {
            http: common::http(),
            session: DigestAuthSession::new(i["public_key"].as_str().unwrap(), i["private_key"].as_str().unwrap()),
            base: i["base_url"].as_str().unwrap().to_string(),
        };
        let path = format!(
            "/api/atlas/v1.0/groups/{}/clusters/{cluster}/snapshots",
            self.sim.group()
        );
        let page = block_on(client.get(&path));
        assert_eq!(page.status, 200, "{}", page.text);
        page.json["results"][0]["id"].as_str().unwrap().to_string()
    }

    /// `jobs --format json`, as one value.
    fn jobs(&self) -> Value {
        let out = self.run(&["jobs", "--format", "json"]);
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", show(&out)))
    }

    /// Waits (a minute a second on the simulator) until every one of `ids` is READY.
    fn wait_ready(&self, ids: &[String]) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let jobs = self.jobs();
            let ready = ids.iter().all(|id| {
                jobs.as_array()
                    .unwrap()
                    .iter()
                    .any(|j| j["id"] == id.as_str() && j["delivery"]["statusName"] == "READY")
            });
            if ready {
                return;
            }
            assert!(Instant::now() < deadline, "not READY in time: {jobs}");
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    /// One HTTP restore of Cluster0, READY.
    fn ready_job(&self, delivery: Value) -> String {
        let body = json!({"snapshotId": self.snapshot("Cluster0"), "delivery": delivery});
        let ids = self.submit("Cluster0", &body, &[]);
        self.wait_ready(&ids);
        ids[0].clone()
    }
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {}", show(out)))
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
    let counters: Value = block_on(async {
        let url = format!("{}/_sim/counters", lab.sim.info["base_url"].as_str().unwrap());
        common::http().get(&url).send().await.unwrap().json().await.unwrap()
    });
    assert_eq!(counters["downloads"], 1, "{counters}");
    assert_eq!(counters["ranged_downloads"], 1, "{counters}");
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
    let body = json!({"snapshotId": lab.snapshot("Cluster0"), "delivery": {
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
    let body = json!({"snapshotId": lab.snapshot("Cluster0"), "delivery": {"methodName": "HTTP"}});
    // Submitted with another journal: this profile's does not track it, so it is found
    // among the cluster's restore jobs.
    let mut child = lab
        .command(&["submit", "-"])
        .env("XDG_DATA_HOME", lab.dir.join("other-data"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
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
fn a_truncated_archive_whose_sha1_matches_exits_1_and_says_where_it_breaks() {
    let lab = Lab::new("truncated", &["--fault", "truncated-archive"]);
    let id = lab.ready_job(json!({"methodName": "HTTP"}));
    let out = lab.download(&id, &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["jobs"][0]["state"], "archive-broken", "{doc}");
    let broken = &doc["jobs"][0]["archive"]["broken"];
    assert_eq!(broken["layer"], "gzip stream", "{doc}");
    assert!(broken["compressedOffset"].as_u64().unwrap() > 0);
    let out = lab.download(&id, &[]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    assert!(
        text(&out.stdout).contains("archive BROKEN: the gzip stream breaks"),
        "{}",
        show(&out)
    );
    assert!(text(&out.stderr).contains("do not restore from it"), "{}", show(&out));
}

#[test]
fn a_batch_id_downloads_every_part_of_a_sharded_restore() {
    let lab = Lab::new("batch", &[]);
    let body = json!({"snapshotId": lab.snapshot("Cluster1"), "delivery": {"methodName": "HTTP"}});
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
