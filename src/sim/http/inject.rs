//! Fault injection as axum middleware: reads the fault in force once per request, then, at
//! each stage where a layer sits (`faults::Stage`), carries out what `Fault::effect` says:
//! wait, answer instead, or let the request through and spoil its answer. What a fault does
//! is decided in `faults.rs`; this file only knows how to do it.

use crate::sim::Shared;
use crate::sim::faults::{self, Effect, Fault, Host, Spoil, Stage};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;

/// The fault in force for one request, read when it arrives: switching faults while a
/// request is on its way does not change what happens to it half-way.
#[derive(Debug, Clone)]
pub(crate) struct ActiveFault(pub Option<Fault>);

/// The fault of a request: the one its first layer read, or else the one in force now.
pub(crate) fn active(req: &Request, sh: &Shared) -> Option<Fault> {
    match req.extensions().get::<ActiveFault>() {
        Some(ActiveFault(f)) => f.clone(),
        None => sh.state().fault.clone(),
    }
}

/// Where a fault layer sits: the state of `axum::middleware::from_fn_with_state(.., inject)`.
#[derive(Clone)]
pub(crate) struct FaultLayer {
    pub sh: Arc<Shared>,
    pub host: Host,
    pub stage: Stage,
}

/// The middleware.
pub(crate) async fn inject(State(at): State<FaultLayer>, mut req: Request, next: Next) -> Response {
    let fault = active(&req, &at.sh);
    req.extensions_mut().insert(ActiveFault(fault.clone()));
    let Some(fault) = fault else {
        return next.run(req).await;
    };
    match fault.effect(at.host, at.stage, req.method(), req.uri().path()) {
        Effect::Pass => next.run(req).await,
        Effect::Delay(d) => {
            tokio::time::sleep(d).await;
            next.run(req).await
        }
        Effect::Answer(answer) => answer,
        Effect::Spoil(how) => spoil(how, next.run(req).await).await,
    }
}

async fn spoil(how: Spoil, answer: Response) -> Response {
    if how == Spoil::CutDownload && !answer.status().is_success() {
        return answer;
    }
    let (mut parts, body) = answer.into_parts();
    // The answers spoiled are the simulator's own, in memory already: reading them cannot
    // fail, and should it, the answer goes without its body.
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let half: Bytes = bytes.slice(..bytes.len() / 2);
    match how {
        Spoil::Hostile(_) | Spoil::Mishap(_) => {
            let Ok(mut json) = serde_json::from_slice::<serde_json::Value>(&bytes) else {
                return Response::from_parts(parts, Body::from(bytes));
            };
            match how {
                Spoil::Hostile(hostile) => hostile.spoil(&mut json),
                Spoil::Mishap(mishap) => mishap.spoil(&mut json),
                _ => {}
            }
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(serde_json::to_vec(&json).unwrap_or_default()))
        }
        Spoil::HalfBody => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(half))
        }
        Spoil::CutConnection | Spoil::CutDownload => faults::broken(parts.status, parts.headers, half, bytes.len()),
    }
}
