//! The client against a real Digest server nobody here wrote: Apache httpd with
//! mod_auth_digest (realm "MMS Public API", MD5, qop=auth, nonce counts checked), serving the
//! real Atlas payloads from `../shared/atlas/examples/` over HTTP and HTTPS. Round trips are
//! counted in Apache's access log.
//!
//! Built with `--features peers` (needs apache2, openssl and ../shared; `.ci/run` installs and
//! enables them).
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{AtlasClient, AtlasError, ClientOptions, SnapshotFilter, TransportKind};
use atlas_restore::restore::ApiVersion;
use atlas_restore::secret::SecretString;
use md5::{Digest, Md5};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PUBLIC: &str = "peerpublic";
const PRIVATE: &str = "7b6f1c2e-peer-private-key";
const GROUP: &str = "5a66666887d9d61443b41645";

struct Apache {
    dir: PathBuf,
    child: Child,
    http_port: u16,
    https_port: u16,
}

impl Drop for Apache {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(cmd: &mut Command) {
    let out = cmd
        .output()
        .unwrap_or_else(|e| panic!("{cmd:?}: {e} (install it; .ci/run does)"));
    assert!(
        out.status.success(),
        "{cmd:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn example(name: &str) -> PathBuf {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../shared/atlas/examples")
        .join(name);
    assert!(
        p.exists(),
        "{} missing: ../shared must sit beside the project",
        p.display()
    );
    p
}

/// A test CA and a leaf for IP:127.0.0.1 (rustls refuses a self-signed CA as the server cert).
fn make_certs(dir: &Path) {
    let ossl = |args: &[&str]| run(Command::new("openssl").args(args).current_dir(dir));
    ossl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=atlas-restore test CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    ossl(&[
        "req",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "leaf.key",
        "-out",
        "leaf.csr",
        "-subj",
        "/CN=127.0.0.1",
    ]);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\nkeyUsage=digitalSignature,keyEncipherment\n",
    )
    .unwrap();
    ossl(&[
        "x509",
        "-req",
        "-in",
        "leaf.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "leaf.pem",
        "-days",
        "2",
        "-extfile",
        "leaf.ext",
    ]);
}

fn start_apache(name: &str) -> Apache {
    let dir = std::env::temp_dir().join(format!("atlas-restore-apache-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["run", "logs", "htdocs/files", "cgi-bin"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    // The htdigest line: PUBLIC:realm:md5(PUBLIC:realm:PRIVATE).
    let ha1 = hex::encode(Md5::digest(format!("{PUBLIC}:MMS Public API:{PRIVATE}")));
    std::fs::write(dir.join("digest.passwd"), format!("{PUBLIC}:MMS Public API:{ha1}\n")).unwrap();
    for (file, example_name) in [
        ("jobs.json", "gocli.restore-jobs.list.response.json"),
        ("job.json", "gocli.restore-job.get.response.json"),
        ("snapshots.json", "gocli.snapshots.list.response.json"),
        ("checkpoints.json", "gocli.checkpoints.list.response.json"),
        ("create.json", "gocli.restore-job.create.response.json"),
    ] {
        std::fs::copy(example(example_name), dir.join("htdocs/files").join(file)).unwrap();
    }
    let script = dir.join("cgi-bin/create.sh");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\ncat >/dev/null\nprintf 'Content-Type: application/json\\r\\n\\r\\n'\ncat '{}'\n",
            dir.join("htdocs/files/create.json").display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    make_certs(&dir);

    let (http_port, https_port) = (free_port(), free_port());
    let modules = "/usr/lib/apache2/modules";
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let user = if is_root { "User www-data\nGroup www-data\n" } else { "" };
    let d = dir.display();
    let api = r"^/api/atlas/v1\.0/groups/[0-9a-f]{24}/clusters/[^/]+";
    let conf = format!(
        r#"ServerRoot "/etc/apache2"
DefaultRuntimeDir {d}/run
PidFile {d}/run/httpd.pid
Mutex file:{d}/run default
Listen 127.0.0.1:{http_port}
Listen 127.0.0.1:{https_port}
ServerName 127.0.0.1
{user}LoadModule mpm_prefork_module {modules}/mod_mpm_prefork.so
LoadModule authz_core_module {modules}/mod_authz_core.so
LoadModule authz_user_module {modules}/mod_authz_user.so
LoadModule authn_core_module {modules}/mod_authn_core.so
LoadModule authn_file_module {modules}/mod_authn_file.so
LoadModule auth_digest_module {modules}/mod_auth_digest.so
LoadModule alias_module {modules}/mod_alias.so
LoadModule cgi_module {modules}/mod_cgi.so
LoadModule rewrite_module {modules}/mod_rewrite.so
LoadModule mime_module {modules}/mod_mime.so
LoadModule ssl_module {modules}/mod_ssl.so
LoadModule socache_shmcb_module {modules}/mod_socache_shmcb.so
TypesConfig /etc/mime.types
ErrorLog {d}/logs/error.log
LogFormat "%h \"%r\" %>s auth=\"%{{Authorization}}i\"" digestlog
CustomLog {d}/logs/access.log digestlog
AuthDigestShmemSize 1048576
DocumentRoot {d}/htdocs
ScriptAlias /cgi-bin/ {d}/cgi-bin/
RewriteEngine On
RewriteCond %{{REQUEST_METHOD}} POST
RewriteRule {api}/restoreJobs$ /cgi-bin/create.sh [PT]
RewriteRule {api}/restoreJobs$ /files/jobs.json [PT]
RewriteRule {api}/restoreJobs/[^/]+$ /files/job.json [PT]
RewriteRule {api}/snapshots$ /files/snapshots.json [PT]
RewriteRule {api}/backupCheckpoints$ /files/checkpoints.json [PT]
<VirtualHost 127.0.0.1:{https_port}>
    SSLEngine on
    SSLCertificateFile {d}/leaf.pem
    SSLCertificateKeyFile {d}/leaf.key
    RewriteEngine On
    RewriteOptions Inherit
</VirtualHost>
<Location "/">
    AuthType Digest
    AuthName "MMS Public API"
    AuthDigestDomain /
    AuthDigestProvider file
    AuthUserFile {d}/digest.passwd
    AuthDigestNcCheck On
    Require valid-user
</Location>
"#
    );
    let conf_path = dir.join("httpd.conf");
    std::fs::write(&conf_path, conf).unwrap();
    let child = Command::new("apache2")
        .args(["-f", conf_path.to_str().unwrap(), "-DFOREGROUND"])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apache2 starts (apt-get install apache2; .ci/run does)");
    let apache = Apache {
        dir,
        child,
        http_port,
        https_port,
    };
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::net::TcpStream::connect(("127.0.0.1", https_port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "apache did not start: {}",
            log(&apache, "error.log")
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    apache
}

fn log(apache: &Apache, name: &str) -> String {
    std::fs::read_to_string(apache.dir.join("logs").join(name)).unwrap_or_default()
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
    let access = log(apache, "access.log");
    let total = access.lines().count();
    let challenges = access.lines().filter(|l| l.contains(" 401 auth=\"-\"")).count();
    (total, challenges)
}

#[tokio::test]
async fn one_round_trip_per_request_after_the_first_with_real_payloads() {
    let apache = start_apache("rt");
    let ca = apache.dir.join("ca.pem");
    for (base, ca_file) in [
        (format!("http://127.0.0.1:{}", apache.http_port), None),
        (format!("https://127.0.0.1:{}", apache.https_port), Some(ca.clone())),
    ] {
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
        let deadline = Instant::now() + Duration::from_secs(5);
        while round_trips(&apache).0 < before.0 + 6 && Instant::now() < deadline {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let after = round_trips(&apache);
        let (requests, challenges) = (after.0 - before.0, after.1 - before.1);
        // 5 calls: one challenge for the first, then each call is a single authenticated request.
        assert_eq!(
            (requests, challenges),
            (6, 1),
            "{base}:\n{}",
            log(&apache, "access.log")
        );
    }
}

#[tokio::test]
async fn a_wrong_key_is_a_401_that_says_what_to_check() {
    let apache = start_apache("wrong");
    let client = AtlasClient::new(&options(
        format!("http://127.0.0.1:{}", apache.http_port),
        "not-the-key",
        None,
    ))
    .unwrap();
    let err = client
        .list_snapshots(GROUP, "Cluster0", SnapshotFilter::Completed)
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(401), "{err}");
    assert!(err.to_string().contains("API key pair was refused"), "{err}");
    assert!(!err.to_string().contains("not-the-key"));
    assert!(log(&apache, "error.log").contains("password mismatch"));
}

#[tokio::test]
async fn an_unknown_ca_is_a_tls_error_that_points_at_ca_file() {
    let apache = start_apache("tls");
    let client = AtlasClient::new(&options(
        format!("https://127.0.0.1:{}", apache.https_port),
        PRIVATE,
        None,
    ))
    .unwrap();
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
