//! A list of ids from Atlas to fill a field with: snapshots, checkpoints, clusters.
//! Typing filters; a failed fetch shows why and never locks the form (Esc closes).

use super::dialog::{Outcome, Request, text_input};
use super::form::truncate;
use super::keys::Action;
use super::theme::Theme;
use crate::atlas::{Checkpoint, Cluster, Project, Snapshot};
use crate::restore::Field;
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};
use tui_input::Input;

/// One choice: the value it fills in, and what the list shows of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PickItem {
    pub value: String,
    pub text: String,
    /// Shown but not choosable (an in-progress snapshot, a checkpoint that can't be restored).
    pub disabled: Option<&'static str>,
    /// Extra fields to fill with the pick, e.g. a cluster's project.
    pub also: Vec<(Field, String)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PickerState {
    Loading,
    Failed(String),
    Ready(Vec<PickItem>),
}

#[derive(Debug)]
pub struct Picker {
    /// The form's field it fills; none for a list that is not a field's (the profiles).
    pub field: Option<Field>,
    pub title: String,
    pub state: PickerState,
    pub filter: Input,
    pub selected: usize,
}

impl Picker {
    pub fn loading(field: Field, title: String) -> Picker {
        Picker {
            field: Some(field),
            title,
            state: PickerState::Loading,
            filter: Input::default(),
            selected: 0,
        }
    }

    /// A list known already, that fills no field: its pick is a `Request::Chosen`.
    pub fn ready(title: String, items: Vec<PickItem>) -> Picker {
        let selected = items.iter().position(|i| i.disabled.is_none()).unwrap_or(0);
        Picker {
            field: None,
            title,
            state: PickerState::Ready(items),
            filter: Input::default(),
            selected,
        }
    }

    /// The items that match the filter, in order.
    pub fn visible(&self) -> Vec<&PickItem> {
        let needle = self.filter.value().to_lowercase();
        match &self.state {
            PickerState::Ready(items) => items
                .iter()
                .filter(|i| i.text.to_lowercase().contains(&needle))
                .collect(),
            _ => Vec::new(),
        }
    }

    pub fn move_selection(&mut self, down: bool) {
        let n = self.visible().len();
        if n == 0 {
            self.selected = 0;
        } else if down {
            self.selected = (self.selected + 1).min(n - 1);
        } else {
            self.selected = self.selected.saturating_sub(1);
        }
    }

    /// The selected item, if it may be chosen; otherwise why not.
    pub fn choice(&self) -> Result<PickItem, String> {
        let visible = self.visible();
        match visible.get(self.selected) {
            Some(item) => match item.disabled {
                Some(why) => Err(why.to_string()),
                None => Ok((*item).clone()),
            },
            None => Err("nothing to pick".into()),
        }
    }

    /// Up/Down move, Enter picks (or says why not), Esc closes; other keys type the filter.
    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &KeyEvent) -> Outcome {
        match action {
            Some(Action::Close) => Outcome::Close,
            Some(a @ (Action::Up | Action::Down)) => {
                self.move_selection(a == Action::Down);
                Outcome::Changed
            }
            Some(Action::Pick) => match self.choice() {
                Ok(item) => Outcome::Request(match self.field {
                    Some(field) => Request::Pick(field, item),
                    None => Request::Chosen(item.value),
                }),
                Err(why) => Outcome::Request(Request::Say(format!("cannot pick that: {why}"))),
            },
            Some(_) => Outcome::Ignored,
            None => {
                if let Some(req) = text_input(key) {
                    self.edit_filter(req);
                }
                Outcome::Changed
            }
        }
    }

    pub(crate) fn edit_filter(&mut self, request: tui_input::InputRequest) {
        if self.filter.handle(request).is_some_and(|c| c.value) {
            self.selected = 0;
        }
    }

    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme) {
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(format!(" {} ", self.title), theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let width = inner.width as usize;
        let mut lines = vec![Line::from(vec![
            Span::styled("filter: ", theme.label()),
            Span::raw(self.filter.value().to_string()),
        ])];
        match &self.state {
            PickerState::Loading => lines.push(Line::styled("loading from Atlas…", theme.dim())),
            PickerState::Failed(why) => {
                lines.push(Line::styled(
                    format!("{} could not load:", theme.mark_error()),
                    theme.error(),
                ));
                // Said whole: it is what the DBA has to act on.
                lines.extend(super::wrap::wrap(why, width).into_iter().map(Line::raw));
                lines.push(Line::styled(
                    "Esc closes; type the value by hand meanwhile",
                    theme.dim(),
                ));
            }
            PickerState::Ready(_) => {
                let visible = self.visible();
                if visible.is_empty() {
                    lines.push(Line::styled("nothing matches", theme.dim()));
                }
                let rows = inner.height.saturating_sub(1) as usize;
                let start = self.selected.saturating_sub(rows.saturating_sub(1));
                for (i, item) in visible.iter().enumerate().skip(start).take(rows) {
                    let mark = if i == self.selected { theme.mark_focus() } else { " " };
                    // What cannot be picked says so in words first, so no cut hides it.
                    let text = match item.disabled {
                        Some(why) => format!("{mark} ({why}) {}", item.text),
                        None => format!("{mark} {}", item.text),
                    };
                    let style = if i == self.selected {
                        theme.focus()
                    } else if item.disabled.is_some() {
                        theme.dim()
                    } else {
                        ratatui::style::Style::new()
                    };
                    lines.push(Line::styled(truncate(&text, width), style));
                }
            }
        }
        frame.render_widget(Paragraph::new(lines), inner);
        let cursor_x = inner.x + 8 + self.filter.visual_cursor() as u16;
        if cursor_x < inner.right() {
            frame.set_cursor_position((cursor_x, inner.y));
        }
    }
}

fn or_dash(s: Option<&str>) -> String {
    s.filter(|s| !s.is_empty()).unwrap_or("-").to_string()
}

/// `2026-11-28T16:00:46Z` as `2026-11-28 16:00Z`: minutes are enough to choose.
fn short_time(t: &str) -> String {
    let t = t.to_string();
    match (t.get(..10), t.get(11..16)) {
        (Some(d), Some(hm)) if t.len() >= 16 => format!("{d} {hm}Z"),
        _ => t,
    }
}

fn size(bytes: Option<i64>) -> String {
    match bytes {
        Some(b) if b >= 1 << 30 => format!("{:.1} GiB", b as f64 / (1u64 << 30) as f64),
        Some(b) if b >= 1 << 20 => format!("{:.1} MiB", b as f64 / (1u64 << 20) as f64),
        Some(b) if b >= 1 << 10 => format!("{:.1} KiB", b as f64 / 1024.0),
        Some(b) => format!("{b} B"),
        None => "-".into(),
    }
}

/// Newest first: created, complete, expiry, size.
pub(crate) fn snapshot_items(mut snapshots: Vec<Snapshot>) -> Vec<PickItem> {
    let created = |s: &Snapshot| s.created.as_ref().and_then(|c| c.date.clone()).unwrap_or_default();
    snapshots.sort_by_key(|s| std::cmp::Reverse(created(s)));
    snapshots
        .into_iter()
        .map(|s| {
            let complete = s.complete.unwrap_or(true);
            PickItem {
                text: format!(
                    "{}  {}  {:<11}  {:>9}  expires {}",
                    s.id,
                    short_time(&created(&s)),
                    if complete { "complete" } else { "in progress" },
                    size(s.data_size_bytes()),
                    short_time(s.expires.as_deref().unwrap_or("-")),
                ),
                disabled: (!complete).then_some("still being taken"),
                value: s.id.to_string(),
                also: Vec::new(),
            }
        })
        .collect()
}

/// Cloud and Ops Manager's restorable time ranges, newest first: picking one puts its end,
/// the latest time it restores to, in `pointInTimeUTCMillis` (as epoch ms), to edit from there.
pub(crate) fn range_items(ranges: Option<Vec<crate::restore::RestorableRange>>) -> Vec<PickItem> {
    use crate::restore::time_input::format_utc_ms;
    let mut ranges = ranges.unwrap_or_default();
    ranges.sort_by_key(|r| std::cmp::Reverse(r.end_ms));
    ranges
        .into_iter()
        .map(|r| PickItem {
            text: format!(
                "{} to {}  from snapshot {}",
                format_utc_ms(r.start_ms),
                format_utc_ms(r.end_ms),
                r.snapshot_id.as_deref().unwrap_or("-")
            ),
            disabled: None,
            value: r.end_ms.to_string(),
            also: Vec::new(),
        })
        .collect()
}

/// Restorable ones are choosable; the time each restores to.
pub(crate) fn checkpoint_items(mut checkpoints: Vec<Checkpoint>) -> Vec<PickItem> {
    checkpoints.sort_by_key(|c| std::cmp::Reverse(c.timestamp.clone()));
    checkpoints
        .into_iter()
        .map(|c| PickItem {
            text: format!(
                "{}  restores to {}  completed {}",
                c.id,
                or_dash(c.timestamp.as_deref()),
                or_dash(c.completed.as_deref())
            ),
            disabled: (c.restorable == Some(false)).then_some("not restorable"),
            value: c.id.to_string(),
            also: Vec::new(),
        })
        .collect()
}

/// Clusters by name (or by id for `delivery.targetClusterId`); the project comes along.
/// The projects the key can see, by name, with their ids and cluster counts: the target
/// project of an automated restore.
/// The source's own project is marked: a restore into it erases one of its neighbours.
pub(crate) fn project_items(projects: Vec<Project>, source_group: &str) -> Vec<PickItem> {
    projects
        .into_iter()
        .map(|p| {
            let clusters = p.cluster_count.map(|n| format!("{n} cluster(s)")).unwrap_or_default();
            let source = if p.id.as_str() == source_group {
                "  (the source's project)"
            } else {
                ""
            };
            PickItem {
                text: format!("{}  {}  {clusters}{source}", or_dash(p.name.as_deref()), p.id),
                value: p.id.to_string(),
                disabled: None,
                also: Vec::new(),
            }
        })
        .collect()
}

pub(crate) fn cluster_items(clusters: Vec<Cluster>, field: Field) -> Vec<PickItem> {
    clusters
        .into_iter()
        .filter_map(|c| {
            let name = c.name.to_string();
            let id = c.id.as_deref().map(str::to_string);
            let value = if field == Field::TargetClusterId {
                id.clone()?
            } else {
                name.clone()
            };
            let mut also = Vec::new();
            if let (Some(g), Field::TargetClusterName | Field::TargetClusterId) = (&c.group_id, field) {
                also.push((Field::TargetGroupId, g.to_string()));
            }
            Some(PickItem {
                text: format!(
                    "{name}  {}  {}  {}",
                    or_dash(c.cluster_type.as_deref()),
                    or_dash(c.state_name.as_deref()),
                    id.unwrap_or_default()
                ),
                value,
                disabled: None,
                also,
            })
        })
        .collect()
}
