#![forbid(unsafe_code)]

use anyhow::{Context as _, Result};
use atlas_restore::atlas::AtlasClient;
use atlas_restore::cli::{Cli, ClusterTypeArg, Command, Format, JobsArgs, JobsFormat, SubmitArgs, ValidateArgs};
use atlas_restore::commands::{submit, validate};
use atlas_restore::config::{self, process_env};
use atlas_restore::jobs::{Journal, Services};
use atlas_restore::logging;
use atlas_restore::restore::{ApiVersion, ClusterType, Context, Flavor};
use atlas_restore::tui::profiles::ProfileChoice;
use atlas_restore::tui::theme::Theme;
use atlas_restore::tui::{Opened, Shared};
use clap::Parser;
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    // First, before any secret is read: a core dump would write them to disk.
    let dumps = atlas_restore::hardening::no_core_dumps();
    // Read while the process has one thread: `time` refuses to later, for soundness.
    let local_offset = time::UtcOffset::current_local_offset().ok();
    let cli = Cli::parse();
    // Only the commands that talk to Atlas log; the log is a file, never the terminal.
    let logs = matches!(
        cli.command,
        None | Some(
            Command::Jobs(_)
                | Command::Submit(_)
                | Command::Download(_)
                | Command::Snapshots(_)
                | Command::Checkpoints(_)
                | Command::Drill(_)
        )
    );
    // A headless command says on stderr that it waits for another process's change to the store.
    if cli.command.is_some() {
        atlas_restore::jobs::store::on_wait(say_store_wait);
    }
    if logs {
        start_log(&cli);
        if let Err(e) = &dumps {
            tracing::warn!("{e}");
        }
    }
    // With --format json, a set-up error too is one JSON object on stdout.
    let json_errors = wants_json(&cli);
    let result = match cli.command {
        Some(Command::Validate(args)) => run_validate(args),
        Some(Command::Completions(ref args)) => print(atlas_restore::cli::completion_script(args.shell).as_bytes()),
        Some(Command::Man) => atlas_restore::cli::man_page()
            .map_err(anyhow::Error::from)
            .and_then(|page| print(&page)),
        Some(Command::Profiles) => run_profiles(&cli),
        Some(Command::Config(atlas_restore::cli::ConfigArgs {
            command: atlas_restore::cli::ConfigCommand::Init,
        })) => Ok(atlas_restore::commands::config_init::run_on_terminal(
            cli.config.as_deref(),
            cli.profile.as_deref(),
            &process_env,
        )),
        Some(Command::Jobs(ref args)) => run_jobs(&cli, args),
        Some(Command::History(ref args)) => run_history(&cli, args),
        Some(Command::Snapshots(ref args)) => run_points(&cli, args, atlas_restore::commands::points::Kind::Snapshot),
        Some(Command::Checkpoints(ref args)) => {
            run_points(&cli, args, atlas_restore::commands::points::Kind::Checkpoint)
        }
        Some(Command::Submit(ref args)) => run_submit(&cli, args),
        Some(Command::Drill(ref args)) => {
            let outcome = atlas_restore::cli::drill_run::run(cli.config.as_deref(), cli.profile.as_deref(), args);
            std::io::stdout()
                .write_all(outcome.stdout.as_bytes())
                .and_then(|()| std::io::stderr().write_all(outcome.stderr.as_bytes()))
                .map(|()| outcome.exit_code)
                .map_err(Into::into)
        }
        Some(Command::Download(ref args)) => run_download(&cli, args),
        #[cfg(feature = "sim")]
        Some(Command::Sim(args)) => atlas_restore::commands::sim::run(args.listen, args.config(), args.fault.clone()),
        #[cfg(not(feature = "sim"))]
        Some(Command::Sim(_)) => atlas_restore::commands::sim::not_built_in("sim"),
        None if cli.demo => run_demo(&cli, local_offset),
        None => run_dashboard(&cli, local_offset),
    };
    match result {
        Ok(code) => {
            if logs {
                tracing::info!(code, "exit");
            }
            ExitCode::from(code as u8)
        }
        Err(e) => {
            let said = atlas_restore::redact::scrub(&format!("{e:#}"));
            tracing::error!(error = %said, "exit");
            if json_errors {
                println!("{}", serde_json::json!({"error": {"kind": "setup", "message": said}}));
            }
            eprintln!("atlas-restore: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Whether the command was asked for JSON: its set-up errors are then JSON too (the commands
/// that print their own error objects are not listed).
fn wants_json(cli: &Cli) -> bool {
    use atlas_restore::cli::HistoryFormat;
    match &cli.command {
        Some(Command::Validate(a)) => a.format == Format::Json,
        Some(Command::Jobs(a)) => a.format == JobsFormat::Json,
        Some(Command::History(a)) => a.format == HistoryFormat::Json,
        _ => false,
    }
}

/// Starts the log file (see `atlas_restore::logging`); a log that cannot be made is said once,
/// before any screen, and the program goes on without it.
fn start_log(cli: &Cli) {
    let Some(dir) = logging::default_dir() else {
        eprintln!("atlas-restore: no home directory to keep the log in (set HOME or XDG_STATE_HOME); going on without");
        return;
    };
    let rust_log = process_env(logging::ENV_FILTER);
    if let Err(e) = logging::init(&dir, cli.log_level.map(Into::into), rust_log.as_deref()) {
        eprintln!("atlas-restore: {e}; going on without a log");
    }
}

fn print(bytes: &[u8]) -> Result<i32> {
    std::io::stdout().write_all(bytes)?;
    Ok(0)
}

/// The config's profile names, one a line: what shell completion offers for `--profile`.
fn run_profiles(cli: &Cli) -> Result<i32> {
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    let names: String = cfg.file.profiles.keys().map(|n| format!("{n}\n")).collect();
    print(names.as_bytes())
}

/// The profile's client and journal.
/// A command's word on stderr when another atlas-restore has held the store for a second.
fn say_store_wait(path: &std::path::Path) {
    eprintln!(
        "waiting for another atlas-restore to finish its change to the job store {}…",
        path.display()
    );
}

fn services(profile: &config::Profile, journal_dir: &std::path::Path) -> Result<Services> {
    let client = std::sync::Arc::new(AtlasClient::new(&profile.client_options())?);
    Ok(Services::new(client, Journal::open(journal_dir, &profile.name)?))
}

/// The config's profiles as the dashboard's list shows them.
fn profile_choices(summaries: &[config::ProfileSummary]) -> Vec<ProfileChoice> {
    summaries
        .iter()
        .map(|s| ProfileChoice {
            name: s.name.clone(),
            flavor: s.flavor.clone(),
            cluster: s.cluster_name.clone(),
            production: s.production,
        })
        .collect()
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        // Few blocking threads: each would get its own malloc arena, and memory with it.
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// The dashboard's: one thread for the screen and the network, which wait far more than they
/// work (a 500-job page parses in under a millisecond). Each thread that allocates keeps its
/// own malloc arena, and what a poll of 1,000 jobs frees stays in each: two workers more cost
/// 6 MB of resident memory (`scripts/measure.py --only memory`).
fn dashboard_runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .max_blocking_threads(4)
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

fn run_dashboard(cli: &Cli, local_offset: Option<time::UtcOffset>) -> Result<i32> {
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    let ui = cfg.file.ui.clone();
    let theme = Theme::new(ui.color, process_env("NO_COLOR").is_some(), cli.ascii || ui.ascii);
    let profile = cfg.profile(cli.profile.as_deref(), &process_env)?;
    logging::start("dashboard", &profile.name, &profile.base_url, profile.api.as_str());
    let journal_dir = atlas_restore::jobs::journal::default_dir()
        .context("no home directory to keep the job journal in: set HOME (or XDG_DATA_HOME)")?;
    let first = Opened {
        services: services(&profile, &journal_dir)?,
        profile: profile.screen(),
    };
    let shared = Shared {
        suggested_dir: config::default_download_dir(),
        theme,
        mouse: ui.mouse,
        notify: ui.notify,
        demo: false,
        local_offset,
        profiles: profile_choices(&cfg.summaries()),
        drills_folder: atlas_restore::cli::drill_run::drills_folder(&cfg),
        store_dir: Some(journal_dir.clone()),
    };
    // Another profile, by name: resolved (its key command run) off the loop's thread.
    let open = async |name: &str| -> Result<Opened> {
        let (name, cfg, dir) = (name.to_string(), cfg.clone(), journal_dir.clone());
        tokio::task::spawn_blocking(move || {
            let profile = cfg.profile(Some(&name), &process_env)?;
            logging::start("dashboard", &profile.name, &profile.base_url, profile.api.as_str());
            Ok(Opened {
                services: services(&profile, &dir)?,
                profile: profile.screen(),
            })
        })
        .await
        .context("opening the profile stopped")?
    };
    dashboard_runtime()?.block_on(atlas_restore::tui::run_dashboard(first, open, shared))?;
    Ok(0)
}

/// The demo's drills folder, with a download drill and an automated one to try in F3.
#[cfg(feature = "sim")]
fn demo_drills(scratch: &std::path::Path) -> std::path::PathBuf {
    let dir = scratch.join("drills");
    let drills = [
        (
            "weekly-cluster0.toml",
            "cluster_name = \"Cluster0\"\nevery = \"7d\"\nrpo_max = \"24h\"\nrto_max = \"2h\"\ncheck_command = \"test -f WiredTiger && test -f restoreInfo.txt\"\n",
        ),
        (
            "staging0-from-cluster0.toml",
            "cluster_name = \"Cluster0\"\nmethod = \"automated\"\ntarget_cluster_name = \"Staging0\"\nevery = \"7d\"\nrpo_max = \"24h\"\nrto_max = \"2h\"\n",
        ),
    ];
    // A folder the demo cannot write is said by the view when it reads it.
    if std::fs::create_dir_all(&dir).is_ok() {
        for (name, text) in drills {
            let _ = std::fs::write(dir.join(name), text);
        }
    }
    dir
}

/// The dashboard against the embedded simulated Atlas on a free loopback port: its clock on
/// this host's time, its restores quick; no config, no account. Its journal, drills and
/// downloads live in a scratch folder.
#[cfg(feature = "sim")]
fn run_demo(cli: &Cli, local_offset: Option<time::UtcOffset>) -> Result<i32> {
    use atlas_restore::sim::{Sim, SimConfig};
    let theme = Theme::new(config::ColorChoice::Auto, process_env("NO_COLOR").is_some(), cli.ascii);
    let flavor: Flavor = cli.flavor.unwrap_or_default().into();
    let scratch = std::env::temp_dir().join(format!("atlas-restore-demo-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).with_context(|| format!("cannot create {}", scratch.display()))?;
    let rt = runtime()?;
    rt.block_on(async {
        let sim = Sim::start(
            "127.0.0.1:0".parse()?,
            SimConfig {
                // The clock keeps this host's time; the restores go DEMO_SPEED times faster.
                restore_speed: DEMO_SPEED,
                flavor,
                ..SimConfig::default()
            },
        )
        .await?;
        let profile = config::Profile {
            name: "demo".into(),
            flavor,
            base_url: sim.base_url(),
            api: ApiVersion::V1,
            public_key: sim.public_key().to_string(),
            private_key: atlas_restore::secret::SecretString::new(sim.private_key()),
            group_id: Some(sim.group_id().to_string()),
            cluster_name: Some("Cluster0".into()),
            poll_interval: std::time::Duration::from_secs(2),
            request_timeout: std::time::Duration::from_secs(10),
            connect_timeout: std::time::Duration::from_secs(5),
            ca_file: None,
            // Asked at the first download, like any profile's; the demo offers its scratch folder.
            download_dir: None,
            max_body_bytes: 8 * 1024 * 1024,
            production: false,
            // The demo's drills (F3) may erase the simulated project's staging cluster.
            drill_targets: vec!["Staging0".into()],
        };
        logging::start("demo", &profile.name, &profile.base_url, profile.api.as_str());
        // Two profiles of one simulated project, the second marked production, to try the
        // profile list (F4) on: each keeps its own jobs.
        let production = config::Profile {
            name: "demo-production".into(),
            production: true,
            ..profile.clone()
        };
        let profiles = [&profile, &production]
            .map(|p| ProfileChoice {
                name: p.name.clone(),
                flavor: p.flavor.to_string(),
                cluster: p.cluster_name.clone(),
                production: p.production,
            })
            .to_vec();
        let open = async |name: &str| -> Result<Opened> {
            let chosen = if name == production.name { &production } else { &profile };
            Ok(Opened {
                services: services(chosen, &scratch)?,
                profile: chosen.screen(),
            })
        };
        let result = match services(&profile, &scratch) {
            Ok(services) => {
                let first = Opened {
                    services,
                    profile: profile.screen(),
                };
                let shared = Shared {
                    suggested_dir: scratch.join("downloads"),
                    theme,
                    mouse: config::UiConfig::default().mouse,
                    notify: config::UiConfig::default().notify,
                    demo: true,
                    local_offset,
                    profiles,
                    drills_folder: Some(demo_drills(&scratch)),
                    store_dir: Some(scratch.clone()),
                };
                atlas_restore::tui::run_dashboard(first, open, shared).await
            }
            Err(e) => Err(e),
        };
        // Background tasks may still hold idle connections: do not wait on them to exit.
        let _ = tokio::time::timeout(std::time::Duration::from_millis(500), sim.shutdown()).await;
        result
    })?;
    // Said once the screen is back: what the demo made goes with it.
    let downloads = std::fs::read_dir(scratch.join("downloads"))
        .map(|d| d.flatten().filter(|e| e.path().is_file()).count())
        .unwrap_or(0);
    let _ = std::fs::remove_dir_all(&scratch);
    eprintln!(
        "atlas-restore --demo: its scratch folder {} is removed, with the demo's jobs, drills and {downloads} downloaded file{}; a real profile keeps them",
        scratch.display(),
        if downloads == 1 { "" } else { "s" }
    );
    Ok(0)
}

/// The demo's restores: one that takes a minute in Atlas's time takes 3 s here, while the
/// simulated clock keeps this host's time.
#[cfg(feature = "sim")]
const DEMO_SPEED: f64 = 20.0;

/// A binary built without the simulator has no demo: it says so.
#[cfg(not(feature = "sim"))]
fn run_demo(_: &Cli, _: Option<time::UtcOffset>) -> Result<i32> {
    atlas_restore::commands::sim::not_built_in("--demo")
}

/// `history`: the store alone, so no keys are read (a key command is not run for it).
fn run_history(cli: &Cli, args: &atlas_restore::cli::HistoryArgs) -> Result<i32> {
    use atlas_restore::cli::HistoryFormat;
    use atlas_restore::commands::history;
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    let profile = cfg.profile_name(cli.profile.as_deref())?;
    let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
    let since_ms = match args.since.as_deref() {
        None => None,
        Some(text) => Some(history::since_ms(text, now_ms).map_err(|e| anyhow::anyhow!("--since: {e}"))?),
    };
    let dir = atlas_restore::jobs::journal::default_dir().context("no home directory for the job store")?;
    let journal = atlas_restore::jobs::Journal::open(&dir, &profile)?;
    let query = history::Query {
        since_ms,
        cluster: args.cluster_name.clone(),
        all_profiles: args.all_profiles,
    };
    let rows = history::rows(&journal, &query)?;
    let text = match args.format {
        HistoryFormat::Table => history::to_table(&rows),
        HistoryFormat::Json => history::to_json(&rows),
        HistoryFormat::Csv => history::to_csv(&rows),
    };
    std::io::stdout().write_all(text.as_bytes())?;
    Ok(0)
}

/// `snapshots` and `checkpoints`: every failure, set-up ones too, is one JSON object on
/// stdout with `--format json`.
fn run_points(
    cli: &Cli,
    args: &atlas_restore::cli::PointsArgs,
    kind: atlas_restore::commands::points::Kind,
) -> Result<i32> {
    use atlas_restore::commands::points::{self, EXIT_SETUP, Window};
    let json = args.format == atlas_restore::cli::PointsFormat::Json;
    let setup = |message: String| points::setup_or(EXIT_SETUP, "setup", &message, json);
    let outcome = (|| {
        let cfg = match config::load(cli.config.as_deref(), &process_env) {
            Ok(cfg) => cfg,
            Err(e) => return setup(e.to_string()),
        };
        let profile = match cfg.profile(cli.profile.as_deref(), &process_env) {
            Ok(p) => p,
            Err(e) => return setup(e.to_string()),
        };
        let (Some(group), Some(cluster)) = (
            profile.group_id.as_deref(),
            args.cluster_name.as_deref().or(profile.cluster_name.as_deref()),
        ) else {
            return setup(format!(
                "profile {}: set group_id and cluster_name in it (or give --cluster-name)",
                profile.name
            ));
        };
        let now_ms = time::OffsetDateTime::now_utc().unix_timestamp() * 1000;
        let time = |flag: &str, text: &Option<String>| -> Result<Option<i64>, String> {
            text.as_deref()
                .map(|t| atlas_restore::restore::time_input::moment_ms(t, now_ms).map_err(|e| format!("{flag}: {e}")))
                .transpose()
        };
        let window = match (time("--before", &args.before), time("--after", &args.after)) {
            (Ok(before_ms), Ok(after_ms)) => Window {
                before_ms,
                after_ms,
                complete_only: args.complete,
            },
            (Err(e), _) | (_, Err(e)) => return setup(e),
        };
        logging::start(
            if kind == points::Kind::Snapshot {
                "snapshots"
            } else {
                "checkpoints"
            },
            &profile.name,
            &profile.base_url,
            profile.api.as_str(),
        );
        let listed = match (runtime(), AtlasClient::new(&profile.client_options())) {
            (Ok(rt), Ok(client)) => rt.block_on(points::list(&client, group, cluster, kind, window)),
            (Err(e), _) => return setup(format!("{e:#}")),
            (_, Err(e)) => Err(e),
        };
        points::render(listed, kind, json)
    })();
    std::io::stdout().write_all(outcome.stdout.as_bytes())?;
    std::io::stderr().write_all(outcome.stderr.as_bytes())?;
    Ok(outcome.exit_code)
}

fn run_jobs(cli: &Cli, args: &JobsArgs) -> Result<i32> {
    use atlas_restore::commands::jobs;
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    if args.all_profiles {
        return run_jobs_of_every_profile(&cfg, args.format, args.wide);
    }
    let profile = cfg.profile(cli.profile.as_deref(), &process_env)?;
    logging::start("jobs", &profile.name, &profile.base_url, profile.api.as_str());
    let dir = atlas_restore::jobs::journal::default_dir().context("no home directory for the job journal")?;
    let services = services(&profile, &dir)?;
    let listing = runtime()?.block_on(async {
        if args.all {
            let group = profile
                .group_id
                .as_deref()
                .context("--all needs the profile's group_id")?;
            let cluster = profile
                .cluster_name
                .as_deref()
                .context("--all needs the profile's cluster_name")?;
            // Atlas not answering is the same exit as without --all (3), not a set-up error.
            Ok::<_, anyhow::Error>(match jobs::all(&services, group, cluster).await {
                Ok(listing) => Ok(listing),
                // Each fault named for what it is: Atlas's, or this host's store.
                Err(atlas_restore::jobs::JobsError::Atlas(e)) => Err(jobs::Stale {
                    exit_code: atlas_restore::commands::exit::for_atlas(&e),
                    kind: atlas_restore::commands::points::atlas_kind(&e),
                    words: format!(
                        "could not list the cluster's restore jobs from Atlas: {}",
                        atlas_restore::text::sanitize(&e.to_string())
                    ),
                }),
                Err(e) => Err(jobs::Stale {
                    exit_code: atlas_restore::commands::exit::SETUP,
                    kind: "store",
                    words: atlas_restore::text::sanitize(&e.to_string()),
                }),
            })
        } else {
            Ok(Ok(jobs::tracked(&services, profile.group_id.as_deref()).await))
        }
    })?;
    let mut listing = match listing {
        Ok(listing) => listing,
        // Nothing to show: the why on stderr, and with --format json one object on stdout.
        Err(stale) => {
            if args.format == JobsFormat::Json {
                print!("{}", jobs::stale_json(&[], stale.kind, &stale.words));
            }
            eprintln!("atlas-restore jobs: {}", stale.words);
            return Ok(stale.exit_code);
        }
    };
    for l in &mut listing.jobs {
        l.profile = Some(profile.name.clone());
    }
    // Not fresh: with --format json one object with the error beside the copies.
    let text = match (args.format, &listing.stale) {
        (JobsFormat::Json, Some(stale)) => jobs::stale_json(&listing.jobs, stale.kind, &stale.words),
        (JobsFormat::Json, None) => jobs::to_json(&listing.jobs),
        (JobsFormat::Table, _) => jobs_table(&listing.jobs, false, args.wide),
    };
    std::io::stdout().write_all(text.as_bytes())?;
    say_lost(&listing.lost, args.format);
    Ok(match listing.stale {
        Some(stale) => {
            eprintln!("atlas-restore jobs: {}", stale.words);
            stale.exit_code
        }
        None => jobs::EXIT_OK,
    })
}

/// The lost submits, after the table (they are part of what the profile has), or on stderr
/// beside JSON, whose array holds jobs only.
fn say_lost(lost: &[String], format: JobsFormat) {
    for line in lost {
        match format {
            JobsFormat::Table => println!("{}", atlas_restore::text::sanitize(line)),
            JobsFormat::Json => eprintln!("atlas-restore jobs: {}", atlas_restore::text::sanitize(line)),
        }
    }
}

/// `jobs --all-profiles`: each profile of the config refreshed with its own keys; a profile
/// that cannot be opened or asked is said on stderr, and the exit is 1.
/// `jobs`' table: the columns that fit a terminal, or every column (`--wide`, a pipe, a file).
fn jobs_table(jobs: &[atlas_restore::commands::jobs::Listed], by_profile: bool, wide: bool) -> String {
    use std::io::IsTerminal;
    let width = (!wide && std::io::stdout().is_terminal())
        .then(|| ratatui::crossterm::terminal::size().ok())
        .flatten()
        .map(|(cols, _)| cols as usize);
    match width {
        Some(width) => atlas_restore::commands::jobs::to_table_fit(jobs, by_profile, width, Context::system_now_ms()),
        None => atlas_restore::commands::jobs::to_table(jobs, by_profile),
    }
}

fn run_jobs_of_every_profile(cfg: &config::Config, format: JobsFormat, wide: bool) -> Result<i32> {
    use atlas_restore::commands::jobs;
    let names: Vec<String> = cfg.summaries().into_iter().map(|s| s.name).collect();
    anyhow::ensure!(
        !names.is_empty(),
        "--all-profiles lists the config's profiles, and it has none: add [profiles.NAME] tables (atlas-restore config init)"
    );
    let dir = atlas_restore::jobs::journal::default_dir().context("no home directory for the job journal")?;
    logging::start("jobs", "(every profile)", "", "");
    let rt = runtime()?;
    let mut all = Vec::new();
    // Each profile that could not be opened or asked: its exit code, kind and words.
    let mut failed: Vec<jobs::Stale> = Vec::new();
    let mut lost: Vec<String> = Vec::new();
    for name in names {
        let opened = cfg
            .profile(Some(&name), &process_env)
            .map_err(anyhow::Error::from)
            .and_then(|p| Ok((services(&p, &dir)?, p)));
        let (services, profile) = match opened {
            Ok(o) => o,
            Err(e) => {
                eprintln!("atlas-restore jobs: profile {name}: {e:#}");
                failed.push(jobs::Stale {
                    exit_code: atlas_restore::commands::exit::SETUP,
                    kind: "setup",
                    words: format!("profile {name}: {e:#}"),
                });
                continue;
            }
        };
        let listing = rt.block_on(jobs::tracked(&services, profile.group_id.as_deref()));
        lost.extend(listing.lost.iter().map(|l| format!("profile {name}: {l}")));
        if let Some(stale) = listing.stale {
            eprintln!("atlas-restore jobs: profile {name}: {}", stale.words);
            failed.push(jobs::Stale {
                words: format!("profile {name}: {}", stale.words),
                ..stale
            });
        }
        all.extend(listing.jobs.into_iter().map(|l| jobs::Listed {
            profile: Some(name.clone()),
            ..l
        }));
    }
    let code = atlas_restore::commands::exit::first_that_applies(failed.iter().map(|f| f.exit_code));
    let text = match format {
        JobsFormat::Json if failed.is_empty() => jobs::to_json(&all),
        // The error of the profile that decides the exit code, and every one in words.
        JobsFormat::Json => {
            let kind = failed.iter().find(|f| f.exit_code == code).map_or("setup", |f| f.kind);
            let words: Vec<&str> = failed.iter().map(|f| f.words.as_str()).collect();
            jobs::stale_json(&all, kind, &words.join("; "))
        }
        JobsFormat::Table => jobs_table(&all, true, wide),
    };
    std::io::stdout().write_all(text.as_bytes())?;
    say_lost(&lost, format);
    Ok(code)
}

fn run_validate(args: ValidateArgs) -> Result<i32> {
    let api: ApiVersion = args.api.parse().map_err(anyhow::Error::msg)?;
    let flavor: Flavor = args.flavor.into();
    if flavor.is_public_api() && api != ApiVersion::V1 {
        anyhow::bail!(
            "--api {}: {} has one API version, v1.0 (/api/public/v1.0)",
            api.as_str(),
            flavor.product()
        );
    }
    let now_ms = match &args.now {
        Some(text) => validate::parse_now(text).map_err(anyhow::Error::msg)?,
        None => Context::system_now_ms(),
    };
    let (source, input) = read_input(args.file.as_deref())?;
    let opts = validate::Options {
        api,
        flavor,
        now_ms,
        cluster_type: args.cluster_type.map(|c| match c {
            ClusterTypeArg::Replicaset => ClusterType::ReplicaSet,
            ClusterTypeArg::Sharded => ClusterType::Sharded,
        }),
        group_id: args.group_id,
        cluster_name: args.cluster_name,
        json: args.format == Format::Json,
    };
    let outcome = validate::run(&source, &input, &opts);
    std::io::stdout().write_all(outcome.stdout.as_bytes())?;
    std::io::stderr().write_all(outcome.stderr.as_bytes())?;
    Ok(outcome.exit_code)
}

/// Sends one request body; every failure, set-up ones too, comes out in the chosen format.
fn run_submit(cli: &Cli, args: &SubmitArgs) -> Result<i32> {
    let json = args.format == Format::Json;
    let outcome = submit_outcome(cli, args).unwrap_or_else(|e| submit::setup_error(&format!("{e:#}"), json));
    if outcome.exit_code != 0 {
        // What the user was told: stderr, or the JSON's `error`.
        let said = match outcome.stderr.trim() {
            "" => serde_json::from_str::<serde_json::Value>(&outcome.stdout)
                .ok()
                .and_then(|v| v["error"].as_str().map(str::to_string))
                .unwrap_or_default(),
            text => text.to_string(),
        };
        tracing::warn!(code = outcome.exit_code, said = %atlas_restore::redact::scrub(&said), "submit not created");
    }
    std::io::stdout().write_all(outcome.stdout.as_bytes())?;
    std::io::stderr().write_all(outcome.stderr.as_bytes())?;
    Ok(outcome.exit_code)
}

fn submit_outcome(cli: &Cli, args: &SubmitArgs) -> Result<submit::Outcome> {
    let (source, input) = read_input(args.file.as_deref())?;
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    let profile = cfg.profile(cli.profile.as_deref(), &process_env)?;
    logging::start("submit", &profile.name, &profile.base_url, profile.api.as_str());
    let group_id = args
        .group_id
        .clone()
        .or_else(|| profile.group_id.clone())
        .with_context(|| {
            format!(
                "submit needs the source project: set group_id in the profile, or {}, or give --group-id",
                config::ENV_PROJECT_ID
            )
        })?;
    let cluster = args
        .cluster_name
        .clone()
        .or_else(|| profile.cluster_name.clone())
        .context("submit needs the source cluster: set cluster_name in the profile, or give --cluster-name")?;
    let dir = atlas_restore::jobs::journal::default_dir()
        .context("no home directory to keep the job journal in: set HOME (or XDG_DATA_HOME)")?;
    let services = services(&profile, &dir)?;
    let opts = submit::Options {
        group_id,
        cluster,
        api: profile.api,
        flavor: profile.flavor,
        now_ms: Context::system_now_ms(),
        confirm_erase: args.confirm_erase.clone(),
        allow_repeat: args.allow_repeat,
        json: args.format == Format::Json,
        wait: args.wait.wait.then(|| atlas_restore::jobs::wait::Wait {
            timeout: args.wait.timeout,
            interval: profile.poll_interval,
            progress: std::io::IsTerminal::is_terminal(&std::io::stderr()),
        }),
    };
    Ok(runtime()?.block_on(submit::run(&services, &source, &input, &opts)))
}

/// Downloads a job's file (every part of a batch); every failure, set-up ones too, comes out
/// in the chosen format. Ctrl-C stops it and keeps the part (exit status 3).
fn run_download(cli: &Cli, args: &atlas_restore::cli::DownloadArgs) -> Result<i32> {
    use atlas_restore::commands::download;
    let json = args.format == Format::Json;
    let outcome = download_outcome(cli, args).unwrap_or_else(|e| download::setup_error(&format!("{e:#}"), json));
    if outcome.exit_code != 0 {
        tracing::warn!(code = outcome.exit_code, said = %atlas_restore::redact::scrub(outcome.stderr.trim()), "download not verified");
    }
    std::io::stdout().write_all(outcome.stdout.as_bytes())?;
    std::io::stderr().write_all(outcome.stderr.as_bytes())?;
    Ok(outcome.exit_code)
}

fn download_outcome(
    cli: &Cli,
    args: &atlas_restore::cli::DownloadArgs,
) -> Result<atlas_restore::commands::download::Outcome> {
    use atlas_restore::commands::download;
    use std::io::IsTerminal;
    let cfg = config::load(cli.config.as_deref(), &process_env)?;
    let profile = cfg.profile(cli.profile.as_deref(), &process_env)?;
    logging::start("download", &profile.name, &profile.base_url, profile.api.as_str());
    let journal_dir = atlas_restore::jobs::journal::default_dir()
        .context("no home directory to keep the job journal in: set HOME (or XDG_DATA_HOME)")?;
    let services = services(&profile, &journal_dir)?;
    let json = args.format == Format::Json;
    runtime()?.block_on(async {
        use atlas_restore::jobs::folder;
        // --dir, else the config's download_dir, else the folder chosen in the dashboard, else
        // the one the dashboard would offer (a script is never asked).
        let dir = match &args.dir {
            Some(dir) => folder::expand_home(dir, folder::home().as_deref()),
            None => services
                .download_folder(profile.download_dir.as_deref(), config::default_download_dir())
                .await?
                .or_suggested()
                .to_path_buf(),
        };
        let opts = download::Options {
            id: args.id.trim().to_string(),
            group_id: profile.group_id.clone(),
            cluster: profile.cluster_name.clone(),
            dir,
            json,
            progress: !json && std::io::stderr().is_terminal(),
            wait: args.wait.wait.then(|| atlas_restore::jobs::wait::Wait {
                timeout: args.wait.timeout,
                interval: profile.poll_interval,
                progress: std::io::stderr().is_terminal(),
            }),
        };
        let cancel = atlas_restore::jobs::Cancel::new();
        let on_interrupt = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                on_interrupt.cancel();
            }
        });
        Ok(download::run(&services, &opts, &cancel).await)
    })
}

/// The body's bytes and a name for messages: from a file, or standard input for `-` or none.
fn read_input(file: Option<&std::path::Path>) -> Result<(String, Vec<u8>)> {
    Ok(match file {
        None => ("stdin".to_string(), read_stdin()?),
        Some(p) if p.as_os_str() == "-" => ("stdin".to_string(), read_stdin()?),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            (p.display().to_string(), bytes)
        }
    })
}

fn read_stdin() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .context("cannot read standard input")?;
    Ok(buf)
}
