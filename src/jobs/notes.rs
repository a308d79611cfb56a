//! What a profile learns about a job beyond Atlas's copy of it, kept in the journal: when it
//! finished (for the next estimates), its snapshot's size, its download and its archive.

use serde::{Deserialize, Serialize};

/// What this profile learned about a job: when it was seen to finish (for the ETA of the
/// next ones), its snapshot's size, its download and what the archive held.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct JobNotes {
    /// When a poll first saw it finished, less half the time since the poll before, which
    /// saw it running (Atlas's clock, epoch ms). Only set when both were seen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_ms: Option<i64>,
    /// How far off `finished_ms` can be: half the time between those two polls.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub finished_within_ms: Option<i64>,
    /// The data size of the snapshot it restores (the parts' `dataSizeBytes` added up).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot_bytes: Option<i64>,
    /// The last download of its file from here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub download: Option<DownloadNote>,
    /// What its archive held, read after its last download (none when its SHA1 differed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<super::archive::ArchiveReport>,
    /// Downloads of its file started from the first byte from here (a resumption is not
    /// one): what tells the dashboard that a download would use the last of `maxDownloads`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub downloads_started: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// What a downloaded file can be trusted for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileState {
    /// Its SHA1 is Atlas's and its archive whole: restore from it.
    Verified,
    /// Its archive is whole, but Atlas listed no SHA1 to check it against.
    NotVerified,
    /// Its SHA1 differs from Atlas's, or its archive is broken or not usable: it was set
    /// aside (`NAME.sha1-mismatch`, `NAME.broken`), never under its own name.
    Broken,
}

impl FileState {
    /// From a verdict (`verified`, `mismatch`, `not-listed`) and the archive check, if any.
    pub fn of(verdict: &str, archive: Option<&super::archive::ArchiveReport>) -> FileState {
        match verdict {
            "mismatch" => FileState::Broken,
            _ if archive.is_some_and(|a| !a.ok) => FileState::Broken,
            "verified" => FileState::Verified,
            _ => FileState::NotVerified,
        }
    }

    /// `verified`, `not-verified`, `broken`: as `jobs --format json` writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            FileState::Verified => "verified",
            FileState::NotVerified => "not-verified",
            FileState::Broken => "broken",
        }
    }
}

/// A download of a job's file.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DownloadNote {
    pub path: String,
    pub bytes: u64,
    pub sha1: String,
    /// `verified`, `mismatch` or `not-listed` (Atlas listed no SHA1).
    pub verdict: String,
    pub at_ms: i64,
}

impl DownloadNote {
    /// Where the file would have gone: `path` less a `.broken` or `.sha1-mismatch` it was
    /// set aside with.
    pub(crate) fn final_path(&self) -> &str {
        [".broken", ".sha1-mismatch"]
            .iter()
            .find_map(|s| self.path.strip_suffix(s))
            .unwrap_or(&self.path)
    }
}

impl JobNotes {
    /// What the last download's file can be trusted for, when there was one.
    pub fn file_state(&self) -> Option<FileState> {
        let d = self.download.as_ref()?;
        Some(FileState::of(&d.verdict, self.archive.as_ref()))
    }

    /// The last download from this profile (any window, or `download`) in words, and what
    /// its file can be trusted for; `None` when there was none.
    pub fn download_words(&self) -> Option<(String, FileState)> {
        let d = self.download.as_ref()?;
        let state = self.file_state()?;
        let when = crate::restore::time_input::format_utc_ms(d.at_ms / 60_000 * 60_000);
        let size = super::download::human_bytes(d.bytes);
        let path = crate::text::sanitize(&d.path);
        let verdict = match d.verdict.as_str() {
            "verified" => format!("SHA1 {} matches Atlas's", d.sha1),
            "mismatch" => format!("SHA1 {} DIFFERS from Atlas's", d.sha1),
            _ => format!("SHA1 {}, NOT verified (Atlas listed none)", d.sha1),
        };
        let archive = self
            .archive
            .as_ref()
            .map(|a| format!(" · {}", a.describe()))
            .unwrap_or_default();
        let head = match state {
            FileState::Broken => format!(
                "downloaded {when}, BROKEN: kept as {path}, not under its name {}; do not restore from it; d downloads it again",
                crate::text::sanitize(d.final_path())
            ),
            _ => format!("downloaded {when}: {path}"),
        };
        Some((format!("{head}: {size}, {verdict}{archive}"), state))
    }
}

impl super::journal::JournalData {
    /// The notes of the jobs downloaded from this profile.
    pub fn downloaded(&self) -> Vec<(String, JobNotes)> {
        self.notes
            .iter()
            .filter(|(_, n)| n.download.is_some() || n.downloads_started > 0)
            .map(|(id, n)| (id.clone(), n.clone()))
            .collect()
    }
}
