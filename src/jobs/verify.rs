//! A download from start to verdict: fetch (resuming), ask Atlas for the file's SHA1 again
//! (it lists it only after a download), compare, read the archive, and note it all in the
//! journal. `download.rs` does the fetching, and leaves the whole file as its `.part`: it
//! gets its final name here only once its SHA1 matches (or none is listed) and its archive
//! is whole and usable; else it is set aside as `NAME.sha1-mismatch` or `NAME.broken`, so
//! that nobody restores from it by mistake, and the next download fetches it again.

use super::archive::{self as archive_check, ArchiveReport};
use super::download::{Cancel, FetchError, Fetched, Progress, fetch, human_bytes, part_path, with_suffix};
use super::journal::{DownloadNote, JobNotes, TrackedJob};
use super::notes::FileState;
use super::present::{self};
use super::service::Services;
use crate::atlas::{AtlasError, RestoreJob};
use sha1::{Digest, Sha1};
use std::io::Read;
use std::path::{Path, PathBuf};

use std::time::Duration;

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
    /// Where the file is now: its own name when it can be used, else set aside as
    /// `NAME.sha1-mismatch` (its SHA1 differs) or `NAME.broken` (its archive is broken or
    /// would write outside its folder).
    pub path: PathBuf,
    /// The name it would have had, when it was set aside.
    pub set_aside_from: Option<PathBuf>,
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
    /// The redirects that led to the file, in words, when there were any.
    pub via: Option<String>,
    /// What became of an earlier copy (a broken one set aside, or removed now that this
    /// one is good), in words.
    pub earlier: Option<String>,
    /// How long the transfer took (zero when the file was there already).
    pub elapsed: Duration,
    /// What the archive holds (read unless the SHA1 differs).
    pub archive: Option<ArchiveReport>,
    /// The job store could not note the download (why): the file is there all the same, but
    /// the dashboard and `jobs` do not know it.
    pub not_noted: Option<String>,
}

impl Checked {
    /// What the file can be trusted for.
    pub fn file_state(&self) -> FileState {
        FileState::of(self.verdict.as_str(), self.archive.as_ref())
    }

    /// Verified, and its archive whole and usable.
    pub fn is_good(&self) -> bool {
        self.file_state() == FileState::Verified
    }

    /// One line: the file, its size and what its SHA1 says.
    pub fn describe(&self) -> String {
        let path = self.path.display();
        let size = human_bytes(self.bytes);
        let mut how = match (&self.restarted, self.resumed_from, self.already_there) {
            (_, _, true) => " (there already: nothing downloaded)".to_string(),
            (Some(why), _, _) => format!(" ({why})"),
            (None, Some(at), _) => format!(" (resumed at {})", human_bytes(at)),
            (None, None, _) => String::new(),
        };
        for note in [&self.via, &self.earlier].into_iter().flatten() {
            how.push_str(&format!(" ({note})"));
        }
        let from = self
            .set_aside_from
            .as_ref()
            .map(|p| format!(", not under its name {}", p.display()))
            .unwrap_or_default();
        match (self.verdict, &self.listed_sha1, self.file_state()) {
            (Verdict::Mismatch, Some(listed), _) => format!(
                "{path}: {size}, SHA1 {} DIFFERS from Atlas's {listed}: set aside{from}; do not restore from it; download again{how}",
                self.sha1
            ),
            (_, _, FileState::Broken) => format!(
                "{path}: {size}, SHA1 {}{}; its archive is BROKEN: set aside{from}; do not restore from it; download again{how}",
                self.sha1,
                if self.verdict == Verdict::Verified {
                    " matches Atlas's"
                } else {
                    ""
                }
            ),
            (Verdict::Verified, _, _) => format!("{path}: {size}, SHA1 {} matches Atlas's{how}", self.sha1),
            (_, _, _) => format!(
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

/// The SHA1 of an open file, from its start.
fn sha1_of(mut f: std::fs::File) -> std::io::Result<String> {
    use std::io::Seek;
    f.rewind()?;
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

/// How long the dashboard waits before resuming a cut download, each time: a dropped link
/// is often back within seconds, and a few tries cover a minute's outage.
pub const RESUME_WAITS: [Duration; 3] = [Duration::from_secs(2), Duration::from_secs(10), Duration::from_secs(30)];

/// How many times, and how far apart, Atlas is asked for the SHA1 after a download.
const HASH_LOOKS: u32 = 3;
const HASH_WAIT: Duration = Duration::from_secs(2);

impl Services {
    /// `download_checked`, resumed by itself when the link drops: after each cut it waits
    /// (`RESUME_WAITS`, telling `on_cut` why and for how long) and asks for the rest with
    /// `Range`; the last cut is returned, its part kept. For the dashboard, where the DBA
    /// may have walked away; a script's `download` exits 3 instead and decides itself.
    pub async fn download_resuming(
        &self,
        tracked: &TrackedJob,
        dir: &Path,
        cancel: &Cancel,
        mut progress: impl FnMut(&Progress),
        mut on_cut: impl FnMut(&FetchError, Duration),
    ) -> Result<Checked, DownloadError> {
        let mut waits = RESUME_WAITS.iter();
        loop {
            match self.download_checked(tracked, dir, cancel, &mut progress).await {
                Err(DownloadError::Fetch(cut @ FetchError::Cut { .. })) => {
                    let Some(wait) = waits.next() else {
                        return Err(DownloadError::Fetch(cut));
                    };
                    on_cut(&cut, *wait);
                    tokio::select! {
                        biased;
                        () = cancel.cancelled() => {
                            let FetchError::Cut { part, have, total, .. } = cut else {
                                return Err(DownloadError::Fetch(cut));
                            };
                            return Err(DownloadError::Fetch(FetchError::Cancelled { part, have, total }));
                        }
                        () = tokio::time::sleep(*wait) => {}
                    }
                }
                other => return other,
            }
        }
    }

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
        let part_of_batch = fresh.batch_id.is_some();
        let local = |why: String| DownloadError::Fetch(FetchError::Local(why));
        if let Some(why) = crate::files::refusal(&dest) {
            return Err(local(why));
        }
        let mut earlier = None;
        // Already here, whole and Atlas's: nothing to fetch (and no download used) once its
        // archive reads whole; a broken one is set aside and fetched again.
        if !part_exists
            && dest.exists()
            && let Some(listed) = &listed_before
        {
            let (path, listed_now) = (dest.clone(), listed.clone());
            let there = tokio::task::spawn_blocking(move || read_there(&path, &listed_now, part_of_batch))
                .await
                .ok()
                .flatten();
            if let Some((sha1, bytes, archive)) = there {
                if archive.ok {
                    let checked = Checked {
                        job_id: job.id.to_string(),
                        path: dest,
                        set_aside_from: None,
                        bytes,
                        sha1,
                        listed_sha1: Some(listed.clone()),
                        verdict: Verdict::Verified,
                        already_there: true,
                        resumed_from: None,
                        restarted: None,
                        via: None,
                        earlier: None,
                        elapsed: Duration::ZERO,
                        archive: Some(archive),
                        not_noted: None,
                    };
                    return Ok(self.note(checked).await);
                }
                let aside = with_suffix(&dest, ".broken");
                std::fs::rename(&dest, &aside)
                    .map_err(|e| local(format!("cannot set the broken {} aside: {e}", dest.display())))?;
                earlier = Some(format!(
                    "the copy there already had a broken archive: set aside as {}, and downloaded again",
                    aside.display()
                ));
            }
        }
        // From the first byte, a download uses one of `maxDownloads` (a resumption does not),
        // once bytes came: not when it was refused, nor when nothing was sent.
        let fresh = std::fs::metadata(part_path(&dest)).map_or(true, |m| m.len() == 0);
        let fetched = fetch(&self.client, &target, &dest, cancel, progress).await;
        let used = match &fetched {
            Ok(f) => fresh || f.restarted.is_some(),
            Err(FetchError::Cut { have, .. } | FetchError::Cancelled { have, .. }) => fresh && *have > 0,
            Err(_) => false,
        };
        if used {
            self.note_started(&job.id).await;
        }
        let fetched = fetched.map_err(DownloadError::Fetch)?;
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
        // The archive is read from the part itself (open, locked), before any name is given.
        let archive = match (verdict, fetched.file.try_clone()) {
            (Verdict::Mismatch, _) => None,
            (_, Ok(file)) => tokio::task::spawn_blocking(move || archive_check::check_file(file, part_of_batch))
                .await
                .ok(),
            (_, Err(e)) => return Err(local(format!("cannot read {}: {e}", fetched.part.display()))),
        };
        let state = FileState::of(verdict.as_str(), archive.as_ref());
        let (bytes, sha1, resumed_from, restarted, via, elapsed) = (
            fetched.bytes,
            fetched.sha1.clone(),
            fetched.resumed_from,
            fetched.restarted.clone(),
            fetched.via.clone(),
            fetched.elapsed,
        );
        let path = settle(fetched, &dest, verdict, state).map_err(local)?;
        if state != FileState::Broken && earlier.is_none() {
            earlier = remove_stale_broken(&dest);
        }
        let checked = Checked {
            job_id: job.id.to_string(),
            set_aside_from: (path != dest).then(|| dest.clone()),
            path,
            bytes,
            sha1,
            listed_sha1: listed,
            verdict,
            already_there: false,
            resumed_from,
            restarted,
            via,
            earlier,
            elapsed,
            archive,
            not_noted: None,
        };
        Ok(self.note(checked).await)
    }

    /// One more download of `job_id` started from the first byte, in the journal.
    async fn note_started(&self, job_id: &str) {
        let (id, journal) = (job_id.to_string(), self.journal.clone());
        let noted = super::service::journal_thread(move || {
            journal.update_note(&id, |notes: &mut JobNotes| {
                notes.downloads_started = notes.downloads_started.saturating_add(1);
            })
        })
        .await;
        if !matches!(noted, Ok(Ok(()))) {
            tracing::warn!("the download's start could not be noted in the journal");
        }
    }

    /// Notes the download (and its archive) in the journal. A journal that cannot be
    /// written is said in `not_noted` (and logged): the file is there all the same.
    async fn note(&self, checked: Checked) -> Checked {
        let note = DownloadNote {
            path: checked.path.display().to_string(),
            bytes: checked.bytes,
            sha1: checked.sha1.clone(),
            verdict: checked.verdict.as_str().to_string(),
            at_ms: self.now_ms(),
        };
        let (id, archive) = (checked.job_id.clone(), checked.archive.clone());
        let journal = self.journal.clone();
        // On the journal's thread, as all journal work (see `journal_thread`).
        let noted = super::service::journal_thread(move || {
            journal.update_note(&id, |notes: &mut JobNotes| {
                notes.download = Some(note);
                notes.archive = archive;
            })
        })
        .await;
        let mut checked = checked;
        match noted {
            Ok(Ok(())) => {}
            Ok(Err(e)) => checked.not_noted = Some(e.to_string()),
            Err(e) => checked.not_noted = Some(e),
        }
        if let Some(why) = &checked.not_noted {
            tracing::warn!(why = %why, "the download could not be noted in the journal");
        }
        checked
    }
}

/// The file at `dest` (never through a link): its SHA1, size and archive, when the SHA1 is
/// `listed`.
fn read_there(dest: &Path, listed: &str, part_of_batch: bool) -> Option<(String, u64, ArchiveReport)> {
    let file = crate::files::open_read(dest).ok()?;
    let sha1 = sha1_of(file.try_clone().ok()?).ok()?;
    if !sha1.eq_ignore_ascii_case(listed) {
        return None;
    }
    let bytes = file.metadata().map(|m| m.len()).unwrap_or(0);
    Some((sha1, bytes, archive_check::check_file(file, part_of_batch)))
}

/// Gives the whole part its name once judged: `dest` when it can be used, else
/// `NAME.sha1-mismatch` or `NAME.broken` beside it (replacing an earlier one). Where it is.
fn settle(fetched: Fetched, dest: &Path, verdict: Verdict, state: FileState) -> Result<PathBuf, String> {
    let to = match (state, verdict) {
        (FileState::Broken, Verdict::Mismatch) => with_suffix(dest, ".sha1-mismatch"),
        (FileState::Broken, _) => with_suffix(dest, ".broken"),
        _ => dest.to_path_buf(),
    };
    // Planted while the file was judged: the part stays, the link is left alone.
    if let Some(why) = crate::files::refusal(&to).filter(|_| to == dest) {
        return Err(why);
    }
    std::fs::rename(&fetched.part, &to).map_err(|e| format!("cannot move the download to {}: {e}", to.display()))?;
    drop(fetched.file);
    Ok(to)
}

/// Removes the `NAME.broken` an earlier download left, now that a good file has its name;
/// in words, when there was one.
fn remove_stale_broken(dest: &Path) -> Option<String> {
    let stale = with_suffix(dest, ".broken");
    let meta = std::fs::symlink_metadata(&stale).ok()?;
    (meta.is_file() && std::fs::remove_file(&stale).is_ok())
        .then(|| format!("the broken copy {} of an earlier download was removed", stale.display()))
}
