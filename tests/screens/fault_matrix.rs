//! The fault matrix: each of the simulator's fault modes against the running dashboard (in a
//! real pseudo-terminal) and `atlas-restore jobs`. For each: keys are still answered while it
//! lasts, the screen names the cause and what to do, the tracked job is not lost, and polling
//! recovers by itself when the fault ends. The table of what the user sees is in
//! `docs/faults.md`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;
use crate::support::pty;
use crate::support::wait;
use atlas_restore::atlas::{AtlasClient, ClientOptions, SnapshotFilter};
use atlas_restore::jobs::{Journal, SubmitState};
use atlas_restore::sim::{Fault, Sim, SimConfig};
use pty::{BIN, Pty, TempDir, key};
use std::time::Duration;

struct Bench {
    rt: tokio::runtime::Runtime,
    sim: Option<Sim>,
    dir: TempDir,
    config: String,
    job_id: String,
}

impl Bench {
    /// A simulator in this process, one tracked job in the journal, a profile polling every second.
    fn new(name: &str, private_key: Option<&str>, request_timeout: &str) -> Bench {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        let sim = rt
            .block_on(Sim::start(
                "127.0.0.1:0".parse().unwrap(),
                SimConfig {
                    speed: 60.0,
                    ..SimConfig::default()
                },
            ))
            .unwrap();
        let dir = pty::temp_dir(&format!("fault-{name}"));
        let client = AtlasClient::new(&ClientOptions {
            request_timeout: Duration::from_secs(5),
            ..common::options(&sim)
        })
        .unwrap();
        let g = sim.group_id().to_string();
        let job_id = rt.block_on(async {
            let snap = client
                .list_snapshots(&g, "Cluster0", SnapshotFilter::Completed)
                .await
                .unwrap()[0]
                .id
                .clone();
            let body = serde_json::json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}});
            let created = client.create_restore_job(&g, "Cluster0", &body).await.unwrap();
            let j = Journal::open(&dir.path().join("data/atlas-restore"), "lab").unwrap();
            let key = j.record_sending(&g, "Cluster0", &body, sim.now_ms()).unwrap();
            let id = created.jobs[0].id.to_string();
            j.record_outcome(&key, SubmitState::Created, created.jobs, None)
                .unwrap();
            id
        });
        let path = dir.path().join("config.toml");
        std::fs::write(
            &path,
            format!(
                "[profiles.lab]\nbase_url = \"{}\"\npublic_key = \"{}\"\nprivate_key_command = \"echo {}\"\ngroup_id = \"{g}\"\ncluster_name = \"Cluster0\"\npoll_interval = \"1s\"\nrequest_timeout = \"{request_timeout}\"\nmax_body_bytes = 1048576\n",
                sim.base_url(),
                sim.public_key(),
                private_key.unwrap_or(sim.private_key())
            ),
        )
        .unwrap();
        let config = path.to_str().unwrap().to_string();
        Bench {
            rt,
            sim: Some(sim),
            dir,
            config,
            job_id,
        }
    }

    fn sim(&self) -> &Sim {
        self.sim.as_ref().unwrap()
    }

    fn data(&self) -> String {
        self.dir.path().join("data").to_str().unwrap().to_string()
    }

    fn dashboard(&self) -> Pty {
        let data = self.data();
        let pty = Pty::spawn(&["--config", &self.config], &[("XDG_DATA_HOME", &data)], 200, 50);
        pty.wait_for(&self.job_id[16..]);
        pty
    }

    /// `atlas-restore jobs --format json`: exit code and stderr.
    fn jobs(&self) -> (Option<i32>, String, String) {
        let out = std::process::Command::new(BIN)
            .args(["--config", &self.config, "jobs", "--format", "json"])
            .env("XDG_DATA_HOME", self.data())
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into(),
            String::from_utf8_lossy(&out.stderr).into(),
        )
    }
}

/// The form's row of `label` (with the panel's text beside it on a wide screen).
fn form_row<'a>(screen: &'a str, label: &str) -> &'a str {
    screen
        .lines()
        .find(|l| l.contains(&format!(" {label} ")))
        .unwrap_or_default()
}

/// Keys are answered while the fault lasts: Up moves the focus from snapshotId to
/// clusterName, a typed `Z` lands at the end of its value, Backspace takes it off again. (Not
/// any `Z` on the screen: every time the panel shows ends with one.)
fn keys_still_answered(pty: &mut Pty) {
    pty.send(key::UP);
    pty.wait_until(5, "Up answered: the focus on clusterName", |s| {
        form_row(s, "clusterName").contains('▶')
    });
    pty.send("Z");
    pty.wait_until(5, "Z typed into clusterName", |s| {
        form_row(s, "clusterName").contains("Cluster0Z")
    });
    pty.send("\x08"); // Backspace
    pty.wait_until(5, "Backspace answered", |s| {
        let r = form_row(s, "clusterName");
        r.contains("Cluster0") && !r.contains("Cluster0Z")
    });
}

/// Runs one row: the fault is switched on, its words awaited, then switched off and recovery awaited.
fn row(name: &str, fault: Fault, words: &[&str]) {
    // Atlas's "no" (the access list) is 1; no usable answer is 3, "ask again later".
    let exit = if fault == Fault::NotOnAccessList { 1 } else { 3 };
    let bench = Bench::new(name, None, "3s");
    let mut pty = bench.dashboard();
    pty.wait_for("updated");
    bench.sim().set_fault(Some(fault));
    pty.send("\x12"); // Ctrl-R: poll now
    let s = pty.wait_until(20, &format!("the {name} failure named"), |s| {
        s.contains("load failed") && words.iter().all(|w| s.contains(w))
    });
    assert!(s.contains(&bench.job_id[16..]), "the tracked job is still listed: {s}");
    keys_still_answered(&mut pty);
    let (code, _, stderr) = bench.jobs();
    assert_eq!(code, Some(exit), "jobs says the data is stale: {stderr}");
    assert!(stderr.contains("could not refresh"), "{stderr}");
    bench.sim().set_fault(None);
    pty.wait_until(30, "recovery", |s| !s.contains("load failed") && s.contains("READY"));
    let (code, stdout, _) = bench.jobs();
    assert_eq!(code, Some(0));
    assert!(stdout.contains(&bench.job_id));
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn not_on_the_access_list() {
    row("acl", Fault::NotOnAccessList, &["203.0.113.7", "access list"]);
}

#[test]
fn rate_limited_with_retry_after() {
    row(
        "429",
        Fault::RateLimited {
            retry_after_secs: Some(3),
        },
        &["429", "wait 3 s"],
    );
}

#[test]
fn rate_limited_without_retry_after() {
    row(
        "429-bare",
        Fault::RateLimited { retry_after_secs: None },
        &["429", "polling slows down"],
    );
}

#[test]
fn server_error() {
    row("500", Fault::ServerError, &["500 UNEXPECTED_ERROR", "try again"]);
}

#[test]
fn service_unavailable() {
    row("503", Fault::Unavailable, &["503"]);
}

#[test]
fn slow_past_the_timeout() {
    row(
        "slow",
        Fault::Slow(Duration::from_secs(5)),
        &["no answer from 127.0.0.1 in time", "slow"],
    );
}

#[test]
fn dropped_connection() {
    row("drop", Fault::DropConnection, &["load failed"]);
}

#[test]
fn malformed_json() {
    row("malformed", Fault::MalformedJson, &["could not be read"]);
}

#[test]
fn a_proxy_html_page() {
    row("html", Fault::HtmlPage, &["text/html", "proxy"]);
}

#[test]
fn a_huge_body() {
    row("huge", Fault::HugeBody(4 << 20), &["larger than", "max_body_bytes"]);
}

#[test]
fn stale_nonces_are_absorbed() {
    let bench = Bench::new("stale", None, "3s");
    let mut pty = bench.dashboard();
    pty.wait_for("updated");
    bench.sim().set_fault(Some(Fault::StaleNonce));
    // Three polls (Ctrl-R: now), each told its nonce is stale, each getting through.
    for _ in 0..3 {
        let seen = bench.sim().counters().stale_nonces;
        pty.send("\x12");
        wait::until_true("a poll told its nonce is stale", Duration::from_secs(10), || {
            bench.sim().counters().stale_nonces > seen
        });
    }
    let s = pty.wait_until(20, "the job READY", |s| s.contains("READY"));
    assert!(!s.contains("load failed"), "{s}");
    assert!(bench.sim().counters().stale_nonces >= 3);
    assert_eq!(bench.sim().counters().auth_failures, 0);
    pty.send(key::CTRL_Q);
    pty.wait_exit(10);
}

#[test]
fn wrong_keys() {
    let bench = Bench::new("keys", Some("not-the-key"), "3s");
    let data = bench.data();
    let pty = Pty::spawn(&["--config", &bench.config], &[("XDG_DATA_HOME", &data)], 200, 50);
    let s = pty.wait_until(20, "the refusal named", |s| {
        s.contains("load failed") && s.contains("API key pair was refused")
    });
    assert!(s.contains(&bench.job_id[16..]), "the journal's job is still shown: {s}");
    let (code, _, stderr) = bench.jobs();
    assert_eq!(code, Some(1));
    assert!(stderr.contains("API key pair was refused"), "{stderr}");
}

#[test]
fn the_server_gone_altogether() {
    let mut bench = Bench::new("gone", None, "3s");
    let mut pty = bench.dashboard();
    pty.wait_for("updated");
    let sim = bench.sim.take().unwrap();
    bench
        .rt
        .block_on(async { tokio::time::timeout(Duration::from_secs(2), sim.shutdown()).await.ok() });
    pty.send("\x12");
    let s = pty.wait_until(20, "the refusal named", |s| {
        s.contains("load failed") && s.contains("refused the connection")
    });
    assert!(s.contains(&bench.job_id[16..]));
    keys_still_answered(&mut pty);
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}

#[test]
fn a_create_whose_answer_is_lost_is_reconciled_never_resent() {
    let bench = Bench::new("lost-create", None, "3s");
    let mut pty = bench.dashboard();
    pty.wait_for("updated");
    pty.send(key::ENTER);
    pty.wait_for("still being taken");
    // The first complete snapshot is preselected: the one the bench's job restores.
    pty.send(key::ENTER);
    pty.wait_for("no conflicts");
    let creates = bench.sim().counters().restore_job_creates;
    bench.sim().set_fault(Some(Fault::DropConnection));
    pty.send(key::CTRL_S);
    pty.wait_for("Review");
    pty.send(key::ENTER);
    // The bench tracks a job of this very snapshot: sending it again is asked about first.
    pty.wait_for("sends it again anyway");
    assert_eq!(bench.sim().counters().restore_job_creates, creates, "not sent yet");
    pty.send(key::ENTER);
    pty.wait_for("The answer was lost");
    bench.sim().set_fault(None);
    pty.send(key::ESC);
    // Found in the cluster's list and tracked: two jobs now, the lost one among them (and the
    // Esc answered, so that Ctrl-Q comes alone).
    pty.wait_until(30, "the lost job reconciled", |s| {
        s.contains("Restore jobs (2)") && !s.contains("The answer was lost")
    });
    assert_eq!(
        bench.sim().counters().restore_job_creates,
        creates + 1,
        "sent once, never resent"
    );
    pty.send(key::CTRL_Q);
    assert_eq!(pty.wait_exit(10), 0);
}
