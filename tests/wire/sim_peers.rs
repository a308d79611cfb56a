//! The simulator's Digest check against clients nobody here wrote: curl, Python's
//! `requests` (whose session reuses the nonce and counts `nc` up) and Python's `urllib`.
//! They must get in with the right key and be refused with a wrong one. A machine without
//! curl or python3 fails these tests with what to install (`.ci/run` installs them); without
//! `requests`, its test is skipped and says so, unless `ATLAS_RESTORE_REQUIRE_PEERS=1`
//! (`tests/support/tools.rs`).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;
use crate::support::tools;

use atlas_restore::sim::Sim;
use common::start;
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

fn require(program: &str, args: &[&str], install: &str) {
    let ok = Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    assert!(
        ok,
        "{program} {} failed: this test needs it; install it with `{install}`",
        args.join(" ")
    );
}

/// Runs a program off the async runtime (the simulator answers on it meanwhile), feeding
/// `stdin`.
async fn run(program: &'static str, args: Vec<String>, env: Vec<(&'static str, String)>, stdin: String) -> Output {
    tokio::task::spawn_blocking(move || {
        let mut child = Command::new(program)
            .args(&args)
            .envs(env)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap()
}

/// `curl --digest` with the key in a config read from stdin, never in argv; the status
/// code and the body.
async fn curl(sim: &Sim, private_key: &str, path: &str) -> (u16, String) {
    let url = format!("{}{path}", sim.base_url());
    let config = format!("user = \"{}:{private_key}\"\n", sim.public_key());
    let out = run(
        "curl",
        vec![
            "--silent".into(),
            "--show-error".into(),
            "--digest".into(),
            "--config".into(),
            "-".into(),
            "--write-out".into(),
            "\n%{http_code}".into(),
            url,
        ],
        vec![],
        config,
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let (body, code) = text.rsplit_once('\n').unwrap();
    (code.parse().unwrap(), body.to_string())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_gets_in_with_the_right_key_only() {
    require("curl", &["--version"], "apt-get install curl");
    let sim = start(1.0).await;
    let path = format!(
        "/api/atlas/v1.0/groups/{}/clusters?pretty=true&itemsPerPage=2",
        sim.group_id()
    );
    let (code, body) = curl(&sim, sim.private_key(), &path).await;
    assert_eq!(code, 200, "{body}");
    let page: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page["totalCount"], 3);
    assert_eq!(page["results"][0]["name"], "Cluster0");

    let (code, body) = curl(&sim, "wrong-private-key", &path).await;
    assert_eq!(code, 401, "{body}");
    let err: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(err["errorCode"], "UNAUTHORIZED");
    sim.shutdown().await;
}

/// One `requests.Session` with `HTTPDigestAuth`: three GETs and a POST. Prints the statuses
/// and the number of jobs the POST made, as JSON.
const REQUESTS_SCRIPT: &str = r#"
import json, os, sys
import requests
from requests.auth import HTTPDigestAuth
base, group, public = sys.argv[1:4]
s = requests.Session()
s.auth = HTTPDigestAuth(public, os.environ["SIM_PRIVATE_KEY"])
api = f"{base}/api/atlas/v1.0/groups/{group}/clusters/Cluster0"
statuses = []
r = s.get(f"{api}/snapshots"); statuses.append(r.status_code)
snap = r.json()["results"][0]["id"] if r.ok else "5a6669d9fcc178211a0d86b9"
r = s.get(f"{api}?pretty=true"); statuses.append(r.status_code)
r = s.get(f"{api}/restoreJobs", params={"itemsPerPage": 5}); statuses.append(r.status_code)
r = s.post(f"{api}/restoreJobs", json={"snapshotId": snap, "delivery": {"methodName": "HTTP"}})
statuses.append(r.status_code)
made = len(r.json().get("results", [])) if r.ok else 0
print(json.dumps({"statuses": statuses, "made": made}))
"#;

async fn python_requests(sim: &Sim, private_key: &str) -> Value {
    let out = run(
        "python3",
        vec![
            "-c".into(),
            REQUESTS_SCRIPT.into(),
            sim.base_url(),
            sim.group_id().into(),
            sim.public_key().into(),
        ],
        vec![("SIM_PRIVATE_KEY", private_key.to_string())],
        String::new(),
    )
    .await;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_requests_session_reuses_the_nonce_and_posts() {
    if !tools::have(&tools::PYTHON_REQUESTS) {
        return;
    }
    let sim = start(1.0).await;
    let ok = python_requests(&sim, sim.private_key()).await;
    assert_eq!(ok["statuses"], serde_json::json!([200, 200, 200, 200]), "{ok}");
    assert_eq!(ok["made"], 1);
    // Four requests, one challenge: the session counted nc up on one nonce, POST included.
    let n = sim.counters();
    assert_eq!((n.challenges, n.auth_failures), (1, 0), "{n:?}");
    assert_eq!(n.restore_job_creates, 1);

    let wrong = python_requests(&sim, "wrong-private-key").await;
    assert_eq!(wrong["statuses"], serde_json::json!([401, 401, 401, 401]), "{wrong}");
    assert_eq!(sim.counters().restore_job_creates, 1);
    sim.shutdown().await;
}

const URLLIB_SCRIPT: &str = r#"
import os, sys, urllib.request, urllib.error
url, public = sys.argv[1:3]
mgr = urllib.request.HTTPPasswordMgrWithDefaultRealm()
mgr.add_password(None, url, public, os.environ["SIM_PRIVATE_KEY"])
opener = urllib.request.build_opener(urllib.request.HTTPDigestAuthHandler(mgr))
try:
    print(opener.open(url).status)
except urllib.error.HTTPError as e:
    print(e.code)
"#;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_urllib_digest_handler_gets_in_with_the_right_key_only() {
    require("python3", &["--version"], "apt-get install python3");
    let sim = start(1.0).await;
    let url = format!(
        "{}/api/atlas/v2/groups/{}/clusters/Cluster1/backupCheckpoints",
        sim.base_url(),
        sim.group_id()
    );
    for (key, expected) in [(sim.private_key().to_string(), "200"), ("nope".into(), "401")] {
        let out = run(
            "python3",
            vec!["-c".into(), URLLIB_SCRIPT.into(), url.clone(), sim.public_key().into()],
            vec![("SIM_PRIVATE_KEY", key)],
            String::new(),
        )
        .await;
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert_eq!(String::from_utf8_lossy(&out.stdout).trim(), expected);
    }
    sim.shutdown().await;
}
