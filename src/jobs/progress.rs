//! A download's progress in words: bytes, rate over the last few seconds, time left, and
//! the sizes and durations they are said in.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

/// Where a download is, for a progress bar: bytes, rate and time left.
#[derive(Debug, Clone, PartialEq)]
pub struct Progress {
    /// Bytes of the file on disk so far (a resumed part's included).
    pub done: u64,
    /// The file's size, when the server said it.
    pub total: Option<u64>,
    /// Where this attempt started: the part's size when it resumed, else 0.
    pub resumed_from: u64,
    /// Bytes a second over the last few seconds, once there is something to go by.
    pub bytes_per_sec: Option<f64>,
    /// At that rate, how long the rest takes.
    pub left: Option<Duration>,
    /// Since this attempt started.
    pub elapsed: Duration,
}

impl Progress {
    /// 0 to 100, when the size is known.
    pub(crate) fn percent(&self) -> Option<u8> {
        self.total
            .filter(|t| *t > 0)
            .map(|t| (self.done.min(t) * 100 / t) as u8)
    }

    /// `412.3 MiB of 2.0 GiB (20%) · 85.2 MiB/s · 19s left · resumed at 100.0 MiB`.
    pub fn describe(&self) -> String {
        let mut out = match (self.total, self.percent()) {
            (Some(t), Some(p)) => format!("{} of {} ({p}%)", human_bytes(self.done), human_bytes(t)),
            _ => human_bytes(self.done),
        };
        match self.bytes_per_sec {
            Some(r) => out.push_str(&format!(" · {}/s", human_bytes(r as u64))),
            None => out.push_str(" · measuring the rate"),
        }
        if let Some(left) = self.left {
            out.push_str(&format!(" · {} left", human_duration(left)));
        }
        if self.resumed_from > 0 {
            out.push_str(&format!(" · resumed at {}", human_bytes(self.resumed_from)));
        }
        out
    }
}

/// `999 B`, `1.5 KiB`, `412.3 MiB`, `2.0 GiB`.
pub fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["KiB", "MiB", "GiB", "TiB", "PiB"];
    if n < 1024 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1024.0;
    let mut unit = 0;
    while v >= 1024.0 && unit + 1 < UNITS.len() {
        v /= 1024.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// `45s`, `3m12s`, `1h02m`.
pub fn human_duration(d: Duration) -> String {
    let s = d.as_secs();
    if s < 60 {
        format!("{s}s")
    } else if s < 3600 {
        format!("{}m{:02}s", s / 60, s % 60)
    } else {
        format!("{}h{:02}m", s / 3600, (s % 3600) / 60)
    }
}

/// The rate over the last few seconds.
pub(super) struct Meter {
    pub(super) started: Instant,
    samples: VecDeque<(Instant, u64)>,
}

const METER_WINDOW: Duration = Duration::from_secs(5);

impl Meter {
    pub(super) fn new(done: u64) -> Meter {
        let now = Instant::now();
        Meter {
            started: now,
            samples: VecDeque::from([(now, done)]),
        }
    }

    pub(super) fn progress(&mut self, done: u64, total: Option<u64>, resumed_from: u64) -> Progress {
        let now = Instant::now();
        self.samples.push_back((now, done));
        while self.samples.len() > 2 && self.samples.front().is_some_and(|(t, _)| now - *t > METER_WINDOW) {
            self.samples.pop_front();
        }
        let rate = self.samples.front().and_then(|(t, d)| {
            let secs = (now - *t).as_secs_f64();
            (secs >= 0.5).then(|| (done - d) as f64 / secs)
        });
        let left = match (rate, total) {
            (Some(r), Some(t)) if r > 0.0 => Some(Duration::from_secs_f64(t.saturating_sub(done) as f64 / r)),
            _ => None,
        };
        Progress {
            done,
            total,
            resumed_from,
            bytes_per_sec: rate,
            left,
            elapsed: now - self.started,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_and_times_read_short() {
        assert_eq!(human_bytes(999), "999 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(2 << 30), "2.0 GiB");
        assert_eq!(human_duration(Duration::from_secs(45)), "45s");
        assert_eq!(human_duration(Duration::from_secs(192)), "3m12s");
        assert_eq!(human_duration(Duration::from_secs(3720)), "1h02m");
    }

    #[test]
    fn progress_says_bytes_rate_and_time_left() {
        let p = Progress {
            done: 512 << 20,
            total: Some(2 << 30),
            resumed_from: 100 << 20,
            bytes_per_sec: Some((64 << 20) as f64),
            left: Some(Duration::from_secs(24)),
            elapsed: Duration::from_secs(6),
        };
        assert_eq!(p.percent(), Some(25));
        assert_eq!(
            p.describe(),
            "512.0 MiB of 2.0 GiB (25%) · 64.0 MiB/s · 24s left · resumed at 100.0 MiB"
        );
        let early = Progress {
            bytes_per_sec: None,
            left: None,
            total: None,
            resumed_from: 0,
            ..p
        };
        assert_eq!(early.describe(), "512.0 MiB · measuring the rate");
    }
}
