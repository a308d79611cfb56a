//! Downloads that survive a cut, against the simulator in-process: a download cut halfway
//! resumes with `Range` and verifies (by itself, in the dashboard's way), a server without `Range` starts over and says so, a
//! cancel keeps the part, an archive whose gzip is cut short is reported and not trusted,
//! and the journal's notes (download, archive, when a job was seen to finish) feed
//! `jobs --format json` and the ETA.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;
use crate::support::wait;

use atlas_restore::atlas::{AtlasClient, ClientOptions, SnapshotFilter};
use atlas_restore::jobs::{
    Cancel, Checked, DownloadError, Eta, FetchError, Journal, PollerConfig, Services, SubmitOutcome, TrackedJob,
    Verdict,
};
use atlas_restore::sim::{Fault, Sim, SimConfig};
use serde_json::json;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

/// The simulator, a profile's services on it with a journal of their own, and a folder.
struct World {
    sim: Sim,
    services: Services,
    /// Removed when dropped (a failed test's too), after the journal.
    dir: tempfile::TempDir,
}

impl World {
    async fn new(name: &str, cfg: SimConfig) -> World {
        let sim = common::start_with(cfg).await;
        let dir = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-dl-{name}-"))
            .tempdir()
            .unwrap();
        let client = AtlasClient::new(&ClientOptions {
            request_timeout: Duration::from_secs(20),
            max_body_bytes: 8 << 20,
            ..common::options(&sim)
        })
        .unwrap();
        let journal = Journal::open(&dir.path().join("journal"), "t").unwrap();
        let services = Services::new(Arc::new(client), journal);
        World { sim, services, dir }
    }

    fn downloads(&self) -> PathBuf {
        self.dir.path().join("downloads")
    }

    /// Submits a restore of Cluster0's newest complete snapshot (or `cluster`'s) and waits
    /// for it to finish; its tracked jobs.
    async fn ready_jobs(&self, cluster: &str, delivery: serde_json::Value) -> Vec<TrackedJob> {
        let snaps = self
            .services
            .client
            .list_snapshots(self.sim.group_id(), cluster, SnapshotFilter::Completed)
            .await
            .unwrap();
        let body = json!({"snapshotId": snaps[0].id.as_str(), "delivery": delivery});
        let outcome = self
            .services
            .submit_body(self.sim.group_id(), cluster, &body, None, true)
            .await;
        assert!(matches!(outcome, SubmitOutcome::Created { .. }), "{outcome:?}");
        self.sim.advance(Duration::from_secs(75));
        let data = self.services.journal_data().await.unwrap();
        data.tracked()
            .into_iter()
            .filter(|t| t.cluster == cluster)
            .take(if cluster == "Cluster1" { 3 } else { 1 })
            .collect()
    }

    async fn ready_job(&self) -> TrackedJob {
        self.ready_jobs("Cluster0", json!({"methodName": "HTTP"}))
            .await
            .remove(0)
    }

    async fn download(&self, job: &TrackedJob) -> Result<Checked, DownloadError> {
        self.services
            .download_checked(job, &self.downloads(), &Cancel::new(), |_| {})
            .await
    }
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn part_of(checked_or_dest: &Path) -> PathBuf {
    atlas_restore::jobs::download::part_path(checked_or_dest)
}

#[tokio::test]
async fn a_download_cut_halfway_resumes_with_range_and_verifies() {
    let w = World::new("resume", SimConfig::default()).await;
    let job = w.ready_job().await;

    w.sim.set_fault(Some(Fault::CutDownload));
    let cut = w.download(&job).await.unwrap_err();
    let DownloadError::Fetch(FetchError::Cut { part, have, total, .. }) = &cut else {
        panic!("expected a cut, got {cut:?}");
    };
    let total = total.expect("the size is known from the start");
    assert!(*have > 0 && *have < total, "{have} of {total}");
    assert_eq!(
        std::fs::metadata(part).unwrap().len(),
        *have,
        "the part keeps what arrived"
    );
    assert_eq!(mode(part), 0o600);
    assert!(cut.to_string().contains("download again to resume"), "{cut}");
    let have = *have;

    // The link is back: the rest comes with Range, and the SHA1 covers the whole file.
    w.sim.set_fault(None);
    let mut seen = Vec::new();
    let checked = w
        .services
        .download_checked(&job, &w.downloads(), &Cancel::new(), |p| seen.push(p.clone()))
        .await
        .unwrap();
    assert_eq!(checked.verdict, Verdict::Verified, "{checked:?}");
    assert_eq!(checked.resumed_from, Some(have));
    assert_eq!(checked.restarted, None);
    assert_eq!(checked.bytes, total);
    assert!(checked.describe().contains("matches Atlas's") && checked.describe().contains("resumed at"));
    assert_eq!(mode(&checked.path), 0o600);
    assert!(!part_of(&checked.path).exists(), "the part became the file");
    // Progress started at the part's size and ended at the whole.
    assert_eq!(seen.first().map(|p| (p.done, p.resumed_from)), Some((have, have)));
    assert_eq!(seen.last().map(|p| (p.done, p.total)), Some((total, Some(total))));
    let counters = w.sim.counters();
    assert_eq!((counters.downloads, counters.ranged_downloads), (1, 1), "{counters:?}");

    // The archive was read: a mongod data directory of the replica set.
    let archive = checked.archive.as_ref().expect("a verified download's archive is read");
    assert!(archive.ok && archive.mongod_data, "{archive:?}");
    assert_eq!(archive.top_folder.as_deref(), Some("Cluster0-shard-0"));
    assert_eq!(archive.replica_set.as_deref(), Some("Cluster0-shard-0"));
    assert_eq!(archive.files, 6);
    assert!(
        archive.markers.contains(&"WiredTiger".to_string()) && archive.markers.contains(&"storage.bson".to_string())
    );

    // Noted in the journal, and `jobs --format json` carries it.
    let data = w.services.journal_data().await.unwrap();
    let notes = &data.notes[job.job.id.as_str()];
    assert_eq!(notes.download.as_ref().unwrap().verdict, "verified");
    assert_eq!(notes.archive.as_ref(), Some(archive));
    let listing = atlas_restore::commands::jobs::tracked(&w.services, None).await;
    let json: serde_json::Value = serde_json::from_str(&atlas_restore::commands::jobs::to_json(&listing.jobs)).unwrap();
    assert_eq!(json[0]["archive"]["ok"], true, "{json}");
    assert_eq!(json[0]["archive"]["mongodData"], true);
    assert_eq!(json[0]["archive"]["topFolder"], "Cluster0-shard-0");

    // Again: the file is there with Atlas's SHA1, so nothing is downloaded.
    let again = w.download(&job).await.unwrap();
    assert!(again.already_there && again.verdict == Verdict::Verified, "{again:?}");
    assert_eq!(w.sim.counters().downloads, 1);
}

#[tokio::test]
async fn the_dashboards_download_resumes_by_itself_after_a_cut_and_a_cancel_stops_the_wait() {
    let w = World::new("self-resume", SimConfig::default()).await;
    let job = w.ready_job().await;
    // Every download from the start is cut halfway; a resumption is not.
    w.sim.set_fault(Some(Fault::CutDownload));
    let mut cuts = Vec::new();
    let checked = w
        .services
        .download_resuming(
            &job,
            &w.downloads(),
            &Cancel::new(),
            |_| {},
            |cut, wait| {
                cuts.push((cut.cut_words(), wait));
            },
        )
        .await
        .unwrap();
    assert_eq!(checked.verdict, Verdict::Verified, "{checked:?}");
    assert!(checked.resumed_from.is_some(), "{checked:?}");
    assert_eq!(cuts.len(), 1, "{cuts:?}");
    let (words, wait) = &cuts[0];
    assert!(words.as_deref().unwrap().starts_with("cut after "), "{words:?}");
    assert_eq!(*wait, atlas_restore::jobs::verify::RESUME_WAITS[0]);
    assert_eq!(w.sim.counters().ranged_downloads, 1);

    // A second job, cancelled while it waits to resume: the part is kept, nothing retried.
    std::fs::remove_file(&checked.path).unwrap();
    let cancel = Cancel::new();
    let err = w
        .services
        .download_resuming(&job, &w.downloads(), &cancel, |_| {}, |_, _| cancel.cancel())
        .await
        .unwrap_err();
    let DownloadError::Fetch(FetchError::Cancelled { part, have, .. }) = &err else {
        panic!("expected a cancel, got {err:?}");
    };
    assert_eq!(std::fs::metadata(part).unwrap().len(), *have);
    assert_eq!(w.sim.counters().ranged_downloads, 1, "no resumption after the cancel");
}

#[tokio::test]
async fn a_server_without_range_starts_over_and_says_so() {
    let w = World::new("norange", SimConfig::default()).await;
    let job = w.ready_job().await;
    w.sim.set_fault(Some(Fault::CutDownload));
    assert!(matches!(
        w.download(&job).await,
        Err(DownloadError::Fetch(FetchError::Cut { .. }))
    ));

    w.sim.set_fault(Some(Fault::NoRange));
    let checked = w.download(&job).await.unwrap();
    assert_eq!(checked.verdict, Verdict::Verified, "{checked:?}");
    assert_eq!(checked.resumed_from, None);
    let why = checked.restarted.as_deref().expect("a restart is said");
    assert!(why.contains("does not resume downloads"), "{why}");
    assert!(checked.describe().contains("started again from the beginning"));
    let counters = w.sim.counters();
    assert_eq!((counters.downloads, counters.ranged_downloads), (2, 0), "{counters:?}");
}

#[tokio::test]
async fn a_cancel_keeps_the_part_untouched() {
    let w = World::new("cancel", SimConfig::default()).await;
    let job = w.ready_job().await;
    w.sim.set_fault(Some(Fault::CutDownload));
    let Err(DownloadError::Fetch(FetchError::Cut { part, have, .. })) = w.download(&job).await else {
        panic!("expected a cut");
    };
    // The next try waits on a slow Atlas; cancelled meanwhile, it leaves the part as it was.
    w.sim.set_fault(Some(Fault::Slow(Duration::from_secs(5))));
    let cancel = Cancel::new();
    let requests = w.sim.counters().requests;
    let downloads = w.downloads();
    let started = std::time::Instant::now();
    // Cancelled once the try has reached the server, which holds it.
    let (r, ()) = tokio::join!(w.services.download_checked(&job, &downloads, &cancel, |_| {}), async {
        wait::until_async("the try at the server", Duration::from_secs(10), async || {
            let now = w.sim.counters().requests;
            if now > requests { Ok(()) } else { Err("no request yet") }
        })
        .await;
        cancel.cancel();
    });
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "a cancel does not wait for the server"
    );
    match r {
        Err(DownloadError::Fetch(e @ FetchError::Cancelled { .. })) => {
            assert!(e.to_string().contains("download again to resume"), "{e}");
        }
        other => panic!("expected a cancel, got {other:?}"),
    }
    assert_eq!(std::fs::metadata(&part).unwrap().len(), have);
}

#[tokio::test]
async fn a_truncated_gzip_is_reported_and_not_trusted() {
    let w = World::new("truncated", SimConfig::default()).await;
    let job = w.ready_job().await;
    // The file served (and hashed by Atlas) is cut short: the SHA1 matches, the gzip breaks.
    w.sim.set_fault(Some(Fault::TruncatedArchive));
    let checked = w.download(&job).await.unwrap();
    assert_eq!(checked.verdict, Verdict::Verified);
    assert!(
        !checked.is_good(),
        "a broken archive is not good, whatever the SHA1 says"
    );
    let archive = checked.archive.as_ref().unwrap();
    assert!(!archive.ok);
    let broken = archive.broken.as_ref().unwrap();
    assert_eq!(broken.layer, "gzip stream", "{broken:?}");
    assert!(
        broken.compressed_offset > 0 && broken.compressed_offset <= checked.bytes,
        "{broken:?}"
    );
    assert!(broken.entry.is_some(), "{broken:?}");
    assert!(
        archive.describe().contains("do not restore from it"),
        "{}",
        archive.describe()
    );
    let data = w.services.journal_data().await.unwrap();
    assert_eq!(
        data.notes[job.job.id.as_str()].archive.as_ref().map(|a| a.ok),
        Some(false)
    );
    // Set aside as NAME.broken, never under its name, and said so.
    let dest = checked.set_aside_from.clone().expect("set aside");
    assert_eq!(checked.path, PathBuf::from(format!("{}.broken", dest.display())));
    assert!(checked.path.exists() && !dest.exists() && !part_of(&dest).exists());
    assert_eq!(mode(&checked.path), 0o600);
    assert!(
        checked
            .describe()
            .contains("its archive is BROKEN: set aside, not under its name"),
        "{}",
        checked.describe()
    );
    let notes = &data.notes[job.job.id.as_str()];
    assert_eq!(notes.file_state(), Some(atlas_restore::jobs::notes::FileState::Broken));
    let (words, _) = notes.download_words().unwrap();
    assert!(
        words.contains("BROKEN: kept as") && words.contains("d downloads it again"),
        "{words}"
    );

    // Downloaded again, it is fetched anew (not "there already"), and replaces the copy
    // set aside (the simulator listed the cut file's SHA1: it is as broken as before).
    let again = w.download(&job).await.unwrap();
    assert!(!again.already_there && !again.is_good(), "{again:?}");
    assert_eq!(again.path, checked.path);
    assert_eq!(w.sim.counters().downloads, 2);
    // A broken file left under its own name (as before this was judged first) is not
    // "there already": it is set aside and fetched again.
    std::fs::rename(&again.path, &dest).unwrap();
    let third = w.download(&job).await.unwrap();
    assert!(!third.already_there && !third.is_good(), "{third:?}");
    let earlier = third.earlier.as_deref().unwrap_or_default();
    assert!(
        earlier.contains("the copy there already had a broken archive: set aside"),
        "{third:?}"
    );
    assert!(!dest.exists() && third.path.exists());
    assert_eq!(w.sim.counters().downloads, 3);
    let data = w.services.journal_data().await.unwrap();
    assert_eq!(data.notes[job.job.id.as_str()].downloads_started, 3);
}

#[tokio::test]
async fn a_good_download_removes_the_broken_copy_an_earlier_one_left() {
    let w = World::new("replaces-broken", SimConfig::default()).await;
    let job = w.ready_job().await;
    let first = w.download(&job).await.unwrap();
    assert!(first.is_good(), "{first:?}");
    // As an earlier, broken download would have left it.
    let dest = first.path.clone();
    let broken = PathBuf::from(format!("{}.broken", dest.display()));
    std::fs::rename(&dest, &broken).unwrap();
    let good = w.download(&job).await.unwrap();
    assert!(good.is_good() && !good.already_there, "{good:?}");
    assert_eq!(good.path, dest);
    assert!(!broken.exists(), "the broken copy is gone");
    let said = good.describe();
    assert!(said.contains("was removed") && said.contains(".broken"), "{said}");
}

#[tokio::test]
async fn a_sha1_that_differs_is_moved_aside() {
    let w = World::new("mismatch", SimConfig::default()).await;
    let job = w.ready_job().await;
    // Atlas lists the hash of the first (whole) download; a later cut-short one differs.
    let first = w.download(&job).await.unwrap();
    assert!(first.is_good());
    std::fs::remove_file(&first.path).unwrap();
    w.sim.set_fault(Some(Fault::TruncatedArchive));
    let checked = w.download(&job).await.unwrap();
    assert_eq!(checked.verdict, Verdict::Mismatch, "{checked:?}");
    assert!(
        checked.path.to_string_lossy().ends_with(".sha1-mismatch"),
        "{}",
        checked.path.display()
    );
    assert!(checked.archive.is_none(), "an archive that is not Atlas's is not read");
    assert!(checked.describe().contains("DIFFERS"));
}

#[tokio::test]
async fn refusals_and_files_not_ready_are_said() {
    let w = World::new("refusals", SimConfig::default()).await;
    let snaps = w
        .services
        .client
        .list_snapshots(w.sim.group_id(), "Cluster0", SnapshotFilter::Completed)
        .await
        .unwrap();
    let body = json!({"snapshotId": snaps[0].id.as_str(), "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    w.services
        .submit_body(w.sim.group_id(), "Cluster0", &body, None, true)
        .await;
    let job = w.services.journal_data().await.unwrap().tracked().remove(0);
    match w.download(&job).await {
        Err(DownloadError::NotReady(why)) => assert!(why.contains("READY"), "{why}"),
        other => panic!("expected not ready, got {other:?}"),
    }
    w.sim.advance(Duration::from_secs(75));
    let first = w.download(&job).await.unwrap();
    assert!(first.is_good());
    std::fs::remove_file(&first.path).unwrap();
    match w.download(&job).await {
        Err(DownloadError::NoFile(why)) => assert!(why.contains("MAX_DOWNLOADS_EXCEEDED"), "{why}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn the_journal_notes_when_a_job_finished_and_the_next_one_gets_an_estimate() {
    let w = World::new("eta", SimConfig::default()).await;
    let g = w.sim.group_id().to_string();
    let snaps = w
        .services
        .client
        .list_snapshots(&g, "Cluster0", SnapshotFilter::Completed)
        .await
        .unwrap();
    let submit = |i: usize| json!({"snapshotId": snaps[i].id.as_str(), "delivery": {"methodName": "HTTP"}});
    let poller = w.services.poller(PollerConfig::new(Duration::from_secs(10)));

    w.services.submit_body(&g, "Cluster0", &submit(0), None, true).await;
    let first = w.services.journal_data().await.unwrap().tracked().remove(0);
    // Nothing finished yet: no estimate, only the elapsed time.
    let eta = w.services.eta(&g, "Cluster0", &first.job).await.unwrap();
    assert!(matches!(eta, Eta::NoEstimate { .. }), "{eta:?}");
    assert!(eta.describe("Cluster0").contains("no estimate yet"));
    poller.cycle().await.unwrap();
    w.sim.advance(Duration::from_secs(50));
    poller.cycle().await.unwrap();
    w.sim.advance(Duration::from_secs(15));
    poller.cycle().await.unwrap();
    let data = w.services.journal_data().await.unwrap();
    let notes = &data.notes[first.job.id.as_str()];
    let finished = notes.finished_ms.expect("seen running, then finished");
    let created =
        atlas_restore::restore::time_input::parse_rfc3339_lenient(first.job.created.as_deref().unwrap()).unwrap();
    let took = finished - created;
    assert!((50_000..=65_000).contains(&took), "took {took} ms");
    assert!(notes.finished_within_ms.unwrap() <= 9_000);

    // A restore of an older, smaller snapshot: scaled by size once the sizes are noted.
    w.services.submit_body(&g, "Cluster0", &submit(3), None, true).await;
    let second = w.services.journal_data().await.unwrap().tracked().remove(0);
    assert_ne!(second.job.id, first.job.id);
    assert_eq!(w.services.note_snapshot_sizes(&g, "Cluster0").await.unwrap(), 2);
    match w.services.eta(&g, "Cluster0", &second.job).await.unwrap() {
        eta @ Eta::Estimate {
            based_on: 1,
            scaled: true,
            expected_ms,
            ..
        } => {
            assert!(
                expected_ms < took,
                "a smaller snapshot is expected to take less: {eta:?}"
            );
            assert!(
                eta.describe("Cluster0")
                    .contains("from 1 finished restore of Cluster0, scaled by snapshot size")
            );
        }
        other => panic!("expected a scaled estimate from one restore, got {other:?}"),
    }
}
