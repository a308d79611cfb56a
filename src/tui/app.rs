//! The dashboard's state and the one place it changes: `update` takes a message (a key, a
//! result from the network, a tick) and returns what to do in the background. No I/O here,
//! so tests drive it directly.

use super::form::Form;
use super::jobs_panel::JobsPanel;
use super::keys::{self, Action, Scope};
use super::picker::{PickItem, Picker, PickerState};
use super::review::Review;
use super::theme::Theme;
use crate::atlas::{AtlasError, Cluster};
use crate::jobs::SubmitOutcome;
use crate::restore::{ApiVersion, ClusterType, Field, RestoreDraft, build_body, has_errors, validate};
use ratatui::crossterm::event::{Event, KeyEvent};
use serde_json::Value;

/// Everything that can happen to the dashboard.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    Paste(String),
    Resize,
    /// The clock moved (only while something on screen depends on it).
    Tick,
    /// SIGINT, SIGTERM or SIGHUP.
    Signal,
    PickerLoaded {
        field: Field,
        result: Result<Vec<PickItem>, String>,
    },
    SourceCluster {
        group_id: String,
        cluster: String,
        result: Result<Cluster, String>,
    },
    /// A submit's end: the body sent (or not) and what came of it.
    Submitted {
        body: Value,
        outcome: SubmitOutcome,
    },
    /// A track or forget was written to the journal (`Ok`: what to say), or not.
    Tracking(Result<String, String>),
    /// A download's progress or end.
    Download {
        job_id: String,
        state: super::job_detail::DownloadState,
    },
    /// The cluster's restore jobs, for the panel's "all jobs".
    ClusterJobs(Result<Vec<crate::atlas::RestoreJob>, String>),
    /// A line for the status bar (from the event loop: a copy sent, or not).
    Status(String),
    /// A poll cycle's outcome.
    Poll(crate::jobs::PollEvent),
}

/// Background work the event loop starts on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadPicker {
        field: Field,
        group_id: String,
        cluster: String,
    },
    LookupSource {
        group_id: String,
        cluster: String,
    },
    Submit {
        group_id: String,
        cluster: String,
        body: Value,
        /// Send even if the same restore was submitted less than an hour ago.
        allow_repeat: bool,
    },
    /// Follow jobs made elsewhere (a whole batch), or a lost submit's candidate.
    Track {
        group_id: String,
        cluster: String,
        jobs: Vec<crate::atlas::RestoreJob>,
    },
    /// Stop following a job (it stays in Atlas).
    Forget {
        job_id: String,
    },
    /// Poll the tracked jobs now.
    PollNow,
    /// Put text on the user's clipboard through the terminal (OSC 52).
    Copy {
        text: String,
        what: String,
    },
    /// List every restore job of the cluster (the panel's "all jobs").
    LoadClusterJobs {
        group_id: String,
        cluster: String,
    },
    /// Fetch a job's file to `dest`.
    Download {
        job: Box<crate::atlas::RestoreJob>,
        dest: std::path::PathBuf,
    },
}

pub enum Dialog {
    Picker(Picker),
    Review(Review),
    /// A title and lines (an API error, a refusal).
    Message {
        title: String,
        lines: Vec<String>,
    },
    /// The keys; `scroll` is the first line shown (the list is longer than 24 rows).
    Help {
        scroll: u16,
    },
    /// A job in full; `revealed` shows the download auth value.
    Detail {
        job_id: String,
        revealed: bool,
    },
    /// A question before an action that costs something (a download uses one of maxDownloads).
    Confirm {
        title: String,
        lines: Vec<String>,
        then: Effect,
    },
}

/// Static facts the app shows or needs.
pub struct AppInfo {
    pub profile: String,
    pub base_url: String,
    pub public_key: String,
    pub api: ApiVersion,
    pub demo: bool,
    pub download_dir: std::path::PathBuf,
    /// The local zone's offset, read before any thread started (later it cannot be, safely).
    pub local_offset: Option<time::UtcOffset>,
}

pub struct App {
    pub info: AppInfo,
    pub theme: Theme,
    pub form: Form,
    pub jobs: JobsPanel,
    pub dialog: Option<Dialog>,
    pub focus_jobs: bool,
    pub status: Option<String>,
    pub quit: bool,
    source: Option<(String, String, Cluster)>,
    /// What the clock changes, as last drawn, to tell whether a tick changes the screen.
    shown_clock: Vec<String>,
    /// Downloads started here, by job id.
    pub downloads: std::collections::HashMap<String, super::job_detail::DownloadState>,
}

impl App {
    pub fn new(info: AppInfo, theme: Theme, group_id: Option<&str>, cluster: Option<&str>) -> App {
        App {
            info,
            theme,
            form: Form::new(group_id, cluster),
            jobs: JobsPanel::default(),
            dialog: None,
            focus_jobs: false,
            status: None,
            quit: false,
            source: None,
            shown_clock: Vec::new(),
            downloads: std::collections::HashMap::new(),
        }
    }

    /// What to do first: look the source cluster up, so the topology rules apply.
    pub fn start(&mut self, now_ms: i64) -> Vec<Effect> {
        self.revalidate(now_ms);
        self.lookup_source().into_iter().collect()
    }

    fn source_type(&self) -> Option<(ClusterType, Option<String>)> {
        let (g, c, cluster) = self.source.as_ref()?;
        let same = g == self.form.value(Field::GroupId).trim() && c == self.form.value(Field::ClusterName).trim();
        let kind = ClusterType::from_api(cluster.cluster_type.as_deref()?)?;
        same.then(|| (kind, cluster.id.clone()))
    }

    /// Re-runs the engine; `true` if what it found changed.
    pub fn revalidate(&mut self, now_ms: i64) -> bool {
        let ctx = self.form.context(now_ms, self.info.api, self.source_type());
        self.form.revalidate(&ctx)
    }

    fn lookup_source(&self) -> Option<Effect> {
        let group_id = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
        if group_id.is_empty() || cluster.is_empty() {
            return None;
        }
        if self
            .source
            .as_ref()
            .is_some_and(|(g, c, _)| *g == group_id && *c == cluster)
        {
            return None;
        }
        Some(Effect::LookupSource { group_id, cluster })
    }

    /// Everything on screen the clock alone changes: the time fields' hints, the countdowns.
    fn clock_view(&self, now_ms: i64) -> Vec<String> {
        let mut v: Vec<String> = [Field::OplogTs, Field::PointInTimeUtcMillis]
            .iter()
            .map(|f| self.form.time_hint(*f, now_ms).unwrap_or_default())
            .collect();
        v.extend(self.jobs.clock_view(now_ms));
        v
    }

    /// Whether the screen changes with the clock alone: a time field, or a countdown still
    /// running (an expired link's "expired" no longer moves, so it wakes nothing).
    pub fn needs_tick(&self, now_ms: i64) -> bool {
        self.form.depends_on_time()
            || self.jobs.visible().iter().any(|s| {
                crate::jobs::present::download_gone(s.job).is_none()
                    && crate::jobs::present::expires_ms(s.job).is_some_and(|e| e > now_ms)
            })
    }

    /// The scopes the keyboard is in, most specific first.
    pub fn scopes(&self) -> Vec<Scope> {
        let mut scopes = self.local_scopes();
        scopes.push(Scope::Anywhere);
        scopes
    }

    fn local_scopes(&self) -> Vec<Scope> {
        match &self.dialog {
            Some(Dialog::Picker(_)) => vec![Scope::Picker],
            Some(Dialog::Review(_)) => vec![Scope::Review],
            Some(Dialog::Message { .. } | Dialog::Help { .. }) => vec![Scope::Dialog],
            Some(Dialog::Detail { job_id, .. }) => {
                let file = self.jobs.find(job_id).is_some_and(|s| {
                    use crate::jobs::present;
                    present::method(s.job, s.request) == present::Method::Download
                        && present::download_gone(s.job).is_none()
                });
                if file {
                    vec![Scope::DetailFile, Scope::Detail]
                } else {
                    vec![Scope::Detail]
                }
            }
            Some(Dialog::Confirm { .. }) => vec![Scope::Confirm],
            None if self.focus_jobs => vec![Scope::Jobs, Scope::NoText, Scope::Global],
            None => {
                let field = self.form.focused();
                let mut s = Vec::new();
                if field == Field::MethodName {
                    s.extend([Scope::Choice, Scope::NoText]);
                } else if has_picker(field) {
                    s.push(Scope::PickerField);
                }
                s.extend([Scope::Form, Scope::Global]);
                s
            }
        }
    }

    /// Applies one message; returns whether the screen must be redrawn and the work to start.
    pub fn update(&mut self, msg: Msg, now_ms: i64) -> (bool, Vec<Effect>) {
        let mut effects = Vec::new();
        let changed = match msg {
            Msg::Key(key) => self.on_key(key, now_ms, &mut effects),
            Msg::Paste(text) => self.on_paste(&text, now_ms),
            Msg::Resize => true,
            Msg::Tick => {
                // Redraw only when what the clock moves has changed on screen.
                let view = self.clock_view(now_ms);
                let moved = view != self.shown_clock;
                self.shown_clock = view;
                self.revalidate(now_ms) || moved
            }
            Msg::Signal => {
                self.quit = true;
                true
            }
            Msg::PickerLoaded { field, result } => {
                if let Some(Dialog::Picker(p)) = &mut self.dialog
                    && p.field == field
                {
                    p.state = match result {
                        Ok(items) => PickerState::Ready(items),
                        Err(why) => PickerState::Failed(why),
                    };
                    p.selected = 0;
                    true
                } else {
                    false
                }
            }
            Msg::SourceCluster {
                group_id,
                cluster,
                result,
            } => match result {
                Ok(doc) => {
                    self.source = Some((group_id, cluster, doc));
                    self.revalidate(now_ms);
                    true
                }
                Err(why) => {
                    self.status = Some(format!("could not look up the source cluster: {why}"));
                    true
                }
            },
            Msg::Submitted { body, outcome } => self.on_submitted(body, outcome, &mut effects),
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
                let done = !matches!(state, super::job_detail::DownloadState::Running { .. });
                if done {
                    let listed = self
                        .jobs
                        .find(&job_id)
                        .and_then(|s| crate::jobs::present::listed_sha1(s.job));
                    self.status = Some(state.describe(listed.as_deref()));
                    // Atlas lists the hash after a download: look now.
                    effects.push(Effect::PollNow);
                }
                self.downloads.insert(job_id, state);
                true
            }
            Msg::ClusterJobs(result) => {
                if self.jobs.others.is_some() {
                    self.jobs.others = Some(result);
                }
                true
            }
            Msg::Status(text) => {
                self.status = Some(text);
                true
            }
            Msg::Poll(event) => {
                self.jobs.on_poll(event);
                true
            }
        };
        (changed, effects)
    }

    fn on_key(&mut self, key: KeyEvent, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let action = keys::resolve(&self.scopes(), &key);
        // A dialog takes the keys its table does not bind as text (filter, confirmation).
        if action == Some(Action::Quit) {
            self.quit = true;
            return true;
        }
        if let Some(dialog) = &mut self.dialog {
            return match (action, dialog) {
                (Some(Action::Close), Dialog::Review(r)) if r.sending => false,
                (Some(Action::Close), _) => {
                    self.dialog = None;
                    true
                }
                (Some(Action::Up | Action::Down), Dialog::Help { scroll }) => {
                    *scroll = if action == Some(Action::Down) {
                        scroll.saturating_add(1)
                    } else {
                        scroll.saturating_sub(1)
                    };
                    true
                }
                (Some(Action::Up | Action::Down), Dialog::Picker(p)) => {
                    p.move_selection(action == Some(Action::Down));
                    true
                }
                (Some(Action::Pick), Dialog::Picker(p)) => match p.choice() {
                    Ok(item) => {
                        let field = p.field;
                        self.dialog = None;
                        self.apply_pick(field, item, now_ms, effects);
                        true
                    }
                    Err(why) => {
                        self.status = Some(format!("cannot pick that: {why}"));
                        true
                    }
                },
                (Some(Action::Submit), Dialog::Review(_)) => self.submit(now_ms, effects),
                (Some(Action::Submit), Dialog::Confirm { then, .. }) => {
                    // A download's progress and result show in its job's detail.
                    let then = then.clone();
                    self.dialog = match &then {
                        Effect::Download { job, .. } => Some(Dialog::Detail {
                            job_id: job.id.clone(),
                            revealed: false,
                        }),
                        _ => None,
                    };
                    if matches!(then, Effect::Forget { .. }) {
                        self.status = Some("forgetting the job…".into());
                    }
                    effects.push(then);
                    true
                }
                (Some(Action::Reveal), Dialog::Detail { revealed, .. }) => {
                    *revealed = !*revealed;
                    true
                }
                (
                    Some(
                        a @ (Action::CopyUrl | Action::CopyCommand | Action::Download | Action::Track | Action::Forget),
                    ),
                    Dialog::Detail { job_id, .. },
                ) => {
                    let id = job_id.clone();
                    self.job_action(a, &id, effects)
                }
                (None, Dialog::Picker(p)) => {
                    if let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) {
                        p.edit_filter(req);
                    }
                    true
                }
                (None, Dialog::Review(r)) if r.confirm.is_some() && !r.sending => {
                    if let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) {
                        r.typed.handle(req);
                        r.note = None;
                    }
                    true
                }
                _ => false,
            };
        }
        match action {
            Some(Action::Quit) => {
                self.quit = true;
                true
            }
            Some(Action::Help) => {
                self.dialog = Some(Dialog::Help { scroll: 0 });
                true
            }
            Some(Action::Review) => self.open_review(now_ms),
            Some(Action::PollNow) => {
                effects.push(Effect::PollNow);
                self.jobs.polling = true;
                true
            }
            Some(Action::NextField | Action::PrevField) => {
                let forward = action == Some(Action::NextField);
                let left = self.form.focused();
                if self.focus_jobs {
                    self.focus_jobs = false;
                    self.form.focus_edge(forward);
                } else if !self.form.move_focus(forward) {
                    self.focus_jobs = true;
                }
                if matches!(left, Field::GroupId | Field::ClusterName) {
                    effects.extend(self.lookup_source());
                }
                true
            }
            Some(Action::ChoiceNext | Action::ChoicePrev) => {
                self.form.cycle_method(action == Some(Action::ChoiceNext));
                self.revalidate(now_ms);
                true
            }
            Some(Action::OpenPicker) => self.open_picker(effects),
            Some(Action::Up | Action::Down) if self.focus_jobs => {
                self.jobs.move_selection(action == Some(Action::Down));
                true
            }
            Some(Action::ToggleOthers) => {
                if self.jobs.others.take().is_none() {
                    self.jobs.others = Some(Ok(Vec::new()));
                    effects.push(Effect::LoadClusterJobs {
                        group_id: self.form.value(Field::GroupId).trim().to_string(),
                        cluster: self.form.value(Field::ClusterName).trim().to_string(),
                    });
                }
                self.jobs.selected = 0;
                true
            }
            Some(Action::OpenDetail) => match self.jobs.selected_job() {
                Some(shown) => {
                    self.dialog = Some(Dialog::Detail {
                        job_id: shown.job.id.clone(),
                        revealed: false,
                    });
                    true
                }
                None => false,
            },
            Some(Action::BackToForm) if self.focus_jobs => {
                self.focus_jobs = false;
                true
            }
            Some(a @ (Action::CopyUrl | Action::CopyCommand | Action::Download | Action::Track | Action::Forget)) => {
                match self.jobs.selected_job() {
                    Some(shown) => {
                        let id = shown.job.id.clone();
                        self.job_action(a, &id, effects)
                    }
                    None => false,
                }
            }
            _ if self.focus_jobs => false,
            _ => {
                let Some(req) = tui_input::backend::crossterm::to_input_request(&Event::Key(key)) else {
                    return false;
                };
                let before = self.form.value(self.form.focused()).to_string();
                self.form.edit(req);
                if self.form.value(self.form.focused()) != before {
                    self.status = None;
                    self.revalidate(now_ms);
                }
                // The cursor may have moved even when the text did not.
                true
            }
        }
    }

    /// Track, forget, copy the URL, copy the command, or ask before downloading.
    fn job_action(&mut self, action: Action, job_id: &str, effects: &mut Vec<Effect>) -> bool {
        use super::jobs_panel::Kind;
        use crate::jobs::present;
        let Some(shown) = self.jobs.find(job_id) else {
            return false;
        };
        let job = shown.job;
        match action {
            Action::Track => {
                if shown.kind == Kind::Tracked {
                    self.status = Some("already tracked: x forgets it".into());
                } else {
                    effects.push(Effect::Track {
                        group_id: job
                            .group_id
                            .clone()
                            .unwrap_or_else(|| self.form.value(Field::GroupId).trim().to_string()),
                        cluster: job
                            .cluster_name
                            .clone()
                            .unwrap_or_else(|| self.form.value(Field::ClusterName).trim().to_string()),
                        jobs: self.jobs.batch_of(job),
                    });
                    self.status = Some("tracking it…".into());
                }
                return true;
            }
            Action::Forget => {
                if shown.kind != Kind::Tracked {
                    self.status = Some("not tracked here: t tracks it".into());
                    return true;
                }
                self.dialog = Some(Dialog::Confirm {
                    title: "Forget this job?".into(),
                    lines: vec![
                        format!(
                            "Job {} leaves this profile's list and is no longer polled.",
                            crate::text::sanitize(&job.id)
                        ),
                        "It stays in Atlas; a, then t, tracks it again.".into(),
                    ],
                    then: Effect::Forget { job_id: job.id.clone() },
                });
                return true;
            }
            _ => {}
        }
        let method = present::method(job, shown.request);
        if let Some(target) = method.target() {
            self.status = Some(format!(
                "an automated restore into {target}: Atlas restores it itself; there is no file to download"
            ));
            return true;
        }
        if let Some(gone) = present::download_gone(job) {
            self.status = Some(gone.to_string());
            return true;
        }
        let Some(target) = present::download_target(job) else {
            self.status = Some("no download URL yet: it appears when the delivery is READY".into());
            return true;
        };
        match action {
            Action::CopyUrl => effects.push(Effect::Copy {
                text: target.url,
                what: "the download URL".into(),
            }),
            Action::CopyCommand => {
                if let Some(cmd) = present::download_command(job) {
                    effects.push(Effect::Copy {
                        text: cmd,
                        what: "a download command (it holds the auth value)".into(),
                    });
                }
            }
            _ => {
                let file = present::file_name(job);
                let dest = self.info.download_dir.join(&file);
                self.dialog = Some(Dialog::Confirm {
                    title: "Download the restore file?".into(),
                    lines: vec![
                        match present::max_downloads(job).as_str() {
                            "no limit" => "Atlas sets no limit on downloads for this job.".to_string(),
                            n => format!("Each download uses one of the {n} downloads Atlas allows for this job."),
                        },
                        format!("It is saved as {} and its SHA1 computed on the way.", dest.display()),
                    ],
                    then: Effect::Download {
                        job: Box::new(job.clone()),
                        dest,
                    },
                });
            }
        }
        true
    }

    fn on_paste(&mut self, text: &str, now_ms: i64) -> bool {
        match &mut self.dialog {
            Some(Dialog::Picker(p)) => {
                for c in text.chars().filter(|c| !c.is_control()) {
                    p.edit_filter(tui_input::InputRequest::InsertChar(c));
                }
                true
            }
            Some(Dialog::Review(r)) if r.confirm.is_some() => {
                // The erase confirmation must be typed, not pasted.
                r.note = Some("type the name: pasting does not confirm an erase".into());
                true
            }
            Some(_) => false,
            None if self.focus_jobs => false,
            None => {
                if self.form.paste(text) {
                    self.revalidate(now_ms);
                }
                true
            }
        }
    }

    fn apply_pick(&mut self, field: Field, item: PickItem, now_ms: i64, effects: &mut Vec<Effect>) {
        self.form.set(field, &item.value);
        for (f, v) in &item.also {
            if self.form.value(*f).trim().is_empty() {
                self.form.set(*f, v);
            }
        }
        if field == Field::ClusterName {
            effects.extend(self.lookup_source());
        }
        self.revalidate(now_ms);
    }

    fn open_picker(&mut self, effects: &mut Vec<Effect>) -> bool {
        let field = self.form.focused();
        let group = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
        let (group_id, title) = match field {
            Field::ClusterName => (group.clone(), format!("clusters of project {group}")),
            Field::SnapshotId => (group.clone(), format!("snapshots of {cluster}")),
            Field::CheckpointId => (group.clone(), format!("checkpoints of {cluster}")),
            Field::TargetClusterName | Field::TargetClusterId => {
                let target = self.form.value(Field::TargetGroupId).trim().to_string();
                let g = if target.is_empty() { group.clone() } else { target };
                (g.clone(), format!("clusters of project {g} (the target)"))
            }
            _ => return false,
        };
        if group_id.is_empty() {
            self.status = Some("fill groupId first: the lists come from that project".into());
            return true;
        }
        if matches!(field, Field::SnapshotId | Field::CheckpointId) && cluster.is_empty() {
            self.status = Some("fill clusterName first".into());
            return true;
        }
        self.dialog = Some(Dialog::Picker(Picker::loading(field, title)));
        effects.push(Effect::LoadPicker {
            field,
            group_id,
            cluster,
        });
        true
    }

    fn open_review(&mut self, now_ms: i64) -> bool {
        self.revalidate(now_ms);
        let errors = self.form.errors();
        if errors > 0 {
            let first = self
                .form
                .findings()
                .iter()
                .find(|f| f.is_error())
                .and_then(|f| f.fields.first().copied());
            if let Some(f) = first {
                self.focus_jobs = false;
                self.form.focus(f);
            }
            self.status = Some(format!(
                "{errors} error{} to fix before submitting: see the marked fields",
                if errors == 1 { "" } else { "s" }
            ));
            return true;
        }
        let ctx = self.form.context(now_ms, self.info.api, self.source_type());
        let body = match build_body(&self.form.draft(), &ctx) {
            Ok(b) => b,
            Err(errors) => {
                self.status = Some(errors.first().map(|e| e.message.clone()).unwrap_or_default());
                return true;
            }
        };
        let group = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
        let url = crate::atlas::restore_jobs_url(&self.info.base_url, self.info.api, &group, &cluster);
        self.dialog = Some(Dialog::Review(Review::new(
            url,
            group,
            cluster,
            body,
            &self.info.public_key,
            self.info.api,
        )));
        true
    }

    fn submit(&mut self, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let ctx = self.form.context(now_ms, self.info.api, self.source_type());
        let Some(Dialog::Review(r)) = &mut self.dialog else {
            return false;
        };
        if r.sending {
            return false;
        }
        if !r.confirmed() {
            r.note = Some(match &r.confirm {
                Some(c) => format!("type {} exactly to confirm the erase", c.expected),
                None => String::new(),
            });
            return true;
        }
        // The clock has moved since the review opened: the body shown must still hold.
        let findings = validate(&RestoreDraft::from_json(&r.body), &ctx);
        if has_errors(&findings) {
            r.note = Some(format!(
                "no longer valid: {}; Esc and fix it",
                findings
                    .iter()
                    .find(|f| f.is_error())
                    .map(|f| f.message.as_str())
                    .unwrap_or("")
            ));
            return true;
        }
        r.sending = true;
        effects.push(Effect::Submit {
            group_id: r.group_id.clone(),
            cluster: r.cluster.clone(),
            body: r.body.clone(),
            allow_repeat: r.repeat_of.is_some(),
        });
        true
    }

    fn on_submitted(&mut self, body: Value, outcome: SubmitOutcome, effects: &mut Vec<Effect>) -> bool {
        let (title, mut lines) = match outcome {
            SubmitOutcome::Created { jobs, .. } | SubmitOutcome::CreatedNotRecorded { jobs, .. } if jobs.is_empty() => {
                (
                    "Atlas answered with no job",
                    vec!["Look at the cluster's restore jobs (a in the panel).".to_string()],
                )
            }
            SubmitOutcome::Created { jobs, .. } => {
                let n = jobs.len();
                let ids: Vec<String> = jobs.iter().map(|j| crate::text::sanitize(&j.id)).collect();
                let group_id = self.form.value(Field::GroupId).trim().to_string();
                let cluster = self.form.value(Field::ClusterName).trim().to_string();
                self.jobs.add(
                    jobs.into_iter()
                        .map(|job| crate::jobs::TrackedJob {
                            job,
                            request: Some(body.clone()),
                            group_id: group_id.clone(),
                            cluster: cluster.clone(),
                        })
                        .collect(),
                );
                self.dialog = None;
                effects.push(Effect::PollNow);
                self.status = Some(format!(
                    "submitted: {n} restore job{} ({})",
                    if n == 1 { "" } else { "s" },
                    ids.join(", ")
                ));
                return true;
            }
            SubmitOutcome::Repeat(earlier) => {
                // Asked about once: the next Enter sends it anyway.
                if let Some(Dialog::Review(r)) = &mut self.dialog {
                    let at = crate::restore::time_input::format_utc_ms(earlier.submitted_at_ms / 1000 * 1000);
                    let jobs: Vec<String> = earlier
                        .jobs
                        .iter()
                        .map(|j| crate::jobs::present::short_id(&j.id))
                        .collect();
                    let which = if jobs.is_empty() {
                        format!("its outcome: {:?}", earlier.state)
                    } else {
                        format!("job {}", jobs.join(", "))
                    };
                    r.sending = false;
                    r.note = Some(format!(
                        "the same restore was submitted at {at} ({which}): Enter sends it again anyway; Esc goes back"
                    ));
                    r.repeat_of = Some(earlier.key.clone());
                }
                return true;
            }
            SubmitOutcome::NotRecorded(why) => (
                "Nothing was sent",
                vec![
                    why,
                    "The submit must be recorded before it is sent, so that it is never lost.".into(),
                ],
            ),
            SubmitOutcome::CreatedNotRecorded { jobs, error } => {
                let ids: Vec<String> = jobs.iter().map(|j| crate::text::sanitize(&j.id)).collect();
                (
                    "Created, but not recorded",
                    vec![
                        format!("Atlas made job(s) {}, but {error}.", ids.join(", ")),
                        "Note the ids; a, then t, tracks them once the journal can be written.".into(),
                    ],
                )
            }
            SubmitOutcome::Unknown { detail, .. } => {
                // The poller looks for it in the cluster's list at once; it is never resent.
                effects.push(Effect::PollNow);
                (
                    "The answer was lost: the job may exist",
                    vec![
                        detail,
                        "It is recorded as unknown and looked for in the cluster's restore jobs now; if found, it appears in the jobs panel.".into(),
                    ],
                )
            }
            SubmitOutcome::Refused { error, .. } => {
                let mut lines = vec![error.to_string()];
                if let AtlasError::Status(s) = &error {
                    if let Some(code) = &s.error_code {
                        lines.push(format!("errorCode: {code}"));
                    }
                    if let Some(detail) = &s.detail {
                        lines.push(format!("detail: {detail}"));
                    }
                }
                ("Atlas did not create the restore job", lines)
            }
        };
        lines.retain(|l| !l.is_empty());
        self.dialog = Some(Dialog::Message {
            title: title.into(),
            lines,
        });
        true
    }
}

/// Fields whose values can be picked from Atlas.
pub fn has_picker(field: Field) -> bool {
    matches!(
        field,
        Field::ClusterName
            | Field::SnapshotId
            | Field::CheckpointId
            | Field::TargetClusterName
            | Field::TargetClusterId
    )
}
