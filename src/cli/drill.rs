//! `atlas-restore drill`: its subcommands and their arguments.

use clap::{Args, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Args)]
pub struct DrillArgs {
    #[command(subcommand)]
    pub command: DrillCommand,
}

#[derive(Debug, Subcommand)]
pub enum DrillCommand {
    /// Run drills: each FILE, or with --due every drill of the config folder's `drills/` whose
    /// last run is older than its `every` (or was interrupted, or could not ask Atlas); one
    /// that another process is running is skipped then, and said. Each resolves its restore point, submits, waits,
    /// checks (rpo, rto, job, sha1, archive, check_command, target) and records every phase in
    /// the store; an interrupted run is resumed, never submitted twice.
    ///
    /// Exit status: 0 every drill passed (or none was due); 1 a drill failed a check; 2 a drill
    /// file or profile is wrong (nothing sent for it); 3 Atlas could not be asked, or another
    /// run of the drill holds its lock (recorded as an error, neither pass nor fail). With
    /// several drills, the first of 1, 2, 3 that applies.
    Run(DrillRunArgs),
    /// Each drill of the config folder's `drills/` (and any with runs in the store): its last
    /// run, result, RPO and RTO against their targets, when it is next due, and `overdue`
    /// when a run is late or the last one did not pass.
    ///
    /// Exit status: 0 listed; 2 set-up error (the config, the store).
    Status(DrillStatusArgs),
    /// Every drill run in a period, for an auditor: what was restored, from which backup, into
    /// what, how long it took, and what was checked.
    ///
    /// Exit status: 0 written; 2 set-up error (a bad --since, the store).
    Report(DrillReportArgs),
}

#[derive(Debug, Args)]
pub struct DrillRunArgs {
    /// Drill files (TOML; the drill's name is the file's stem).
    #[arg(value_name = "FILE", required_unless_present = "due", conflicts_with = "due")]
    pub files: Vec<PathBuf>,
    /// Every drill in the config folder's `drills/` that is due.
    #[arg(long)]
    pub due: bool,
    #[arg(long, value_enum, default_value = "text")]
    pub format: DrillRunFormat,
    /// Also write JUnit XML here (a testsuite per drill, a testcase per check).
    #[arg(long, value_name = "PATH")]
    pub junit: Option<PathBuf>,
    /// Also write a Prometheus textfile here (for node_exporter's textfile collector): every
    /// drill's last run, written to a temporary file and renamed.
    #[arg(long, value_name = "PATH")]
    pub prom: Option<PathBuf>,
    /// Also write a Markdown report of these runs here.
    #[arg(long, value_name = "PATH")]
    pub report: Option<PathBuf>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DrillRunFormat {
    Text,
    Json,
}

#[derive(Debug, Args)]
pub struct DrillStatusArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: DrillStatusFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DrillStatusFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct DrillReportArgs {
    /// The period: a duration back (`90d`) or a time (RFC 3339, epoch seconds or ms).
    #[arg(
        long,
        value_name = "DURATION|TIME",
        default_value = "90d",
        allow_hyphen_values = true
    )]
    pub since: String,
    #[arg(long, value_enum, default_value = "md")]
    pub format: DrillReportFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum DrillReportFormat {
    Md,
    Json,
}
