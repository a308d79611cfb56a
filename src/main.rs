#![forbid(unsafe_code)]

use anyhow::{Context as _, Result};
use atlas_restore::cli::{Cli, ClusterTypeArg, Command, Format, ValidateArgs};
use atlas_restore::commands::validate;
use atlas_restore::restore::{ApiVersion, ClusterType, Context};
use clap::Parser;
use std::io::{Read, Write};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Some(Command::Validate(args)) => run_validate(args),
        Some(Command::Sim(args)) => atlas_restore::commands::sim::run(args),
        None => {
            eprintln!(
                "atlas-restore: the dashboard is not built yet. Today `atlas-restore validate` works; see README.md."
            );
            Ok(2)
        }
    };
    match result {
        Ok(code) => ExitCode::from(code as u8),
        Err(e) => {
            eprintln!("atlas-restore: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn run_validate(args: ValidateArgs) -> Result<i32> {
    let api: ApiVersion = args.api.parse().map_err(anyhow::Error::msg)?;
    let now_ms = match &args.now {
        Some(text) => validate::parse_now(text).map_err(anyhow::Error::msg)?,
        None => Context::system_now_ms(),
    };
    let (source, input) = match args.file.as_deref() {
        None => ("stdin".to_string(), read_stdin()?),
        Some(p) if p.as_os_str() == "-" => ("stdin".to_string(), read_stdin()?),
        Some(p) => {
            let bytes = std::fs::read(p).with_context(|| format!("cannot read {}", p.display()))?;
            (p.display().to_string(), bytes)
        }
    };
    let opts = validate::Options {
        api,
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

fn read_stdin() -> Result<Vec<u8>> {
    let mut buf = Vec::new();
    std::io::stdin()
        .read_to_end(&mut buf)
        .context("cannot read standard input")?;
    Ok(buf)
}
