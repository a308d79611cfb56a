//! How the jobs panel draws: its 80-column rows, the strip of short screens, and from `WIDE`
//! columns a table with more columns. It reads the row models `jobs_panel.rs` makes when the
//! jobs change, so a frame formats only what is on screen.

use super::jobs_panel::{JobsPanel, Kind, RowModel, Shown, SortBy, WIDE};
use super::theme::Theme;
use crate::jobs::present::{self, expires_in};
use crate::text::{middle_cut, truncate};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

/// Where a frame put the panel: its rows (and the index of the first), for the mouse and
/// for what a tick looks at; and the whole panel's area.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PanelDrawn {
    pub rows: Rect,
    pub start: usize,
    pub area: Rect,
}

impl PanelDrawn {
    /// The index of the job drawn at `(x, y)`, if any, of `len` rows.
    pub(crate) fn job_at(&self, x: u16, y: u16, len: usize) -> Option<usize> {
        let rows = self.rows;
        let inside = x >= rows.x && x < rows.right() && y >= rows.y && y < rows.bottom();
        let i = self.start + (y.checked_sub(rows.y)?) as usize;
        (inside && i < len).then_some(i)
    }

    /// Whether `(x, y)` is on the panel.
    pub fn contains(&self, x: u16, y: u16) -> bool {
        let a = self.area;
        x >= a.x && x < a.right() && y >= a.y && y < a.bottom()
    }
}

impl JobsPanel {
    /// "updated 12:04:31Z", or the one failure state.
    fn age_line(&self) -> Option<String> {
        if let Some((error, retry)) = &self.failure {
            return Some(format!("load failed, retrying in {} s: {error}", retry.as_secs()));
        }
        let at = crate::restore::time_input::format_utc_ms(self.updated_ms? / 1000 * 1000);
        let polling = if self.polling { " · polling…" } else { "" };
        Some(format!("updated {}{polling}", at.get(11..).unwrap_or(&at)))
    }

    /// One job's columns, 80 columns wide (after the selection mark). An automated restore
    /// names its target and restore point where a download shows its expiry and downloads.
    fn row_text(&self, m: &RowModel, part: bool, expires: &str, theme: &Theme) -> String {
        let batch = batch_mark(m, part, theme);
        if let Some(target) = &m.target {
            return format!(
                "{batch}{:<8} {:<10} {:<11} {} {target} · {}",
                m.short_id,
                truncate(&m.cluster, 10),
                truncate(&m.status, 11),
                theme.arrow(),
                m.point
            );
        }
        // A batch counts its parts with a SHA1 listed ("1/3"); a job marks whether it has one,
        // or that its file downloaded from here is broken.
        let hash = m.hash_mark(theme.mark_ok(), theme.mark_error());
        format!(
            "{batch}{:<8} {:<10} {:<11} {:<13} {:<7} {:<8} {hash}",
            m.short_id,
            truncate(&m.cluster, 10),
            truncate(&m.status, 11),
            truncate(&m.delivery, 13),
            expires,
            m.max_dl,
        )
    }

    /// A borderless strip for short screens: a title line, then the newest jobs.
    pub(crate) fn render_strip(&self, frame: &mut Frame, area: Rect, theme: &Theme, now_ms: i64) {
        let width = area.width as usize;
        let age = self.age_line().map(|a| format!(" · {a}")).unwrap_or_default();
        let title = format!("Restore jobs ({}){age} · F2 for the panel", self.row_counts().tracked);
        let title_style = if self.failure.is_some() {
            theme.error()
        } else {
            theme.title()
        };
        let mut lines = vec![Line::styled(truncate(&title, width), title_style)];
        for (row, m) in (0..area.height.saturating_sub(1) as usize).map_while(|i| self.row(i)) {
            let expires = self
                .shown(row.slot)
                .map_or_else(|| "-".into(), |s| expires_in(s.job, now_ms));
            lines.push(Line::raw(truncate(
                &format!(" {}", self.row_text(m, row.part, &expires, theme)),
                width,
            )));
        }
        frame.render_widget(Paragraph::new(lines), area);
    }

    /// Draws the panel; returns where its rows went.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, active: bool, now_ms: i64) -> PanelDrawn {
        // What the rows show, never a difference of two counts of other things.
        let rows = self.row_counts();
        let count = match self.others() {
            Some(Ok(_)) => format!("{} tracked, {} other", rows.tracked, rows.others),
            _ => rows.tracked.to_string(),
        };
        // Where the keys go is seen without colour too: a mark in the title.
        let (title, title_style, border_style) = if active {
            (
                format!(
                    " {} Restore jobs ({count}) · keys here, Esc to the form ",
                    theme.mark_focus()
                ),
                theme.focus(),
                theme.focus(),
            )
        } else {
            (
                format!(" Restore jobs ({count}) "),
                theme.title(),
                ratatui::style::Style::new(),
            )
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .border_style(border_style)
            .title(Span::styled(title, title_style));
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
            for chunk in super::wrap::wrap(&age, width.max(1)) {
                lines.push(Line::styled(chunk, style));
            }
        }
        let wide = width >= WIDE;
        // The filter and the sort, when they are not the plain list.
        if self.filtering.is_some() || !self.filter.is_empty() || self.sort_by != SortBy::Created {
            let typing = if self.filtering.is_some() {
                "▏ (Enter keeps, Esc clears)"
            } else {
                ""
            };
            lines.push(Line::styled(
                truncate(
                    &format!(
                        "filter: {}{typing} · {} shown · sorted by {}",
                        self.filter,
                        self.len(),
                        self.sort_by.name()
                    ),
                    width,
                ),
                theme.label(),
            ));
        }
        // A submit whose outcome is not known: said in full, with what to do.
        for p in &self.pending {
            let mut text = present::pending_line(p);
            // Made no job: said as a failure until the DBA has read it and pressed X.
            let style = if p.awaits_dismissal() {
                text.push_str(" (X dismisses)");
                theme.error()
            } else {
                theme.warning()
            };
            for chunk in super::wrap::wrap(&text, width.max(1)) {
                lines.push(Line::styled(chunk, style));
            }
        }
        if let Some(Err(why)) = self.others() {
            lines.push(Line::styled(
                truncate(&format!("the cluster's other jobs: {why}"), width),
                theme.error(),
            ));
        }
        // The narrow list's header right above its rows (the wide table has its own).
        if !wide {
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
        }
        if self.is_empty() && self.pending.is_empty() {
            lines.push(Line::styled(
                "  none yet: compose a request and press Ctrl-S",
                theme.dim(),
            ));
        }
        // The wide table has its own header row.
        let rows = (inner.height as usize).saturating_sub(lines.len() + usize::from(wide));
        let start = self.selected.saturating_sub(rows.saturating_sub(1));
        let rows_y = inner.y + lines.len() as u16 + u16::from(wide);
        let rows_area = Rect::new(inner.x, rows_y, inner.width, rows as u16);
        let drawn = PanelDrawn {
            rows: rows_area,
            start,
            area,
        };
        let styled = |i: usize, m: &RowModel| {
            let chosen = active && i == self.selected;
            let mark = match (chosen, m.kind) {
                (true, _) => theme.mark_focus(),
                (false, Kind::Tracked) => " ",
                // Could be a lost submit's: t tracks it.
                (false, Kind::Candidate) => "?",
                // Not tracked here: listed for reference, dimmed.
                (false, Kind::Other) => ".",
            };
            let style = if chosen {
                theme.focus()
            } else if m.kind == Kind::Other {
                theme.dim()
            } else if m.failure || m.file == Some(crate::jobs::notes::FileState::Broken) {
                theme.error()
            } else {
                ratatui::style::Style::new()
            };
            (mark, style)
        };
        // Only the rows on screen are looked at: a frame costs the same with 10 or 10,000 jobs.
        let shown: Vec<(usize, &RowModel, Shown<'_>, bool)> = (start..start + rows)
            .map_while(|i| self.row(i).map(|r| (i, r)))
            .filter_map(|(i, (row, m))| Some((i, m, self.shown(row.slot)?, row.part)))
            .collect();
        let head_height = lines.len() as u16;
        frame.render_widget(Paragraph::new(lines), inner);
        let table_area = Rect::new(
            inner.x,
            inner.y + head_height,
            inner.width,
            inner.height.saturating_sub(head_height),
        );
        if wide {
            self.render_table(frame, table_area, theme, &shown, &styled, now_ms);
        } else {
            let lines: Vec<Line> = shown
                .iter()
                .map(|(i, m, s, part)| {
                    let (mark, style) = styled(*i, m);
                    let expires = expires_in(s.job, now_ms);
                    Line::styled(
                        truncate(&format!("{mark}{}", self.row_text(m, *part, &expires, theme)), width),
                        style,
                    )
                })
                .collect();
            frame.render_widget(Paragraph::new(lines), table_area);
        }
        drawn
    }

    /// From `WIDE` columns: a table with the job's created time, restore point, the target
    /// or the download's host and path, and the SHA1's first 8 characters.
    fn render_table(
        &self,
        frame: &mut Frame,
        area: Rect,
        theme: &Theme,
        shown: &[(usize, &RowModel, Shown<'_>, bool)],
        styled: &dyn Fn(usize, &RowModel) -> (&'static str, ratatui::style::Style),
        now_ms: i64,
    ) {
        use ratatui::layout::Constraint::{Fill, Length};
        use ratatui::widgets::{Cell, Row, Table};
        // The URL or target is what a wide screen is for: it gets the room the others leave;
        // from 150 columns the created time and the download limit join.
        let roomy = area.width >= 150;
        let mut names = vec![
            "",
            "job",
            "cluster",
            "status",
            "delivery",
            "expires",
            "sha1",
            "restore point",
        ];
        let mut widths = vec![
            Length(2),
            Length(8),
            Length(10),
            Length(11),
            Length(13),
            Length(7),
            Length(8),
            Length(22),
        ];
        if roomy {
            names.extend(["max dl", "created"]);
            widths.extend([Length(8), Length(11)]);
        }
        names.push("target or URL");
        widths.push(Fill(1));
        // The last column's room, to cut a URL in its middle (host … file) rather than its end.
        let fixed: u16 = widths
            .iter()
            .map(|w| match w {
                Length(n) => *n + 1,
                _ => 0,
            })
            .sum();
        let last_width = area.width.saturating_sub(fixed) as usize;
        let header = Row::new(names.into_iter().map(Cell::from)).style(theme.dim());
        let body: Vec<Row> = shown
            .iter()
            .map(|(i, m, s, part)| {
                let (mark, style) = styled(*i, m);
                let (expires, max_dl, last) = match &m.target {
                    Some(t) => ("-".to_string(), "-".to_string(), format!("{} {t}", theme.arrow())),
                    None => (
                        expires_in(s.job, now_ms),
                        m.max_dl.clone(),
                        middle_cut(&m.url, last_width),
                    ),
                };
                let mut cells = vec![
                    Cell::from(format!("{mark}{}", batch_mark(m, *part, theme))),
                    Cell::from(m.short_id.clone()),
                    Cell::from(m.cluster.clone()),
                    Cell::from(m.status.clone()),
                    Cell::from(m.delivery.clone()),
                    Cell::from(expires),
                    Cell::from(match m.file {
                        Some(crate::jobs::notes::FileState::Broken) => m.hash_mark("", theme.mark_error()),
                        _ => m.sha1.clone(),
                    }),
                    Cell::from(m.point.clone()),
                ];
                if roomy {
                    cells.extend([Cell::from(max_dl), Cell::from(m.created.clone())]);
                }
                cells.push(Cell::from(last));
                Row::new(cells).style(style)
            })
            .collect();
        frame.render_widget(Table::new(body, widths).header(header).column_spacing(1), area);
    }
}

/// Before the job's id: `+` for a batch, a tree mark for an opened batch's part (beside the
/// id, not over it: the id stays the one the commands take).
fn batch_mark(m: &RowModel, part: bool, theme: &Theme) -> &'static str {
    match (part, m.batch) {
        (true, _) => theme.mark_part(),
        (false, true) => "+",
        (false, false) => " ",
    }
}
