//! Restore jobs and their lifecycle on the simulated clock. A job stores when it was made
//! and what it restores; its status is computed from the clock when it is read, so nothing
//! runs in the background and `Sim::advance` moves every job at once.

use super::archive::{self, Entry};
use super::clock::iso;
use super::data::GROUP_ID;
use serde_json::{Value, json};
use sha1::{Digest as _, Sha1};

/// Delivery starts (`NOT_STARTED` → `IN_PROGRESS`) this long after the job was made.
pub const DELIVERY_START_MS: i64 = 20_000;
/// The job finishes this long after it was made (plus `STAGGER_MS` per part of a batch).
pub const FINISH_MS: i64 = 60_000;
/// Parts of a sharded restore finish one after the other, as they do in Atlas.
pub const STAGGER_MS: i64 = 5_000;
pub const DEFAULT_EXPIRATION_HOURS: i64 = 48;
/// What Atlas reports when no limit was asked for: int32's maximum.
pub const UNLIMITED_DOWNLOADS: i64 = i32::MAX as i64;

/// The header `urlV2` needs, named in each job's `delivery.authHeader`.
pub const AUTH_HEADER: &str = "x-mongodb-restore-auth";

/// How the restore is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Delivery {
    Http {
        expiration_hours: i64,
        max_downloads: i64,
    },
    /// Atlas erases the target and restores into it; the response still says `HTTP`.
    Automated {
        target_group_id: String,
        target_cluster_name: String,
        target_cluster_id: String,
    },
}

/// What the job restores to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RestorePoint {
    pub snapshot_id: Option<String>,
    /// A point in time or oplog restore (`pointInTime: true`).
    pub point_in_time: bool,
    /// The latest oplog entry restored (`timestamp`).
    pub timestamp_ms: i64,
    pub timestamp_increment: i64,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub batch_id: Option<String>,
    pub cluster_name: String,
    pub cluster_id: String,
    /// The replica set this job restores: the cluster's own, a shard or the config server.
    pub replica_set_name: String,
    pub is_config: bool,
    pub created_ms: i64,
    pub finished_ms: i64,
    pub point: RestorePoint,
    pub delivery: Delivery,
    pub downloads: i64,
    /// SHA1 of the archive, known once it has been downloaded.
    pub sha1: Option<String>,
    /// The secret in `url`'s path.
    pub url_key: String,
    /// The secret `urlV2` needs in the `AUTH_HEADER` header.
    pub auth_value: String,
}

/// Where a job's delivery is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DeliveryStatus {
    NotStarted,
    InProgress,
    Ready,
    Expired,
    MaxDownloadsExceeded,
}

impl DeliveryStatus {
    pub const fn as_api(self) -> &'static str {
        match self {
            DeliveryStatus::NotStarted => "NOT_STARTED",
            DeliveryStatus::InProgress => "IN_PROGRESS",
            DeliveryStatus::Ready => "READY",
            DeliveryStatus::Expired => "EXPIRED",
            DeliveryStatus::MaxDownloadsExceeded => "MAX_DOWNLOADS_EXCEEDED",
        }
    }
}

impl Job {
    pub fn is_finished(&self, now_ms: i64) -> bool {
        now_ms >= self.finished_ms
    }

    pub fn status_name(&self, now_ms: i64) -> &'static str {
        if self.is_finished(now_ms) {
            "FINISHED"
        } else {
            "IN_PROGRESS"
        }
    }

    /// When the download link stops working (HTTP delivery only).
    pub fn expires_ms(&self) -> Option<i64> {
        match self.delivery {
            Delivery::Http { expiration_hours, .. } => Some(
                self.finished_ms
                    .saturating_add(expiration_hours.saturating_mul(3_600_000)),
            ),
            Delivery::Automated { .. } => None,
        }
    }

    pub fn delivery_status(&self, now_ms: i64) -> DeliveryStatus {
        if now_ms < self.created_ms + DELIVERY_START_MS {
            return DeliveryStatus::NotStarted;
        }
        if !self.is_finished(now_ms) {
            return DeliveryStatus::InProgress;
        }
        match self.delivery {
            Delivery::Http { max_downloads, .. } if self.downloads >= max_downloads => {
                DeliveryStatus::MaxDownloadsExceeded
            }
            Delivery::Http { .. } if self.expires_ms().is_some_and(|e| now_ms >= e) => DeliveryStatus::Expired,
            _ => DeliveryStatus::Ready,
        }
    }

    /// `Cluster0-shard-0-1764322200-<job id>.tar.gz`; config servers get a `config-` prefix
    /// and the cluster id, as in Atlas's own file names.
    pub fn file_name(&self) -> String {
        let ts = self.point.timestamp_ms.div_euclid(1000);
        if self.is_config {
            format!(
                "config-{}-{}-{ts}-{}.tar.gz",
                self.replica_set_name, self.cluster_id, self.id
            )
        } else {
            format!("{}-{ts}-{}.tar.gz", self.replica_set_name, self.id)
        }
    }

    pub fn url(&self, base_url: &str) -> String {
        format!(
            "{base_url}/backup/restore/v2/pull/{}/{}/{}",
            self.id,
            self.url_key,
            self.file_name()
        )
    }

    pub fn url_v2(&self, base_url: &str) -> String {
        format!("{base_url}/backup/restore/v3/pull/{}/{}", self.id, self.file_name())
    }

    /// The archive every download of this job serves: a few hundred KB, a function of the
    /// job alone.
    pub fn archive(&self) -> Vec<u8> {
        let info = json!({
            "restoreJobId": self.id,
            "clusterName": self.cluster_name,
            "replicaSetName": self.replica_set_name,
            "snapshotId": self.point.snapshot_id,
            "timestamp": iso(self.point.timestamp_ms),
            "note": "Simulated by atlas-restore: not a real MongoDB data directory."
        });
        let info = serde_json::to_vec_pretty(&info).unwrap_or_default();
        let extra = self
            .id
            .bytes()
            .fold(0usize, |a, b| a.wrapping_mul(31).wrapping_add(usize::from(b)))
            % (128 * 1024);
        let data = archive::noise(&self.id, 256 * 1024 + extra);
        let dir = self.replica_set_name.as_str();
        let info_path = format!("{dir}/restore-info.json");
        let data_path = format!("{dir}/collection-7-5120954963420581739.wt");
        archive::tar_gz(
            &[
                Entry {
                    path: &info_path,
                    data: &info,
                },
                Entry {
                    path: &data_path,
                    data: &data,
                },
            ],
            self.point.timestamp_ms.div_euclid(1000),
        )
        // Written to memory, with short ASCII paths: nothing can fail.
        .unwrap_or_default()
    }

    /// Counts a download against `maxDownloads`, before it is served, so that two at once
    /// cannot both take the last one.
    pub fn count_download(&mut self) {
        self.downloads += 1;
    }

    /// Notes the SHA1 of the bytes served: Atlas shows `hashes` only after the first download.
    pub fn note_hash(&mut self, bytes: &[u8]) {
        if self.sha1.is_none() {
            self.sha1 = Some(hex::encode(Sha1::digest(bytes)));
        }
    }

    /// The job as the API shows it. `prefix` is the API path of the request
    /// (`/api/atlas/v1.0`), for the self link.
    pub fn to_json(&self, base_url: &str, prefix: &str, now_ms: i64) -> Value {
        let status = self.delivery_status(now_ms);
        let delivery = match &self.delivery {
            Delivery::Http {
                expiration_hours,
                max_downloads,
            } => {
                let mut d = serde_json::Map::new();
                let ready = self.is_finished(now_ms);
                if ready {
                    d.insert("authHeader".into(), json!(AUTH_HEADER));
                    d.insert("authValue".into(), json!(self.auth_value));
                }
                d.insert("expirationHours".into(), json!(expiration_hours));
                if let (true, Some(e)) = (ready, self.expires_ms()) {
                    d.insert("expires".into(), json!(iso(e)));
                }
                d.insert("maxDownloads".into(), json!(max_downloads));
                d.insert("methodName".into(), json!("HTTP"));
                d.insert("statusName".into(), json!(status.as_api()));
                if ready {
                    d.insert("url".into(), json!(self.url(base_url)));
                    d.insert("urlV2".into(), json!(self.url_v2(base_url)));
                }
                Value::Object(d)
            }
            Delivery::Automated {
                target_group_id,
                target_cluster_name,
                target_cluster_id,
            } => json!({
                "methodName": "HTTP",
                "statusName": status.as_api(),
                "targetClusterId": target_cluster_id,
                "targetClusterName": target_cluster_name,
                "targetGroupId": target_group_id
            }),
        };
        let mut job = serde_json::Map::new();
        if let Some(b) = &self.batch_id {
            job.insert("batchId".into(), json!(b));
        }
        job.insert("clusterId".into(), json!(self.cluster_id));
        job.insert("clusterName".into(), json!(self.cluster_name));
        job.insert("created".into(), json!(iso(self.created_ms)));
        job.insert("delivery".into(), delivery);
        job.insert("encryptionEnabled".into(), json!(false));
        job.insert("groupId".into(), json!(GROUP_ID));
        if let Some(hash) = &self.sha1 {
            job.insert(
                "hashes".into(),
                json!([{ "fileName": self.file_name(), "hash": hash, "typeName": "SHA1" }]),
            );
        }
        job.insert("id".into(), json!(self.id));
        job.insert(
            "links".into(),
            json!([{
                "href": format!(
                    "{base_url}{prefix}/groups/{GROUP_ID}/clusters/{}/restoreJobs/{}",
                    self.cluster_name, self.id
                ),
                "rel": "self"
            }]),
        );
        job.insert("pointInTime".into(), json!(self.point.point_in_time));
        if let Some(s) = &self.point.snapshot_id {
            job.insert("snapshotId".into(), json!(s));
        }
        job.insert("statusName".into(), json!(self.status_name(now_ms)));
        job.insert(
            "timestamp".into(),
            json!({
                "date": iso(self.point.timestamp_ms),
                "increment": self.point.timestamp_increment
            }),
        );
        Value::Object(job)
    }
}

/// Makes ObjectIds the way MongoDB does: creation second, a fixed "machine" part and a
/// counter, so ids sort by creation and never repeat within a simulator.
#[derive(Debug)]
pub struct IdMaker {
    counter: u32,
}

impl IdMaker {
    pub fn new() -> IdMaker {
        IdMaker { counter: 0x3a_c000 }
    }

    pub fn next(&mut self, now_ms: i64) -> String {
        self.counter = (self.counter + 1) & 0xff_ffff;
        let secs = now_ms.div_euclid(1000) as u32;
        format!("{secs:08x}a3c5e7f901{:06x}", self.counter)
    }
}

impl Default for IdMaker {
    fn default() -> Self {
        IdMaker::new()
    }
}

/// A random secret, hex.
pub fn secret(bytes: usize) -> String {
    use rand::RngCore;
    let mut buf = vec![0u8; bytes];
    rand::thread_rng().fill_bytes(&mut buf);
    hex::encode(buf)
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_764_322_200_000;

    fn job(delivery: Delivery) -> Job {
        Job {
            id: "69296b18a3c5e7f9013ac001".into(),
            batch_id: None,
            cluster_name: "Cluster0".into(),
            cluster_id: "5f8e2b4d9d4b7e0012c3a4c1".into(),
            replica_set_name: "Cluster0-shard-0".into(),
            is_config: false,
            created_ms: T0,
            finished_ms: T0 + FINISH_MS,
            point: RestorePoint {
                snapshot_id: Some("5f9a0c1e7b2d4a1110000000".into()),
                point_in_time: false,
                timestamp_ms: T0 - 3_600_000,
                timestamp_increment: 4,
            },
            delivery,
            downloads: 0,
            sha1: None,
            url_key: "k".into(),
            auth_value: "v".into(),
        }
    }

    fn http(max_downloads: i64) -> Delivery {
        Delivery::Http {
            expiration_hours: 2,
            max_downloads,
        }
    }

    #[test]
    fn an_http_job_goes_through_its_states_on_the_clock() {
        let mut j = job(http(1));
        assert_eq!(j.delivery_status(T0), DeliveryStatus::NotStarted);
        assert_eq!(j.status_name(T0), "IN_PROGRESS");
        assert_eq!(j.delivery_status(T0 + 25_000), DeliveryStatus::InProgress);
        let done = T0 + FINISH_MS;
        assert_eq!(j.delivery_status(done), DeliveryStatus::Ready);
        assert_eq!(j.status_name(done), "FINISHED");
        assert_eq!(j.delivery_status(done + 2 * 3_600_000), DeliveryStatus::Expired);
        j.count_download();
        j.note_hash(b"abc");
        assert_eq!(j.delivery_status(done), DeliveryStatus::MaxDownloadsExceeded);
        assert_eq!(j.sha1.as_deref(), Some("a9993e364706816aba3e25717850c26c9cd0d89d"));
    }

    #[test]
    fn the_link_appears_when_ready_and_hashes_after_a_download() {
        let mut j = job(http(UNLIMITED_DOWNLOADS));
        let early = j.to_json("http://h", "/api/atlas/v1.0", T0);
        assert!(early["delivery"].get("url").is_none());
        assert!(early.get("hashes").is_none());
        let done = T0 + FINISH_MS;
        let ready = j.to_json("http://h", "/api/atlas/v1.0", done);
        assert_eq!(ready["delivery"]["statusName"], "READY");
        assert_eq!(ready["delivery"]["authHeader"], AUTH_HEADER);
        assert_eq!(ready["delivery"]["maxDownloads"], 2147483647);
        assert_eq!(ready["delivery"]["expires"], "2025-11-28T11:31:00Z");
        let url = ready["delivery"]["url"].as_str().unwrap();
        assert!(url.starts_with("http://h/backup/restore/v2/pull/6929"), "{url}");
        let bytes = j.archive();
        j.count_download();
        j.note_hash(&bytes);
        let after = j.to_json("http://h", "/api/atlas/v1.0", done);
        assert_eq!(after["hashes"][0]["typeName"], "SHA1");
        assert_eq!(after["hashes"][0]["fileName"], json!(j.file_name()));
    }

    #[test]
    fn the_archive_is_a_few_hundred_kb_and_stable() {
        let j = job(http(1));
        let a = j.archive();
        assert!((256 * 1024..512 * 1024).contains(&a.len()), "{}", a.len());
        assert_eq!(a, j.archive());
        assert_eq!(&a[..2], &[0x1f, 0x8b]);
    }

    #[test]
    fn ids_sort_by_creation() {
        let mut ids = IdMaker::new();
        let a = ids.next(T0);
        let b = ids.next(T0);
        let c = ids.next(T0 + 1000);
        assert!(a < b && b < c);
        assert!(super::super::data::is_object_id(&a));
    }
}
