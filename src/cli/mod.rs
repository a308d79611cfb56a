//! The command line, as the contract in `design.md` fixes it.

pub mod drill;
pub mod drill_run;
pub mod sim;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// One cause, one exit code, whichever command (`commands::exit`).
const EXIT_CODES: &str = "Exit status, the same cause the same code in every command:
  0  done
  1  refused or failed: the rules, Atlas said no (keys, access list, errorCode), a job FAILED,
     a SHA1 that differs, a drill's check
  2  set-up: the config, the profile, the input, the store (nothing sent)
  3  Atlas could not be asked or its answer was lost (not reachable, 5xx, 429, a proxy's page),
     a download cut: run the same command again later
  4  --wait ran out of time (the jobs stay tracked)
Each command's --help says its own.";

#[derive(Debug, Parser)]
#[command(
    name = "atlas-restore",
    version,
    about = "Compose and follow MongoDB Atlas legacy backup restore jobs",
    long_about = None,
    after_help = EXIT_CODES
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
    /// How much to log (default: `RUST_LOG`, else info). The log is a file,
    /// ~/.local/state/atlas-restore/atlas-restore.log, never the terminal.
    #[arg(long, global = true, value_enum, value_name = "LEVEL")]
    pub log_level: Option<LogLevel>,
    /// Run against an embedded simulated Atlas on 127.0.0.1; no account or config needed.
    #[arg(long)]
    pub demo: bool,
    /// With --demo: which product the simulator plays (its paths and rules).
    #[arg(long, value_enum, value_name = "FLAVOR", requires = "demo")]
    pub flavor: Option<FlavorArg>,
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
    /// Exit status: 0 listed fresh; 1 Atlas said no (keys refused, not on the access list);
    /// 2 set-up error (the config, the store); 3 Atlas could not be asked (not reachable, a 5xx,
    /// a proxy's page). On 1 and 3 the store's copies are shown, and with `--format json` stdout
    /// is one object, `{"error": {"kind", "message"}, "jobs": [...]}`, not the usual array.
    Jobs(JobsArgs),
    /// List every restore job the store ever tracked for the profile (or all profiles), newest
    /// first, from the store alone: who, what, where, when, and how it ended.
    ///
    /// Exit status: 0 listed; 2 set-up error (the config, a bad --since, the store cannot be read).
    History(HistoryArgs),
    /// List the cluster's snapshots, newest first (id, created time in RFC 3339 UTC, complete,
    /// size, expiry): `snapshots --before 2026-12-01T09:00Z --complete --format json | jq -r '.[0].id'`
    /// is the latest complete snapshot before that time.
    ///
    /// Exit status: 0 listed (possibly none in the window); 1 Atlas said no (keys refused, no
    /// such cluster); 2 set-up error (the config, the profile, a TIME that is not one); 3 Atlas
    /// could not be asked (not reachable, a 5xx, a proxy's page). With `--format json` an error
    /// is one object: `{"error": {"kind", "message"}}`.
    Snapshots(PointsArgs),
    /// List a sharded cluster's checkpoints, newest first (id, timestamp in RFC 3339 UTC,
    /// restorable, when it started and completed); `--complete` keeps the restorable ones.
    ///
    /// Exit status: as `snapshots`.
    Checkpoints(PointsArgs),
    /// Send one restore request body (JSON) for the profile's source cluster, with the form's
    /// rules and the journal; an `AUTOMATED_RESTORE` only with `--confirm-erase`.
    ///
    /// Exit status: 0 created (the jobs are printed and tracked); 1 refused (invalid, the erase not
    /// confirmed, a repeat, or Atlas said no); 2 set-up error, unreadable or not-JSON input, or the
    /// journal could not record it; 3 Atlas could not be asked (nothing sent, `state` refused), or
    /// the outcome is unknown (`state` unknown: recorded, to be reconciled; never resent by itself);
    /// with --wait: 0 ready (downloadable, or the automated restore finished), 1 also when the job
    /// failed or was killed, 4 not ready before --timeout (tracked: `jobs` or `download --wait` go on).
    Submit(SubmitArgs),
    /// Download a restore job's file (every part of a batch when given a batchId) into a
    /// folder, resuming a `.part` left by a cut, checking the SHA1 Atlas lists, mode 0600, and
    /// read the archive (no extraction) to say what it holds. A file whose SHA1 or archive is
    /// bad never gets its name: it is kept as NAME.sha1-mismatch or NAME.broken, and the same
    /// command downloads it again.
    ///
    /// Exit status: 0 every file verified (and its archive whole); 1 a SHA1 mismatch, a broken
    /// archive, a link refused as unsafe (plain http to another host), or Atlas refused
    /// (expired, downloads used up, an automated restore: no file); 2 set-up error (profile,
    /// folder, a link planted where the file goes, unknown job id, or a verified file the job
    /// store could not note); 3 Atlas could not be asked, or cut, stalled past request_timeout,
    /// or the disk filled, and resumable (the `.part` is kept: run the same command again), or
    /// not ready yet; 4 with --wait, not ready before --timeout.
    Download(DownloadArgs),
    /// Restore drills: a verified test restore on a schedule, RPO and RTO judged against the
    /// drill's targets, with evidence (JSON, JUnit, a Prometheus textfile, Markdown).
    Drill(drill::DrillArgs),
    /// Run the simulated Atlas alone on loopback; its first stdout line is a JSON object
    /// with its URL, keys, project and clusters.
    Sim(sim::SimArgs),
    /// Print a shell completion script (bash, zsh or fish) to standard output; it completes
    /// `--profile` with the config's profile names.
    ///
    /// bash: `atlas-restore completions bash > ~/.local/share/bash-completion/completions/atlas-restore`;
    /// zsh: `atlas-restore completions zsh > ~/.zfunc/_atlas-restore` (a folder on `fpath`);
    /// fish: `atlas-restore completions fish > ~/.config/fish/completions/atlas-restore.fish`.
    Completions(CompletionsArgs),
    /// Print the man page (roff) to standard output: `atlas-restore man | man -l -`.
    Man,
    /// Print the config's profile names, one a line (what shell completion offers for `--profile`).
    Profiles,
    /// Write a profile: `atlas-restore config init [--profile NAME]`.
    Config(ConfigArgs),
}

#[derive(Debug, Args)]
pub struct ConfigArgs {
    #[command(subcommand)]
    pub command: ConfigCommand,
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Write a profile, asking on the terminal.
    ///
    /// It asks the product, base URL, keys, project and cluster, proves the keys by listing
    /// what they can see, and writes the profile to the config, mode 0600, keeping the file's
    /// other profiles and comments. `--profile NAME` names it (else it asks).
    ///
    /// Exit status: 0 written; 1 not written (stopped, or the keys refused); 2 set-up error
    /// (standard input is not a terminal, the file cannot be read or written).
    Init,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: CompletionShell,
}

/// `--flavor`: the product whose API and rules apply, as a profile's `flavor` names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum FlavorArg {
    /// MongoDB Atlas (/api/atlas/v1.0 or v2).
    #[default]
    Atlas,
    /// Cloud Manager (/api/public/v1.0, clusters by id).
    CloudManager,
    /// Ops Manager (/api/public/v1.0 on your host, clusters by id).
    OpsManager,
}

impl From<FlavorArg> for crate::restore::Flavor {
    fn from(f: FlavorArg) -> Self {
        match f {
            FlavorArg::Atlas => crate::restore::Flavor::Atlas,
            FlavorArg::CloudManager => crate::restore::Flavor::CloudManager,
            FlavorArg::OpsManager => crate::restore::Flavor::OpsManager,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum CompletionShell {
    Bash,
    Zsh,
    Fish,
}

/// `--log-level`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogLevel {
    Off,
    Error,
    Warn,
    Info,
    Debug,
    Trace,
}

impl From<LogLevel> for tracing::level_filters::LevelFilter {
    fn from(level: LogLevel) -> Self {
        use tracing::level_filters::LevelFilter;
        match level {
            LogLevel::Off => LevelFilter::OFF,
            LogLevel::Error => LevelFilter::ERROR,
            LogLevel::Warn => LevelFilter::WARN,
            LogLevel::Info => LevelFilter::INFO,
            LogLevel::Debug => LevelFilter::DEBUG,
            LogLevel::Trace => LevelFilter::TRACE,
        }
    }
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[arg(long, value_enum, default_value = "table")]
    pub format: JobsFormat,
    /// Every restore job of the profile's cluster, not only the tracked ones.
    #[arg(long, conflicts_with = "all_profiles")]
    pub all: bool,
    /// The tracked jobs of every profile of the config, each refreshed with its own keys and
    /// each row with its profile.
    #[arg(long)]
    pub all_profiles: bool,
    /// Every column, however wide (what a pipe gets anyway): without it a terminal gets
    /// the columns that fit its width.
    #[arg(long)]
    pub wide: bool,
}

#[derive(Debug, Args)]
pub struct PointsArgs {
    /// The source cluster (default: the profile's `cluster_name`).
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Only those taken before this time: RFC 3339 (2026-12-01T09:00Z), epoch seconds or ms,
    /// or a relative time (-2h, 2h ago).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub before: Option<String>,
    /// Only those taken at or after this time (the forms of --before).
    #[arg(long, value_name = "TIME", allow_hyphen_values = true)]
    pub after: Option<String>,
    /// Only complete snapshots (restorable checkpoints).
    #[arg(long)]
    pub complete: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: PointsFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PointsFormat {
    Table,
    Json,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Only what was requested since then: a duration back (`7d`, `-2h`) or a time (RFC 3339, epoch seconds or ms).
    #[arg(long, value_name = "DURATION|TIME", allow_hyphen_values = true)]
    pub since: Option<String>,
    /// Only the jobs of this source cluster.
    #[arg(long, value_name = "NAME")]
    pub cluster_name: Option<String>,
    /// Every profile in the store, each row with its profile.
    #[arg(long)]
    pub all_profiles: bool,
    #[arg(long, value_enum, default_value = "table")]
    pub format: HistoryFormat,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HistoryFormat {
    Table,
    Json,
    Csv,
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
    /// The product the body is meant for: Cloud Manager and Ops Manager have rules of their own.
    #[arg(long, value_enum, value_name = "FLAVOR", default_value = "atlas")]
    pub flavor: FlavorArg,
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

/// `--wait [--timeout DURATION]`, as `submit` and `download` take it.
#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Wait until the job can be downloaded (HTTP) or has finished (automated); `download`
    /// then downloads it. Exit 1 when it failed, was killed or its link is gone, 4 when
    /// --timeout passed first (the job stays tracked).
    #[arg(long)]
    pub wait: bool,
    /// With --wait: how long at most (`90m`, `2h`, `1d`).
    #[arg(long, value_name = "DURATION", default_value = "12h", value_parser = humantime::parse_duration, requires = "wait")]
    pub timeout: std::time::Duration,
}

#[derive(Debug, Args)]
pub struct DownloadArgs {
    /// A restore job's id, or a sharded restore's batchId (every part), tracked by this
    /// profile or among its cluster's restore jobs; the short form the dashboard shows
    /// (its last 8 characters, `013ac004`) when one id ends with it.
    #[arg(value_name = "JOB-ID")]
    pub id: String,
    /// The folder to download into; default: the profile's `download_dir`, else the folder
    /// chosen in the dashboard, else your download folder's `atlas-restore/`.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
    #[command(flatten)]
    pub wait: WaitArgs,
    /// text: a line per file on stdout (and what its archive holds), errors on stderr,
    /// progress on stderr when it is a terminal; json: one object `{"state", "dir", "jobs",
    /// "error"}` on stdout.
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
    #[command(flatten)]
    pub wait: WaitArgs,
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

/// The completion script for `shell`: clap's, plus the config's profile names for
/// `--profile`, which the script asks `atlas-restore profiles` for (with the line's
/// `--config`, if any) each time it completes that flag.
pub fn completion_script(shell: CompletionShell) -> String {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    let name = cmd.get_name().to_string();
    let generator = match shell {
        CompletionShell::Bash => clap_complete::Shell::Bash,
        CompletionShell::Zsh => clap_complete::Shell::Zsh,
        CompletionShell::Fish => clap_complete::Shell::Fish,
    };
    let mut buf = Vec::new();
    clap_complete::generate(generator, &mut cmd, &name, &mut buf);
    let script = String::from_utf8_lossy(&buf).into_owned();
    match shell {
        CompletionShell::Bash => {
            // clap's function, as its own `complete -F NAME` line names it.
            let clap_fn = script
                .lines()
                .find_map(|l| l.trim().strip_prefix("complete -F "))
                .and_then(|rest| rest.split_whitespace().next())
                .unwrap_or("_atlas__restore")
                .to_string();
            // clap_complete 4.6 spells the state of a hyphenated program's subcommands one
            // way in its loop and another in its `case` arms, so that no subcommand's options
            // complete (clap-rs/clap#6421): spell the arms as the loop does.
            let script = script.replace("atlas__subcmd__restore", "atlas__restore");
            script + &BASH_PROFILES.replace("CLAP_FUNCTION", &clap_fn)
        }
        CompletionShell::Zsh => zsh_with_profiles(&script),
        CompletionShell::Fish => script + FISH_PROFILES,
    }
}

/// bash: a function in front of clap's that answers for `--profile NAME` and
/// `--profile=NAME`, and hands every other word to clap's.
const BASH_PROFILES: &str = r#"
# Profile names for --profile, from the config that the line names (or the default one).
_atlas_restore_profiles() {
    local i config=()
    for ((i = 1; i < ${#COMP_WORDS[@]}; i++)); do
        if [[ ${COMP_WORDS[i]} == --config ]]; then
            if [[ ${COMP_WORDS[i+1]} == = ]]; then
                config=(--config "${COMP_WORDS[i+2]}")
            else
                config=(--config "${COMP_WORDS[i+1]}")
            fi
        fi
    done
    "${COMP_WORDS[0]}" "${config[@]}" profiles 2>/dev/null
}

_atlas_restore_with_profiles() {
    local cur="${COMP_WORDS[COMP_CWORD]}" prev="${COMP_WORDS[COMP_CWORD-1]}"
    if [[ $prev == = && $COMP_CWORD -ge 2 ]]; then
        prev="${COMP_WORDS[COMP_CWORD-2]}"
    elif [[ $cur == = ]]; then
        prev="${COMP_WORDS[COMP_CWORD-1]}"
        cur=""
    fi
    if [[ $prev == --profile ]]; then
        local IFS=$'\n'
        COMPREPLY=($(compgen -W "$(_atlas_restore_profiles)" -- "$cur"))
        return 0
    fi
    CLAP_FUNCTION "$@"
}

if [[ "${BASH_VERSINFO[0]}" -eq 4 && "${BASH_VERSINFO[1]}" -ge 4 || "${BASH_VERSINFO[0]}" -gt 4 ]]; then
    complete -F _atlas_restore_with_profiles -o nosort -o bashdefault -o default atlas-restore
else
    complete -F _atlas_restore_with_profiles -o bashdefault -o default atlas-restore
fi
"#;

/// fish: candidates for `--profile` beside clap's description of it.
const FISH_PROFILES: &str = r#"
# Profile names for --profile, from the config that the line names (or the default one).
function __atlas_restore_profiles
    set -l words (commandline -opc)
    set -l config
    set -l i (contains -i -- --config $words)
    and set config --config $words[(math $i + 1)]
    command $words[1] $config profiles 2>/dev/null
end
complete -c atlas-restore -l profile -x -a '(__atlas_restore_profiles)'
"#;

/// zsh: clap's `_arguments` specs for `--profile` call a function listing the names.
fn zsh_with_profiles(script: &str) -> String {
    let patched: Vec<String> = script
        .lines()
        .map(|line| {
            if line.trim_start().starts_with("'--profile=") {
                line.replacen(":NAME:_default'", ":NAME:_atlas_restore_profiles'", 1)
            } else {
                line.to_string()
            }
        })
        .collect();
    let mut out = String::new();
    let helper = r#"
# Profile names for --profile, from the config that the line names (or the default one).
(( $+functions[_atlas_restore_profiles] )) ||
_atlas_restore_profiles() {
    local -a names config
    local i=${words[(I)--config]}
    (( i > 0 )) && config=(--config "${words[i+1]}")
    names=(${(f)"$(command atlas-restore $config profiles 2>/dev/null)"})
    _describe -t profiles 'profile' names
}
"#;
    for line in patched {
        // Before the closing dispatch, so that the function exists when it runs.
        if line.starts_with("if [ \"$funcstack[1]\" = ") {
            out.push_str(helper);
            out.push('\n');
        }
        out.push_str(&line);
        out.push('\n');
    }
    out
}

/// The man page (roff): the program's page, then a section per subcommand with its synopsis,
/// description and options.
pub fn man_page() -> std::io::Result<Vec<u8>> {
    use clap::CommandFactory;
    let mut cmd = Cli::command();
    cmd.build();
    let mut page = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut page)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = sub.get_bin_name().unwrap_or(sub.get_name()).to_string();
        let man = clap_mangen::Man::new(sub.clone());
        let mut part = Vec::new();
        man.render_synopsis_section(&mut part)?;
        man.render_description_section(&mut part)?;
        if sub.get_arguments().any(|a| !a.is_hide_set()) {
            man.render_options_section(&mut part)?;
        }
        let part = String::from_utf8_lossy(&part)
            .replace(".SH SYNOPSIS", "")
            .replace(".SH DESCRIPTION", "")
            .replace(".SH OPTIONS", ".SS Options");
        page.extend_from_slice(format!(".SH \"{}\"\n", name.to_uppercase()).as_bytes());
        page.extend_from_slice(part.trim_start_matches('\n').as_bytes());
    }
    Ok(page)
}

/// The terminal's width when stdout is one; `None` for a pipe or a file, which get the whole
/// table (a script reads every column).
pub(crate) fn stdout_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    crossterm::terminal::size().ok().map(|(cols, _)| usize::from(cols))
}
