//! Restore jobs and their lifecycle on the simulated clock. A job stores when it was made
//! and what it restores; its status is computed from the clock when it is read, so nothing
//! runs in the background and `Sim::advance` moves every job at once.

use super::archive::{Archive, Content, Digests, Entry, Noise};
use super::clock::iso;
use super::data::GROUP_ID;
use serde_json::{Value, json};
use std::sync::{Arc, OnceLock};

/// Delivery starts (`NOT_STARTED` → `IN_PROGRESS`) this long after the job was made.
pub(crate) const DELIVERY_START_MS: i64 = 20_000;
/// The job finishes this long after it was made (plus `STAGGER_MS` per part of a batch),
/// for the newest snapshot complete at the simulator's start; a restore of more data takes
/// longer, of less data shorter, in proportion (`finish_after_ms`).
pub(crate) const FINISH_MS: i64 = 60_000;
/// Parts of a sharded restore finish one after the other, as they do in Atlas.
pub(crate) const STAGGER_MS: i64 = 5_000;
pub(crate) const DEFAULT_EXPIRATION_HOURS: i64 = 48;
/// How long a restore of `bytes` takes when one of `reference_bytes` takes `FINISH_MS`:
/// in proportion, and never under half of it (the fixed costs of a restore).
pub(crate) fn finish_after_ms(bytes: i64, reference_bytes: i64) -> i64 {
    if reference_bytes <= 0 || bytes <= 0 {
        return FINISH_MS;
    }
    let scaled = (FINISH_MS as i128 * bytes as i128 / reference_bytes as i128) as i64;
    scaled.max(FINISH_MS / 2)
}

/// The size of the big data file in a job's archive, unless the simulator is told one
/// (`--archive-size`): a few hundred KB, a function of the job id.
pub(crate) fn default_data_bytes(job_id: &str) -> u64 {
    let extra = job_id
        .bytes()
        .fold(0u64, |a, b| a.wrapping_mul(31).wrapping_add(u64::from(b)))
        % (128 * 1024);
    256 * 1024 + extra
}

/// What Atlas reports when no limit was asked for: int32's maximum.
pub(crate) const UNLIMITED_DOWNLOADS: i64 = i32::MAX as i64;

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
    /// The size of the archive's big data file.
    pub data_bytes: u64,
    /// The archive's CRC-32 and SHA1, worked out once, when first needed.
    pub digests: Arc<OnceLock<Digests>>,
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
    pub(crate) fn is_finished(&self, now_ms: i64) -> bool {
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
    pub(crate) fn expires_ms(&self) -> Option<i64> {
        match self.delivery {
            Delivery::Http { expiration_hours, .. } => Some(
                self.finished_ms
                    .saturating_add(expiration_hours.saturating_mul(3_600_000)),
            ),
            Delivery::Automated { .. } => None,
        }
    }

    pub(crate) fn delivery_status(&self, now_ms: i64) -> DeliveryStatus {
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

    /// The archive every download of this job serves, a function of the job alone: the
    /// files of a mongod data directory (`WiredTiger`, `storage.bson`, `*.wt`) under a folder
    /// named after the replica set, one of them `data_bytes` long.
    pub fn archive(&self) -> Archive {
        let info = self.restore_info().into_bytes();
        let dir = self.replica_set_name.as_str();
        let paths = [
            format!("{dir}/restoreInfo.txt"),
            format!("{dir}/WiredTiger"),
            format!("{dir}/storage.bson"),
            format!("{dir}/WiredTiger.wt"),
            format!("{dir}/_mdb_catalog.wt"),
            format!("{dir}/collection-7-5120954963420581739.wt"),
        ];
        let noise = |what: &str, n: u64| Content::Noise(Noise::new(&format!("{}/{what}", self.id)), n);
        let contents = [
            Content::Bytes(info),
            Content::Bytes(b"WiredTiger\nWiredTiger 3.3.0: (March 11, 2020)\n".to_vec()),
            Content::Bytes(
                b"\x2f\x00\x00\x00\x03storage\x00\x22\x00\x00\x00\x02engine\x00\x0b\x00\x00\x00wiredTiger\x00\x00\x00"
                    .to_vec(),
            ),
            noise("WiredTiger.wt", 4096),
            noise("_mdb_catalog.wt", 8192),
            noise("collection", self.data_bytes),
        ];
        let entries = paths
            .iter()
            .zip(contents)
            .map(|(path, content)| Entry { path, content })
            .collect();
        // Short ASCII paths and sizes a ustar header holds: nothing can fail.
        Archive::new(entries, self.point.timestamp_ms.div_euclid(1000)).unwrap_or_else(|_| Archive::empty())
    }

    /// `restoreInfo.txt`, as Atlas and Ops Manager put it beside the data: what the data is
    /// of and the options mongod must run with (MongoDB documents its fields, not their
    /// layout; this is one `Name: value` a line).
    pub(crate) fn restore_info(&self) -> String {
        let ts = self.point.timestamp_ms.div_euclid(1000);
        let inc = self.point.timestamp_increment;
        format!(
            "Restore Information\n\
             Replica Set Name: {}\n\
             Cluster Id: {}\n\
             Snapshot timestamp: {}\n\
             Restore timestamp: Timestamp({ts}, {inc})\n\
             Last Oplog Applied: Timestamp({ts}, {inc})\n\
             MongoDB Version: 7.0.14\n\
             Storage Engine Type: wiredTiger\n\
             Mongod Startup Options: {{ \"replication\": {{ \"replSetName\": \"{}\" }}, \"storage\": {{ \"engine\": \"wiredTiger\" }} }}\n\
             Note: simulated by atlas-restore; the files are named as mongod names them but hold noise.\n",
            self.replica_set_name,
            self.cluster_id,
            iso(self.point.timestamp_ms),
            self.replica_set_name,
        )
    }

    /// The archive's CRC-32 and SHA1: a pass over the whole the first time (seconds for
    /// gigabytes: call it off the async threads), then remembered.
    pub fn digests(&self) -> Digests {
        *self.digests.get_or_init(|| self.archive().digests())
    }

    /// Counts a download against `maxDownloads`, before it is served, so that two at once
    /// cannot both take the last one.
    pub(crate) fn count_download(&mut self) {
        self.downloads += 1;
    }

    /// Notes the SHA1 of the file served: Atlas shows `hashes` only after the first download.
    pub(crate) fn note_hash(&mut self, sha1: [u8; 20]) {
        if self.sha1.is_none() {
            self.sha1 = Some(hex::encode(sha1));
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
pub(crate) struct IdMaker {
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
            data_bytes: default_data_bytes("69296b18a3c5e7f9013ac001"),
            digests: Arc::default(),
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
        j.note_hash([0xa9; 20]);
        j.note_hash([0; 20]);
        assert_eq!(j.delivery_status(done), DeliveryStatus::MaxDownloadsExceeded);
        assert_eq!(j.sha1, Some("a9".repeat(20)), "the first download's hash stays");
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
        j.count_download();
        j.note_hash(j.digests().sha1);
        let after = j.to_json("http://h", "/api/atlas/v1.0", done);
        assert_eq!(after["hashes"][0]["typeName"], "SHA1");
        assert_eq!(after["hashes"][0]["fileName"], json!(j.file_name()));
    }

    #[test]
    fn the_archive_is_a_few_hundred_kb_and_stable() {
        let j = job(http(1));
        let a = j.archive().to_vec();
        assert!((256 * 1024..512 * 1024).contains(&a.len()), "{}", a.len());
        assert_eq!(a, j.archive().to_vec());
        assert_eq!(&a[..2], &[0x1f, 0x8b]);
        use sha1::Digest as _;
        assert_eq!(j.digests().sha1, <[u8; 20]>::from(sha1::Sha1::digest(&a)));
        // Told a size, the data file has it.
        let big = Job {
            data_bytes: 3 << 20,
            digests: Arc::default(),
            ..j.clone()
        };
        assert!(big.archive().len() > 3 << 20);
    }

    #[test]
    fn a_restore_of_more_data_takes_longer() {
        assert_eq!(finish_after_ms(1000, 1000), FINISH_MS);
        assert_eq!(finish_after_ms(1100, 1000), FINISH_MS * 11 / 10);
        assert_eq!(finish_after_ms(900, 1000), FINISH_MS * 9 / 10);
        assert_eq!(finish_after_ms(1, 1000), FINISH_MS / 2);
        assert_eq!(finish_after_ms(5, 0), FINISH_MS);
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
