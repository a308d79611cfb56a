//! The mouse, when `[ui] mouse = true` asks for it: what a click and the wheel do.

use super::app::{App, Dialog, Effect};
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

impl App {
    /// With `[ui] mouse = true`: a click focuses a field or selects a job (a second click
    /// on the selected job opens it); the wheel scrolls the panel, the help or a list.
    pub(crate) fn on_mouse(&mut self, event: MouseEvent, now_ms: i64, effects: &mut Vec<Effect>) -> bool {
        let (x, y) = (event.column, event.row);
        let wheel = match event.kind {
            MouseEventKind::ScrollDown => Some(true),
            MouseEventKind::ScrollUp => Some(false),
            _ => None,
        };
        match (self.dialogs.top_mut(), wheel) {
            (Some(Dialog::Help { scroll } | Dialog::Detail { scroll, .. }), Some(down)) => {
                scroll.by(if down { 3 } else { -3 });
                return true;
            }
            (Some(Dialog::Review(r)), Some(down)) => {
                r.scroll.by(if down { 3 } else { -3 });
                return true;
            }
            (Some(Dialog::Picker(p) | Dialog::Profiles(p)), Some(down)) => {
                p.move_selection(down);
                return true;
            }
            (Some(_), _) => return false,
            (None, Some(down)) if self.drawn.panel.is_some_and(|p| p.contains(x, y)) => {
                self.focus_jobs = true;
                self.jobs.move_selection(down);
                return true;
            }
            _ => {}
        }
        if event.kind != MouseEventKind::Down(MouseButton::Left) {
            return false;
        }
        if let Some(i) = self.drawn.panel.and_then(|p| p.job_at(x, y, self.jobs.len())) {
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
            return true;
        }
        if let Some(field) = self
            .drawn
            .fields
            .and_then(|area| super::form::Form::field_at(area, x, y))
        {
            let left = self.form.focused();
            self.focus_jobs = false;
            self.form.focus(field);
            if left != field {
                effects.extend(self.form.after_leaving(left, &self.env(now_ms)));
            }
            return true;
        }
        false
    }
}
