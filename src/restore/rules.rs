//! The rules of a restore request (`../shared/atlas/api.md` §1 and §7), checked all at once
//! so that every conflict is reported with every field it involves.

use super::context::{ApiVersion, ClusterType, Context};
use super::draft::{RawKind, RawValue, RestoreDraft};
use super::field::Field;
use super::finding::{Code, Finding};
use super::time_input::{HumanTime, format_utc_ms, format_utc_secs, parse_human_time, parse_iso_utc};

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
}

/// Every finding for a draft in its context: errors and warnings, in a stable order.
pub fn validate(draft: &RestoreDraft, ctx: &Context) -> Vec<Finding> {
    check(draft, ctx).0
}

pub(crate) fn check(draft: &RestoreDraft, ctx: &Context) -> (Vec<Finding>, Resolved) {
    let mut out = draft.notes.clone();
    if out.iter().any(|f| f.code == Code::BodyNotObject) {
        // Nothing else can be said of a body that is not an object.
        return (out, Resolved::default());
    }
    let r = Resolved {
        snapshot_id: read_id(draft, Field::SnapshotId, &mut out),
        checkpoint_id: read_id(draft, Field::CheckpointId, &mut out),
        oplog_ts_secs: read_oplog_ts(draft, ctx, &mut out),
        oplog_inc: read_oplog_inc(draft, ctx.api, &mut out),
        point_in_time_ms: read_point_in_time(draft, ctx, &mut out),
        method: read_method(draft, &mut out),
        expiration_hours: read_positive_int32(draft, Field::ExpirationHours, &mut out),
        max_downloads: read_positive_int32(draft, Field::MaxDownloads, &mut out),
        target_group_id: read_id(draft, Field::TargetGroupId, &mut out),
        target_cluster_name: read_cluster_name(draft, Field::TargetClusterName, &mut out),
        target_cluster_id: read_id(draft, Field::TargetClusterId, &mut out),
    };
    check_source(ctx, &mut out);
    check_restore_point(draft, &mut out);
    check_delivery(draft, r.method, &mut out);
    check_topology(draft, ctx.source_cluster_type, &mut out);
    check_target_is_source(draft, r.method, ctx, &mut out);
    (out, r)
}

// ---- reading one field ---------------------------------------------------------------

/// A field that must be a JSON string; reports a wrong type and gives the text otherwise.
fn string_text<'a>(draft: &'a RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<&'a str> {
    let raw = draft.get(field)?;
    match raw.kind {
        RawKind::Typed | RawKind::JsonString => Some(&raw.text),
        RawKind::JsonNumber | RawKind::JsonOther => {
            out.push(wrong_type(field, raw, "a string"));
            None
        }
    }
}

fn wrong_type(field: Field, raw: &RawValue, due: &str) -> Finding {
    let got = match raw.kind {
        RawKind::JsonNumber => format!("the number {}", raw.text),
        RawKind::JsonString => format!("the string {:?}", raw.text),
        _ => raw.text.clone(),
    };
    Finding::error(Code::WrongType, &[field], format!("{field} must be {due}, not {got}"))
}

fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn id_problem(field: Field, s: &str) -> Option<Finding> {
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
fn read_checked(
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

fn read_id(draft: &RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<String> {
    read_checked(draft, field, out, id_problem)
}

fn is_cluster_name(s: &str) -> bool {
    let mut bytes = s.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_alphanumeric()) && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

fn cluster_name_problem(field: Field, s: &str) -> Option<Finding> {
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

fn read_cluster_name(draft: &RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<String> {
    read_checked(draft, field, out, cluster_name_problem)
}

/// A whole number in a JSON number (or typed): `Err` says why it is not one.
fn whole_number(raw: &RawValue, field: Field) -> Result<i128, Finding> {
    if raw.kind == RawKind::JsonOther || raw.kind == RawKind::JsonString {
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

fn read_positive_int32(draft: &RestoreDraft, field: Field, out: &mut Vec<Finding>) -> Option<i64> {
    let raw = draft.get(field)?;
    match whole_number(raw, field) {
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

fn read_method(draft: &RestoreDraft, out: &mut Vec<Finding>) -> Option<DeliveryMethod> {
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

fn read_oplog_ts(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::OplogTs;
    let raw = draft.get(field)?;
    let secs = match (raw.kind, ctx.api) {
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
fn epoch_secs(field: Field, n: i128, out: &mut Vec<Finding>) -> Option<i64> {
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

fn read_oplog_inc(draft: &RestoreDraft, api: ApiVersion, out: &mut Vec<Finding>) -> Option<i64> {
    let field = Field::OplogInc;
    let raw = draft.get(field)?;
    let n = match (raw.kind, api) {
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
    let max = match api {
        ApiVersion::V1 => i128::from(u32::MAX),
        ApiVersion::V2 => i128::from(i32::MAX),
    };
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

fn read_point_in_time(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) -> Option<i64> {
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
        match whole_number(raw, field) {
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
    } else if !in_window(ms) {
        Finding::error(
            Code::PointInTimeOutsideWindow,
            &[field],
            // The message names the value, not the moving window's edge, so that it stays the
            // same from one second to the next and the screen need not be redrawn.
            format!(
                "pointInTimeUTCMillis is {}, more than 24 hours ago: Atlas restores only to the last 24 hours; pick a later time",
                format_utc_ms(ms as i64)
            ),
        )
    } else {
        return Some(ms as i64);
    };
    out.push(finding);
    None
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

fn check_delivery(draft: &RestoreDraft, method: Option<DeliveryMethod>, out: &mut Vec<Finding>) {
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
            let http_only = present(&[Field::ExpirationHours, Field::MaxDownloads]);
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
    }
}

fn check_topology(draft: &RestoreDraft, cluster_type: Option<ClusterType>, out: &mut Vec<Finding>) {
    if draft.is_set(Field::CheckpointId) {
        if cluster_type == Some(ClusterType::ReplicaSet) {
            out.push(Finding::error(
                Code::CheckpointNeedsSharded,
                &[Field::CheckpointId],
                "checkpointId is for sharded clusters and the source is a replica set: restore from a snapshotId, an oplog point or a pointInTimeUTCMillis",
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
        if !replica_only.is_empty() {
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
