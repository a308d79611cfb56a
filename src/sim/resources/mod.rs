//! The Admin API's resources: the handler behind `/api/atlas/...` and its routing table,
//! from a path's segments to the endpoint that answers it. The endpoints themselves are in
//! `clusters.rs` (clusters, snapshots, checkpoints) and `restore_jobs.rs`; what is shared by
//! them and by `create.rs`, the project's lookups and their 404s, is here.
//!
//! To add an endpoint: a row in `route` (and its path in the 405 row below it), and a
//! function beside its kind that returns `Result<Reply, ApiError>`, a `doc(..)` or a
//! `page(..)`. Authentication, faults, the query's `pretty`/`envelope` and the counters of
//! requests come with it.

mod clusters;
pub(crate) mod public;
mod restore_jobs;

use super::Shared;
use super::data::{Cluster, GROUP_ID, is_object_id};
use super::http::error::{ApiError, no_resource};
use super::http::render::Reply;
use super::http::request::{self, Req};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{Method, StatusCode, Uri};
use axum::response::Response;
use serde_json::json;
use std::sync::Arc;

/// The handler of `/api/atlas/{*rest}`; it runs once the request is authenticated and no
/// fault has answered for it.
pub(crate) async fn api(State(sh): State<Arc<Shared>>, method: Method, uri: Uri, body: Bytes) -> Response {
    {
        let mut st = sh.state();
        *st.counters
            .by_path
            .entry(format!("{method} {}", uri.path()))
            .or_insert(0) += 1;
    }
    request::answer(&sh, &method, &uri, &body, route).into_response()
}

/// The routing table: `segs` is the path after `/api/atlas/{version}/`. Cloud and Ops
/// Manager's (`/api/public/v1.0/`, clusters by id) is `public::route`.
fn route(req: &Req<'_>, segs: &[&str]) -> Result<Reply, ApiError> {
    if segs == ["groups"] && req.method == Method::GET {
        return projects(req);
    }
    if req.is_public_api() {
        return public::route(req, segs);
    }
    let ["groups", group, tail @ ..] = segs else {
        return Err(no_resource(req.path));
    };
    check_group(group)?;
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    match tail {
        ["clusters"] if get => clusters::list(req),
        ["clusters", name] if get => clusters::one(req, cluster(req, name)?),
        ["clusters", name, "snapshots"] if get => clusters::list_snapshots(req, cluster(req, name)?),
        ["clusters", name, "snapshots", id] if get => clusters::one_snapshot(req, cluster(req, name)?, id),
        ["clusters", name, "backupCheckpoints"] if get => clusters::list_checkpoints(req, cluster(req, name)?),
        ["clusters", name, "backupCheckpoints", id] if get => clusters::one_checkpoint(req, cluster(req, name)?, id),
        ["clusters", name, "restoreJobs"] if get => {
            req.sh.state().counters.restore_job_lists += 1;
            restore_jobs::list(req, cluster(req, name)?)
        }
        ["clusters", name, "restoreJobs"] if post => restore_jobs::create(req, cluster(req, name)?),
        ["clusters", name, "restoreJobs", id] if get => {
            req.sh.state().counters.restore_job_gets += 1;
            restore_jobs::one(req, cluster(req, name)?, id)
        }
        ["clusters"]
        | ["clusters", _]
        | ["clusters", _, "snapshots" | "backupCheckpoints" | "restoreJobs"]
        | ["clusters", _, "snapshots" | "backupCheckpoints" | "restoreJobs", _] => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("Method {} is not allowed on {}.", req.method, req.path),
        )),
        _ => Err(no_resource(req.path)),
    }
}

/// `GET /groups`: the projects the key can see, the one seeded project (what `config init`
/// offers to pick from).
fn projects(req: &Req<'_>) -> Result<Reply, ApiError> {
    let project = json!({
        "clusterCount": req.sh.clusters.len(),
        "created": crate::sim::clock::iso(req.sh.clock.start_ms() - 90 * 24 * 3_600_000),
        "id": GROUP_ID,
        "links": [{ "href": format!("{}{}/groups/{GROUP_ID}", req.sh.base_url, req.prefix()), "rel": "self" }],
        "name": super::data::GROUP_NAME,
        "orgId": "5f8e29f09d4b7e0012c3a400",
    });
    super::http::paging::page(req, vec![project])
}

fn check_group(group: &str) -> Result<(), ApiError> {
    if !is_object_id(group) {
        return Err(ApiError::not_found(
            "INVALID_GROUP_ID",
            format!("An invalid group ID {group} was specified."),
        )
        .params(vec![json!(group)]));
    }
    if group != GROUP_ID {
        return Err(
            ApiError::not_found("GROUP_NOT_FOUND", format!("No group with ID {group} exists."))
                .params(vec![json!(group)]),
        );
    }
    Ok(())
}

fn cluster<'a>(req: &Req<'a>, name: &str) -> Result<&'a Cluster, ApiError> {
    req.sh.cluster(name).ok_or_else(|| cluster_name_not_found(name))
}

pub(crate) fn cluster_name_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "CLUSTER_NAME_NOT_FOUND",
        format!("No cluster with name {name} exists in group {GROUP_ID}."),
    )
    .params(vec![json!(name), json!(GROUP_ID)])
}

/// Atlas's 404 for a thing of a cluster: "No snapshot with ID … exists for cluster …".
fn not_found_in_cluster(code: &'static str, what: &str, id: &str, cluster: &str) -> ApiError {
    ApiError::not_found(code, format!("No {what} with ID {id} exists for cluster {cluster}."))
        .params(vec![json!(id), json!(cluster)])
}

pub(crate) fn snapshot_not_found(id: &str, cluster: &str) -> ApiError {
    not_found_in_cluster("SNAPSHOT_NOT_FOUND", "snapshot", id, cluster)
}

pub(crate) fn checkpoint_not_found(id: &str, cluster: &str) -> ApiError {
    not_found_in_cluster("CHECKPOINT_NOT_FOUND", "checkpoint", id, cluster)
}

fn restore_job_not_found(id: &str, cluster: &str) -> ApiError {
    not_found_in_cluster("RESTORE_JOB_NOT_FOUND", "restore job", id, cluster)
}
