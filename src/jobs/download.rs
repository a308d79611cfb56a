//! Downloads that survive a cut: a restore's file goes to `NAME.part` beside its final name
//! (mode 0600, locked against a second download of the same file), and a `.part` left by a
//! cut, a cancel or a crash is resumed with an HTTP `Range` request. A server that ignores
//! `Range` sends the whole file again: the part is started over, and `Fetched::restarted`
//! says so. The SHA1 covers the whole file either way (a resumed part is hashed from disk
//! first). Only a whole file is renamed to its final name.
//!
//! The bytes are written and hashed on a blocking thread fed through a short queue, so the
//! network is read while the disk writes and memory stays a few megabytes for any size.
//!
//! `download_checked` is the whole of it for the dashboard and `atlas-restore download`: a
//! fresh copy of the job, the fetch, Atlas's SHA1 (asked again after the download, since
//! Atlas lists it after the first one), the archive check, and a note in the journal.

use super::present::DownloadTarget;
use crate::atlas::{AtlasClient, AtlasError};
use sha1::{Digest, Sha1};
use std::collections::VecDeque;
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tokio::sync::Notify;

/// A flag the caller raises to stop a download; the part is kept, to be resumed.
#[derive(Debug, Clone, Default)]
pub struct Cancel(Arc<CancelInner>);

#[derive(Debug, Default)]
struct CancelInner {
    raised: AtomicBool,
    notify: Notify,
}

impl Cancel {
    pub fn new() -> Cancel {
        Cancel::default()
    }

    /// Stops the download (at once, even while it waits for the network).
    pub fn cancel(&self) {
        self.0.raised.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    pub fn is_cancelled(&self) -> bool {
        self.0.raised.load(Ordering::SeqCst)
    }

    /// Returns once `cancel` was called.
    pub async fn cancelled(&self) {
        loop {
            // Made before the flag is read, so a `cancel` in between is not missed.
            let woken = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            woken.await;
        }
    }
}

/// Where a download is, for a progress bar: bytes, rate and time left.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Bytes of the file on disk so far (a resumed part's included).
    pub done: u64,
    /// The file's size, when the server said it.
    pub total: Option<u64>,
    /// Where this attempt started: the part's size when it resumed, else 0.
    pub resumed_from: u64,
    /// Bytes a second over the last few seconds, once there is something to go by.
    pub bytes_per_sec: Option<f64>,
    /// At that rate, how long the rest takes.
    pub left: Option<Duration>,
    /// Since this attempt started.
    pub elapsed: Duration,
}

impl Progress {
    /// 0 to 100, when the size is known.
    pub fn percent(&self) -> Option<u8> {
        self.total
            .filter(|t| *t > 0)
            .map(|t| (self.done.min(t) * 100 / t) as u8)
    }

    /// `412.3 MiB of 2.0 GiB (20%) · 85.2 MiB/s · 19s left · resumed at 100.0 MiB`.
    pub fn describe(&self) -> String {
        let mut out = match (self.total, self.percent()) {
            (Some(t), Some(p)) => format!("{} of {} ({p}%)", human_bytes(self.done), human_bytes(t)),
            _ => human_bytes(self.done),
        };
        match self.bytes_per_sec {
            Some(r) => out.push_str(&format!(" · {}/s", human_bytes(r as u64))),
            None => out.push_str(" · measuring the rate"),
        }
        if let Some(left) = self.left {
            out.push_str(&format!(" · {} left", human_duration(left)));
        }
        if self.resumed_from > 0 {
            out.push_str(&format!(" · resumed at {}", human_bytes(self.resumed_from)));
        }
        out
    }
}

/// `999 B`, `1.5 KiB`, `412.3 MiB`, `2.0 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `45s`, `3m12s`, `1h02m`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// The rate over the last few seconds.
struct Meter {
    started: Instant,
    samples: VecDeque<(Instant, u64)>,
}

const METER_WINDOW: Duration = Duration::from_secs(5);

impl Meter {
    fn new(done: u64) -> Meter {
        let now = Instant::now();
        Meter {
            started: now,
            samples: VecDeque::from([(now, done)]),
        }
    }

    fn progress(&mut self, done: u64, total: Option<u64>, resumed_from: u64) -> Progress {
        let now = Instant::now();
        self.samples.push_back((now, done));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|(t, _)| now - *t > METER_WINDOW) {
            self.samples.pop_front();
        }
        let rate = self.samples.front().and_then(|(t, d)| {
            let secs = (now - *t).as_secs_f64();
            (secs >= 0.5).then(|| (done - d) as f64 / secs)
        });
        let left = match (rate, total) {
            (Some(r), Some(t)) if r > 0.0 => Some(Duration::from_secs_f64(t.saturating_sub(done) as f64 / r)),
            _ => None,
        };
        Progress {
            done,
            total,
            resumed_from,
            bytes_per_sec: rate,
            left,
            elapsed: now - self.started,
        }
    }
}

/// A file fetched whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    pub path: PathBuf,
    pub bytes: u64,
    /// SHA1 of the whole file, lower-case hex.
    pub sha1: String,
    /// The part's size this attempt resumed from, when it did.
    pub resumed_from: Option<u64>,
    /// Why a part was started over instead of resumed, in words.
    pub restarted: Option<String>,
    /// How long this attempt took.
    pub elapsed: Duration,
}

/// Why a fetch stopped short.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The download host answered with an error status (expired, used up, forbidden).
    #[error("the download was refused: {0}")]
    Refused(AtlasError),
    /// The connection broke, or never came: the part keeps what arrived.
    #[error(
        "the download was cut after {} ({why}); {} keeps it: download again to resume",
        of(*have, *total),
        part.display()
    )]
    Cut {
        part: PathBuf,
        have: u64,
        total: Option<u64>,
        why: String,
    },
    /// The caller cancelled it: the part keeps what arrived.
    #[error("the download was cancelled after {}; {} keeps it: download again to resume", of(*have, *total), part.display())]
    Cancelled {
        part: PathBuf,
        have: u64,
        total: Option<u64>,
    },
    /// This host could not hold the file (folder, disk, a second download of it).
    #[error("{0}")]
    Local(String),
}

impl FetchError {
    /// A cut in a few words, without the advice to download again (for a download that
    /// resumes by itself): "cut after 139.3 KiB of 278.5 KiB (why)".
    pub fn cut_words(&self) -> Option<String> {
        match self {
            FetchError::Cut { have, total, why, .. } => Some(format!("cut after {} ({why})", of(*have, *total))),
            _ => None,
        }
    }
}

fn of(have: u64, total: Option<u64>) -> String {
    match total {
        Some(t) => format!("{} of {}", human_bytes(have), human_bytes(t)),
        None => human_bytes(have),
    }
}

/// `dest` + `.part`: where a download of `dest` is written until it is whole.
pub fn part_path(dest: &Path) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(".part");
    dest.with_file_name(name)
}

/// Makes the download folder (0700 when it is new).
pub fn make_dir(dir: &Path) -> Result<(), String> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o700);
    }
    b.create(dir)
        .map_err(|e| format!("cannot create the download folder {}: {e}", dir.display()))
}

/// Opens (or makes) the part, 0600, locked for this download alone.
fn open_part(part: &Path) -> Result<std::fs::File, String> {
    let mut o = std::fs::OpenOptions::new();
    o.read(true).write(true).create(true).truncate(false);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let file = o
        .open(part)
        .map_err(|e| format!("cannot write {}: {e}", part.display()))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        // A part made by something else keeps no wider mode than ours.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    match file.try_lock() {
        Ok(()) => Ok(file),
        Err(std::fs::TryLockError::WouldBlock) => Err(format!(
            "{} is being downloaded already (by another window or process): wait for it to finish",
            part.display()
        )),
        Err(std::fs::TryLockError::Error(e)) => Err(format!("cannot lock {}: {e}", part.display())),
    }
}

/// Writes each chunk after the part's first `prefix` bytes (cutting off anything past
/// them first). Ends when the queue closes, with what arrived written and synced: it is the
/// part to resume. Returns the part's size.
fn write_part(
    mut file: std::fs::File,
    prefix: u64,
    mut chunks: tokio::sync::mpsc::Receiver<bytes::Bytes>,
) -> std::io::Result<u64> {
    file.set_len(prefix)?;
    file.seek(std::io::SeekFrom::Start(prefix))?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    let mut bytes = prefix;
    let mut result = Ok(());
    while let Some(chunk) = chunks.blocking_recv() {
        if let Err(e) = out.write_all(&chunk) {
            result = Err(e);
            break;
        }
        bytes += chunk.len() as u64;
    }
    let file = out.into_inner().map_err(|e| e.into_error())?;
    file.sync_all()?;
    result.map(|()| bytes)
}

/// Hashes the part's first `prefix` bytes from disk (`file` reads it), then each chunk as
/// it comes, on a thread of its own so that hashing runs beside the writing.
fn hash_part(
    mut file: std::fs::File,
    prefix: u64,
    mut chunks: tokio::sync::mpsc::Receiver<bytes::Bytes>,
) -> std::io::Result<[u8; 20]> {
    let mut sha = Sha1::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut left = prefix;
    while left > 0 {
        let want = (left as usize).min(buf.len());
        let n = file.read(&mut buf[..want])?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the part is shorter than it was",
            ));
        }
        sha.update(&buf[..n]);
        left -= n as u64;
    }
    drop(buf);
    while let Some(chunk) = chunks.blocking_recv() {
        sha.update(&chunk);
    }
    Ok(sha.finalize().into())
}

/// What the writer and the hasher did.
struct Written {
    bytes: u64,
    sha1: [u8; 20],
}

/// Chunks waiting for the writer or the hasher: the download's memory (a chunk is up to a
/// few hundred KB on a fast link).
const QUEUE: usize = 8;

/// How often `progress` is called at most (and at the start and the end).
const PROGRESS_EVERY: Duration = Duration::from_millis(100);

/// Fetches `target` into `dest`, resuming `dest`'s part when there is one. `progress` is
/// called at the start, every 100 ms at most, and at the end. Cancelling keeps the part.
pub async fn fetch(
    client: &AtlasClient,
    target: &DownloadTarget,
    dest: &Path,
    cancel: &Cancel,
    mut progress: impl FnMut(&Progress),
) -> Result<Fetched, FetchError> {
    let part = part_path(dest);
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        make_dir(dir).map_err(FetchError::Local)?;
    }
    let file = open_part(&part).map_err(FetchError::Local)?;
    let have = file
        .metadata()
        .map_err(|e| FetchError::Local(format!("cannot read {}: {e}", part.display())))?
        .len();
    let auth = target.header.as_ref().map(|(n, v)| (n.as_str(), v));
    let cut = |have: u64, total: Option<u64>, why: String| FetchError::Cut {
        part: part.clone(),
        have,
        total,
        why,
    };
    let opened = |r: Result<crate::atlas::DownloadBody, AtlasError>, have: u64| match r {
        Ok(b) => Ok(b),
        Err(e @ AtlasError::Transport { .. }) => Err(cut(have, None, e.to_string())),
        Err(AtlasError::Setup(e)) => Err(FetchError::Local(e)),
        Err(e) => Err(FetchError::Refused(e)),
    };
    let mut restarted = None;
    let first = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(FetchError::Cancelled { part, have, total: None }),
        r = client.open_download(&target.url, auth, have) => r,
    };
    let mut body = match first {
        Err(AtlasError::Status(s)) if s.status == 416 && have > 0 => {
            restarted = Some(format!(
                "the server could not resume at {} (416: past the end of its file): started again from the beginning",
                human_bytes(have)
            ));
            opened(client.open_download(&target.url, auth, 0).await, have)?
        }
        other => opened(other, have)?,
    };
    if have > 0 && body.start != have {
        if body.start != 0 {
            // Resumed somewhere else: start over rather than guess.
            body = opened(client.open_download(&target.url, auth, 0).await, have)?;
        }
        if body.start == 0 && restarted.is_none() {
            restarted = Some(format!(
                "the server does not resume downloads (asked for the rest from {}, it sent the whole file): started again from the beginning",
                human_bytes(have)
            ));
        }
    }
    let start = body.start;
    let total = body.total;
    let io_err = |e: std::io::Error| FetchError::Local(format!("cannot write {}: {e}", part.display()));
    let writer_file = file.try_clone().map_err(io_err)?;
    let hasher_file = std::fs::File::open(&part).map_err(io_err)?;
    let (to_writer, from_net) = tokio::sync::mpsc::channel::<bytes::Bytes>(QUEUE);
    let (to_hasher, to_hash) = tokio::sync::mpsc::channel::<bytes::Bytes>(QUEUE);
    let writer = tokio::task::spawn_blocking(move || write_part(writer_file, start, from_net));
    let hasher = tokio::task::spawn_blocking(move || hash_part(hasher_file, start, to_hash));
    let mut meter = Meter::new(start);
    let mut done = start;
    progress(&meter.progress(done, total, start));
    let mut last = Instant::now();
    let stopped: Option<Result<(), String>> = loop {
        let next = tokio::select! {
            biased;
            () = cancel.cancelled() => break Some(Ok(())),
            c = body.chunk() => c,
        };
        match next {
            Ok(Some(chunk)) => {
                let n = chunk.len() as u64;
                // A clone is a reference: the writer and the hasher share the bytes.
                if to_hasher.send(chunk.clone()).await.is_err() || to_writer.send(chunk).await.is_err() {
                    // The writer or the hasher stopped: its error is said below.
                    break None;
                }
                done += n;
                if last.elapsed() >= PROGRESS_EVERY {
                    last = Instant::now();
                    progress(&meter.progress(done, total, start));
                }
            }
            Ok(None) => break None,
            Err(e) => break Some(Err(e.to_string())),
        }
    };
    drop((to_writer, to_hasher));
    let joined = |e: tokio::task::JoinError| FetchError::Local(format!("the download's writer stopped: {e}"));
    let written_bytes = writer.await.map_err(joined)?.map_err(io_err)?;
    let sha1 = hasher.await.map_err(joined)?;
    let written = Written {
        bytes: written_bytes,
        // Only a whole file's hash is used; a cut one's part is resumed and hashed again.
        sha1: match (&stopped, sha1) {
            (None, r) => r.map_err(|e| FetchError::Local(format!("cannot read {}: {e}", part.display())))?,
            (Some(_), r) => r.unwrap_or_default(),
        },
    };
    progress(&meter.progress(written.bytes, total, start));
    match stopped {
        Some(Ok(())) => {
            return Err(FetchError::Cancelled {
                part,
                have: written.bytes,
                total,
            });
        }
        Some(Err(why)) => return Err(cut(written.bytes, total, why)),
        None => {}
    }
    if let Some(t) = total
        && written.bytes != t
    {
        return Err(cut(
            written.bytes,
            total,
            "the connection closed before the end of the file".into(),
        ));
    }
    std::fs::rename(&part, dest)
        .map_err(|e| FetchError::Local(format!("cannot move the download to {}: {e}", dest.display())))?;
    drop(file);
    let elapsed = meter.started.elapsed();
    tracing::info!(target: crate::logging::HTTP_TARGET, bytes = written.bytes, resumed_from = start, ms = elapsed.as_millis() as u64, "download finished");
    Ok(Fetched {
        path: dest.to_path_buf(),
        bytes: written.bytes,
        sha1: hex::encode(written.sha1),
        resumed_from: (start > 0).then_some(start),
        restarted,
        elapsed,
    })
}

pub use super::verify::{Checked, DownloadError, Verdict};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_short() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(2 << 30), "2.0 GiB");
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(human_duration(Duration::from_secs(192)), "3m12s");
        assert_eq!(human_duration(Duration::from_secs(3720)), "1h02m");
        assert_eq!(part_path(Path::new("/d/a.tar.gz")), Path::new("/d/a.tar.gz.part"));
    }

    #[test]
    fn progress_says_bytes_rate_and_time_left() {
        let p = Progress {
            done: 512 << 20,
            total: Some(2 << 30),
            resumed_from: 100 << 20,
            bytes_per_sec: Some((64 << 20) as f64),
            left: Some(Duration::from_secs(24)),
            elapsed: Duration::from_secs(6),
        };
        assert_eq!(p.percent(), Some(25));
        assert_eq!(
            p.describe(),
            "512.0 MiB of 2.0 GiB (25%) · 64.0 MiB/s · 24s left · resumed at 100.0 MiB"
        );
        let early = Progress {
            bytes_per_sec: None,
            left: None,
            total: None,
            resumed_from: 0,
            ..p
        };
        assert_eq!(early.describe(), "512.0 MiB · measuring the rate");
    }

    #[tokio::test]
    async fn a_cancel_wakes_a_waiter_and_stays_raised() {
        let c = Cancel::new();
        let waiter = tokio::spawn({
            let c = c.clone();
            async move { c.cancelled().await }
        });
        tokio::task::yield_now().await;
        c.cancel();
        tokio::time::timeout(Duration::from_secs(5), waiter)
            .await
            .unwrap()
            .unwrap();
        assert!(c.is_cancelled());
        c.cancelled().await;
    }
}
