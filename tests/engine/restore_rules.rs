//! Every rule of the restore request, in both directions: it fires, and it stays quiet.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    ApiVersion, Catalog, ClusterType, Code, Context, Field, Finding, ListedCluster, Listing, RestoreDraft, Severity,
    build_request, has_errors, validate,
};
use serde_json::json;

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const SNAP: &str = "5a6669d9fcc178211a0d86b9";
const CHECKPOINT: &str = "5a6669d9fcc178211a0d86ba";
const GROUP: &str = "5a66666887d9d61443b41645";
const CLUSTER_ID: &str = "5a66689487d9d61443b46149";

fn ctx() -> Context {
    Context::at(NOW_MS)
}

fn http_snapshot() -> RestoreDraft {
    RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "HTTP")
}

fn automated(point: Field, value: &str) -> RestoreDraft {
    RestoreDraft::new()
        .with(point, value)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterName, "Cluster1")
}

fn codes(findings: &[Finding]) -> Vec<&'static str> {
    findings.iter().map(|f| f.code.as_str()).collect()
}

fn find(findings: &[Finding], code: Code) -> &Finding {
    findings
        .iter()
        .find(|f| f.code == code)
        .unwrap_or_else(|| panic!("no {code} in {findings:#?}"))
}

fn fields(f: &Finding) -> Vec<&'static str> {
    f.fields.iter().map(|x| x.api_name()).collect()
}

fn body(value: serde_json::Value, ctx: &Context) -> Vec<Finding> {
    validate(&RestoreDraft::from_json(&value), ctx)
}

#[test]
fn a_plain_http_snapshot_restore_is_clean() {
    assert_eq!(validate(&http_snapshot(), &ctx()), vec![]);
}

// ---- delivery.methodName ----

#[test]
fn method_is_required() {
    let d = RestoreDraft::new().with(Field::SnapshotId, SNAP);
    let f = validate(&d, &ctx());
    assert_eq!(codes(&f), ["METHOD_NAME_MISSING"]);
    assert_eq!(fields(&f[0]), ["delivery.methodName"]);
    assert!(f[0].message.contains("HTTP") && f[0].message.contains("AUTOMATED_RESTORE"));
}

#[test]
fn method_must_be_an_accepted_value() {
    for bad in ["QUERY", "http", "SCP", "CLIENT_PIT_HTTP"] {
        let d = http_snapshot().with(Field::MethodName, bad);
        let f = validate(&d, &ctx());
        assert_eq!(codes(&f), ["METHOD_NAME_INVALID"], "{bad}");
        assert!(
            f[0].message.contains("use HTTP or AUTOMATED_RESTORE"),
            "{}",
            f[0].message
        );
    }
    assert!(
        validate(&http_snapshot().with(Field::MethodName, "http"), &ctx())[0]
            .message
            .contains("upper case")
    );
    for good in ["HTTP", "AUTOMATED_RESTORE"] {
        let d = automated(Field::SnapshotId, SNAP).with(Field::MethodName, good);
        assert!(
            !codes(&validate(&d, &ctx())).iter().any(|c| c.starts_with("METHOD")),
            "{good}"
        );
    }
}

// ---- exactly one restore point ----

#[test]
fn no_restore_point_names_them_all() {
    let d = RestoreDraft::new().with(Field::MethodName, "HTTP");
    let f = validate(&d, &ctx());
    assert_eq!(codes(&f), ["RESTORE_POINT_MISSING"]);
    assert_eq!(
        fields(&f[0]),
        [
            "snapshotId",
            "checkpointId",
            "oplogTs",
            "oplogInc",
            "pointInTimeUTCMillis"
        ]
    );
}

#[test]
fn two_restore_points_name_exactly_the_ones_set() {
    let d = automated(Field::SnapshotId, SNAP).with(Field::PointInTimeUtcMillis, "-2h");
    let conflict = validate(&d, &ctx());
    assert_eq!(
        fields(find(&conflict, Code::RestorePointConflict)),
        ["snapshotId", "pointInTimeUTCMillis"]
    );

    let d = automated(Field::CheckpointId, CHECKPOINT)
        .with(Field::OplogTs, "-1h")
        .with(Field::OplogInc, "3");
    let conflict = validate(&d, &ctx());
    assert_eq!(
        fields(find(&conflict, Code::RestorePointConflict)),
        ["checkpointId", "oplogTs", "oplogInc"]
    );

    let d = automated(Field::SnapshotId, SNAP)
        .with(Field::CheckpointId, CHECKPOINT)
        .with(Field::OplogInc, "3")
        .with(Field::PointInTimeUtcMillis, "-2h");
    let conflict = validate(&d, &ctx());
    let f = find(&conflict, Code::RestorePointConflict);
    assert_eq!(
        fields(f),
        ["snapshotId", "checkpointId", "oplogInc", "pointInTimeUTCMillis"]
    );
    assert_eq!(f.severity, Severity::Error);
}

#[test]
fn each_restore_point_alone_is_accepted() {
    for d in [
        automated(Field::SnapshotId, SNAP),
        automated(Field::CheckpointId, CHECKPOINT),
        automated(Field::OplogTs, "-1h").with(Field::OplogInc, "1"),
        automated(Field::PointInTimeUtcMillis, "-1h"),
    ] {
        let f = validate(&d, &ctx());
        assert!(!codes(&f).iter().any(|c| c.starts_with("RESTORE_POINT")), "{f:#?}");
        assert!(!f.iter().any(Finding::is_error), "{f:#?}");
    }
}

// ---- the oplog pair ----

#[test]
fn oplog_fields_come_together() {
    let only_ts = validate(&automated(Field::OplogTs, "-1h"), &ctx());
    assert_eq!(codes(&only_ts), ["OPLOG_PAIR_INCOMPLETE"]);
    assert_eq!(fields(&only_ts[0]), ["oplogTs", "oplogInc"]);
    let only_inc = validate(&automated(Field::OplogInc, "4"), &ctx());
    assert_eq!(codes(&only_inc), ["OPLOG_PAIR_INCOMPLETE"]);
    assert!(only_inc[0].message.starts_with("oplogInc needs oplogTs"));
}

#[test]
fn oplog_inc_is_a_positive_32_bit_number() {
    let with_inc = |inc: &str| validate(&automated(Field::OplogTs, "-1h").with(Field::OplogInc, inc), &ctx());
    // An int32 in both versions (api.md §1), though v1.0 sends it as a string.
    for bad in ["0", "-1", "2147483648", "4294967295", "1.5", "one"] {
        assert_eq!(codes(&with_inc(bad)), ["OPLOG_INC_INVALID"], "{bad}");
    }
    for good in ["1", "17", "2147483647"] {
        assert_eq!(with_inc(good), vec![], "{good}");
    }
    let v2 = Context {
        api: ApiVersion::V2,
        ..ctx()
    };
    let d = automated(Field::OplogTs, "-1h").with(Field::OplogInc, "2147483648");
    assert_eq!(codes(&validate(&d, &v2)), ["OPLOG_INC_INVALID"]);
}

#[test]
fn oplog_ts_is_seconds_in_v1_and_iso_in_v2() {
    let v1 = ctx();
    let v2 = Context {
        api: ApiVersion::V2,
        ..ctx()
    };
    let ts = |value: serde_json::Value| {
        json!({"oplogTs": value, "oplogInc": "1",
               "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": GROUP, "targetClusterName": "Cluster1"}})
    };
    let ts_v2 = |value: serde_json::Value| {
        json!({"oplogTs": value, "oplogInc": 1,
               "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": GROUP, "targetClusterName": "Cluster1"}})
    };
    // 2026-11-28T11:00:00Z
    assert_eq!(body(ts(json!("1795863600")), &v1), vec![]);
    assert_eq!(body(ts_v2(json!("2026-11-28T11:00:00Z")), &v2), vec![]);

    let iso_in_v1 = body(ts(json!("2026-11-28T11:00:00Z")), &v1);
    assert_eq!(codes(&iso_in_v1), ["OPLOG_TS_INVALID"]);
    assert!(
        iso_in_v1[0].message.contains("\"1795863600\""),
        "{}",
        iso_in_v1[0].message
    );
    assert_eq!(codes(&body(ts_v2(json!("1795863600")), &v2)), ["OPLOG_TS_INVALID"]);
    assert_eq!(
        codes(&body(ts_v2(json!("2026-11-28T12:00:00+01:00")), &v2)),
        ["OPLOG_TS_INVALID"]
    );
    assert_eq!(codes(&body(ts(json!(1795863600)), &v1)), ["WRONG_TYPE"]);

    let millis = body(ts(json!("1795863600000")), &v1);
    assert_eq!(codes(&millis), ["OPLOG_TS_INVALID"]);
    assert!(millis[0].message.contains("looks like milliseconds") && millis[0].message.contains("1795863600"));

    let future = body(ts(json!("1795870800")), &v1);
    assert_eq!(codes(&future), ["OPLOG_TS_IN_FUTURE"]);
}

// ---- methods that need AUTOMATED_RESTORE ----

#[test]
fn checkpoint_oplog_and_point_in_time_need_automated_restore() {
    type Case<'a> = (&'a [(Field, &'a str)], &'a [&'a str]);
    let cases: [Case; 3] = [
        (
            &[(Field::CheckpointId, CHECKPOINT)],
            &["checkpointId", "delivery.methodName"],
        ),
        (
            &[(Field::OplogTs, "-1h"), (Field::OplogInc, "2")],
            &["oplogTs", "oplogInc", "delivery.methodName"],
        ),
        (
            &[(Field::PointInTimeUtcMillis, "-1h")],
            &["pointInTimeUTCMillis", "delivery.methodName"],
        ),
    ];
    for (set, expected) in cases {
        let mut d = RestoreDraft::new().with(Field::MethodName, "HTTP");
        for (field, value) in set {
            d.set(*field, value);
        }
        let f = validate(&d, &ctx());
        let finding = find(&f, Code::RequiresAutomatedRestore);
        assert_eq!(fields(finding), expected);
        assert!(finding.message.contains("AUTOMATED_RESTORE"));
    }
    assert!(!codes(&validate(&http_snapshot(), &ctx())).contains(&"REQUIRES_AUTOMATED_RESTORE"));
}

// ---- pointInTimeUTCMillis ----

#[test]
fn point_in_time_window_and_units() {
    let pit = |v: &str| validate(&automated(Field::PointInTimeUtcMillis, v), &ctx());
    let hour_ago = NOW_MS - 3_600_000;
    assert_eq!(pit(&hour_ago.to_string()), vec![]);
    assert_eq!(
        pit(&(NOW_MS - 86_400_000).to_string()),
        vec![],
        "the window's first millisecond"
    );
    assert_eq!(pit(&NOW_MS.to_string()), vec![], "now itself");
    assert_eq!(pit("2026-11-28T09:30Z"), vec![]);

    let seconds = pit(&(hour_ago / 1000).to_string());
    assert_eq!(codes(&seconds), ["POINT_IN_TIME_IN_SECONDS"]);
    assert!(
        seconds[0].message.contains(&(hour_ago / 1000 * 1000).to_string()),
        "{}",
        seconds[0].message
    );
    assert!(seconds[0].message.contains("2026-11-28T11:00:00Z"));

    assert_eq!(
        codes(&pit(&(hour_ago * 1000).to_string())),
        ["POINT_IN_TIME_IN_MICROSECONDS"]
    );
    assert_eq!(codes(&pit(&(NOW_MS + 1).to_string())), ["POINT_IN_TIME_IN_FUTURE"]);
    assert_eq!(codes(&pit("+2h")), ["POINT_IN_TIME_INVALID"]);
    let old = pit(&(NOW_MS - 86_400_001).to_string());
    assert_eq!(codes(&old), ["POINT_IN_TIME_OUTSIDE_WINDOW"]);
    assert!(
        old[0].message.contains("2026-11-27T11:59:59.999Z") && old[0].message.contains("last 24 hours"),
        "{}",
        old[0].message
    );
    assert_eq!(codes(&pit("1199145599999")), ["POINT_IN_TIME_BEFORE_MINIMUM"]);
    assert_eq!(codes(&pit("12345")), ["POINT_IN_TIME_BEFORE_MINIMUM"]);
    assert_eq!(codes(&pit("-5")), ["POINT_IN_TIME_BEFORE_MINIMUM"]);
    assert_eq!(codes(&pit("soon")), ["POINT_IN_TIME_INVALID"]);
}

#[test]
fn a_point_in_time_ages_out_as_the_clock_moves() {
    let d = automated(Field::PointInTimeUtcMillis, &(NOW_MS - 86_000_000).to_string());
    assert_eq!(validate(&d, &ctx()), vec![]);
    let later = Context::at(NOW_MS + 401_000);
    assert_eq!(codes(&validate(&d, &later)), ["POINT_IN_TIME_OUTSIDE_WINDOW"]);
}

// ---- AUTOMATED_RESTORE's target ----

#[test]
fn automated_restore_needs_a_target() {
    let d = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "AUTOMATED_RESTORE");
    let f = validate(&d, &ctx());
    assert_eq!(codes(&f), ["TARGET_GROUP_MISSING", "TARGET_CLUSTER_MISSING"]);
    assert_eq!(fields(&f[0]), ["delivery.methodName", "delivery.targetGroupId"]);
    assert_eq!(
        fields(&f[1]),
        [
            "delivery.methodName",
            "delivery.targetClusterName",
            "delivery.targetClusterId"
        ]
    );
    let by_id = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, CLUSTER_ID);
    assert_eq!(validate(&by_id, &ctx()), vec![]);
    let both = by_id.with(Field::TargetClusterName, "Cluster1");
    let f = validate(&both, &ctx());
    assert_eq!(codes(&f), ["TARGET_CLUSTER_AMBIGUOUS"]);
}

#[test]
fn download_options_do_nothing_for_automated_restore() {
    let d = automated(Field::SnapshotId, SNAP)
        .with(Field::ExpirationHours, "4")
        .with(Field::MaxDownloads, "2");
    let f = validate(&d, &ctx());
    assert_eq!(codes(&f), ["NOT_FOR_AUTOMATED_RESTORE"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert_eq!(
        fields(&f[0]),
        [
            "delivery.methodName",
            "delivery.expirationHours",
            "delivery.maxDownloads"
        ]
    );
    let http = http_snapshot()
        .with(Field::ExpirationHours, "4")
        .with(Field::MaxDownloads, "2");
    assert_eq!(validate(&http, &ctx()), vec![]);
}

// ---- HTTP ----

#[test]
fn http_takes_no_target() {
    let d = http_snapshot()
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterName, "Cluster1");
    let f = validate(&d, &ctx());
    assert_eq!(codes(&f), ["TARGET_NOT_FOR_HTTP"]);
    assert_eq!(
        fields(&f[0]),
        [
            "delivery.methodName",
            "delivery.targetGroupId",
            "delivery.targetClusterName"
        ]
    );
}

#[test]
fn download_options_are_whole_numbers_from_1_to_int32_max() {
    for field in [Field::ExpirationHours, Field::MaxDownloads] {
        for bad in ["0", "-3", "2147483648", "1.5", "lots"] {
            let f = validate(&http_snapshot().with(field, bad), &ctx());
            assert_eq!(codes(&f), ["NUMBER_OUT_OF_RANGE"], "{field} {bad}");
            assert_eq!(fields(&f[0]), [field.api_name()]);
        }
        for good in ["1", "48", "2147483647"] {
            assert_eq!(
                validate(&http_snapshot().with(field, good), &ctx()),
                vec![],
                "{field} {good}"
            );
        }
    }
}

// ---- ids and names ----

#[test]
fn ids_are_24_hex_characters() {
    for field in [
        Field::SnapshotId,
        Field::TargetGroupId,
        Field::TargetClusterId,
        Field::CheckpointId,
    ] {
        for bad in [
            "5a6669d9fcc178211a0d86b",
            "5a6669d9fcc178211a0d86bg",
            "5A6669D9FCC178211A0D86B9",
            "{SNAPSHOT-ID}",
        ] {
            let d = automated(Field::SnapshotId, SNAP).with(field, bad);
            let f = validate(&d, &ctx());
            let invalid = find(&f, Code::InvalidId);
            assert_eq!(fields(invalid), [field.api_name()], "{field} {bad}");
        }
    }
    let upper = validate(
        &http_snapshot().with(Field::SnapshotId, "5A6669D9FCC178211A0D86B9"),
        &ctx(),
    );
    assert!(upper[0].message.contains("lower case"));
    let source = Context {
        source_group_id: Some("nope".into()),
        ..ctx()
    };
    assert_eq!(
        fields(find(&validate(&http_snapshot(), &source), Code::InvalidId)),
        ["groupId"]
    );
    let source = Context {
        source_group_id: Some(GROUP.into()),
        ..ctx()
    };
    assert_eq!(validate(&http_snapshot(), &source), vec![]);
}

#[test]
fn cluster_names_follow_the_api_pattern() {
    for bad in ["-Cluster", "Cluster_0", "Cluster 0", "Clüster"] {
        let d = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterName, bad);
        assert_eq!(codes(&validate(&d, &ctx())), ["INVALID_CLUSTER_NAME"], "{bad}");
    }
    for good in ["Cluster0", "0-prod-eu", "a"] {
        let d = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterName, good);
        assert_eq!(validate(&d, &ctx()), vec![], "{good}");
    }
    let source = Context {
        source_cluster_name: Some("bad name".into()),
        ..ctx()
    };
    assert_eq!(
        fields(find(&validate(&http_snapshot(), &source), Code::InvalidClusterName)),
        ["clusterName"]
    );
}

// ---- the source cluster's topology ----

#[test]
fn checkpoints_are_for_sharded_clusters_and_the_endpoint_declines_them() {
    let d = automated(Field::CheckpointId, CHECKPOINT);
    let replica = Context {
        source_cluster_type: Some(ClusterType::ReplicaSet),
        ..ctx()
    };
    let sharded = Context {
        source_cluster_type: Some(ClusterType::Sharded),
        ..ctx()
    };
    assert_eq!(codes(&validate(&d, &replica)), ["CHECKPOINT_NEEDS_SHARDED"]);
    let f = validate(&d, &sharded);
    assert_eq!(codes(&f), ["CHECKPOINT_OF_SHARDED_DECLINED"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(
        !codes(&validate(&automated(Field::SnapshotId, SNAP), &sharded)).contains(&"CHECKPOINT_OF_SHARDED_DECLINED")
    );
}

#[test]
fn oplog_and_point_in_time_are_for_replica_sets() {
    let sharded = Context {
        source_cluster_type: Some(ClusterType::Sharded),
        ..ctx()
    };
    let replica = Context {
        source_cluster_type: Some(ClusterType::ReplicaSet),
        ..ctx()
    };
    let pit = automated(Field::PointInTimeUtcMillis, "-1h");
    let oplog = automated(Field::OplogTs, "-1h").with(Field::OplogInc, "1");
    assert_eq!(
        fields(find(&validate(&pit, &sharded), Code::NeedsReplicaSet)),
        ["pointInTimeUTCMillis"]
    );
    assert_eq!(
        fields(find(&validate(&oplog, &sharded), Code::NeedsReplicaSet)),
        ["oplogTs", "oplogInc"]
    );
    assert_eq!(validate(&pit, &replica), vec![]);
    assert_eq!(validate(&oplog, &replica), vec![]);
}

// ---- target is the source ----

#[test]
fn restoring_onto_the_source_itself_is_warned() {
    let source = Context {
        source_group_id: Some(GROUP.into()),
        source_cluster_name: Some("Cluster1".into()),
        source_cluster_id: Some(CLUSTER_ID.into()),
        ..ctx()
    };
    let f = validate(&automated(Field::SnapshotId, SNAP), &source);
    assert_eq!(codes(&f), ["TARGET_IS_SOURCE"]);
    assert_eq!(f[0].severity, Severity::Warning);
    assert!(f[0].message.contains("erases"));
    let by_id = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, CLUSTER_ID);
    assert_eq!(codes(&validate(&by_id, &source)), ["TARGET_IS_SOURCE"]);
    let other = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterName, "Cluster2");
    assert_eq!(validate(&other, &source), vec![]);
    let other_project = automated(Field::SnapshotId, SNAP).with(Field::TargetGroupId, "5a66666887d9d61443b41646");
    assert_eq!(validate(&other_project, &source), vec![]);
}

// ---- wrong JSON types are findings on their field ----

#[test]
fn wrong_json_types_are_findings_not_crashes() {
    let cases = [
        (
            json!({"snapshotId": 5, "delivery": {"methodName": "HTTP"}}),
            "snapshotId",
        ),
        (
            json!({"snapshotId": SNAP, "delivery": {"methodName": {"x": 1}}}),
            "delivery.methodName",
        ),
        (
            json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "maxDownloads": "3"}}),
            "delivery.maxDownloads",
        ),
        (
            json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "expirationHours": 1.5}}),
            "delivery.expirationHours",
        ),
        (
            json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "expirationHours": [1]}}),
            "delivery.expirationHours",
        ),
        (
            json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "maxDownloads": true}}),
            "delivery.maxDownloads",
        ),
        (
            json!({"pointInTimeUTCMillis": "1795863600000", "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": GROUP, "targetClusterName": "c"}}),
            "pointInTimeUTCMillis",
        ),
    ];
    for (value, field) in cases {
        let f = body(value.clone(), &ctx());
        let wrong = find(&f, Code::WrongType);
        assert_eq!(fields(wrong), [field], "{value}");
        assert!(wrong.message.starts_with(field), "{}", wrong.message);
    }
    let not_object = body(json!({"snapshotId": SNAP, "delivery": "HTTP"}), &ctx());
    let wrong = find(&not_object, Code::WrongType);
    assert_eq!(fields(wrong), ["delivery.methodName"]);
    assert!(
        wrong.message.starts_with("delivery must be an object"),
        "{}",
        wrong.message
    );
    assert_eq!(codes(&body(json!([1, 2]), &ctx())), ["BODY_NOT_OBJECT"]);
    assert_eq!(codes(&body(json!("x"), &ctx())), ["BODY_NOT_OBJECT"]);
    // A whole number written as 48.0 is still a number.
    assert_eq!(
        body(
            json!({"snapshotId": SNAP, "delivery": {"methodName": "HTTP", "expirationHours": 48.0}}),
            &ctx()
        ),
        vec![]
    );
    // null is "not set".
    assert_eq!(
        body(
            json!({"snapshotId": SNAP, "checkpointId": null, "delivery": {"methodName": "HTTP"}}),
            &ctx()
        ),
        vec![]
    );
}

#[test]
fn unknown_and_response_only_fields_are_warned() {
    let f = body(
        json!({"checkPointId": CHECKPOINT, "snapshotId": SNAP, "statusName": "FINISHED", "delivery": {"methodName": "HTTP", "url": "https://x"}}),
        &ctx(),
    );
    assert_eq!(
        codes(&f),
        ["UNKNOWN_FIELD", "RESPONSE_ONLY_FIELD", "RESPONSE_ONLY_FIELD"]
    );
    assert!(f[0].message.contains("did you mean checkpointId"));
    assert!(f.iter().all(|x| x.severity == Severity::Warning));
    // An escape sequence in a key is escaped in the message.
    let f = body(
        json!({"\u{1b}[2J": 1, "snapshotId": SNAP, "delivery": {"methodName": "HTTP"}}),
        &ctx(),
    );
    assert!(!f[0].message.contains('\u{1b}'), "{:?}", f[0].message);
}

// ---- against what Atlas lists (the catalog) ----

fn listed(name: &str, id: &str, t: ClusterType) -> ListedCluster {
    ListedCluster {
        name: name.into(),
        id: Some(id.into()),
        cluster_type: Some(t),
    }
}

fn with_catalog(source_type: Option<ClusterType>, catalog: Catalog) -> Context {
    Context {
        source_group_id: Some(GROUP.into()),
        source_cluster_name: Some("Cluster0".into()),
        source_cluster_type: source_type,
        catalog,
        ..ctx()
    }
}

#[test]
fn a_snapshot_not_in_the_source_clusters_list_is_an_error_on_both_fields() {
    let other = with_catalog(
        None,
        Catalog {
            snapshots: Listing::Known(vec!["5a6669d9fcc178211a0d8600".into()].into()),
            ..Catalog::default()
        },
    );
    let f = validate(&http_snapshot(), &other);
    let wrong = find(&f, Code::SnapshotNotOfSource);
    assert_eq!(wrong.severity, Severity::Error);
    assert_eq!(fields(wrong), ["clusterName", "snapshotId"]);
    assert!(
        wrong.message.contains("is not one of Cluster0's 1 snapshots"),
        "{}",
        wrong.message
    );
    // Listed (any case): clean. Not asked: nothing said. Not fetched: a warning only.
    for (snapshots, expect) in [
        (Listing::Known(vec![SNAP.to_uppercase()].into()), vec![]),
        (Listing::NotAsked, vec![]),
        (
            Listing::Failed("503 Service Unavailable".into()),
            vec!["LIST_UNAVAILABLE"],
        ),
        (Listing::Absent, vec!["SOURCE_CLUSTER_NOT_FOUND"]),
    ] {
        let c = with_catalog(
            None,
            Catalog {
                snapshots,
                ..Catalog::default()
            },
        );
        assert_eq!(codes(&validate(&http_snapshot(), &c)), expect);
    }
    let failed = with_catalog(
        None,
        Catalog {
            snapshots: Listing::Failed("503".into()),
            ..Catalog::default()
        },
    );
    assert!(!has_errors(&validate(&http_snapshot(), &failed)));
}

#[test]
fn a_checkpoint_not_in_the_list_is_an_error_too() {
    let d = automated(Field::CheckpointId, CHECKPOINT);
    let c = with_catalog(
        Some(ClusterType::Sharded),
        Catalog {
            checkpoints: Listing::Known(vec![SNAP.into()].into()),
            ..Catalog::default()
        },
    );
    assert_eq!(
        fields(find(&validate(&d, &c), Code::CheckpointNotOfSource)),
        ["clusterName", "checkpointId"]
    );
}

#[test]
fn a_target_of_another_topology_or_one_not_listed_is_an_error() {
    let clusters = || {
        Listing::Known(
            vec![
                listed("Cluster1", CLUSTER_ID, ClusterType::ReplicaSet),
                listed("Shards1", "5a66689487d9d61443b46150", ClusterType::Sharded),
            ]
            .into(),
        )
    };
    let c = |t| {
        with_catalog(
            Some(t),
            Catalog {
                target_clusters: clusters(),
                ..Catalog::default()
            },
        )
    };
    // Sharded into a replica set, and the reverse, by name and by id.
    let d = automated(Field::SnapshotId, SNAP);
    let mismatch = find(&validate(&d, &c(ClusterType::Sharded)), Code::TopologyMismatch).clone();
    assert_eq!(fields(&mismatch), ["clusterName", "delivery.targetClusterName"]);
    assert!(
        mismatch
            .message
            .contains("Cluster0 is a sharded cluster and Cluster1 is a replica set"),
        "{}",
        mismatch.message
    );
    assert_eq!(validate(&d, &c(ClusterType::ReplicaSet)), vec![]);
    let by_id = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, "5a66689487d9d61443b46150");
    assert_eq!(
        fields(find(
            &validate(&by_id, &c(ClusterType::ReplicaSet)),
            Code::TopologyMismatch
        )),
        ["clusterName", "delivery.targetClusterId"]
    );
    // A name the project does not list; a project Atlas does not know.
    let missing = automated(Field::SnapshotId, SNAP).with(Field::TargetClusterName, "Cluster9");
    let f = validate(&missing, &c(ClusterType::ReplicaSet));
    let nf = find(&f, Code::TargetClusterNotFound);
    assert_eq!(fields(nf), ["delivery.targetGroupId", "delivery.targetClusterName"]);
    assert!(nf.message.contains("it has Cluster1, Shards1"), "{}", nf.message);
    let gone = with_catalog(
        None,
        Catalog {
            target_clusters: Listing::Absent,
            ..Catalog::default()
        },
    );
    assert_eq!(codes(&validate(&d, &gone)), ["TARGET_PROJECT_NOT_FOUND"]);
    // Unknown topology on either side: nothing invented.
    assert_eq!(
        validate(
            &d,
            &with_catalog(
                None,
                Catalog {
                    target_clusters: clusters(),
                    ..Catalog::default()
                }
            )
        ),
        vec![]
    );
}

#[test]
fn an_erase_is_confirmed_by_the_targets_name_also_when_the_request_gives_its_id() {
    let by_id = RestoreDraft::new()
        .with(Field::SnapshotId, SNAP)
        .with(Field::MethodName, "AUTOMATED_RESTORE")
        .with(Field::TargetGroupId, GROUP)
        .with(Field::TargetClusterId, CLUSTER_ID);
    let c = with_catalog(
        None,
        Catalog {
            target_clusters: Listing::Known(vec![listed("Staging0", CLUSTER_ID, ClusterType::ReplicaSet)].into()),
            ..Catalog::default()
        },
    );
    let request = build_request(&by_id, &c).unwrap();
    let erase = request.erase().unwrap();
    assert_eq!(erase.expected, "Staging0");
    assert_eq!(erase.label, "Staging0 (5a66...6149)");
    assert!(erase.accepts("Staging0") && !erase.accepts(CLUSTER_ID) && !erase.accepts("staging0"));
    assert_eq!(request.source.cluster_name, "Cluster0");
    // Without the list, only the id can be typed.
    let bare = with_catalog(None, Catalog::default());
    assert_eq!(
        build_request(&by_id, &bare).unwrap().erase().unwrap().expected,
        CLUSTER_ID
    );
    // A download erases nothing.
    assert!(build_request(&http_snapshot(), &bare).unwrap().erase().is_none());
    // No source, no request.
    assert!(build_request(&http_snapshot(), &ctx()).is_err());
}
