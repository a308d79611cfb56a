//! A view longer than its area (a job's detail, the review, the help): which line is on top,
//! the keys that move it, and a marker that says where the view is and that there is more.
//! How far it can go is known only once drawn: the draw returns it (`ScrollLimits`), and the
//! app hands it back with `set_limits` before the next key.

use super::keys::Action;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Span;
use ratatui::widgets::Paragraph;

#[derive(Debug, Default)]
pub struct Scroll {
    top: u16,
    /// From the last draw: the furthest the top can go, and a page's height.
    limits: ScrollLimits,
}

/// What a draw measured of a scrolled view.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct ScrollLimits {
    /// The furthest the top line can go.
    pub max: u16,
    /// A page's height (PgUp/PgDn).
    pub page: u16,
    /// How many rows of text show (the marker's row not counted).
    pub view: u16,
}

impl Scroll {
    /// What the last draw measured.
    pub(crate) fn set_limits(&mut self, limits: ScrollLimits) {
        self.limits = limits;
    }

    /// Up/Down a line, PgUp/PgDn a page, Home/End the ends; `true` if the view moved.
    pub(crate) fn on_action(&mut self, action: Action) -> bool {
        let (max, page) = (self.limits.max, self.limits.page.max(1));
        let top = match action {
            Action::Up => self.top.saturating_sub(1),
            Action::Down => self.top.saturating_add(1),
            Action::PageUp => self.top.saturating_sub(page),
            Action::PageDown => self.top.saturating_add(page),
            Action::Top => 0,
            Action::Bottom => max,
            _ => return false,
        }
        .min(max);
        let moved = top != self.top;
        self.top = top;
        moved
    }

    /// Moves the least that shows rows `first..=last` (a list's selection), as measured by
    /// the last draw; the next draw keeps it within bounds.
    pub(crate) fn reveal(&mut self, first: u16, last: u16) {
        let view = self.limits.view.max(1);
        if first < self.top {
            self.top = first;
        } else if last >= self.top.saturating_add(view) {
            self.top = last.saturating_add(1).saturating_sub(view).min(first);
        }
    }

    /// Moves by `lines` (the mouse wheel).
    pub fn by(&mut self, lines: i32) {
        let top = i32::from(self.top) + lines;
        self.top = u16::try_from(top.max(0)).unwrap_or(u16::MAX).min(self.limits.max);
    }

    /// Draws `paragraph` (wrapped, unbordered) in `area` from the top line. When it does not
    /// all fit, the bottom row is kept for a marker (`12-30/58 ↓ PgDn`), so that it never
    /// covers a line. Returns how far it scrolls at this size.
    pub fn render(&self, frame: &mut Frame, area: Rect, paragraph: Paragraph<'_>, theme: &Theme) -> ScrollLimits {
        let total = u16::try_from(paragraph.line_count(area.width)).unwrap_or(u16::MAX);
        if total <= area.height || area.height < 2 {
            frame.render_widget(paragraph, area);
            // All of it shows: no key moves it (the page does not matter then).
            return ScrollLimits {
                max: 0,
                page: self.limits.page,
                view: area.height,
            };
        }
        let view = Rect::new(area.x, area.y, area.width, area.height - 1);
        let max = total.saturating_sub(view.height);
        let limits = ScrollLimits {
            max,
            page: view.height.saturating_sub(1).max(1),
            view: view.height,
        };
        let top = self.top.min(max);
        frame.render_widget(paragraph.scroll((top, 0)), view);
        let last = (top + view.height).min(total);
        let arrows = match (top > 0, last < total, theme.ascii) {
            (true, true, false) => "↑↓",
            (true, false, false) => "↑ Home",
            (_, _, false) => "↓ PgDn",
            (_, true, true) => "v PgDn",
            (_, false, true) => "^ Home",
        };
        let marker = format!("lines {}-{last} of {total} {arrows}", top + 1);
        frame.render_widget(
            Paragraph::new(Span::styled(marker, theme.dim())).alignment(ratatui::layout::Alignment::Right),
            Rect::new(area.x, area.bottom() - 1, area.width, 1),
        );
        limits
    }
}
