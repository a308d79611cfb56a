//! One field of a create's body, read as the server reads it: its JSON type, then its form
//! (an ObjectId, a cluster name, a positive int32, a time). Each reader gives the value or
//! why it is refused; which rule of the table refuses it, and when, is in `body.rs`.
//!
//! The server's JSON reader is lenient where readers of its kind are: a whole number may
//! come as a JSON number (also `1.0`) or as a string holding one (`"1"`, as the v1.0 and
//! Cloud/Ops Manager docs write them, api.md §1 and ops-manager.md), and a date-time may
//! carry any UTC offset. A server stricter than Atlas would make the dashboard look broken.

use serde_json::Value;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// A value as read, or why it is not taken (the rule's `{why}`).
pub(super) type Read<T> = Result<T, String>;

/// `delivery.methodName`'s two accepted values (api.md §1; ops-manager.md).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MethodName {
    Http,
    AutomatedRestore,
}

/// How a JSON value is named in a message.
pub(super) fn shown(v: &Value) -> String {
    match v {
        Value::String(s) => format!("{s:?}"),
        Value::Number(n) => n.to_string(),
        Value::Bool(_) => "a boolean".into(),
        Value::Array(_) => "an array".into(),
        Value::Object(_) => "an object".into(),
        Value::Null => "null".into(),
    }
}

fn text<'a>(field: &str, v: &'a Value) -> Read<&'a str> {
    v.as_str()
        .ok_or_else(|| format!("{field} is a string, and {} is not one.", shown(v)))
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

pub(super) fn object_id(field: &str, v: &Value) -> Read<String> {
    let s = text(field, v)?;
    if is_object_id(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{field} {s:?} is not an ObjectId: 24 hexadecimal digits in lower case."
        ))
    }
}

pub(super) fn cluster_name(field: &str, v: &Value) -> Read<String> {
    let s = text(field, v)?;
    if is_cluster_name(s) {
        Ok(s.to_string())
    } else {
        Err(format!(
            "{field} {s:?} is not a cluster name: ASCII letters, digits and hyphens, not starting with a hyphen."
        ))
    }
}

/// A whole number as the server's reader takes one: a JSON integer, a JSON number with no
/// fraction, or a string holding an integer (surrounding spaces allowed).
pub(super) fn whole_number(field: &str, v: &Value) -> Read<i128> {
    let not_whole = || format!("{field} is a whole number, and {} is not one.", shown(v));
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

/// `expirationHours`, `maxDownloads`, `oplogInc`: int32 with `minimum: 1` (api.md §1).
pub(super) fn positive_int32(field: &str, v: &Value) -> Read<i64> {
    let n = whole_number(field, v)?;
    if (1..=i128::from(i32::MAX)).contains(&n) {
        Ok(n as i64)
    } else {
        Err(format!(
            "{field} is {n}, and it takes a 32-bit integer of at least 1 (1 to 2147483647)."
        ))
    }
}

/// v1.0's `oplogTs`: epoch seconds, a string as documented, or a number.
pub(super) fn epoch_seconds(v: &Value) -> Read<i64> {
    let secs = match v {
        Value::String(s) => s.trim().parse::<i64>().ok(),
        Value::Number(n) => n.as_i64().or_else(|| {
            n.as_f64()
                .filter(|x| x.fract() == 0.0 && x.abs() < 9.0e18)
                .map(|x| x as i64)
        }),
        _ => None,
    };
    secs.ok_or_else(|| {
        format!(
            "oplogTs {} is not a time in epoch seconds, which is what API v1.0 takes (\"1536610288\").",
            shown(v)
        )
    })
}

/// v2's `oplogTs`: an ISO-8601 date-time, in whole seconds.
pub(super) fn iso_seconds(v: &Value) -> Read<i64> {
    v.as_str()
        .and_then(date_time_ms)
        .map(|ms| ms.div_euclid(1000))
        .ok_or_else(|| {
            format!(
                "oplogTs {} is not an ISO-8601 date-time, which is what API v2 takes (\"2018-09-10T20:11:28Z\").",
                shown(v)
            )
        })
}

/// An RFC 3339 date-time (the ISO-8601 profile the SPEC's pattern describes), any offset.
fn date_time_ms(s: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// Cloud and Ops Manager's `delivery.expires`: an ISO-8601 date-time.
pub(super) fn expires(v: &Value) -> Read<i64> {
    let field = "delivery.expires";
    let s = text(field, v)?;
    date_time_ms(s)
        .ok_or_else(|| format!("delivery.expires {s:?} is not an ISO-8601 date-time (\"2026-11-30T12:00:00Z\")."))
}

/// `delivery.methodName`: `HTTP` or `AUTOMATED_RESTORE`; any other value (SCP, removed in
/// 2018, or a response-only name such as `QUERY`) is not a method of this endpoint.
pub(super) fn method_name(v: &Value) -> Read<MethodName> {
    match v.as_str() {
        Some("HTTP") => Ok(MethodName::Http),
        Some("AUTOMATED_RESTORE") => Ok(MethodName::AutomatedRestore),
        _ => Err(format!(
            "delivery.methodName {} is not a delivery method of this endpoint: HTTP or AUTOMATED_RESTORE.",
            shown(v)
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn number(v: Value) -> Read<i128> {
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
