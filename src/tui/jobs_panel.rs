//! The jobs submitted from this dashboard: one row each, a sharded batch together.

use super::form::truncate;
use super::theme::Theme;
use crate::atlas::RestoreJob;
use crate::text::sanitize;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

#[derive(Default)]
pub struct JobsPanel {
    pub jobs: Vec<RestoreJob>,
    pub selected: usize,
    /// When the data was fetched (epoch ms), and the last failure if the latest cycle failed.
    pub updated_ms: Option<i64>,
    pub failure: Option<(String, std::time::Duration)>,
    /// A cycle asked for and not answered yet.
    pub polling: bool,
}

impl JobsPanel {
    pub fn on_poll(&mut self, event: crate::jobs::PollEvent) {
        self.polling = false;
        match event {
            crate::jobs::PollEvent::Updated { jobs, at_ms, .. } => {
                self.jobs.clear();
                self.add(jobs);
                self.updated_ms = Some(at_ms);
                self.failure = None;
                self.selected = self.selected.min(self.jobs.len().saturating_sub(1));
            }
            crate::jobs::PollEvent::Failed {
                error, retry_in, ..
            } => self.failure = Some((error, retry_in)),
        }
    }

    /// "updated 12:04:31Z", or the one failure state.
    fn age_line(&self) -> Option<String> {
        if let Some((error, retry)) = &self.failure {
            return Some(format!(
                "load failed, retrying in {} s: {error}",
                retry.as_secs()
            ));
        }
        let at = crate::restore::time_input::format_utc_ms(self.updated_ms?);
        Some(format!("updated {}", at.get(11..).unwrap_or(&at)))
    }

    /// Adds jobs that came back from a create, keeping a batch's jobs together.
    pub fn add(&mut self, jobs: Vec<RestoreJob>) {
        for job in jobs {
            match self.jobs.iter_mut().find(|j| j.id == job.id) {
                Some(known) => *known = job,
                None => self.jobs.push(job),
            }
        }
        self.jobs.sort_by(|a, b| {
            (b.created.as_deref(), &a.batch_id).cmp(&(a.created.as_deref(), &b.batch_id))
        });
    }

    pub fn move_selection(&mut self, down: bool) {
        if self.jobs.is_empty() {
            return;
        }
        self.selected = if down {
            (self.selected + 1).min(self.jobs.len() - 1)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, active: bool) {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(
                format!(" Restore jobs ({}) ", self.jobs.len()),
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
            lines.push(Line::styled(truncate(&age, width), style));
        }
        lines.push(Line::styled(
            truncate(
                &format!(
                    "  {:<9} {:<14} {:<12} {:<22}",
                    "job", "cluster", "status", "delivery"
                ),
                width,
            ),
            theme.dim(),
        ));
        if self.jobs.is_empty() {
            lines.push(Line::styled(
                "  none yet: compose a request and press Ctrl-S",
                theme.dim(),
            ));
        }
        for (i, job) in self
            .jobs
            .iter()
            .enumerate()
            .take(inner.height.saturating_sub(1) as usize)
        {
            let short: String = sanitize(&job.id)
                .chars()
                .rev()
                .take(8)
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let status = job
                .status_name
                .as_deref()
                .map(sanitize)
                .unwrap_or_else(|| "-".into());
            let delivery = job
                .delivery
                .as_ref()
                .and_then(|d| d.status_name.as_deref())
                .map(sanitize)
                .unwrap_or_else(|| "-".into());
            let cluster = job
                .cluster_name
                .as_deref()
                .map(sanitize)
                .unwrap_or_else(|| "-".into());
            let batch = if job.batch_id.is_some() { "+" } else { " " };
            let mark = if active && i == self.selected {
                theme.mark_focus()
            } else {
                " "
            };
            let text = format!(
                "{mark}{batch}{short:<9} {:<14} {status:<12} {delivery:<22}",
                truncate(&cluster, 14)
            );
            let style = if active && i == self.selected {
                theme.focus()
            } else {
                ratatui::style::Style::new()
            };
            lines.push(Line::styled(truncate(&text, width), style));
        }
        frame.render_widget(Paragraph::new(lines), inner);
    }
}
