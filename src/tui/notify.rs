//! Telling the DBA, who is in another window, that a job needs them: it turned READY, FAILED
//! or KILLED, or its link has under 15 minutes left. Once per job and event, never again on a
//! redraw or a restart's first poll (what was already so when the dashboard opened is not news).

use crate::atlas::{DeliveryStatus, JobStatus};
use crate::jobs::TrackedJob;
use crate::jobs::present::{download_gone, expires_ms, short_id};
use serde::Deserialize;
use std::collections::HashMap;

/// `[ui] notify`: a bell (passes tmux with its default settings), a desktop notification
/// through OSC 9 (iTerm2, kitty, WezTerm, foot, Windows Terminal) or OSC 777, or nothing.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum NotifyMode {
    #[default]
    Bell,
    Osc9,
    Osc777,
    Off,
}

/// A link this close to its expiry is worth a word.
pub(crate) const EXPIRING_MS: i64 = 15 * 60_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Event {
    Ready,
    Failed,
    Killed,
    Expiring,
}

#[derive(Debug, Default)]
pub struct Notifier {
    /// Each job's events already told, or already so at the first look: looked up by the
    /// borrowed id, so that a look at 10,000 jobs allocates only for news.
    told: HashMap<String, Vec<Event>>,
    seeded: bool,
    /// Inside tmux, the note that OSC 9/777 need `allow-passthrough` was given.
    pub tmux_note_given: bool,
}

fn events(job: &TrackedJob, now_ms: i64) -> Vec<Event> {
    let j = &job.job;
    let mut out = Vec::new();
    match j.status_name {
        Some(JobStatus::Failed | JobStatus::Broken) => out.push(Event::Failed),
        Some(JobStatus::Killed) => out.push(Event::Killed),
        _ => {}
    }
    let ready = j.delivery.as_ref().and_then(|d| d.status_name.as_ref()) == Some(&DeliveryStatus::Ready);
    if ready {
        out.push(Event::Ready);
    }
    if ready && download_gone(j).is_none() && expires_ms(j).is_some_and(|e| e > now_ms && e - now_ms < EXPIRING_MS) {
        out.push(Event::Expiring);
    }
    out
}

impl Notifier {
    /// The news in `jobs` since the last look, as one line each.
    pub fn look(&mut self, jobs: &[TrackedJob], now_ms: i64) -> Vec<String> {
        let mut news = Vec::new();
        for t in jobs {
            for event in events(t, now_ms) {
                let known = self.told.get(t.job.id.as_str()).is_some_and(|e| e.contains(&event));
                if !known {
                    self.told.entry(t.job.id.to_string()).or_default().push(event);
                }
                if !known && self.seeded {
                    let cluster = t.job.cluster_name.as_deref().unwrap_or("?");
                    let id = short_id(&t.job.id);
                    news.push(match event {
                        Event::Ready => format!("restore job {id} of {cluster} is READY"),
                        Event::Failed => format!("restore job {id} of {cluster} FAILED"),
                        Event::Killed => format!("restore job {id} of {cluster} was KILLED"),
                        Event::Expiring => {
                            let left = expires_ms(&t.job).map_or(0, |e| (e - now_ms) / 60_000);
                            format!("the download link of job {id} of {cluster} expires in {left} min")
                        }
                    });
                }
            }
        }
        self.seeded = true;
        news
    }
}

/// The bytes that tell the terminal: a BEL, or an OSC 9/777 notification (wrapped for tmux's
/// passthrough when inside tmux). `text` is already safe (ids and names from `Clean`).
pub fn sequence(mode: NotifyMode, text: &str, in_tmux: bool) -> Option<Vec<u8>> {
    let osc = match mode {
        NotifyMode::Off => return None,
        NotifyMode::Bell => return Some(b"\x07".to_vec()),
        NotifyMode::Osc9 => format!("\x1b]9;{text}\x07"),
        NotifyMode::Osc777 => format!("\x1b]777;notify;atlas-restore;{text}\x07"),
    };
    Some(if in_tmux {
        // tmux passes a DCS-wrapped sequence through (with allow-passthrough on), its ESCs doubled.
        format!("\x1bPtmux;{}\x1b\\", osc.replace('\x1b', "\x1b\x1b")).into_bytes()
    } else {
        osc.into_bytes()
    })
}

impl Notifier {
    /// What turned READY, FAILED or KILLED, or is about to expire, in one line to tell the
    /// terminal (`[ui] notify`) and the status line; `None` when nothing is news, or `off`
    /// keeps quiet (the panel still shows every state, nothing else is said).
    pub fn news(&mut self, jobs: &[TrackedJob], mode: NotifyMode, now_ms: i64) -> Option<String> {
        let news = self.look(jobs, now_ms);
        (!news.is_empty() && mode != NotifyMode::Off).then(|| news.join("; "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::{Delivery, RestoreJob};

    fn job(delivery: &str, expires: Option<&str>) -> TrackedJob {
        RestoreJob {
            id: "6b77893b80eef5354c77ee15".into(),
            cluster_name: Some("Cluster0".into()),
            status_name: Some(JobStatus::Finished),
            delivery: Some(Delivery {
                status_name: Some(delivery.into()),
                expires: expires.map(Into::into),
                ..Delivery::default()
            }),
            ..RestoreJob::default()
        }
        .into()
    }

    #[test]
    fn once_per_event_and_nothing_at_the_first_look() {
        let now = 1_795_867_200_000; // 12:00Z
        let mut n = Notifier::default();
        // Already READY when the dashboard opened: not news.
        assert!(n.look(&[job("READY", None)], now).is_empty());
        let mut n = Notifier::default();
        assert!(n.look(&[job("IN_PROGRESS", None)], now).is_empty());
        let ready = n.look(&[job("READY", Some("2026-11-28T14:00:00Z"))], now);
        assert_eq!(ready, ["restore job 4c77ee15 of Cluster0 is READY"]);
        assert!(
            n.look(&[job("READY", Some("2026-11-28T14:00:00Z"))], now).is_empty(),
            "once"
        );
        // Under 15 minutes left: said once.
        let later = now + 2 * 3_600_000 - 10 * 60_000;
        let expiring = n.look(&[job("READY", Some("2026-11-28T14:00:00Z"))], later);
        assert_eq!(
            expiring,
            ["the download link of job 4c77ee15 of Cluster0 expires in 10 min"]
        );
        assert!(
            n.look(&[job("READY", Some("2026-11-28T14:00:00Z"))], later + 60_000)
                .is_empty()
        );
    }

    #[test]
    fn sequences_per_mode() {
        assert_eq!(sequence(NotifyMode::Bell, "x", true), Some(b"\x07".to_vec()));
        assert_eq!(sequence(NotifyMode::Off, "x", false), None);
        assert_eq!(
            sequence(NotifyMode::Osc9, "ready", false),
            Some(b"\x1b]9;ready\x07".to_vec())
        );
        assert_eq!(
            sequence(NotifyMode::Osc777, "ready", true),
            Some(b"\x1bPtmux;\x1b\x1b]777;notify;atlas-restore;ready\x07\x1b\\".to_vec())
        );
    }
}
