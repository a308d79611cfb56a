//! atlas-restore: compose and follow MongoDB Atlas legacy backup restore jobs.
//!
//! Layers, each looking only down: `restore` (the domain, no I/O), `atlas` (the wire: the
//! client and its types), `commands` (what the subcommands do), and the edge in
//! `main.rs`/`cli.rs`/`config.rs`.
#![forbid(unsafe_code)]

pub mod atlas;
pub mod cli;
pub mod commands;
pub mod config;
pub mod files;
pub mod hardening;
pub mod jobs;
pub mod key_command;
pub mod logging;
pub mod restore;
pub mod secret;
pub mod shell_text;
#[cfg(feature = "sim")]
pub mod sim;
pub mod text;
pub mod tui;
