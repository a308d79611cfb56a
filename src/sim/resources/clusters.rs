//! Clusters, their snapshots and their checkpoints: the read-only part of the project, as
//! `data.rs` seeds it on the simulated clock, plus what restore jobs into a cluster show in
//! its document (busy while one runs, `lastRestore` once one finished).

use super::{Req, checkpoint_not_found, snapshot_not_found};
use crate::sim::clock::iso;
use crate::sim::data::Cluster;
use crate::sim::http::error::ApiError;
use crate::sim::http::paging::page;
use crate::sim::http::render::{Reply, doc};
use crate::sim::jobs::{Delivery, Job};
use serde_json::{Value, json};

fn cluster_json(req: &Req<'_>, c: &Cluster) -> Value {
    let mut v = c.to_json(&req.sh.base_url, req.prefix(), req.sh.clock.start_ms());
    let now = req.sh.now_ms();
    let st = req.sh.state();
    let into_this = |j: &&Job| matches!(&j.delivery, Delivery::Automated { target_cluster_name, .. } if *target_cluster_name == c.name);
    // An automated restore into this cluster shows in its document: busy while it runs,
    // and the last one that finished.
    if st.jobs.iter().filter(into_this).any(|j| !j.is_finished(now)) {
        v["stateName"] = json!("UPDATING");
    }
    if let Some(last) = st
        .jobs
        .iter()
        .filter(into_this)
        .filter(|j| j.is_finished(now))
        .max_by_key(|j| (j.finished_ms, j.id.clone()))
    {
        v["lastRestore"] = json!({
            "restoreJobId": last.id,
            "sourceClusterName": last.cluster_name,
            "snapshotId": last.point.snapshot_id,
            "restoredTo": iso(last.point.timestamp_ms),
            "finished": iso(last.finished_ms),
        });
    }
    v
}

pub(super) fn list(req: &Req<'_>) -> Result<Reply, ApiError> {
    let items = req.sh.clusters.iter().map(|c| cluster_json(req, c)).collect();
    page(req, items)
}

pub(super) fn one(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    doc(cluster_json(req, c))
}

pub(super) fn list_snapshots(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let wanted: fn(bool) -> bool = match req.param("completed").unwrap_or("true") {
        v if v.eq_ignore_ascii_case("true") => |complete| complete,
        v if v.eq_ignore_ascii_case("false") => |complete| !complete,
        v if v.eq_ignore_ascii_case("all") => |_| true,
        other => {
            return Err(ApiError::bad_request(
                "INVALID_QUERY_PARAMETER",
                format!("Invalid query parameter completed={other}: use true, false or all."),
            )
            .params(vec![json!("completed"), json!(other)]));
        }
    };
    let now = req.sh.now_ms();
    let items = c
        .snapshots(req.sh.clock.start_ms(), now)
        .iter()
        .filter(|s| wanted(s.complete))
        .map(|s| c.snapshot_json(s, &req.sh.base_url, req.prefix()))
        .collect();
    page(req, items)
}

pub(super) fn one_snapshot(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let s = c
        .snapshot(id, req.sh.clock.start_ms(), req.sh.now_ms())
        .ok_or_else(|| snapshot_not_found(id, &c.name))?;
    doc(c.snapshot_json(&s, &req.sh.base_url, req.prefix()))
}

pub(super) fn list_checkpoints(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let items = c
        .checkpoints(req.sh.clock.start_ms(), req.sh.now_ms())
        .iter()
        .map(|cp| c.checkpoint_json(cp, &req.sh.base_url, req.prefix()))
        .collect();
    page(req, items)
}

pub(super) fn one_checkpoint(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let cp = c
        .checkpoint(id, req.sh.clock.start_ms(), req.sh.now_ms())
        .ok_or_else(|| checkpoint_not_found(id, &c.name))?;
    doc(c.checkpoint_json(&cp, &req.sh.base_url, req.prefix()))
}
