//! The table's rows over the simulator's data: what Atlas answers once a create's body is
//! taken, when the project does not hold what the body names (api.md §4's 404s) or holds
//! it in a state that cannot be restored. Asked in order; the first that refuses answers,
//! without `badRequestDetail`.

use super::{EVERY_API, EVERY_PRODUCT, Hit, INVALID, Method, Point, Requested, Rule, TargetCluster, Test};
use crate::restore::ClusterType;
use crate::sim::clock::iso;
use crate::sim::data::{Checkpoint, Cluster, Snapshot};
use crate::sim::http::error::ApiError;
use crate::sim::jobs::{Delivery, Job};
use axum::http::StatusCode;
use serde_json::json;

/// What the simulator holds of the things a taken body names.
#[derive(Debug)]
pub(crate) struct Lookup<'a> {
    /// The project of the path (the simulator has one).
    pub group_id: &'a str,
    /// The cluster of the path.
    pub source: &'a Cluster,
    /// The snapshot `snapshotId` names, complete or not.
    pub snapshot: Option<Snapshot>,
    /// The checkpoint `checkpointId` names.
    pub checkpoint: Option<Checkpoint>,
    /// A restore to a moment (a checkpoint's, an oplog position, a point in time) replays
    /// the oplog from the newest complete snapshot at or before it.
    pub moment_ms: Option<i64>,
    pub base: Option<Snapshot>,
    /// The oldest moment a complete snapshot still kept reaches back to.
    pub oldest_ms: Option<i64>,
    /// The cluster an automated restore names, when the project has it.
    pub target: Option<&'a Cluster>,
    /// Whether an unfinished automated restore is erasing that cluster now.
    pub target_busy: bool,
}

impl<'a> Lookup<'a> {
    pub fn of(
        requested: &Requested,
        group_id: &'a str,
        source: &'a Cluster,
        clusters: &'a [Cluster],
        jobs: &[Job],
        (start_ms, now_ms): (i64, i64),
    ) -> Lookup<'a> {
        let snapshot = match &requested.point {
            Point::Snapshot(id) => source.snapshot(id, start_ms, now_ms),
            _ => None,
        };
        let checkpoint = match &requested.point {
            Point::Checkpoint(id) => source.checkpoint(id, start_ms, now_ms),
            _ => None,
        };
        let moment_ms = match &requested.point {
            Point::Snapshot(_) => None,
            Point::Checkpoint(_) => checkpoint.as_ref().map(|cp| cp.timestamp_ms),
            Point::PointInTime { ms } => Some(*ms),
            Point::Oplog { ts_secs, .. } => Some(ts_secs.saturating_mul(1000)),
        };
        let complete: Vec<Snapshot> = source
            .snapshots(start_ms, now_ms)
            .into_iter()
            .filter(|s| s.complete)
            .collect();
        let base = moment_ms.and_then(|at_ms| {
            complete
                .iter()
                .filter(|s| s.last_oplog_ms() <= at_ms)
                .max_by_key(|s| s.created_ms)
                .cloned()
        });
        let target = match &requested.method {
            Method::Download { .. } => None,
            Method::Automated {
                target: TargetCluster::Name(name),
                ..
            } => clusters.iter().find(|c| &c.name == name),
            Method::Automated {
                target: TargetCluster::Id(id),
                ..
            } => clusters.iter().find(|c| &c.id == id),
        };
        let target_busy = target.is_some_and(|t| {
            jobs.iter().any(|j| {
                !j.is_finished(now_ms)
                    && matches!(&j.delivery, Delivery::Automated { target_cluster_name, .. } if *target_cluster_name == t.name)
            })
        });
        Lookup {
            group_id,
            source,
            snapshot,
            checkpoint,
            moment_ms,
            base,
            oldest_ms: complete.iter().map(Snapshot::last_oplog_ms).min(),
            target,
            target_busy,
        }
    }
}

/// The first data row that refuses this request, as Atlas answers it.
pub(crate) fn refused_by_data(requested: &Requested, look: &Lookup) -> Option<ApiError> {
    ROWS.iter().find_map(|rule| {
        let Test::Data(test) = rule.test else {
            return None;
        };
        let hit = test(requested, look)?;
        let status = StatusCode::from_u16(rule.status).unwrap_or(StatusCode::BAD_REQUEST);
        Some(ApiError::new(status, rule.code, rule.detail_for(&hit)).params(hit.parameters))
    })
}

const fn row(code: &'static str, status: u16, detail: &'static str, fact: &'static str, test: Test) -> Rule {
    Rule {
        code,
        status,
        products: EVERY_PRODUCT,
        apis: EVERY_API,
        detail,
        fact,
        test,
    }
}

/// A case whose parameters are the things named, not a field.
fn named(field: &'static str, parameters: &[&str]) -> Hit {
    Hit {
        field,
        parameters: parameters.iter().map(|p| json!(p)).collect(),
        why: String::new(),
    }
}

pub(super) static ROWS: [Rule; 11] = [
    row(
        "BACKUP_CONFIG_NOT_FOUND",
        404,
        "No backup configuration exists for cluster {0} in group {1}.",
        "api.md §4: 404 BACKUP_CONFIG_NOT_FOUND",
        Test::Data(|_, l| (!l.source.backup_enabled).then(|| named("body", &[&l.source.name, l.group_id]))),
    ),
    row(
        "SNAPSHOT_NOT_FOUND",
        404,
        "No snapshot with ID {0} exists for cluster {1}.",
        "api.md §4: 404 SNAPSHOT_NOT_FOUND",
        Test::Data(|r, l| match &r.point {
            Point::Snapshot(id) if l.snapshot.is_none() => Some(named("snapshotId", &[id, &l.source.name])),
            _ => None,
        }),
    ),
    // A snapshot still being taken is not one Atlas can restore (api.md §3.1: `complete` is
    // false while it is made); Atlas's code for a snapshot it cannot use, with the reason.
    row(
        "SNAPSHOT_NOT_FOUND",
        404,
        "No complete snapshot with ID {0} exists for cluster {1}: it is still being taken.",
        "api.md §3.1 and §4: 404 SNAPSHOT_NOT_FOUND",
        Test::Data(|r, l| match (&r.point, &l.snapshot) {
            (Point::Snapshot(id), Some(s)) if !s.complete => Some(named("snapshotId", &[id, &l.source.name])),
            _ => None,
        }),
    ),
    row(
        "CHECKPOINT_NOT_FOUND",
        404,
        "No checkpoint with ID {0} exists for cluster {1}.",
        "api.md §4: 404 CHECKPOINT_NOT_FOUND",
        Test::Data(|r, l| match &r.point {
            Point::Checkpoint(id) if l.checkpoint.is_none() => Some(named("checkpointId", &[id, &l.source.name])),
            _ => None,
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        400,
        INVALID,
        "api.md §3.2: only restorable checkpoints are candidates",
        Test::Data(|_, l| match &l.checkpoint {
            Some(cp) if !cp.restorable => Some(Hit::on(
                "checkpointId",
                format!(
                    "checkpoint {} of cluster {} is not restorable (a shard's token was not discovered); pick a restorable checkpoint.",
                    cp.id, l.source.name
                ),
            )),
            _ => None,
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        400,
        INVALID,
        "api.md §1: a moment is restored from the snapshot before it, replaying the oplog",
        Test::Data(moment_before_every_snapshot),
    ),
    row(
        "GROUP_NOT_FOUND",
        404,
        "No group with ID {0} exists.",
        "api.md §4: 404 GROUP_NOT_FOUND",
        Test::Data(|r, l| match &r.method {
            Method::Automated { target_group_id, .. } if target_group_id != l.group_id => {
                Some(named("delivery.targetGroupId", &[target_group_id]))
            }
            _ => None,
        }),
    ),
    row(
        "CLUSTER_NAME_NOT_FOUND",
        404,
        "No cluster with name {0} exists in group {1}.",
        "api.md §4: 404 CLUSTER_NAME_NOT_FOUND",
        Test::Data(|r, l| match &r.method {
            Method::Automated {
                target: TargetCluster::Name(name),
                ..
            } if l.target.is_none() => Some(named("delivery.targetClusterName", &[name, l.group_id])),
            _ => None,
        }),
    ),
    row(
        "CLUSTER_NOT_FOUND",
        404,
        "No cluster with ID {0} exists in group {1}.",
        "api.md §4: 404 CLUSTER_NOT_FOUND",
        Test::Data(|r, l| match &r.method {
            Method::Automated {
                target: TargetCluster::Id(id),
                ..
            } if l.target.is_none() => Some(named("delivery.targetClusterId", &[id, l.group_id])),
            _ => None,
        }),
    ),
    // A backup of one shape cannot be laid onto a cluster of another.
    row(
        "INVALID_ATTRIBUTE",
        400,
        INVALID,
        "api.md §2: a sharded restore is one job per shard plus the config server",
        Test::Data(other_topology),
    ),
    row(
        "CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE",
        400,
        "Cluster restore in progress: cluster {0} is already being restored into.",
        "api.md §4: 400 CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE",
        Test::Data(|_, l| match l.target {
            Some(t) if l.target_busy => Some(named("delivery.targetClusterName", &[&t.name])),
            _ => None,
        }),
    ),
];

fn moment_before_every_snapshot(r: &Requested, l: &Lookup) -> Option<Hit> {
    let field = match r.point {
        Point::Snapshot(_) => return None,
        Point::Checkpoint(_) => "checkpointId",
        Point::PointInTime { .. } => "pointInTimeUTCMillis",
        Point::Oplog { .. } => "oplogTs",
    };
    let at_ms = l.moment_ms?;
    if l.base.is_some() {
        return None;
    }
    let name = &l.source.name;
    let why = match l.oldest_ms {
        Some(o) => format!(
            "{} is before {}, the oldest point cluster {name} can be restored to.",
            iso(at_ms),
            iso(o)
        ),
        None => format!("cluster {name} has no complete snapshot yet."),
    };
    Some(Hit::on(field, why))
}

fn other_topology(r: &Requested, l: &Lookup) -> Option<Hit> {
    let (Method::Automated { target: by, .. }, Some(target)) = (&r.method, l.target) else {
        return None;
    };
    let source = l.source;
    if target.cluster_type == source.cluster_type && target.parts.len() == source.parts.len() {
        return None;
    }
    let field = match by {
        TargetCluster::Name(_) => "delivery.targetClusterName",
        TargetCluster::Id(_) => "delivery.targetClusterId",
    };
    Some(Hit::on(
        field,
        format!(
            "cluster {} is a {} and the source cluster {} is a {}; restore into a cluster of the same topology.",
            target.name,
            topology(target),
            source.name,
            topology(source)
        ),
    ))
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
