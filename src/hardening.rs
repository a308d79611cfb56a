//! Core dumps off for the whole process, at start (`main`). The process holds secrets in
//! memory: the private key, the download auth values, the deprecated `url`s. A core dump
//! writes that memory to disk (a `core` file, systemd-coredump's or apport's store), where it
//! outlives the run and reaches whoever reads crash reports.
//!
//! Both locks, as neither alone is enough everywhere:
//! - `RLIMIT_CORE` 0 (soft and hard, so nothing later raises it): the kernel writes no core
//!   file, and systemd-coredump and apport, which a pipe in `core_pattern` hands the dump to,
//!   honour the limit and store none. Children inherit it (the key command's shell too).
//! - `prctl(PR_SET_DUMPABLE, 0)` (Linux): no dump at all, whatever the limit, unless
//!   `fs.suid_dumpable = 2`; and no other process of the same user may ptrace this one or
//!   read its `/proc/PID/mem` or `environ`, which would read the key just as well.
//!
//! Through `rustix` (its `process` feature): `unsafe` is forbidden in this crate, and rustix
//! is already built for crossterm, so this adds no crate to the build (nix would).

/// Turns core dumps off for this process; what could not be done, in words (the program
/// goes on: a dump is only a risk once it crashes).
pub fn no_core_dumps() -> Result<(), String> {
    #[cfg(unix)]
    {
        use rustix::process::{Resource, Rlimit, setrlimit};
        let zero = Rlimit {
            current: Some(0),
            maximum: Some(0),
        };
        setrlimit(Resource::Core, zero)
            .map_err(|e| format!("cannot turn core dumps off (setrlimit RLIMIT_CORE): {e}"))?;
    }
    #[cfg(target_os = "linux")]
    rustix::process::set_dumpable_behavior(rustix::process::DumpableBehavior::NotDumpable)
        .map_err(|e| format!("cannot turn core dumps off (prctl PR_SET_DUMPABLE): {e}"))?;
    Ok(())
}
