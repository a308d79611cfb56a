//! Waiting on jobs (`submit --wait`, `download --wait`, a drill): follow them until each
//! can be downloaded (HTTP) or has finished (automated), or ended without that (failed,
//! killed, its link expired), or the deadline passes. Atlas not answering for a while is waited through (said on the
//! progress line), not an end: the deadline is. Progress goes to stderr when it is a terminal.

use crate::atlas::{AtlasError, DeliveryStatus, JobStatus, RestoreJob};
use crate::jobs::Services;
use crate::jobs::present::short_id;
use crate::text::sanitize;
use std::io::Write as _;
use std::time::{Duration, Instant};

/// The job ended without what was asked (failed, killed, no file left to fetch).
pub(crate) const EXIT_FAILED: i32 = 1;
/// Not ready before `--timeout`: the jobs stay tracked, and the same command can wait again.
pub(crate) const EXIT_TIMED_OUT: i32 = 4;

/// How to wait.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Wait {
    /// `--timeout`: from the start of the wait.
    pub timeout: Duration,
    /// Between two looks (the profile's `poll_interval`).
    pub interval: Duration,
    /// Redraw a progress line on stderr (it is a terminal).
    pub progress: bool,
}

/// How a wait ended, with the jobs as last seen.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    /// Every job downloadable (HTTP) or finished (automated).
    Ready(Vec<RestoreJob>),
    /// One ended without what was asked: the why names it.
    Failed { jobs: Vec<RestoreJob>, why: String },
    /// The deadline passed: the why says where each job stood.
    TimedOut { jobs: Vec<RestoreJob>, why: String },
}

impl Ended {
    pub fn exit_code(&self) -> i32 {
        match self {
            Ended::Ready(_) => 0,
            Ended::Failed { .. } => EXIT_FAILED,
            Ended::TimedOut { .. } => EXIT_TIMED_OUT,
        }
    }

    /// `ready`, `failed` or `timed_out`, for the JSON's `wait.result`.
    pub fn name(&self) -> &'static str {
        match self {
            Ended::Ready(_) => "ready",
            Ended::Failed { .. } => "failed",
            Ended::TimedOut { .. } => "timed_out",
        }
    }

    pub fn jobs(&self) -> &[RestoreJob] {
        match self {
            Ended::Ready(jobs) | Ended::Failed { jobs, .. } | Ended::TimedOut { jobs, .. } => jobs,
        }
    }

    /// One line for a person.
    pub fn describe(&self) -> String {
        match self {
            Ended::Ready(jobs) => format!("ready: {}", standing(jobs)),
            Ended::Failed { why, .. } => format!("failed: {why}"),
            Ended::TimedOut { why, .. } => format!("timed out: {why}"),
        }
    }
}

/// Where each job stands: `013ac001 IN_PROGRESS (delivery NOT_STARTED), 013ac002 FINISHED`.
fn standing(jobs: &[RestoreJob]) -> String {
    jobs.iter()
        .map(|j| format!("{} {}", short_id(&j.id), stage(j)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where a job stands, in a word or two: `READY`, `FINISHED`, `IN_PROGRESS (delivery NOT_STARTED)`.
fn stage(job: &RestoreJob) -> String {
    let status = job.status_name.as_ref().map_or("?", |s| s.as_api());
    match job.delivery.as_ref().and_then(|d| d.status_name.as_ref()) {
        Some(d) if is_download(job) => format!("{status} (delivery {})", d.as_api()),
        _ => status.to_string(),
    }
}

fn is_download(job: &RestoreJob) -> bool {
    job.delivery
        .as_ref()
        .and_then(|d| d.method_name.as_deref())
        .is_none_or(|m| m != "AUTOMATED_RESTORE")
}

/// Whether the job is where a wait ends: `Some(Ok)` ready, `Some(Err(why))` ended without it.
fn settled(job: &RestoreJob) -> Option<Result<(), String>> {
    let id = short_id(&job.id);
    if let Some(s) = job.status_name.as_ref().filter(|s| s.is_failure()) {
        return Some(Err(format!("job {id} is {}", s.as_api())));
    }
    let delivery = job.delivery.as_ref().and_then(|d| d.status_name.as_ref());
    if !is_download(job) {
        return (job.status_name == Some(JobStatus::Finished)).then_some(Ok(()));
    }
    match delivery {
        Some(DeliveryStatus::Ready) => Some(Ok(())),
        Some(d @ (DeliveryStatus::Failed | DeliveryStatus::Expired | DeliveryStatus::MaxDownloadsExceeded)) => {
            Some(Err(format!("job {id}'s download is {}: no file to fetch", d.as_api())))
        }
        _ => None,
    }
}

/// Waits for the jobs `ids` of the cluster; `first` are the jobs as already known (the
/// create's answer), looked at before Atlas is asked.
pub async fn until_ready(
    services: &Services,
    group_id: &str,
    cluster: &str,
    first: Vec<RestoreJob>,
    wait: Wait,
) -> Ended {
    let started = Instant::now();
    let mut jobs = first;
    let mut trouble: Option<String> = None;
    loop {
        let verdicts: Vec<Option<Result<(), String>>> = jobs.iter().map(settled).collect();
        if let Some(why) = verdicts.iter().flatten().find_map(|v| v.clone().err()) {
            end_progress(wait);
            return Ended::Failed { jobs, why };
        }
        if verdicts.iter().all(|v| matches!(v, Some(Ok(())))) {
            end_progress(wait);
            return Ended::Ready(jobs);
        }
        let waited = started.elapsed();
        if waited >= wait.timeout {
            end_progress(wait);
            let trouble = trouble.map(|t| format!("; Atlas last said: {t}")).unwrap_or_default();
            let why = format!(
                "after {}, {}{trouble}; the jobs stay tracked: run the same command again to wait on",
                humantime::format_duration(Duration::from_secs(waited.as_secs())),
                standing(&jobs)
            );
            return Ended::TimedOut { jobs, why };
        }
        if wait.progress {
            let note = trouble.as_deref().map(|t| format!(" · Atlas: {t}")).unwrap_or_default();
            let mut err = std::io::stderr().lock();
            let _ = write!(
                err,
                "\r\x1b[Kwaiting {}s of {}: {}{}",
                waited.as_secs(),
                humantime::format_duration(wait.timeout),
                standing(&jobs),
                sanitize(&note)
            );
            let _ = err.flush();
        }
        tokio::time::sleep(
            wait.interval
                .min(wait.timeout.saturating_sub(waited))
                .max(Duration::from_millis(100)),
        )
        .await;
        match look(services, group_id, cluster, &jobs).await {
            Ok(fresh) => {
                jobs = fresh;
                trouble = None;
            }
            // Atlas says no for good (the job is not there, the keys are refused): the end.
            Err(e)
                if e.status()
                    .is_some_and(|s| (400..500).contains(&s) && s != 408 && s != 429) =>
            {
                end_progress(wait);
                return Ended::Failed {
                    jobs,
                    why: format!("Atlas answered {e}"),
                };
            }
            // Waited through: a 503 or a dropped connection is not the end of a restore.
            Err(e) => trouble = Some(e.to_string()),
        }
    }
}

/// Each job as Atlas has it now.
async fn look(
    services: &Services,
    group_id: &str,
    cluster: &str,
    jobs: &[RestoreJob],
) -> Result<Vec<RestoreJob>, AtlasError> {
    let mut fresh = Vec::with_capacity(jobs.len());
    for j in jobs {
        fresh.push(services.restore_job(group_id, cluster, &j.id).await?);
    }
    Ok(fresh)
}

fn end_progress(wait: Wait) {
    if wait.progress {
        let _ = write!(std::io::stderr(), "\r\x1b[K");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job(status: &str, method: &str, delivery: &str) -> RestoreJob {
        serde_json::from_value(serde_json::json!({
            "id": "6b77893b80eef5354c77ee15", "statusName": status,
            "delivery": {"methodName": method, "statusName": delivery},
        }))
        .unwrap_or_default()
    }

    #[test]
    fn a_download_is_ready_when_its_delivery_is_and_an_automated_restore_when_it_finished() {
        assert_eq!(settled(&job("FINISHED", "HTTP", "READY")), Some(Ok(())));
        assert_eq!(settled(&job("IN_PROGRESS", "HTTP", "NOT_STARTED")), None);
        assert_eq!(settled(&job("FINISHED", "AUTOMATED_RESTORE", "READY")), Some(Ok(())));
        assert_eq!(settled(&job("IN_PROGRESS", "AUTOMATED_RESTORE", "IN_PROGRESS")), None);
        assert!(settled(&job("KILLED", "HTTP", "NOT_STARTED")).is_some_and(|v| v.is_err()));
        assert!(settled(&job("FINISHED", "HTTP", "EXPIRED")).is_some_and(|v| v.is_err()));
        assert_eq!(
            Ended::TimedOut {
                jobs: vec![],
                why: String::new()
            }
            .exit_code(),
            EXIT_TIMED_OUT
        );
    }
}
