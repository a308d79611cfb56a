//! The tracked jobs: a table that fits 80 columns, a sharded batch kept together, the data's
//! age, and one clear state when loading fails.

use super::dialog::{Outcome, Request};
pub(super) use super::job_row::RowModel;
use super::keys::Action;
use crate::atlas::RestoreJob;
use crate::jobs::present::{self, expires_in, expires_ms};
use crate::jobs::{PollEvent, TrackedJob, TrackedSubmit};

/// How a row of the panel relates to the journal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Tracked,
    /// Could be a lost submit's job: `t` says it is.
    Candidate,
    /// The cluster's other jobs (`a`), not tracked here.
    Other,
}

/// A job as a row shows it.
#[derive(Debug, Clone, Copy)]
pub struct Shown<'a> {
    pub job: &'a RestoreJob,
    /// The request that made it, when it was sent from here.
    pub request: Option<&'a serde_json::Value>,
    pub kind: Kind,
    /// The project and cluster it restores from, as the journal has them (a job listed from
    /// Atlas says so itself, in `job`).
    pub source: Option<(&'a str, &'a str)>,
}

/// From this inner width the panel is a table with more columns.
pub const WIDE: usize = 100;

#[derive(Default)]
pub struct JobsPanel {
    /// The tracked jobs, as the journal has them.
    pub jobs: Vec<TrackedJob>,
    /// Submits whose outcome is not known yet (with their candidates).
    pub pending: Vec<TrackedSubmit>,
    pub selected: usize,
    /// When the data was fetched (epoch ms).
    pub updated_ms: Option<i64>,
    /// The latest cycle's failure and when the next try is.
    pub failure: Option<(String, std::time::Duration)>,
    /// A cycle asked for and not answered yet.
    pub polling: bool,
    /// The cluster's other restore jobs (not tracked here), when shown: `Err` says why not.
    pub others: Option<Result<Vec<RestoreJob>, String>>,
    /// What each visible row shows, made when the jobs change (not at every frame).
    pub(super) rows: Vec<RowModel>,
    /// Where each row's job is.
    pub(super) order: Vec<Slot>,
    batches: Vec<Batch>,
    /// Batches opened into their parts (Right opens, Left closes).
    pub expanded: std::collections::HashSet<String>,
    /// `/`: rows holding this text (any case); empty shows all.
    pub filter: String,
    /// The latest expiry of a tracked link still fetchable, made when the jobs change: the
    /// event loop asks at every turn whether a countdown still runs.
    pub last_expiry_ms: Option<i64>,
    /// While `/` is being typed: the input.
    pub filtering: Option<tui_input::Input>,
    pub sort_by: SortBy,
    /// What each job's file downloaded from here can be trusted for (this window's
    /// downloads and the journal's notes): a broken one is marked in its row.
    pub(super) files: std::collections::HashMap<String, crate::jobs::notes::FileState>,
}

/// The panel's order (`s` cycles it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortBy {
    /// Newest first, a batch together (the journal's order).
    #[default]
    Created,
    Status,
    /// The soonest expiry first.
    Expiry,
}

impl SortBy {
    pub fn name(self) -> &'static str {
        match self {
            SortBy::Created => "created",
            SortBy::Status => "status",
            SortBy::Expiry => "expiry",
        }
    }
}

/// How many rows the panel draws, by kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RowCounts {
    /// Tracked jobs and batches, and lost submits' candidates.
    pub tracked: usize,
    /// The cluster's other jobs (`a`).
    pub others: usize,
}

/// Where a row's job is kept: tracked, a lost submit's candidate, or the cluster's others.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Slot {
    Tracked(usize),
    Candidate(usize, usize),
    Other(usize),
    /// A sharded restore's batch, one row for its parts (in `batches`).
    Batch(usize),
}

/// The parts of one batch, as the panel holds them.
#[derive(Debug, Clone)]
struct Batch {
    id: String,
    parts: Vec<Slot>,
}

impl JobsPanel {
    /// Adds or refreshes jobs, keeping a batch's jobs together, newest first.
    pub fn add(&mut self, jobs: Vec<TrackedJob>) {
        for job in jobs {
            match self.jobs.iter_mut().find(|j| j.job.id == job.job.id) {
                Some(known) => *known = job,
                None => self.jobs.push(job),
            }
        }
        self.sort();
        self.rebuild();
    }

    /// The cluster's other jobs (`None` hides them).
    pub fn set_others(&mut self, others: Option<Result<Vec<RestoreJob>, String>>) {
        self.others = others;
        self.rebuild();
    }

    /// Submits whose outcome is not known, with their candidates.
    pub fn set_pending(&mut self, pending: Vec<TrackedSubmit>) {
        self.pending = pending;
        self.rebuild();
    }

    /// Orders the jobs and reads each into its row, once per change.
    fn rebuild(&mut self) {
        self.last_expiry_ms = self
            .jobs
            .iter()
            .filter(|t| present::download_gone(&t.job).is_none())
            .filter_map(|t| expires_ms(&t.job))
            .max();
        let slots = self.slots();
        let mut both: Vec<(Slot, RowModel, i64)> = slots
            .into_iter()
            .filter_map(|slot| {
                let shown = self.shown(slot)?;
                let expiry = expires_ms(shown.job).unwrap_or(i64::MAX);
                let file = self.files.get(shown.job.id.as_str()).copied();
                Some((slot, RowModel::of(shown, file), expiry))
            })
            .collect();
        // `/`: any text of the row, case aside.
        let filter = self.filter.to_lowercase();
        if !filter.is_empty() {
            both.retain(|(_, m, _)| m.text().to_lowercase().contains(&filter));
        }
        // `s`: created (newest first, as the journal keeps them), status, or expiry (soonest).
        match self.sort_by {
            SortBy::Created => {}
            SortBy::Status => both.sort_by(|a, b| a.1.status.cmp(&b.1.status)),
            SortBy::Expiry => both.sort_by_key(|(_, _, e)| *e),
        }
        // A batch is one row where its first part stands; opened, its parts follow it.
        self.batches.clear();
        let batch_of = |slot: Slot| -> Option<String> {
            self.shown(slot)
                .and_then(|s| s.job.batch_id.as_deref().map(str::to_string))
        };
        let keys: Vec<Option<String>> = both.iter().map(|(slot, _, _)| batch_of(*slot)).collect();
        let mut order = Vec::with_capacity(both.len());
        let mut rows = Vec::with_capacity(both.len());
        let mut placed: std::collections::HashSet<String> = std::collections::HashSet::new();
        for (i, (slot, model, _)) in both.iter().enumerate() {
            let Some(batch) = &keys[i] else {
                order.push(*slot);
                rows.push(model.clone());
                continue;
            };
            if !placed.insert(batch.clone()) {
                continue;
            }
            let members: Vec<usize> = (0..both.len()).filter(|j| keys[*j].as_ref() == Some(batch)).collect();
            if members.len() == 1 {
                order.push(*slot);
                rows.push(model.clone());
                continue;
            }
            let parts: Vec<&RowModel> = members.iter().map(|j| &both[*j].1).collect();
            rows.push(RowModel::batch(batch, &parts));
            order.push(Slot::Batch(self.batches.len()));
            self.batches.push(Batch {
                id: batch.clone(),
                parts: members.iter().map(|j| both[*j].0).collect(),
            });
            if self.expanded.contains(batch) {
                for j in &members {
                    order.push(both[*j].0);
                    rows.push(RowModel {
                        short_id: format!("·{}", &both[*j].1.short_id.get(1..).unwrap_or_default()),
                        ..both[*j].1.clone()
                    });
                }
            }
        }
        self.order = order;
        self.rows = rows;
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    /// What the files downloaded from here can be trusted for, by job id.
    pub fn set_files(&mut self, files: std::collections::HashMap<String, crate::jobs::notes::FileState>) {
        if files != self.files {
            self.files = files;
            self.rebuild();
        }
    }

    /// `/` typed into: the filter's text changed.
    pub fn set_filter(&mut self, text: &str) {
        self.filter = text.to_string();
        self.rebuild();
    }

    /// `s`: the next sort.
    pub fn next_sort(&mut self) -> SortBy {
        self.sort_by = match self.sort_by {
            SortBy::Created => SortBy::Status,
            SortBy::Status => SortBy::Expiry,
            SortBy::Expiry => SortBy::Created,
        };
        self.rebuild();
        self.sort_by
    }

    fn sort(&mut self) {
        self.jobs.sort_by(|a, b| {
            let key = |j: &TrackedJob| (j.job.created.clone().unwrap_or_default(), j.job.batch_id.clone());
            key(b)
                .0
                .cmp(&key(a).0)
                .then(key(a).1.cmp(&key(b).1))
                .then(a.job.id.cmp(&b.job.id))
        });
    }

    pub fn on_poll(&mut self, event: PollEvent) {
        self.polling = false;
        match event {
            PollEvent::Updated {
                jobs, pending, at_ms, ..
            } => {
                // The journal is the truth: what another window tracked or forgot shows here too.
                // The selection stays on its job, wherever the job moves.
                let chosen = self.selected_job().map(|s| s.job.id.clone());
                self.jobs = jobs;
                self.sort();
                self.pending = pending;
                self.rebuild();
                self.updated_ms = Some(at_ms);
                self.failure = None;
                let at = chosen.and_then(|id| {
                    self.order
                        .iter()
                        .position(|slot| self.shown(*slot).is_some_and(|s| s.job.id == id))
                });
                self.selected = at.unwrap_or(self.selected).min(self.len().saturating_sub(1));
            }
            PollEvent::Failed { error, retry_in, .. } => self.failure = Some((error, retry_in)),
        }
    }

    /// The tracked jobs, a lost submit's candidates, then (when shown) the cluster's others.
    pub fn visible(&self) -> Vec<Shown<'_>> {
        self.order.iter().filter_map(|slot| self.shown(*slot)).collect()
    }

    /// How many rows there are.
    pub fn len(&self) -> usize {
        self.order.len()
    }

    pub fn is_empty(&self) -> bool {
        self.order.is_empty()
    }

    /// The rows as drawn, by what they are: a batch is one row (its parts, opened under it,
    /// are not counted again), a lost submit's candidate (`?`) counts with the tracked.
    pub fn row_counts(&self) -> RowCounts {
        let in_batch = |slot: &Slot| self.batches.iter().any(|b| b.parts.contains(slot));
        let mut counts = RowCounts::default();
        for slot in &self.order {
            let kind = match slot {
                Slot::Batch(b) => self.batches.get(*b).and_then(|b| b.parts.first()).copied(),
                s if in_batch(s) => None,
                s => Some(*s),
            };
            match kind {
                Some(Slot::Other(_)) => counts.others += 1,
                Some(_) => counts.tracked += 1,
                None => {}
            }
        }
        counts
    }

    pub(super) fn shown(&self, slot: Slot) -> Option<Shown<'_>> {
        Some(match slot {
            Slot::Tracked(i) => {
                let t = self.jobs.get(i)?;
                Shown {
                    job: &t.job,
                    request: t.request.as_deref(),
                    kind: Kind::Tracked,
                    source: Some((t.group_id.as_str(), t.cluster.as_str())),
                }
            }
            Slot::Candidate(p, c) => {
                let submit = self.pending.get(p)?;
                Shown {
                    job: submit.candidates.get(c)?,
                    request: None,
                    kind: Kind::Candidate,
                    source: Some((submit.group_id.as_str(), submit.cluster.as_str())),
                }
            }
            Slot::Batch(b) => return self.shown(*self.batches.get(b)?.parts.first()?),
            Slot::Other(i) => Shown {
                job: self.others.as_ref()?.as_ref().ok()?.get(i)?,
                request: None,
                kind: Kind::Other,
                source: None,
            },
        })
    }

    /// The rows' order: each job once (tracked first), made when the jobs change.
    fn slots(&self) -> Vec<Slot> {
        let mut seen: std::collections::HashSet<&str> = std::collections::HashSet::new();
        let mut order = Vec::with_capacity(self.jobs.len());
        for (i, t) in self.jobs.iter().enumerate() {
            seen.insert(t.job.id.as_str());
            order.push(Slot::Tracked(i));
        }
        for (p, pending) in self.pending.iter().enumerate() {
            for (c, job) in pending.candidates.iter().enumerate() {
                if seen.insert(job.id.as_str()) {
                    order.push(Slot::Candidate(p, c));
                }
            }
        }
        if let Some(Ok(others)) = &self.others {
            for (i, o) in others.iter().enumerate() {
                if seen.insert(o.id.as_str()) {
                    order.push(Slot::Other(i));
                }
            }
        }
        order
    }

    /// A job shown in the panel, tracked or not.
    pub fn find(&self, id: &str) -> Option<Shown<'_>> {
        self.order
            .iter()
            .filter_map(|slot| self.shown(*slot))
            .find(|s| s.job.id == id)
    }

    /// The batch whose row is selected, with its parts' jobs.
    pub fn selected_batch(&self) -> Option<(String, Vec<RestoreJob>)> {
        let Some(Slot::Batch(b)) = self.order.get(self.selected) else {
            return None;
        };
        let batch = self.batches.get(*b)?;
        Some((
            batch.id.clone(),
            batch
                .parts
                .iter()
                .filter_map(|p| self.shown(*p))
                .map(|s| s.job.clone())
                .collect(),
        ))
    }

    /// A batch's parts, as shown.
    pub fn batch_parts(&self, id: &str) -> Vec<Shown<'_>> {
        self.batches
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.parts.iter().filter_map(|p| self.shown(*p)).collect())
            .unwrap_or_default()
    }

    /// Opens or closes the selected batch (`Right`, `Left`); `false` when it is not one.
    pub fn expand_selected(&mut self, open: bool) -> bool {
        let Some((id, _)) = self.selected_batch() else {
            return false;
        };
        if open {
            self.expanded.insert(id);
        } else {
            self.expanded.remove(&id);
        }
        self.rebuild();
        true
    }

    pub fn selected_job(&self) -> Option<Shown<'_>> {
        self.order.get(self.selected).and_then(|slot| self.shown(*slot))
    }

    /// The jobs `t` tracks with this one: its whole batch, as far as it is shown.
    pub fn batch_of(&self, job: &RestoreJob) -> Vec<RestoreJob> {
        match &job.batch_id {
            Some(b) => self
                .visible()
                .iter()
                .filter(|s| s.job.batch_id.as_ref() == Some(b))
                .map(|s| s.job.clone())
                .collect(),
            None => vec![job.clone()],
        }
    }

    /// Up/Down select; the rest asks the app (it needs the form, the dialogs, the effects).
    pub fn on_key(&mut self, action: Option<Action>, key: &ratatui::crossterm::event::KeyEvent) -> Outcome {
        if let Some(input) = &mut self.filtering {
            return match action {
                Some(Action::Close) => {
                    self.filtering = None;
                    self.set_filter("");
                    Outcome::Changed
                }
                Some(Action::Accept) => {
                    self.filtering = None;
                    Outcome::Changed
                }
                Some(_) => Outcome::Ignored,
                None => {
                    if let Some(req) = super::dialog::text_input(key) {
                        input.handle(req);
                        let text = input.value().to_string();
                        self.set_filter(&text);
                    }
                    Outcome::Changed
                }
            };
        }
        let selected = self.selected_job().map(|s| s.job.id.to_string());
        match (action, selected) {
            (Some(Action::Filter), _) => {
                self.filtering = Some(tui_input::Input::new(self.filter.clone()));
                Outcome::Changed
            }
            (Some(Action::Sort), _) => {
                let by = self.next_sort();
                Outcome::Request(Request::Say(format!("jobs sorted by {}", by.name())))
            }
            (Some(Action::CloneJob), Some(id)) => Outcome::Request(Request::CloneJob(id)),
            (Some(a @ (Action::Expand | Action::Collapse)), _) => {
                if self.expand_selected(a == Action::Expand) {
                    Outcome::Changed
                } else {
                    Outcome::Unchanged
                }
            }
            (Some(Action::DownloadBatch), _) => match self.selected_batch() {
                Some((id, _)) => Outcome::Request(Request::DownloadBatch(id)),
                None => Outcome::Request(Request::Say("D is for a batch's row: select one (+)".into())),
            },
            (Some(Action::OpenDetail), _) if self.selected_batch().is_some() => Outcome::Request(Request::OpenBatch(
                self.selected_batch().map(|b| b.0).unwrap_or_default(),
            )),
            (Some(a @ (Action::Up | Action::Down)), _) => {
                self.move_selection(a == Action::Down);
                Outcome::Changed
            }
            (Some(Action::ToggleOthers), _) => Outcome::Request(Request::ToggleOthers),
            (Some(Action::BackToForm), _) => Outcome::Request(Request::FocusForm),
            (Some(Action::OpenDetail), Some(id)) => Outcome::Request(Request::OpenDetail(id)),
            (
                Some(a @ (Action::CopyUrl | Action::CopyCommand | Action::Download | Action::Track | Action::Forget)),
                Some(id),
            ) => Outcome::Request(Request::JobAction(a, id)),
            (
                Some(
                    Action::OpenDetail
                    | Action::CopyUrl
                    | Action::CopyCommand
                    | Action::Download
                    | Action::Track
                    | Action::Forget,
                ),
                None,
            ) => Outcome::Unchanged,
            _ => Outcome::Ignored,
        }
    }

    pub fn move_selection(&mut self, down: bool) {
        let n = self.len();
        if n == 0 {
            return;
        }
        self.selected = if down {
            (self.selected + 1).min(n - 1)
        } else {
            self.selected.saturating_sub(1)
        };
    }

    /// What the clock changes in the panel: the countdowns.
    /// Only the rows on screen (or the first screenful): a tick with 10,000 jobs costs what
    /// one with ten does. The selected job's countdown is included (the detail shows it).
    /// `drawn`: where the last frame put the rows.
    pub fn clock_view(&self, now_ms: i64, drawn: Option<&super::jobs_panel_view::PanelDrawn>) -> Vec<String> {
        let (start, rows) = drawn.map_or((0, 60), |d| (d.start, d.rows.height as usize));
        let mut v: Vec<String> = self
            .order
            .iter()
            .skip(start)
            .take(rows)
            .filter_map(|slot| self.shown(*slot))
            .map(|s| expires_in(s.job, now_ms))
            .collect();
        v.extend(self.selected_job().map(|s| expires_in(s.job, now_ms)));
        v
    }
}
