//! `atlas-restore jobs`: the profile's tracked jobs (or all of its cluster's, with `--all`),
//! refreshed from Atlas once, printed as a table or JSON. Every string from the network is
//! sanitized before it is printed.

use crate::atlas::RestoreJob;
use crate::jobs::notes::FileState;
use crate::jobs::present::{self, delivery_status, download_gone, download_target, listed_sha1, max_downloads, status};
use crate::jobs::{ArchiveReport, DownloadNote, JournalData, PollEvent, PollerConfig, Services, TrackedJob};
use crate::text::sanitize;
use serde_json::{Value, json};

pub const EXIT_OK: i32 = super::exit::OK;

/// Why the list is not fresh: its exit code (`exit::for_atlas`, or 2 for this host's store),
/// the JSON's `error.kind`, and the words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stale {
    pub exit_code: i32,
    pub kind: &'static str,
    pub words: String,
}

impl Stale {
    fn of(e: &crate::jobs::JobsError) -> Stale {
        match e {
            crate::jobs::JobsError::Atlas(e) => Stale {
                exit_code: super::exit::for_atlas(e),
                kind: super::points::atlas_kind(e),
                words: format!("could not refresh from Atlas, showing the store's copies: {e}"),
            },
            other => Stale {
                exit_code: super::exit::SETUP,
                kind: "store",
                words: format!("the job store failed ({other}): showing what could be read of it"),
            },
        }
    }
}

/// With `--format json` and a list that is not fresh: one object, the error and the
/// copies that could be shown (`jobs`), so that `jq '.[]'` fails rather than reads
/// "no jobs".
pub fn stale_json(jobs: &[Listed], kind: &str, message: &str) -> String {
    let doc = json!({
        "error": {"kind": kind, "message": sanitize(message)},
        "jobs": jobs.iter().map(job_json).collect::<Vec<_>>(),
    });
    format!("{doc}\n")
}

/// A job to print, and whether this profile tracks it.
#[derive(Debug, Clone, Default)]
pub struct Listed {
    pub job: RestoreJob,
    /// The request that made it, when it was sent from here.
    pub request: Option<Value>,
    pub tracked: bool,
    /// What its archive held, once a download from here was checked (the journal's note).
    pub archive: Option<ArchiveReport>,
    /// Its last download from here (the journal's note), when there was one.
    pub download: Option<DownloadNote>,
    /// The profile that tracks it, when jobs of every profile are listed (`--all-profiles`).
    pub profile: Option<String>,
}

pub struct Listing {
    pub jobs: Vec<Listed>,
    /// Why the data could not be refreshed, if it could not.
    pub stale: Option<Stale>,
    /// The lost submits to tell of (`JournalData::lost`), each in words: outcome unknown
    /// yet, or no job made (until dismissed in the dashboard).
    pub lost: Vec<String>,
}

fn listed(tracked: Vec<TrackedJob>) -> Vec<Listed> {
    tracked
        .into_iter()
        .map(|t| Listed {
            job: t.job,
            request: t.request.as_deref().cloned(),
            tracked: true,
            ..Listed::default()
        })
        .collect()
}

/// Each job's last download from here and its archive check, from the journal's notes.
fn with_archives(mut jobs: Vec<Listed>, data: Option<&JournalData>) -> Vec<Listed> {
    if let Some(data) = data {
        for l in &mut jobs {
            let notes = data.notes.get(l.job.id.as_str());
            l.archive = notes.and_then(|n| n.archive.clone());
            l.download = notes.and_then(|n| n.download.clone());
        }
    }
    jobs
}

/// The tracked jobs, refreshed by one poll cycle. When the cycle had nothing to ask (no job
/// tracked, or all of them settled), Atlas is still asked once (the clusters of `probe_group`,
/// else the projects the keys see): an Atlas that cannot be reached, or keys it refuses, are
/// never "no jobs" with success.
pub async fn tracked(services: &Services, probe_group: Option<&str>) -> Listing {
    let poller = services.poller(PollerConfig::new(std::time::Duration::from_secs(10)));
    let from_journal = || async {
        services
            .journal_data()
            .await
            .map(|d| listed(d.into_tracked()))
            .unwrap_or_default()
    };
    let (jobs, asked, stale) = match poller.cycle().await {
        Ok((Some(PollEvent::Updated { jobs, requests, .. }), _)) => (listed(jobs), requests > 0, None),
        Ok(_) => (from_journal().await, false, None),
        Err(e) => (from_journal().await, true, Some(Stale::of(&e))),
    };
    let stale = match (stale, asked) {
        (None, false) => services
            .reachable(probe_group)
            .await
            .err()
            .map(|e| Stale::of(&crate::jobs::JobsError::Atlas(e))),
        (stale, _) => stale,
    };
    let data = services.journal_data().await.ok();
    Listing {
        jobs: with_archives(jobs, data.as_ref()),
        stale,
        lost: data.as_ref().map(lost_lines).unwrap_or_default(),
    }
}

/// Every restore job of the cluster, those this profile tracks marked (with their requests).
pub async fn all(services: &Services, group_id: &str, cluster: &str) -> Result<Listing, crate::jobs::JobsError> {
    let jobs = services.cluster_jobs(group_id, cluster).await?;
    let journal = services.journal_data().await?;
    let tracked = journal.tracked();
    Ok(Listing {
        jobs: jobs
            .into_iter()
            .map(|job| {
                let mine = tracked.iter().find(|t| t.job.id == job.id);
                let notes = journal.notes.get(job.id.as_str());
                Listed {
                    request: mine.and_then(|t| t.request.as_deref().cloned()),
                    tracked: mine.is_some(),
                    archive: notes.and_then(|n| n.archive.clone()),
                    download: notes.and_then(|n| n.download.clone()),
                    job,
                    profile: None,
                }
            })
            .collect(),
        stale: None,
        lost: lost_lines(&journal),
    })
}

/// What `jobs` says of the lost submits, a line each.
fn lost_lines(data: &JournalData) -> Vec<String> {
    data.lost()
        .into_iter()
        .map(|s| {
            let line = present::pending_line(s);
            if s.awaits_dismissal() {
                format!("{line} (the dashboard's X dismisses it)")
            } else {
                line
            }
        })
        .collect()
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |t| Value::String(sanitize(t)))
}

/// One JSON object a job, with what a script needs (the auth value is not included).
pub fn to_json(jobs: &[Listed]) -> String {
    let list: Vec<Value> = jobs.iter().map(job_json).collect();
    format!("{}\n", Value::Array(list))
}

/// One job as `to_json` writes it: every string from the network sanitized, no auth value,
/// and no deprecated `url` (its path is the download key; `urlV2` and the header are enough,
/// and `atlas-restore download` fetches a job that has only `url`).
pub(crate) fn job_json(l: &Listed) -> Value {
    let j = &l.job;
    let d = j.delivery.as_ref();
    let method = present::method(j, l.request.as_ref());
    let target = match &method {
        present::Method::Automated {
            target_group_id,
            target_name,
            target_id,
        } => json!({
            "groupId": s(target_group_id.as_deref()),
            // The name where known, else the id (as before); both apart beside it.
            "cluster": s(target_name.as_deref().or(target_id.as_deref())),
            "name": s(target_name.as_deref()),
            "id": s(target_id.as_deref()),
        }),
        present::Method::Download => Value::Null,
    };
    let mut v = json!({
        "id": sanitize(&j.id),
        "profile": l.profile,
        "cluster": s(j.cluster_name.as_deref()),
        "clusterName": s(j.cluster_name.as_deref()),
        "batchId": s(j.batch_id.as_deref()),
        "snapshotId": s(j.snapshot_id.as_deref()),
        "created": s(j.created.as_deref()),
        "statusName": j.status_name.as_ref().map(|x| x.as_api()),
        "method": method.as_api(),
        "target": target,
        "restorePoint": present::restore_point_json(j, l.request.as_ref()),
        "tracked": l.tracked,
        "downloadable": method == present::Method::Download && download_gone(j).is_none() && download_target(j).is_some(),
        "delivery": {
            "methodName": s(d.and_then(|d| d.method_name.as_deref())),
            "statusName": d.and_then(|d| d.status_name.as_ref()).map(|x| x.as_api()),
            "expires": s(d.and_then(|d| d.expires.as_deref())),
            "expirationHours": d.and_then(|d| d.expiration_hours),
            "maxDownloads": d.and_then(|d| d.max_downloads),
            "urlV2": s(d.and_then(|d| d.url_v2.as_deref())),
            "authHeader": s(d.and_then(|d| d.auth_header.as_deref())),
            "targetGroupId": s(d.and_then(|d| d.target_group_id.as_deref())),
            "targetClusterName": s(d.and_then(|d| d.target_cluster_name.as_deref())),
            "targetClusterId": s(d.and_then(|d| d.target_cluster_id.as_deref())),
        },
        "hashes": j.hashes.iter().flatten().map(|h| json!({
            "fileName": s(h.file_name.as_deref()),
            "typeName": s(h.type_name.as_deref()),
            "hash": s(h.hash.as_deref()),
        })).collect::<Vec<_>>(),
    });
    if let (Some(a), Some(obj)) = (&l.archive, v.as_object_mut()) {
        obj.insert("archive".into(), archive_json(a));
    }
    if let (Some(d), Some(obj)) = (&l.download, v.as_object_mut()) {
        obj.insert("download".into(), download_json(d, file_state(l)));
    }
    v
}

/// What the last download from here left, when there was one.
fn file_state(l: &Listed) -> Option<FileState> {
    l.download
        .as_ref()
        .map(|d| FileState::of(&d.verdict, l.archive.as_ref()))
}

/// The last download from here: where its file is, and whether it is `verified`,
/// `not-verified` or `broken` (set aside: `file` is `NAME.broken` or `NAME.sha1-mismatch`,
/// `finalName` the name it did not get).
fn download_json(d: &DownloadNote, state: Option<FileState>) -> Value {
    let broken = state == Some(FileState::Broken);
    json!({
        "state": state.map(FileState::as_str),
        "broken": broken,
        "file": sanitize(&d.path),
        "finalName": broken.then(|| sanitize(d.final_path())),
        "verdict": sanitize(&d.verdict),
        "sha1": sanitize(&d.sha1),
        "bytes": d.bytes,
        "at": crate::restore::time_input::format_utc_ms(d.at_ms),
    })
}

/// An archive check as JSON, every string (names from the archive, a decoder's words)
/// sanitized.
fn archive_json(a: &ArchiveReport) -> Value {
    fn clean(v: Value) -> Value {
        match v {
            Value::String(t) => Value::String(sanitize(&t)),
            Value::Array(items) => Value::Array(items.into_iter().map(clean).collect()),
            Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, clean(v))).collect()),
            other => other,
        }
    }
    clean(serde_json::to_value(a).unwrap_or(Value::Null))
}

/// A table for people: one line a job, the URL (or an automated restore's target) last so
/// that it is never cut.
pub fn to_table(jobs: &[Listed], by_profile: bool) -> String {
    // The profile first, when rows of several are listed.
    let width = jobs
        .iter()
        .filter_map(|l| l.profile.as_deref())
        .map(|p| p.chars().count())
        .max()
        .unwrap_or(0)
        .max("PROFILE".len());
    let profile_cell = |p: &str| {
        if by_profile {
            format!("{p:<width$}  ")
        } else {
            String::new()
        }
    };
    let mut out = profile_cell("PROFILE");
    out += &format!(
        "{:<24}  {:<7}  {:<12}  {:<11}  {:<22}  {:<20}  {:<8}  {:<40}  {}\n",
        "JOB", "TRACKED", "CLUSTER", "STATUS", "DELIVERY", "EXPIRES", "MAX DL", "SHA1", "URL OR TARGET"
    );
    if jobs.is_empty() {
        out.push_str("(no jobs)\n");
    }
    for l in jobs {
        let j = &l.job;
        let method = present::method(j, l.request.as_ref());
        let expires = match download_gone(j) {
            Some(_) => "-".to_string(),
            None => j
                .delivery
                .as_ref()
                .and_then(|d| d.expires.as_deref())
                .map(sanitize)
                .unwrap_or_else(|| "-".into()),
        };
        let last = match method.target() {
            Some(target) => format!(
                "AUTOMATED_RESTORE -> {target} ({})",
                present::restore_point(j, l.request.as_ref())
            ),
            None if download_gone(j).is_some() => "- (no longer downloadable)".into(),
            // The deprecated `url` without its key (its path), as the dashboard shows it.
            None => download_target(j).map(|t| t.shown()).unwrap_or_else(|| "-".into()),
        };
        let automated = method.target().is_some();
        out.push_str(&profile_cell(&sanitize(l.profile.as_deref().unwrap_or("-"))));
        out.push_str(&format!(
            "{:<24}  {:<7}  {:<12}  {:<11}  {:<22}  {:<20}  {:<8}  {:<40}  {}\n",
            sanitize(&j.id),
            if l.tracked { "yes" } else { "no" },
            j.cluster_name.as_deref().map(sanitize).unwrap_or_else(|| "-".into()),
            status(j),
            delivery_status(j),
            if automated { "-".into() } else { expires },
            if automated { "-".into() } else { max_downloads(j) },
            match (file_state(l), &l.download) {
                (Some(FileState::Broken), Some(d)) => format!("BROKEN download: {}", sanitize(&d.path)),
                _ => listed_sha1(j).unwrap_or_else(|| "-".into()),
            },
            last
        ));
    }
    out
}

/// A table for a terminal `width` columns wide, never wrapped: the whole job id (what
/// `download` takes), cluster, status, delivery, the time left on the link and whether Atlas
/// lists a SHA1; from 100 columns the URL or target too, cut in its middle. `to_table` is the
/// whole table (`--wide`, or stdout not a terminal).
pub fn to_table_fit(jobs: &[Listed], by_profile: bool, width: usize, now_ms: i64) -> String {
    let profile_width = jobs
        .iter()
        .filter_map(|l| l.profile.as_deref())
        .map(|p| p.chars().count().min(16))
        .max()
        .unwrap_or(0)
        .max("PROFILE".len());
    let cut = crate::text::middle_cut;
    let row =
        |profile: &str, id: &str, cluster: &str, status: &str, delivery: &str, left: &str, sha: &str, last: &str| {
            let mut line = String::new();
            if by_profile {
                line.push_str(&format!("{:<profile_width$}  ", cut(profile, profile_width)));
            }
            line.push_str(&format!(
                "{:<24}  {:<10}  {:<11}  {:<13}  {:<7}  {:<4}",
                id,
                cut(cluster, 10),
                cut(status, 11),
                cut(delivery, 13),
                left,
                sha
            ));
            let used = line.chars().count();
            if width >= 100 && width > used + 4 {
                line.push_str("  ");
                line.push_str(&cut(last, width - used - 2));
            }
            let mut line: String = line.trim_end().chars().take(width.max(1)).collect();
            line.push('\n');
            line
        };
    let mut out = row(
        "PROFILE",
        "JOB",
        "CLUSTER",
        "STATUS",
        "DELIVERY",
        "EXPIRES",
        "SHA1",
        "URL OR TARGET",
    );
    if jobs.is_empty() {
        out.push_str("(no jobs)\n");
    }
    for l in jobs {
        let j = &l.job;
        let method = present::method(j, l.request.as_ref());
        let last = match method.target() {
            Some(target) => format!("-> {target}"),
            None if download_gone(j).is_some() => "- (no longer downloadable)".into(),
            None => download_target(j).map(|t| t.shown()).unwrap_or_else(|| "-".into()),
        };
        let sha = match (file_state(l), listed_sha1(j)) {
            (Some(FileState::Broken), _) => "BAD",
            (_, Some(_)) => "yes",
            (_, None) => "-",
        };
        let left = if method.target().is_some() {
            "-".to_string()
        } else {
            present::expires_in(j, now_ms)
        };
        out.push_str(&row(
            &sanitize(l.profile.as_deref().unwrap_or("-")),
            &sanitize(&j.id),
            &j.cluster_name.as_deref().map(sanitize).unwrap_or_else(|| "-".into()),
            &status(j),
            &delivery_status(j),
            &left,
            sha,
            &sanitize(&last),
        ));
    }
    out
}
