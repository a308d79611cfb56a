//! The server side of Digest: nonces issued and remembered, and the check of a request's
//! `Authorization` header against the key pair, the request and the nonce's history.

use super::digest::{self, Algorithm, DigestInput, REALM};
use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Nonces remembered at most; the oldest are forgotten first (a client holding one then
/// gets a `stale=true` challenge and carries on).
const MAX_NONCES: usize = 4096;

#[derive(Debug)]
struct NonceState {
    issued: Instant,
    last_nc: u32,
}

/// The nonces this server has issued.
#[derive(Debug, Default)]
pub(crate) struct NonceBook {
    nonces: HashMap<String, NonceState>,
    order: VecDeque<String>,
}

impl NonceBook {
    /// A fresh nonce, remembered from `now`.
    pub(crate) fn issue(&mut self, now: Instant, lifetime: Duration) -> String {
        // Forget what has expired, then the oldest if there are still too many.
        while let Some(oldest) = self.order.front() {
            let expired = self
                .nonces
                .get(oldest)
                .is_none_or(|s| now.duration_since(s.issued) > lifetime);
            if !expired && self.order.len() < MAX_NONCES {
                break;
            }
            if let Some(n) = self.order.pop_front() {
                self.nonces.remove(&n);
            }
        }
        let nonce = super::jobs::secret(24);
        self.nonces.insert(
            nonce.clone(),
            NonceState {
                issued: now,
                last_nc: 0,
            },
        );
        self.order.push_back(nonce.clone());
        nonce
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.nonces.len()
    }
}

/// Why a request was not let in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Refusal {
    /// No `Authorization` header (the first leg of every Digest exchange).
    NoCredentials,
    /// The key, the digest, the uri or the nonce count is wrong.
    Failed(String),
    /// The digest is right but its nonce has expired or is unknown: the client should retry
    /// with the nonce of the new challenge, without asking the user (`stale=true`).
    Stale,
}

/// What a request brings to the check.
pub struct Request<'a> {
    pub method: &'a str,
    /// The request target: path and query, as the client sent it.
    pub target: &'a str,
    pub authorization: Option<&'a str>,
}

/// What the check compares against.
pub(crate) struct Policy<'a> {
    pub public_key: &'a str,
    pub private_key: &'a str,
    pub nonce_lifetime: Duration,
    /// The stale-nonce fault: a nonce counts as expired once it has been used.
    pub single_use_nonces: bool,
}

/// Checks a request; on success the nonce's count moves on.
pub fn check(book: &mut NonceBook, req: &Request<'_>, policy: &Policy<'_>, now: Instant) -> Result<(), Refusal> {
    let header = req.authorization.ok_or(Refusal::NoCredentials)?;
    let creds = digest::parse_authorization(header)
        .map_err(|e| Refusal::Failed(format!("unreadable Authorization header: {e}")))?;
    if !digest::constant_time_eq(&creds.username, policy.public_key) {
        return Err(Refusal::Failed("unknown public key".into()));
    }
    if creds.realm != REALM {
        return Err(Refusal::Failed(format!("realm is not {REALM:?}")));
    }
    let algorithm = Algorithm::from_param(creds.algorithm.as_deref())
        .ok_or_else(|| Refusal::Failed("unsupported algorithm".into()))?;
    // The challenge offers qop="auth" only; without a qop there would be no nonce count.
    if creds.qop.as_deref() != Some("auth") {
        return Err(Refusal::Failed("qop must be auth".into()));
    }
    let nc_text = creds.nc.as_deref().unwrap_or("");
    let nc = u32::from_str_radix(nc_text, 16)
        .ok()
        .filter(|_| nc_text.len() == 8)
        .ok_or_else(|| Refusal::Failed("nc must be 8 hex digits".into()))?;
    let cnonce = creds.cnonce.as_deref().unwrap_or("");
    if cnonce.is_empty() {
        return Err(Refusal::Failed("cnonce is missing".into()));
    }
    if !uri_matches(&creds.uri, req.target) {
        return Err(Refusal::Failed(format!(
            "uri {:?} is not the request's {:?}",
            creds.uri, req.target
        )));
    }
    let expected = digest::response(&DigestInput {
        algorithm,
        username: policy.public_key,
        realm: REALM,
        password: policy.private_key,
        method: req.method,
        uri: &creds.uri,
        nonce: &creds.nonce,
        nc: nc_text,
        cnonce,
        qop: Some("auth"),
    });
    if !digest::constant_time_eq(&expected, &creds.response.to_ascii_lowercase()) {
        return Err(Refusal::Failed("wrong digest (wrong private key?)".into()));
    }
    // The key is right: what is left is the nonce's freshness and count.
    let Some(state) = book.nonces.get_mut(&creds.nonce) else {
        return Err(Refusal::Stale);
    };
    if now.duration_since(state.issued) > policy.nonce_lifetime {
        return Err(Refusal::Stale);
    }
    if policy.single_use_nonces && state.last_nc > 0 {
        return Err(Refusal::Stale);
    }
    if nc <= state.last_nc {
        return Err(Refusal::Failed(format!(
            "nonce count {nc_text} was already used (last was {:08x})",
            state.last_nc
        )));
    }
    state.last_nc = nc;
    Ok(())
}

/// The `uri` parameter must name the request's own target: path and query. An absolute
/// URI with that target is accepted too (RFC 7616 allows it for proxies).
fn uri_matches(uri: &str, target: &str) -> bool {
    if uri == target {
        return true;
    }
    ["http://", "https://"].iter().any(|scheme| {
        uri.strip_prefix(scheme)
            .and_then(|rest| rest.find('/').map(|i| &rest[i..]))
            .is_some_and(|path| path == target)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const PUB: &str = "abcdefgh";
    const PRIV: &str = "11111111-2222-3333-4444-555555555555";

    fn policy() -> Policy<'static> {
        Policy {
            public_key: PUB,
            private_key: PRIV,
            nonce_lifetime: Duration::from_secs(300),
            single_use_nonces: false,
        }
    }

    fn header(nonce: &str, nc: u32, uri: &str, password: &str) -> String {
        let nc = format!("{nc:08x}");
        let response = digest::response(&DigestInput {
            algorithm: Algorithm::Md5,
            username: PUB,
            realm: REALM,
            password,
            method: "GET",
            uri,
            nonce,
            nc: &nc,
            cnonce: "cafe",
            qop: Some("auth"),
        });
        format!(
            "Digest username=\"{PUB}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", qop=auth, nc={nc}, cnonce=\"cafe\", response=\"{response}\", algorithm=MD5"
        )
    }

    fn get<'a>(target: &'a str, auth: &'a str) -> Request<'a> {
        Request {
            method: "GET",
            target,
            authorization: Some(auth),
        }
    }

    #[test]
    fn a_counting_nonce_is_accepted_and_a_replay_is_not() {
        let mut book = NonceBook::default();
        let now = Instant::now();
        let nonce = book.issue(now, policy().nonce_lifetime);
        for nc in 1..=3 {
            let h = header(&nonce, nc, "/a?b=1", PRIV);
            assert_eq!(check(&mut book, &get("/a?b=1", &h), &policy(), now), Ok(()));
        }
        let replay = header(&nonce, 2, "/a?b=1", PRIV);
        assert!(matches!(
            check(&mut book, &get("/a?b=1", &replay), &policy(), now),
            Err(Refusal::Failed(_))
        ));
    }

    #[test]
    fn wrong_key_uri_or_missing_header_are_refused() {
        let mut book = NonceBook::default();
        let now = Instant::now();
        let nonce = book.issue(now, policy().nonce_lifetime);
        let wrong = header(&nonce, 1, "/a", "not-the-key");
        assert!(matches!(
            check(&mut book, &get("/a", &wrong), &policy(), now),
            Err(Refusal::Failed(_))
        ));
        let other_uri = header(&nonce, 1, "/other", PRIV);
        assert!(matches!(
            check(&mut book, &get("/a", &other_uri), &policy(), now),
            Err(Refusal::Failed(_))
        ));
        let none = Request {
            method: "GET",
            target: "/a",
            authorization: None,
        };
        assert_eq!(check(&mut book, &none, &policy(), now), Err(Refusal::NoCredentials));
    }

    #[test]
    fn expired_unknown_and_reused_nonces_are_stale() {
        let mut book = NonceBook::default();
        let t0 = Instant::now();
        let nonce = book.issue(t0, policy().nonce_lifetime);
        let h = header(&nonce, 1, "/a", PRIV);
        let later = t0 + Duration::from_secs(301);
        assert_eq!(check(&mut book, &get("/a", &h), &policy(), later), Err(Refusal::Stale));
        let unknown = header("feedbeef", 1, "/a", PRIV);
        assert_eq!(
            check(&mut book, &get("/a", &unknown), &policy(), t0),
            Err(Refusal::Stale)
        );
        let single = Policy {
            single_use_nonces: true,
            ..policy()
        };
        assert_eq!(check(&mut book, &get("/a", &h), &single, t0), Ok(()));
        let h2 = header(&nonce, 2, "/a", PRIV);
        assert_eq!(check(&mut book, &get("/a", &h2), &single, t0), Err(Refusal::Stale));
    }

    #[test]
    fn the_book_forgets_expired_nonces() {
        let mut book = NonceBook::default();
        let t0 = Instant::now();
        let life = Duration::from_secs(1);
        for _ in 0..10 {
            book.issue(t0, life);
        }
        book.issue(t0 + Duration::from_secs(2), life);
        assert_eq!(book.len(), 1);
    }

    #[test]
    fn absolute_uris_name_the_same_target() {
        assert!(uri_matches("/a?b", "/a?b"));
        assert!(uri_matches("http://127.0.0.1:9/a?b", "/a?b"));
        assert!(!uri_matches("http://127.0.0.1:9/a", "/a?b"));
        assert!(!uri_matches("/a", "/a?b"));
    }
}
