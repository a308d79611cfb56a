//! Cloud Manager's and Ops Manager's face of the same project (`atlas-restore sim --flavor
//! cloud-manager|ops-manager`): `/api/public/v1.0`, clusters named by id in every path, a
//! sharded cluster listed as one entry plus one per shard and config server (`typeName`),
//! checkpoints at `checkpoints`, `restorableTimeRanges`, and answers shaped as those servers
//! give them (`../shared/atlas/ops-manager.md`). The data and the jobs are the Atlas
//! simulator's own; this file only routes to them by id and reshapes what they answer.

use super::{Req, check_group, clusters, restore_jobs};
use crate::restore::{Flavor, RestorableRange};
use crate::sim::Shared;
use crate::sim::clock::iso;
use crate::sim::data::{Cluster, GROUP_ID, SNAPSHOT_RETENTION_MS, is_object_id};
use crate::sim::http::error::{ApiError, no_resource};
use crate::sim::http::paging::page;
use crate::sim::http::render::{Reply, doc};
use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

/// Cloud Manager restores a point in time within the last 24 hours; the simulated Ops Manager
/// project keeps a window as long as its snapshots (2 days), to show a window that is not 24
/// hours.
const CLOUD_MANAGER_WINDOW_MS: i64 = 24 * 3_600_000;

/// The routing table under `/api/public/v1.0/groups/{id}/`.
pub(super) fn route(req: &Req<'_>, segs: &[&str]) -> Result<Reply, ApiError> {
    let ["groups", group, tail @ ..] = segs else {
        return Err(no_resource(req.path));
    };
    check_group(group)?;
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    let reply = match tail {
        ["clusters"] if get => page(req, entries(req).into_iter().map(|(_, v)| v).collect()),
        ["clusters", id] if get => entries(req)
            .into_iter()
            .find(|(entry_id, _)| entry_id == id)
            .map(|(_, v)| v)
            .ok_or_else(|| cluster_not_found(id))
            .and_then(doc),
        ["clusters", id, "snapshots"] if get => clusters::list_snapshots(req, by_id(req, id)?),
        ["clusters", id, "snapshots", sid] if get => clusters::one_snapshot(req, by_id(req, id)?, sid),
        ["clusters", id, "checkpoints"] if get => clusters::list_checkpoints(req, by_id(req, id)?),
        ["clusters", id, "checkpoints", cid] if get => clusters::one_checkpoint(req, by_id(req, id)?, cid),
        // A POST under restoreJobs that is a read, not a create: routed before the create,
        // never counted as one, never making a job.
        ["clusters", id, "restoreJobs", "restorableTimeRanges"] if post => {
            let c = by_id(req, id)?;
            req.sh.state().counters.restorable_time_ranges += 1;
            return Ok(Reply {
                body: Value::Array(ranges_json(req.sh, c)),
                is_page: false,
            });
        }
        ["clusters", id, "restoreJobs"] if get => {
            let c = by_id(req, id)?;
            req.sh.state().counters.restore_job_lists += 1;
            restore_jobs::list(req, c)
        }
        ["clusters", id, "restoreJobs"] if post => restore_jobs::create(req, by_id(req, id)?),
        ["clusters", id, "restoreJobs", job] if get => {
            let c = by_id(req, id)?;
            req.sh.state().counters.restore_job_gets += 1;
            restore_jobs::one(req, c, job)
        }
        ["clusters"]
        | ["clusters", _]
        | ["clusters", _, "snapshots" | "checkpoints" | "restoreJobs"]
        | ["clusters", _, "snapshots" | "checkpoints" | "restoreJobs", _] => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("Method {} is not allowed on {}.", req.method, req.path),
        )),
        _ => Err(no_resource(req.path)),
    }?;
    Ok(reshape(req, reply))
}

/// A shard's or config server's entry id: the cluster's id with its part's number, unique in
/// the project.
pub(crate) fn part_id(c: &Cluster, part: usize) -> String {
    let last = &c.id[c.id.len() - 1..];
    format!("{}d{last}{part:04x}", &c.id[..18])
}

/// The project's cluster list as Cloud and Ops Manager give it, each entry with its id: a
/// replica set once; a sharded cluster once as a whole (`SHARDED_REPLICA_SET`), then once
/// per shard (`REPLICA_SET` with `shardName`) and for its config servers
/// (`CONFIG_SERVER_REPLICA_SET`), all with the cluster's `clusterName`.
fn entries(req: &Req<'_>) -> Vec<(String, Value)> {
    let heartbeat = iso(req.sh.now_ms() - req.sh.now_ms().rem_euclid(1000) - 20_000);
    let entry = |id: &str, c: &Cluster| {
        json!({
            "clusterName": c.name,
            "groupId": GROUP_ID,
            "id": id,
            "lastHeartbeat": heartbeat,
            "links": [{
                "href": format!("{}{}/groups/{GROUP_ID}/clusters/{id}", req.sh.base_url, req.prefix()),
                "rel": "self"
            }],
        })
    };
    let mut out = Vec::new();
    for c in &req.sh.clusters {
        let mut whole = entry(&c.id, c);
        if c.parts.len() == 1 {
            whole["replicaSetName"] = json!(c.parts[0].replica_set_name);
            whole["typeName"] = json!("REPLICA_SET");
            out.push((c.id.clone(), whole));
            continue;
        }
        whole["typeName"] = json!("SHARDED_REPLICA_SET");
        out.push((c.id.clone(), whole));
        for (i, p) in c.parts.iter().enumerate() {
            let id = part_id(c, i);
            let mut v = entry(&id, c);
            v["replicaSetName"] = json!(p.replica_set_name);
            if let Some(shard) = &p.shard_name {
                v["shardName"] = json!(shard);
            }
            v["typeName"] = json!(p.type_name());
            out.push((id, v));
        }
    }
    out
}

fn cluster_not_found(id: &str) -> ApiError {
    // What Ops Manager says of a name where an id belongs: it reads no id in it.
    let detail = if is_object_id(id) {
        format!("No cluster with ID {id} exists in group {GROUP_ID}.")
    } else {
        "An invalid cluster ID null was specified.".to_string()
    };
    ApiError::not_found("CLUSTER_NOT_FOUND", detail).params(vec![json!(id), json!(GROUP_ID)])
}

/// The cluster a path's id names; a shard's or config server's id is not one to back up or
/// restore on its own.
fn by_id<'a>(req: &Req<'a>, id: &str) -> Result<&'a Cluster, ApiError> {
    if let Some(c) = req.sh.clusters.iter().find(|c| c.id == id) {
        return Ok(c);
    }
    let part_of = req
        .sh
        .clusters
        .iter()
        .find(|c| (0..c.parts.len()).any(|i| part_id(c, i) == id));
    match part_of {
        Some(c) => Err(ApiError::bad_request(
            "INVALID_CLUSTER_ID",
            format!(
                "Cluster {id} is a part of the sharded cluster {} ({}): its backups and restores are that cluster's.",
                c.name, c.id
            ),
        )
        .params(vec![json!(id)])),
        None => Err(cluster_not_found(id)),
    }
}

/// The ranges a point in time of `c` can be restored from: one per complete snapshot, from
/// its last oplog entry to the next one's (the newest up to now), within the product's
/// window. Empty without backup.
pub(crate) fn restorable_ranges(sh: &Shared, c: &Cluster) -> Vec<RestorableRange> {
    let now = sh.now_ms();
    let now = now - now.rem_euclid(1000);
    let window_ms = match sh.cfg.flavor {
        Flavor::CloudManager => CLOUD_MANAGER_WINDOW_MS,
        _ => SNAPSHOT_RETENTION_MS,
    };
    let mut complete: Vec<_> = c
        .snapshots(sh.clock.start_ms(), now)
        .into_iter()
        .filter(|s| s.complete)
        .collect();
    complete.sort_by_key(|s| s.created_ms);
    let mut out = Vec::new();
    for (i, s) in complete.iter().enumerate() {
        let start_ms = s.last_oplog_ms().max(now - window_ms);
        let end_ms = complete.get(i + 1).map_or(now, |next| next.last_oplog_ms() - 1000);
        if start_ms <= end_ms {
            out.push(RestorableRange {
                start_ms,
                end_ms,
                snapshot_id: Some(s.id.clone()),
            });
        }
    }
    out
}

fn ranges_json(sh: &Shared, c: &Cluster) -> Vec<Value> {
    let shards = c.parts.iter().filter(|p| !p.is_config()).count();
    restorable_ranges(sh, c)
        .into_iter()
        .map(|r| {
            let mut v = json!({
                "end": { "date": iso(r.end_ms), "increment": 1 },
                "snapshotId": r.snapshot_id,
                "start": { "date": iso(r.start_ms), "increment": 1 },
            });
            if c.parts.len() > 1 {
                v["shardCount"] = json!(shards);
            }
            v
        })
        .collect()
}

/// What the shared endpoints answered, in these servers' shape: links by cluster id, no
/// `clusterName` on snapshots and jobs, and a download's delivery as each product gives it.
fn reshape(req: &Req<'_>, mut reply: Reply) -> Reply {
    let flavor = req.sh.cfg.flavor;
    let fix = |v: &mut Value| reshape_one(req.sh, flavor, v);
    match &mut reply.body {
        Value::Object(map) if reply.is_page => {
            if let Some(Value::Array(items)) = map.get_mut("results") {
                items.iter_mut().for_each(fix);
            }
        }
        Value::Array(_) => {}
        other => fix(other),
    }
    reply
}

fn reshape_one(sh: &Shared, flavor: Flavor, v: &mut Value) {
    let Some(map) = v.as_object_mut() else {
        return;
    };
    // Links name the cluster by id, and checkpoints live at `checkpoints`.
    if let Some(Value::Array(links)) = map.get_mut("links") {
        for link in links.iter_mut() {
            if let Some(href) = link.get("href").and_then(Value::as_str) {
                let mut href = href.replace("/backupCheckpoints", "/checkpoints");
                for c in &sh.clusters {
                    href = href.replace(&format!("/clusters/{}/", c.name), &format!("/clusters/{}/", c.id));
                }
                link["href"] = json!(href);
            }
        }
    }
    // A cluster's entry has `clusterName`; a snapshot's or a job's does not here.
    if !map.contains_key("typeName") {
        map.remove("clusterName");
    }
    let Some(Value::Object(delivery)) = map.get_mut("delivery") else {
        return;
    };
    // The target is named by id only.
    delivery.remove("targetClusterName");
    match flavor {
        // Cloud Manager's jobs list `url` alone.
        Flavor::CloudManager => {
            for key in ["urlV2", "authHeader", "authValue"] {
                delivery.remove(key);
            }
        }
        // Ops Manager gives `urlV2` with `Authorization: Bearer <authValue>`.
        Flavor::OpsManager => {
            if delivery.contains_key("authHeader") {
                delivery.insert("authHeader".into(), json!("Authorization"));
                delivery.insert("authBearer".into(), json!("Bearer"));
            }
        }
        Flavor::Atlas => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn part_ids_are_object_ids_unique_in_the_project() {
        let clusters = crate::sim::data::clusters();
        let mut ids: Vec<String> = clusters.iter().map(|c| c.id.clone()).collect();
        for c in &clusters {
            ids.extend((0..c.parts.len()).map(|i| part_id(c, i)));
        }
        assert!(ids.iter().all(|id| is_object_id(id)), "{ids:?}");
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }
}
