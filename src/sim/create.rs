//! `POST .../restoreJobs`: the body checked by the server's own rules (`rules/`, Atlas's and
//! Cloud and Ops Manager's documented refusals, apart from the client's engine), then against
//! the project's data, then the jobs: one for a replica set, one per shard plus one for the
//! config server for a sharded cluster.

use super::Shared;
use super::clock::iso;
use super::data::{Cluster, GROUP_ID};
use super::http::error::ApiError;
use super::jobs::{
    DEFAULT_EXPIRATION_HOURS, Delivery, Job, RestorePoint, STAGGER_MS, UNLIMITED_DOWNLOADS, default_data_bytes,
    finish_after_ms, secret,
};
use super::resources::{checkpoint_not_found, cluster_name_not_found, snapshot_not_found};
use super::rules::{self, Method, Point, Refusal, Server, TargetCluster};
use crate::restore::{ApiVersion, ClusterType};
use axum::http::StatusCode;
use serde_json::json;

pub(crate) fn create_jobs(sh: &Shared, api: ApiVersion, cluster: &Cluster, body: &[u8]) -> Result<Vec<Job>, ApiError> {
    let now_ms = sh.now_ms();
    let server = Server {
        flavor: sh.cfg.flavor,
        api,
        now_ms,
        source: cluster.cluster_type,
        // Cloud and Ops Manager hold a point in time to the ranges they would answer.
        restorable_ranges: sh.cfg.flavor.is_public_api().then(|| {
            super::resources::public::restorable_ranges(sh, cluster)
                .into_iter()
                .map(|r| r.start_ms..=r.end_ms)
                .collect()
        }),
    };
    let requested = rules::read(body, &server).map_err(refused)?;
    if !cluster.backup_enabled {
        return Err(ApiError::not_found(
            "BACKUP_CONFIG_NOT_FOUND",
            format!(
                "No backup configuration exists for cluster {} in group {GROUP_ID}.",
                cluster.name
            ),
        )
        .params(vec![json!(cluster.name), json!(GROUP_ID)]));
    }
    let point = restore_point(sh, cluster, &requested.point, now_ms)?;
    let delivery = delivery(sh, cluster, &requested.method)?;

    let mut st = sh.state();
    if let Delivery::Automated {
        target_cluster_name, ..
    } = &delivery
    {
        // Atlas refuses a second restore into a cluster that one is still erasing.
        let busy = st.jobs.iter().any(|j| {
            !j.is_finished(now_ms)
                && matches!(&j.delivery, Delivery::Automated { target_cluster_name: t, .. } if t == target_cluster_name)
        });
        if busy {
            return Err(ApiError::bad_request(
                "CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE",
                format!("Cluster restore in progress: cluster {target_cluster_name} is already being restored into."),
            )
            .params(vec![json!(target_cluster_name)]));
        }
    }
    let batch_id = (cluster.cluster_type == ClusterType::Sharded).then(|| st.ids.next(now_ms));
    // The snapshot restored (or replayed from): its size sets how long each part takes.
    let slot = point
        .snapshot_id
        .as_deref()
        .and_then(|id| cluster.snapshot(id, sh.clock.start_ms(), now_ms))
        .map_or(0, |s| s.slot);
    let mut made = Vec::new();
    for (i, part) in cluster.parts.iter().enumerate() {
        let id = st.ids.next(now_ms);
        let data_bytes = sh.cfg.archive_bytes.unwrap_or_else(|| default_data_bytes(&id));
        // FINISH_MS for the newest snapshot complete at the simulator's start (slot -1).
        let takes_ms = finish_after_ms(part.data_bytes_at(slot), part.data_bytes_at(-1));
        made.push(Job {
            id,
            batch_id: batch_id.clone(),
            cluster_name: cluster.name.clone(),
            cluster_id: cluster.id.clone(),
            replica_set_name: part.replica_set_name.clone(),
            is_config: part.is_config(),
            created_ms: now_ms,
            finished_ms: now_ms + takes_ms + STAGGER_MS * i as i64,
            point: point.clone(),
            delivery: delivery.clone(),
            downloads: 0,
            sha1: None,
            data_bytes,
            digests: Default::default(),
            url_key: secret(16),
            auth_value: secret(32),
        });
    }
    st.jobs.extend(made.iter().cloned());
    st.counters.restore_job_creates += 1;
    Ok(made)
}

/// The rules' refusal in Atlas's error shape: 400, the first violation in `detail`, every
/// one in `badRequestDetail.fields`.
fn refused(refusal: Refusal) -> ApiError {
    let mut err = ApiError::bad_request(refusal.error_code(), refusal.detail()).params(refusal.parameters());
    err.violations = refusal
        .violations
        .iter()
        .map(|v| (v.field.to_string(), v.description.clone()))
        .collect();
    err
}

fn invalid(field: &str, why: String) -> ApiError {
    ApiError::bad_request(
        "INVALID_ATTRIBUTE",
        format!("Invalid attribute {field} specified: {why}"),
    )
    .params(vec![json!(field)])
}

fn restore_point(sh: &Shared, cluster: &Cluster, point: &Point, now_ms: i64) -> Result<RestorePoint, ApiError> {
    let start_ms = sh.clock.start_ms();
    match point {
        Point::Snapshot(id) => {
            let s = cluster
                .snapshot(id, start_ms, now_ms)
                .ok_or_else(|| snapshot_not_found(id, &cluster.name))?;
            if !s.complete {
                let mut err = snapshot_not_found(id, &cluster.name);
                err.detail = format!(
                    "No complete snapshot with ID {id} exists for cluster {}: it is still being taken.",
                    cluster.name
                );
                return Err(err);
            }
            Ok(RestorePoint {
                snapshot_id: Some(s.id.clone()),
                point_in_time: false,
                timestamp_ms: s.last_oplog_ms(),
                timestamp_increment: 4,
            })
        }
        Point::Checkpoint(id) => {
            let cp = cluster
                .checkpoint(id, start_ms, now_ms)
                .ok_or_else(|| checkpoint_not_found(id, &cluster.name))?;
            if !cp.restorable {
                return Err(invalid(
                    "checkpointId",
                    format!(
                        "checkpoint {id} of cluster {} is not restorable (a shard's token was not discovered); pick a restorable checkpoint.",
                        cluster.name
                    ),
                ));
            }
            based_on_snapshot(cluster, start_ms, now_ms, "checkpointId", cp.timestamp_ms, 1)
        }
        Point::PointInTime { ms } => based_on_snapshot(cluster, start_ms, now_ms, "pointInTimeUTCMillis", *ms, 1),
        Point::Oplog { ts_secs, inc } => {
            based_on_snapshot(cluster, start_ms, now_ms, "oplogTs", ts_secs.saturating_mul(1000), *inc)
        }
    }
}

/// A restore to a moment replays the oplog from the newest complete snapshot before it, so
/// the moment must lie after the oldest snapshot still kept.
fn based_on_snapshot(
    cluster: &Cluster,
    start_ms: i64,
    now_ms: i64,
    field: &str,
    at_ms: i64,
    increment: i64,
) -> Result<RestorePoint, ApiError> {
    let snapshots = cluster.snapshots(start_ms, now_ms);
    let base = snapshots
        .iter()
        .filter(|s| s.complete && s.last_oplog_ms() <= at_ms)
        .max_by_key(|s| s.created_ms);
    let Some(base) = base else {
        let oldest = snapshots.iter().filter(|s| s.complete).map(|s| s.last_oplog_ms()).min();
        let why = match oldest {
            Some(o) => format!(
                "{} is before {}, the oldest point cluster {} can be restored to.",
                iso(at_ms),
                iso(o),
                cluster.name
            ),
            None => format!("cluster {} has no complete snapshot yet.", cluster.name),
        };
        return Err(invalid(field, why));
    };
    Ok(RestorePoint {
        snapshot_id: Some(base.id.clone()),
        point_in_time: true,
        timestamp_ms: at_ms,
        timestamp_increment: increment,
    })
}

fn delivery(sh: &Shared, source: &Cluster, method: &Method) -> Result<Delivery, ApiError> {
    let (group, by) = match method {
        Method::Download {
            expiration_hours,
            max_downloads,
            // Taken, though the link's end is set by the hours alone here.
            expires_ms: _,
        } => {
            return Ok(Delivery::Http {
                expiration_hours: expiration_hours.unwrap_or(DEFAULT_EXPIRATION_HOURS),
                max_downloads: max_downloads.unwrap_or(UNLIMITED_DOWNLOADS),
            });
        }
        Method::Automated {
            target_group_id,
            target,
        } => (target_group_id, target),
    };
    if group != GROUP_ID {
        return Err(
            ApiError::not_found("GROUP_NOT_FOUND", format!("No group with ID {group} exists."))
                .params(vec![json!(group)]),
        );
    }
    let (target, field) = match by {
        TargetCluster::Name(name) => (
            sh.cluster(name).ok_or_else(|| cluster_name_not_found(name))?,
            "delivery.targetClusterName",
        ),
        TargetCluster::Id(id) => (
            sh.clusters.iter().find(|c| &c.id == id).ok_or_else(|| {
                ApiError::not_found(
                    "CLUSTER_NOT_FOUND",
                    format!("No cluster with ID {id} exists in group {GROUP_ID}."),
                )
                .params(vec![json!(id), json!(GROUP_ID)])
            })?,
            "delivery.targetClusterId",
        ),
    };
    if target.cluster_type != source.cluster_type || target.parts.len() != source.parts.len() {
        return Err(ApiError::new(
            StatusCode::BAD_REQUEST,
            "INVALID_ATTRIBUTE",
            format!(
                "Invalid attribute {field} specified: cluster {} is a {} and the source cluster {} is a {}; restore into a cluster of the same topology.",
                target.name,
                topology(target),
                source.name,
                topology(source)
            ),
        )
        .params(vec![json!(field)]));
    }
    Ok(Delivery::Automated {
        target_group_id: GROUP_ID.to_string(),
        target_cluster_name: target.name.clone(),
        target_cluster_id: target.id.clone(),
    })
}

fn topology(c: &Cluster) -> String {
    match c.cluster_type {
        ClusterType::ReplicaSet => "replica set".into(),
        ClusterType::Sharded => format!(
            "sharded cluster with {} shards",
            c.parts.iter().filter(|p| !p.is_config()).count()
        ),
    }
}
