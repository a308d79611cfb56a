//! A third opinion on a restore request's body, written from api.md and ops-manager.md
//! alone, in a few lines per rule: no code of the client's engine (`src/restore/`) and none
//! of the simulator's. The engine's builder and its validator are each held to it
//! (`tests/engine/restore_props.rs`), rather than to each other through the code they share.

use atlas_restore::restore::{ApiVersion, ClusterType, Context, Flavor};
use serde_json::{Map, Value};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// How strictly values are read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reading {
    /// As the client must send them (api.md, decisions): numbers as JSON numbers, v1.0's
    /// `oplogTs` and `oplogInc` as strings of digits, v2's `oplogTs` and `expires` in UTC.
    Sent,
    /// As any reading of the documents could take them: numbers also as strings of digits,
    /// v1.0's oplog fields also as numbers, date-times with any offset.
    AnyDocumented,
}

const EARLIEST_MS: i64 = 1_199_145_600_000;
const DAY_MS: i64 = 24 * 3_600_000;

/// Whether the documents take `body` in `ctx`; the broken rule otherwise.
pub fn documented(body: &Value, ctx: &Context, reading: Reading) -> Result<(), String> {
    let top = body.as_object().ok_or("a body is a JSON object")?;
    let d = given(top, "delivery")
        .ok_or("delivery is required")?
        .as_object()
        .ok_or("delivery is an object")?;
    let sent = |k: &str| given(top, k).is_some();
    let within = |k: &str| given(d, k).is_some();
    let http = match given(d, "methodName").and_then(Value::as_str) {
        Some("HTTP") => true,
        Some("AUTOMATED_RESTORE") => false,
        _ => return Err("delivery.methodName is HTTP or AUTOMATED_RESTORE".into()),
    };
    let public = ctx.flavor != Flavor::Atlas;

    // One restore point: a snapshot, a checkpoint, an oplog position (both halves), a time.
    let oplog = sent("oplogTs") || sent("oplogInc");
    let points = [
        sent("snapshotId"),
        sent("checkpointId"),
        oplog,
        sent("pointInTimeUTCMillis"),
    ];
    if points.iter().filter(|p| **p).count() != 1 {
        return Err("exactly one restore point".into());
    }
    if sent("oplogTs") != sent("oplogInc") {
        return Err("oplogTs and oplogInc come together".into());
    }

    // Each field's form.
    for (map, k) in [
        (top, "snapshotId"),
        (top, "checkpointId"),
        (d, "targetGroupId"),
        (d, "targetClusterId"),
    ] {
        if given(map, k).is_some_and(|v| !v.as_str().is_some_and(is_hex24)) {
            return Err(format!("{k} is 24 lower-case hexadecimal digits"));
        }
    }
    if given(d, "targetClusterName").is_some_and(|v| !v.as_str().is_some_and(is_cluster_name)) {
        return Err("targetClusterName is letters, digits and hyphens, not starting with one".into());
    }
    for k in ["expirationHours", "maxDownloads"] {
        if let Some(v) = given(d, k) {
            let n = number(v, reading).ok_or(format!("{k} is a whole number"))?;
            if !(1..=i128::from(i32::MAX)).contains(&n) {
                return Err(format!("{k} is an int32 of at least 1"));
            }
        }
    }

    // What each method needs and forbids.
    if http {
        if sent("checkpointId") || oplog || sent("pointInTimeUTCMillis") {
            return Err("checkpoints, oplog positions and points in time are AUTOMATED_RESTORE's".into());
        }
        if within("targetGroupId") || within("targetClusterName") || within("targetClusterId") {
            return Err("an HTTP download has no target".into());
        }
        if public && !within("maxDownloads") {
            return Err("Cloud and Ops Manager need maxDownloads with HTTP".into());
        }
        if public && within("expires") && within("expirationHours") {
            return Err("expires or expirationHours, not both".into());
        }
    } else {
        if !within("targetGroupId") {
            return Err("AUTOMATED_RESTORE needs targetGroupId".into());
        }
        let (name, id) = (within("targetClusterName"), within("targetClusterId"));
        if public && (name || !id) {
            return Err("Cloud and Ops Manager name the target by targetClusterId alone".into());
        }
        if !public && name == id {
            return Err("Atlas needs targetClusterName or targetClusterId, one of them".into());
        }
    }
    // Atlas writes `expires` in answers and ignores it in a request.
    if public && let Some(v) = given(d, "expires") {
        let ms = v
            .as_str()
            .and_then(|s| date_time_ms(s, reading))
            .ok_or("expires is an ISO-8601 UTC date-time")?;
        if ms <= ctx.now_ms {
            return Err("expires is still to come".into());
        }
    }

    // Times.
    if let (Some(ts), Some(inc)) = (given(top, "oplogTs"), given(top, "oplogInc")) {
        let secs = match ctx.api {
            ApiVersion::V1 => match (ts, reading) {
                (Value::String(s), _) => digits(s),
                (Value::Number(n), Reading::AnyDocumented) => n.as_i64().map(i128::from),
                _ => None,
            },
            ApiVersion::V2 => ts
                .as_str()
                .and_then(|s| date_time_ms(s, reading))
                .map(|ms| i128::from(ms.div_euclid(1000))),
        }
        .ok_or("oplogTs is epoch seconds in v1.0 and an ISO-8601 date-time in v2")?;
        if secs * 1000 > i128::from(ctx.now_ms) {
            return Err("oplogTs is not ahead of now".into());
        }
        let inc = match (ctx.api, inc, reading) {
            (ApiVersion::V1, Value::String(s), _) => digits(s),
            (ApiVersion::V2, Value::Number(n), _) => n.as_i64().map(i128::from),
            (_, v, Reading::AnyDocumented) => number(v, reading),
            _ => None,
        }
        .ok_or("oplogInc is a string of digits in v1.0 and an integer in v2")?;
        if !(1..=i128::from(i32::MAX)).contains(&inc) {
            return Err("oplogInc is an int32 of at least 1".into());
        }
    }
    if let Some(v) = given(top, "pointInTimeUTCMillis") {
        let ms = number(v, reading).ok_or("pointInTimeUTCMillis is a whole number")?;
        if ms < i128::from(EARLIEST_MS) || ms > i128::from(ctx.now_ms) {
            return Err("pointInTimeUTCMillis is from 2008 to now".into());
        }
        let ms = ms as i64;
        match &ctx.restorable_ranges {
            // Where the product answers its ranges, they decide; after the newest is the
            // oplog still being read.
            Some(ranges) => {
                let inside = ranges.iter().any(|r| r.start_ms <= ms && ms <= r.end_ms);
                let after = ranges.iter().map(|r| r.end_ms).max().is_some_and(|end| ms > end);
                if !inside && !after {
                    return Err("pointInTimeUTCMillis is in a restorable time range".into());
                }
            }
            None if ctx.flavor != Flavor::OpsManager && ms < ctx.now_ms.saturating_sub(DAY_MS) => {
                return Err("pointInTimeUTCMillis is within the last 24 hours".into());
            }
            None => {}
        }
    }

    // The source cluster's topology.
    if sent("checkpointId") && ctx.source_cluster_type == Some(ClusterType::ReplicaSet) {
        return Err("a checkpoint is a sharded cluster's".into());
    }
    if !public && ctx.source_cluster_type == Some(ClusterType::Sharded) && (oplog || sent("pointInTimeUTCMillis")) {
        return Err("Atlas restores moments of replica sets only".into());
    }
    Ok(())
}

/// A field as sent: `null` is not sent.
fn given<'a>(map: &'a Map<String, Value>, key: &str) -> Option<&'a Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn is_hex24(s: &str) -> bool {
    s.len() == 24 && s.chars().all(|c| matches!(c, '0'..='9' | 'a'..='f'))
}

fn is_cluster_name(s: &str) -> bool {
    let mut chars = s.chars();
    chars.next().is_some_and(|c| c.is_ascii_alphanumeric()) && chars.all(|c| c.is_ascii_alphanumeric() || c == '-')
}

fn digits(s: &str) -> Option<i128> {
    let body = s.strip_prefix('-').unwrap_or(s);
    if body.is_empty() || !body.chars().all(|c| c.is_ascii_digit()) || body.len() > 30 {
        return None;
    }
    s.parse().ok()
}

/// A whole number: a JSON integer; when reading leniently also a JSON number without a
/// fraction, or a string of digits.
fn number(v: &Value, reading: Reading) -> Option<i128> {
    match (v, reading) {
        (Value::Number(n), _) if n.is_i64() || n.is_u64() => n.as_i64().map(i128::from).or(n.as_u64().map(i128::from)),
        (Value::Number(n), Reading::AnyDocumented) => n
            .as_f64()
            .filter(|x| x.fract() == 0.0 && x.abs() < 1e30)
            .map(|x| x as i128),
        (Value::String(s), Reading::AnyDocumented) => digits(s.trim()),
        _ => None,
    }
}

/// An ISO-8601 date-time: in UTC (`Z`) as sent, any offset when read leniently.
fn date_time_ms(s: &str, reading: Reading) -> Option<i64> {
    if reading == Reading::Sent && !s.ends_with('Z') {
        return None;
    }
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}
