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

use super::archive::{self as archive_check, ArchiveReport};
use super::journal::{DownloadNote, JobNotes, TrackedJob};
use super::present::{self, DownloadTarget};
use super::service::Services;
use crate::atlas::{AtlasClient, AtlasError, RestoreJob};
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

/// Whether the file's SHA1 is the one Atlas lists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// It is: the file is the one Atlas made.
    Verified,
    /// It is not: the file is not to be trusted (it was moved aside).
    Mismatch,
    /// Atlas lists no SHA1 for it (yet).
    NotListed,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Verified => "verified",
            Verdict::Mismatch => "mismatch",
            Verdict::NotListed => "not-listed",
        }
    }
}

/// A download done and checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Checked {
    pub job_id: String,
    /// Where the file is now (for a mismatch: moved aside, `NAME.sha1-mismatch`).
    pub path: PathBuf,
    pub bytes: u64,
    pub sha1: String,
    /// What Atlas lists, asked after the download.
    pub listed_sha1: Option<String>,
    pub verdict: Verdict,
    /// The file was there already, whole, with Atlas's SHA1: nothing was downloaded.
    pub already_there: bool,
    /// The part this download resumed from, when it did.
    pub resumed_from: Option<u64>,
    /// Why a part was started over, when it was.
    pub restarted: Option<String>,
    /// How long the transfer took (zero when the file was there already).
    pub elapsed: Duration,
    /// What the archive holds, read after a verified download.
    pub archive: Option<ArchiveReport>,
}

impl Checked {
    /// Verified, and its archive (when read) whole.
    pub fn is_good(&self) -> bool {
        self.verdict == Verdict::Verified && self.archive.as_ref().is_none_or(|a| a.ok)
    }

    /// One line: the file, its size and what its SHA1 says.
    pub fn describe(&self) -> String {
        let path = self.path.display();
        let size = human_bytes(self.bytes);
        let how = match (&self.restarted, self.resumed_from, self.already_there) {
            (_, _, true) => " (there already: nothing downloaded)".to_string(),
            (Some(why), _, _) => format!(" ({why})"),
            (None, Some(at), _) => format!(" (resumed at {})", human_bytes(at)),
            (None, None, _) => String::new(),
        };
        match (self.verdict, &self.listed_sha1) {
            (Verdict::Verified, _) => format!("{path}: {size}, SHA1 {} matches Atlas's{how}", self.sha1),
            (Verdict::Mismatch, Some(listed)) => format!(
                "{path}: {size}, SHA1 {} DIFFERS from Atlas's {listed}: moved aside, do not restore from it; download again{how}",
                self.sha1
            ),
            (_, _) => format!(
                "{path}: {size}, SHA1 {}; Atlas lists no SHA1 for it yet, so it is NOT verified: run the download again later to check it{how}",
                self.sha1
            ),
        }
    }
}

/// Why a download was not done.
#[derive(Debug, thiserror::Error)]
pub enum DownloadError {
    /// Atlas has no file for it: an automated restore, or the link is gone (expired, used up,
    /// failed). In words.
    #[error("{0}")]
    NoFile(String),
    /// The file is not ready yet. In words.
    #[error("{0}")]
    NotReady(String),
    /// Atlas could not be asked about the job.
    #[error("cannot ask Atlas about the job: {0}")]
    Atlas(AtlasError),
    #[error(transparent)]
    Fetch(FetchError),
}

/// The SHA1 of a file on disk.
fn sha1_of_file(path: &Path) -> std::io::Result<String> {
    let mut f = std::fs::File::open(path)?;
    let mut sha = Sha1::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
    }
    Ok(hex::encode(sha.finalize()))
}

/// How many times, and how far apart, Atlas is asked for the SHA1 after a download.
const HASH_LOOKS: u32 = 3;
const HASH_WAIT: Duration = Duration::from_secs(2);

impl Services {
    /// The whole download of one job into `dir`: a fresh copy of the job (the journal's
    /// lacks the auth value), the fetch (resuming a part), Atlas's SHA1 asked again
    /// afterwards, the archive read when the SHA1 matches, and all of it noted in the
    /// journal. A file already in `dir` with Atlas's SHA1 is not downloaded again. `tracked`
    /// names the job's project and cluster (and request, for its method); a job only listed
    /// goes as `TrackedJob::from(job)`.
    pub async fn download_checked(
        &self,
        tracked: &TrackedJob,
        dir: &Path,
        cancel: &Cancel,
        progress: impl FnMut(&Progress),
    ) -> Result<Checked, DownloadError> {
        let (group_id, cluster, job) = (tracked.group_id.as_str(), tracked.cluster.as_str(), &tracked.job);
        let request = tracked.request.as_deref();
        let cancelled = |job: &RestoreJob| {
            let part = part_path(&dir.join(present::file_name(job)));
            let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(0);
            DownloadError::Fetch(FetchError::Cancelled {
                part,
                have,
                total: None,
            })
        };
        let fresh = tokio::select! {
            biased;
            () = cancel.cancelled() => return Err(cancelled(job)),
            r = self.client.get_restore_job(group_id, cluster, &job.id) => r.map_err(DownloadError::Atlas)?,
        };
        if let Some(target) = present::method(&fresh, request).target() {
            return Err(DownloadError::NoFile(format!(
                "an automated restore into {target}: Atlas restores it itself; there is no file to download"
            )));
        }
        let dest = dir.join(present::file_name(&fresh));
        let part_exists = part_path(&dest).exists();
        if let Some(gone) = present::download_gone(&fresh) {
            // A part of a counted download may still be resumed once the count is used up.
            let used_up = present::delivery_status(&fresh) == "MAX_DOWNLOADS_EXCEEDED";
            if !(used_up && part_exists) {
                return Err(DownloadError::NoFile(gone.to_string()));
            }
        }
        let Some(target) = present::download_target(&fresh) else {
            let method = present::method(&fresh, request);
            return Err(DownloadError::NotReady(format!(
                "no file yet ({}): download it once the delivery is READY",
                present::state_words(&fresh, &method)
            )));
        };
        let listed_before = present::listed_sha1(&fresh);
        // Already here, whole and Atlas's: nothing to fetch (and no download used).
        if !part_exists
            && dest.exists()
            && let Some(listed) = &listed_before
        {
            let path = dest.clone();
            let local = tokio::task::spawn_blocking(move || sha1_of_file(&path))
                .await
                .ok()
                .and_then(Result::ok);
            if local.as_deref().is_some_and(|l| l.eq_ignore_ascii_case(listed)) {
                let bytes = std::fs::metadata(&dest).map(|m| m.len()).unwrap_or(0);
                let checked = Checked {
                    job_id: job.id.to_string(),
                    path: dest,
                    bytes,
                    sha1: local.unwrap_or_default(),
                    listed_sha1: Some(listed.clone()),
                    verdict: Verdict::Verified,
                    already_there: true,
                    resumed_from: None,
                    restarted: None,
                    elapsed: Duration::ZERO,
                    archive: None,
                };
                return Ok(self.check_archive_and_note(checked, &fresh).await);
            }
        }
        let fetched = fetch(&self.client, &target, &dest, cancel, progress)
            .await
            .map_err(DownloadError::Fetch)?;
        // Atlas lists the hash after the first download: ask again, a few times at most.
        let mut listed = None;
        for look in 0..HASH_LOOKS {
            if look > 0 {
                tokio::select! {
                    () = cancel.cancelled() => break,
                    () = tokio::time::sleep(HASH_WAIT) => {}
                }
            }
            let asked = tokio::select! {
                () = cancel.cancelled() => break,
                r = self.client.get_restore_job(group_id, cluster, &job.id) => r,
            };
            match asked {
                Ok(j) => listed = present::listed_sha1(&j),
                Err(e) => tracing::warn!(error = %e, "the job could not be asked for its SHA1 after the download"),
            }
            if listed.is_some() {
                break;
            }
        }
        let listed = listed.or(listed_before);
        let verdict = match &listed {
            Some(l) if l.eq_ignore_ascii_case(&fetched.sha1) => Verdict::Verified,
            Some(_) => Verdict::Mismatch,
            None => Verdict::NotListed,
        };
        let mut path = fetched.path.clone();
        if verdict == Verdict::Mismatch {
            // Not under its own name, so nobody restores from it by mistake.
            let mut aside = path.clone().into_os_string();
            aside.push(".sha1-mismatch");
            let aside = PathBuf::from(aside);
            if std::fs::rename(&path, &aside).is_ok() {
                path = aside;
            }
        }
        let checked = Checked {
            job_id: job.id.to_string(),
            path,
            bytes: fetched.bytes,
            sha1: fetched.sha1,
            listed_sha1: listed,
            verdict,
            already_there: false,
            resumed_from: fetched.resumed_from,
            restarted: fetched.restarted,
            elapsed: fetched.elapsed,
            archive: None,
        };
        Ok(self.check_archive_and_note(checked, &fresh).await)
    }

    /// Reads a verified file's archive, and notes the download (and the archive) in the
    /// journal. A journal that cannot be written is logged: the file is there all the same.
    async fn check_archive_and_note(&self, mut checked: Checked, job: &RestoreJob) -> Checked {
        if checked.verdict == Verdict::Verified {
            let path = checked.path.clone();
            let part_of_batch = job.batch_id.is_some();
            checked.archive = tokio::task::spawn_blocking(move || archive_check::check(&path, part_of_batch))
                .await
                .ok();
        }
        let note = DownloadNote {
            path: checked.path.display().to_string(),
            bytes: checked.bytes,
            sha1: checked.sha1.clone(),
            verdict: checked.verdict.as_str().to_string(),
            at_ms: self.now_ms(),
        };
        let (id, archive) = (checked.job_id.clone(), checked.archive.clone());
        let journal = self.journal.clone();
        let noted = tokio::task::spawn_blocking(move || {
            journal.update(|d| {
                let notes: &mut JobNotes = d.notes.entry(id).or_default();
                notes.download = Some(note);
                if archive.is_some() {
                    notes.archive = archive;
                }
            })
        })
        .await;
        if !matches!(noted, Ok(Ok(()))) {
            tracing::warn!("the download could not be noted in the journal");
        }
        checked
    }
}

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
