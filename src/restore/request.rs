//! The typed restore request: what the engine makes of a valid draft, bound to its source
//! (project and cluster) and its target (project, cluster by name and id). The review,
//! `submit` and the dashboard's submit all take this value; the body is made from it only at
//! the wire's edge (`body`), and what must be typed to confirm an erase is decided here once
//! (`erase`).

use super::catalog::short_hex;
use super::context::{ApiVersion, Context};
use super::draft::RestoreDraft;
use super::field::Field;
use super::finding::{Code, Finding};
use super::rules::{DeliveryMethod, Resolved, check};
use super::time_input::{format_utc_ms, format_utc_secs};
use serde_json::{Map, Value};

/// The cluster restored from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub group_id: String,
    pub cluster_name: String,
    /// Known once the cluster was looked up (Cloud and Ops Manager's paths carry it).
    pub cluster_id: Option<String>,
}

/// The one restore point.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RestorePoint {
    Snapshot(String),
    Checkpoint(String),
    Oplog { ts_secs: i64, inc: i64 },
    PointInTime { ms: i64 },
}

/// The target of an automated restore: the cluster erased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub group_id: String,
    /// Given, or resolved from the target project's list.
    pub cluster_name: Option<String>,
    /// Given, or resolved from the target project's list.
    pub cluster_id: Option<String>,
    /// Which of the two the request names (the other is ours alone, never sent).
    pub by_id: bool,
}

impl Target {
    /// `Staging0 (5f8e...a4c3)`, `Staging0`, or the id alone when nothing names it.
    pub fn label(&self) -> String {
        match (&self.cluster_name, &self.cluster_id) {
            (Some(n), Some(id)) => format!("{n} ({})", short_hex(id)),
            (Some(n), None) => n.clone(),
            (None, Some(id)) => id.clone(),
            (None, None) => "?".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    /// A download link.
    Download,
    /// Erase the target, then restore into it.
    Automated(Target),
}

/// How a download link is shaped (sent with either method: with an automated restore the
/// rules warn that they do nothing).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LinkLimits {
    pub expiration_hours: Option<i64>,
    pub max_downloads: Option<i64>,
    /// Cloud and Ops Manager's `delivery.expires`, epoch ms.
    pub expires_ms: Option<i64>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestoreRequest {
    pub source: Source,
    pub point: RestorePoint,
    pub delivery: Delivery,
    pub link: LinkLimits,
}

/// What an erase needs typed, and what it names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Erase {
    /// What the DBA types: the target's name, or its id when no list could name it.
    pub expected: String,
    /// How the target is shown: `Staging0 (5f8e...a4c3)`.
    pub label: String,
    pub target_group_id: String,
}

impl Erase {
    pub fn accepts(&self, typed: &str) -> bool {
        !self.expected.is_empty() && typed == self.expected
    }
}

impl RestoreRequest {
    /// The plainest request: a download of one snapshot (what a drill sends).
    pub fn snapshot_download(group_id: &str, cluster_name: &str, snapshot_id: &str) -> RestoreRequest {
        RestoreRequest {
            source: Source {
                group_id: group_id.to_string(),
                cluster_name: cluster_name.to_string(),
                cluster_id: None,
            },
            point: RestorePoint::Snapshot(snapshot_id.to_string()),
            delivery: Delivery::Download,
            link: LinkLimits::default(),
        }
    }

    pub fn method(&self) -> DeliveryMethod {
        match self.delivery {
            Delivery::Download => DeliveryMethod::Http,
            Delivery::Automated(_) => DeliveryMethod::AutomatedRestore,
        }
    }

    pub fn target(&self) -> Option<&Target> {
        match &self.delivery {
            Delivery::Automated(t) => Some(t),
            Delivery::Download => None,
        }
    }

    /// The one rule of what confirms an erase, for the dashboard and `submit` alike: the
    /// target cluster's name, whichever way the request names it; its id only when no list
    /// could give its name.
    pub fn erase(&self) -> Option<Erase> {
        let t = self.target()?;
        Some(Erase {
            expected: t
                .cluster_name
                .clone()
                .or_else(|| t.cluster_id.clone())
                .unwrap_or_default(),
            label: t.label(),
            target_group_id: t.group_id.clone(),
        })
    }

    /// The body to POST, encoded for the API version as `../shared/atlas/api.md` decides:
    /// v1.0 sends `oplogTs` (epoch seconds) and `oplogInc` as JSON strings; v2 sends `oplogTs`
    /// as an ISO-8601 UTC string and `oplogInc` as an integer. Keys in the reference's order.
    pub fn body(&self, api: ApiVersion) -> Value {
        let mut top = Map::new();
        match &self.point {
            RestorePoint::Snapshot(id) => {
                top.insert("snapshotId".into(), id.as_str().into());
            }
            RestorePoint::Checkpoint(id) => {
                top.insert("checkpointId".into(), id.as_str().into());
            }
            RestorePoint::Oplog { ts_secs, inc } => {
                let (ts, inc) = match api {
                    ApiVersion::V1 => (ts_secs.to_string(), Value::from(inc.to_string())),
                    ApiVersion::V2 => (format_utc_secs(*ts_secs), Value::from(*inc)),
                };
                top.insert("oplogTs".into(), ts.into());
                top.insert("oplogInc".into(), inc);
            }
            RestorePoint::PointInTime { ms } => {
                top.insert("pointInTimeUTCMillis".into(), (*ms).into());
            }
        }
        let mut delivery = Map::new();
        delivery.insert("methodName".into(), self.method().as_api().into());
        let numbers = [
            ("expirationHours", self.link.expiration_hours),
            ("maxDownloads", self.link.max_downloads),
        ];
        for (key, value) in numbers {
            if let Some(n) = value {
                delivery.insert(key.into(), n.into());
            }
        }
        if let Some(ms) = self.link.expires_ms {
            delivery.insert("expires".into(), format_utc_ms(ms).into());
        }
        if let Some(t) = self.target() {
            delivery.insert("targetGroupId".into(), t.group_id.as_str().into());
            let (key, value) = if t.by_id {
                ("targetClusterId", &t.cluster_id)
            } else {
                ("targetClusterName", &t.cluster_name)
            };
            if let Some(v) = value {
                delivery.insert(key.into(), v.as_str().into());
            }
        }
        top.insert("delivery".into(), Value::Object(delivery));
        Value::Object(top)
    }
}

/// The errors that forbid a request, or its parts (warnings do not stop it).
fn resolve(draft: &RestoreDraft, ctx: &Context) -> Result<(RestorePoint, Delivery, LinkLimits), Vec<Finding>> {
    let (findings, r) = check(draft, ctx);
    let errors: Vec<Finding> = findings.into_iter().filter(Finding::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let incomplete = || {
        vec![Finding::error(
            Code::RestorePointMissing,
            &[Field::SnapshotId],
            "the request could not be completed from its fields",
        )]
    };
    let Resolved {
        snapshot_id,
        checkpoint_id,
        oplog_ts_secs,
        oplog_inc,
        point_in_time_ms,
        method,
        expiration_hours,
        max_downloads,
        target_group_id,
        target_cluster_name,
        target_cluster_id,
        expires_ms,
    } = r;
    let point = match (
        snapshot_id,
        checkpoint_id,
        oplog_ts_secs.zip(oplog_inc),
        point_in_time_ms,
    ) {
        (Some(id), ..) => RestorePoint::Snapshot(id),
        (_, Some(id), ..) => RestorePoint::Checkpoint(id),
        (_, _, Some((ts_secs, inc)), _) => RestorePoint::Oplog { ts_secs, inc },
        (.., Some(ms)) => RestorePoint::PointInTime { ms },
        _ => return Err(incomplete()),
    };
    let delivery = match method {
        Some(DeliveryMethod::Http) => Delivery::Download,
        Some(DeliveryMethod::AutomatedRestore) => {
            let listed = ctx.catalog.target(draft);
            let by_id = target_cluster_name.is_none();
            Delivery::Automated(Target {
                group_id: target_group_id.ok_or_else(incomplete)?,
                cluster_name: target_cluster_name.or_else(|| listed.map(|c| c.name.clone())),
                cluster_id: target_cluster_id.or_else(|| listed.and_then(|c| c.id.clone())),
                by_id,
            })
        }
        None => return Err(incomplete()),
    };
    let link = LinkLimits {
        expiration_hours,
        max_downloads,
        expires_ms,
    };
    Ok((point, delivery, link))
}

/// The typed request for a draft in its context, or the errors that forbid it. The context
/// must name the source project and cluster.
pub fn build_request(draft: &RestoreDraft, ctx: &Context) -> Result<RestoreRequest, Vec<Finding>> {
    let (point, delivery, link) = resolve(draft, ctx)?;
    let (Some(group_id), Some(cluster_name)) = (ctx.source_group_id.clone(), ctx.source_cluster_name.clone()) else {
        return Err(vec![Finding::error(
            Code::SourceMissing,
            &[Field::GroupId, Field::ClusterName],
            "the source project and cluster are not given: set groupId and clusterName",
        )]);
    };
    Ok(RestoreRequest {
        source: Source {
            group_id,
            cluster_name,
            cluster_id: ctx.source_cluster_id.clone(),
        },
        point,
        delivery,
        link,
    })
}

/// The body to POST, or the errors that forbid building it, for a context that may not name
/// the source (the simulator's check, `validate`). Unset fields are left out.
pub fn build_body(draft: &RestoreDraft, ctx: &Context) -> Result<Value, Vec<Finding>> {
    let (point, delivery, link) = resolve(draft, ctx)?;
    let request = RestoreRequest {
        source: Source {
            group_id: String::new(),
            cluster_name: String::new(),
            cluster_id: None,
        },
        point,
        delivery,
        link,
    };
    Ok(request.body(ctx.api))
}
