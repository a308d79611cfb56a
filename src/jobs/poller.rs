//! The poller, on k9s's rules: fetch at once, then every interval; never a new request while
//! one is in flight (the loop is sequential); back off on errors, honouring `Retry-After`;
//! one list request per cluster with tracked jobs per cycle (500 jobs a page, only as many
//! pages as cover them), a single-job GET only for a job the list lacks; jobs that can change
//! no more are not asked for; a `READY` delivery is asked for slowly until it expires (its
//! hashes appear after a download).

use super::journal::{Journal, SubmitState, TrackedSubmit};

/// A tracked job to ask for: its id and batch.
type Wanted = (String, Option<String>);
use crate::atlas::{AtlasClient, AtlasError, MAX_ITEMS_PER_PAGE, RestoreJob, delivery_is_final, job_is_final};
use std::collections::{BTreeMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

#[derive(Debug, Clone)]
pub struct PollerConfig {
    /// Between cycles while a job moves (`poll_interval`, default 10 s).
    pub interval: Duration,
    /// Between cycles while only `READY` deliveries wait (hashes, expiry).
    pub ready_interval: Duration,
    /// The longest back-off after errors.
    pub max_backoff: Duration,
}

impl PollerConfig {
    pub fn new(interval: Duration) -> PollerConfig {
        PollerConfig {
            interval,
            ready_interval: (interval * 6).max(Duration::from_secs(30)),
            max_backoff: Duration::from_secs(300),
        }
    }
}

/// What a cycle found.
#[derive(Debug, Clone, PartialEq)]
pub enum PollEvent {
    /// Every tracked job, fresh, at this time (epoch ms); `requests` is what the cycle cost.
    Updated {
        jobs: Vec<RestoreJob>,
        at_ms: i64,
        requests: u32,
    },
    /// The cycle failed; the next try is in `retry_in`. Tracked jobs are untouched.
    Failed {
        error: String,
        retry_in: Duration,
        at_ms: i64,
    },
}

/// How often a job still needs asking about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Need {
    None,
    Slow,
    Fast,
}

fn need(job: &RestoreJob, now_ms: i64) -> Need {
    let status = job.status_name.as_deref().unwrap_or("");
    let delivery = job.delivery.as_ref();
    let delivery_status = delivery.and_then(|d| d.status_name.as_deref()).unwrap_or("");
    if matches!(status, "BROKEN" | "KILLED" | "FAILED") || delivery_is_final(delivery_status) {
        return Need::None;
    }
    if !job_is_final(status) {
        return Need::Fast;
    }
    if delivery_status == "READY" {
        let expired = delivery
            .and_then(|d| d.expires.as_deref())
            .and_then(crate::restore::time_input::parse_rfc3339_lenient)
            .is_some_and(|exp| exp < now_ms);
        // Past its expiry one more look shows EXPIRED; until then hashes may appear.
        return if expired { Need::Fast } else { Need::Slow };
    }
    Need::Fast
}

pub struct Poller {
    client: Arc<AtlasClient>,
    journal: Arc<Mutex<Journal>>,
    config: PollerConfig,
    now: Arc<Notify>,
}

impl Poller {
    pub fn new(client: Arc<AtlasClient>, journal: Arc<Mutex<Journal>>, config: PollerConfig) -> Poller {
        Poller {
            client,
            journal,
            config,
            now: Arc::new(Notify::new()),
        }
    }

    /// Wakes the poller for a cycle now (Ctrl-R, a new submit).
    pub fn poke_handle(&self) -> Arc<Notify> {
        self.now.clone()
    }

    /// Runs until `emit` returns false (the screen is gone).
    pub async fn run(self, emit: impl Fn(PollEvent) -> bool) {
        let mut failures = 0u32;
        loop {
            let wait = match self.cycle().await {
                Ok((event, wait)) => {
                    failures = 0;
                    if let Some(e) = event
                        && !emit(e)
                    {
                        return;
                    }
                    wait
                }
                Err(e) => {
                    failures += 1;
                    // 10 s, 20 s, 40 s, ... as Atlas recommends, never sooner than Retry-After.
                    let backoff = self
                        .config
                        .interval
                        .saturating_mul(1 << (failures - 1).min(8))
                        .min(self.config.max_backoff);
                    let wait = e.retry_after().map_or(backoff, |ra| ra.max(backoff));
                    let event = PollEvent::Failed {
                        error: e.to_string(),
                        retry_in: wait,
                        at_ms: crate::restore::Context::system_now_ms(),
                    };
                    if !emit(event) {
                        return;
                    }
                    Some(wait)
                }
            };
            match wait {
                Some(d) => {
                    tokio::select! {
                        _ = tokio::time::sleep(d) => {}
                        _ = self.now.notified() => {}
                    }
                }
                None => self.now.notified().await,
            }
        }
    }

    /// One cycle: returns what to show and how long to wait (`None`: until poked).
    pub async fn cycle(&self) -> Result<(Option<PollEvent>, Option<Duration>), AtlasError> {
        let now_ms = crate::restore::Context::system_now_ms();
        let (targets, unresolved) = {
            let j = self.journal.lock().unwrap_or_else(|p| p.into_inner());
            let mut targets: BTreeMap<(String, String), Vec<Wanted>> = BTreeMap::new();
            for s in j.submits() {
                for job in &s.jobs {
                    let n = need(job, now_ms);
                    if n != Need::None {
                        targets
                            .entry((s.group_id.clone(), s.cluster.clone()))
                            .or_default()
                            .push((job.id.clone(), job.batch_id.clone()));
                    }
                }
            }
            let unresolved: Vec<TrackedSubmit> = j.unresolved().into_iter().cloned().collect();
            (targets, unresolved)
        };
        if targets.is_empty() && unresolved.is_empty() {
            let jobs = self.journal.lock().unwrap_or_else(|p| p.into_inner()).jobs();
            return Ok((
                Some(PollEvent::Updated {
                    jobs,
                    at_ms: now_ms,
                    requests: 0,
                }),
                None,
            ));
        }
        let mut fresh: Vec<RestoreJob> = Vec::new();
        let mut requests = 0u32;
        for ((group, cluster), wanted) in &targets {
            let mut missing: HashSet<&str> = wanted.iter().map(|(id, _)| id.as_str()).collect();
            // One batch: ask for just that batch.
            let batches: HashSet<Option<&str>> = wanted.iter().map(|(_, b)| b.as_deref()).collect();
            let batch = match batches.iter().collect::<Vec<_>>().as_slice() {
                [Some(b)] => Some(*b),
                _ => None,
            };
            let mut page_num = 1;
            while !missing.is_empty() && page_num <= 20 {
                let page = self
                    .client
                    .list_restore_jobs_page(group, cluster, page_num, MAX_ITEMS_PER_PAGE, batch)
                    .await?;
                requests += 1;
                let count = page.results.len();
                let last = page.next_href().is_none() || count < MAX_ITEMS_PER_PAGE as usize;
                for job in page.results {
                    if missing.remove(job.id.as_str()) {
                        fresh.push(job);
                    }
                }
                if last {
                    break;
                }
                page_num += 1;
            }
            for id in missing {
                fresh.push(self.client.get_restore_job(group, cluster, id).await?);
                requests += 1;
            }
        }
        for TrackedSubmit {
            key,
            group_id: group,
            cluster,
            submitted_at_ms: since_ms,
            request,
            ..
        } in unresolved
        {
            let jobs = self.client.list_restore_jobs(&group, &cluster, None).await?;
            requests += 1;
            let found = reconcile(&jobs, since_ms, &request);
            let journal = self.journal.clone();
            let n = found.len();
            let (state, note) = if n > 0 {
                (
                    SubmitState::Created,
                    format!("reconciled: {n} job(s) found in the cluster's list"),
                )
            } else {
                (
                    SubmitState::Unknown,
                    "not in the cluster's list: it was most likely not created; submit again if needed".to_string(),
                )
            };
            save(journal, move |j| j.record_outcome(&key, state, found, Some(note))).await?;
        }
        let journal = self.journal.clone();
        let jobs = save(journal, move |j| j.update_jobs(&fresh).map(|_| j.jobs())).await?;
        let most = jobs.iter().map(|j| need(j, now_ms)).max().unwrap_or(Need::None);
        let wait = match most {
            Need::Fast => Some(self.config.interval),
            Need::Slow => Some(self.config.ready_interval),
            Need::None => None,
        };
        Ok((
            Some(PollEvent::Updated {
                jobs,
                at_ms: now_ms,
                requests,
            }),
            wait,
        ))
    }
}

/// Jobs of the cluster created since the submit (a minute of clock skew allowed) whose
/// restore point matches the request.
pub fn reconcile(jobs: &[RestoreJob], since_ms: i64, request: &serde_json::Value) -> Vec<RestoreJob> {
    let snapshot = request.get("snapshotId").and_then(|v| v.as_str());
    jobs.iter()
        .filter(|j| {
            j.created
                .as_deref()
                .and_then(crate::restore::time_input::parse_rfc3339_lenient)
                .is_some_and(|c| c >= since_ms - 60_000)
        })
        .filter(|j| snapshot.is_none() || j.snapshot_id.as_deref() == snapshot)
        .cloned()
        .collect()
}

async fn save<T: Send + 'static>(
    journal: Arc<Mutex<Journal>>,
    f: impl FnOnce(&mut Journal) -> Result<T, super::JournalError> + Send + 'static,
) -> Result<T, AtlasError> {
    tokio::task::spawn_blocking(move || {
        let mut j = journal.lock().unwrap_or_else(|p| p.into_inner());
        f(&mut j)
    })
    .await
    .map_err(|e| AtlasError::Setup(format!("journal task: {e}")))?
    .map_err(|e| AtlasError::Setup(e.to_string()))
}
