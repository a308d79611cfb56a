//! The log: one file under the XDG state directory (`~/.local/state/atlas-restore/
//! atlas-restore.log`; the data directory where a system has no state directory), never the
//! terminal, rotated by size, the files `0600` in a `0700` folder.
//!
//! What goes in: the start (version, command, profile, the base URL's host), each HTTP request
//! the client makes (method, path, status, duration, Digest challenges) and errors. What never
//! does: a private key, an `Authorization` or restore-auth header, a download URL's token. The
//! request line is built here from a `Url`, so that every path it writes has gone through
//! [`redact_url`], and every error text through [`scrub`].
//!
//! The rotation is this file's own (`tracing-appender` opens its files with the umask's mode
//! and cannot make them `0600`): past [`MAX_BYTES`] the file becomes `.1`, `.1` becomes `.2`,
//! and so on up to [`KEEP`]. Several processes of a user may write the same file (each line is
//! one append); one that finds the file already rotated by another follows it.

use diqwest::DigestAuthSession;
use diqwest::session::{CachedContextGuard, DigestAuthCredentials};
use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use url::Url;

/// The current file's name; the older ones add `.1`, `.2`, ...
pub const FILE_NAME: &str = "atlas-restore.log";
/// A file is rotated once it holds this many bytes.
pub const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Rotated files kept besides the current one.
pub const KEEP: usize = 3;
/// The target of the request lines (`RUST_LOG=atlas_restore::http=warn` keeps only failures).
pub const HTTP_TARGET: &str = "atlas_restore::http";
/// The environment variable read when `--log-level` is not given.
pub const ENV_FILTER: &str = "RUST_LOG";

/// Where the log lives: the state directory, or the data directory without one.
pub fn default_dir() -> Option<PathBuf> {
    let dirs = directories::ProjectDirs::from("", "", "atlas-restore")?;
    Some(dirs.state_dir().unwrap_or(dirs.data_dir()).to_path_buf())
}

/// The level filter: `--log-level` when given, else `RUST_LOG` (the `tracing` directive syntax:
/// `debug`, `atlas_restore=debug,warn`), else `info`. The second value is a warning to log when
/// `RUST_LOG` could not be read.
pub fn filter(flag: Option<LevelFilter>, rust_log: Option<&str>) -> (Targets, Option<String>) {
    let info = || Targets::new().with_default(LevelFilter::INFO);
    match (flag, rust_log.map(str::trim).filter(|s| !s.is_empty())) {
        (Some(level), _) => (Targets::new().with_default(level), None),
        (None, Some(text)) => match text.parse::<Targets>() {
            Ok(targets) => (targets, None),
            Err(e) => (
                info(),
                Some(format!("{ENV_FILTER}={text:?} is not a filter ({e}): logging at info")),
            ),
        },
        (None, None) => (info(), None),
    }
}

/// True when the filter lets nothing through: then no file is made at all.
fn is_off(targets: &Targets) -> bool {
    targets.iter().all(|(_, level)| level == LevelFilter::OFF)
        && targets.default_level().is_none_or(|l| l == LevelFilter::OFF)
}

/// Starts logging into `dir`/[`FILE_NAME`] for the rest of the process. `Ok(None)`: the filter
/// is off and nothing was made. `Err`: the folder or file could not be made (the caller says so
/// and goes on without a log).
pub fn init(dir: &Path, flag: Option<LevelFilter>, rust_log: Option<&str>) -> Result<Option<PathBuf>, String> {
    let (targets, warning) = filter(flag, rust_log);
    if is_off(&targets) {
        return Ok(None);
    }
    private_dir(dir).map_err(|e| format!("cannot make the log folder {}: {e}", dir.display()))?;
    let path = dir.join(FILE_NAME);
    let file = RotatingFile::open(&path, MAX_BYTES, KEEP)
        .map_err(|e| format!("cannot open the log {}: {e}", path.display()))?;
    // Other crates' events stop at info whatever the filter says: an HTTP library's trace
    // may hold header values.
    let ours_only = Targets::new()
        .with_default(LevelFilter::INFO)
        .with_target("atlas_restore", LevelFilter::TRACE);
    // A failed write (a full disk) is not reported on stderr: that is the dashboard's screen.
    let layer = tracing_subscriber::fmt::layer()
        .with_ansi(false)
        .log_internal_errors(false)
        .with_writer(Mutex::new(file));
    tracing_subscriber::registry()
        .with(targets)
        .with(ours_only)
        .with(layer)
        .try_init()
        .map_err(|e| format!("cannot start logging: {e}"))?;
    if let Some(w) = warning {
        tracing::warn!("{w}");
    }
    Ok(Some(path))
}

/// The first line of a run.
pub fn start(command: &str, profile: &str, base_url: &str, api: impl Display) {
    let host = Url::parse(base_url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_string))
        .unwrap_or_default();
    tracing::info!(
        version = %env!("CARGO_PKG_VERSION"),
        command = %command,
        profile = %profile,
        host = %host,
        api = %api,
        "start"
    );
}

/// One HTTP exchange, as the client saw it: `status` when an answer came, `error` when it did
/// not (or its body could not be read). `challenges`: the 401 Digest challenges answered on
/// the way (0 once the session's nonce is reused). For an error status, Atlas's `errorCode`
/// is read from `body` (the code alone: the detail may quote what was sent).
pub fn request(
    method: &str,
    url: &Url,
    status: Option<u16>,
    started: Instant,
    challenges: u32,
    error: Option<&dyn Display>,
    body: Option<&[u8]>,
) {
    let ms = started.elapsed().as_millis() as u64;
    let host = url.host_str().unwrap_or("");
    let path = redact_url(url);
    match (status, error) {
        (Some(status), None) if status < 400 => tracing::info!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status,
            ms,
            challenges,
            "request"
        ),
        (Some(status), None) => tracing::warn!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status,
            ms,
            challenges,
            error_code = %body.and_then(error_code).unwrap_or_else(|| "none".to_string()),
            "request"
        ),
        (status, Some(error)) => tracing::warn!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status = %status.map_or_else(|| "none".to_string(), |s| s.to_string()),
            ms,
            challenges,
            error = %scrub(&error.to_string()),
            "request failed"
        ),
        (None, None) => {}
    }
}

/// Atlas's `errorCode` in an error body, when it is one (upper-case words and digits).
fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = value.get("errorCode")?.as_str()?;
    (!code.is_empty()
        && code.len() <= 80
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then(|| code.to_string())
}

/// The method of a request about to be sent (for the log), without sending it.
pub fn method_of(req: &reqwest::RequestBuilder) -> String {
    req.try_clone()
        .and_then(|r| r.build().ok())
        .map_or_else(|| "?".to_string(), |r| r.method().to_string())
}

/// Query parameters whose values are shown; any other value is replaced.
const PLAIN_QUERY_KEYS: &[&str] = &[
    "pageNum",
    "itemsPerPage",
    "completed",
    "batchId",
    "envelope",
    "pretty",
    "includeCount",
];

/// What of a URL a log line may show: the path and the query (values of unknown keys
/// replaced by `…`). An Admin API path (holding `/api/`) is shown as is: it names projects,
/// clusters and jobs, not secrets. Any other path is a download's, whose segments may be a
/// signed token: only short lower-case words (`backup`, `restore`, `pull`), versions (`v2`)
/// and the job id right after `pull` are kept; every other segment becomes `<redacted>`.
pub fn redact_url(url: &Url) -> String {
    let path = url.path();
    let mut out = if path.split('/').any(|s| s == "api") {
        path.to_string()
    } else {
        redact_download_path(path)
    };
    let mut sep = '?';
    for (key, value) in url.query_pairs() {
        out.push(sep);
        sep = '&';
        if PLAIN_QUERY_KEYS.contains(&key.as_ref()) {
            out.push_str(&format!("{key}={value}"));
        } else if key.len() <= 32 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push_str(&format!("{key}=…"));
        } else {
            out.push('…');
        }
    }
    out
}

fn redact_download_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_pull = false;
    for seg in path.split('/') {
        let word = !seg.is_empty() && seg.len() <= 12 && seg.bytes().all(|b| b.is_ascii_lowercase());
        let version =
            seg.len() >= 2 && seg.len() <= 4 && seg.starts_with('v') && seg[1..].bytes().all(|b| b.is_ascii_digit());
        let object_id = seg.len() == 24 && seg.bytes().all(|b| b.is_ascii_hexdigit());
        if seg.is_empty() || word || version || (object_id && after_pull) {
            out.push(seg.to_string());
        } else {
            out.push("<redacted>".to_string());
        }
        after_pull = seg == "pull";
    }
    out.join("/")
}

/// An error's text with every URL in it redacted as [`redact_url`] does (reqwest puts the
/// whole URL, a download's token included, in its errors).
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        while end > 0 && matches!(tail.as_bytes()[end - 1], b'.' | b',' | b';' | b':') {
            end -= 1;
        }
        match Url::parse(&tail[..end]) {
            Ok(url) => {
                out.push_str(&format!("{}://", url.scheme()));
                out.push_str(url.host_str().unwrap_or(""));
                if let Some(port) = url.port() {
                    out.push_str(&format!(":{port}"));
                }
                out.push_str(&redact_url(&url));
            }
            Err(_) => out.push_str("<url>"),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

/// The client's Digest session, counting the 401 challenges met while one request is sent:
/// a challenge's context stored, or a stale cached one dropped.
pub struct CountingDigest<'a> {
    session: &'a DigestAuthSession,
    challenges: AtomicU32,
}

impl<'a> CountingDigest<'a> {
    pub fn new(session: &'a DigestAuthSession) -> CountingDigest<'a> {
        CountingDigest {
            session,
            challenges: AtomicU32::new(0),
        }
    }

    pub fn challenges(&self) -> u32 {
        self.challenges.load(Ordering::Relaxed)
    }
}

impl DigestAuthCredentials for &CountingDigest<'_> {
    fn username(&self) -> &str {
        self.session.username()
    }

    fn password(&self) -> &str {
        self.session.password()
    }

    fn cached_context<'h>(&self, host: &'h str) -> diqwest::error::Result<Option<CachedContextGuard<'_, 'h>>> {
        self.session.cached_context(host)
    }

    fn store_context(&self, host: &str, www_authenticate: &str) -> diqwest::error::Result<()> {
        self.challenges.fetch_add(1, Ordering::Relaxed);
        self.session.store_context(host, www_authenticate)
    }

    fn clear_context(&self, host: &str) -> diqwest::error::Result<()> {
        self.challenges.fetch_add(1, Ordering::Relaxed);
        self.session.clear_context(host)
    }
}

/// The log file, reopened (and the older ones shifted) past `max_bytes`.
struct RotatingFile {
    path: PathBuf,
    file: File,
    len: u64,
    max_bytes: u64,
    keep: usize,
}

impl RotatingFile {
    fn open(path: &Path, max_bytes: u64, keep: usize) -> io::Result<RotatingFile> {
        let file = open_private(path)?;
        let len = file.metadata()?.len();
        let mut me = RotatingFile {
            path: path.to_path_buf(),
            file,
            len,
            max_bytes,
            keep,
        };
        if me.len >= me.max_bytes {
            me.rotate()?;
        }
        Ok(me)
    }

    fn numbered(&self, n: usize) -> PathBuf {
        let mut name = self.path.as_os_str().to_owned();
        name.push(format!(".{n}"));
        PathBuf::from(name)
    }

    fn rotate(&mut self) -> io::Result<()> {
        // Another process may have rotated it already: then only follow it.
        if is_same_file(&self.file, &self.path) {
            if self.keep == 0 {
                ignore_missing(std::fs::remove_file(&self.path))?;
            } else {
                for n in (1..self.keep).rev() {
                    ignore_missing(std::fs::rename(self.numbered(n), self.numbered(n + 1)))?;
                }
                ignore_missing(std::fs::rename(&self.path, self.numbered(1)))?;
            }
        }
        self.file = open_private(&self.path)?;
        self.len = self.file.metadata()?.len();
        Ok(())
    }
}

impl Write for RotatingFile {
    /// Writes the whole of `buf` (one event's line) in one append.
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.file.write_all(buf)?;
        self.len += buf.len() as u64;
        if self.len >= self.max_bytes {
            // A failed rotation leaves the line written and the file as it was.
            let _ = self.rotate();
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn ignore_missing(r: io::Result<()>) -> io::Result<()> {
    match r {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        other => other,
    }
}

#[cfg(unix)]
fn is_same_file(file: &File, path: &Path) -> bool {
    use std::os::unix::fs::MetadataExt;
    match (file.metadata(), std::fs::metadata(path)) {
        (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
        _ => false,
    }
}

#[cfg(not(unix))]
fn is_same_file(_file: &File, path: &Path) -> bool {
    path.exists()
}

/// Opens for appending, creating it `0600`; an older file readable by others is made `0600`.
#[cfg(unix)]
fn open_private(path: &Path) -> io::Result<File> {
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let file = OpenOptions::new().create(true).append(true).mode(0o600).open(path)?;
    if file.metadata()?.permissions().mode() & 0o077 != 0 {
        file.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(file)
}

#[cfg(not(unix))]
fn open_private(path: &Path) -> io::Result<File> {
    OpenOptions::new().create(true).append(true).open(path)
}

/// Makes the folder `0700` (and its missing parents), or tightens it to that.
#[cfg(unix)]
fn private_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    std::fs::DirBuilder::new().recursive(true).mode(0o700).create(dir)?;
    if std::fs::metadata(dir)?.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(())
}

#[cfg(not(unix))]
fn private_dir(dir: &Path) -> io::Result<()> {
    std::fs::create_dir_all(dir)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(url: &str) -> String {
        redact_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn api_paths_are_kept_and_unknown_query_values_replaced() {
        assert_eq!(
            redacted(
                "https://cloud.mongodb.com/api/atlas/v1.0/groups/5e2211c17a3e5a48f5497de3/clusters/Cluster0/restoreJobs?pageNum=2&itemsPerPage=500&signature=abc"
            ),
            "/api/atlas/v1.0/groups/5e2211c17a3e5a48f5497de3/clusters/Cluster0/restoreJobs?pageNum=2&itemsPerPage=500&signature=…"
        );
    }

    #[test]
    fn a_download_url_keeps_its_job_id_and_loses_its_token_and_file() {
        let job = "6929a1b2c3d4e5f601234567";
        let token = "0123456789abcdef0123456789abcdef";
        let url = format!(
            "https://restore-x.mongodb.net:27017/backup/restore/v3/pull/{job}/{token}/Cluster0-1795-{job}.tar.gz"
        );
        let shown = redacted(&url);
        assert_eq!(shown, format!("/backup/restore/v3/pull/{job}/<redacted>/<redacted>"));
        // A token shaped like an object id is not taken for the job's.
        let hex_token = "5f8e2a1c9d4b7e0012c3a4b5";
        let shown = redacted(&format!("https://h/{hex_token}/restore-{job}.tar.gz"));
        assert!(!shown.contains(hex_token) && !shown.contains(job), "{shown}");
    }

    #[test]
    fn urls_in_error_texts_are_redacted() {
        let text = "error sending request for url (https://h.example:8443/backup/restore/v2/pull/6929a1b2c3d4e5f601234567/SECRETTOKEN/f.tar.gz?x=SECRET): connection reset";
        let scrubbed = scrub(text);
        assert!(!scrubbed.contains("SECRET"), "{scrubbed}");
        assert!(
            scrubbed.contains(
                "(https://h.example:8443/backup/restore/v2/pull/6929a1b2c3d4e5f601234567/<redacted>/<redacted>?x=…): connection reset"
            ),
            "{scrubbed}"
        );
        assert_eq!(scrub("no url here"), "no url here");
        assert_eq!(scrub("odd http:// end"), "odd <url> end");
        assert_eq!(
            scrub("two: http://a/Tok3n, HTTPS://b/y."),
            "two: http://a/<redacted>, https://b/y."
        );
    }

    #[test]
    fn the_flag_wins_over_rust_log_and_a_bad_rust_log_falls_back_to_info() {
        let (t, w) = filter(Some(LevelFilter::WARN), Some("trace"));
        assert_eq!(t.default_level(), Some(LevelFilter::WARN));
        assert!(w.is_none());
        let (t, _) = filter(None, Some("atlas_restore=debug"));
        assert!(t.would_enable("atlas_restore::http", &tracing::Level::DEBUG));
        let (t, w) = filter(None, Some("=#!"));
        assert_eq!(t.default_level(), Some(LevelFilter::INFO));
        assert!(w.is_some());
        assert!(is_off(&filter(None, Some("off")).0));
        assert!(is_off(&filter(Some(LevelFilter::OFF), None).0));
        assert!(!is_off(&filter(None, None).0));
    }

    #[test]
    fn rotation_keeps_a_few_private_files() {
        use std::os::unix::fs::PermissionsExt;
        let tmp = tempfile::Builder::new()
            .prefix("atlas-restore-logrot-")
            .tempdir()
            .unwrap();
        let dir = tmp.path().to_path_buf();
        private_dir(&dir).unwrap();
        let path = dir.join(FILE_NAME);
        let mut f = RotatingFile::open(&path, 100, 2).unwrap();
        for i in 0..20 {
            f.write_all(format!("line {i:02} ........................................\n").as_bytes())
                .unwrap();
        }
        let mut names: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        assert_eq!(names, [FILE_NAME, &format!("{FILE_NAME}.1"), &format!("{FILE_NAME}.2")]);
        for name in &names {
            let mode = std::fs::metadata(dir.join(name)).unwrap().permissions().mode() & 0o777;
            assert_eq!(mode, 0o600, "{name}");
        }
        assert_eq!(std::fs::metadata(&dir).unwrap().permissions().mode() & 0o777, 0o700);
        // The newest lines are in the current file and .1; the oldest are gone.
        let newest = std::fs::read_to_string(dir.join(format!("{FILE_NAME}.1"))).unwrap();
        assert!(newest.contains("line 19") || std::fs::read_to_string(&path).unwrap().contains("line 19"));
        assert!(!newest.contains("line 00"));
    }
}
