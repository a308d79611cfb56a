//! What Atlas answers, read leniently (`../shared/atlas/api.md`, "Decisions"): unknown fields
//! are ignored, absent ones are `None`, ids need not be hex, numbers may come as strings, and
//! statuses are open sets kept as the text that came.

pub use super::status::{DeliveryStatus, JobStatus};
use crate::secret::SecretString;
use crate::text::Clean;
use serde::{Deserialize, Deserializer, Serialize};
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
    pub fn next_href(&self) -> Option<&str> {
        self.links.iter().find(|l| l.rel == "next").map(|l| l.href.as_str())
    }
}

#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct Link {
    pub href: Clean,
    pub rel: Clean,
}

/// `{date, increment}`: a BSON timestamp as the API writes it.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(default)]
pub struct BsonTimestamp {
    pub date: Option<Clean>,
    #[serde(deserialize_with = "lenient_i64")]
    pub increment: Option<i64>,
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
    #[serde(skip_serializing_if = "Option::is_none")]
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
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timestamp: Option<BsonTimestamp>,
}

/// `delivery` of a job.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Delivery {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub method_name: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<DeliveryStatus>,
    /// Deprecated by Atlas: the verification key is in the URL itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub url: Option<Clean>,
    /// Preferred: needs `authHeader: authValue` on the download.
    #[serde(rename = "urlV2", skip_serializing_if = "Option::is_none")]
    pub url_v2: Option<Clean>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub auth_header: Option<Clean>,
    /// A download credential: masked on screen and never written to the journal.
    #[serde(skip_serializing)]
    pub auth_value: Option<SecretString>,
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
    pub completed: Option<Clean>,
    pub started: Option<Clean>,
    pub timestamp: Option<Clean>,
    pub restorable: Option<bool>,
}

/// The parts of a cluster document that picking a source or a target needs.
#[derive(Debug, Clone, Default, Deserialize, Serialize, PartialEq)]
#[serde(rename_all = "camelCase", default)]
pub struct Cluster {
    pub id: Option<Clean>,
    pub name: Clean,
    pub group_id: Option<Clean>,
    /// `REPLICASET`, `SHARDED`, `GEOSHARDED`.
    pub cluster_type: Option<Clean>,
    #[serde(rename = "mongoDBVersion")]
    pub mongo_db_version: Option<Clean>,
    pub state_name: Option<Clean>,
    pub paused: Option<bool>,
    pub backup_enabled: Option<bool>,
    pub provider_backup_enabled: Option<bool>,
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

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// A number, or a string holding one (Atlas's v1.0 docs quote numbers); anything else is `None`.
fn lenient_i64<'de, D: Deserializer<'de>>(d: D) -> Result<Option<i64>, D::Error> {
    Ok(match Value::deserialize(d)? {
        Value::Number(n) => n
            .as_i64()
            .or_else(|| n.as_f64().filter(|f| f.fract() == 0.0).map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    })
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
