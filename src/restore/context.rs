//! What the rules need to know besides the draft itself.

/// Which generation of the Admin API the request goes to. The body is encoded differently
/// for each (see `body.rs`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum ApiVersion {
    /// `/api/atlas/v1.0`, `application/json`: `oplogTs` and `oplogInc` are JSON strings.
    #[default]
    V1,
    /// `/api/atlas/v2`, `application/vnd.atlas.2023-01-01+json`: `oplogTs` is an ISO-8601 UTC
    /// string, `oplogInc` an integer.
    V2,
}

impl ApiVersion {
    pub const fn as_str(self) -> &'static str {
        match self {
            ApiVersion::V1 => "v1.0",
            ApiVersion::V2 => "v2",
        }
    }

    /// Path prefix under the base URL.
    pub const fn path_prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/atlas/v1.0",
            ApiVersion::V2 => "/api/atlas/v2",
        }
    }

    /// The media type for `Accept` and `Content-Type`.
    pub const fn media_type(self) -> &'static str {
        match self {
            ApiVersion::V1 => "application/json",
            ApiVersion::V2 => "application/vnd.atlas.2023-01-01+json",
        }
    }
}

impl std::str::FromStr for ApiVersion {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim() {
            "v1.0" | "v1" | "1.0" => Ok(ApiVersion::V1),
            "v2" | "2" => Ok(ApiVersion::V2),
            other => Err(format!("unknown API version {other:?}: use \"v1.0\" or \"v2\"")),
        }
    }
}

/// Which product's Admin API a profile talks to. The three share the legacy restore API's
/// shape but not its paths nor all of its rules (`docs/ops-manager-decisions.md`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub enum Flavor {
    /// MongoDB Atlas: `/api/atlas/v1.0` (or `v2`), clusters by name.
    #[default]
    Atlas,
    /// Cloud Manager: `https://cloud.mongodb.com/api/public/v1.0`, clusters by id.
    CloudManager,
    /// Ops Manager, on premises: `https://HOST:PORT/api/public/v1.0`, clusters by id.
    OpsManager,
}

impl Flavor {
    pub const ALL: [Flavor; 3] = [Flavor::Atlas, Flavor::CloudManager, Flavor::OpsManager];

    /// The name profiles and `--flavor` use.
    pub const fn as_str(self) -> &'static str {
        match self {
            Flavor::Atlas => "atlas",
            Flavor::CloudManager => "cloud-manager",
            Flavor::OpsManager => "ops-manager",
        }
    }

    /// The product's name, for messages: "Ops Manager".
    pub const fn product(self) -> &'static str {
        match self {
            Flavor::Atlas => "Atlas",
            Flavor::CloudManager => "Cloud Manager",
            Flavor::OpsManager => "Ops Manager",
        }
    }

    /// The public API of Cloud Manager and Ops Manager (`/api/public/v1.0`): clusters keyed by
    /// id, checkpoints at `checkpoints`, targets by `targetClusterId` only.
    pub const fn is_public_api(self) -> bool {
        !matches!(self, Flavor::Atlas)
    }

    /// Where the API lives when a profile does not say: Ops Manager has no such place.
    pub const fn default_base_url(self) -> Option<&'static str> {
        match self {
            Flavor::Atlas | Flavor::CloudManager => Some("https://cloud.mongodb.com"),
            Flavor::OpsManager => None,
        }
    }

    /// The path prefix under the base URL for this product and API version. Cloud Manager
    /// and Ops Manager have one version, `/api/public/v1.0`.
    pub const fn path_prefix(self, api: ApiVersion) -> &'static str {
        match self {
            Flavor::Atlas => api.path_prefix(),
            Flavor::CloudManager | Flavor::OpsManager => "/api/public/v1.0",
        }
    }

    /// The path segment of a sharded cluster's checkpoints.
    pub const fn checkpoints_segment(self) -> &'static str {
        match self {
            Flavor::Atlas => "backupCheckpoints",
            Flavor::CloudManager | Flavor::OpsManager => "checkpoints",
        }
    }
}

impl std::fmt::Display for Flavor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Flavor {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "atlas" => Ok(Flavor::Atlas),
            "cloud-manager" | "cloudmanager" => Ok(Flavor::CloudManager),
            "ops-manager" | "opsmanager" => Ok(Flavor::OpsManager),
            _ => Err(format!(
                "unknown flavor {s:?}: use \"atlas\", \"cloud-manager\" or \"ops-manager\""
            )),
        }
    }
}

/// The source cluster's topology, as Atlas reports it in `clusterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterType {
    ReplicaSet,
    /// `SHARDED` and `GEOSHARDED` alike.
    Sharded,
}

impl ClusterType {
    /// Reads Atlas's `clusterType` (`REPLICASET`, `SHARDED`, `GEOSHARDED`), Cloud and Ops
    /// Manager's `typeName` (`REPLICA_SET`, `SHARDED_REPLICA_SET`, `SHARDED`), or the CLI's
    /// lower-case spelling. A shard's or config server's own entry is not a cluster to restore.
    pub(crate) fn from_api(s: &str) -> Option<ClusterType> {
        match s.trim().to_ascii_uppercase().as_str() {
            "REPLICASET" | "REPLICA_SET" => Some(ClusterType::ReplicaSet),
            "SHARDED" | "GEOSHARDED" | "SHARDED_REPLICA_SET" => Some(ClusterType::Sharded),
            _ => None,
        }
    }

    pub const fn as_api(self) -> &'static str {
        match self {
            ClusterType::ReplicaSet => "REPLICASET",
            ClusterType::Sharded => "SHARDED",
        }
    }
}

/// Everything outside the draft that a rule looks at.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Context {
    /// The current time, epoch milliseconds: the 24-hour window of a point in time hangs on it.
    pub now_ms: i64,
    pub api: ApiVersion,
    /// The product: Cloud Manager and Ops Manager differ from Atlas in some rules.
    pub flavor: Flavor,
    /// The ranges a point in time can be restored from, where the server answers
    /// `restorableTimeRanges` (Ops Manager, Cloud Manager): they replace the 24-hour window.
    pub restorable_ranges: Option<Vec<RestorableRange>>,
    /// Known once the source cluster has been looked up; `None` skips the topology rules.
    pub source_cluster_type: Option<ClusterType>,
    /// The source project (`{GROUP-ID}`), as typed or configured.
    pub source_group_id: Option<String>,
    /// The source cluster (`{CLUSTER-NAME}`), as typed or configured.
    pub source_cluster_name: Option<String>,
    /// The source cluster's id, when known, to recognise a target given by id.
    pub source_cluster_id: Option<String>,
    /// What Atlas lists of the source and the target, as far as it was asked.
    pub catalog: super::catalog::Catalog,
}

impl Context {
    pub fn at(now_ms: i64) -> Context {
        Context {
            now_ms,
            ..Context::default()
        }
    }

    /// The current wall-clock time in epoch milliseconds.
    pub fn system_now_ms() -> i64 {
        let now = time::OffsetDateTime::now_utc();
        (now.unix_timestamp_nanos() / 1_000_000) as i64
    }
}

/// One range a point in time can be restored from, as `restorableTimeRanges` answers it, in
/// epoch milliseconds (both ends included).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestorableRange {
    pub start_ms: i64,
    pub end_ms: i64,
    /// The snapshot the range starts from, when the server names it.
    pub snapshot_id: Option<String>,
}

/// Where "now" comes from (epoch ms): the system's clock, or a test's. The layers below the
/// edge take one rather than read the system's, so that time can be set in a test.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system's clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(Context::system_now_ms)
}
