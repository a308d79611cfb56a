//! The simulated Atlas: the legacy-backup part of the Admin API (clusters, snapshots,
//! checkpoints, restore jobs) on loopback, behind real Digest authentication, with jobs that
//! progress on a clock that runs as fast as asked, downloads that produce hashes, and fault
//! modes. `atlas-restore sim` runs it alone; `--demo` and the tests start it in-process.

pub mod digest;
