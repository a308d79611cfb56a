//! `atlas-restore history`: every job the store ever tracked, newest first, from the store
//! alone (Atlas is not asked): who (the profile), what (source, restore point), where
//! (method, target, the downloaded file), when (requested, finished, downloaded) and how it
//! ended (status, SHA1 verdict, archive). A submit that made no job (refused, lost) is a row
//! of its own. Every string is sanitized before it is printed.

use crate::jobs::journal::{Journal, JournalError};
use crate::jobs::notes::JobNotes;
use crate::jobs::present;
use crate::jobs::{SubmitState, TrackedSubmit};
use crate::restore::time_input::format_utc_ms;
use crate::text::sanitize;
use serde_json::{Value, json};

/// What to list.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only what was requested at or after this time (epoch ms).
    pub since_ms: Option<i64>,
    pub cluster: Option<String>,
    pub all_profiles: bool,
}

/// One row: a job, or a submit that made none.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub profile: String,
    pub job_id: Option<String>,
    pub batch_id: Option<String>,
    pub group_id: String,
    pub cluster: String,
    pub restore_point: String,
    /// The same for a script (`present::restore_point_json`).
    pub restore_point_json: serde_json::Value,
    pub method: String,
    pub target: Option<String>,
    pub requested_ms: i64,
    pub finished_ms: Option<i64>,
    pub downloaded_ms: Option<i64>,
    pub file: Option<String>,
    pub status: String,
    pub sha1: Option<String>,
    pub archive: Option<&'static str>,
    pub note: Option<String>,
}

/// `--since`: a duration back from now (`7d`, `-2h`, `2h ago`) or a time (RFC 3339, epoch ms).
pub fn since_ms(text: &str, now_ms: i64) -> Result<i64, String> {
    crate::restore::time_input::moment_ms(text, now_ms)
}

/// The rows the query asks for, newest first. The store's submits are read one at a time,
/// and the notes (one a downloaded job) once: 20,000 jobs take their rows' room, no more.
pub fn rows(journal: &Journal, query: &Query) -> Result<Vec<Row>, JournalError> {
    let notes = journal.all_notes(query.all_profiles)?;
    let mut out = Vec::new();
    let mut key = (String::new(), String::new());
    journal.history_each(query.all_profiles, |profile, s| {
        if query.since_ms.is_some_and(|since| s.submitted_at_ms < since)
            || query.cluster.as_deref().is_some_and(|c| c != s.cluster)
        {
            return;
        }
        if s.jobs.is_empty() {
            out.push(submit_row(profile, &s));
            return;
        }
        for job in s.jobs.iter().rev() {
            key.0.clear();
            key.0.push_str(profile);
            key.1.clear();
            key.1.push_str(&job.id);
            out.push(job_row(profile, &s, job, notes.get(&key)));
        }
    })?;
    Ok(out)
}

fn submit_row(profile: &str, s: &TrackedSubmit) -> Row {
    let job = crate::atlas::RestoreJob::default();
    let request = (!s.request.is_null()).then_some(&s.request);
    let method = present::method(&job, request);
    Row {
        profile: profile.to_string(),
        job_id: None,
        batch_id: None,
        group_id: s.group_id.clone(),
        cluster: s.cluster.clone(),
        restore_point: present::restore_point(&job, request),
        restore_point_json: present::restore_point_json(&job, request),
        method: method.as_api().to_string(),
        target: method.target(),
        requested_ms: s.submitted_at_ms,
        finished_ms: None,
        downloaded_ms: None,
        file: None,
        status: match s.state {
            SubmitState::Sending => "SENDING",
            SubmitState::Created => "CREATED",
            SubmitState::Unknown => "UNKNOWN",
            SubmitState::Refused => "REFUSED",
            SubmitState::NotFound => "NOT_FOUND",
        }
        .to_string(),
        sha1: None,
        archive: None,
        note: s.note.clone(),
    }
}

fn job_row(profile: &str, s: &TrackedSubmit, job: &crate::atlas::RestoreJob, notes: Option<&JobNotes>) -> Row {
    let mut job = job.clone();
    crate::jobs::journal::name_target(&mut job, s.target_name.as_deref());
    let request = (!s.request.is_null()).then_some(&s.request);
    let method = present::method(&job, request);
    let download = notes.and_then(|n| n.download.as_ref());
    Row {
        profile: profile.to_string(),
        job_id: Some(job.id.to_string()),
        batch_id: job.batch_id.as_deref().map(str::to_string),
        group_id: s.group_id.clone(),
        cluster: s.cluster.clone(),
        restore_point: present::restore_point(&job, request),
        restore_point_json: present::restore_point_json(&job, request),
        method: method.as_api().to_string(),
        target: method.target(),
        requested_ms: s.submitted_at_ms,
        finished_ms: notes.and_then(|n| n.finished_ms),
        downloaded_ms: download.map(|d| d.at_ms),
        file: download.map(|d| d.final_path().to_string()),
        status: present::status(&job),
        sha1: download.map(|d| d.verdict.clone()),
        archive: notes.and_then(JobNotes::file_state).map(|f| f.as_str()),
        note: None,
    }
}

fn time(ms: Option<i64>) -> Value {
    ms.map_or(Value::Null, |ms| Value::String(format_utc_ms(ms)))
}

fn text(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |t| Value::String(sanitize(t)))
}

/// A JSON array, one object a row.
pub fn to_json(rows: &[Row]) -> String {
    // Row by row into the text: no array of every row as a `Value` beside it.
    let items = rows.iter().map(|r| {
        json!({
            "profile": sanitize(&r.profile),
            "id": text(r.job_id.as_deref()),
            "batchId": text(r.batch_id.as_deref()),
            "source": {"groupId": sanitize(&r.group_id), "cluster": sanitize(&r.cluster)},
            "restorePoint": r.restore_point_json,
            "method": r.method,
            "target": text(r.target.as_deref()),
            "requested": time(Some(r.requested_ms)),
            "finished": time(r.finished_ms),
            "downloaded": time(r.downloaded_ms),
            "file": text(r.file.as_deref()),
            "status": sanitize(&r.status),
            "sha1": text(r.sha1.as_deref()),
            "archive": r.archive,
            "note": text(r.note.as_deref()),
        })
    });
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::pretty(&mut out);
    if serde::Serializer::collect_seq(&mut ser, items).is_err() {
        return "[]\n".into();
    }
    out.push(b'\n');
    String::from_utf8(out).unwrap_or_else(|_| "[]\n".into())
}

/// CSV (RFC 4180): a header, then a line a row; a field with a comma, quote or line break
/// is quoted.
pub fn to_csv(rows: &[Row]) -> String {
    fn field(s: &str) -> String {
        let s = sanitize(s);
        if s.contains([',', '"', '\n', '\r']) {
            format!("\"{}\"", s.replace('"', "\"\""))
        } else {
            s
        }
    }
    let opt = |v: &Option<String>| v.as_deref().map(field).unwrap_or_default();
    let at = |ms: Option<i64>| ms.map(format_utc_ms).unwrap_or_default();
    let mut out = String::from(
        "profile,id,batch_id,group_id,cluster,restore_point,method,target,requested,finished,downloaded,file,status,sha1,archive,note\n",
    );
    for r in rows {
        let line = [
            field(&r.profile),
            opt(&r.job_id),
            opt(&r.batch_id),
            field(&r.group_id),
            field(&r.cluster),
            field(&r.restore_point),
            field(&r.method),
            opt(&r.target),
            at(Some(r.requested_ms)),
            at(r.finished_ms),
            at(r.downloaded_ms),
            opt(&r.file),
            field(&r.status),
            opt(&r.sha1),
            r.archive.unwrap_or_default().to_string(),
            opt(&r.note),
        ]
        .join(",");
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// A table a person reads: the columns that say what happened.
pub fn to_table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:<10}  {:<8}  {:<14}  {:<26}  {:<17}  {:<20}  {:<11}  {}\n",
        "PROFILE", "JOB", "CLUSTER", "RESTORE POINT", "METHOD", "REQUESTED", "STATUS", "FILE OR TARGET"
    );
    if rows.is_empty() {
        out.push_str("(no jobs in the history)\n");
    }
    for r in rows {
        let last = match (&r.target, &r.file, r.sha1.as_deref()) {
            (Some(t), _, _) => format!("-> {}", sanitize(t)),
            (None, Some(f), Some(v)) => format!("{} ({v})", sanitize(f)),
            _ => "-".into(),
        };
        out.push_str(&format!(
            "{:<10}  {:<8}  {:<14}  {:<26}  {:<17}  {:<20}  {:<11}  {}\n",
            sanitize(&r.profile),
            r.job_id.as_deref().map_or("-".into(), present::short_id),
            sanitize(&r.cluster),
            sanitize(&r.restore_point),
            r.method,
            crate::restore::time_input::format_utc_secs(r.requested_ms.div_euclid(1000)),
            sanitize(&r.status),
            last
        ));
    }
    out
}
