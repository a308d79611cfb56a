//! The question asked at a profile's first download: where its archives go. The folder typed
//! (the user's download folder offered) is checked and remembered for the profile by the
//! services; then the download goes on where it was asked for.

use super::dialog::{Outcome, Request, text_input};
use super::keys::Action;
use super::theme::Theme;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::{Input, InputRequest};

/// What was asked for before the folder was: it goes on once the folder is ready.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AfterFolder {
    /// A job's download (`d`).
    Job(String),
    /// Every part of a batch (`D`).
    Batch(String),
}

pub struct FolderPrompt {
    pub input: Input,
    /// The first question for this profile (not a change asked for with `f`).
    pub first: bool,
    pub profile: String,
    /// Why the last folder typed cannot be used, in words.
    pub error: Option<String>,
    /// Being made ready and remembered.
    pub checking: bool,
    pub then: AfterFolder,
    /// The demo: its scratch folder, offered here, is removed at quit.
    pub demo: bool,
}

impl FolderPrompt {
    pub fn new(offered: &str, first: bool, profile: &str, then: AfterFolder) -> FolderPrompt {
        FolderPrompt {
            input: Input::new(offered.to_string()),
            first,
            profile: profile.to_string(),
            error: None,
            checking: false,
            then,
            demo: false,
        }
    }

    /// In the demo, the question says before the first download that the offered folder
    /// goes at quit.
    pub(crate) fn in_demo(self, demo: bool) -> FolderPrompt {
        FolderPrompt { demo, ..self }
    }

    /// Enter chooses, Esc cancels; other keys edit the folder.
    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Outcome {
        if self.checking {
            return match action {
                Some(Action::Close) => Outcome::Close,
                _ => Outcome::Unchanged,
            };
        }
        match action {
            // After `f`, back to the question that asked for another folder.
            Some(Action::Close) if !self.first => Outcome::Request(Request::FolderKept(self.then.clone())),
            Some(Action::Close) => Outcome::Close,
            Some(Action::Pick) => {
                self.checking = true;
                self.error = None;
                Outcome::Request(Request::ChooseFolder(self.input.value().to_string()))
            }
            _ => match text_input(key) {
                Some(req) => self.edit(req),
                None => Outcome::Ignored,
            },
        }
    }

    pub(crate) fn on_paste(&mut self, text: &str) -> Outcome {
        for c in text.chars().filter(|c| !c.is_control()) {
            self.edit(InputRequest::InsertChar(c));
        }
        Outcome::Changed
    }

    fn edit(&mut self, req: InputRequest) -> Outcome {
        self.error = None;
        if self.input.handle(req).is_some() {
            Outcome::Changed
        } else {
            Outcome::Unchanged
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let title = if self.first {
            " Where should this profile's archives go? "
        } else {
            " Another download folder "
        };
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(title, theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = inner.width.max(1) as usize;
        let mut said = Vec::new();
        if self.first {
            said.push("No download folder is set for this profile yet.".to_string());
        }
        said.push("Archives (often gigabytes) are saved there, 0600, each SHA1 checked on the way.".into());
        said.push(format!(
            "Remembered for profile {} in every window; a download_dir in the config would go first.",
            self.profile
        ));
        if self.demo {
            said.push(
                "The demo's scratch folder, offered here, is removed at quit with what is downloaded into it: type a folder of your own to keep the files."
                    .into(),
            );
        }
        let mut lines: Vec<Line> = said
            .iter()
            .flat_map(|s| super::wrap::wrap(s, width))
            .map(Line::raw)
            .collect();
        // The folder on one row of its own, scrolled to keep the cursor in sight.
        let label = "folder: ";
        let room = width.saturating_sub(label.len()).max(1);
        let scroll = self.input.visual_scroll(room);
        let shown: String = self.input.value().chars().skip(scroll).take(room).collect();
        lines.push(Line::raw(""));
        let input_row = lines.len();
        lines.push(Line::from(vec![Span::styled(label, theme.label()), Span::raw(shown)]));
        match (&self.error, self.checking) {
            (_, true) => lines.push(Line::styled("making it ready…", theme.dim())),
            (Some(why), _) => lines.extend(
                super::wrap::wrap(why, width)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.error())),
            ),
            (None, false) => {}
        }
        lines.push(Line::styled(
            if self.first {
                "Enter uses it · Esc cancels (nothing is downloaded)"
            } else {
                "Enter uses it · Esc keeps the folder as it was"
            },
            theme.dim(),
        ));
        // Rows cut at the bottom are the hints: the question and the folder stay.
        frame.render_widget(Paragraph::new(lines), inner);
        if !self.checking && input_row < inner.height as usize {
            let x = inner.x + (label.len() + self.input.visual_cursor().saturating_sub(scroll)) as u16;
            frame.set_cursor_position((x.min(inner.right().saturating_sub(1)), inner.y + input_row as u16));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};

    fn key(code: KeyCode) -> KeyEvent {
        KeyEvent::new(code, KeyModifiers::NONE)
    }

    #[test]
    fn typing_edits_enter_asks_and_waits() {
        let mut p = FolderPrompt::new("~/Downloads", true, "prod", AfterFolder::Job("j1".into()));
        p.error = Some("cannot write".into());
        for c in "/x".chars() {
            p.on_key(None, &key(KeyCode::Char(c)));
        }
        assert_eq!(p.input.value(), "~/Downloads/x");
        assert_eq!(p.error, None, "an edit clears the old reason");
        match p.on_key(Some(Action::Pick), &key(KeyCode::Enter)) {
            Outcome::Request(Request::ChooseFolder(text)) => assert_eq!(text, "~/Downloads/x"),
            other => panic!("{other:?}"),
        }
        // While it is made ready, typing does nothing; Esc still closes.
        assert!(matches!(p.on_key(None, &key(KeyCode::Char('y'))), Outcome::Unchanged));
        assert!(matches!(
            p.on_key(Some(Action::Close), &key(KeyCode::Esc)),
            Outcome::Close
        ));
    }

    #[test]
    fn a_pasted_folder_loses_its_control_characters() {
        let mut p = FolderPrompt::new("", false, "prod", AfterFolder::Batch("b".into()));
        p.on_paste("/srv/\x1b[31mrestores\n");
        assert_eq!(p.input.value(), "/srv/[31mrestores");
    }
}
