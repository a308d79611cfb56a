//! The rules of a restore request (`../shared/atlas/api.md` §1 and §7), checked all at once
//! so that every conflict is reported with every field it involves. Cloud Manager and Ops
//! Manager differ from Atlas in a few (`../shared/atlas/ops-manager.md`), each a rule of its
//! own with its own code (`docs/ops-manager-decisions.md`).

use super::context::{ClusterType, Context, Flavor};
use super::draft::RestoreDraft;
use super::field::Field;
use super::finding::{Code, Finding};
use super::read::*;

/// The earliest point in time Atlas accepts: 2008-01-01T00:00:00Z.
pub const MIN_POINT_IN_TIME_MS: i64 = 1_199_145_600_000;
/// A point in time must fall within this span before now.
pub const POINT_IN_TIME_WINDOW_MS: i64 = 24 * 3_600_000;
/// `expirationHours` and `maxDownloads` are positive int32s.
pub const MAX_INT32: i64 = i32::MAX as i64;

/// How the restore is delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryMethod {
    /// A download URL.
    Http,
    /// Atlas erases the target cluster and restores into it.
    AutomatedRestore,
}

impl DeliveryMethod {
    pub const fn as_api(self) -> &'static str {
        match self {
            DeliveryMethod::Http => "HTTP",
            DeliveryMethod::AutomatedRestore => "AUTOMATED_RESTORE",
        }
    }
}

/// A draft's values once read, for the body builder; `None` where unset or unreadable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Resolved {
    pub snapshot_id: Option<String>,
    pub checkpoint_id: Option<String>,
    pub oplog_ts_secs: Option<i64>,
    pub oplog_inc: Option<i64>,
    pub point_in_time_ms: Option<i64>,
    pub method: Option<DeliveryMethod>,
    pub expiration_hours: Option<i64>,
    pub max_downloads: Option<i64>,
    pub target_group_id: Option<String>,
    pub target_cluster_name: Option<String>,
    pub target_cluster_id: Option<String>,
    /// Cloud and Ops Manager's `delivery.expires`, epoch ms.
    pub expires_ms: Option<i64>,
}

/// Every finding for a draft in its context: errors and warnings, in a stable order.
pub fn validate(draft: &RestoreDraft, ctx: &Context) -> Vec<Finding> {
    check(draft, ctx).0
}

pub fn check(draft: &RestoreDraft, ctx: &Context) -> (Vec<Finding>, Resolved) {
    let mut out = draft.notes.clone();
    if out.iter().any(|f| f.code == Code::BodyNotObject) {
        // Nothing else can be said of a body that is not an object.
        return (out, Resolved::default());
    }
    let r = Resolved {
        snapshot_id: read_id(draft, Field::SnapshotId, &mut out),
        checkpoint_id: read_id(draft, Field::CheckpointId, &mut out),
        oplog_ts_secs: read_oplog_ts(draft, ctx, &mut out),
        oplog_inc: read_oplog_inc(draft, ctx, &mut out),
        point_in_time_ms: read_point_in_time(draft, ctx, &mut out),
        method: read_method(draft, &mut out),
        expiration_hours: read_positive_int32(draft, Field::ExpirationHours, ctx, &mut out),
        max_downloads: read_positive_int32(draft, Field::MaxDownloads, ctx, &mut out),
        target_group_id: read_id(draft, Field::TargetGroupId, &mut out),
        target_cluster_name: read_cluster_name(draft, Field::TargetClusterName, &mut out),
        target_cluster_id: read_id(draft, Field::TargetClusterId, &mut out),
        expires_ms: read_expires(draft, ctx, &mut out),
    };
    check_source(ctx, &mut out);
    check_restore_point(draft, &mut out);
    check_delivery(draft, r.method, ctx.flavor, &mut out);
    check_topology(draft, ctx.source_cluster_type, ctx.flavor, &mut out);
    check_target_is_source(draft, r.method, ctx, &mut out);
    super::catalog::check_catalog(draft, r.method, ctx, &mut out);
    (out, r)
}

// ---- rules across fields ---------------------------------------------------------------

fn check_source(ctx: &Context, out: &mut Vec<Finding>) {
    if let Some(f) = ctx
        .source_group_id
        .as_deref()
        .and_then(|g| id_problem(Field::GroupId, g))
    {
        out.push(f);
    }
    if let Some(f) = ctx
        .source_cluster_name
        .as_deref()
        .and_then(|c| cluster_name_problem(Field::ClusterName, c))
    {
        out.push(f);
    }
}

/// The restore point kinds that are set, each with its fields.
fn restore_points(draft: &RestoreDraft) -> Vec<&'static [Field]> {
    const KINDS: [&[Field]; 4] = [
        &[Field::SnapshotId],
        &[Field::CheckpointId],
        &[Field::OplogTs, Field::OplogInc],
        &[Field::PointInTimeUtcMillis],
    ];
    KINDS
        .into_iter()
        .filter(|fields| fields.iter().any(|f| draft.is_set(*f)))
        .collect()
}

fn set_fields(draft: &RestoreDraft, kinds: &[&[Field]]) -> Vec<Field> {
    kinds
        .iter()
        .flat_map(|k| k.iter().copied())
        .filter(|f| draft.is_set(*f))
        .collect()
}

fn names(fields: &[Field]) -> String {
    let names: Vec<&str> = fields.iter().map(|f| f.api_name()).collect();
    match names.as_slice() {
        [] => String::new(),
        [one] => one.to_string(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn check_restore_point(draft: &RestoreDraft, out: &mut Vec<Finding>) {
    let kinds = restore_points(draft);
    match kinds.len() {
        0 => out.push(Finding::error(
            Code::RestorePointMissing,
            &[
                Field::SnapshotId,
                Field::CheckpointId,
                Field::OplogTs,
                Field::OplogInc,
                Field::PointInTimeUtcMillis,
            ],
            "no restore point: set one of snapshotId, checkpointId, oplogTs with oplogInc, or pointInTimeUTCMillis",
        )),
        1 => {}
        _ => {
            let fields = set_fields(draft, &kinds);
            out.push(Finding::error(
                Code::RestorePointConflict,
                &fields,
                format!(
                    "{} are different restore points: keep one and clear the others",
                    names(&fields)
                ),
            ));
        }
    }
    match (draft.is_set(Field::OplogTs), draft.is_set(Field::OplogInc)) {
        (true, false) => out.push(Finding::error(
            Code::OplogPairIncomplete,
            &[Field::OplogTs, Field::OplogInc],
            "oplogTs needs oplogInc: set oplogInc (the operation's ordinal within that second, 1 or more) or clear oplogTs",
        )),
        (false, true) => out.push(Finding::error(
            Code::OplogPairIncomplete,
            &[Field::OplogTs, Field::OplogInc],
            "oplogInc needs oplogTs: set oplogTs (the operation's time) or clear oplogInc",
        )),
        _ => {}
    }
}

fn check_delivery(draft: &RestoreDraft, method: Option<DeliveryMethod>, flavor: Flavor, out: &mut Vec<Finding>) {
    let present = |fields: &[Field]| -> Vec<Field> { fields.iter().copied().filter(|f| draft.is_set(*f)).collect() };
    match method {
        None => {}
        Some(DeliveryMethod::Http) => {
            let automated_only = present(&[
                Field::CheckpointId,
                Field::OplogTs,
                Field::OplogInc,
                Field::PointInTimeUtcMillis,
            ]);
            if !automated_only.is_empty() {
                let mut fields = automated_only.clone();
                fields.push(Field::MethodName);
                let verb = if automated_only.len() == 1 { "works" } else { "work" };
                out.push(Finding::error(
                    Code::RequiresAutomatedRestore,
                    &fields,
                    format!(
                        "{} {verb} only with delivery.methodName AUTOMATED_RESTORE: choose it, or restore from a snapshotId to download",
                        names(&automated_only)
                    ),
                ));
            }
            let targets = present(&[Field::TargetGroupId, Field::TargetClusterName, Field::TargetClusterId]);
            if !targets.is_empty() {
                let mut fields = targets.clone();
                fields.push(Field::MethodName);
                out.push(Finding::error(
                    Code::TargetNotForHttp,
                    &fields,
                    format!(
                        "{} name a cluster to overwrite, which HTTP delivery does not do: clear them, or choose AUTOMATED_RESTORE",
                        names(&targets)
                    ),
                ));
            }
            if flavor.is_public_api() {
                check_http_of_public_api(draft, flavor, out);
            }
        }
        Some(DeliveryMethod::AutomatedRestore) if flavor.is_public_api() => {
            check_targets_of_public_api(draft, flavor, out);
            warn_http_only(draft, out);
        }
        Some(DeliveryMethod::AutomatedRestore) => {
            if !draft.is_set(Field::TargetGroupId) {
                out.push(Finding::error(
                    Code::TargetGroupMissing,
                    &[Field::TargetGroupId, Field::MethodName],
                    "AUTOMATED_RESTORE needs delivery.targetGroupId: the project of the cluster to restore into",
                ));
            }
            match (draft.is_set(Field::TargetClusterName), draft.is_set(Field::TargetClusterId)) {
                (false, false) => out.push(Finding::error(
                    Code::TargetClusterMissing,
                    &[Field::TargetClusterName, Field::TargetClusterId, Field::MethodName],
                    "AUTOMATED_RESTORE needs the cluster to restore into: set delivery.targetClusterName (or delivery.targetClusterId)",
                )),
                (true, true) => out.push(Finding::error(
                    Code::TargetClusterAmbiguous,
                    &[Field::TargetClusterName, Field::TargetClusterId],
                    "set only one of delivery.targetClusterName and delivery.targetClusterId, so that there is no doubt which cluster is erased",
                )),
                _ => {}
            }
            warn_http_only(draft, out);
        }
    }
}

/// The fields that shape a download link, set on an automated restore: a warning.
fn warn_http_only(draft: &RestoreDraft, out: &mut Vec<Finding>) {
    let http_only: Vec<Field> = [Field::ExpirationHours, Field::MaxDownloads, Field::Expires]
        .into_iter()
        .filter(|f| draft.is_set(*f))
        .collect();
    if !http_only.is_empty() {
        let mut fields = http_only.clone();
        fields.push(Field::MethodName);
        out.push(Finding::warning(
            Code::NotForAutomatedRestore,
            &fields,
            format!(
                "{} only shape a download link and do nothing with AUTOMATED_RESTORE: clear them",
                names(&http_only)
            ),
        ));
    }
}

/// Cloud and Ops Manager's HTTP delivery: `maxDownloads` required, `expires` or
/// `expirationHours` but not both.
fn check_http_of_public_api(draft: &RestoreDraft, flavor: Flavor, out: &mut Vec<Finding>) {
    let product = flavor.product();
    if !draft.is_set(Field::MaxDownloads) {
        out.push(Finding::error(
            Code::MaxDownloadsRequired,
            &[Field::MaxDownloads, Field::MethodName],
            format!("{product} requires delivery.maxDownloads with HTTP delivery: give how many times the link may be used, 1 or more"),
        ));
    }
    if draft.is_set(Field::Expires) && draft.is_set(Field::ExpirationHours) {
        out.push(Finding::error(
            Code::ExpiresConflict,
            &[Field::ExpirationHours, Field::Expires],
            format!("{product} takes delivery.expires or delivery.expirationHours, not both: keep the one that says when the link should stop working"),
        ));
    }
}

/// Cloud and Ops Manager's automated restore: the target project, and the target cluster by
/// its id (they have no `targetClusterName`).
fn check_targets_of_public_api(draft: &RestoreDraft, flavor: Flavor, out: &mut Vec<Finding>) {
    let product = flavor.product();
    if !draft.is_set(Field::TargetGroupId) {
        out.push(Finding::error(
            Code::TargetGroupMissing,
            &[Field::TargetGroupId, Field::MethodName],
            "AUTOMATED_RESTORE needs delivery.targetGroupId: the project of the cluster to restore into",
        ));
    }
    if draft.is_set(Field::TargetClusterName) {
        out.push(Finding::error(
            Code::TargetClusterByIdOnly,
            &[Field::TargetClusterName],
            format!("{product} names the cluster to restore into by id only: put its id (clusterId in the clusters or snapshots list) in delivery.targetClusterId and clear delivery.targetClusterName"),
        ));
    } else if !draft.is_set(Field::TargetClusterId) {
        out.push(Finding::error(
            Code::TargetClusterMissing,
            &[Field::TargetClusterId, Field::MethodName],
            format!("AUTOMATED_RESTORE needs the cluster to restore into: set delivery.targetClusterId, its id ({product} takes no name there)"),
        ));
    }
}

fn check_topology(draft: &RestoreDraft, cluster_type: Option<ClusterType>, flavor: Flavor, out: &mut Vec<Finding>) {
    if draft.is_set(Field::CheckpointId) {
        if cluster_type == Some(ClusterType::ReplicaSet) {
            out.push(Finding::error(
                Code::CheckpointNeedsSharded,
                &[Field::CheckpointId],
                "checkpointId is for sharded clusters and the source is a replica set: restore from a snapshotId, an oplog point or a pointInTimeUTCMillis",
            ));
        } else if flavor.is_public_api() {
            out.push(Finding::warning(
                Code::CheckpointNeedsFcv40,
                &[Field::CheckpointId],
                format!(
                    "{} restores a checkpoint of a sharded cluster at feature compatibility 4.0 or older only: at 4.2 or newer, restore from a snapshotId or a pointInTimeUTCMillis",
                    flavor.product()
                ),
            ));
        } else {
            out.push(Finding::warning(
                Code::CheckpointOfShardedDeclined,
                &[Field::CheckpointId],
                "Atlas documents that this endpoint declines checkpoint restores of sharded clusters: expect a refusal, or restore from a snapshotId",
            ));
        }
    }
    if cluster_type == Some(ClusterType::Sharded) {
        let replica_only: Vec<Field> = [Field::OplogTs, Field::OplogInc, Field::PointInTimeUtcMillis]
            .into_iter()
            .filter(|f| draft.is_set(*f))
            .collect();
        if !replica_only.is_empty() && flavor.is_public_api() {
            out.push(Finding::warning(
                Code::ShardedNeedsFcv42,
                &replica_only,
                format!(
                    "{} restores a sharded cluster from {} only at feature compatibility 4.2 or newer: at 4.0 or older, restore from a snapshotId or a checkpointId",
                    flavor.product(),
                    names(&replica_only)
                ),
            ));
        } else if !replica_only.is_empty() {
            out.push(Finding::error(
                Code::NeedsReplicaSet,
                &replica_only,
                format!(
                    "{} restore replica sets only and the source is sharded: restore from a snapshotId or a checkpointId",
                    names(&replica_only)
                ),
            ));
        }
    }
}

fn check_target_is_source(draft: &RestoreDraft, method: Option<DeliveryMethod>, ctx: &Context, out: &mut Vec<Finding>) {
    if method != Some(DeliveryMethod::AutomatedRestore) {
        return;
    }
    let same_group = matches!(
        (ctx.source_group_id.as_deref(), draft.get(Field::TargetGroupId)),
        (Some(source), Some(target)) if source.eq_ignore_ascii_case(&target.text)
    );
    if !same_group {
        return;
    }
    let by_name = matches!(
        (ctx.source_cluster_name.as_deref(), draft.get(Field::TargetClusterName)),
        (Some(source), Some(target)) if source.eq_ignore_ascii_case(&target.text)
    );
    let by_id = matches!(
        (ctx.source_cluster_id.as_deref(), draft.get(Field::TargetClusterId)),
        (Some(source), Some(target)) if source.eq_ignore_ascii_case(&target.text)
    );
    if by_name || by_id {
        let cluster = if by_name {
            Field::TargetClusterName
        } else {
            Field::TargetClusterId
        };
        out.push(Finding::warning(
            Code::TargetIsSource,
            &[Field::TargetGroupId, cluster],
            "the target is the source cluster itself: the restore first erases all of its current data; be sure that is what you want",
        ));
    }
}
