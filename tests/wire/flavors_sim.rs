//! The client against the simulator playing each product: Atlas, Cloud Manager and Ops
//! Manager. Names resolved to ids (a sharded cluster, not its shards), checkpoints at their
//! path, a checkpoint restore and an HTTP download with Ops Manager's Bearer header, the
//! restorable time ranges (a read that is never a create), and each product's rules refused
//! by the server's own rules (`src/sim/rules/`).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{AtlasClient, AtlasError, ClientOptions, SnapshotFilter};
use atlas_restore::jobs::{Journal, Services};
use atlas_restore::restore::Flavor;
use atlas_restore::sim::{Sim, SimConfig};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

use crate::support::common;

async fn sim(flavor: Flavor) -> Sim {
    Sim::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            flavor,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap()
}

fn client(sim: &Sim, flavor: Flavor) -> AtlasClient {
    AtlasClient::new(&ClientOptions {
        flavor,
        ..common::options(sim)
    })
    .unwrap()
}

fn paths(sim: &Sim) -> Vec<String> {
    sim.counters().by_path.keys().cloned().collect()
}

/// A scratch folder, removed when dropped (a failed test's too).
fn scratch(name: &str) -> tempfile::TempDir {
    tempfile::Builder::new()
        .prefix(&format!("atlas-restore-flavors-{name}-"))
        .tempdir()
        .unwrap()
}

#[tokio::test]
async fn names_resolve_to_ids_and_the_paths_use_them() {
    for flavor in [Flavor::CloudManager, Flavor::OpsManager] {
        let sim = sim(flavor).await;
        let c = client(&sim, flavor);
        let g = sim.group_id().to_string();
        let ids: Vec<String> = sim.clusters().into_iter().map(|c| c.id).collect();

        // The list offers each cluster once: the sharded one as a whole, not its parts.
        let clusters = c.list_clusters(&g).await.unwrap();
        let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["Cluster0", "Cluster1", "Staging0"], "{flavor}");
        let types: Vec<Option<&str>> = clusters.iter().map(|c| c.cluster_type.as_deref()).collect();
        assert_eq!(types, [Some("REPLICASET"), Some("SHARDED"), Some("REPLICASET")]);
        // The raw list has the sharded cluster's two shards and config servers besides.
        let entries = c.list_cluster_entries(&g).await.unwrap();
        assert_eq!(entries.len(), 6, "{entries:#?}");
        let types: Vec<&str> = entries.iter().filter_map(|e| e.type_name.as_deref()).collect();
        assert!(types.contains(&"SHARDED_REPLICA_SET") && types.contains(&"CONFIG_SERVER_REPLICA_SET"));

        // The sharded cluster by name is its whole entry, with its id.
        let sharded = c.get_cluster(&g, "Cluster1").await.unwrap();
        assert_eq!(sharded.id.as_deref(), Some(ids[1].as_str()));
        assert_eq!(sharded.cluster_type.as_deref(), Some("SHARDED"));
        // A shard's name says whose shard it is.
        let err = c.get_cluster(&g, "Cluster1-shard-0").await.unwrap_err();
        assert!(matches!(err, AtlasError::Cluster(_)), "{err:?}");
        assert!(
            err.to_string().contains("a shard of the sharded cluster Cluster1"),
            "{err}"
        );
        let err = c.get_cluster(&g, "Nope").await.unwrap_err();
        assert!(
            err.to_string()
                .contains("no cluster named Nope in project 5f8e2a1c9d4b7e0012c3a4b5: the clusters there are Cluster0, Cluster1, Staging0"),
            "{err}"
        );

        // Snapshots, checkpoints and jobs by name: the paths carry the id.
        let snaps = c
            .list_snapshots(&g, "Cluster0", SnapshotFilter::Completed)
            .await
            .unwrap();
        assert!(
            !snaps.is_empty()
                && snaps
                    .iter()
                    .all(|s| s.created.as_ref().and_then(|t| t.date_ms()).is_some())
        );
        assert!(snaps[0].cluster_name.is_none(), "these servers give no clusterName");
        let checkpoints = c.list_checkpoints(&g, "Cluster1").await.unwrap();
        assert!(!checkpoints.is_empty());
        c.list_restore_jobs(&g, "Cluster0", None).await.unwrap();
        let prefix = format!("/api/public/v1.0/groups/{g}/clusters");
        let seen = paths(&sim);
        for wanted in [
            format!("GET {prefix}/{}/snapshots", ids[0]),
            format!("GET {prefix}/{}/checkpoints", ids[1]),
            format!("GET {prefix}/{}/restoreJobs", ids[0]),
        ] {
            assert!(seen.contains(&wanted), "{wanted} not in {seen:#?}");
        }
        assert!(
            !seen
                .iter()
                .any(|p| p.contains("/Cluster0") || p.contains("backupCheckpoints")),
            "{seen:#?}"
        );
        // A name is resolved once per process, not once per call.
        let lists = sim
            .counters()
            .by_path
            .get(&format!("GET {prefix}"))
            .copied()
            .unwrap_or(0);
        c.list_restore_jobs(&g, "Cluster0", None).await.unwrap();
        assert_eq!(
            sim.counters()
                .by_path
                .get(&format!("GET {prefix}"))
                .copied()
                .unwrap_or(0),
            lists
        );
    }
}

#[tokio::test]
async fn each_product_answers_only_its_own_prefix() {
    for (flavor, other) in [
        (Flavor::Atlas, "/api/public/v1.0"),
        (Flavor::OpsManager, "/api/atlas/v1.0"),
        (Flavor::CloudManager, "/api/atlas/v2"),
    ] {
        let sim = sim(flavor).await;
        let c = client(&sim, flavor);
        assert_eq!(c.list_clusters(sim.group_id()).await.unwrap().len(), 3, "{flavor}");
        let wrong = AtlasClient::new(&ClientOptions {
            flavor: if flavor == Flavor::Atlas {
                Flavor::OpsManager
            } else {
                Flavor::Atlas
            },
            ..common::options(&sim)
        })
        .unwrap();
        let err = wrong.list_clusters(sim.group_id()).await.unwrap_err();
        assert_eq!(err.status(), Some(404), "{flavor} under {other}: {err}");
    }
    // A name where Ops Manager wants an id: its own words.
    let sim = sim(Flavor::OpsManager).await;
    let raw = common::client(&sim);
    let got = raw
        .get(&format!(
            "/api/public/v1.0/groups/{}/clusters/Cluster0/snapshots",
            sim.group_id()
        ))
        .await;
    assert_eq!(got.status, 404);
    assert_eq!(got.json["errorCode"], "CLUSTER_NOT_FOUND");
    assert_eq!(got.json["detail"], "An invalid cluster ID null was specified.");
}

#[tokio::test]
async fn a_checkpoint_restore_of_the_sharded_cluster_goes_by_target_id() {
    let sim = sim(Flavor::OpsManager).await;
    let c = client(&sim, Flavor::OpsManager);
    let g = sim.group_id().to_string();
    let target = sim.clusters()[1].id.clone();
    let checkpoint = c
        .list_checkpoints(&g, "Cluster1")
        .await
        .unwrap()
        .into_iter()
        .find(|cp| cp.restorable == Some(true))
        .unwrap();
    // By name, as Atlas takes it: refused by the server's own rule, naming the field.
    let by_name = json!({"checkpointId": checkpoint.id, "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Cluster1"}});
    let err = c.create_restore_job(&g, "Cluster1", &by_name).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string()
            .starts_with("400 INVALID_ATTRIBUTE: Invalid attribute delivery.targetClusterName specified")
            && err.to_string().contains("by its id"),
        "{err}"
    );
    assert_eq!(sim.counters().restore_job_creates, 0);

    let body = json!({"checkpointId": checkpoint.id, "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterId": target}});
    let created = c.create_restore_job(&g, "Cluster1", &body).await.unwrap();
    // One job per shard and one for the config servers, one batch.
    assert_eq!(created.jobs.len(), 3);
    let batch = created.jobs[0].batch_id.clone().unwrap();
    assert!(created.jobs.iter().all(|j| j.batch_id.as_ref() == Some(&batch)));
    let d = created.jobs[0].delivery.clone().unwrap();
    assert_eq!(d.method_name.as_deref(), Some("HTTP"));
    assert_eq!(d.target_cluster_id.as_deref(), Some(target.as_str()));
    assert!(d.target_cluster_name.is_none(), "the target is named by id only");
    let listed = c.list_restore_jobs(&g, "Cluster1", Some(&batch)).await.unwrap();
    assert_eq!(listed.len(), 3);
    assert!(paths(&sim).contains(&format!(
        "POST /api/public/v1.0/groups/{g}/clusters/{target}/restoreJobs"
    )));
}

#[tokio::test]
async fn an_http_download_with_the_bearer_header_and_its_sha1() {
    for flavor in [Flavor::OpsManager, Flavor::CloudManager] {
        let sim = sim(flavor).await;
        let c = client(&sim, flavor);
        let g = sim.group_id().to_string();
        let snap = c
            .list_snapshots(&g, "Cluster0", SnapshotFilter::Completed)
            .await
            .unwrap()[0]
            .id
            .to_string();
        // Without maxDownloads these servers refuse an HTTP delivery.
        let err = c
            .create_restore_job(
                &g,
                "Cluster0",
                &json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}}),
            )
            .await
            .unwrap_err();
        assert!(
            err.to_string().contains("MISSING") || err.to_string().contains("maxDownloads"),
            "{err}"
        );
        // Quoted numbers, as their docs send them, are read.
        let created = c
            .create_restore_job(
                &g,
                "Cluster0",
                &json!({"snapshotId": snap, "delivery": {"methodName": "HTTP", "maxDownloads": "1", "expirationHours": "1"}}),
            )
            .await
            .unwrap();
        let id = created.jobs[0].id.to_string();
        sim.advance(Duration::from_secs(3600));
        let job = c.get_restore_job(&g, "Cluster0", &id).await.unwrap();
        let d = job.delivery.clone().unwrap();
        assert_eq!(d.status_name.as_ref().map(|s| s.as_api()), Some("READY"));
        let target = atlas_restore::jobs::present::download_target(&job).unwrap();
        match flavor {
            Flavor::OpsManager => {
                // urlV2 with `Authorization: Bearer <authValue>`.
                assert!(d.url.is_some() && d.url_v2.is_some());
                let (name, value) = target.header.clone().unwrap();
                assert_eq!(name, "Authorization");
                assert!(
                    value.expose().starts_with("Bearer "),
                    "the header value is the scheme and the token"
                );
            }
            _ => {
                // Cloud Manager's jobs give `url` alone.
                assert!(d.url_v2.is_none() && d.auth_header.is_none());
                assert!(target.header.is_none());
            }
        }
        let dir = scratch(flavor.as_str());
        let header = target.header.as_ref().map(|(n, v)| (n.as_str(), v));
        let got = c
            .download(&target.url, header, &dir.path().join("f.tar.gz"), |_, _| {})
            .await
            .unwrap();
        let job = c.get_restore_job(&g, "Cluster0", &id).await.unwrap();
        assert_eq!(
            atlas_restore::jobs::present::listed_sha1(&job).as_deref(),
            Some(got.sha1.as_str()),
            "{flavor}"
        );
    }
}

#[tokio::test]
async fn the_time_ranges_are_read_never_created_nor_journaled() {
    let sim = sim(Flavor::OpsManager).await;
    let c = Arc::new(client(&sim, Flavor::OpsManager));
    let g = sim.group_id().to_string();
    let dir = scratch("ranges");
    let services = Services::new(c.clone(), Journal::open(dir.path(), "om").unwrap());

    // The source as the form and `submit` look it up: with its ranges.
    let source = services.cluster(&g, "Cluster0").await.unwrap();
    let ranges = source.restorable_ranges.clone().unwrap();
    assert!(!ranges.is_empty());
    assert!(ranges.iter().all(|r| r.start_ms <= r.end_ms && r.snapshot_id.is_some()));
    let oldest = ranges.iter().map(|r| r.start_ms).min().unwrap();
    assert!(
        sim.now_ms() - oldest > 24 * 3_600_000,
        "Ops Manager's window here is longer than 24 hours"
    );
    let counters = sim.counters();
    assert_eq!(counters.restorable_time_ranges, 1);
    assert_eq!(counters.restore_job_creates, 0, "a read, not a create");
    let id = &sim.clusters()[0].id;
    assert_eq!(
        counters.by_path.get(&format!(
            "POST /api/public/v1.0/groups/{g}/clusters/{id}/restoreJobs/restorableTimeRanges"
        )),
        Some(&1)
    );
    let journal = services.journal_data().await.unwrap();
    assert!(journal.tracked().is_empty() && journal.unresolved().is_empty());

    // A point in time 30 hours ago is in Ops Manager's ranges: made. Cloud Manager's window
    // is 24 hours: refused, in the server's words, naming its ranges.
    let at = sim.now_ms() - 30 * 3_600_000;
    let body = json!({"pointInTimeUTCMillis": at, "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterId": sim.clusters()[2].id}});
    let made = c.create_restore_job(&g, "Cluster0", &body).await.unwrap();
    assert_eq!(made.jobs.len(), 1);
    assert_eq!(made.jobs[0].point_in_time, Some(true));

    let cm = self::sim(Flavor::CloudManager).await;
    let cmc = client(&cm, Flavor::CloudManager);
    let at = cm.now_ms() - 30 * 3_600_000;
    let body = json!({"pointInTimeUTCMillis": at, "delivery": {
        "methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterId": cm.clusters()[2].id}});
    let err = cmc.create_restore_job(&g, "Cluster0", &body).await.unwrap_err();
    assert_eq!(err.status(), Some(400), "{err}");
    assert!(
        err.to_string()
            .starts_with("400 INVALID_ATTRIBUTE: Invalid attribute pointInTimeUTCMillis specified")
            && err.to_string().contains("in none of the restorable time ranges"),
        "{err}"
    );
    assert_eq!(cm.counters().restore_job_creates, 0);

    // Atlas has no such endpoint: nothing is asked.
    let atlas = self::sim(Flavor::Atlas).await;
    let ac = client(&atlas, Flavor::Atlas);
    assert_eq!(ac.restorable_time_ranges(&g, "Cluster0").await.unwrap(), None);
    assert_eq!(atlas.counters().requests, 0);
}
