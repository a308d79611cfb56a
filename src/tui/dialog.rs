//! The dialogs on top of the form and panel, and what each does with a key. A component
//! handles what it can alone and returns an `Outcome`; what needs the rest of the app (a
//! picked value for the form, a job action, a submit) goes back as a `Request` for `App`.

use super::folder::{AfterFolder, FolderPrompt};
use super::keys::Action;
use super::msg::Effect;
use super::picker::{PickItem, Picker};
use super::review::Review;
use super::scroll::Scroll;
use crate::restore::Field;
use ratatui::crossterm::event::{Event, KeyEvent};
use tui_input::InputRequest;

pub enum Dialog {
    Picker(Picker),
    /// The config's profiles (F4): the one picked becomes the dashboard's.
    Profiles(Picker),
    /// Boxed: the request, its body and its command are the largest of the dialogs.
    Review(Box<Review>),
    /// A title and lines (an API error, a refusal).
    Message {
        title: String,
        lines: Vec<String>,
    },
    /// The keys (the list is longer than 24 rows).
    Help {
        scroll: Scroll,
    },
    /// A job in full; `revealed` shows the download auth value.
    Detail {
        job_id: String,
        revealed: bool,
        scroll: Scroll,
    },
    /// A sharded restore's batch: each part's shard, URL, expiry and SHA1.
    Batch {
        batch_id: String,
        scroll: Scroll,
    },
    /// A question before an action that costs something (a download uses one of maxDownloads,
    /// a forget). `folder`: a download into the profile's chosen folder, which `f` changes.
    Confirm {
        title: String,
        lines: Vec<String>,
        then: Effect,
        folder: Option<AfterFolder>,
    },
    /// Where the profile's archives go (asked at its first download, or after `f`).
    Folder(FolderPrompt),
    /// The restore drills (F3): the view is `App::drills`, kept while closed.
    Drills,
}

/// The dialogs open, the top one last. A dialog opened from another (the question before a
/// download, from a job's detail; the folder, from that question) returns to it when it
/// closes: Esc closes the top one only. Only the top one is drawn and hears keys.
#[derive(Default)]
pub struct Dialogs(Vec<Dialog>);

impl Dialogs {
    pub fn top(&self) -> Option<&Dialog> {
        self.0.last()
    }

    pub(crate) fn top_mut(&mut self) -> Option<&mut Dialog> {
        self.0.last_mut()
    }

    /// Opens `dialog` over the others.
    pub fn push(&mut self, dialog: Dialog) {
        self.0.push(dialog);
    }

    /// Closes the top one: the one below (if any) is back.
    pub(crate) fn pop(&mut self) -> Option<Dialog> {
        self.0.pop()
    }

    /// Closes the top one if `is` says it is that one.
    pub(crate) fn pop_if(&mut self, is: impl Fn(&Dialog) -> bool) -> bool {
        let top = self.top().is_some_and(is);
        if top {
            self.0.pop();
        }
        top
    }

    /// Closes them all (what they were about is over: a forgotten job's detail).
    pub fn clear(&mut self) {
        self.0.clear();
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }
}

/// What a component did with a key.
#[derive(Debug)]
pub enum Outcome {
    /// Not its key.
    Ignored,
    /// Handled; the screen changed.
    Changed,
    /// Handled; nothing to redraw.
    Unchanged,
    /// Close the dialog.
    Close,
    /// Needs the app.
    Request(Request),
}

/// What a component asks of the app.
#[derive(Debug)]
pub enum Request {
    /// Fill `field` with the picked item.
    Pick(Field, PickItem),
    /// The value picked from a list that fills no field.
    Chosen(String),
    /// Switch the dashboard to this profile.
    SwitchProfile(String),
    /// A status line.
    Say(String),
    /// Send the reviewed request.
    Submit,
    /// Start this effect (a confirmed question); the dialog closes.
    Confirmed(Effect),
    /// Track, forget, copy or download this job.
    JobAction(Action, String),
    /// Open this job's detail.
    OpenDetail(String),
    /// Show or hide the cluster's other jobs.
    ToggleOthers,
    /// Dismiss these lost submits' outcomes (they made no job).
    DismissLost(Vec<String>),
    /// Back from the jobs panel to the form.
    FocusForm,
    /// A new request in the form from this job's (nothing is sent).
    CloneJob(String),
    /// Esc in a job's detail: stops its running download first, else closes.
    CloseDetail(String),
    /// A batch's parts, in full.
    OpenBatch(String),
    /// Download every part of a batch (after a question).
    DownloadBatch(String),
    /// Open this picker of the focused field, and fetch its list (boxed: a picker is large).
    OpenPicker(Box<Picker>, Effect),
    /// Start this background work (the source's lookup once the focus left its fields).
    Start(Effect),
    /// The focused field's text changed (and was checked): the status line goes.
    Edited,
    /// Make this folder ready and remember it for the profile.
    ChooseFolder(String),
    /// Run this drill now, in the background.
    RunDrill(String),
    /// Ask for another download folder, then go on with the download.
    ChangeFolder(AfterFolder),
    /// Another folder was not chosen after all: back to the download's question.
    FolderKept(AfterFolder),
}

/// A key as text input (typing, Backspace, cursor keys), for fields and filters.
pub(crate) fn text_input(key: &KeyEvent) -> Option<InputRequest> {
    tui_input::backend::crossterm::to_input_request(&Event::Key(*key))
}

impl Dialog {
    /// The view that scrolls in it, if any.
    pub(crate) fn scroll_mut(&mut self) -> Option<&mut Scroll> {
        match self {
            Dialog::Help { scroll } | Dialog::Detail { scroll, .. } | Dialog::Batch { scroll, .. } => Some(scroll),
            Dialog::Review(r) => Some(&mut r.scroll),
            _ => None,
        }
    }

    /// The mouse wheel (`true`: down): the help, a detail and the review scroll, a list moves
    /// its selection; `false` where it does nothing.
    pub(crate) fn on_wheel(&mut self, down: bool) -> bool {
        let lines = if down { 3 } else { -3 };
        match self {
            Dialog::Help { scroll } | Dialog::Detail { scroll, .. } => scroll.by(lines),
            Dialog::Review(r) => r.scroll.by(lines),
            Dialog::Picker(p) | Dialog::Profiles(p) => p.move_selection(down),
            _ => return false,
        }
        true
    }

    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match self {
            Dialog::Picker(p) => p.on_key(action, key),
            Dialog::Profiles(p) => match p.on_key(action, key) {
                Outcome::Request(Request::Chosen(name)) => Outcome::Request(Request::SwitchProfile(name)),
                other => other,
            },
            Dialog::Review(r) => r.on_key(action, key),
            Dialog::Message { .. } => match action {
                Some(Action::Close) => Outcome::Close,
                _ => Outcome::Ignored,
            },
            Dialog::Help { scroll } => match action {
                Some(Action::Close) => Outcome::Close,
                Some(a) if scroll.on_action(a) => Outcome::Changed,
                _ => Outcome::Ignored,
            },
            Dialog::Detail {
                job_id,
                revealed,
                scroll,
            } => match action {
                Some(Action::Close) => Outcome::Request(Request::CloseDetail(job_id.clone())),
                Some(
                    a @ (Action::Up | Action::Down | Action::PageUp | Action::PageDown | Action::Top | Action::Bottom),
                ) => {
                    if scroll.on_action(a) {
                        Outcome::Changed
                    } else {
                        Outcome::Unchanged
                    }
                }
                Some(Action::Reveal) => {
                    *revealed = !*revealed;
                    Outcome::Changed
                }
                Some(
                    a @ (Action::CopyUrl | Action::CopyCommand | Action::Download | Action::Track | Action::Forget),
                ) => Outcome::Request(Request::JobAction(a, job_id.clone())),
                _ => Outcome::Ignored,
            },
            Dialog::Batch { scroll, .. } => match action {
                Some(Action::Close) => Outcome::Close,
                Some(a) if scroll.on_action(a) => Outcome::Changed,
                _ => Outcome::Ignored,
            },
            Dialog::Confirm { then, folder, .. } => match (action, folder) {
                (Some(Action::Close), _) => Outcome::Close,
                (Some(Action::Accept), _) => Outcome::Request(Request::Confirmed(then.clone())),
                (Some(Action::ChangeFolder), Some(after)) => Outcome::Request(Request::ChangeFolder(after.clone())),
                _ => Outcome::Ignored,
            },
            Dialog::Folder(prompt) => prompt.on_key(action, key),
            // Heard by `App`, which holds the view.
            Dialog::Drills => Outcome::Ignored,
        }
    }

    /// Pasted text: a picker filters by it, the folder question takes it; the erase confirmation
    /// refuses it; others ignore it.
    pub(crate) fn on_paste(&mut self, text: &str) -> Outcome {
        match self {
            Dialog::Picker(p) | Dialog::Profiles(p) => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    p.edit_filter(InputRequest::InsertChar(c));
                }
                Outcome::Changed
            }
            Dialog::Folder(prompt) => prompt.on_paste(text),
            Dialog::Review(r) if r.confirm.is_some() => {
                r.note = Some("type the name: pasting does not confirm an erase".into());
                Outcome::Changed
            }
            _ => Outcome::Ignored,
        }
    }
}
