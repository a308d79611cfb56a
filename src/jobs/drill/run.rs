//! One run of a drill, phase by phase, each saved in the store before the next begins:
//! resolve the restore point (and judge the RPO on Atlas's clock), submit through the journal
//! (never twice: an interrupted run is resumed, its submit found again), wait (no longer than
//! the RTO allows), then check (the job, and a download's SHA1 and archive, or an automated
//! restore's target), run `check_command`, remove what was downloaded, judge the RTO.

use super::checks::{Expected, judge_archive, run_check_command, unpack};
use super::{
    Check, Drill, DrillBook, DrillMethod, DrillRun, Phase, PointChoice, RestorePointRecord, RunResult, Verdict,
};
use crate::atlas::{AtlasError, RestoreJob};
use crate::jobs::download::Cancel;
use crate::jobs::journal::TrackedJob;
use crate::jobs::service::{Services, SubmitOutcome};
use crate::jobs::tracked::SubmitState;
use crate::jobs::verify::{DownloadError, Verdict as ShaVerdict};
use crate::jobs::wait::{Ended, Wait, until_ready};
use crate::restore::{ApiVersion, ClusterType, Context, Flavor, RestoreDraft, build_request, validate};
use crate::text::sanitize;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// What a drill needs of its profile, as plain values.
#[derive(Debug, Clone, PartialEq)]
pub struct RunnerProfile {
    pub name: String,
    pub flavor: Flavor,
    pub api: ApiVersion,
    pub group_id: String,
    pub drill_targets: Vec<String>,
    pub poll_interval: Duration,
}

/// How a drill's run went.
#[derive(Debug)]
pub enum Outcome {
    /// It ran (to a pass, a fail or an error), recorded.
    Ran(Box<DrillRun>),
    /// The drill or its profile is wrong: nothing was sent.
    Refused(String),
    /// Another run of the drill holds its lock.
    Busy(String),
    /// It could not be recorded (the store); nothing more was sent.
    NotRecorded(String),
}

/// Runs drills of one profile.
pub struct Runner<'a> {
    pub services: &'a Services,
    pub profile: RunnerProfile,
    pub book: DrillBook,
    /// The store's folder for drills: their locks, and their work folders unless a drill
    /// names its own (`work_dir`).
    pub drills_dir: PathBuf,
    /// Told each step, in words (a terminal's stderr, the dashboard's view).
    pub progress: &'a (dyn Fn(&str) + Send + Sync),
}

/// Why a run stopped before its end.
enum Stop {
    /// A check failed (it is recorded).
    Failed,
    /// Atlas could not be asked, or the host failed the drill: an error, neither pass nor fail.
    Error(String),
    /// The drill is wrong after all (found once Atlas was asked): nothing was sent.
    Refused(String),
    /// The submit's answer was lost: the run stays open, to be resumed, never resubmitted.
    Open(String),
}

/// The drill's lock: held while it runs, released when dropped (or when the process dies).
struct Lock(#[allow(dead_code)] std::fs::File);

fn lock(path: &Path) -> Result<Lock, String> {
    if let Some(dir) = path.parent() {
        crate::files::create_private_dir(dir).map_err(|e| format!("cannot make {}: {e}", dir.display()))?;
    }
    let file = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(path)
        .map_err(|e| format!("cannot open the drill's lock {}: {e}", path.display()))?;
    match file.try_lock() {
        Ok(()) => Ok(Lock(file)),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "another run of this drill is going on (it holds {}): not started twice",
            path.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", path.display())),
    }
}

fn secs(d: Duration) -> u64 {
    d.as_secs()
}

fn words(d: Duration) -> String {
    super::span(i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn ago_words(ms: i64) -> String {
    super::span(ms.div_euclid(1000))
}

impl Runner<'_> {
    fn now(&self) -> i64 {
        self.services.now_ms()
    }

    fn say(&self, drill: &Drill, what: &str) {
        (self.progress)(&format!("drill {}: {what}", drill.name));
    }

    fn phase(&self, run: &mut DrillRun, name: &str) {
        let at_ms = self.now();
        run.phases.push(Phase {
            name: name.into(),
            at: super::rfc3339(at_ms),
            at_ms,
        });
    }

    fn check(run: &mut DrillRun, name: &str, result: Verdict, detail: impl Into<String>) {
        run.checks.retain(|c| c.name != name);
        run.checks.push(Check {
            name: name.into(),
            result,
            detail: detail.into(),
        });
    }

    fn save(&self, seq: i64, run: &DrillRun) -> Result<(), Stop> {
        self.book
            .save(seq, run)
            .map_err(|e| Stop::Error(format!("the drill's run could not be recorded: {e}")))
    }

    /// The time left of the RTO (from the request, or from the start before it).
    fn rto_left(&self, drill: &Drill, run: &DrillRun) -> Duration {
        let from = run.phase_ms("requested").unwrap_or(run.started_ms);
        let spent = u64::try_from((self.now() - from).max(0)).unwrap_or(0);
        drill.rto_max.saturating_sub(Duration::from_millis(spent))
    }

    /// Runs `drill` (or resumes its interrupted run) to its end.
    pub async fn run(&self, drill: &Drill) -> Outcome {
        if let Some(why) = drill.refusal(&self.profile.name, &self.profile.drill_targets) {
            return Outcome::Refused(why);
        }
        if drill.cluster_name.is_empty() {
            return Outcome::Refused(format!("{}: no cluster_name", drill.path.display()));
        }
        let _lock = match lock(&self.drills_dir.join(format!("{}.lock", drill.name))) {
            Ok(l) => l,
            Err(why) => return Outcome::Busy(why),
        };
        let (seq, mut run) = match self.book.unfinished(&drill.name) {
            Ok(Some(stored)) => {
                let mut run = stored.run;
                run.resumed = true;
                self.say(drill, &format!("resuming the run started {}", run.started));
                (stored.seq, run)
            }
            Ok(None) => {
                // Asked first, so that the run starts on Atlas's clock (its answers tell it).
                let probe = self.services.reachable(Some(&self.profile.group_id)).await;
                let mut run = self.new_run(drill);
                if let Err(e) = probe {
                    run.error = Some(format!("Atlas could not be asked: {e}"));
                    run.result = Some(RunResult::Error);
                }
                let seq = match self.book.begin(&run) {
                    Ok(seq) => seq,
                    Err(e) => return Outcome::NotRecorded(e.to_string()),
                };
                if run.result.is_some() {
                    self.finish(seq, &mut run);
                    return Outcome::Ran(Box::new(run));
                }
                (seq, run)
            }
            Err(e) => return Outcome::NotRecorded(e.to_string()),
        };
        let work = drill
            .work_dir
            .clone()
            .unwrap_or_else(|| self.drills_dir.clone())
            .join(&drill.name)
            .join(format!("run-{seq}"));
        let stop = self.go(drill, seq, &mut run, &work).await.err();
        match stop {
            Some(Stop::Refused(why)) => {
                run.error = Some(why.clone());
                run.result = Some(RunResult::Error);
                self.finish(seq, &mut run);
                return Outcome::Refused(why);
            }
            Some(Stop::Open(why)) => {
                run.error = Some(why);
                let _ = self.book.save(seq, &run);
                return Outcome::Ran(Box::new(run));
            }
            Some(Stop::Error(why)) => run.error = Some(why),
            Some(Stop::Failed) | None => {}
        }
        self.judge_rto(drill, &mut run);
        self.clean_up(drill, &mut run, &work);
        run.result = Some(run.judged());
        self.finish(seq, &mut run);
        Outcome::Ran(Box::new(run))
    }

    fn new_run(&self, drill: &Drill) -> DrillRun {
        let started_ms = self.now();
        DrillRun {
            drill: drill.name.clone(),
            profile: self.profile.name.clone(),
            cluster: drill.cluster_name.clone(),
            group_id: self.profile.group_id.clone(),
            method: drill.method.as_str().into(),
            target: drill.method.target().map(str::to_string),
            result: None,
            started: super::rfc3339(started_ms),
            started_ms,
            host_started_ms: crate::restore::Context::system_now_ms(),
            finished: None,
            finished_ms: None,
            host_finished_ms: None,
            rpo_max_seconds: secs(drill.rpo_max),
            rto_max_seconds: secs(drill.rto_max),
            rpo_seconds: None,
            rto_seconds: None,
            restore_point: None,
            jobs: Vec::new(),
            submit_key: None,
            phases: Vec::new(),
            checks: Vec::new(),
            error: None,
            cleanup: None,
            resumed: false,
        }
    }

    fn finish(&self, seq: i64, run: &mut DrillRun) {
        let at = self.now();
        run.finished_ms = Some(at);
        run.finished = Some(super::rfc3339(at));
        run.host_finished_ms = Some(crate::restore::Context::system_now_ms());
        if let Err(e) = self.book.save(seq, run) {
            let also = format!("the run's end could not be recorded: {e}");
            run.error = Some(match run.error.take() {
                Some(was) => format!("{was}; {also}"),
                None => also,
            });
            run.result = Some(RunResult::Error);
        }
    }

    async fn go(&self, drill: &Drill, seq: i64, run: &mut DrillRun, work: &Path) -> Result<(), Stop> {
        if run.restore_point.is_none() {
            self.resolve_point(drill, run).await?;
            self.save(seq, run)?;
        }
        if run.check("rpo").is_some_and(|c| c.result == Verdict::Fail) && run.restore_point.is_none() {
            return Err(Stop::Failed);
        }
        let jobs = self.submitted(drill, seq, run).await?;
        self.say(
            drill,
            &format!(
                "waiting for {} (at most {})",
                ids(&jobs),
                words(self.rto_left(drill, run))
            ),
        );
        let ready = self.wait(drill, run, jobs).await?;
        self.phase(run, "finished");
        self.save(seq, run)?;
        match &drill.method {
            DrillMethod::Download => self.check_download(drill, seq, run, &ready, work).await,
            DrillMethod::Automated { target } => self.check_target(drill, run, target, work).await,
        }?;
        self.save(seq, run)
    }

    /// The restore point, and the RPO judged on it.
    async fn resolve_point(&self, drill: &Drill, run: &mut DrillRun) -> Result<(), Stop> {
        let (group, cluster) = (&self.profile.group_id, &drill.cluster_name);
        let point = match &drill.restore_point {
            PointChoice::LatestSnapshot | PointChoice::Snapshot(_) => {
                let snapshots = self
                    .services
                    .snapshots(group, cluster)
                    .await
                    .map_err(|e| atlas_stop(&format!("cannot list {cluster}'s snapshots"), e))?;
                let timed = snapshots
                    .iter()
                    .filter_map(|s| Some((s, s.created.as_ref()?.date_ms()?)));
                let found = match &drill.restore_point {
                    PointChoice::Snapshot(id) => {
                        let found = timed.clone().find(|(s, _)| s.id.as_str() == id);
                        if found.is_none() {
                            return Err(Stop::Refused(format!(
                                "{}: snapshot {id} is not among {cluster}'s snapshots (`atlas-restore snapshots --cluster-name {cluster}` lists them); nothing was sent",
                                drill.path.display()
                            )));
                        }
                        found
                    }
                    _ => timed
                        .filter(|(s, _)| s.complete == Some(true))
                        .max_by_key(|(_, at)| *at),
                };
                let Some((snapshot, at)) = found else {
                    Self::check(
                        run,
                        "rpo",
                        Verdict::Fail,
                        format!("{cluster} has no complete snapshot: there is nothing to restore from"),
                    );
                    return Err(Stop::Failed);
                };
                RestorePointRecord {
                    kind: "snapshot".into(),
                    id: Some(sanitize(&snapshot.id)),
                    time: super::rfc3339(at),
                    time_ms: at,
                }
            }
            PointChoice::PointInTime(text) => {
                let at = crate::restore::time_input::moment_ms(text, run.started_ms)
                    .map_err(|e| Stop::Refused(format!("{}: restore_point {text:?}: {e}", drill.path.display())))?;
                RestorePointRecord {
                    kind: "point_in_time".into(),
                    id: None,
                    time: super::rfc3339(at),
                    time_ms: at,
                }
            }
        };
        let age_ms = run.started_ms - point.time_ms;
        run.rpo_seconds = Some(age_ms.div_euclid(1000));
        let within = Duration::from_millis(u64::try_from(age_ms.max(0)).unwrap_or(0)) <= drill.rpo_max;
        let detail = format!(
            "the restore point {} is {} old at the start (on Atlas's clock), {} rpo_max {}",
            point.time,
            ago_words(age_ms),
            if within { "within" } else { "OVER" },
            words(drill.rpo_max)
        );
        Self::check(run, "rpo", if within { Verdict::Pass } else { Verdict::Fail }, detail);
        self.say(drill, &format!("restore point {}", point.time));
        run.restore_point = Some(point);
        Ok(())
    }

    /// The request's body, checked by the form's rules against what Atlas lists.
    async fn request(&self, drill: &Drill, run: &DrillRun) -> Result<crate::restore::RestoreRequest, Stop> {
        let (group, cluster) = (&self.profile.group_id, &drill.cluster_name);
        let point = run
            .restore_point
            .as_ref()
            .ok_or_else(|| Stop::Error("no restore point".into()))?;
        let mut body = match &point.id {
            Some(id) => json!({ "snapshotId": id }),
            None => json!({ "pointInTimeUTCMillis": point.time_ms }),
        };
        body["delivery"] = match &drill.method {
            // One download, soon expired: a drill's archive is fetched once, at once.
            DrillMethod::Download => json!({"methodName": "HTTP", "expirationHours": 2, "maxDownloads": 1}),
            // Cloud and Ops Manager name the target by id only: looked up by its name.
            DrillMethod::Automated { target } if self.profile.flavor.is_public_api() => {
                let clusters = self
                    .services
                    .clusters(group)
                    .await
                    .map_err(|e| atlas_stop("cannot list the project's clusters to find the target's id", e))?;
                let id = clusters
                    .iter()
                    .filter(|c| c.role() == crate::atlas::ClusterRole::Whole)
                    .find(|c| c.name.as_str() == target)
                    .and_then(|c| c.id.as_deref().map(str::to_string))
                    .ok_or_else(|| {
                        Stop::Refused(format!(
                            "{}: the target {target} is not a cluster of project {group}; nothing was sent",
                            drill.path.display()
                        ))
                    })?;
                json!({"methodName": "AUTOMATED_RESTORE", "targetGroupId": group, "targetClusterId": id})
            }
            DrillMethod::Automated { target } => json!({
                "methodName": "AUTOMATED_RESTORE",
                "targetGroupId": group,
                "targetClusterName": target,
            }),
        };
        let source = self
            .services
            .cluster(group, cluster)
            .await
            .map_err(|e| atlas_stop(&format!("cannot look up the source cluster {cluster}"), e))?;
        let draft = RestoreDraft::from_json(&body);
        let ctx = Context {
            now_ms: self.now(),
            api: self.profile.api,
            flavor: self.profile.flavor,
            restorable_ranges: source.restorable_ranges.clone(),
            source_cluster_type: source.cluster_type.as_deref().and_then(ClusterType::from_api),
            source_group_id: Some(group.clone()),
            source_cluster_name: Some(cluster.clone()),
            source_cluster_id: source.id.as_deref().map(str::to_string),
            catalog: self.services.catalog_for(&draft, group, cluster).await,
        };
        let refused = |findings: &[crate::restore::Finding]| {
            let said: Vec<String> = findings
                .iter()
                .filter(|f| f.is_error())
                .map(|f| sanitize(&f.message))
                .collect();
            Stop::Refused(format!(
                "{}: the restore it asks for is not valid: {}; nothing was sent",
                drill.path.display(),
                said.join("; ")
            ))
        };
        let findings = validate(&draft, &ctx);
        if crate::restore::has_errors(&findings) {
            return Err(refused(&findings));
        }
        let request = build_request(&draft, &ctx).map_err(|errors| refused(&errors))?;
        // The one erase a drill may make: the target its profile lists (checked before, and
        // here on the request as it will go).
        if let Some(erase) = request.erase()
            && !self.profile.drill_targets.iter().any(|t| erase.accepts(t))
        {
            return Err(Stop::Refused(format!(
                "{}: the request would erase {}, not a cluster of drill_targets; nothing was sent",
                drill.path.display(),
                sanitize(&erase.label)
            )));
        }
        Ok(request)
    }

    /// The run's jobs: those it made already (a resumed run), those of its submit found in
    /// the journal (the process died after sending), or a new submit's.
    async fn submitted(&self, drill: &Drill, seq: i64, run: &mut DrillRun) -> Result<Vec<RestoreJob>, Stop> {
        let (group, cluster) = (self.profile.group_id.clone(), drill.cluster_name.clone());
        if !run.jobs.is_empty() {
            let mut jobs = Vec::new();
            for id in run.jobs.clone() {
                let job = self
                    .services
                    .restore_job(&group, &cluster, &id)
                    .await
                    .map_err(|e| atlas_stop(&format!("cannot look up job {id}"), e))?;
                jobs.push(job);
            }
            return Ok(jobs);
        }
        if let Some(requested) = run.phase_ms("requested") {
            // Sent before an interruption, or not: the journal recorded it before it went.
            if let Some(jobs) = self.found_again(drill, run, requested).await? {
                run.jobs = jobs.iter().map(|j| j.id.to_string()).collect();
                self.phase(run, "created");
                self.save(seq, run)?;
                return Ok(jobs);
            }
        }
        let request = self.request(drill, run).await?;
        self.phase(run, "requested");
        self.save(seq, run)?;
        self.say(drill, "submitting");
        match self.services.submit(&request, true).await {
            SubmitOutcome::Created { key, jobs } => {
                run.submit_key = Some(key);
                run.jobs = jobs.iter().map(|j| j.id.to_string()).collect();
                self.phase(run, "created");
                self.save(seq, run)?;
                Ok(jobs)
            }
            SubmitOutcome::CreatedNotRecorded { jobs, error } => {
                run.jobs = jobs.iter().map(|j| j.id.to_string()).collect();
                self.phase(run, "created");
                self.save(seq, run)?;
                (self.progress)(&format!("the job store could not record the jobs: {error}"));
                Ok(jobs)
            }
            SubmitOutcome::Unknown { key, detail } => {
                run.submit_key = Some(key);
                Err(Stop::Open(format!(
                    "the submit's answer was lost ({}): it is recorded, and the next run looks for its job instead of submitting again",
                    sanitize(&detail)
                )))
            }
            SubmitOutcome::Refused { error, .. } if is_unreachable(&error) => {
                Err(Stop::Error(format!("Atlas could not be asked to restore: {error}")))
            }
            SubmitOutcome::Refused { error, .. } => {
                Self::check(run, "job", Verdict::Fail, format!("Atlas refused the restore: {error}"));
                Err(Stop::Failed)
            }
            SubmitOutcome::Repeat(_) => Err(Stop::Error("the journal took it for a repeat".into())),
            SubmitOutcome::NotRecorded(why) => Err(Stop::Error(format!(
                "the job store could not record the submit, so it was not sent: {why}"
            ))),
        }
    }

    /// The jobs of a submit this run sent before it was interrupted, from the journal (or the
    /// cluster's list, when the answer was lost); none when it was never sent.
    async fn found_again(
        &self,
        drill: &Drill,
        run: &DrillRun,
        requested_ms: i64,
    ) -> Result<Option<Vec<RestoreJob>>, Stop> {
        let (group, cluster) = (self.profile.group_id.clone(), drill.cluster_name.clone());
        let journal = self.services.journal.clone();
        let (g, c) = (group.clone(), cluster.clone());
        let history = tokio::task::spawn_blocking(move || journal.cluster_history(&g, &c))
            .await
            .map_err(|e| Stop::Error(e.to_string()))?
            .map_err(|e| Stop::Error(format!("cannot read the job store: {e}")))?;
        let mine = history.submits.iter().find(|s| match &run.submit_key {
            Some(key) => &s.key == key,
            None => s.submitted_at_ms >= requested_ms - 1_000,
        });
        let Some(submit) = mine else {
            return Ok(None);
        };
        match submit.state {
            SubmitState::Created if !submit.jobs.is_empty() => Ok(Some(submit.jobs.clone())),
            SubmitState::Refused => Err(Stop::Error(format!(
                "its submit was refused before the interruption: {}",
                submit.note.as_deref().map(sanitize).unwrap_or_default()
            ))),
            _ => {
                let listed =
                    self.services.cluster_jobs(&group, &cluster).await.map_err(|e| {
                        atlas_stop("cannot list the cluster's jobs to find the interrupted submit's", e)
                    })?;
                match crate::jobs::reconcile::reconcile(
                    &listed,
                    submit.submitted_at_ms,
                    &submit.request,
                    &Default::default(),
                ) {
                    crate::jobs::reconcile::Reconciled::Found(jobs) => Ok(Some(jobs)),
                    _ => Err(Stop::Open(
                        "its submit was sent before the interruption, and its job is not found in the cluster's list (yet): not submitted again; the next run looks again".into(),
                    )),
                }
            }
        }
    }

    /// Waits until the jobs are ready, at most what is left of the RTO.
    async fn wait(&self, drill: &Drill, run: &mut DrillRun, jobs: Vec<RestoreJob>) -> Result<Vec<RestoreJob>, Stop> {
        let wait = Wait {
            timeout: self.rto_left(drill, run),
            interval: self.profile.poll_interval,
            progress: false,
        };
        match until_ready(self.services, &self.profile.group_id, &drill.cluster_name, jobs, wait).await {
            Ended::Ready(jobs) => {
                let status: Vec<String> = jobs
                    .iter()
                    .map(|j| {
                        format!(
                            "{} {}",
                            crate::jobs::present::short_id(&j.id),
                            j.status_name.as_ref().map_or("?", |s| s.as_api())
                        )
                    })
                    .collect();
                Self::check(
                    run,
                    "job",
                    Verdict::Pass,
                    format!("Atlas restored it: {}", status.join(", ")),
                );
                Ok(jobs)
            }
            Ended::Failed { why, .. } => {
                Self::check(run, "job", Verdict::Fail, why);
                Err(Stop::Failed)
            }
            Ended::TimedOut { why, .. } => {
                Self::check(run, "job", Verdict::Skip, format!("not finished: {why}"));
                Self::check(
                    run,
                    "rto",
                    Verdict::Fail,
                    format!("still waiting for Atlas at rto_max {}: {why}", words(drill.rto_max)),
                );
                Err(Stop::Failed)
            }
        }
    }

    async fn check_download(
        &self,
        drill: &Drill,
        seq: i64,
        run: &mut DrillRun,
        jobs: &[RestoreJob],
        work: &Path,
    ) -> Result<(), Stop> {
        crate::files::create_private_dir(work)
            .map_err(|e| Stop::Error(format!("cannot make {}: {e}", work.display())))?;
        let cancel = Cancel::new();
        let mut fetched = Vec::new();
        for job in jobs {
            self.say(
                drill,
                &format!("downloading {}", crate::jobs::present::short_id(&job.id)),
            );
            let tracked = TrackedJob {
                group_id: self.profile.group_id.clone(),
                cluster: drill.cluster_name.clone(),
                ..TrackedJob::from(job.clone())
            };
            let left = self.rto_left(drill, run).max(Duration::from_secs(1));
            let done =
                tokio::time::timeout(left, self.services.download_checked(&tracked, work, &cancel, |_| {})).await;
            match done {
                Err(_) => {
                    cancel.cancel();
                    Self::check(
                        run,
                        "rto",
                        Verdict::Fail,
                        format!("still downloading at rto_max {}", words(drill.rto_max)),
                    );
                    return Err(Stop::Failed);
                }
                Ok(Ok(checked)) => fetched.push((job.clone(), checked)),
                Ok(Err(DownloadError::Atlas(e))) => return Err(atlas_stop("cannot ask Atlas for the download", e)),
                Ok(Err(e @ (DownloadError::NoFile(_) | DownloadError::NotReady(_)))) => {
                    Self::check(run, "sha1", Verdict::Fail, format!("no file to download: {e}"));
                    return Err(Stop::Failed);
                }
                Ok(Err(DownloadError::Fetch(e))) => return Err(Stop::Error(format!("the download failed: {e}"))),
            }
        }
        self.phase(run, "downloaded");
        // sha1: every file the one Atlas lists.
        let bad: Vec<String> = fetched
            .iter()
            .filter(|(_, c)| c.verdict != ShaVerdict::Verified)
            .map(|(_, c)| c.describe())
            .collect();
        let sha_ok = bad.is_empty();
        if sha_ok {
            let said: Vec<String> = fetched
                .iter()
                .map(|(_, c)| format!("{} matches Atlas's", c.sha1))
                .collect();
            Self::check(run, "sha1", Verdict::Pass, said.join("; "));
            self.phase(run, "verified");
        } else {
            Self::check(run, "sha1", Verdict::Fail, bad.join("; "));
        }
        // archive: read by the download unless its SHA1 differs.
        let snapshot_ms = run.restore_point.as_ref().filter(|p| p.id.is_some()).map(|p| p.time_ms);
        let mut verdicts = Vec::new();
        for (job, checked) in &fetched {
            let name = crate::jobs::present::file_name(job);
            let judged = match &checked.archive {
                None => Err("not read: its SHA1 differs from Atlas's".to_string()),
                Some(report) => judge_archive(
                    report,
                    &Expected {
                        file_name: &name,
                        cluster_id: None,
                        snapshot_ms,
                    },
                ),
            };
            verdicts.push(judged);
        }
        let archive_ok = verdicts.iter().all(Result::is_ok);
        let said: Vec<String> = verdicts.iter().map(|v| v.clone().unwrap_or_else(|e| e)).collect();
        let verdict = match (archive_ok, sha_ok) {
            (true, _) => Verdict::Pass,
            (false, false) if fetched.iter().all(|(_, c)| c.archive.is_none()) => Verdict::Skip,
            _ => Verdict::Fail,
        };
        Self::check(run, "archive", verdict, said.join("; "));
        self.save(seq, run)?;
        let Some(command) = &drill.check_command else {
            return Ok(());
        };
        if !(sha_ok && archive_ok) {
            Self::check(
                run,
                "check_command",
                Verdict::Skip,
                "not run: the archive is not to be trusted",
            );
            return Ok(());
        }
        self.say(drill, "unpacking for check_command");
        let unpacked = work.join("unpacked");
        let mut dirs = Vec::new();
        for (_, checked) in &fetched {
            let (path, top) = (
                checked.path.clone(),
                checked.archive.as_ref().and_then(|a| a.top_folder.clone()),
            );
            let into = unpacked.clone();
            let dir = tokio::task::spawn_blocking(move || unpack(&path, &into, top.as_deref()))
                .await
                .map_err(|e| Stop::Error(e.to_string()))?
                .map_err(Stop::Error)?;
            dirs.push(dir);
        }
        let cwd = if dirs.len() == 1 { dirs[0].clone() } else { unpacked };
        let env = vec![
            ("ATLAS_RESTORE_DRILL", drill.name.clone()),
            ("ATLAS_RESTORE_DRILL_DIR", cwd.display().to_string()),
            ("ATLAS_RESTORE_DRILL_JOB_IDS", run.jobs.join(",")),
            ("ATLAS_RESTORE_DRILL_CLUSTER_NAME", drill.cluster_name.clone()),
        ];
        self.run_command(drill, run, command, &cwd, &env).await;
        Ok(())
    }

    async fn run_command(&self, drill: &Drill, run: &mut DrillRun, command: &str, cwd: &Path, env: &[(&str, String)]) {
        self.say(drill, "running check_command");
        let timeout = drill
            .check_timeout
            .min(self.rto_left(drill, run).max(Duration::from_secs(1)));
        let end = run_check_command(command, cwd, env, timeout).await;
        Self::check(
            run,
            "check_command",
            if end.passed { Verdict::Pass } else { Verdict::Fail },
            end.detail,
        );
        self.phase(run, "checked");
    }

    /// An automated restore's target back to its normal state, then `check_command` against it.
    async fn check_target(&self, drill: &Drill, run: &mut DrillRun, target: &str, work: &Path) -> Result<(), Stop> {
        let group = self.profile.group_id.clone();
        // The deadline is on Atlas's clock, as the RTO is measured: a simulator that runs
        // fast reaches it fast.
        let cluster = loop {
            match self.services.cluster(&group, target).await {
                Ok(c) if c.state_name.as_deref().is_none_or(|s| s == "IDLE") => break c,
                Ok(c) if self.rto_left(drill, run).is_zero() => {
                    Self::check(
                        run,
                        "target",
                        Verdict::Fail,
                        format!(
                            "{target} is still {} at rto_max {}",
                            c.state_name.as_deref().map(sanitize).unwrap_or_default(),
                            words(drill.rto_max)
                        ),
                    );
                    return Err(Stop::Failed);
                }
                Ok(_) => tokio::time::sleep(self.profile.poll_interval).await,
                Err(e) => return Err(atlas_stop(&format!("cannot look up the target {target}"), e)),
            }
        };
        Self::check(
            run,
            "target",
            Verdict::Pass,
            format!(
                "{target} is {} after the restore",
                cluster
                    .state_name
                    .as_deref()
                    .map(sanitize)
                    .unwrap_or_else(|| "listed".into())
            ),
        );
        let Some(command) = &drill.check_command else {
            return Ok(());
        };
        crate::files::create_private_dir(work)
            .map_err(|e| Stop::Error(format!("cannot make {}: {e}", work.display())))?;
        let env = vec![
            ("ATLAS_RESTORE_DRILL", drill.name.clone()),
            ("ATLAS_RESTORE_DRILL_DIR", work.display().to_string()),
            ("ATLAS_RESTORE_DRILL_JOB_IDS", run.jobs.join(",")),
            ("ATLAS_RESTORE_TARGET_GROUP_ID", group),
            ("ATLAS_RESTORE_TARGET_CLUSTER_NAME", target.to_string()),
            (
                "ATLAS_RESTORE_TARGET_CLUSTER_ID",
                cluster.id.as_deref().map(str::to_string).unwrap_or_default(),
            ),
        ];
        self.run_command(drill, run, command, work, &env).await;
        Ok(())
    }

    /// The RTO: from the request to the last check passed (now), unless already judged.
    fn judge_rto(&self, drill: &Drill, run: &mut DrillRun) {
        let Some(requested) = run.phase_ms("requested") else {
            if run.check("rto").is_none() {
                Self::check(run, "rto", Verdict::Skip, "nothing was requested");
            }
            return;
        };
        let took_ms = self.now() - requested;
        run.rto_seconds = Some(took_ms.div_euclid(1000));
        if run.check("rto").is_some() {
            return;
        }
        let restored = run.checks.iter().all(|c| c.result != Verdict::Fail);
        let within = Duration::from_millis(u64::try_from(took_ms.max(0)).unwrap_or(0)) <= drill.rto_max;
        let detail = match (restored, within) {
            (true, _) => format!(
                "{} from the request to the last check, {} rto_max {}",
                ago_words(took_ms),
                if within { "within" } else { "OVER" },
                words(drill.rto_max)
            ),
            (false, _) => format!(
                "not judged: a check failed, so nothing was recovered ({} spent; rto_max {})",
                ago_words(took_ms),
                words(drill.rto_max)
            ),
        };
        let verdict = match (restored, within) {
            (true, true) => Verdict::Pass,
            (true, false) => Verdict::Fail,
            (false, _) => Verdict::Skip,
        };
        Self::check(run, "rto", verdict, detail);
    }

    /// Removes what the run downloaded and unpacked, unless the drill keeps it; said in the run.
    fn clean_up(&self, drill: &Drill, run: &mut DrillRun, work: &Path) {
        if !work.exists() {
            return;
        }
        if drill.keep {
            run.cleanup = Some(format!("kept in {} (keep = true)", work.display()));
            return;
        }
        let (files, bytes) = count(work);
        if files == 0 {
            // An automated drill downloads nothing: its empty folder goes without a word.
            let _ = std::fs::remove_dir_all(work);
            return;
        }
        run.cleanup = Some(match std::fs::remove_dir_all(work) {
            Ok(()) => format!(
                "removed {files} file{} ({}) from {}",
                if files == 1 { "" } else { "s" },
                crate::jobs::download::human_bytes(bytes),
                work.display()
            ),
            Err(e) => format!("could not remove {}: {e}", work.display()),
        });
        self.phase(run, "removed");
    }
}

/// Files and bytes under `dir`.
fn count(dir: &Path) -> (u64, u64) {
    let mut stack = vec![dir.to_path_buf()];
    let (mut files, mut bytes) = (0, 0);
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(t) if t.is_dir() => stack.push(entry.path()),
                Ok(_) => {
                    files += 1;
                    bytes += entry.metadata().map(|m| m.len()).unwrap_or(0);
                }
                Err(_) => {}
            }
        }
    }
    (files, bytes)
}

fn ids(jobs: &[RestoreJob]) -> String {
    jobs.iter()
        .map(|j| crate::jobs::present::short_id(&j.id))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Atlas not reachable or failing on its side, rather than refusing the request.
fn is_unreachable(e: &AtlasError) -> bool {
    matches!(e, AtlasError::Transport { .. } | AtlasError::Setup(_)) || e.status().is_some_and(|s| s >= 500 || s == 429)
}

fn atlas_stop(what: &str, e: AtlasError) -> Stop {
    Stop::Error(format!("{what}: {e}"))
}
