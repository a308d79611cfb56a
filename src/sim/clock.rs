//! The simulated clock: the wall time at start, plus real time elapsed times the speed
//! factor, plus whatever tests added with `advance`. Every job transition reads it, so a
//! test moves a restore along without sleeping.

use crate::restore::time_input::format_utc_ms;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Clock {
    start_ms: i64,
    started: Instant,
    speed: f64,
    advanced_ms: AtomicI64,
}

impl Clock {
    pub fn new(start_ms: i64, speed: f64) -> Clock {
        Clock {
            start_ms,
            started: Instant::now(),
            speed,
            advanced_ms: AtomicI64::new(0),
        }
    }

    /// The wall time the simulator started at, epoch milliseconds.
    pub fn start_ms(&self) -> i64 {
        self.start_ms
    }

    /// Simulated now, epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.at(self.started.elapsed())
    }

    /// Simulated time after `elapsed` real time since the start.
    fn at(&self, elapsed: Duration) -> i64 {
        let scaled = elapsed.as_secs_f64() * self.speed * 1000.0;
        // `as` saturates: an absurd speed cannot wrap the clock around.
        self.start_ms
            .saturating_add(scaled as i64)
            .saturating_add(self.advanced_ms.load(Ordering::Relaxed))
    }

    pub fn advance(&self, d: Duration) {
        let ms = i64::try_from(d.as_millis()).unwrap_or(i64::MAX);
        let _ = self
            .advanced_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |v| Some(v.saturating_add(ms)));
    }
}

/// The host's time, epoch milliseconds: where the simulated clock starts.
pub(crate) fn wall_ms() -> i64 {
    let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(nanos).unwrap_or(i64::MAX)
}

/// A date as Atlas writes them: UTC, whole seconds.
pub fn iso(ms: i64) -> String {
    format_utc_ms(ms - ms.rem_euclid(1000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advance_moves_now_and_speed_scales_it() {
        let c = Clock::new(1_000_000, 1.0);
        let before = c.now_ms();
        c.advance(Duration::from_secs(60));
        let after = c.now_ms();
        assert!((60_000..61_000).contains(&(after - before)), "{before} {after}");
        let fast = Clock::new(5_000, 60.0);
        assert_eq!(fast.at(Duration::from_secs(2)), 125_000);
        fast.advance(Duration::from_secs(1));
        assert_eq!(fast.at(Duration::from_secs(2)), 126_000);
    }

    #[test]
    fn iso_drops_milliseconds() {
        assert_eq!(iso(1_764_322_200_999), "2025-11-28T09:30:00Z");
    }
}
