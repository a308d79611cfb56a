//! The log: one file under the XDG state directory (`~/.local/state/atlas-restore/
//! atlas-restore.log`; the data directory where a system has no state directory), never the
//! terminal, rotated by size, the files `0600` in a `0700` folder.
//!
//! What goes in: the start (version, command, profile, the base URL's host), each HTTP request
//! the client makes (method, path, status, duration, Digest challenges) and errors. What never
//! does: a private key, an `Authorization` or restore-auth header, a download URL's token
//! (the request lines are written by `atlas::http_log`, through `redact`).
//!
//! The rotation is this file's own (`tracing-appender` opens its files with the umask's mode
//! and cannot make them `0600`): past [`MAX_BYTES`] the file becomes `.1`, `.1` becomes `.2`,
//! and so on up to [`KEEP`]. Several processes of a user may write the same file (each line is
//! one append); one that finds the file already rotated by another follows it.

use std::fmt::Display;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use tracing::level_filters::LevelFilter;
use tracing_subscriber::filter::Targets;
use tracing_subscriber::layer::SubscriberExt as _;
use tracing_subscriber::util::SubscriberInitExt as _;
use url::Url;

/// The current file's name; the older ones add `.1`, `.2`, ...
pub(crate) const FILE_NAME: &str = "atlas-restore.log";
/// A file is rotated once it holds this many bytes.
pub(crate) const MAX_BYTES: u64 = 5 * 1024 * 1024;
/// Rotated files kept besides the current one.
pub(crate) const KEEP: usize = 3;
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
