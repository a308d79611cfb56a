//! Each documented refusal, with its code and the field it names; and what is taken.

use super::*;
use serde_json::json;

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const ID: &str = "5f8e2a1c9d4b7e0012c3a4b5";

fn server(flavor: Flavor, api: ApiVersion, source: ClusterType) -> Server {
    Server {
        flavor,
        api,
        now_ms: NOW_MS,
        source,
        restorable_ranges: None,
    }
}

fn atlas() -> Server {
    server(Flavor::Atlas, ApiVersion::V1, ClusterType::ReplicaSet)
}

fn refused(body: Value, server: &Server) -> (&'static str, Vec<&'static str>) {
    let text = body.to_string();
    let r = refusal(text.as_bytes(), server).unwrap_or_else(|| panic!("{body} was taken"));
    (r.error_code(), r.fields())
}

fn taken(body: Value, server: &Server) -> Requested {
    let text = body.to_string();
    read(text.as_bytes(), server).unwrap_or_else(|r| panic!("{body} was refused: {r:#?}"))
}

fn automated() -> Value {
    json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterName": "Staging0"})
}

#[test]
fn one_restore_point_is_needed_and_only_one() {
    let http = json!({"methodName": "HTTP"});
    assert_eq!(
        refused(json!({"delivery": http}), &atlas()),
        ("MISSING_ATTRIBUTE", vec!["snapshotId"])
    );
    let two = json!({"snapshotId": ID, "pointInTimeUTCMillis": NOW_MS - 60_000, "delivery": automated()});
    assert_eq!(
        refused(two, &atlas()),
        ("INVALID_ATTRIBUTE", vec!["pointInTimeUTCMillis"])
    );
    // null says "not sent".
    let snap = taken(
        json!({"snapshotId": ID, "checkpointId": null, "delivery": http}),
        &atlas(),
    );
    assert_eq!(snap.point, Point::Snapshot(ID.into()));
}

#[test]
fn the_oplog_pair_comes_together_in_each_versions_encoding() {
    let v1 = atlas();
    let v2 = server(Flavor::Atlas, ApiVersion::V2, ClusterType::ReplicaSet);
    let only_ts = json!({"oplogTs": "1795863600", "delivery": automated()});
    assert_eq!(refused(only_ts, &v1), ("MISSING_ATTRIBUTE", vec!["oplogInc"]));
    let oplog = |ts: Value, inc: Value| json!({"oplogTs": ts, "oplogInc": inc, "delivery": automated()});
    let want = Point::Oplog {
        ts_secs: 1_795_863_600,
        inc: 2,
    };
    // v1.0: epoch seconds, strings as documented, numbers read too.
    assert_eq!(taken(oplog(json!("1795863600"), json!("2")), &v1).point, want);
    assert_eq!(taken(oplog(json!(1_795_863_600), json!(2)), &v1).point, want);
    // v2: an ISO-8601 date-time and an integer; any offset.
    assert_eq!(taken(oplog(json!("2026-11-28T11:00:00Z"), json!(2)), &v2).point, want);
    assert_eq!(
        taken(oplog(json!("2026-11-28T12:00:00+01:00"), json!("2")), &v2).point,
        want
    );
    // Each version's encoding in the other is refused, naming oplogTs.
    assert_eq!(
        refused(oplog(json!("2026-11-28T11:00:00Z"), json!("2")), &v1).1,
        ["oplogTs"]
    );
    assert_eq!(refused(oplog(json!("1795863600"), json!(2)), &v2).1, ["oplogTs"]);
    // The future is not in the oplog; oplogInc is an int32 of at least 1.
    assert_eq!(refused(oplog(json!("1795867201"), json!("1")), &v1).1, ["oplogTs"]);
    for bad in [json!(0), json!("-1"), json!(2_147_483_648_i64), json!(1.5)] {
        assert_eq!(
            refused(oplog(json!("1795863600"), bad.clone()), &v1).1,
            ["oplogInc"],
            "{bad}"
        );
    }
}

#[test]
fn moments_and_checkpoints_need_an_automated_restore() {
    let body = json!({"pointInTimeUTCMillis": NOW_MS - 60_000, "delivery": {"methodName": "HTTP"}});
    assert_eq!(
        refused(body, &atlas()),
        ("INVALID_ATTRIBUTE", vec!["pointInTimeUTCMillis"])
    );
    let sharded = server(Flavor::Atlas, ApiVersion::V1, ClusterType::Sharded);
    let body = json!({"checkpointId": ID, "delivery": {"methodName": "HTTP"}});
    assert_eq!(refused(body, &sharded).1, ["checkpointId"]);
}

#[test]
fn a_download_names_no_target_and_an_automated_restore_names_one() {
    let body = json!({"snapshotId": ID, "delivery": {"methodName": "HTTP", "targetGroupId": ID}});
    assert_eq!(
        refused(body, &atlas()),
        ("INVALID_ATTRIBUTE", vec!["delivery.targetGroupId"])
    );
    let body = json!({"snapshotId": ID, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetClusterName": "S"}});
    assert_eq!(
        refused(body, &atlas()),
        ("MISSING_ATTRIBUTE", vec!["delivery.targetGroupId"])
    );
    let body = json!({"snapshotId": ID, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID}});
    assert_eq!(
        refused(body, &atlas()),
        ("MISSING_ATTRIBUTE", vec!["delivery.targetClusterName"])
    );
    let both = json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterName": "S", "targetClusterId": ID});
    assert_eq!(
        refused(json!({"snapshotId": ID, "delivery": both}), &atlas()).1,
        ["delivery.targetClusterId"]
    );
    let by_id = json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterId": ID});
    let got = taken(json!({"snapshotId": ID, "delivery": by_id}), &atlas());
    assert_eq!(
        got.method,
        Method::Automated {
            target_group_id: ID.into(),
            target: TargetCluster::Id(ID.into())
        }
    );
}

#[test]
fn ids_names_and_methods_have_their_forms() {
    let body = json!({"snapshotId": "5F8E2A1C9D4B7E0012C3A4B5", "delivery": {"methodName": "HTTP"}});
    assert_eq!(refused(body, &atlas()), ("INVALID_ATTRIBUTE", vec!["snapshotId"]));
    let mut bad_name = automated();
    bad_name["targetClusterName"] = json!("-staging");
    let body = json!({"snapshotId": ID, "delivery": bad_name});
    assert_eq!(refused(body, &atlas()).1, ["delivery.targetClusterName"]);
    for method in [json!("SCP"), json!("http"), json!("QUERY"), json!(1)] {
        let body = json!({"snapshotId": ID, "delivery": {"methodName": method}});
        assert_eq!(
            refused(body, &atlas()),
            ("UNSUPPORTED_DELIVERY_METHOD", vec!["delivery.methodName"]),
            "{method}"
        );
    }
    assert_eq!(
        refused(json!({"snapshotId": ID}), &atlas()),
        ("MISSING_ATTRIBUTE", vec!["delivery.methodName"])
    );
    assert_eq!(refused(json!([1]), &atlas()), ("INVALID_JSON", vec!["body"]));
    let r = refusal(b"{\"snapshotId\": ", &atlas()).map(|r| r.error_code());
    assert_eq!(r, Some("INVALID_JSON"));
}

#[test]
fn link_limits_are_positive_int32s_quoted_or_not() {
    let http = |hours: Value| json!({"snapshotId": ID, "delivery": {"methodName": "HTTP", "expirationHours": hours}});
    for good in [json!(1), json!("48"), json!(2_147_483_647), json!(2.0)] {
        taken(http(good), &atlas());
    }
    for bad in [json!(0), json!(-3), json!(2_147_483_648_i64), json!("1h"), json!(true)] {
        assert_eq!(
            refused(http(bad.clone()), &atlas()).1,
            ["delivery.expirationHours"],
            "{bad}"
        );
    }
}

#[test]
fn a_point_in_time_is_after_2008_not_ahead_and_within_a_day() {
    let pit = |ms: i64| json!({"pointInTimeUTCMillis": ms, "delivery": automated()});
    taken(pit(NOW_MS - POINT_IN_TIME_WINDOW_MS), &atlas());
    taken(pit(NOW_MS), &atlas());
    for bad in [NOW_MS / 1000, NOW_MS + 1, NOW_MS - POINT_IN_TIME_WINDOW_MS - 1] {
        assert_eq!(refused(pit(bad), &atlas()).1, ["pointInTimeUTCMillis"], "{bad}");
    }
    // A sharded source has no moments in Atlas; Ops Manager's has, and no 24-hour window.
    let sharded = server(Flavor::Atlas, ApiVersion::V1, ClusterType::Sharded);
    assert_eq!(refused(pit(NOW_MS - 60_000), &sharded).1, ["pointInTimeUTCMillis"]);
    let om = |source| server(Flavor::OpsManager, ApiVersion::V1, source);
    let om_body = |ms: i64| json!({"pointInTimeUTCMillis": ms, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterId": ID}});
    taken(om_body(NOW_MS - 3 * POINT_IN_TIME_WINDOW_MS), &om(ClusterType::Sharded));
}

#[test]
fn restorable_ranges_decide_where_they_are_answered() {
    let hour = 3_600_000;
    let cm = Server {
        restorable_ranges: Some(vec![
            NOW_MS - 20 * hour..=NOW_MS - 10 * hour,
            NOW_MS - 5 * hour..=NOW_MS - hour,
        ]),
        ..server(Flavor::CloudManager, ApiVersion::V1, ClusterType::ReplicaSet)
    };
    let pit = |ms: i64| json!({"pointInTimeUTCMillis": ms, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterId": ID}});
    taken(pit(NOW_MS - 15 * hour), &cm);
    // After the newest range: the oplog still being read.
    taken(pit(NOW_MS - hour / 2), &cm);
    for outside in [NOW_MS - 21 * hour, NOW_MS - 7 * hour] {
        assert_eq!(refused(pit(outside), &cm).1, ["pointInTimeUTCMillis"]);
    }
    let none = Server {
        restorable_ranges: Some(Vec::new()),
        ..cm
    };
    assert_eq!(refused(pit(NOW_MS - hour), &none).1, ["pointInTimeUTCMillis"]);
}

#[test]
fn cloud_and_ops_manager_have_rules_of_their_own() {
    for flavor in [Flavor::CloudManager, Flavor::OpsManager] {
        let s = server(flavor, ApiVersion::V1, ClusterType::ReplicaSet);
        let http = |d: Value| json!({"snapshotId": ID, "delivery": d});
        assert_eq!(
            refused(http(json!({"methodName": "HTTP"})), &s),
            ("MISSING_ATTRIBUTE", vec!["delivery.maxDownloads"])
        );
        let both =
            json!({"methodName": "HTTP", "maxDownloads": "1", "expirationHours": 1, "expires": "2026-11-29T00:00:00Z"});
        assert_eq!(refused(http(both), &s).1, ["delivery.expires"]);
        let past = json!({"methodName": "HTTP", "maxDownloads": 1, "expires": "2026-11-27T00:00:00Z"});
        assert_eq!(refused(http(past), &s).1, ["delivery.expires"]);
        let fine = json!({"methodName": "HTTP", "maxDownloads": "1", "expires": "2026-11-29T00:00:00Z"});
        assert!(matches!(
            taken(http(fine), &s).method,
            Method::Download {
                max_downloads: Some(1),
                expires_ms: Some(_),
                ..
            }
        ));
        let by_name = json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID, "targetClusterName": "Staging0"});
        assert_eq!(
            refused(http(by_name), &s),
            ("INVALID_ATTRIBUTE", vec!["delivery.targetClusterName"])
        );
        let no_id = json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": ID});
        assert_eq!(
            refused(http(no_id), &s),
            ("MISSING_ATTRIBUTE", vec!["delivery.targetClusterId"])
        );
    }
    // Atlas sets `expires` in answers and ignores it in a request.
    let ignored = json!({"snapshotId": ID, "delivery": {"methodName": "HTTP", "expires": "whenever"}});
    taken(ignored, &atlas());
}

#[test]
fn the_answer_names_the_first_rule_and_lists_all() {
    let body = json!({"snapshotId": "nope", "oplogInc": "1", "delivery": {"methodName": "HTTP"}});
    let text = body.to_string();
    let r = refusal(text.as_bytes(), &atlas()).unwrap_or_else(|| panic!("taken"));
    assert_eq!(r.error_code(), "INVALID_ATTRIBUTE");
    assert!(
        r.detail().starts_with("Invalid attribute snapshotId specified: "),
        "{}",
        r.detail()
    );
    assert_eq!(r.parameters(), vec![json!("snapshotId")]);
    assert_eq!(r.fields(), ["snapshotId", "oplogInc", "oplogTs"]);
}

/// The codes the documents give for a create, with their statuses (api.md §4's table).
/// `INVALID_JSON` is the one code not in api.md: Atlas's answer to a body its JSON reader
/// cannot take, kept as the simulator has always given it.
const DOCUMENTED_CODES: [(&str, u16); 11] = [
    ("INVALID_JSON", 400),
    ("MISSING_ATTRIBUTE", 400),
    ("INVALID_ATTRIBUTE", 400),
    ("UNSUPPORTED_DELIVERY_METHOD", 400),
    ("CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE", 400),
    ("BACKUP_CONFIG_NOT_FOUND", 404),
    ("SNAPSHOT_NOT_FOUND", 404),
    ("CHECKPOINT_NOT_FOUND", 404),
    ("GROUP_NOT_FOUND", 404),
    ("CLUSTER_NAME_NOT_FOUND", 404),
    ("CLUSTER_NOT_FOUND", 404),
];

#[test]
fn every_row_is_a_documented_code_with_its_status_and_its_source() {
    let rows: Vec<&Rule> = table().collect();
    assert_eq!(rows.len(), 48);
    for rule in rows {
        let status = DOCUMENTED_CODES.iter().find(|(c, _)| *c == rule.code).map(|(_, s)| *s);
        assert_eq!(status, Some(rule.status), "{rule:?}");
        assert!(
            !rule.fact.is_empty() && !rule.products.is_empty() && !rule.apis.is_empty(),
            "{rule:?}"
        );
        // A body row's detail names its field; a data row's names what it did not find.
        assert!(rule.detail.contains("{0}") || !rule.detail.contains('{') || rule.detail.contains("{why}"));
    }
    // v2 is Atlas's alone.
    for rule in table().filter(|r| r.apis == [ApiVersion::V2]) {
        assert_eq!(rule.products, [Flavor::Atlas], "{rule:?}");
    }
}

#[test]
fn a_detail_fills_in_the_parameters_and_the_case() {
    let rule = table().find(|r| r.code == "CLUSTER_NAME_NOT_FOUND").unwrap();
    let hit = Hit {
        field: "delivery.targetClusterName",
        parameters: vec![json!("Staging0"), json!(ID)],
        why: String::new(),
    };
    assert_eq!(
        rule.detail_for(&hit),
        format!("No cluster with name Staging0 exists in group {ID}.")
    );
    let hit = Hit::on("snapshotId", "it is short.");
    assert_eq!(
        Rule {
            detail: INVALID,
            ..*rule
        }
        .detail_for(&hit),
        "Invalid attribute snapshotId specified: it is short."
    );
}
