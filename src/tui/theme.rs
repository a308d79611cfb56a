//! Colours and markers. Colours are the terminal's 16 named ones (so the user's palette
//! applies), dropped entirely under `NO_COLOR`; every state also has a marker, so nothing is
//! told by colour alone. `--ascii` swaps Unicode marks and borders for plain ones.

use ratatui::style::{Color, Modifier, Style};
use ratatui::symbols::border;

/// `[ui] color`: colours when the terminal is one (and `NO_COLOR` unset), always, or never.
#[derive(Debug, Clone, Copy, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Theme {
    pub color: bool,
    pub ascii: bool,
}

impl Theme {
    /// `[ui] color` and `NO_COLOR` decide colour; `--ascii`/`[ui] ascii` decide the marks.
    pub fn new(color_choice: ColorChoice, no_color_env: bool, ascii: bool) -> Theme {
        let color = match color_choice {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => !no_color_env,
        };
        Theme { color, ascii }
    }

    fn fg(&self, c: Color) -> Style {
        if self.color { Style::new().fg(c) } else { Style::new() }
    }

    pub fn error(&self) -> Style {
        self.fg(Color::Red).add_modifier(Modifier::BOLD)
    }

    pub fn warning(&self) -> Style {
        self.fg(Color::Yellow)
    }

    pub fn good(&self) -> Style {
        self.fg(Color::Green)
    }

    pub(crate) fn dim(&self) -> Style {
        if self.color {
            Style::new().fg(Color::DarkGray)
        } else {
            Style::new().add_modifier(Modifier::DIM)
        }
    }

    pub fn label(&self) -> Style {
        self.fg(Color::Cyan)
    }

    pub fn focus(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn title(&self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub(crate) fn danger_banner(&self) -> Style {
        if self.color {
            Style::new()
                .fg(Color::White)
                .bg(Color::Red)
                .add_modifier(Modifier::BOLD)
        } else {
            Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED)
        }
    }

    pub fn border(&self) -> border::Set<'static> {
        if self.ascii {
            border::Set {
                top_left: "+",
                top_right: "+",
                bottom_left: "+",
                bottom_right: "+",
                vertical_left: "|",
                vertical_right: "|",
                horizontal_top: "-",
                horizontal_bottom: "-",
            }
        } else {
            border::PLAIN
        }
    }

    pub(crate) fn mark_error(&self) -> &'static str {
        if self.ascii { "X" } else { "✖" }
    }

    pub(crate) fn mark_warning(&self) -> &'static str {
        "!"
    }

    pub(crate) fn mark_pointless(&self) -> &'static str {
        "-"
    }

    pub(crate) fn mark_focus(&self) -> &'static str {
        if self.ascii { ">" } else { "▶" }
    }

    /// Points at an automated restore's target.
    pub fn arrow(&self) -> &'static str {
        if self.ascii { "->" } else { "→" }
    }

    /// An opened batch's part, under the batch's row.
    pub(crate) fn mark_part(&self) -> &'static str {
        if self.ascii { "|" } else { "·" }
    }

    pub(crate) fn mark_ok(&self) -> &'static str {
        if self.ascii { "+" } else { "✓" }
    }
}
