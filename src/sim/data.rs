//! The simulated project: one group, three clusters, and the snapshots and checkpoints that
//! legacy backup takes of them. Snapshots and checkpoints follow a schedule anchored at the
//! simulator's start, so a long demo keeps getting new ones and old ones expire; their ids
//! are computed from the cluster and the slot in the schedule, so they never need storing.

use super::clock::iso;
use crate::restore::ClusterType;
use serde_json::{Value, json};

/// The seeded project.
pub(crate) const GROUP_ID: &str = "5f8e2a1c9d4b7e0012c3a4b5";
pub(crate) const GROUP_NAME: &str = "Payments-Prod";

const MINUTE_MS: i64 = 60_000;
const HOUR_MS: i64 = 60 * MINUTE_MS;

/// Legacy backup takes a snapshot every 6 hours and keeps these for 2 days.
pub(crate) const SNAPSHOT_INTERVAL_MS: i64 = 6 * HOUR_MS;
pub(crate) const SNAPSHOT_RETENTION_MS: i64 = 48 * HOUR_MS;
/// How long a snapshot takes: the newest one is still being taken when the simulator starts.
pub(crate) const SNAPSHOT_DURATION_MS: i64 = 30 * MINUTE_MS;
/// The newest snapshot started this long before the simulator did.
const SNAPSHOT_LEAD_MS: i64 = 12 * MINUTE_MS;

/// Checkpoints of sharded clusters, every 2 hours, kept 8 hours; every fourth one failed to
/// find the token on a shard and cannot be restored.
pub(crate) const CHECKPOINT_INTERVAL_MS: i64 = 2 * HOUR_MS;
pub(crate) const CHECKPOINT_RETENTION_MS: i64 = 8 * HOUR_MS;
const CHECKPOINT_LEAD_MS: i64 = HOUR_MS;

/// Added to a slot number before it goes into an id, so that slots before the start
/// (negative numbers) still make hex digits.
const SLOT_BIAS: i64 = 0x1000_0000;

/// One replica set of a cluster: the whole of a replica set cluster, or a shard or the
/// config server of a sharded one. A restore job is made per part.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    pub replica_set_name: String,
    /// `None` for the config server.
    pub shard_name: Option<String>,
    /// Bytes of data in the snapshot being taken at the simulator's start; older ones are
    /// smaller, newer ones larger (`data_bytes_at`).
    pub data_size_bytes: i64,
}

impl Part {
    /// Bytes of data in the snapshot of `slot` (0: the one being taken at the simulator's
    /// start): the data grows by 3 % every 6 hours, so that restores of different snapshots
    /// take visibly different times.
    pub(crate) fn data_bytes_at(&self, slot: i64) -> i64 {
        self.data_size_bytes + self.data_size_bytes / 100 * 3 * slot
    }

    pub fn type_name(&self) -> &'static str {
        if self.shard_name.is_some() {
            "REPLICA_SET"
        } else {
            "CONFIG_SERVER_REPLICA_SET"
        }
    }

    pub(crate) fn is_config(&self) -> bool {
        self.shard_name.is_none()
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    pub name: String,
    pub id: String,
    pub cluster_type: ClusterType,
    /// Legacy backup (v1.0 `backupEnabled`); without it there are no snapshots.
    pub backup_enabled: bool,
    pub parts: Vec<Part>,
    pub instance_size: &'static str,
    pub host_tag: &'static str,
    /// 16 hex digits that start the ids of this cluster's snapshots and checkpoints.
    snapshot_prefix: &'static str,
    checkpoint_prefix: &'static str,
}

fn part(name: &str, shard: bool, data_size_bytes: i64) -> Part {
    Part {
        replica_set_name: name.to_string(),
        shard_name: shard.then(|| name.to_string()),
        data_size_bytes,
    }
}

/// The three clusters of the project, in name order.
pub fn clusters() -> Vec<Cluster> {
    vec![
        Cluster {
            name: "Cluster0".into(),
            id: "5f8e2b4d9d4b7e0012c3a4c1".into(),
            cluster_type: ClusterType::ReplicaSet,
            backup_enabled: true,
            parts: vec![part("Cluster0-shard-0", true, 7_412_390_912)],
            instance_size: "M30",
            host_tag: "xk3fq",
            snapshot_prefix: "5f9a0c1e7b2d4a11",
            checkpoint_prefix: "5f9b0c1e7b2d4a11",
        },
        Cluster {
            name: "Cluster1".into(),
            id: "5f8e2b4d9d4b7e0012c3a4c2".into(),
            cluster_type: ClusterType::Sharded,
            backup_enabled: true,
            parts: vec![
                part("Cluster1-shard-0", true, 21_474_836_480),
                part("Cluster1-shard-1", true, 20_937_965_568),
                part("Cluster1-config-0", false, 52_428_800),
            ],
            instance_size: "M40",
            host_tag: "p7wbd",
            snapshot_prefix: "5f9a0c1e7b2d4a12",
            checkpoint_prefix: "5f9b0c1e7b2d4a12",
        },
        Cluster {
            name: "Staging0".into(),
            id: "5f8e2b4d9d4b7e0012c3a4c3".into(),
            cluster_type: ClusterType::ReplicaSet,
            // A restore target: backup off, as staging clusters often are.
            backup_enabled: false,
            parts: vec![part("Staging0-shard-0", true, 1_073_741_824)],
            instance_size: "M20",
            host_tag: "m2hzr",
            snapshot_prefix: "5f9a0c1e7b2d4a13",
            checkpoint_prefix: "5f9b0c1e7b2d4a13",
        },
    ]
}

/// Whether `s` is an ObjectId as Atlas writes them: 24 lower-case hex digits.
pub fn is_object_id(s: &str) -> bool {
    s.len() == 24 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

fn slot_id(prefix: &str, slot: i64) -> String {
    format!("{prefix}{:08x}", slot + SLOT_BIAS)
}

fn slot_of(prefix: &str, id: &str) -> Option<i64> {
    if !is_object_id(id) {
        return None;
    }
    let rest = id.strip_prefix(prefix)?;
    i64::from_str_radix(rest, 16).ok().map(|n| n - SLOT_BIAS)
}

/// One legacy snapshot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub id: String,
    pub slot: i64,
    pub created_ms: i64,
    pub complete: bool,
    pub expires_ms: i64,
}

impl Snapshot {
    /// The time of the last oplog entry it holds: what a restore of it brings back.
    pub(crate) fn last_oplog_ms(&self) -> i64 {
        self.created_ms - 1000
    }
}

/// A time schedule: slot `k` happens at `anchor + k * interval` and is kept `retention`.
struct Schedule {
    anchor_ms: i64,
    interval_ms: i64,
    retention_ms: i64,
}

impl Schedule {
    /// Slots that have happened and are still kept at `now_ms`, newest first.
    fn slots(&self, now_ms: i64) -> Vec<i64> {
        let newest = (now_ms - self.anchor_ms).div_euclid(self.interval_ms);
        (0..)
            .map(|back| newest - back)
            .take_while(|k| self.at(*k) + self.retention_ms > now_ms)
            .collect()
    }

    fn at(&self, slot: i64) -> i64 {
        self.anchor_ms + slot * self.interval_ms
    }

    fn is_kept(&self, slot: i64, now_ms: i64) -> bool {
        let at = self.at(slot);
        at <= now_ms && now_ms < at + self.retention_ms
    }
}

fn whole_seconds(ms: i64) -> i64 {
    ms - ms.rem_euclid(1000)
}

fn snapshot_schedule(start_ms: i64) -> Schedule {
    Schedule {
        anchor_ms: whole_seconds(start_ms) - SNAPSHOT_LEAD_MS,
        interval_ms: SNAPSHOT_INTERVAL_MS,
        retention_ms: SNAPSHOT_RETENTION_MS,
    }
}

fn checkpoint_schedule(start_ms: i64) -> Schedule {
    Schedule {
        anchor_ms: whole_seconds(start_ms) - CHECKPOINT_LEAD_MS,
        interval_ms: CHECKPOINT_INTERVAL_MS,
        retention_ms: CHECKPOINT_RETENTION_MS,
    }
}

impl Cluster {
    fn snapshot_at(&self, schedule: &Schedule, slot: i64, now_ms: i64) -> Snapshot {
        let created_ms = schedule.at(slot);
        Snapshot {
            id: slot_id(self.snapshot_prefix, slot),
            slot,
            created_ms,
            complete: now_ms >= created_ms + SNAPSHOT_DURATION_MS,
            expires_ms: created_ms + SNAPSHOT_RETENTION_MS,
        }
    }

    /// The snapshots kept at `now_ms`, newest first; none without legacy backup.
    pub fn snapshots(&self, start_ms: i64, now_ms: i64) -> Vec<Snapshot> {
        if !self.backup_enabled {
            return Vec::new();
        }
        let schedule = snapshot_schedule(start_ms);
        schedule
            .slots(now_ms)
            .into_iter()
            .map(|k| self.snapshot_at(&schedule, k, now_ms))
            .collect()
    }

    pub fn snapshot(&self, id: &str, start_ms: i64, now_ms: i64) -> Option<Snapshot> {
        let slot = slot_of(self.snapshot_prefix, id)?;
        let schedule = snapshot_schedule(start_ms);
        (self.backup_enabled && schedule.is_kept(slot, now_ms)).then(|| self.snapshot_at(&schedule, slot, now_ms))
    }

    fn checkpoint_at(&self, schedule: &Schedule, slot: i64) -> Checkpoint {
        Checkpoint {
            id: slot_id(self.checkpoint_prefix, slot),
            timestamp_ms: schedule.at(slot),
            // One in four: a shard's token was not found, so it cannot be restored.
            restorable: slot.rem_euclid(4) != 3,
        }
    }

    /// Checkpoints (sharded clusters with backup only), newest first.
    pub fn checkpoints(&self, start_ms: i64, now_ms: i64) -> Vec<Checkpoint> {
        if !self.backup_enabled || self.cluster_type != ClusterType::Sharded {
            return Vec::new();
        }
        let schedule = checkpoint_schedule(start_ms);
        schedule
            .slots(now_ms)
            .into_iter()
            .map(|k| self.checkpoint_at(&schedule, k))
            .collect()
    }

    pub fn checkpoint(&self, id: &str, start_ms: i64, now_ms: i64) -> Option<Checkpoint> {
        let slot = slot_of(self.checkpoint_prefix, id)?;
        let schedule = checkpoint_schedule(start_ms);
        (self.backup_enabled && self.cluster_type == ClusterType::Sharded && schedule.is_kept(slot, now_ms))
            .then(|| self.checkpoint_at(&schedule, slot))
    }

    /// The cluster document of API v1.0 (v2 answers with the same fields; see api.md §3.3
    /// for how the backup flags differ between versions in real Atlas).
    pub fn to_json(&self, base_url: &str, prefix: &str, start_ms: i64) -> Value {
        let shards = self.parts.iter().filter(|p| !p.is_config()).count();
        let hosts: Vec<String> = (0..3)
            .map(|n| {
                format!(
                    "{}-shard-00-{n:02}.{}.mongodb.net:27017",
                    self.name.to_ascii_lowercase(),
                    self.host_tag
                )
            })
            .collect();
        json!({
            "backupEnabled": self.backup_enabled,
            "clusterType": self.cluster_type.as_api(),
            "diskSizeGB": 40.0,
            "encryptionAtRestProvider": "NONE",
            "groupId": GROUP_ID,
            "id": self.id,
            "links": [{
                "href": format!("{base_url}{prefix}/groups/{GROUP_ID}/clusters/{}", self.name),
                "rel": "self"
            }],
            "mongoDBMajorVersion": "4.2",
            "mongoDBVersion": "4.2.24",
            "mongoURI": format!("mongodb://{}", hosts.join(",")),
            "mongoURIUpdated": iso(start_ms - 30 * 24 * HOUR_MS),
            "name": self.name,
            "numShards": shards,
            "paused": false,
            "pitEnabled": false,
            "providerBackupEnabled": false,
            "providerSettings": {
                "providerName": "AWS",
                "instanceSizeName": self.instance_size,
                "regionName": "EU_WEST_1"
            },
            "replicationFactor": 3,
            "stateName": "IDLE"
        })
    }

    pub(crate) fn snapshot_json(&self, s: &Snapshot, base_url: &str, prefix: &str) -> Value {
        let parts: Vec<Value> = self
            .parts
            .iter()
            .map(|p| {
                let data = p.data_bytes_at(s.slot);
                json!({
                    "clusterId": self.id,
                    "compressionSetting": "GZIP",
                    "dataSizeBytes": data,
                    "encryptionEnabled": false,
                    "fileSizeBytes": data / 10 * 4,
                    "mongodVersion": "4.2.24",
                    "replicaSetName": p.replica_set_name,
                    "storageSizeBytes": data / 10 * 6,
                    "typeName": p.type_name()
                })
            })
            .collect();
        json!({
            "clusterId": self.id,
            "clusterName": self.name,
            "complete": s.complete,
            "created": { "date": iso(s.created_ms), "increment": 1 },
            "doNotDelete": false,
            "expires": iso(s.expires_ms),
            "groupId": GROUP_ID,
            "id": s.id,
            "lastOplogAppliedTimestamp": { "date": iso(s.last_oplog_ms()), "increment": 4 },
            "links": [{
                "href": format!("{base_url}{prefix}/groups/{GROUP_ID}/clusters/{}/snapshots/{}", self.name, s.id),
                "rel": "self"
            }],
            "parts": parts
        })
    }

    pub(crate) fn checkpoint_json(&self, c: &Checkpoint, base_url: &str, prefix: &str) -> Value {
        let date = iso(c.timestamp_ms);
        let parts: Vec<Value> = self
            .parts
            .iter()
            .enumerate()
            .map(|(i, p)| {
                // The failed checkpoint lost the token of the second shard.
                let found = c.restorable || i != 1;
                let mut v = json!({ "replicaSetName": p.replica_set_name });
                if let Some(shard) = &p.shard_name {
                    v["shardName"] = json!(shard);
                }
                v["tokenDiscovered"] = json!(found);
                if found {
                    v["tokenTimestamp"] = json!({ "date": date, "increment": i + 1 });
                }
                v["typeName"] = json!(p.type_name());
                v
            })
            .collect();
        json!({
            "clusterId": self.id,
            "completed": iso(c.timestamp_ms + 45_000),
            "groupId": GROUP_ID,
            "id": c.id,
            "links": [{
                "href": format!("{base_url}{prefix}/groups/{GROUP_ID}/clusters/{}/backupCheckpoints/{}", self.name, c.id),
                "rel": "self"
            }],
            "parts": parts,
            "restorable": c.restorable,
            "started": iso(c.timestamp_ms - 30_000),
            "timestamp": date
        })
    }
}

/// One checkpoint of a sharded cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub id: String,
    pub timestamp_ms: i64,
    pub restorable: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    const START: i64 = 1_764_322_200_123; // 2025-11-28T09:30:00.123Z

    #[test]
    fn ids_are_object_ids_and_unique() {
        let mut ids = vec![GROUP_ID.to_string()];
        for c in clusters() {
            ids.push(c.id.clone());
            ids.extend(c.snapshots(START, START).into_iter().map(|s| s.id));
            ids.extend(c.checkpoints(START, START).into_iter().map(|s| s.id));
        }
        assert!(ids.iter().all(|id| is_object_id(id)), "{ids:?}");
        let n = ids.len();
        ids.sort();
        ids.dedup();
        assert_eq!(ids.len(), n);
    }

    #[test]
    fn snapshots_every_6_hours_over_2_days_newest_in_progress() {
        let c = &clusters()[0];
        let snaps = c.snapshots(START, START);
        assert_eq!(snaps.len(), 8);
        assert!(!snaps[0].complete);
        assert!(snaps[1..].iter().all(|s| s.complete));
        assert_eq!(snaps[0].created_ms, 1_764_322_200_000 - 12 * MINUTE_MS);
        for pair in snaps.windows(2) {
            assert_eq!(pair[0].created_ms - pair[1].created_ms, SNAPSHOT_INTERVAL_MS);
        }
        // Looked up by id, the same snapshot.
        assert_eq!(c.snapshot(&snaps[3].id, START, START), Some(snaps[3].clone()));
        // It completes after half an hour; two days later the first ones have expired.
        assert!(c.snapshots(START, START + 20 * MINUTE_MS)[0].complete);
        let later = START + 2 * SNAPSHOT_RETENTION_MS;
        assert_eq!(c.snapshot(&snaps[3].id, START, later), None);
        assert_eq!(c.snapshots(START, later).len(), 8);
    }

    #[test]
    fn a_cluster_without_backup_has_no_snapshots() {
        let staging = &clusters()[2];
        assert!(staging.snapshots(START, START).is_empty());
        let other = clusters()[0].snapshots(START, START)[1].id.clone();
        assert_eq!(staging.snapshot(&other, START, START), None);
    }

    #[test]
    fn sharded_checkpoints_one_in_four_not_restorable() {
        let c = &clusters()[1];
        let cps = c.checkpoints(START, START);
        assert_eq!(cps.len(), 4);
        assert_eq!(cps.iter().filter(|c| !c.restorable).count(), 1);
        assert!(clusters()[0].checkpoints(START, START).is_empty());
        let doc = c.checkpoint_json(&cps[1], "http://x", "/api/atlas/v1.0");
        assert_eq!(doc["parts"].as_array().map(Vec::len), Some(3));
    }

    #[test]
    fn foreign_ids_are_not_found() {
        let c = &clusters()[0];
        assert_eq!(c.snapshot("5a6669d9fcc178211a0d86b9", START, START), None);
        assert_eq!(c.snapshot("not-an-id", START, START), None);
        let other = clusters()[1].snapshots(START, START)[1].id.clone();
        assert_eq!(c.snapshot(&other, START, START), None);
    }
}
