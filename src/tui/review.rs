//! The review before sending: the method and URL, the exact JSON, an equivalent `curl`
//! command (the private key left as a placeholder), and for `AUTOMATED_RESTORE` the erase
//! warning and the typed confirmation.

use super::dialog::{Outcome, Request, text_input};
use super::keys::Action;
use super::theme::Theme;
use crate::restore::{ApiVersion, Erase, RestoreRequest};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};
use serde_json::Value;
use tui_input::Input;

/// The placeholder the curl command carries instead of the private key.
pub const KEY_PLACEHOLDER: &str = "$MONGODB_ATLAS_PRIVATE_API_KEY";

pub struct Review {
    pub url: String,
    /// What will be sent, bound to its source and target.
    pub request: RestoreRequest,
    /// Exactly what will be sent, as the wire takes it.
    pub body: Value,
    pub curl: String,
    /// For `AUTOMATED_RESTORE`: what must be typed, and what it names.
    pub confirm: Option<Erase>,
    pub typed: Input,
    pub sending: bool,
    pub note: Option<String>,
    /// The key of an earlier submit of the same restore, once the DBA was told of it: the
    /// next Enter sends anyway.
    pub repeat_of: Option<String>,
    pub scroll: super::scroll::Scroll,
}

impl Review {
    pub fn new(url: String, request: RestoreRequest, public_key: &str, api: ApiVersion) -> Review {
        let body = request.body(api);
        Review {
            curl: curl_command(&url, &body, public_key, api),
            url,
            confirm: request.erase(),
            request,
            body,
            typed: Input::default(),
            sending: false,
            note: None,
            repeat_of: None,
            scroll: super::scroll::Scroll::default(),
        }
    }

    /// Enter sends (the app checks the confirmation and the clock), Esc goes back (not while
    /// sending); other keys type the erase confirmation.
    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Close) if self.sending => Outcome::Unchanged,
            Some(Action::Close) => Outcome::Close,
            Some(Action::Submit) => Outcome::Request(Request::Submit),
            Some(a) if self.scroll.on_action(a) => Outcome::Changed,
            Some(_) => Outcome::Ignored,
            None if self.confirm.is_some() && !self.sending => {
                if let Some(req) = text_input(key) {
                    self.typed.handle(req);
                    self.note = None;
                }
                Outcome::Changed
            }
            None => Outcome::Ignored,
        }
    }

    /// Whether Enter may send: always for HTTP; for an automated restore only once the
    /// target has been typed exactly.
    pub fn confirmed(&self) -> bool {
        match &self.confirm {
            None => true,
            Some(c) => c.accepts(self.typed.value()),
        }
    }

    /// Draws the review; returns how far its request scrolls.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> super::scroll::ScrollLimits {
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(
                " Review: nothing is sent until you confirm ",
                theme.title(),
            ));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        // The warning, the confirmation and the state come first, so that no window is too
        // small to show them; the request follows in what room is left.
        let mut head: Vec<Line> = Vec::new();
        if let Some(c) = &self.confirm {
            head.push(Line::styled(
                format!(
                    " {} AUTOMATED_RESTORE ERASES every piece of data on cluster {} in project {}, then restores {} into it. ",
                    theme.mark_error(),
                    c.label,
                    c.target_group_id,
                    self.request.source.cluster_name
                ),
                theme.danger_banner(),
            ));
            let ok = self.confirmed();
            head.push(Line::from(vec![
                Span::styled(format!("Type {} to confirm the erase: ", c.expected), theme.warning()),
                Span::styled(
                    self.typed.value().to_string(),
                    if ok { theme.good() } else { theme.error() },
                ),
            ]));
        }
        let state = if self.sending {
            match &self.note {
                // Said while it is being sent: a wait for the store, which comes first.
                Some(note) => Line::styled(format!("sending… {note}"), theme.warning()),
                None => Line::styled("sending…", theme.dim()),
            }
        } else if let Some(note) = &self.note {
            Line::styled(note.clone(), theme.warning())
        } else if self.confirmed() {
            Line::styled("Enter sends it; Esc goes back", theme.dim())
        } else {
            Line::styled("Enter sends it once the name is typed; Esc goes back", theme.dim())
        };
        head.push(state);
        let width = inner.width.max(1) as usize;
        // As drawn, words wrapped: a count of characters over the width falls short of it.
        let banner_rows = head.first().map_or(0, |l| {
            Paragraph::new(l.clone())
                .wrap(Wrap { trim: false })
                .line_count(inner.width)
        });
        let head_height = Paragraph::new(head.clone())
            .wrap(Wrap { trim: false })
            .line_count(inner.width);
        let head_height = (head_height as u16).min(inner.height);
        let head_area = Rect::new(inner.x, inner.y, inner.width, head_height);
        let rest = Rect::new(inner.x, inner.y + head_height, inner.width, inner.height - head_height);
        frame.render_widget(Paragraph::new(head).wrap(Wrap { trim: false }), head_area);

        let mut lines: Vec<Line> = vec![Line::from(vec![
            Span::styled("POST ", theme.title()),
            Span::raw(self.url.clone()),
        ])];
        let pretty = serde_json::to_string_pretty(&self.body).unwrap_or_default();
        lines.extend(pretty.lines().map(|l| Line::raw(l.to_string())));
        lines.push(Line::styled(
            "As a command (the private key stays in your environment):",
            theme.dim(),
        ));
        lines.push(Line::raw(self.curl.clone()));
        // The request scrolls (Up/Down, PgUp/PgDn, Home/End) under the head, which stays.
        let limits = self
            .scroll
            .render(frame, rest, Paragraph::new(lines).wrap(Wrap { trim: false }), theme);
        // The cursor sits after what has been typed of the confirmation (head's second line).
        if let (Some(c), false) = (&self.confirm, self.sending) {
            let prompt = format!("Type {} to confirm the erase: ", c.expected).chars().count();
            let offset = prompt + self.typed.visual_cursor();
            let row = banner_rows + offset / width;
            if row < head_height as usize {
                frame.set_cursor_position((inner.x + (offset % width) as u16, inner.y + row as u16));
            }
        }
        limits
    }
}

/// An equivalent `curl --digest` command. The private key is a shell variable, never the key,
/// and it never reaches curl's arguments (where `ps` would show it): `printf` writes a curl
/// config holding `user = "PUBLIC:PRIVATE"` to curl's stdin (`-K -`). `printf` is a builtin
/// of bash, zsh and dash, so the expanded key is in no exec'd argument list either. The public
/// key and the URL are checked first (`crate::shell_text`): when one cannot go into a
/// command safely, the text says so instead of offering one.
pub fn curl_command(url: &str, body: &Value, public_key: &str, api: ApiVersion) -> String {
    use crate::shell_text::{self, sh_quote};
    let checked = shell_text::public_key(public_key).and_then(|()| shell_text::url(url, "the request's URL", false));
    if let Err(why) = checked {
        return format!("no curl command is offered: {why}");
    }
    let media = api.media_type();
    format!(
        "printf 'user = \"%s:%s\"\\n' {} \"{KEY_PLACEHOLDER}\" | curl --digest -K - -X POST -H 'Accept: {media}' -H 'Content-Type: {media}' --data {} {}",
        sh_quote(public_key),
        sh_quote(&serde_json::to_string(body).unwrap_or_default()),
        sh_quote(url)
    )
}
