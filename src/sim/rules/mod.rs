//! What the simulated server refuses in the body of a restore job's create, before it looks
//! at its data: Atlas's documented rules (`../shared/atlas/api.md` §1, its error codes from
//! §4) and Cloud and Ops Manager's (`../shared/atlas/ops-manager.md`, "Request body rules").
//!
//! This is the server's own reading of the raw JSON, written apart from the client's engine
//! (`src/restore/`) on purpose: `tests/sim_rules_props.rs` holds the two against each other,
//! which it could not do if both were the same code. It shares only plain types with the
//! client (`ApiVersion`, `Flavor`, `ClusterType`).

mod values;

use crate::restore::{ApiVersion, ClusterType, Flavor};
use serde_json::{Map, Value, json};
use std::ops::RangeInclusive;
use values::{Got, MethodName};

/// The earliest point in time the API takes: 2008-01-01T00:00:00Z (api.md §1, `minimum`).
pub const EARLIEST_POINT_IN_TIME_MS: i64 = 1_199_145_600_000;
/// How far back Atlas and Cloud Manager restore a point in time (api.md §1; ops-manager.md).
pub const POINT_IN_TIME_WINDOW_MS: i64 = 24 * 3_600_000;

/// What the server knows of a create besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    /// The API version of the request's path (Cloud and Ops Manager: v1.0 alone).
    pub api: ApiVersion,
    pub now_ms: i64,
    /// The topology of the cluster the path names.
    pub source: ClusterType,
    /// What `restorableTimeRanges` answers for that cluster (Cloud and Ops Manager), epoch
    /// milliseconds, both ends included; `None` where there is no such answer.
    pub restorable_ranges: Option<Vec<RangeInclusive<i64>>>,
}

/// One rule a body breaks: Atlas's error code, the field, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// `MISSING_ATTRIBUTE`, `INVALID_ATTRIBUTE`, `UNSUPPORTED_DELIVERY_METHOD`, `INVALID_JSON`.
    pub error_code: &'static str,
    /// The field, dotted (`delivery.maxDownloads`), or `body`.
    pub field: &'static str,
    pub description: String,
}

impl Violation {
    fn invalid(field: &'static str, description: impl Into<String>) -> Violation {
        Violation {
            error_code: "INVALID_ATTRIBUTE",
            field,
            description: description.into(),
        }
    }

    fn missing(field: &'static str, description: impl Into<String>) -> Violation {
        Violation {
            error_code: "MISSING_ATTRIBUTE",
            field,
            description: description.into(),
        }
    }

    /// The sentence Atlas opens its `detail` with for this code (api.md §4), then why.
    pub fn detail(&self) -> String {
        let field = self.field;
        let opening = match self.error_code {
            "MISSING_ATTRIBUTE" => format!("The required attribute {field} was not specified"),
            "UNSUPPORTED_DELIVERY_METHOD" => "The specified delivery method is not supported".to_string(),
            "INVALID_JSON" => "Received JSON does not match the expected format".to_string(),
            _ => format!("Invalid attribute {field} specified"),
        };
        format!("{opening}: {}", self.description)
    }
}

/// A body the server will not take: every rule it breaks, in the order of the table below.
/// The first is the answer's `errorCode`, `detail` and `parameters`; all of them go into
/// `badRequestDetail.fields`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    pub violations: Vec<Violation>,
}

impl Refusal {
    fn first(&self) -> Option<&Violation> {
        self.violations.first()
    }

    pub fn error_code(&self) -> &'static str {
        self.first().map_or("INVALID_ATTRIBUTE", |v| v.error_code)
    }

    pub fn detail(&self) -> String {
        self.first()
            .map_or_else(|| "Invalid attribute specified.".into(), Violation::detail)
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.first().map(|v| vec![json!(v.field)]).unwrap_or_default()
    }

    /// The fields named, in order, without repeats.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for v in &self.violations {
            if !out.contains(&v.field) {
                out.push(v.field);
            }
        }
        out
    }
}

/// The restore point a taken body asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    Snapshot(String),
    Checkpoint(String),
    Oplog { ts_secs: i64, inc: i64 },
    PointInTime { ms: i64 },
}

/// The cluster an automated restore erases, as the body names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetCluster {
    Name(String),
    Id(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A download link, shaped as asked (the server's defaults where not).
    Download {
        expiration_hours: Option<i64>,
        max_downloads: Option<i64>,
        /// Cloud and Ops Manager's `delivery.expires`.
        expires_ms: Option<i64>,
    },
    Automated {
        target_group_id: String,
        target: TargetCluster,
    },
}

/// What a body the server takes asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub point: Point,
    pub method: Method,
}

/// The refusal the server gives this body, if any.
pub fn refusal(body: &[u8], server: &Server) -> Option<Refusal> {
    read(body, server).err()
}

/// The body read and checked against every rule, or every rule it breaks.
pub fn read(body: &[u8], server: &Server) -> Result<Requested, Refusal> {
    let refuse = |v: Violation| Refusal { violations: vec![v] };
    let value: Value = serde_json::from_slice(body).map_err(|e| Refusal {
        violations: vec![Violation {
            error_code: "INVALID_JSON",
            field: "body",
            description: format!("it is not JSON ({e})."),
        }],
    })?;
    let Some(top) = value.as_object() else {
        return Err(refuse(Violation {
            error_code: "INVALID_JSON",
            field: "body",
            description: "a restore job is a JSON object, {\"snapshotId\": ..., \"delivery\": {...}}.".into(),
        }));
    };
    let mut out = Vec::new();
    let delivery = match top.get("delivery") {
        Some(Value::Object(d)) => Some(d),
        None | Some(Value::Null) => None,
        Some(_) => {
            out.push(Violation::invalid(
                "delivery",
                "delivery is an object, {\"methodName\": ...}.",
            ));
            None
        }
    };
    let fields = Fields::read(top, delivery, server, &mut out);
    for rule in ACROSS_FIELDS {
        rule(&fields, server, &mut out);
    }
    match fields.requested() {
        Some(requested) if out.is_empty() => Ok(requested),
        _ if out.is_empty() => Err(refuse(Violation::invalid("body", "the request is incomplete."))),
        _ => Err(Refusal { violations: out }),
    }
}

/// Every field of the body, read on its own.
struct Fields {
    snapshot_id: Got<String>,
    checkpoint_id: Got<String>,
    oplog_ts_secs: Got<i64>,
    oplog_inc: Got<i64>,
    point_in_time_ms: Got<i64>,
    method: Got<MethodName>,
    expiration_hours: Got<i64>,
    max_downloads: Got<i64>,
    target_group_id: Got<String>,
    target_cluster_name: Got<String>,
    target_cluster_id: Got<String>,
    expires_ms: Got<i64>,
}

impl Fields {
    fn read(
        top: &Map<String, Value>,
        delivery: Option<&Map<String, Value>>,
        server: &Server,
        out: &mut Vec<Violation>,
    ) -> Fields {
        let inside = |key: &str| delivery.and_then(|d| d.get(key));
        // A body without `delivery` lacks its method; one whose `delivery` is no object was
        // refused for that already.
        let method = if delivery.is_none() && top.get("delivery").is_some_and(|d| !d.is_null()) {
            Got::Refused
        } else {
            values::method_name(inside("methodName"), out)
        };
        Fields {
            snapshot_id: values::object_id("snapshotId", top.get("snapshotId"), out),
            checkpoint_id: values::object_id("checkpointId", top.get("checkpointId"), out),
            oplog_ts_secs: values::oplog_ts(top.get("oplogTs"), server, out),
            oplog_inc: values::oplog_inc(top.get("oplogInc"), out),
            point_in_time_ms: values::point_in_time(top.get("pointInTimeUTCMillis"), server, out),
            method,
            expiration_hours: values::positive_int32("delivery.expirationHours", inside("expirationHours"), out),
            max_downloads: values::positive_int32("delivery.maxDownloads", inside("maxDownloads"), out),
            target_group_id: values::object_id("delivery.targetGroupId", inside("targetGroupId"), out),
            target_cluster_name: values::cluster_name("delivery.targetClusterName", inside("targetClusterName"), out),
            target_cluster_id: values::object_id("delivery.targetClusterId", inside("targetClusterId"), out),
            // Atlas sets `expires` in its answers and ignores it in a request (api.md §1:
            // "out"); Cloud and Ops Manager take it (ops-manager.md).
            expires_ms: if server.flavor.is_public_api() {
                values::expires(inside("expires"), server.now_ms, out)
            } else {
                Got::Absent
            },
        }
    }

    /// The restore point kinds sent, each with the field that names it.
    fn points_sent(&self) -> Vec<&'static str> {
        let oplog = self.oplog_ts_secs.is_sent() || self.oplog_inc.is_sent();
        [
            (self.snapshot_id.is_sent(), "snapshotId"),
            (self.checkpoint_id.is_sent(), "checkpointId"),
            (
                oplog,
                if self.oplog_ts_secs.is_sent() {
                    "oplogTs"
                } else {
                    "oplogInc"
                },
            ),
            (self.point_in_time_ms.is_sent(), "pointInTimeUTCMillis"),
        ]
        .into_iter()
        .filter_map(|(sent, field)| sent.then_some(field))
        .collect()
    }

    fn method(&self) -> Option<MethodName> {
        self.method.read().copied()
    }

    /// What the body asks for, once every field was read.
    fn requested(&self) -> Option<Requested> {
        let point = if let Some(id) = self.snapshot_id.read() {
            Point::Snapshot(id.clone())
        } else if let Some(id) = self.checkpoint_id.read() {
            Point::Checkpoint(id.clone())
        } else if let (Some(ts), Some(inc)) = (self.oplog_ts_secs.read(), self.oplog_inc.read()) {
            Point::Oplog {
                ts_secs: *ts,
                inc: *inc,
            }
        } else {
            Point::PointInTime {
                ms: *self.point_in_time_ms.read()?,
            }
        };
        let method = match self.method()? {
            MethodName::Http => Method::Download {
                expiration_hours: self.expiration_hours.read().copied(),
                max_downloads: self.max_downloads.read().copied(),
                expires_ms: self.expires_ms.read().copied(),
            },
            MethodName::AutomatedRestore => Method::Automated {
                target_group_id: self.target_group_id.read()?.clone(),
                target: match (self.target_cluster_name.read(), self.target_cluster_id.read()) {
                    (Some(name), _) => TargetCluster::Name(name.clone()),
                    (None, Some(id)) => TargetCluster::Id(id.clone()),
                    (None, None) => return None,
                },
            },
        };
        Some(Requested { point, method })
    }
}

/// One documented rule across fields.
type Rule = fn(&Fields, &Server, &mut Vec<Violation>);

/// The rules across fields, in the order their refusals are listed.
const ACROSS_FIELDS: [Rule; 8] = [
    one_restore_point,
    oplog_pair,
    automated_only_points,
    no_target_for_a_download,
    targets_of_an_automated_restore,
    download_of_cloud_and_ops_manager,
    checkpoints_are_of_sharded_clusters,
    moments_of_replica_sets_only,
];

/// api.md §1: snapshotId, checkpointId, the oplog pair and pointInTimeUTCMillis exclude
/// each other, and one of them is needed.
fn one_restore_point(f: &Fields, _: &Server, out: &mut Vec<Violation>) {
    let sent = f.points_sent();
    match sent.as_slice() {
        [] => out.push(Violation::missing(
            "snapshotId",
            "a restore needs a point to restore to: snapshotId, checkpointId, oplogTs with oplogInc, or pointInTimeUTCMillis.",
        )),
        [_] => {}
        [first, rest @ ..] => {
            for field in rest {
                out.push(Violation::invalid(
                    field,
                    format!("{field} and {first} are two restore points, and a restore job has one."),
                ));
            }
        }
    }
}

/// api.md §1: "If you set oplogTs, you must set oplogInc", and the reverse.
fn oplog_pair(f: &Fields, _: &Server, out: &mut Vec<Violation>) {
    match (f.oplog_ts_secs.is_sent(), f.oplog_inc.is_sent()) {
        (true, false) => out.push(Violation::missing(
            "oplogInc",
            "oplogTs names a second of the oplog, and oplogInc the operation within it: send both.",
        )),
        (false, true) => out.push(Violation::missing(
            "oplogTs",
            "oplogInc is the operation within the second oplogTs names: send both.",
        )),
        _ => {}
    }
}

/// api.md §1: checkpointId, oplogTs, oplogInc and pointInTimeUTCMillis apply to
/// AUTOMATED_RESTORE only (so do Cloud and Ops Manager's: a download is of a snapshot).
fn automated_only_points(f: &Fields, _: &Server, out: &mut Vec<Violation>) {
    if f.method() != Some(MethodName::Http) {
        return;
    }
    let sent = [
        (f.checkpoint_id.is_sent(), "checkpointId"),
        (f.oplog_ts_secs.is_sent(), "oplogTs"),
        (f.oplog_inc.is_sent(), "oplogInc"),
        (f.point_in_time_ms.is_sent(), "pointInTimeUTCMillis"),
    ];
    for (_, field) in sent.into_iter().filter(|(sent, _)| *sent) {
        out.push(Violation::invalid(
            field,
            format!(
                "{field} applies to delivery.methodName AUTOMATED_RESTORE; an HTTP download is made from a snapshotId."
            ),
        ));
    }
}

/// api.md §1 (and §7's rule 5): the target fields belong to AUTOMATED_RESTORE.
fn no_target_for_a_download(f: &Fields, _: &Server, out: &mut Vec<Violation>) {
    if f.method() != Some(MethodName::Http) {
        return;
    }
    let sent = [
        (f.target_group_id.is_sent(), "delivery.targetGroupId"),
        (f.target_cluster_name.is_sent(), "delivery.targetClusterName"),
        (f.target_cluster_id.is_sent(), "delivery.targetClusterId"),
    ];
    for (_, field) in sent.into_iter().filter(|(sent, _)| *sent) {
        out.push(Violation::invalid(
            field,
            format!("{field} names a cluster to restore into, and an HTTP download restores into none."),
        ));
    }
}

/// AUTOMATED_RESTORE needs `targetGroupId` and the cluster: in Atlas `targetClusterName` or
/// `targetClusterId`, one of them (api.md §1); in Cloud and Ops Manager `targetClusterId`,
/// which is all they read (ops-manager.md).
fn targets_of_an_automated_restore(f: &Fields, server: &Server, out: &mut Vec<Violation>) {
    if f.method() != Some(MethodName::AutomatedRestore) {
        return;
    }
    if !f.target_group_id.is_sent() {
        out.push(Violation::missing(
            "delivery.targetGroupId",
            "AUTOMATED_RESTORE restores into a cluster of the project delivery.targetGroupId names.",
        ));
    }
    let (name, id) = (f.target_cluster_name.is_sent(), f.target_cluster_id.is_sent());
    if server.flavor.is_public_api() {
        let product = server.flavor.product();
        if name {
            out.push(Violation::invalid(
                "delivery.targetClusterName",
                format!("{product} knows the cluster to restore into by its id alone: send delivery.targetClusterId."),
            ));
        } else if !id {
            out.push(Violation::missing(
                "delivery.targetClusterId",
                format!("AUTOMATED_RESTORE in {product} restores into the cluster delivery.targetClusterId names."),
            ));
        }
        return;
    }
    match (name, id) {
        (false, false) => out.push(Violation::missing(
            "delivery.targetClusterName",
            "AUTOMATED_RESTORE restores into the cluster delivery.targetClusterName (or delivery.targetClusterId) names.",
        )),
        (true, true) => out.push(Violation::invalid(
            "delivery.targetClusterId",
            "delivery.targetClusterName and delivery.targetClusterId both name a target: send one of them.",
        )),
        _ => {}
    }
}

/// Cloud and Ops Manager's HTTP delivery (ops-manager.md): `maxDownloads` is required, and
/// the link's end is `expires` or `expirationHours`, not both. With AUTOMATED_RESTORE no
/// link is made and neither is looked at beyond its form.
fn download_of_cloud_and_ops_manager(f: &Fields, server: &Server, out: &mut Vec<Violation>) {
    if !server.flavor.is_public_api() || f.method() != Some(MethodName::Http) {
        return;
    }
    let product = server.flavor.product();
    if !f.max_downloads.is_sent() {
        out.push(Violation::missing(
            "delivery.maxDownloads",
            format!(
                "{product} needs delivery.maxDownloads with an HTTP download: how many times the link may be used."
            ),
        ));
    }
    if f.expires_ms.is_sent() && f.expiration_hours.is_sent() {
        out.push(Violation::invalid(
            "delivery.expires",
            "delivery.expires and delivery.expirationHours both say when the link ends: send one of them.",
        ));
    }
}

/// api.md §1: a checkpoint is a sharded cluster's ("Use this parameter with sharded clusters
/// only"). Of a sharded cluster, SPEC says Atlas's endpoint declines it; this server takes
/// it, so that the dashboard's checkpoint restore can be tried (the client warns).
fn checkpoints_are_of_sharded_clusters(f: &Fields, server: &Server, out: &mut Vec<Violation>) {
    if f.checkpoint_id.is_sent() && server.source == ClusterType::ReplicaSet {
        out.push(Violation::invalid(
            "checkpointId",
            "checkpointId is a sharded cluster's checkpoint, and this cluster is a replica set.",
        ));
    }
}

/// api.md §1 (DOCS): oplogTs, oplogInc and pointInTimeUTCMillis are "for Replica Sets Only"
/// in Atlas. Cloud and Ops Manager restore a sharded cluster to a moment too (at feature
/// compatibility 4.2, which the body does not tell).
fn moments_of_replica_sets_only(f: &Fields, server: &Server, out: &mut Vec<Violation>) {
    if server.flavor.is_public_api() || server.source != ClusterType::Sharded {
        return;
    }
    let sent = [
        (f.oplog_ts_secs.is_sent(), "oplogTs"),
        (f.oplog_inc.is_sent(), "oplogInc"),
        (f.point_in_time_ms.is_sent(), "pointInTimeUTCMillis"),
    ];
    for (_, field) in sent.into_iter().filter(|(sent, _)| *sent) {
        out.push(Violation::invalid(
            field,
            format!("{field} restores a replica set to a moment, and this cluster is sharded: restore it from a snapshotId or a checkpointId."),
        ));
    }
}

#[cfg(test)]
mod tests;
