//! Failures of a call to Atlas, each with the words a DBA needs: what happened, why, and
//! what to do. Every piece of text that came from the network is sanitized here.

use super::types::ApiErrorBody;
use crate::text::sanitize;
use std::time::Duration;

/// Why no usable answer came back.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AtlasError {
    /// An answer with an error status, from Atlas or from something in between.
    #[error("{}", .0.describe())]
    Status(StatusError),
    /// No answer at all.
    #[error("{}", describe_transport(*kind, host, detail))]
    Transport {
        kind: TransportKind,
        host: String,
        detail: String,
    },
    /// A success status with a body that could not be used.
    #[error("{}", describe_bad_body(*kind, detail))]
    BadBody { kind: BadBodyKind, detail: String },
    /// A create request was sent but its answer was lost: the job may exist. Never retried
    /// by itself; reconcile by listing the cluster's jobs.
    #[error(
        "the restore request was sent but its answer was lost ({detail}): the job may have been created; check the cluster's restore jobs before submitting again"
    )]
    OutcomeUnknown { detail: String },
    /// The client could not be set up.
    #[error("{0}")]
    Setup(String),
    /// Cloud and Ops Manager: a cluster name that the project's list does not resolve to one
    /// cluster (none, several, or a shard's), in words.
    #[error("{0}")]
    Cluster(String),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportKind {
    Dns,
    Refused,
    Tls,
    Timeout,
    /// The connection closed before the answer was complete.
    Closed,
    Proxy,
    /// A download's server sent nothing for the idle timeout (`detail` says how long).
    Stalled,
    Other,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BadBodyKind {
    /// Not JSON, or not the JSON expected.
    Malformed,
    /// Not JSON at all: an HTML page (a proxy's, usually) or plain text.
    NotJson,
    /// Larger than the cap.
    TooLarge,
}

/// An error status and what its body said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusError {
    pub status: u16,
    /// `errorCode`, when the body was Atlas's `ApiError`.
    pub error_code: Option<String>,
    pub detail: Option<String>,
    pub reason: Option<String>,
    /// From `Retry-After` (429, 503).
    pub retry_after: Option<Duration>,
    /// Set when the body was not JSON: its content type and, for HTML, its title.
    pub foreign_body: Option<String>,
}

impl StatusError {
    /// Builds from the status, the `Retry-After` value and the body's bytes (any shape).
    pub fn from_response(status: u16, retry_after: Option<Duration>, content_type: &str, body: &[u8]) -> StatusError {
        // An enveloped error (`envelope=true`) carries the ApiError in `content`.
        let parsed: Option<ApiErrorBody> = serde_json::from_slice::<serde_json::Value>(body).ok().and_then(|v| {
            let inner = match v.get("content") {
                Some(c) if v.get("status").is_some() && c.is_object() => c.clone(),
                _ => v,
            };
            serde_json::from_value(inner).ok()
        });
        let clean = |s: Option<crate::text::Clean>| s.map(String::from).filter(|s| !s.trim().is_empty());
        match parsed {
            Some(api) => StatusError {
                status,
                error_code: clean(api.error_code),
                detail: clean(api.detail),
                reason: clean(api.reason),
                retry_after,
                foreign_body: None,
            },
            None => StatusError {
                status,
                error_code: None,
                detail: None,
                reason: None,
                retry_after,
                foreign_body: (!body.iter().all(u8::is_ascii_whitespace)).then(|| describe_foreign(content_type, body)),
            },
        }
    }

    pub fn code(&self) -> &str {
        self.error_code.as_deref().unwrap_or("")
    }

    /// The one-line message: status and code, what they mean here, what to do.
    pub fn describe(&self) -> String {
        let head = match &self.error_code {
            Some(code) => format!("{} {code}", self.status),
            None => format!("{}", self.status),
        };
        let detail = self.detail.as_deref().unwrap_or("");
        let what = match (self.status, self.code()) {
            // A Digest refusal means the keys whatever the body looks like.
            (401, _) => "the API key pair was refused: check the profile's public key and private key, and that the key is not revoked (Atlas: Organization > Access Manager > API Keys)".to_string(),
            (_, _) if self.foreign_body.is_some() => format!(
                "the answer came from something other than Atlas ({}): a proxy or gateway answered; check HTTPS_PROXY/NO_PROXY and the proxy's login, or base_url",
                self.foreign_body.as_deref().unwrap_or_default()
            ),
            (403, "IP_ADDRESS_NOT_ON_ACCESS_LIST") => {
                let address = address_in(detail).map_or_else(|| "this host's address".to_string(), |a| format!("this host's address {a}"));
                format!("{address} is not on the API access list of the organization: add it in Atlas (the API key's access list), or run from a listed host")
            }
            (403, _) => format!("{detail}: the API key lacks the role for this (creating a restore job needs Project Owner on the source and target projects)"),
            (404, "SNAPSHOT_NOT_FOUND") => format!("{detail}: pick a snapshot from the list (Enter on snapshotId); it may have expired"),
            (404, "CHECKPOINT_NOT_FOUND") => format!("{detail}: pick a restorable checkpoint from the list (Enter on checkpointId)"),
            (404, "CLUSTER_NAME_NOT_FOUND" | "CLUSTER_NOT_FOUND") => format!("{detail}: check the cluster name and that it is in this project"),
            (404, "GROUP_NOT_FOUND" | "INVALID_GROUP_ID" | "NOT_IN_GROUP") => format!("{detail}: check the project id (group_id or MONGODB_ATLAS_PROJECT_ID)"),
            (404, "RESTORE_JOB_NOT_FOUND" | "RESTORE_JOB_NOT_FOUND_IN_GROUP") => format!("{detail}: the job is not in this cluster's list (wrong cluster, or removed)"),
            (404, "NOT_ATLAS_GROUP") => format!("{detail}: this project is Cloud Manager's, not Atlas's"),
            (429, _) => match self.retry_after {
                Some(d) => format!("rate limited: Atlas asks to wait {} s before the next request; polling slows down by itself", d.as_secs()),
                None => "rate limited by Atlas: polling slows down by itself; wait before retrying by hand".to_string(),
            },
            (400, _) => format!("{detail}: Atlas refused the request as written; correct the fields it names"),
            (500..=599, _) => {
                let extra = if detail.is_empty() { String::new() } else { format!("{detail}: ") };
                format!("{extra}Atlas failed on its side; try again in a minute, and if it persists check status.mongodb.com")
            }
            _ if !detail.is_empty() => detail.to_string(),
            _ => self.reason.clone().unwrap_or_else(|| "unexpected answer".to_string()),
        };
        format!("{head}: {what}")
    }
}

/// "text/html page, title \"Proxy login\"" and the like.
fn describe_foreign(content_type: &str, body: &[u8]) -> String {
    let text = String::from_utf8_lossy(&body[..body.len().min(4096)]);
    let kind = if content_type.is_empty() {
        "no content type"
    } else {
        content_type
    };
    let lower = text.to_ascii_lowercase();
    // Lower-casing ASCII keeps byte offsets, so they index `text` too.
    if let (Some(start), Some(end)) = (lower.find("<title>"), lower.find("</title>"))
        && start + 7 <= end
    {
        let title = sanitize(text[start + 7..end].trim());
        return format!(
            "{} page, title {:?}",
            sanitize(kind),
            title.chars().take(80).collect::<String>()
        );
    }
    let start: String = sanitize(text.trim()).chars().take(60).collect();
    format!("{}, starting {start:?}", sanitize(kind))
}

/// The first IPv4/IPv6 address in a text such as Atlas's "IP address `203.0.113.7` is not allowed".
pub fn address_in(text: &str) -> Option<std::net::IpAddr> {
    text.split(|c: char| c.is_whitespace() || matches!(c, '`' | '\'' | '"' | ',' | '(' | ')'))
        .map(|w| w.trim_end_matches('.'))
        .find_map(|w| w.parse().ok())
}

fn describe_transport(kind: TransportKind, host: &str, detail: &str) -> String {
    match kind {
        TransportKind::Dns => {
            format!("cannot resolve {host}: check base_url, and this host's DNS or proxy settings (HTTPS_PROXY)")
        }
        TransportKind::Refused => {
            format!("{host} refused the connection: check base_url and port, and HTTPS_PROXY/NO_PROXY")
        }
        TransportKind::Tls => format!(
            "TLS with {host} failed ({detail}): if a corporate proxy inspects TLS, set ca_file in the profile to its CA certificate"
        ),
        TransportKind::Timeout => {
            format!("no answer from {host} in time: the link or Atlas is slow; raise request_timeout if this persists")
        }
        TransportKind::Closed => {
            format!("the connection to {host} dropped before the answer was complete: try again")
        }
        TransportKind::Proxy => {
            format!("the proxy refused the connection to {host} ({detail}): check HTTPS_PROXY and its credentials")
        }
        TransportKind::Stalled => format!(
            "{host} sent nothing for {detail}: the download stalled; raise request_timeout if the link is this slow"
        ),
        TransportKind::Other => format!("cannot reach {host}: {detail}"),
    }
}

fn describe_bad_body(kind: BadBodyKind, detail: &str) -> String {
    match kind {
        BadBodyKind::Malformed => format!(
            "Atlas's answer could not be read ({detail}): try again; if it persists, a proxy may be altering answers"
        ),
        BadBodyKind::NotJson => format!(
            "the answer is not JSON ({detail}): a proxy or gateway answered instead of Atlas; check HTTPS_PROXY/NO_PROXY and base_url"
        ),
        BadBodyKind::TooLarge => format!(
            "the answer is larger than {detail}: this is not what Atlas sends; check base_url and the proxy, or raise max_body_bytes"
        ),
    }
}

impl AtlasError {
    /// How long to wait before asking again, when the server said.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            AtlasError::Status(s) => s.retry_after,
            _ => None,
        }
    }

    /// The HTTP status, for errors that have one.
    pub fn status(&self) -> Option<u16> {
        match self {
            AtlasError::Status(s) => Some(s.status),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_address_not_on_the_access_list() {
        let body = br#"{"detail":"IP address `203.0.113.7` is not allowed to access this resource.","error":403,"errorCode":"IP_ADDRESS_NOT_ON_ACCESS_LIST","reason":"Forbidden"}"#;
        let e = StatusError::from_response(403, None, "application/json", body);
        let msg = e.describe();
        assert!(
            msg.starts_with(
                "403 IP_ADDRESS_NOT_ON_ACCESS_LIST: this host's address 203.0.113.7 is not on the API access list"
            ),
            "{msg}"
        );
    }

    #[test]
    fn a_proxy_page_is_named_as_such() {
        let body = b"<html><head><title>Proxy Authentication Required</title></head><body>\x1b[2J</body></html>";
        let msg = StatusError::from_response(407, None, "text/html", body).describe();
        assert!(
            msg.contains("text/html page, title \"Proxy Authentication Required\""),
            "{msg}"
        );
        assert!(msg.contains("proxy"));
    }

    #[test]
    fn network_text_is_sanitized() {
        let body = br#"{"detail":"bad \u001b]52;c;aGk=\u0007thing","error":400,"errorCode":"INVALID_ATTRIBUTE"}"#;
        let msg = StatusError::from_response(400, None, "application/json", body).describe();
        assert!(!msg.contains('\u{1b}') && msg.contains("bad thing"), "{msg:?}");
    }

    #[test]
    fn rate_limits_say_how_long() {
        let e = StatusError::from_response(429, Some(Duration::from_secs(55)), "application/json", b"{}");
        assert!(e.describe().contains("wait 55 s"));
    }
}
