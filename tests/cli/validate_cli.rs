//! `atlas-restore validate` as the contract in `design.md` fixes it: exit codes, the JSON
//! shape, the flags, and the text for people.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_atlas-restore");
const NOW: &str = "2026-11-28T12:00:00Z";

fn run(args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(BIN)
        .args(args)
        .env_remove("ATLAS_RESTORE_CONFIG")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary starts");
    // A bad flag exits before stdin is read: a broken pipe then is expected, not a failure.
    if let Err(e) = child.stdin.take().unwrap().write_all(stdin.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    child.wait_with_output().unwrap()
}

fn json_out(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout)))
}

const VALID: &str = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"HTTP","maxDownloads":1}}"#;
const CONFLICT: &str = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","pointInTimeUTCMillis":1795863600000,
  "delivery":{"methodName":"HTTP"}}"#;

#[test]
fn a_valid_body_exits_0_with_the_contract_shape() {
    let out = run(&["validate", "--format", "json", "--now", NOW], VALID);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_out(&out), serde_json::json!({"valid": true, "findings": []}));
}

#[test]
fn warnings_alone_still_exit_0() {
    let body = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"AUTOMATED_RESTORE",
      "targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster0","maxDownloads":3}}"#;
    let out = run(&["validate", "--format", "json", "-"], body);
    assert_eq!(out.status.code(), Some(0));
    let doc = json_out(&out);
    assert_eq!(doc["valid"], true);
    assert_eq!(doc["findings"][0]["severity"], "warning");
    assert_eq!(doc["findings"][0]["code"], "NOT_FOR_AUTOMATED_RESTORE");
    assert_eq!(
        doc["findings"][0]["fields"],
        serde_json::json!(["delivery.methodName", "delivery.maxDownloads"])
    );
}

#[test]
fn a_conflicting_body_exits_1_naming_every_field() {
    let out = run(&["validate", "--format", "json", "--now", NOW], CONFLICT);
    assert_eq!(out.status.code(), Some(1));
    let doc = json_out(&out);
    assert_eq!(doc["valid"], false);
    let findings = doc["findings"].as_array().unwrap();
    let by_code = |code: &str| {
        findings
            .iter()
            .find(|f| f["code"] == code)
            .unwrap_or_else(|| panic!("{code}: {doc}"))
    };
    assert_eq!(
        by_code("RESTORE_POINT_CONFLICT")["fields"],
        serde_json::json!(["snapshotId", "pointInTimeUTCMillis"])
    );
    assert_eq!(
        by_code("REQUIRES_AUTOMATED_RESTORE")["fields"],
        serde_json::json!(["pointInTimeUTCMillis", "delivery.methodName"])
    );
    for f in findings {
        let keys: Vec<&str> = f.as_object().unwrap().keys().map(String::as_str).collect();
        assert_eq!(keys, ["severity", "code", "fields", "message"]);
    }
}

#[test]
fn unreadable_input_exits_2() {
    for (args, stdin) in [
        (vec!["validate"], "{\"snapshotId\": "),
        (vec!["validate", "/nonexistent/body.json"], ""),
    ] {
        let out = run(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        assert!(!out.stderr.is_empty());
    }
    // With --format json, stdout is one object with its error, whatever the fault.
    for (args, stdin, kind) in [
        (vec!["validate", "--format", "json"], "", "input"),
        (
            vec!["validate", "--format", "json", "/nonexistent/body.json"],
            "",
            "setup",
        ),
        (vec!["validate", "--format", "json", "--api", "v9"], VALID, "setup"),
    ] {
        let out = run(&args, stdin);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let doc = json_out(&out);
        assert_eq!(doc["error"]["kind"], kind, "{args:?}: {doc}");
        assert!(!doc["error"]["message"].as_str().unwrap().is_empty(), "{doc}");
        assert!(!out.stderr.is_empty());
    }
    let out = run(&["validate"], "{\"a\":");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("not JSON") && err.contains("line 1 column 5"), "{err}");
}

#[test]
fn reads_a_file_argument() {
    let dir = tempfile::Builder::new()
        .prefix("atlas-restore-validate-")
        .tempdir()
        .unwrap();
    let path = dir.path().join("body.json");
    std::fs::write(&path, CONFLICT).unwrap();
    let out = run(&["validate", path.to_str().unwrap(), "--now", NOW], "");
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.starts_with(&format!(
            "{}: not valid for API v1.0 (2 errors, 0 warnings)",
            path.display()
        )),
        "{text}"
    );
}

#[test]
fn the_text_format_says_what_to_do() {
    let out = run(&["validate", "--now", NOW], CONFLICT);
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("error   RESTORE_POINT_CONFLICT [snapshotId, pointInTimeUTCMillis]"),
        "{text}"
    );
    assert!(text.contains("keep one and clear the others"), "{text}");
    let ok = run(&["validate", "--now", NOW], VALID);
    assert_eq!(
        String::from_utf8_lossy(&ok.stdout),
        "stdin: valid for API v1.0 (0 errors, 0 warnings)\n"
    );
}

#[test]
fn api_now_and_cluster_type_flags_change_the_verdict() {
    let oplog_v2 = r#"{"oplogTs":"2026-11-28T11:00:00Z","oplogInc":1,"delivery":{"methodName":"AUTOMATED_RESTORE",
      "targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster0"}}"#;
    assert_eq!(
        run(&["validate", "--api", "v2", "--now", NOW], oplog_v2).status.code(),
        Some(0)
    );
    let v1 = run(
        &["validate", "--api", "v1.0", "--now", NOW, "--format", "json"],
        oplog_v2,
    );
    assert_eq!(v1.status.code(), Some(1));
    let codes: Vec<String> = json_out(&v1)["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(codes, ["OPLOG_TS_INVALID", "WRONG_TYPE"]);

    // The same oplog point a day later is still fine (no window); a sharded source is not.
    let sharded = run(
        &[
            "validate",
            "--api",
            "v2",
            "--now",
            NOW,
            "--cluster-type",
            "sharded",
            "--format",
            "json",
        ],
        oplog_v2,
    );
    assert_eq!(sharded.status.code(), Some(1));
    assert_eq!(json_out(&sharded)["findings"][0]["code"], "NEEDS_REPLICA_SET");

    let pit = r#"{"pointInTimeUTCMillis":1795863600000,"delivery":{"methodName":"AUTOMATED_RESTORE",
      "targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster0"}}"#;
    assert_eq!(run(&["validate", "--now", NOW], pit).status.code(), Some(0));
    assert_eq!(
        run(&["validate", "--now", "2026-11-30T12:00:00Z"], pit).status.code(),
        Some(1)
    );

    let bad_now = run(&["validate", "--now", "tuesday"], pit);
    assert_eq!(bad_now.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad_now.stderr).contains("--now"));
    assert_eq!(run(&["validate", "--api", "v3"], pit).status.code(), Some(2));
}

#[test]
fn the_source_flags_warn_of_restoring_onto_itself() {
    let body = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"AUTOMATED_RESTORE",
      "targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster0"}}"#;
    let out = run(
        &[
            "validate",
            "--group-id",
            "5a66666887d9d61443b41645",
            "--cluster-name",
            "Cluster0",
            "--format",
            "json",
        ],
        body,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_out(&out)["findings"][0]["code"], "TARGET_IS_SOURCE");
}

/// `--now` reads a time as the form does: `2026-11-28 18:30`, without a zone, is UTC like its
/// RFC 3339 twin, so the verdict on a point in time is the same for both spellings.
#[test]
fn now_without_a_zone_is_utc_like_its_rfc3339_twin() {
    // 2026-11-28T18:30:00Z.
    let pit = r#"{"pointInTimeUTCMillis":1795890600000,"delivery":{"methodName":"AUTOMATED_RESTORE",
      "targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster0"}}"#;
    for (before, after) in [
        ("2026-11-28T18:29Z", "2026-11-28T18:31Z"),
        ("2026-11-28 18:29", "2026-11-28 18:31"),
        ("2026-11-28 18:29 UTC", "2026-11-28t18:31"),
    ] {
        let early = run(&["validate", "--format", "json", "--now", before], pit);
        assert_eq!(early.status.code(), Some(1), "--now {before}");
        assert_eq!(
            json_out(&early)["findings"][0]["code"],
            "POINT_IN_TIME_IN_FUTURE",
            "--now {before}"
        );
        let late = run(&["validate", "--format", "json", "--now", after], pit);
        assert_eq!(late.status.code(), Some(0), "--now {after}");
    }
    // A zone it cannot tell is refused, not guessed.
    assert_eq!(
        run(&["validate", "--now", "2026-11-28 18:30 CET"], pit).status.code(),
        Some(2)
    );
}

#[test]
fn an_unknown_key_is_named_in_the_findings_fields() {
    let body = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","bogus":1,"delivery":{"methodName":"HTTP","Foo":2}}"#;
    let out = run(&["validate", "--format", "json", "--now", NOW], body);
    let doc = json_out(&out);
    let fields: Vec<&Value> = doc["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["code"] == "UNKNOWN_FIELD")
        .map(|f| &f["fields"])
        .collect();
    assert_eq!(
        fields,
        [&serde_json::json!(["bogus"]), &serde_json::json!(["delivery.Foo"])],
        "{doc}"
    );
}
