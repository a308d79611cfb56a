//! The real request from MongoDB's Go client tests, read in place from `../shared/atlas/examples/`.
//! Built only with `--features shared-fixtures`, which `.ci/run` turns on where `../shared` exists.

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

#[test]
fn the_go_client_create_request_validates_clean_near_its_time() {
    let path = example("gocli.restore-job.create.request.json");
    // pointInTimeUTCMillis 1536610288000 is 2018-09-10T20:11:28Z; an hour later it is in the window.
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args([
            "validate",
            "--format",
            "json",
            "--now",
            "2018-09-10T21:11:28Z",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc, serde_json::json!({"valid": true, "findings": []}));

    // Two days later it has aged out of the 24-hour window.
    let late = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args([
            "validate",
            "--format",
            "json",
            "--now",
            "2018-09-12T21:11:28Z",
        ])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(late.status.code(), Some(1));
}

#[test]
fn responses_pasted_as_requests_are_flagged() {
    // A Get response pasted as a request: its snapshotId and HTTP delivery make a valid
    // request, and each of its 15 response-only fields is warned about.
    let path = example("gocli.restore-job.get.response.json");
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args([
            "validate",
            "--format",
            "json",
            "--now",
            "2018-01-22T23:50:00Z",
        ])
        .arg(&path)
        .output()
        .unwrap();
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let codes: Vec<&str> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(out.status.code(), Some(0), "{doc}");
    assert_eq!(codes, ["RESPONSE_ONLY_FIELD"; 15], "{doc}");
}
