//! Restore jobs in the simulator as a client sees them: created, progressing on the
//! simulated clock (advanced, never slept), downloadable with hashes, limited, expiring;
//! sharded batches, pages, the server's own validation in Atlas's error shape, both API
//! versions, envelope and pretty.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;

use atlas_restore::restore::time_input::format_utc_ms;
use atlas_restore::restore::{ApiVersion, ClusterType, Context, RestoreDraft, validate};
use atlas_restore::sim::Sim;
use common::{Answer, Client, client, complete_snapshot, start, v1, v2};
use diqwest::WithDigestAuth;
use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};
use std::collections::BTreeSet;
use std::time::Duration;

const MINUTE: Duration = Duration::from_secs(60);
const HOUR: Duration = Duration::from_secs(3600);

async fn post_jobs(c: &Client, sim: &Sim, cluster: &str, body: Value) -> Answer {
    c.post(&v1(sim, &format!("clusters/{cluster}/restoreJobs")), &body)
        .await
}

async fn get_job(c: &Client, sim: &Sim, cluster: &str, id: &str) -> Value {
    let a = c.get(&v1(sim, &format!("clusters/{cluster}/restoreJobs/{id}"))).await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json
}

async fn http_job(c: &Client, sim: &Sim, delivery: Value) -> Value {
    let snap = complete_snapshot(c, sim, "Cluster0").await;
    let a = post_jobs(c, sim, "Cluster0", json!({"snapshotId": snap, "delivery": delivery})).await;
    assert_eq!(a.status, 200, "{}", a.text);
    a.json["results"][0].clone()
}

fn id(job: &Value) -> String {
    job["id"].as_str().unwrap().to_string()
}

async fn download(url: &str, header: Option<(&str, &str)>) -> (u16, Option<String>, Vec<u8>) {
    let mut req = common::http().get(url);
    if let Some((name, value)) = header {
        req = req.header(name, value);
    }
    let resp = req.send().await.unwrap();
    let status = resp.status().as_u16();
    let ctype = resp
        .headers()
        .get("content-type")
        .map(|v| v.to_str().unwrap().to_string());
    (status, ctype, resp.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_http_restore_becomes_ready_and_its_downloads_produce_the_hash() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    let created = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}}),
    )
    .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.json["totalCount"], 1);
    assert_eq!(created.json["links"][0]["rel"], "self");
    let job = &created.json["results"][0];
    assert_eq!(job["statusName"], "IN_PROGRESS");
    assert_eq!(job["delivery"]["statusName"], "NOT_STARTED");
    assert_eq!(job["delivery"]["methodName"], "HTTP");
    assert_eq!(job["delivery"]["maxDownloads"], 2147483647);
    assert_eq!(job["delivery"]["expirationHours"], 48);
    assert_eq!(job["snapshotId"], json!(snap));
    assert_eq!(job["pointInTime"], false);
    assert_eq!(job["encryptionEnabled"], false);
    assert_eq!(job["clusterName"], "Cluster0");
    assert!(job.get("batchId").is_none(), "a replica set has no batch");
    assert!(job["delivery"].get("url").is_none());
    assert!(job.get("hashes").is_none());
    let job_id = id(job);

    sim.advance(Duration::from_secs(25));
    let job = get_job(&c, &sim, "Cluster0", &job_id).await;
    assert_eq!(job["delivery"]["statusName"], "IN_PROGRESS");
    assert_eq!(job["statusName"], "IN_PROGRESS");

    sim.advance(Duration::from_secs(40));
    let job = get_job(&c, &sim, "Cluster0", &job_id).await;
    assert_eq!(job["statusName"], "FINISHED");
    let d = &job["delivery"];
    assert_eq!(d["statusName"], "READY");
    assert_eq!(d["authHeader"], "x-mongodb-restore-auth");
    let (url, url_v2) = (d["url"].as_str().unwrap(), d["urlV2"].as_str().unwrap());
    let auth_value = d["authValue"].as_str().unwrap();
    assert!(url.starts_with(&sim.base_url()) && url.ends_with(".tar.gz"), "{url}");
    assert!(!url_v2.contains(auth_value));
    // Expires 48 hours after the job finished, a minute after it was made.
    let created_ms =
        atlas_restore::restore::time_input::parse_rfc3339_lenient(job["created"].as_str().unwrap()).unwrap();
    assert_eq!(d["expires"], json!(format_utc_ms(created_ms + 60_000 + 48 * 3_600_000)));

    let (status, ctype, bytes) = download(url, None).await;
    assert_eq!(status, 200);
    assert_eq!(ctype.as_deref(), Some("application/gzip"));
    assert!((200_000..600_000).contains(&bytes.len()), "{}", bytes.len());
    let job = get_job(&c, &sim, "Cluster0", &job_id).await;
    let hash = &job["hashes"][0];
    assert_eq!(hash["typeName"], "SHA1");
    assert_eq!(hash["hash"], json!(hex::encode(Sha1::digest(&bytes))));
    assert_eq!(hash["fileName"], json!(url.rsplit('/').next().unwrap()));

    // urlV2 serves the same file, with the header only.
    let (status, _, again) = download(url_v2, Some(("x-mongodb-restore-auth", auth_value))).await;
    assert_eq!(status, 200);
    assert_eq!(again, bytes);
    assert_eq!(download(url_v2, None).await.0, 401);
    assert_eq!(download(url_v2, Some(("x-mongodb-restore-auth", "guess"))).await.0, 403);
    assert_eq!(sim.counters().downloads, 2);

    // It is a real tar.gz.
    let mut tar = std::process::Command::new("tar")
        .args(["-tzf", "-"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("tar is installed");
    std::io::Write::write_all(&mut tar.stdin.take().unwrap(), &bytes).unwrap();
    let listing = tar.wait_with_output().unwrap();
    assert!(listing.status.success());
    let names = String::from_utf8(listing.stdout).unwrap();
    assert!(names.contains("Cluster0-shard-0/restoreInfo.txt"), "{names}");
    sim.shutdown().await;
}

#[tokio::test]
async fn max_downloads_then_refused_and_expiry() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let once = http_job(&c, &sim, json!({"methodName": "HTTP", "maxDownloads": 1})).await;
    let short = http_job(&c, &sim, json!({"methodName": "HTTP", "expirationHours": 2})).await;
    sim.advance(MINUTE + Duration::from_secs(1));

    let job = get_job(&c, &sim, "Cluster0", &id(&once)).await;
    let url = job["delivery"]["url"].as_str().unwrap().to_string();
    // A HEAD tells the size without using up the one download.
    let head = common::http().head(&url).send().await.unwrap();
    assert_eq!(head.status().as_u16(), 200);
    let size: usize = head.headers()["content-length"].to_str().unwrap().parse().unwrap();
    let (status, _, bytes) = download(&url, None).await;
    assert_eq!((status, bytes.len()), (200, size));
    let (status, ctype, body) = download(&url, None).await;
    assert_eq!(status, 410);
    assert_eq!(ctype.as_deref(), Some("application/json"));
    let err: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(err["errorCode"], "MAX_DOWNLOADS_EXCEEDED");
    let job = get_job(&c, &sim, "Cluster0", &id(&once)).await;
    assert_eq!(job["delivery"]["statusName"], "MAX_DOWNLOADS_EXCEEDED");

    let job = get_job(&c, &sim, "Cluster0", &id(&short)).await;
    assert_eq!(job["delivery"]["statusName"], "READY");
    let url = job["delivery"]["url"].as_str().unwrap().to_string();
    sim.advance(2 * HOUR);
    let job = get_job(&c, &sim, "Cluster0", &id(&short)).await;
    assert_eq!(job["delivery"]["statusName"], "EXPIRED");
    assert_eq!(job["statusName"], "FINISHED");
    let (status, _, body) = download(&url, None).await;
    assert_eq!(status, 410);
    assert_eq!(serde_json::from_slice::<Value>(&body).unwrap()["errorCode"], "EXPIRED");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_sharded_restore_is_a_batch_of_one_job_per_shard_and_the_config_server() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snap = complete_snapshot(&c, &sim, "Cluster1").await;
    let body = json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}});
    let first = post_jobs(&c, &sim, "Cluster1", body.clone()).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let jobs = first.json["results"].as_array().unwrap().clone();
    assert_eq!(jobs.len(), 3);
    assert_eq!(first.json["totalCount"], 3);
    let batch = jobs[0]["batchId"].as_str().unwrap().to_string();
    assert!(jobs.iter().all(|j| j["batchId"] == json!(batch)));
    let second = post_jobs(&c, &sim, "Cluster1", body).await;
    assert_ne!(second.json["results"][0]["batchId"], json!(batch));

    let listed = c
        .get(&v1(&sim, &format!("clusters/Cluster1/restoreJobs?batchId={batch}")))
        .await;
    assert_eq!(listed.status, 200, "{}", listed.text);
    assert_eq!(listed.json["totalCount"], 3);
    let ids = |page: &[Value]| page.iter().map(id).collect::<BTreeSet<_>>();
    assert_eq!(ids(listed.json["results"].as_array().unwrap()), ids(&jobs));

    // The parts finish one after the other; then each has its own file.
    sim.advance(MINUTE + Duration::from_secs(1));
    let states: Vec<String> = statuses(&c, &sim, &jobs).await;
    assert_eq!(states.iter().filter(|s| *s == "FINISHED").count(), 1, "{states:?}");
    sim.advance(Duration::from_secs(10));
    let listed = c
        .get(&v1(&sim, &format!("clusters/Cluster1/restoreJobs?batchId={batch}")))
        .await;
    let files: BTreeSet<String> = listed.json["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| {
            assert_eq!(j["statusName"], "FINISHED");
            let url = j["delivery"]["url"].as_str().unwrap();
            url.rsplit('/').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(files.len(), 3);
    assert_eq!(
        files
            .iter()
            .filter(|f| f.starts_with("config-Cluster1-config-0-"))
            .count(),
        1
    );
    assert_eq!(files.iter().filter(|f| f.starts_with("Cluster1-shard-")).count(), 2);

    let bad = c.get(&v1(&sim, "clusters/Cluster1/restoreJobs?batchId=xyz")).await;
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json["errorCode"], "INVALID_QUERY_PARAMETER");
    sim.shutdown().await;
}

async fn statuses(c: &Client, sim: &Sim, jobs: &[Value]) -> Vec<String> {
    let mut out = Vec::new();
    for j in jobs {
        let job = get_job(c, sim, "Cluster1", &id(j)).await;
        out.push(job["statusName"].as_str().unwrap().to_string());
    }
    out
}

#[tokio::test]
async fn pages_follow_next_links_to_the_end() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let mut made = BTreeSet::new();
    for _ in 0..7 {
        made.insert(id(&http_job(&c, &sim, json!({"methodName": "HTTP"})).await));
    }
    let mut seen = Vec::new();
    let mut next = Some(v1(&sim, "clusters/Cluster0/restoreJobs?itemsPerPage=3"));
    let mut pages = Vec::new();
    while let Some(url) = next.take() {
        let page = c.get(&url).await;
        assert_eq!(page.status, 200, "{}", page.text);
        assert_eq!(page.json["totalCount"], 7);
        let links = page.json["links"].as_array().unwrap();
        let link = |rel: &str| {
            links
                .iter()
                .find(|l| l["rel"] == rel)
                .map(|l| l["href"].as_str().unwrap().to_string())
        };
        assert!(link("self").unwrap().contains(&format!("pageNum={}", pages.len() + 1)));
        assert_eq!(link("previous").is_some(), !pages.is_empty());
        let results = page.json["results"].as_array().unwrap();
        pages.push(results.len());
        seen.extend(results.iter().map(id));
        next = link("next");
    }
    assert_eq!(pages, [3, 3, 1]);
    assert_eq!(seen.iter().cloned().collect::<BTreeSet<_>>(), made);
    // Newest first.
    let mut sorted = seen.clone();
    sorted.sort_by(|a, b| b.cmp(a));
    assert_eq!(seen, sorted);

    let too_many = c.get(&v1(&sim, "clusters/Cluster0/restoreJobs?itemsPerPage=501")).await;
    assert_eq!(too_many.status, 400);
    assert_eq!(too_many.json["errorCode"], "INVALID_QUERY_PARAMETER");
    let uncounted = c
        .get(&v1(&sim, "clusters/Cluster0/restoreJobs?includeCount=false"))
        .await;
    assert!(uncounted.json.get("totalCount").is_none());
    assert_eq!(uncounted.json["results"].as_array().unwrap().len(), 7);
    let beyond = c
        .get(&v1(&sim, "clusters/Cluster0/restoreJobs?itemsPerPage=3&pageNum=9"))
        .await;
    assert_eq!(beyond.json["results"], json!([]));
    assert_eq!(sim.counters().restore_job_lists, 6);
    sim.shutdown().await;
}

#[tokio::test]
async fn the_server_refuses_by_its_own_rules_in_atlas_shape() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    let body = json!({
        "snapshotId": snap,
        "pointInTimeUTCMillis": sim.now_ms() - 3_600_000,
        "delivery": {"methodName": "HTTP"}
    });
    let a = post_jobs(&c, &sim, "Cluster0", body.clone()).await;
    assert_eq!(a.status, 400);
    assert_eq!(a.json["errorCode"], "INVALID_ATTRIBUTE");
    assert_eq!(a.json["reason"], "Bad Request");
    assert_eq!(a.json["parameters"], json!(["pointInTimeUTCMillis"]));
    let detail = a.json["detail"].as_str().unwrap();
    assert!(
        detail.starts_with("Invalid attribute pointInTimeUTCMillis specified: ")
            && detail.contains("two restore points"),
        "{detail}"
    );
    // Both rules it breaks: two restore points, and a moment with a download.
    let fields: Vec<&str> = a.json["badRequestDetail"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(fields, ["pointInTimeUTCMillis", "pointInTimeUTCMillis"]);
    // The client's engine, a mind of its own, flags the same body before it is sent.
    let ctx = Context {
        now_ms: sim.now_ms(),
        api: ApiVersion::V1,
        source_cluster_type: Some(ClusterType::ReplicaSet),
        ..Context::default()
    };
    let flagged: Vec<_> = validate(&RestoreDraft::from_json(&body), &ctx)
        .into_iter()
        .filter(|f| f.is_error())
        .collect();
    assert!(flagged.len() >= 2, "{flagged:?}");

    let missing = post_jobs(&c, &sim, "Cluster0", json!({"snapshotId": snap})).await;
    assert_eq!(missing.status, 400);
    assert_eq!(missing.json["errorCode"], "MISSING_ATTRIBUTE");
    assert!(missing.json["detail"].as_str().unwrap().contains("delivery.methodName"));

    let malformed = common::answer(
        c.http
            .post(c.url(&v1(&sim, "clusters/Cluster0/restoreJobs")))
            .header("content-type", "application/json")
            .body("{\"snapshotId\": ")
            .send_digest_auth(&c.session)
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(malformed.status, 400);
    assert_eq!(malformed.json["errorCode"], "INVALID_JSON");
    assert_eq!(sim.counters().restore_job_creates, 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn unknown_things_are_404_with_atlas_codes() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let g = sim.group_id();
    let cases = [
        (
            "/api/atlas/v1.0/groups/5f8e2a1c9d4b7e0012c3a4ff/clusters".to_string(),
            "GROUP_NOT_FOUND",
        ),
        (
            "/api/atlas/v1.0/groups/not-a-group/clusters".to_string(),
            "INVALID_GROUP_ID",
        ),
        (v1(&sim, "clusters/Nope"), "CLUSTER_NAME_NOT_FOUND"),
        (
            v1(&sim, "clusters/Cluster0/snapshots/5a6669d9fcc178211a0d86b9"),
            "SNAPSHOT_NOT_FOUND",
        ),
        (
            v1(&sim, "clusters/Cluster1/backupCheckpoints/5a6669d9fcc178211a0d86b9"),
            "CHECKPOINT_NOT_FOUND",
        ),
        (
            v1(&sim, "clusters/Cluster0/restoreJobs/5a6669d9fcc178211a0d86b9"),
            "RESTORE_JOB_NOT_FOUND",
        ),
        (format!("/api/atlas/v1.0/groups/{g}/nothing"), "RESOURCE_NOT_FOUND"),
    ];
    for (path, code) in cases {
        let a = c.get(&path).await;
        assert_eq!(a.status, 404, "{path}: {}", a.text);
        assert_eq!(a.json["errorCode"], code, "{path}");
        assert_eq!(a.json["error"], 404);
        assert!(a.json["parameters"].is_array());
    }
    let a = c
        .get(&v1(&sim, "clusters/Cluster0/snapshots/5a6669d9fcc178211a0d86b9"))
        .await;
    assert_eq!(
        a.json["detail"],
        "No snapshot with ID 5a6669d9fcc178211a0d86b9 exists for cluster Cluster0."
    );

    // POST with an unknown snapshot, and with one still being taken.
    let unknown = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}}),
    )
    .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json["errorCode"], "SNAPSHOT_NOT_FOUND");
    let taking = c.get(&v1(&sim, "clusters/Cluster0/snapshots?completed=false")).await;
    let taking = taking.json["results"][0]["id"].as_str().unwrap().to_string();
    let a = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": taking, "delivery": {"methodName": "HTTP"}}),
    )
    .await;
    assert_eq!(a.status, 404);
    assert_eq!(a.json["errorCode"], "SNAPSHOT_NOT_FOUND");
    assert!(a.json["detail"].as_str().unwrap().contains("still being taken"));
    sim.shutdown().await;
}

#[tokio::test]
async fn snapshots_and_checkpoints_are_listed_as_legacy_backup_keeps_them() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let count = |a: &Answer| a.json["results"].as_array().unwrap().len();
    let complete = c.get(&v1(&sim, "clusters/Cluster0/snapshots")).await;
    assert_eq!(count(&complete), 7);
    assert!(
        complete.json["results"]
            .as_array()
            .unwrap()
            .iter()
            .all(|s| s["complete"] == true && s["created"]["increment"] == 1)
    );
    let all = c.get(&v1(&sim, "clusters/Cluster0/snapshots?completed=all")).await;
    assert_eq!(count(&all), 8);
    let first = &all.json["results"][0];
    assert_eq!(first["complete"], false);
    assert!(first["created"]["date"].is_string());
    let sharded = c.get(&v1(&sim, "clusters/Cluster1/snapshots")).await;
    assert_eq!(sharded.json["results"][0]["parts"].as_array().unwrap().len(), 3);
    let staging = c.get(&v1(&sim, "clusters/Staging0/snapshots")).await;
    assert_eq!(staging.json["totalCount"], 0);

    // The one being taken completes within half an hour.
    sim.advance(20 * MINUTE);
    let complete = c.get(&v1(&sim, "clusters/Cluster0/snapshots")).await;
    assert_eq!(count(&complete), 8);
    let one = c
        .get(&v1(
            &sim,
            &format!("clusters/Cluster0/snapshots/{}", first["id"].as_str().unwrap()),
        ))
        .await;
    assert_eq!(one.json["complete"], true);

    let cps = c.get(&v1(&sim, "clusters/Cluster1/backupCheckpoints")).await;
    let list = cps.json["results"].as_array().unwrap();
    assert_eq!(list.len(), 4);
    assert_eq!(list.iter().filter(|c| c["restorable"] == false).count(), 1);
    let one = c
        .get(&v1(
            &sim,
            &format!(
                "clusters/Cluster1/backupCheckpoints/{}",
                list[0]["id"].as_str().unwrap()
            ),
        ))
        .await;
    assert_eq!(one.json["parts"].as_array().unwrap().len(), 3);
    let rs = c.get(&v1(&sim, "clusters/Cluster0/backupCheckpoints")).await;
    assert_eq!(rs.json["totalCount"], 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn v2_takes_iso_oplog_times_and_an_automated_restore_marks_its_target() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let g = sim.group_id().to_string();
    let at = format_utc_ms((sim.now_ms() - 3_600_000) / 1000 * 1000);
    let body = json!({
        "oplogTs": at,
        "oplogInc": 3,
        "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Staging0"}
    });
    let a = c.post(&v2(&sim, "clusters/Cluster0/restoreJobs"), &body).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_eq!(a.header("content-type"), Some("application/vnd.atlas.2023-01-01+json"));
    let job = a.json["results"][0].clone();
    assert_eq!(job["pointInTime"], true);
    assert_eq!(job["timestamp"], json!({"date": at, "increment": 3}));
    assert_eq!(job["delivery"]["methodName"], "HTTP");
    assert!(job["links"][0]["href"].as_str().unwrap().contains("/api/atlas/v2/"));

    // The same body on v1.0 is refused: there oplogTs is a string of epoch seconds.
    let on_v1 = c.post(&v1(&sim, "clusters/Cluster0/restoreJobs"), &body).await;
    assert_eq!(on_v1.status, 400);
    assert_eq!(on_v1.json["errorCode"], "INVALID_ATTRIBUTE");
    assert!(on_v1.json["detail"].as_str().unwrap().contains("oplogTs"));
    assert_eq!(on_v1.header("content-type"), Some("application/json"));

    // While it runs the target is busy and a second restore into it is refused.
    let staging = c.get(&v1(&sim, "clusters/Staging0")).await;
    assert_eq!(staging.json["stateName"], "UPDATING");
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    let again = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": snap, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Staging0"}}),
    )
    .await;
    assert_eq!(again.status, 400);
    assert_eq!(again.json["errorCode"], "CLUSTER_RESTORE_IN_PROGRESS_CANNOT_UPDATE");

    sim.advance(MINUTE + Duration::from_secs(1));
    let done = c
        .get(&v2(&sim, &format!("clusters/Cluster0/restoreJobs/{}", id(&job))))
        .await;
    assert_eq!(done.json["statusName"], "FINISHED");
    assert_eq!(done.json["delivery"]["statusName"], "READY");
    assert!(done.json["delivery"].get("url").is_none());
    let staging = c.get(&v1(&sim, "clusters/Staging0")).await;
    assert_eq!(staging.json["stateName"], "IDLE");
    assert_eq!(staging.json["lastRestore"]["restoreJobId"], json!(id(&job)));
    assert_eq!(staging.json["lastRestore"]["sourceClusterName"], "Cluster0");

    // Into itself is allowed (the engine only warns); into a cluster of another topology is not.
    let itself = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": snap, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Cluster0"}}),
    )
    .await;
    assert_eq!(itself.status, 200, "{}", itself.text);
    let sharded_snap = complete_snapshot(&c, &sim, "Cluster1").await;
    let mismatch = post_jobs(
        &c,
        &sim,
        "Cluster1",
        json!({"snapshotId": sharded_snap, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Staging0"}}),
    )
    .await;
    assert_eq!(mismatch.status, 400);
    assert_eq!(mismatch.json["errorCode"], "INVALID_ATTRIBUTE");
    let nowhere = post_jobs(
        &c,
        &sim,
        "Cluster0",
        json!({"snapshotId": snap, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterId": "5a6669d9fcc178211a0d86b9"}}),
    )
    .await;
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.json["errorCode"], "CLUSTER_NOT_FOUND");
    sim.shutdown().await;
}

#[tokio::test]
async fn checkpoint_restores_need_a_restorable_checkpoint() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let g = sim.group_id().to_string();
    let cps = c.get(&v1(&sim, "clusters/Cluster1/backupCheckpoints")).await;
    let list = cps.json["results"].as_array().unwrap();
    let pick = |restorable: bool| {
        list.iter()
            .find(|c| c["restorable"] == restorable)
            .map(|c| c["id"].as_str().unwrap().to_string())
            .unwrap()
    };
    let body = |cp: String| json!({"checkpointId": cp, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": g, "targetClusterName": "Cluster1"}});
    let broken = post_jobs(&c, &sim, "Cluster1", body(pick(false))).await;
    assert_eq!(broken.status, 400);
    assert!(broken.json["detail"].as_str().unwrap().contains("not restorable"));
    let ok = post_jobs(&c, &sim, "Cluster1", body(pick(true))).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json["totalCount"], 3);
    sim.shutdown().await;
}

#[tokio::test]
async fn envelope_and_pretty_shape_the_answer() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let one = c.get(&v1(&sim, "clusters/Cluster0?envelope=true")).await;
    assert_eq!(one.json["status"], 200);
    assert_eq!(one.json["content"]["name"], "Cluster0");
    let page = c.get(&v1(&sim, "clusters?envelope=true")).await;
    assert_eq!(page.json["status"], 200);
    assert_eq!(page.json["totalCount"], 3);
    let err = c.get(&v1(&sim, "clusters/Nope?envelope=true")).await;
    assert_eq!(err.status, 404);
    assert_eq!(err.json["status"], 404);
    assert_eq!(err.json["content"]["errorCode"], "CLUSTER_NAME_NOT_FOUND");

    let pretty = c.get(&v1(&sim, "clusters/Cluster0?pretty=true")).await;
    assert!(pretty.text.starts_with("{\n  \""), "{}", pretty.text);
    let compact = c.get(&v1(&sim, "clusters/Cluster0")).await;
    assert!(!compact.text.contains('\n'));
    assert_eq!(pretty.json, compact.json);

    let on_v2 = c.get(&v2(&sim, "clusters")).await;
    assert_eq!(
        on_v2.header("content-type"),
        Some("application/vnd.atlas.2023-01-01+json")
    );
    let v2_err = c.get(&v2(&sim, "clusters/Nope")).await;
    assert_eq!(v2_err.header("content-type"), Some("application/json"));
    let cluster = &compact.json;
    assert_eq!(cluster["clusterType"], "REPLICASET");
    assert_eq!(cluster["backupEnabled"], true);
    assert_eq!(cluster["groupId"], json!(sim.group_id()));
    sim.shutdown().await;
}
