//! What Atlas answers, read leniently (`../shared/atlas/api.md`, "Decisions"): unknown fields
//! are ignored, absent ones are `None`, ids need not be hex, numbers may come as strings, and
//! statuses are open sets kept as the text that came.

use super::lenient::{date_of, lenient_date, lenient_i64, null_as_default, timestamp_or_date};
pub use super::status::{DeliveryStatus, JobStatus};
use crate::secret::SecretString;
use crate::text::Clean;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// `{links, results, totalCount}`, the shape of every list and of create's answer.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", bound(deserialize = "T: Deserialize<'de>"))]
pub struct Page<T> {
    #[serde(default, deserialize_with = "null_as_default")]
    pub links: Vec<Link>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub results: Vec<T>,
    #[serde(default, deserialize_with = "lenient_i64")]
    pub total_count: Option<i64>,
}

impl<T> Page<T> {
    /// The `next` link, when there is one.
    pub(crate) fn next_href(&self) -> Option<&str> {
        self.links.iter().find(|l| l.rel == "next").map(|l| l.href.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct Link {
    pub href: Clean,
    pub rel: Clean,
}

/// `{date, increment}`: a BSON timestamp as the API writes it. Read leniently: `date` as an
/// ISO-8601 string (every example) or a number of epoch seconds (what the Public API
/// Principles page says), kept as the ISO string; `increment` as a number or a string.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct BsonTimestamp {
    #[serde(deserialize_with = "lenient_date")]
    pub date: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    pub increment: Option<i64>,
}

impl BsonTimestamp {
    /// The date in epoch milliseconds, when it reads as a UTC time.
    pub fn date_ms(&self) -> Option<i64> {
        let date = self.date.as_deref()?;
        crate::restore::time_input::parse_iso_utc(date).map(|(ms, _)| ms)
    }
}

/// One range `restorableTimeRanges` answers (Cloud and Ops Manager).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RestorableTimeRange {
    #[serde(deserialize_with = "timestamp_or_date")]
    pub start: Option<BsonTimestamp>,
    #[serde(deserialize_with = "timestamp_or_date")]
    pub end: Option<BsonTimestamp>,
    pub snapshot_id: Option<Clean>,
    /// Sharded clusters only.
    #[serde(deserialize_with = "lenient_i64")]
    pub shard_count: Option<i64>,
    pub config_server_type: Option<Clean>,
}

impl RestorableTimeRange {
    /// The range in the domain's terms; `None` when an end is missing or unreadable.
    pub fn to_range(&self) -> Option<crate::restore::RestorableRange> {
        let start_ms = self.start.as_ref()?.date_ms()?;
        let end_ms = self.end.as_ref()?.date_ms()?;
        (start_ms <= end_ms).then(|| crate::restore::RestorableRange {
            start_ms,
            end_ms,
            snapshot_id: self.snapshot_id.as_deref().map(str::to_string),
        })
    }
}

/// One restore job (`BackupRestoreJob`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct RestoreJob {
    pub id: Clean,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub batch_id: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<Clean>,
    #[serde(deserialize_with = "date_of", skip_serializing_if = "Option::is_none")]
    pub created: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delivery: Option<Delivery>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub encryption_enabled: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group_id: Option<Clean>,
    /// Present only after the file has been downloaded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<FileHash>>,
    #[serde(rename = "masterKeyUUID", skip_serializing_if = "Option::is_none")]
    pub master_key_uuid: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub point_in_time: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub snapshot_id: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<JobStatus>,
    #[serde(deserialize_with = "timestamp_or_date", skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<BsonTimestamp>,
}

/// `delivery` of a job. Read through `DeliveryWire`, which makes Ops Manager's
/// `authBearer` into the header value a download sends (`docs/ops-manager-decisions.md`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default, from = "DeliveryWire")]
pub struct Delivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_name: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<DeliveryStatus>,
    /// Deprecated by Atlas: the verification key is in the URL itself. A download
    /// credential like `auth_value`: kept in memory, never written (the journal, `jobs
    /// --format json`); read from old journals that hold it, it is dropped
    /// (`RestoreJob::drop_unwritten`).
    #[serde(skip_serializing)]
    pub url: Option<Clean>,
    /// Preferred: needs `authHeader: authValue` on the download.
    #[serde(rename = "urlV2", skip_serializing_if = "Option::is_none")]
    pub url_v2: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_header: Option<Clean>,
    /// A download credential: masked on screen and never written to the journal. With
    /// Ops Manager's `authBearer`, the whole header value (`Bearer <token>`).
    #[serde(skip_serializing)]
    pub auth_value: Option<SecretString>,
    /// Ops Manager's `authBearer`, as it came: the scheme (`Bearer`, as documented) or, it
    /// may be, the token itself. Never written down.
    #[serde(skip_serializing)]
    pub auth_bearer: Option<SecretString>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64", skip_serializing_if = "Option::is_none")]
    pub expiration_hours: Option<i64>,
    #[serde(deserialize_with = "lenient_i64", skip_serializing_if = "Option::is_none")]
    pub max_downloads: Option<i64>,
    /// An automated restore's target, where Atlas names it (its `methodName` still says `HTTP`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_group_id: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_cluster_name: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target_cluster_id: Option<Clean>,
}

/// `delivery` as it comes, before `authBearer` is folded into the header value.
#[derive(Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
struct DeliveryWire {
    method_name: Option<Clean>,
    status_name: Option<DeliveryStatus>,
    url: Option<Clean>,
    #[serde(rename = "urlV2")]
    url_v2: Option<Clean>,
    auth_header: Option<Clean>,
    auth_value: Option<SecretString>,
    auth_bearer: Option<SecretString>,
    expires: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    expiration_hours: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    max_downloads: Option<i64>,
    target_group_id: Option<Clean>,
    target_cluster_name: Option<Clean>,
    target_cluster_id: Option<Clean>,
}

impl From<DeliveryWire> for Delivery {
    /// Ops Manager names the download's header `Authorization` and gives `authBearer`:
    /// documented as the scheme word (`"Bearer"`, the token in `authValue`), it is read as
    /// the token itself when it is anything else. Either way `auth_value` becomes the whole
    /// header value, `Bearer <token>`; a scheme without a token leaves no header (and the
    /// download falls back to `url`).
    fn from(w: DeliveryWire) -> Delivery {
        let bearer_value = |token: &str| {
            let token = token.trim();
            if token.len() > 7 && token[..7].eq_ignore_ascii_case("bearer ") {
                SecretString::new(token)
            } else {
                SecretString::new(format!("Bearer {token}"))
            }
        };
        let (mut auth_header, mut auth_value) = (w.auth_header, w.auth_value);
        if let Some(bearer) = &w.auth_bearer {
            let scheme_only = bearer.expose().trim().eq_ignore_ascii_case("bearer");
            auth_value = match (scheme_only, &auth_value) {
                (true, Some(value)) => Some(bearer_value(value.expose())),
                (true, None) => None,
                (false, Some(value)) => Some(bearer_value(value.expose())),
                (false, None) => Some(bearer_value(bearer.expose())),
            };
            if auth_value.is_some() && auth_header.is_none() {
                auth_header = Some(Clean::new("Authorization"));
            }
        }
        Delivery {
            method_name: w.method_name,
            status_name: w.status_name,
            url: w.url,
            url_v2: w.url_v2,
            auth_header,
            auth_value,
            auth_bearer: w.auth_bearer,
            expires: w.expires,
            expiration_hours: w.expiration_hours,
            max_downloads: w.max_downloads,
            target_group_id: w.target_group_id,
            target_cluster_name: w.target_cluster_name,
            target_cluster_id: w.target_cluster_id,
        }
    }
}

/// Ops Manager 6.0's documented create answer puts `url` and `urlV2` beside `results`
/// rather than in the job's `delivery`: with a single job that lacks them, they are moved
/// into it (a lenient reader of what is probably a mistake of the docs).
pub fn hoist_page_urls(page: &mut Value) -> bool {
    let Some(map) = page.as_object_mut() else {
        return false;
    };
    let moved: Vec<(String, Value)> = ["url", "urlV2"]
        .into_iter()
        .filter_map(|k| map.get(k).filter(|v| v.is_string()).map(|v| (k.to_string(), v.clone())))
        .collect();
    let Some(Value::Array(results)) = map.get_mut("results") else {
        return false;
    };
    let [job] = results.as_mut_slice() else {
        return false;
    };
    let Some(job) = job.as_object_mut() else {
        return false;
    };
    let delivery = job
        .entry("delivery")
        .or_insert_with(|| Value::Object(serde_json::Map::new()));
    let Some(delivery) = delivery.as_object_mut() else {
        return false;
    };
    let mut any = false;
    for (k, v) in moved {
        if !delivery.contains_key(&k) {
            delivery.insert(k, v);
            any = true;
        }
    }
    any
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase", default)]
pub struct FileHash {
    pub file_name: Option<Clean>,
    pub hash: Option<Clean>,
    pub type_name: Option<Clean>,
}

/// A legacy snapshot (`BackupSnapshot`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Snapshot {
    pub id: Clean,
    pub cluster_id: Option<Clean>,
    pub cluster_name: Option<Clean>,
    pub group_id: Option<Clean>,
    pub complete: Option<bool>,
    /// `{date, increment}` here (a job's `created` is a plain string): either is read.
    #[serde(deserialize_with = "timestamp_or_date")]
    pub created: Option<BsonTimestamp>,
    pub expires: Option<Clean>,
    pub do_not_delete: Option<bool>,
    pub incremental: Option<bool>,
    #[serde(deserialize_with = "null_as_default")]
    pub parts: Vec<SnapshotPart>,
}

impl Snapshot {
    /// The sum of the parts' data sizes, when any part reports one.
    pub fn data_size_bytes(&self) -> Option<i64> {
        let sizes: Vec<i64> = self.parts.iter().filter_map(|p| p.data_size_bytes).collect();
        (!sizes.is_empty()).then(|| sizes.iter().sum())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct SnapshotPart {
    pub replica_set_name: Option<Clean>,
    pub type_name: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    pub data_size_bytes: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub file_size_bytes: Option<i64>,
    #[serde(deserialize_with = "lenient_i64")]
    pub storage_size_bytes: Option<i64>,
    pub mongod_version: Option<Clean>,
}

/// A sharded cluster's checkpoint (`ApiAtlasCheckpoint`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Checkpoint {
    pub id: Clean,
    pub cluster_id: Option<Clean>,
    pub group_id: Option<Clean>,
    /// Times as ISO strings, as every example gives them; an old table types them as BSON
    /// timestamps, whose date is read (`date_of`).
    #[serde(deserialize_with = "date_of")]
    pub completed: Option<Clean>,
    #[serde(deserialize_with = "date_of")]
    pub started: Option<Clean>,
    #[serde(deserialize_with = "date_of")]
    pub timestamp: Option<Clean>,
    pub restorable: Option<bool>,
    /// Per shard and config server: whether its token was found, and when.
    #[serde(deserialize_with = "null_as_default", skip_serializing_if = "Vec::is_empty")]
    pub parts: Vec<CheckpointPart>,
}

/// One replica set (or, in old sharded clusters, mirrored config server) of a checkpoint.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct CheckpointPart {
    pub replica_set_name: Option<Clean>,
    pub shard_name: Option<Clean>,
    /// `REPLICA_SET`, `CONFIG_SERVER_REPLICA_SET`, or the mirrored `CONFIG_SERVER`.
    pub type_name: Option<Clean>,
    /// A mirrored config server's host.
    pub host_id: Option<Clean>,
    pub token_discovered: Option<bool>,
    #[serde(deserialize_with = "timestamp_or_date")]
    pub token_timestamp: Option<BsonTimestamp>,
}

/// A project (`GET /groups`): what `config init` offers to pick from.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    pub id: Clean,
    pub name: Option<Clean>,
    pub org_id: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    pub cluster_count: Option<i64>,
}

/// One project of Ops Manager's `GET /clusters` (every project the key sees), with its
/// clusters in that list's own shape (`clusterId`, `type: "replica set"`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ProjectClusters {
    pub group_id: Option<Clean>,
    pub group_name: Option<Clean>,
    pub org_id: Option<Clean>,
    pub org_name: Option<Clean>,
    pub plan_type: Option<Clean>,
    #[serde(deserialize_with = "null_as_default")]
    pub clusters: Vec<Cluster>,
}

/// The parts of a cluster document that picking a source or a target needs. Atlas's
/// (`name`, `clusterType`) and Cloud and Ops Manager's (`clusterName`, `typeName`, a sharded
/// cluster's shards and config servers listed beside it) read into the one type; the client
/// fills `name` and `cluster_type` from the latter (`Cluster::normalize`).
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    /// Also Ops Manager's `clusterId` in the all-projects list.
    #[serde(alias = "clusterId")]
    pub id: Option<Clean>,
    pub name: Clean,
    pub group_id: Option<Clean>,
    /// `REPLICASET`, `SHARDED`, `GEOSHARDED`.
    pub cluster_type: Option<Clean>,
    /// Cloud and Ops Manager: the cluster a replica set belongs to (a sharded cluster's name
    /// for its shards and config servers).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<Clean>,
    /// Cloud and Ops Manager: `REPLICA_SET`, `SHARDED_REPLICA_SET`, `SHARDED`,
    /// `CONFIG_SERVER_REPLICA_SET` (others kept as they come).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub type_name: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replica_set_name: Option<Clean>,
    /// Set on a shard's own entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub shard_name: Option<Clean>,
    /// Ops Manager's all-projects list: `replica set`, `sharded cluster`, `standalone`.
    #[serde(rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<Clean>,
    /// Where the server answers `restorableTimeRanges` (Cloud and Ops Manager): the ranges a
    /// point in time can be restored from, as looked up with the cluster. Not in the document.
    #[serde(skip)]
    pub restorable_ranges: Option<Vec<crate::restore::RestorableRange>>,
    #[serde(rename = "mongoDBVersion")]
    pub mongo_db_version: Option<Clean>,
    pub state_name: Option<Clean>,
    pub paused: Option<bool>,
    pub backup_enabled: Option<bool>,
    pub provider_backup_enabled: Option<bool>,
}

/// What a cluster entry is, in Cloud and Ops Manager's list where a sharded cluster comes
/// as one entry plus one per shard and config server.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClusterRole {
    /// A replica set, or a sharded cluster as a whole: what a restore names.
    Whole,
    /// One shard's replica set of a sharded cluster.
    Shard,
    /// A sharded cluster's config servers.
    ConfigServer,
}

impl Cluster {
    /// What this entry is. Atlas's documents are always `Whole`.
    pub fn role(&self) -> ClusterRole {
        let type_name = self.type_name.as_deref().unwrap_or("").to_ascii_uppercase();
        if type_name.starts_with("CONFIG_SERVER") {
            ClusterRole::ConfigServer
        } else if self.shard_name.is_some() {
            ClusterRole::Shard
        } else {
            ClusterRole::Whole
        }
    }

    /// Fills `name` and `cluster_type` from Cloud and Ops Manager's fields (`clusterName`,
    /// `replicaSetName`, `typeName`, or the all-projects list's `type`), so that the rest of
    /// the program reads one shape. A shard or config server keeps its replica set's name.
    pub fn normalize(mut self) -> Cluster {
        if self.name.is_empty() {
            let own = match self.role() {
                ClusterRole::Whole => self.cluster_name.clone().or_else(|| self.replica_set_name.clone()),
                ClusterRole::Shard | ClusterRole::ConfigServer => {
                    self.replica_set_name.clone().or_else(|| self.cluster_name.clone())
                }
            };
            if let Some(name) = own {
                self.name = name;
            }
        }
        if self.cluster_type.is_none() && self.role() == ClusterRole::Whole {
            let from_type_name = self
                .type_name
                .as_deref()
                .and_then(crate::restore::ClusterType::from_api);
            let from_kind = self
                .kind
                .as_deref()
                .and_then(|k| match k.trim().to_ascii_lowercase().as_str() {
                    "replica set" => Some(crate::restore::ClusterType::ReplicaSet),
                    "sharded cluster" => Some(crate::restore::ClusterType::Sharded),
                    _ => None,
                });
            if let Some(t) = from_type_name.or(from_kind) {
                self.cluster_type = Some(Clean::new(t.as_api()));
            }
        }
        self
    }

    /// The cluster a restore names: its own name, or the sharded cluster it belongs to.
    pub(crate) fn parent_name(&self) -> &str {
        self.cluster_name.as_deref().unwrap_or(&self.name)
    }
}

/// Which entry of a project's cluster list `wanted` (a name or an id) means: a replica set or
/// a sharded cluster as a whole, never one of its shards or config servers by mistake.
/// `Err` says why none or which several, in words.
pub fn pick_cluster(entries: &[Cluster], wanted: &str, group_id: &str) -> Result<Cluster, String> {
    let wanted = wanted.trim();
    let part_of = |c: &Cluster| {
        let what = if c.role() == ClusterRole::Shard {
            "a shard"
        } else {
            "the config servers"
        };
        format!(
            "{wanted} is {what} of the sharded cluster {} ({}): its backups are the whole cluster's; name {} instead",
            c.parent_name(),
            entries
                .iter()
                .find(|p| p.role() == ClusterRole::Whole && p.parent_name() == c.parent_name())
                .and_then(|p| p.id.as_deref())
                .unwrap_or("its id unknown"),
            c.parent_name()
        )
    };
    if let Some(c) = entries.iter().find(|c| c.id.as_deref() == Some(wanted)) {
        return match c.role() {
            ClusterRole::Whole => Ok(c.clone()),
            _ => Err(part_of(c)),
        };
    }
    let whole: Vec<&Cluster> = entries
        .iter()
        .filter(|c| c.role() == ClusterRole::Whole && (c.parent_name() == wanted || c.name.as_str() == wanted))
        .collect();
    // A sharded cluster's own entry wins over replica sets that carry its name.
    let sharded: Vec<&Cluster> = whole
        .iter()
        .copied()
        .filter(|c| c.cluster_type.as_deref() == Some("SHARDED"))
        .collect();
    let found = if sharded.is_empty() { whole } else { sharded };
    match found.as_slice() {
        [one] => return Ok((*one).clone()),
        [] => {}
        several => {
            let ids: Vec<&str> = several.iter().filter_map(|c| c.id.as_deref()).collect();
            return Err(format!(
                "{} clusters of project {group_id} are named {wanted} (ids {}): give the id of the one to restore as cluster_name",
                several.len(),
                ids.join(", ")
            ));
        }
    }
    if let Some(c) = entries.iter().find(|c| c.replica_set_name.as_deref() == Some(wanted)) {
        return match c.role() {
            ClusterRole::Whole => Ok(c.clone()),
            _ => Err(part_of(c)),
        };
    }
    let mut names: Vec<&str> = entries
        .iter()
        .filter(|c| c.role() == ClusterRole::Whole)
        .map(|c| c.parent_name())
        .collect();
    names.sort_unstable();
    names.dedup();
    Err(format!(
        "no cluster named {wanted} in project {group_id}: the clusters there are {}",
        if names.is_empty() {
            "none".to_string()
        } else {
            names.join(", ")
        }
    ))
}

/// `ApiError`; every field optional, as proxies and old endpoints send partial bodies.
#[derive(Debug, Clone, Default, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct ApiErrorBody {
    pub detail: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    pub error: Option<i64>,
    pub error_code: Option<Clean>,
    pub reason: Option<Clean>,
    #[serde(deserialize_with = "null_as_default")]
    pub parameters: Vec<Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_partial_and_oddly_typed_jobs() {
        let job: RestoreJob = serde_json::from_str(
            r#"{"id":"x1","statusName":"SOMETHING_NEW","delivery":{"methodName":"HTTP","maxDownloads":"1",
                "expirationHours":48.0,"statusName":"READY","urlV2":"https://h/p","authHeader":"h","authValue":"v"},
                "hashes":null,"timestamp":{"date":"2018-01-22T22:44:54Z","increment":1},"unknown":{"a":1}}"#,
        )
        .unwrap();
        let d = job.delivery.as_ref().unwrap();
        assert_eq!((d.max_downloads, d.expiration_hours), (Some(1), Some(48)));
        assert_eq!(job.status_name, Some(JobStatus::Other(Clean::new("SOMETHING_NEW"))));
        assert_eq!(job.hashes, None);
        assert_eq!(d.auth_value.as_ref().map(SecretString::expose), Some("v"));
        // The auth value never goes into what we write down.
        assert!(!serde_json::to_string(&job).unwrap().contains("authValue"));
    }
}
