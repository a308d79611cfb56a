//! The simulator's answers have every field, with the same JSON type, that the real payloads
//! in `../shared/atlas/examples/` have: a client that reads real Atlas reads the simulator.
//! Built only with `--features shared-fixtures`, which `.ci/run` turns on where `../shared`
//! exists.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::{client, complete_snapshot, start, v1};
use serde_json::{Value, json};
use std::path::PathBuf;
use std::time::Duration;

fn example(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/atlas/examples")
        .join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run with ../shared beside the project", path.display()));
    serde_json::from_str(&text).unwrap()
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Every field of `real` is in `ours` with the same type, down objects and the first
/// element of arrays. Returns what is missing or different, by path.
fn missing(real: &Value, ours: &Value, path: &str, out: &mut Vec<String>) {
    if kind(real) != kind(ours) {
        out.push(format!("{path}: {} here, {} in Atlas", kind(ours), kind(real)));
        return;
    }
    match (real, ours) {
        (Value::Object(r), Value::Object(o)) => {
            for (k, rv) in r {
                match o.get(k) {
                    Some(ov) => missing(rv, ov, &format!("{path}.{k}"), out),
                    None => out.push(format!("{path}.{k}: missing")),
                }
            }
        }
        (Value::Array(r), Value::Array(o)) => {
            if let (Some(rv), Some(ov)) = (r.first(), o.first()) {
                missing(rv, ov, &format!("{path}[0]"), out);
            }
        }
        _ => {}
    }
}

fn assert_shape(name: &str, ours: &Value) {
    let mut out = Vec::new();
    missing(&example(name), ours, "", &mut out);
    assert!(out.is_empty(), "{name}: {out:#?}\nours: {ours:#}");
}

#[tokio::test]
async fn answers_have_the_fields_of_the_real_payloads() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snapshots = c.get(&v1(&sim, "clusters/Cluster0/snapshots")).await.json;
    assert_shape("gocli.snapshots.list.response.json", &snapshots);
    let id = snapshots["results"][0]["id"].as_str().unwrap();
    let one = c
        .get(&v1(&sim, &format!("clusters/Cluster0/snapshots/{id}")))
        .await
        .json;
    assert_shape("gocli.snapshot.get.response.json", &one);

    let checkpoints = c.get(&v1(&sim, "clusters/Cluster1/backupCheckpoints")).await.json;
    assert_shape("gocli.checkpoints.list.response.json", &checkpoints);
    let id = checkpoints["results"][0]["id"].as_str().unwrap();
    let one = c
        .get(&v1(&sim, &format!("clusters/Cluster1/backupCheckpoints/{id}")))
        .await
        .json;
    assert_shape("gocli.checkpoint.get.response.json", &one);

    // A sharded job (the fixtures carry a batchId), finished and downloaded once.
    let snap = complete_snapshot(&c, &sim, "Cluster1").await;
    let created = c
        .post(
            &v1(&sim, "clusters/Cluster1/restoreJobs"),
            &json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}}),
        )
        .await
        .json;
    assert_shape("gocli.restore-job.create.response.json", &created);
    sim.advance(Duration::from_secs(75));
    // The list's first, newest first, is the one to download.
    let listed = c.get(&v1(&sim, "clusters/Cluster1/restoreJobs")).await.json;
    let job_id = listed["results"][0]["id"].as_str().unwrap();
    let path = v1(&sim, &format!("clusters/Cluster1/restoreJobs/{job_id}"));
    let job = c.get(&path).await.json;
    let url = job["delivery"]["url"].as_str().unwrap();
    let resp = common::http().get(url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    resp.bytes().await.unwrap();
    let job = c.get(&path).await.json;
    assert_shape("gocli.restore-job.get.response.json", &job);
    let list = c.get(&v1(&sim, "clusters/Cluster1/restoreJobs")).await.json;
    assert_shape("gocli.restore-jobs.list.response.json", &list);

    let not_found = c.get(&v1(&sim, "clusters/Nope")).await.json;
    assert_shape("spec.error.404-RESOURCE_NOT_FOUND.json", &not_found);
    sim.shutdown().await;
}
