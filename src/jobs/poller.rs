//! The poller, on k9s's rules: fetch at once, then every interval; never a new request while
//! one is in flight (the loop is sequential); back off on errors, honouring `Retry-After`;
//! one list request per cluster with tracked jobs per cycle (500 jobs a page, only as many
//! pages as cover them), a single-job GET only for a job the list lacks; jobs that can change
//! no more are not asked for; a `READY` delivery is asked for slowly until it expires (its
//! hashes appear after a download).

use super::JobsError;
use super::journal::{Journal, JournalData, SubmitState, TrackedJob, TrackedSubmit};
use super::reconcile::{Reconciled, reconcile};
use crate::atlas::{AtlasClient, DeliveryStatus, JobStatus, MAX_ITEMS_PER_PAGE, RestoreJob};
use crate::restore::Clock;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::hash::{Hash, Hasher};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;

/// A tracked job to ask for: its id and batch.
type Wanted = (String, Option<String>);

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
    /// The tracked jobs, and the lost submits to tell of (outcome not known yet, or found to
    /// have made no job and not dismissed: `JournalData::lost`), at this time (epoch
    /// ms); `requests` is what the cycle cost. A poller's first event holds every job; after
    /// it, `jobs` holds those new or changed since its last event and `unchanged` names the
    /// others still tracked: a job in neither is tracked no more.
    Updated {
        jobs: Vec<TrackedJob>,
        unchanged: Vec<String>,
        pending: Vec<TrackedSubmit>,
        at_ms: i64,
        requests: u32,
        /// The download folder chosen for the profile (in any window).
        download_dir: Option<std::path::PathBuf>,
        /// The jobs downloaded from this profile (any window, or `download`), with what the
        /// download and the archive check found.
        downloaded: Vec<(String, super::JobNotes)>,
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
    let delivery = job.delivery.as_ref();
    let delivery_status = delivery.and_then(|d| d.status_name.as_ref());
    if job.status_name.as_ref().is_some_and(|s| s.is_failure()) || delivery_status.is_some_and(|d| d.is_gone()) {
        return Need::None;
    }
    if !job.status_name.as_ref().is_some_and(|s| s.is_final()) {
        return Need::Fast;
    }
    if delivery_status == Some(&DeliveryStatus::Ready) {
        let expired = delivery
            .and_then(|d| d.expires.as_deref())
            .and_then(crate::restore::time_input::parse_rfc3339_lenient)
            .is_some_and(|exp| exp < now_ms);
        // Past its expiry one more look shows EXPIRED; until then hashes may appear.
        return if expired { Need::Fast } else { Need::Slow };
    }
    Need::Fast
}

/// A job's download credentials, kept in memory only (`Poller::overlay`).
struct Unwritten {
    auth_value: Option<crate::secret::SecretString>,
    url: Option<crate::text::Clean>,
}

pub struct Poller {
    client: Arc<AtlasClient>,
    journal: Journal,
    config: PollerConfig,
    clock: Clock,
    /// What of each job Atlas sent is never written down (the journal's copies lack it): the
    /// download auth value, and the deprecated `url`, which a job without `urlV2` (Cloud
    /// Manager's) downloads from.
    unwritten: Mutex<HashMap<String, Unwritten>>,
    /// When each job was last seen running: the poll that then sees it finished notes when
    /// it finished (`JournalData::note_finished`), the basis of the next ones' ETA.
    running_seen: Mutex<HashMap<String, i64>>,
    /// What the last event said of each job (its fingerprint): the next one sends only
    /// what differs. Emptied when a screen asks for everything again (`PollHandle::resend`).
    sent: Mutex<HashMap<String, u64>>,
    handle: PollHandle,
}

/// Wakes a poller for a cycle now, and asks it to send every job again.
#[derive(Debug, Clone, Default)]
pub struct PollHandle {
    now: Arc<Notify>,
    resend: Arc<AtomicBool>,
}

impl PollHandle {
    /// A cycle now (Ctrl-R, a new submit).
    pub(crate) fn poke(&self) {
        self.now.notify_one();
    }

    /// A cycle now whose event holds every job: the screen lost track of one.
    pub fn resend(&self) {
        self.resend.store(true, Ordering::Relaxed);
        self.poke();
    }
}

impl Poller {
    pub fn new(client: Arc<AtlasClient>, journal: Journal, config: PollerConfig) -> Poller {
        Poller {
            client,
            journal,
            config,
            clock: crate::restore::system_clock(),
            unwritten: Mutex::new(HashMap::new()),
            running_seen: Mutex::new(HashMap::new()),
            sent: Mutex::new(HashMap::new()),
            handle: PollHandle::default(),
        }
    }

    /// Reads "now" from `clock` instead of the system's.
    pub(crate) fn with_clock(mut self, clock: Clock) -> Poller {
        self.clock = clock;
        self
    }

    /// Wakes the poller for a cycle now (Ctrl-R, a new submit), or for every job again.
    pub fn handle(&self) -> PollHandle {
        self.handle.clone()
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
                    // 10 s, 20 s, 40 s, ... as Atlas recommends, never sooner than Retry-After;
                    // this host's own fault (a full disk) is tried again at the interval.
                    let backoff = if e.is_local() {
                        self.config.interval
                    } else {
                        self.config
                            .interval
                            .saturating_mul(1 << (failures - 1).min(8))
                            .min(self.config.max_backoff)
                    };
                    let wait = e.retry_after().map_or(backoff, |ra| ra.max(backoff));
                    let event = PollEvent::Failed {
                        error: e.to_string(),
                        retry_in: wait,
                        at_ms: (self.clock)(),
                    };
                    if !emit(event) {
                        return;
                    }
                    Some(wait)
                }
            };
            self.wait(wait).await;
        }
    }

    /// Waits `wait` (`None`: until poked), but looks at the journal every interval: another
    /// window's submit, track or forget shows here within one interval.
    async fn wait(&self, wait: Option<Duration>) {
        // The file's stamp, not a parsed copy: nothing held or parsed while nothing changes.
        let seen = self.stamp().await;
        let deadline = wait.map(|d| tokio::time::Instant::now() + d);
        loop {
            let step = match deadline {
                Some(d) => d
                    .saturating_duration_since(tokio::time::Instant::now())
                    .min(self.config.interval),
                None => self.config.interval,
            };
            if step.is_zero() {
                return;
            }
            tokio::select! {
                _ = tokio::time::sleep(step) => {}
                _ = self.handle.now.notified() => return,
            }
            if seen.is_some() && self.stamp().await != seen {
                return;
            }
        }
    }

    async fn stamp(&self) -> Option<Option<super::journal::Stamp>> {
        let journal = self.journal.clone();
        blocking(move || journal.stamp()).await.ok()
    }

    async fn load(&self) -> Result<JournalData, JobsError> {
        let journal = self.journal.clone();
        blocking(move || journal.load()).await
    }

    /// One cycle: returns what to show and how long to wait (`None`: until poked).
    pub async fn cycle(&self) -> Result<(Option<PollEvent>, Option<Duration>), JobsError> {
        let now_ms = (self.clock)();
        // What to ask for; the parsed journal (megabytes with 1,000 jobs) goes before the
        // answers come, so that two copies of it are never held at once.
        let (targets, lost, tracked_ids, claimed) = {
            let data = self.load().await?;
            let mut targets: BTreeMap<(String, String), Vec<Wanted>> = BTreeMap::new();
            for s in &data.submits {
                for job in &s.jobs {
                    if need(job, now_ms) != Need::None {
                        targets
                            .entry((s.group_id.clone(), s.cluster.clone()))
                            .or_default()
                            .push((job.id.to_string(), job.batch_id.as_deref().map(str::to_string)));
                    }
                }
            }
            let lost: Vec<TrackedSubmit> = data.submits.iter().filter(|s| s.worth_a_look()).cloned().collect();
            // For the lost ones: the jobs tracked, and those claimed (tracked or forgotten).
            let (mut tracked_ids, mut claimed) = (HashSet::new(), HashSet::new());
            if !lost.is_empty() {
                tracked_ids = data
                    .submits
                    .iter()
                    .flat_map(|s| s.jobs.iter().map(|j| j.id.to_string()))
                    .collect();
                claimed = data.claimed_ids();
            }
            (targets, lost, tracked_ids, claimed)
        };
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
        let mut looks: Vec<(String, Reconciled)> = Vec::new();
        for submit in lost {
            let jobs = self
                .client
                .list_restore_jobs(&submit.group_id, &submit.cluster, None)
                .await?;
            requests += 1;
            fresh.extend(jobs.iter().filter(|j| tracked_ids.contains(j.id.as_str())).cloned());
            // Claimed by another entry: checked again under the lock when it is recorded.
            looks.push((
                submit.key.clone(),
                reconcile(&jobs, submit.submitted_at_ms, &submit.request, &claimed),
            ));
        }
        {
            let mut cache = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
            for job in &fresh {
                let Some(d) = job.delivery.as_ref() else { continue };
                if d.auth_value.is_some() || d.url.is_some() {
                    let kept = Unwritten {
                        auth_value: d.auth_value.clone(),
                        url: d.url.clone(),
                    };
                    cache.insert(job.id.to_string(), kept);
                }
            }
        }
        // Read after the answers: a clock that moved while they came is taken as it is now.
        let seen_ms = (self.clock)();
        let finished = self.seen_finishing(&fresh, seen_ms);
        let journal = self.journal.clone();
        let data = blocking(move || {
            journal
                .update_keep(|d| {
                    d.update_jobs(&fresh);
                    for (id, running_ms) in &finished {
                        d.note_finished(id, *running_ms, seen_ms);
                    }
                    for (key, found) in looks {
                        settle(d, &key, found, now_ms);
                    }
                })
                .map(|((), d)| d)
        })
        .await?;
        let pending: Vec<TrackedSubmit> = data.lost().into_iter().cloned().collect();
        let download_dir = data.download_dir.clone();
        let downloaded = data.downloaded();
        let jobs = self.overlay(data.into_tracked());
        let most = jobs.iter().map(|j| need(&j.job, now_ms)).max().unwrap_or(Need::None);
        let (jobs, unchanged) = self.news(jobs);
        let wait = match most {
            _ if pending.iter().any(|s| s.worth_a_look()) => Some(self.config.interval),
            Need::Fast => Some(self.config.interval),
            Need::Slow => Some(self.config.ready_interval),
            Need::None => None,
        };
        Ok((
            Some(PollEvent::Updated {
                jobs,
                unchanged,
                pending,
                at_ms: now_ms,
                requests,
                download_dir,
                downloaded,
            }),
            wait,
        ))
    }

    /// Of every tracked job, those the last event did not say as they are now, and the ids
    /// of the others: a poll of 10,000 jobs where one moved tells the screen of one.
    fn news(&self, jobs: Vec<TrackedJob>) -> (Vec<TrackedJob>, Vec<String>) {
        let mut sent = self.sent.lock().unwrap_or_else(|p| p.into_inner());
        if self.handle.resend.swap(false, Ordering::Relaxed) {
            sent.clear();
        }
        let mut now_sent = HashMap::with_capacity(jobs.len());
        let (mut changed, mut unchanged) = (Vec::new(), Vec::new());
        for t in jobs {
            let id = t.job.id.to_string();
            let print = fingerprint(&t);
            if sent.get(&id) == Some(&print) {
                unchanged.push(id.clone());
            } else {
                changed.push(t);
            }
            now_sent.insert(id, print);
        }
        *sent = now_sent;
        (changed, unchanged)
    }

    /// Notes which of `fresh` run, and returns those seen running before and finished now,
    /// with when they were last seen running.
    fn seen_finishing(&self, fresh: &[RestoreJob], now_ms: i64) -> Vec<(String, i64)> {
        let mut running = self.running_seen.lock().unwrap_or_else(|p| p.into_inner());
        let mut finished = Vec::new();
        for job in fresh {
            let id = job.id.to_string();
            match &job.status_name {
                Some(s) if s.is_final() => {
                    if let Some(at) = running.remove(&id)
                        && *s == JobStatus::Finished
                    {
                        finished.push((id, at));
                    }
                }
                _ => {
                    running.insert(id, now_ms);
                }
            }
        }
        finished
    }

    /// The journal's copies, given back what Atlas sent that the journal never holds (the
    /// auth value, the deprecated `url`; a job's do not change).
    fn overlay(&self, mut jobs: Vec<TrackedJob>) -> Vec<TrackedJob> {
        let cache = self.unwritten.lock().unwrap_or_else(|p| p.into_inner());
        for t in &mut jobs {
            if let (Some(kept), Some(d)) = (cache.get(t.job.id.as_str()), t.job.delivery.as_mut()) {
                if d.auth_value.is_none() {
                    d.auth_value.clone_from(&kept.auth_value);
                }
                if d.url.is_none() {
                    d.url.clone_from(&kept.url);
                }
            }
        }
        jobs
    }
}

/// A job as an event shows it, in 64 bits: its fields as serialised (the auth value is not,
/// so whether it is held counts apart), its request, project and cluster.
fn fingerprint(t: &TrackedJob) -> u64 {
    struct Hashing(std::collections::hash_map::DefaultHasher);
    impl std::io::Write for Hashing {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.write(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut h = Hashing(std::collections::hash_map::DefaultHasher::new());
    // Neither a hasher nor these types (no maps but by strings) fail to serialise.
    let _ = serde_json::to_writer(&mut h, &t.job);
    let _ = serde_json::to_writer(&mut h, &t.request.as_deref());
    let auth = t.job.delivery.as_ref().is_some_and(|d| d.auth_value.is_some());
    (auth, &t.group_id, &t.cluster).hash(&mut h.0);
    h.0.finish()
}

/// What a poll changes in the journal, under its lock.
impl JournalData {
    /// Notes that `job_id` was seen finished at `seen_ms` by a poll that followed one at
    /// `running_ms` which saw it running. The first such note stands.
    pub(crate) fn note_finished(&mut self, job_id: &str, running_ms: i64, seen_ms: i64) {
        let known = self.notes.get(job_id).is_some_and(|n| n.finished_ms.is_some());
        if !known && running_ms <= seen_ms {
            let notes = self.notes.entry(job_id.to_string()).or_default();
            let half = (seen_ms - running_ms) / 2;
            notes.finished_ms = Some(seen_ms - half);
            notes.finished_within_ms = Some(half);
        }
    }

    /// Drops what is never written from every job read (an old journal's deprecated `url`,
    /// whose path is the download key); a journal that held one is marked version 0, which
    /// `Journal::update_keep` writes again in any case.
    pub(crate) fn drop_unwritten(&mut self) {
        let jobs = self
            .submits
            .iter_mut()
            .flat_map(|s| s.jobs.iter_mut().chain(&mut s.candidates));
        if jobs.fold(false, |held, j| j.drop_unwritten() | held) {
            self.version = 0;
        }
    }

    /// Replaces the known copies of jobs with fresher ones; `true` when anything changed.
    /// Copies are compared as they are written (the auth value is never written).
    pub fn update_jobs(&mut self, fresh: &[RestoreJob]) -> bool {
        // As written: without the auth value and the deprecated `url`, which never go to disk.
        let written = RestoreJob::as_written;
        let by_id: HashMap<&str, &RestoreJob> = fresh.iter().map(|f| (f.id.as_str(), f)).collect();
        let mut changed = false;
        for submit in &mut self.submits {
            for job in &mut submit.jobs {
                if let Some(new) = by_id.get(job.id.as_str())
                    && written(new) != written(job)
                {
                    *job = written(new);
                    changed = true;
                }
            }
        }
        changed
    }
}

/// Records what a look at the cluster's list found, under the journal's lock: a job another
/// entry claimed meanwhile is no longer anyone else's.
fn settle(d: &mut JournalData, key: &str, found: Reconciled, now_ms: i64) {
    let claimed = d.claimed_ids();
    let Some(s) = d.submits.iter_mut().find(|s| s.key == key && s.is_unresolved()) else {
        return;
    };
    s.looked_ms = Some(now_ms);
    let free = |jobs: &Vec<RestoreJob>| jobs.iter().all(|j| !claimed.contains(j.id.as_str()));
    match found {
        Reconciled::Found(jobs) if free(&jobs) => {
            s.state = SubmitState::Created;
            s.note = Some(format!(
                "reconciled: {} job(s) in the cluster's list match its restore point, method and target",
                jobs.len()
            ));
            s.jobs = jobs;
            s.candidates.clear();
        }
        Reconciled::Ambiguous(groups) => {
            // Claimed meanwhile (another window's t): no longer a candidate.
            let mut groups: Vec<Vec<RestoreJob>> = groups.into_iter().filter(|g| free(g)).collect();
            if groups.len() == 1 {
                let jobs = groups.remove(0);
                s.state = SubmitState::Created;
                s.note = Some("reconciled: the one candidate left after the others were claimed".into());
                s.jobs = jobs;
                s.candidates.clear();
            } else if !groups.is_empty() {
                s.state = SubmitState::Unknown;
                s.note = Some(format!(
                    "{} restores in the cluster's list could each be it ({} jobs, marked ?): t on one says it is this submit's",
                    groups.len(),
                    groups.iter().map(Vec::len).sum::<usize>()
                ));
                s.candidates = groups.into_iter().flatten().collect();
            }
        }
        _ if s.worth_a_look() => {
            s.state = SubmitState::Unknown;
            s.candidates.clear();
            s.note = Some("not in the cluster's list yet: looking again each poll".into());
        }
        _ => {
            s.state = SubmitState::NotFound;
            s.candidates.clear();
            s.note = Some(
                "not in the cluster's list, read after it could have been created: it was most likely not created; submit again if needed".into(),
            );
        }
    }
}

/// Runs journal work off the async threads (it syncs files), on the journal's own thread.
async fn blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T, super::JournalError> + Send + 'static,
) -> Result<T, JobsError> {
    Ok(super::service::journal_thread(f).await.map_err(JobsError::Worker)??)
}
