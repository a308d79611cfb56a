//! The table's rows over a create's body, first part: the bytes (JSON, an object), then
//! each field's form, in the body's order. Every row that refuses is listed in the answer's
//! `badRequestDetail.fields`; the first one answers.
//!
//! Each row's test is written from the documents alone (`fact`), never from the client's
//! engine. A row that checks a field's range asks only of a value of the right form, so
//! that one bad value is one violation.

use super::values::{self, Read};
use super::{
    ATLAS, Body, EVERY_API, EVERY_PRODUCT, Hit, INVALID, MISSING, PUBLIC_API, Rule, Test, body_row as row, scoped,
};
use super::{EARLIEST_POINT_IN_TIME_MS, POINT_IN_TIME_WINDOW_MS};
use crate::restore::{ApiVersion, Flavor};
use crate::sim::clock::iso;
use serde_json::Value;

const NOT_JSON: &str = "Received JSON does not match the expected format: {why}";
const UNSUPPORTED: &str = "The specified delivery method is not supported: {why}";

/// The answer to a body every row took and that still asks for nothing whole; not a
/// documented case, and not one a body can reach while the rows hold.
pub(super) static INCOMPLETE: Rule = row("INVALID_ATTRIBUTE", INVALID, "-", Test::Body(|_| Vec::new()));

pub(super) static ROWS: [Rule; 22] = [
    // ---- the bytes ----
    row(
        "INVALID_JSON",
        NOT_JSON,
        "Atlas's JSON reader: a body it cannot parse",
        Test::Json(|json| {
            json.as_ref()
                .err()
                .map(|e| Hit::on("body", format!("it is not JSON ({e}).")))
        }),
    ),
    row(
        "INVALID_JSON",
        NOT_JSON,
        "api.md §1: the body is a BackupRestoreJob object",
        Test::Json(|json| match json {
            Ok(v) if !v.is_object() => Some(Hit::on(
                "body",
                "a restore job is a JSON object, {\"snapshotId\": ..., \"delivery\": {...}}.",
            )),
            _ => None,
        }),
    ),
    // ---- each field's form, in the body's order ----
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: delivery is a BackupRestoreJobDelivery object",
        Test::Body(|b| match b.delivery_sent() {
            Some(d) if !d.is_object() => vec![Hit::on("delivery", "delivery is an object, {\"methodName\": ...}.")],
            _ => Vec::new(),
        }),
    ),
    row(
        "MISSING_ATTRIBUTE",
        MISSING,
        "api.md §1: BackupRestoreJob requires delivery, and delivery requires methodName",
        Test::Body(method_missing),
    ),
    row(
        "UNSUPPORTED_DELIVERY_METHOD",
        UNSUPPORTED,
        "api.md §1 and §4, ops-manager.md: HTTP or AUTOMATED_RESTORE (SCP was removed); 400 UNSUPPORTED_DELIVERY_METHOD",
        Test::Body(|b| form(b.inside("methodName"), "delivery.methodName", values::method_name)),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: snapshotId matches ^([a-f0-9]{24})$",
        Test::Body(|b| {
            form(b.top("snapshotId"), "snapshotId", |v| {
                values::object_id("snapshotId", v)
            })
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: checkpointId is 24 hexadecimal digits",
        Test::Body(|b| {
            form(b.top("checkpointId"), "checkpointId", |v| {
                values::object_id("checkpointId", v)
            })
        }),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        EVERY_PRODUCT,
        &[ApiVersion::V1],
        "api.md, decisions: v1.0 sends oplogTs as epoch seconds; ops-manager.md likewise",
        Test::Body(|b| form(b.top("oplogTs"), "oplogTs", values::epoch_seconds)),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        ATLAS,
        &[ApiVersion::V2],
        "api.md, decisions: v2 sends oplogTs as an ISO-8601 UTC date-time",
        Test::Body(|b| form(b.top("oplogTs"), "oplogTs", values::iso_seconds)),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: oplogTs names an operation in the oplog, which holds none ahead of now",
        Test::Body(oplog_ts_ahead),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: oplogInc is an int32, minimum 1",
        Test::Body(|b| form(b.top("oplogInc"), "oplogInc", |v| values::positive_int32("oplogInc", v))),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: pointInTimeUTCMillis is an int64, minimum 1199145600000",
        Test::Body(point_in_time_form),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: the point in time falls before the current time",
        Test::Body(point_in_time_ahead),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        &[Flavor::Atlas, Flavor::CloudManager],
        EVERY_API,
        "api.md §1, ops-manager.md: within the last 24 hours (Atlas, Cloud Manager)",
        Test::Body(point_in_time_window),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: within the cluster's restorableTimeRanges",
        Test::Body(point_in_time_ranges),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: expirationHours is an int32, minimum 1",
        Test::Body(|b| {
            let field = "delivery.expirationHours";
            form(b.inside("expirationHours"), field, |v| values::positive_int32(field, v))
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: maxDownloads is an int32, minimum 1",
        Test::Body(|b| {
            let field = "delivery.maxDownloads";
            form(b.inside("maxDownloads"), field, |v| values::positive_int32(field, v))
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: targetGroupId is 24 hexadecimal digits",
        Test::Body(|b| {
            let field = "delivery.targetGroupId";
            form(b.inside("targetGroupId"), field, |v| values::object_id(field, v))
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: targetClusterName matches ^[a-zA-Z0-9][a-zA-Z0-9-]*$",
        Test::Body(|b| {
            let field = "delivery.targetClusterName";
            form(b.inside("targetClusterName"), field, |v| values::cluster_name(field, v))
        }),
    ),
    row(
        "INVALID_ATTRIBUTE",
        INVALID,
        "api.md §1: targetClusterId is 24 hexadecimal digits",
        Test::Body(|b| {
            let field = "delivery.targetClusterId";
            form(b.inside("targetClusterId"), field, |v| values::object_id(field, v))
        }),
    ),
    // Atlas sets `expires` in its answers and ignores it in a request (api.md §1, "out").
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: delivery.expires is an ISO 8601 UTC date-time",
        Test::Body(|b| form(b.inside("expires"), "delivery.expires", values::expires)),
    ),
    scoped(
        "INVALID_ATTRIBUTE",
        INVALID,
        PUBLIC_API,
        EVERY_API,
        "ops-manager.md: delivery.expires is when the link ends, after it is made",
        Test::Body(expires_passed),
    ),
];

/// A field's form: nothing when not sent or well formed, else why not.
fn form<T>(value: Option<&Value>, field: &'static str, read: impl Fn(&Value) -> Read<T>) -> Vec<Hit> {
    match value.map(read) {
        Some(Err(why)) => vec![Hit::on(field, why)],
        _ => Vec::new(),
    }
}

fn method_missing(b: &Body) -> Vec<Hit> {
    // A `delivery` that is no object was refused for that already.
    let missing = match b.delivery_sent() {
        None => true,
        Some(d) => d.is_object() && !b.sent_inside("methodName"),
    };
    if missing {
        vec![Hit::on(
            "delivery.methodName",
            "delivery.methodName is required: HTTP for a download link, AUTOMATED_RESTORE to restore into a cluster.",
        )]
    } else {
        Vec::new()
    }
}

/// `oplogTs` in whole seconds, read in the request's version.
fn oplog_ts_secs(b: &Body) -> Option<i64> {
    let v = b.top("oplogTs")?;
    match b.server.api {
        ApiVersion::V1 => values::epoch_seconds(v).ok(),
        ApiVersion::V2 => values::iso_seconds(v).ok(),
    }
}

/// How far back the oplog reaches is the data's question, not the body's.
fn oplog_ts_ahead(b: &Body) -> Vec<Hit> {
    match oplog_ts_secs(b) {
        Some(secs) if i128::from(secs) * 1000 > i128::from(b.server.now_ms) => vec![Hit::on(
            "oplogTs",
            format!("oplogTs {secs} is after the server's time: no operation in the oplog has it yet."),
        )],
        _ => Vec::new(),
    }
}

/// `pointInTimeUTCMillis` as a whole number, when it is one.
fn point_in_time(b: &Body) -> Option<i128> {
    values::whole_number("pointInTimeUTCMillis", b.top("pointInTimeUTCMillis")?).ok()
}

/// `pointInTimeUTCMillis` from 2008 to now: the ones the windows below ask about.
fn point_in_time_taken(b: &Body) -> Option<i64> {
    let n = point_in_time(b)?;
    let lowest = i128::from(EARLIEST_POINT_IN_TIME_MS);
    (lowest..=i128::from(b.server.now_ms)).contains(&n).then_some(n as i64)
}

fn point_in_time_form(b: &Body) -> Vec<Hit> {
    let field = "pointInTimeUTCMillis";
    let Some(v) = b.top(field) else {
        return Vec::new();
    };
    match values::whole_number(field, v) {
        Err(why) => vec![Hit::on(field, why)],
        Ok(n) if n < i128::from(EARLIEST_POINT_IN_TIME_MS) => vec![Hit::on(
            field,
            format!(
                "pointInTimeUTCMillis {n} is before 1199145600000 (2008-01-01), the earliest it takes; it counts milliseconds."
            ),
        )],
        Ok(_) => Vec::new(),
    }
}

fn point_in_time_ahead(b: &Body) -> Vec<Hit> {
    let now_ms = b.server.now_ms;
    match point_in_time(b) {
        Some(n) if n >= i128::from(EARLIEST_POINT_IN_TIME_MS) && n > i128::from(now_ms) => vec![Hit::on(
            "pointInTimeUTCMillis",
            format!("pointInTimeUTCMillis {n} is after the server's time {now_ms}: it cannot restore the future."),
        )],
        _ => Vec::new(),
    }
}

/// Where no restorable ranges are answered. Ops Manager's window is the project's own
/// setting, which the body cannot be held to.
fn point_in_time_window(b: &Body) -> Vec<Hit> {
    let server = b.server;
    match point_in_time_taken(b) {
        Some(ms)
            if server.restorable_ranges.is_none() && ms < server.now_ms.saturating_sub(POINT_IN_TIME_WINDOW_MS) =>
        {
            vec![Hit::on(
                "pointInTimeUTCMillis",
                format!(
                    "{} is more than 24 hours before the server's time; {} restores a point in time within the last 24 hours.",
                    iso(ms),
                    b.product()
                ),
            )]
        }
        _ => Vec::new(),
    }
}

fn point_in_time_ranges(b: &Body) -> Vec<Hit> {
    let (Some(ms), Some(ranges)) = (point_in_time_taken(b), &b.server.restorable_ranges) else {
        return Vec::new();
    };
    // The newest range reaches to the present: the oplog is still being read, and the
    // range's end is only where the answer was cut.
    let newest_end = ranges.iter().map(|r| *r.end()).max();
    if ranges.iter().any(|r| r.contains(&ms)) || newest_end.is_some_and(|end| ms > end) {
        return Vec::new();
    }
    let product = b.product();
    let listed: Vec<String> = ranges
        .iter()
        .map(|r| format!("{} to {}", iso(*r.start()), iso(*r.end())))
        .collect();
    let why = if listed.is_empty() {
        format!("{product} has no restorable time range for this cluster, so no point in time can be restored.")
    } else {
        format!(
            "{} is in none of the restorable time ranges {product} has for this cluster ({}).",
            iso(ms),
            listed.join(", ")
        )
    };
    vec![Hit::on("pointInTimeUTCMillis", why)]
}

fn expires_passed(b: &Body) -> Vec<Hit> {
    match b.inside("expires").and_then(|v| values::expires(v).ok()) {
        Some(ms) if ms <= b.server.now_ms => vec![Hit::on(
            "delivery.expires",
            format!(
                "delivery.expires {} has already passed: a link cannot expire before it is made.",
                iso(ms)
            ),
        )],
        _ => Vec::new(),
    }
}
