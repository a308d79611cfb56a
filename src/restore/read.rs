//! Reading one field of a draft: its type, its form (an ObjectId, a cluster name, a positive
//! int32, a time as people write it), each problem a finding. The rules across fields are in
//! `rules.rs`.

use super::context::{ApiVersion, Context, Flavor, RestorableRange};
use super::draft::{RawKind, RawValue, RestoreDraft};
use super::field::Field;
use super::finding::{Code, Finding};
use super::rules::{DeliveryMethod, MAX_INT32, MIN_POINT_IN_TIME_MS, POINT_IN_TIME_WINDOW_MS};
use super::time_input::{HumanTime, format_utc_ms, format_utc_secs, parse_human_time, parse_iso_utc};

/// A field that must be a JSON string; reports a wrong type and gives the text otherwise.
pub(super) fn string_text<'a>(draft: &'a RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<&'a str> {
    let raw = draft.get(field)?;
    match raw.kind {
        RawKind::Typed | RawKind::JsonString => Some(&raw.text),
        RawKind::JsonNumber | RawKind::JsonOther => {
            out.push(wrong_type(field, raw, "a string"));
            None
        }
    }
}

pub(super) fn wrong_type(field: Field, raw: &RawValue, due: &str) -> Finding {
    let got = match raw.kind {
        RawKind::JsonNumber => format!("the number {}", raw.text),
        RawKind::JsonString => format!("the string {:?}", raw.text),
        _ => raw.text.clone(),
    };
    Finding::error(Code::WrongType, &[field], format!("{field} must be {due}, not {got}"))
}

/// Whether `s` is an ObjectId as the API writes them: 24 lower-case hexadecimal digits.
pub fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

pub(super) fn id_problem(field: Field, s: &str) -> Option<Finding> {
    if is_object_id(s) {
        return None;
    }
    let hint = if s.len() == 24 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
        "write it in lower case".to_string()
    } else if s.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("it has {} characters; copy the whole id", s.chars().count())
    } else {
        "it has characters other than 0-9 and a-f; copy the id again".to_string()
    };
    Some(Finding::error(
        Code::InvalidId,
        &[field],
        format!("{field} must be 24 hexadecimal characters: {hint}"),
    ))
}

/// A string field checked by `problem`: its text when it passes, else the finding.
pub(super) fn read_checked(
    draft: &RestoreDraft,
    field: Field,
    out: &mut Vec<Finding>,
    problem: fn(Field, &str) -> Option<Finding>,
) -> Option<String> {
    let text = string_text(draft, field, out)?;
    match problem(field, text) {
        Some(f) => {
            out.push(f);
            None
        }
        None => Some(text.to_string()),
    }
}

pub(super) fn read_id(draft: &RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<String> {
    read_checked(draft, field, out, id_problem)
}

pub(super) fn is_cluster_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric()) && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

pub(super) fn cluster_name_problem(field: Field, s: &str) -> Option<Finding> {
    (!is_cluster_name(s)).then(|| {
        Finding::error(
            Code::InvalidClusterName,
            &[field],
            format!(
                "{field} {s:?} is not a cluster name: use letters, digits and '-', starting with a letter or digit"
            ),
        )
    })
}

pub(super) fn read_cluster_name(draft: &RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<String> {
    read_checked(draft, field, out, cluster_name_problem)
}

/// A whole number in a JSON number (or typed): `Err` says why it is not one. With
/// `quoted_too` (Cloud and Ops Manager, whose documented requests quote their numbers:
/// `"maxDownloads": "1"`), a JSON string holding a whole number is read as that number.
pub(super) fn whole_number(raw: &RawValue, field: Field, quoted_too: bool) -> Result<i128, Finding> {
    let quoted_number = raw.kind == RawKind::JsonString && quoted_too && raw.text.trim().parse::<i128>().is_ok();
    if raw.kind == RawKind::JsonOther || (raw.kind == RawKind::JsonString && !quoted_number) {
        return Err(wrong_type(field, raw, "a JSON number"));
    }
    let text = raw.text.trim();
    if let Ok(n) = text.parse::<i128>() {
        return Ok(n);
    }
    let what = match text.parse::<f64>() {
        Ok(x) if x.is_finite() && x.fract() == 0.0 => return Ok(x as i128),
        Ok(_) => format!("{text} is not a whole number"),
        Err(_) => format!("{text:?} is not a number"),
    };
    Err(if raw.kind == RawKind::JsonNumber {
        Finding::error(
            Code::WrongType,
            &[field],
            format!("{field} must be a whole number: {what}"),
        )
    } else {
        Finding::error(
            Code::NumberOutOfRange,
            &[field],
            format!("{field} must be a whole number: {what}"),
        )
    })
}

pub(super) fn read_positive_int32(
    draft: &RestoreDraft,
    field: Field,
    ctx: &Context,
    out: &mut Vec<Finding>,
) -> Option<i64> {
    let raw = draft.get(field)?;
    match whole_number(raw, field, ctx.flavor.is_public_api()) {
        Ok(n) if (1..=i128::from(MAX_INT32)).contains(&n) => Some(n as i64),
        Ok(n) => {
            out.push(Finding::error(
                Code::NumberOutOfRange,
                &[field],
                format!("{field} is {n}: use a whole number from 1 to 2147483647"),
            ));
            None
        }
        Err(f) => {
            out.push(f);
            None
        }
    }
}

pub(super) fn read_method(draft: &RestoreDraft, out: &mut Vec<Finding>) -> Option<DeliveryMethod> {
    let field = Field::MethodName;
    if !draft.is_set(field) {
        out.push(Finding::error(
            Code::MethodNameMissing,
            &[field],
            "delivery.methodName is required: choose HTTP (a download link) or AUTOMATED_RESTORE (erases the target cluster, then restores into it)",
        ));
        return None;
    }
    let text = string_text(draft, field, out)?;
    match text {
        "HTTP" => Some(DeliveryMethod::Http),
        "AUTOMATED_RESTORE" => Some(DeliveryMethod::AutomatedRestore),
        other => {
            let hint = if other.eq_ignore_ascii_case("HTTP") || other.eq_ignore_ascii_case("AUTOMATED_RESTORE") {
                " (the values are upper case)"
            } else if other.eq_ignore_ascii_case("SCP") {
                " (SCP delivery was removed: Ops Manager 4.0, Cloud Manager in 2018)"
            } else {
                ""
            };
            out.push(Finding::error(
                Code::MethodNameInvalid,
                &[field],
                format!("delivery.methodName {other:?} is not accepted: use HTTP or AUTOMATED_RESTORE{hint}"),
            ));
            None
        }
    }
}

pub(super) fn read_oplog_ts(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::OplogTs;
    let raw = draft.get(field)?;
    let secs = match (raw.kind, ctx.api) {
        // Cloud and Ops Manager: epoch seconds, quoted as documented or not.
        (RawKind::JsonNumber, ApiVersion::V1) if ctx.flavor.is_public_api() => {
            let n = raw.text.parse::<i128>().ok();
            match n {
                Some(n) => epoch_secs(field, n, out)?,
                None => {
                    out.push(wrong_type(field, raw, "a string of epoch seconds (\"1536610288\")"));
                    return None;
                }
            }
        }
        (RawKind::JsonNumber | RawKind::JsonOther, ApiVersion::V1) => {
            let f = wrong_type(field, raw, "a string of epoch seconds (\"1536610288\") in API v1.0");
            out.push(f);
            return None;
        }
        (RawKind::JsonNumber | RawKind::JsonOther, ApiVersion::V2) => {
            out.push(wrong_type(
                field,
                raw,
                "an ISO-8601 UTC time string (\"2018-09-10T20:11:28Z\") in API v2",
            ));
            return None;
        }
        (RawKind::JsonString, ApiVersion::V1) => {
            if raw.text.bytes().all(|b| b.is_ascii_digit()) && !raw.text.is_empty() {
                epoch_secs(field, raw.text.parse::<i128>().unwrap_or(i128::MAX), out)?
            } else {
                let hint = match parse_iso_utc(&raw.text) {
                    Some((ms, _)) => format!("; that time is \"{}\"", ms.div_euclid(1000)),
                    None => String::new(),
                };
                out.push(Finding::error(
                    Code::OplogTsInvalid,
                    &[field],
                    format!(
                        "oplogTs {:?}: API v1.0 takes epoch seconds as a string, like \"1536610288\"{hint}",
                        raw.text
                    ),
                ));
                return None;
            }
        }
        (RawKind::JsonString, ApiVersion::V2) => match parse_iso_utc(&raw.text) {
            Some((ms, true)) => ms.div_euclid(1000),
            Some((ms, false)) => {
                out.push(Finding::error(
                    Code::OplogTsInvalid,
                    &[field],
                    format!(
                        "oplogTs must be in UTC: write \"{}\"",
                        format_utc_secs(ms.div_euclid(1000))
                    ),
                ));
                return None;
            }
            None => {
                out.push(Finding::error(
                    Code::OplogTsInvalid,
                    &[field],
                    format!(
                        "oplogTs {:?} is not an ISO-8601 UTC time: API v2 takes \"2018-09-10T20:11:28Z\"",
                        raw.text
                    ),
                ));
                return None;
            }
        },
        (RawKind::Typed, _) => match parse_human_time(&raw.text, ctx.now_ms) {
            Ok(HumanTime::Number(n)) => epoch_secs(field, n, out)?,
            Ok(HumanTime::AtMs(ms)) => ms.div_euclid(1000),
            Err(why) => {
                out.push(Finding::error(
                    Code::OplogTsInvalid,
                    &[field],
                    format!("oplogTs: {why}"),
                ));
                return None;
            }
        },
    };
    if secs > ctx.now_ms.div_euclid(1000) {
        out.push(Finding::error(
            Code::OplogTsInFuture,
            &[field],
            format!(
                "oplogTs is {}, in the future: give the time of an operation already in the oplog",
                format_utc_secs(secs)
            ),
        ));
        return None;
    }
    Some(secs)
}

/// Epoch seconds from a bare number, catching milliseconds given by mistake.
pub(super) fn epoch_secs(field: Field, n: i128, out: &mut Vec<Finding>) -> Option<i64> {
    if (100_000_000_000..100_000_000_000_000).contains(&n) {
        let secs = (n / 1000) as i64;
        out.push(Finding::error(
            Code::OplogTsInvalid,
            &[field],
            format!(
                "oplogTs {n} looks like milliseconds: it takes epoch seconds, which is {secs} ({})",
                format_utc_secs(secs)
            ),
        ));
        return None;
    }
    if n <= 0 || n >= 100_000_000_000 {
        out.push(Finding::error(
            Code::OplogTsInvalid,
            &[field],
            format!("oplogTs {n} is not a time: give epoch seconds, like 1536610288, or a UTC time"),
        ));
        return None;
    }
    Some(n as i64)
}

pub(super) fn read_oplog_inc(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::OplogInc;
    let api = ctx.api;
    let raw = draft.get(field)?;
    let n = match (raw.kind, api) {
        // Cloud and Ops Manager's docs quote it, their Go client sends a number: both read.
        (RawKind::JsonNumber, ApiVersion::V1) if ctx.flavor.is_public_api() => {
            match raw.text.parse::<i128>() {
                Ok(n) => n,
                Err(_) => {
                    out.push(Finding::error(
                    Code::OplogIncInvalid,
                    &[field],
                    format!("oplogInc {} is not a whole number: give the operation's ordinal within its second, 1 or more", raw.text),
                ));
                    return None;
                }
            }
        }
        (RawKind::JsonNumber | RawKind::JsonOther, ApiVersion::V1) => {
            out.push(wrong_type(
                field,
                raw,
                "a string holding a whole number (\"1\") in API v1.0",
            ));
            return None;
        }
        (RawKind::JsonString | RawKind::JsonOther, ApiVersion::V2) => {
            out.push(wrong_type(field, raw, "an integer (1, not \"1\") in API v2"));
            return None;
        }
        _ => match raw.text.trim().parse::<i128>() {
            Ok(n) => n,
            Err(_) => {
                out.push(Finding::error(
                    Code::OplogIncInvalid,
                    &[field],
                    format!("oplogInc {:?} is not a whole number: give the operation's ordinal within its second, 1 or more", raw.text),
                ));
                return None;
            }
        },
    };
    // An int32 in both versions (api.md §1: `format: int32, minimum: 1`); v1.0 only quotes it.
    let max = i128::from(i32::MAX);
    if !(1..=max).contains(&n) {
        out.push(Finding::error(
            Code::OplogIncInvalid,
            &[field],
            format!("oplogInc is {n}: it is a 32-bit ordinal from 1 to {max}"),
        ));
        return None;
    }
    Some(n as i64)
}

pub(super) fn read_point_in_time(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::PointInTimeUtcMillis;
    let raw = draft.get(field)?;
    let ms: i128 = if raw.kind == RawKind::Typed {
        match parse_human_time(&raw.text, ctx.now_ms) {
            Ok(HumanTime::Number(n)) => n,
            Ok(HumanTime::AtMs(ms)) => i128::from(ms),
            Err(why) => {
                out.push(Finding::error(
                    Code::PointInTimeInvalid,
                    &[field],
                    format!("pointInTimeUTCMillis: {why}"),
                ));
                return None;
            }
        }
    } else {
        match whole_number(raw, field, ctx.flavor.is_public_api()) {
            Ok(n) => n,
            Err(f) => {
                out.push(f);
                return None;
            }
        }
    };
    let now = i128::from(ctx.now_ms);
    let window_start = now - i128::from(POINT_IN_TIME_WINDOW_MS);
    let in_window = |v: i128| (window_start..=now).contains(&v);
    let finding = if ms < i128::from(MIN_POINT_IN_TIME_MS) {
        let as_ms = ms.saturating_mul(1000);
        if (i128::from(MIN_POINT_IN_TIME_MS)..=now + i128::from(POINT_IN_TIME_WINDOW_MS)).contains(&as_ms) {
            Finding::error(
                Code::PointInTimeInSeconds,
                &[field],
                format!(
                    "pointInTimeUTCMillis {ms} looks like seconds ({}): it takes milliseconds, which is {as_ms}",
                    format_utc_ms(as_ms as i64)
                ),
            )
        } else {
            Finding::error(
                Code::PointInTimeBeforeMinimum,
                &[field],
                format!(
                    "pointInTimeUTCMillis {ms} is before 2008-01-01 (1199145600000), the earliest Atlas accepts: give epoch milliseconds within the last 24 hours"
                ),
            )
        }
    } else if ms > now && in_window(ms / 1000) {
        Finding::error(
            Code::PointInTimeInMicroseconds,
            &[field],
            format!(
                "pointInTimeUTCMillis {ms} looks like microseconds: it takes milliseconds, which is {}",
                ms / 1000
            ),
        )
    } else if ms > now {
        let when = i64::try_from(ms).map_or_else(|_| format!("{ms}"), format_utc_ms);
        Finding::error(
            Code::PointInTimeInFuture,
            &[field],
            format!("pointInTimeUTCMillis is {when}, in the future: give a time within the last 24 hours"),
        )
    } else if let Some(ranges) = &ctx.restorable_ranges {
        // The server said which ranges it can restore: they, not 24 hours, decide.
        return match ranges_finding(ms as i64, ranges, ctx) {
            Some(f) if f.is_error() => {
                out.push(f);
                None
            }
            Some(f) => {
                out.push(f);
                Some(ms as i64)
            }
            None => Some(ms as i64),
        };
    } else if !in_window(ms) && ctx.flavor == Flavor::OpsManager {
        // Ops Manager's window is the project's own setting, 24 hours unless changed.
        out.push(Finding::warning(
            Code::PointInTimeBeyondDefaultWindow,
            &[field],
            format!(
                "pointInTimeUTCMillis is {}, more than 24 hours ago: Ops Manager restores within the project's point-in-time window, 24 hours unless it was changed; its restorable ranges were not read, so check them",
                format_utc_ms(ms as i64)
            ),
        ));
        return Some(ms as i64);
    } else if !in_window(ms) {
        Finding::error(
            Code::PointInTimeOutsideWindow,
            &[field],
            // The message names the value, not the moving window's edge, so that it stays the
            // same from one second to the next and the screen need not be redrawn.
            format!(
                "pointInTimeUTCMillis is {}, more than 24 hours ago: {} restores only to the last 24 hours; pick a later time",
                format_utc_ms(ms as i64),
                ctx.flavor.product()
            ),
        )
    } else {
        return Some(ms as i64);
    };
    out.push(finding);
    None
}

/// A point in time against the ranges `restorableTimeRanges` gave: in one, fine; after the
/// newest (and not in the future), a warning, since that range may have grown since it was
/// read; before the oldest or in a gap, an error that names the ranges around it.
fn ranges_finding(ms: i64, ranges: &[RestorableRange], ctx: &Context) -> Option<Finding> {
    let field = Field::PointInTimeUtcMillis;
    if ranges.iter().any(|r| (r.start_ms..=r.end_ms).contains(&ms)) {
        return None;
    }
    let product = ctx.flavor.product();
    let span = |r: &RestorableRange| format!("{} to {}", format_utc_ms(r.start_ms), format_utc_ms(r.end_ms));
    let Some(latest) = ranges.iter().max_by_key(|r| r.end_ms) else {
        return Some(Finding::error(
            Code::PointInTimeOutsideRanges,
            &[field],
            format!(
                "{product} gave no restorable time range for this cluster: no point in time can be restored; restore from a snapshotId"
            ),
        ));
    };
    if ms > latest.end_ms {
        return Some(Finding::warning(
            Code::PointInTimeAfterRanges,
            &[field],
            format!(
                "pointInTimeUTCMillis is {}, after the newest restorable range {product} gave ({}): it may not have that oplog yet; pick a time in it, or expect a refusal",
                format_utc_ms(ms),
                span(latest)
            ),
        ));
    }
    let before = ranges.iter().filter(|r| r.end_ms < ms).max_by_key(|r| r.end_ms);
    let after = ranges.iter().filter(|r| r.start_ms > ms).min_by_key(|r| r.start_ms);
    let around = match (before, after) {
        (Some(b), Some(a)) => format!("between the ranges {} and {}", span(b), span(a)),
        (None, Some(a)) => format!("before the oldest range, {}", span(a)),
        _ => format!("outside the range {}", span(latest)),
    };
    Some(Finding::error(
        Code::PointInTimeOutsideRanges,
        &[field],
        format!(
            "pointInTimeUTCMillis is {}, {around}, where {product} has no oplog to restore from: pick a time inside a range",
            format_utc_ms(ms)
        ),
    ))
}

/// `delivery.expires`: Cloud and Ops Manager's alternative to `expirationHours`, an ISO-8601
/// UTC time in the future. Atlas sets it in responses only: a warning there, as for any
/// response field in a request.
pub(super) fn read_expires(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::Expires;
    let raw = draft.get(field)?;
    if !ctx.flavor.is_public_api() {
        out.push(Finding::warning(
            Code::ResponseOnlyField,
            &[],
            "delivery.expires is set by Atlas in responses and ignored in a request: remove it",
        ));
        return None;
    }
    let text = string_text(draft, field, out)?;
    let parsed = match raw.kind {
        RawKind::Typed => super::time_input::parse_rfc3339_lenient(text).map(|ms| (ms, true)),
        _ => parse_iso_utc(text),
    };
    let finding = match parsed {
        Some((ms, true)) if ms > ctx.now_ms => return Some(ms),
        Some((ms, true)) => format!(
            "delivery.expires is {}, already past: give a later time, or delivery.expirationHours instead",
            format_utc_ms(ms)
        ),
        Some((ms, false)) => format!(
            "delivery.expires must be in UTC: write \"{}\"",
            format_utc_secs(ms.div_euclid(1000))
        ),
        None => format!(
            "delivery.expires {text:?} is not an ISO-8601 UTC time: write it like \"2026-11-30T12:00:00Z\", or use delivery.expirationHours"
        ),
    };
    out.push(Finding::error(Code::ExpiresInvalid, &[field], finding));
    None
}
