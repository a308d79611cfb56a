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

/// The source cluster's topology, as Atlas reports it in `clusterType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterType {
    ReplicaSet,
    /// `SHARDED` and `GEOSHARDED` alike.
    Sharded,
}

impl ClusterType {
    /// Reads Atlas's `clusterType` (`REPLICASET`, `SHARDED`, `GEOSHARDED`) or the CLI's
    /// lower-case spelling.
    pub fn from_api(s: &str) -> Option<ClusterType> {
        match s.trim().to_ascii_uppercase().as_str() {
            "REPLICASET" | "REPLICA_SET" => Some(ClusterType::ReplicaSet),
            "SHARDED" | "GEOSHARDED" => Some(ClusterType::Sharded),
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
    /// Known once the source cluster has been looked up; `None` skips the topology rules.
    pub source_cluster_type: Option<ClusterType>,
    /// The source project (`{GROUP-ID}`), as typed or configured.
    pub source_group_id: Option<String>,
    /// The source cluster (`{CLUSTER-NAME}`), as typed or configured.
    pub source_cluster_name: Option<String>,
    /// The source cluster's id, when known, to recognise a target given by id.
    pub source_cluster_id: Option<String>,
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

/// Where "now" comes from (epoch ms): the system's clock, or a test's. The layers below the
/// edge take one rather than read the system's, so that time can be set in a test.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

/// The system's clock.
pub fn system_clock() -> Clock {
    std::sync::Arc::new(Context::system_now_ms)
}
