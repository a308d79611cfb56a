//! The table's rows over a create's body, second part: the rules across fields (api.md §1's
//! "if you set X you can't set Y", §7's composer rules, ops-manager.md's request rules),
//! asked after every field's form.

use super::{ATLAS, Body, EVERY_API, Hit, INVALID, MISSING, PUBLIC_API, Rule, Test, body_row as row, scoped};
use crate::restore::ClusterType;

pub(super) static ROWS: [Rule; 15] = [
    row(
        "MISSING_ATTRIBUTE",
        MISSING,
        "api.md §1 and §7 rule 2: a restore job has a restore point",
        Test::Body(|b| {
            if points_sent(b).is_empty() {
                vec![Hit::on(
                    "snapshotId",
                    "a restore needs a point to restore to: snapshotId, checkpointId, oplogTs with oplogInc, or pointInTimeUTCMillis.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: snapshotId, checkpointId, the oplog pair and pointInTimeUTCMillis exclude each other",
        Test::Body(two_restore_points),
    ),
    row(
        "MISSING_ATTRIBUTE",
        MISSING,
        "api.md §1: if you set oplogTs, you must set oplogInc",
        Test::Body(|b| match (b.sent("oplogTs"), b.sent("oplogInc")) {
            (true, false) => vec![Hit::on(
                "oplogInc",
                "oplogTs names a second of the oplog, and oplogInc the operation within it: send both.",
            )],
            _ => Vec::new(),
        }),
    ),
    row(
        "MISSING_ATTRIBUTE",
        MISSING,
        "api.md §1: if you set oplogInc, you must set oplogTs",
        Test::Body(|b| match (b.sent("oplogTs"), b.sent("oplogInc")) {
            (false, true) => vec![Hit::on(
                "oplogTs",
                "oplogInc is the operation within the second oplogTs names: send both.",
            )],
            _ => Vec::new(),
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: checkpointId, oplogTs, oplogInc, pointInTimeUTCMillis apply to AUTOMATED_RESTORE; ops-manager.md alike",
        Test::Body(moments_with_a_download),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1 and §7 rule 5: the target fields belong to AUTOMATED_RESTORE",
        Test::Body(targets_with_a_download),
    ),
    row(
        "MISSING_ATTRIBUTE",
        MISSING,
        "api.md §1, ops-manager.md: AUTOMATED_RESTORE needs delivery.targetGroupId",
        Test::Body(|b| {
            if b.is_automated() && !b.sent_inside("targetGroupId") {
                vec![Hit::on(
                    "delivery.targetGroupId",
                    "AUTOMATED_RESTORE restores into a cluster of the project delivery.targetGroupId names.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "MISSING_ATTRIBUTE",
        MISSING,
        ATLAS,
        EVERY_API,
        "api.md §1: AUTOMATED_RESTORE needs targetClusterName or targetClusterId",
        Test::Body(|b| {
            if b.is_automated() && !b.sent_inside("targetClusterName") && !b.sent_inside("targetClusterId") {
                vec![Hit::on(
                    "delivery.targetClusterName",
                    "AUTOMATED_RESTORE restores into the cluster delivery.targetClusterName (or delivery.targetClusterId) names.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        ATLAS,
        EVERY_API,
        "api.md §7 rule 4: targetClusterName xor targetClusterId",
        Test::Body(|b| {
            if b.is_automated() && b.sent_inside("targetClusterName") && b.sent_inside("targetClusterId") {
                vec![Hit::on(
                    "delivery.targetClusterId",
                    "delivery.targetClusterName and delivery.targetClusterId both name a target: send one of them.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: the target is a targetClusterId; there is no targetClusterName",
        Test::Body(|b| {
            if b.is_automated() && b.sent_inside("targetClusterName") {
                let why = format!(
                    "{} knows the cluster to restore into by its id alone: send delivery.targetClusterId.",
                    b.product()
                );
                vec![Hit::on("delivery.targetClusterName", why)]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "MISSING_ATTRIBUTE",
        MISSING,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: targetGroupId and targetClusterId are both required with AUTOMATED_RESTORE",
        // A name sent instead was refused just above, and says what to send.
        Test::Body(|b| {
            if b.is_automated() && !b.sent_inside("targetClusterName") && !b.sent_inside("targetClusterId") {
                let why = format!(
                    "AUTOMATED_RESTORE in {} restores into the cluster delivery.targetClusterId names.",
                    b.product()
                );
                vec![Hit::on("delivery.targetClusterId", why)]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "MISSING_ATTRIBUTE",
        MISSING,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: maxDownloads, at least 1, is required with HTTP",
        Test::Body(|b| {
            if b.is_http() && !b.sent_inside("maxDownloads") {
                let why = format!(
                    "{} needs delivery.maxDownloads with an HTTP download: how many times the link may be used.",
                    b.product()
                );
                vec![Hit::on("delivery.maxDownloads", why)]
            } else {
                Vec::new()
            }
        }),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: expirationHours or expires, not both",
        Test::Body(|b| {
            if b.is_http() && b.sent_inside("expires") && b.sent_inside("expirationHours") {
                vec![Hit::on(
                    "delivery.expires",
                    "delivery.expires and delivery.expirationHours both say when the link ends: send one of them.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    // Of a sharded cluster, SPEC says Atlas's endpoint declines a checkpoint; this server
    // takes it, so that the dashboard's checkpoint restore can be tried (the client warns).
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1, ops-manager.md: checkpointId is for sharded clusters only",
        Test::Body(|b| {
            if b.sent("checkpointId") && b.server.source == ClusterType::ReplicaSet {
                vec![Hit::on(
                    "checkpointId",
                    "checkpointId is a sharded cluster's checkpoint, and this cluster is a replica set.",
                )]
            } else {
                Vec::new()
            }
        }),
    ),
    // Cloud and Ops Manager restore a sharded cluster to a moment too (at feature
    // compatibility 4.2, which the body does not tell).
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        ATLAS,
        EVERY_API,
        "api.md §1 (DOCS): oplogTs, oplogInc and pointInTimeUTCMillis are for replica sets only",
        Test::Body(moments_of_a_sharded_cluster),
    ),
];

/// The restore point kinds sent, each with the field that names it.
fn points_sent(b: &Body) -> Vec<&'static str> {
    let oplog_field = if b.sent("oplogTs") { "oplogTs" } else { "oplogInc" };
    [
        (b.sent("snapshotId"), "snapshotId"),
        (b.sent("checkpointId"), "checkpointId"),
        (b.sent("oplogTs") || b.sent("oplogInc"), oplog_field),
        (b.sent("pointInTimeUTCMillis"), "pointInTimeUTCMillis"),
    ]
    .into_iter()
    .filter_map(|(sent, field)| sent.then_some(field))
    .collect()
}

fn two_restore_points(b: &Body) -> Vec<Hit> {
    match points_sent(b).as_slice() {
        [first, rest @ ..] => rest
            .iter()
            .map(|field| {
                Hit::on(
                    field,
                    format!("{field} and {first} are two restore points, and a restore job has one."),
                )
            })
            .collect(),
        [] => Vec::new(),
    }
}

/// The fields of `fields` the body sends at its top level.
fn sent_of(b: &Body, fields: &[&'static str]) -> Vec<&'static str> {
    fields.iter().copied().filter(|f| b.sent(f)).collect()
}

fn moments_with_a_download(b: &Body) -> Vec<Hit> {
    if !b.is_http() {
        return Vec::new();
    }
    sent_of(b, &["checkpointId", "oplogTs", "oplogInc", "pointInTimeUTCMillis"])
        .into_iter()
        .map(|field| {
            Hit::on(
                field,
                format!(
                    "{field} applies to delivery.methodName AUTOMATED_RESTORE; an HTTP download is made from a snapshotId."
                ),
            )
        })
        .collect()
}

fn targets_with_a_download(b: &Body) -> Vec<Hit> {
    if !b.is_http() {
        return Vec::new();
    }
    [
        ("targetGroupId", "delivery.targetGroupId"),
        ("targetClusterName", "delivery.targetClusterName"),
        ("targetClusterId", "delivery.targetClusterId"),
    ]
    .into_iter()
    .filter(|(key, _)| b.sent_inside(key))
    .map(|(_, field)| {
        Hit::on(
            field,
            format!("{field} names a cluster to restore into, and an HTTP download restores into none."),
        )
    })
    .collect()
}

fn moments_of_a_sharded_cluster(b: &Body) -> Vec<Hit> {
    if b.server.source != ClusterType::Sharded {
        return Vec::new();
    }
    sent_of(b, &["oplogTs", "oplogInc", "pointInTimeUTCMillis"])
        .into_iter()
        .map(|field| {
            Hit::on(
                field,
                format!("{field} restores a replica set to a moment, and this cluster is sharded: restore it from a snapshotId or a checkpointId."),
            )
        })
        .collect()
}
