//! The simulated Atlas: the legacy-backup part of the Admin API (clusters, snapshots,
//! checkpoints, restore jobs) on loopback, behind real Digest authentication, with jobs that
//! progress on a clock that runs as fast as asked, downloads that produce hashes, and fault
//! modes. `atlas-restore sim` runs it alone; `--demo` and the tests start it in-process.
//! Built with the `sim` feature (a default one).
//!
//! Where things are, from the wire inwards:
//!
//! - `routes.rs`: the map, which path goes to which handler behind which layers;
//! - `http/`: what is the same for every endpoint: Atlas's error shape, `pretty` and
//!   `envelope`, pages, and the Digest and fault middleware;
//! - `faults.rs`: the fault modes and the one table of what each does;
//! - `resources/`: the Admin API's endpoints (add one there), `rules/` what the server
//!   refuses in a restore job's body (its own reading of the API's documented rules, public
//!   so that tests can hold the client's engine against it), `create.rs` the checks of a
//!   creation against the project's data, `downloads.rs` the download host;
//! - the simulated world, with no HTTP in it: `data.rs` (the project, its snapshots and
//!   checkpoints), `jobs.rs` (a job's life), `clock.rs`, `archive.rs` (the download's
//!   bytes), `auth.rs` and `digest.rs` (Digest's nonces, arithmetic and grammar);
//! - this file: starting and stopping, and the state the handlers share.

mod archive;
mod auth;
mod clock;
mod create;
pub mod data;
pub mod digest;
mod downloads;
mod faults;
mod http;
pub mod jobs;
mod resources;
mod routes;
pub mod rules;
mod spoils;

pub use faults::{FAULT_NAMES, Fault, Hostile, Mishap, REFUSED_ADDRESS};
pub use jobs::AUTH_HEADER;

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How the simulator is set up.
#[derive(Clone)]
pub struct SimConfig {
    /// The API key's public part: the Digest user name.
    pub public_key: String,
    /// The API key's private part: the Digest password.
    pub private_key: String,
    /// Simulated seconds per real second: 60 makes a one-minute restore take one second.
    pub speed: f64,
    /// How many times faster restores go than the clock says they should: the demo's clock
    /// keeps this host's time (times on screen agree with the host's, a typed `-90m` stays
    /// put) while its restores finish in seconds. 1: as the clock goes.
    pub restore_speed: f64,
    /// How long a nonce stays fresh, in real time.
    pub nonce_lifetime: Duration,
    /// Which product it plays: Atlas (`/api/atlas/...`, clusters by name), Cloud Manager or
    /// Ops Manager (`/api/public/v1.0`, clusters by id, their rules).
    pub flavor: crate::restore::Flavor,
    /// The size of the big data file in each new job's archive (`--archive-size`); default:
    /// a few hundred KB. The archive is made as it is served, so gigabytes cost no memory.
    pub archive_bytes: Option<u64>,
}

impl Default for SimConfig {
    /// A throwaway key pair shaped like Atlas's: 8 lower-case letters, and a UUID.
    fn default() -> SimConfig {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let public_key: String = (0..8).map(|_| rng.gen_range(b'a'..=b'z') as char).collect();
        let hexes = jobs::secret(16);
        let private_key = format!(
            "{}-{}-{}-{}-{}",
            &hexes[..8],
            &hexes[8..12],
            &hexes[12..16],
            &hexes[16..20],
            &hexes[20..]
        );
        SimConfig {
            public_key,
            private_key,
            speed: 1.0,
            restore_speed: 1.0,
            nonce_lifetime: Duration::from_secs(300),
            flavor: crate::restore::Flavor::Atlas,
            archive_bytes: None,
        }
    }
}

impl std::fmt::Debug for SimConfig {
    // The private key never reaches a log, even the simulator's throwaway one.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SimConfig")
            .field("public_key", &self.public_key)
            .field("private_key", &"****")
            .field("speed", &self.speed)
            .field("restore_speed", &self.restore_speed)
            .field("nonce_lifetime", &self.nonce_lifetime)
            .field("flavor", &self.flavor)
            .field("archive_bytes", &self.archive_bytes)
            .finish()
    }
}

/// Why the simulator did not start.
#[derive(Debug, thiserror::Error)]
pub enum SimError {
    #[error(
        "the simulator listens on loopback addresses only (127.0.0.0/8 or ::1), not {0}: use --listen 127.0.0.1:PORT"
    )]
    NotLoopback(SocketAddr),
    #[error("speed {0} is not a positive number: use 1 for real time, 60 for a minute per second")]
    BadSpeed(f64),
    #[error("the key pair is incomplete: give both a public and a private key")]
    EmptyKey,
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A cluster of the seeded project, as `startup_line` lists them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimCluster {
    pub name: String,
    pub id: String,
    /// `REPLICASET` or `SHARDED`.
    pub cluster_type: String,
}

/// What the simulator has seen: for tests that count round trips and polls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Counters {
    /// Every HTTP request, API and downloads.
    pub requests: u64,
    /// 401 answers with a Digest challenge (missing, wrong or stale credentials).
    pub challenges: u64,
    /// The part of `challenges` where credentials were sent but wrong: key, digest, uri, or
    /// a replayed nonce count.
    pub auth_failures: u64,
    /// The part of `challenges` answered with `stale=true`.
    pub stale_nonces: u64,
    /// Authenticated `GET .../restoreJobs` (list pages).
    pub restore_job_lists: u64,
    /// Authenticated `GET .../restoreJobs/{id}`.
    pub restore_job_gets: u64,
    /// Authenticated `POST .../restoreJobs` that made jobs.
    pub restore_job_creates: u64,
    /// Authenticated `POST .../restoreJobs/restorableTimeRanges` answered (Cloud and Ops
    /// Manager): reads, never creates.
    pub restorable_time_ranges: u64,
    /// Downloads served (each counts against the job's `maxDownloads`).
    pub downloads: u64,
    /// Downloads resumed with `Range` (206; not counted in `downloads`).
    pub ranged_downloads: u64,
    /// Authenticated API requests by method and path without query:
    /// `"GET /api/atlas/v1.0/groups/.../restoreJobs"`.
    pub by_path: BTreeMap<String, u64>,
}

/// What changes while the simulator runs.
#[derive(Debug, Default)]
pub(crate) struct State {
    pub fault: Option<Fault>,
    pub counters: Counters,
    pub nonces: auth::NonceBook,
    pub jobs: Vec<jobs::Job>,
    pub ids: jobs::IdMaker,
}

/// Everything the handlers share.
#[derive(Debug)]
pub(crate) struct Shared {
    pub cfg: SimConfig,
    pub base_url: String,
    pub clock: clock::Clock,
    pub clusters: Vec<data::Cluster>,
    state: Mutex<State>,
}

impl Shared {
    /// The state; a panic elsewhere while it was held leaves it usable (its data stays
    /// consistent: every change is a single push or field write).
    pub fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn now_ms(&self) -> i64 {
        self.clock.now_ms()
    }

    pub fn cluster(&self, name: &str) -> Option<&data::Cluster> {
        self.clusters.iter().find(|c| c.name == name)
    }
}

/// A running simulator. Dropping it stops the server too; `shutdown` waits for that.
pub struct Sim {
    shared: Arc<Shared>,
    addr: SocketAddr,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl Sim {
    /// Starts the server on `listen` (port 0: a free port). Loopback addresses only: the
    /// simulator has a throwaway key and no business on a network.
    pub async fn start(listen: SocketAddr, cfg: SimConfig) -> Result<Sim, SimError> {
        if !listen.ip().is_loopback() {
            return Err(SimError::NotLoopback(listen));
        }
        if !(cfg.speed.is_finite() && cfg.speed > 0.0) {
            return Err(SimError::BadSpeed(cfg.speed));
        }
        if !(cfg.restore_speed.is_finite() && cfg.restore_speed > 0.0) {
            return Err(SimError::BadSpeed(cfg.restore_speed));
        }
        if cfg.public_key.is_empty() || cfg.private_key.is_empty() {
            return Err(SimError::EmptyKey);
        }
        let bind_err = |source| SimError::Bind { addr: listen, source };
        let listener = tokio::net::TcpListener::bind(listen).await.map_err(bind_err)?;
        let addr = listener.local_addr().map_err(bind_err)?;
        let shared = Arc::new(Shared {
            base_url: format!("http://{addr}"),
            clock: clock::Clock::new(clock::wall_ms(), cfg.speed),
            clusters: data::clusters(),
            cfg,
            state: Mutex::new(State::default()),
        });
        let app = routes::router(shared.clone());
        let (stop, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            let serve = axum::serve(listener, app).with_graceful_shutdown(async move {
                let _ = stopped.await;
            });
            if let Err(e) = serve.await {
                eprintln!("atlas-restore sim: the server stopped: {e}");
            }
        });
        Ok(Sim {
            shared,
            addr,
            stop: Some(stop),
            task: Some(task),
        })
    }

    /// `http://127.0.0.1:PORT`, without a trailing slash.
    pub fn base_url(&self) -> String {
        self.shared.base_url.clone()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn public_key(&self) -> &str {
        &self.shared.cfg.public_key
    }

    pub fn private_key(&self) -> &str {
        &self.shared.cfg.private_key
    }

    /// The product it plays.
    pub fn flavor(&self) -> crate::restore::Flavor {
        self.shared.cfg.flavor
    }

    /// The seeded project's id.
    pub fn group_id(&self) -> &str {
        data::GROUP_ID
    }

    pub fn clusters(&self) -> Vec<SimCluster> {
        self.shared
            .clusters
            .iter()
            .map(|c| SimCluster {
                name: c.name.clone(),
                id: c.id.clone(),
                cluster_type: c.cluster_type.as_api().to_string(),
            })
            .collect()
    }

    /// Switches a fault on (or off with `None`) for the requests that follow.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.shared.state().fault = fault;
    }

    pub fn counters(&self) -> Counters {
        self.shared.state().counters.clone()
    }

    /// Moves the simulated clock forward: jobs progress, links expire, snapshots come and go.
    /// Nonces age in real time only.
    pub fn advance(&self, d: Duration) {
        self.shared.clock.advance(d);
    }

    /// The simulated time now, epoch milliseconds: what a point in time is checked against.
    pub fn now_ms(&self) -> i64 {
        self.shared.now_ms()
    }

    /// What `atlas-restore sim` prints first: how to reach and log into this simulator.
    pub(crate) fn startup_line(&self) -> serde_json::Value {
        let clusters: Vec<serde_json::Value> = self
            .clusters()
            .into_iter()
            .map(|c| serde_json::json!({"name": c.name, "id": c.id, "clusterType": c.cluster_type}))
            .collect();
        let mut line = serde_json::json!({
            "base_url": self.base_url(),
            "public_key": self.public_key(),
            "private_key": self.private_key(),
            "group_id": self.group_id(),
            "clusters": clusters,
        });
        // Playing Cloud or Ops Manager, it says so, and where their API starts.
        let flavor = self.flavor();
        if flavor.is_public_api() {
            line["flavor"] = serde_json::json!(flavor.as_str());
            line["api_prefix"] = serde_json::json!(flavor.path_prefix(crate::restore::ApiVersion::V1));
        }
        line
    }

    /// Stops accepting, lets answers in flight finish (2 s at most), and returns.
    pub async fn shutdown(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(mut task) = self.task.take()
            && tokio::time::timeout(Duration::from_secs(2), &mut task).await.is_err()
        {
            task.abort();
        }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

impl std::fmt::Debug for Sim {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sim")
            .field("base_url", &self.shared.base_url)
            .finish_non_exhaustive()
    }
}
