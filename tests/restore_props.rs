//! Properties of the engine over any input: no panic, the builder agrees with the
//! validator, and a built body reads back clean.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::restore::{
    ApiVersion, Catalog, ClusterType, Code, Context, Field, Flavor, Items, ListedCluster, Listing, RestorableRange,
    RestoreDraft, build_body, has_errors, validate,
};
use proptest::prelude::*;
use serde_json::Value;

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

proptest! {
    #![proptest_config(ProptestConfig {
        cases: std::env::var("PROPTEST_CASES").ok().and_then(|c| c.parse().ok()).unwrap_or(2000),
        failure_persistence: None,
        ..ProptestConfig::default()
    })]

    #[test]
    fn builder_agrees_with_validator_and_reads_back_clean(d in draft(), ctx in context()) {
        let findings = validate(&d, &ctx);
        let built = build_body(&d, &ctx);
        prop_assert_eq!(built.is_ok(), !has_errors(&findings));
        for f in &findings {
            prop_assert!(!f.message.is_empty() && !f.message.contains('\n'));
        }
        if let Ok(body) = built {
            let back = validate(&RestoreDraft::from_json(&body), &ctx);
            prop_assert!(!has_errors(&back), "{body} read back with {back:#?}");
            // A response-only field (Atlas's `delivery.expires`) is left out of the body, by design.
            let codes = |fs: &[atlas_restore::restore::Finding]| {
                fs.iter().map(|f| f.code).filter(|c| *c != Code::ResponseOnlyField).collect::<Vec<_>>()
            };
            prop_assert_eq!(codes(&findings), codes(&back));
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
