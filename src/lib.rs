//! atlas-restore: compose and follow MongoDB Atlas legacy backup restore jobs.
//!
//! Layers, each looking only down: `restore` (the domain, no I/O), `commands` (what the
//! subcommands do, on top of the domain), and the edge in `main.rs`/`cli.rs`.
#![forbid(unsafe_code)]

pub mod cli;
pub mod commands;
pub mod restore;
pub mod sim;
