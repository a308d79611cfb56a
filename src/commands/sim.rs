//! `atlas-restore sim`: the simulated Atlas alone, for scripts, peers and other programs.
//! Its first line on stdout is one JSON object saying how to reach it; it then serves until
//! SIGINT or SIGTERM.
//!
//! The simulator is the `sim` feature (a default one). A binary built without it still
//! takes `sim` (with any arguments) and `--demo`, and says what to do instead
//! (`not_built_in`), exit status 2.

use anyhow::Result;

/// What `sim` and `--demo` do in a binary built without the simulator: say so, and how to
/// get it; exit status 2.
pub fn not_built_in(what: &str) -> Result<i32> {
    eprintln!("atlas-restore {what}: {NOT_BUILT_IN}");
    Ok(2)
}

pub(crate) const NOT_BUILT_IN: &str = "the simulated Atlas is not built into this binary (it was built without \
    the `sim` feature, as --no-default-features does): rebuild it with the default features, \
    cargo build --release (or add --features sim)";

#[cfg(feature = "sim")]
pub use built_in::run;

#[cfg(feature = "sim")]
mod built_in {
    use super::Result;
    use crate::sim::{Fault, Sim, SimConfig};
    use anyhow::Context as _;
    use std::io::Write;
    use std::net::SocketAddr;

    /// Serves the simulator on `listen` until SIGINT or SIGTERM; the exit status.
    pub fn run(listen: SocketAddr, config: SimConfig, fault: Option<Fault>) -> Result<i32> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .context("cannot start the async runtime")?;
        runtime.block_on(serve(listen, config, fault))
    }

    async fn serve(listen: SocketAddr, config: SimConfig, fault: Option<Fault>) -> Result<i32> {
        let speed = config.speed;
        let sim = Sim::start(listen, config).await?;
        sim.set_fault(fault.clone());
        let mut out = std::io::stdout().lock();
        writeln!(out, "{}", sim.startup_line())
            .and_then(|()| out.flush())
            .context("cannot write the startup line")?;
        drop(out);
        let fault = fault.as_ref().map_or(String::new(), |f| format!(", fault {f}"));
        eprintln!(
            "atlas-restore sim: serving {} as {} (speed {}{fault}); Ctrl-C stops it",
            sim.base_url(),
            sim.flavor().product(),
            speed
        );
        stopped().await;
        sim.shutdown().await;
        eprintln!("atlas-restore sim: stopped");
        Ok(0)
    }

    /// Waits for SIGINT or SIGTERM.
    async fn stopped() {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            if let Ok(mut term) = signal(SignalKind::terminate()) {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
                return;
            }
        }
        let _ = tokio::signal::ctrl_c().await;
    }
}
