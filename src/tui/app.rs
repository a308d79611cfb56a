//! The dashboard's state and the one place it changes: `update` takes a message (a key, a
//! result from the network, a tick) and returns what to do in the background. No I/O here,
//! so tests drive it directly.

use super::dialog::{Outcome, Request};
use super::env::{Atlas, Env, LookedUp};
use super::form::Form;
use super::job_actions::{self, Asks};
use super::jobs_panel::JobsPanel;
use super::keys::{self, Action, Scope};
use super::picker::PickerState;
use super::submit_flow;
use super::theme::Theme;
use crate::restore::{ApiVersion, Field, Flavor};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

pub use super::dialog::{Dialog, Dialogs};
pub use super::msg::{Effect, Msg};

/// Static facts the app shows or needs.
pub struct AppInfo {
    pub profile: String,
    pub base_url: String,
    pub public_key: String,
    pub api: ApiVersion,
    /// Atlas, Cloud Manager or Ops Manager: their rules and paths differ.
    pub flavor: Flavor,
    pub demo: bool,
    /// Where archives go: the config's folder, the one chosen here, or none yet (asked).
    pub download_dir: crate::jobs::DownloadFolder,
    /// The local zone's offset, read before any thread started (later it cannot be, safely).
    pub local_offset: Option<time::UtcOffset>,
    /// `production = true` in the config: the header says so.
    pub production: bool,
    /// The config's profiles, for the list that switches between them (F4).
    pub profiles: Vec<super::profiles::ProfileChoice>,
    /// Where the drills are, and the profile as a drill from here runs with it (F3).
    pub drills: super::drills::DrillSetup,
}

/// How long a status line stays once nothing else has changed it.
pub const STATUS_LIFE_MS: i64 = 8_000;

pub struct App {
    pub info: AppInfo,
    pub theme: Theme,
    pub form: Form,
    pub jobs: JobsPanel,
    /// Open dialogs, the top one last (it hears the keys; Esc goes back to the one below).
    pub dialogs: Dialogs,
    pub focus_jobs: bool,
    pub status: Option<String>,
    pub quit: bool,
    /// What Atlas said of the source and target, for the form's checks (lent through `Env`).
    pub atlas: Atlas,
    /// What the last frame measured (`view::draw`), kept by `after_draw`.
    pub drawn: super::view::Drawn,
    /// Downloads started here, by job id.
    pub downloads: std::collections::HashMap<String, super::job_detail::DownloadState>,
    /// The journal's notes of downloads from this profile (any window, or `download`).
    pub download_notes: std::collections::HashMap<String, crate::jobs::JobNotes>,
    /// When the status line was set (epoch ms): it goes after a while.
    status_since_ms: Option<i64>,
    /// Atlas's clock against this host's, once off by over a minute: "server clock +9m"
    /// (`atlas::describe_skew`), named once, in the title line. Set by the event loop.
    pub clock_note: Option<String>,
    /// Running jobs' estimates (from the journal's finished jobs), by job id.
    pub etas: std::collections::HashMap<String, String>,
    /// The detail pane beside the panel on wide screens (it follows the selection).
    pub pane_scroll: super::scroll::Scroll,
    /// What has been told of the jobs, and how to tell the terminal.
    pub notifier: super::notify::Notifier,
    pub notify_mode: super::notify::NotifyMode,
    /// The profile chosen from the list (F4): the event loop opens it and ends this screen's
    /// session once it could.
    pub switch_to: Option<String>,
    /// The drills view (F3), kept while closed: a drill started there goes on.
    pub drills: super::drills::DrillsView,
}

impl App {
    pub fn new(info: AppInfo, theme: Theme, group_id: Option<&str>, cluster: Option<&str>) -> App {
        let mut form = Form::new(group_id, cluster);
        form.flavor = info.flavor;
        App {
            info,
            theme,
            form,
            jobs: JobsPanel::default(),
            dialogs: Dialogs::default(),
            focus_jobs: false,
            status: None,
            quit: false,
            atlas: Atlas::default(),
            drawn: super::view::Drawn::default(),
            downloads: std::collections::HashMap::new(),
            download_notes: std::collections::HashMap::new(),
            status_since_ms: None,
            clock_note: None,
            pane_scroll: super::scroll::Scroll::default(),
            etas: std::collections::HashMap::new(),
            notifier: super::notify::Notifier::default(),
            notify_mode: super::notify::NotifyMode::Bell,
            switch_to: None,
            drills: super::drills::DrillsView::default(),
        }
    }

    /// What to do first: look the source cluster up, so the topology rules apply.
    pub fn start(&mut self, now_ms: i64) -> Vec<Effect> {
        self.revalidate(now_ms);
        self.form.lookup_source(&self.env(now_ms)).into_iter().collect()
    }

    /// What the components share, read-only, for this turn. (Where a component is borrowed
    /// mutably beside it, `Env::new` takes the fields themselves.)
    pub fn env(&self, now_ms: i64) -> Env<'_> {
        Env::new(now_ms, &self.info, &self.theme, &self.atlas)
    }

    /// The form checks itself again (the clock moved, Atlas answered); `true` if what it
    /// found changed.
    pub fn revalidate(&mut self, now_ms: i64) -> bool {
        let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
        self.form.revalidate(&env)
    }

    /// Everything on screen the clock alone changes: the time fields' hints, the countdowns.
    pub(crate) fn clock_view(&self, now_ms: i64) -> Vec<String> {
        let mut v: Vec<String> = [Field::OplogTs, Field::PointInTimeUtcMillis]
            .iter()
            .map(|f| self.form.time_hint(*f, now_ms).unwrap_or_default())
            .collect();
        v.extend(self.jobs.clock_view(now_ms, self.drawn.panel.as_ref()));
        v
    }

    /// Draws the screen and keeps what the frame measured.
    pub fn draw(&mut self, frame: &mut ratatui::Frame, now_ms: i64) {
        let drawn = super::view::draw(frame, self, now_ms);
        self.after_draw(drawn);
    }

    /// What a frame measured, handed to what scrolls, for the keys and the mouse that follow.
    pub(crate) fn after_draw(&mut self, drawn: super::view::Drawn) {
        if let Some(top) = drawn.findings_top {
            self.form.findings_scroll = top;
        }
        if let (Some(limits), Some(scroll)) = (drawn.dialog_scroll, self.dialogs.top_mut().and_then(Dialog::scroll_mut))
        {
            scroll.set_limits(limits);
        }
        if let (Some(limits), Some(Dialog::Drills)) = (drawn.dialog_scroll, self.dialogs.top()) {
            self.drills.set_limits(limits);
        }
        if let Some(limits) = drawn.pane_scroll {
            self.pane_scroll.set_limits(limits);
        }
        self.drawn = drawn;
    }

    /// Whether the last drawn screen was below the minimum size.
    pub(crate) fn too_small(&self) -> bool {
        let (w, h) = self.drawn.screen;
        w < super::view::MIN_WIDTH || h < super::view::MIN_HEIGHT
    }

    /// Whether the screen changes with the clock alone: a time field, or a countdown still
    /// running (an expired link's "expired" no longer moves, so it wakes nothing).
    pub fn needs_tick(&self, now_ms: i64) -> bool {
        self.status_since_ms.is_some()
            || self.form.depends_on_time()
            || self.jobs.last_expiry_ms.is_some_and(|e| e > now_ms)
    }

    /// The scopes the keyboard is in, most specific first.
    pub(crate) fn scopes(&self) -> Vec<Scope> {
        let mut scopes = self.local_scopes();
        scopes.push(Scope::Anywhere);
        scopes
    }

    fn local_scopes(&self) -> Vec<Scope> {
        match self.dialogs.top() {
            Some(Dialog::Picker(_) | Dialog::Profiles(_)) => vec![Scope::Picker],
            Some(Dialog::Review(_)) => vec![Scope::Review, Scope::Scroll],
            Some(Dialog::Message { .. }) => vec![Scope::Dialog],
            Some(Dialog::Batch { .. }) => vec![Scope::Dialog, Scope::Scroll],
            Some(Dialog::Help { .. }) => vec![Scope::Dialog, Scope::Scroll],
            Some(Dialog::Detail { job_id, .. }) => {
                let file = self
                    .jobs
                    .find(job_id)
                    .is_some_and(|s| crate::jobs::present::has_file(s.job, s.request));
                if file {
                    vec![Scope::DetailFile, Scope::Detail, Scope::Scroll]
                } else {
                    vec![Scope::Detail, Scope::Scroll]
                }
            }
            Some(Dialog::Confirm { folder: Some(_), .. }) => vec![Scope::ConfirmDownload, Scope::Confirm],
            Some(Dialog::Confirm { .. }) => vec![Scope::Confirm],
            Some(Dialog::Folder(_)) => vec![Scope::Folder],
            Some(Dialog::Drills) if self.drills.detail => vec![Scope::Drills, Scope::Scroll],
            Some(Dialog::Drills) => vec![Scope::Drills],
            None if self.focus_jobs && self.jobs.filtering.is_some() => vec![Scope::JobsFilter],
            // The keys that act on the selected row lead the footer: `d` on a file to fetch,
            // `D` and Right on a batch.
            None if self.focus_jobs => {
                let mut s = Vec::new();
                // Asked at every key and frame: no job is copied for it.
                if self.jobs.batch_selected() {
                    s.push(Scope::JobsBatch);
                } else if self.jobs.selected_job().is_some_and(|j| {
                    crate::jobs::present::has_file(j.job, j.request)
                        && crate::jobs::present::download_target(j.job).is_some()
                }) {
                    s.push(Scope::JobsFile);
                }
                if !self.jobs.lost_outcomes().is_empty() {
                    s.push(Scope::JobsLost);
                }
                s.extend([Scope::Jobs, Scope::NoText, Scope::Global]);
                s
            }
            None => {
                let field = self.form.focused();
                let mut s = Vec::new();
                if field == Field::MethodName {
                    s.extend([Scope::Choice, Scope::NoText]);
                } else if super::pick_flow::has_picker(field)
                    || super::pick_flow::has_ranges_picker(field, self.info.flavor)
                {
                    s.push(Scope::PickerField);
                }
                s.extend([Scope::Form, Scope::Global]);
                s
            }
        }
    }

    /// Applies one message; returns whether the screen must be redrawn and the work to start.
    pub fn update(&mut self, msg: Msg, now_ms: i64) -> (bool, Vec<Effect>) {
        let status_before = self.status.clone();
        let mut effects = Vec::new();
        let changed = match msg {
            Msg::Key(key) => self.on_key(key, now_ms, &mut effects),
            Msg::Paste(text) => self.on_paste(&text, now_ms),
            Msg::Mouse(event) => self.on_mouse(event, now_ms, &mut effects),
            Msg::Resize => true,
            Msg::Tick => {
                // A link nearing its expiry is news on a tick.
                self.tell_news(now_ms, &mut effects);
                // Redraw only when what the clock moves has changed on screen.
                let view = self.clock_view(now_ms);
                let moved = view != self.drawn.clock;
                self.revalidate(now_ms) || moved
            }
            Msg::Signal => {
                self.quit = true;
                true
            }
            Msg::PickerLoaded {
                field,
                group_id,
                mut result,
                listed,
            } => {
                let mut changed = false;
                if let Some((key, fetched)) = listed {
                    self.atlas.lists.put(key, fetched);
                    changed = self.revalidate(now_ms);
                }
                if let (Field::TargetClusterName | Field::TargetClusterId, Ok(items)) = (field, &mut result) {
                    super::catalog::shape_target_items(&self.form, &self.env(now_ms), &group_id, items);
                }
                if let Some(Dialog::Picker(p)) = self.dialogs.top_mut()
                    && p.field == Some(field)
                {
                    // Never preselect what cannot be picked (a snapshot still being taken).
                    p.selected = result
                        .as_ref()
                        .ok()
                        .and_then(|items| items.iter().position(|i| i.disabled.is_none()))
                        .unwrap_or(0);
                    p.state = match result {
                        Ok(items) => PickerState::Ready(items),
                        Err(why) => PickerState::Failed(why),
                    };
                    true
                } else {
                    changed
                }
            }
            Msg::Listed { key, fetched } => {
                // A list came in: the findings may change.
                self.atlas.lists.put(key, fetched);
                self.revalidate(now_ms)
            }
            Msg::SourceCluster {
                group_id,
                cluster,
                result,
            } => match result {
                Ok(doc) => {
                    self.atlas.source = Some(LookedUp { group_id, cluster, doc });
                    self.revalidate(now_ms);
                    true
                }
                Err(why) => {
                    self.status = Some(format!("could not look up the source cluster: {why}"));
                    true
                }
            },
            Msg::Submitted { request, outcome } => {
                let review = match self.dialogs.top_mut() {
                    Some(Dialog::Review(r)) => Some(r.as_mut()),
                    _ => None,
                };
                let answered = submit_flow::answered(&request, outcome, self.info.api, review);
                if !answered.track.is_empty() {
                    self.jobs.add(answered.track);
                }
                if answered.close_review {
                    self.dialogs.pop_if(|d| matches!(d, Dialog::Review(_)));
                }
                self.carry_out(answered.asks, &mut effects);
                true
            }
            Msg::Tracking(result) => {
                self.status = Some(match result {
                    Ok(said) => {
                        effects.push(Effect::PollNow);
                        said
                    }
                    Err(why) => why,
                });
                true
            }
            Msg::Download { job_id, state } => {
                let done = !state.is_going();
                if done {
                    self.status = Some(state.describe());
                    // Atlas lists the hash after a download: look now.
                    effects.push(Effect::PollNow);
                }
                self.downloads.insert(job_id, state);
                self.files_changed();
                true
            }
            Msg::ClusterJobs(result) => {
                if self.jobs.others().is_some() {
                    self.jobs.set_others(Some(result));
                }
                true
            }
            Msg::Eta { job_id, text } => {
                self.etas.insert(job_id, text);
                true
            }
            Msg::Status(text) => {
                // A review being sent covers the status line: it says it itself.
                if let Some(Dialog::Review(r)) = self.dialogs.top_mut()
                    && r.sending
                {
                    r.note = Some(text.clone());
                }
                self.status = Some(text);
                true
            }
            Msg::FolderChosen(result) => self.folder_chosen(result, now_ms, &mut effects),
            Msg::Drills(result) => {
                self.drills.loaded(result);
                true
            }
            Msg::DrillProgress { drill, line } => {
                self.drills.progress(&drill, &line);
                true
            }
            Msg::DrillDone { drill, line } => {
                self.drills.done(&drill);
                self.status = Some(line);
                true
            }
            Msg::Poll(event) => {
                if let crate::jobs::PollEvent::Updated {
                    download_dir,
                    downloaded,
                    ..
                } = &event
                {
                    // Chosen in another window (the config's folder goes first).
                    if let Some(dir) = download_dir {
                        self.folder_remembered(dir);
                    }
                    self.note_downloads(downloaded);
                }
                // A job named unchanged the panel lacks: hear of every job again.
                if !self.jobs.on_poll(event) {
                    effects.push(Effect::PollAll);
                }
                self.tell_news(now_ms, &mut effects);
                true
            }
        };
        // The lists the form's checks need, each asked for once.
        let wanted = super::catalog::wanted(&self.form, &self.env(now_ms));
        effects.extend(self.atlas.lists.ask(wanted));
        // A status line says something true now: it goes after a while (see `needs_tick`).
        if self.status != status_before {
            self.status_since_ms = self.status.as_ref().map(|_| now_ms);
        } else if self.status_since_ms.is_some_and(|t| now_ms - t >= STATUS_LIFE_MS) {
            self.status = None;
            self.status_since_ms = None;
            return (true, effects);
        }
        (changed, effects)
    }

    /// Routes a key to the component on top (a dialog, the jobs panel or the form); what it
    /// does not take, and what it asks for, is the app's.
    fn on_key(&mut self, key: KeyEvent, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let action = keys::resolve(&self.scopes(), &key);
        if action == Some(Action::Quit) {
            self.quit = true;
            return true;
        }
        // Nothing acts unseen: below the minimum size the screen says so, and only quitting
        // (and a resize) does anything.
        if self.too_small() {
            return false;
        }
        // Bound only in the review and a job's detail: the event loop shows their text plain.
        if action == Some(Action::PlainText) {
            return match super::plain::for_dialog(self.dialogs.top(), &self.jobs) {
                Some(Ok(screen)) => {
                    effects.push(Effect::Plain(screen));
                    true
                }
                Some(Err(why)) => {
                    self.status = Some(why);
                    true
                }
                None => false,
            };
        }
        let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
        let outcome = match self.dialogs.top_mut() {
            Some(Dialog::Drills) => self.drills.on_key(action),
            Some(dialog) => dialog.on_key(action, &key),
            None if self.focus_jobs => self.jobs.on_key(action, &key),
            None => self.form.on_key(action, &key, &env),
        };
        match (outcome, action) {
            (Outcome::Ignored, Some(a)) if self.dialogs.is_empty() => self.global_key(a, now_ms, effects),
            (outcome, _) => self.apply(outcome, now_ms, effects),
        }
    }

    /// The keys of `Scope::Global`: help, review, poll, and moving through the fields.
    fn global_key(&mut self, action: Action, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        match action {
            Action::Help => {
                self.dialogs.push(Dialog::Help {
                    scroll: super::scroll::Scroll::default(),
                });
                true
            }
            Action::Review => {
                self.revalidate(now_ms);
                match submit_flow::review(&self.form, &self.env(now_ms)) {
                    Ok(review) => self.dialogs.push(Dialog::Review(Box::new(review))),
                    Err(not_yet) => {
                        if let Some(field) = not_yet.focus {
                            self.focus_jobs = false;
                            self.form.focus(field);
                        }
                        self.status = Some(not_yet.say);
                    }
                }
                true
            }
            Action::Drills => {
                self.drills.reopen();
                self.dialogs.push(Dialog::Drills);
                effects.push(Effect::LoadDrills(Box::new(self.info.drills.clone())));
                true
            }
            Action::Profiles => {
                match super::profiles::picker(&self.info.profiles, &self.info.profile) {
                    Ok(list) => self.dialogs.push(Dialog::Profiles(list)),
                    Err(why) => self.status = Some(why),
                }
                true
            }
            Action::PollNow => {
                effects.push(Effect::PollNow);
                // Atlas's lists too: a snapshot taken since is then known.
                self.atlas.lists = super::catalog::Lists::default();
                self.jobs.polling = true;
                true
            }
            Action::ToggleJobs => {
                let left = self.form.focused();
                self.focus_jobs = !self.focus_jobs;
                if self.focus_jobs {
                    effects.extend(self.form.after_leaving(left, &self.env(now_ms)));
                }
                true
            }
            Action::NextField | Action::PrevField => {
                let forward = action == Action::NextField;
                let left = self.form.focused();
                if self.focus_jobs {
                    self.focus_jobs = false;
                    self.form.focus_edge(forward);
                } else if !self.form.move_focus(forward) {
                    self.focus_jobs = true;
                }
                effects.extend(self.form.after_leaving(left, &self.env(now_ms)));
                true
            }
            _ => false,
        }
    }

    /// Carries out what a component did or asked.
    fn apply(&mut self, outcome: Outcome, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        match outcome {
            Outcome::Ignored | Outcome::Unchanged => false,
            Outcome::Changed => true,
            Outcome::Close => {
                self.dialogs.pop();
                true
            }
            Outcome::Request(request) => self.on_request(request, now_ms, effects),
        }
    }

    fn on_request(&mut self, request: Request, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        match request {
            Request::Pick(field, item) => {
                self.dialogs.pop();
                self.status = None;
                let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
                effects.extend(self.form.pick(field, item, &env));
            }
            Request::Say(text) => self.status = Some(text),
            Request::Chosen(_) => {
                self.dialogs.pop();
            }
            Request::SwitchProfile(name) => {
                self.dialogs.pop();
                match super::profiles::switch(&self.downloads, &self.info.profile, &name) {
                    Ok(said) => {
                        self.status = Some(said);
                        self.switch_to = Some(name);
                    }
                    Err(why) => self.status = Some(why),
                }
            }
            Request::Submit => {
                let ctx = self.form.context(&self.env(now_ms));
                let Some(Dialog::Review(r)) = self.dialogs.top_mut() else {
                    return false;
                };
                match submit_flow::send(r, &ctx) {
                    submit_flow::Send::Nothing => return false,
                    submit_flow::Send::Noted => {}
                    submit_flow::Send::Go(effect) => effects.push(effect),
                }
            }
            Request::Confirmed(then) => {
                // A download's progress and result show in its job's detail, opened afresh
                // (masked, from its top) in place of the one the question was asked from. A
                // forgotten job's detail goes with the question.
                match &then {
                    Effect::Download { job, .. } => {
                        self.dialogs.pop();
                        let id = job.id.as_str();
                        self.dialogs
                            .pop_if(|d| matches!(d, Dialog::Detail { job_id, .. } if job_id == id));
                        self.dialogs.push(Dialog::Detail {
                            job_id: id.to_string(),
                            revealed: false,
                            scroll: super::scroll::Scroll::default(),
                        });
                    }
                    _ => self.dialogs.clear(),
                }
                if matches!(then, Effect::Forget { .. }) {
                    self.status = Some("forgetting the job…".into());
                }
                effects.push(then);
            }
            Request::JobAction(action, id) => return self.job_action(action, &id, now_ms, effects),
            Request::OpenDetail(job_id) => {
                // A job still running: how long it may have to go, from the journal.
                if let Some(shown) = self.jobs.find(&job_id)
                    && !shown.job.status_name.as_ref().is_some_and(|s| s.is_final())
                {
                    effects.push(Effect::LoadEta {
                        group_id: shown
                            .job
                            .group_id
                            .as_deref()
                            .map_or_else(|| self.form.value(Field::GroupId).trim().to_string(), str::to_string),
                        cluster: shown.job.cluster_name.as_deref().unwrap_or_default().to_string(),
                        job: Box::new(shown.job.clone()),
                    });
                }
                self.dialogs.push(Dialog::Detail {
                    job_id,
                    revealed: false,
                    scroll: super::scroll::Scroll::default(),
                });
            }
            Request::ToggleOthers => {
                if self.jobs.others().is_some() {
                    self.jobs.set_others(None);
                } else {
                    self.jobs.set_others(Some(Ok(Vec::new())));
                    effects.push(Effect::LoadClusterJobs {
                        group_id: self.form.value(Field::GroupId).trim().to_string(),
                        cluster: self.form.value(Field::ClusterName).trim().to_string(),
                    });
                }
                self.jobs.selected = 0;
            }
            Request::DismissLost(keys) => effects.push(Effect::DismissLost { keys }),
            Request::FocusForm => self.focus_jobs = false,
            Request::CloneJob(id) => self.clone_job(&id, now_ms, effects),
            Request::CloseDetail(job_id) => {
                if self
                    .downloads
                    .get(&job_id)
                    .is_some_and(super::job_detail::DownloadState::is_going)
                {
                    effects.push(Effect::CancelDownload { job_id: job_id.clone() });
                    self.status = Some("stopping the download: its part is kept, and d resumes it".into());
                } else {
                    self.dialogs.pop();
                }
            }
            Request::OpenBatch(batch_id) => {
                self.dialogs.push(Dialog::Batch {
                    batch_id,
                    scroll: super::scroll::Scroll::default(),
                });
            }
            Request::DownloadBatch(batch_id) => {
                let asks = job_actions::ask_batch(&self.jobs, &self.env(now_ms), &batch_id);
                self.carry_out(asks, effects);
            }
            Request::ChooseFolder(text) => effects.push(Effect::ChooseFolder { text }),
            Request::ChangeFolder(then) => {
                let question = job_actions::folder_question(&self.env(now_ms), false, then);
                self.dialogs.push(question);
            }
            Request::FolderKept(then) => self.go_on_after_folder(then, now_ms, effects),
            Request::OpenPicker(picker, load) => {
                self.dialogs.push(Dialog::Picker(*picker));
                effects.push(load);
            }
            Request::Start(effect) => effects.push(effect),
            Request::RunDrill(drill) => {
                if self.info.drills.runner.is_none() {
                    self.status = Some(format!(
                        "profile {} has no group_id: a drill restores from the profile's project",
                        self.info.profile
                    ));
                } else {
                    self.drills.progress(&drill, "starting");
                    effects.push(Effect::RunDrill {
                        drill,
                        setup: Box::new(self.info.drills.clone()),
                    });
                }
            }
            // The form checked itself already; what the status line said is old.
            Request::Edited => self.status = None,
        }
        true
    }

    /// A job's key (from the panel or its detail), carried out.
    fn job_action(&mut self, action: Action, job_id: &str, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
        let files = job_actions::Files {
            downloads: &self.downloads,
            notes: &self.download_notes,
        };
        let source = (
            self.form.value(Field::GroupId).trim(),
            self.form.value(Field::ClusterName).trim(),
        );
        let Some(asks) = job_actions::act(&self.jobs, &files, &env, source, action, job_id) else {
            return false;
        };
        self.carry_out(asks, effects);
        true
    }

    fn carry_out(&mut self, asks: Asks, effects: &mut Vec<Effect>) {
        if let Some(text) = asks.say {
            self.status = Some(text);
        }
        if let Some(dialog) = asks.open {
            self.dialogs.push(dialog);
        }
        effects.extend(asks.start);
    }

    /// `n`: the job's request in the form. Nothing is sent: the review comes first, as ever.
    fn clone_job(&mut self, job_id: &str, now_ms: i64, effects: &mut Vec<Effect>) {
        let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
        let Some(shown) = self.jobs.find(job_id) else { return };
        let source = (
            self.form.value(Field::GroupId).trim(),
            self.form.value(Field::ClusterName).trim(),
        );
        let cloned = job_actions::cloned(shown, &env, source);
        let cluster = crate::text::sanitize(&cloned.cluster);
        let moved = self.form.load_job(cloned, &env);
        self.focus_jobs = false;
        effects.extend(self.form.lookup_source(&env));
        self.status = Some(format!(
            "a new request from job {} of {cluster}{}: change what differs, then Ctrl-S reviews it; nothing is sent before",
            crate::jobs::present::short_id(job_id),
            if moved {
                " (the form's source is now that cluster)"
            } else {
                ""
            }
        ));
    }

    /// The folder typed is ready and remembered (go on with what waited for it), or not (say
    /// why in the question, which stays).
    fn folder_chosen(
        &mut self,
        result: Result<std::path::PathBuf, String>,
        now_ms: i64,
        effects: &mut Vec<Effect>,
    ) -> bool {
        let Some(Dialog::Folder(prompt)) = self.dialogs.top_mut() else {
            // Cancelled meanwhile: a folder made ready is still the profile's choice.
            if let Ok(dir) = result {
                self.folder_remembered(&dir);
            }
            return true;
        };
        match result {
            Err(why) => {
                prompt.checking = false;
                prompt.error = Some(why);
            }
            Ok(dir) => {
                let then = prompt.then.clone();
                self.dialogs.pop();
                self.status = Some(format!(
                    "archives of profile {} go to {} from now on, in every window",
                    self.info.profile,
                    dir.display()
                ));
                self.info.download_dir = crate::jobs::DownloadFolder::Chosen(dir);
                self.go_on_after_folder(then, now_ms, effects);
            }
        }
        true
    }

    /// The download's question again, once the folder is settled.
    fn go_on_after_folder(&mut self, then: super::folder::AfterFolder, now_ms: i64, effects: &mut Vec<Effect>) {
        use super::folder::AfterFolder;
        // The folder's question, and the download's question it came from (`f`), give way to
        // the download's question asked again with the folder as it is now; a job's detail
        // below stays, to come back to.
        self.dialogs.pop_if(|d| matches!(d, Dialog::Folder(_)));
        self.dialogs.pop_if(|d| matches!(d, Dialog::Confirm { .. }));
        match then {
            AfterFolder::Job(id) => {
                self.job_action(Action::Download, &id, now_ms, effects);
            }
            AfterFolder::Batch(id) => {
                let asks = job_actions::ask_batch(&self.jobs, &self.env(now_ms), &id);
                self.carry_out(asks, effects);
            }
        }
    }

    /// A folder chosen for the profile (here or in another window); the config's goes first.
    fn folder_remembered(&mut self, dir: &std::path::Path) {
        if job_actions::folder_changeable(&self.info.download_dir) {
            self.info.download_dir = crate::jobs::DownloadFolder::Chosen(dir.to_path_buf());
        }
    }

    /// What the journal says of past downloads, for the jobs with none of this session's.
    pub(crate) fn note_downloads(&mut self, downloaded: &[(String, crate::jobs::JobNotes)]) {
        job_actions::note_downloads(&mut self.downloads, &mut self.download_notes, downloaded);
        self.files_changed();
    }

    /// The panel marks each job's file as its last download left it.
    fn files_changed(&mut self) {
        self.jobs.set_files(job_actions::files(&self.downloads));
    }

    /// The panel's news, told to the terminal once and on the status line.
    fn tell_news(&mut self, now_ms: i64, effects: &mut Vec<Effect>) {
        if let Some(text) = self.notifier.news(self.jobs.tracked(), self.notify_mode, now_ms) {
            effects.push(Effect::Notify {
                text: text.clone(),
                mode: self.notify_mode,
            });
            self.status = Some(text);
        }
    }

    /// With `[ui] mouse = true`: a click focuses a field or selects a job (a second click on
    /// the selected job opens it); the wheel scrolls the panel, the help or a list.
    fn on_mouse(&mut self, event: MouseEvent, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        use super::mouse::Hit;
        if let Some(dialog) = self.dialogs.top_mut() {
            return super::mouse::wheel(&event).is_some_and(|down| dialog.on_wheel(down));
        }
        match super::mouse::hit(&event, &self.drawn, self.jobs.len()) {
            Hit::PanelWheel(down) => {
                self.focus_jobs = true;
                self.jobs.move_selection(down);
            }
            Hit::Job(i) => {
                let again = self.focus_jobs && self.jobs.selected == i;
                self.focus_jobs = true;
                self.jobs.selected = i;
                if again && let Some(shown) = self.jobs.selected_job() {
                    self.dialogs.push(Dialog::Detail {
                        job_id: shown.job.id.to_string(),
                        revealed: false,
                        scroll: super::scroll::Scroll::default(),
                    });
                }
            }
            Hit::Field(field) => {
                let left = self.form.focused();
                self.focus_jobs = false;
                self.form.focus(field);
                if left != field {
                    effects.extend(self.form.after_leaving(left, &self.env(now_ms)));
                }
            }
            Hit::Nothing => return false,
        }
        true
    }

    fn on_paste(&mut self, text: &str, now_ms: i64) -> bool {
        // No field or filter takes more: the rest is dropped at once, and said.
        let max = super::input::MAX_FIELD_CHARS;
        let cut = text.char_indices().nth(max).map(|(at, _)| at);
        let text = match cut {
            Some(at) => {
                self.status = Some(format!(
                    "the paste was {} characters: cut to the first {max}, the most a field takes",
                    text.chars().count()
                ));
                &text[..at]
            }
            None => text,
        };
        match self.dialogs.top_mut() {
            Some(dialog) => !matches!(dialog.on_paste(text), Outcome::Ignored),
            None if self.focus_jobs => false,
            None => {
                let env = Env::new(now_ms, &self.info, &self.theme, &self.atlas);
                self.form.paste(text, &env);
                true
            }
        }
    }
}
