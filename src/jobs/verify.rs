//! A download from start to verdict: fetch (resuming), ask Atlas for the file's SHA1 again
//! (it lists it only after a download), compare, read the archive, and note it all in the
//! journal. `download.rs` does the fetching.

use super::archive::{self as archive_check, ArchiveReport};
use super::download::{Cancel, FetchError, Progress, fetch, human_bytes, part_path};
use super::journal::{DownloadNote, JobNotes, TrackedJob};
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
        // On the journal's thread, as all journal work (see `journal_thread`).
        let noted = super::service::journal_thread(move || {
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
