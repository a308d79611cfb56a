//! Downloads: a restore's archive fetched as a stream (from a byte offset, to resume), so that
//! `jobs::download` can write, hash and check it as it comes.

use super::client::{AtlasClient, Downloaded, header_text, read_capped, retry_after, transport_error};
use super::error::{AtlasError, BadBodyKind, StatusError};
use crate::secret::SecretString;
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use sha1::{Digest, Sha1};
use std::path::Path;
use std::time::Duration;

impl AtlasClient {
    /// Fetches `url` whole into `dest` (through `dest.part`, renamed when complete), hashing
    /// the bytes as they come: the simple form of `open_download`, for one-shot callers.
    pub async fn download(
        &self,
        url: &str,
        auth: Option<(&str, &SecretString)>,
        dest: &Path,
        mut progress: impl FnMut(u64, Option<u64>),
    ) -> Result<Downloaded, AtlasError> {
        use tokio::io::AsyncWriteExt;
        let mut body = self.open_download(url, auth, 0).await?;
        let part = dest.with_extension("part");
        let io_err = |e: std::io::Error| AtlasError::Setup(format!("cannot write {}: {e}", part.display()));
        let mut file = tokio::fs::File::create(&part).await.map_err(io_err)?;
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
    /// `from` is at or past the end).
    pub async fn open_download(
        &self,
        url: &str,
        auth: Option<(&str, &SecretString)>,
        from: u64,
    ) -> Result<DownloadBody, AtlasError> {
        let parsed = Url::parse(url).map_err(|e| AtlasError::Setup(format!("download URL: {e}")))?;
        let host = parsed.host_str().unwrap_or("").to_string();
        let logged_url = parsed.clone();
        // Downloads can take long: no overall timeout, but the connect timeout holds.
        let mut req = self.http.get(parsed).timeout(Duration::from_secs(24 * 3600));
        if let Some((name, value)) = auth {
            req = req.header(name, value.expose());
        }
        if from > 0 {
            req = req.header(reqwest::header::RANGE, format!("bytes={from}-"));
        }
        let started = std::time::Instant::now();
        let sent = req.send().await;
        let error = sent.as_ref().err().map(|e| e as &dyn std::fmt::Display);
        let status = sent.as_ref().ok().map(|r| r.status().as_u16());
        crate::logging::request("GET", &logged_url, status, started, 0, error, None);
        let mut resp = sent.map_err(|e| transport_error(&e, &host, false))?;
        let status = resp.status().as_u16();
        if !(200..300).contains(&status) {
            let headers = resp.headers().clone();
            let body = read_capped(&mut resp, 64 * 1024, &host, false)
                .await
                .unwrap_or_default();
            return Err(AtlasError::Status(StatusError::from_response(
                status,
                retry_after(&headers),
                &header_text(&headers, CONTENT_TYPE),
                &body,
            )));
        }
        let length = resp.content_length();
        // `bytes FIRST-LAST/TOTAL` of a 206; a 200 is the whole file.
        let range = (status == 206)
            .then(|| header_text(resp.headers(), reqwest::header::CONTENT_RANGE))
            .and_then(|r| parse_content_range(&r));
        let (start, total) = match range {
            Some((first, total)) => (first, total.or_else(|| length.map(|n| first + n))),
            None if status == 206 => {
                return Err(AtlasError::BadBody {
                    kind: BadBodyKind::Malformed,
                    detail: "a 206 answer without a Content-Range that says where it starts".into(),
                });
            }
            None => (0, length),
        };
        Ok(DownloadBody {
            resp,
            host,
            start,
            total,
            received: 0,
        })
    }
}

/// A download under way (`AtlasClient::open_download`).
pub struct DownloadBody {
    resp: reqwest::Response,
    host: String,
    /// Where in the file the body starts: the offset asked for, or 0 when the server sent
    /// the whole file.
    pub start: u64,
    /// The whole file's size, when the server said it.
    pub total: Option<u64>,
    received: u64,
}

impl std::fmt::Debug for DownloadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DownloadBody")
            .field("start", &self.start)
            .field("total", &self.total)
            .finish_non_exhaustive()
    }
}

impl DownloadBody {
    /// The next bytes; `None` at the end. A connection that breaks is a `Transport` error
    /// (logged with how far it got).
    pub async fn chunk(&mut self) -> Result<Option<bytes::Bytes>, AtlasError> {
        match self.resp.chunk().await {
            Ok(Some(c)) => {
                self.received += c.len() as u64;
                Ok(Some(c))
            }
            Ok(None) => Ok(None),
            Err(e) => {
                let error = crate::logging::scrub(&e.to_string());
                let done = self.start + self.received;
                tracing::warn!(target: crate::logging::HTTP_TARGET, host = %self.host, done, error = %error, "download broke off");
                Err(transport_error(&e, &self.host, false))
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
