//! HTTP Digest authentication as Atlas does it (RFC 7616 with `qop="auth"`), as pure
//! functions: the hash arithmetic, the challenge the server sends and a parser for the
//! `Authorization` header a client sends back. The nonce bookkeeping lives in `auth.rs`.

use md5::Md5;
use sha2::{Digest as _, Sha256};

/// The realm Atlas names in its challenges; clients hash it into HA1.
pub const REALM: &str = "MMS Public API";

/// The hash a digest is computed with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Algorithm {
    Md5,
    Sha256,
}

impl Algorithm {
    /// Reads the `algorithm` parameter; absent means MD5 (RFC 7616 §3.3). The `-sess`
    /// variants are not offered by Atlas and are refused.
    pub fn from_param(param: Option<&str>) -> Option<Algorithm> {
        match param.map(str::trim) {
            None => Some(Algorithm::Md5),
            Some(p) if p.eq_ignore_ascii_case("MD5") => Some(Algorithm::Md5),
            Some(p) if p.eq_ignore_ascii_case("SHA-256") => Some(Algorithm::Sha256),
            Some(_) => None,
        }
    }

    pub(crate) fn hash_hex(self, data: &str) -> String {
        match self {
            Algorithm::Md5 => hex::encode(Md5::digest(data.as_bytes())),
            Algorithm::Sha256 => hex::encode(Sha256::digest(data.as_bytes())),
        }
    }
}

/// HA1 = H(username:realm:password).
pub fn ha1(alg: Algorithm, username: &str, realm: &str, password: &str) -> String {
    alg.hash_hex(&format!("{username}:{realm}:{password}"))
}

/// HA2 = H(method:uri), for `qop=auth` or no qop.
pub fn ha2(alg: Algorithm, method: &str, uri: &str) -> String {
    alg.hash_hex(&format!("{method}:{uri}"))
}

/// Everything that goes into the `response` parameter.
#[derive(Debug, Clone, Copy)]
pub struct DigestInput<'a> {
    pub algorithm: Algorithm,
    pub username: &'a str,
    pub realm: &'a str,
    pub password: &'a str,
    pub method: &'a str,
    pub uri: &'a str,
    pub nonce: &'a str,
    /// `nc`, cnonce and qop are used only when qop is given (RFC 2617); without qop the
    /// RFC 2069 form H(HA1:nonce:HA2) applies.
    pub nc: &'a str,
    pub cnonce: &'a str,
    pub qop: Option<&'a str>,
}

/// The expected `response` parameter, lower-case hex.
pub fn response(input: &DigestInput<'_>) -> String {
    let alg = input.algorithm;
    let ha1 = ha1(alg, input.username, input.realm, input.password);
    let ha2 = ha2(alg, input.method, input.uri);
    match input.qop {
        Some(qop) => alg.hash_hex(&format!(
            "{ha1}:{}:{}:{}:{qop}:{ha2}",
            input.nonce, input.nc, input.cnonce
        )),
        None => alg.hash_hex(&format!("{ha1}:{}:{ha2}", input.nonce)),
    }
}

/// The `WWW-Authenticate` value of a 401, in the order and spelling of Atlas's own.
pub fn challenge(nonce: &str, stale: bool) -> String {
    format!("Digest realm=\"{REALM}\", domain=\"\", nonce=\"{nonce}\", algorithm=MD5, qop=\"auth\", stale={stale}")
}

/// The parameters of an `Authorization: Digest ...` header.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Credentials {
    pub username: String,
    pub realm: String,
    pub nonce: String,
    pub uri: String,
    pub response: String,
    pub algorithm: Option<String>,
    pub qop: Option<String>,
    pub nc: Option<String>,
    pub cnonce: Option<String>,
    pub opaque: Option<String>,
}

/// Why an `Authorization` header could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    #[error("the scheme is not Digest")]
    NotDigest,
    #[error("malformed parameter list at byte {0}")]
    Malformed(usize),
    #[error("parameter {0} is given twice")]
    Duplicate(String),
    #[error("parameter {0} is missing")]
    Missing(&'static str),
}

/// Reads `Digest k=v, k="v", ...`. Values may be quoted (with `\` escapes) or bare tokens;
/// whitespace around `=` and `,` is tolerated, unknown parameters are ignored. Total over
/// any input: it returns an error, never panics.
pub fn parse_authorization(header: &str) -> Result<Credentials, ParseError> {
    let header = header.trim_start();
    let (scheme, rest) = match header.find(|c: char| c.is_ascii_whitespace()) {
        Some(i) => (&header[..i], &header[i..]),
        None => (header, ""),
    };
    if !scheme.eq_ignore_ascii_case("Digest") {
        return Err(ParseError::NotDigest);
    }
    let params = parse_params(rest)?;
    let mut creds = Credentials::default();
    let mut seen: Vec<String> = Vec::new();
    for (key, value) in params {
        let lower = key.to_ascii_lowercase();
        if seen.contains(&lower) {
            return Err(ParseError::Duplicate(lower));
        }
        seen.push(lower.clone());
        match lower.as_str() {
            "username" => creds.username = value,
            "realm" => creds.realm = value,
            "nonce" => creds.nonce = value,
            "uri" => creds.uri = value,
            "response" => creds.response = value,
            "algorithm" => creds.algorithm = Some(value),
            "qop" => creds.qop = Some(value),
            "nc" => creds.nc = Some(value),
            "cnonce" => creds.cnonce = Some(value),
            "opaque" => creds.opaque = Some(value),
            _ => {}
        }
    }
    for (name, present) in [
        ("username", seen.iter().any(|k| k == "username")),
        ("realm", seen.iter().any(|k| k == "realm")),
        ("nonce", seen.iter().any(|k| k == "nonce")),
        ("uri", seen.iter().any(|k| k == "uri")),
        ("response", seen.iter().any(|k| k == "response")),
    ] {
        if !present {
            return Err(ParseError::Missing(name));
        }
    }
    Ok(creds)
}

/// The `k=v` list after the scheme, in order.
fn parse_params(input: &str) -> Result<Vec<(String, String)>, ParseError> {
    let mut out = Vec::new();
    let mut chars = input.char_indices().peekable();
    loop {
        // Separators and blanks between parameters (empty list elements are allowed, RFC 7230 §7).
        while chars.next_if(|(_, c)| c.is_ascii_whitespace() || *c == ',').is_some() {}
        let Some(&(start, _)) = chars.peek() else {
            return Ok(out);
        };
        let mut key = String::new();
        while let Some((_, c)) = chars.next_if(|(_, c)| is_token_char(*c)) {
            key.push(c);
        }
        if key.is_empty() {
            return Err(ParseError::Malformed(start));
        }
        while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
        match chars.next() {
            Some((_, '=')) => {}
            Some((at, _)) => return Err(ParseError::Malformed(at)),
            None => return Err(ParseError::Malformed(input.len())),
        }
        while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
        let mut value = String::new();
        if chars.next_if(|(_, c)| *c == '"').is_some() {
            loop {
                match chars.next() {
                    Some((_, '"')) => break,
                    Some((_, '\\')) => match chars.next() {
                        Some((_, c)) => value.push(c),
                        None => return Err(ParseError::Malformed(input.len())),
                    },
                    Some((_, c)) => value.push(c),
                    None => return Err(ParseError::Malformed(input.len())),
                }
            }
        } else {
            while let Some((_, c)) = chars.next_if(|(_, c)| is_token_char(*c) || *c == '/') {
                value.push(c);
            }
        }
        while chars.next_if(|(_, c)| c.is_ascii_whitespace()).is_some() {}
        match chars.peek() {
            None | Some((_, ',')) => out.push((key, value)),
            Some(&(at, _)) => return Err(ParseError::Malformed(at)),
        }
    }
}

/// RFC 7230 `tchar`.
fn is_token_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c)
}

/// Compares two strings in time that depends on their lengths only, so that a response
/// cannot be guessed byte by byte from timings (`subtle`, which also keeps the optimizer
/// from short-circuiting the comparison).
pub(crate) fn constant_time_eq(a: &str, b: &str) -> bool {
    use subtle::ConstantTimeEq as _;
    a.as_bytes().ct_eq(b.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn rfc_2617_example() {
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nc: "00000001",
            cnonce: "0a4f113b",
            qop: Some("auth"),
        };
        assert_eq!(response(&input), "6629fae49393a05397450978507c4ef1");
    }

    #[test]
    fn rfc_7616_sha256_example() {
        let input = DigestInput {
            algorithm: Algorithm::Sha256,
            username: "Mufasa",
            realm: "http-auth@example.org",
            password: "Circle of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v",
            nc: "00000001",
            cnonce: "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
            qop: Some("auth"),
        };
        assert_eq!(
            response(&input),
            "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
        );
    }

    #[test]
    fn rfc_2069_form_without_qop() {
        // H(HA1:nonce:HA2), checked against the same RFC 2617 intermediates.
        let input = DigestInput {
            algorithm: Algorithm::Md5,
            username: "Mufasa",
            realm: "testrealm@host.com",
            password: "Circle Of Life",
            method: "GET",
            uri: "/dir/index.html",
            nonce: "dcd98b7102dd2f0e8b11d0f600bfb0c093",
            nc: "",
            cnonce: "",
            qop: None,
        };
        let expected = Algorithm::Md5.hash_hex(
            "939e7578ed9e3c518a452acee763bce9:dcd98b7102dd2f0e8b11d0f600bfb0c093:39aff3a2bab6126f332b942af96d3366",
        );
        assert_eq!(response(&input), expected);
    }

    #[test]
    fn challenge_reads_like_atlas() {
        assert_eq!(
            challenge("abc", false),
            "Digest realm=\"MMS Public API\", domain=\"\", nonce=\"abc\", algorithm=MD5, qop=\"auth\", stale=false"
        );
        assert!(challenge("abc", true).ends_with("stale=true"));
    }

    #[test]
    fn parses_what_curl_and_requests_send() {
        // curl: quoted values, qop and nc bare.
        let curl = r#"Digest username="abcdefgh", realm="MMS Public API", nonce="n1", uri="/api/atlas/v1.0/groups?x=1", cnonce="Y2M=", nc=00000001, qop=auth, response="0123", algorithm=MD5"#;
        let c = parse_authorization(curl).unwrap();
        assert_eq!(c.username, "abcdefgh");
        assert_eq!(c.uri, "/api/atlas/v1.0/groups?x=1");
        assert_eq!(c.nc.as_deref(), Some("00000001"));
        assert_eq!(c.qop.as_deref(), Some("auth"));
        assert_eq!(c.algorithm.as_deref(), Some("MD5"));
        // Python requests: quoted qop, `"MD5"` quoted, odd spacing.
        let py = r#"digest   username = "k" ,realm="MMS Public API",nonce="n", uri="/", response="r", opaque="o", algorithm="MD5", qop="auth", nc=00000002, cnonce="c""#;
        let c = parse_authorization(py).unwrap();
        assert_eq!(c.opaque.as_deref(), Some("o"));
        assert_eq!(c.nc.as_deref(), Some("00000002"));
    }

    #[test]
    fn quoted_values_keep_commas_and_escapes() {
        let h = r#"Digest username="a\"b", realm="x, y", nonce="n", uri="/p", response="r""#;
        let c = parse_authorization(h).unwrap();
        assert_eq!(c.username, "a\"b");
        assert_eq!(c.realm, "x, y");
    }

    #[test]
    fn refuses_garbage_with_a_reason() {
        assert_eq!(parse_authorization("Basic dXNlcjpwYXNz"), Err(ParseError::NotDigest));
        assert_eq!(parse_authorization(""), Err(ParseError::NotDigest));
        assert!(matches!(
            parse_authorization("Digest username"),
            Err(ParseError::Malformed(_))
        ));
        assert!(matches!(
            parse_authorization(r#"Digest username="unterminated"#),
            Err(ParseError::Malformed(_))
        ));
        assert_eq!(
            parse_authorization(r#"Digest username="a", realm="r", nonce="n", uri="/""#),
            Err(ParseError::Missing("response"))
        );
        assert_eq!(
            parse_authorization(r#"Digest username="a", username="b", realm="r", nonce="n", uri="/", response="x""#),
            Err(ParseError::Duplicate("username".into()))
        );
        assert!(matches!(
            parse_authorization(r#"Digest username="a" realm="r""#),
            Err(ParseError::Malformed(_))
        ));
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(Algorithm::from_param(None), Some(Algorithm::Md5));
        assert_eq!(Algorithm::from_param(Some("md5")), Some(Algorithm::Md5));
        assert_eq!(Algorithm::from_param(Some("SHA-256")), Some(Algorithm::Sha256));
        assert_eq!(Algorithm::from_param(Some("MD5-sess")), None);
    }

    #[test]
    fn constant_time_eq_is_eq() {
        assert!(constant_time_eq("abc", "abc"));
        assert!(!constant_time_eq("abc", "abd"));
        assert!(!constant_time_eq("abc", "ab"));
    }

    proptest! {
        #[test]
        fn the_parser_never_panics(s in "\\PC*") {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn the_parser_never_panics_on_near_misses(
            s in r#"(?i)digest[ ,]{0,3}((username|realm|nonce|uri|response|nc|qop|x)[ ]?=[ ]?("[^"\\]{0,8}(\\.)?[^"]{0,4}"?|[a-z0-9/]{0,6})[ ,]{0,3}){0,8}"#
        ) {
            let _ = parse_authorization(&s);
        }

        #[test]
        fn what_the_server_accepts_roundtrips(
            user in "[a-z]{8}", nonce in "[0-9a-f]{16}", uri in "/[a-zA-Z0-9/?=&.]{0,30}", nc in 1u32..1000
        ) {
            let header = format!(
                "Digest username=\"{user}\", realm=\"{REALM}\", nonce=\"{nonce}\", uri=\"{uri}\", response=\"r\", qop=auth, nc={nc:08x}, cnonce=\"c\""
            );
            let c = parse_authorization(&header).unwrap();
            prop_assert_eq!(c.username, user);
            prop_assert_eq!(c.uri, uri);
            prop_assert_eq!(c.nc, Some(format!("{nc:08x}")));
        }
    }
}
