//! The one key table: what the keys do, the footer and the help are all read from it, so
//! they cannot disagree.

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyEventKind, KeyModifiers};

/// Where the keyboard is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Everywhere, dialogs included: quitting is never blocked.
    Anywhere,
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
    /// The jobs panel, on a job whose file can be fetched: `d` is shown.
    JobsFile,
    /// The jobs panel, on a sharded restore's batch: `D` and `Right` are shown.
    JobsBatch,
    /// The jobs panel, while it tells of a lost submit that made no job: `X` dismisses it.
    JobsLost,
    /// The panel's filter while it is typed (`/`).
    JobsFilter,
    /// A picker list.
    Picker,
    /// The review dialog.
    Review,
    /// A job's detail.
    Detail,
    /// A job's detail when it has a file to fetch (not an automated restore, not expired).
    DetailFile,
    /// A yes/no question (a download that uses one of maxDownloads).
    Confirm,
    /// The question before a download, when the folder is the profile's choice (not the
    /// config's): another folder can be chosen.
    ConfirmDownload,
    /// Typing the download folder (asked at a profile's first download).
    Folder,
    /// The drills view (F3).
    Drills,
    /// Any dialog (help, error).
    Dialog,
    /// A view that scrolls (help, a job's detail, the review).
    Scroll,
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
    Download,
    Reveal,
    /// The URL and commands on a plain screen, for the terminal's own selection.
    PlainText,
    ToggleOthers,
    Track,
    Forget,
    DismissLost,
    BackToForm,
    /// From the form straight to the jobs panel, and back.
    ToggleJobs,
    /// The config's profiles, to switch the dashboard to another.
    Profiles,
    /// The restore drills, with where each stands.
    Drills,
    /// Run the selected drill now.
    RunDrill,
    Filter,
    Sort,
    Expand,
    Collapse,
    DownloadBatch,
    CloneJob,
    /// Choose another download folder (in the question before a download).
    ChangeFolder,
    PageUp,
    PageDown,
    Top,
    Bottom,
    Submit,
    /// Yes to a question; keep what was typed (a filter).
    Accept,
    Close,
}

pub(crate) struct Binding {
    pub scope: Scope,
    pub keys: &'static [(KeyCode, KeyModifiers)],
    pub action: Action,
    pub help: &'static str,
    /// Shown in the footer (the help shows them all).
    pub footer: bool,
}

const NONE: KeyModifiers = KeyModifiers::NONE;
const CTRL: KeyModifiers = KeyModifiers::CONTROL;
const SHIFT: KeyModifiers = KeyModifiers::SHIFT;

const fn bind(
    scope: Scope,
    keys: &'static [(KeyCode, KeyModifiers)],
    action: Action,
    help: &'static str,
    footer: bool,
) -> Binding {
    Binding {
        scope,
        keys,
        action,
        help,
        footer,
    }
}

/// In order of precedence: a dialog's keys before the form's, the form's before global ones.
#[rustfmt::skip]
pub(crate) const BINDINGS: &[Binding] = &[
    bind(Scope::Review, &[(KeyCode::Enter, NONE)], Action::Submit, "send the request (after the typed confirmation, for AUTOMATED_RESTORE)", true),
    bind(Scope::Review, &[(KeyCode::Esc, NONE)], Action::Close, "back to the form; nothing is sent", true),
    bind(Scope::Review, &[(KeyCode::Char('p'), CTRL)], Action::PlainText, "the URL, the JSON and the curl command as plain text, to select with the mouse (any key comes back)", true),
    bind(Scope::Picker, &[(KeyCode::Up, NONE)], Action::Up, "previous item", false),
    bind(Scope::Picker, &[(KeyCode::Down, NONE)], Action::Down, "next item", false),
    bind(Scope::Picker, &[(KeyCode::Enter, NONE)], Action::Pick, "fill the field with the selected item", true),
    bind(Scope::Picker, &[(KeyCode::Esc, NONE)], Action::Close, "close the list", true),
    bind(Scope::DetailFile, &[(KeyCode::Char('y'), NONE)], Action::CopyUrl, "copy the download URL (OSC 52)", true),
    bind(Scope::DetailFile, &[(KeyCode::Char('c'), NONE)], Action::CopyCommand, "copy a ready-to-run download command (with the auth header)", true),
    bind(Scope::DetailFile, &[(KeyCode::Char('d'), NONE)], Action::Download, "download into download_dir, checking the SHA1", true),
    bind(Scope::DetailFile, &[(KeyCode::Char('r'), NONE)], Action::Reveal, "show or mask the download auth value", true),
    bind(Scope::DetailFile, &[(KeyCode::Char('p'), NONE), (KeyCode::Char('p'), CTRL)], Action::PlainText, "the URL, auth header and a download command as plain text, to select with the mouse (any key comes back)", true),
    bind(Scope::Detail, &[(KeyCode::Char('y'), NONE), (KeyCode::Char('c'), NONE), (KeyCode::Char('d'), NONE)], Action::Download, "without a file to fetch (automated, expired): say why", false),
    bind(Scope::Detail, &[(KeyCode::Char('p'), NONE)], Action::PlainText, "without a URL to show (automated, expired): say why", false),
    bind(Scope::Detail, &[(KeyCode::Char('t'), NONE)], Action::Track, "track this job (a whole batch) in this profile", false),
    bind(Scope::Detail, &[(KeyCode::Char('x'), NONE)], Action::Forget, "forget this tracked job (it stays in Atlas)", false),
    bind(Scope::Detail, &[(KeyCode::Esc, NONE)], Action::Close, "back to the jobs", true),
    bind(Scope::ConfirmDownload, &[(KeyCode::Char('f'), NONE)], Action::ChangeFolder, "choose another download folder (remembered for the profile)", true),
    bind(Scope::Folder, &[(KeyCode::Enter, NONE)], Action::Pick, "use this folder: made if missing, remembered for the profile", true),
    bind(Scope::Folder, &[(KeyCode::Esc, NONE)], Action::Close, "cancel: nothing is downloaded (after f: back to the question, the folder as it was)", true),
    bind(Scope::Drills, &[(KeyCode::Char('r'), NONE)], Action::RunDrill, "run the selected drill now, in the background (as `drill run` does; recorded in the store)", true),
    bind(Scope::Drills, &[(KeyCode::Enter, NONE)], Action::OpenDetail, "the drill's last run: its checks and phases", true),
    bind(Scope::Drills, &[(KeyCode::Up, NONE)], Action::Up, "previous drill (in a run: scroll)", false),
    bind(Scope::Drills, &[(KeyCode::Down, NONE)], Action::Down, "next drill (in a run: scroll)", false),
    bind(Scope::Drills, &[(KeyCode::Esc, NONE)], Action::Close, "back to the list, or close the drills", true),
    bind(Scope::Confirm, &[(KeyCode::Enter, NONE)], Action::Accept, "go ahead", true),
    bind(Scope::Confirm, &[(KeyCode::Esc, NONE)], Action::Close, "cancel", true),
    bind(Scope::Dialog, &[(KeyCode::Esc, NONE), (KeyCode::Enter, NONE)], Action::Close, "close this", true),
    bind(Scope::Scroll, &[(KeyCode::Up, NONE)], Action::Up, "scroll up a line", false),
    bind(Scope::Scroll, &[(KeyCode::Down, NONE)], Action::Down, "scroll down a line", false),
    bind(Scope::Scroll, &[(KeyCode::PageDown, NONE)], Action::PageDown, "scroll down a page", true),
    bind(Scope::Scroll, &[(KeyCode::PageUp, NONE)], Action::PageUp, "scroll up a page", false),
    bind(Scope::Scroll, &[(KeyCode::Home, NONE)], Action::Top, "to the top", false),
    bind(Scope::Scroll, &[(KeyCode::End, NONE)], Action::Bottom, "to the end", false),
    bind(Scope::Anywhere, &[(KeyCode::Char('q'), CTRL), (KeyCode::Char('c'), CTRL)], Action::Quit, "quit (Ctrl-C too); submitted jobs are kept", true),
    bind(Scope::Global, &[(KeyCode::F(1), NONE)], Action::Help, "help", true),
    bind(Scope::NoText, &[(KeyCode::Char('?'), NONE)], Action::Help, "help (outside text fields)", false),
    bind(Scope::Global, &[(KeyCode::Char('s'), CTRL)], Action::Review, "review the request, then submit", true),
    bind(Scope::Global, &[(KeyCode::Char('r'), CTRL)], Action::PollNow, "poll the jobs now", false),
    bind(Scope::Global, &[(KeyCode::Tab, NONE)], Action::NextField, "next field, then the jobs panel", true),
    bind(Scope::Global, &[(KeyCode::F(2), NONE)], Action::ToggleJobs, "straight to the jobs panel, or back to the form", true),
    bind(Scope::Global, &[(KeyCode::F(4), NONE), (KeyCode::Char('o'), CTRL)], Action::Profiles, "the config's profiles: switch the form and jobs to another (^O without F-keys)", true),
    bind(Scope::Global, &[(KeyCode::F(3), NONE), (KeyCode::Char('d'), CTRL)], Action::Drills, "the restore drills: where each stands, its last run, run one now (^D without F-keys)", true),
    bind(Scope::Global, &[(KeyCode::BackTab, SHIFT), (KeyCode::BackTab, NONE)], Action::PrevField, "previous field", false),
    bind(Scope::Choice, &[(KeyCode::Char(' '), NONE), (KeyCode::Right, NONE)], Action::ChoiceNext, "change delivery.methodName (Left/Right too)", true),
    bind(Scope::Choice, &[(KeyCode::Left, NONE)], Action::ChoicePrev, "change delivery.methodName", false),
    bind(Scope::PickerField, &[(KeyCode::Enter, NONE)], Action::OpenPicker, "pick from what Atlas lists", true),
    bind(Scope::Form, &[(KeyCode::Up, NONE)], Action::Up, "previous field (stops at the first)", false),
    bind(Scope::Form, &[(KeyCode::PageDown, NONE)], Action::PageDown, "scroll the findings down (when they do not all fit)", false),
    bind(Scope::Form, &[(KeyCode::PageUp, NONE)], Action::PageUp, "scroll the findings up", false),
    bind(Scope::Form, &[(KeyCode::Down, NONE), (KeyCode::Enter, NONE)], Action::Down, "next field (stops at the last; Tab goes on to the jobs)", false),
    bind(Scope::JobsBatch, &[(KeyCode::Char('D'), NONE)], Action::DownloadBatch, "download every part of the batch, checking each SHA1", true),
    bind(Scope::JobsBatch, &[(KeyCode::Right, NONE)], Action::Expand, "open the batch into its parts (Left closes it)", true),
    bind(Scope::JobsFile, &[(KeyCode::Char('d'), NONE)], Action::Download, "download the file, checking its SHA1", true),
    bind(Scope::JobsLost, &[(KeyCode::Char('X'), NONE)], Action::DismissLost, "dismiss what the panel says of lost submits that made no job", true),
    bind(Scope::Jobs, &[(KeyCode::Up, NONE)], Action::Up, "previous job", false),
    bind(Scope::Jobs, &[(KeyCode::Down, NONE)], Action::Down, "next job", false),
    bind(Scope::Jobs, &[(KeyCode::Enter, NONE)], Action::OpenDetail, "the job's detail: URL, expiry, hashes", true),
    bind(Scope::Jobs, &[(KeyCode::Char('y'), NONE)], Action::CopyUrl, "copy the download URL (OSC 52)", true),
    bind(Scope::Jobs, &[(KeyCode::Char('c'), NONE)], Action::CopyCommand, "copy a ready-to-run download command", true),
    bind(Scope::Jobs, &[(KeyCode::Char('d'), NONE)], Action::Download, "download the file, checking its SHA1", false),
    bind(Scope::Jobs, &[(KeyCode::Char('a'), NONE)], Action::ToggleOthers, "show or hide the cluster's other restore jobs", true),
    bind(Scope::Jobs, &[(KeyCode::Char('t'), NONE)], Action::Track, "track an other job or a lost submit's candidate (a whole batch)", true),
    bind(Scope::Jobs, &[(KeyCode::Char('x'), NONE)], Action::Forget, "forget a tracked job, after a confirmation (it stays in Atlas)", true),
    bind(Scope::Jobs, &[(KeyCode::Esc, NONE), (KeyCode::F(2), NONE)], Action::BackToForm, "back to the form", true),
    bind(Scope::Jobs, &[(KeyCode::Right, NONE)], Action::Expand, "open a batch into its parts", false),
    bind(Scope::Jobs, &[(KeyCode::Left, NONE)], Action::Collapse, "close a batch", false),
    bind(Scope::Jobs, &[(KeyCode::Char('D'), NONE)], Action::DownloadBatch, "download every part of the selected batch, checking each SHA1", false),
    bind(Scope::Jobs, &[(KeyCode::Char('/'), NONE)], Action::Filter, "filter the jobs by any text in their rows", true),
    bind(Scope::Jobs, &[(KeyCode::Char('s'), NONE)], Action::Sort, "sort by created, status or expiry (cycles)", true),
    bind(Scope::Jobs, &[(KeyCode::Char('n'), NONE)], Action::CloneJob, "a new request from this job, in the form (nothing is sent before the review)", true),
    bind(Scope::JobsFilter, &[(KeyCode::Enter, NONE)], Action::Accept, "keep the filter", true),
    bind(Scope::JobsFilter, &[(KeyCode::Esc, NONE)], Action::Close, "clear the filter", true),
];

/// How a key is written: `^Q`, `F1`, `S-Tab`, `Space`, `Enter`, `y`.
pub(crate) fn key_label(code: KeyCode, mods: KeyModifiers) -> String {
    let name = match code {
        KeyCode::Char(' ') => "Space".to_string(),
        KeyCode::Char(c) if mods.contains(KeyModifiers::CONTROL) => return format!("^{}", c.to_ascii_uppercase()),
        KeyCode::Char(c) => c.to_string(),
        KeyCode::F(n) => format!("F{n}"),
        KeyCode::BackTab => return "S-Tab".into(),
        KeyCode::Tab => "Tab".into(),
        KeyCode::Enter => "Enter".into(),
        KeyCode::Esc => "Esc".into(),
        KeyCode::Up => "Up".into(),
        KeyCode::Down => "Down".into(),
        KeyCode::Left => "Left".into(),
        KeyCode::Right => "Right".into(),
        KeyCode::PageUp => "PgUp".into(),
        KeyCode::PageDown => "PgDn".into(),
        KeyCode::Home => "Home".into(),
        KeyCode::End => "End".into(),
        KeyCode::Backspace => "Backspace".into(),
        other => format!("{other:?}"),
    };
    if mods.contains(KeyModifiers::CONTROL) {
        format!("^{name}")
    } else {
        name
    }
}

impl Binding {
    /// The footer's name for it: its first key.
    pub fn label(&self) -> String {
        self.keys.first().map_or_else(String::new, |(c, m)| key_label(*c, *m))
    }

    /// The help's name for it: every key.
    pub(crate) fn all_labels(&self) -> String {
        let mut labels: Vec<String> = self.keys.iter().map(|(c, m)| key_label(*c, *m)).collect();
        labels.dedup();
        labels.join(" ")
    }
}

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
            .find(|b| b.keys.iter().any(|(code, m)| *code == key.code && *m == mods))
            .map(|b| b.action)
    })
}

/// The footer's hints for these scopes: `(keys, what)`, without repeats.
pub fn footer(scopes: &[Scope]) -> Vec<(String, &'static str)> {
    let mut out: Vec<(String, &'static str)> = Vec::new();
    let mut taken: Vec<Action> = Vec::new();
    // The way out first: a narrow footer cuts the end, never the quit key.
    let ordered = scopes
        .iter()
        .filter(|s| **s == Scope::Anywhere)
        .chain(scopes.iter().filter(|s| **s != Scope::Anywhere));
    // Keys already bound by a scope before (shown or not): a later binding of one never acts.
    let mut shadowed: Vec<(KeyCode, KeyModifiers)> = Vec::new();
    for scope in ordered {
        let here: Vec<&Binding> = BINDINGS.iter().filter(|b| b.scope == *scope).collect();
        for b in here.iter().filter(|b| b.footer) {
            // The first binding of a key in precedence order is the one that acts.
            let label = b.label();
            let hidden = b.keys.first().is_some_and(|k| shadowed.contains(k));
            if hidden || taken.contains(&b.action) || out.iter().any(|(k, _)| *k == label) {
                continue;
            }
            taken.push(b.action);
            out.push((label, short(b.action)));
        }
        shadowed.extend(here.iter().flat_map(|b| b.keys.iter().copied()));
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
        Action::Download => "download",
        Action::Reveal => "reveal",
        Action::PlainText => "plain text",
        Action::ToggleOthers => "all jobs",
        Action::Track => "track",
        Action::Forget => "forget",
        Action::DismissLost => "dismiss",
        Action::BackToForm => "form",
        Action::ToggleJobs => "jobs",
        Action::Profiles => "profiles",
        Action::Drills => "drills",
        Action::RunDrill => "run now",
        Action::PageUp | Action::PageDown | Action::Top | Action::Bottom => "scroll",
        Action::Filter => "filter",
        Action::Expand => "parts",
        Action::Collapse => "close batch",
        Action::DownloadBatch => "all parts",
        Action::Sort => "sort",
        Action::CloneJob => "new from it",
        Action::ChangeFolder => "other folder",
        Action::Submit => "submit",
        Action::Accept => "ok",
        Action::Close => "close",
    }
}

/// The help screen's lines, grouped by where they apply.
pub(crate) fn help_lines() -> Vec<(&'static str, Vec<(String, &'static str)>)> {
    let groups = [
        ("Anywhere", Scope::Anywhere),
        ("Outside dialogs", Scope::Global),
        ("In the form", Scope::Form),
        ("On an id or cluster field", Scope::PickerField),
        ("On delivery.methodName", Scope::Choice),
        ("Outside text fields", Scope::NoText),
        ("In the jobs panel", Scope::Jobs),
        ("On a job with a file to fetch", Scope::JobsFile),
        ("On a batch's row", Scope::JobsBatch),
        ("When the panel tells of a submit that made no job", Scope::JobsLost),
        ("Typing the panel's filter", Scope::JobsFilter),
        ("In a list", Scope::Picker),
        ("In the review", Scope::Review),
        ("In a job's detail", Scope::Detail),
        ("In a job's detail, when it has a file", Scope::DetailFile),
        ("In a question", Scope::Confirm),
        ("In the question before a download", Scope::ConfirmDownload),
        ("Choosing the download folder", Scope::Folder),
        ("In the drills (F3)", Scope::Drills),
        ("In a dialog", Scope::Dialog),
        ("In a view that scrolls (help, detail, review)", Scope::Scroll),
    ];
    groups
        .into_iter()
        .map(|(title, scope)| {
            let lines = BINDINGS
                .iter()
                .filter(|b| b.scope == scope)
                .map(|b| (b.all_labels(), b.help))
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
            &[Scope::JobsFile, Scope::Jobs, Scope::NoText, Scope::Global],
            &[Scope::JobsBatch, Scope::Jobs, Scope::NoText, Scope::Global],
            &[Scope::JobsLost, Scope::Jobs, Scope::NoText, Scope::Global],
            &[Scope::Picker, Scope::Anywhere],
            &[Scope::Review, Scope::Anywhere],
            &[Scope::Detail, Scope::Anywhere],
            &[Scope::DetailFile, Scope::Detail, Scope::Anywhere],
            &[Scope::Dialog, Scope::Anywhere],
            &[Scope::ConfirmDownload, Scope::Confirm, Scope::Anywhere],
            &[Scope::Folder, Scope::Anywhere],
        ];
        for scopes in contexts {
            for (label, _) in footer(scopes) {
                let b = BINDINGS
                    .iter()
                    .find(|b| b.label() == label && scopes.contains(&b.scope))
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
        assert_eq!(resolve(&[Scope::Form, Scope::Global], &enter), Some(Action::Down));
        assert_eq!(
            resolve(&[Scope::Form, Scope::Global], &key(KeyCode::Char('?'), NONE)),
            None
        );
        assert_eq!(
            resolve(&[Scope::NoText, Scope::Global], &key(KeyCode::Char('?'), SHIFT)),
            Some(Action::Help)
        );
        assert_eq!(
            resolve(
                &[Scope::Form, Scope::Global, Scope::Anywhere],
                &key(KeyCode::Char('q'), CTRL)
            ),
            Some(Action::Quit)
        );
        assert_eq!(
            resolve(&[Scope::Review, Scope::Anywhere], &key(KeyCode::Char('c'), CTRL)),
            Some(Action::Quit)
        );
    }
}
