//! The mouse, when `[ui] mouse = true` asks for it: what a click or the wheel is on, read
//! from what the last frame drew (`view::Drawn`). `App` routes it: the wheel to the top
//! dialog (`Dialog::on_wheel`), the rest to the panel or the form.

use super::view::Drawn;
use crate::restore::Field;
use ratatui::crossterm::event::{MouseButton, MouseEvent, MouseEventKind};

/// What a mouse event is on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Hit {
    /// The wheel over the jobs panel (`true`: down).
    PanelWheel(bool),
    /// A click on the panel's `i`th row.
    Job(usize),
    /// A click on a field of the form.
    Field(Field),
    Nothing,
}

/// The wheel's direction (`true`: down), if it is the wheel.
pub fn wheel(event: &MouseEvent) -> Option<bool> {
    match event.kind {
        MouseEventKind::ScrollDown => Some(true),
        MouseEventKind::ScrollUp => Some(false),
        _ => None,
    }
}

/// What `event` is on, with no dialog open: the panel's `jobs` rows, the form's fields.
pub(crate) fn hit(event: &MouseEvent, drawn: &Drawn, jobs: usize) -> Hit {
    let (x, y) = (event.column, event.row);
    if let Some(down) = wheel(event) {
        return match drawn.panel {
            Some(p) if p.contains(x, y) => Hit::PanelWheel(down),
            _ => Hit::Nothing,
        };
    }
    if event.kind != MouseEventKind::Down(MouseButton::Left) {
        return Hit::Nothing;
    }
    if let Some(i) = drawn.panel.and_then(|p| p.job_at(x, y, jobs)) {
        return Hit::Job(i);
    }
    match drawn.fields.and_then(|area| super::form::Form::field_at(area, x, y)) {
        Some(field) => Hit::Field(field),
        None => Hit::Nothing,
    }
}
