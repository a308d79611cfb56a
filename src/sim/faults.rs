//! Fault modes: what the network and Atlas do to a client on a bad day. Each has a name
//! for `atlas-restore sim --fault NAME`, and one row in `Fault::effect`, the one table of
//! what each fault does to a request, where on its way. `http/inject.rs` carries the
//! effects out (as axum middleware), `http/authenticate.rs` reads `stale-nonce`, and
//! `downloads.rs` the download host's own (`cut-download`, `stall-download`, `no-range`,
//! `truncated-archive`).
//!
//! To add a fault: a variant here, its name in `FAULT_NAMES`, `from_str` and `fmt`, and its
//! row in `effect` (an answer of its own goes beside `html_page` below); `docs/faults.md`
//! says what the user sees.

use super::http::error::ApiError;
use super::http::render::{Format, Rendered};
use axum::body::Body;
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use serde_json::json;
use std::time::Duration;

pub use super::spoils::{Hostile, Mishap};

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
    /// A download from the start of the file breaks halfway (the status, the headers and
    /// half the bytes, then the connection closes); one that resumes with `Range` comes
    /// whole. The API answers as usual.
    CutDownload,
    /// A download from the start of the file stalls halfway: the status, the headers and
    /// half the bytes, then nothing, the connection held open; one that resumes with `Range`
    /// comes whole.
    StallDownload,
    /// The download host ignores `Range` (and sends no `Accept-Ranges`): every download is
    /// the whole file with 200, as some proxies and servers do.
    NoRange,
    /// The file served, and hashed, is cut short: its SHA1 matches what Atlas lists, but
    /// the gzip never ends.
    TruncatedArchive,
    /// A hostile server: every job's delivery carries a value made to turn the download
    /// command against the user (`Hostile`). The download itself is served as usual.
    HostileDelivery(Hostile),
    /// Every job that finished reads `FAILED` (its delivery too): a restore that went wrong.
    FailedJob,
    /// The SHA1 listed for a job's file is not the file's: what a corrupted store shows.
    Sha1Mismatch,
    /// A cluster a restore finished into stays `UPDATING`: an automated restore's target
    /// that never comes back.
    StuckTarget,
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
    "cut-download",
    "stall-download",
    "no-range",
    "truncated-archive",
    "hostile-delivery[=auth-newline|auth-control|file-dash|file-long]",
    "failed-job",
    "sha1-mismatch",
    "stuck-target",
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
            "cut-download" => no_value(Fault::CutDownload),
            "stall-download" => no_value(Fault::StallDownload),
            "no-range" => no_value(Fault::NoRange),
            "truncated-archive" => no_value(Fault::TruncatedArchive),
            "failed-job" => no_value(Fault::FailedJob),
            "sha1-mismatch" => no_value(Fault::Sha1Mismatch),
            "stuck-target" => no_value(Fault::StuckTarget),
            "hostile-delivery" => match value {
                None => Ok(Fault::HostileDelivery(Hostile::AuthNewline)),
                Some(v) => Hostile::ALL
                    .iter()
                    .find(|(_, n)| n.eq_ignore_ascii_case(v))
                    .map(|(h, _)| Fault::HostileDelivery(*h))
                    .ok_or_else(|| {
                        format!("hostile-delivery={v}: use auth-newline, auth-control, file-dash or file-long")
                    }),
            },
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
            Fault::CutDownload => f.write_str("cut-download"),
            Fault::StallDownload => f.write_str("stall-download"),
            Fault::NoRange => f.write_str("no-range"),
            Fault::TruncatedArchive => f.write_str("truncated-archive"),
            Fault::HostileDelivery(h) => write!(f, "hostile-delivery={}", h.name()),
            Fault::FailedJob => f.write_str("failed-job"),
            Fault::Sha1Mismatch => f.write_str("sha1-mismatch"),
            Fault::StuckTarget => f.write_str("stuck-target"),
        }
    }
}

/// Which of the simulator's hosts a request reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Host {
    /// The Admin API, `/api/atlas/...`: Digest-authenticated JSON.
    Api,
    /// The download host, `/backup/restore/...`: a file behind a key in its URL or a header.
    Download,
}

/// Where on its way a request meets a fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Stage {
    /// The network and what stands in front of Atlas (proxy, load balancer): before the
    /// key is checked.
    Front,
    /// Atlas itself, once it knows the key (the download host checks none: right after
    /// `Front`).
    Atlas,
}

/// What a fault does to one request at one stage.
pub(crate) enum Effect {
    /// Nothing here.
    Pass,
    /// Wait this long (real time), then go on.
    Delay(Duration),
    /// Answer this instead of going on.
    Answer(Response),
    /// Go on, then spoil the answer this way.
    Spoil(Spoil),
}

/// How an answer is spoiled on its way back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Spoil {
    /// The body cut in half, status and headers kept: JSON that does not parse.
    HalfBody,
    /// The status, the headers and half the body, then the connection breaks.
    CutConnection,
    /// A file breaks on its way as above; a refusal (short, not a file) comes whole.
    CutDownload,
    /// A job's JSON made hostile (`Hostile::spoil`).
    Hostile(Hostile),
    /// A job's JSON telling of a mishap (`Mishap::spoil`).
    Mishap(Mishap),
}

impl Fault {
    /// The one table of what each fault does, on which host, at which stage. `method` and
    /// `path` are the request's.
    pub(crate) fn effect(&self, host: Host, stage: Stage, method: &Method, path: &str) -> Effect {
        use {Host::*, Stage::*};
        let reads_only = method == Method::GET || method == Method::HEAD;
        match (self, host, stage) {
            (Fault::Slow(d), _, Front) => Effect::Delay(*d),
            // A read is simply lost; a write is cut after it was acted on (below).
            (Fault::DropConnection, Api, Front) if reads_only => Effect::Answer(no_answer()),
            (Fault::HtmlPage, _, Front) => Effect::Answer(html_page()),
            (Fault::Unavailable, _, Front) => Effect::Answer(unavailable()),
            (Fault::NotOnAccessList, Api, Atlas) => Effect::Answer(not_on_access_list()),
            (Fault::RateLimited { retry_after_secs }, _, Atlas) => {
                Effect::Answer(rate_limited(&limited_resource(host, path), *retry_after_secs))
            }
            (Fault::ServerError, _, Atlas) => Effect::Answer(server_error()),
            (Fault::HugeBody(n), Api, Atlas) => Effect::Answer(huge_body(*n)),
            (Fault::MalformedJson, Api, Atlas) => Effect::Spoil(Spoil::HalfBody),
            (Fault::DropConnection | Fault::DropCreate, Api, Atlas) if !reads_only => {
                Effect::Spoil(Spoil::CutConnection)
            }
            (Fault::DropConnection, Download, Atlas) => Effect::Spoil(Spoil::CutDownload),
            (Fault::HostileDelivery(h), Api, Atlas) => Effect::Spoil(Spoil::Hostile(*h)),
            (Fault::FailedJob, Api, Atlas) => Effect::Spoil(Spoil::Mishap(Mishap::Failed)),
            (Fault::Sha1Mismatch, Api, Atlas) => Effect::Spoil(Spoil::Mishap(Mishap::WrongSha1)),
            (Fault::StuckTarget, Api, Atlas) => Effect::Spoil(Spoil::Mishap(Mishap::StuckTarget)),
            // `StaleNonce` acts in the Digest check: nonces become single-use. The download
            // host's own faults (`CutDownload`, `StallDownload`, `NoRange`, `TruncatedArchive`) act in
            // `downloads.rs`, which knows the file and the range asked for.
            _ => Effect::Pass,
        }
    }
}

/// What a rate limit names: the API path, or the download's job.
fn limited_resource(host: Host, path: &str) -> String {
    match host {
        Host::Api => path.trim_start_matches('/').to_string(),
        Host::Download => {
            // `/backup/restore/v2/pull/{job}/...`
            let job = path.split('/').nth(5).unwrap_or("");
            format!(
                "backup/restore/{}",
                percent_encoding::percent_decode_str(job).decode_utf8_lossy()
            )
        }
    }
}

/// 503 `SERVICE_UNAVAILABLE`, as a load balancer answers.
fn unavailable() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "SERVICE_UNAVAILABLE",
        "The service is temporarily unavailable. Please try again later.",
    )
    .into_plain()
}

/// 500 `UNEXPECTED_ERROR`.
fn server_error() -> Response {
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "UNEXPECTED_ERROR",
        "Unexpected error.",
    )
    .into_plain()
}

/// 403 `IP_ADDRESS_NOT_ON_ACCESS_LIST`, naming `REFUSED_ADDRESS`.
fn not_on_access_list() -> Response {
    ApiError::new(
        StatusCode::FORBIDDEN,
        "IP_ADDRESS_NOT_ON_ACCESS_LIST",
        format!("IP address {REFUSED_ADDRESS} is not allowed to access this resource."),
    )
    .params(vec![json!(REFUSED_ADDRESS)])
    .into_plain()
}

/// 429 `RATE_LIMITED` for `resource`, with Atlas's rate-limit headers and `Retry-After`
/// when given.
fn rate_limited(resource: &str, retry_after_secs: Option<u64>) -> Response {
    let wait = retry_after_secs.map_or(String::new(), |s| format!(" Please retry after {s} seconds."));
    let err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        format!("Rate limit exceeded for {resource}.{wait}"),
    )
    .params(vec![json!(resource)]);
    let mut r = Rendered::error(&Format::plain(), &err)
        .header(
            HeaderName::from_static("ratelimit-limit"),
            HeaderValue::from_static("100"),
        )
        .header(
            HeaderName::from_static("ratelimit-remaining"),
            HeaderValue::from_static("0"),
        );
    if let Some(s) = retry_after_secs {
        r = r.header(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r.into_response()
}

/// No answer at all: the connection closes before anything is written.
fn no_answer() -> Response {
    broken(StatusCode::OK, HeaderMap::new(), Bytes::new(), 0)
}

/// A proxy's error page, as corporate proxies put between a jump host and the internet.
fn html_page() -> Response {
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
fn huge_body(len: usize) -> Response {
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
pub(crate) fn broken(status: StatusCode, headers: HeaderMap, prefix: Bytes, promised: usize) -> Response {
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
            "cut-download",
            "stall-download",
            "no-range",
            "truncated-archive",
            "hostile-delivery=auth-newline",
            "hostile-delivery=auth-control",
            "hostile-delivery=file-dash",
            "hostile-delivery=file-long",
            "failed-job",
            "sha1-mismatch",
            "stuck-target",
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
    fn each_fault_acts_where_the_table_says() {
        let acts = |f: &Fault, host, stage, method: Method| match f.effect(
            host,
            stage,
            &method,
            "/backup/restore/v2/pull/6929abc/k/f.tar.gz",
        ) {
            Effect::Pass => "pass",
            Effect::Delay(_) => "delay",
            Effect::Answer(_) => "answer",
            Effect::Spoil(Spoil::HalfBody) => "half",
            Effect::Spoil(Spoil::CutConnection) => "cut",
            Effect::Spoil(Spoil::CutDownload) => "cut-download",
            Effect::Spoil(Spoil::Hostile(_)) => "hostile",
            Effect::Spoil(Spoil::Mishap(_)) => "mishap",
        };
        let api = |f: &Fault, m: Method| {
            [
                acts(f, Host::Api, Stage::Front, m.clone()),
                acts(f, Host::Api, Stage::Atlas, m),
            ]
        };
        let download = |f: &Fault| {
            [
                acts(f, Host::Download, Stage::Front, Method::GET),
                acts(f, Host::Download, Stage::Atlas, Method::GET),
            ]
        };
        let drop = Fault::DropConnection;
        assert_eq!(api(&drop, Method::GET), ["answer", "pass"]);
        assert_eq!(api(&drop, Method::POST), ["pass", "cut"]);
        assert_eq!(download(&drop), ["pass", "cut-download"]);
        assert_eq!(api(&Fault::DropCreate, Method::GET), ["pass", "pass"]);
        assert_eq!(api(&Fault::DropCreate, Method::POST), ["pass", "cut"]);
        assert_eq!(download(&Fault::DropCreate), ["pass", "pass"]);
        assert_eq!(api(&Fault::Unavailable, Method::GET), ["answer", "pass"]);
        assert_eq!(api(&Fault::NotOnAccessList, Method::GET), ["pass", "answer"]);
        assert_eq!(download(&Fault::NotOnAccessList), ["pass", "pass"]);
        assert_eq!(download(&Fault::ServerError), ["pass", "answer"]);
        assert_eq!(api(&Fault::MalformedJson, Method::GET), ["pass", "half"]);
        assert_eq!(download(&Fault::HugeBody(10)), ["pass", "pass"]);
        // Acted on by the download host itself.
        for f in [
            Fault::CutDownload,
            Fault::StallDownload,
            Fault::NoRange,
            Fault::TruncatedArchive,
        ] {
            assert_eq!(download(&f), ["pass", "pass"]);
            assert_eq!(api(&f, Method::GET), ["pass", "pass"]);
        }
        assert_eq!(
            api(&Fault::Slow(Duration::from_millis(1)), Method::GET),
            ["delay", "pass"]
        );
        let hostile = Fault::HostileDelivery(Hostile::FileDash);
        assert_eq!(api(&hostile, Method::GET), ["pass", "hostile"]);
        assert_eq!(download(&hostile), ["pass", "pass"]);
        for f in [Fault::FailedJob, Fault::Sha1Mismatch, Fault::StuckTarget] {
            assert_eq!(api(&f, Method::GET), ["pass", "mishap"]);
            assert_eq!(download(&f), ["pass", "pass"]);
        }
        // The Digest check reads it.
        assert_eq!(api(&Fault::StaleNonce, Method::GET), ["pass", "pass"]);
        assert_eq!(
            limited_resource(Host::Download, "/backup/restore/v3/pull/6929abc/f.tar.gz"),
            "backup/restore/6929abc"
        );
        assert_eq!(
            limited_resource(Host::Api, "/api/atlas/v1.0/groups"),
            "api/atlas/v1.0/groups"
        );
    }

    #[test]
    fn bad_names_say_what_is_accepted() {
        let err = "flaky".parse::<Fault>().unwrap_err();
        assert!(err.contains("not-on-access-list"), "{err}");
        assert!("drop=1".parse::<Fault>().is_err());
        assert!("slow=soon".parse::<Fault>().is_err());
    }
}
