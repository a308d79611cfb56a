//! How long a running restore still has to go: an estimate from this profile's finished
//! restores of the same cluster (as the journal saw them finish), scaled by snapshot size
//! where the sizes are known, always with what it is based on; with none to go by, "no
//! estimate yet". Never a number without its basis.

use super::download::human_duration;
use super::journal::JournalData;
use crate::atlas::RestoreJob;
use crate::restore::time_input::parse_rfc3339_lenient;
use std::time::Duration;

/// A finished restore of the cluster: how long it took, and its snapshot's size if known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PastRestore {
    pub took_ms: i64,
    pub snapshot_bytes: Option<i64>,
}

/// A running job's time: elapsed, and an estimate with its basis, or none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Eta {
    /// Nothing to go by yet: only the elapsed time.
    NoEstimate { elapsed_ms: i64 },
    Estimate {
        elapsed_ms: i64,
        /// The whole restore's expected length.
        expected_ms: i64,
        /// How many finished restores it comes from.
        based_on: usize,
        /// Scaled by snapshot size (the past ones' per byte, times this one's size).
        scaled: bool,
    },
}

impl Eta {
    /// What is left by the estimate (0 once past it); `None` without one.
    #[cfg(test)]
    fn left_ms(&self) -> Option<i64> {
        match self {
            Eta::NoEstimate { .. } => None,
            Eta::Estimate {
                elapsed_ms,
                expected_ms,
                ..
            } => Some((expected_ms - elapsed_ms).max(0)),
        }
    }

    /// `running 1m12s · about 48s left (expected 2m00s from 5 finished restores of Cluster0,
    /// scaled by snapshot size)`, or `running 1m12s · no estimate yet (no finished restore of
    /// Cluster0 in this profile's journal)`.
    pub fn describe(&self, cluster: &str) -> String {
        let d = |ms: i64| human_duration(Duration::from_millis(ms.max(0) as u64));
        let cluster = crate::text::sanitize(cluster);
        match self {
            Eta::NoEstimate { elapsed_ms } => format!(
                "running {} · no estimate yet (no finished restore of {cluster} in this profile's journal)",
                d(*elapsed_ms)
            ),
            Eta::Estimate {
                elapsed_ms,
                expected_ms,
                based_on,
                scaled,
            } => {
                let basis = format!(
                    "{} from {based_on} finished restore{} of {cluster}{}",
                    d(*expected_ms),
                    if *based_on == 1 { "" } else { "s" },
                    if *scaled { ", scaled by snapshot size" } else { "" }
                );
                if elapsed_ms < expected_ms {
                    format!(
                        "running {} · about {} left (expected {basis})",
                        d(*elapsed_ms),
                        d(expected_ms - elapsed_ms)
                    )
                } else {
                    format!("running {} · past the expected {basis}", d(*elapsed_ms))
                }
            }
        }
    }
}

fn median(mut v: Vec<f64>) -> Option<f64> {
    v.retain(|x| x.is_finite());
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let mid = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[mid]
    } else {
        (v[mid - 1] + v[mid]) / 2.0
    })
}

/// The estimate for a restore running `elapsed_ms` of a snapshot of `snapshot_bytes` (if
/// known), from `past` restores of the same cluster: with this size and past ones' sizes
/// known, the median time per byte times this size; else the median time. The median, so
/// that one odd restore does not pull it.
pub fn estimate(elapsed_ms: i64, snapshot_bytes: Option<i64>, past: &[PastRestore]) -> Eta {
    let past: Vec<&PastRestore> = past.iter().filter(|p| p.took_ms > 0).collect();
    if let Some(size) = snapshot_bytes.filter(|s| *s > 0) {
        let per_byte: Vec<f64> = past
            .iter()
            .filter_map(|p| p.snapshot_bytes.filter(|b| *b > 0).map(|b| p.took_ms as f64 / b as f64))
            .collect();
        let based_on = per_byte.len();
        if let Some(rate) = median(per_byte) {
            return Eta::Estimate {
                elapsed_ms,
                expected_ms: (rate * size as f64).round() as i64,
                based_on,
                scaled: true,
            };
        }
    }
    match median(past.iter().map(|p| p.took_ms as f64).collect()) {
        Some(m) => Eta::Estimate {
            elapsed_ms,
            expected_ms: m.round() as i64,
            based_on: past.len(),
            scaled: false,
        },
        None => Eta::NoEstimate { elapsed_ms },
    }
}

/// The finished restores of `group_id`/`cluster` whose end this profile saw (the journal's
/// `finished_ms`), with their snapshots' sizes where noted.
pub(crate) fn past_restores(data: &JournalData, group_id: &str, cluster: &str) -> Vec<PastRestore> {
    data.submits
        .iter()
        .filter(|s| s.group_id == group_id && s.cluster == cluster)
        .flat_map(|s| s.jobs.iter())
        .filter_map(|j| {
            let notes = data.notes.get(j.id.as_str())?;
            let created = parse_rfc3339_lenient(j.created.as_deref()?)?;
            Some(PastRestore {
                took_ms: notes.finished_ms? - created,
                snapshot_bytes: notes.snapshot_bytes,
            })
        })
        .collect()
}

/// The time of a running `job` of `group_id`/`cluster` at `now_ms` (Atlas's clock), from
/// the journal: what the dashboard shows for it.
pub(crate) fn for_job(data: &JournalData, group_id: &str, cluster: &str, job: &RestoreJob, now_ms: i64) -> Option<Eta> {
    let created = parse_rfc3339_lenient(job.created.as_deref()?)?;
    let size = data.notes.get(job.id.as_str()).and_then(|n| n.snapshot_bytes);
    let past: Vec<PastRestore> = past_restores(data, group_id, cluster);
    Some(estimate((now_ms - created).max(0), size, &past))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MIN: i64 = 60_000;

    #[test]
    fn no_past_restore_no_estimate() {
        let eta = estimate(72_000, Some(1 << 30), &[]);
        assert_eq!(eta, Eta::NoEstimate { elapsed_ms: 72_000 });
        assert_eq!(eta.left_ms(), None);
        assert_eq!(
            eta.describe("Cluster0"),
            "running 1m12s · no estimate yet (no finished restore of Cluster0 in this profile's journal)"
        );
    }

    #[test]
    fn one_past_restore_is_the_estimate_and_says_so() {
        let past = [PastRestore {
            took_ms: 10 * MIN,
            snapshot_bytes: Some(100),
        }];
        // Twice the data: twice the time.
        let eta = estimate(4 * MIN, Some(200), &past);
        assert_eq!(
            eta,
            Eta::Estimate {
                elapsed_ms: 4 * MIN,
                expected_ms: 20 * MIN,
                based_on: 1,
                scaled: true
            }
        );
        assert_eq!(eta.left_ms(), Some(16 * MIN));
        assert_eq!(
            eta.describe("Cluster0"),
            "running 4m00s · about 16m00s left (expected 20m00s from 1 finished restore of Cluster0, scaled by snapshot size)"
        );
        // This one's size unknown: the past one's time as it was.
        let eta = estimate(4 * MIN, None, &past);
        assert_eq!(
            eta,
            Eta::Estimate {
                elapsed_ms: 4 * MIN,
                expected_ms: 10 * MIN,
                based_on: 1,
                scaled: false
            }
        );
        assert!(
            eta.describe("C")
                .ends_with("(expected 10m00s from 1 finished restore of C)")
        );
        // Past it: no negative time left, and still the basis.
        let late = estimate(12 * MIN, None, &past);
        assert_eq!(late.left_ms(), Some(0));
        assert_eq!(
            late.describe("C"),
            "running 12m00s · past the expected 10m00s from 1 finished restore of C"
        );
    }

    #[test]
    fn five_past_restores_give_the_median_and_one_odd_one_does_not_pull_it() {
        let sized = |min: i64, bytes: i64| PastRestore {
            took_ms: min * MIN,
            snapshot_bytes: Some(bytes),
        };
        // 1 minute per 100 bytes, but one that took ten times as long.
        let past = [
            sized(1, 100),
            sized(2, 200),
            sized(3, 300),
            sized(40, 400),
            sized(5, 500),
        ];
        assert_eq!(
            estimate(MIN, Some(1000), &past),
            Eta::Estimate {
                elapsed_ms: MIN,
                expected_ms: 10 * MIN,
                based_on: 5,
                scaled: true
            }
        );
        // Sizes known for only some: only those are scaled from.
        let mixed = [
            sized(1, 100),
            sized(2, 200),
            PastRestore {
                took_ms: 7 * MIN,
                snapshot_bytes: None,
            },
            PastRestore {
                took_ms: 9 * MIN,
                snapshot_bytes: None,
            },
            sized(5, 500),
        ];
        let eta = estimate(MIN, Some(300), &mixed);
        assert_eq!(
            eta,
            Eta::Estimate {
                elapsed_ms: MIN,
                expected_ms: 3 * MIN,
                based_on: 3,
                scaled: true
            }
        );
        // Without this one's size: the median of all five.
        assert_eq!(
            estimate(MIN, None, &mixed),
            Eta::Estimate {
                elapsed_ms: MIN,
                expected_ms: 5 * MIN,
                based_on: 5,
                scaled: false
            }
        );
        assert!(
            estimate(MIN, None, &mixed)
                .describe("Cluster0")
                .contains("from 5 finished restores of Cluster0")
        );
    }

    #[test]
    fn a_restore_seen_to_finish_in_the_journal_is_a_past_one() {
        use crate::jobs::journal::{JobNotes, Origin, SubmitState, TrackedSubmit};
        let job = |id: &str| RestoreJob {
            id: id.into(),
            created: Some("2026-11-28T10:00:00Z".into()),
            ..RestoreJob::default()
        };
        let submit = |cluster: &str, jobs: Vec<RestoreJob>| TrackedSubmit {
            key: "k".into(),
            group_id: "g".into(),
            cluster: cluster.into(),
            submitted_at_ms: 0,
            request: serde_json::Value::Null,
            state: SubmitState::Created,
            origin: Origin::Submitted,
            jobs,
            candidates: Vec::new(),
            forgotten: Vec::new(),
            note: None,
            looked_ms: None,
            target_name: None,
            dismissed: false,
        };
        let created = parse_rfc3339_lenient("2026-11-28T10:00:00Z").unwrap();
        let mut data = JournalData::default();
        data.submits
            .push(submit("Cluster0", vec![job("a"), job("b"), job("running")]));
        data.submits.push(submit("Other", vec![job("c")]));
        for (id, took) in [("a", 3 * MIN), ("c", MIN)] {
            data.notes.insert(
                id.into(),
                JobNotes {
                    finished_ms: Some(created + took),
                    snapshot_bytes: Some(1000),
                    ..JobNotes::default()
                },
            );
        }
        // "b" finished unseen: no basis. "c" is another cluster's.
        assert_eq!(
            past_restores(&data, "g", "Cluster0"),
            [PastRestore {
                took_ms: 3 * MIN,
                snapshot_bytes: Some(1000)
            }]
        );
        let eta = for_job(&data, "g", "Cluster0", &job("running"), created + MIN).unwrap();
        assert_eq!(
            eta,
            Eta::Estimate {
                elapsed_ms: MIN,
                expected_ms: 3 * MIN,
                based_on: 1,
                scaled: false
            }
        );
    }
}
