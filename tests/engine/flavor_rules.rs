//! The rules of Cloud Manager and Ops Manager, each both ways: it fires for them and not for
//! Atlas (or the other way round), with its own code; the bodies each product is sent, byte
//! for byte; the lenient readings of their documented requests; and `validate --flavor`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    ClusterType, Code, Context, Field, Finding, Flavor, RestorableRange, RestoreDraft, Severity, build_body, validate,
};
use serde_json::{Value, json};
use std::process::Command;

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const HOUR_MS: i64 = 3_600_000;
const GROUP: &str = "5a66666887d9d61443b41645";
const SNAP: &str = "5a6669d9fcc178211a0d86b9";
const CHECKPOINT: &str = "5a6669d9fcc178211a0d86c0";
const TARGET_ID: &str = "5a66689487d9d61443b46149";
const PUBLIC: [Flavor; 2] = [Flavor::CloudManager, Flavor::OpsManager];

fn ctx(flavor: Flavor) -> Context {
    Context {
        flavor,
        ..Context::at(NOW_MS)
    }
}

fn sharded(flavor: Flavor) -> Context {
    Context {
        source_cluster_type: Some(ClusterType::Sharded),
        ..ctx(flavor)
    }
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn find(findings: &[Finding], code: Code) -> &Finding {
    findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("{code} not in {findings:#?}"))
}

fn fields(f: &Finding) -> Vec<&'static str> {
    f.fields.iter().map(|x| x.api_name()).collect()
}

fn http(max_downloads: Option<&str>) -> RestoreDraft {
    let d = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "HTTP");
    match max_downloads {
        Some(n) => d.with(Field::MaxDownloads, n),
        None => d,
    }
}

fn automated(point: Field, value: &str) -> RestoreDraft {
    RestoreDraft::new()
        .with(point, value)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, TARGET_ID)
}

// ---- each difference, both ways ----

#[test]
fn the_target_is_named_by_id_only() {
    let by_name = automated(Field::SnapshotId, SNAP)
        .with(Field::TargetClusterId, "")
        .with(Field::TargetClusterName, "Cluster1");
    assert_eq!(codes(&validate(&by_name, &ctx(Flavor::Atlas))), Vec::<&str>::new());
    for flavor in PUBLIC {
        let f = validate(&by_name, &ctx(flavor));
        assert_eq!(codes(&f), ["TARGET_CLUSTER_BY_ID_ONLY"], "{flavor}");
        assert_eq!(fields(&f[0]), ["delivery.targetClusterName"]);
        assert!(f[0].message.starts_with(flavor.product()), "{}", f[0].message);
        assert!(f[0].message.contains("delivery.targetClusterId"));
        // Without any target, it asks for the id alone.
        let none = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterId, "");
        let f = validate(&none, &ctx(flavor));
        assert_eq!(codes(&f), ["TARGET_CLUSTER_MISSING"]);
        assert_eq!(fields(&f[0]), ["delivery.methodName", "delivery.targetClusterId"]);
        // By id: clean.
        assert!(validate(&automated(Field::SnapshotId, SNAP), &ctx(flavor)).is_empty());
    }
    // Atlas's own: name or id, not both; with neither it offers both.
    let none = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterId, "");
    let f = validate(&none, &ctx(Flavor::Atlas));
    assert_eq!(
        fields(find(&f, Code::TargetClusterMissing)),
        [
            "delivery.methodName",
            "delivery.targetClusterName",
            "delivery.targetClusterId"
        ]
    );
    let both = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterName, "Cluster1");
    assert_eq!(
        codes(&validate(&both, &ctx(Flavor::Atlas))),
        ["TARGET_CLUSTER_AMBIGUOUS"]
    );
    assert_eq!(
        codes(&validate(&both, &ctx(Flavor::OpsManager))),
        ["TARGET_CLUSTER_BY_ID_ONLY"]
    );
}

#[test]
fn http_needs_max_downloads() {
    assert!(validate(&http(None), &ctx(Flavor::Atlas)).is_empty());
    for flavor in PUBLIC {
        let f = validate(&http(None), &ctx(flavor));
        assert_eq!(codes(&f), ["MAX_DOWNLOADS_REQUIRED"], "{flavor}");
        assert_eq!(f[0].severity, Severity::Error);
        assert_eq!(fields(&f[0]), ["delivery.methodName", "delivery.maxDownloads"]);
        assert!(validate(&http(Some("1")), &ctx(flavor)).is_empty());
        // At least 1, as everywhere.
        assert_eq!(
            codes(&validate(&http(Some("0")), &ctx(flavor))),
            ["NUMBER_OUT_OF_RANGE"]
        );
    }
}

#[test]
fn expires_or_expiration_hours_not_both() {
    let expires = "2026-11-30T12:00:00Z";
    let both = http(Some("1"))
        .with(Field::Expires, expires)
        .with(Field::ExpirationHours, "4");
    for flavor in PUBLIC {
        let f = validate(&both, &ctx(flavor));
        assert_eq!(codes(&f), ["EXPIRES_CONFLICT"], "{flavor}");
        assert_eq!(fields(&f[0]), ["delivery.expirationHours", "delivery.expires"]);
        let one = http(Some("1")).with(Field::Expires, expires);
        assert!(validate(&one, &ctx(flavor)).is_empty());
        // A past time, or not UTC, or not a time at all.
        for (bad, words) in [
            ("2026-11-28T11:00:00Z", "already past"),
            ("2026-11-30T12:00:00+02:00", "must be in UTC"),
            ("next week", "not an ISO-8601 UTC time"),
        ] {
            let d = RestoreDraft::from_json(&json!({"snapshotId": SNAP,
                "delivery": {"methodName": "HTTP", "maxDownloads": 1, "expires": bad}}));
            let f = validate(&d, &ctx(flavor));
            assert_eq!(codes(&f), ["EXPIRES_INVALID"], "{bad}");
            assert!(f[0].message.contains(words), "{}", f[0].message);
        }
        // With an automated restore it shapes nothing, like expirationHours.
        let f = validate(
            &automated(Field::SnapshotId, SNAP).with(Field::Expires, expires),
            &ctx(flavor),
        );
        assert_eq!(codes(&f), ["NOT_FOR_AUTOMATED_RESTORE"]);
    }
    // Atlas sets `expires` in its answers only: a response field in a request, left out.
    let f = validate(&both, &ctx(Flavor::Atlas));
    assert_eq!(codes(&f), ["RESPONSE_ONLY_FIELD"]);
    let body = build_body(&both, &ctx(Flavor::Atlas)).unwrap();
    assert!(body["delivery"].get("expires").is_none());
}

#[test]
fn checkpoints_restore_in_these_products_at_fcv_4_0() {
    let d = automated(Field::CheckpointId, CHECKPOINT);
    // Atlas documents it declines them.
    assert_eq!(
        codes(&validate(&d, &sharded(Flavor::Atlas))),
        ["CHECKPOINT_OF_SHARDED_DECLINED"]
    );
    for flavor in PUBLIC {
        let f = validate(&d, &sharded(flavor));
        assert_eq!(codes(&f), ["CHECKPOINT_NEEDS_FCV_4_0"], "{flavor}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert!(build_body(&d, &sharded(flavor)).is_ok());
        // Still exclusive with the other restore points, and for sharded clusters only.
        let two = d.clone().with(Field::SnapshotId, SNAP);
        assert!(codes(&validate(&two, &sharded(flavor))).contains(&"RESTORE_POINT_CONFLICT"));
        let replica = Context {
            source_cluster_type: Some(ClusterType::ReplicaSet),
            ..ctx(flavor)
        };
        assert_eq!(codes(&validate(&d, &replica)), ["CHECKPOINT_NEEDS_SHARDED"]);
        // And never downloaded.
        let over_http = RestoreDraft::new()
            .with(Field::CheckpointId, CHECKPOINT)
            .with(Field::MethodName, "HTTP")
            .with(Field::MaxDownloads, "1");
        assert_eq!(
            codes(&validate(&over_http, &sharded(flavor))),
            ["REQUIRES_AUTOMATED_RESTORE", "CHECKPOINT_NEEDS_FCV_4_0"]
        );
    }
}

#[test]
fn a_sharded_point_in_time_needs_fcv_4_2_here_and_is_refused_by_atlas() {
    let pit = automated(Field::PointInTimeUtcMillis, "-1h");
    assert_eq!(codes(&validate(&pit, &sharded(Flavor::Atlas))), ["NEEDS_REPLICA_SET"]);
    for flavor in PUBLIC {
        let f = validate(&pit, &sharded(flavor));
        assert_eq!(codes(&f), ["SHARDED_NEEDS_FCV_4_2"], "{flavor}");
        assert_eq!(f[0].severity, Severity::Warning);
        assert_eq!(fields(&f[0]), ["pointInTimeUTCMillis"]);
    }
}

#[test]
fn the_point_in_time_window_per_product() {
    let old = automated(Field::PointInTimeUtcMillis, &(NOW_MS - 30 * HOUR_MS).to_string());
    // Atlas and Cloud Manager: the last 24 hours.
    for flavor in [Flavor::Atlas, Flavor::CloudManager] {
        let f = validate(&old, &ctx(flavor));
        assert_eq!(codes(&f), ["POINT_IN_TIME_OUTSIDE_WINDOW"], "{flavor}");
        assert!(
            f[0].message
                .contains(&format!("{} restores only to the last 24 hours", flavor.product()))
        );
    }
    // Ops Manager: the project's window, unknown without its ranges: a warning.
    let f = validate(&old, &ctx(Flavor::OpsManager));
    assert_eq!(codes(&f), ["POINT_IN_TIME_BEYOND_DEFAULT_WINDOW"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(build_body(&old, &ctx(Flavor::OpsManager)).is_ok());
}

#[test]
fn the_server_ranges_replace_the_24_hours_and_are_named() {
    let range = |start_h: i64, end_h: i64| RestorableRange {
        start_ms: NOW_MS - start_h * HOUR_MS,
        end_ms: NOW_MS - end_h * HOUR_MS,
        snapshot_id: None,
    };
    let with = |flavor| Context {
        restorable_ranges: Some(vec![range(40, 30), range(20, 1)]),
        ..ctx(flavor)
    };
    let at = |hours_ago: i64| automated(Field::PointInTimeUtcMillis, &(NOW_MS - hours_ago * HOUR_MS).to_string());
    for flavor in Flavor::ALL {
        // 35 hours ago is in a range, though beyond 24 hours.
        assert!(validate(&at(35), &with(flavor)).is_empty(), "{flavor}");
        // 25 hours ago falls in the gap: the error names the ranges on either side.
        let f = validate(&at(25), &with(flavor));
        assert_eq!(codes(&f), ["POINT_IN_TIME_OUTSIDE_RANGES"]);
        assert!(
            f[0].message.contains(
                "between the ranges 2026-11-26T20:00:00Z to 2026-11-27T06:00:00Z and 2026-11-27T16:00:00Z to 2026-11-28T11:00:00Z"
            ),
            "{}",
            f[0].message
        );
        // Before the oldest: an error; after the newest (it may have grown since): a warning.
        let f = validate(&at(45), &with(flavor));
        assert_eq!(codes(&f), ["POINT_IN_TIME_OUTSIDE_RANGES"]);
        assert!(f[0].message.contains("before the oldest range"));
        let f = validate(&automated(Field::PointInTimeUtcMillis, "-30m"), &with(flavor));
        assert_eq!(codes(&f), ["POINT_IN_TIME_AFTER_RANGES"]);
        assert_eq!(f[0].severity, Severity::Warning);
    }
    // No range at all: nothing can be restored to a point in time.
    let none = Context {
        restorable_ranges: Some(vec![]),
        ..ctx(Flavor::OpsManager)
    };
    assert_eq!(codes(&validate(&at(2), &none)), ["POINT_IN_TIME_OUTSIDE_RANGES"]);
}

#[test]
fn their_documented_requests_read_leniently() {
    // The docs quote numbers; the Go client sends oplogInc as a number: both read, for these
    // products; Atlas stays strict.
    let quoted =
        json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "expirationHours": "1", "maxDownloads": "1"}});
    let pit = json!({"pointInTimeUTCMillis": (NOW_MS - HOUR_MS).to_string(), "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": GROUP, "targetClusterId": TARGET_ID}});
    let oplog_number = json!({"oplogTs": "1795863600", "oplogInc": 1, "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": GROUP, "targetClusterId": TARGET_ID}});
    for body in [&quoted, &pit, &oplog_number] {
        let d = RestoreDraft::from_json(body);
        for flavor in PUBLIC {
            assert!(validate(&d, &ctx(flavor)).is_empty(), "{flavor} {body}");
        }
        assert!(
            codes(&validate(&d, &ctx(Flavor::Atlas))).contains(&"WRONG_TYPE"),
            "Atlas is strict: {body}"
        );
    }
    // SCP is gone, and said so.
    let scp = RestoreDraft::from_json(&json!({"snapshotId": SNAP, "delivery": {"methodName": "SCP"}}));
    let f = validate(&scp, &ctx(Flavor::OpsManager));
    assert!(
        find(&f, Code::MethodNameInvalid)
            .message
            .contains("SCP delivery was removed")
    );
}

// ---- golden bodies ----

fn encoded(draft: &RestoreDraft, ctx: &Context) -> String {
    serde_json::to_string(&build_body(draft, ctx).expect("a valid draft builds")).unwrap()
}

#[test]
fn golden_bodies_per_product() {
    let http = http(Some("3")).with(Field::ExpirationHours, "2");
    let oplog = automated(Field::OplogTs, "2026-11-28T11:00Z").with(Field::OplogInc, "7");
    let checkpoint = automated(Field::CheckpointId, CHECKPOINT);
    let pit = automated(Field::PointInTimeUtcMillis, "90m ago");
    let http_body = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"HTTP","expirationHours":2,"maxDownloads":3}}"#;
    let oplog_body = r#"{"oplogTs":"1795863600","oplogInc":"7","delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterId":"5a66689487d9d61443b46149"}}"#;
    let checkpoint_body = r#"{"checkpointId":"5a6669d9fcc178211a0d86c0","delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterId":"5a66689487d9d61443b46149"}}"#;
    let pit_body = r#"{"pointInTimeUTCMillis":1795861800000,"delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterId":"5a66689487d9d61443b46149"}}"#;
    for flavor in Flavor::ALL {
        let c = sharded(flavor);
        assert_eq!(encoded(&http, &ctx(flavor)), http_body, "{flavor}");
        assert_eq!(encoded(&oplog, &ctx(flavor)), oplog_body, "{flavor}");
        assert_eq!(encoded(&checkpoint, &c), checkpoint_body, "{flavor}");
        assert_eq!(encoded(&pit, &ctx(flavor)), pit_body, "{flavor}");
    }
    // Cloud and Ops Manager: `expires` instead of `expirationHours`, an ISO-8601 UTC string.
    let until = http_with_expires();
    for flavor in PUBLIC {
        assert_eq!(
            encoded(&until, &ctx(flavor)),
            r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"HTTP","maxDownloads":1,"expires":"2026-11-30T12:00:00Z"}}"#
        );
    }
    // Their documented bodies, quoted numbers and all, are sent as the engine encodes them.
    let docs = RestoreDraft::from_json(&json!({"delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": GROUP, "targetClusterId": TARGET_ID}, "oplogTs": "1795863600", "oplogInc": "7"}));
    assert_eq!(encoded(&docs, &ctx(Flavor::OpsManager)), oplog_body);
    let docs = RestoreDraft::from_json(&json!({"delivery": {"expirationHours": "2", "maxDownloads": "3",
        "methodName": "HTTP"}, "snapshotId": SNAP}));
    assert_eq!(encoded(&docs, &ctx(Flavor::CloudManager)), http_body);
}

fn http_with_expires() -> RestoreDraft {
    http(Some("1")).with(Field::Expires, "2026-11-30T12:00Z")
}

// ---- `validate --flavor` ----

fn validate_cli(flavor: &str, body: &Value) -> (Option<i32>, Value) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args([
            "validate",
            "--format",
            "json",
            "--now",
            "2026-11-28T12:00:00Z",
            "--flavor",
            flavor,
        ])
        .env_remove("ATLAS_RESTORE_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.to_string().as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn validate_takes_the_flavor() {
    let body = json!({"snapshotId": SNAP, "delivery": {"methodName": "AUTOMATED_RESTORE",
        "targetGroupId": GROUP, "targetClusterName": "Cluster1"}});
    let (code, doc) = validate_cli("atlas", &body);
    assert_eq!((code, doc), (Some(0), json!({"valid": true, "findings": []})));
    for flavor in ["ops-manager", "cloud-manager"] {
        let (code, doc) = validate_cli(flavor, &body);
        assert_eq!(code, Some(1), "{doc}");
        assert_eq!(doc["findings"][0]["code"], "TARGET_CLUSTER_BY_ID_ONLY");
    }
    // The text says which product it checked for.
    let out = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args([
            "validate",
            "--flavor",
            "ops-manager",
            "--now",
            "2026-11-28T12:00:00Z",
            "-",
        ])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "empty input is not JSON");
    let v2 = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args(["validate", "--flavor", "ops-manager", "--api", "v2"])
        .stdin(std::process::Stdio::null())
        .output()
        .unwrap();
    assert_eq!(v2.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&v2.stderr).contains("Ops Manager has one API version, v1.0"));
}
