//! The edge of `atlas-restore drill`: the config read, each drill's profile opened (its key
//! command run), the store opened, and the command of `commands::drill` run with them.

use super::drill::{DrillArgs, DrillCommand, DrillReportFormat, DrillRunFormat, DrillStatusFormat};
use crate::atlas::AtlasClient;
use crate::commands::drill::{self as command, Opened, Outcome, RunOptions};
use crate::config::{self, process_env};
use crate::jobs::drill::{Drill, DrillBook, RunnerProfile, file::files_in};
use crate::jobs::{Journal, Services};
use std::io::IsTerminal as _;
use std::path::{Path, PathBuf};

/// The config folder's `drills/`: beside the config file read (or the default one).
pub fn drills_folder(cfg: &config::Config) -> Option<PathBuf> {
    cfg.path
        .clone()
        .or_else(config::default_path)
        .and_then(|p| p.parent().map(|d| d.join("drills")))
}

fn setup(message: String, json: bool) -> Outcome {
    Outcome {
        exit_code: command::EXIT_WRONG,
        stdout: if json {
            format!(
                "{}\n",
                serde_json::json!({"runs": [], "error": {"kind": "setup", "message": message}})
            )
        } else {
            String::new()
        },
        stderr: format!("atlas-restore drill: {message}\n"),
    }
}

fn store_dir() -> Result<PathBuf, String> {
    crate::jobs::journal::default_dir()
        .ok_or_else(|| "no home directory to keep the job store in: set HOME (or XDG_DATA_HOME)".to_string())
}

fn now_ms() -> i64 {
    crate::restore::Context::system_now_ms()
}

/// Opens `name` (none: the config's default) for a drill.
fn open_profile(cfg: &config::Config, name: Option<&str>, dir: &Path) -> Result<Opened, String> {
    let profile = cfg.profile(name, &process_env).map_err(|e| e.to_string())?;
    crate::logging::start("drill", &profile.name, &profile.base_url, profile.api.as_str());
    let group_id = profile.group_id.clone().ok_or_else(|| {
        format!(
            "profile {} has no group_id (nor {}): a drill restores from the profile's project",
            profile.name,
            config::ENV_PROJECT_ID
        )
    })?;
    let client = AtlasClient::new(&profile.client_options()).map_err(|e| e.to_string())?;
    let journal = Journal::open(dir, &profile.name).map_err(|e| e.to_string())?;
    Ok(Opened {
        services: Services::new(std::sync::Arc::new(client), journal),
        profile: RunnerProfile {
            name: profile.name.clone(),
            flavor: profile.flavor,
            api: profile.api,
            group_id,
            drill_targets: profile.drill_targets.clone(),
            poll_interval: profile.poll_interval,
        },
    })
}

/// Runs `drill ...`: its outcome, every failure in the chosen format.
pub fn run(config_path: Option<&Path>, default_profile: Option<&str>, args: &DrillArgs) -> Outcome {
    let json = match &args.command {
        DrillCommand::Run(a) => a.format == DrillRunFormat::Json,
        DrillCommand::Status(a) => a.format == DrillStatusFormat::Json,
        DrillCommand::Report(a) => a.format == DrillReportFormat::Json,
    };
    let cfg = match config::load(config_path, &process_env) {
        Ok(c) => c,
        Err(e) => return setup(e.to_string(), json),
    };
    let dir = match store_dir() {
        Ok(d) => d,
        Err(e) => return setup(e, json),
    };
    let book = match DrillBook::open(&dir) {
        Ok(b) => b,
        Err(e) => return setup(e.to_string(), json),
    };
    let folder = drills_folder(&cfg);
    let in_folder = || -> Result<Vec<PathBuf>, String> {
        match &folder {
            Some(f) => files_in(f),
            None => Ok(Vec::new()),
        }
    };
    match &args.command {
        DrillCommand::Run(a) => {
            let drills: Vec<Result<Drill, String>> = if a.due {
                let files = match in_folder() {
                    Ok(f) => f,
                    Err(e) => return setup(e, json),
                };
                let mut due = Vec::new();
                for f in files {
                    match Drill::read(&f) {
                        Ok(d) => match command::is_due(&d, &book, now_ms()) {
                            Ok(true) => due.push(Ok(d)),
                            Ok(false) => {}
                            Err(e) => return setup(e, json),
                        },
                        Err(e) => due.push(Err(e)),
                    }
                }
                due
            } else {
                a.files.iter().map(|f| Drill::read(f)).collect()
            };
            let opts = RunOptions {
                json,
                junit: a.junit.clone(),
                prom: a.prom.clone(),
                report: a.report.clone(),
                drills_dir: dir.join("drills"),
                due: a.due,
            };
            let terminal = std::io::stderr().is_terminal();
            if a.due && drills.is_empty() && terminal && !json {
                eprintln!(
                    "atlas-restore drill: no drill is due in {}",
                    folder
                        .as_deref()
                        .map_or("the config folder's drills/".into(), |f| f.display().to_string())
                );
            }
            let progress = move |line: &str| {
                if terminal {
                    eprintln!("{}", crate::text::sanitize(line));
                }
            };
            let runtime = match tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
            {
                Ok(r) => r,
                Err(e) => return setup(format!("cannot start the async runtime: {e}"), json),
            };
            let (cfg, dir) = (&cfg, &dir);
            let open = |name: Option<&str>| open_profile(cfg, name.or(default_profile), dir);
            runtime.block_on(command::run(drills, open, &book, &opts, &progress))
        }
        DrillCommand::Status(_) => {
            let drills = match crate::jobs::drill::standing::read_folder(folder.as_deref()) {
                Ok(d) => d,
                Err(e) => return setup(e, json),
            };
            match command::standings(&drills, &book, now_ms()) {
                Ok(s) => Outcome {
                    exit_code: 0,
                    stdout: if json {
                        command::status_json(&s)
                    } else if s.is_empty() {
                        String::new()
                    } else {
                        command::status_table(&s, super::stdout_width())
                    },
                    stderr: if s.is_empty() && !json {
                        format!(
                            "atlas-restore drill: no drills: put drill files (*.toml) in {}\n",
                            folder
                                .as_deref()
                                .map_or("the config folder's drills/".into(), |f| f.display().to_string())
                        )
                    } else {
                        String::new()
                    },
                },
                Err(e) => setup(e, json),
            }
        }
        DrillCommand::Report(a) => {
            let since = match crate::commands::history::since_ms(&a.since, now_ms()) {
                Ok(s) => s,
                Err(e) => return setup(format!("--since: {e}"), json),
            };
            match book.since(since) {
                Ok(runs) => {
                    let runs: Vec<_> = runs.into_iter().map(|r| r.run).collect();
                    Outcome {
                        exit_code: 0,
                        stdout: if json {
                            crate::jobs::drill::evidence::to_json(&runs)
                        } else {
                            crate::jobs::drill::evidence::to_markdown(
                                &runs,
                                &format!("Restore drills since {}", crate::jobs::drill::rfc3339(since)),
                            )
                        },
                        stderr: String::new(),
                    }
                }
                Err(e) => setup(e.to_string(), json),
            }
        }
    }
}
