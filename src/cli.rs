//! The command line, as the contract in `design.md` fixes it.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "atlas-restore",
    version,
    about = "Compose and follow MongoDB Atlas legacy backup restore jobs",
    long_about = None
)]
pub struct Cli {
    /// Config file (TOML); default: the per-user config directory.
    #[arg(long, global = true, env = "ATLAS_RESTORE_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Profile of the config file to use; default: its `default_profile`.
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,
    /// Borders and markers without Unicode.
    #[arg(long, global = true)]
    pub ascii: bool,
    /// Run against an embedded simulated Atlas on 127.0.0.1; no account or config needed.
    #[arg(long)]
    pub demo: bool,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a restore request body (JSON) with the same rules as the form.
    ///
    /// Exit status: 0 no errors (warnings allowed), 1 errors, 2 the input could not be read or is not JSON.
    Validate(ValidateArgs),
    /// List the profile's tracked restore jobs (refreshed from Atlas once) and exit.
    ///
    /// Exit status: 0 listed fresh; 1 Atlas could not be asked (the journal's copies are shown); 2 set-up errors.
    Jobs(JobsArgs),
    /// Send one restore request body (JSON) for the profile's source cluster, with the form's
    /// rules and the journal; an `AUTOMATED_RESTORE` only with `--confirm-erase`.
    ///
    /// Exit status: 0 created (the jobs are printed and tracked); 1 refused (invalid, the erase not
    /// confirmed, a repeat, or Atlas said no); 2 set-up error, unreadable or not-JSON input, or the
    /// journal could not record it; 3 outcome unknown (recorded, to be reconciled; never resent by itself).
    Submit(SubmitArgs),
    /// Run the simulated Atlas alone on loopback; its first stdout line is a JSON object
    /// with its URL, keys, project and clusters.
    Sim(crate::commands::sim::SimArgs),
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: JobsFormat,
    /// Every restore job of the profile's cluster, not only the tracked ones.
    #[arg(long)]
    pub all: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum JobsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct ValidateArgs {
    /// The body to check; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
    /// API version the body is meant for (they encode oplogTs and oplogInc differently).
    #[arg(long, value_name = "v1.0|v2", default_value = "v1.0")]
    pub api: String,
    /// The time to check the point-in-time window against (RFC 3339); default: now.
    #[arg(long, value_name = "RFC3339")]
    pub now: Option<String>,
    /// The source cluster's topology, if known: enables the replica-set/sharded rules.
    #[arg(long, value_enum, value_name = "replicaset|sharded")]
    pub cluster_type: Option<ClusterTypeArg>,
    /// The source project id, to warn when the target is the source itself.
    #[arg(long, value_name = "ID")]
    pub group_id: Option<String>,
    /// The source cluster name, to warn when the target is the source itself.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Args)]
pub struct SubmitArgs {
    /// The request body to send; `-` or nothing reads standard input.
    #[arg(value_name = "FILE|-")]
    pub file: Option<PathBuf>,
    /// For an `AUTOMATED_RESTORE`, which erases its target: the target cluster's name (its id
    /// when only the id is given), exactly.
    #[arg(long, value_name = "CLUSTER")]
    pub confirm_erase: Option<String>,
    /// Send even when the same restore was submitted from here less than an hour ago.
    #[arg(long)]
    pub allow_repeat: bool,
    /// The source project id; default: the profile's `group_id`.
    #[arg(long, value_name = "ID")]
    pub group_id: Option<String>,
    /// The source cluster name; default: the profile's `cluster_name`.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// text: a line per created job on stdout, errors on stderr; json: one object
    /// `{"state", "jobs", "findings", "error"}` on stdout.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ClusterTypeArg {
    Replicaset,
    Sharded,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
}
