//! HTTP below the API: reading a header, a `Retry-After`, a body under a cap; what a failed
//! request was, in words; which base URLs are allowed.

use super::error::{AtlasError, BadBodyKind};
use reqwest::header::{HeaderMap, RETRY_AFTER};
use serde_json::Value;
use std::time::Duration;

pub(super) fn header_text(headers: &HeaderMap, name: reqwest::header::HeaderName) -> String {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// `Retry-After` in seconds, or as an HTTP date.
pub(super) fn retry_after(headers: &HeaderMap) -> Option<Duration> {
    let text = headers.get(RETRY_AFTER)?.to_str().ok()?.trim();
    retry_after_at(text, std::time::SystemTime::now())
}

/// A `Retry-After` value read at `now`: whole seconds, or the whole seconds until an HTTP
/// date (zero once it is past).
fn retry_after_at(text: &str, now: std::time::SystemTime) -> Option<Duration> {
    if let Ok(secs) = text.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = httpdate::parse_http_date(text).ok()?;
    let wait = at.duration_since(now).unwrap_or_default();
    Some(Duration::from_secs(wait.as_secs()))
}

/// Reads the whole body, refusing one larger than `cap`.
pub(super) async fn read_capped(
    resp: &mut reqwest::Response,
    cap: u64,
    host: &str,
    is_create: bool,
) -> Result<Vec<u8>, AtlasError> {
    let too_large = || AtlasError::BadBody {
        kind: BadBodyKind::TooLarge,
        detail: format!("the cap of {cap} bytes"),
    };
    if resp.content_length().is_some_and(|n| n > cap) {
        return Err(too_large());
    }
    let mut body = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| transport_error(&e, host, is_create))? {
        if body.len() as u64 + chunk.len() as u64 > cap {
            return Err(too_large());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Sorts a reqwest failure into words, by the types in its chain (`transport::classify`).
/// For a create, anything after the connection was made means the request may have reached
/// Atlas.
pub(super) fn transport_error(e: &reqwest::Error, host: &str, is_create: bool) -> AtlasError {
    let mut chain = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        chain.push_str(": ");
        chain.push_str(&s.to_string());
        source = s.source();
    }
    let chain = crate::text::sanitize(&chain);
    if is_create && !e.is_connect() {
        return AtlasError::OutcomeUnknown { detail: chain };
    }
    let proxied = e
        .url()
        .is_some_and(|u| super::transport::proxied(u, &|k| std::env::var(k).ok()));
    AtlasError::Transport {
        kind: super::transport::classify(e, proxied),
        host: host.to_string(),
        detail: chain,
    }
}

/// HTTPS, except to a loopback address (the simulator, a local tunnel).
pub fn check_base_url(url: &str) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| format!("base_url {url:?} is not a URL ({e})"))?;
    // A user or password in the URL would be sent as Basic auth and shown in the title.
    if !parsed.username().is_empty() || parsed.password().is_some() {
        return Err(
            "base_url holds a user name or password (https://user:pass@host): remove it; the API key pair goes in public_key and private_key (or private_key_command)".into(),
        );
    }
    match parsed.scheme() {
        "https" => Ok(()),
        "http" if is_loopback_host(&parsed) => Ok(()),
        "http" => Err(format!(
            "base_url {url:?} is plain http: the API keys would cross the network readable; use https:// (plain http is only for loopback addresses)"
        )),
        other => Err(format!("base_url {url:?}: scheme {other:?} is not http(s)")),
    }
}

pub(super) fn is_loopback_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// `{"status": 200, "content": ...}` → `...`
pub(super) fn unwrap_envelope(value: Value) -> Value {
    match value {
        Value::Object(mut map) if map.len() == 2 && map.contains_key("status") && map.contains_key("content") => {
            map.remove("content").unwrap_or(Value::Null)
        }
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_base_url_with_a_user_or_password_is_refused_without_echoing_it() {
        for url in [
            "https://user:s3cret@cloud.mongodb.com",
            "https://user@cloud.mongodb.com",
            "http://:pw@127.0.0.1:8080",
        ] {
            let e = check_base_url(url).unwrap_err();
            assert!(
                e.contains("user name or password") && !e.contains("s3cret") && !e.contains("pw@"),
                "{e}"
            );
        }
        assert!(check_base_url("https://cloud.mongodb.com").is_ok());
    }
    use std::time::{SystemTime, UNIX_EPOCH};

    #[test]
    fn retry_after_is_seconds_or_a_date() {
        // RFC 7231's example date, 784111777 s after the epoch; read 10.5 s before it.
        let now = UNIX_EPOCH + Duration::from_millis(784_111_766_500);
        assert_eq!(retry_after_at("120", now), Some(Duration::from_secs(120)));
        assert_eq!(retry_after_at("0", now), Some(Duration::ZERO));
        // Whole seconds, rounded down.
        assert_eq!(
            retry_after_at("Sun, 06 Nov 1994 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        assert_eq!(
            retry_after_at("Sunday, 06-Nov-94 08:49:37 GMT", now),
            Some(Duration::from_secs(10))
        );
        // A date gone by: no wait.
        assert_eq!(
            retry_after_at("Sun, 06 Nov 1994 08:49:37 GMT", SystemTime::now()),
            Some(Duration::ZERO)
        );
        for bad in ["", "-5", "soon", "1.5", "2026-11-28T20:32:57Z"] {
            assert_eq!(retry_after_at(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn retry_after_header_is_trimmed() {
        let mut headers = HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(RETRY_AFTER, " 30 ".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(30)));
    }
}
