//! A lost create answer, reconciled against the real simulator while another client (a plain
//! Digest HTTP client, not our code) makes a similar restore job in the same minute: our
//! submit stays unknown with both jobs as candidates, or is matched to ours when the restore
//! point tells them apart; it is never matched to the stranger's, never resent.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;

use atlas_restore::atlas::{AtlasClient, RestoreJob, SnapshotFilter};
use atlas_restore::jobs::{Journal, Origin, Poller, PollerConfig, Services, SubmitOutcome, SubmitState, TrackedSubmit};
use atlas_restore::restore::time_input::parse_rfc3339_lenient;
use atlas_restore::sim::{Fault, Sim, SimConfig};
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;

const HOUR_MS: i64 = 3_600_000;

/// A simulator, our client and journal (the services the dashboard uses), and a stranger.
struct World {
    sim: Sim,
    services: Services,
    stranger: common::Client,
    group: String,
    /// The journal's folder: removed when the world is dropped, after the journal.
    _dir: tempfile::TempDir,
}

impl World {
    async fn new(name: &str) -> World {
        let sim = common::start_with(SimConfig::default()).await;
        let client = AtlasClient::new(&common::options(&sim)).unwrap();
        let dir = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-reconcile-{name}-"))
            .tempdir()
            .unwrap();
        let journal = Journal::open(dir.path(), "p").unwrap();
        let stranger = common::client(&sim);
        let group = sim.group_id().to_string();
        World {
            services: Services::new(Arc::new(client), journal),
            stranger,
            sim,
            group,
            _dir: dir,
        }
    }

    fn poller(&self) -> Poller {
        self.services.poller(PollerConfig::new(Duration::from_secs(10)))
    }

    async fn cycle(&self) {
        self.poller().cycle().await.expect("a poll cycle against the simulator");
    }

    /// Complete snapshots of a cluster, newest first.
    async fn snapshots(&self, cluster: &str) -> Vec<String> {
        let snaps = self
            .services
            .client
            .list_snapshots(&self.group, cluster, SnapshotFilter::Completed)
            .await
            .unwrap();
        assert!(snaps.len() >= 2, "{snaps:?}");
        snaps.into_iter().map(|s| s.id.to_string()).collect()
    }

    /// Our submit through the services, its answer lost on the way back: recorded unknown,
    /// sent once. Returns the journal key.
    async fn lost_submit(&self, cluster: &str, body: &Value) -> String {
        let before = self.creates();
        self.sim.set_fault(Some(Fault::DropConnection));
        let outcome = self.services.submit_body(&self.group, cluster, body, None, false).await;
        self.sim.set_fault(None);
        let key = match outcome {
            SubmitOutcome::Unknown { key, .. } => key,
            other => panic!("a lost answer is an unknown outcome: {other:?}"),
        };
        assert_eq!(self.creates(), before + 1, "our request reached Atlas once");
        assert_eq!(self.submit(&key).state, SubmitState::Unknown);
        key
    }

    /// The stranger's create: a plain Digest POST, not our client. Returns its job ids.
    async fn stranger_posts(&self, cluster: &str, body: &Value) -> Vec<String> {
        let before = self.creates();
        let a = self
            .stranger
            .post(&common::v1(&self.sim, &format!("clusters/{cluster}/restoreJobs")), body)
            .await;
        assert!((200..300).contains(&a.status), "{} {}", a.status, a.text);
        assert_eq!(self.creates(), before + 1);
        ids(a.json["results"].as_array().expect("a page of jobs"))
    }

    /// Every restore job of the cluster as the stranger sees it.
    async fn cluster_jobs(&self, cluster: &str) -> Vec<Value> {
        let a = self
            .stranger
            .get(&common::v1(&self.sim, &format!("clusters/{cluster}/restoreJobs")))
            .await;
        assert_eq!(a.status, 200, "{}", a.text);
        a.json["results"].as_array().unwrap().clone()
    }

    /// The cluster's jobs that are not the stranger's: ours, made by the lost request.
    async fn our_ids(&self, cluster: &str, stranger: &[String]) -> Vec<String> {
        let all = ids(&self.cluster_jobs(cluster).await);
        all.into_iter().filter(|id| !stranger.contains(id)).collect()
    }

    fn creates(&self) -> u64 {
        self.sim.counters().restore_job_creates
    }

    fn submit(&self, key: &str) -> TrackedSubmit {
        let data = self.services.journal.load().unwrap();
        data.submits
            .iter()
            .find(|s| s.key == key)
            .cloned()
            .unwrap_or_else(|| panic!("no submit {key} in {data:?}"))
    }

    fn journal_claims(&self, id: &str) -> bool {
        self.services.journal.load().unwrap().claimed_ids().contains(id)
    }
}

fn ids(jobs: &[Value]) -> Vec<String> {
    jobs.iter()
        .map(|j| j["id"].as_str().expect("a job id").to_string())
        .collect()
}

fn job_ids(jobs: &[RestoreJob]) -> BTreeSet<String> {
    jobs.iter().map(|j| j.id.to_string()).collect()
}

fn set(ids: &[String]) -> BTreeSet<String> {
    ids.iter().cloned().collect()
}

fn http(snapshot: &str) -> Value {
    json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "maxDownloads": 1}})
}

fn automated_pit(group: &str, at_ms: i64) -> Value {
    json!({"pointInTimeUTCMillis": at_ms,
           "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": group, "targetClusterName": "Staging0"}})
}

fn created_ms(job: &Value) -> i64 {
    parse_rfc3339_lenient(job["created"].as_str().unwrap()).unwrap()
}

#[tokio::test]
async fn an_identical_job_from_a_stranger_leaves_two_candidates_until_the_dba_chooses() {
    let w = World::new("same").await;
    let snapshot = w.snapshots("Cluster0").await.remove(0);
    let body = http(&snapshot);
    let key = w.lost_submit("Cluster0", &body).await;
    let theirs = w.stranger_posts("Cluster0", &body).await;
    let ours = w.our_ids("Cluster0", &theirs).await;
    assert_eq!((ours.len(), theirs.len()), (1, 1));
    let jobs = w.cluster_jobs("Cluster0").await;
    let spread = jobs.iter().map(created_ms).max().unwrap() - jobs.iter().map(created_ms).min().unwrap();
    assert!(spread < 60_000, "both made in the same minute: {spread} ms apart");

    // Nothing in what Atlas shows tells them apart: both are candidates, neither is adopted.
    for _ in 0..2 {
        w.cycle().await;
        let s = w.submit(&key);
        assert_eq!(s.state, SubmitState::Unknown, "{s:?}");
        assert!(s.jobs.is_empty(), "no guess: {s:?}");
        assert_eq!(
            job_ids(&s.candidates),
            set(&[ours[0].clone(), theirs[0].clone()]),
            "{s:?}"
        );
        assert!(s.looked_ms.is_some());
        assert!(!w.journal_claims(&theirs[0]) && !w.journal_claims(&ours[0]));
    }

    // The DBA recognises ours (by its id, say) and tracks it: that settles the lost submit.
    let chosen: Vec<RestoreJob> = w
        .submit(&key)
        .candidates
        .into_iter()
        .filter(|c| c.id == ours[0])
        .collect();
    assert!(w.services.track(&w.group, "Cluster0", chosen).await.unwrap());
    let data = w.services.journal.load().unwrap();
    assert_eq!(
        data.submits.len(),
        1,
        "the choice settles the submit, no new entry: {data:?}"
    );
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours));
    assert!(s.candidates.is_empty());

    // Later polls keep it so, and never take the other candidate on.
    for _ in 0..2 {
        w.cycle().await;
        let s = w.submit(&key);
        assert_eq!(s.state, SubmitState::Created, "{s:?}");
        assert_eq!(job_ids(&s.jobs), set(&ours));
        assert!(s.candidates.is_empty());
        assert!(!w.journal_claims(&theirs[0]), "the stranger's job stays theirs");
        assert_eq!(w.services.journal.load().unwrap().submits.len(), 1);
    }
    assert_eq!(w.creates(), 2, "ours sent once, the stranger's once: nothing resent");
}

#[tokio::test]
async fn another_snapshot_of_the_same_cluster_tells_the_stranger_apart() {
    let w = World::new("snapshots").await;
    let snaps = w.snapshots("Cluster0").await;
    let (a, b) = (snaps[0].clone(), snaps[1].clone());
    assert_ne!(a, b);
    let key = w.lost_submit("Cluster0", &http(&a)).await;
    // The stranger restores the snapshot before it, the same way, within the same minute.
    let theirs = w.stranger_posts("Cluster0", &http(&b)).await;
    let ours = w.our_ids("Cluster0", &theirs).await;
    assert_eq!(ours.len(), 1);

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours), "{s:?}");
    assert_eq!(s.jobs[0].snapshot_id.as_deref(), Some(a.as_str()));
    assert!(s.candidates.is_empty());
    assert!(!w.journal_claims(&theirs[0]));

    // Another look changes nothing.
    w.cycle().await;
    let again = w.submit(&key);
    assert_eq!((again.state, job_ids(&again.jobs)), (SubmitState::Created, set(&ours)));
    assert!(!w.journal_claims(&theirs[0]));
    assert_eq!(w.creates(), 2, "ours sent once, the stranger's once");
}

/// Both restore by point in time into Staging0 (the seeded target with backup off, the only
/// replica set besides the source). The simulator, like Atlas, refuses a second restore into
/// a cluster still being restored into, so the stranger cannot post in the same second: it
/// is refused first (which makes no job), then posts again once ours has finished (a job
/// takes 60 s of simulated time; the clock is advanced 61 s). That is still well inside the
/// window a lost create is looked for in, so only the restore point can tell them apart.
#[tokio::test]
async fn points_in_time_an_hour_apart_match_ours_by_its_timestamp() {
    let w = World::new("pit").await;
    let now = w.sim.now_ms();
    let t1 = now - 2 * HOUR_MS;
    let t2 = t1 - HOUR_MS;
    let key = w.lost_submit("Cluster0", &automated_pit(&w.group, t1)).await;

    let busy = w
        .stranger
        .post(
            &common::v1(&w.sim, "clusters/Cluster0/restoreJobs"),
            &automated_pit(&w.group, t2),
        )
        .await;
    assert_eq!(busy.status, 400, "{}", busy.text);
    assert_eq!(busy.json["errorCode"], "CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE");
    assert_eq!(w.creates(), 1);

    w.sim.advance(Duration::from_secs(61));
    let theirs = w.stranger_posts("Cluster0", &automated_pit(&w.group, t2)).await;
    let ours = w.our_ids("Cluster0", &theirs).await;
    assert_eq!(ours.len(), 1);

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours), "{s:?}");
    let job = &s.jobs[0];
    assert_eq!(job.point_in_time, Some(true));
    let ts = parse_rfc3339_lenient(job.timestamp.as_ref().unwrap().date.as_deref().unwrap()).unwrap();
    assert_eq!(ts, t1 - t1.rem_euclid(1000), "restores our point, to the second");
    assert_eq!(
        job.delivery.as_ref().unwrap().target_cluster_name.as_deref(),
        Some("Staging0")
    );
    assert!(!w.journal_claims(&theirs[0]));
    w.cycle().await;
    assert_eq!(job_ids(&w.submit(&key).jobs), set(&ours));
    assert!(!w.journal_claims(&theirs[0]));
    assert_eq!(w.creates(), 2, "ours sent once, the stranger's once");
}

/// Points in time 30 s apart: Atlas restores a point in time to the last oplog entry before
/// it, which on an idle cluster may be that much earlier, so the stranger's job could be
/// ours. Neither is adopted.
#[tokio::test]
async fn points_in_time_seconds_apart_cannot_be_told_apart_and_are_not_guessed() {
    let w = World::new("pit-close").await;
    let t1 = w.sim.now_ms() - 2 * HOUR_MS;
    let key = w.lost_submit("Cluster0", &automated_pit(&w.group, t1)).await;
    // Staging0 is busy with ours for 60 s (see above).
    w.sim.advance(Duration::from_secs(61));
    let theirs = w
        .stranger_posts("Cluster0", &automated_pit(&w.group, t1 - 30_000))
        .await;
    let ours = w.our_ids("Cluster0", &theirs).await;

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Unknown, "{s:?}");
    assert!(s.jobs.is_empty());
    assert_eq!(job_ids(&s.candidates), set(&[ours[0].clone(), theirs[0].clone()]));
    assert_eq!(w.creates(), 2);
}

#[tokio::test]
async fn a_stranger_job_another_entry_tracks_is_never_adopted() {
    let w = World::new("claimed").await;
    let snapshot = w.snapshots("Cluster0").await.remove(0);
    let body = http(&snapshot);
    let key = w.lost_submit("Cluster0", &body).await;
    let theirs = w.stranger_posts("Cluster0", &body).await;
    let ours = w.our_ids("Cluster0", &theirs).await;

    // Before any poll, the DBA follows the stranger's job from the cluster's list (another
    // window, say): it is another entry's now.
    let listed = w.services.cluster_jobs(&w.group, "Cluster0").await.unwrap();
    let stranger_job: Vec<RestoreJob> = listed.into_iter().filter(|j| j.id == theirs[0]).collect();
    assert!(w.services.track(&w.group, "Cluster0", stranger_job).await.unwrap());
    let data = w.services.journal.load().unwrap();
    assert_eq!(data.submits.len(), 2);
    assert_eq!(
        w.submit(&key).state,
        SubmitState::Unknown,
        "tracking a non-candidate settles nothing"
    );

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours), "ours, not the tracked stranger's: {s:?}");
    let data = w.services.journal.load().unwrap();
    let tracked: Vec<&TrackedSubmit> = data.submits.iter().filter(|s| s.origin == Origin::Tracked).collect();
    assert_eq!(tracked.len(), 1);
    assert_eq!(job_ids(&tracked[0].jobs), set(&theirs));
    let owners = data
        .submits
        .iter()
        .filter(|s| s.jobs.iter().any(|j| j.id == theirs[0]))
        .count();
    assert_eq!(owners, 1, "one owner per job");
    assert_eq!(w.creates(), 2, "ours sent once, the stranger's once");
}

#[tokio::test]
async fn a_stranger_job_tracked_then_forgotten_stays_claimed_and_is_never_adopted() {
    let w = World::new("forgotten").await;
    let snapshot = w.snapshots("Cluster0").await.remove(0);
    let body = http(&snapshot);
    let key = w.lost_submit("Cluster0", &body).await;
    let theirs = w.stranger_posts("Cluster0", &body).await;
    let ours = w.our_ids("Cluster0", &theirs).await;
    let listed = w.services.cluster_jobs(&w.group, "Cluster0").await.unwrap();
    let stranger_job: Vec<RestoreJob> = listed.into_iter().filter(|j| j.id == theirs[0]).collect();
    assert!(w.services.track(&w.group, "Cluster0", stranger_job).await.unwrap());
    assert!(w.services.forget(&theirs[0]).await.unwrap());

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours), "{s:?}");
    let data = w.services.journal.load().unwrap();
    assert!(!data.is_tracked(&theirs[0]), "forgotten stays forgotten");
    assert_eq!(w.creates(), 2);
}

/// A sharded restore is a batch of three jobs: the stranger's identical batch makes two
/// candidates, each whole; choosing ours takes our whole batch.
#[tokio::test]
async fn a_stranger_batch_on_a_sharded_cluster_is_a_whole_other_candidate() {
    let w = World::new("sharded").await;
    let snapshot = w.snapshots("Cluster1").await.remove(0);
    let body = http(&snapshot);
    let key = w.lost_submit("Cluster1", &body).await;
    let theirs = w.stranger_posts("Cluster1", &body).await;
    let ours = w.our_ids("Cluster1", &theirs).await;
    assert_eq!((ours.len(), theirs.len()), (3, 3));

    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Unknown, "{s:?}");
    assert!(s.jobs.is_empty());
    let all: Vec<String> = ours.iter().chain(&theirs).cloned().collect();
    assert_eq!(job_ids(&s.candidates), set(&all));
    let batches: BTreeSet<Option<String>> = s
        .candidates
        .iter()
        .map(|c| c.batch_id.as_deref().map(str::to_string))
        .collect();
    assert_eq!(batches.len(), 2, "two whole batches: {batches:?}");

    let our_batch: Vec<RestoreJob> = s
        .candidates
        .iter()
        .filter(|c| ours.iter().any(|o| c.id == *o))
        .cloned()
        .collect();
    assert!(w.services.track(&w.group, "Cluster1", our_batch).await.unwrap());
    w.cycle().await;
    let s = w.submit(&key);
    assert_eq!(s.state, SubmitState::Created, "{s:?}");
    assert_eq!(job_ids(&s.jobs), set(&ours));
    assert!(theirs.iter().all(|id| !w.journal_claims(id)));
    assert_eq!(w.creates(), 2);
}
