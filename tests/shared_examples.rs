//! The real payloads from MongoDB's Go client tests, read in place from `../shared/atlas/examples/`.
//! Built only with `--features shared-fixtures`, which `.ci/run` turns on where `../shared` exists.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn example(name: &str) -> PathBuf {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/atlas/examples")
        .join(name);
    assert!(
        path.exists(),
        "{} is missing: run with ../shared beside the project",
        path.display()
    );
    path
}

/// `atlas-restore validate --format json --now NOW FILE`: its exit code and document.
fn validate_json(now: &str, name: &str) -> (Option<i32>, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args(["validate", "--format", "json", "--now", now])
        .arg(example(name))
        .output()
        .unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn the_go_client_create_request_validates_clean_near_its_time() {
    // pointInTimeUTCMillis 1536610288000 is 2018-09-10T20:11:28Z; an hour later it is in the window.
    let (code, doc) = validate_json("2018-09-10T21:11:28Z", "gocli.restore-job.create.request.json");
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(doc, serde_json::json!({"valid": true, "findings": []}));

    // Two days later it has aged out of the 24-hour window.
    let (code, doc) = validate_json("2018-09-12T21:11:28Z", "gocli.restore-job.create.request.json");
    assert_eq!(code, Some(1));
    assert_eq!(doc["findings"][0]["code"], "POINT_IN_TIME_OUTSIDE_WINDOW");
}

#[test]
fn responses_pasted_as_requests_are_flagged() {
    // A Get response pasted as a request: its snapshotId and HTTP delivery make a valid
    // request, and each of its 15 response-only fields is warned about.
    let (code, doc) = validate_json("2018-01-22T23:50:00Z", "gocli.restore-job.get.response.json");
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(code, Some(0), "{doc}");
    assert_eq!(codes, ["RESPONSE_ONLY_FIELD"; 15], "{doc}");
}
