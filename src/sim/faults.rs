//! Fault modes: what the network and Atlas do to a client on a bad day. Each has a name
//! for `atlas-restore sim --fault NAME` and the answer it produces.

use axum::body::Body;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::time::Duration;

/// The address Atlas names in its access-list refusal: a documentation address standing
/// for the NAT egress address a jump host's traffic really leaves from.
pub const REFUSED_ADDRESS: &str = "203.0.113.7";

/// A fault to inject into the simulator's answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fault {
    /// 403 `IP_ADDRESS_NOT_ON_ACCESS_LIST`, after authentication (the list is per key).
    NotOnAccessList,
    /// 429 `RATE_LIMITED`, with `Retry-After` when given.
    RateLimited { retry_after_secs: Option<u64> },
    /// 500 `UNEXPECTED_ERROR`.
    ServerError,
    /// 503 `SERVICE_UNAVAILABLE`, before authentication (as from a load balancer).
    Unavailable,
    /// Every answer is delayed this long (real time).
    Slow(Duration),
    /// The connection is closed: without an answer for a GET, in the middle of the body for
    /// a POST (after the job was made, as a flaky link does) and for downloads.
    DropConnection,
    /// Only the answer to a create (`POST`) breaks, after the job was made; every other
    /// answer comes whole. The lost answer alone, without the failed reads around it.
    DropCreate,
    /// 200 (or the answer's own status) with the JSON cut in half.
    MalformedJson,
    /// 502 with an HTML page, as a corporate proxy answers.
    HtmlPage,
    /// Every nonce may be used once only: a client that reuses a nonce gets 401 with
    /// `stale=true` and must take the fresh one from that challenge.
    StaleNonce,
    /// 200 with a JSON-looking body of this many bytes, instead of the answer.
    HugeBody(usize),
}

/// The names `--fault` takes, with their optional `=VALUE`.
pub const FAULT_NAMES: &[&str] = &[
    "not-on-access-list",
    "rate-limited[=RETRY_AFTER_SECS|none]",
    "server-error",
    "unavailable",
    "slow[=DURATION]",
    "drop",
    "drop-create",
    "malformed-json",
    "html",
    "stale-nonce",
    "huge-body[=BYTES]",
];

const DEFAULT_RETRY_AFTER_SECS: u64 = 30;
const DEFAULT_SLOW: Duration = Duration::from_secs(5);
const DEFAULT_HUGE_BYTES: usize = 64 * 1024 * 1024;

impl std::str::FromStr for Fault {
    type Err = String;

    /// `slow`, `slow=2s`, `rate-limited=55`, `rate-limited=none`, `huge-body=1000000`, ...
    fn from_str(s: &str) -> Result<Fault, String> {
        let s = s.trim();
        let (name, value) = match s.split_once(['=', ':']) {
            Some((n, v)) => (n.trim(), Some(v.trim())),
            None => (s, None),
        };
        let no_value = |f: Fault| match value {
            None => Ok(f),
            Some(_) => Err(format!("fault {name} takes no value")),
        };
        match name.to_ascii_lowercase().as_str() {
            "not-on-access-list" => no_value(Fault::NotOnAccessList),
            "rate-limited" => {
                let retry_after_secs = match value {
                    None => Some(DEFAULT_RETRY_AFTER_SECS),
                    Some(v) if v.eq_ignore_ascii_case("none") => None,
                    Some(v) => Some(
                        v.parse::<u64>()
                            .map_err(|_| format!("rate-limited={v}: give the Retry-After seconds, or none"))?,
                    ),
                };
                Ok(Fault::RateLimited { retry_after_secs })
            }
            "server-error" => no_value(Fault::ServerError),
            "unavailable" => no_value(Fault::Unavailable),
            "slow" => match value {
                None => Ok(Fault::Slow(DEFAULT_SLOW)),
                Some(v) => humantime::parse_duration(v)
                    .map(Fault::Slow)
                    .map_err(|e| format!("slow={v}: {e}; write it like 2s or 500ms")),
            },
            "drop" | "drop-connection" => no_value(Fault::DropConnection),
            "drop-create" => no_value(Fault::DropCreate),
            "malformed-json" => no_value(Fault::MalformedJson),
            "html" | "html-page" => no_value(Fault::HtmlPage),
            "stale-nonce" => no_value(Fault::StaleNonce),
            "huge-body" => match value {
                None => Ok(Fault::HugeBody(DEFAULT_HUGE_BYTES)),
                Some(v) => v
                    .parse::<usize>()
                    .map(Fault::HugeBody)
                    .map_err(|_| format!("huge-body={v}: give the body's size in bytes")),
            },
            _ => Err(format!("unknown fault {name:?}: use one of {}", FAULT_NAMES.join(", "))),
        }
    }
}

impl std::fmt::Display for Fault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Fault::NotOnAccessList => f.write_str("not-on-access-list"),
            Fault::RateLimited {
                retry_after_secs: Some(s),
            } => write!(f, "rate-limited={s}"),
            Fault::RateLimited { retry_after_secs: None } => f.write_str("rate-limited=none"),
            Fault::ServerError => f.write_str("server-error"),
            Fault::Unavailable => f.write_str("unavailable"),
            Fault::Slow(d) => write!(f, "slow={}", humantime::format_duration(*d)),
            Fault::DropConnection => f.write_str("drop"),
            Fault::DropCreate => f.write_str("drop-create"),
            Fault::MalformedJson => f.write_str("malformed-json"),
            Fault::HtmlPage => f.write_str("html"),
            Fault::StaleNonce => f.write_str("stale-nonce"),
            Fault::HugeBody(n) => write!(f, "huge-body={n}"),
        }
    }
}

/// A proxy's error page, as corporate proxies put between a jump host and the internet.
pub fn html_page() -> Response {
    let page = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>\n<body>\n\
        <h1>Bad Gateway</h1>\n\
        <p>The proxy server received an invalid response from an upstream server\n\
        while trying to reach <b>cloud.mongodb.com</b>.</p>\n\
        <p>Reference #97.4f1b2c17.1764322200.8a3e10f</p>\n\
        <hr><address>corp-proxy/4.2 (Linux) at proxy.example.internal Port 3128</address>\n\
        </body></html>\n";
    (
        StatusCode::BAD_GATEWAY,
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("text/html; charset=utf-8"),
        )],
        page,
    )
        .into_response()
}

/// A body of `len` bytes that starts like a page of results and never closes.
pub fn huge_body(len: usize) -> Response {
    const HEAD: &[u8] = b"{\"links\":[],\"results\":[";
    const CHUNK: usize = 64 * 1024;
    let head_len = HEAD.len().min(len);
    let filler = Bytes::from(vec![b' '; CHUNK]);
    let mut remaining = len - head_len;
    let head = Bytes::from_static(&HEAD[..head_len]);
    let tail = std::iter::from_fn(move || {
        (remaining > 0).then(|| {
            let n = remaining.min(CHUNK);
            remaining -= n;
            Ok::<Bytes, std::io::Error>(filler.slice(..n))
        })
    });
    let stream = futures_util::stream::iter(std::iter::once(Ok(head)).chain(tail));
    let mut resp = Response::new(Body::from_stream(stream));
    let headers = resp.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    resp
}

/// An answer whose connection breaks: with an empty `prefix` the client gets no answer at
/// all (hyper drops the connection before its buffered head is written); otherwise it gets
/// the status, the headers promising `promised` bytes, and `prefix`, then the connection
/// closes.
pub fn broken(status: StatusCode, headers: axum::http::HeaderMap, prefix: Bytes, promised: usize) -> Response {
    use futures_util::StreamExt as _;
    let sent = !prefix.is_empty();
    let first = futures_util::stream::iter(sent.then_some(Ok::<Bytes, std::io::Error>(prefix)));
    let fail = futures_util::stream::once(async move {
        if sent {
            // A pause lets hyper flush what it has before the connection breaks.
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        Err(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "simulated drop",
        ))
    });
    let mut resp = Response::new(Body::from_stream(first.chain(fail)));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    // More than is sent (and never 0, which would end the answer at once): the client
    // waits for the rest.
    resp.headers_mut()
        .insert(header::CONTENT_LENGTH, HeaderValue::from(promised.max(1)));
    resp
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_parses_and_prints_back() {
        for name in [
            "not-on-access-list",
            "rate-limited=30",
            "rate-limited=none",
            "server-error",
            "unavailable",
            "slow=2s",
            "drop",
            "drop-create",
            "malformed-json",
            "html",
            "stale-nonce",
            "huge-body=1000",
        ] {
            let f: Fault = name.parse().unwrap();
            assert_eq!(f.to_string(), name);
        }
        assert_eq!(
            "rate-limited".parse::<Fault>(),
            Ok(Fault::RateLimited {
                retry_after_secs: Some(30)
            })
        );
        assert_eq!(
            "slow=250ms".parse::<Fault>(),
            Ok(Fault::Slow(Duration::from_millis(250)))
        );
        assert_eq!("huge-body".parse::<Fault>(), Ok(Fault::HugeBody(64 * 1024 * 1024)));
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        let err = "flaky".parse::<Fault>().unwrap_err();
        assert!(err.contains("not-on-access-list"), "{err}");
        assert!("drop=1".parse::<Fault>().is_err());
        assert!("slow=soon".parse::<Fault>().is_err());
    }
}
