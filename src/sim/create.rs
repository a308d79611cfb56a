//! `POST .../restoreJobs`: the body and then the project's data walked through the server's
//! own table of refusals (`rules/`, Atlas's and Cloud and Ops Manager's documented errors,
//! apart from the client's engine), then the jobs: one for a replica set, one per shard
//! plus one for the config server for a sharded cluster.

use super::Shared;
use super::data::{Cluster, GROUP_ID};
use super::http::error::ApiError;
use super::jobs::{
    DEFAULT_EXPIRATION_HOURS, Delivery, Job, RestorePoint, STAGGER_MS, UNLIMITED_DOWNLOADS, default_data_bytes,
    finish_after_ms, secret,
};
use super::rules::{self, Lookup, Method, Point, Refusal, Requested, Server};
use crate::restore::{ApiVersion, ClusterType};
use axum::http::StatusCode;

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
    // The data rows and the jobs made under one lock: two creates cannot both find the
    // target free.
    let mut st = sh.state();
    let look = Lookup::of(
        &requested,
        GROUP_ID,
        cluster,
        &sh.clusters,
        &st.jobs,
        (sh.clock.start_ms(), now_ms),
    );
    if let Some(err) = rules::refused_by_data(&requested, &look) {
        return Err(err);
    }
    let (point, delivery) = restore_point(&requested, &look)
        .zip(delivery(&requested, &look))
        .ok_or_else(unexpected)?;
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
        let takes_ms = finish_after_ms(part.data_bytes_at(slot), part.data_bytes_at(-1)) + STAGGER_MS * i as i64;
        // `restore_speed`: the same restore, sooner on the same clock.
        let takes_ms = (takes_ms as f64 / sh.cfg.restore_speed) as i64;
        made.push(Job {
            id,
            batch_id: batch_id.clone(),
            cluster_name: cluster.name.clone(),
            cluster_id: cluster.id.clone(),
            replica_set_name: part.replica_set_name.clone(),
            is_config: part.is_config(),
            created_ms: now_ms,
            finished_ms: now_ms + takes_ms,
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

/// The body rows' refusal in Atlas's error shape: the first violation in `detail`, every
/// one in `badRequestDetail.fields`.
fn refused(refusal: Refusal) -> ApiError {
    let status = StatusCode::from_u16(refusal.status()).unwrap_or(StatusCode::BAD_REQUEST);
    let mut err = ApiError::new(status, refusal.error_code(), refusal.detail()).params(refusal.parameters());
    err.violations = refusal
        .violations
        .iter()
        .map(|v| (v.field().to_string(), v.description().to_string()))
        .collect();
    err
}

/// Atlas's 500 (api.md §4): the table took what the data cannot make, which is a bug here.
fn unexpected() -> ApiError {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNEXPECTED_ERROR",
        "Unexpected error.",
    )
}

/// The restore point as the job reports it, once the data rows took it.
fn restore_point(requested: &Requested, look: &Lookup) -> Option<RestorePoint> {
    let (at_ms, increment) = match &requested.point {
        Point::Snapshot(_) => {
            let s = look.snapshot.as_ref()?;
            return Some(RestorePoint {
                snapshot_id: Some(s.id.clone()),
                point_in_time: false,
                timestamp_ms: s.last_oplog_ms(),
                timestamp_increment: 4,
            });
        }
        Point::Oplog { inc, .. } => (look.moment_ms?, *inc),
        Point::Checkpoint(_) | Point::PointInTime { .. } => (look.moment_ms?, 1),
    };
    Some(RestorePoint {
        snapshot_id: Some(look.base.as_ref()?.id.clone()),
        point_in_time: true,
        timestamp_ms: at_ms,
        timestamp_increment: increment,
    })
}

fn delivery(requested: &Requested, look: &Lookup) -> Option<Delivery> {
    match &requested.method {
        Method::Download {
            expiration_hours,
            max_downloads,
            // Taken, though the link's end is set by the hours alone here.
            expires_ms: _,
        } => Some(Delivery::Http {
            expiration_hours: expiration_hours.unwrap_or(DEFAULT_EXPIRATION_HOURS),
            max_downloads: max_downloads.unwrap_or(UNLIMITED_DOWNLOADS),
        }),
        Method::Automated { .. } => {
            let target = look.target?;
            Some(Delivery::Automated {
                target_group_id: look.group_id.to_string(),
                target_cluster_name: target.name.clone(),
                target_cluster_id: target.id.clone(),
            })
        }
    }
}
