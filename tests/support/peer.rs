//! A real Digest server nobody here wrote, for the client's tests: Apache httpd with
//! mod_auth_digest (realm "MMS Public API", MD5, qop=auth, nonce counts checked) on free
//! loopback ports, plain HTTP and HTTPS (a test CA's leaf for 127.0.0.1), serving real payloads
//! from `../shared/atlas/examples/` by the `mod_rewrite` rules a test gives. Every request is a
//! line of `logs/access.log`: `HOST "REQUEST LINE" STATUS auth="AUTHORIZATION"`.
//!
//! Apache runs in a process group of its own and is stopped, workers and all, when its
//! `Apache` is dropped, even when the test fails.
#![allow(dead_code)] // each test crate uses a different part of this

use md5::{Digest, Md5};
use std::net::TcpListener;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The key pair that Apache's password file holds.
pub const PUBLIC: &str = "peerpublic";
pub const PRIVATE: &str = "7b6f1c2e-peer-private-key";

/// What one test's Apache serves.
pub struct Site<'a> {
    /// Names its scratch folder.
    pub name: &'a str,
    /// Served under `/files/`: (file name, example in `../shared/atlas/examples/`).
    pub files: &'a [(&'a str, &'a str)],
    /// CGI scripts under `/cgi-bin/`: (script, file of `files` it answers with). Each reads
    /// the request body and notes that it ran (see `Apache::ran`).
    pub scripts: &'a [(&'a str, &'a str)],
    /// `mod_rewrite` rules from the API's paths to `/files/…` and `/cgi-bin/…`, for both ports.
    pub rewrites: &'a str,
}

pub struct Apache {
    pub dir: PathBuf,
    child: Child,
    pub http_port: u16,
    pub https_port: u16,
    /// `dir`, removed when dropped (a failed test's too), after Apache is stopped (`Drop`).
    _scratch: tempfile::TempDir,
}

impl Drop for Apache {
    /// SIGTERM to the parent, which then stops its workers and waits for them (a SIGKILL to it
    /// alone would leave them running, holding the ports); should it not be gone in time, the
    /// whole process group is killed.
    fn drop(&mut self) {
        let pid = self.child.id().to_string();
        let _ = Command::new("kill").args(["-TERM", &pid]).status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while matches!(self.child.try_wait(), Ok(None)) {
            if Instant::now() >= deadline {
                // Still running, so the group is still Apache's.
                let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
                let _ = self.child.wait();
                break;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Apache {
    /// Starts Apache for `site` and waits until it answers on both ports.
    pub fn start(site: &Site) -> Apache {
        let scratch = tempfile::Builder::new()
            .prefix(&format!("atlas-restore-apache-{}-", site.name))
            .tempdir()
            .unwrap();
        let dir = scratch.path().to_path_buf();
        // Readable by the user Apache runs the scripts as (a TempDir is made 0700).
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
        for sub in ["run", "logs", "htdocs/files", "cgi-bin", "marks"] {
            std::fs::create_dir_all(dir.join(sub)).unwrap();
        }
        // Where the scripts note that they ran: writable by the user Apache runs them as.
        std::fs::set_permissions(dir.join("marks"), std::fs::Permissions::from_mode(0o777)).unwrap();
        // The htdigest line: PUBLIC:realm:md5(PUBLIC:realm:PRIVATE).
        let ha1 = hex::encode(Md5::digest(format!("{PUBLIC}:MMS Public API:{PRIVATE}")));
        std::fs::write(dir.join("digest.passwd"), format!("{PUBLIC}:MMS Public API:{ha1}\n")).unwrap();
        for (file, example_name) in site.files {
            std::fs::copy(example(example_name), dir.join("htdocs/files").join(file)).unwrap();
        }
        for (script, answer) in site.scripts {
            let path = dir.join("cgi-bin").join(script);
            std::fs::write(
                &path,
                format!(
                    "#!/bin/sh\ncat >/dev/null\necho ran >> '{mark}'\nprintf 'Content-Type: application/json\\r\\n\\r\\n'\ncat '{answer}'\n",
                    mark = dir.join("marks").join(format!("{script}.ran")).display(),
                    answer = dir.join("htdocs/files").join(answer).display(),
                ),
            )
            .unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        make_certs(&dir);

        let (http_port, https_port) = (free_port(), free_port());
        let conf_path = dir.join("httpd.conf");
        std::fs::write(&conf_path, config(&dir, http_port, https_port, site.rewrites)).unwrap();
        let stderr = std::fs::File::create(dir.join("logs/stderr.log")).unwrap();
        let child = Command::new("apache2")
            .args(["-f", conf_path.to_str().unwrap(), "-DFOREGROUND"])
            .stdout(Stdio::null())
            .stderr(stderr)
            // A process group of its own: stopping, Apache signals its whole group, which must
            // not be the test's.
            .process_group(0)
            .spawn()
            .expect("apache2 starts (apt-get install apache2; .ci/run does)");
        let apache = Apache {
            dir,
            child,
            http_port,
            https_port,
            _scratch: scratch,
        };
        let deadline = Instant::now() + Duration::from_secs(15);
        for port in [http_port, https_port] {
            while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "apache did not start:\n{}{}",
                    apache.log("stderr.log"),
                    apache.log("error.log")
                );
                std::thread::sleep(Duration::from_millis(50));
            }
        }
        apache
    }

    /// A file of its `logs/` folder (`access.log`, `error.log`), empty when there is none.
    pub fn log(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.join("logs").join(name)).unwrap_or_default()
    }

    /// How many times a script of `Site::scripts` ran.
    pub fn ran(&self, script: &str) -> usize {
        std::fs::read_to_string(self.dir.join("marks").join(format!("{script}.ran")))
            .unwrap_or_default()
            .lines()
            .count()
    }

    /// The test CA that signed the HTTPS port's certificate, for `ca_file`.
    pub fn ca_file(&self) -> PathBuf {
        self.dir.join("ca.pem")
    }

    pub fn http_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.http_port)
    }

    pub fn https_url(&self) -> String {
        format!("https://127.0.0.1:{}", self.https_port)
    }

    /// The access log's requests, in the order Apache answered them.
    pub fn requests(&self) -> Vec<Request> {
        self.log("access.log").lines().filter_map(Request::parse).collect()
    }

    /// Waits (5 s at the most) until the access log's requests satisfy `done`: Apache writes a
    /// request's line once it has answered, a moment after the client has the answer.
    pub fn wait_for_requests(&self, done: impl Fn(&[Request]) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(5);
        while !done(&self.requests()) && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

/// A line of the access log.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET /path?query HTTP/1.1`.
    pub line: String,
    pub status: u16,
    /// Whether it carried an `Authorization` header.
    pub authorized: bool,
}

impl Request {
    /// `HOST "REQUEST LINE" STATUS auth="AUTHORIZATION"` (`auth="-"` without one).
    fn parse(log_line: &str) -> Option<Request> {
        let mut parts = log_line.splitn(3, '"');
        let line = parts.nth(1)?.to_string();
        let rest = parts.next()?;
        let status = rest.split_whitespace().next()?.parse().ok()?;
        Some(Request {
            line,
            status,
            authorized: !rest.ends_with("auth=\"-\""),
        })
    }

    /// A 401 to a request without credentials: the server's challenge.
    pub fn is_challenge(&self) -> bool {
        self.status == 401 && !self.authorized
    }
}

/// A self-contained configuration: none of Debian's site folders, everything in `dir`.
fn config(dir: &Path, http_port: u16, https_port: u16, rewrites: &str) -> String {
    let modules = "/usr/lib/apache2/modules";
    let is_root = Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout.starts_with(b"0\n"))
        .unwrap_or(false);
    let user = if is_root { "User www-data\nGroup www-data\n" } else { "" };
    let d = dir.display();
    format!(
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
{rewrites}
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
    )
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
