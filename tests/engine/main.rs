//! The engine's tests, no network and no terminal: the restore rules both ways, golden bodies,
//! the flavours' rules, the config contract, the journal, and the property tests (the engine
//! against an oracle of the documents and against the simulator's own rules; whatever comes
//! from outside is read or refused without a panic).
//!
//! One binary of a few (`engine`, `wire`, `screens`, `cli`, and `fixtures` with
//! `--features shared-fixtures`), each linking the library once; a module here is a file that
//! used to be a test binary of its own: `cargo test --test engine restore_rules::`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

mod config;
mod flavor_rules;
mod journal;
#[cfg(feature = "sim")]
mod parse_props;
mod request_body;
mod restore_props;
mod restore_rules;
#[cfg(feature = "sim")]
mod sim_rules_props;
