//! How a job reads, shared by the panel, its detail and `atlas-restore jobs`. All text from
//! the network was made safe as it was read (`Clean`); the journal's requests are too, here.

use crate::atlas::RestoreJob;
use crate::restore::time_input::parse_rfc3339_lenient;
use crate::secret::SecretString;
use crate::text::{Clean, sanitize};

/// The last 8 characters of the id: unique enough on one screen, and what Atlas's own UI shows.
pub(crate) fn short_id(id: &str) -> String {
    let n = id.chars().count();
    id.chars().skip(n.saturating_sub(8)).collect()
}

/// The whole id (of a job or a batch) that `given` names: itself, or the one id among `ids`
/// that ends with it (the dashboard's short form, `013ac004`, any case), so that the ids a
/// person sees are the ids the commands take. `Ok(None)`: none ends with it; `Err`: several
/// do, named.
pub fn resolve_id<'a>(given: &str, ids: impl IntoIterator<Item = &'a str>) -> Result<Option<String>, String> {
    let wanted = given.trim().to_ascii_lowercase();
    let hex = wanted.len() >= 4 && wanted.bytes().all(|b| b.is_ascii_hexdigit());
    let mut found: Vec<&str> = Vec::new();
    for id in ids {
        let lower = id.to_ascii_lowercase();
        if lower == wanted {
            return Ok(Some(id.to_string()));
        }
        if hex && lower.ends_with(&wanted) && !found.contains(&id) {
            found.push(id);
        }
    }
    match found.as_slice() {
        [] => Ok(None),
        [one] => Ok(Some((*one).to_string())),
        several => Err(format!(
            "{given} is the end of {} ids: {}; give more of it",
            several.len(),
            several.iter().take(5).copied().collect::<Vec<_>>().join(", ")
        )),
    }
}

/// Whether the job has a file to fetch now: a download (not an automated restore) whose
/// link is not gone (expired, used up, failed).
pub(crate) fn has_file(job: &RestoreJob, request: Option<&serde_json::Value>) -> bool {
    method(job, request) == Method::Download && download_gone(job).is_none()
}

pub fn status(job: &RestoreJob) -> String {
    job.status_name
        .as_ref()
        .map_or_else(|| "-".into(), |s| s.as_api().to_string())
}

pub(crate) fn delivery_status(job: &RestoreJob) -> String {
    job.delivery
        .as_ref()
        .and_then(|d| d.status_name.as_ref())
        .map(|s| s.as_api().to_string())
        .unwrap_or_else(|| "-".into())
}

/// How a job delivers its restore. Atlas answers `methodName: HTTP` for an automated restore
/// too, so the method comes from the request that made it (the journal's), else from the
/// target fields Atlas returns with the delivery.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A file to download.
    Download,
    /// Atlas erases the target cluster and restores into it; nothing to download.
    Automated {
        target_group_id: Option<Clean>,
        /// The target's name: as the request or Atlas gives it, or as the submit resolved an
        /// id to it (Cloud and Ops Manager name targets by id).
        target_name: Option<Clean>,
        target_id: Option<Clean>,
    },
}

impl Method {
    /// The API's name: `HTTP` or `AUTOMATED_RESTORE`.
    pub fn as_api(&self) -> &'static str {
        match self {
            Method::Download => "HTTP",
            Method::Automated { .. } => "AUTOMATED_RESTORE",
        }
    }

    /// The target cluster, sanitised, when there is one to name: `Staging0 (5f8e...a4c3)`, its
    /// name or its id alone as far as they are known.
    pub fn target(&self) -> Option<String> {
        match self {
            Method::Automated {
                target_name, target_id, ..
            } => Some(match (target_name, target_id) {
                (Some(n), Some(id)) => format!("{n} ({})", crate::restore::short_hex(id)),
                (Some(n), None) => n.to_string(),
                (None, Some(id)) => id.to_string(),
                (None, None) => "?".into(),
            }),
            Method::Download => None,
        }
    }
}

pub fn method(job: &RestoreJob, request: Option<&serde_json::Value>) -> Method {
    let text = |v: &serde_json::Value, k: &str| v.get(k).and_then(|x| x.as_str()).map(Clean::new);
    let d = job.delivery.as_ref();
    let from_job = |asked: Option<Clean>, f: fn(&crate::atlas::Delivery) -> Option<&Clean>| {
        asked.or_else(|| d.and_then(f).cloned())
    };
    if let Some(asked) = request.and_then(|r| r.get("delivery")) {
        return if text(asked, "methodName").is_some_and(|m| m == "AUTOMATED_RESTORE") {
            Method::Automated {
                target_group_id: from_job(text(asked, "targetGroupId"), |d| d.target_group_id.as_ref()),
                target_name: from_job(text(asked, "targetClusterName"), |d| d.target_cluster_name.as_ref()),
                target_id: from_job(text(asked, "targetClusterId"), |d| d.target_cluster_id.as_ref()),
            }
        } else {
            Method::Download
        };
    }
    match d {
        Some(d) if d.target_group_id.is_some() || d.target_cluster_name.is_some() || d.target_cluster_id.is_some() => {
            Method::Automated {
                target_group_id: d.target_group_id.clone(),
                target_name: d.target_cluster_name.clone(),
                target_id: d.target_cluster_id.clone(),
            }
        }
        Some(d) if d.method_name.as_deref() == Some("AUTOMATED_RESTORE") => Method::Automated {
            target_group_id: None,
            target_name: None,
            target_id: None,
        },
        _ => Method::Download,
    }
}

/// What the job restores, short: `snapshot 11-27 06:00`, `point in time 11-28 11:00:00`,
/// `oplog 11-28 11:00:00 #2`, `checkpoint …c0ffee12`; from the request when known, else from
/// Atlas's `timestamp` (the last oplog entry restored).
pub fn restore_point(job: &RestoreJob, request: Option<&serde_json::Value>) -> String {
    let short_time = |ms: i64| {
        let t = crate::restore::time_input::format_utc_ms(ms);
        // 2026-11-28T11:00:00Z -> 11-28 11:00:00
        t.get(5..19).map(|s| s.replace('T', " ")).unwrap_or(t)
    };
    if let Some(r) = request {
        if let Some(ms) = r.get("pointInTimeUTCMillis").and_then(serde_json::Value::as_i64) {
            return format!("point in time {}", short_time(ms));
        }
        if let Some(id) = r.get("checkpointId").and_then(|v| v.as_str()) {
            return format!("checkpoint {}", short_id(id));
        }
        if r.get("oplogTs").is_some() {
            let inc = match r.get("oplogInc") {
                Some(serde_json::Value::String(s)) => sanitize(s),
                Some(v) => v.to_string(),
                None => "?".into(),
            };
            let at = job_timestamp_ms(job).map_or("?".into(), short_time);
            return format!("oplog {at} #{inc}");
        }
    }
    let at = job_timestamp_ms(job).map(short_time);
    match (job.point_in_time, at) {
        (Some(true), Some(at)) => format!("point in time {at}"),
        (_, Some(at)) => format!("snapshot {}", at.get(..11).unwrap_or(&at).trim_end()),
        (_, None) => job
            .snapshot_id
            .as_deref()
            .map_or("-".into(), |s| format!("snapshot {}", short_id(s))),
    }
}

/// The restore point for a script: `{"kind", "time"}` (RFC 3339, UTC, with the year and
/// zone the words leave out) and the id it names: `snapshot` (`snapshotId`), `checkpoint`
/// (`checkpointId`), `oplog` (`oplogTs`, `oplogInc`) or `point_in_time`.
pub(crate) fn restore_point_json(job: &RestoreJob, request: Option<&serde_json::Value>) -> serde_json::Value {
    use crate::restore::time_input::format_utc_ms;
    use serde_json::json;
    let at = job_timestamp_ms(job).map(format_utc_ms);
    if let Some(r) = request {
        if let Some(ms) = r.get("pointInTimeUTCMillis").and_then(serde_json::Value::as_i64) {
            return json!({"kind": "point_in_time", "time": format_utc_ms(ms)});
        }
        if let Some(id) = r.get("checkpointId").and_then(|v| v.as_str()) {
            return json!({"kind": "checkpoint", "checkpointId": sanitize(id), "time": at});
        }
        if let Some(ts) = r.get("oplogTs") {
            let text = |v: &serde_json::Value| match v {
                serde_json::Value::String(s) => json!(sanitize(s)),
                other => other.clone(),
            };
            return json!({
                "kind": "oplog",
                "oplogTs": text(ts),
                "oplogInc": r.get("oplogInc").map(text),
                "time": at,
            });
        }
    }
    match job.point_in_time {
        Some(true) => json!({"kind": "point_in_time", "time": at}),
        _ => json!({
            "kind": "snapshot",
            "snapshotId": job.snapshot_id.as_deref().map(sanitize),
            "time": at,
        }),
    }
}

fn job_timestamp_ms(job: &RestoreJob) -> Option<i64> {
    parse_rfc3339_lenient(job.timestamp.as_ref()?.date.as_deref()?)
}

/// Why the file can no longer be fetched, in words, when it cannot.
pub(crate) fn download_gone(job: &RestoreJob) -> Option<&'static str> {
    let status = job.delivery.as_ref()?.status_name.as_ref()?;
    Some(match status.as_api() {
        "EXPIRED" => "the download link has EXPIRED: Atlas no longer serves this file; restore again for a new one",
        "MAX_DOWNLOADS_EXCEEDED" => {
            "MAX_DOWNLOADS_EXCEEDED: the file was downloaded as many times as the job allowed; restore again for a new link"
        }
        "FAILED" => "the delivery FAILED: Atlas could not prepare the file; restore again",
        "INTERRUPTED" => "the delivery was INTERRUPTED: Atlas stopped preparing the file; restore again",
        _ => return None,
    })
}

/// The job's state in words, for its detail.
pub(crate) fn state_words(job: &RestoreJob, method: &Method) -> String {
    let job_status = status(job);
    let delivery = delivery_status(job);
    if let Some(gone) = download_gone(job).filter(|_| *method == Method::Download) {
        return gone.to_string();
    }
    match (method, job_status.as_str(), delivery.as_str()) {
        (_, "BROKEN", _) => "BROKEN: Atlas could not run this restore; see the job in Atlas, and restore again".into(),
        (_, "KILLED", _) => "KILLED: the restore was stopped before it finished".into(),
        (_, "FAILED", _) => "FAILED: the restore did not complete".into(),
        (Method::Automated { .. }, "FINISHED", _) => {
            format!("FINISHED: Atlas restored into {}", method.target().unwrap_or_default())
        }
        (Method::Automated { .. }, _, _) => format!(
            "{job_status}: Atlas is erasing {} and restoring into it",
            method.target().unwrap_or_default()
        ),
        (Method::Download, "FINISHED", "READY") => "READY: the file can be downloaded until the link expires".into(),
        (Method::Download, _, "NOT_STARTED" | "-") => format!("{job_status}: the file is not being prepared yet"),
        (Method::Download, _, "IN_PROGRESS") => format!("{job_status}: Atlas is preparing the file"),
        (Method::Download, _, _) => format!("{job_status}, delivery {delivery}"),
    }
}

/// A submit whose outcome is not known, in one line: when, where, and what is being done.
/// (The journal is written by other processes too: its text is made safe here.)
pub(crate) fn pending_line(p: &crate::jobs::TrackedSubmit) -> String {
    let at = crate::restore::time_input::format_utc_ms(p.submitted_at_ms / 1000 * 1000);
    if p.state == crate::jobs::SubmitState::NotFound {
        return format!(
            "! submit of {} to {}: NOT CREATED, no such job in the cluster's list: submit again if needed",
            at.get(11..).unwrap_or(&at),
            sanitize(&p.cluster)
        );
    }
    let note = p.note.as_deref().map_or_else(|| "sent; no answer yet".into(), sanitize);
    format!(
        "? submit of {} to {}: outcome unknown; {note}",
        at.get(11..).unwrap_or(&at),
        sanitize(&p.cluster)
    )
}

/// The expiry in epoch ms, when Atlas gave one.
pub(crate) fn expires_ms(job: &RestoreJob) -> Option<i64> {
    job.delivery
        .as_ref()?
        .expires
        .as_deref()
        .and_then(parse_rfc3339_lenient)
}

/// A countdown in minutes: "47h59m", "12m", "expired", or "-" (also once the delivery can
/// no longer be fetched, whatever the time says).
pub fn expires_in(job: &RestoreJob, now_ms: i64) -> String {
    if download_gone(job).is_some() {
        return "-".into();
    }
    let Some(exp) = expires_ms(job) else { return "-".into() };
    let left_min = (exp - now_ms).div_euclid(60_000);
    if exp <= now_ms {
        "expired".into()
    } else if left_min >= 60 {
        format!("{}h{:02}m", left_min / 60, left_min % 60)
    } else {
        format!("{left_min}m")
    }
}

/// `maxDownloads`, with Int32 max (what Atlas reports when no limit was set) as "no limit".
pub fn max_downloads(job: &RestoreJob) -> String {
    match job.delivery.as_ref().and_then(|d| d.max_downloads) {
        Some(n) if n >= i64::from(i32::MAX) => "no limit".into(),
        Some(n) => n.to_string(),
        None => "-".into(),
    }
}

pub use super::download_command::{AUTH_ENV, AuthIn, NoCommand, download_command, download_command_with};

/// The URL to download from: `urlV2` (with its header) preferred over the deprecated `url`.
pub struct DownloadTarget {
    pub url: String,
    pub header: Option<(String, SecretString)>,
}

impl DownloadTarget {
    /// The deprecated `url`, whose path holds the download key (no header goes with it).
    pub(crate) fn is_deprecated_url(&self) -> bool {
        self.header.is_none()
    }

    /// The URL as a screen or `jobs` may show it: `urlV2` whole; the deprecated `url` as its
    /// host and its file, the path between them (the key) left out as `…`.
    pub fn shown(&self) -> String {
        if !self.is_deprecated_url() {
            return self.url.clone();
        }
        match url::Url::parse(&self.url) {
            Ok(u) => {
                let file = u.path_segments().and_then(|mut s| s.next_back()).unwrap_or_default();
                let port = u.port().map(|p| format!(":{p}")).unwrap_or_default();
                format!("{}://{}{port}/…/{file}", u.scheme(), u.host_str().unwrap_or_default())
            }
            Err(_) => "…".into(),
        }
    }
}

/// What a screen says beside a deprecated `url` shown by `DownloadTarget::shown`.
pub(crate) const DEPRECATED_URL_NOTE: &str =
    "the deprecated url: its path holds the download key, so it is not shown; y copies it, d downloads";

pub fn download_target(job: &RestoreJob) -> Option<DownloadTarget> {
    let d = job.delivery.as_ref()?;
    if let (Some(url), Some(h), Some(v)) = (&d.url_v2, &d.auth_header, &d.auth_value) {
        return Some(DownloadTarget {
            url: url.to_string(),
            header: Some((h.to_string(), v.clone())),
        });
    }
    d.url.as_deref().map(|u| DownloadTarget {
        url: u.to_string(),
        header: None,
    })
}

/// The SHA1 Atlas lists for the file, once it has been downloaded.
pub fn listed_sha1(job: &RestoreJob) -> Option<String> {
    job.hashes
        .as_ref()?
        .iter()
        .find(|h| h.type_name.as_deref().is_none_or(|t| t.eq_ignore_ascii_case("SHA1")))
        .and_then(|h| h.hash.as_deref())
        .map(str::to_string)
}

/// A local file name: Atlas's `fileName`, else the URL's last segment, made safe.
pub fn file_name(job: &RestoreJob) -> String {
    let from_hash = job
        .hashes
        .as_ref()
        .and_then(|h| h.first())
        .and_then(|h| h.file_name.as_deref().map(str::to_string));
    let from_url = download_target(job).and_then(|t| {
        let path = t.url.split('?').next().unwrap_or("").to_string();
        path.rsplit('/').next().map(str::to_string)
    });
    let raw = from_hash.or(from_url).unwrap_or_default();
    let safe: String = raw
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        .collect();
    let safe = safe.trim_start_matches('.').to_string();
    if safe.is_empty() {
        format!("restore-{}.tar.gz", short_id(&job.id))
    } else {
        safe
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    #[test]
    fn a_short_id_names_the_one_id_that_ends_with_it() {
        let ids = [
            "6b122732a3c5e7f9013ac001",
            "6b122c5ea3c5e7f9013ac002",
            "5a66783b80eef5354c77ee13",
        ];
        assert_eq!(resolve_id("013AC002", ids), Ok(Some(ids[1].to_string())));
        assert_eq!(resolve_id(ids[0], ids), Ok(Some(ids[0].to_string())));
        assert_eq!(resolve_id("77ee13", ids), Ok(Some(ids[2].to_string())));
        assert!(
            resolve_id("013ac00", ids).is_ok_and(|r| r.is_none()),
            "a middle is not an end"
        );
        assert!(resolve_id("3ac00", ids).is_ok_and(|r| r.is_none()));
        let e = resolve_id("13ac00", ["a13ac00", "b13ac00"]).unwrap_err();
        assert!(
            e.contains("a13ac00") && e.contains("b13ac00") && e.contains("give more"),
            "{e}"
        );
        // Too short to be meant as an id's end.
        assert_eq!(resolve_id("002", ids), Ok(None));
    }
    use crate::atlas::{Delivery, FileHash};

    /// A READY download job with urlV2, its auth header and a listed SHA1 (other tests' too).
    pub(crate) fn ready() -> RestoreJob {
        RestoreJob {
            id: "6b77893b80eef5354c77ee15".into(),
            delivery: Some(Delivery {
                url: Some("https://h/pull/x/KEY/Cluster0-1.tar.gz".into()),
                url_v2: Some("https://h/pull/x/Cluster0-1.tar.gz".into()),
                auth_header: Some("x-auth".into()),
                auth_value: Some(SecretString::new("s3cr3t")),
                expires: Some("2026-11-28T14:30:00Z".into()),
                max_downloads: Some(2147483647),
                ..Delivery::default()
            }),
            hashes: Some(vec![FileHash {
                file_name: Some("Cluster0-1.tar.gz".into()),
                hash: Some("86bc2f505c0874cdc0eaaa82ead2ef48aaf56d67".into()),
                type_name: Some("SHA1".into()),
            }]),
            ..RestoreJob::default()
        }
    }

    #[test]
    fn reads_a_ready_job() {
        let now = 1_795_867_200_000; // 12:00Z
        let mut job = ready();
        assert_eq!(short_id(&job.id), "4c77ee15");
        assert_eq!(expires_in(&job, now), "2h30m");
        assert_eq!(expires_in(&job, now + 3 * 3_600_000), "expired");
        assert_eq!(max_downloads(&job), "no limit");
        assert_eq!(
            download_target(&job).unwrap().shown(),
            "https://h/pull/x/Cluster0-1.tar.gz"
        );
        // The deprecated url is shown without its key.
        job.delivery.as_mut().unwrap().url_v2 = None;
        let target = download_target(&job).unwrap();
        assert!(target.is_deprecated_url());
        assert_eq!(target.shown(), "https://h/…/Cluster0-1.tar.gz");
    }

    #[test]
    fn hostile_file_names_are_made_safe() {
        let mut job = ready();
        job.hashes = Some(vec![FileHash {
            file_name: Some("../../.bashrc\u{1b}[2J".into()),
            ..FileHash::default()
        }]);
        assert_eq!(file_name(&job), "bashrc");
    }
}
