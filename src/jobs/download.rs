//! Downloads that survive a cut: a restore's file goes to `NAME.part` beside its final name
//! (mode 0600, locked against a second download of the same file), and a `.part` left by a
//! cut, a cancel or a crash is resumed with an HTTP `Range` request. A server that ignores
//! `Range` sends the whole file again: the part is started over, and `Fetched::restarted`
//! says so. The SHA1 covers the whole file either way (a resumed part is hashed from disk
//! first). A whole file stays a `.part` (open and locked) until `verify.rs` has judged it:
//! only a file whose SHA1 and archive are good gets its final name.
//!
//! The part and the final name are never used through a symbolic link (`crate::files`): a
//! link planted where either would go is refused with words, and what it points to is
//! never opened.
//!
//! The bytes are written and hashed on a blocking thread fed through a short queue, so the
//! network is read while the disk writes and memory stays a few megabytes for any size.
//!
//! `download_checked` is the whole of it for the dashboard and `atlas-restore download`: a
//! fresh copy of the job, the fetch, Atlas's SHA1 (asked again after the download, since
//! Atlas lists it after the first one), the archive check, and a note in the journal.

use super::present::DownloadTarget;
use super::progress::Meter;
pub use super::progress::{Progress, human_bytes, human_duration};
use crate::atlas::{AtlasClient, AtlasError, OpenError};
use sha1::{Digest, Sha1};
use std::io::{Seek, Write};
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

    pub(crate) fn is_cancelled(&self) -> bool {
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

/// A file fetched whole, still under its `.part` name and locked: `verify.rs` gives it its
/// final name once it is judged good, or sets it aside.
#[derive(Debug)]
pub struct Fetched {
    /// The whole file, as `NAME.part`.
    pub part: PathBuf,
    /// The part, open and locked: no other download touches it while it is judged.
    pub file: std::fs::File,
    pub bytes: u64,
    /// SHA1 of the whole file, lower-case hex.
    pub sha1: String,
    /// The part's size this attempt resumed from, when it did.
    pub resumed_from: Option<u64>,
    /// Why a part was started over instead of resumed, in words.
    pub restarted: Option<String>,
    /// The redirects that led to the file, in words, when there were any.
    pub via: Option<String>,
    /// How long this attempt took.
    pub elapsed: Duration,
}

/// Why a fetch stopped short.
#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    /// The download host answered with an error status (expired, used up, forbidden).
    #[error("the download was refused: {0}")]
    Refused(Box<OpenError>),
    /// Refused here before anything was sent where it must not go (a plain-http link to
    /// another host, a redirect to one). In words, with what to do.
    #[error("{0}")]
    Unsafe(String),
    /// The connection broke, stalled, or never came: the part keeps what arrived.
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
    /// This host could not hold the file (folder, disk, a second download of it, a link
    /// planted where the part or the file would go).
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
/// No room left: the disk, or the user's quota.
fn is_disk_full(e: &std::io::Error) -> bool {
    e.kind() == std::io::ErrorKind::StorageFull || matches!(e.raw_os_error(), Some(28 | 122))
}

/// An I/O error's words without the "(os error N)" the standard library adds.
fn plain_io(e: &std::io::Error) -> String {
    let text = e.to_string();
    match text.find(" (os error ") {
        Some(at) => text[..at].to_string(),
        None => text,
    }
}

pub fn part_path(dest: &Path) -> PathBuf {
    with_suffix(dest, ".part")
}

/// `dest` + `suffix` (`.part`, `.broken`, `.sha1-mismatch`).
pub(crate) fn with_suffix(dest: &Path, suffix: &str) -> PathBuf {
    let mut name = dest.file_name().map(|n| n.to_os_string()).unwrap_or_default();
    name.push(suffix);
    dest.with_file_name(name)
}

/// Makes the download folder (0700 when it is new).
pub(crate) fn make_dir(dir: &Path) -> Result<(), String> {
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

/// Opens the part (made anew, exclusively, when it is not there), 0600, never through a
/// symbolic link, locked for this download alone. `true` when it was made here.
fn open_part(part: &Path) -> Result<(std::fs::File, bool), String> {
    let (file, made) = crate::files::open_or_create(part)?;
    #[cfg(unix)]
    if !made {
        use std::os::unix::fs::PermissionsExt;
        // A part made by something else keeps no wider mode than ours.
        let _ = file.set_permissions(std::fs::Permissions::from_mode(0o600));
    }
    match file.try_lock() {
        Ok(()) => Ok((file, made)),
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

/// Reads up to `buf.len()` bytes at `at`, leaving the file's offset alone (the writer shares
/// it): the part's own handle is read, never its name again.
fn read_at(file: &std::fs::File, buf: &mut [u8], at: u64) -> std::io::Result<usize> {
    #[cfg(unix)]
    {
        std::os::unix::fs::FileExt::read_at(file, buf, at)
    }
    #[cfg(not(unix))]
    {
        let _ = (file, buf, at);
        Err(std::io::Error::other("resuming needs positional reads"))
    }
}

/// Hashes the part's first `prefix` bytes from disk (`file` reads it), then each chunk as
/// it comes, on a thread of its own so that hashing runs beside the writing.
fn hash_part(
    file: std::fs::File,
    prefix: u64,
    mut chunks: tokio::sync::mpsc::Receiver<bytes::Bytes>,
) -> std::io::Result<[u8; 20]> {
    let mut sha = Sha1::new();
    let mut buf = vec![0u8; 1 << 20];
    let mut at = 0u64;
    while at < prefix {
        let want = ((prefix - at) as usize).min(buf.len());
        let n = read_at(&file, &mut buf[..want], at)?;
        if n == 0 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::UnexpectedEof,
                "the part is shorter than it was",
            ));
        }
        sha.update(&buf[..n]);
        at += n as u64;
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

/// An error opening the download, as a fetch says it.
fn opened(
    r: Result<crate::atlas::DownloadBody, OpenError>,
    cut: impl Fn(String) -> FetchError,
) -> Result<crate::atlas::DownloadBody, FetchError> {
    let e = match r {
        Ok(b) => return Ok(b),
        Err(OpenError::Unsafe(why)) => return Err(FetchError::Unsafe(why)),
        Err(e) => e,
    };
    match e.atlas() {
        Some(AtlasError::Transport { .. }) => Err(cut(e.to_string())),
        Some(AtlasError::Setup(why)) => Err(FetchError::Local(why.clone())),
        _ => Err(FetchError::Refused(Box::new(e))),
    }
}

/// Fetches `target` into `dest`'s part, resuming it when there is one, and leaves it whole
/// (and locked) for `verify.rs` to judge. `progress` is called at the start, every 100 ms at
/// most, and at the end. Cancelling keeps the part. A link planted where the part or the
/// file would go is refused, as is a plain-http URL to another host (before anything is
/// sent, and before a part is made).
pub async fn fetch(
    client: &AtlasClient,
    target: &DownloadTarget,
    dest: &Path,
    cancel: &Cancel,
    mut progress: impl FnMut(&Progress),
) -> Result<Fetched, FetchError> {
    let part = part_path(dest);
    crate::atlas::check_download_url(&target.url).map_err(|e| FetchError::Unsafe(e.to_string()))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        make_dir(dir).map_err(FetchError::Local)?;
    }
    if let Some(why) = crate::files::refusal(dest) {
        return Err(FetchError::Local(why));
    }
    let (file, made) = open_part(&part).map_err(FetchError::Local)?;
    let have = file
        .metadata()
        .map_err(|e| FetchError::Local(format!("cannot read {}: {e}", part.display())))?
        .len();
    // A part made here for a download that never started leaves nothing behind.
    let unmake = |e: FetchError| {
        if made && file.metadata().is_ok_and(|m| m.len() == 0) {
            let _ = std::fs::remove_file(&part);
        }
        e
    };
    let auth = target.header.as_ref().map(|(n, v)| (n.as_str(), v));
    let cut = |have: u64, total: Option<u64>, why: String| FetchError::Cut {
        part: part.clone(),
        have,
        total,
        why,
    };
    let mut restarted = None;
    let first = tokio::select! {
        biased;
        () = cancel.cancelled() => return Err(unmake(FetchError::Cancelled { part: part.clone(), have, total: None })),
        r = client.open_download(&target.url, auth, have) => r,
    };
    let mut body = match first {
        Err(e) if have > 0 && matches!(e.atlas(), Some(AtlasError::Status(s)) if s.status == 416) => {
            restarted = Some(format!(
                "the server could not resume at {} (416: past the end of its file): started again from the beginning",
                human_bytes(have)
            ));
            opened(client.open_download(&target.url, auth, 0).await, |why| {
                cut(have, None, why)
            })?
        }
        other => opened(other, |why| cut(have, None, why)).map_err(unmake)?,
    };
    if have > 0 && body.start != have {
        if body.start != 0 {
            // Resumed somewhere else: start over rather than guess.
            body = opened(client.open_download(&target.url, auth, 0).await, |why| {
                cut(have, None, why)
            })?;
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
    let via = body.via.clone();
    let io_err = |e: std::io::Error| FetchError::Local(format!("cannot write {}: {e}", part.display()));
    let writer_file = file.try_clone().map_err(io_err)?;
    let hasher_file = file.try_clone().map_err(io_err)?;
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
    let written_bytes = match writer.await.map_err(joined)? {
        Ok(n) => n,
        // A full disk keeps what was written: the part resumes once there is room.
        Err(e) if is_disk_full(&e) => {
            let have = std::fs::metadata(&part).map(|m| m.len()).unwrap_or(start);
            return Err(cut(
                have,
                total,
                format!("the disk is full: {}; free space first", plain_io(&e)),
            ));
        }
        Err(e) => return Err(io_err(e)),
    };
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
    let elapsed = meter.started.elapsed();
    tracing::info!(target: crate::atlas::HTTP_TARGET, bytes = written.bytes, resumed_from = start, ms = elapsed.as_millis() as u64, "download finished");
    Ok(Fetched {
        part,
        file,
        bytes: written.bytes,
        sha1: hex::encode(written.sha1),
        resumed_from: (start > 0).then_some(start),
        restarted,
        via,
        elapsed,
    })
}

pub use super::verify::{Checked, DownloadError, Verdict};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_told_apart_and_said_once() {
        let full = std::io::Error::from_raw_os_error(28);
        assert!(is_disk_full(&full));
        assert!(is_disk_full(&std::io::Error::from_raw_os_error(122)));
        assert!(!is_disk_full(&std::io::Error::from_raw_os_error(13)));
        let said = plain_io(&full);
        assert!(!said.contains("os error"), "{said}");
        assert!(!said.is_empty());
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
