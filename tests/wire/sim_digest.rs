//! The simulator's Digest check as a client meets it: diqwest (the client the product
//! uses) gets in with the right key, reuses a nonce with a counting `nc`, recovers from a
//! stale nonce; a wrong key, a replayed `nc` and a forged `uri` are refused.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;

use atlas_restore::sim::digest::{self, Algorithm, DigestInput, REALM};
use atlas_restore::sim::{Fault, SimConfig};
use common::{answer, client, client_with_key, start, start_with, v1};
use std::time::Duration;

#[tokio::test]
async fn right_key_gets_200_and_wrong_key_gets_401() {
    let sim = start(1.0).await;
    let ok = client(&sim).get(&v1(&sim, "clusters")).await;
    assert_eq!(ok.status, 200, "{}", ok.text);
    assert_eq!(ok.json["totalCount"], 3);

    let wrong = client_with_key(&sim, "00000000-0000-0000-0000-000000000000")
        .get(&v1(&sim, "clusters"))
        .await;
    assert_eq!(wrong.status, 401);
    assert_eq!(wrong.json["errorCode"], "UNAUTHORIZED");
    assert_eq!(wrong.json["reason"], "Unauthorized");
    assert_eq!(wrong.json["error"], 401);
    let challenge = wrong.header("www-authenticate").unwrap();
    assert!(
        challenge.starts_with("Digest realm=\"MMS Public API\", domain=\"\", nonce=\""),
        "{challenge}"
    );
    assert!(
        challenge.ends_with("algorithm=MD5, qop=\"auth\", stale=false"),
        "{challenge}"
    );
    assert_eq!(sim.counters().auth_failures, 1);
    sim.shutdown().await;
}

#[tokio::test]
async fn one_challenge_serves_many_requests_with_a_counting_nc() {
    let sim = start(1.0).await;
    let c = client(&sim);
    for tail in [
        "clusters",
        "clusters/Cluster0",
        "clusters/Cluster0/snapshots?itemsPerPage=2&pageNum=2",
        "clusters/Cluster1/backupCheckpoints",
        "clusters/Cluster0/restoreJobs",
    ] {
        let a = c.get(&v1(&sim, tail)).await;
        assert_eq!(a.status, 200, "{tail}: {}", a.text);
    }
    let n = sim.counters();
    assert_eq!(n.challenges, 1, "{n:?}");
    assert_eq!(n.requests, 6, "one unauthenticated request, then five: {n:?}");
    assert_eq!(n.auth_failures, 0);
    sim.shutdown().await;
}

fn nonce_of(challenge: &str) -> String {
    let start = challenge.find("nonce=\"").unwrap() + 7;
    let len = challenge[start..].find('"').unwrap();
    challenge[start..start + len].to_string()
}

fn authorization(user: &str, pass: &str, uri: &str, nonce: &str, nc: u32) -> String {
    let nc = format!("{nc:08x}");
    let response = digest::response(&DigestInput {
        algorithm: Algorithm::Md5,
        username: user,
        realm: REALM,
        password: pass,
        method: "GET",
        uri,
        nonce,
        nc: &nc,
        cnonce: "0a4f113b",
        qop: Some("auth"),
    });
    format!(
        r#"Digest username="{user}", realm="{REALM}", nonce="{nonce}", uri="{uri}", algorithm=MD5, qop=auth, nc={nc}, cnonce="0a4f113b", response="{response}""#
    )
}

#[tokio::test]
async fn a_replayed_nonce_count_or_a_forged_uri_is_refused() {
    let sim = start(1.0).await;
    let http = common::http();
    let path = v1(&sim, "clusters?pretty=true");
    let url = format!("{}{path}", sim.base_url());
    let first = answer(http.get(&url).send().await.unwrap()).await;
    assert_eq!(first.status, 401);
    let nonce = nonce_of(first.header("www-authenticate").unwrap());
    let (user, pass) = (sim.public_key(), sim.private_key());
    let send = |auth: String| {
        let req = http.get(&url).header("authorization", auth);
        async move { answer(req.send().await.unwrap()).await.status }
    };

    assert_eq!(send(authorization(user, pass, &path, &nonce, 1)).await, 200);
    // The same nc again is a replay.
    assert_eq!(send(authorization(user, pass, &path, &nonce, 1)).await, 401);
    // Counting on from the last accepted one works; going back does not.
    assert_eq!(send(authorization(user, pass, &path, &nonce, 5)).await, 200);
    assert_eq!(send(authorization(user, pass, &path, &nonce, 3)).await, 401);
    // A digest made for another uri (here: without the query) is refused.
    let other = v1(&sim, "clusters");
    assert_eq!(send(authorization(user, pass, &other, &nonce, 6)).await, 401);
    // A nonce the server never issued, with the right key: stale, so the client retries.
    let forged = answer(
        http.get(&url)
            .header("authorization", authorization(user, pass, &path, "feed", 1))
            .send()
            .await
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status, 401);
    assert!(forged.header("www-authenticate").unwrap().ends_with("stale=true"));
    let n = sim.counters();
    assert_eq!((n.auth_failures, n.stale_nonces), (3, 1), "{n:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn garbage_authorization_headers_get_401_not_a_crash() {
    let sim = start(1.0).await;
    let http = common::http();
    let url = format!("{}{}", sim.base_url(), v1(&sim, "clusters"));
    for garbage in [
        "Digest",
        "Digest username=\"",
        "Digest ,,,,==",
        "Basic YWJjOmRlZg==",
        "Digest username=\"é\", realm=\"\\\"",
        "digest username=\"a\", realm=\"MMS Public API\", nonce=\"n\", uri=\"/\", response=\"r\", qop=auth, nc=zz, cnonce=\"c\"",
    ] {
        let a = answer(http.get(&url).header("authorization", garbage).send().await.unwrap()).await;
        assert_eq!(a.status, 401, "{garbage}");
        assert!(a.header("www-authenticate").is_some());
    }
    // The server still answers properly afterwards.
    assert_eq!(client(&sim).get(&v1(&sim, "clusters")).await.status, 200);
    sim.shutdown().await;
}

#[tokio::test]
async fn an_expired_nonce_is_stale_and_the_client_recovers() {
    // Nonces age in real time, which no test clock can move: a short lifetime and a short wait
    // past it (the ageing is the thing under test, and nothing shows it but the next answer).
    let sim = start_with(SimConfig {
        nonce_lifetime: Duration::from_millis(300),
        ..SimConfig::default()
    })
    .await;
    let c = client(&sim);
    assert_eq!(c.get(&v1(&sim, "clusters")).await.status, 200);
    tokio::time::sleep(Duration::from_millis(400)).await;
    let again = c.get(&v1(&sim, "clusters/Cluster0")).await;
    assert_eq!(again.status, 200, "{}", again.text);
    let n = sim.counters();
    assert_eq!(n.stale_nonces, 1, "{n:?}");
    assert_eq!(n.auth_failures, 0, "{n:?}");
    sim.shutdown().await;
}

#[tokio::test]
async fn with_single_use_nonces_every_request_still_gets_through() {
    let sim = start(1.0).await;
    sim.set_fault(Some(Fault::StaleNonce));
    let c = client(&sim);
    for _ in 0..3 {
        let a = c.get(&v1(&sim, "clusters")).await;
        assert_eq!(a.status, 200, "{}", a.text);
    }
    let n = sim.counters();
    // The first request has no nonce yet; each later one reuses one and is told it is stale.
    assert_eq!(n.stale_nonces, 2, "{n:?}");
    assert_eq!(n.auth_failures, 0, "{n:?}");
    sim.shutdown().await;
}
