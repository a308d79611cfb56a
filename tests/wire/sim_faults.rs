//! Each fault mode as a client meets it: the status, the headers, the body it cannot parse,
//! the connection that breaks, the answer that takes its time. Switching the fault off
//! brings the normal answer back.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::support::common;

use atlas_restore::sim::{Fault, Sim};
use common::{Client, client, complete_snapshot, start, v1};
use diqwest::WithDigestAuth;
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What a client ends up with: the status and the whole body, or the error that stopped it.
async fn fetch(c: &Client, req: reqwest::RequestBuilder) -> Result<(u16, Vec<u8>), String> {
    let resp = req
        .send_digest_auth(&c.session)
        .await
        .map_err(|e| format!("send: {e}"))?;
    let status = resp.status().as_u16();
    let body = resp.bytes().await.map_err(|e| format!("body: {e}"))?;
    Ok((status, body.to_vec()))
}

async fn assert_back_to_normal(sim: &Sim, c: &Client) {
    sim.set_fault(None);
    let a = c.get(&v1(sim, "clusters")).await;
    assert_eq!(a.status, 200, "{}", a.text);
}

#[tokio::test]
async fn refusals_with_their_status_code_and_headers() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let url = v1(&sim, "clusters");

    sim.set_fault(Some(Fault::NotOnAccessList));
    let a = c.get(&url).await;
    assert_eq!(a.status, 403);
    assert_eq!(a.json["errorCode"], "IP_ADDRESS_NOT_ON_ACCESS_LIST");
    assert_eq!(
        a.json["detail"],
        "IP address 203.0.113.7 is not allowed to access this resource."
    );

    sim.set_fault(Some(Fault::RateLimited {
        retry_after_secs: Some(55),
    }));
    let a = c.get(&url).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.json["errorCode"], "RATE_LIMITED");
    assert_eq!(a.header("retry-after"), Some("55"));
    assert!(a.json["detail"].as_str().unwrap().contains("retry after 55 seconds"));
    sim.set_fault(Some(Fault::RateLimited { retry_after_secs: None }));
    let a = c.get(&url).await;
    assert_eq!(a.status, 429);
    assert_eq!(a.header("retry-after"), None);

    sim.set_fault(Some(Fault::ServerError));
    let a = c.get(&url).await;
    assert_eq!(
        (a.status, a.json["errorCode"].clone()),
        (500, json!("UNEXPECTED_ERROR"))
    );

    sim.set_fault(Some(Fault::Unavailable));
    let a = c.get(&url).await;
    assert_eq!(
        (a.status, a.json["errorCode"].clone()),
        (503, json!("SERVICE_UNAVAILABLE"))
    );

    sim.set_fault(Some(Fault::HtmlPage));
    let a = c.get(&url).await;
    assert_eq!(a.status, 502);
    assert!(a.header("content-type").unwrap().starts_with("text/html"));
    assert!(a.text.contains("<html>"));
    assert_eq!(a.json, Value::Null, "not JSON");

    assert_back_to_normal(&sim, &c).await;
    // Refused requests made nothing: a POST under a 500 leaves no job behind.
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    sim.set_fault(Some(Fault::ServerError));
    let a = c
        .post(
            &v1(&sim, "clusters/Cluster0/restoreJobs"),
            &json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}}),
        )
        .await;
    assert_eq!(a.status, 500);
    sim.set_fault(None);
    let jobs = c.get(&v1(&sim, "clusters/Cluster0/restoreJobs")).await;
    assert_eq!(jobs.json["totalCount"], 0);
    sim.shutdown().await;
}

#[tokio::test]
async fn malformed_json_is_the_real_answer_cut_short() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let url = v1(&sim, "clusters/Cluster0");
    let whole = c.get(&url).await;
    sim.set_fault(Some(Fault::MalformedJson));
    let cut = c.get(&url).await;
    assert_eq!(cut.status, 200);
    assert_eq!(cut.header("content-type"), Some("application/json"));
    assert!(serde_json::from_str::<Value>(&cut.text).is_err());
    assert!(!cut.text.is_empty() && whole.text.starts_with(&cut.text));
    assert_back_to_normal(&sim, &c).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn a_huge_body_has_the_size_it_announces() {
    let sim = start(1.0).await;
    let c = client(&sim);
    sim.set_fault(Some(Fault::HugeBody(3_000_000)));
    let resp = c
        .http
        .get(c.url(&v1(&sim, "clusters")))
        .send_digest_auth(&c.session)
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert_eq!(resp.content_length(), Some(3_000_000));
    let body = resp.bytes().await.unwrap();
    assert_eq!(body.len(), 3_000_000);
    assert!(body.starts_with(b"{\"links\":[],\"results\":["));
    assert!(serde_json::from_slice::<Value>(&body).is_err());
    assert_back_to_normal(&sim, &c).await;
    sim.shutdown().await;
}

#[tokio::test]
async fn slow_answers_take_their_time() {
    let sim = start(1.0).await;
    let c = client(&sim);
    assert_eq!(c.get(&v1(&sim, "clusters")).await.status, 200);
    sim.set_fault(Some(Fault::Slow(Duration::from_millis(300))));
    let t0 = Instant::now();
    let a = c.get(&v1(&sim, "clusters")).await;
    assert_eq!(a.status, 200);
    assert!(t0.elapsed() >= Duration::from_millis(300), "{:?}", t0.elapsed());
    // A client with a shorter timeout gives up.
    let impatient = c
        .http
        .get(c.url(&v1(&sim, "clusters")))
        .timeout(Duration::from_millis(100));
    let err = fetch(&c, impatient).await.unwrap_err();
    assert!(err.contains("send"), "{err}");
    sim.shutdown().await;
}

#[tokio::test]
async fn a_dropped_connection_is_an_error_for_the_client() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    let jobs_url = c.url(&v1(&sim, "clusters/Cluster0/restoreJobs"));
    sim.set_fault(Some(Fault::DropConnection));

    let get = fetch(&c, c.http.get(&jobs_url)).await;
    let err = get.expect_err("a GET gets no answer");
    assert!(err.starts_with("send"), "not even a status line: {err}");

    // A POST is acted on, then its answer breaks off: the job exists all the same, which
    // is why a client lists jobs before it retries a POST.
    let body = json!({"snapshotId": snap, "delivery": {"methodName": "HTTP"}});
    let post = fetch(&c, c.http.post(&jobs_url).json(&body)).await;
    let err = post.expect_err("the answer breaks off");
    assert!(err.starts_with("body"), "the status came, then the body broke: {err}");
    sim.set_fault(None);
    let jobs = c.get(&v1(&sim, "clusters/Cluster0/restoreJobs")).await;
    assert_eq!(jobs.json["totalCount"], 1);

    // A download breaks off in the middle.
    sim.advance(Duration::from_secs(61));
    let id = jobs.json["results"][0]["id"].as_str().unwrap();
    let job = c.get(&v1(&sim, &format!("clusters/Cluster0/restoreJobs/{id}"))).await;
    let url = job.json["delivery"]["url"].as_str().unwrap().to_string();
    sim.set_fault(Some(Fault::DropConnection));
    let resp = common::http().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    assert!(resp.bytes().await.is_err(), "the body breaks off");
    sim.shutdown().await;
}

#[tokio::test]
async fn downloads_share_the_networks_faults() {
    let sim = start(1.0).await;
    let c = client(&sim);
    let snap = complete_snapshot(&c, &sim, "Cluster0").await;
    let made = c
        .post(
            &v1(&sim, "clusters/Cluster0/restoreJobs"),
            &json!({"snapshotId": snap, "delivery": {"methodName": "HTTP", "maxDownloads": 1}}),
        )
        .await;
    let id = made.json["results"][0]["id"].as_str().unwrap().to_string();
    sim.advance(Duration::from_secs(61));
    let job = c.get(&v1(&sim, &format!("clusters/Cluster0/restoreJobs/{id}"))).await;
    let url = job.json["delivery"]["url"].as_str().unwrap().to_string();
    for (fault, status) in [
        (Fault::ServerError, 500),
        (Fault::Unavailable, 503),
        (Fault::HtmlPage, 502),
        (
            Fault::RateLimited {
                retry_after_secs: Some(5),
            },
            429,
        ),
    ] {
        sim.set_fault(Some(fault.clone()));
        let resp = common::http().get(&url).send().await.unwrap();
        assert_eq!(resp.status().as_u16(), status, "{fault}");
    }
    // None of those counted as a download: the single one allowed still works.
    sim.set_fault(None);
    let resp = common::http().get(&url).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    sim.shutdown().await;
}
