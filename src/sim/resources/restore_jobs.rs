//! Restore jobs: the cluster's list (newest first, `batchId` to pick a sharded restore's
//! jobs), one job, and the create, whose checks of the body live in `create.rs`. A job's
//! progress is a function of the simulated clock (`jobs.rs`), read at each request.

use super::{Req, restore_job_not_found};
use crate::sim::create;
use crate::sim::data::{Cluster, is_object_id};
use crate::sim::http::error::ApiError;
use crate::sim::http::paging::page;
use crate::sim::http::render::{Reply, doc};
use serde_json::{Value, json};

pub(super) fn list(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let batch = req.param("batchId");
    if let Some(b) = batch.filter(|b| !is_object_id(b)) {
        return Err(ApiError::bad_request(
            "INVALID_QUERY_PARAMETER",
            format!("Invalid query parameter batchId={b}: it is a 24-digit hexadecimal id."),
        )
        .params(vec![json!("batchId"), json!(b)]));
    }
    let now = req.sh.now_ms();
    let st = req.sh.state();
    // Newest first, as Atlas lists them.
    let items = st
        .jobs
        .iter()
        .rev()
        .filter(|j| j.cluster_name == c.name)
        .filter(|j| batch.is_none_or(|b| j.batch_id.as_deref() == Some(b)))
        .map(|j| j.to_json(&req.sh.base_url, req.prefix(), now))
        .collect();
    drop(st);
    page(req, items)
}

pub(super) fn one(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let now = req.sh.now_ms();
    let st = req.sh.state();
    let job = st
        .jobs
        .iter()
        .find(|j| j.id == id && j.cluster_name == c.name)
        .ok_or_else(|| restore_job_not_found(id, &c.name))?;
    doc(job.to_json(&req.sh.base_url, req.prefix(), now))
}

pub(super) fn create(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let jobs = create::create_jobs(req.sh, req.api, c, req.body)?;
    let now = req.sh.now_ms();
    let results: Vec<Value> = jobs
        .iter()
        .map(|j| j.to_json(&req.sh.base_url, req.prefix(), now))
        .collect();
    let total = results.len();
    Ok(Reply {
        body: json!({
            "links": [{ "href": format!("{}{}", req.sh.base_url, req.path), "rel": "self" }],
            "results": results,
            "totalCount": total
        }),
        is_page: true,
    })
}
