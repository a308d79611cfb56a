//! What of a URL or an error text may be shown or logged: an Admin API path as it is, a
//! download URL without its token, every URL inside an error's text likewise. The log, the
//! screens and the CLI's errors all go through here.

use url::Url;

/// Query parameters whose values are shown; any other value is replaced.
const PLAIN_QUERY_KEYS: &[&str] = &[
    "pageNum",
    "itemsPerPage",
    "completed",
    "batchId",
    "envelope",
    "pretty",
    "includeCount",
];

/// What of a URL a log line may show: the path and the query (values of unknown keys
/// replaced by `…`). An Admin API path (holding `/api/`) is shown as is: it names projects,
/// clusters and jobs, not secrets. Any other path is a download's, whose segments may be a
/// signed token: only short lower-case words (`backup`, `restore`, `pull`), versions (`v2`)
/// and the job id right after `pull` are kept; every other segment becomes `<redacted>`.
pub(crate) fn redact_url(url: &Url) -> String {
    let path = url.path();
    let mut out = if path.split('/').any(|s| s == "api") {
        path.to_string()
    } else {
        redact_download_path(path)
    };
    let mut sep = '?';
    for (key, value) in url.query_pairs() {
        out.push(sep);
        sep = '&';
        if PLAIN_QUERY_KEYS.contains(&key.as_ref()) {
            out.push_str(&format!("{key}={value}"));
        } else if key.len() <= 32 && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') {
            out.push_str(&format!("{key}=…"));
        } else {
            out.push('…');
        }
    }
    out
}

fn redact_download_path(path: &str) -> String {
    let mut out = Vec::new();
    let mut after_pull = false;
    for seg in path.split('/') {
        let word = !seg.is_empty() && seg.len() <= 12 && seg.bytes().all(|b| b.is_ascii_lowercase());
        let version =
            seg.len() >= 2 && seg.len() <= 4 && seg.starts_with('v') && seg[1..].bytes().all(|b| b.is_ascii_digit());
        let object_id = seg.len() == 24 && seg.bytes().all(|b| b.is_ascii_hexdigit());
        if seg.is_empty() || word || version || (object_id && after_pull) {
            out.push(seg.to_string());
        } else {
            out.push("<redacted>".to_string());
        }
        after_pull = seg == "pull";
    }
    out.join("/")
}

/// An error's text with every URL in it redacted as [`redact_url`] does (reqwest puts the
/// whole URL, a download's token included, in its errors).
pub fn scrub(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = find_url(rest) {
        out.push_str(&rest[..at]);
        let tail = &rest[at..];
        let mut end = tail
            .find(|c: char| c.is_whitespace() || matches!(c, ')' | '"' | '\'' | '<' | '>' | '`'))
            .unwrap_or(tail.len());
        while end > 0 && matches!(tail.as_bytes()[end - 1], b'.' | b',' | b';' | b':') {
            end -= 1;
        }
        match Url::parse(&tail[..end]) {
            Ok(url) => {
                out.push_str(&format!("{}://", url.scheme()));
                out.push_str(url.host_str().unwrap_or(""));
                if let Some(port) = url.port() {
                    out.push_str(&format!(":{port}"));
                }
                out.push_str(&redact_url(&url));
            }
            Err(_) => out.push_str("<url>"),
        }
        rest = &tail[end..];
    }
    out.push_str(rest);
    out
}

fn find_url(text: &str) -> Option<usize> {
    let lower = text.to_ascii_lowercase();
    match (lower.find("http://"), lower.find("https://")) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn redacted(url: &str) -> String {
        redact_url(&Url::parse(url).unwrap())
    }

    #[test]
    fn api_paths_are_kept_and_unknown_query_values_replaced() {
        assert_eq!(
            redacted(
                "https://cloud.mongodb.com/api/atlas/v1.0/groups/5e2211c17a3e5a48f5497de3/clusters/Cluster0/restoreJobs?pageNum=2&itemsPerPage=500&signature=abc"
            ),
            "/api/atlas/v1.0/groups/5e2211c17a3e5a48f5497de3/clusters/Cluster0/restoreJobs?pageNum=2&itemsPerPage=500&signature=…"
        );
    }

    #[test]
    fn a_download_url_keeps_its_job_id_and_loses_its_token_and_file() {
        let job = "6929a1b2c3d4e5f601234567";
        let token = "0123456789abcdef0123456789abcdef";
        let url = format!(
            "https://restore-x.mongodb.net:27017/backup/restore/v3/pull/{job}/{token}/Cluster0-1795-{job}.tar.gz"
        );
        let shown = redacted(&url);
        assert_eq!(shown, format!("/backup/restore/v3/pull/{job}/<redacted>/<redacted>"));
        // A token shaped like an object id is not taken for the job's.
        let hex_token = "5f8e2a1c9d4b7e0012c3a4b5";
        let shown = redacted(&format!("https://h/{hex_token}/restore-{job}.tar.gz"));
        assert!(!shown.contains(hex_token) && !shown.contains(job), "{shown}");
    }

    #[test]
    fn urls_in_error_texts_are_redacted() {
        let text = "error sending request for url (https://h.example:8443/backup/restore/v2/pull/6929a1b2c3d4e5f601234567/SECRETTOKEN/f.tar.gz?x=SECRET): connection reset";
        let scrubbed = scrub(text);
        assert!(!scrubbed.contains("SECRET"), "{scrubbed}");
        assert!(
            scrubbed.contains(
                "(https://h.example:8443/backup/restore/v2/pull/6929a1b2c3d4e5f601234567/<redacted>/<redacted>?x=…): connection reset"
            ),
            "{scrubbed}"
        );
        assert_eq!(scrub("no url here"), "no url here");
        assert_eq!(scrub("odd http:// end"), "odd <url> end");
        assert_eq!(
            scrub("two: http://a/Tok3n, HTTPS://b/y."),
            "two: http://a/<redacted>, https://b/y."
        );
    }
}
