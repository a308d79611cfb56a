//! The client against a real Digest server nobody here wrote: Apache httpd with
//! mod_auth_digest (realm "MMS Public API", MD5, qop=auth, nonce counts checked), serving the
//! real Atlas payloads from `../shared/atlas/examples/` over HTTP and HTTPS. Round trips are
//! counted in Apache's access log.
//!
//! Built with `--features peers` (needs apache2, openssl and ../shared; `.ci/run` installs and
//! enables them).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod peer;
use peer::{Apache, PRIVATE, PUBLIC, Site};

use atlas_restore::atlas::{AtlasClient, AtlasError, ClientOptions, SnapshotFilter, TransportKind};
use atlas_restore::restore::ApiVersion;
use atlas_restore::secret::SecretString;
use std::path::PathBuf;
use std::time::Duration;

const GROUP: &str = "5a66666887d9d61443b41645";

/// The Go CLI's payloads at Atlas's paths, a create answered by a script.
fn start_apache(name: &str) -> Apache {
    let api = r"^/api/atlas/v1\.0/groups/[0-9a-f]{24}/clusters/[^/]+";
    Apache::start(&Site {
        name,
        files: &[
            ("jobs.json", "gocli.restore-jobs.list.response.json"),
            ("job.json", "gocli.restore-job.get.response.json"),
            ("snapshots.json", "gocli.snapshots.list.response.json"),
            ("checkpoints.json", "gocli.checkpoints.list.response.json"),
            ("create.json", "gocli.restore-job.create.response.json"),
        ],
        scripts: &[("create.sh", "create.json")],
        rewrites: &format!(
            "RewriteCond %{{REQUEST_METHOD}} POST
RewriteRule {api}/restoreJobs$ /cgi-bin/create.sh [PT]
RewriteRule {api}/restoreJobs$ /files/jobs.json [PT]
RewriteRule {api}/restoreJobs/[^/]+$ /files/job.json [PT]
RewriteRule {api}/snapshots$ /files/snapshots.json [PT]
RewriteRule {api}/backupCheckpoints$ /files/checkpoints.json [PT]"
        ),
    })
}

fn options(base_url: String, private: &str, ca_file: Option<PathBuf>) -> ClientOptions {
    ClientOptions {
        flavor: Default::default(),
        base_url,
        api: ApiVersion::V1,
        public_key: PUBLIC.to_string(),
        private_key: SecretString::new(private),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ca_file,
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    }
}

/// Access-log lines: (total, challenges), a challenge being a 401 sent without credentials.
fn round_trips(apache: &Apache) -> (usize, usize) {
    let requests = apache.requests();
    (requests.len(), requests.iter().filter(|r| r.is_challenge()).count())
}

#[tokio::test]
async fn one_round_trip_per_request_after_the_first_with_real_payloads() {
    let apache = start_apache("rt");
    for (base, ca_file) in [(apache.http_url(), None), (apache.https_url(), Some(apache.ca_file()))] {
        let before = round_trips(&apache);
        let client = AtlasClient::new(&options(base.clone(), PRIVATE, ca_file)).unwrap();
        let jobs = client.list_restore_jobs(GROUP, "Cluster0", None).await.unwrap();
        assert!(!jobs.is_empty() && jobs[0].delivery.is_some(), "{base}");
        let job = client.get_restore_job(GROUP, "Cluster0", &jobs[0].id).await.unwrap();
        assert_eq!(job.status_name.as_ref().map(|s| s.as_api()), Some("FINISHED"));
        assert_eq!(job.hashes.as_ref().map(Vec::len), Some(1));
        let snapshots = client
            .list_snapshots(GROUP, "Cluster0", SnapshotFilter::All)
            .await
            .unwrap();
        assert!(!snapshots.is_empty());
        let checkpoints = client.list_checkpoints(GROUP, "Cluster0").await.unwrap();
        assert!(!checkpoints.is_empty());
        let body = serde_json::json!({"snapshotId": "5a6669d9fcc178211a0d86b9", "delivery": {"methodName": "HTTP"}});
        let created = client.create_restore_job(GROUP, "Cluster0", &body).await.unwrap();
        assert!(!created.jobs.is_empty() && created.shape_note.is_none());

        // Apache writes a line after the answer has gone out: wait for the sixth.
        apache.wait_for_requests(|r| r.len() >= before.0 + 6);
        let after = round_trips(&apache);
        let (requests, challenges) = (after.0 - before.0, after.1 - before.1);
        // 5 calls: one challenge for the first, then each call is a single authenticated request.
        assert_eq!((requests, challenges), (6, 1), "{base}:\n{}", apache.log("access.log"));
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_401_that_says_what_to_check() {
    let apache = start_apache("wrong");
    let client = AtlasClient::new(&options(apache.http_url(), "not-the-key", None)).unwrap();
    let err = client
        .list_snapshots(GROUP, "Cluster0", SnapshotFilter::Completed)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("API key pair was refused"), "{err}");
    assert!(!err.to_string().contains("not-the-key"));
    assert!(apache.log("error.log").contains("password mismatch"));
}

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_that_points_at_ca_file() {
    let apache = start_apache("tls");
    let client = AtlasClient::new(&options(apache.https_url(), PRIVATE, None)).unwrap();
    let err = client.list_checkpoints(GROUP, "Cluster0").await.unwrap_err();
    assert!(
        matches!(
            err,
            AtlasError::Transport {
                kind: TransportKind::Tls,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("ca_file"), "{err}");
}
