//! Properties of the engine over any input: no panic, and the builder and the validator
//! each held to an oracle of their own (`tests/support/oracle.rs`, written from the documents
//! alone): what the builder writes is a documented body in the version's encoding; what the
//! validator takes the documents take, and what the documents take as sent the validator
//! takes.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    ApiVersion, Catalog, ClusterType, Context, Field, Finding, Flavor, Items, ListedCluster, Listing, RestorableRange,
    RestoreDraft, build_body, has_errors, validate,
};
use oracle::{Reading, documented};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use crate::support::oracle;

/// 2026-11-28T12:00:00Z
const NOW_MS: i64 = 1_795_867_200_000;

fn field_text() -> impl Strategy<Value = String> {
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
        (1u32..200).prop_map(|n| format!("-{n}m")),
        (1u32..30).prop_map(|n| format!("{n}h ago")),
        Just("2026-11-28T09:30Z".to_string()),
        Just("2026-11-30T09:30:00Z".to_string()),
        Just("now".to_string()),
        Just(" ".to_string()),
        // What the catalogs below list, so that ids and names are found in them too.
        Just(LISTED_ID.to_string()),
        Just("Staging0".to_string()),
    ]
}

/// An id and a cluster the catalogs may list.
const LISTED_ID: &str = "5a6669d9fcc178211a0d86b9";

fn listing<T: Clone + std::fmt::Debug + 'static>(known: Vec<T>) -> impl Strategy<Value = Listing<Items<T>>> {
    prop_oneof![
        Just(Listing::NotAsked),
        Just(Listing::Failed("503".into())),
        Just(Listing::Absent),
        Just(Listing::Known(known.into())),
    ]
}

fn catalog() -> impl Strategy<Value = Catalog> {
    let ids = vec![LISTED_ID.to_string(), "5a6669d9fcc178211a0d86ba".to_string()];
    let cluster = |name: &str, id: &str, t: Option<ClusterType>| ListedCluster {
        name: name.into(),
        id: Some(id.into()),
        cluster_type: t,
    };
    let clusters = vec![
        cluster("Staging0", LISTED_ID, Some(ClusterType::ReplicaSet)),
        cluster("Staging1", "5a6669d9fcc178211a0d86bb", Some(ClusterType::Sharded)),
        cluster("Staging2", "5a6669d9fcc178211a0d86bc", None),
    ];
    (listing(ids.clone()), listing(ids), listing(clusters)).prop_map(|(snapshots, checkpoints, target_clusters)| {
        Catalog {
            snapshots,
            checkpoints,
            target_clusters,
        }
    })
}

fn draft() -> impl Strategy<Value = RestoreDraft> {
    proptest::collection::vec(proptest::option::weighted(0.4, field_text()), Field::BODY.len()).prop_map(|values| {
        let mut d = RestoreDraft::new();
        for (field, value) in Field::BODY.iter().copied().zip(values) {
            if let Some(text) = value {
                d.set(field, &text);
            }
        }
        d
    })
}

fn context() -> impl Strategy<Value = Context> {
    (
        prop_oneof![Just(ApiVersion::V1), Just(ApiVersion::V2)],
        prop_oneof![
            Just(None),
            Just(Some(ClusterType::ReplicaSet)),
            Just(Some(ClusterType::Sharded))
        ],
        proptest::option::of("[0-9a-f]{24}"),
        proptest::option::of("[A-Za-z0-9]{1,8}"),
        prop_oneof![Just(NOW_MS), any::<i64>()],
        prop_oneof![
            Just(Flavor::Atlas),
            Just(Flavor::CloudManager),
            Just(Flavor::OpsManager)
        ],
        proptest::option::of(proptest::collection::vec(
            (NOW_MS - 200_000_000..NOW_MS, 0i64..50_000_000),
            0..3,
        )),
        catalog(),
    )
        .prop_map(
            |(api, cluster_type, group, cluster, now_ms, flavor, ranges, catalog)| Context {
                now_ms,
                // Cloud and Ops Manager have one version, v1.0's.
                api: if flavor == Flavor::Atlas { api } else { ApiVersion::V1 },
                flavor,
                restorable_ranges: ranges.map(|rs| {
                    rs.into_iter()
                        .map(|(start_ms, len)| RestorableRange {
                            start_ms,
                            end_ms: start_ms + len,
                            snapshot_id: None,
                        })
                        .collect()
                }),
                source_cluster_type: cluster_type,
                source_group_id: group,
                source_cluster_name: cluster,
                source_cluster_id: None,
                catalog,
            },
        )
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        field_text().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 6, |inner| {
        let keys = prop_oneof![
            Just("snapshotId".to_string()),
            Just("checkpointId".to_string()),
            Just("oplogTs".to_string()),
            Just("oplogInc".to_string()),
            Just("pointInTimeUTCMillis".to_string()),
            Just("delivery".to_string()),
            Just("methodName".to_string()),
            Just("maxDownloads".to_string()),
            Just("expirationHours".to_string()),
            Just("targetGroupId".to_string()),
            Just("targetClusterName".to_string()),
            Just("targetClusterId".to_string()),
            Just("expires".to_string()),
            any::<String>(),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(keys, inner, 0..8).prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

// ---- requests as a client writes them, for the validator's properties ----

const HOUR_MS: i64 = 3_600_000;
const GROUP: &str = "5f8e2a1c9d4b7e0012c3a4b5";

/// A create as a form or `submit` sees it: a product, a version, a realistic now, the
/// source's topology and (Cloud and Ops Manager) maybe its ranges; nothing listed.
fn scene() -> impl Strategy<Value = Context> {
    (
        prop_oneof![
            Just(Flavor::Atlas),
            Just(Flavor::CloudManager),
            Just(Flavor::OpsManager)
        ],
        prop_oneof![Just(ApiVersion::V1), Just(ApiVersion::V2)],
        prop_oneof![Just(ClusterType::ReplicaSet), Just(ClusterType::Sharded)],
        NOW_MS - 400 * 24 * HOUR_MS..NOW_MS + 400 * 24 * HOUR_MS,
        proptest::option::of(proptest::collection::vec((0..60 * HOUR_MS, 0..20 * HOUR_MS), 0..4)),
    )
        .prop_map(|(flavor, api, source, now_ms, ranges)| Context {
            now_ms,
            api: if flavor == Flavor::Atlas { api } else { ApiVersion::V1 },
            flavor,
            restorable_ranges: ranges.filter(|_| flavor.is_public_api()).map(|rs| {
                rs.into_iter()
                    .map(|(ago, len)| RestorableRange {
                        start_ms: now_ms - ago,
                        end_ms: (now_ms - ago + len).min(now_ms),
                        snapshot_id: None,
                    })
                    .collect()
            }),
            source_cluster_type: Some(source),
            source_group_id: Some(GROUP.into()),
            source_cluster_name: Some("Cluster0".into()),
            source_cluster_id: None,
            catalog: Catalog::default(),
        })
}

fn id() -> BoxedStrategy<Value> {
    prop_oneof![6 => "[0-9a-f]{24}".prop_map(Value::from), 1 => "[0-9a-fA-F]{23,25}".prop_map(Value::from)].boxed()
}

/// A whole number, mostly as a JSON number, now and then as a string or with a fraction.
fn whole(lo: i64, hi: i64) -> BoxedStrategy<Value> {
    prop_oneof![
        6 => (lo..hi).prop_map(Value::from),
        1 => (lo..hi).prop_map(|n| Value::from(n.to_string())),
        1 => (lo..hi).prop_map(|n| json!(n as f64 + 0.5)),
        1 => Just(json!(2_147_483_648_i64)),
    ]
    .boxed()
}

fn iso(ms: i64) -> String {
    atlas_restore::restore::time_input::format_utc_ms(ms - ms.rem_euclid(1000))
}

/// A body in the scene's encoding with one restore point, a method and what it needs;
/// then, now and then, a slip: a field missing, one too many, or a value out of its form.
fn shaped_body(ctx: &Context) -> BoxedStrategy<Value> {
    let (now_ms, api, public) = (ctx.now_ms, ctx.api, ctx.flavor.is_public_api());
    let ts = (now_ms - 72 * HOUR_MS..now_ms + HOUR_MS).prop_map(move |ms| match api {
        ApiVersion::V1 => Value::from((ms.div_euclid(1000)).to_string()),
        ApiVersion::V2 => Value::from(iso(ms)),
    });
    let inc = (-1i64..5).prop_map(move |n| match api {
        ApiVersion::V1 => Value::from(n.to_string()),
        ApiVersion::V2 => Value::from(n),
    });
    let pit = prop_oneof![
        4 => (now_ms - 30 * HOUR_MS..now_ms + 60_000).prop_map(Value::from),
        1 => Just(json!(1_199_145_599_999_i64)),
    ];
    let expires = (now_ms - 10 * HOUR_MS..now_ms + 100 * HOUR_MS).prop_map(|ms| Value::from(iso(ms)));
    let values = (
        id(),
        id(),
        ts,
        inc,
        pit,
        whole(-1, 100),
        whole(-1, 5),
        id(),
        "-?[A-Za-z0-9][A-Za-z0-9-]{0,8}",
        id(),
        expires,
    );
    let choices = (
        0u8..7,
        0u8..4,
        0u8..4,
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![4 => Just(0u8), 1 => 1u8..6],
    );
    (values, choices)
        .prop_map(move |(v, (point, method, by, (hours, downloads, expires), slip))| {
            let (snapshot, checkpoint, ts, inc, pit, h, dl, group, name, target_id, exp) = v;
            let mut b = Map::new();
            match point {
                0 => drop(b.insert("snapshotId".into(), snapshot)),
                1 => drop(b.insert("checkpointId".into(), checkpoint)),
                2 => {
                    b.insert("oplogTs".into(), ts);
                    b.insert("oplogInc".into(), inc);
                }
                3 => drop(b.insert("pointInTimeUTCMillis".into(), pit)),
                4 => {}
                5 => {
                    b.insert("snapshotId".into(), snapshot);
                    b.insert("pointInTimeUTCMillis".into(), pit);
                }
                _ => drop(b.insert("oplogTs".into(), ts)),
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
                match (public, by) {
                    (true, 0..=2) | (false, 1) => drop(d.insert("targetClusterId".into(), target_id)),
                    (false, 0) => drop(d.insert("targetClusterName".into(), Value::from(name))),
                    (_, 3) => {}
                    _ => {
                        d.insert("targetClusterName".into(), Value::from(name));
                        d.insert("targetClusterId".into(), target_id);
                    }
                }
            }
            if hours {
                d.insert("expirationHours".into(), h);
            }
            if downloads || (public && !automated && slip != 2) {
                d.insert("maxDownloads".into(), dl);
            }
            if expires && (public || slip == 3) && !(hours && slip != 4) {
                d.insert("expires".into(), exp);
            }
            if slip == 5 {
                d.remove("targetGroupId");
            }
            b.insert("delivery".into(), Value::Object(d));
            Value::Object(b)
        })
        .boxed()
}

fn scene_and_body() -> impl Strategy<Value = (Context, Value)> {
    scene().prop_flat_map(|ctx| {
        let body = shaped_body(&ctx);
        (Just(ctx), body)
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    /// The builder refuses where the validator errs (one engine: a sanity check), and
    /// what it writes is documented, in the version's encoding, as the oracle reads it.
    #[test]
    fn what_the_builder_writes_is_a_documented_body(d in draft(), ctx in context()) {
        let findings = validate(&d, &ctx);
        let built = build_body(&d, &ctx);
        prop_assert_eq!(built.is_ok(), !has_errors(&findings));
        for f in &findings {
            prop_assert!(!f.message.is_empty() && !f.message.contains('\n'));
        }
        if let Ok(body) = built {
            let verdict = documented(&body, &ctx, Reading::Sent);
            prop_assert!(verdict.is_ok(), "built {body}, which breaks {verdict:?}; in {ctx:#?}");
            // A response-only field (Atlas's `delivery.expires`) is left out of the body.
            if ctx.flavor == Flavor::Atlas {
                prop_assert!(body["delivery"].get("expires").is_none(), "{body}");
            }
        }
    }

    /// The same for bodies that came as JSON (an edited file, `submit -`): rebuilt, documented.
    #[test]
    fn what_the_builder_rebuilds_is_a_documented_body((ctx, body) in scene_and_body()) {
        if let Ok(built) = build_body(&RestoreDraft::from_json(&body), &ctx) {
            let verdict = documented(&built, &ctx, Reading::Sent);
            prop_assert!(verdict.is_ok(), "{body} was rebuilt as {built}, which breaks {verdict:?}; in {ctx:#?}");
        }
    }

    /// What the validator takes without an error, some reading of the documents takes.
    #[test]
    fn what_the_validator_takes_the_documents_take((ctx, body) in scene_and_body()) {
        let findings = validate(&RestoreDraft::from_json(&body), &ctx);
        if !has_errors(&findings) {
            let verdict = documented(&body, &ctx, Reading::AnyDocumented);
            prop_assert!(verdict.is_ok(), "the validator took {body}, which breaks {verdict:?}; in {ctx:#?}");
        }
    }

    /// What the documents take as a client must send it, the validator takes.
    #[test]
    fn what_the_documents_take_as_sent_the_validator_takes((ctx, body) in scene_and_body()) {
        if documented(&body, &ctx, Reading::Sent).is_ok() {
            let errors: Vec<Finding> = validate(&RestoreDraft::from_json(&body), &ctx)
                .into_iter()
                .filter(Finding::is_error)
                .collect();
            prop_assert!(errors.is_empty(), "documented {body}, and the validator refused it: {errors:#?}; in {ctx:#?}");
        }
    }

    #[test]
    fn any_json_body_gives_findings_never_a_panic(body in json_value(), ctx in context()) {
        let d = RestoreDraft::from_json(&body);
        let findings = validate(&d, &ctx);
        let _ = build_body(&d, &ctx);
        if !body.is_object() {
            prop_assert!(has_errors(&findings));
        }
    }
}
