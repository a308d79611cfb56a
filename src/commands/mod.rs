//! What each subcommand does, apart from argument parsing, so that tests can call it.

pub mod config_init;
mod config_terminal;
mod config_write;
pub mod download;
pub mod drill;
pub mod exit;
pub mod history;
pub mod jobs;
pub mod points;
pub mod sim;
pub mod submit;
pub mod validate;
