//! The download host: a finished HTTP restore's `.tar.gz`, by `url` (a key in the path) or
//! by `urlV2` (the `x-mongodb-restore-auth` header). No Digest here, as in Atlas; each
//! download counts against the job's `maxDownloads`, and the first one makes the SHA1 appear
//! in the job's `hashes`. The archive itself is made in `archive.rs` from `jobs.rs`.

use super::Shared;
use super::digest;
use super::http::error::ApiError;
use super::jobs::{AUTH_HEADER, Delivery, DeliveryStatus, Job};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// How a download proves it may have the file.
enum Proof<'a> {
    /// The key in `url`'s path.
    PathKey(&'a str),
    /// The `AUTH_HEADER` header that `urlV2` needs (absent: `None`).
    Header(Option<&'a str>),
}

/// `GET /backup/restore/v2/pull/{job}/{key}/{file}`: `delivery.url`.
pub(crate) async fn with_key(
    State(sh): State<Arc<Shared>>,
    method: Method,
    Path((job, key, file)): Path<(String, String, String)>,
) -> Response {
    download(&sh, &method, &job, &file, Proof::PathKey(&key))
}

/// `GET /backup/restore/v3/pull/{job}/{file}`: `delivery.urlV2`, with the header.
pub(crate) async fn with_header(
    State(sh): State<Arc<Shared>>,
    method: Method,
    Path((job, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let value = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok());
    download(&sh, &method, &job, &file, Proof::Header(value))
}

fn download(sh: &Shared, method: &Method, job_id: &str, file: &str, proof: Proof<'_>) -> Response {
    // A HEAD (axum answers it with this handler, without the body) shows the size but is
    // not a download.
    let counts = method != Method::HEAD;
    let job = match take_download(sh, job_id, file, &proof, counts) {
        Ok(job) => job,
        Err(err) => return err.into_plain(),
    };
    let bytes = job.archive();
    if counts {
        let mut st = sh.state();
        st.counters.downloads += 1;
        if let Some(j) = st.jobs.iter_mut().find(|j| j.id == job.id) {
            j.note_hash(&bytes);
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/gzip"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", job.file_name())) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    (StatusCode::OK, headers, bytes).into_response()
}

/// Checks a download and (when `counts`) counts it against `maxDownloads`; the job as it
/// was then.
fn take_download(sh: &Shared, job_id: &str, file: &str, proof: &Proof<'_>, counts: bool) -> Result<Job, ApiError> {
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
