//! A row of the jobs panel as text, read from its job once when the jobs change (not at
//! every frame): the columns the 80-column rows and the wide table draw, and what `/` filters.

use super::jobs_panel::{Kind, Shown};
use crate::jobs::notes::FileState;
use crate::jobs::present::{self, delivery_status, listed_sha1, max_downloads, short_id, status};

/// A row's text, read from the job once: the columns a frame draws.
#[derive(Debug, Clone)]
pub(crate) struct RowModel {
    pub kind: Kind,
    pub batch: bool,
    pub failure: bool,
    pub short_id: String,
    pub cluster: String,
    pub status: String,
    pub delivery: String,
    /// An automated restore's target; `None` for a download.
    pub target: Option<String>,
    pub point: String,
    pub created: String,
    /// A download's URL without its scheme and query, or "-".
    pub url: String,
    pub sha1: String,
    pub max_dl: String,
    /// What its file downloaded from here can be trusted for (a batch's: broken when a
    /// part's is).
    pub file: Option<FileState>,
    /// A batch's parts whose file is broken.
    pub broken_parts: usize,
    /// When its download link expires (epoch ms), for the expiry sort and the countdowns.
    pub expiry: Option<i64>,
    /// Every text of the row in lower case, for `/` (made once, not at every keystroke).
    pub haystack: String,
}

impl RowModel {
    /// A batch's row: how many parts, how many READY, and what they share.
    pub(super) fn batch(id: &str, parts: &[&RowModel]) -> RowModel {
        let ready = parts.iter().filter(|p| p.delivery == "READY").count();
        let hashed = parts.iter().filter(|p| p.sha1 != "-").count();
        let broken_parts = parts.iter().filter(|p| p.file == Some(FileState::Broken)).count();
        let first = parts[0];
        let mut row = RowModel {
            batch: true,
            failure: parts.iter().any(|p| p.failure),
            short_id: short_id(id),
            status: format!("{} parts", parts.len()),
            delivery: format!("{ready} READY"),
            url: "D downloads every part".into(),
            sha1: format!("{hashed}/{}", parts.len()),
            file: (broken_parts > 0).then_some(FileState::Broken),
            broken_parts,
            ..first.clone()
        };
        row.haystack = row.text();
        row
    }

    /// Every text of the row, in lower case: what the filter looks in.
    fn text(&self) -> String {
        [
            self.short_id.as_str(),
            &self.cluster,
            &self.status,
            &self.delivery,
            self.target.as_deref().unwrap_or(""),
            &self.point,
            &self.created,
            &self.url,
            &self.sha1,
            self.file.map_or("", FileState::as_str),
        ]
        .join(" ")
        .to_lowercase()
    }

    /// The SHA1 column's text: a batch's count of parts with a SHA1 listed (or of those
    /// whose file is broken), a job's mark that Atlas lists one, or that its file downloaded
    /// from here is broken, in words.
    pub(super) fn hash_mark(&self, ok: &str, error: &str) -> String {
        match (self.batch, self.file) {
            (true, _) if self.broken_parts > 0 => format!("{} broken", self.broken_parts),
            (true, _) => self.sha1.clone(),
            (false, Some(FileState::Broken)) => format!("{error} broken"),
            (false, _) if self.sha1 == "-" => "-".into(),
            (false, _) => ok.into(),
        }
    }

    pub(super) fn of(shown: Shown<'_>, file: Option<FileState>) -> RowModel {
        let job = shown.job;
        let method = present::method(job, shown.request);
        let created = job
            .created
            .as_deref()
            .and_then(|c| c.get(5..16))
            .map_or_else(|| "-".to_string(), |c| c.replace('T', " "));
        let url = present::download_target(job)
            .filter(|_| present::download_gone(job).is_none())
            .map_or_else(
                || "-".to_string(),
                |t| {
                    let shown = t.shown();
                    let no_query = shown.split('?').next().unwrap_or_default();
                    no_query
                        .split_once("://")
                        .map_or(no_query, |(_, rest)| rest)
                        .to_string()
                },
            );
        let mut row = RowModel {
            kind: shown.kind,
            batch: job.batch_id.is_some(),
            failure: job.status_name.as_ref().is_some_and(|s| s.is_failure()),
            short_id: short_id(&job.id),
            cluster: job.cluster_name.as_deref().unwrap_or("-").to_string(),
            status: status(job),
            delivery: delivery_status(job),
            target: method.target(),
            point: present::restore_point(job, shown.request),
            created,
            url,
            sha1: listed_sha1(job).map_or_else(|| "-".into(), |h| h.chars().take(8).collect()),
            max_dl: max_downloads(job),
            file,
            broken_parts: 0,
            expiry: present::expires_ms(job),
            haystack: String::new(),
        };
        row.haystack = row.text();
        row
    }
}
