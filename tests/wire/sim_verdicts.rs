//! The client's verdict against "Atlas"'s, over the wire: for each product and API version,
//! bodies that each documented rule takes or refuses are checked by the client's engine
//! (`validate`) and posted to the simulator, whose refusals come from its own table
//! (`src/sim/rules/`), written apart from the engine. The two must agree: a body the client
//! finds no error in is made, a body it refuses the server refuses, naming a field the
//! client names too. A rule changed on one side only fails here.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{AtlasClient, ClientOptions, SnapshotFilter, restore_jobs_url};
use atlas_restore::restore::time_input::format_utc_ms;
use atlas_restore::restore::{ApiVersion, ClusterType, Context, Finding, Flavor, RestoreDraft, validate};
use atlas_restore::sim::{Sim, SimConfig};
use serde_json::{Value, json};
use std::time::Duration;

use crate::support::common;

const HOUR_MS: i64 = 3_600_000;

/// What the cases are written from: the product, the version, and the project's ids.
struct Facts {
    flavor: Flavor,
    api: ApiVersion,
    group: String,
    /// A complete snapshot of Cluster0 (a replica set) and of Cluster1 (sharded).
    snapshot0: String,
    snapshot1: String,
    /// A restorable checkpoint of Cluster1.
    checkpoint1: String,
    staging_id: String,
    cluster1_id: String,
}

impl Facts {
    fn public(&self) -> bool {
        self.flavor.is_public_api()
    }

    /// An HTTP delivery as the product wants it at least (Cloud and Ops Manager: a count).
    fn http(&self) -> Value {
        if self.public() {
            json!({"methodName": "HTTP", "maxDownloads": 1})
        } else {
            json!({"methodName": "HTTP"})
        }
    }

    /// An automated restore into Staging0, named as the product names a target.
    fn restore_into_staging(&self) -> Value {
        if self.public() {
            json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": self.group, "targetClusterId": self.staging_id})
        } else {
            json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": self.group, "targetClusterName": "Staging0"})
        }
    }

    fn restore_into_cluster1(&self) -> Value {
        json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": self.group, "targetClusterId": self.cluster1_id})
    }

    /// `oplogTs` and `oplogInc` for a moment, in the version's encoding (api.md, decisions).
    fn oplog(&self, at_ms: i64, inc: i64) -> (Value, Value) {
        match self.api {
            ApiVersion::V1 => (json!((at_ms / 1000).to_string()), json!(inc.to_string())),
            ApiVersion::V2 => (json!(format_utc_ms(at_ms - at_ms % 1000)), json!(inc)),
        }
    }

    /// `oplogTs` in the other version's encoding.
    fn oplog_ts_miscoded(&self, at_ms: i64) -> Value {
        match self.api {
            ApiVersion::V1 => json!(format_utc_ms(at_ms - at_ms % 1000)),
            ApiVersion::V2 => json!((at_ms / 1000).to_string()),
        }
    }
}

fn with(mut body: Value, path: &[&str], value: Value) -> Value {
    let (last, init) = path.split_last().unwrap();
    let mut at = &mut body;
    for key in init {
        at = &mut at[*key];
    }
    at[*last] = value;
    body
}

fn without(mut body: Value, path: &[&str]) -> Value {
    let (last, init) = path.split_last().unwrap();
    let mut at = &mut body;
    for key in init {
        at = &mut at[*key];
    }
    at.as_object_mut().unwrap().remove(*last);
    body
}

/// The cases: a name, the source cluster, and the body (built at `now_ms`).
fn cases(f: &Facts, now_ms: i64) -> Vec<(&'static str, &'static str, Value)> {
    let snap = |d: Value| json!({"snapshotId": f.snapshot0, "delivery": d});
    let pit = |ms: i64| json!({"pointInTimeUTCMillis": ms, "delivery": f.restore_into_staging()});
    let (ts, inc) = f.oplog(now_ms - 2 * HOUR_MS, 1);
    let oplog = json!({"oplogTs": ts, "oplogInc": inc, "delivery": f.restore_into_staging()});
    let mut out = vec![
        // Taken everywhere.
        ("a download of a snapshot", "Cluster0", snap(f.http())),
        (
            "a download with its limits",
            "Cluster0",
            snap(with(
                with(f.http(), &["expirationHours"], json!(2)),
                &["maxDownloads"],
                json!(3),
            )),
        ),
        (
            "an automated restore of a snapshot",
            "Cluster0",
            snap(f.restore_into_staging()),
        ),
        ("a point in time an hour ago", "Cluster0", pit(now_ms - HOUR_MS)),
        ("an oplog position", "Cluster0", oplog.clone()),
        (
            "a checkpoint of the sharded cluster",
            "Cluster1",
            json!({"checkpointId": f.checkpoint1, "delivery": f.restore_into_cluster1()}),
        ),
        (
            "a download of the sharded cluster",
            "Cluster1",
            json!({"snapshotId": f.snapshot1, "delivery": f.http()}),
        ),
        // The bytes and the fields' forms.
        ("a body that is no object", "Cluster0", json!([1])),
        ("no delivery", "Cluster0", json!({"snapshotId": f.snapshot0})),
        ("a delivery that is no object", "Cluster0", snap(json!("HTTP"))),
        ("SCP", "Cluster0", snap(with(f.http(), &["methodName"], json!("SCP")))),
        ("no methodName", "Cluster0", snap(without(f.http(), &["methodName"]))),
        (
            "an id in upper case",
            "Cluster0",
            json!({"snapshotId": f.snapshot0.to_uppercase(), "delivery": f.http()}),
        ),
        (
            "a checkpoint id too short",
            "Cluster1",
            json!({"checkpointId": &f.checkpoint1[..20], "delivery": f.restore_into_cluster1()}),
        ),
        (
            "oplogTs in the other version's encoding",
            "Cluster0",
            with(oplog.clone(), &["oplogTs"], f.oplog_ts_miscoded(now_ms - 2 * HOUR_MS)),
        ),
        (
            "oplogTs an hour ahead",
            "Cluster0",
            with(oplog.clone(), &["oplogTs"], f.oplog(now_ms + HOUR_MS, 1).0),
        ),
        (
            "oplogInc 0",
            "Cluster0",
            with(oplog.clone(), &["oplogInc"], f.oplog(0, 0).1),
        ),
        ("a point in time before 2008", "Cluster0", pit(1_199_145_599_999)),
        ("a point in time an hour ahead", "Cluster0", pit(now_ms + HOUR_MS)),
        // Atlas and Cloud Manager: 24 hours; Ops Manager: its ranges, which reach further.
        ("a point in time 25 hours ago", "Cluster0", pit(now_ms - 25 * HOUR_MS)),
        (
            "expirationHours 0",
            "Cluster0",
            snap(with(f.http(), &["expirationHours"], json!(0))),
        ),
        (
            "maxDownloads past int32",
            "Cluster0",
            snap(with(f.http(), &["maxDownloads"], json!(2_147_483_648_i64))),
        ),
        (
            "a targetGroupId that is no id",
            "Cluster0",
            snap(with(f.restore_into_staging(), &["targetGroupId"], json!("payments"))),
        ),
        // Across fields.
        (
            "no restore point",
            "Cluster0",
            json!({"delivery": f.restore_into_staging()}),
        ),
        (
            "a snapshot and a point in time",
            "Cluster0",
            with(
                snap(f.restore_into_staging()),
                &["pointInTimeUTCMillis"],
                json!(now_ms - HOUR_MS),
            ),
        ),
        ("oplogTs alone", "Cluster0", without(oplog.clone(), &["oplogInc"])),
        ("oplogInc alone", "Cluster0", without(oplog.clone(), &["oplogTs"])),
        (
            "a point in time downloaded",
            "Cluster0",
            json!({"pointInTimeUTCMillis": now_ms - HOUR_MS, "delivery": f.http()}),
        ),
        (
            "a download with a target",
            "Cluster0",
            snap(with(f.http(), &["targetGroupId"], json!(f.group))),
        ),
        (
            "an automated restore without its project",
            "Cluster0",
            snap(without(f.restore_into_staging(), &["targetGroupId"])),
        ),
        (
            "a checkpoint of a replica set",
            "Cluster0",
            json!({"checkpointId": f.checkpoint1, "delivery": f.restore_into_staging()}),
        ),
        (
            "a point in time of the sharded cluster",
            "Cluster1",
            json!({"pointInTimeUTCMillis": now_ms - HOUR_MS, "delivery": f.restore_into_cluster1()}),
        ),
    ];
    let by_name = json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": f.group, "targetClusterName": "Staging0"});
    if f.public() {
        let expires = json!(format_utc_ms(now_ms + 30 * HOUR_MS - now_ms % 1000));
        out.extend([
            (
                "a download that ends at a time",
                "Cluster0",
                snap(with(f.http(), &["expires"], expires.clone())),
            ),
            (
                "a download without maxDownloads",
                "Cluster0",
                snap(json!({"methodName": "HTTP"})),
            ),
            (
                "a download with expires and expirationHours",
                "Cluster0",
                snap(with(
                    with(f.http(), &["expires"], expires),
                    &["expirationHours"],
                    json!(2),
                )),
            ),
            (
                "a download that ended yesterday",
                "Cluster0",
                snap(with(
                    f.http(),
                    &["expires"],
                    json!(format_utc_ms(now_ms - 24 * HOUR_MS - now_ms % 1000)),
                )),
            ),
            (
                "a download that ends whenever",
                "Cluster0",
                snap(with(f.http(), &["expires"], json!("whenever"))),
            ),
            ("a target by name", "Cluster0", snap(by_name)),
            (
                "an automated restore without its cluster",
                "Cluster0",
                snap(without(f.restore_into_staging(), &["targetClusterId"])),
            ),
        ]);
    } else {
        let by_id = with(by_name.clone(), &["targetClusterId"], json!(f.staging_id));
        out.extend([
            (
                "a target by id",
                "Cluster0",
                snap(without(by_id.clone(), &["targetClusterName"])),
            ),
            ("a target by name and id", "Cluster0", snap(by_id)),
            (
                "an automated restore without its cluster",
                "Cluster0",
                snap(without(f.restore_into_staging(), &["targetClusterName"])),
            ),
            (
                "a targetClusterName that is no name",
                "Cluster0",
                snap(with(
                    f.restore_into_staging(),
                    &["targetClusterName"],
                    json!("-staging"),
                )),
            ),
        ]);
    }
    out
}

async fn facts(sim: &Sim, client: &AtlasClient, flavor: Flavor, api: ApiVersion) -> Facts {
    let group = sim.group_id().to_string();
    let snapshot = |cluster: &'static str| {
        let group = group.clone();
        async move {
            let all = client
                .list_snapshots(&group, cluster, SnapshotFilter::Completed)
                .await
                .unwrap();
            all.first().unwrap().id.to_string()
        }
    };
    let checkpoints = client.list_checkpoints(&group, "Cluster1").await.unwrap();
    let checkpoint1 = checkpoints
        .iter()
        .find(|c| c.restorable == Some(true))
        .unwrap()
        .id
        .to_string();
    let ids: Vec<String> = sim.clusters().into_iter().map(|c| c.id).collect();
    Facts {
        flavor,
        api,
        snapshot0: snapshot("Cluster0").await,
        snapshot1: snapshot("Cluster1").await,
        checkpoint1,
        cluster1_id: ids[1].clone(),
        staging_id: ids[2].clone(),
        group,
    }
}

/// The client's context for a create on `cluster` now, as the form and `submit` build it.
async fn context(sim: &Sim, client: &AtlasClient, f: &Facts, cluster: &str) -> Context {
    let listed = sim.clusters().into_iter().find(|c| c.name == cluster).unwrap();
    Context {
        now_ms: sim.now_ms(),
        api: f.api,
        flavor: f.flavor,
        restorable_ranges: client.restorable_time_ranges(&f.group, cluster).await.unwrap(),
        source_cluster_type: Some(if cluster == "Cluster1" {
            ClusterType::Sharded
        } else {
            ClusterType::ReplicaSet
        }),
        source_group_id: Some(f.group.clone()),
        source_cluster_name: Some(cluster.to_string()),
        source_cluster_id: Some(listed.id),
        ..Context::default()
    }
}

/// Every case in one product and version: both verdicts, compared.
async fn agree(flavor: Flavor, api: ApiVersion) -> (usize, usize) {
    let sim = common::start_with(SimConfig {
        flavor,
        ..SimConfig::default()
    })
    .await;
    let client = AtlasClient::new(&ClientOptions {
        flavor,
        api,
        ..common::options(&sim)
    })
    .unwrap();
    let wire = common::client(&sim);
    let f = facts(&sim, &client, flavor, api).await;
    let (mut taken, mut refused) = (0, 0);
    let count = cases(&f, sim.now_ms()).len();
    for i in 0..count {
        // Built at this moment: the clock moves on after each restore made.
        let (name, cluster, body) = cases(&f, sim.now_ms()).swap_remove(i);
        let ctx = context(&sim, &client, &f, cluster).await;
        let errors: Vec<Finding> = validate(&RestoreDraft::from_json(&body), &ctx)
            .into_iter()
            .filter(Finding::is_error)
            .collect();
        let segment = client.cluster_in_path(&f.group, cluster).await.unwrap();
        let url = restore_jobs_url(&sim.base_url(), flavor, api, &f.group, &segment);
        let a = wire.post(&url, &body).await;
        let said = format!(
            "{flavor:?} {api:?}, {name}: {body}\n  Atlas: {} {}\n  client: {errors:#?}",
            a.status, a.text
        );
        // A refusal of the body lists its rules; a refusal by the data does not, and none
        // of these bodies names what the project lacks.
        let body_refused = a.status == 400 && a.json.get("badRequestDetail").is_some();
        assert_eq!(body_refused, !errors.is_empty(), "the two disagree on {said}");
        if errors.is_empty() {
            assert_eq!(a.status, 200, "a body both take is made: {said}");
            taken += 1;
            sim.advance(Duration::from_secs(15 * 60));
            continue;
        }
        refused += 1;
        let field = a.json["parameters"][0].as_str().unwrap();
        let named: Vec<&str> = errors.iter().flat_map(|e| &e.fields).map(|f| f.api_name()).collect();
        assert!(
            field == "body" || field == "delivery" || named.contains(&field),
            "Atlas names {field}, the client {named:?}: {said}"
        );
    }
    sim.shutdown().await;
    (taken, refused)
}

#[tokio::test]
async fn atlas_v1_and_the_client_agree_on_every_documented_rule() {
    let (taken, refused) = agree(Flavor::Atlas, ApiVersion::V1).await;
    assert_eq!((taken, refused), (8, 28));
}

#[tokio::test]
async fn atlas_v2_and_the_client_agree_on_every_documented_rule() {
    let (taken, refused) = agree(Flavor::Atlas, ApiVersion::V2).await;
    assert_eq!((taken, refused), (8, 28));
}

#[tokio::test]
async fn cloud_manager_and_the_client_agree_on_every_documented_rule() {
    let (taken, refused) = agree(Flavor::CloudManager, ApiVersion::V1).await;
    assert_eq!((taken, refused), (9, 30));
}

#[tokio::test]
async fn ops_manager_and_the_client_agree_on_every_documented_rule() {
    // Ops Manager's ranges reach past 24 hours, and it restores a sharded cluster to a moment.
    let (taken, refused) = agree(Flavor::OpsManager, ApiVersion::V1).await;
    assert_eq!((taken, refused), (10, 29));
}
