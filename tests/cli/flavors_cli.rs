//! A profile with `flavor = "ops-manager"` against `atlas-restore sim --flavor ops-manager`
//! run as its own process: `submit` of an HTTP download and of a checkpoint restore (by the
//! cluster's name in the profile, resolved to its id), `jobs` following them with the
//! cluster named, and the simulator's startup line saying what it plays.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::lab;
use crate::support::pty;
use lab::{SimAsk, json_of, show, text};
use pty::SimProcess;

use serde_json::json;

#[test]
fn an_ops_manager_profile_submits_and_follows_against_the_simulated_ops_manager() {
    let sim = SimProcess::start(&["--flavor", "ops-manager", "--speed", "600"]);
    let info = &sim.info;
    assert_eq!(info["flavor"], "ops-manager");
    assert_eq!(info["api_prefix"], "/api/public/v1.0");
    let group = sim.group().to_string();
    let cluster1_id = info["clusters"][1]["id"].as_str().unwrap().to_string();
    let lab = lab::Lab::with_profile("flavors-cli", |_| {
        format!("flavor = \"ops-manager\"\n{}", lab::sim_profile(&sim))
    });

    // The newest complete snapshot, asked the way Ops Manager is asked: by the cluster's id.
    let cluster0_id = info["clusters"][0]["id"].as_str().unwrap();
    let page = sim.ask(&format!(
        "/api/public/v1.0/groups/{group}/clusters/{cluster0_id}/snapshots"
    ));
    let snapshot = page.json["results"][0]["id"].as_str().unwrap().to_string();

    // Ops Manager's rule, said before anything is sent.
    let http = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP"}});
    let out = lab.submit(&http.to_string(), &["--format", "json"]);
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let doc = json_of(&out);
    assert_eq!(doc["findings"][0]["code"], "MAX_DOWNLOADS_REQUIRED");
    assert!(
        doc["error"].as_str().unwrap().contains("validate --flavor ops-manager"),
        "{doc}"
    );

    // With it: created, the cluster named though Ops Manager's answer does not name it.
    let http = json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    let out = lab.submit(&http.to_string(), &[]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let line = text(&out.stdout);
    assert!(line.contains("Cluster0") && line.contains("HTTP"), "{line}");

    // A checkpoint restore of the sharded cluster into itself, by id, confirmed by that id.
    let checkpoints = sim.ask(&format!(
        "/api/public/v1.0/groups/{group}/clusters/{cluster1_id}/checkpoints"
    ));
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
    // Ops Manager names the target by id; the erase is confirmed by the name it resolves to.
    let out = lab.submit(
        &automated.to_string(),
        &["--cluster-name", "Cluster1", "--confirm-erase", &cluster1_id],
    );
    assert_eq!(out.status.code(), Some(1), "{}", show(&out));
    let err = text(&out.stderr);
    assert!(
        err.contains("would ERASE cluster Cluster1 (5f8e...a4c2)") && err.contains("--confirm-erase Cluster1 exactly"),
        "{err}"
    );
    let out = lab.submit(
        &automated.to_string(),
        &[
            "--cluster-name",
            "Cluster1",
            "--confirm-erase",
            "Cluster1",
            "--format",
            "json",
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let doc = json_of(&out);
    let target = &doc["jobs"][0]["target"];
    assert_eq!(target["name"], "Cluster1", "{doc}");
    assert_eq!(target["id"], cluster1_id.as_str(), "{doc}");
    // The body sent names it by id, as Ops Manager takes it; the journal keeps the name beside.
    let journal = lab.journal();
    let submit = &journal["submits"][1];
    assert_eq!(submit["request"]["delivery"]["targetClusterId"], cluster1_id.as_str());
    assert!(
        submit["request"]["delivery"].get("targetClusterName").is_none(),
        "{submit}"
    );
    assert_eq!(submit["target_name"], "Cluster1", "{submit}");
    assert_eq!(doc["state"], "created");
    assert_eq!(
        doc["jobs"].as_array().unwrap().len(),
        3,
        "a job per shard and the config servers: {doc}"
    );
    assert_eq!(doc["findings"][0]["code"], "CHECKPOINT_NEEDS_FCV_4_0");

    // `jobs` follows all four, each with its cluster.
    let out = lab.run(&["jobs", "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", show(&out));
    let jobs = json_of(&out);
    let jobs = jobs.as_array().unwrap();
    assert_eq!(jobs.len(), 4, "{jobs:#?}");
    // Named in `jobs` too, after a fresh read of the journal.
    let erased: Vec<&serde_json::Value> = jobs.iter().filter(|j| j["method"] == "AUTOMATED_RESTORE").collect();
    assert_eq!(erased.len(), 3, "{jobs:#?}");
    assert!(
        erased
            .iter()
            .all(|j| j["target"]["name"] == "Cluster1" && j["target"]["id"] == cluster1_id.as_str()),
        "{erased:#?}"
    );
    let clusters: Vec<&str> = jobs.iter().map(|j| j["cluster"].as_str().unwrap_or("")).collect();
    assert!(
        clusters.contains(&"Cluster0") && clusters.iter().filter(|c| **c == "Cluster1").count() == 3,
        "{clusters:?}"
    );
}
