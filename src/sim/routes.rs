//! The map of the simulator's HTTP face: which paths go to which handler, and the layers in
//! front of them, outermost first:
//!
//! | path | layers | handler |
//! |---|---|---|
//! | `/api/atlas/{*rest}`, `/api/public/{*rest}` | count, faults (front), Digest, faults (Atlas) | `resources::api`, which routes by path (the flavour played decides which prefix answers) |
//! | `/backup/restore/...` | count, faults (front), faults (Atlas) | `downloads` |
//! | `/_sim/counters` | none | `counters` below |
//! | anything else | none | `fallback` below: Atlas's 404, counted |
//!
//! Around them all, `Date` from the simulated clock (`http::date`).
//!
//! A new Admin API endpoint goes in `resources/`, not here; a new host or a new layer does.

use super::Shared;
use super::downloads;
use super::faults::{Host, Stage};
use super::http::authenticate::digest_auth;
use super::http::date::server_date;
use super::http::error::no_resource;
use super::http::inject::{FaultLayer, inject};
use super::resources;
use axum::Router;
use axum::extract::{Request, State};
use axum::http::Uri;
use axum::middleware::{Next, from_fn_with_state};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::json;
use std::sync::Arc;

type Sh = Arc<Shared>;

pub(crate) fn router(shared: Sh) -> Router {
    let faults = |host, stage| {
        from_fn_with_state(
            FaultLayer {
                sh: shared.clone(),
                host,
                stage,
            },
            inject,
        )
    };
    let count = || from_fn_with_state(shared.clone(), count_request);
    // The last layer added is the outermost. `any` serves every method, so its layers wrap
    // them all; the downloads' `route_layer` wraps GET (and HEAD) only, so that another
    // method gets axum's 405 without being counted or faulted.
    let api = any(resources::api)
        .layer(faults(Host::Api, Stage::Atlas))
        .layer(from_fn_with_state(shared.clone(), digest_auth))
        .layer(faults(Host::Api, Stage::Front))
        .layer(count());
    let downloads = Router::new()
        .route("/backup/restore/v2/pull/{job}/{key}/{file}", get(downloads::with_key))
        .route("/backup/restore/v3/pull/{job}/{file}", get(downloads::with_header))
        .route_layer(faults(Host::Download, Stage::Atlas))
        .route_layer(faults(Host::Download, Stage::Front))
        .route_layer(count());
    Router::new()
        // Atlas's prefix, and Cloud and Ops Manager's: the one the flavour played does not
        // serve answers 404, as the real servers' would.
        .route("/api/atlas/{*rest}", api.clone())
        .route("/api/public/{*rest}", api)
        .merge(downloads)
        .route("/_sim/counters", get(counters))
        .fallback(fallback)
        // Outermost: every answer tells the simulated time, as Atlas's tell Atlas's.
        .layer(from_fn_with_state(shared.clone(), server_date))
        .with_state(shared)
}

/// Counts every request of the API and download hosts, whatever becomes of it.
async fn count_request(State(sh): State<Sh>, req: Request, next: Next) -> Response {
    sh.state().counters.requests += 1;
    next.run(req).await
}

/// The simulator's own counters, for measurement scripts (`scripts/measure.py`). Not an
/// Atlas endpoint; it needs no key and is not counted itself.
async fn counters(State(sh): State<Sh>) -> Response {
    let c = sh.state().counters.clone();
    axum::Json(json!({
        "requests": c.requests,
        "challenges": c.challenges,
        "auth_failures": c.auth_failures,
        "stale_nonces": c.stale_nonces,
        "restore_job_lists": c.restore_job_lists,
        "restore_job_gets": c.restore_job_gets,
        "restore_job_creates": c.restore_job_creates,
        "downloads": c.downloads,
        "ranged_downloads": c.ranged_downloads,
    }))
    .into_response()
}

async fn fallback(State(sh): State<Sh>, uri: Uri) -> Response {
    sh.state().counters.requests += 1;
    no_resource(uri.path()).into_plain()
}
