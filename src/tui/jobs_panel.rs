//! The tracked jobs: a table that fits 80 columns, a sharded batch kept together, the data's
//! age, and one clear state when loading fails.

use super::dialog::{Outcome, Request};
use super::form::truncate;
use super::keys::Action;
use super::theme::Theme;
use crate::atlas::RestoreJob;
use crate::jobs::present::{self, delivery_status, expires_in, listed_sha1, max_downloads, short_id, status};
use crate::jobs::{PollEvent, TrackedJob, TrackedSubmit};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// How a row of the panel relates to the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tracked,
    /// Could be a lost submit's job: `t` says it is.
    Candidate,
    /// The cluster's other jobs (`a`), not tracked here.
    Other,
}

/// A job as a row shows it.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    pub job: &'a RestoreJob,
    /// The request that made it, when it was sent from here.
    pub request: Option<&'a serde_json::Value>,
    pub kind: Kind,
}

#[derive(Default)]
pub struct JobsPanel {
    /// The tracked jobs, as the journal has them.
    pub jobs: Vec<TrackedJob>,
    /// Submits whose outcome is not known yet (with their candidates).
    pub pending: Vec<TrackedSubmit>,
    pub selected: usize,
    /// When the data was fetched (epoch ms).
    pub updated_ms: Option<i64>,
    /// The latest cycle's failure and when the next try is.
    pub failure: Option<(String, std::time::Duration)>,
    /// A cycle asked for and not answered yet.
    pub polling: bool,
    /// The cluster's other restore jobs (not tracked here), when shown: `Err` says why not.
    pub others: Option<Result<Vec<RestoreJob>, String>>,
    /// Where the rows were last drawn and the index of the first, for the mouse; and the
    /// whole panel's area.
    pub drawn: std::cell::Cell<Option<(Rect, usize, Rect)>>,
}

impl JobsPanel {
    /// Adds or refreshes jobs, keeping a batch's jobs together, newest first.
    pub fn add(&mut self, jobs: Vec<TrackedJob>) {
        for job in jobs {
            match self.jobs.iter_mut().find(|j| j.job.id == job.job.id) {
                Some(known) => *known = job,
                None => self.jobs.push(job),
            }
        }
        self.sort();
    }

    fn sort(&mut self) {
        self.jobs.sort_by(|a, b| {
            let key = |j: &TrackedJob| (j.job.created.clone().unwrap_or_default(), j.job.batch_id.clone());
            key(b)
                .0
                .cmp(&key(a).0)
                .then(key(a).1.cmp(&key(b).1))
                .then(a.job.id.cmp(&b.job.id))
        });
    }

    pub fn on_poll(&mut self, event: PollEvent) {
        self.polling = false;
        match event {
            PollEvent::Updated {
                jobs, pending, at_ms, ..
            } => {
                // The journal is the truth: what another window tracked or forgot shows here too.
                // The selection stays on its job, wherever the job moves.
                let chosen = self.selected_job().map(|s| s.job.id.clone());
                self.jobs = jobs;
                self.sort();
                self.pending = pending;
                self.updated_ms = Some(at_ms);
                self.failure = None;
                let visible = self.visible();
                self.selected = chosen
                    .and_then(|id| visible.iter().position(|s| s.job.id == id))
                    .unwrap_or(self.selected)
                    .min(visible.len().saturating_sub(1));
            }
            PollEvent::Failed { error, retry_in, .. } => self.failure = Some((error, retry_in)),
        }
    }

    /// The tracked jobs, a lost submit's candidates, then (when shown) the cluster's others.
    pub fn visible(&self) -> Vec<Shown<'_>> {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut v: Vec<Shown<'_>> = Vec::with_capacity(self.jobs.len());
        for t in &self.jobs {
            seen.insert(t.job.id.as_str());
            v.push(Shown {
                job: &t.job,
                request: t.request.as_ref(),
                kind: Kind::Tracked,
            });
        }
        for c in self.pending.iter().flat_map(|p| p.candidates.iter()) {
            if seen.insert(c.id.as_str()) {
                v.push(Shown {
                    job: c,
                    request: None,
                    kind: Kind::Candidate,
                });
            }
        }
        if let Some(Ok(others)) = &self.others {
            for o in others {
                if seen.insert(o.id.as_str()) {
                    v.push(Shown {
                        job: o,
                        request: None,
                        kind: Kind::Other,
                    });
                }
            }
        }
        v
    }

    /// A job shown in the panel, tracked or not.
    pub fn find(&self, id: &str) -> Option<Shown<'_>> {
        self.visible().into_iter().find(|s| s.job.id == id)
    }

    pub fn selected_job(&self) -> Option<Shown<'_>> {
        self.visible().get(self.selected).copied()
    }

    /// The jobs `t` tracks with this one: its whole batch, as far as it is shown.
    pub fn batch_of(&self, job: &RestoreJob) -> Vec<RestoreJob> {
        match &job.batch_id {
            Some(b) => self
                .visible()
                .iter()
                .filter(|s| s.job.batch_id.as_ref() == Some(b))
                .map(|s| s.job.clone())
                .collect(),
            None => vec![job.clone()],
        }
    }

    /// Up/Down select; the rest asks the app (it needs the form, the dialogs, the effects).
    pub fn on_key(&mut self, action: Option<Action>) -> Outcome {
        let selected = self.selected_job().map(|s| s.job.id.to_string());
        match (action, selected) {
            (Some(a @ (Action::Up | Action::Down)), _) => {
                self.move_selection(a == Action::Down);
                Outcome::Changed
            }
            (Some(Action::ToggleOthers), _) => Outcome::Request(Request::ToggleOthers),
            (Some(Action::BackToForm), _) => Outcome::Request(Request::FocusForm),
            (Some(Action::OpenDetail), Some(id)) => Outcome::Request(Request::OpenDetail(id)),
            (
                Some(a @ (Action::CopyUrl | Action::CopyCommand | Action::Download | Action::Track | Action::Forget)),
                Some(id),
            ) => Outcome::Request(Request::JobAction(a, id)),
            (
                Some(
                    Action::OpenDetail
                    | Action::CopyUrl
                    | Action::CopyCommand
                    | Action::Download
                    | Action::Track
                    | Action::Forget,
                ),
                None,
            ) => Outcome::Unchanged,
            _ => Outcome::Ignored,
        }
    }

    /// The index of the job drawn at `(x, y)`, if any.
    pub fn job_at(&self, x: u16, y: u16) -> Option<usize> {
        let (rows, start, _) = self.drawn.get()?;
        let inside = x >= rows.x && x < rows.right() && y >= rows.y && y < rows.bottom();
        let i = start + (y.checked_sub(rows.y)?) as usize;
        (inside && i < self.visible().len()).then_some(i)
    }

    /// Whether `(x, y)` is on the panel.
    pub fn contains(&self, x: u16, y: u16) -> bool {
        self.drawn
            .get()
            .is_some_and(|(_, _, a)| x >= a.x && x < a.right() && y >= a.y && y < a.bottom())
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
        self.jobs.iter().map(|j| expires_in(&j.job, now_ms)).collect()
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

    /// One job's columns (after the selection mark). An automated restore names its target
    /// and restore point where a download shows its expiry, downloads and hash.
    fn row(&self, shown: Shown<'_>, theme: &Theme, now_ms: i64) -> String {
        let job = shown.job;
        let batch = if job.batch_id.is_some() { "+" } else { " " };
        let cluster = job.cluster_name.as_deref().unwrap_or("-");
        let method = present::method(job, shown.request);
        if let Some(target) = method.target() {
            // Atlas's delivery status says little here: the target and the point say more.
            return format!(
                "{batch}{:<8} {:<10} {:<11} {} {target} · {}",
                short_id(&job.id),
                truncate(cluster, 10),
                truncate(&status(job), 11),
                theme.arrow(),
                present::restore_point(job, shown.request)
            );
        }
        let head = format!(
            "{batch}{:<8} {:<10} {:<11} {:<13}",
            short_id(&job.id),
            truncate(cluster, 10),
            truncate(&status(job), 11),
            truncate(&delivery_status(job), 13),
        );
        let hash = if listed_sha1(job).is_some() {
            theme.mark_ok()
        } else {
            "-"
        };
        format!("{head} {:<7} {:<8} {hash}", expires_in(job, now_ms), max_downloads(job))
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
        for shown in self.visible().into_iter().take(area.height.saturating_sub(1) as usize) {
            lines.push(Line::raw(truncate(
                &format!(" {}", self.row(shown, theme, now_ms)),
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
        // A submit whose outcome is not known: said in full, with what to do.
        for p in &self.pending {
            let text = present::pending_line(p);
            for chunk in wrap(&text, width.max(1)) {
                lines.push(Line::styled(chunk, theme.warning()));
            }
        }
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
        let rows_area = Rect::new(inner.x, inner.y + lines.len() as u16, inner.width, rows as u16);
        self.drawn.set(Some((rows_area, start, area)));
        for (i, shown) in visible.into_iter().enumerate().skip(start).take(rows) {
            let job = shown.job;
            let chosen = active && i == self.selected;
            let style = if chosen {
                theme.focus()
            } else if matches!(status(job).as_str(), "BROKEN" | "KILLED" | "FAILED") {
                theme.error()
            } else {
                ratatui::style::Style::new()
            };
            let mark = match (chosen, shown.kind) {
                (true, _) => theme.mark_focus(),
                (false, Kind::Tracked) => " ",
                // Could be a lost submit's: t tracks it.
                (false, Kind::Candidate) => "?",
                // Not tracked here: listed for reference, dimmed.
                (false, Kind::Other) => ".",
            };
            let style = if shown.kind != Kind::Other || chosen {
                style
            } else {
                theme.dim()
            };
            lines.push(Line::styled(
                truncate(&format!("{mark}{}", self.row(shown, theme, now_ms)), width),
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
