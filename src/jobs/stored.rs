//! The store's own types: a submit and its jobs as this project keeps them, with times as
//! `time` values and the delivery's method, state and target as enums and names. Atlas's
//! wire type (`atlas::RestoreJob`) is turned into these at the store's door and back, so the
//! wire can change (a field renamed, a status added) without a migration of what is stored.
//! The request stays as it was sent: it is the record of what was asked, to the byte.

use super::tracked::{Origin, SubmitState, TrackedSubmit};
use crate::atlas::{self, BsonTimestamp, DeliveryStatus, FileHash, JobStatus, RestoreJob};
use crate::restore::time_input::{format_utc_ms, parse_rfc3339_lenient};
use crate::text::Clean;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;

/// A submit as stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredSubmit {
    pub key: String,
    pub group_id: String,
    /// The source cluster's name, as the submit was made for it.
    pub cluster: String,
    #[serde(with = "time::serde::rfc3339")]
    pub submitted_at: OffsetDateTime,
    /// The body as sent; `null` for a job tracked from elsewhere.
    pub request: Value,
    pub state: SubmitState,
    pub origin: Origin,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jobs: Vec<StoredJob>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub candidates: Vec<StoredJob>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub forgotten: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub looked_at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target_name: Option<String>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub dismissed: bool,
}

/// A restore job as stored: what Atlas said of it, in the project's terms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredJob {
    pub id: Clean,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub batch: Option<Clean>,
    #[serde(default)]
    pub source: Source,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub state: Option<JobState>,
    #[serde(default)]
    pub point: Point,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub delivery: Option<StoredDelivery>,
    /// `None` until the file has been fetched (Atlas lists the hashes only then).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hashes: Option<Vec<ListedHash>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub encrypted: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub master_key: Option<Clean>,
}

/// The cluster a job restores from, as the job names it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Source {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<Clean>,
}

/// The restore point a job names.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Point {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub snapshot: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_in_time: Option<bool>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub at: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub increment: Option<i64>,
}

/// Where a job stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum JobState {
    InProgress,
    Finished,
    Broken,
    Killed,
    Failed,
    /// A state this build does not know, by the name Atlas gave it.
    Other(Clean),
}

/// How a job is delivered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Method {
    Download,
    Automated,
    Other(Clean),
}

/// Where a job's file stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FileState {
    NotStarted,
    InProgress,
    Ready,
    Failed,
    Interrupted,
    Expired,
    DownloadsUsed,
    Other(Clean),
}

/// A job's delivery. The download credential is never stored, only the header's name.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct StoredDelivery {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<Method>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<FileState>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub link_header: Option<Clean>,
    #[serde(
        default,
        with = "time::serde::rfc3339::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expires: Option<OffsetDateTime>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiration_hours: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_downloads: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Target>,
}

/// An automated restore's target: the cluster that was erased.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Target {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_name: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster_id: Option<Clean>,
}

/// One file's hash, once Atlas lists it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct ListedHash {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sha1: Option<Clean>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<Clean>,
}

fn time_of_ms(ms: i64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

fn ms_of(t: OffsetDateTime) -> i64 {
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).unwrap_or(0)
}

/// A wire time read as a time; one that does not read as one is not kept (it could be
/// shown as nothing else).
fn time_of_text(text: Option<&Clean>) -> Option<OffsetDateTime> {
    text.and_then(|t| parse_rfc3339_lenient(t)).map(time_of_ms)
}

fn text_of_time(t: Option<OffsetDateTime>) -> Option<Clean> {
    t.map(|t| Clean::new(&format_utc_ms(ms_of(t))))
}

impl From<&TrackedSubmit> for StoredSubmit {
    fn from(s: &TrackedSubmit) -> StoredSubmit {
        StoredSubmit {
            key: s.key.clone(),
            group_id: s.group_id.clone(),
            cluster: s.cluster.clone(),
            submitted_at: time_of_ms(s.submitted_at_ms),
            request: s.request.clone(),
            state: s.state,
            origin: s.origin,
            jobs: s.jobs.iter().map(StoredJob::from).collect(),
            candidates: s.candidates.iter().map(StoredJob::from).collect(),
            forgotten: s.forgotten.clone(),
            note: s.note.clone(),
            looked_at: s.looked_ms.map(time_of_ms),
            target_name: s.target_name.clone(),
            dismissed: s.dismissed,
        }
    }
}

impl From<StoredSubmit> for TrackedSubmit {
    fn from(s: StoredSubmit) -> TrackedSubmit {
        let mut jobs: Vec<RestoreJob> = s.jobs.into_iter().map(RestoreJob::from).collect();
        jobs.shrink_to_fit();
        TrackedSubmit {
            key: s.key,
            group_id: s.group_id,
            cluster: s.cluster,
            submitted_at_ms: ms_of(s.submitted_at),
            request: s.request,
            state: s.state,
            origin: s.origin,
            jobs,
            candidates: s.candidates.into_iter().map(RestoreJob::from).collect(),
            forgotten: s.forgotten,
            note: s.note,
            looked_ms: s.looked_at.map(ms_of),
            target_name: s.target_name,
            dismissed: s.dismissed,
        }
    }
}

impl From<&RestoreJob> for StoredJob {
    fn from(j: &RestoreJob) -> StoredJob {
        let timestamp = j.timestamp.as_ref();
        StoredJob {
            id: j.id.clone(),
            batch: j.batch_id.clone(),
            source: Source {
                project: j.group_id.clone(),
                cluster_id: j.cluster_id.clone(),
                cluster_name: j.cluster_name.clone(),
            },
            created: time_of_text(j.created.as_ref()),
            state: j.status_name.as_ref().map(JobState::from),
            point: Point {
                snapshot: j.snapshot_id.clone(),
                point_in_time: j.point_in_time,
                at: timestamp.and_then(BsonTimestamp::date_ms).map(time_of_ms),
                increment: timestamp.and_then(|t| t.increment),
            },
            delivery: j.delivery.as_ref().map(StoredDelivery::from),
            hashes: j.hashes.as_ref().map(|hs| hs.iter().map(ListedHash::from).collect()),
            encrypted: j.encryption_enabled,
            master_key: j.master_key_uuid.clone(),
        }
    }
}

impl From<StoredJob> for RestoreJob {
    fn from(j: StoredJob) -> RestoreJob {
        let point = j.point;
        let timestamp = (point.at.is_some() || point.increment.is_some()).then(|| BsonTimestamp {
            date: text_of_time(point.at),
            increment: point.increment,
        });
        RestoreJob {
            id: j.id,
            batch_id: j.batch,
            cluster_id: j.source.cluster_id,
            cluster_name: j.source.cluster_name,
            created: text_of_time(j.created),
            delivery: j.delivery.map(atlas::Delivery::from),
            encryption_enabled: j.encrypted,
            group_id: j.source.project,
            hashes: j.hashes.map(|hs| hs.into_iter().map(FileHash::from).collect()),
            master_key_uuid: j.master_key,
            point_in_time: point.point_in_time,
            snapshot_id: point.snapshot,
            status_name: j.state.map(JobStatus::from),
            timestamp,
        }
    }
}

impl From<&JobStatus> for JobState {
    fn from(s: &JobStatus) -> JobState {
        match s {
            JobStatus::InProgress => JobState::InProgress,
            JobStatus::Finished => JobState::Finished,
            JobStatus::Broken => JobState::Broken,
            JobStatus::Killed => JobState::Killed,
            JobStatus::Failed => JobState::Failed,
            JobStatus::Other(name) => JobState::Other(name.clone()),
        }
    }
}

impl From<JobState> for JobStatus {
    fn from(s: JobState) -> JobStatus {
        match s {
            JobState::InProgress => JobStatus::InProgress,
            JobState::Finished => JobStatus::Finished,
            JobState::Broken => JobStatus::Broken,
            JobState::Killed => JobStatus::Killed,
            JobState::Failed => JobStatus::Failed,
            JobState::Other(name) => JobStatus::Other(name),
        }
    }
}

impl From<&DeliveryStatus> for FileState {
    fn from(s: &DeliveryStatus) -> FileState {
        match s {
            DeliveryStatus::NotStarted => FileState::NotStarted,
            DeliveryStatus::InProgress => FileState::InProgress,
            DeliveryStatus::Ready => FileState::Ready,
            DeliveryStatus::Failed => FileState::Failed,
            DeliveryStatus::Interrupted => FileState::Interrupted,
            DeliveryStatus::Expired => FileState::Expired,
            DeliveryStatus::MaxDownloadsExceeded => FileState::DownloadsUsed,
            DeliveryStatus::Other(name) => FileState::Other(name.clone()),
        }
    }
}

impl From<FileState> for DeliveryStatus {
    fn from(s: FileState) -> DeliveryStatus {
        match s {
            FileState::NotStarted => DeliveryStatus::NotStarted,
            FileState::InProgress => DeliveryStatus::InProgress,
            FileState::Ready => DeliveryStatus::Ready,
            FileState::Failed => DeliveryStatus::Failed,
            FileState::Interrupted => DeliveryStatus::Interrupted,
            FileState::Expired => DeliveryStatus::Expired,
            FileState::DownloadsUsed => DeliveryStatus::MaxDownloadsExceeded,
            FileState::Other(name) => DeliveryStatus::Other(name),
        }
    }
}

impl Method {
    fn from_api(name: &Clean) -> Method {
        match name.as_str() {
            "HTTP" => Method::Download,
            "AUTOMATED_RESTORE" => Method::Automated,
            _ => Method::Other(name.clone()),
        }
    }

    fn into_api(self) -> Clean {
        match self {
            Method::Download => Clean::new("HTTP"),
            Method::Automated => Clean::new("AUTOMATED_RESTORE"),
            Method::Other(name) => name,
        }
    }
}

impl From<&atlas::Delivery> for StoredDelivery {
    fn from(d: &atlas::Delivery) -> StoredDelivery {
        let target = Target {
            project: d.target_group_id.clone(),
            cluster_name: d.target_cluster_name.clone(),
            cluster_id: d.target_cluster_id.clone(),
        };
        StoredDelivery {
            method: d.method_name.as_ref().map(Method::from_api),
            file: d.status_name.as_ref().map(FileState::from),
            link: d.url_v2.clone(),
            link_header: d.auth_header.clone(),
            expires: time_of_text(d.expires.as_ref()),
            expiration_hours: d.expiration_hours,
            max_downloads: d.max_downloads,
            target: (target != Target::default()).then_some(target),
        }
    }
}

impl From<StoredDelivery> for atlas::Delivery {
    fn from(d: StoredDelivery) -> atlas::Delivery {
        let target = d.target.unwrap_or_default();
        atlas::Delivery {
            method_name: d.method.map(Method::into_api),
            status_name: d.file.map(DeliveryStatus::from),
            url_v2: d.link,
            auth_header: d.link_header,
            expires: text_of_time(d.expires),
            expiration_hours: d.expiration_hours,
            max_downloads: d.max_downloads,
            target_group_id: target.project,
            target_cluster_name: target.cluster_name,
            target_cluster_id: target.cluster_id,
            ..atlas::Delivery::default()
        }
    }
}

impl From<&FileHash> for ListedHash {
    fn from(h: &FileHash) -> ListedHash {
        ListedHash {
            file: h.file_name.clone(),
            sha1: h.hash.clone(),
            kind: h.type_name.clone(),
        }
    }
}

impl From<ListedHash> for FileHash {
    fn from(h: ListedHash) -> FileHash {
        FileHash {
            file_name: h.file,
            hash: h.sha1,
            type_name: h.kind,
        }
    }
}

/// A version 1 body (the submit with Atlas's wire jobs, as `TrackedSubmit` reads) in this
/// version's types: the schema's step to version 2.
pub(crate) fn body_from_version_1(body: &str) -> Result<String, serde_json::Error> {
    let old: TrackedSubmit = serde_json::from_str(body)?;
    serde_json::to_string(&StoredSubmit::from(&old))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A finished automated-target job and a downloaded HTTP part, as Atlas sends them.
    const WIRE: &str = r#"[
      {"id": "6929b1000000000000000001", "batchId": "6929b0000000000000000b01",
       "clusterId": "6929a0000000000000000c01", "clusterName": "Sharded0",
       "groupId": "5a66666887d9d61443b41645", "created": "2026-12-01T09:00:00Z",
       "snapshotId": "6929a1000000000000000s01", "pointInTime": false,
       "timestamp": {"date": "2026-12-01T08:00:00Z", "increment": 3},
       "statusName": "FINISHED", "encryptionEnabled": true, "masterKeyUUID": "k-1",
       "hashes": [{"fileName": "shard0.tar.gz", "hash": "da39a3ee5e6b4b0d3255bfef95601890afd80709", "typeName": "SHA1"}],
       "delivery": {"methodName": "HTTP", "statusName": "MAX_DOWNLOADS_EXCEEDED",
                    "urlV2": "https://restore.example/dl/1", "authHeader": "X-Auth", "authValue": "s3cret",
                    "expires": "2026-12-02T09:00:00.250Z", "expirationHours": 24, "maxDownloads": 1}},
      {"id": "6929b1000000000000000002", "statusName": "SOMETHING_NEW",
       "delivery": {"methodName": "AUTOMATED_RESTORE", "statusName": "READY",
                    "targetGroupId": "5a66666887d9d61443b41646", "targetClusterName": "Staging0"}}
    ]"#;

    fn wire_jobs() -> Vec<RestoreJob> {
        serde_json::from_str(WIRE).unwrap()
    }

    #[test]
    fn a_job_comes_back_from_the_store_as_it_went_in() {
        for job in wire_jobs() {
            let back = RestoreJob::from(StoredJob::from(&job));
            // What is written of a job (never its credentials) is what comes back.
            assert_eq!(
                serde_json::to_value(&back).unwrap(),
                serde_json::to_value(&job).unwrap()
            );
            assert!(
                back.delivery.as_ref().unwrap().auth_value.is_none(),
                "no credential stored"
            );
        }
    }

    #[test]
    fn a_stored_job_is_in_the_projects_terms_not_the_wires() {
        let jobs = wire_jobs();
        let stored = serde_json::to_string(&jobs.iter().map(StoredJob::from).collect::<Vec<_>>()).unwrap();
        for wire_name in [
            "statusName",
            "methodName",
            "urlV2",
            "authHeader",
            "batchId",
            "clusterName",
            "groupId",
            "snapshotId",
            "targetGroupId",
            "targetClusterName",
            "masterKeyUUID",
            "typeName",
            "HTTP",
            "AUTOMATED_RESTORE",
            "MAX_DOWNLOADS_EXCEEDED",
            "s3cret",
        ] {
            assert!(!stored.contains(wire_name), "{wire_name} in {stored}");
        }
        let first: Value = serde_json::from_str::<Value>(&stored).unwrap()[0].clone();
        assert_eq!(first["delivery"]["method"], "download");
        assert_eq!(first["delivery"]["file"], "downloads_used");
        assert_eq!(first["delivery"]["expires"], "2026-12-02T09:00:00.25Z");
        assert_eq!(first["point"]["at"], "2026-12-01T08:00:00Z");
        let second: Value = serde_json::from_str::<Value>(&stored).unwrap()[1].clone();
        assert_eq!(
            second["state"]["other"], "SOMETHING_NEW",
            "an unknown state kept by its name"
        );
        assert_eq!(second["delivery"]["target"]["cluster_name"], "Staging0");
    }

    #[test]
    fn a_version_1_body_becomes_a_stored_one_with_nothing_lost() {
        let old = serde_json::json!({
            "key": "1764579600000-0000beef", "group_id": "g", "cluster": "Sharded0",
            "submitted_at_ms": 1_764_579_600_123_i64, "request": {"snapshotId": "s1"},
            "state": "CREATED", "origin": "SUBMITTED", "jobs": serde_json::from_str::<Value>(WIRE).unwrap(),
            "looked_ms": 1_764_579_700_000_i64, "target_name": "Staging0"
        });
        let before: TrackedSubmit = serde_json::from_value(old.clone()).unwrap();
        let body = body_from_version_1(&old.to_string()).unwrap();
        let after: TrackedSubmit = serde_json::from_str::<StoredSubmit>(&body).unwrap().into();
        assert_eq!(
            serde_json::to_value(&after).unwrap(),
            serde_json::to_value(&before).unwrap()
        );
        assert!(body.contains("\"submitted_at\":\"2025-12-01T09:00:00.123Z\""), "{body}");
    }
}
