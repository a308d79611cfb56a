//! The tracked jobs: a table that fits 80 columns, a sharded batch kept together, the data's
//! age, and one clear state when loading fails.
//!
//! Each job's row is read once, when the job changes: a poll merges what changed into the
//! rows it has, and a filter keystroke or a sort only reorders them (see
//! `benches/dashboard.rs`: a poll of 10,000 jobs, a keystroke with 10,000 jobs).

use super::dialog::{Outcome, Request};
pub(super) use super::job_row::RowModel;
use super::keys::Action;
use crate::atlas::RestoreJob;
use crate::jobs::present::{self, expires_in};
use crate::jobs::{PollEvent, TrackedJob, TrackedSubmit};
use std::collections::{HashMap, HashSet};

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
pub(crate) const WIDE: usize = 100;

#[derive(Default)]
pub struct JobsPanel {
    /// The tracked jobs, as the journal has them, newest first, a batch together.
    jobs: Vec<TrackedJob>,
    /// Each tracked job's row, read when the job changed (one per job, in its order).
    models: Vec<RowModel>,
    /// Submits whose outcome is not known yet (with their candidates).
    pub pending: Vec<TrackedSubmit>,
    /// Each candidate's row, as `models` for the tracked.
    pending_models: Vec<Vec<RowModel>>,
    pub selected: usize,
    /// When the data was fetched (epoch ms).
    pub updated_ms: Option<i64>,
    /// The latest cycle's failure and when the next try is.
    pub failure: Option<(String, std::time::Duration)>,
    /// A cycle asked for and not answered yet.
    pub polling: bool,
    /// The cluster's other restore jobs (not tracked here), when shown: `Err` says why not.
    others: Option<Result<Vec<RestoreJob>, String>>,
    other_models: Vec<RowModel>,
    /// The rows drawn, in order: where each row's job is.
    order: Vec<Row>,
    /// The jobs the filter let through last, and its text: a longer filter holding that
    /// text looks only at these (typing narrows). Gone when the jobs change.
    matched: Option<(String, Vec<Slot>)>,
    counts: RowCounts,
    batches: Vec<Batch>,
    /// Each batch's row, kept while its parts are the same rows (a keystroke reuses it).
    batch_rows: HashMap<String, (Vec<Slot>, RowModel)>,
    /// Batches opened into their parts (Right opens, Left closes).
    pub expanded: HashSet<String>,
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
    files: HashMap<String, crate::jobs::notes::FileState>,
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
pub(crate) struct RowCounts {
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

/// A row drawn: its job (or batch), and whether it is an opened batch's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Row {
    pub slot: Slot,
    pub part: bool,
}

/// The parts of one batch, as the panel holds them.
#[derive(Debug, Clone)]
struct Batch {
    id: String,
    parts: Vec<Slot>,
}

impl JobsPanel {
    /// The tracked jobs, newest first.
    pub fn tracked(&self) -> &[TrackedJob] {
        &self.jobs
    }

    /// Adds or refreshes jobs, keeping a batch's jobs together, newest first.
    pub fn add(&mut self, jobs: Vec<TrackedJob>) {
        let ids: HashSet<String> = jobs.iter().map(|t| t.job.id.to_string()).collect();
        let kept: Vec<String> = self
            .jobs
            .iter()
            .map(|t| t.job.id.to_string())
            .filter(|id| !ids.contains(id))
            .collect();
        self.merge(jobs, &kept);
        self.rebuild();
    }

    /// The cluster's other jobs (`None` hides them).
    pub fn set_others(&mut self, others: Option<Result<Vec<RestoreJob>, String>>) {
        self.others = others;
        self.other_models = match &self.others {
            Some(Ok(jobs)) => jobs
                .iter()
                .map(|job| {
                    let shown = Shown {
                        job,
                        request: None,
                        kind: Kind::Other,
                        source: None,
                    };
                    RowModel::of(shown, self.files.get(job.id.as_str()).copied())
                })
                .collect(),
            _ => Vec::new(),
        };
        self.batch_rows.clear();
        self.matched = None;
        self.rebuild();
    }

    /// The cluster's other jobs, when shown (`Err`: why they could not be listed).
    pub fn others(&self) -> Option<&Result<Vec<RestoreJob>, String>> {
        self.others.as_ref()
    }

    /// The keys of the lost submits shown as having made no job (`X` dismisses them).
    pub(crate) fn lost_outcomes(&self) -> Vec<String> {
        self.pending
            .iter()
            .filter(|s| s.awaits_dismissal())
            .map(|s| s.key.clone())
            .collect()
    }

    /// Lost submits to tell of (`JournalData::lost`), with their candidates.
    pub(crate) fn set_pending(&mut self, pending: Vec<TrackedSubmit>) {
        self.take_pending(pending);
        self.rebuild();
    }

    fn take_pending(&mut self, pending: Vec<TrackedSubmit>) {
        self.pending_models = pending
            .iter()
            .map(|submit| {
                submit
                    .candidates
                    .iter()
                    .map(|job| {
                        let shown = Shown {
                            job,
                            request: None,
                            kind: Kind::Candidate,
                            source: Some((submit.group_id.as_str(), submit.cluster.as_str())),
                        };
                        RowModel::of(shown, self.files.get(job.id.as_str()).copied())
                    })
                    .collect()
            })
            .collect();
        self.pending = pending;
        self.batch_rows.clear();
        self.matched = None;
    }

    /// The tracked jobs become `changed` and those of `unchanged` (by id) the panel holds
    /// already, each with its row: only the changed are read again, and the rows stay where
    /// they are unless an order changed (a job's row is large: it is moved as little as
    /// possible). `false` when one of `unchanged` is not here (the poller must send
    /// everything again).
    fn merge(&mut self, changed: Vec<TrackedJob>, unchanged: &[String]) -> bool {
        let mut complete = true;
        let mut keep = vec![false; self.jobs.len()];
        let mut replaced = Vec::new();
        let mut added = Vec::new();
        {
            let at: HashMap<&str, usize> = if unchanged.is_empty() {
                HashMap::new()
            } else {
                self.jobs
                    .iter()
                    .enumerate()
                    .map(|(i, t)| (t.job.id.as_str(), i))
                    .collect()
            };
            for id in unchanged {
                match at.get(id.as_str()) {
                    Some(i) => keep[*i] = true,
                    None => complete = false,
                }
            }
            for t in changed {
                match at.get(t.job.id.as_str()) {
                    Some(i) => {
                        keep[*i] = true;
                        replaced.push((*i, t));
                    }
                    None => added.push(t),
                }
            }
        }
        let mut reorder = !added.is_empty();
        for (i, t) in replaced {
            let old = &self.jobs[i].job;
            reorder |= old.created != t.job.created || old.batch_id != t.job.batch_id;
            self.models[i] = RowModel::of(tracked_shown(&t), self.files.get(t.job.id.as_str()).copied());
            self.jobs[i] = t;
        }
        // What neither list names is tracked no more (forgotten in another window).
        if keep.iter().any(|k| !k) {
            let mut at = 0..;
            self.jobs.retain(|_| keep[at.next().unwrap_or(0)]);
            let mut at = 0..;
            self.models.retain(|_| keep[at.next().unwrap_or(0)]);
        }
        for t in added {
            self.models.push(RowModel::of(
                tracked_shown(&t),
                self.files.get(t.job.id.as_str()).copied(),
            ));
            self.jobs.push(t);
        }
        if reorder {
            self.reorder();
        }
        self.last_expiry_ms = self
            .jobs
            .iter()
            .zip(&self.models)
            .filter(|(t, _)| present::download_gone(&t.job).is_none())
            .filter_map(|(_, m)| m.expiry)
            .max();
        self.batch_rows.clear();
        self.matched = None;
        complete
    }

    /// Newest first, a batch together, then by id: an order of indices, with the keys
    /// borrowed, then each job and row moved once.
    fn reorder(&mut self) {
        let mut order: Vec<usize> = (0..self.jobs.len()).collect();
        order.sort_by(|a, b| {
            let (a, b) = (&self.jobs[*a].job, &self.jobs[*b].job);
            b.created
                .as_deref()
                .unwrap_or("")
                .cmp(a.created.as_deref().unwrap_or(""))
                .then_with(|| a.batch_id.as_deref().cmp(&b.batch_id.as_deref()))
                .then_with(|| a.id.cmp(&b.id))
        });
        let mut jobs: Vec<Option<TrackedJob>> = std::mem::take(&mut self.jobs).into_iter().map(Some).collect();
        let mut models: Vec<Option<RowModel>> = std::mem::take(&mut self.models).into_iter().map(Some).collect();
        self.jobs = order.iter().filter_map(|i| jobs[*i].take()).collect();
        self.models = order.iter().filter_map(|i| models[*i].take()).collect();
    }

    /// The row a slot's job shows.
    fn model(&self, slot: Slot) -> Option<&RowModel> {
        match slot {
            Slot::Tracked(i) => self.models.get(i),
            Slot::Candidate(p, c) => self.pending_models.get(p)?.get(c),
            Slot::Other(i) => self.other_models.get(i),
            Slot::Batch(b) => self.batch_rows.get(&self.batches.get(b)?.id).map(|(_, m)| m),
        }
    }

    /// The `i`th row drawn and what it shows.
    pub(super) fn row(&self, i: usize) -> Option<(Row, &RowModel)> {
        let row = *self.order.get(i)?;
        Some((row, self.model(row.slot)?))
    }

    /// Orders the rows, filtered and sorted, a batch's parts under one row: reading no job.
    fn rebuild(&mut self) {
        let filter = self.filter.to_lowercase();
        // `/`: any text of the row, case aside; a row without the shorter text lacks the longer.
        let mut slots = match self.matched.take() {
            Some((had, slots)) if filter.contains(had.as_str()) => slots,
            _ => self.slots(),
        };
        if !filter.is_empty() {
            slots.retain(|slot| self.model(*slot).is_some_and(|m| m.haystack.contains(&filter)));
        }
        self.matched = Some((filter, slots.clone()));
        // `s`: created (newest first, as the journal keeps them), status, or expiry (soonest).
        match self.sort_by {
            SortBy::Created => {}
            SortBy::Status => slots.sort_by(|a, b| {
                let status = |s: &Slot| self.model(*s).map(|m| m.status.as_str());
                status(a).cmp(&status(b))
            }),
            SortBy::Expiry => slots.sort_by_key(|s| self.model(*s).and_then(|m| m.expiry).unwrap_or(i64::MAX)),
        }
        // A batch is one row where its first part stands; opened, its parts follow it.
        let batch_of = |slot: &Slot| self.shown(*slot).and_then(|s| s.job.batch_id.as_deref());
        let mut members: HashMap<&str, Vec<Slot>> = HashMap::new();
        for slot in &slots {
            if let Some(b) = batch_of(slot) {
                members.entry(b).or_default().push(*slot);
            }
        }
        let mut batches: Vec<Batch> = Vec::new();
        let mut fresh: Vec<(String, Vec<Slot>)> = Vec::new();
        let mut order = Vec::with_capacity(slots.len());
        let mut counts = RowCounts::default();
        for slot in &slots {
            let part_of = batch_of(slot)
                .and_then(|b| members.get_key_value(b))
                .filter(|(_, m)| m.len() > 1);
            let Some((batch, parts)) = part_of else {
                order.push(Row {
                    slot: *slot,
                    part: false,
                });
                match slot {
                    Slot::Other(_) => counts.others += 1,
                    _ => counts.tracked += 1,
                }
                continue;
            };
            if parts[0] != *slot {
                continue;
            }
            if !self.batch_rows.get(*batch).is_some_and(|(had, _)| had == parts) {
                fresh.push((batch.to_string(), parts.clone()));
            }
            order.push(Row {
                slot: Slot::Batch(batches.len()),
                part: false,
            });
            match slot {
                Slot::Other(_) => counts.others += 1,
                _ => counts.tracked += 1,
            }
            if self.expanded.contains(*batch) {
                order.extend(parts.iter().map(|p| Row { slot: *p, part: true }));
            }
            batches.push(Batch {
                id: batch.to_string(),
                parts: parts.clone(),
            });
        }
        for (id, parts) in fresh {
            let models: Vec<&RowModel> = parts.iter().filter_map(|p| self.model(*p)).collect();
            if !models.is_empty() {
                let model = RowModel::batch(&id, &models);
                self.batch_rows.insert(id, (parts, model));
            }
        }
        self.batches = batches;
        self.order = order;
        self.counts = counts;
        self.selected = self.selected.min(self.order.len().saturating_sub(1));
    }

    /// What the files downloaded from here can be trusted for, by job id.
    pub(crate) fn set_files(&mut self, files: HashMap<String, crate::jobs::notes::FileState>) {
        if files == self.files {
            return;
        }
        // Only the rows whose file changed are read again.
        let moved = |id: &str| files.get(id) != self.files.get(id);
        let again: Vec<usize> = (0..self.jobs.len())
            .filter(|i| moved(self.jobs[*i].job.id.as_str()))
            .collect();
        self.files = files;
        for i in again {
            let file = self.files.get(self.jobs[i].job.id.as_str()).copied();
            self.models[i] = RowModel::of(tracked_shown(&self.jobs[i]), file);
        }
        let pending = std::mem::take(&mut self.pending);
        self.take_pending(pending);
        let others = self.others.take();
        self.set_others(others);
    }

    /// `/` typed into: the filter's text changed.
    pub(crate) fn set_filter(&mut self, text: &str) {
        self.filter = text.to_string();
        self.rebuild();
    }

    /// `s`: the next sort.
    pub(crate) fn next_sort(&mut self) -> SortBy {
        self.sort_by = match self.sort_by {
            SortBy::Created => SortBy::Status,
            SortBy::Status => SortBy::Expiry,
            SortBy::Expiry => SortBy::Created,
        };
        self.rebuild();
        self.sort_by
    }

    /// Takes a poll's news. `false` when it named a job as unchanged that the panel does not
    /// hold: the caller asks the poller for every job again (`Effect::PollAll`).
    pub(crate) fn on_poll(&mut self, event: PollEvent) -> bool {
        self.polling = false;
        match event {
            PollEvent::Updated {
                jobs,
                unchanged,
                pending,
                at_ms,
                ..
            } => {
                // The journal is the truth: what another window tracked or forgot shows here too.
                // The selection stays on its job, wherever the job moves.
                let chosen = self.selected_job().map(|s| s.job.id.clone());
                let complete = self.merge(jobs, &unchanged);
                self.take_pending(pending);
                self.rebuild();
                self.updated_ms = Some(at_ms);
                self.failure = None;
                let at = chosen.and_then(|id| {
                    self.order
                        .iter()
                        .position(|row| self.shown(row.slot).is_some_and(|s| s.job.id == id))
                });
                self.selected = at.unwrap_or(self.selected).min(self.len().saturating_sub(1));
                complete
            }
            PollEvent::Failed { error, retry_in, .. } => {
                self.failure = Some((error, retry_in));
                true
            }
        }
    }

    /// The tracked jobs, a lost submit's candidates, then (when shown) the cluster's others.
    pub fn visible(&self) -> Vec<Shown<'_>> {
        self.order.iter().filter_map(|row| self.shown(row.slot)).collect()
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
    pub(crate) fn row_counts(&self) -> RowCounts {
        self.counts
    }

    pub(super) fn shown(&self, slot: Slot) -> Option<Shown<'_>> {
        Some(match slot {
            Slot::Tracked(i) => tracked_shown(self.jobs.get(i)?),
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

    /// Each job once (tracked first), in the journal's order.
    fn slots(&self) -> Vec<Slot> {
        let mut order: Vec<Slot> = (0..self.jobs.len()).map(Slot::Tracked).collect();
        // Candidates and others are few: what is tracked already is not listed again.
        if self.pending.iter().any(|p| !p.candidates.is_empty()) || matches!(self.others, Some(Ok(_))) {
            let mut seen: HashSet<&str> = self.jobs.iter().map(|t| t.job.id.as_str()).collect();
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
        }
        order
    }

    /// A job shown in the panel, tracked or not.
    pub fn find(&self, id: &str) -> Option<Shown<'_>> {
        self.order
            .iter()
            .filter_map(|row| self.shown(row.slot))
            .find(|s| s.job.id == id)
    }

    /// The batch whose row is selected, with its parts' jobs.
    /// Whether the selected row is a batch's (without copying its parts, as `selected_batch` does).
    pub(crate) fn batch_selected(&self) -> bool {
        matches!(
            self.order.get(self.selected),
            Some(Row {
                slot: Slot::Batch(_),
                ..
            })
        )
    }

    pub(crate) fn selected_batch(&self) -> Option<(String, Vec<RestoreJob>)> {
        let Some(Row {
            slot: Slot::Batch(b), ..
        }) = self.order.get(self.selected)
        else {
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
    pub(crate) fn batch_parts(&self, id: &str) -> Vec<Shown<'_>> {
        self.batches
            .iter()
            .find(|b| b.id == id)
            .map(|b| b.parts.iter().filter_map(|p| self.shown(*p)).collect())
            .unwrap_or_default()
    }

    /// Opens or closes the selected batch (`Right`, `Left`); `false` when it is not one.
    pub(crate) fn expand_selected(&mut self, open: bool) -> bool {
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
        self.order.get(self.selected).and_then(|row| self.shown(row.slot))
    }

    /// The jobs `t` tracks with this one: its whole batch, as far as it is shown.
    pub(crate) fn batch_of(&self, job: &RestoreJob) -> Vec<RestoreJob> {
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
    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &ratatui::crossterm::event::KeyEvent) -> Outcome {
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
            (Some(Action::DismissLost), _) => match self.lost_outcomes() {
                keys if keys.is_empty() => Outcome::Unchanged,
                keys => Outcome::Request(Request::DismissLost(keys)),
            },
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
    pub(crate) fn clock_view(&self, now_ms: i64, drawn: Option<&super::jobs_panel_view::PanelDrawn>) -> Vec<String> {
        let (start, rows) = drawn.map_or((0, 60), |d| (d.start, d.rows.height as usize));
        let mut v: Vec<String> = self
            .order
            .iter()
            .skip(start)
            .take(rows)
            .filter_map(|row| self.shown(row.slot))
            .map(|s| expires_in(s.job, now_ms))
            .collect();
        v.extend(self.selected_job().map(|s| expires_in(s.job, now_ms)));
        v
    }
}

/// A tracked job as its row shows it.
fn tracked_shown(t: &TrackedJob) -> Shown<'_> {
    Shown {
        job: &t.job,
        request: t.request.as_deref(),
        kind: Kind::Tracked,
        source: Some((t.group_id.as_str(), t.cluster.as_str())),
    }
}
