//! Two minds held against each other: the client's engine (`src/restore/`) and the simulated
//! server's own rules (`src/sim/rules/`), written apart from it from the API's documents.
//!
//! - (a) Every body the engine finds no error in and `build_body` encodes, the server takes:
//!   the body builder checked by an independent oracle.
//! - (b) Every body the server refuses, the engine flags with an error: the client refuses
//!   what Atlas refuses, so the dashboard never sends a request bound to fail.
//! - (c) Where the engine's error is a documented rule of the API (not one of its own extra
//!   cautions), the server refuses too: the server is no pushover either.
//!
//! The engine may be stricter than the server, which (b) allows and (c) is scoped for:
//! it reads Atlas's numbers as JSON numbers only (the server also takes `"1"`, as Atlas's
//! JSON reader plausibly does), wants `oplogTs` and `expires` in UTC (the server takes any
//! offset), refuses an `oplogInc` of `1.0`, and guesses units (a `pointInTimeUTCMillis`
//! that "looks like seconds", an `oplogTs` that "looks like milliseconds").
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    ApiVersion, ClusterType, Code, Context, Field, Finding, Flavor, RestorableRange, RestoreDraft, build_body, validate,
};
use atlas_restore::sim::rules::{Server, refusal};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;
const HOUR_MS: i64 = 3_600_000;
const GROUP: &str = "5f8e2a1c9d4b7e0012c3a4b5";

/// The engine's errors that stand for a rule the API documents (api.md §1, ops-manager.md),
/// which the server must refuse too. Left out, as the engine's own extra cautions:
/// `WRONG_TYPE` (the server's reader coerces numbers and numeric strings), `OPLOG_TS_INVALID`
/// (unit guesses; UTC only), `OPLOG_INC_INVALID` (`1.0`), `EXPIRES_INVALID` (UTC only).
const DOCUMENTED: [Code; 26] = [
    Code::BodyNotObject,
    Code::MethodNameMissing,
    Code::MethodNameInvalid,
    Code::RestorePointMissing,
    Code::RestorePointConflict,
    Code::OplogPairIncomplete,
    Code::OplogTsInFuture,
    Code::RequiresAutomatedRestore,
    Code::TargetNotForHttp,
    Code::TargetGroupMissing,
    Code::TargetClusterMissing,
    Code::TargetClusterAmbiguous,
    Code::InvalidId,
    Code::InvalidClusterName,
    Code::NumberOutOfRange,
    Code::PointInTimeBeforeMinimum,
    Code::PointInTimeInSeconds,
    Code::PointInTimeInMicroseconds,
    Code::PointInTimeInFuture,
    Code::PointInTimeOutsideWindow,
    Code::PointInTimeOutsideRanges,
    Code::CheckpointNeedsSharded,
    Code::NeedsReplicaSet,
    Code::TargetClusterByIdOnly,
    Code::ExpiresConflict,
    Code::MaxDownloadsRequired,
];

/// One create as both minds see it: the server's knowledge and the engine's context, alike.
#[derive(Debug, Clone)]
struct Scene {
    server: Server,
    ctx: Context,
}

fn scene() -> impl Strategy<Value = Scene> {
    (
        prop_oneof![
            Just(Flavor::Atlas),
            Just(Flavor::CloudManager),
            Just(Flavor::OpsManager)
        ],
        prop_oneof![Just(ApiVersion::V1), Just(ApiVersion::V2)],
        prop_oneof![Just(ClusterType::ReplicaSet), Just(ClusterType::Sharded)],
        // Now, to the millisecond: the edges of windows fall between seconds too.
        prop_oneof![Just(NOW_MS), NOW_MS - 400 * 24 * HOUR_MS..NOW_MS + 400 * 24 * HOUR_MS],
        proptest::option::of(proptest::collection::vec((0..60 * HOUR_MS, 0..20 * HOUR_MS), 0..4)),
    )
        .prop_map(|(flavor, api, source, now_ms, ranges)| {
            // Cloud and Ops Manager have v1.0 alone; only they answer restorable ranges.
            let api = if flavor == Flavor::Atlas { api } else { ApiVersion::V1 };
            let ranges: Option<Vec<(i64, i64)>> = ranges.filter(|_| flavor.is_public_api()).map(|rs| {
                rs.into_iter()
                    .map(|(ago, len)| (now_ms - ago, (now_ms - ago + len).min(now_ms)))
                    .collect()
            });
            Scene {
                server: Server {
                    flavor,
                    api,
                    now_ms,
                    source,
                    restorable_ranges: ranges.as_ref().map(|rs| rs.iter().map(|(s, e)| *s..=*e).collect()),
                },
                ctx: Context {
                    now_ms,
                    api,
                    flavor,
                    restorable_ranges: ranges.map(|rs| {
                        rs.into_iter()
                            .map(|(start_ms, end_ms)| RestorableRange {
                                start_ms,
                                end_ms,
                                snapshot_id: None,
                            })
                            .collect()
                    }),
                    source_cluster_type: Some(source),
                    source_group_id: Some(GROUP.into()),
                    source_cluster_name: Some("Cluster0".into()),
                    source_cluster_id: None,
                    catalog: Default::default(),
                },
            }
        })
}

// ---- drafts as typed into the form, for (a) ----

fn typed_text() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        "[0-9a-f]{24}",
        "[0-9a-fA-F]{20,26}",
        "[A-Za-z0-9][A-Za-z0-9-]{0,12}",
        Just("HTTP".to_string()),
        Just("AUTOMATED_RESTORE".to_string()),
        (-5i64..5_000_000_000).prop_map(|n| n.to_string()),
        (NOW_MS - 100_000_000..NOW_MS + 100_000_000).prop_map(|n| n.to_string()),
        ((NOW_MS / 1000) - 100_000..(NOW_MS / 1000) + 10).prop_map(|n| n.to_string()),
        (1u32..2000).prop_map(|n| format!("-{n}m")),
        (1u32..60).prop_map(|n| format!("{n}h ago")),
        Just("2026-11-28T09:30Z".to_string()),
        Just("2026-11-30T09:30:00Z".to_string()),
        Just("2026-11-28 11:59:59.500".to_string()),
        Just("now".to_string()),
        Just(GROUP.to_string()),
        Just("Staging0".to_string()),
    ]
}

fn typed_draft() -> impl Strategy<Value = RestoreDraft> {
    proptest::collection::vec(proptest::option::weighted(0.4, typed_text()), Field::BODY.len()).prop_map(|values| {
        let mut d = RestoreDraft::new();
        for (field, value) in Field::BODY.iter().copied().zip(values) {
            if let Some(text) = value {
                d.set(field, &text);
            }
        }
        d
    })
}

// ---- raw JSON bodies, for (b) and (c) ----

fn object_id() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => "[0-9a-f]{24}".prop_map(Value::from),
        1 => "[0-9a-fA-F]{23,25}".prop_map(Value::from),
        1 => Just(json!("")),
        1 => Just(json!(123_456)),
    ]
    .boxed()
}

fn whole(lo: i64, hi: i64) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (lo..hi).prop_map(Value::from),
        2 => (lo..hi).prop_map(|n| Value::from(n.to_string())),
        1 => (lo..hi).prop_map(|n| Value::from(format!(" {n} "))),
        1 => (lo..hi).prop_map(|n| json!(n as f64)),
        1 => (lo..hi).prop_map(|n| json!(n as f64 + 0.5)),
        1 => Just(json!(2_147_483_647)),
        1 => Just(json!(2_147_483_648_i64)),
        1 => Just(json!("4294967295")),
        1 => Just(json!(true)),
        1 => Just(json!("x")),
    ]
    .boxed()
}

fn epoch_secs_around(now_secs: i64) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (now_secs - 3 * 24 * 3600..now_secs + 5).prop_map(|s| Value::from(s.to_string())),
        2 => (now_secs - 3 * 24 * 3600..now_secs + 5).prop_map(Value::from),
        1 => (now_secs - 3 * 24 * 3600..now_secs).prop_map(|s| Value::from((s * 1000).to_string())),
        1 => (now_secs - 3 * 24 * 3600..now_secs).prop_map(|s| Value::from(iso(s * 1000))),
        1 => (now_secs - 3 * 24 * 3600..now_secs).prop_map(|s| Value::from(format!("{}.250Z", &iso(s * 1000)[..19]))),
        1 => (now_secs - 3 * 24 * 3600..now_secs).prop_map(|s| Value::from(format!("{}+01:00", &iso(s * 1000 + HOUR_MS)[..19]))),
        // Now's own second, with its milliseconds, and the one after.
        1 => Just(Value::from(iso(now_secs * 1000 + 999))),
        1 => Just(Value::from((now_secs + 1).to_string())),
        1 => Just(json!("0")),
        1 => Just(json!("-5")),
        1 => Just(json!({})),
    ]
    .boxed()
}

fn millis_around(now_ms: i64) -> BoxedStrategy<Value> {
    prop_oneof![
        4 => (now_ms - 30 * HOUR_MS..now_ms + 10_000).prop_map(Value::from),
        1 => (now_ms - 30 * HOUR_MS..now_ms).prop_map(|ms| Value::from(ms.to_string())),
        1 => (now_ms - 30 * HOUR_MS..now_ms).prop_map(|ms| json!(ms as f64)),
        1 => (now_ms - 30 * HOUR_MS..now_ms).prop_map(|ms| Value::from(ms / 1000)),
        1 => (now_ms - 30 * HOUR_MS..now_ms).prop_map(|ms| Value::from(ms * 1000)),
        // The window's edges, to the millisecond.
        1 => prop_oneof![
            Just(now_ms),
            Just(now_ms + 1),
            Just(now_ms - 24 * HOUR_MS),
            Just(now_ms - 24 * HOUR_MS - 1)
        ]
        .prop_map(Value::from),
        1 => Just(json!(1_199_145_599_999_i64)),
        1 => Just(json!(1_199_145_600_000_i64)),
        1 => Just(json!(-1)),
    ]
    .boxed()
}

fn date_time_around(now_ms: i64) -> BoxedStrategy<Value> {
    prop_oneof![
        3 => (now_ms - 10 * HOUR_MS..now_ms + 100 * HOUR_MS).prop_map(|ms| Value::from(iso(ms))),
        1 => (now_ms..now_ms + 100 * HOUR_MS).prop_map(|ms| Value::from(format!("{}-05:00", &iso(ms - 5 * HOUR_MS)[..19]))),
        1 => prop_oneof![Just(now_ms), Just(now_ms + 1)].prop_map(|ms| Value::from(iso(ms))),
        1 => Just(json!("tomorrow")),
        1 => Just(json!(1)),
    ]
    .boxed()
}

fn method() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => Just(json!("HTTP")),
        4 => Just(json!("AUTOMATED_RESTORE")),
        1 => Just(json!("SCP")),
        1 => Just(json!("http")),
        1 => Just(json!(1)),
    ]
    .boxed()
}

fn cluster_name() -> BoxedStrategy<Value> {
    prop_oneof![
        4 => "[A-Za-z0-9][A-Za-z0-9-]{0,12}".prop_map(Value::from),
        1 => Just(json!("-staging")),
        1 => Just(json!("")),
        1 => Just(json!("Stag ing")),
        1 => Just(json!(7)),
    ]
    .boxed()
}

/// Any JSON leaf: what a field may hold when it holds nonsense.
fn junk() -> BoxedStrategy<Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        any::<String>().prop_map(Value::from),
        Just(json!([])),
    ]
    .boxed()
}

fn maybe(weight: f64, v: BoxedStrategy<Value>) -> BoxedStrategy<Option<Value>> {
    proptest::option::weighted(weight, prop_oneof![9 => v, 1 => junk()]).boxed()
}

/// A body shaped like a restore request, with each field present or not, well or badly
/// formed, at random: mostly refused, which tries every refusal.
fn noisy_body(now_ms: i64) -> impl Strategy<Value = Value> {
    let top = (
        maybe(0.5, object_id()),
        maybe(0.15, object_id()),
        maybe(0.25, epoch_secs_around(now_ms / 1000)),
        maybe(0.25, whole(-2, 5)),
        maybe(0.25, millis_around(now_ms)),
        prop_oneof![Just(None), Just(Some(json!(1))), Just(Some(json!({"id": "x"})))],
    );
    let delivery = (
        maybe(0.95, method()),
        maybe(0.3, whole(-1, 100)),
        maybe(0.4, whole(-1, 5)),
        maybe(0.4, prop_oneof![Just(json!(GROUP)), object_id()].boxed()),
        maybe(0.4, prop_oneof![Just(json!("Staging0")), cluster_name()].boxed()),
        maybe(0.3, object_id()),
        maybe(0.2, date_time_around(now_ms)),
        maybe(0.05, "[a-z]{1,6}".prop_map(Value::from).boxed()),
    );
    let shape = prop_oneof![20 => Just(0u8), 1 => Just(1), 1 => Just(2), 1 => Just(3)];
    (top, delivery, shape).prop_map(|(top, delivery, shape)| {
        let (snapshot, checkpoint, ts, inc, pit, extra) = top;
        let (method, hours, downloads, group, name, id, expires, unknown) = delivery;
        let mut d = Map::new();
        for (key, v) in [
            ("methodName", method),
            ("expirationHours", hours),
            ("maxDownloads", downloads),
            ("targetGroupId", group),
            ("targetClusterName", name),
            ("targetClusterId", id),
            ("expires", expires),
            ("urlV2", unknown),
        ] {
            if let Some(v) = v {
                d.insert(key.into(), v);
            }
        }
        let mut b = Map::new();
        for (key, v) in [
            ("snapshotId", snapshot),
            ("checkpointId", checkpoint),
            ("oplogTs", ts),
            ("oplogInc", inc),
            ("pointInTimeUTCMillis", pit),
            ("extra", extra),
        ] {
            if let Some(v) = v {
                b.insert(key.into(), v);
            }
        }
        match shape {
            0 => {
                b.insert("delivery".into(), Value::Object(d));
            }
            1 => {
                b.insert("delivery".into(), Value::Null);
            }
            2 => {
                b.insert("delivery".into(), json!("HTTP"));
            }
            _ => return Value::Array(vec![Value::Object(b)]),
        }
        Value::Object(b)
    })
}

/// A value right for the scene most of the time, an edge case or nonsense otherwise.
fn good_or(good: BoxedStrategy<Value>, edgy: BoxedStrategy<Value>) -> BoxedStrategy<Value> {
    prop_oneof![8 => good, 1 => edgy].boxed()
}

/// A request as a client would write it for the scene: one restore point, a method and
/// what it needs, in the scene's encoding; then, now and then, one thing wrong or extra.
/// About half are valid, which is where the two minds can disagree.
fn shaped_body(s: &Scene) -> BoxedStrategy<Value> {
    let (now_ms, api, public) = (s.server.now_ms, s.server.api, s.server.flavor.is_public_api());
    let now_secs = now_ms.div_euclid(1000);
    let ts_good = match api {
        ApiVersion::V1 => prop_oneof![
            3 => (now_secs - 3 * 24 * 3600..=now_secs).prop_map(|t| Value::from(t.to_string())),
            1 => (now_secs - 3 * 24 * 3600..=now_secs).prop_map(Value::from),
        ]
        .boxed(),
        ApiVersion::V2 => (now_secs - 3 * 24 * 3600..=now_secs)
            .prop_map(|t| Value::from(iso(t * 1000)))
            .boxed(),
    };
    let inc_good = match api {
        ApiVersion::V1 => prop_oneof![3 => (1i64..100).prop_map(|n| Value::from(n.to_string())), 1 => (1i64..100).prop_map(Value::from)].boxed(),
        ApiVersion::V2 => (1i64..100).prop_map(Value::from).boxed(),
    };
    // Inside the ranges (or the 24 hours) mostly; out of them sometimes.
    let pit_good = match &s.server.restorable_ranges {
        Some(rs) if !rs.is_empty() => {
            let picks: Vec<BoxedStrategy<Value>> = rs
                .iter()
                .map(|r| (*r.start()..=*r.end()).prop_map(Value::from).boxed())
                .collect();
            prop_oneof![3 => proptest::strategy::Union::new(picks), 1 => (now_ms - 72 * HOUR_MS..=now_ms).prop_map(Value::from)].boxed()
        }
        _ => prop_oneof![
            3 => (now_ms - 24 * HOUR_MS..=now_ms).prop_map(Value::from),
            1 => (now_ms - 72 * HOUR_MS..=now_ms).prop_map(Value::from),
        ]
        .boxed(),
    };
    let positive =
        prop_oneof![3 => (1i64..200).prop_map(Value::from), 1 => (1i64..200).prop_map(|n| Value::from(n.to_string()))]
            .boxed();
    let fields = (
        good_or("[0-9a-f]{24}".prop_map(Value::from).boxed(), object_id()),
        good_or("[0-9a-f]{24}".prop_map(Value::from).boxed(), object_id()),
        good_or(ts_good, epoch_secs_around(now_secs)),
        good_or(inc_good, whole(-2, 5)),
        good_or(pit_good, millis_around(now_ms)),
        good_or(positive.clone(), whole(-1, 100)),
        good_or(positive, whole(-1, 5)),
        good_or(Just(json!(GROUP)).boxed(), object_id()),
        good_or(
            "[A-Za-z0-9][A-Za-z0-9-]{0,12}".prop_map(Value::from).boxed(),
            cluster_name(),
        ),
        good_or("[0-9a-f]{24}".prop_map(Value::from).boxed(), object_id()),
        good_or(
            (now_ms + 1000..now_ms + 100 * HOUR_MS)
                .prop_map(|ms| Value::from(iso(ms)))
                .boxed(),
            date_time_around(now_ms),
        ),
    );
    // The restore point, the method, how the target is named, the link's fields, and one
    // slip (0: none).
    let choices = (
        0u8..6,
        prop_oneof![5 => Just(0u8), 5 => Just(1), 1 => Just(2), 1 => Just(3)],
        prop_oneof![4 => Just(0u8), 4 => Just(1), 1 => Just(2), 1 => Just(3)],
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![6 => Just(0u8), 1 => 1u8..8],
    );
    (fields, choices)
        .prop_map(move |(f, (point, method, by, (hours, downloads, expires), slip))| {
            let (snapshot, checkpoint, ts, inc, pit, h, dl, group, name, id, exp) = f;
            let mut b = Map::new();
            match point {
                0 => drop(b.insert("snapshotId".into(), snapshot.clone())),
                1 => drop(b.insert("checkpointId".into(), checkpoint)),
                2 => {
                    b.insert("oplogTs".into(), ts);
                    b.insert("oplogInc".into(), inc);
                }
                3 => drop(b.insert("pointInTimeUTCMillis".into(), pit)),
                4 => {}
                _ => {
                    b.insert("snapshotId".into(), snapshot.clone());
                    b.insert("pointInTimeUTCMillis".into(), pit);
                }
            }
            let mut d = Map::new();
            let automated = method == 1;
            match method {
                0 => drop(d.insert("methodName".into(), json!("HTTP"))),
                1 => drop(d.insert("methodName".into(), json!("AUTOMATED_RESTORE"))),
                2 => drop(d.insert("methodName".into(), json!("SCP"))),
                _ => {}
            }
            if automated || slip == 1 {
                d.insert("targetGroupId".into(), group);
                // Cloud and Ops Manager by id; Atlas either way, or both, or neither.
                match (public, by) {
                    (true, 0..=2) | (false, 1) => drop(d.insert("targetClusterId".into(), id)),
                    (false, 0) => drop(d.insert("targetClusterName".into(), name)),
                    (_, 3) => {}
                    _ => {
                        d.insert("targetClusterName".into(), name);
                        d.insert("targetClusterId".into(), id);
                    }
                }
            }
            // A download in Cloud and Ops Manager nearly always says how many times.
            if hours {
                d.insert("expirationHours".into(), h);
            }
            if downloads || (public && !automated && slip != 2) {
                d.insert("maxDownloads".into(), dl);
            }
            if expires && (public || slip == 3) && !(hours && slip != 4) {
                d.insert("expires".into(), exp);
            }
            match slip {
                5 => drop(d.remove("targetGroupId")),
                6 => drop(b.insert("oplogInc".into(), json!("1"))),
                7 => drop(b.insert("snapshotId".into(), snapshot)),
                _ => {}
            }
            b.insert("delivery".into(), Value::Object(d));
            Value::Object(b)
        })
        .boxed()
}

fn scene_and_body() -> impl Strategy<Value = (Scene, Value)> {
    scene().prop_flat_map(|s| {
        let body = prop_oneof![3 => shaped_body(&s), 1 => noisy_body(s.server.now_ms).boxed()];
        (Just(s), body)
    })
}

fn iso(ms: i64) -> String {
    atlas_restore::restore::time_input::format_utc_ms(ms)
}

fn errors(d: &RestoreDraft, ctx: &Context) -> Vec<Finding> {
    validate(d, ctx).into_iter().filter(Finding::is_error).collect()
}

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(default)
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: cases(3000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// (a) What the engine finds valid and encodes, the server takes.
    #[test]
    fn the_server_takes_every_body_the_engine_builds(d in typed_draft(), s in scene()) {
        if !errors(&d, &s.ctx).is_empty() {
            return Ok(());
        }
        let body = build_body(&d, &s.ctx).expect("no errors, so a body");
        let bytes = serde_json::to_vec(&body).unwrap();
        let refused = refusal(&bytes, &s.server);
        prop_assert!(refused.is_none(), "the engine built {body} and the server refused it: {refused:#?}\nin {s:#?}");
    }

    /// (a) again, for bodies that came as JSON: read, found valid, built again, taken.
    #[test]
    fn the_server_takes_the_engines_rebuild_of_a_valid_body((s, raw) in scene_and_body()) {
        let d = RestoreDraft::from_json(&raw);
        if !errors(&d, &s.ctx).is_empty() {
            return Ok(());
        }
        let body = build_body(&d, &s.ctx).expect("no errors, so a body");
        let bytes = serde_json::to_vec(&body).unwrap();
        let refused = refusal(&bytes, &s.server);
        prop_assert!(refused.is_none(), "{raw} was rebuilt as {body}, which the server refused: {refused:#?}\nin {s:#?}");
    }

    /// (b) What the server refuses, the engine flags with an error.
    #[test]
    fn the_engine_flags_every_body_the_server_refuses((s, body) in scene_and_body()) {
        let bytes = serde_json::to_vec(&body).unwrap();
        if let Some(refused) = refusal(&bytes, &s.server) {
            let flagged = errors(&RestoreDraft::from_json(&body), &s.ctx);
            prop_assert!(
                !flagged.is_empty(),
                "the server refused {body} ({}: {}), the engine found no error; in {s:#?}",
                refused.error_code(),
                refused.detail()
            );
        }
    }

    /// (c) Where the engine's error is a documented rule, the server refuses too.
    #[test]
    fn the_server_refuses_what_the_documents_forbid((s, body) in scene_and_body()) {
        let flagged = errors(&RestoreDraft::from_json(&body), &s.ctx);
        let documented: Vec<&Finding> = flagged.iter().filter(|f| DOCUMENTED.contains(&f.code)).collect();
        if !documented.is_empty() {
            let bytes = serde_json::to_vec(&body).unwrap();
            prop_assert!(
                refusal(&bytes, &s.server).is_some(),
                "the engine flags {body} with {documented:#?}, and the server took it; in {s:#?}"
            );
        }
    }
}
