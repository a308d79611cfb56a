//! The dashboard's tests: whole screens on ratatui's TestBackend (insta snapshots in
//! `snapshots/`), and the program itself in a real pseudo-terminal or a real tmux, against
//! `--demo`, `atlas-restore sim` or the simulator in this process (the fault matrix).
//!
//! One binary of a few (see `tests/engine/main.rs`): `cargo test --test screens demo_pty::`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "sim")]
mod config_init_pty;
#[cfg(feature = "sim")]
mod demo_flavor_pty;
#[cfg(feature = "sim")]
mod demo_pty;
mod download_screens;
#[cfg(feature = "sim")]
mod fault_matrix;
mod hostile_and_sizes;
mod input_pty;
#[cfg(feature = "sim")]
mod journal_pty;
#[cfg(feature = "sim")]
mod mouse_pty;
#[cfg(feature = "sim")]
mod notify_pty;
#[cfg(feature = "sim")]
mod panel_pty;
#[cfg(feature = "sim")]
mod tmux_pty;
mod tui_pty;
mod tui_screens;
