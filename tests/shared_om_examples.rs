//! The real Cloud Manager and Ops Manager payloads (`../shared/atlas/examples/omdocs.*` and
//! `cmdocs.*`, from MongoDB's docs), each read whole, in place, by the types the client reads
//! answers with, and the documented requests checked by `validate --flavor`. Built only with
//! `--features shared-fixtures`, which `.ci/run` turns on where `../shared` exists.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{
    ApiErrorBody, Checkpoint, Cluster, ClusterRole, Page, ProjectClusters, RestorableTimeRange, RestoreJob, Snapshot,
    StatusError, read_created,
};
use atlas_restore::jobs::present::download_target;
use serde_json::Value;
use std::path::PathBuf;
use std::process::Command;

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/atlas/examples")
}

fn text(name: &str) -> String {
    let path = dir().join(name);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run with ../shared beside the project", path.display()))
}

fn json(name: &str) -> Value {
    serde_json::from_str(&text(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read<T: serde::de::DeserializeOwned>(name: &str) -> T {
    serde_json::from_value(json(name)).unwrap_or_else(|e| panic!("{name} does not read: {e}"))
}

/// Every example of these products, by kind: none is left unread.
fn names(kind: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir())
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|n| (n.starts_with("omdocs.") || n.starts_with("cmdocs.")) && n.contains(kind))
        .collect();
    names.sort();
    assert!(!names.is_empty(), "no example of {kind}");
    names
}

#[test]
fn every_create_answer_reads_as_jobs_page_or_bare() {
    for name in names(".restore-job.create.response") {
        let created = read_created(json(&name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(created.jobs.len(), 1, "{name}");
        let job = &created.jobs[0];
        assert!(!job.id.is_empty() && job.status_name.is_some(), "{name}");
        // An automated restore is reported back as HTTP.
        let d = job.delivery.as_ref().unwrap();
        assert_eq!(d.method_name.as_deref(), Some("HTTP"), "{name}");
        let ts = job.timestamp.as_ref().unwrap();
        assert_eq!(ts.date_ms(), Some(1_537_026_780_000), "{name}: 2018-09-15T15:53:00Z");
        assert_eq!(ts.increment, Some(1));
        let bare = !json(&name).as_object().unwrap().contains_key("results");
        assert_eq!(
            created.shape_note.is_some(),
            bare || name.ends_with("v6-0.json"),
            "{name}"
        );
    }
    // Ops Manager 6.0: url and urlV2 beside `results`, authHeader and authBearer in the job.
    let v6 = read_created(json("omdocs.restore-job.create.response.v6-0.json")).unwrap();
    let d = v6.jobs[0].delivery.as_ref().unwrap();
    assert_eq!(d.url.as_deref(), Some("{DOWNLOAD-URL}"));
    assert_eq!(
        d.url_v2.as_deref(),
        Some("https://{OPSMANAGER-HOST}:{PORT}/backup/restore/v3/pull/{restoreJobId}/{filename}")
    );
    assert_eq!(d.auth_header.as_deref(), Some("Authorization"));
    assert_eq!(d.auth_bearer.as_ref().map(|b| b.expose()), Some("Bearer"));
    // The scheme without a token makes no header: the download falls back to `url`.
    assert!(d.auth_value.is_none());
    let target = download_target(&v6.jobs[0]).unwrap();
    assert_eq!((target.url.as_str(), target.header.is_none()), ("{DOWNLOAD-URL}", true));
    // Nothing secret is written down.
    assert!(!serde_json::to_string(&v6.jobs[0]).unwrap().contains("authBearer"));
}

#[test]
fn restore_job_lists_and_one_job_read_whole() {
    for name in names(".restore-jobs.list.response") {
        let page: Page<RestoreJob> = read(&name);
        assert_eq!(page.results.len(), 2, "{name}");
        assert_eq!(page.total_count, Some(2));
        for job in &page.results {
            let d = job.delivery.as_ref().unwrap();
            assert_eq!((d.max_downloads, d.expiration_hours), (Some(1), Some(1)), "{name}");
            assert!(d.url.as_deref().unwrap().contains("/backup/restore/v2/pull/"));
            assert!(d.url_v2.is_none() && d.auth_header.is_none(), "only url here");
            assert!(job.created.is_some() && d.expires.is_some());
            assert!(job.timestamp.as_ref().unwrap().date_ms().is_some());
            // The url is what a download uses, its secret in its path.
            assert!(download_target(job).unwrap().header.is_none());
        }
        // Cloud Manager's list has no pointInTime; Ops Manager's says false.
        let pit = page.results[0].point_in_time;
        assert_eq!(pit, name.starts_with("omdocs.").then_some(false), "{name}");
    }
    let one: RestoreJob = read("omdocs.restore-job.get.response.json");
    assert_eq!(
        one.delivery.as_ref().unwrap().status_name.as_ref().map(|s| s.as_api()),
        Some("EXPIRED")
    );
    assert!(one.delivery.as_ref().unwrap().status_name.as_ref().unwrap().is_gone());
}

#[test]
fn snapshots_read_with_their_created_objects_and_parts() {
    for name in names(".snapshot") {
        let snaps: Vec<Snapshot> = if name.contains(".list.") {
            let page: Page<Snapshot> = read(&name);
            // The docs elide further results as `{ }`; `totalCount` is the server's count.
            assert_eq!(page.total_count, Some(28), "{name}");
            page.results
        } else {
            vec![read(&name)]
        };
        let first = &snaps[0];
        let created = first.created.as_ref().unwrap();
        assert_eq!(created.date.as_deref(), Some("2016-08-21T23:47:38Z"), "{name}");
        assert_eq!(created.increment, Some(1));
        assert_eq!(first.complete, Some(true));
        assert_eq!(first.parts.len(), 1);
        let part = &first.parts[0];
        // Larger than 2^31: read as 64 bits.
        assert_eq!(part.file_size_bytes, Some(2_855_605_344), "{name}");
        assert_eq!(first.data_size_bytes(), Some(503_779_557));
        assert_eq!(part.replica_set_name.as_deref(), Some("proton"));
    }
}

#[test]
fn checkpoints_read_with_their_parts() {
    for name in names(".checkpoint") {
        let cps: Vec<Checkpoint> = if name.contains(".list.") {
            read::<Page<Checkpoint>>(&name).results
        } else {
            vec![read(&name)]
        };
        let cp = &cps[0];
        assert_eq!(cp.restorable, Some(true), "{name}");
        assert!(cp.timestamp.as_deref().unwrap().starts_with("2015-07-31T23:"));
        assert_eq!(cp.parts.len(), 3, "{name}");
        // Two shards, and a mirrored config server known by its host.
        let config = &cp.parts[2];
        assert_eq!(config.type_name.as_deref(), Some("CONFIG_SERVER"));
        assert!(config.host_id.is_some() && config.replica_set_name.is_none());
        assert!(cp.parts.iter().all(|p| p.token_discovered == Some(true)));
        assert!(cp.parts[0].token_timestamp.as_ref().unwrap().date_ms().is_some());
        assert_eq!(cp.parts[0].shard_name.as_deref(), Some("shard_1"));
    }
}

#[test]
fn cluster_lists_read_and_name_what_a_restore_names() {
    // Cloud Manager's project list: clusterName and typeName.
    let page: Page<Cluster> = read("cmdocs.clusters.list.response.json");
    let clusters: Vec<Cluster> = page.results.into_iter().map(Cluster::normalize).collect();
    let names: Vec<&str> = clusters.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["myRS", "cm-clstr-repl"]);
    assert!(clusters.iter().all(|c| c.cluster_type.as_deref() == Some("REPLICASET")));
    assert!(clusters.iter().all(|c| c.role() == ClusterRole::Whole));
    let picked = atlas_restore::atlas::pick_cluster(&clusters, "cm-clstr-repl", "5e84b94c003f2d6370004f4e").unwrap();
    assert_eq!(picked.id.as_deref(), Some("5e84e393395ec72bfc888f6c"));
    // Ops Manager's every-project list: clusterId and `type` in words.
    let all: Page<ProjectClusters> = read("omdocs.clusters.list-all-projects.response.json");
    assert_eq!(all.results.len(), 3);
    let az = &all.results[0];
    assert_eq!(az.group_name.as_deref(), Some("az"));
    let c = az.clusters[0].clone().normalize();
    assert_eq!(c.name, "Cluster1");
    assert_eq!(c.id.as_deref(), Some("5e6bc0352e41683c191c8956"));
    assert_eq!(c.cluster_type.as_deref(), Some("REPLICASET"));
}

#[test]
fn restorable_time_ranges_read_as_ranges() {
    for name in names(".restorable-time-ranges") {
        let ranges: Vec<RestorableTimeRange> = read(&name);
        assert_eq!(ranges.len(), 1);
        let r = ranges[0].to_range().unwrap();
        // 2021-07-14T00:00:00Z to 2021-07-17T19:00:00Z
        assert_eq!((r.start_ms, r.end_ms), (1_626_220_800_000, 1_626_548_400_000), "{name}");
        assert_eq!(r.snapshot_id.as_deref(), Some("{SNAPSHOT-ID}"));
    }
}

#[test]
fn the_error_body_reads_into_words() {
    let body = text("omdocs.error.response.json");
    let api: ApiErrorBody = serde_json::from_str(&body).unwrap();
    assert_eq!(api.error_code.as_deref(), Some("RESOURCE_NOT_FOUND"));
    let e = StatusError::from_response(404, None, "application/json", body.as_bytes());
    assert_eq!(e.code(), "RESOURCE_NOT_FOUND");
    assert!(
        e.describe().contains("/api/public/v1.0/softwareComponents/version"),
        "{}",
        e.describe()
    );
}

/// `validate --flavor FLAVOR --format json --now NOW` of `body`.
fn validate(flavor: &str, now: &str, body: &str) -> (Option<i32>, Value) {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_atlas-restore"))
        .args(["validate", "--format", "json", "--now", now, "--flavor", flavor, "-"])
        .env_remove("ATLAS_RESTORE_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), serde_json::from_slice(&out.stdout).unwrap())
}

#[test]
fn the_documented_requests_validate_for_their_product() {
    // 1536610288000 (the PIT example) is 2018-09-10T20:11:28Z: an hour later it is in the window.
    let now = "2018-09-10T21:11:28Z";
    for name in names(".restore-job.create.request") {
        let flavor = if name.starts_with("omdocs.") {
            "ops-manager"
        } else {
            "cloud-manager"
        };
        // As published, their placeholders are not ids: only those are refused.
        let raw = text(&name);
        let (code, doc) = validate(flavor, now, &raw);
        assert_eq!(code, Some(1), "{name}: {doc}");
        let errors: Vec<&str> = doc["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["severity"] == "error")
            .map(|f| f["code"].as_str().unwrap())
            .collect();
        assert!(
            !errors.is_empty() && errors.iter().all(|c| *c == "INVALID_ID"),
            "{name}: {doc}"
        );
        // With ids in place of the placeholders, each is valid for its product: their quoted
        // numbers read, the target by id.
        let filled = raw
            .replace("{SNAPSHOT-ID}", "5a6669d9fcc178211a0d86b9")
            .replace("{CHECKPOINT-ID}", "5a6669d9fcc178211a0d86c0")
            .replace("{TARGET-PROJECT-ID}", "5a66666887d9d61443b41645")
            .replace("{TARGET-CLUSTER-ID}", "5a66689487d9d61443b46149");
        let (code, doc) = validate(flavor, now, &filled);
        assert_eq!(code, Some(0), "{name}: {doc}");
        // Atlas reads the same bodies strictly: their quoted numbers are refused there.
        if name.contains(".http.") || name.contains(".automated-pit.") {
            let (code, doc) = validate("atlas", now, &filled);
            assert_eq!(code, Some(1), "{name} as Atlas: {doc}");
        }
    }
}
