//! Downloads against hostile servers of the tests' own (`tests/support/hostile.rs`), over real
//! HTTP: what reaches each host, the disk and the words said. A plain-http link to a host that is
//! not this machine is refused before any connection; a redirect to another host goes
//! without the auth header (one within the host keeps it), one to plain http elsewhere is
//! refused; a server that stalls after its headers ends the download with the part kept
//! and resumable; a symbolic link planted where the part or the file would go is refused,
//! its target untouched; an archive whose entries would write outside its folder is set
//! aside as `.broken`, never under its name.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::hostile;

use atlas_restore::atlas::{AtlasClient, ClientOptions};
use atlas_restore::jobs::download::{fetch, part_path};
use atlas_restore::jobs::present::DownloadTarget;
use atlas_restore::jobs::{Cancel, FetchError, Journal, Services, TrackedJob};
use atlas_restore::restore::{ApiVersion, Flavor};
use atlas_restore::secret::SecretString;
use hostile::{Reply, Request, Server};
use serde_json::json;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

const AUTH: &str = "x-mongodb-restore-auth";
const SECRET: &str = "s3cr3t-restore-auth-value";
/// A name that is not loopback's, pinned to a local server (as curl's `--resolve`).
const FAR: &str = "downloads.example.net";

/// A scratch folder, removed when dropped (a failed test's too).
struct Dir(tempfile::TempDir);

impl Dir {
    fn new(name: &str) -> Dir {
        let dir = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-hostile-{name}-"))
            .tempdir()
            .unwrap();
        Dir(dir)
    }

    fn path(&self) -> &Path {
        self.0.path()
    }

    fn files(&self) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(self.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }
}

/// A client whose API is `base_url` (loopback), with `FAR` and others pinned, and a
/// `request_timeout` (the downloads' idle timeout).
fn client(base_url: &str, idle: Duration, pinned: &[(&str, std::net::SocketAddr)]) -> AtlasClient {
    AtlasClient::new_resolving(
        &ClientOptions {
            flavor: Flavor::Atlas,
            base_url: base_url.to_string(),
            api: ApiVersion::V1,
            public_key: "pubkey".into(),
            private_key: SecretString::new("private"),
            request_timeout: idle,
            connect_timeout: Duration::from_secs(5),
            ca_file: None,
            max_body_bytes: 1 << 20,
            envelope: false,
            pretty: false,
        },
        pinned,
    )
    .unwrap()
}

fn target(url: String, header: &str) -> DownloadTarget {
    DownloadTarget {
        url,
        header: Some((header.to_string(), SecretString::new(SECRET))),
    }
}

/// Bytes that stand for a file: not a tar, which `fetch` does not judge.
fn payload(n: usize) -> Vec<u8> {
    (0..n).map(|i| (i * 7 % 251) as u8).collect()
}

/// `fetch` with a deadline: a test fails rather than hangs.
async fn fetch_within(
    client: &AtlasClient,
    target: &DownloadTarget,
    dest: &Path,
) -> Result<atlas_restore::jobs::Fetched, FetchError> {
    tokio::time::timeout(
        Duration::from_secs(60),
        fetch(client, target, dest, &Cancel::new(), |_| {}),
    )
    .await
    .expect("the download ends by itself")
}

#[tokio::test]
async fn a_plain_http_link_to_another_host_is_refused_before_any_connection() {
    let far = Server::start(|req| Reply::file(req, &payload(1000))).await;
    let dir = Dir::new("plain");
    let c = client("http://127.0.0.1:9", Duration::from_secs(10), &[(FAR, far.addr)]);
    let dest = dir.path().join("f.tar.gz");
    let url = format!(
        "http://{FAR}:{}/backup/restore/v3/pull/ID/KEY-IN-PATH/f.tar.gz",
        far.port()
    );
    for header in [AUTH, "Authorization"] {
        let err = fetch_within(&c, &target(url.clone(), header), &dest).await.unwrap_err();
        let FetchError::Unsafe(words) = &err else {
            panic!("expected a refusal, got {err:?}");
        };
        assert!(
            words.contains(&format!("plain http to http://{FAR}:{}", far.port()))
                && words.contains("nothing was sent there")
                && words.contains("ask for a new link"),
            "{words}"
        );
        assert!(!words.contains("KEY-IN-PATH"), "the link's path is not said: {words}");
    }
    assert_eq!(far.connections(), 0, "nothing reached the other host");
    assert!(dir.files().is_empty(), "no part was made: {:?}", dir.files());

    // The pin does reach that server: over https the client connects (and, the server
    // speaking no TLS, fails), so the zero above is the refusal's.
    let https = format!("https://{FAR}:{}/f.tar.gz", far.port());
    let err = fetch_within(&c, &target(https, AUTH), &dest).await.unwrap_err();
    assert!(matches!(err, FetchError::Cut { .. }), "{err:?}");
    assert_eq!(far.connections(), 1);
    assert!(far.requests().is_empty(), "no HTTP request reached it in the clear");

    // A redirect from a loopback host to plain http elsewhere is refused too.
    let far2 = Server::start(|req| Reply::file(req, &payload(1000))).await;
    let to = format!("http://{FAR}:{}/f.tar.gz", far2.port());
    let near = Server::start(move |_| Reply::redirect(302, &to)).await;
    let c = client("http://127.0.0.1:9", Duration::from_secs(10), &[(FAR, far2.addr)]);
    let url = format!("http://127.0.0.1:{}/f.tar.gz", near.port());
    let err = fetch_within(&c, &target(url, AUTH), &dest).await.unwrap_err();
    let FetchError::Unsafe(words) = &err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert!(
        words.starts_with(&format!("the redirect from http://127.0.0.1:{}", near.port()))
            && words.contains("is plain http to")
            && words.contains("nothing was sent there"),
        "{words}"
    );
    assert_eq!(far2.connections(), 0, "nothing reached the host it redirected to");
    assert_eq!(near.requests().len(), 1);
}

#[tokio::test]
async fn a_redirect_to_another_host_goes_without_the_auth_header() {
    let data = payload(300_000);
    for header in [AUTH, "Authorization"] {
        let served = data.clone();
        let other = Server::start(move |req| Reply::file(req, &served)).await;
        // The first host redirects within itself, then to the other host.
        let to = format!("http://localhost:{}/cdn/f.tar.gz", other.port());
        let first = Server::start(move |req: &Request| match req.path.as_str() {
            "/start/f.tar.gz" => Reply::redirect(301, "/next/f.tar.gz"),
            _ => Reply::redirect(307, &to),
        })
        .await;
        let dir = Dir::new("redirect");
        let c = client(
            "http://127.0.0.1:9",
            Duration::from_secs(10),
            &[("localhost", other.addr)],
        );
        let url = format!("http://127.0.0.1:{}/start/f.tar.gz", first.port());
        let dest = dir.path().join("f.tar.gz");
        let fetched = fetch_within(&c, &target(url, header), &dest).await.unwrap();

        // The first host got the header on both of its requests; the other never did.
        let got = first.requests();
        assert_eq!(
            got.iter().map(|r| r.path.as_str()).collect::<Vec<_>>(),
            ["/start/f.tar.gz", "/next/f.tar.gz"]
        );
        assert!(got.iter().all(|r| r.header(header) == Some(SECRET)), "{got:?}");
        let theirs = other.requests();
        assert_eq!(theirs.len(), 1, "{theirs:?}");
        assert!(
            theirs[0].header(header).is_none(),
            "{header} crossed to another host: {theirs:?}"
        );
        assert!(
            theirs[0].headers.iter().all(|(_, v)| !v.contains(SECRET)),
            "the secret in no header at all: {theirs:?}"
        );
        // Said, and the file whole in its part (not under its name before it is judged).
        let via = fetched.via.as_deref().unwrap();
        assert!(
            via.contains(&format!("redirected within http://127.0.0.1:{}", first.port()))
                && via.contains(&format!(
                    "to http://localhost:{}, another host: the auth header was not sent there",
                    other.port()
                )),
            "{via}"
        );
        assert_eq!(fetched.part, part_path(&dest));
        assert_eq!(std::fs::read(&fetched.part).unwrap(), data);
        assert!(!dest.exists());
    }

    // Where the other host wants the header it did not get, the refusal says why.
    let refusing = Server::start(|_| Reply::Full(401, Vec::new(), b"no".to_vec())).await;
    let to = format!("http://localhost:{}/cdn/f.tar.gz", refusing.port());
    let first = Server::start(move |_| Reply::redirect(302, &to)).await;
    let dir = Dir::new("redirect-refused");
    let c = client(
        "http://127.0.0.1:9",
        Duration::from_secs(10),
        &[("localhost", refusing.addr)],
    );
    let url = format!("http://127.0.0.1:{}/f.tar.gz", first.port());
    let err = fetch_within(&c, &target(url, AUTH), &dir.path().join("f.tar.gz"))
        .await
        .unwrap_err();
    let said = err.to_string();
    assert!(matches!(err, FetchError::Refused(_)), "{err:?}");
    assert!(
        said.starts_with("the download was refused: 401: the download host did not accept the download's credentials")
            && said.contains("another host: the auth header was not sent there"),
        "{said}"
    );
    assert!(refusing.requests()[0].header(AUTH).is_none());
    assert!(
        dir.files().is_empty(),
        "no part left for a download that never started: {:?}",
        dir.files()
    );
}

#[tokio::test]
async fn a_server_that_stalls_after_its_headers_ends_the_download_and_the_part_resumes() {
    let data = payload(200_000);
    let sent = 70_000;
    let served = data.clone();
    let host = Server::start(move |req| match req.header("range") {
        None => Reply::Stall {
            len: served.len() as u64,
            bytes: served[..sent].to_vec(),
        },
        Some(_) => Reply::file(req, &served),
    })
    .await;
    let dir = Dir::new("stall");
    let c = client("http://127.0.0.1:9", Duration::from_secs(1), &[]);
    let dest = dir.path().join("f.tar.gz");
    let url = format!("http://127.0.0.1:{}/f.tar.gz", host.port());
    let err = fetch_within(&c, &target(url.clone(), AUTH), &dest).await.unwrap_err();
    let FetchError::Cut { part, have, total, why } = &err else {
        panic!("expected a cut, got {err:?}");
    };
    assert_eq!((*have, *total), (sent as u64, Some(data.len() as u64)), "{err}");
    assert!(
        why.contains("sent nothing for 1s (the profile's request_timeout): the download stalled"),
        "{why}"
    );
    assert!(err.to_string().contains("download again to resume"), "{err}");
    assert_eq!(
        std::fs::read(part).unwrap(),
        data[..sent],
        "the part keeps what arrived"
    );
    assert_eq!(std::fs::metadata(part).unwrap().permissions().mode() & 0o777, 0o600);

    // Again: the rest is asked for with Range, and the file is whole.
    let fetched = fetch_within(&c, &target(url, AUTH), &dest).await.unwrap();
    assert_eq!(fetched.resumed_from, Some(sent as u64));
    assert_eq!(std::fs::read(&fetched.part).unwrap(), data);
    let asked = host.requests();
    assert_eq!(asked.len(), 2);
    assert_eq!(asked[1].header("range"), Some(format!("bytes={sent}-").as_str()));
}

#[tokio::test]
async fn a_symlink_where_the_part_or_the_file_would_go_is_refused_and_its_target_untouched() {
    let host = Server::start(|req| Reply::file(req, &payload(5000))).await;
    let dir = Dir::new("symlink");
    let elsewhere = Dir::new("symlink-victim");
    let victim = elsewhere.path().join("victim.conf");
    std::fs::write(&victim, b"precious\n").unwrap();
    std::fs::set_permissions(&victim, std::fs::Permissions::from_mode(0o644)).unwrap();
    let untouched = || {
        assert_eq!(std::fs::read(&victim).unwrap(), b"precious\n");
        assert_eq!(std::fs::metadata(&victim).unwrap().permissions().mode() & 0o777, 0o644);
    };
    let c = client("http://127.0.0.1:9", Duration::from_secs(10), &[]);
    let dest = dir.path().join("f.tar.gz");
    let url = format!("http://127.0.0.1:{}/f.tar.gz", host.port());

    // Planted as the part.
    std::os::unix::fs::symlink(&victim, part_path(&dest)).unwrap();
    let err = fetch_within(&c, &target(url.clone(), AUTH), &dest).await.unwrap_err();
    let FetchError::Local(words) = &err else {
        panic!("expected a refusal, got {err:?}");
    };
    assert!(
        words.contains("f.tar.gz.part is a symbolic link") && words.contains("victim.conf"),
        "{words}"
    );
    assert!(words.contains("nothing was written through it"), "{words}");
    untouched();

    // Planted as the file.
    std::fs::remove_file(part_path(&dest)).unwrap();
    std::os::unix::fs::symlink(&victim, &dest).unwrap();
    let err = fetch_within(&c, &target(url.clone(), AUTH), &dest).await.unwrap_err();
    assert!(
        matches!(&err, FetchError::Local(w) if w.contains("f.tar.gz is a symbolic link")),
        "{err:?}"
    );
    untouched();
    assert_eq!(host.connections(), 0, "refused before anything was asked of the server");

    // A dangling link as the part: nothing is made where it points.
    std::fs::remove_file(&dest).unwrap();
    let nowhere = elsewhere.path().join("made-through-a-link");
    std::os::unix::fs::symlink(&nowhere, part_path(&dest)).unwrap();
    assert!(matches!(
        fetch_within(&c, &target(url, AUTH), &dest).await,
        Err(FetchError::Local(_))
    ));
    assert!(!nowhere.exists());
}

/// A tar.gz whose entries would write outside its folder: `../`, an absolute path, a
/// symbolic link and a hard link (written as raw headers: the tar crate refuses `..`).
fn evil_tar_gz() -> Vec<u8> {
    use std::io::Write;
    use tar::EntryType::{Link, Regular, Symlink};
    let entries: [(&str, tar::EntryType, &str, &[u8]); 6] = [
        ("Cluster0-shard-0/WiredTiger", Regular, "", b"WiredTiger\n"),
        ("Cluster0-shard-0/collection-0-1.wt", Regular, "", b"data"),
        (
            "Cluster0-shard-0/../../.ssh/authorized_keys",
            Regular,
            "",
            b"ssh-ed25519 AAAA evil",
        ),
        ("/etc/cron.d/evil", Regular, "", b"* * * * * root sh"),
        ("Cluster0-shard-0/journal", Symlink, "/var/lib/mongodb", b""),
        ("Cluster0-shard-0/key", Link, "/etc/shadow", b""),
    ];
    let mut tar = Vec::new();
    {
        let mut b = tar::Builder::new(&mut tar);
        for (name, kind, link, data) in entries {
            let mut h = tar::Header::new_old();
            h.as_old_mut().name[..name.len()].copy_from_slice(name.as_bytes());
            h.as_old_mut().linkname[..link.len()].copy_from_slice(link.as_bytes());
            h.set_entry_type(kind);
            h.set_size(data.len() as u64);
            h.set_mode(0o644);
            h.set_cksum();
            b.append(&h, data).unwrap();
        }
        b.finish().unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar).unwrap();
    gz.finish().unwrap()
}

#[tokio::test]
async fn an_archive_with_entries_outside_its_folder_is_set_aside_as_broken() {
    use sha1::Digest;
    let archive = evil_tar_gz();
    let sha1 = hex::encode(sha1::Sha1::digest(&archive));
    let job_id = "6b0b42b8a3c5e7f9013ac0ee";
    // One server is both Atlas (the job, with its SHA1 listed) and the download host.
    let port = Arc::new(std::sync::OnceLock::<u16>::new());
    let at = port.clone();
    let (served, listed) = (archive.clone(), sha1.clone());
    let host = Server::start(move |req| {
        if req.path.contains("/restoreJobs/") {
            let url = format!(
                "http://127.0.0.1:{}/backup/restore/v3/pull/{job_id}/evil.tar.gz",
                at.get().unwrap()
            );
            return Reply::json(&json!({
                "id": job_id, "clusterName": "Cluster0", "statusName": "FINISHED",
                "delivery": {"methodName": "HTTP", "statusName": "READY", "urlV2": url,
                    "authHeader": AUTH, "authValue": SECRET, "expires": "2099-01-01T00:00:00Z",
                    "maxDownloads": 2147483647},
                "hashes": [{"fileName": "evil.tar.gz", "hash": listed, "typeName": "SHA1"}],
            }));
        }
        Reply::file(req, &served)
    })
    .await;
    port.set(host.port()).unwrap();
    let dir = Dir::new("evil");
    let c = client(
        &format!("http://127.0.0.1:{}", host.port()),
        Duration::from_secs(10),
        &[],
    );
    let services = Services::new(
        Arc::new(c),
        Journal::open(&dir.path().join("journal.json"), "t").unwrap(),
    );
    let downloads = dir.path().join("downloads");
    let job = serde_json::from_value(json!({"id": job_id, "clusterName": "Cluster0"})).unwrap();
    let tracked = TrackedJob {
        job,
        request: None,
        group_id: "5f8e2a1c9d4b7e0012c3a4b5".into(),
        cluster: "Cluster0".into(),
    };
    for round in 1..=2 {
        let checked = services
            .download_checked(&tracked, &downloads, &Cancel::new(), |_| {})
            .await
            .unwrap();
        assert_eq!(checked.sha1, sha1, "its SHA1 is Atlas's");
        assert!(!checked.is_good(), "{checked:?}");
        let report = checked.archive.as_ref().unwrap();
        assert!(!report.ok && report.broken.is_none(), "{report:?}");
        assert_eq!(report.unsafe_count, 4, "{report:?}");
        let whys: Vec<&str> = report.unsafe_entries.iter().map(|u| u.why.as_str()).collect();
        assert_eq!(
            whys,
            ["a .. component", "an absolute path", "a symbolic link", "a hard link"]
        );
        assert!(
            report
                .describe()
                .starts_with("archive NOT USABLE: 4 entries would write outside")
        );
        // Never under its own name: set aside, and said so.
        assert_eq!(checked.path, downloads.join("evil.tar.gz.broken"));
        assert_eq!(checked.set_aside_from, Some(downloads.join("evil.tar.gz")));
        assert!(
            checked.describe().contains("set aside, not under its name"),
            "{}",
            checked.describe()
        );
        let mut files: Vec<String> = std::fs::read_dir(&downloads)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        files.sort();
        assert_eq!(files, ["evil.tar.gz.broken"], "round {round}");
        // Nothing extracted: the entries' targets were never written.
        assert!(!dir.path().join(".ssh").exists());
        // The second round downloads it again, rather than calling it "there already".
        let downloads_asked = host.requests().iter().filter(|r| r.path.contains("/pull/")).count();
        assert_eq!(downloads_asked, round);
    }
}

/// A list whose `next` link loops: every page the same 500 jobs, each with a `next` link.
#[tokio::test]
async fn a_list_whose_next_link_loops_gives_each_job_once_and_stops() {
    let jobs: Vec<serde_json::Value> = (0..500)
        .map(|i| json!({"id": format!("6b0b42b8a3c5e7f9013a{i:04x}"), "clusterName": "Cluster0", "statusName": "FINISHED"}))
        .collect();
    let page = json!({
        "results": jobs,
        "totalCount": 100_000,
        "links": [{"rel": "next", "href": "http://127.0.0.1/next"}],
    });
    let server = Server::start(move |_| Reply::json(&page)).await;
    let base = format!("http://127.0.0.1:{}", server.port());
    let listed = client(&base, Duration::from_secs(5), &[])
        .list_restore_jobs("5f8e2a1c9d4b7e0012c3a4b5", "Cluster0", None)
        .await
        .unwrap();
    assert_eq!(listed.len(), 500);
    let unique: std::collections::HashSet<&str> = listed.iter().map(|j| j.id.as_str()).collect();
    assert_eq!(unique.len(), 500);
    // Page 1, then page 2 that brought nothing new: no 200 pages of the same jobs.
    assert_eq!(server.requests().len(), 2, "{:?}", server.requests());
}

/// An API answer that redirects (an old address, a proxy's sign-in page) is said for what it
/// is, and not followed: the key's Digest answer goes nowhere else.
#[tokio::test]
async fn an_api_redirect_is_named_and_not_followed() {
    let elsewhere = Server::start(|_| {
        Reply::Full(
            401,
            vec![(
                "WWW-Authenticate".into(),
                "Digest realm=\"x\", nonce=\"n\", qop=\"auth\"".into(),
            )],
            Vec::new(),
        )
    })
    .await;
    let to = format!("http://127.0.0.1:{}/login?next=%2Fapi", elsewhere.port());
    let api = Server::start(move |_| Reply::redirect(302, &to)).await;
    let base = format!("http://127.0.0.1:{}", api.port());
    let err = client(&base, Duration::from_secs(5), &[])
        .list_restore_jobs("5f8e2a1c9d4b7e0012c3a4b5", "Cluster0", None)
        .await
        .unwrap_err()
        .to_string();
    assert!(err.contains("answered 302, a redirect to http://127.0.0.1:"), "{err}");
    assert!(err.contains("base_url"), "{err}");
    assert!(!err.contains("key pair"), "{err}");
    assert_eq!(elsewhere.connections(), 0, "the redirect was followed");
}
