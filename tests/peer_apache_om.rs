//! The client as an Ops Manager profile against a real Digest server nobody here wrote:
//! Apache httpd with mod_auth_digest (realm "MMS Public API"), over HTTPS with a test CA
//! given as `ca_file`, serving Ops Manager's and Cloud Manager's documented payloads from
//! `../shared/atlas/examples/` at `/api/public/v1.0`. It shows, in Apache's own access log,
//! that a cluster name is resolved once and every path then carries the id, that checkpoints
//! are read at `checkpoints`, and that the restorable-time-ranges POST never reaches the
//! create.
//!
//! Built with `--features peers` (needs apache2, openssl and ../shared; `.ci/run` installs and
//! enables them).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peer;
use peer::{Apache, PRIVATE, PUBLIC, Request, Site};

use atlas_restore::atlas::{AtlasClient, ClientOptions, SnapshotFilter};
use atlas_restore::restore::{ApiVersion, Flavor};
use atlas_restore::secret::SecretString;
use std::time::Duration;

/// The project and cluster of Cloud Manager's documented cluster list.
const GROUP: &str = "5e84b94c003f2d6370004f4e";
const CLUSTER_ID: &str = "5e84e393395ec72bfc888f6c";

/// Ops Manager's and Cloud Manager's documented payloads at `/api/public/v1.0`; each POST
/// answered by a script of its own, so that the test tells a create from a ranges read.
fn start_apache() -> Apache {
    let api = r"^/api/public/v1\.0/groups/[0-9a-f]{24}/clusters";
    // Only ids in cluster paths: a name there finds nothing, as in Ops Manager.
    let id = "[0-9a-f]{24}";
    Apache::start(&Site {
        name: "om",
        files: &[
            ("clusters.json", "cmdocs.clusters.list.response.json"),
            ("snapshots.json", "omdocs.snapshots.list.response.json"),
            ("checkpoints.json", "omdocs.checkpoints.list.response.json"),
            ("jobs.json", "omdocs.restore-jobs.list.response.json"),
            ("ranges.json", "omdocs.restorable-time-ranges.response.json"),
            ("create.json", "omdocs.restore-job.create.response.v6-0.json"),
        ],
        scripts: &[("create.sh", "create.json"), ("ranges.sh", "ranges.json")],
        rewrites: &format!(
            "RewriteCond %{{REQUEST_METHOD}} POST
RewriteRule {api}/{id}/restoreJobs/restorableTimeRanges$ /cgi-bin/ranges.sh [PT]
RewriteCond %{{REQUEST_METHOD}} POST
RewriteRule {api}/{id}/restoreJobs$ /cgi-bin/create.sh [PT]
RewriteRule {api}$ /files/clusters.json [PT]
RewriteRule {api}/{id}/restoreJobs$ /files/jobs.json [PT]
RewriteRule {api}/{id}/snapshots$ /files/snapshots.json [PT]
RewriteRule {api}/{id}/checkpoints$ /files/checkpoints.json [PT]"
        ),
    })
}

fn client(apache: &Apache) -> AtlasClient {
    AtlasClient::new(&ClientOptions {
        flavor: Flavor::OpsManager,
        base_url: apache.https_url(),
        api: ApiVersion::V1,
        public_key: PUBLIC.to_string(),
        private_key: SecretString::new(PRIVATE),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ca_file: Some(apache.ca_file()),
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    })
    .unwrap()
}

/// The request lines of the access log with their status, challenges (401) left out.
fn answered(requests: &[Request]) -> Vec<String> {
    requests
        .iter()
        .filter(|r| r.status != 401)
        .map(|r| format!("{} {}", r.line, r.status))
        .collect()
}

#[tokio::test]
async fn an_ops_manager_profile_over_https_with_its_ca_names_the_cluster_by_id() {
    let apache = start_apache();
    let c = client(&apache);
    let prefix = format!("/api/public/v1.0/groups/{GROUP}/clusters");

    // The name is resolved through the project's list, once.
    let cluster = c.get_cluster(GROUP, "cm-clstr-repl").await.unwrap();
    assert_eq!(cluster.id.as_deref(), Some(CLUSTER_ID));
    let snaps = c
        .list_snapshots(GROUP, "cm-clstr-repl", SnapshotFilter::Completed)
        .await
        .unwrap();
    assert_eq!(
        snaps[0].created.as_ref().unwrap().date.as_deref(),
        Some("2016-08-21T23:47:38Z")
    );
    let checkpoints = c.list_checkpoints(GROUP, "cm-clstr-repl").await.unwrap();
    assert_eq!(checkpoints[0].parts.len(), 3);
    let jobs = c.list_restore_jobs(GROUP, "cm-clstr-repl", None).await.unwrap();
    assert_eq!(jobs.len(), 2);

    // The time ranges: a POST that the server's ranges script answers, never its create.
    let ranges = c.restorable_time_ranges(GROUP, "cm-clstr-repl").await.unwrap().unwrap();
    assert_eq!(ranges.len(), 1);
    assert_eq!(apache.ran("ranges.sh"), 1);
    assert_eq!(apache.ran("create.sh"), 0, "the ranges POST reached the create");

    // A create: Ops Manager 6.0's answer, url and urlV2 beside results, read as the job's.
    let body = serde_json::json!({"snapshotId": "5a6669d9fcc178211a0d86b9",
        "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    let created = c.create_restore_job(GROUP, "cm-clstr-repl", &body).await.unwrap();
    assert!(created.shape_note.is_some());
    let d = created.jobs[0].delivery.as_ref().unwrap();
    assert_eq!(d.auth_header.as_deref(), Some("Authorization"));
    assert!(d.url_v2.is_some());
    assert_eq!(apache.ran("create.sh"), 1);

    // Apache writes a request's line once it has answered: wait for the last one.
    apache.wait_for_requests(|r| answered(r).len() >= 6);
    let seen = answered(&apache.requests());
    let expected = [
        format!("GET {prefix}?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/snapshots?completed=true&pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/checkpoints?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/restoreJobs?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("POST {prefix}/{CLUSTER_ID}/restoreJobs/restorableTimeRanges HTTP/1.1 200"),
        format!("POST {prefix}/{CLUSTER_ID}/restoreJobs HTTP/1.1 200"),
    ];
    assert_eq!(seen, expected, "{}", apache.log("access.log"));
}
