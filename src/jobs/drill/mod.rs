//! Restore drills: an unattended, verified test restore, its RPO and RTO judged against the
//! drill's targets, every phase and check recorded in the store as evidence.
//!
//! - `file.rs`: the drill file, read and checked (refused before anything is sent).
//! - `book.rs`: the runs in the store (what `drill status` and `drill report` read, and
//!   where an interrupted run is resumed from).
//! - `run.rs`: one run: the restore point, the submit, the wait, the checks, the cleanup.
//! - `checks.rs`: what the checks read: the archive's facts, `check_command`, the unpacking.
//! - `standing.rs`: where each drill stands (last run, next due, overdue).
//! - `evidence.rs`: the run as JSON, JUnit XML, a Prometheus textfile and Markdown.

pub(crate) mod book;
pub mod checks;
pub(crate) mod evidence;
pub mod file;
pub mod run;
pub(crate) mod standing;

pub use book::{DrillBook, StoredRun};
pub use file::{Drill, DrillMethod, PointChoice};
pub use run::{Runner, RunnerProfile};

use serde::{Deserialize, Serialize};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunResult {
    /// Every check passed.
    Pass,
    /// A check failed.
    Fail,
    /// Atlas could not be asked (or the host failed the drill): neither a pass nor a fail.
    Error,
}

impl RunResult {
    pub fn as_str(self) -> &'static str {
        match self {
            RunResult::Pass => "pass",
            RunResult::Fail => "fail",
            RunResult::Error => "error",
        }
    }
}

/// A check's verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Skip,
}

/// One check of a run: `rpo`, `rto`, `job`, `sha1`, `archive`, `check_command`, `target`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: String,
    pub result: Verdict,
    pub detail: String,
}

/// A moment of a run: `requested`, `created`, `finished`, `downloaded`, `verified`,
/// `checked`, `removed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Phase {
    pub name: String,
    /// RFC 3339, UTC, on Atlas's clock.
    pub at: String,
    pub at_ms: i64,
}

/// What a run restored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RestorePointRecord {
    /// `snapshot` or `point_in_time`.
    pub kind: String,
    /// The snapshot's id.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// When the data is from: the snapshot's creation, or the point in time (RFC 3339, UTC).
    pub time: String,
    pub time_ms: i64,
}

/// One run of a drill, as recorded and as printed.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DrillRun {
    pub drill: String,
    pub profile: String,
    pub cluster: String,
    pub group_id: String,
    /// `download` or `automated`.
    pub method: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// None while it runs (or was interrupted).
    pub result: Option<RunResult>,
    /// On Atlas's clock, as every time of the run (the RPO is judged on it).
    pub started: String,
    pub started_ms: i64,
    /// On this host's clock: what `--due` and `drill status` schedule by.
    #[serde(default)]
    pub host_started_ms: i64,
    pub finished: Option<String>,
    pub finished_ms: Option<i64>,
    /// Its end on this host's clock: what the textfile's timestamps say, as Prometheus's
    /// `time()` compares them with this clock, not Atlas's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_finished_ms: Option<i64>,
    pub rpo_max_seconds: u64,
    pub rto_max_seconds: u64,
    pub rpo_seconds: Option<i64>,
    pub rto_seconds: Option<i64>,
    pub restore_point: Option<RestorePointRecord>,
    /// The restore jobs it made (every part of a sharded restore).
    pub jobs: Vec<String>,
    /// The journal's key of its submit, once sent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub submit_key: Option<String>,
    pub phases: Vec<Phase>,
    pub checks: Vec<Check>,
    /// Why it ended in error, or what went wrong besides the checks.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// What became of the downloaded files.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup: Option<String>,
    /// It was resumed after an interruption (a reboot, a kill).
    #[serde(default)]
    pub resumed: bool,
}

impl DrillRun {
    pub(crate) fn phase_ms(&self, name: &str) -> Option<i64> {
        self.phases.iter().rev().find(|p| p.name == name).map(|p| p.at_ms)
    }

    /// When it ended on this host's clock (a run recorded before that was kept: its start
    /// plus its length on Atlas's clock).
    pub(crate) fn host_ended_ms(&self) -> Option<i64> {
        self.host_finished_ms.or_else(|| {
            self.finished_ms
                .map(|f| self.host_started_ms.saturating_add(f.saturating_sub(self.started_ms)))
        })
    }

    pub fn check(&self, name: &str) -> Option<&Check> {
        self.checks.iter().find(|c| c.name == name)
    }

    /// Passed, failed, or not judged, from its checks and error.
    pub fn judged(&self) -> RunResult {
        if self.checks.iter().any(|c| c.result == Verdict::Fail) {
            RunResult::Fail
        } else if self.error.is_some() {
            RunResult::Error
        } else {
            RunResult::Pass
        }
    }
}

/// A span as people write it: `1d 2h`, `12m 8s`, `45s`.
pub(crate) fn span(seconds: i64) -> String {
    let s = seconds.max(0);
    let (d, h, m, sec) = (s / 86_400, s % 86_400 / 3_600, s % 3_600 / 60, s % 60);
    let parts: Vec<String> = [(d, "d"), (h, "h"), (m, "m"), (sec, "s")]
        .iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, u)| format!("{n}{u}"))
        .take(2)
        .collect();
    if parts.is_empty() { "0s".into() } else { parts.join(" ") }
}

/// `2026-12-04T09:00:00Z`.
pub(crate) fn rfc3339(ms: i64) -> String {
    crate::restore::time_input::format_utc_ms(ms)
}
