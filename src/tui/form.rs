//! The restore form: one input per field, checked by the domain engine on every change.

use super::dialog::{Outcome, Request, text_input};
use super::env::Env;
use super::keys::Action;
use super::msg::Effect;
use super::picker::PickItem;
use super::theme::Theme;
use crate::atlas::Cluster;
use crate::restore::time_input::{HumanTime, format_utc_ms, format_utc_secs, parse_human_time};
use crate::restore::{ClusterType, Context, DeliveryMethod, Field, Finding, RestoreDraft, Severity, validate};
use ratatui::Frame;
use ratatui::crossterm::event::KeyEvent;
use ratatui::layout::{Position, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};
use tui_input::Input;

/// The values `delivery.methodName` cycles through; `HTTP` first, as it erases nothing.
pub(crate) const METHODS: [DeliveryMethod; 2] = [DeliveryMethod::Http, DeliveryMethod::AutomatedRestore];

/// Widest label, `delivery.targetClusterName`.
const LABEL_WIDTH: usize = 26;

/// How a field stands, for its marker and colour.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum FieldState {
    Fine,
    Error,
    Warning,
    /// Does nothing with the chosen method; the text says why.
    Pointless(&'static str),
}

pub struct Form {
    /// The first line of the findings shown, when they need scrolling (as the last draw
    /// bounded it).
    pub findings_scroll: usize,
    inputs: Vec<Input>,
    method: DeliveryMethod,
    /// Cloud and Ops Manager take no `delivery.targetClusterName`: its row says so.
    pub flavor: crate::restore::Flavor,
    /// Cloud and Ops Manager name the source by id: shown beside its name once looked up.
    pub cluster_id_note: Option<String>,
    /// Index into `Field::FORM`.
    focus: usize,
    findings: Vec<Finding>,
}

impl Form {
    pub fn new(group_id: Option<&str>, cluster_name: Option<&str>) -> Form {
        let mut form = Form {
            inputs: Field::ALL.iter().map(|_| Input::default()).collect(),
            method: DeliveryMethod::Http,
            flavor: crate::restore::Flavor::Atlas,
            cluster_id_note: None,
            focus: Field::SnapshotId.index(),
            findings: Vec::new(),
            findings_scroll: 0,
        };
        form.set(Field::GroupId, group_id.unwrap_or(""));
        form.set(Field::ClusterName, cluster_name.unwrap_or(""));
        form
    }

    pub fn focused(&self) -> Field {
        Field::FORM[self.focus]
    }

    pub fn focus(&mut self, field: Field) {
        self.focus = field.index();
    }

    /// Moves focus; `false` when it would leave the form (past the last or first field).
    pub(crate) fn move_focus(&mut self, forward: bool) -> bool {
        match (forward, self.focus) {
            (true, i) if i + 1 < Field::FORM.len() => {
                self.focus = i + 1;
                true
            }
            (false, i) if i > 0 => {
                self.focus = i - 1;
                true
            }
            _ => false,
        }
    }

    pub(crate) fn focus_edge(&mut self, first: bool) {
        self.focus = if first { 0 } else { Field::FORM.len() - 1 };
    }

    pub fn value(&self, field: Field) -> &str {
        if field == Field::MethodName {
            return self.method.as_api();
        }
        self.inputs[field.index()].value()
    }

    pub fn method(&self) -> DeliveryMethod {
        self.method
    }

    pub fn set(&mut self, field: Field, text: &str) {
        if field == Field::MethodName {
            if let Some(m) = METHODS.iter().find(|m| m.as_api() == text) {
                self.method = *m;
            }
            return;
        }
        self.inputs[field.index()] = Input::new(text.to_string());
    }

    /// Fills the request's fields from a body (the source stays): what `n` does with a job.
    pub fn load(&mut self, body: &serde_json::Value) {
        let draft = crate::restore::RestoreDraft::from_json(body);
        for field in Field::BODY {
            self.set(*field, draft.text(*field));
        }
    }

    /// `n`: a job's request in the form, under its own source; the focus on the restore point,
    /// the field a new request most often changes. `true` when the source moved.
    pub(crate) fn load_job(&mut self, cloned: super::job_actions::Cloned, env: &Env) -> bool {
        let moved = cloned.group_id != self.value(Field::GroupId).trim()
            || cloned.cluster != self.value(Field::ClusterName).trim();
        self.set(Field::GroupId, &cloned.group_id);
        self.set(Field::ClusterName, &cloned.cluster);
        self.load(&cloned.body);
        let point = [
            Field::SnapshotId,
            Field::CheckpointId,
            Field::OplogTs,
            Field::PointInTimeUtcMillis,
        ]
        .into_iter()
        .find(|f| !self.value(*f).trim().is_empty())
        .unwrap_or(Field::SnapshotId);
        self.focus(point);
        self.revalidate(env);
        moved
    }

    pub(crate) fn cycle_method(&mut self, forward: bool) {
        let i = METHODS.iter().position(|m| *m == self.method).unwrap_or(0);
        let n = METHODS.len();
        self.method = METHODS[if forward { (i + 1) % n } else { (i + n - 1) % n }];
    }

    /// The field drawn at `(x, y)`, if any, the fields drawn in `area` (a row each).
    pub(crate) fn field_at(area: Rect, x: u16, y: u16) -> Option<Field> {
        let inside = x >= area.x && x < area.right() && y >= area.y && y < area.bottom();
        inside
            .then(|| Field::FORM.get((y - area.y) as usize).copied())
            .flatten()
    }

    /// The method's choice keys, a picker's Enter, and typing; moving between fields is the
    /// app's (it leads on into the jobs panel). What a key changes is checked here, from
    /// `env`: only what needs the rest of the app (a status line, a dialog, a fetch) goes up.
    pub(crate) fn on_key(&mut self, action: Option<Action>, key: &KeyEvent, env: &Env) -> Outcome {
        match action {
            Some(a @ (Action::ChoiceNext | Action::ChoicePrev)) => {
                self.cycle_method(a == Action::ChoiceNext);
                self.revalidate(env);
                Outcome::Changed
            }
            Some(Action::OpenPicker) => match super::pick_flow::open(self, env) {
                Some(Ok((picker, load))) => Outcome::Request(Request::OpenPicker(Box::new(picker), load)),
                Some(Err(why)) => Outcome::Request(Request::Say(why)),
                None => Outcome::Unchanged,
            },
            // Up and Down stay in the form (Tab leads on into the jobs panel).
            Some(a @ (Action::Up | Action::Down)) => {
                let left = self.focused();
                if self.move_focus(a == Action::Down) {
                    match self.after_leaving(left, env) {
                        Some(lookup) => Outcome::Request(Request::Start(lookup)),
                        None => Outcome::Changed,
                    }
                } else {
                    Outcome::Unchanged
                }
            }
            Some(a @ (Action::PageUp | Action::PageDown)) => {
                let top = self.findings_scroll;
                self.findings_scroll = if a == Action::PageDown {
                    top + 3
                } else {
                    top.saturating_sub(3)
                };
                Outcome::Changed
            }
            Some(_) => Outcome::Ignored,
            None => {
                let Some(req) = text_input(key) else {
                    return Outcome::Ignored;
                };
                let before = self.value(self.focused()).to_string();
                self.edit(req);
                if self.value(self.focused()) != before {
                    self.revalidate(env);
                    Outcome::Request(Request::Edited)
                } else {
                    // The cursor may have moved even when the text did not.
                    Outcome::Changed
                }
            }
        }
    }

    /// Edits the focused text field; `true` when its value changed.
    pub(crate) fn edit(&mut self, request: tui_input::InputRequest) -> bool {
        if self.focused() == Field::MethodName {
            return false;
        }
        self.inputs[self.focus].handle(request).is_some_and(|c| c.value)
    }

    /// A paste lands whole in the focused field: its first line, without controls, and without
    /// what came along from where it was copied (quotes, a trailing comma, spaces; around an
    /// id, the JSON or URL it sat in): see `input::pasted_value`.
    pub fn paste(&mut self, text: &str, env: &Env) -> bool {
        if self.focused() == Field::MethodName {
            return false;
        }
        let line = super::input::pasted_value(self.focused(), text);
        let room = super::input::MAX_FIELD_CHARS.saturating_sub(self.value(self.focused()).chars().count());
        let mut changed = false;
        for c in line.chars().take(room) {
            changed |= self.edit(tui_input::InputRequest::InsertChar(c));
        }
        if changed {
            self.revalidate(env);
        }
        changed
    }

    /// Fills `field` with a picked item (and the empty fields it brings along); a cluster
    /// picked is looked up.
    pub fn pick(&mut self, field: Field, item: PickItem, env: &Env) -> Option<Effect> {
        self.set(field, &item.value);
        for (f, v) in &item.also {
            if self.value(*f).trim().is_empty() {
                self.set(*f, v);
            }
        }
        self.revalidate(env);
        if field == Field::ClusterName {
            self.lookup_source(env)
        } else {
            None
        }
    }

    /// The source cluster as looked up, while the form still names it.
    pub(crate) fn source_cluster<'e>(&self, env: &Env<'e>) -> Option<&'e Cluster> {
        env.atlas
            .source_for(self.value(Field::GroupId).trim(), self.value(Field::ClusterName).trim())
    }

    /// The source's topology and id, once looked up under the names the form has now.
    pub fn source_type(&self, env: &Env) -> Option<(ClusterType, Option<String>)> {
        let cluster = self.source_cluster(env)?;
        let kind = ClusterType::from_api(cluster.cluster_type.as_deref()?)?;
        Some((kind, cluster.id.as_deref().map(str::to_string)))
    }

    /// The lookup of the source the form names, unless it was looked up already.
    pub(crate) fn lookup_source(&self, env: &Env) -> Option<Effect> {
        let group_id = self.value(Field::GroupId).trim().to_string();
        let cluster = self.value(Field::ClusterName).trim().to_string();
        if group_id.is_empty() || cluster.is_empty() {
            return None;
        }
        let known = env
            .atlas
            .source
            .as_ref()
            .is_some_and(|s| s.group_id == group_id && s.cluster == cluster);
        (!known).then_some(Effect::LookupSource { group_id, cluster })
    }

    /// The focus left `left`: a change of project or cluster is looked up.
    pub(crate) fn after_leaving(&self, left: Field, env: &Env) -> Option<Effect> {
        if matches!(left, Field::GroupId | Field::ClusterName) {
            self.lookup_source(env)
        } else {
            None
        }
    }

    pub fn draft(&self) -> RestoreDraft {
        let mut d = RestoreDraft::new();
        for field in Field::BODY {
            d.set(*field, self.value(*field));
        }
        d
    }

    /// What the rules see besides the draft: the time, the API and product, the source as
    /// looked up, its restorable ranges, Atlas's lists.
    pub fn context(&self, env: &Env) -> Context {
        let non_empty = |f: Field| Some(self.value(f).trim().to_string()).filter(|s| !s.is_empty());
        let (cluster_type, cluster_id) = match self.source_type(env) {
            Some((t, id)) => (Some(t), id),
            None => (None, None),
        };
        Context {
            now_ms: env.now_ms,
            api: env.info.api,
            flavor: env.info.flavor,
            source_cluster_type: cluster_type,
            source_group_id: non_empty(Field::GroupId),
            source_cluster_name: non_empty(Field::ClusterName),
            source_cluster_id: cluster_id,
            restorable_ranges: self.source_cluster(env).and_then(|c| c.restorable_ranges.clone()),
            catalog: super::catalog::catalog(self, env),
        }
    }

    /// Runs the engine; `true` when the findings changed (and the screen must follow).
    pub fn revalidate(&mut self, env: &Env) -> bool {
        let ctx = self.context(env);
        // Cloud and Ops Manager's paths carry the id: the form shows it beside the name.
        let note = self
            .source_cluster(env)
            .filter(|_| env.info.flavor.is_public_api())
            .and_then(|c| c.id.as_deref())
            .map(|id| format!("= id {id}"));
        let note_changed = note != self.cluster_id_note;
        self.cluster_id_note = note;
        let mut findings = validate(&self.draft(), &ctx);
        // A source left blank is an error of the form, not of the body.
        for (field, what) in [
            (Field::GroupId, "the source project id"),
            (Field::ClusterName, "the source cluster's name"),
        ] {
            if self.value(field).trim().is_empty() {
                findings.push(Finding::error(
                    crate::restore::Code::SourceMissing,
                    &[field],
                    format!("{field} is empty: give {what}"),
                ));
            }
        }
        let changed = findings != self.findings;
        self.findings = findings;
        changed || note_changed
    }

    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    pub fn errors(&self) -> usize {
        self.findings.iter().filter(|f| f.is_error()).count()
    }

    pub fn state(&self, field: Field) -> FieldState {
        let worst = self
            .findings
            .iter()
            .filter(|f| f.involves(field))
            .map(|f| f.severity)
            .min();
        match worst {
            Some(Severity::Error) => FieldState::Error,
            Some(Severity::Warning) => FieldState::Warning,
            None => match self.pointless(field) {
                Some(why) => FieldState::Pointless(why),
                None => FieldState::Fine,
            },
        }
    }

    /// Why an empty field does nothing with the chosen method.
    fn pointless(&self, field: Field) -> Option<&'static str> {
        if !self.value(field).trim().is_empty() {
            return None;
        }
        if self.flavor.is_public_api() && field == Field::TargetClusterName {
            return Some(match self.flavor {
                crate::restore::Flavor::CloudManager => "Cloud Manager takes targetClusterId",
                _ => "Ops Manager takes targetClusterId",
            });
        }
        match (self.method, field) {
            (DeliveryMethod::Http, Field::TargetGroupId | Field::TargetClusterName | Field::TargetClusterId) => {
                Some("only for AUTOMATED_RESTORE")
            }
            (
                DeliveryMethod::Http,
                Field::CheckpointId | Field::OplogTs | Field::OplogInc | Field::PointInTimeUtcMillis,
            ) => Some("needs AUTOMATED_RESTORE"),
            (DeliveryMethod::AutomatedRestore, Field::ExpirationHours | Field::MaxDownloads) => {
                Some("only for HTTP downloads")
            }
            _ => None,
        }
    }

    /// What a time field's text means, in UTC and in the API's unit.
    pub fn time_hint(&self, field: Field, now_ms: i64) -> Option<String> {
        let text = self.value(field).trim();
        if text.is_empty() {
            return None;
        }
        let parsed = parse_human_time(text, now_ms).ok()?;
        match (field, parsed) {
            (Field::PointInTimeUtcMillis, HumanTime::AtMs(ms)) => Some(format!("= {} = {ms} ms", format_utc_ms(ms))),
            (Field::PointInTimeUtcMillis, HumanTime::Number(n)) => {
                i64::try_from(n).ok().map(|ms| format!("= {}", format_utc_ms(ms)))
            }
            (Field::OplogTs, HumanTime::AtMs(ms)) => {
                let secs = ms.div_euclid(1000);
                Some(format!("= {} = {secs} s", format_utc_secs(secs)))
            }
            (Field::OplogTs, HumanTime::Number(n)) => {
                i64::try_from(n).ok().map(|s| format!("= {}", format_utc_secs(s)))
            }
            _ => None,
        }
    }

    /// Whether anything on screen moves with the clock: a time field is filled.
    pub(crate) fn depends_on_time(&self) -> bool {
        [Field::PointInTimeUtcMillis, Field::OplogTs]
            .iter()
            .any(|f| !self.value(*f).trim().is_empty())
    }

    /// Draws the fields, one a row. `active` is false while focus is elsewhere. Returns
    /// where the fields are, for the mouse.
    pub fn render(&self, frame: &mut Frame, area: Rect, theme: &Theme, title: &str, active: bool, now_ms: i64) -> Rect {
        let block = Block::default()
            .borders(Borders::ALL)
            .border_set(theme.border())
            .title(Span::styled(format!(" {title} "), theme.title()));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let value_x = inner.x.saturating_add((LABEL_WIDTH + 4) as u16);
        let value_width = inner.right().saturating_sub(value_x) as usize;
        for (row, field) in Field::FORM.iter().enumerate() {
            let y = inner.y + row as u16;
            if y >= inner.bottom() {
                break;
            }
            let focused = active && row == self.focus;
            let state = self.state(*field);
            let (mark, style) = match &state {
                FieldState::Error => (theme.mark_error(), theme.error()),
                FieldState::Warning => (theme.mark_warning(), theme.warning()),
                FieldState::Pointless(_) => (theme.mark_pointless(), theme.dim()),
                FieldState::Fine => (" ", Style::new()),
            };
            let focus_mark = if focused { theme.mark_focus() } else { " " };
            let label_style = if matches!(state, FieldState::Pointless(_)) {
                theme.dim()
            } else {
                theme.label()
            };
            let mut spans = vec![
                Span::raw(focus_mark),
                Span::styled(mark, style),
                Span::raw(" "),
                Span::styled(
                    format!("{:<LABEL_WIDTH$}", field.api_name()),
                    if focused {
                        label_style.patch(theme.focus())
                    } else {
                        label_style
                    },
                ),
                Span::raw(" "),
            ];
            let value = self.value(*field);
            let scroll = if focused {
                self.inputs[row].visual_scroll(value_width.max(1))
            } else {
                0
            };
            let shown: String = value.chars().skip(scroll).collect();
            let value_text = if *field == Field::MethodName {
                format!("< {value} >")
            } else {
                shown
            };
            let used = value_text.chars().count();
            spans.push(Span::styled(value_text, style));
            let hint = match &state {
                FieldState::Pointless(why) => Some(format!("({why})")),
                _ if *field == Field::ClusterName => self.cluster_id_note.clone(),
                _ => self.time_hint(*field, now_ms),
            };
            if let Some(hint) = hint {
                let room = value_width.saturating_sub(used + 2);
                if room > 4 {
                    spans.push(Span::styled(format!("  {}", truncate(&hint, room)), theme.dim()));
                }
            }
            frame.render_widget(Paragraph::new(Line::from(spans)), Rect::new(inner.x, y, inner.width, 1));
            if focused && *field != Field::MethodName {
                let cursor = self.inputs[row].visual_cursor().saturating_sub(scroll) as u16;
                let x = value_x.saturating_add(cursor).min(inner.right().saturating_sub(1));
                frame.set_cursor_position(Position::new(x, y));
            }
        }
        inner
    }

    /// The findings, the focused field's first and in full, the others one line each.
    /// The findings as lines `width` wide: the focused field's always whole, the others
    /// whole when `whole_others`, else one line each, code and fields first (an ellipsis says
    /// the message goes on; the field's own findings show it whole when it is focused).
    fn finding_lines(&self, width: usize, theme: &Theme, whole_others: bool) -> Vec<Line<'static>> {
        let focused = self.focused();
        let mut ordered: Vec<&Finding> = self.findings.iter().filter(|f| f.involves(focused)).collect();
        let focused_count = ordered.len();
        ordered.extend(self.findings.iter().filter(|f| !f.involves(focused)));
        let mut lines = Vec::new();
        if ordered.is_empty() {
            lines.push(Line::from(vec![
                Span::styled(theme.mark_ok(), theme.good()),
                Span::raw(" no conflicts: Ctrl-S reviews the request"),
            ]));
        }
        for (i, f) in ordered.iter().enumerate() {
            let (mark, style) = match f.severity {
                Severity::Error => (theme.mark_error(), theme.error()),
                Severity::Warning => (theme.mark_warning(), theme.warning()),
            };
            let fields: Vec<&str> = f.fields.iter().map(|x| x.api_name()).collect();
            if i < focused_count || whole_others {
                let text = format!("{} {}", f.code, f.message);
                for (j, part) in super::wrap::wrap(&text, width.saturating_sub(2))
                    .into_iter()
                    .enumerate()
                {
                    let lead = if j == 0 { format!("{mark} ") } else { "  ".into() };
                    lines.push(Line::from(vec![Span::styled(lead, style), Span::raw(part)]));
                }
            } else {
                let text = format!("{} [{}] {}", f.code, fields.join(", "), f.message);
                lines.push(Line::from(vec![
                    Span::styled(format!("{mark} "), style),
                    Span::raw(truncate(&text, width.saturating_sub(2))),
                ]));
            }
        }
        lines
    }

    /// Rows the findings want at `width` to show every one whole.
    pub(crate) fn findings_wanted(&self, width: u16, theme: &Theme) -> u16 {
        self.finding_lines(width as usize, theme, true).len() as u16
    }

    /// Every finding whole where the rows allow; else the others one line each; else a
    /// scrolled window (PgUp/PgDn) with a count of what is above and below. Returns the
    /// window's first line when it scrolled, bounded by what there is to show.
    pub(crate) fn render_findings(&self, frame: &mut Frame, area: Rect, theme: &Theme) -> Option<usize> {
        if area.height == 0 {
            return None;
        }
        let width = area.width as usize;
        let rows = area.height as usize;
        let whole = self.finding_lines(width, theme, true);
        let mut lines = if whole.len() <= rows {
            whole
        } else {
            self.finding_lines(width, theme, false)
        };
        let mut scrolled = None;
        if lines.len() > rows {
            // One row for the marker; the window starts where PgDn left it.
            let shown = rows.saturating_sub(1).max(1);
            let top = self.findings_scroll.min(lines.len().saturating_sub(shown));
            scrolled = Some(top);
            let below = lines.len().saturating_sub(top + shown);
            let mut window: Vec<Line<'static>> = lines.drain(top..top + shown.min(lines.len() - top)).collect();
            window.push(Line::styled(
                truncate(
                    &format!("{top} above, {below} below: PgUp/PgDn scroll the findings"),
                    width,
                ),
                theme.dim(),
            ));
            lines = window;
        }
        frame.render_widget(Paragraph::new(lines), area);
        scrolled
    }
}

pub use crate::text::truncate;
