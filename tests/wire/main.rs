//! The wire's tests, over real HTTP on loopback: the Atlas client against the simulator in
//! this process (every endpoint, the lifecycle, Digest, faults, reconciliation, the flavours),
//! downloads that resume and hostile download hosts, the commands the program offers run by
//! real shells and curl, and the simulator against Digest clients nobody here wrote.
//!
//! One binary of a few (see `tests/engine/main.rs`): `cargo test --test wire client_sim::`.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../support/mod.rs"]
mod support;

#[cfg(feature = "sim")]
mod client_sim;
#[cfg(feature = "sim")]
mod curl_commands;
mod download_hostile;
#[cfg(feature = "sim")]
mod download_sim;
#[cfg(feature = "sim")]
mod flavors_sim;
#[cfg(feature = "sim")]
mod reconcile_sim;
#[cfg(feature = "sim")]
mod sim_digest;
#[cfg(feature = "sim")]
mod sim_faults;
#[cfg(feature = "sim")]
mod sim_lifecycle;
#[cfg(feature = "sim")]
mod sim_peers;
#[cfg(feature = "sim")]
mod sim_verdicts;
#[cfg(feature = "sim")]
mod transport_kinds;
