//! `Date` on every answer, from the simulated clock, as Atlas's answers carry Atlas's time: a
//! client reads the server's "now" from it (`atlas::ServerClock`). The clock runs fast under
//! `--speed` (the demo's 20x), and hyper's own `Date` would tell the host's time instead,
//! which no job's `created` or `expires` is counted in.

use crate::sim::Shared;
use axum::extract::{Request, State};
use axum::http::HeaderValue;
use axum::http::header::DATE;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The middleware: sets `Date` (hyper adds its own only where none is set).
pub(crate) async fn server_date(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let mut resp = next.run(req).await;
    if let Some(date) = imf_fixdate(sh.now_ms()).and_then(|d| HeaderValue::from_str(&d).ok()) {
        resp.headers_mut().insert(DATE, date);
    }
    resp
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` (RFC 7231's IMF-fixdate) for epoch ms; none outside the
/// years 1970 to 9999, which are all `httpdate` writes (it panics on others).
pub(crate) fn imf_fixdate(ms: i64) -> Option<String> {
    let secs = u64::try_from(ms.div_euclid(1000))
        .ok()
        .filter(|s| *s < 253_402_300_800)?;
    Some(httpdate::fmt_http_date(
        std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_imf_fixdate() {
        // Known dates (RFC 7231's own example; a leap day; a simulated "now"), to the second.
        for (ms, text) in [
            (784_111_777_999, "Sun, 06 Nov 1994 08:49:37 GMT"),
            (951_782_400_000, "Tue, 29 Feb 2000 00:00:00 GMT"),
            (1_795_877_543_000, "Sat, 28 Nov 2026 14:52:23 GMT"),
        ] {
            assert_eq!(imf_fixdate(ms).as_deref(), Some(text), "{ms}");
        }
        assert_eq!(imf_fixdate(-1), None);
        assert_eq!(
            imf_fixdate(253_402_300_799_999).as_deref(),
            Some("Fri, 31 Dec 9999 23:59:59 GMT")
        );
        assert_eq!(imf_fixdate(253_402_300_800_000), None);
    }
}
