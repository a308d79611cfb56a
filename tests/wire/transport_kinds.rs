//! Network failures are told apart by what they are, not by words in the URL: a host called
//! `tls-prod` that does not resolve is a DNS failure, a refused port under a path full of
//! "proxy", "tls" and "certificate" is a refusal, and TLS spoken to a plain HTTP server is TLS.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;
use atlas_restore::atlas::{AtlasClient, AtlasError, ClientOptions, TransportKind};
use atlas_restore::restore::ApiVersion;
use atlas_restore::secret::SecretString;
use std::time::Duration;

fn client(base_url: &str) -> AtlasClient {
    AtlasClient::new(&ClientOptions {
        flavor: Default::default(),
        base_url: base_url.to_string(),
        api: ApiVersion::V1,
        public_key: "pub".into(),
        private_key: SecretString::new("secret"),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(5),
        ca_file: None,
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    })
    .unwrap()
}

async fn kind_of(base_url: &str) -> (TransportKind, String) {
    match client(base_url).list_clusters("5e2211c17a3e5a48f5497de3").await {
        Err(AtlasError::Transport { kind, detail, .. }) => (kind, detail),
        other => panic!("{base_url}: expected a transport error, got {other:?}"),
    }
}

/// A port nobody listens on: bound, then closed.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

#[tokio::test]
async fn a_host_named_like_tls_that_does_not_resolve_is_dns() {
    // `.invalid` never resolves (RFC 2606).
    let (kind, said) = kind_of("https://tls-prod.proxy-east.invalid").await;
    assert_eq!(kind, TransportKind::Dns, "{said}");
}

#[tokio::test]
async fn a_refused_port_under_a_misleading_path_is_a_refusal() {
    let port = closed_port();
    let (kind, said) = kind_of(&format!(
        "http://127.0.0.1:{port}/tls-handshake/proxy-tunnel/certificate"
    ))
    .await;
    assert_eq!(kind, TransportKind::Refused, "{said}");
}

#[tokio::test]
async fn tls_to_a_plain_http_server_is_tls() {
    let sim = common::start(1.0).await;
    let port = sim.base_url().rsplit(':').next().unwrap().to_string();
    let (kind, said) = kind_of(&format!("https://127.0.0.1:{port}/dns-error/connection-refused")).await;
    assert_eq!(kind, TransportKind::Tls, "{said}");
}
