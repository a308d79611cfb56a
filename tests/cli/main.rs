//! The commands end to end, as scripts and shells run them: the real binary (`validate`,
//! `submit`, `jobs`, `download`, `drill`, `sim`, `completions`, `man`) against
//! `atlas-restore sim` run as its own process, with a private profile, data and log folder; many processes and windows
//! on one profile; the log; what the program hands over doing no harm; the README's command
//! reference against each `--help`.
//!
//! One binary of a few (see `tests/engine/main.rs`): `cargo test --test cli submit_cli::`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "sim")]
mod download_cli;
#[cfg(feature = "sim")]
mod download_folder;
#[cfg(feature = "sim")]
mod drills;
#[cfg(feature = "sim")]
mod flavors_cli;
#[cfg(feature = "sim")]
mod logs;
#[cfg(feature = "sim")]
mod multi_process;
#[cfg(feature = "sim")]
mod no_harm;
mod reference;
mod shell;
#[cfg(feature = "sim")]
mod sim_cli;
#[cfg(feature = "sim")]
mod submit_cli;
mod validate_cli;
