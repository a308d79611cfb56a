//! The request body, encoded per API version as `../shared/atlas/api.md` decides:
//! v1.0 sends `oplogTs` (epoch seconds) and `oplogInc` as JSON strings; v2 sends `oplogTs` as
//! an ISO-8601 UTC string and `oplogInc` as an integer. Everything else is the same. Cloud
//! and Ops Manager take v1.0's encoding, and their `delivery.expires` as an ISO-8601 UTC
//! string (`docs/ops-manager-decisions.md`).

use super::context::{ApiVersion, Context};
use super::draft::RestoreDraft;
use super::finding::Finding;
use super::rules::check;
use super::time_input::{format_utc_ms, format_utc_secs};
use serde_json::{Map, Value};

/// The body to POST, or the errors that forbid building it. Warnings do not stop it.
/// Unset fields are left out; keys come in the API reference's order.
pub fn build_body(draft: &RestoreDraft, ctx: &Context) -> Result<Value, Vec<Finding>> {
    let (findings, r) = check(draft, ctx);
    let errors: Vec<Finding> = findings.into_iter().filter(Finding::is_error).collect();
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut top = Map::new();
    if let Some(id) = r.snapshot_id {
        top.insert("snapshotId".into(), id.into());
    }
    if let Some(id) = r.checkpoint_id {
        top.insert("checkpointId".into(), id.into());
    }
    if let Some(secs) = r.oplog_ts_secs {
        let ts = match ctx.api {
            ApiVersion::V1 => secs.to_string(),
            ApiVersion::V2 => format_utc_secs(secs),
        };
        top.insert("oplogTs".into(), ts.into());
    }
    if let Some(inc) = r.oplog_inc {
        let inc = match ctx.api {
            ApiVersion::V1 => Value::from(inc.to_string()),
            ApiVersion::V2 => Value::from(inc),
        };
        top.insert("oplogInc".into(), inc);
    }
    if let Some(ms) = r.point_in_time_ms {
        top.insert("pointInTimeUTCMillis".into(), ms.into());
    }
    let mut delivery = Map::new();
    if let Some(method) = r.method {
        delivery.insert("methodName".into(), method.as_api().into());
    }
    let numbers = [
        ("expirationHours", r.expiration_hours),
        ("maxDownloads", r.max_downloads),
    ];
    for (key, value) in numbers {
        if let Some(n) = value {
            delivery.insert(key.into(), n.into());
        }
    }
    if let Some(ms) = r.expires_ms {
        delivery.insert("expires".into(), format_utc_ms(ms).into());
    }
    let targets = [
        ("targetGroupId", r.target_group_id),
        ("targetClusterName", r.target_cluster_name),
        ("targetClusterId", r.target_cluster_id),
    ];
    for (key, value) in targets {
        if let Some(s) = value {
            delivery.insert(key.into(), s.into());
        }
    }
    top.insert("delivery".into(), Value::Object(delivery));
    Ok(Value::Object(top))
}
