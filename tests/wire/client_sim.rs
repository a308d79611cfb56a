//! The Atlas client against the simulator: every endpoint, the whole lifecycle, Digest round
//! trips, paging that covers the tracked jobs, and each fault mode's own error in words.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::wait;
use atlas_restore::atlas::{AtlasClient, AtlasError, BadBodyKind, ClientOptions, SnapshotFilter, TransportKind};
use atlas_restore::jobs::{Journal, PollEvent, Poller, PollerConfig, SubmitState};
use atlas_restore::restore::ApiVersion;
use atlas_restore::secret::SecretString;
use atlas_restore::sim::{Fault, Sim, SimConfig};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;

async fn sim() -> Sim {
    Sim::start("127.0.0.1:0".parse().unwrap(), SimConfig::default())
        .await
        .unwrap()
}

/// Options for `base_url` with the simulator's keys (or any, for a host that isn't one).
fn options(base_url: String, public: &str, private: &str, api: ApiVersion, timeout: Duration) -> ClientOptions {
    ClientOptions {
        flavor: Default::default(),
        base_url,
        api,
        public_key: public.to_string(),
        private_key: SecretString::new(private),
        request_timeout: timeout,
        connect_timeout: Duration::from_secs(2),
        ca_file: None,
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    }
}

fn client_for(sim: &Sim, api: ApiVersion, timeout: Duration) -> AtlasClient {
    AtlasClient::new(&options(
        sim.base_url(),
        sim.public_key(),
        sim.private_key(),
        api,
        timeout,
    ))
    .unwrap()
}

fn client(sim: &Sim) -> AtlasClient {
    client_for(sim, ApiVersion::V1, Duration::from_secs(10))
}

async fn complete_snapshot(c: &AtlasClient, sim: &Sim, cluster: &str) -> String {
    let snaps = c
        .list_snapshots(sim.group_id(), cluster, SnapshotFilter::Completed)
        .await
        .unwrap();
    assert!(snaps.iter().all(|s| s.complete == Some(true)));
    snaps[0].id.to_string()
}

fn http_body(snapshot: &str) -> serde_json::Value {
    json!({"snapshotId": snapshot, "delivery": {"methodName": "HTTP", "maxDownloads": 1}})
}

#[tokio::test]
async fn every_endpoint_and_the_whole_lifecycle() {
    let sim = sim().await;
    let c = client(&sim);
    let g = sim.group_id().to_string();

    let clusters = c.list_clusters(&g).await.unwrap();
    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["Cluster0", "Cluster1", "Staging0"]);
    assert_eq!(
        c.get_cluster(&g, "Cluster1").await.unwrap().cluster_type.as_deref(),
        Some("SHARDED")
    );
    let all = c.list_snapshots(&g, "Cluster0", SnapshotFilter::All).await.unwrap();
    assert!(
        all.iter().any(|s| s.complete == Some(false)),
        "an in-progress snapshot is listed with All"
    );
    let checkpoints = c.list_checkpoints(&g, "Cluster1").await.unwrap();
    assert!(
        checkpoints.iter().any(|c| c.restorable == Some(false))
            && checkpoints.iter().any(|c| c.restorable == Some(true))
    );

    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    let created = c
        .create_restore_job(&g, "Cluster0", &http_body(&snapshot))
        .await
        .unwrap();
    assert_eq!(created.jobs.len(), 1);
    let id = created.jobs[0].id.to_string();
    assert_eq!(
        created.jobs[0].status_name.as_ref().map(|s| s.as_api()),
        Some("IN_PROGRESS")
    );

    sim.advance(Duration::from_secs(61));
    let job = c.get_restore_job(&g, "Cluster0", &id).await.unwrap();
    let d = job.delivery.clone().unwrap();
    assert_eq!(
        (
            job.status_name.as_ref().map(|s| s.as_api()),
            d.status_name.as_ref().map(|s| s.as_api())
        ),
        (Some("FINISHED"), Some("READY"))
    );
    assert!(d.url_v2.is_some() && d.auth_header.is_some() && d.auth_value.is_some() && d.expires.is_some());
    assert!(job.hashes.is_none());

    // Download through urlV2 with its header; Atlas then lists the SHA1 of what was served.
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-client-sim-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let target = atlas_restore::jobs::present::download_target(&job).unwrap();
    let (name, value) = target.header.clone().unwrap();
    let mut calls = 0;
    let got = c
        .download(&target.url, Some((&name, &value)), &dir.join("f.tar.gz"), |_, _| {
            calls += 1;
        })
        .await
        .unwrap();
    assert!(got.bytes > 0 && calls > 1);
    let job = c.get_restore_job(&g, "Cluster0", &id).await.unwrap();
    assert_eq!(
        atlas_restore::jobs::present::listed_sha1(&job).as_deref(),
        Some(got.sha1.as_str())
    );
    // maxDownloads was 1: a second download is refused, in words.
    let again = c
        .download(&target.url, Some((&name, &value)), &dir.join("g.tar.gz"), |_, _| {})
        .await
        .unwrap_err();
    assert_eq!(again.status(), Some(410), "{again}");
    assert_eq!(
        c.get_restore_job(&g, "Cluster0", &id)
            .await
            .unwrap()
            .delivery
            .unwrap()
            .status_name
            .as_ref()
            .map(|s| s.as_api()),
        Some("MAX_DOWNLOADS_EXCEEDED")
    );
}

#[tokio::test]
async fn a_sharded_restore_is_one_batch_and_the_v2_api_works_too() {
    let sim = sim().await;
    let c = client_for(&sim, ApiVersion::V2, Duration::from_secs(10));
    let g = sim.group_id().to_string();
    let snapshot = complete_snapshot(&c, &sim, "Cluster1").await;
    let created = c
        .create_restore_job(&g, "Cluster1", &http_body(&snapshot))
        .await
        .unwrap();
    assert_eq!(created.jobs.len(), 3);
    let batch = created.jobs[0].batch_id.clone().unwrap();
    assert!(created.jobs.iter().all(|j| j.batch_id.as_deref() == Some(&batch)));
    let listed = c.list_restore_jobs(&g, "Cluster1", Some(&batch)).await.unwrap();
    assert_eq!(listed.len(), 3);
}

#[tokio::test]
async fn server_side_refusals_say_what_to_do() {
    let sim = sim().await;
    let c = client(&sim);
    let g = sim.group_id().to_string();
    let err = c
        .create_restore_job(&g, "Cluster0", &http_body("5f9a0c1e7b2d4a11ffffffff"))
        .await
        .unwrap_err();
    assert!(err.to_string().starts_with("404 SNAPSHOT_NOT_FOUND"), "{err}");
    assert!(err.to_string().contains("pick a snapshot"), "{err}");
    let conflict = json!({"snapshotId": "5f9a0c1e7b2d4a11ffffffff", "pointInTimeUTCMillis": sim.now_ms() - 60_000,
                          "delivery": {"methodName": "HTTP"}});
    let err = c.create_restore_job(&g, "Cluster0", &conflict).await.unwrap_err();
    assert!(err.to_string().starts_with("400 INVALID_ATTRIBUTE"), "{err}");
    let err = c.get_cluster(&g, "NoSuchCluster").await.unwrap_err();
    assert!(
        err.to_string().starts_with("404 CLUSTER_NAME_NOT_FOUND") && err.to_string().contains("check the cluster name"),
        "{err}"
    );
}

#[tokio::test]
async fn one_digest_challenge_then_one_round_trip_per_request() {
    let sim = sim().await;
    let c = client(&sim);
    let g = sim.group_id().to_string();
    for _ in 0..5 {
        c.list_clusters(&g).await.unwrap();
    }
    let n = sim.counters();
    assert_eq!((n.requests, n.challenges), (6, 1), "{n:?}");
}

#[tokio::test]
async fn the_poller_asks_for_the_pages_that_cover_the_tracked_jobs_not_each_job() {
    let sim = sim().await;
    let c = Arc::new(client(&sim));
    let g = sim.group_id().to_string();
    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    // 1,000 restore jobs on the cluster; the 20 newest are tracked.
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-poll-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let journal = Journal::open(&dir, "p").unwrap();
    for i in 0..1000 {
        let body = http_body(&snapshot);
        let created = c.create_restore_job(&g, "Cluster0", &body).await.unwrap();
        if i >= 980 {
            let key = journal.record_sending(&g, "Cluster0", &body, sim.now_ms()).unwrap();
            journal
                .record_outcome(&key, SubmitState::Created, created.jobs, None)
                .unwrap();
        }
    }
    let before = sim.counters();
    let poller = Poller::new(c.clone(), journal, PollerConfig::new(Duration::from_secs(10)));
    let (event, wait) = poller.cycle().await.unwrap();
    let after = sim.counters();
    match event {
        Some(PollEvent::Updated { jobs, requests, .. }) => {
            assert_eq!(jobs.len(), 20);
            assert_eq!(requests, 1, "the newest page of 500 covers all 20");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(after.restore_job_lists - before.restore_job_lists, 1);
    assert_eq!(after.restore_job_gets, before.restore_job_gets, "no per-job GET");
    assert_eq!(
        wait,
        Some(Duration::from_secs(10)),
        "jobs in progress: the normal interval"
    );
}

/// What a cycle's event says: the jobs it sends, and how many it names as unchanged.
fn news(event: Option<PollEvent>) -> (Vec<String>, usize) {
    match event {
        Some(PollEvent::Updated { jobs, unchanged, .. }) => (
            jobs.into_iter().map(|t| t.job.id.to_string()).collect(),
            unchanged.len(),
        ),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn the_poller_tells_the_screen_what_changed_and_everything_when_asked() {
    let sim = sim().await;
    let c = Arc::new(client(&sim));
    let g = sim.group_id().to_string();
    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-news-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let journal = Journal::open(&dir, "p").unwrap();
    let track = |created: Vec<atlas_restore::atlas::RestoreJob>, body: &serde_json::Value| {
        let key = journal.record_sending(&g, "Cluster0", body, sim.now_ms()).unwrap();
        journal
            .record_outcome(&key, SubmitState::Created, created, None)
            .unwrap();
    };
    let body = http_body(&snapshot);
    for _ in 0..3 {
        let created = c.create_restore_job(&g, "Cluster0", &body).await.unwrap();
        track(created.jobs, &body);
    }
    let poller = Poller::new(c.clone(), journal.clone(), PollerConfig::new(Duration::from_secs(10)));
    let (first, _) = news(poller.cycle().await.unwrap().0);
    assert_eq!(first.len(), 3, "the first event holds every job");
    // Nothing moved: nothing is sent again, every job is named as still there.
    assert_eq!(news(poller.cycle().await.unwrap().0), (vec![], 3));
    // A fourth job: it alone is sent.
    let created = c.create_restore_job(&g, "Cluster0", &body).await.unwrap();
    let fourth = created.jobs[0].id.to_string();
    track(created.jobs, &body);
    assert_eq!(news(poller.cycle().await.unwrap().0), (vec![fourth.clone()], 3));
    // An hour on, the jobs have finished: each one that changed is sent.
    sim.advance(Duration::from_secs(3600));
    let (moved, still) = news(poller.cycle().await.unwrap().0);
    assert_eq!(moved.len() + still, 4);
    assert!(!moved.is_empty(), "finished jobs are news");
    // The screen lost one: it asks, and hears of all four again.
    poller.handle().resend();
    let (all, none) = news(poller.cycle().await.unwrap().0);
    assert_eq!((all.len(), none), (4, 0));
    assert!(all.contains(&fourth));
}

// ---- each fault mode, its own error ----

async fn fault_error(fault: Fault, timeout: Duration) -> AtlasError {
    let sim = sim().await;
    let c = client_for(&sim, ApiVersion::V1, timeout);
    c.list_clusters(sim.group_id()).await.unwrap(); // a good nonce first
    sim.set_fault(Some(fault));
    c.list_clusters(sim.group_id()).await.unwrap_err()
}

#[tokio::test]
async fn each_fault_gives_its_own_error_in_words() {
    let e = fault_error(Fault::NotOnAccessList, Duration::from_secs(5)).await;
    assert!(
        e.to_string()
            .contains("this host's address 203.0.113.7 is not on the API access list"),
        "{e}"
    );

    let e = fault_error(
        Fault::RateLimited {
            retry_after_secs: Some(55),
        },
        Duration::from_secs(5),
    )
    .await;
    assert_eq!(e.retry_after(), Some(Duration::from_secs(55)));
    assert!(e.to_string().contains("wait 55 s"), "{e}");
    let e = fault_error(Fault::RateLimited { retry_after_secs: None }, Duration::from_secs(5)).await;
    assert!(e.to_string().starts_with("429") && e.retry_after().is_none(), "{e}");

    let e = fault_error(Fault::ServerError, Duration::from_secs(5)).await;
    assert!(
        e.to_string().starts_with("500 UNEXPECTED_ERROR") && e.to_string().contains("status.mongodb.com"),
        "{e}"
    );
    let e = fault_error(Fault::Unavailable, Duration::from_secs(5)).await;
    assert!(e.to_string().starts_with("503"), "{e}");

    let e = fault_error(Fault::Slow(Duration::from_secs(3)), Duration::from_millis(500)).await;
    assert!(
        matches!(
            e,
            AtlasError::Transport {
                kind: TransportKind::Timeout,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("request_timeout"), "{e}");

    let e = fault_error(Fault::DropConnection, Duration::from_secs(5)).await;
    assert!(matches!(e, AtlasError::Transport { .. }), "{e:?}");

    let e = fault_error(Fault::MalformedJson, Duration::from_secs(5)).await;
    assert!(
        matches!(
            e,
            AtlasError::BadBody {
                kind: BadBodyKind::Malformed,
                ..
            }
        ),
        "{e:?}"
    );

    let e = fault_error(Fault::HtmlPage, Duration::from_secs(5)).await;
    assert!(
        e.to_string().contains("text/html") && e.to_string().contains("proxy"),
        "{e}"
    );

    let e = fault_error(Fault::HugeBody(3 << 20), Duration::from_secs(5)).await;
    assert!(
        matches!(
            e,
            AtlasError::BadBody {
                kind: BadBodyKind::TooLarge,
                ..
            }
        ),
        "{e:?}"
    );
}

#[tokio::test]
async fn a_stale_nonce_is_recovered_from() {
    let sim = sim().await;
    let c = client(&sim);
    c.list_clusters(sim.group_id()).await.unwrap();
    sim.set_fault(Some(Fault::StaleNonce));
    c.list_clusters(sim.group_id()).await.unwrap();
    c.list_clusters(sim.group_id()).await.unwrap();
    assert!(sim.counters().stale_nonces >= 1);
}

#[tokio::test]
async fn a_post_whose_answer_is_lost_is_unknown_and_reconciled_not_resent() {
    let sim = sim().await;
    let c = Arc::new(client(&sim));
    let g = sim.group_id().to_string();
    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    let tmp = tempfile::Builder::new()
        .prefix("atlas-restore-unknown-")
        .tempdir()
        .unwrap();
    let dir = tmp.path().to_path_buf();
    let journal = Journal::open(&dir, "p").unwrap();
    let body = http_body(&snapshot);
    let key = journal.record_sending(&g, "Cluster0", &body, sim.now_ms()).unwrap();
    sim.set_fault(Some(Fault::DropConnection));
    let e = c.create_restore_job(&g, "Cluster0", &body).await.unwrap_err();
    assert!(matches!(e, AtlasError::OutcomeUnknown { .. }), "{e:?}");
    assert!(e.to_string().contains("before submitting again"), "{e}");
    assert_eq!(
        sim.counters().restore_job_creates,
        1,
        "sent once, never again by itself"
    );
    journal
        .record_outcome(&key, SubmitState::Unknown, vec![], Some(e.to_string()))
        .unwrap();
    sim.set_fault(None);

    let poller = Poller::new(c.clone(), journal.clone(), PollerConfig::new(Duration::from_secs(10)));
    poller.cycle().await.unwrap();
    let j = journal.load().unwrap();
    assert_eq!(j.submits[0].state, SubmitState::Created, "{:?}", j.submits[0]);
    assert_eq!(j.jobs().len(), 1);
    assert_eq!(sim.counters().restore_job_creates, 1);
}

#[tokio::test]
async fn enveloped_and_pretty_answers_are_read_the_same() {
    let sim = sim().await;
    let c = AtlasClient::new(&ClientOptions {
        envelope: true,
        pretty: true,
        ..options(
            sim.base_url(),
            sim.public_key(),
            sim.private_key(),
            ApiVersion::V1,
            Duration::from_secs(10),
        )
    })
    .unwrap();
    let g = sim.group_id().to_string();
    assert_eq!(c.list_clusters(&g).await.unwrap().len(), 3);
    assert_eq!(c.get_cluster(&g, "Cluster0").await.unwrap().name, "Cluster0");
    let snapshot = complete_snapshot(&c, &sim, "Cluster0").await;
    let created = c
        .create_restore_job(&g, "Cluster0", &http_body(&snapshot))
        .await
        .unwrap();
    assert_eq!(created.jobs.len(), 1);
    let job = c.get_restore_job(&g, "Cluster0", &created.jobs[0].id).await.unwrap();
    assert_eq!(job.id, created.jobs[0].id);
    let err = c.get_cluster(&g, "Nope").await.unwrap_err();
    assert!(err.to_string().contains("CLUSTER_NAME_NOT_FOUND"), "{err}");
}

#[tokio::test]
async fn a_name_that_does_not_resolve_is_said_in_plain_words() {
    let c = AtlasClient::new(&options(
        "https://atlas-restore-test.invalid".into(),
        "p",
        "s",
        ApiVersion::V1,
        Duration::from_secs(10),
    ))
    .unwrap();
    let e = c.list_clusters("5a66666887d9d61443b41645").await.unwrap_err();
    assert!(
        matches!(
            e,
            AtlasError::Transport {
                kind: TransportKind::Dns,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(
        e.to_string().starts_with("cannot resolve atlas-restore-test.invalid"),
        "{e}"
    );
}

/// Atlas's clock, from the `Date` of its answers: none before the first answer, about 0 for a
/// simulator on this host's clock, an hour once its clock is an hour ahead, and a fast clock
/// (the demo's) followed answer by answer.
#[tokio::test]
async fn the_client_reads_the_servers_clock_from_its_answers() {
    let sim = sim().await;
    let c = client(&sim);
    let g = sim.group_id().to_string();
    let clock = c.server_clock();
    assert_eq!(clock.offset_ms(), None, "no answer yet");

    c.list_clusters(&g).await.unwrap();
    let offset = clock.offset_ms().expect("an offset after an answer");
    assert!(offset.abs() <= 1_000, "the same clock: {offset}");

    sim.advance(Duration::from_secs(3600));
    c.get_cluster(&g, "Cluster0").await.unwrap();
    let offset = clock.offset_ms().unwrap();
    assert!((3_598_500..=3_601_000).contains(&offset), "an hour ahead: {offset}");
    let note = atlas_restore::atlas::describe_skew(Some(offset)).unwrap();
    assert!(note == "server clock +59m" || note == "server clock +1h00m", "{note}");
    // An error answer of Atlas's own (JSON) tells the time too.
    sim.advance(Duration::from_secs(3600));
    c.get_cluster(&g, "Nope").await.unwrap_err();
    let offset = clock.offset_ms().unwrap();
    assert!((7_198_500..=7_201_000).contains(&offset), "{offset}");

    // A clock sixty times as fast: 1 s here is a minute there, and each answer says so.
    let fast = Sim::start(
        "127.0.0.1:0".parse().unwrap(),
        SimConfig {
            speed: 60.0,
            ..SimConfig::default()
        },
    )
    .await
    .unwrap();
    let c = client(&fast);
    let clock = c.server_clock();
    let local = atlas_restore::restore::Context::system_now_ms;
    // An answer, and the true offset right after it: the simulator's clock minus ours.
    let answer = async || {
        let asked = std::time::Instant::now();
        c.list_clusters(fast.group_id()).await.unwrap();
        let took = asked.elapsed().as_millis() as i64;
        (clock.offset_ms().unwrap(), fast.now_ms() - local(), took)
    };
    let (first, true_first, took_first) = answer().await;
    // A minute on the simulator's clock (a second on ours), waited for on that clock itself.
    let since = fast.now_ms();
    wait::until_async(
        "a minute on the simulator's clock",
        Duration::from_secs(10),
        async || {
            let ran = fast.now_ms() - since;
            if ran >= 60_000 {
                Ok(())
            } else {
                Err(format!("{ran} ms"))
            }
        },
    )
    .await;
    let (second, true_second, took_second) = answer().await;
    // The estimate followed the clock: it grew by what the clock ran ahead of ours, give or
    // take what one estimate cannot know (the Date's whole second, and 60 times the time an
    // answer takes, as the server's clock runs meanwhile).
    let grew = true_second - true_first;
    assert!(
        grew >= 55_000,
        "the simulator's clock ran {grew} ms ahead in a minute of it"
    );
    let slack = 2_500 + 61 * (took_first + took_second);
    assert!(
        (second - first - grew).abs() <= slack,
        "estimated {first} then {second} (grew {}), the clock grew {grew} (slack {slack})",
        second - first
    );
    // "Now" on the server's clock, right after an answer, is the simulator's now.
    let local = atlas_restore::restore::Context::system_now_ms();
    let server_now = clock.now_ms(local);
    let sim_now = fast.now_ms();
    assert!(
        (sim_now - 5_000..=sim_now).contains(&server_now),
        "estimated {server_now}, the simulator says {sim_now}"
    );
}
