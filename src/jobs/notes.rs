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
    /// What its archive held, read after a verified download.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub archive: Option<super::archive::ArchiveReport>,
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

impl JobNotes {
    /// The last download from this profile (any window, or `download`) in words, and whether
    /// it can be trusted (verified, its archive whole); `None` when there was none.
    pub fn download_words(&self) -> Option<(String, bool)> {
        let d = self.download.as_ref()?;
        let when = crate::restore::time_input::format_utc_ms(d.at_ms / 60_000 * 60_000);
        let size = super::download::human_bytes(d.bytes);
        let verdict = match d.verdict.as_str() {
            "verified" => format!("SHA1 {} matches Atlas's", d.sha1),
            "mismatch" => format!(
                "SHA1 {} DIFFERS from Atlas's: moved aside, do not restore from it",
                d.sha1
            ),
            _ => format!("SHA1 {}, NOT verified (Atlas listed none)", d.sha1),
        };
        let archive = self
            .archive
            .as_ref()
            .map(|a| format!(" · {}", a.describe()))
            .unwrap_or_default();
        let good = d.verdict == "verified" && self.archive.as_ref().is_none_or(|a| a.ok);
        Some((
            format!("downloaded {when}: {}: {size}, {verdict}{archive}", d.path),
            good,
        ))
    }
}

impl super::journal::JournalData {
    /// The notes of the jobs downloaded from this profile.
    pub fn downloaded(&self) -> Vec<(String, JobNotes)> {
        self.notes
            .iter()
            .filter(|(_, n)| n.download.is_some())
            .map(|(id, n)| (id.clone(), n.clone()))
            .collect()
    }
}
