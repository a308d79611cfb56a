//! What went wrong under HTTP, told by the errors' types, never by their text: reqwest's
//! messages carry the URL, so a host called `tls-prod` or a path with `proxy` in it would be
//! misread. The chain of `source()`s is walked for `io::ErrorKind`s, rustls's errors, hyper's
//! and our own DNS failure (names are resolved here, so that a failed lookup has a type).

use super::error::TransportKind;
use std::net::SocketAddr;

/// A name that did not resolve.
#[derive(Debug)]
pub(crate) struct DnsFailure {
    pub host: String,
    pub source: Option<std::io::Error>,
}

impl std::fmt::Display for DnsFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the name {} does not resolve", self.host)
    }
}

impl std::error::Error for DnsFailure {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source.as_ref().map(|e| e as &(dyn std::error::Error + 'static))
    }
}

/// The system's resolver (as reqwest's own), with a failure of our own type.
#[derive(Debug, Default)]
pub(crate) struct Resolver;

impl reqwest::dns::Resolve for Resolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_string();
        Box::pin(async move {
            let found = tokio::net::lookup_host(format!("{host}:0")).await;
            match found {
                Ok(addrs) => {
                    let addrs: Vec<SocketAddr> = addrs.collect();
                    if addrs.is_empty() {
                        return Err(Box::new(DnsFailure { host, source: None }) as _);
                    }
                    Ok(Box::new(addrs.into_iter()) as reqwest::dns::Addrs)
                }
                Err(e) => Err(Box::new(DnsFailure { host, source: Some(e) }) as _),
            }
        })
    }
}

/// Whether the environment sends requests for `url` through a proxy (as reqwest reads it:
/// `HTTPS_PROXY`/`HTTP_PROXY`/`ALL_PROXY`, less the hosts of `NO_PROXY`).
pub(crate) fn proxied(url: &url::Url, env: &dyn Fn(&str) -> Option<String>) -> bool {
    let var = |names: &[&str]| names.iter().find_map(|n| env(n).filter(|v| !v.trim().is_empty()));
    let proxy = match url.scheme() {
        "https" => var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]),
        _ => var(&["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"]),
    };
    if proxy.is_none() {
        return false;
    }
    let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
    let excluded = var(&["NO_PROXY", "no_proxy"]).is_some_and(|list| {
        list.split(',')
            .map(|e| e.trim().trim_start_matches('.').to_ascii_lowercase())
            .any(|e| e == "*" || (!e.is_empty() && (host == e || host.ends_with(&format!(".{e}")))))
    });
    !excluded
}

/// The kind of a failure, from the types in its chain; `proxied`: the request went through
/// a proxy, so a failure to connect is the proxy's.
pub(crate) fn classify(e: &reqwest::Error, proxied: bool) -> TransportKind {
    if e.is_timeout() {
        return TransportKind::Timeout;
    }
    // Of the causes in the chain, the most telling: a name that did not resolve or a TLS
    // failure explains a closed connection, not the other way round.
    let rank = |k: &TransportKind| match k {
        TransportKind::Dns => 5,
        TransportKind::Tls => 4,
        TransportKind::Refused => 3,
        TransportKind::Timeout => 2,
        TransportKind::Closed => 1,
        _ => 0,
    };
    let mut found: Option<TransportKind> = None;
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(kind) = kind_of(s)
            && found.as_ref().is_none_or(|f| rank(&kind) > rank(f))
        {
            found = Some(kind);
        }
        source = s.source();
    }
    match found {
        Some(TransportKind::Refused) if proxied => TransportKind::Proxy,
        Some(kind) => kind,
        None if proxied && e.is_connect() => TransportKind::Proxy,
        None if e.is_body() || e.is_decode() || e.is_request() => TransportKind::Closed,
        None => TransportKind::Other,
    }
}

fn kind_of(s: &(dyn std::error::Error + 'static)) -> Option<TransportKind> {
    if s.downcast_ref::<DnsFailure>().is_some() {
        return Some(TransportKind::Dns);
    }
    if s.downcast_ref::<rustls::Error>().is_some() {
        return Some(TransportKind::Tls);
    }
    if let Some(mut io) = s.downcast_ref::<std::io::Error>() {
        // rustls reports through io::Error, which the connector may wrap in another: look
        // inside (an io::Error's `source()` skips the error it holds).
        while let Some(inner) = io.get_ref() {
            if inner.downcast_ref::<rustls::Error>().is_some() {
                return Some(TransportKind::Tls);
            }
            match inner.downcast_ref::<std::io::Error>() {
                Some(deeper) => io = deeper,
                None => break,
            }
        }
        use std::io::ErrorKind as K;
        return match io.kind() {
            K::ConnectionRefused => Some(TransportKind::Refused),
            K::TimedOut => Some(TransportKind::Timeout),
            K::ConnectionReset | K::ConnectionAborted | K::UnexpectedEof | K::BrokenPipe | K::NotConnected => {
                Some(TransportKind::Closed)
            }
            _ => None,
        };
    }
    if let Some(h) = s.downcast_ref::<hyper::Error>()
        && (h.is_incomplete_message() || h.is_closed() || h.is_canceled())
    {
        return Some(TransportKind::Closed);
    }
    None
}

/// The API's client and the downloads' (`download.rs`: no overall timeout, redirects
/// followed by hand), alike in all else: the resolver, the user agent, the connect timeout,
/// `ca_file`'s roots and the pinned names.
pub(super) fn clients(
    opts: &super::ClientOptions,
    pinned: &[(&str, std::net::SocketAddr)],
) -> Result<(reqwest::Client, reqwest::Client), super::AtlasError> {
    use super::AtlasError;
    // reqwest is built without a default TLS provider (ring is lighter on 2 cores than
    // aws-lc-rs); installing it twice is harmless.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let certs = match &opts.ca_file {
        Some(path) => {
            let pem = std::fs::read(path).map_err(|e| AtlasError::Setup(format!("ca_file {}: {e}", path.display())))?;
            reqwest::Certificate::from_pem_bundle(&pem).map_err(|e| {
                AtlasError::Setup(format!(
                    "ca_file {}: not a PEM certificate bundle ({e})",
                    path.display()
                ))
            })?
        }
        None => Vec::new(),
    };
    let builder = || {
        let b = reqwest::Client::builder()
            .dns_resolver(Resolver)
            .user_agent(concat!("atlas-restore/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(opts.connect_timeout)
            .tls_certs_merge(certs.clone());
        pinned.iter().fold(b, |b, (name, addr)| b.resolve(name, *addr))
    };
    let built = |b: reqwest::ClientBuilder| b.build().map_err(|e| AtlasError::Setup(format!("HTTP client: {e}")));
    Ok((
        // The API's answers are never followed elsewhere (`client.rs` says why).
        built(
            builder()
                .timeout(opts.request_timeout)
                .redirect(reqwest::redirect::Policy::none()),
        )?,
        built(builder().redirect(reqwest::redirect::Policy::none()))?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.to_string())
    }

    #[test]
    fn proxies_follow_the_environment_and_no_proxy() {
        let url = url::Url::parse("https://cloud.mongodb.com/api").unwrap();
        assert!(!proxied(&url, &env(&[])));
        assert!(proxied(&url, &env(&[("HTTPS_PROXY", "http://proxy-east:3128")])));
        assert!(!proxied(&url, &env(&[("HTTP_PROXY", "http://proxy-east:3128")])));
        assert!(!proxied(
            &url,
            &env(&[("https_proxy", "http://p:3128"), ("NO_PROXY", "localhost,.mongodb.com")])
        ));
        assert!(proxied(
            &url,
            &env(&[("ALL_PROXY", "http://p:3128"), ("no_proxy", "mongodb.org")])
        ));
    }
}
