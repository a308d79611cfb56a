//! The one key table: what the keys do, the footer and the help are all read from it, so
//! they cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Anywhere without a dialog open.
    Global,
    /// Any field of the form.
    Form,
    /// A text field that has a picker (ids, cluster names).
    PickerField,
    /// `delivery.methodName`.
    Choice,
    /// A field that takes no text (`?` is free there).
    NoText,
    /// The jobs panel.
    Jobs,
    /// A picker list.
    Picker,
    /// The review dialog.
    Review,
    /// Any dialog (help, error).
    Dialog,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    Help,
    Review,
    PollNow,
    NextField,
    PrevField,
    ChoiceNext,
    ChoicePrev,
    OpenPicker,
    Up,
    Down,
    Pick,
    OpenDetail,
    CopyUrl,
    CopyCommand,
    Submit,
    Close,
}

pub struct Binding {
    pub scope: Scope,
    pub keys: &'static [(KeyCode, KeyModifiers)],
    /// How the keys are written in the footer and help.
    pub label: &'static str,
    pub action: Action,
    pub help: &'static str,
    /// Shown in the footer (the help shows them all).
    pub footer: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

/// In order of precedence: a dialog's keys before the form's, the form's before global ones.
pub const BINDINGS: &[Binding] = &[
    Binding {
        scope: Scope::Review,
        keys: &[(KeyCode::Enter, NONE)],
        label: "Enter",
        action: Action::Submit,
        help: "send the request (after the typed confirmation, for AUTOMATED_RESTORE)",
        footer: true,
    },
    Binding {
        scope: Scope::Review,
        keys: &[(KeyCode::Esc, NONE)],
        label: "Esc",
        action: Action::Close,
        help: "back to the form; nothing is sent",
        footer: true,
    },
    Binding {
        scope: Scope::Picker,
        keys: &[(KeyCode::Up, NONE)],
        label: "Up",
        action: Action::Up,
        help: "previous item",
        footer: false,
    },
    Binding {
        scope: Scope::Picker,
        keys: &[(KeyCode::Down, NONE)],
        label: "Down",
        action: Action::Down,
        help: "next item",
        footer: false,
    },
    Binding {
        scope: Scope::Picker,
        keys: &[(KeyCode::Enter, NONE)],
        label: "Enter",
        action: Action::Pick,
        help: "fill the field with the selected item",
        footer: true,
    },
    Binding {
        scope: Scope::Picker,
        keys: &[(KeyCode::Esc, NONE)],
        label: "Esc",
        action: Action::Close,
        help: "close the list",
        footer: true,
    },
    Binding {
        scope: Scope::Dialog,
        keys: &[(KeyCode::Esc, NONE), (KeyCode::Enter, NONE)],
        label: "Esc",
        action: Action::Close,
        help: "close this",
        footer: true,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::Char('c'), CTRL), (KeyCode::Char('q'), CTRL)],
        label: "^Q",
        action: Action::Quit,
        help: "quit (Ctrl-C too); submitted jobs are kept",
        footer: true,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::F(1), NONE)],
        label: "F1",
        action: Action::Help,
        help: "help",
        footer: true,
    },
    Binding {
        scope: Scope::NoText,
        keys: &[(KeyCode::Char('?'), NONE)],
        label: "?",
        action: Action::Help,
        help: "help (outside text fields)",
        footer: false,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::Char('s'), CTRL)],
        label: "^S",
        action: Action::Review,
        help: "review the request, then submit",
        footer: true,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::Char('r'), CTRL)],
        label: "^R",
        action: Action::PollNow,
        help: "poll the jobs now",
        footer: false,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::Tab, NONE)],
        label: "Tab",
        action: Action::NextField,
        help: "next field, then the jobs panel",
        footer: true,
    },
    Binding {
        scope: Scope::Global,
        keys: &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)],
        label: "S-Tab",
        action: Action::PrevField,
        help: "previous field",
        footer: false,
    },
    Binding {
        scope: Scope::Choice,
        keys: &[(KeyCode::Right, NONE), (KeyCode::Char(' '), NONE)],
        label: "Space",
        action: Action::ChoiceNext,
        help: "change delivery.methodName (Left/Right too)",
        footer: true,
    },
    Binding {
        scope: Scope::Choice,
        keys: &[(KeyCode::Left, NONE)],
        label: "Left",
        action: Action::ChoicePrev,
        help: "change delivery.methodName",
        footer: false,
    },
    Binding {
        scope: Scope::PickerField,
        keys: &[(KeyCode::Enter, NONE)],
        label: "Enter",
        action: Action::OpenPicker,
        help: "pick from what Atlas lists",
        footer: true,
    },
    Binding {
        scope: Scope::Form,
        keys: &[(KeyCode::Up, NONE)],
        label: "Up",
        action: Action::PrevField,
        help: "previous field",
        footer: false,
    },
    Binding {
        scope: Scope::Form,
        keys: &[(KeyCode::Down, NONE), (KeyCode::Enter, NONE)],
        label: "Down",
        action: Action::NextField,
        help: "next field",
        footer: false,
    },
    Binding {
        scope: Scope::Jobs,
        keys: &[(KeyCode::Up, NONE)],
        label: "Up",
        action: Action::Up,
        help: "previous job",
        footer: false,
    },
    Binding {
        scope: Scope::Jobs,
        keys: &[(KeyCode::Down, NONE)],
        label: "Down",
        action: Action::Down,
        help: "next job",
        footer: false,
    },
    Binding {
        scope: Scope::Jobs,
        keys: &[(KeyCode::Enter, NONE)],
        label: "Enter",
        action: Action::OpenDetail,
        help: "the job's detail: URL, expiry, hashes",
        footer: true,
    },
    Binding {
        scope: Scope::Jobs,
        keys: &[(KeyCode::Char('y'), NONE)],
        label: "y",
        action: Action::CopyUrl,
        help: "copy the download URL (OSC 52)",
        footer: true,
    },
    Binding {
        scope: Scope::Jobs,
        keys: &[(KeyCode::Char('c'), NONE)],
        label: "c",
        action: Action::CopyCommand,
        help: "copy a ready-to-run download command",
        footer: true,
    },
];

/// The action bound to `key` in the first of `scopes` that binds it. Key releases are ignored.
pub fn resolve(scopes: &[Scope], key: &KeyEvent) -> Option<Action> {
    if key.kind == KeyEventKind::Release {
        return None;
    }
    // Shift is part of the character itself for `?` and capitals.
    let mods = if matches!(key.code, KeyCode::Char(_)) {
        key.modifiers - KeyModifiers::SHIFT
    } else {
        key.modifiers
    };
    scopes.iter().find_map(|scope| {
        BINDINGS
            .iter()
            .filter(|b| b.scope == *scope)
            .find(|b| {
                b.keys
                    .iter()
                    .any(|(code, m)| *code == key.code && *m == mods)
            })
            .map(|b| b.action)
    })
}

/// The footer's hints for these scopes: `(keys, what)`, without repeats.
pub fn footer(scopes: &[Scope]) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&'static str, &'static str)> = Vec::new();
    let mut taken: Vec<Action> = Vec::new();
    for scope in scopes {
        for b in BINDINGS.iter().filter(|b| b.scope == *scope && b.footer) {
            // The first binding of a key in precedence order is the one that acts.
            if taken.contains(&b.action) || out.iter().any(|(k, _)| *k == b.label) {
                continue;
            }
            taken.push(b.action);
            out.push((b.label, short(b.action)));
        }
    }
    out
}

fn short(action: Action) -> &'static str {
    match action {
        Action::Quit => "quit",
        Action::Help => "help",
        Action::Review => "review",
        Action::PollNow => "poll",
        Action::NextField => "next",
        Action::PrevField => "prev",
        Action::ChoiceNext | Action::ChoicePrev => "method",
        Action::OpenPicker => "pick",
        Action::Up | Action::Down => "move",
        Action::Pick => "choose",
        Action::OpenDetail => "detail",
        Action::CopyUrl => "copy URL",
        Action::CopyCommand => "copy cmd",
        Action::Submit => "submit",
        Action::Close => "close",
    }
}

/// The help screen's lines, grouped by where they apply.
pub fn help_lines() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    let groups = [
        ("Anywhere", Scope::Global),
        ("In the form", Scope::Form),
        ("On an id or cluster field", Scope::PickerField),
        ("On delivery.methodName", Scope::Choice),
        ("Outside text fields", Scope::NoText),
        ("In the jobs panel", Scope::Jobs),
        ("In a list", Scope::Picker),
        ("In the review", Scope::Review),
        ("In a dialog", Scope::Dialog),
    ];
    groups
        .into_iter()
        .map(|(title, scope)| {
            let lines = BINDINGS
                .iter()
                .filter(|b| b.scope == scope)
                .map(|b| (b.label, b.help))
                .collect();
            (title, lines)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(code: KeyCode, mods: KeyModifiers) -> KeyEvent {
        KeyEvent::new(code, mods)
    }

    #[test]
    fn every_footer_hint_is_a_key_that_acts_there() {
        let contexts: &[&[Scope]] = &[
            &[Scope::PickerField, Scope::Form, Scope::Global],
            &[Scope::Choice, Scope::NoText, Scope::Form, Scope::Global],
            &[Scope::Jobs, Scope::NoText, Scope::Global],
            &[Scope::Picker],
            &[Scope::Review],
            &[Scope::Dialog],
        ];
        for scopes in contexts {
            for (label, _) in footer(scopes) {
                let b = BINDINGS
                    .iter()
                    .find(|b| b.label == label && scopes.contains(&b.scope))
                    .unwrap();
                let (code, mods) = b.keys[0];
                assert_eq!(
                    resolve(scopes, &key(code, mods)),
                    Some(b.action),
                    "{label} in {scopes:?}"
                );
            }
        }
    }

    #[test]
    fn dialogs_shadow_the_form() {
        let enter = key(KeyCode::Enter, NONE);
        assert_eq!(resolve(&[Scope::Picker], &enter), Some(Action::Pick));
        assert_eq!(
            resolve(&[Scope::PickerField, Scope::Form, Scope::Global], &enter),
            Some(Action::OpenPicker)
        );
        assert_eq!(
            resolve(&[Scope::Form, Scope::Global], &enter),
            Some(Action::NextField)
        );
        assert_eq!(
            resolve(
                &[Scope::Form, Scope::Global],
                &key(KeyCode::Char('?'), NONE)
            ),
            None
        );
        assert_eq!(
            resolve(
                &[Scope::NoText, Scope::Global],
                &key(KeyCode::Char('?'), SHIFT)
            ),
            Some(Action::Help)
        );
        assert_eq!(
            resolve(
                &[Scope::Form, Scope::Global],
                &key(KeyCode::Char('q'), CTRL)
            ),
            Some(Action::Quit)
        );
    }
}
