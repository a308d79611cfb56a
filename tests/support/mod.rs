//! The one harness every test binary shares, compiled once into each (`main.rs` declares it
//! with `#[path = "../support/mod.rs"] mod support;`): a binary's modules reach it as
//! `crate::support::…`.
//!
//! - `common`: a simulator started in this process, and a Digest client of the test's own;
//! - `pty`: the program in a real terminal (portable-pty + vt100), `atlas-restore sim` as a
//!   process of its own, scratch folders;
//! - `lab`: the binary as scripts run it, with a private profile on such a simulator;
//! - `hostile`: a download host of the tests' own that records what reaches it;
//! - `peer`: Apache httpd with `mod_auth_digest` (feature `peers`);
//! - `oracle`: a restore body judged from the documents alone;
//! - `wait`: waiting for what can be observed, with a deadline, instead of sleeping;
//! - `tools`: the programs nobody here wrote (tmux, fish, Python's requests), skipped when
//!   absent unless `ATLAS_RESTORE_REQUIRE_PEERS=1`.
// Each binary uses a different part of this.
#![allow(dead_code)]

#[cfg(feature = "sim")]
pub mod common;
pub mod hostile;
#[cfg(feature = "sim")]
pub mod lab;
pub mod oracle;
#[cfg(feature = "peers")]
pub mod peer;
pub mod pty;
pub mod tools;
pub mod wait;
