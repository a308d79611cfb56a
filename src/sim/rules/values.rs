//! One field of a create's body, read as the server reads it: its JSON type, then its form
//! (an ObjectId, a cluster name, a positive int32, a time). Each problem is a `Violation`;
//! the rules across fields are in `mod.rs`.
//!
//! The server's JSON reader is lenient where readers of its kind are: a whole number may
//! come as a JSON number (also `1.0`) or as a string holding one (`"1"`, as the v1.0 and
//! Cloud/Ops Manager docs write them, api.md §1 and ops-manager.md), and a date-time may
//! carry any UTC offset. A server stricter than Atlas would make the dashboard look broken.

use super::{EARLIEST_POINT_IN_TIME_MS, POINT_IN_TIME_WINDOW_MS, Server, Violation};
use crate::restore::{ApiVersion, Flavor};
use crate::sim::clock::iso;
use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A field as read: not sent (or `null`, which says the same), read, or refused (the
/// violation is already written down).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Got<T> {
    Absent,
    Read(T),
    Refused,
}

impl<T> Got<T> {
    pub fn is_sent(&self) -> bool {
        !matches!(self, Got::Absent)
    }

    pub fn read(&self) -> Option<&T> {
        match self {
            Got::Read(t) => Some(t),
            _ => None,
        }
    }
}

/// `delivery.methodName`'s two accepted values (api.md §1; ops-manager.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MethodName {
    Http,
    AutomatedRestore,
}

/// A value that was sent, or the violation of a refused one, folded into `Got`.
fn sent<T>(
    value: Option<&Value>,
    out: &mut Vec<Violation>,
    read: impl FnOnce(&Value) -> Result<T, Violation>,
) -> Got<T> {
    match value {
        None | Some(Value::Null) => Got::Absent,
        Some(v) => match read(v) {
            Ok(t) => Got::Read(t),
            Err(violation) => {
                out.push(violation);
                Got::Refused
            }
        },
    }
}

/// How a JSON value is named in a message.
fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(_) => "a boolean".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        Value::Null => "null".into(),
    }
}

fn text<'a>(field: &'static str, v: &'a Value) -> Result<&'a str, Violation> {
    v.as_str()
        .ok_or_else(|| Violation::invalid(field, format!("{field} is a string, and {} is not one.", shown(v))))
}

/// The SPEC's `^([a-f0-9]{24})$`.
fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The SPEC's `^[a-zA-Z0-9][a-zA-Z0-9-]*$`.
fn is_cluster_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric()) && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(super) fn object_id(field: &'static str, value: Option<&Value>, out: &mut Vec<Violation>) -> Got<String> {
    sent(value, out, |v| {
        let s = text(field, v)?;
        if is_object_id(s) {
            Ok(s.to_string())
        } else {
            Err(Violation::invalid(
                field,
                format!("{field} {s:?} is not an ObjectId: 24 hexadecimal digits in lower case."),
            ))
        }
    })
}

pub(super) fn cluster_name(field: &'static str, value: Option<&Value>, out: &mut Vec<Violation>) -> Got<String> {
    sent(value, out, |v| {
        let s = text(field, v)?;
        if is_cluster_name(s) {
            Ok(s.to_string())
        } else {
            Err(Violation::invalid(
                field,
                format!(
                    "{field} {s:?} is not a cluster name: ASCII letters, digits and hyphens, not starting with a hyphen."
                ),
            ))
        }
    })
}

/// A whole number as the server's reader takes one: a JSON integer, a JSON number with no
/// fraction, or a string holding an integer (surrounding spaces allowed).
fn whole_number(field: &'static str, v: &Value) -> Result<i128, Violation> {
    let not_whole = || {
        Violation::invalid(
            field,
            format!("{field} is a whole number, and {} is not one.", shown(v)),
        )
    };
    match v {
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                return Ok(i128::from(i));
            }
            if let Some(u) = n.as_u64() {
                return Ok(i128::from(u));
            }
            match n.as_f64() {
                // `as` saturates: a huge value stays huge, and out of every range below.
                Some(x) if x.is_finite() && x.fract() == 0.0 => Ok(x as i128),
                _ => Err(not_whole()),
            }
        }
        Value::String(s) => s.trim().parse::<i128>().map_err(|_| not_whole()),
        _ => Err(not_whole()),
    }
}

/// `expirationHours`, `maxDownloads`: int32 with `minimum: 1` (api.md §1).
pub(super) fn positive_int32(field: &'static str, value: Option<&Value>, out: &mut Vec<Violation>) -> Got<i64> {
    sent(value, out, |v| in_int32(field, whole_number(field, v)?))
}

fn in_int32(field: &'static str, n: i128) -> Result<i64, Violation> {
    if (1..=i128::from(i32::MAX)).contains(&n) {
        Ok(n as i64)
    } else {
        Err(Violation::invalid(
            field,
            format!("{field} is {n}, and it takes a 32-bit integer of at least 1 (1 to 2147483647)."),
        ))
    }
}

/// `oplogInc`: an int32 of at least 1 in both versions (api.md §1); v1.0's docs send it as a
/// string, v2 as an integer, and the server reads either.
pub(super) fn oplog_inc(value: Option<&Value>, out: &mut Vec<Violation>) -> Got<i64> {
    let field = "oplogInc";
    sent(value, out, |v| in_int32(field, whole_number(field, v)?))
}

/// `oplogTs`, in whole seconds (an oplog timestamp's first part): v1.0 takes epoch seconds
/// (a string, or a number), v2 an ISO-8601 date-time (api.md, "Decisions"). A time after
/// now is refused; how far back the oplog reaches is the data's question, not the body's.
pub(super) fn oplog_ts(value: Option<&Value>, server: &Server, out: &mut Vec<Violation>) -> Got<i64> {
    let field = "oplogTs";
    sent(value, out, |v| {
        let secs = match server.api {
            ApiVersion::V1 => epoch_seconds(v).ok_or_else(|| {
                Violation::invalid(
                    field,
                    format!("oplogTs {} is not a time in epoch seconds, which is what API v1.0 takes (\"1536610288\").", shown(v)),
                )
            })?,
            ApiVersion::V2 => v
                .as_str()
                .and_then(date_time_ms)
                .map(|ms| ms.div_euclid(1000))
                .ok_or_else(|| {
                    Violation::invalid(
                        field,
                        format!("oplogTs {} is not an ISO-8601 date-time, which is what API v2 takes (\"2018-09-10T20:11:28Z\").", shown(v)),
                    )
                })?,
        };
        if i128::from(secs) * 1000 > i128::from(server.now_ms) {
            return Err(Violation::invalid(
                field,
                format!("oplogTs {secs} is after the server's time: no operation in the oplog has it yet."),
            ));
        }
        Ok(secs)
    })
}

fn epoch_seconds(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e18)
                .map(|x| x as i64)
        }),
        _ => None,
    }
}

/// An RFC 3339 date-time (the ISO-8601 profile the SPEC's pattern describes), any offset.
fn date_time_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// `pointInTimeUTCMillis`: epoch milliseconds, from 2008-01-01 (api.md §1's `minimum`), not
/// in the future, and within what the product can restore: Atlas and Cloud Manager the last
/// 24 hours; where `restorableTimeRanges` answers (Cloud and Ops Manager), its ranges.
pub(super) fn point_in_time(value: Option<&Value>, server: &Server, out: &mut Vec<Violation>) -> Got<i64> {
    let field = "pointInTimeUTCMillis";
    sent(value, out, |v| {
        let n = whole_number(field, v)?;
        if n < i128::from(EARLIEST_POINT_IN_TIME_MS) {
            return Err(Violation::invalid(
                field,
                format!(
                    "pointInTimeUTCMillis {n} is before 1199145600000 (2008-01-01), the earliest it takes; it counts milliseconds."
                ),
            ));
        }
        if n > i128::from(server.now_ms) {
            return Err(Violation::invalid(
                field,
                format!(
                    "pointInTimeUTCMillis {n} is after the server's time {}: it cannot restore the future.",
                    server.now_ms
                ),
            ));
        }
        // Between the minimum and now: an i64.
        let ms = n as i64;
        within_restorable(ms, server)?;
        Ok(ms)
    })
}

fn within_restorable(ms: i64, server: &Server) -> Result<(), Violation> {
    let field = "pointInTimeUTCMillis";
    let product = server.flavor.product();
    match &server.restorable_ranges {
        Some(ranges) => {
            // The newest range reaches to the present: the oplog is still being read, and the
            // range's end is only where the answer was cut.
            let newest_end = ranges.iter().map(|r| *r.end()).max();
            if ranges.iter().any(|r| r.contains(&ms)) || newest_end.is_some_and(|end| ms > end) {
                return Ok(());
            }
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
            Err(Violation::invalid(field, why))
        }
        // Ops Manager's window is the project's own setting, which the body cannot be held to.
        None if server.flavor == Flavor::OpsManager => Ok(()),
        None if ms < server.now_ms.saturating_sub(POINT_IN_TIME_WINDOW_MS) => Err(Violation::invalid(
            field,
            format!(
                "{} is more than 24 hours before the server's time; {product} restores a point in time within the last 24 hours.",
                iso(ms)
            ),
        )),
        None => Ok(()),
    }
}

/// Cloud and Ops Manager's `delivery.expires`: an ISO-8601 date-time still to come.
pub(super) fn expires(value: Option<&Value>, now_ms: i64, out: &mut Vec<Violation>) -> Got<i64> {
    let field = "delivery.expires";
    sent(value, out, |v| {
        let s = text(field, v)?;
        match date_time_ms(s) {
            Some(ms) if ms > now_ms => Ok(ms),
            Some(ms) => Err(Violation::invalid(
                field,
                format!(
                    "delivery.expires {} has already passed: a link cannot expire before it is made.",
                    iso(ms)
                ),
            )),
            None => Err(Violation::invalid(
                field,
                format!("delivery.expires {s:?} is not an ISO-8601 date-time (\"2026-11-30T12:00:00Z\")."),
            )),
        }
    })
}

/// `delivery.methodName`: `HTTP` or `AUTOMATED_RESTORE`; any other value (SCP, removed in
/// 2018, or a response-only name such as `QUERY`) is `UNSUPPORTED_DELIVERY_METHOD` (api.md §4).
pub(super) fn method_name(value: Option<&Value>, out: &mut Vec<Violation>) -> Got<MethodName> {
    let field = "delivery.methodName";
    match sent(value, out, |v| match v.as_str() {
        Some("HTTP") => Ok(MethodName::Http),
        Some("AUTOMATED_RESTORE") => Ok(MethodName::AutomatedRestore),
        _ => Err(Violation {
            error_code: "UNSUPPORTED_DELIVERY_METHOD",
            field,
            description: format!(
                "delivery.methodName {} is not a delivery method of this endpoint: HTTP or AUTOMATED_RESTORE.",
                shown(v)
            ),
        }),
    }) {
        Got::Absent => {
            out.push(Violation::missing(
                field,
                "delivery.methodName is required: HTTP for a download link, AUTOMATED_RESTORE to restore into a cluster.",
            ));
            Got::Absent
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(v: Value) -> Result<i128, Violation> {
        whole_number("delivery.maxDownloads", &v)
    }

    #[test]
    fn whole_numbers_come_as_numbers_or_strings() {
        assert_eq!(number(json!(3)).ok(), Some(3));
        assert_eq!(number(json!(3.0)).ok(), Some(3));
        assert_eq!(number(json!(" 3 ")).ok(), Some(3));
        assert_eq!(number(json!(u64::MAX)).ok(), Some(i128::from(u64::MAX)));
        for bad in [json!(1.5), json!("1.5"), json!("three"), json!(true), json!([1])] {
            assert!(number(bad.clone()).is_err(), "{bad}");
        }
    }

    #[test]
    fn ids_and_names_follow_the_spec_patterns() {
        assert!(is_object_id("5f8e2a1c9d4b7e0012c3a4b5"));
        assert!(!is_object_id("5F8E2A1C9D4B7E0012C3A4B5"));
        assert!(!is_object_id("5f8e2a1c9d4b7e0012c3a4b"));
        assert!(is_cluster_name("Cluster-0") && is_cluster_name("0"));
        assert!(!is_cluster_name("-x") && !is_cluster_name("") && !is_cluster_name("a_b"));
    }

    #[test]
    fn date_times_take_any_offset() {
        assert_eq!(date_time_ms("2018-09-10T20:11:28Z"), Some(1_536_610_288_000));
        assert_eq!(date_time_ms("2018-09-10T22:11:28+02:00"), Some(1_536_610_288_000));
        assert_eq!(date_time_ms("2018-09-10"), None);
    }
}
