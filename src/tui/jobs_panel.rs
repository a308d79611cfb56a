//! The tracked jobs: a table that fits 80 columns, a sharded batch kept together, the data's
//! age, and one clear state when loading fails.

use super::form::truncate;
use super::theme::Theme;
use crate::atlas::RestoreJob;
use crate::jobs::PollEvent;
use crate::jobs::present::{delivery_status, expires_in, listed_sha1, max_downloads, short_id, status};
use crate::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

#[derive(Default)]
pub struct JobsPanel {
    pub jobs: Vec<RestoreJob>,
    pub selected: usize,
    /// When the data was fetched (epoch ms).
    pub updated_ms: Option<i64>,
    /// The latest cycle's failure and when the next try is.
    pub failure: Option<(String, std::time::Duration)>,
    /// A cycle asked for and not answered yet.
    pub polling: bool,
    /// The cluster's other restore jobs (not tracked here), when shown: `Err` says why not.
    pub others: Option<Result<Vec<RestoreJob>, String>>,
}

impl JobsPanel {
    /// Adds or refreshes jobs, keeping a batch's jobs together, newest first.
    pub fn add(&mut self, jobs: Vec<RestoreJob>) {
        for job in jobs {
            match self.jobs.iter_mut().find(|j| j.id == job.id) {
                Some(known) => *known = job,
                None => self.jobs.push(job),
            }
        }
        self.jobs.sort_by(|a, b| {
            let key = |j: &RestoreJob| (j.created.clone().unwrap_or_default(), j.batch_id.clone());
            key(b)
                .0
                .cmp(&key(a).0)
                .then(key(a).1.cmp(&key(b).1))
                .then(a.id.cmp(&b.id))
        });
    }

    pub fn on_poll(&mut self, event: PollEvent) {
        self.polling = false;
        match event {
            PollEvent::Updated { jobs, at_ms, .. } => {
                self.add(jobs);
                self.updated_ms = Some(at_ms);
                self.failure = None;
                self.selected = self.selected.min(self.jobs.len().saturating_sub(1));
            }
            PollEvent::Failed { error, retry_in, .. } => self.failure = Some((error, retry_in)),
        }
    }

    /// The tracked jobs, then (when shown) the cluster's others.
    pub fn visible(&self) -> Vec<&RestoreJob> {
        let mut v: Vec<&RestoreJob> = self.jobs.iter().collect();
        if let Some(Ok(others)) = &self.others {
            v.extend(others.iter().filter(|o| !self.jobs.iter().any(|j| j.id == o.id)));
        }
        v
    }

    /// A job shown in the panel, tracked or not.
    pub fn find(&self, id: &str) -> Option<&RestoreJob> {
        self.visible().into_iter().find(|j| j.id == id)
    }

    fn is_tracked(&self, job: &RestoreJob) -> bool {
        self.jobs.iter().any(|j| j.id == job.id)
    }

    pub fn selected_job(&self) -> Option<&RestoreJob> {
        self.visible().get(self.selected).copied()
    }

    pub fn move_selection(&mut self, down: bool) {
        let n = self.visible().len();
        if n == 0 {
            return;
        }
        self.selected = if down {
            (self.selected + 1).min(n - 1)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    /// What the clock changes in the panel: the countdowns.
    pub fn clock_view(&self, now_ms: i64) -> Vec<String> {
        self.jobs.iter().map(|j| expires_in(j, now_ms)).collect()
    }

    /// "updated 12:04:31Z", or the one failure state.
    fn age_line(&self) -> Option<String> {
        if let Some((error, retry)) = &self.failure {
            return Some(format!("load failed, retrying in {} s: {error}", retry.as_secs()));
        }
        let at = crate::restore::time_input::format_utc_ms(self.updated_ms? / 1000 * 1000);
        let polling = if self.polling { " · polling…" } else { "" };
        Some(format!("updated {}{polling}", at.get(11..).unwrap_or(&at)))
    }

    /// One job's columns (after the selection mark).
    fn row(&self, job: &RestoreJob, theme: &Theme, now_ms: i64) -> String {
        let batch = if job.batch_id.is_some() { "+" } else { " " };
        let cluster = job.cluster_name.as_deref().map(sanitize).unwrap_or_else(|| "-".into());
        let hash = if listed_sha1(job).is_some() {
            theme.mark_ok()
        } else {
            "-"
        };
        format!(
            "{batch}{:<8} {:<10} {:<11} {:<13} {:<7} {:<8} {hash}",
            short_id(&job.id),
            truncate(&cluster, 10),
            truncate(&status(job), 11),
            truncate(&delivery_status(job), 13),
            expires_in(job, now_ms),
            max_downloads(job),
        )
    }

    /// A borderless strip for short screens: a title line, then the newest jobs.
    pub fn render_strip(&self, frame: &mut Frame, area: Rect, theme: &Theme, now_ms: i64) {
        let width = area.width as usize;
        let age = self.age_line().map(|a| format!(" · {a}")).unwrap_or_default();
        let title = format!(
            "Restore jobs ({}){age} · Tab past the last field for the panel",
            self.jobs.len()
        );
        let title_style = if self.failure.is_some() {
            theme.error()
        } else {
            theme.title()
        };
        let mut lines = vec![Line::styled(truncate(&title, width), title_style)];
        for job in self.jobs.iter().take(area.height.saturating_sub(1) as usize) {
            lines.push(Line::raw(truncate(
                &format!(" {}", self.row(job, theme, now_ms)),
                width,
            )));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, active: bool, now_ms: i64) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(
                match &self.others {
                    Some(Ok(_)) => format!(
                        " Restore jobs ({} tracked, {} other) ",
                        self.jobs.len(),
                        self.visible().len() - self.jobs.len()
                    ),
                    _ => format!(" Restore jobs ({}) ", self.jobs.len()),
                },
                theme.title(),
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = inner.width as usize;
        let mut lines = Vec::new();
        if let Some(age) = self.age_line() {
            let style = if self.failure.is_some() {
                theme.error()
            } else {
                theme.dim()
            };
            // A failure is said in full, wrapped: it is what the user has to act on.
            for chunk in wrap(&age, width.max(1)) {
                lines.push(Line::styled(chunk, style));
            }
        }
        lines.push(Line::styled(
            truncate(
                &format!(
                    "  {:<8} {:<10} {:<11} {:<13} {:<7} {:<8} {}",
                    "job", "cluster", "status", "delivery", "expires", "max dl", "sha1"
                ),
                width,
            ),
            theme.dim(),
        ));
        if let Some(Err(why)) = &self.others {
            lines.push(Line::styled(
                truncate(&format!("the cluster's other jobs: {why}"), width),
                theme.error(),
            ));
        }
        let visible = self.visible();
        if visible.is_empty() {
            lines.push(Line::styled(
                "  none yet: compose a request and press Ctrl-S",
                theme.dim(),
            ));
        }
        let rows = (inner.height as usize).saturating_sub(lines.len());
        let start = self.selected.saturating_sub(rows.saturating_sub(1));
        for (i, job) in visible.into_iter().enumerate().skip(start).take(rows) {
            let chosen = active && i == self.selected;
            let style = if chosen {
                theme.focus()
            } else if matches!(status(job).as_str(), "BROKEN" | "KILLED" | "FAILED") {
                theme.error()
            } else {
                ratatui::style::Style::new()
            };
            let mark = match (chosen, self.is_tracked(job)) {
                (true, _) => theme.mark_focus(),
                (false, true) => " ",
                // Not tracked here: listed for reference, dimmed.
                (false, false) => ".",
            };
            let style = if self.is_tracked(job) || chosen {
                style
            } else {
                theme.dim()
            };
            lines.push(Line::styled(
                truncate(&format!("{mark}{}", self.row(job, theme, now_ms)), width),
                style,
            ));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}

/// Cuts `text` into lines of at most `width` characters.
fn wrap(text: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(width).map(|c| c.iter().collect()).collect()
}
