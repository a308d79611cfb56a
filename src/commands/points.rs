//! `atlas-restore snapshots` and `atlas-restore checkpoints`: a cluster's restore points,
//! newest first, for a script to choose one from (`--before`, `--after`, `--complete`):
//! `snapshots --before 2026-12-01T09:00Z --complete --format json | jq -r '.[0].id'` is the
//! latest complete snapshot before that time. Times are RFC 3339 UTC; every string from
//! Atlas is sanitised before it is printed.

use crate::atlas::{AtlasError, Checkpoint, Snapshot};
use crate::restore::time_input::{format_utc_ms, parse_rfc3339_lenient};
use crate::text::sanitize;
use serde_json::{Value, json};

/// Listed (possibly none in the window).
pub(crate) const EXIT_LISTED: i32 = super::exit::OK;
/// The config, the profile, or a `--before`/`--after` that is not a time.
pub const EXIT_SETUP: i32 = super::exit::SETUP;

/// Which restore points to list.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Only those taken before this time (epoch ms).
    pub before_ms: Option<i64>,
    /// Only those taken at or after this time (epoch ms).
    pub after_ms: Option<i64>,
    /// Only complete snapshots (restorable checkpoints).
    pub complete_only: bool,
}

impl Window {
    fn holds(&self, at_ms: Option<i64>, complete: bool) -> bool {
        let inside = match at_ms {
            Some(t) => self.before_ms.is_none_or(|b| t < b) && self.after_ms.is_none_or(|a| t >= a),
            // A point without a time cannot be placed in a window: listed only without one.
            None => self.before_ms.is_none() && self.after_ms.is_none(),
        };
        inside && (complete || !self.complete_only)
    }
}

/// One restore point as the commands print it.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub id: String,
    /// When the snapshot was taken (a checkpoint's timestamp), epoch ms.
    pub at_ms: Option<i64>,
    /// A snapshot complete; a checkpoint restorable.
    pub complete: bool,
    pub size_bytes: Option<i64>,
    pub expires_ms: Option<i64>,
    /// A snapshot's other facts, or a checkpoint's.
    pub extra: Value,
}

/// The snapshots in the window, newest first.
pub fn snapshots(listed: Vec<Snapshot>, window: Window) -> Vec<Point> {
    let mut points: Vec<Point> = listed
        .into_iter()
        .map(|s| Point {
            at_ms: s.created.as_ref().and_then(|c| c.date_ms()),
            complete: s.complete == Some(true),
            size_bytes: s.data_size_bytes(),
            expires_ms: s.expires.as_deref().and_then(parse_rfc3339_lenient),
            extra: json!({
                "incremental": s.incremental,
                "doNotDelete": s.do_not_delete,
            }),
            id: sanitize(&s.id),
        })
        .filter(|p| window.holds(p.at_ms, p.complete))
        .collect();
    newest_first(&mut points);
    points
}

/// The checkpoints in the window, newest first.
pub fn checkpoints(listed: Vec<Checkpoint>, window: Window) -> Vec<Point> {
    let time = |t: &Option<crate::text::Clean>| t.as_deref().and_then(parse_rfc3339_lenient);
    let mut points: Vec<Point> = listed
        .into_iter()
        .map(|c| Point {
            at_ms: time(&c.timestamp),
            complete: c.restorable == Some(true),
            size_bytes: None,
            expires_ms: None,
            extra: json!({
                "started": time(&c.started).map(format_utc_ms),
                "completed": time(&c.completed).map(format_utc_ms),
            }),
            id: sanitize(&c.id),
        })
        .filter(|p| window.holds(p.at_ms, p.complete))
        .collect();
    newest_first(&mut points);
    points
}

/// Newest first; a point without a time last; ties by id, so the order is the same each run.
fn newest_first(points: &mut [Point]) {
    points.sort_by(|a, b| {
        b.at_ms
            .is_some()
            .cmp(&a.at_ms.is_some())
            .then(b.at_ms.cmp(&a.at_ms))
            .then_with(|| b.id.cmp(&a.id))
    });
}

/// What kind of restore point a listing holds: the JSON keys and the table's header differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Snapshot,
    Checkpoint,
}

/// An array, newest first: `id`, `created` (a checkpoint's `timestamp`), `complete` (a
/// checkpoint's `restorable`), and the rest of each kind's facts.
pub fn to_json(points: &[Point], kind: Kind) -> String {
    let rows: Vec<Value> = points
        .iter()
        .map(|p| {
            let mut row = match kind {
                Kind::Snapshot => json!({
                    "id": p.id,
                    "created": p.at_ms.map(format_utc_ms),
                    "complete": p.complete,
                    "sizeBytes": p.size_bytes,
                    "expires": p.expires_ms.map(format_utc_ms),
                }),
                Kind::Checkpoint => json!({
                    "id": p.id,
                    "timestamp": p.at_ms.map(format_utc_ms),
                    "restorable": p.complete,
                }),
            };
            if let (Some(row), Some(extra)) = (row.as_object_mut(), p.extra.as_object()) {
                row.extend(extra.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            row
        })
        .collect();
    format!("{}\n", Value::Array(rows))
}

/// A table that fits 80 columns: a snapshot's id, time, complete, size and expiry; a
/// checkpoint's id, timestamp, restorable, and when it completed.
pub fn to_table(points: &[Point], kind: Kind) -> String {
    let dash = || "-".to_string();
    let mut out = match kind {
        Kind::Snapshot => format!(
            "{:<24}  {:<20}  {:<8}  {:>9}  {}\n",
            "id", "created", "complete", "size", "expires"
        ),
        Kind::Checkpoint => format!(
            "{:<24}  {:<20}  {:<10}  {}\n",
            "id", "timestamp", "restorable", "completed"
        ),
    };
    for p in points {
        let at = p.at_ms.map_or_else(dash, minutes);
        let done = if p.complete { "yes" } else { "no" };
        out.push_str(&match kind {
            Kind::Snapshot => format!(
                "{:<24} {:<17} {:<8} {:>9} {}\n",
                p.id,
                at,
                done,
                p.size_bytes
                    .map_or_else(dash, |n| crate::jobs::progress::human_bytes(n.max(0) as u64)),
                p.expires_ms.map_or_else(dash, minutes),
            ),
            Kind::Checkpoint => format!(
                "{:<24} {:<17} {:<10} {}\n",
                p.id,
                at,
                done,
                p.extra["completed"]
                    .as_str()
                    .and_then(parse_rfc3339_lenient)
                    .map_or_else(dash, minutes),
            ),
        });
    }
    if points.is_empty() {
        out.push_str("(none in this window)\n");
    }
    out
}

/// `2026-12-01 09:00Z`: a table's time, to the minute (the JSON has the seconds).
fn minutes(ms: i64) -> String {
    let full = format_utc_ms(ms);
    match full.get(..16) {
        Some(head) if full.len() >= 20 => format!("{}Z", head.replace('T', " ")),
        _ => full,
    }
}

/// What a listing ends with: the exit code, and what goes to stdout and stderr.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outcome {
    pub exit_code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// Lists the cluster's snapshots or checkpoints in the window, newest first.
pub async fn list(
    client: &crate::atlas::AtlasClient,
    group_id: &str,
    cluster: &str,
    kind: Kind,
    window: Window,
) -> Result<Vec<Point>, AtlasError> {
    Ok(match kind {
        Kind::Snapshot => snapshots(
            client
                .list_snapshots(group_id, cluster, crate::atlas::SnapshotFilter::All)
                .await?,
            window,
        ),
        Kind::Checkpoint => checkpoints(client.list_checkpoints(group_id, cluster).await?, window),
    })
}

/// A listing, or why there is none, as a script reads it.
pub fn render(listed: Result<Vec<Point>, AtlasError>, kind: Kind, json: bool) -> Outcome {
    match listed {
        Ok(points) => Outcome {
            exit_code: EXIT_LISTED,
            stdout: if json {
                to_json(&points, kind)
            } else {
                to_table(&points, kind)
            },
            stderr: String::new(),
        },
        Err(e) => {
            let what = match kind {
                Kind::Snapshot => "snapshots",
                Kind::Checkpoint => "checkpoints",
            };
            let message = format!("could not list the cluster's {what} from Atlas: {e}");
            // A client that could not be made (a bad base_url, a CA file) is the set-up's fault.
            setup_or(super::exit::for_atlas(&e), atlas_kind(&e), &message, json)
        }
    }
}

/// A failure: one JSON object on stdout with `--format json` (and the words on stderr).
pub fn setup_or(exit_code: i32, kind: &str, message: &str, json: bool) -> Outcome {
    Outcome {
        exit_code,
        stdout: if json { error_json(kind, message) } else { String::new() },
        stderr: format!("{}\n", sanitize(message)),
    }
}

/// A failure as a script reads it: one JSON object on stdout with `error`, and its exit code.
pub(crate) fn error_json(kind: &str, message: &str) -> String {
    format!("{}\n", json!({"error": {"kind": kind, "message": sanitize(message)}}))
}

/// An Atlas failure's kind, for `error.kind`.
pub fn atlas_kind(e: &AtlasError) -> &'static str {
    match e {
        AtlasError::Status(_) => "atlas_refused",
        AtlasError::Transport { .. } => "atlas_unreachable",
        AtlasError::BadBody { .. } => "atlas_bad_answer",
        AtlasError::OutcomeUnknown { .. } => "atlas_unknown",
        AtlasError::Setup(_) => "setup",
        AtlasError::Cluster(_) => "cluster",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot(id: &str, date: &str, complete: bool) -> Snapshot {
        serde_json::from_value(json!({
            "id": id, "complete": complete, "created": {"date": date, "increment": 1},
            "expires": "2026-12-20T00:00:00Z",
            "parts": [{"dataSizeBytes": 1024}],
        }))
        .unwrap_or_default()
    }

    fn listed() -> Vec<Snapshot> {
        vec![
            snapshot("5f9a0c1e7b2d4a1210000001", "2026-12-01T06:00:00Z", true),
            snapshot("5f9a0c1e7b2d4a1210000003", "2026-12-01T12:00:00Z", false),
            snapshot("5f9a0c1e7b2d4a1210000002", "2026-12-01T08:59:59Z", true),
        ]
    }

    #[test]
    fn the_latest_complete_snapshot_before_a_time_comes_first() {
        let before = parse_rfc3339_lenient("2026-12-01T09:00Z");
        let window = Window {
            before_ms: before,
            complete_only: true,
            ..Window::default()
        };
        let points = snapshots(listed(), window);
        let ids: Vec<&str> = points.iter().map(|p| p.id.as_str()).collect();
        assert_eq!(ids, ["5f9a0c1e7b2d4a1210000002", "5f9a0c1e7b2d4a1210000001"]);
        let doc: Value = serde_json::from_str(&to_json(&points, Kind::Snapshot)).unwrap_or_default();
        assert_eq!(doc[0]["id"], "5f9a0c1e7b2d4a1210000002");
        assert_eq!(doc[0]["created"], "2026-12-01T08:59:59Z");
        assert_eq!(doc[0]["sizeBytes"], 1024);
        assert_eq!(doc[0]["expires"], "2026-12-20T00:00:00Z");
    }

    #[test]
    fn after_and_before_bound_the_window_and_all_is_newest_first() {
        let all = snapshots(listed(), Window::default());
        assert_eq!(all[0].id, "5f9a0c1e7b2d4a1210000003");
        let window = Window {
            after_ms: parse_rfc3339_lenient("2026-12-01T08:00Z"),
            before_ms: parse_rfc3339_lenient("2026-12-01T12:00Z"),
            complete_only: false,
        };
        let ids: Vec<String> = snapshots(listed(), window).into_iter().map(|p| p.id).collect();
        assert_eq!(ids, ["5f9a0c1e7b2d4a1210000002"]);
        assert!(to_table(&[], Kind::Snapshot).contains("(none in this window)"));
    }
}
