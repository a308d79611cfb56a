//! One job in full: the URL on lines of its own (no border beside it, so the terminal's own
//! selection copies it whole when it wraps), the auth header with its value masked until
//! revealed, the expiry in UTC, local time and as a countdown, the hashes, and the rest.

use super::form::truncate;
use super::jobs_panel::Kind;
use super::scroll::ScrollLimits;
use super::theme::Theme;
use crate::atlas::RestoreJob;
use crate::jobs::present::{
    self, delivery_status, download_target, expires_in, expires_ms, listed_sha1, max_downloads, status,
};
use crate::restore::time_input::format_utc_ms;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Wrap};

/// A download started from the dashboard.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DownloadState {
    /// Progress: bytes, rate, time left (and where it resumed).
    Running(String),
    /// Cut: why, and when it resumes by itself (the part is kept).
    Resuming {
        why: String,
        in_secs: u64,
    },
    /// The outcome, verified or not, with what the archive holds; a broken file says
    /// where it was set aside.
    Done {
        line: String,
        file: crate::jobs::notes::FileState,
    },
    Failed(String),
}

impl DownloadState {
    /// One line: progress, or the result and whether it matches Atlas's SHA1.
    pub fn describe(&self) -> String {
        match self {
            DownloadState::Running(progress) => {
                format!("downloading {progress} (Esc stops it; the part is kept and resumed next time)")
            }
            DownloadState::Resuming { why, in_secs } => {
                format!("{why}; resuming by itself in {in_secs} s (Esc stops it)")
            }
            DownloadState::Done { line, .. } => line.clone(),
            DownloadState::Failed(why) => format!("download failed: {why}"),
        }
    }

    /// Whether the file it left can be restored from (verified, its archive whole).
    pub fn is_good(&self) -> bool {
        matches!(
            self,
            DownloadState::Done {
                file: crate::jobs::notes::FileState::Verified,
                ..
            }
        )
    }

    /// The file it left is set aside as broken (its SHA1 or its archive).
    pub(crate) fn is_broken(&self) -> bool {
        matches!(
            self,
            DownloadState::Done {
                file: crate::jobs::notes::FileState::Broken,
                ..
            }
        )
    }

    /// Not over: going, or waiting to resume.
    pub(crate) fn is_going(&self) -> bool {
        matches!(self, DownloadState::Running(_) | DownloadState::Resuming { .. })
    }
}

pub(crate) struct DetailView<'a> {
    pub job: &'a RestoreJob,
    /// The request that made it, when it was sent from here.
    pub request: Option<&'a serde_json::Value>,
    pub kind: super::jobs_panel::Kind,
    pub revealed: bool,
    pub now_ms: i64,
    /// The local zone's offset, read at start-up (it cannot be read safely later).
    pub local_offset: Option<time::UtcOffset>,
    pub download: Option<&'a DownloadState>,
    /// A running job's estimate, when one was made.
    pub eta: Option<&'a str>,
    pub scroll: &'a super::scroll::Scroll,
}

impl DetailView<'_> {
    /// Draws the job; returns how far its view scrolls.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> ScrollLimits {
        frame.render_widget(Clear, area);
        let job = self.job;
        let field = |label: &str, value: String| {
            Line::from(vec![
                Span::styled(format!("{label:<18}"), theme.label()),
                Span::raw(value),
            ])
        };
        let opt = |v: Option<&str>| v.unwrap_or("-").to_string();
        let d = job.delivery.as_ref();
        let method = present::method(job, self.request);
        let tracking = match self.kind {
            Kind::Tracked => "tracked here (x forgets it)",
            Kind::Candidate => "could be a lost submit's job: t says it is",
            Kind::Other => "not tracked here (t tracks it)",
        };
        let mut lines = vec![
            Line::styled(
                truncate(&format!("Restore job {}", job.id), area.width as usize),
                theme.title(),
            ),
            field("state", present::state_words(job, &method)),
            field("status", status(job)),
            field("tracking", tracking.into()),
            field("method", method.as_api().into()),
            field("restore point", present::restore_point(job, self.request)),
            field("cluster", opt(job.cluster_name.as_deref())),
            field("created", opt(job.created.as_deref())),
            field("snapshotId", opt(job.snapshot_id.as_deref())),
            field("batchId", opt(job.batch_id.as_deref())),
            field(
                "timestamp",
                job.timestamp.as_ref().map_or("-".into(), |t| {
                    format!(
                        "{} (increment {})",
                        opt(t.date.as_deref()),
                        t.increment.map_or("-".into(), |i| i.to_string())
                    )
                }),
            ),
            field(
                "encryptionEnabled",
                job.encryption_enabled.map_or("-".into(), |b| b.to_string()),
            ),
            field("masterKeyUUID", opt(job.master_key_uuid.as_deref())),
            field(
                "delivery",
                format!(
                    "{} (Atlas says {})",
                    delivery_status(job),
                    opt(d.and_then(|d| d.method_name.as_deref()))
                ),
            ),
        ];
        if let Some(eta) = self
            .eta
            .filter(|_| !job.status_name.as_ref().is_some_and(|s| s.is_final()))
        {
            lines.insert(2, field("estimate", eta.to_string()));
        }
        // A download started here goes near the top: it is what the DBA is waiting for.
        if let Some(state) = self.download {
            let style = if state.is_broken() {
                theme.error()
            } else {
                theme.warning()
            };
            lines.insert(2, Line::styled(state.describe(), style));
        }
        if let present::Method::Automated { target_group_id, .. } = &method {
            lines.push(field("target project", opt(target_group_id.as_deref())));
            lines.push(field("target cluster", method.target().unwrap_or_default()));
            lines.push(Line::styled(
                "An automated restore: Atlas erases the target cluster and restores into it; there is no file to download.",
                theme.dim(),
            ));
            return self
                .scroll
                .render(frame, area, Paragraph::new(lines).wrap(Wrap { trim: false }), theme);
        }
        lines.push(field("maxDownloads", max_downloads(job)));
        let expiry = match expires_ms(job) {
            Some(ms) => {
                let local = self
                    .local_offset
                    .and_then(|off| {
                        time::OffsetDateTime::from_unix_timestamp(ms / 1000)
                            .ok()
                            .map(|t| t.to_offset(off))
                    })
                    .map(|t| {
                        format!(
                            "{:04}-{:02}-{:02} {:02}:{:02} local",
                            t.year(),
                            u8::from(t.month()),
                            t.day(),
                            t.hour(),
                            t.minute()
                        )
                    })
                    .unwrap_or_else(|| "local time unknown".into());
                format!("{} · {local} · in {}", format_utc_ms(ms), expires_in(job, self.now_ms))
            }
            None => "-".into(),
        };
        lines.push(field("expires", expiry));
        match listed_sha1(job) {
            Some(_) => {
                for h in job.hashes.iter().flatten() {
                    lines.push(field(
                        "hash",
                        format!(
                            "{} {} {}",
                            opt(h.type_name.as_deref()),
                            opt(h.hash.as_deref()),
                            opt(h.file_name.as_deref())
                        ),
                    ));
                }
            }
            None => lines.push(field(
                "hash",
                "not yet: Atlas lists the SHA1 after the first download".into(),
            )),
        }
        match download_target(job).filter(|_| present::download_gone(job).is_none()) {
            Some(target) => {
                if let Some((name, value)) = &target.header {
                    // Only a value that may go into a command is shown (never control text).
                    let shown = match (self.revealed, crate::shell_text::auth_value(value.expose())) {
                        (true, Ok(())) => value.expose().to_string(),
                        (true, Err(why)) => format!("(not shown: {why})"),
                        (false, _) => "•••••••• (r reveals)".into(),
                    };
                    lines.push(field("auth header", format!("{name}: {shown}")));
                }
                if target.is_deprecated_url() {
                    lines.push(Line::styled(
                        format!("download URL ({}):", present::DEPRECATED_URL_NOTE),
                        theme.dim(),
                    ));
                } else {
                    lines.push(Line::styled(
                        "download URL (select it with the mouse, or y copies it):",
                        theme.dim(),
                    ));
                }
                // Own lines, from column 0: a wrapped URL selects and copies whole.
                lines.push(Line::raw(target.shown()));
            }
            None => lines.push(field(
                "download URL",
                match present::download_gone(job) {
                    Some(_) => "none: this delivery can no longer be fetched".into(),
                    None => "not yet: it appears when the delivery is READY".into(),
                },
            )),
        }
        self.scroll
            .render(frame, area, Paragraph::new(lines).wrap(Wrap { trim: false }), theme)
    }
}

/// A sharded restore's batch in full: for each part, its shard (from the file's name), state,
/// expiry and SHA1, then its URL on a line of its own, and its download from here.
pub(crate) struct BatchView<'a> {
    pub batch_id: &'a str,
    pub parts: &'a [super::jobs_panel::Shown<'a>],
    pub downloads: &'a std::collections::HashMap<String, DownloadState>,
    pub now_ms: i64,
    pub scroll: &'a super::scroll::Scroll,
}

impl BatchView<'_> {
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> ScrollLimits {
        let BatchView {
            batch_id,
            parts,
            downloads,
            now_ms,
            scroll,
        } = *self;
        frame.render_widget(Clear, area);
        let ready = parts.iter().filter(|p| delivery_status(p.job) == "READY").count();
        let mut lines = vec![Line::styled(
            format!(
                "Batch {batch_id}: {} parts · {ready} READY (D in the panel downloads them all)",
                parts.len()
            ),
            theme.title(),
        )];
        for p in parts {
            let job = p.job;
            lines.push(Line::raw(""));
            lines.push(Line::styled(
                format!("part {} · {}", present::short_id(&job.id), present::file_name(job)),
                theme.label(),
            ));
            lines.push(Line::raw(format!(
                "  {} · delivery {} · expires {} · SHA1 {}",
                status(job),
                delivery_status(job),
                expires_in(job, now_ms),
                listed_sha1(job).unwrap_or_else(|| "not yet".into())
            )));
            match download_target(job).filter(|_| present::download_gone(job).is_none()) {
                Some(t) => lines.push(Line::raw(t.shown())),
                None => lines.push(Line::styled("  no download URL", theme.dim())),
            }
            // Its download from here: going, cut and resuming, or its verdict and archive.
            if let Some(d) = downloads.get(job.id.as_str()) {
                let style = match d {
                    _ if d.is_good() => theme.good(),
                    DownloadState::Done { .. } | DownloadState::Failed(_) => theme.error(),
                    _ => theme.warning(),
                };
                lines.push(Line::styled(format!("  {}", d.describe()), style));
            }
        }
        scroll.render(frame, area, Paragraph::new(lines).wrap(Wrap { trim: false }), theme)
    }
}
