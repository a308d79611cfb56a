//! Downloads: a restore's archive fetched as a stream (from a byte offset, to resume), so that
//! `jobs::download` can write, hash and check it as it comes.
//!
//! Where the download's secret goes: the auth header (`urlV2`'s) and the deprecated `url`
//! (whose path is its key) go over HTTPS only, plain HTTP only to a loopback address (the
//! simulator, a local tunnel); a URL that is plain HTTP to another host is refused before
//! anything is sent. Redirects are followed here, not by reqwest, as curl does with
//! credentials: one within the first URL's scheme, host and port keeps the header, one to
//! another host goes without it (and is said), one to plain HTTP elsewhere is refused.
//!
//! A server that sends nothing for the profile's `request_timeout` (before its headers, or
//! in the middle of the file) ends the download, as a cut to resume.

use super::client::{AtlasClient, header_text, read_capped, retry_after, transport_error};
use super::error::{AtlasError, BadBodyKind, StatusError, TransportKind};
use crate::secret::SecretString;
use reqwest::Url;
use reqwest::header::{CONTENT_TYPE, LOCATION};
use sha1::{Digest, Sha1};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A finished download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Downloaded {
    pub path: PathBuf,
    pub bytes: u64,
    /// SHA1 of exactly the bytes written, lower-case hex.
    pub sha1: String,
}

/// The downloads' own HTTP client (redirects not followed by reqwest, no overall timeout)
/// and how long a download may send nothing.
pub(crate) struct Downloads {
    pub(super) http: reqwest::Client,
    pub(super) idle: Duration,
}

/// Redirects followed at most, as curl's `--max-redirs` would be set by a careful script.
const MAX_REDIRECTS: usize = 5;

/// Why a download did not start.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    /// Refused here, before anything was sent where it must not go; in words, with what to do.
    #[error("{0}")]
    Unsafe(String),
    /// What the server or the network did, after the redirects `via` says, when any.
    #[error("{}{}", download_words(.error), .via.as_deref().map(|v| format!(" ({v})")).unwrap_or_default())]
    Failed {
        error: Box<AtlasError>,
        via: Option<String>,
    },
}

impl From<AtlasError> for OpenError {
    fn from(error: AtlasError) -> OpenError {
        OpenError::Failed {
            error: Box::new(error),
            via: None,
        }
    }
}

impl OpenError {
    /// The server's or the network's error, when it was one.
    pub fn atlas(&self) -> Option<&AtlasError> {
        match self {
            OpenError::Failed { error, .. } => Some(error.as_ref()),
            OpenError::Unsafe(_) => None,
        }
    }
}

/// An error of the download host in words: a 401 or 403 there is about the download's own
/// credentials (the auth header, the link's key), not the API key pair.
fn download_words(error: &AtlasError) -> String {
    match error {
        AtlasError::Status(s) if matches!(s.status, 401 | 403) => {
            let detail = s.detail.as_deref().map(|d| format!(": {d}")).unwrap_or_default();
            let head = match s.code() {
                "" => s.status.to_string(),
                code => format!("{} {code}", s.status),
            };
            format!("{head}: the download host did not accept the download's credentials{detail}")
        }
        other => other.to_string(),
    }
}

/// `https://host:port`: what may be said of a download URL (its path can be its key).
fn origin_words(url: &Url) -> String {
    match url.port() {
        Some(port) => format!("{}://{}:{port}", url.scheme(), url.host_str().unwrap_or("")),
        None => format!("{}://{}", url.scheme(), url.host_str().unwrap_or("")),
    }
}

fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme() && a.host_str() == b.host_str() && a.port_or_known_default() == b.port_or_known_default()
}

/// HTTPS, or plain HTTP to a loopback address; else the words of the refusal (`what` is "the
/// download URL" or the redirect that named it).
fn check_safe(url: &Url, what: &str) -> Result<(), OpenError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if super::http::is_loopback_host(url) => Ok(()),
        "http" => Err(OpenError::Unsafe(format!(
            "{what} is plain http to {} (not this machine): the file and the download's credentials would cross the network readable, so it was refused and nothing was sent there; Atlas's links are https: if a proxy or a mirror rewrote it, fix that, else ask for a new link (restore again)",
            origin_words(url)
        ))),
        other => Err(OpenError::Unsafe(format!(
            "{what} uses {other:?}, not https: refused, nothing was sent; ask for a new link (restore again)"
        ))),
    }
}

/// Whether a download of `url` may start: HTTPS, or plain HTTP to a loopback address; in
/// words when not (nothing is sent then).
pub fn check_download_url(url: &str) -> Result<(), OpenError> {
    let parsed = Url::parse(url).map_err(|e| AtlasError::Setup(format!("the download URL is not a URL: {e}")))?;
    check_safe(&parsed, "the download URL")
}

impl AtlasClient {
    /// Fetches `url` whole into `dest` (through `dest.part`, renamed when complete), hashing
    /// the bytes as they come: the simple form of `open_download`, for one-shot callers.
    /// The part is made anew (never through a symbolic link), and replaces no file.
    pub async fn download(
        &self,
        url: &str,
        auth: Option<(&str, &SecretString)>,
        dest: &Path,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Downloaded, AtlasError> {
        use tokio::io::AsyncWriteExt;
        let mut body = self.open_download(url, auth, 0).await.map_err(|e| match e {
            OpenError::Failed { error, .. } => *error,
            OpenError::Unsafe(why) => AtlasError::Setup(why),
        })?;
        let part = dest.with_extension("part");
        let io_err = |e: std::io::Error| AtlasError::Setup(format!("cannot write {}: {e}", part.display()));
        let mut file = tokio::fs::File::from_std(crate::files::create_new(&part).map_err(AtlasError::Setup)?);
        let mut hasher = Sha1::new();
        let mut done = 0u64;
        progress(0, body.total);
        while let Some(chunk) = body.chunk().await? {
            hasher.update(&chunk);
            file.write_all(&chunk).await.map_err(io_err)?;
            done += chunk.len() as u64;
            progress(done, body.total);
        }
        file.sync_all().await.map_err(io_err)?;
        drop(file);
        if let Some(why) = crate::files::refusal(dest) {
            return Err(AtlasError::Setup(why));
        }
        tokio::fs::rename(&part, dest)
            .await
            .map_err(|e| AtlasError::Setup(format!("cannot move the download to {}: {e}", dest.display())))?;
        Ok(Downloaded {
            path: dest.to_path_buf(),
            bytes: done,
            sha1: hex::encode(hasher.finalize()),
        })
    }

    /// Starts a download of `url` from byte `from` (a `Range` request when `from > 0`) and
    /// returns its answer, to be read chunk by chunk: `src/jobs/download.rs` writes, resumes
    /// and hashes it. A server that ignores `Range` answers 200 with the whole file:
    /// `DownloadBody::start` then says 0. An error status is `AtlasError::Status` (416 when
    /// `from` is at or past the end). See the module's notes for where `auth` is sent.
    pub async fn open_download(
        &self,
        url: &str,
        auth: Option<(&str, &SecretString)>,
        from: u64,
    ) -> Result<DownloadBody, OpenError> {
        let first = Url::parse(url).map_err(|e| AtlasError::Setup(format!("the download URL is not a URL: {e}")))?;
        check_safe(&first, "the download URL")?;
        let idle = self.downloads.idle;
        let mut current = first.clone();
        let mut auth = auth;
        let mut via: Vec<String> = Vec::new();
        let said = |via: &[String]| (!via.is_empty()).then(|| via.join("; "));
        let failed = |error: AtlasError, via: &[String]| OpenError::Failed {
            error: Box::new(error),
            via: said(via),
        };
        for hop in 0..=MAX_REDIRECTS {
            let host = current.host_str().unwrap_or("").to_string();
            let mut req = self.downloads.http.get(current.clone());
            if let Some((name, value)) = auth {
                req = req.header(name, value.expose());
            }
            if from > 0 {
                req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
            }
            let started = std::time::Instant::now();
            // Nothing for the idle time, not even the headers: a stall like any other.
            let Ok(sent) = tokio::time::timeout(idle, req.send()).await else {
                let error: &dyn std::fmt::Display = &"no answer within request_timeout";
                super::http_log::request("GET", &current, None, started, 0, Some(error), None);
                return Err(failed(stalled(&host, idle), &via));
            };
            let error = sent.as_ref().err().map(|e| e as &dyn std::fmt::Display);
            let status = sent.as_ref().ok().map(|r| r.status().as_u16());
            super::http_log::request("GET", &current, status, started, 0, error, None);
            let mut resp = sent.map_err(|e| failed(transport_error(&e, &host, false), &via))?;
            let status = resp.status().as_u16();
            if matches!(status, 301 | 302 | 303 | 307 | 308) {
                let location = header_text(resp.headers(), LOCATION);
                let next = match current.join(location.trim()) {
                    Ok(next) if !location.trim().is_empty() => next,
                    _ => {
                        let detail = format!(
                            "a {status} redirect from {} without a usable Location",
                            origin_words(&current)
                        );
                        return Err(failed(malformed(detail), &via));
                    }
                };
                if hop == MAX_REDIRECTS {
                    let detail = format!(
                        "more than {MAX_REDIRECTS} redirects, the last from {}",
                        origin_words(&current)
                    );
                    return Err(failed(malformed(detail), &via));
                }
                check_safe(&next, &format!("the redirect from {}", origin_words(&current)))?;
                let (from_o, to_o) = (origin_words(&current), origin_words(&next));
                if auth.is_some() && !same_origin(&first, &next) {
                    auth = None;
                    via.push(format!(
                        "redirected from {from_o} to {to_o}, another host: the auth header was not sent there"
                    ));
                } else if same_origin(&current, &next) {
                    via.push(format!("redirected within {to_o}"));
                } else {
                    via.push(format!("redirected from {from_o} to {to_o}"));
                }
                tracing::info!(target: crate::atlas::HTTP_TARGET, from = %from_o, to = %to_o, with_auth = auth.is_some(), "download redirected");
                current = next;
                continue;
            }
            if !(200..300).contains(&status) {
                let headers = resp.headers().clone();
                let body = read_capped(&mut resp, 64 * 1024, &host, false)
                    .await
                    .unwrap_or_default();
                let error = AtlasError::Status(StatusError::from_response(
                    status,
                    retry_after(&headers),
                    &header_text(&headers, CONTENT_TYPE),
                    &body,
                ));
                return Err(failed(error, &via));
            }
            let length = resp.content_length();
            // `bytes FIRST-LAST/TOTAL` of a 206; a 200 is the whole file.
            let range = (status == 206)
                .then(|| header_text(resp.headers(), reqwest::header::CONTENT_RANGE))
                .and_then(|r| parse_content_range(&r));
            let (start, total) = match range {
                Some((first, total)) => (first, total.or_else(|| length.map(|n| first + n))),
                None if status == 206 => {
                    let detail = "a 206 answer without a Content-Range that says where it starts";
                    return Err(failed(malformed(detail.into()), &via));
                }
                None => (0, length),
            };
            return Ok(DownloadBody {
                resp,
                host,
                idle,
                start,
                total,
                received: 0,
                via: said(&via),
            });
        }
        // The loop returns at its last turn (`hop == MAX_REDIRECTS`).
        Err(failed(AtlasError::Setup("too many redirects".into()), &via))
    }
}

/// Nothing came from `host` for `idle`.
fn stalled(host: &str, idle: Duration) -> AtlasError {
    AtlasError::Transport {
        kind: TransportKind::Stalled,
        host: host.to_string(),
        detail: format!("{} (the profile's request_timeout)", humantime::format_duration(idle)),
    }
}

/// A download under way (`AtlasClient::open_download`).
pub struct DownloadBody {
    resp: reqwest::Response,
    host: String,
    idle: Duration,
    /// Where in the file the body starts: the offset asked for, or 0 when the server sent
    /// the whole file.
    pub start: u64,
    /// The whole file's size, when the server said it.
    pub total: Option<u64>,
    received: u64,
    /// The redirects that led here, in words, when there were any.
    pub via: Option<String>,
}

impl std::fmt::Debug for DownloadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadBody")
            .field("start", &self.start)
            .field("total", &self.total)
            .field("via", &self.via)
            .finish_non_exhaustive()
    }
}

impl DownloadBody {
    /// The next bytes; `None` at the end. A connection that breaks, or sends nothing for
    /// the idle time, is a `Transport` error (logged with how far it got).
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, AtlasError> {
        let next = tokio::time::timeout(self.idle, self.resp.chunk()).await;
        let done = self.start + self.received;
        match next {
            Ok(Ok(Some(c))) => {
                self.received += c.len() as u64;
                Ok(Some(c))
            }
            Ok(Ok(None)) => Ok(None),
            Ok(Err(e)) => {
                let error = crate::redact::scrub(&e.to_string());
                tracing::warn!(target: crate::atlas::HTTP_TARGET, host = %self.host, done, error = %error, "download broke off");
                Err(transport_error(&e, &self.host, false))
            }
            Err(_) => {
                let secs = self.idle.as_secs();
                tracing::warn!(target: crate::atlas::HTTP_TARGET, host = %self.host, done, idle_secs = secs, "download stalled");
                Err(stalled(&self.host, self.idle))
            }
        }
    }
}

/// `bytes FIRST-LAST/TOTAL` (TOTAL may be `*`): the first byte and the total.
fn parse_content_range(text: &str) -> Option<(u64, Option<u64>)> {
    let spec = text.trim().strip_prefix("bytes")?.trim_start();
    let (range, total) = spec.split_once('/')?;
    let (first, _) = range.split_once('-')?;
    let total = match total.trim() {
        "*" => None,
        t => Some(t.parse().ok()?),
    };
    Some((first.trim().parse().ok()?, total))
}

/// An answer that is not what a download host sends (a redirect that cannot be followed, a
/// part without its range).
fn malformed(detail: String) -> AtlasError {
    AtlasError::BadBody {
        kind: BadBodyKind::Malformed,
        detail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_or_loopback_http_is_safe() {
        let url = |u: &str| Url::parse(u).unwrap();
        assert!(check_safe(&url("https://api-backup.mongodb.com/x"), "it").is_ok());
        assert!(check_safe(&url("http://127.0.0.1:8080/x"), "it").is_ok());
        assert!(check_safe(&url("http://[::1]:8080/x"), "it").is_ok());
        assert!(check_safe(&url("http://localhost/x"), "it").is_ok());
        let Err(OpenError::Unsafe(why)) = check_safe(&url("http://files.example.net/KEY/x.tar.gz"), "the download URL")
        else {
            panic!("plain http elsewhere is refused");
        };
        assert!(
            why.contains("http://files.example.net") && why.contains("nothing was sent"),
            "{why}"
        );
        assert!(!why.contains("KEY"), "the path (the link's key) is not said: {why}");
        assert!(check_safe(&url("ftp://h/x"), "it").is_err());
        assert!(same_origin(&url("https://h/a"), &url("https://h:443/b")));
        assert!(!same_origin(&url("https://h/a"), &url("http://h/a")));
        assert!(!same_origin(&url("https://h/a"), &url("https://h:8443/a")));
        assert!(!same_origin(&url("https://h/a"), &url("https://g/a")));
    }
}
