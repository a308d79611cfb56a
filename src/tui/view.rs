//! The whole screen: layout for the terminal's size, then each component.

use super::app::{App, Dialog};

/// The most rows the status line takes; past them the rest of its text is cut.
const STATUS_MAX_ROWS: usize = 3;
use super::form::truncate;
use super::keys;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

/// Below this the screen says so instead of drawing a broken form.
pub(crate) const MIN_WIDTH: u16 = 60;
pub(crate) const MIN_HEIGHT: u16 = 20;
/// From this width, with the keys in the jobs panel, the selected job's detail sits beside it.
const DETAIL_PANE: u16 = 180;
/// From this width the form and the jobs sit side by side.
const SIDE_BY_SIDE: u16 = 150;
/// The form: 13 fields and its border.
const FORM_HEIGHT: u16 = 15;
const FORM_WIDTH: u16 = 88;

pub use super::jobs_panel_view::PanelDrawn;
use super::scroll::ScrollLimits;

/// What a frame measured, for what comes after it (`App::after_draw`): the draw only reads
/// the state. The mouse's targets, how far the views scroll, whether the screen was too
/// small, and what the clock moved on it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Drawn {
    /// The terminal's size: below the minimum only quitting acts.
    pub screen: (u16, u16),
    /// What the clock changes, as drawn, to tell whether a tick changes the screen.
    pub clock: Vec<String>,
    /// Where the form's fields are (a row each).
    pub fields: Option<Rect>,
    /// The findings' first line, when they scrolled, as bounded by what there is.
    pub findings_top: Option<usize>,
    /// Where the jobs panel's rows are.
    pub panel: Option<PanelDrawn>,
    /// How far the open dialog's view scrolls (help, detail, batch, review).
    pub dialog_scroll: Option<ScrollLimits>,
    /// How far the detail pane beside the panel scrolls.
    pub pane_scroll: Option<ScrollLimits>,
}

impl Default for Drawn {
    /// Before the first frame: nothing to hit, and no size to refuse keys for.
    fn default() -> Drawn {
        Drawn {
            screen: (u16::MAX, u16::MAX),
            clock: Vec::new(),
            fields: None,
            findings_top: None,
            panel: None,
            dialog_scroll: None,
            pane_scroll: None,
        }
    }
}

/// Draws the whole screen from the state, and returns what it measured.
pub fn draw(frame: &mut Frame, app: &App, now_ms: i64) -> Drawn {
    let drawn = draw_screen(frame, app, now_ms);
    if app.theme.ascii {
        ascii_only(frame.buffer_mut());
    }
    drawn
}

/// `--ascii` means every cell: what the theme's marks do not cover (a `·` in a title, an
/// ellipsis, a name from the network or a profile's) becomes its nearest ASCII, else `?`.
fn ascii_only(buffer: &mut ratatui::buffer::Buffer) {
    let mut wide_tail = false;
    for cell in &mut buffer.content {
        let symbol = cell.symbol();
        if wide_tail {
            // The second column of a wide character replaced by one `?`.
            wide_tail = false;
            if symbol.is_empty() {
                cell.set_symbol(" ");
                continue;
            }
        }
        if symbol.is_ascii() {
            continue;
        }
        let plain = match symbol {
            "·" | "•" => "-",
            "…" => "~",
            "▶" | "→" | "›" => ">",
            "◀" | "←" => "<",
            "✓" | "✔" => "+",
            "✖" | "✗" | "×" => "x",
            "▏" | "│" | "┃" => "|",
            "─" | "━" => "-",
            "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" => "+",
            "⋯" => "~",
            "’" | "‘" => "'",
            "“" | "”" => "\"",
            "–" | "—" => "-",
            other => {
                wide_tail = unicode_width(other) > 1;
                "?"
            }
        };
        cell.set_symbol(plain);
    }
}

/// How many columns a cell's text takes (2 for CJK and most emoji).
fn unicode_width(symbol: &str) -> usize {
    use ratatui::text::Span;
    Span::raw(symbol).width()
}

fn draw_screen(frame: &mut Frame, app: &App, now_ms: i64) -> Drawn {
    let area = frame.area();
    let mut drawn = Drawn {
        screen: (area.width, area.height),
        // What the clock moves, as drawn now: a tick redraws only when that changes.
        clock: app.clock_view(now_ms),
        ..Drawn::default()
    };
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let text = format!("terminal too small (needs {MIN_WIDTH}x{MIN_HEIGHT})");
        frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: true }), area);
        return drawn;
    }
    // With nothing to say on the status line, its row goes to the body (the findings); a
    // long one (a refusal and what to do instead) wraps onto up to three rows, whole.
    let status_rows = app.status.as_deref().map_or(0, |s| {
        Paragraph::new(s)
            .wrap(Wrap { trim: true })
            .line_count(area.width)
            .clamp(1, STATUS_MAX_ROWS) as u16
    });
    let [title, body, status, footer] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(0),
        Constraint::Length(status_rows),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_title(frame, app, title);

    let theme = &app.theme;
    let form_title = "Restore request";
    if body.width >= DETAIL_PANE && app.focus_jobs {
        // Wide, and the keys in the panel: the list and the selected job side by side.
        let [list, pane] = Layout::horizontal([Constraint::Percentage(58), Constraint::Min(0)]).areas(body);
        drawn.panel = Some(app.jobs.render(frame, list, theme, true, now_ms));
        if let Some(shown) = app.jobs.selected_job() {
            let view = super::job_detail::DetailView {
                job: shown.job,
                request: shown.request,
                kind: shown.kind,
                revealed: false,
                now_ms,
                local_offset: app.info.local_offset,
                download: app.downloads.get(shown.job.id.as_str()),
                eta: app.etas.get(shown.job.id.as_str()).map(String::as_str),
                scroll: &app.pane_scroll,
            };
            drawn.pane_scroll = Some(view.render(frame, inset(pane), theme));
        }
    } else if body.width >= SIDE_BY_SIDE {
        let [left, right] = Layout::horizontal([Constraint::Length(FORM_WIDTH), Constraint::Min(0)]).areas(body);
        let [form, findings] = Layout::vertical([Constraint::Length(FORM_HEIGHT), Constraint::Min(0)]).areas(left);
        drawn.fields = Some(app.form.render(frame, form, theme, form_title, !app.focus_jobs, now_ms));
        drawn.findings_top = app.form.render_findings(frame, inset(findings), theme);
        drawn.panel = Some(app.jobs.render(frame, right, theme, app.focus_jobs, now_ms));
    } else if app.focus_jobs && body.height < FORM_HEIGHT + 4 + 6 {
        // Too short for both: the panel takes the form's place while it has the focus.
        drawn.panel = Some(app.jobs.render(frame, body, theme, true, now_ms));
    } else {
        // The findings take the rows they need to be whole (at least 4); the jobs get the rest:
        // a panel when there is room for one, else a borderless strip of the newest.
        let wanted = app.form.findings_wanted(body.width.saturating_sub(2), theme).max(4);
        let free = body.height.saturating_sub(FORM_HEIGHT);
        let for_jobs = free.saturating_sub(wanted);
        let panel = for_jobs >= 6;
        let jobs_height = if panel {
            for_jobs.min(12)
        } else if app.jobs.tracked().is_empty() {
            0
        } else {
            (app.jobs.tracked().len() as u16 + 1).min(for_jobs).min(4)
        };
        let [form, findings, jobs] = Layout::vertical([
            Constraint::Length(FORM_HEIGHT),
            Constraint::Min(0),
            Constraint::Length(jobs_height),
        ])
        .areas(body);
        drawn.fields = Some(app.form.render(frame, form, theme, form_title, !app.focus_jobs, now_ms));
        drawn.findings_top = app.form.render_findings(frame, inset(findings), theme);
        if panel {
            drawn.panel = Some(app.jobs.render(frame, jobs, theme, app.focus_jobs, now_ms));
        } else if jobs_height > 0 {
            app.jobs.render_strip(frame, inset(jobs), theme, now_ms);
        }
    }

    if let Some(s) = &app.status {
        frame.render_widget(
            Paragraph::new(Span::styled(s.as_str(), theme.warning())).wrap(Wrap { trim: true }),
            status,
        );
    }
    let hints: Vec<Span> = fit_footer(keys::footer(&app.scopes()), footer.width as usize)
        .into_iter()
        .flat_map(|(k, what)| [Span::styled(k, theme.title()), Span::raw(format!(" {what}  "))])
        .collect();
    frame.render_widget(Paragraph::new(Line::from(hints)), footer);

    // Only the top dialog is drawn: the ones below wait for it to close.
    drawn.dialog_scroll = match app.dialogs.top() {
        Some(Dialog::Picker(p) | Dialog::Profiles(p)) => {
            p.render(frame, centered(area, 100, 18), theme);
            None
        }
        Some(Dialog::Review(r)) => Some(r.render(frame, centered(area, 110, 30), theme)),
        Some(Dialog::Message { title, lines }) => {
            draw_message(frame, app, title, lines, "Esc closes", centered(area, 90, 12));
            None
        }
        Some(Dialog::Help { scroll }) => Some(draw_help(frame, app, scroll, centered(area, 90, 48))),
        Some(Dialog::Detail {
            job_id,
            revealed,
            scroll,
        }) => app.jobs.find(job_id).map(|shown| {
            let view = super::job_detail::DetailView {
                job: shown.job,
                request: shown.request,
                kind: shown.kind,
                revealed: *revealed,
                now_ms,
                local_offset: app.info.local_offset,
                download: app.downloads.get(job_id),
                eta: app.etas.get(job_id).map(String::as_str),
                scroll,
            };
            view.render(
                frame,
                // Everything but the status line (when there is one) and the footer.
                Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1 + status_rows)),
                theme,
            )
        }),
        Some(Dialog::Batch { batch_id, scroll }) => {
            let parts = app.jobs.batch_parts(batch_id);
            let at = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1 + status_rows));
            let view = super::job_detail::BatchView {
                batch_id,
                parts: &parts,
                downloads: &app.downloads,
                now_ms,
                scroll,
            };
            Some(view.render(frame, at, theme))
        }
        Some(Dialog::Drills) => {
            let at = Rect::new(area.x, area.y, area.width, area.height.saturating_sub(1 + status_rows));
            Some(app.drills.render(frame, at, theme))
        }
        Some(Dialog::Folder(prompt)) => {
            prompt.render(frame, centered(area, 90, 14), &app.theme);
            None
        }
        Some(Dialog::Confirm { title, lines, .. }) => {
            draw_message(
                frame,
                app,
                title,
                lines,
                "Enter goes ahead; Esc cancels",
                centered(area, 90, 10),
            );
            None
        }
        None => None,
    };
    drawn
}

/// The hints that fit `width`, whole: the way out, help and the way back always; the others
/// in the table's order while they fit (the help lists them all).
fn fit_footer(hints: Vec<(String, &'static str)>, width: usize) -> Vec<(String, &'static str)> {
    let cost = |(k, what): &(String, &str)| k.chars().count() + 1 + what.chars().count() + 2;
    let essential = |what: &str| matches!(what, "quit" | "help" | "close" | "form" | "back");
    let mut room = width.saturating_sub(hints.iter().filter(|h| essential(h.1)).map(cost).sum());
    hints
        .into_iter()
        .filter(|h| {
            if essential(h.1) {
                return true;
            }
            let c = cost(h);
            let fits = c <= room;
            if fits {
                room -= c;
            }
            fits
        })
        .collect()
}

fn inset(area: Rect) -> Rect {
    Rect::new(area.x + 1, area.y, area.width.saturating_sub(2), area.height)
}

fn draw_title(frame: &mut Frame, app: &App, area: Rect) {
    let mode = if app.info.demo {
        "DEMO (simulated Atlas) · "
    } else {
        ""
    };
    // Before the URL, so that 80 columns show it (the profile before it all).
    let clock = app.clock_note.as_deref().map(|n| format!("{n} · ")).unwrap_or_default();
    // Atlas is the default and goes unsaid; Cloud and Ops Manager are named.
    let product = if app.info.flavor.is_public_api() {
        format!("{} ", app.info.flavor.product())
    } else {
        String::new()
    };
    // A production profile is said in a word, first, so that 20 columns and no colour show it.
    let (production, style) = if app.info.production {
        ("PRODUCTION · ", app.theme.error())
    } else {
        ("", app.theme.title())
    };
    let text = format!(
        "{production}atlas-restore · profile {} · {mode}{clock}{} · {product}API {}",
        app.info.profile,
        app.info.base_url,
        app.info.api.as_str()
    );
    frame.render_widget(
        Paragraph::new(Span::styled(truncate(&text, area.width as usize), style)),
        area,
    );
}

/// A box of at most `w`x`h`, centred, inside `area`.
fn centered(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect::new(area.x + (area.width - w) / 2, area.y + (area.height - h) / 2, w, h)
}

fn draw_message(frame: &mut Frame, app: &App, title: &str, lines: &[String], footer: &str, area: Rect) {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(format!(" {title} "), app.theme.error()));
    let mut text: Vec<Line> = lines.iter().map(|l| Line::raw(l.clone())).collect();
    text.push(Line::styled(footer.to_string(), app.theme.dim()));
    frame.render_widget(Paragraph::new(text).wrap(Wrap { trim: false }).block(block), area);
}

fn draw_help(frame: &mut Frame, app: &App, scroll: &super::scroll::Scroll, area: Rect) -> ScrollLimits {
    frame.render_widget(Clear, area);
    let block = Block::default()
        .borders(Borders::ALL)
        .border_set(app.theme.border())
        .title(Span::styled(
            " Keys (Up/Down, PgUp/PgDn scroll; Esc closes) ",
            app.theme.title(),
        ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut text = Vec::new();
    for (title, bindings) in keys::help_lines() {
        text.push(Line::styled(title, app.theme.label()));
        for (label, help) in bindings {
            // Long descriptions go on under themselves, so that 80 columns show them whole.
            let room = (inner.width as usize).saturating_sub(11).max(20);
            for (i, part) in super::wrap::wrap(help, room).into_iter().enumerate() {
                let key = if i == 0 { label.as_str() } else { "" };
                text.push(Line::raw(format!("  {key:<8} {part}")));
            }
        }
    }
    let note = "Fields are the API's names. Times: epoch digits, 2026-11-28T09:30Z, -90m or 2h ago.";
    for part in super::wrap::wrap(note, (inner.width as usize).max(20)) {
        text.push(Line::styled(part, app.theme.dim()));
    }
    scroll.render(frame, inner, Paragraph::new(text), &app.theme)
}
