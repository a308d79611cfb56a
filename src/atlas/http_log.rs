//! The log's line for each HTTP exchange the client makes: method, host, the path redacted,
//! status, time, the Digest challenges answered on the way (counted by [`CountingDigest`]),
//! and Atlas's error code, never a secret.

use crate::redact::{redact_url, scrub};
use diqwest::DigestAuthSession;
use diqwest::session::{CachedContextGuard, DigestAuthCredentials};
use std::fmt::Display;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Instant;
use url::Url;

/// The target of the request lines (`RUST_LOG=atlas_restore::http=warn` keeps only failures).
pub const HTTP_TARGET: &str = "atlas_restore::http";

/// One HTTP exchange, as the client saw it: `status` when an answer came, `error` when it did
/// not (or its body could not be read). `challenges`: the 401 Digest challenges answered on
/// the way (0 once the session's nonce is reused). For an error status, Atlas's `errorCode`
/// is read from `body` (the code alone: the detail may quote what was sent).
pub fn request(
    method: &str,
    url: &Url,
    status: Option<u16>,
    started: Instant,
    challenges: u32,
    error: Option<&dyn Display>,
    body: Option<&[u8]>,
) {
    let ms = started.elapsed().as_millis() as u64;
    let host = url.host_str().unwrap_or("");
    let path = redact_url(url);
    match (status, error) {
        (Some(status), None) if status < 400 => tracing::info!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status,
            ms,
            challenges,
            "request"
        ),
        (Some(status), None) => tracing::warn!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status,
            ms,
            challenges,
            error_code = %body.and_then(error_code).unwrap_or_else(|| "none".to_string()),
            "request"
        ),
        (status, Some(error)) => tracing::warn!(
            target: HTTP_TARGET,
            method = %method,
            host = %host,
            path = %path,
            status = %status.map_or_else(|| "none".to_string(), |s| s.to_string()),
            ms,
            challenges,
            error = %scrub(&error.to_string()),
            "request failed"
        ),
        (None, None) => {}
    }
}

/// Atlas's `errorCode` in an error body, when it is one (upper-case words and digits).
fn error_code(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let code = value.get("errorCode")?.as_str()?;
    (!code.is_empty()
        && code.len() <= 80
        && code
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'))
    .then(|| code.to_string())
}

/// The method of a request about to be sent (for the log), without sending it.
pub(crate) fn method_of(req: &reqwest::RequestBuilder) -> String {
    req.try_clone()
        .and_then(|r| r.build().ok())
        .map_or_else(|| "?".to_string(), |r| r.method().to_string())
}

/// The client's Digest session, counting the 401 challenges met while one request is sent:
/// a challenge's context stored, or a stale cached one dropped.
pub(crate) struct CountingDigest<'a> {
    session: &'a DigestAuthSession,
    challenges: AtomicU32,
}

impl<'a> CountingDigest<'a> {
    pub fn new(session: &'a DigestAuthSession) -> CountingDigest<'a> {
        CountingDigest {
            session,
            challenges: AtomicU32::new(0),
        }
    }

    pub fn challenges(&self) -> u32 {
        self.challenges.load(Ordering::Relaxed)
    }
}

impl DigestAuthCredentials for &CountingDigest<'_> {
    fn username(&self) -> &str {
        self.session.username()
    }

    fn password(&self) -> &str {
        self.session.password()
    }

    fn cached_context<'h>(&self, host: &'h str) -> diqwest::error::Result<Option<CachedContextGuard<'_, 'h>>> {
        self.session.cached_context(host)
    }

    fn store_context(&self, host: &str, www_authenticate: &str) -> diqwest::error::Result<()> {
        self.challenges.fetch_add(1, Ordering::Relaxed);
        self.session.store_context(host, www_authenticate)
    }

    fn clear_context(&self, host: &str) -> diqwest::error::Result<()> {
        self.challenges.fetch_add(1, Ordering::Relaxed);
        self.session.clear_context(host)
    }
}
