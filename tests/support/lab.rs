//! The binary as scripts run it, against `atlas-restore sim` run as its own process: a private
//! folder with a profile `lab` (0600), the program's data and state folders inside it (so that
//! the journal and the log are the test's alone), and what the tests ask of the simulator
//! directly.
//!
//! Part of `tests/support/`, beside `common` and `pty`, which it uses.
#![allow(dead_code)] // each test crate uses a different part of this

use super::common;
use super::pty::{BIN, Pty, SimProcess};
use diqwest::DigestAuthSession;
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

/// A private folder with a config whose default profile is `lab`; removed when dropped (a
/// failed test's too).
pub struct Lab {
    pub dir: PathBuf,
    pub config: PathBuf,
    _scratch: tempfile::TempDir,
}

impl Lab {
    /// A lab whose profile is `sim`'s: its address, key pair and project, cluster Cluster0.
    pub fn new(name: &str, sim: &SimProcess) -> Lab {
        Lab::with_profile(name, |_| sim_profile(sim))
    }

    /// A lab whose profile `lab` holds the lines `profile` gives for the lab's folder, then
    /// `cluster_name = "Cluster0"`.
    pub fn with_profile(name: &str, profile: impl FnOnce(&Path) -> String) -> Lab {
        use std::os::unix::fs::PermissionsExt;
        let scratch = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-{name}-"))
            .tempdir()
            .unwrap();
        let dir = scratch.path().to_path_buf();
        std::fs::create_dir_all(dir.join("data")).unwrap();
        let config = dir.join("config.toml");
        std::fs::write(
            &config,
            format!(
                "default_profile = \"lab\"\n[profiles.lab]\n{}cluster_name = \"Cluster0\"\n",
                profile(&dir)
            ),
        )
        .unwrap();
        std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();
        Lab {
            dir,
            config,
            _scratch: scratch,
        }
    }

    /// The lab's environment: its home, its data, state (the log) and config folders, no
    /// colour.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        let p = |sub: &str| self.dir.join(sub).to_str().unwrap().to_string();
        vec![
            ("HOME", self.dir.to_str().unwrap().to_string()),
            ("XDG_DATA_HOME", p("data")),
            ("XDG_STATE_HOME", p("state")),
            ("XDG_CONFIG_HOME", p("config")),
            ("NO_COLOR", "1".into()),
        ]
    }

    /// `atlas-restore --config CONFIG ARGS` with the lab's environment and none of the
    /// caller's Atlas or log settings.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--config").arg(&self.config).args(args);
        for k in [
            "RUST_LOG",
            "ATLAS_RESTORE_CONFIG",
            "MONGODB_ATLAS_PUBLIC_API_KEY",
            "MONGODB_ATLAS_PRIVATE_API_KEY",
            "MONGODB_ATLAS_PROJECT_ID",
        ] {
            cmd.env_remove(k);
        }
        cmd.envs(self.env());
        cmd
    }

    /// `command(ARGS)` with nothing on standard input.
    pub fn run(&self, args: &[&str]) -> Output {
        self.run_env(args, &[])
    }

    /// `command(ARGS)` with `env` besides the lab's, and nothing on standard input.
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = self.command(args);
        cmd.envs(env.iter().copied());
        cmd.stdin(Stdio::null()).output().unwrap()
    }

    /// The dashboard on the lab's profile, with the lab's environment, in a `cols`x`rows`
    /// terminal; once its form is up.
    pub fn dashboard(&self, cols: u16, rows: u16) -> Pty {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let pty = Pty::spawn(&["--config", self.config.to_str().unwrap()], &env, cols, rows);
        pty.wait_for("snapshotId");
        pty
    }

    /// `atlas-restore --config CONFIG ARGS` in a `cols`x`rows` terminal, with the lab's
    /// environment (a command as a person at a terminal sees it).
    pub fn in_terminal(&self, args: &[&str], cols: u16, rows: u16) -> Pty {
        let env = self.env();
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut all = vec!["--config", self.config.to_str().unwrap()];
        all.extend_from_slice(args);
        Pty::spawn(&all, &env, cols, rows)
    }

    /// `atlas-restore --config CONFIG submit ARGS` with `body` on standard input.
    pub fn submit(&self, body: &str, args: &[&str]) -> Output {
        with_input(&mut self.command(&[&["submit"], args].concat()), body)
    }

    /// Writes `content` to the file `name` of the lab's folder.
    pub fn file(&self, name: &str, content: &str) -> PathBuf {
        let p = self.dir.join(name);
        std::fs::write(&p, content).unwrap();
        p
    }

    /// The program's data folder: the store, and a 0.1.0 journal to import.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data").join("atlas-restore")
    }

    /// The store that holds the profile's jobs.
    pub fn journal_path(&self) -> PathBuf {
        self.data_dir().join("store.sqlite3")
    }

    /// Everything the store holds of the profile, as the 0.1.0 journal's JSON had it
    /// (`submits` oldest first, `notes`, `download_dir`).
    pub fn journal(&self) -> Value {
        let journal = atlas_restore::jobs::Journal::open(&self.data_dir(), "lab").unwrap();
        serde_json::to_value(journal.everything().unwrap()).unwrap()
    }

    /// What is on disk of the store, every byte (the database and its WAL), as text: what
    /// must never hold a secret.
    pub fn store_bytes(&self) -> String {
        let mut all = Vec::new();
        for name in ["store.sqlite3", "store.sqlite3-wal"] {
            all.extend(std::fs::read(self.data_dir().join(name)).unwrap_or_default());
        }
        String::from_utf8_lossy(&all).into_owned()
    }

    /// The program's log folder, in the lab's state folder.
    pub fn log_dir(&self) -> PathBuf {
        self.dir.join("state").join("atlas-restore")
    }

    pub fn log_path(&self) -> PathBuf {
        self.log_dir().join("atlas-restore.log")
    }

    /// The log as it stands; empty where there is none yet.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.log_path()).unwrap_or_default()
    }
}

/// A profile's `base_url`, `public_key`, `private_key` and `group_id` lines for `sim`.
pub fn sim_profile(sim: &SimProcess) -> String {
    let i = &sim.info;
    format!(
        "base_url = {}\npublic_key = {}\nprivate_key = {}\ngroup_id = {}\n",
        i["base_url"], i["public_key"], i["private_key"], i["group_id"]
    )
}

/// Runs `cmd` with `input` on its standard input; its output.
pub fn with_input(cmd: &mut Command, input: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

/// What the tests ask of the simulator itself, beside the program.
pub trait SimAsk {
    /// `GET PATH` with the simulator's key, by a client of the test's own.
    fn ask(&self, path: &str) -> common::Answer;
    /// The newest complete snapshot of `cluster`, asked with the simulator's key.
    fn snapshot(&self, cluster: &str) -> String;
    /// The simulator's own counters (no key needed).
    fn counters(&self) -> Value;
}

impl SimAsk for SimProcess {
    fn ask(&self, path: &str) -> common::Answer {
        let i = &self.info;
        let client = common::Client {
            http: common::http(),
            session: DigestAuthSession::new(i["public_key"].as_str().unwrap(), i["private_key"].as_str().unwrap()),
            base: i["base_url"].as_str().unwrap().to_string(),
        };
        block_on(client.get(path))
    }

    fn snapshot(&self, cluster: &str) -> String {
        let path = format!("/api/atlas/v1.0/groups/{}/clusters/{cluster}/snapshots", self.group());
        let page = self.ask(&path);
        assert_eq!(page.status, 200, "{}", page.text);
        page.json["results"][0]["id"].as_str().unwrap().to_string()
    }

    fn counters(&self) -> Value {
        let url = format!("{}/_sim/counters", self.info["base_url"].as_str().unwrap());
        block_on(async { common::http().get(&url).send().await.unwrap().json().await.unwrap() })
    }
}

pub fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

pub fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// Exit status, stdout and stderr, for assertion messages.
pub fn show(out: &Output) -> String {
    format!(
        "status {:?}\n--- stdout\n{}--- stderr\n{}",
        out.status.code(),
        text(&out.stdout),
        text(&out.stderr)
    )
}

/// Standard output as one JSON value, or the test fails showing the output.
pub fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("stdout is not one JSON object ({e}): {}", show(out)))
}
