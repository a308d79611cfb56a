//! `atlas-restore download JOB-ID [--dir DIR]`: a restore job's file, for scripts. The job is
//! a tracked one (any cluster of the profile's journal) or one of the profile's cluster's
//! restore jobs; a `batchId` means every part of that sharded restore, one after the other.
//! Each file resumes its `.part` when one is there, is checked against the SHA1 Atlas lists
//! (asked again after the download, as Atlas lists it after the first one), is mode 0600, and
//! its archive is read (no extraction) to say what it holds. Every string from the network
//! is sanitized before it is printed.

use crate::jobs::download::human_bytes;
use crate::jobs::notes::FileState;
use crate::jobs::{Cancel, Checked, DownloadError, FetchError, Progress, Services, TrackedJob, Verdict};
use crate::text::sanitize;
use serde_json::{Value, json};
use std::io::Write;
use std::path::PathBuf;

/// Exit codes of the contract.
pub(crate) const EXIT_VERIFIED: i32 = 0;
/// A SHA1 that differs from Atlas's (or none listed to check against), an archive that is
/// broken, or Atlas refused: expired, downloads used up, an automated restore (no file).
pub(crate) const EXIT_FAILED: i32 = super::exit::REFUSED;
/// Set-up: the profile, the folder, an unknown job id.
pub const EXIT_SETUP: i32 = super::exit::SETUP;
/// Cut (or interrupted) and resumable: the `.part` is kept; the same command resumes it.
/// Also: not ready yet, or Atlas could not be asked: try again later.
pub(crate) const EXIT_RESUMABLE: i32 = super::exit::ATLAS_UNREACHED;

const PREFIX: &str = "atlas-restore download";

#[derive(Debug, Clone)]
pub struct Options {
    /// A job id or a `batchId`.
    pub id: String,
    /// The profile's project and cluster, to look among the cluster's jobs.
    pub group_id: Option<String>,
    pub cluster: Option<String>,
    pub dir: PathBuf,
    pub json: bool,
    /// Show progress on standard error (a terminal's line, redrawn).
    pub progress: bool,
    /// `--wait`: until the job (every part of a batch) can be downloaded, then download.
    pub wait: Option<crate::jobs::wait::Wait>,
}

pub use super::validate::Outcome;

/// What became of one job.
struct Result1 {
    id: String,
    result: Result<Checked, DownloadError>,
}

impl Result1 {
    fn exit_code(&self) -> i32 {
        match &self.result {
            // Verified, but the store does not know it: not a clean success.
            Ok(c) if c.is_good() && c.not_noted.is_some() => EXIT_SETUP,
            Ok(c) if c.is_good() => EXIT_VERIFIED,
            Ok(_) => EXIT_FAILED,
            Err(DownloadError::NoFile(_)) => EXIT_FAILED,
            Err(DownloadError::NotReady(_)) => EXIT_RESUMABLE,
            // Atlas's "no" (a 4xx) is a failure; no answer, or a 5xx, is asked again later.
            Err(DownloadError::Atlas(e)) => super::exit::for_atlas(e),
            Err(DownloadError::Fetch(FetchError::Refused(_) | FetchError::Unsafe(_))) => EXIT_FAILED,
            Err(DownloadError::Fetch(FetchError::Cut { .. } | FetchError::Cancelled { .. })) => EXIT_RESUMABLE,
            Err(DownloadError::Fetch(FetchError::Local(_))) => EXIT_SETUP,
        }
    }

    fn state(&self) -> &'static str {
        match &self.result {
            Ok(c) => match (c.verdict, c.file_state()) {
                (Verdict::Mismatch, _) => "mismatch",
                (_, FileState::Broken) => "archive-broken",
                (_, FileState::Verified) => "verified",
                (_, FileState::NotVerified) => "not-verified",
            },
            Err(DownloadError::NoFile(_)) => "no-file",
            Err(DownloadError::NotReady(_)) => "not-ready",
            Err(DownloadError::Atlas(_)) => "error",
            Err(DownloadError::Fetch(FetchError::Refused(_) | FetchError::Unsafe(_))) => "refused",
            Err(DownloadError::Fetch(FetchError::Cut { .. })) => "cut",
            Err(DownloadError::Fetch(FetchError::Cancelled { .. })) => "cancelled",
            Err(DownloadError::Fetch(FetchError::Local(_))) => "error",
        }
    }

    fn to_json(&self) -> Value {
        let mut v = json!({ "id": sanitize(&self.id), "state": self.state() });
        match &self.result {
            Ok(c) => {
                v["file"] = json!(c.path.display().to_string());
                // Set aside (`NAME.broken`, `NAME.sha1-mismatch`): the name it did not get.
                v["broken"] = json!(c.file_state() == FileState::Broken);
                v["finalName"] = json!(c.set_aside_from.as_ref().map(|p| p.display().to_string()));
                v["bytes"] = json!(c.bytes);
                v["sha1"] = json!(c.sha1);
                v["listedSha1"] = json!(c.listed_sha1.as_deref().map(sanitize));
                v["alreadyThere"] = json!(c.already_there);
                v["resumedFrom"] = json!(c.resumed_from);
                v["restarted"] = json!(c.restarted);
                v["via"] = json!(c.via.as_deref().map(sanitize));
                v["earlier"] = json!(c.earlier);
                v["seconds"] = json!(c.elapsed.as_secs_f64());
                v["archive"] = serde_json::to_value(&c.archive).unwrap_or(Value::Null);
                v["error"] = json!(c.not_noted.as_deref().map(|why| format!(
                    "verified, but the job store could not note it ({}): the dashboard and `jobs` do not know it is here",
                    sanitize(why)
                )));
            }
            Err(e) => {
                if let DownloadError::Fetch(
                    FetchError::Cut { part, have, .. } | FetchError::Cancelled { part, have, .. },
                ) = e
                {
                    v["part"] = json!(part.display().to_string());
                    v["partBytes"] = json!(have);
                }
                v["error"] = json!(sanitize(&e.to_string()));
            }
        }
        v
    }

    /// Lines for stdout (what was done) and stderr (what went wrong).
    fn text(&self) -> (String, String) {
        let id = sanitize(&self.id);
        match &self.result {
            Ok(c) => {
                let mut out = format!("{id}  {}\n", sanitize(&c.describe()));
                if let Some(a) = &c.archive {
                    out.push_str(&format!("{id}  {}\n", a.describe()));
                }
                let aside = c
                    .set_aside_from
                    .as_ref()
                    .map(|p| format!(": kept as {}, not under its name {}", c.path.display(), p.display()))
                    .unwrap_or_default();
                let err = match (c.verdict, c.file_state()) {
                    (Verdict::Mismatch, _) => {
                        format!(
                            "{PREFIX}: {id}: SHA1 mismatch{aside}; do not restore from it; run the same command to download it again\n"
                        )
                    }
                    (_, FileState::Broken) => format!(
                        "{PREFIX}: {id}: the archive is broken{aside}; do not restore from it; run the same command to download it again\n"
                    ),
                    (_, FileState::Verified) => match &c.not_noted {
                        Some(why) => format!(
                            "{PREFIX}: {id}: verified, but the job store could not note it ({}): the dashboard and `jobs` do not know it is here\n",
                            sanitize(why)
                        ),
                        None => String::new(),
                    },
                    (_, FileState::NotVerified) => {
                        format!("{PREFIX}: {id}: not verified: Atlas lists no SHA1 for it yet\n")
                    }
                };
                (out, err)
            }
            // Each error says what to do (a cut: download again to resume).
            Err(e) => (String::new(), format!("{PREFIX}: {id}: {}\n", sanitize(&e.to_string()))),
        }
    }
}

/// The jobs `id` names: a tracked job or batch, else one of the cluster's. `Err` is the
/// set-up outcome.
/// The jobs `opts.id` names, or why not with the exit code that says it.
async fn find(services: &Services, opts: &Options) -> Result<Vec<TrackedJob>, (i32, String)> {
    find_named(services, opts).await.map_err(|e| match e {
        Lookup::Setup(message) => (EXIT_SETUP, message),
        Lookup::Atlas(code, message) => (code, message),
    })
}

/// Why the jobs to download were not found.
enum Lookup {
    /// The id, the journal, the profile.
    Setup(String),
    /// Atlas could not be asked for the cluster's jobs, or said no (its exit code).
    Atlas(i32, String),
}

impl From<String> for Lookup {
    fn from(message: String) -> Lookup {
        Lookup::Setup(message)
    }
}

async fn find_named(services: &Services, opts: &Options) -> Result<Vec<TrackedJob>, Lookup> {
    let data = services
        .journal_data()
        .await
        .map_err(|e| Lookup::Setup(format!("cannot read the job journal: {e}")))?;
    // The short id the dashboard shows (`013ac004`) names a job when one id ends with it.
    let ids = |jobs: &[&crate::atlas::RestoreJob]| -> Vec<String> {
        jobs.iter()
            .flat_map(|j| std::iter::once(j.id.to_string()).chain(j.batch_id.as_deref().map(str::to_string)))
            .collect()
    };
    let resolve = |jobs: &[&crate::atlas::RestoreJob]| {
        let all = ids(jobs);
        crate::jobs::present::resolve_id(&opts.id, all.iter().map(String::as_str)).map_err(|e| sanitize(&e))
    };
    let named = |j: &crate::atlas::RestoreJob, id: &str| j.id == id || j.batch_id.as_deref() == Some(id);
    let all_tracked = data.into_tracked();
    if let Some(id) = resolve(&all_tracked.iter().map(|t| &t.job).collect::<Vec<_>>())? {
        return Ok(all_tracked.into_iter().filter(|t| named(&t.job, &id)).collect());
    }
    let (Some(group), Some(cluster)) = (&opts.group_id, &opts.cluster) else {
        return Err(Lookup::Setup(format!(
            "{} is not a job or batch this profile tracks; to look for it among a cluster's restore jobs, the profile needs group_id and cluster_name",
            sanitize(&opts.id)
        )));
    };
    let listed = services.cluster_jobs(group, cluster).await.map_err(|e| {
        Lookup::Atlas(
            super::exit::for_atlas(&e),
            format!("cannot list the restore jobs of {}: {e}", sanitize(cluster)),
        )
    })?;
    let id = resolve(&listed.iter().collect::<Vec<_>>())?.unwrap_or_else(|| opts.id.clone());
    let found: Vec<TrackedJob> = listed
        .into_iter()
        .filter(|j| named(j, &id))
        .map(|job| TrackedJob {
            job,
            request: None,
            group_id: group.clone(),
            cluster: cluster.clone(),
        })
        .collect();
    if found.is_empty() {
        return Err(Lookup::Setup(format!(
            "no restore job or batch {} among this profile's tracked jobs or the restore jobs of cluster {}: check the id (`atlas-restore jobs --all` lists them)",
            sanitize(&opts.id),
            sanitize(cluster)
        )));
    }
    Ok(found)
}

/// A failure before any download: the set-up, the configuration.
pub fn setup_error(message: &str, json: bool) -> Outcome {
    failed_before(EXIT_SETUP, message, json)
}

/// A failure before any download, with its exit code: the set-up's (2), Atlas's "no" (1),
/// or Atlas not answering (3).
fn failed_before(exit_code: i32, message: &str, json: bool) -> Outcome {
    if json {
        let doc = json!({"state": state_of(exit_code), "jobs": [], "error": sanitize(message)});
        return Outcome {
            exit_code,
            stdout: format!("{doc}\n"),
            stderr: String::new(),
        };
    }
    Outcome {
        exit_code,
        stdout: String::new(),
        stderr: format!("{PREFIX}: {}\n", sanitize(message)),
    }
}

/// The whole command. `cancel` stops it (Ctrl-C): the part is kept, exit 3.
pub async fn run(services: &Services, opts: &Options, cancel: &Cancel) -> Outcome {
    let mut jobs = match find(services, opts).await {
        Ok(jobs) => jobs,
        Err((code, message)) => return failed_before(code, &message, opts.json),
    };
    if let (Some(wait), Some(first)) = (opts.wait, jobs.first()) {
        let (group, cluster) = (first.group_id.clone(), first.cluster.clone());
        let known = jobs.iter().map(|t| t.job.clone()).collect();
        match crate::jobs::wait::until_ready(services, &group, &cluster, known, wait).await {
            crate::jobs::wait::Ended::Ready(fresh) => {
                for (tracked, job) in jobs.iter_mut().zip(fresh) {
                    tracked.job = job;
                }
            }
            ended => return not_waited(&ended, opts),
        }
    }
    if let Err(e) = crate::jobs::download::make_dir(&opts.dir) {
        return setup_error(&e, opts.json);
    }
    let count = jobs.len();
    let mut results = Vec::new();
    for (i, tracked) in jobs.iter().enumerate() {
        if cancel.is_cancelled() {
            break;
        }
        let label = if count > 1 {
            format!(
                "part {} of {count}, {}",
                i + 1,
                crate::jobs::present::short_id(&tracked.job.id)
            )
        } else {
            crate::jobs::present::short_id(&tracked.job.id)
        };
        let mut shown = false;
        let mut last = std::time::Instant::now() - std::time::Duration::from_secs(1);
        let show = |p: &Progress| {
            // A terminal's line, redrawn at most 4 times a second.
            if opts.progress && last.elapsed() >= std::time::Duration::from_millis(250) {
                last = std::time::Instant::now();
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\r\x1b[K{label}: {}", p.describe());
                let _ = err.flush();
                shown = true;
            }
        };
        let result = services.download_checked(tracked, &opts.dir, cancel, show).await;
        if shown {
            let _ = writeln!(std::io::stderr());
        }
        results.push(Result1 {
            id: tracked.job.id.to_string(),
            result,
        });
    }
    render(&results, opts, cancel.is_cancelled() && results.len() < count)
}

/// A wait that ended without a file to fetch (failed, killed, link gone) or past its timeout:
/// nothing was downloaded.
fn not_waited(ended: &crate::jobs::wait::Ended, opts: &Options) -> Outcome {
    let said = sanitize(&ended.describe());
    if opts.json {
        let doc = json!({
            "state": ended.name(),
            "dir": opts.dir.display().to_string(),
            "jobs": [],
            "error": said,
        });
        return Outcome {
            exit_code: ended.exit_code(),
            stdout: format!("{doc}\n"),
            stderr: String::new(),
        };
    }
    Outcome {
        exit_code: ended.exit_code(),
        stdout: String::new(),
        stderr: format!("atlas-restore download: {said}; nothing was downloaded\n"),
    }
}

/// The JSON's `state` for an exit code: `resumable` is also "Atlas did not answer, run the
/// same command again".
fn state_of(exit_code: i32) -> &'static str {
    match exit_code {
        EXIT_VERIFIED => "verified",
        EXIT_FAILED => "failed",
        EXIT_RESUMABLE => "resumable",
        _ => "setup",
    }
}

fn render(results: &[Result1], opts: &Options, stopped_early: bool) -> Outcome {
    let codes: Vec<i32> = results.iter().map(Result1::exit_code).collect();
    let worst = |c| codes.contains(&c);
    let exit_code = if worst(EXIT_SETUP) {
        EXIT_SETUP
    } else if worst(EXIT_FAILED) {
        EXIT_FAILED
    } else if worst(EXIT_RESUMABLE) || stopped_early {
        EXIT_RESUMABLE
    } else {
        EXIT_VERIFIED
    };
    if opts.json {
        let doc = json!({
            "state": state_of(exit_code),
            "dir": opts.dir.display().to_string(),
            "jobs": results.iter().map(Result1::to_json).collect::<Vec<_>>(),
            "error": Value::Null,
        });
        return Outcome {
            exit_code,
            stdout: format!("{doc}\n"),
            stderr: String::new(),
        };
    }
    let (mut stdout, mut stderr) = (String::new(), String::new());
    for r in results {
        let (out, err) = r.text();
        stdout.push_str(&out);
        stderr.push_str(&err);
    }
    if results.len() > 1 {
        let good = codes.iter().filter(|c| **c == EXIT_VERIFIED).count();
        let bytes: u64 = results
            .iter()
            .filter_map(|r| r.result.as_ref().ok())
            .map(|c| c.bytes)
            .sum();
        stdout.push_str(&format!(
            "{good} of {} parts verified ({})\n",
            results.len(),
            human_bytes(bytes)
        ));
    }
    if stopped_early {
        stderr.push_str(&format!(
            "{PREFIX}: interrupted: the parts not started are left; run the same command again to go on\n"
        ));
    }
    Outcome {
        exit_code,
        stdout,
        stderr,
    }
}
