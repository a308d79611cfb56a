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

use atlas_restore::atlas::{AtlasClient, ClientOptions, SnapshotFilter};
use atlas_restore::restore::{ApiVersion, Flavor};
use atlas_restore::secret::SecretString;
use md5::{Digest, Md5};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const PUBLIC: &str = "ompublic";
const PRIVATE: &str = "3c1d9e2f-om-private-key";
/// The project and cluster of Cloud Manager's documented cluster list.
const GROUP: &str = "5e84b94c003f2d6370004f4e";
const CLUSTER_ID: &str = "5e84e393395ec72bfc888f6c";

struct Apache {
    dir: PathBuf,
    child: Child,
    https_port: u16,
}

impl Drop for Apache {
    /// SIGTERM first (Apache runs in a process group of its own): its parent then stops its
    /// workers, which a SIGKILL would leave running, holding the port.
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while matches!(self.child.try_wait(), Ok(None)) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
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

/// A test CA and a leaf for IP:127.0.0.1, as a corporate Ops Manager would have.
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
        "/CN=atlas-restore Ops Manager test CA",
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

fn start_apache() -> Apache {
    let dir = std::env::temp_dir().join(format!("atlas-restore-apache-om-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    for sub in ["run", "logs", "htdocs/files", "cgi-bin", "marks"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    // Where the scripts mark that they ran: writable by the user Apache runs them as.
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(dir.join("marks"), std::fs::Permissions::from_mode(0o777)).unwrap();
    let ha1 = hex::encode(Md5::digest(format!("{PUBLIC}:MMS Public API:{PRIVATE}")));
    std::fs::write(dir.join("digest.passwd"), format!("{PUBLIC}:MMS Public API:{ha1}\n")).unwrap();
    for (file, example_name) in [
        ("clusters.json", "cmdocs.clusters.list.response.json"),
        ("snapshots.json", "omdocs.snapshots.list.response.json"),
        ("checkpoints.json", "omdocs.checkpoints.list.response.json"),
        ("jobs.json", "omdocs.restore-jobs.list.response.json"),
        ("ranges.json", "omdocs.restorable-time-ranges.response.json"),
        ("create.json", "omdocs.restore-job.create.response.v6-0.json"),
    ] {
        std::fs::copy(example(example_name), dir.join("htdocs/files").join(file)).unwrap();
    }
    // Each POST script notes that it ran, so that the test tells a create from a ranges read.
    for (script, answer) in [("create.sh", "create.json"), ("ranges.sh", "ranges.json")] {
        let path = dir.join("cgi-bin").join(script);
        std::fs::write(
            &path,
            format!(
                "#!/bin/sh\ncat >/dev/null\necho ran >> '{log}'\nprintf 'Content-Type: application/json\\r\\n\\r\\n'\ncat '{answer}'\n",
                log = dir.join("marks").join(format!("{script}.ran")).display(),
                answer = dir.join("htdocs/files").join(answer).display(),
            ),
        )
        .unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    make_certs(&dir);

    let https_port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let modules = "/usr/lib/apache2/modules";
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let user = if is_root { "User www-data\nGroup www-data\n" } else { "" };
    let d = dir.display();
    let api = r"^/api/public/v1\.0/groups/[0-9a-f]{24}/clusters";
    // Only ids in cluster paths: a name there finds nothing, as in Ops Manager.
    let id = "[0-9a-f]{24}";
    let conf = format!(
        r#"ServerRoot "/etc/apache2"
DefaultRuntimeDir {d}/run
PidFile {d}/run/httpd.pid
Mutex file:{d}/run default
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
LogFormat "%h \"%r\" %>s" plainlog
CustomLog {d}/logs/access.log plainlog
AuthDigestShmemSize 1048576
DocumentRoot {d}/htdocs
ScriptAlias /cgi-bin/ {d}/cgi-bin/
<VirtualHost 127.0.0.1:{https_port}>
    SSLEngine on
    SSLCertificateFile {d}/leaf.pem
    SSLCertificateKeyFile {d}/leaf.key
    RewriteEngine On
    RewriteCond %{{REQUEST_METHOD}} POST
    RewriteRule {api}/{id}/restoreJobs/restorableTimeRanges$ /cgi-bin/ranges.sh [PT]
    RewriteCond %{{REQUEST_METHOD}} POST
    RewriteRule {api}/{id}/restoreJobs$ /cgi-bin/create.sh [PT]
    RewriteRule {api}$ /files/clusters.json [PT]
    RewriteRule {api}/{id}/restoreJobs$ /files/jobs.json [PT]
    RewriteRule {api}/{id}/snapshots$ /files/snapshots.json [PT]
    RewriteRule {api}/{id}/checkpoints$ /files/checkpoints.json [PT]
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
    // A process group of its own: stopping, Apache signals its whole group, which must not
    // be the test's.
    use std::os::unix::process::CommandExt;
    let child = Command::new("apache2")
        .args(["-f", conf_path.to_str().unwrap(), "-DFOREGROUND"])
        .process_group(0)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("apache2 starts (apt-get install apache2; .ci/run does)");
    let apache = Apache { dir, child, https_port };
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

/// How many times a POST script ran.
fn ran(apache: &Apache, script: &str) -> usize {
    std::fs::read_to_string(apache.dir.join("marks").join(format!("{script}.ran")))
        .unwrap_or_default()
        .lines()
        .count()
}

fn client(apache: &Apache) -> AtlasClient {
    AtlasClient::new(&ClientOptions {
        flavor: Flavor::OpsManager,
        base_url: format!("https://127.0.0.1:{}", apache.https_port),
        api: ApiVersion::V1,
        public_key: PUBLIC.to_string(),
        private_key: SecretString::new(PRIVATE),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ca_file: Some(apache.dir.join("ca.pem")),
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    })
    .unwrap()
}

/// The request lines of the access log with their status, challenges (401) left out.
fn requests(apache: &Apache) -> Vec<String> {
    log(apache, "access.log")
        .lines()
        .filter(|l| !l.ends_with(" 401"))
        .filter_map(|l| {
            l.split('"')
                .nth(1)
                .map(|r| format!("{r} {}", l.rsplit(' ').next().unwrap_or("")))
        })
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
    assert_eq!(ran(&apache, "ranges.sh"), 1);
    assert_eq!(ran(&apache, "create.sh"), 0, "the ranges POST reached the create");

    // A create: Ops Manager 6.0's answer, url and urlV2 beside results, read as the job's.
    let body = serde_json::json!({"snapshotId": "5a6669d9fcc178211a0d86b9",
        "delivery": {"methodName": "HTTP", "maxDownloads": 1}});
    let created = c.create_restore_job(GROUP, "cm-clstr-repl", &body).await.unwrap();
    assert!(created.shape_note.is_some());
    let d = created.jobs[0].delivery.as_ref().unwrap();
    assert_eq!(d.auth_header.as_deref(), Some("Authorization"));
    assert!(d.url_v2.is_some());
    assert_eq!(ran(&apache, "create.sh"), 1);

    // Apache writes a request's line once it has answered: wait for the last one.
    let deadline = Instant::now() + Duration::from_secs(5);
    while requests(&apache).len() < 6 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    let seen = requests(&apache);
    let expected = [
        format!("GET {prefix}?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/snapshots?completed=true&pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/checkpoints?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("GET {prefix}/{CLUSTER_ID}/restoreJobs?pageNum=1&itemsPerPage=500 HTTP/1.1 200"),
        format!("POST {prefix}/{CLUSTER_ID}/restoreJobs/restorableTimeRanges HTTP/1.1 200"),
        format!("POST {prefix}/{CLUSTER_ID}/restoreJobs HTTP/1.1 200"),
    ];
    assert_eq!(seen, expected, "{}", log(&apache, "access.log"));
}
