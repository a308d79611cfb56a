//! A profile with `flavor = "ops-manager"` against `atlas-restore sim --flavor ops-manager`
//! run as its own process: `submit` of an HTTP download and of a checkpoint restore (by the
//! cluster's name in the profile, resolved to its id), `jobs` following them with the
//! cluster named, and the simulator's startup line saying what it plays.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod pty;
use pty::{BIN, SimProcess, TempDir};

use serde_json::{Value, json};
use std::process::{Command, Output};

fn run(dir: &TempDir, config: &std::path::Path, args: &[&str], stdin_body: Option<&Value>) -> Output {
    use std::io::Write;
    let mut child = Command::new(BIN)
        .arg("--config")
        .arg(config)
        .args(args)
        .env("XDG_DATA_HOME", dir.path().join("data"))
        .env("XDG_STATE_HOME", dir.path().join("state"))
        .env_remove("MONGODB_ATLAS_PUBLIC_API_KEY")
        .env_remove("MONGODB_ATLAS_PRIVATE_API_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let body = stdin_body.map(Value::to_string).unwrap_or_default();
    child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn block_on<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(f)
}

#[test]
fn an_ops_manager_profile_submits_and_follows_against_the_simulated_ops_manager() {
    let sim = SimProcess::start(&["--flavor", "ops-manager", "--speed", "600"]);
    let info = &sim.info;
    assert_eq!(info["flavor"], "ops-manager");
    assert_eq!(info["api_prefix"], "/api/public/v1.0");
    let group = sim.group().to_string();
    let cluster1_id = info["clusters"][1]["id"].as_str().unwrap().to_string();
    let dir = TempDir::new("flavors-cli");
    let config = dir.path().join("config.toml");
    std::fs::write(
        &config,
        format!(
            "[profiles.onprem]\nflavor = \"ops-manager\"\nbase_url = \"{}\"\npublic_key = \"{}\"\nprivate_key = \"{}\"\ngroup_id = \"{group}\"\ncluster_name = \"Cluster0\"\n",
            info["base_url"].as_str().unwrap(),
            info["public_key"].as_str().unwrap(),
            info["private_key"].as_str().unwrap(),
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&config, std::fs::Permissions::from_mode(0o600)).unwrap();

    // The newest complete snapshot, asked the way Ops Manager is asked: by the cluster's id.
    let client = common::Client {
        http: common::http(),
        session: diqwest::DigestAuthSession::new(
            info["public_key"].as_str().unwrap(),
            info["private_key"].as_str().unwrap(),
        ),
        base: info["base_url"].as_str().unwrap().to_string(),
    };
    let cluster0_id = info["clusters"][0]["id"].as_str().unwrap();
    let page = block_on(client.get(&format!(
        "/api/public/v1.0/groups/{group}/clusters/{cluster0_id}/snapshots"
    )));
    let snapshot = page.json["results"][0]["id"].as_str().unwrap().to_string();

    // Ops Manager's rule, said before anything is sent.
    let http = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    let out = run(&dir, &config, &["submit", "--format", "json"], Some(&http));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stdout));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["findings"][0]["code"], "MAX_DOWNLOADS_REQUIRED");
    assert!(
        doc["error"].as_str().unwrap().contains("validate --flavor ops-manager"),
        "{doc}"
    );

    // With it: created, the cluster named though Ops Manager's answer does not name it.
    let http = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    let out = run(&dir, &config, &["submit"], Some(&http));
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let line = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(line.contains("Cluster0") && line.contains("HTTP"), "{line}");

    // A checkpoint restore of the sharded cluster into itself, by id, confirmed by that id.
    let checkpoints = block_on(client.get(&format!(
        "/api/public/v1.0/groups/{group}/clusters/{cluster1_id}/checkpoints"
    )));
    let checkpoint = checkpoints.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["restorable"] == true)
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let automated = json!({"checkpointId": checkpoint, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": group, "targetClusterId": cluster1_id}});
    let out = run(
        &dir,
        &config,
        &[
            "submit",
            "--cluster-name",
            "Cluster1",
            "--confirm-erase",
            &cluster1_id,
            "--format",
            "json",
        ],
        Some(&automated),
    );
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["state"], "created");
    assert_eq!(
        doc["jobs"].as_array().unwrap().len(),
        3,
        "a job per shard and the config servers: {doc}"
    );
    assert_eq!(doc["findings"][0]["code"], "CHECKPOINT_NEEDS_FCV_4_0");

    // `jobs` follows all four, each with its cluster.
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let out = run(&dir, &config, &["jobs", "--format", "json"], None);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let jobs: Value = serde_json::from_slice(&out.stdout).unwrap();
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 4, "{jobs:#?}");
    let clusters: Vec<&str> = jobs.iter().map(|j| j["cluster"].as_str().unwrap_or("")).collect();
    assert!(
        clusters.contains(&"Cluster0") && clusters.iter().filter(|c| **c == "Cluster1").count() == 3,
        "{clusters:?}"
    );
}
