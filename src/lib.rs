//! atlas-restore: compose and follow MongoDB Atlas legacy backup restore jobs.
//!
//! Layers, each looking only down: `restore` (the domain, no I/O) < `atlas` (the wire) <
//! `jobs` (the store, the poller, downloads) < `tui` and `commands` < the edge (`main.rs`,
//! `cli`, `config`); the simulator (`sim`) beside. `layers.rs` draws them and tests them.
#![forbid(unsafe_code)]

pub mod atlas;
pub mod cli;
pub mod commands;
pub mod config;
pub mod files;
pub mod hardening;
pub mod jobs;
pub(crate) mod key_command;
mod layers;
pub mod logging;
pub mod redact;
pub mod restore;
pub mod secret;
pub(crate) mod shell_text;
#[cfg(feature = "sim")]
pub mod sim;
pub mod text;
pub mod tui;
