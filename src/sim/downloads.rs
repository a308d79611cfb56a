//! The download host: a finished HTTP restore's `.tar.gz`, by `url` (a key in the path) or
//! by `urlV2` (the `x-mongodb-restore-auth` header). No Digest here, as in Atlas; each
//! download counts against the job's `maxDownloads`, and the first one makes the SHA1 appear
//! in the job's `hashes`. The archive itself is made in `archive.rs` from `jobs.rs`, as it
//! is sent, so a file of gigabytes costs no memory.
//!
//! `Range: bytes=N-` (or `N-M`) resumes a download: 206 with `Content-Range`. A resumed
//! download (N > 0) continues one that was counted already, so it is not counted again and
//! is served while the link has not expired, even once `maxDownloads` is used up. (Atlas
//! does not document how it counts a resumed download; this is the simulator's choice.)
//! `--fault no-range` makes the host ignore `Range`, `cut-download` breaks a download from
//! the start halfway, `stall-download` stops sending halfway (the connection held open),
//! `truncated-archive` serves (and hashes) a file cut short.

use super::Shared;
use super::digest;
use super::faults::Fault;
use super::http::error::ApiError;
use super::http::inject::ActiveFault;
use super::jobs::{AUTH_HEADER, Delivery, DeliveryStatus, Job};
use axum::body::Body;
use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use std::sync::Arc;

/// How a download proves it may have the file.
enum Proof<'a> {
    /// The key in `url`'s path.
    PathKey(&'a str),
    /// The `AUTH_HEADER` header that `urlV2` needs (absent: `None`).
    Header(Option<&'a str>),
}

/// What one request asks for, beyond the file.
struct Asked<'a> {
    method: &'a Method,
    /// The first byte asked for and the last one (inclusive), from `Range`.
    range: Option<(u64, Option<u64>)>,
    fault: Option<Fault>,
}

/// `GET /backup/restore/v2/pull/{job}/{key}/{file}`: `delivery.url`.
pub(crate) async fn with_key(
    State(sh): State<Arc<Shared>>,
    method: Method,
    Path((job, key, file)): Path<(String, String, String)>,
    fault: Option<Extension<ActiveFault>>,
    headers: HeaderMap,
) -> Response {
    let asked = asked(&sh, &method, &headers, fault);
    download(&sh, &asked, &job, &file, Proof::PathKey(&key)).await
}

/// `GET /backup/restore/v3/pull/{job}/{file}`: `delivery.urlV2`, with the header.
pub(crate) async fn with_header(
    State(sh): State<Arc<Shared>>,
    method: Method,
    Path((job, file)): Path<(String, String)>,
    fault: Option<Extension<ActiveFault>>,
    headers: HeaderMap,
) -> Response {
    // Ops Manager's `urlV2` takes `Authorization: Bearer <authValue>` instead.
    let bearer = || {
        let v = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
        v.strip_prefix("Bearer ")
    };
    let value = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok()).or_else(bearer);
    let asked = asked(&sh, &method, &headers, fault);
    download(&sh, &asked, &job, &file, Proof::Header(value)).await
}

fn asked<'a>(sh: &Shared, method: &'a Method, headers: &HeaderMap, fault: Option<Extension<ActiveFault>>) -> Asked<'a> {
    // The fault the request's first layer read (switching faults mid-request changes nothing).
    let fault = match fault {
        Some(Extension(ActiveFault(f))) => f,
        None => sh.state().fault.clone(),
    };
    let range = match fault {
        Some(Fault::NoRange) => None,
        _ => headers
            .get(header::RANGE)
            .and_then(|v| v.to_str().ok())
            .and_then(parse_range),
    };
    Asked { method, range, fault }
}

/// `bytes=N-` or `bytes=N-M`; anything else (several ranges, a suffix) is ignored, and the
/// whole file served, as HTTP allows.
fn parse_range(text: &str) -> Option<(u64, Option<u64>)> {
    let spec = text.trim().strip_prefix("bytes=")?;
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let first: u64 = first.trim().parse().ok()?;
    let last = match last.trim() {
        "" => None,
        l => Some(l.parse::<u64>().ok().filter(|l| *l >= first)?),
    };
    Some((first, last))
}

async fn download(sh: &Arc<Shared>, asked: &Asked<'_>, job_id: &str, file: &str, proof: Proof<'_>) -> Response {
    // A HEAD (axum answers it with this handler, without the body) shows the size but is
    // not a download; nor is the rest of one, resumed.
    let resumed = asked.range.is_some_and(|(first, _)| first > 0);
    let counts = asked.method != Method::HEAD && !resumed;
    let job = match take_download(sh, job_id, file, &proof, counts, resumed) {
        Ok(job) => job,
        Err(err) => return err.into_plain(),
    };
    let truncated = asked.fault == Some(Fault::TruncatedArchive);
    // The digests take a pass over the whole file the first time: off the async threads.
    let worked = tokio::task::spawn_blocking(move || {
        let archive = job.archive();
        let digests = job.digests();
        let (len, sha1) = if truncated {
            let len = archive.len() / 3 * 2;
            (len, archive.sha1_of_prefix(len, digests.crc32))
        } else {
            (archive.len(), digests.sha1)
        };
        (job, archive, digests.crc32, len, sha1)
    })
    .await;
    let Ok((job, archive, crc32, len, sha1)) = worked else {
        return ApiError::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "The restore file could not be prepared.",
        )
        .into_plain();
    };
    if counts {
        let mut st = sh.state();
        st.counters.downloads += 1;
        if let Some(j) = st.jobs.iter_mut().find(|j| j.id == job.id) {
            j.note_hash(sha1);
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/gzip"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", job.file_name())) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if asked.fault != Some(Fault::NoRange) {
        headers.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    }
    let (status, first, end) = match asked.range {
        None => (StatusCode::OK, 0, len),
        Some((first, _)) if first >= len => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            return (StatusCode::RANGE_NOT_SATISFIABLE, headers).into_response();
        }
        Some((first, last)) => {
            let end = last.map_or(len, |l| (l + 1).min(len));
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {first}-{}/{len}", end - 1)) {
                headers.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, first, end)
        }
    };
    if resumed {
        sh.state().counters.ranged_downloads += 1;
    }
    headers.insert(header::CONTENT_LENGTH, HeaderValue::from(end - first));
    // `cut-download`: a download from the start breaks halfway.
    let halfway = |fault| (asked.fault == Some(fault) && !resumed).then(|| first + (end - first) / 2);
    // `stall-download`: one from the start sends nothing more from halfway.
    let stop = match (halfway(Fault::CutDownload), halfway(Fault::StallDownload)) {
        (Some(at), _) => Some(Stop::Cut(at)),
        (None, Some(at)) => Some(Stop::Stall(at)),
        (None, None) => None,
    };
    let mut resp = Response::new(stream(archive, crc32, first, end, stop));
    *resp.status_mut() = status;
    *resp.headers_mut() = headers;
    resp
}

/// Where a download's body stops short of its end.
#[derive(Debug, Clone, Copy)]
enum Stop {
    /// The connection breaks there.
    Cut(u64),
    /// Nothing more is sent from there, the connection held open.
    Stall(u64),
}

/// The body: bytes `first..end` of the archive, made 64 KiB at a time as the client takes
/// them; with `stop`, the connection breaks or stalls there instead.
fn stream(archive: super::archive::Archive, crc32: u32, first: u64, end: u64, stop_at: Option<Stop>) -> Body {
    const CHUNK: u64 = 64 * 1024;
    let (stop, cut_at) = match stop_at {
        Some(Stop::Cut(at)) => (at, Some(at)),
        Some(Stop::Stall(at)) => (at, None),
        None => (end, None),
    };
    let stalls = matches!(stop_at, Some(Stop::Stall(_)));
    let archive = Arc::new(archive);
    let chunks = futures_util::stream::unfold(Some(first), move |at| {
        let archive = archive.clone();
        async move {
            let at = at?;
            if at >= stop {
                if stalls {
                    // Until the client gives up and the body is dropped.
                    std::future::pending::<()>().await;
                }
                // The end, unless it is a cut.
                cut_at?;
                // A pause lets hyper flush what it has before the connection breaks.
                tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                let cut = std::io::Error::new(std::io::ErrorKind::ConnectionReset, "simulated cut");
                return Some((Err(cut), None));
            }
            let n = (stop - at).min(CHUNK) as usize;
            let mut buf = vec![0u8; n];
            let n = archive.fill(at, &mut buf, crc32);
            buf.truncate(n);
            Some((Ok::<Bytes, std::io::Error>(Bytes::from(buf)), Some(at + n as u64)))
        }
    });
    Body::from_stream(chunks)
}

/// Checks a download and (when `counts`) counts it against `maxDownloads`; the job as it
/// was then. A `resumed` download continues a counted one: the limit does not stop it.
fn take_download(
    sh: &Shared,
    job_id: &str,
    file: &str,
    proof: &Proof<'_>,
    counts: bool,
    resumed: bool,
) -> Result<Job, ApiError> {
    let now = sh.now_ms();
    let mut st = sh.state();
    let job = st
        .jobs
        .iter_mut()
        .find(|j| j.id == job_id)
        .filter(|j| matches!(j.delivery, Delivery::Http { .. }))
        .ok_or_else(|| {
            ApiError::not_found(
                "RESTORE_JOB_NOT_FOUND",
                format!("No restore job with ID {job_id} has a download."),
            )
        })?;
    match proof {
        Proof::PathKey(key) if !digest::constant_time_eq(key, &job.url_key) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "The download key in the URL is not valid for this restore job.",
            ));
        }
        Proof::Header(None) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                format!("This download needs the {AUTH_HEADER} header with the job's delivery.authValue."),
            ));
        }
        Proof::Header(Some(v)) if !digest::constant_time_eq(v, &job.auth_value) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                format!("The {AUTH_HEADER} header is not valid for this restore job."),
            ));
        }
        _ => {}
    }
    if file != job.file_name() {
        return Err(ApiError::not_found(
            "RESOURCE_NOT_FOUND",
            format!("Restore job {job_id} has no file {file}."),
        ));
    }
    match job.delivery_status(now) {
        DeliveryStatus::Ready => {}
        DeliveryStatus::MaxDownloadsExceeded if resumed => {}
        s @ (DeliveryStatus::NotStarted | DeliveryStatus::InProgress) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                s.as_api(),
                format!("Restore job {job_id} is not finished yet; its file is not ready."),
            ));
        }
        DeliveryStatus::Expired => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "EXPIRED",
                format!("The download link of restore job {job_id} has expired."),
            ));
        }
        DeliveryStatus::MaxDownloadsExceeded => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "MAX_DOWNLOADS_EXCEEDED",
                format!(
                    "The download link of restore job {job_id} has been used the most times allowed (delivery.maxDownloads)."
                ),
            ));
        }
    }
    if counts {
        job.count_download();
    }
    Ok(job.clone())
}

#[cfg(test)]
mod tests {
    use super::parse_range;

    #[test]
    fn ranges_read_as_http_writes_them() {
        assert_eq!(parse_range("bytes=0-"), Some((0, None)));
        assert_eq!(parse_range("bytes=100-"), Some((100, None)));
        assert_eq!(parse_range("bytes=100-199"), Some((100, Some(199))));
        assert_eq!(parse_range("bytes=-500"), None, "a suffix: the whole file");
        assert_eq!(parse_range("bytes=0-1,5-9"), None, "several: the whole file");
        assert_eq!(parse_range("bytes=9-1"), None);
        assert_eq!(parse_range("items=1-"), None);
    }
}
