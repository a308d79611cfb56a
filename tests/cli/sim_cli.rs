//! `atlas-restore sim` as scripts use it: the first stdout line is one JSON object with the
//! URL, the keys, the project and the clusters; that key gets in; SIGTERM stops it; it
//! listens on loopback only.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;

use atlas_restore::sim::{Sim, SimConfig, SimError};
use diqwest::{DigestAuthSession, WithDigestAuth};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_atlas-restore");

/// Starts `atlas-restore sim ARGS` and reads its first stdout line (20 s at most).
fn start_cli(args: &[&str], env: &[(&str, &str)]) -> (Child, Value) {
    let mut child = Command::new(BIN)
        .arg("sim")
        .args(args)
        .env_remove("ATLAS_RESTORE_SIM_PRIVATE_KEY")
        .env_remove("ATLAS_RESTORE_SIM_PUBLIC_KEY")
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let Ok(line) = rx.recv_timeout(Duration::from_secs(20)) else {
        let _ = child.kill();
        panic!("no startup line within 20 s");
    };
    let doc = serde_json::from_str(&line).unwrap_or_else(|e| panic!("the first line is not JSON ({e}): {line:?}"));
    (child, doc)
}

/// SIGTERM by the child's pid; waits for it to exit (10 s at most) and gives its status.
fn terminate(mut child: Child) -> Option<i32> {
    let sent = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .is_ok_and(|s| s.success());
    if !sent {
        let _ = child.kill();
    }
    use wait_timeout::ChildExt;
    if let Some(status) = child.wait_timeout(Duration::from_secs(10)).unwrap() {
        return status.code();
    }
    let _ = child.kill();
    panic!("the simulator did not stop on SIGTERM within 10 s");
}

fn is_hex_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

#[tokio::test]
async fn the_first_line_says_how_to_reach_it_and_its_key_gets_in() {
    let (child, doc) = start_cli(&["--listen", "127.0.0.1:0", "--speed", "60"], &[]);
    let keys: Vec<&str> = doc.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(keys, ["base_url", "public_key", "private_key", "group_id", "clusters"]);
    let base = doc["base_url"].as_str().unwrap();
    assert!(base.starts_with("http://127.0.0.1:"), "{base}");
    assert!(!base.ends_with(":0"));
    let public = doc["public_key"].as_str().unwrap();
    assert!(
        public.len() == 8 && public.bytes().all(|b| b.is_ascii_lowercase()),
        "{public}"
    );
    let private = doc["private_key"].as_str().unwrap();
    let groups: Vec<usize> = private.split('-').map(str::len).collect();
    assert_eq!(groups, [8, 4, 4, 4, 12], "{private}");
    let group = doc["group_id"].as_str().unwrap();
    assert!(is_hex_id(group));
    let clusters = doc["clusters"].as_array().unwrap();
    assert_eq!(clusters.len(), 3);
    for c in clusters {
        assert!(is_hex_id(c["id"].as_str().unwrap()), "{c}");
        assert!(c["name"].is_string());
        let t = c["clusterType"].as_str().unwrap();
        assert!(t == "REPLICASET" || t == "SHARDED", "{c}");
    }
    assert!(clusters.iter().any(|c| c["clusterType"] == "SHARDED"));

    let session = DigestAuthSession::new(public, private);
    let url = format!("{base}/api/atlas/v1.0/groups/{group}/clusters");
    let resp = common::http().get(&url).send_digest_auth(&session).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let page: Value = resp.json().await.unwrap();
    assert_eq!(page["totalCount"], 3);

    assert_eq!(terminate(child), Some(0));
}

#[tokio::test]
async fn keys_can_be_given_and_a_fault_chosen() {
    let (child, doc) = start_cli(
        &["--public-key", "qwertyui", "--fault", "html"],
        &[("ATLAS_RESTORE_SIM_PRIVATE_KEY", "0f0e0d0c-aaaa-bbbb-cccc-0123456789ab")],
    );
    assert_eq!(doc["public_key"], "qwertyui");
    assert_eq!(doc["private_key"], "0f0e0d0c-aaaa-bbbb-cccc-0123456789ab");
    let url = format!("{}/api/atlas/v1.0/groups", doc["base_url"].as_str().unwrap());
    let resp = common::http().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 502);
    assert_eq!(terminate(child), Some(0));
}

#[test]
fn it_refuses_a_non_loopback_address_and_an_unknown_fault() {
    let out = Command::new(BIN)
        .args(["sim", "--listen", "0.0.0.0:0"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty(), "no startup line");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("loopback"), "{err}");

    let out = Command::new(BIN).args(["sim", "--fault", "flaky"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not-on-access-list"), "{err}");
}

#[tokio::test]
async fn the_library_refuses_non_loopback_addresses_too() {
    for addr in ["0.0.0.0:0", "192.0.2.10:8080", "[::]:0"] {
        let err = Sim::start(addr.parse().unwrap(), SimConfig::default())
            .await
            .unwrap_err();
        assert!(matches!(err, SimError::NotLoopback(_)), "{addr}: {err}");
        assert!(err.to_string().contains("loopback"), "{err}");
    }
    let sim = Sim::start("127.0.0.2:0".parse().unwrap(), SimConfig::default())
        .await
        .expect("all of 127.0.0.0/8 is loopback");
    assert!(sim.base_url().starts_with("http://127.0.0.2:"));
    sim.shutdown().await;
}
