//! Atlas's clock, as seen from here. Expiry countdowns, "in 3h" and the 24-hour window of a
//! point in time are Atlas's times, so they are counted from Atlas's "now": this host's clock
//! plus an offset read from each answer's `Date` header (RFC 7231 IMF-fixdate). A jump host
//! whose clock is off, or the demo's fast simulated clock, then still shows a fresh 48-hour
//! link as 48h00m.
//!
//! `Date` has whole seconds and is written somewhere between the request leaving and the
//! answer arriving, so one answer only bounds the offset: `[date − received, date + 1 s −
//! sent]`. The estimate moves only as far as it must to sit inside each answer's bounds
//! (starting from 0: the clocks agree until an answer says otherwise). For a steady offset it
//! only ever closes in on the truth, so nothing on screen flaps with the second boundaries; a
//! clock that jumps or runs fast is followed at once.

use std::sync::atomic::{AtomicBool, AtomicI64, Ordering};

/// Below this the clocks are taken as agreeing, on screen.
pub(crate) const SKEW_SHOWN_MS: i64 = 60_000;

/// The estimated offset of Atlas's clock from this host's, shared by everything that asks
/// Atlas (the poller, the pickers, a submit) and everything that shows its times.
#[derive(Debug, Default)]
pub struct ServerClock {
    offset_ms: AtomicI64,
    seen: AtomicBool,
}

impl ServerClock {
    pub fn new() -> ServerClock {
        ServerClock::default()
    }

    /// One answer: its `Date` (epoch ms, whole seconds), the local times the request was sent
    /// and the answer's headers arrived.
    pub(crate) fn observe(&self, date_ms: i64, sent_local_ms: i64, received_local_ms: i64) {
        let (low, high) = offset_bounds(date_ms, sent_local_ms, received_local_ms);
        self.seen.store(true, Ordering::Relaxed);
        // Answers that arrive together apply one after the other, each on the last estimate.
        let _ = self
            .offset_ms
            .fetch_update(Ordering::Relaxed, Ordering::Relaxed, |prev| {
                Some(closest_within(prev, low, high))
            });
    }

    /// Reads an answer's `Date` header value; `false` when it is not an HTTP date.
    pub(crate) fn observe_header(&self, value: &str, sent_local_ms: i64, received_local_ms: i64) -> bool {
        match parse_http_date(value) {
            Some(date_ms) => {
                self.observe(date_ms, sent_local_ms, received_local_ms);
                true
            }
            None => false,
        }
    }

    /// Atlas's clock minus ours, in ms; `None` before any answer said.
    pub fn offset_ms(&self) -> Option<i64> {
        self.seen
            .load(Ordering::Relaxed)
            .then(|| self.offset_ms.load(Ordering::Relaxed))
    }

    /// Atlas's "now" for this host's `local_ms`.
    pub fn now_ms(&self, local_ms: i64) -> i64 {
        local_ms.saturating_add(self.offset_ms.load(Ordering::Relaxed))
    }
}

/// What one answer says of the offset (Atlas − local, ms): the `Date` was written at a local
/// time between `sent` and `received`, and Atlas's clock then read between `date` and
/// `date + 999`.
pub(crate) fn offset_bounds(date_ms: i64, sent_local_ms: i64, received_local_ms: i64) -> (i64, i64) {
    let (sent, received) = if sent_local_ms <= received_local_ms {
        (sent_local_ms, received_local_ms)
    } else {
        // Our clock was stepped back in between: the wider bounds.
        (received_local_ms, sent_local_ms)
    };
    (
        date_ms.saturating_sub(received),
        date_ms.saturating_add(999).saturating_sub(sent),
    )
}

/// The estimate after an answer: the last one if the answer allows it, else the nearest bound.
pub(crate) fn closest_within(prev_ms: i64, low_ms: i64, high_ms: i64) -> i64 {
    prev_ms.clamp(low_ms, high_ms.max(low_ms))
}

/// An HTTP date, epoch ms: IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), which is what
/// servers send (RFC 7231 §7.1.1.1), and the RFC 850 and asctime forms it asks recipients to
/// read as well (the `httpdate` crate, hyper's own). Blanks around it are allowed.
pub fn parse_http_date(text: &str) -> Option<i64> {
    let at = httpdate::parse_http_date(text.trim()).ok()?;
    i64::try_from(at.duration_since(std::time::UNIX_EPOCH).ok()?.as_millis()).ok()
}

/// The skew named in the header, once it is over a minute: `server clock +9m`,
/// `server clock -2h05m`.
pub fn describe_skew(offset_ms: Option<i64>) -> Option<String> {
    let offset = offset_ms?;
    if offset.abs() < SKEW_SHOWN_MS {
        return None;
    }
    let sign = if offset < 0 { '-' } else { '+' };
    let minutes = offset.unsigned_abs() / 60_000;
    let amount = if minutes >= 24 * 60 {
        format!("{}d{:02}h", minutes / (24 * 60), minutes % (24 * 60) / 60)
    } else if minutes >= 60 {
        format!("{}h{:02}m", minutes / 60, minutes % 60)
    } else {
        format!("{minutes}m")
    };
    Some(format!("server clock {sign}{amount}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 7231's example, `Sun, 06 Nov 1994 08:49:37 GMT`.
    const EXAMPLE_MS: i64 = 784_111_777_000;

    #[test]
    fn reads_http_dates() {
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(EXAMPLE_MS));
        assert_eq!(parse_http_date(" Sun, 06 Nov 1994 08:49:37 GMT "), Some(EXAMPLE_MS));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(EXAMPLE_MS));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(EXAMPLE_MS));
        assert_eq!(
            parse_http_date("Sat, 28 Nov 2026 20:32:57 GMT"),
            crate::restore::time_input::parse_rfc3339_lenient("2026-11-28T20:32:57Z")
        );
        for bad in [
            "",
            "yesterday",
            "1994-11-06T08:49:37Z",
            "Sun, 06 Nov 1994 25:49:37 GMT",
            // The weekday must be the date's.
            "Mon, 06 Nov 1994 08:49:37 GMT",
        ] {
            assert_eq!(parse_http_date(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn one_answer_bounds_the_offset() {
        // Sent at 10.000 s, back at 10.200 s local; Atlas wrote 70 s (it is a minute ahead,
        // give or take the second the header leaves out and the 200 ms on the way).
        assert_eq!(offset_bounds(70_000, 10_000, 10_200), (59_800, 60_999));
        // A clock stepped back in between widens, never inverts, the bounds.
        assert_eq!(offset_bounds(70_000, 10_200, 10_000), (59_800, 60_999));
    }

    /// The estimate of a server that is 9m00.4s ahead, through answers whose `Date` cuts the
    /// second at every point: it stays 0 until the first answer, then closes in and never
    /// moves back and forth, however the seconds fall.
    #[test]
    fn a_steady_offset_is_estimated_without_flapping() {
        let clock = ServerClock::new();
        assert_eq!(clock.offset_ms(), None);
        assert_eq!(clock.now_ms(1_000), 1_000);
        let truth: i64 = 540_400;
        let mut last: Option<i64> = None;
        for i in 0..200 {
            let sent = 1_000_000 + i * 1_037;
            let rtt = 20 + (i * 7) % 180;
            // Atlas writes the date halfway, in whole seconds.
            let server = sent + rtt / 2 + truth;
            let date = server - server.rem_euclid(1000);
            clock.observe(date, sent, sent + rtt);
            let est = clock.offset_ms().unwrap();
            assert!((truth - 1_200..=truth).contains(&est), "{est}");
            if let Some(prev) = last {
                assert!(est >= prev, "the estimate went back from {prev} to {est}");
            }
            last = Some(est);
        }
        assert!((truth - 100..=truth).contains(&last.unwrap()), "{last:?}");
        assert_eq!(describe_skew(clock.offset_ms()).as_deref(), Some("server clock +9m"));
    }

    /// Clocks that agree stay at exactly 0: the second boundaries alone never make a skew.
    #[test]
    fn agreeing_clocks_stay_at_zero() {
        let clock = ServerClock::new();
        for i in 0..100 {
            let sent: i64 = 5_000_000 + i * 333;
            let server = sent + 10;
            clock.observe(server - server.rem_euclid(1000), sent, sent + 20);
            assert_eq!(clock.offset_ms(), Some(0));
        }
        assert_eq!(describe_skew(clock.offset_ms()), None);
    }

    /// The demo's simulated clock runs 20 times as fast: each answer moves the estimate on.
    #[test]
    fn a_fast_clock_is_followed() {
        let clock = ServerClock::new();
        let start_local: i64 = 1_000_000;
        for i in 1..=10 {
            let local = start_local + i * 2_000;
            let server = start_local + (local - start_local) * 20;
            clock.observe(server - server.rem_euclid(1000), local - 5, local);
            let est = clock.offset_ms().unwrap();
            assert!((server - local - 1_000..=server - local).contains(&est), "{i}: {est}");
        }
        // 20 s of the demo: the server is 380 s ahead.
        assert_eq!(clock.now_ms(start_local + 20_000), start_local + 400_000);
    }

    #[test]
    fn names_a_skew_over_a_minute() {
        assert_eq!(describe_skew(None), None);
        assert_eq!(describe_skew(Some(59_999)), None);
        assert_eq!(describe_skew(Some(-59_999)), None);
        assert_eq!(describe_skew(Some(60_000)).as_deref(), Some("server clock +1m"));
        assert_eq!(describe_skew(Some(-125_000)).as_deref(), Some("server clock -2m"));
        assert_eq!(describe_skew(Some(7_500_000)).as_deref(), Some("server clock +2h05m"));
        assert_eq!(
            describe_skew(Some(-(3 * 86_400_000 + 4 * 3_600_000))).as_deref(),
            Some("server clock -3d04h")
        );
    }
}
