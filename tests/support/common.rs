//! What the simulator's tests share: a started simulator and a Digest client for it.
#![allow(dead_code)] // each test crate uses a different part of this

use atlas_restore::atlas::ClientOptions;
use atlas_restore::restore::{ApiVersion, Flavor};
use atlas_restore::secret::SecretString;
use atlas_restore::sim::{Sim, SimConfig};
use diqwest::{DigestAuthSession, WithDigestAuth};
use reqwest::header::HeaderMap;
use serde_json::Value;
use std::time::Duration;

pub async fn start(speed: f64) -> Sim {
    start_with(SimConfig {
        speed,
        ..SimConfig::default()
    })
    .await
}

/// A profile's client options on `sim`: Atlas, API v1.0, its key pair, a 10 s request
/// timeout; a test changes what it needs with `..common::options(&sim)`.
pub fn options(sim: &Sim) -> ClientOptions {
    ClientOptions {
        flavor: Flavor::Atlas,
        base_url: sim.base_url(),
        api: ApiVersion::V1,
        public_key: sim.public_key().to_string(),
        private_key: SecretString::new(sim.private_key()),
        request_timeout: Duration::from_secs(10),
        connect_timeout: Duration::from_secs(2),
        ca_file: None,
        max_body_bytes: 1 << 20,
        envelope: false,
        pretty: false,
    }
}

pub async fn start_with(cfg: SimConfig) -> Sim {
    Sim::start("127.0.0.1:0".parse().unwrap(), cfg)
        .await
        .expect("the simulator starts on loopback")
}

/// A client with its own Digest session: diqwest caches nonces per host (not port), so each
/// simulator gets a fresh one.
pub struct Client {
    pub http: reqwest::Client,
    pub session: DigestAuthSession,
    pub base: String,
}

/// An answer: status, headers and the body as JSON (`Value::Null` when it is not JSON).
#[derive(Debug)]
pub struct Answer {
    pub status: u16,
    pub headers: HeaderMap,
    pub text: String,
    pub json: Value,
}

impl Answer {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

pub fn client(sim: &Sim) -> Client {
    client_with_key(sim, sim.private_key())
}

/// A plain reqwest client. The crate builds reqwest without a default TLS provider, so
/// one is installed first, as `main` does.
pub fn http() -> reqwest::Client {
    let _ = rustls::crypto::ring::default_provider().install_default();
    reqwest::Client::builder()
        .timeout(Duration::from_secs(20))
        .build()
        .unwrap()
}

pub fn client_with_key(sim: &Sim, private_key: &str) -> Client {
    Client {
        http: http(),
        session: DigestAuthSession::new(sim.public_key(), private_key),
        base: sim.base_url(),
    }
}

pub async fn answer(resp: reqwest::Response) -> Answer {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let text = resp.text().await.expect("the body arrives");
    let json = serde_json::from_str(&text).unwrap_or(Value::Null);
    Answer {
        status,
        headers,
        text,
        json,
    }
}

impl Client {
    /// `GET` of a path (or a full URL) under the base URL.
    pub async fn get(&self, path: &str) -> Answer {
        let url = self.url(path);
        let resp = self
            .http
            .get(&url)
            .send_digest_auth(&self.session)
            .await
            .unwrap_or_else(|e| panic!("GET {url}: {e}"));
        answer(resp).await
    }

    pub async fn post(&self, path: &str, body: &Value) -> Answer {
        let url = self.url(path);
        let resp = self
            .http
            .post(&url)
            .json(body)
            .send_digest_auth(&self.session)
            .await
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
        answer(resp).await
    }

    pub fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_string()
        } else {
            format!("{}{path}", self.base)
        }
    }
}

/// `/api/atlas/v1.0/groups/{group}/{tail}`.
pub fn v1(sim: &Sim, tail: &str) -> String {
    format!("/api/atlas/v1.0/groups/{}/{tail}", sim.group_id())
}

/// `/api/atlas/v2/groups/{group}/{tail}`.
pub fn v2(sim: &Sim, tail: &str) -> String {
    format!("/api/atlas/v2/groups/{}/{tail}", sim.group_id())
}

/// The id of the newest complete snapshot of a cluster.
pub async fn complete_snapshot(c: &Client, sim: &Sim, cluster: &str) -> String {
    let page = c.get(&v1(sim, &format!("clusters/{cluster}/snapshots"))).await;
    assert_eq!(page.status, 200, "{}", page.text);
    page.json["results"][0]["id"]
        .as_str()
        .expect("a complete snapshot")
        .to_string()
}
