//! `atlas-restore jobs`: the profile's tracked jobs (or all of its cluster's, with `--all`),
//! refreshed from Atlas once, printed as a table or JSON. Every string from the network is
//! sanitized before it is printed.

use crate::atlas::{AtlasClient, RestoreJob};
use crate::jobs::present::{delivery_status, download_target, listed_sha1, max_downloads, status};
use crate::jobs::{Journal, PollEvent, Poller, PollerConfig};
use crate::text::sanitize;
use serde_json::{Value, json};
use std::sync::{Arc, Mutex};

pub const EXIT_OK: i32 = 0;
/// The jobs are printed from the journal, but Atlas could not be asked.
pub const EXIT_STALE: i32 = 1;

pub struct Listing {
    pub jobs: Vec<RestoreJob>,
    /// Why the data could not be refreshed, if it could not.
    pub stale: Option<String>,
}

/// The tracked jobs, refreshed by one poll cycle.
pub async fn tracked(client: Arc<AtlasClient>, journal: Journal) -> Listing {
    let journal = Arc::new(Mutex::new(journal));
    let poller = Poller::new(
        client,
        journal.clone(),
        PollerConfig::new(std::time::Duration::from_secs(10)),
    );
    match poller.cycle().await {
        Ok((Some(PollEvent::Updated { jobs, .. }), _)) => Listing { jobs, stale: None },
        Ok(_) => Listing {
            jobs: journal.lock().unwrap_or_else(|p| p.into_inner()).jobs(),
            stale: None,
        },
        Err(e) => Listing {
            jobs: journal.lock().unwrap_or_else(|p| p.into_inner()).jobs(),
            stale: Some(e.to_string()),
        },
    }
}

/// Every restore job of the cluster.
pub async fn all(client: &AtlasClient, group_id: &str, cluster: &str) -> Result<Listing, crate::atlas::AtlasError> {
    Ok(Listing {
        jobs: client.list_restore_jobs(group_id, cluster, None).await?,
        stale: None,
    })
}

fn s(v: Option<&str>) -> Value {
    v.map_or(Value::Null, |t| Value::String(sanitize(t)))
}

/// One JSON object a job, with what a script needs (the auth value is not included).
pub fn to_json(jobs: &[RestoreJob]) -> String {
    let list: Vec<Value> = jobs
        .iter()
        .map(|j| {
            let d = j.delivery.as_ref();
            json!({
                "id": sanitize(&j.id),
                "clusterName": s(j.cluster_name.as_deref()),
                "batchId": s(j.batch_id.as_deref()),
                "snapshotId": s(j.snapshot_id.as_deref()),
                "created": s(j.created.as_deref()),
                "statusName": s(j.status_name.as_deref()),
                "delivery": {
                    "statusName": s(d.and_then(|d| d.status_name.as_deref())),
                    "expires": s(d.and_then(|d| d.expires.as_deref())),
                    "maxDownloads": d.and_then(|d| d.max_downloads),
                    "url": s(d.and_then(|d| d.url.as_deref())),
                    "urlV2": s(d.and_then(|d| d.url_v2.as_deref())),
                    "authHeader": s(d.and_then(|d| d.auth_header.as_deref())),
                },
                "hashes": j.hashes.iter().flatten().map(|h| json!({
                    "fileName": s(h.file_name.as_deref()),
                    "typeName": s(h.type_name.as_deref()),
                    "hash": s(h.hash.as_deref()),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    format!("{}\n", Value::Array(list))
}

/// A table for people: one line a job, the URL last so that it is never cut.
pub fn to_table(jobs: &[RestoreJob]) -> String {
    let mut out = format!(
        "{:<24}  {:<12}  {:<11}  {:<22}  {:<20}  {:<8}  {:<40}  {}\n",
        "JOB", "CLUSTER", "STATUS", "DELIVERY", "EXPIRES", "MAX DL", "SHA1", "URL"
    );
    if jobs.is_empty() {
        out.push_str("(no jobs)\n");
    }
    for j in jobs {
        let expires = j
            .delivery
            .as_ref()
            .and_then(|d| d.expires.as_deref())
            .map(sanitize)
            .unwrap_or_else(|| "-".into());
        let url = download_target(j).map(|t| t.url).unwrap_or_else(|| "-".into());
        out.push_str(&format!(
            "{:<24}  {:<12}  {:<11}  {:<22}  {:<20}  {:<8}  {:<40}  {}\n",
            sanitize(&j.id),
            j.cluster_name.as_deref().map(sanitize).unwrap_or_else(|| "-".into()),
            status(j),
            delivery_status(j),
            expires,
            max_downloads(j),
            listed_sha1(j).unwrap_or_else(|| "-".into()),
            url
        ));
    }
    out
}
