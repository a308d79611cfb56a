//! Golden bodies: what is sent for each API version, byte for byte.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{ApiVersion, Code, Context, Field, RestoreDraft, build_body};

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const GROUP: &str = "5a66666887d9d61443b41645";

fn at(api: ApiVersion) -> Context {
    Context {
        api,
        ..Context::at(NOW_MS)
    }
}

fn oplog_draft() -> RestoreDraft {
    RestoreDraft::new()
        .with(Field::OplogTs, "2026-11-28T11:00Z")
        .with(Field::OplogInc, "7")
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterName, "Cluster1")
}

fn encoded(draft: &RestoreDraft, api: ApiVersion) -> String {
    serde_json::to_string(&build_body(draft, &at(api)).expect("a valid draft builds")).unwrap()
}

#[test]
fn oplog_point_in_v1_sends_strings_of_seconds() {
    assert_eq!(
        encoded(&oplog_draft(), ApiVersion::V1),
        r#"{"oplogTs":"1795863600","oplogInc":"7","delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster1"}}"#
    );
}

#[test]
fn oplog_point_in_v2_sends_iso_time_and_integer() {
    assert_eq!(
        encoded(&oplog_draft(), ApiVersion::V2),
        r#"{"oplogTs":"2026-11-28T11:00:00Z","oplogInc":7,"delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterName":"Cluster1"}}"#
    );
}

#[test]
fn epoch_seconds_typed_for_oplog_ts_are_kept() {
    let d = oplog_draft().with(Field::OplogTs, "1795863600");
    assert!(encoded(&d, ApiVersion::V1).starts_with(r#"{"oplogTs":"1795863600","#));
}

#[test]
fn point_in_time_is_a_number_of_milliseconds_in_both_versions() {
    let d = RestoreDraft::new()
        .with(Field::PointInTimeUtcMillis, "90m ago")
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, "5a66689487d9d61443b46149");
    let expected = r#"{"pointInTimeUTCMillis":1795861800000,"delivery":{"methodName":"AUTOMATED_RESTORE","targetGroupId":"5a66666887d9d61443b41645","targetClusterId":"5a66689487d9d61443b46149"}}"#;
    assert_eq!(encoded(&d, ApiVersion::V1), expected);
    assert_eq!(encoded(&d, ApiVersion::V2), expected);
}

#[test]
fn http_download_sends_numbers_and_omits_empty_fields() {
    let d = RestoreDraft::new()
        .with(Field::SnapshotId, "5a6669d9fcc178211a0d86b9")
        .with(Field::MethodName, "HTTP")
        .with(Field::ExpirationHours, "48")
        .with(Field::MaxDownloads, " 3 ")
        .with(Field::CheckpointId, "   ");
    let expected = r#"{"snapshotId":"5a6669d9fcc178211a0d86b9","delivery":{"methodName":"HTTP","expirationHours":48,"maxDownloads":3}}"#;
    assert_eq!(encoded(&d, ApiVersion::V1), expected);
    assert_eq!(encoded(&d, ApiVersion::V2), expected);
}

#[test]
fn warnings_do_not_stop_the_body_and_errors_do() {
    let with_warning = oplog_draft().with(Field::MaxDownloads, "2");
    let body = build_body(&with_warning, &at(ApiVersion::V1)).expect("warnings only");
    assert_eq!(body["delivery"]["maxDownloads"], 2);

    let conflicting = oplog_draft().with(Field::SnapshotId, "5a6669d9fcc178211a0d86b9");
    let errors = build_body(&conflicting, &at(ApiVersion::V1)).expect_err("a conflict is an error");
    assert!(errors.iter().all(|f| f.is_error()));
    assert!(errors.iter().any(|f| f.code == Code::RestorePointConflict));
}
