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
