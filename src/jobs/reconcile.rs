//! Finding a lost submit's jobs in the cluster's list, without ever adopting a stranger's.
//!
//! A job can be the lost submit's only if it was created in the window the request could have
//! reached Atlas in (a minute of clock skew before, the longest a create can take after), is
//! on the same cluster, restores the same point, by the same method to the same target, and
//! no other entry of the journal owns it. What Atlas says of a job is all we compare: where a
//! field is absent we cannot tell, and a candidate stays a candidate. A sharded restore is one
//! whole batch. One candidate is adopted; several are shown to the DBA to choose from.

use crate::atlas::RestoreJob;
use crate::restore::time_input::parse_rfc3339_lenient;
use serde_json::Value;
use std::collections::{BTreeMap, HashSet};

/// Atlas's clock and ours may differ by this much.
pub(crate) const CLOCK_SKEW_MS: i64 = 60_000;
/// A create that takes longer than this has failed: later jobs are someone else's.
pub(crate) const LATEST_CREATE_MS: i64 = 10 * 60_000;
/// An oplog's entries may be this far apart on an idle cluster (its no-op writer runs every
/// 10 s): a point in time restores to the last entry before it, at most this much earlier.
pub(crate) const OPLOG_GAP_MS: i64 = 60_000;

/// What a look at the cluster's list found for one lost submit.
#[derive(Debug, Clone, PartialEq)]
pub enum Reconciled {
    /// Exactly one job, or one whole batch: the submit's.
    Found(Vec<RestoreJob>),
    /// Several jobs or batches could be it: each is one candidate (a job or a whole batch).
    Ambiguous(Vec<Vec<RestoreJob>>),
    /// Nothing in the list matches.
    NotFound,
}

/// The lost submit sent `request` at `submitted_at_ms`; `jobs` is the cluster's list and
/// `claimed` the ids other entries of the journal own.
pub fn reconcile(jobs: &[RestoreJob], submitted_at_ms: i64, request: &Value, claimed: &HashSet<String>) -> Reconciled {
    let fits = |j: &RestoreJob| {
        !claimed.contains(j.id.as_str())
            && created_in_window(j, submitted_at_ms)
            && same_point(j, request)
            && same_delivery(j, request)
    };
    // A batch is one restore: every part of it must fit, and it is taken whole.
    let mut groups: BTreeMap<String, Vec<&RestoreJob>> = BTreeMap::new();
    for j in jobs {
        let group = j
            .batch_id
            .as_deref()
            .map_or_else(|| format!("job:{}", j.id), str::to_string);
        groups.entry(group).or_default().push(j);
    }
    let mut candidates: Vec<Vec<RestoreJob>> = groups
        .into_values()
        .filter(|g| g.iter().all(|j| fits(j)))
        .map(|g| g.into_iter().cloned().collect())
        .collect();
    match candidates.len() {
        0 => Reconciled::NotFound,
        1 => Reconciled::Found(candidates.remove(0)),
        _ => {
            // Newest first, as the panel lists them.
            candidates.sort_by(|a, b| b[0].created.cmp(&a[0].created));
            Reconciled::Ambiguous(candidates)
        }
    }
}

fn created_in_window(job: &RestoreJob, submitted_at_ms: i64) -> bool {
    job.created
        .as_deref()
        .and_then(parse_rfc3339_lenient)
        .is_some_and(|c| c >= submitted_at_ms - CLOCK_SKEW_MS && c <= submitted_at_ms + LATEST_CREATE_MS)
}

fn str_field<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
    v.get(key).and_then(Value::as_str).filter(|s| !s.trim().is_empty())
}

/// A number, or a string holding one (v1.0 sends `oplogTs` and `oplogInc` as strings).
fn int_field(v: &Value, key: &str) -> Option<i64> {
    match v.get(key)? {
        Value::Number(n) => n.as_i64().or_else(|| n.as_f64().map(|f| f as i64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// `oplogTs` in epoch ms: v1.0 sends epoch seconds, v2 an ISO-8601 time.
fn oplog_ts_ms(request: &Value) -> Option<i64> {
    match request.get("oplogTs")? {
        Value::String(s) => s
            .trim()
            .parse::<i64>()
            .ok()
            .map(|secs| secs.saturating_mul(1000))
            .or_else(|| parse_rfc3339_lenient(s)),
        Value::Number(n) => n.as_i64().map(|secs| secs.saturating_mul(1000)),
        _ => None,
    }
}

/// The job's `timestamp` (the last oplog entry it restores) in epoch ms and its increment.
fn job_timestamp(job: &RestoreJob) -> Option<(i64, Option<i64>)> {
    let t = job.timestamp.as_ref()?;
    Some((parse_rfc3339_lenient(t.date.as_deref()?)?, t.increment))
}

/// The restore point the request set, as far as the job shows it.
fn same_point(job: &RestoreJob, request: &Value) -> bool {
    if let Some(id) = str_field(request, "snapshotId") {
        return job.point_in_time != Some(true) && job.snapshot_id.as_deref() == Some(id);
    }
    // Every other restore point replays the oplog: Atlas marks the job `pointInTime`.
    if job.point_in_time == Some(false) {
        return false;
    }
    if let Some(pit_ms) = int_field(request, "pointInTimeUTCMillis") {
        return match job_timestamp(job) {
            // Dates come to the second: the point itself, or the last entry before it.
            Some((ts, _)) => ts <= pit_ms && ts > pit_ms - 1000 - OPLOG_GAP_MS,
            None => true,
        };
    }
    if let Some(ts_ms) = oplog_ts_ms(request) {
        let inc = int_field(request, "oplogInc");
        return match job_timestamp(job) {
            Some((ts, job_inc)) => ts / 1000 == ts_ms / 1000 && (job_inc.is_none() || job_inc == inc),
            None => true,
        };
    }
    // A checkpoint: Atlas's job does not name it, so any oplog restore may be it.
    str_field(request, "checkpointId").is_some()
}

/// The method and target the request set, as far as the job's delivery shows them.
fn same_delivery(job: &RestoreJob, request: &Value) -> bool {
    let asked = request.get("delivery").unwrap_or(&Value::Null);
    let Some(d) = job.delivery.as_ref() else { return true };
    let named = |ours: Option<&str>, theirs: Option<&crate::text::Clean>| match (ours, theirs) {
        (Some(a), Some(b)) => *b == a,
        // The request named it and the job names another way, or the reverse: cannot tell.
        _ => true,
    };
    if str_field(asked, "methodName") == Some("AUTOMATED_RESTORE") {
        return named(str_field(asked, "targetGroupId"), d.target_group_id.as_ref())
            && named(str_field(asked, "targetClusterName"), d.target_cluster_name.as_ref())
            && named(str_field(asked, "targetClusterId"), d.target_cluster_id.as_ref());
    }
    // A download: a job that names a target is an automated restore, someone else's.
    if d.target_group_id.is_some() || d.target_cluster_name.is_some() || d.target_cluster_id.is_some() {
        return false;
    }
    let same_number = |key: &str, theirs: Option<i64>| match (int_field(asked, key), theirs) {
        (Some(a), Some(b)) => a == b,
        _ => true,
    };
    same_number("expirationHours", d.expiration_hours) && same_number("maxDownloads", d.max_downloads)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::{BsonTimestamp, Delivery};
    use serde_json::json;

    const AT: i64 = 1_795_867_200_000; // 2026-11-28T12:00:00Z

    fn job(id: &str, created: &str) -> RestoreJob {
        RestoreJob {
            id: id.into(),
            created: Some(created.into()),
            snapshot_id: Some("snapA".into()),
            point_in_time: Some(false),
            delivery: Some(Delivery {
                method_name: Some("HTTP".into()),
                ..Delivery::default()
            }),
            ..RestoreJob::default()
        }
    }

    fn pit(id: &str, created: &str, ts: &str) -> RestoreJob {
        RestoreJob {
            point_in_time: Some(true),
            timestamp: Some(BsonTimestamp {
                date: Some(ts.into()),
                increment: Some(1),
            }),
            ..job(id, created)
        }
    }

    fn none() -> HashSet<String> {
        HashSet::new()
    }

    #[test]
    fn a_snapshot_restore_matches_its_snapshot_only() {
        let req = json!({"snapshotId": "snapA", "delivery": {"methodName": "HTTP"}});
        let mut other = job("b", "2026-11-28T12:00:05Z");
        other.snapshot_id = Some("snapB".into());
        let jobs = [job("a", "2026-11-28T12:00:04Z"), other];
        assert_eq!(
            reconcile(&jobs, AT, &req, &none()),
            Reconciled::Found(vec![jobs[0].clone()])
        );
    }

    #[test]
    fn two_alike_are_candidates_never_a_guess() {
        let req = json!({"snapshotId": "snapA", "delivery": {"methodName": "HTTP"}});
        let jobs = [job("a", "2026-11-28T12:00:04Z"), job("b", "2026-11-28T12:00:30Z")];
        match reconcile(&jobs, AT, &req, &none()) {
            Reconciled::Ambiguous(c) => {
                assert_eq!(c.len(), 2);
                assert_eq!(c[0][0].id, "b", "newest first");
            }
            other => panic!("{other:?}"),
        }
        // One of them owned by another entry: the other is ours.
        let claimed: HashSet<String> = ["b".to_string()].into();
        assert_eq!(
            reconcile(&jobs, AT, &req, &claimed),
            Reconciled::Found(vec![jobs[0].clone()])
        );
    }

    #[test]
    fn jobs_outside_the_window_are_strangers() {
        let req = json!({"snapshotId": "snapA", "delivery": {"methodName": "HTTP"}});
        let before = job("a", "2026-11-28T11:58:00Z");
        let long_after = job("b", "2026-11-28T12:20:00Z");
        assert_eq!(
            reconcile(&[before, long_after], AT, &req, &none()),
            Reconciled::NotFound
        );
        // Within a minute of skew either way is fine.
        let skewed = job("c", "2026-11-28T11:59:30Z");
        assert!(matches!(reconcile(&[skewed], AT, &req, &none()), Reconciled::Found(_)));
    }

    #[test]
    fn a_point_in_time_is_told_apart_from_another_and_from_a_snapshot_restore() {
        let pit_ms = AT - 3_600_000; // 11:00:00Z
        let req = json!({"pointInTimeUTCMillis": pit_ms, "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": "g", "targetClusterName": "Staging0"}});
        let ours = pit("a", "2026-11-28T12:00:02Z", "2026-11-28T11:00:00Z");
        let theirs = pit("b", "2026-11-28T12:00:03Z", "2026-11-28T10:30:00Z");
        let snapshot = job("c", "2026-11-28T12:00:03Z");
        assert_eq!(
            reconcile(&[ours.clone(), theirs, snapshot], AT, &req, &none()),
            Reconciled::Found(vec![ours])
        );
    }

    #[test]
    fn an_oplog_restore_matches_its_timestamp_and_increment() {
        let req = json!({"oplogTs": "1795863600", "oplogInc": "2", "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": "g", "targetClusterName": "Staging0"}});
        let mut ours = pit("a", "2026-11-28T12:00:02Z", "2026-11-28T11:00:00Z");
        ours.timestamp.as_mut().unwrap().increment = Some(2);
        let theirs = pit("b", "2026-11-28T12:00:03Z", "2026-11-28T11:00:00Z");
        assert_eq!(
            reconcile(&[ours.clone(), theirs], AT, &req, &none()),
            Reconciled::Found(vec![ours])
        );
    }

    #[test]
    fn method_and_target_tell_restores_apart() {
        let req = json!({"snapshotId": "snapA", "delivery": {"methodName": "AUTOMATED_RESTORE", "targetGroupId": "g", "targetClusterName": "Staging0"}});
        let mut ours = job("a", "2026-11-28T12:00:02Z");
        let mut elsewhere = job("b", "2026-11-28T12:00:03Z");
        for (j, target) in [(&mut ours, "Staging0"), (&mut elsewhere, "Staging1")] {
            let d = j.delivery.as_mut().unwrap();
            d.target_group_id = Some("g".into());
            d.target_cluster_name = Some(target.into());
        }
        let download = job("c", "2026-11-28T12:00:04Z");
        // The download names no target, and Atlas does not always say: a candidate too.
        match reconcile(&[ours.clone(), elsewhere.clone(), download], AT, &req, &none()) {
            Reconciled::Ambiguous(c) => assert!(c.iter().all(|c| c[0].id != "b")),
            other => panic!("{other:?}"),
        }
        // An HTTP request never adopts an automated restore, and its limits must agree.
        let http = json!({"snapshotId": "snapA", "delivery": {"methodName": "HTTP", "maxDownloads": 2}});
        let mut limited = job("d", "2026-11-28T12:00:04Z");
        limited.delivery.as_mut().unwrap().max_downloads = Some(2);
        let mut unlimited = job("e", "2026-11-28T12:00:05Z");
        unlimited.delivery.as_mut().unwrap().max_downloads = Some(i64::from(i32::MAX));
        assert_eq!(
            reconcile(&[ours, elsewhere, limited.clone(), unlimited], AT, &http, &none()),
            Reconciled::Found(vec![limited])
        );
    }

    #[test]
    fn a_sharded_restore_is_one_whole_batch() {
        let req = json!({"snapshotId": "snapA", "delivery": {"methodName": "HTTP"}});
        let part = |id: &str, batch: &str| RestoreJob {
            batch_id: Some(batch.into()),
            ..job(id, "2026-11-28T12:00:02Z")
        };
        let jobs = [part("a1", "B1"), part("a2", "B1"), part("a3", "B1")];
        match reconcile(&jobs, AT, &req, &none()) {
            Reconciled::Found(found) => assert_eq!(found.len(), 3),
            other => panic!("{other:?}"),
        }
        // Another batch alike: two candidates, each whole.
        let mut more = jobs.to_vec();
        more.extend([part("b1", "B2"), part("b2", "B2"), part("b3", "B2")]);
        match reconcile(&more, AT, &req, &none()) {
            Reconciled::Ambiguous(c) => assert_eq!(c.iter().map(Vec::len).collect::<Vec<_>>(), [3, 3]),
            other => panic!("{other:?}"),
        }
    }
}
