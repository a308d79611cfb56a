//! Digest authentication as axum middleware, in front of every Admin API endpoint: a request
//! whose `Authorization` passes `auth::check` goes on; any other gets Atlas's 401 with a
//! fresh challenge (`stale=true` when only the nonce was old). The counters of challenges
//! are kept here; the nonce book and the check are in `auth.rs`, the arithmetic and the
//! header's grammar in `digest.rs`.

use super::error::ApiError;
use super::inject;
use super::render::{Format, Rendered};
use crate::sim::auth::{self, Refusal};
use crate::sim::faults::Fault;
use crate::sim::{Shared, digest};
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use std::sync::Arc;
use std::time::Instant;

/// The middleware: the request goes on only with valid credentials.
pub(crate) async fn digest_auth(State(sh): State<Arc<Shared>>, req: Request, next: Next) -> Response {
    let refused = {
        let single_use_nonces = inject::active(&req, &sh) == Some(Fault::StaleNonce);
        let target = req.uri().path_and_query().map_or("/", |p| p.as_str());
        let authorization = req.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
        challenge(&sh, req.method().as_str(), target, authorization, single_use_nonces)
    };
    match refused {
        Some(challenge) => challenge,
        None => next.run(req).await,
    }
}

/// The Digest check: `None` lets the request in, a refusal is a 401 with a fresh challenge.
fn challenge(
    sh: &Shared,
    method: &str,
    target: &str,
    authorization: Option<&str>,
    single_use_nonces: bool,
) -> Option<Response> {
    let now = Instant::now();
    let policy = auth::Policy {
        public_key: &sh.cfg.public_key,
        private_key: &sh.cfg.private_key,
        nonce_lifetime: sh.cfg.nonce_lifetime,
        single_use_nonces,
    };
    let req = auth::Request {
        method,
        target,
        authorization,
    };
    let mut st = sh.state();
    let refusal = match auth::check(&mut st.nonces, &req, &policy, now) {
        Ok(()) => return None,
        Err(r) => r,
    };
    st.counters.challenges += 1;
    let stale = match &refusal {
        Refusal::NoCredentials => false,
        Refusal::Failed(_) => {
            st.counters.auth_failures += 1;
            false
        }
        Refusal::Stale => {
            st.counters.stale_nonces += 1;
            true
        }
    };
    let nonce = st.nonces.issue(now, sh.cfg.nonce_lifetime);
    drop(st);
    let err = ApiError::new(
        StatusCode::UNAUTHORIZED,
        "UNAUTHORIZED",
        "You are not authorized for this resource.",
    );
    let challenge = HeaderValue::from_str(&digest::challenge(&nonce, stale))
        .unwrap_or_else(|_| HeaderValue::from_static("Digest realm=\"MMS Public API\""));
    Some(
        Rendered::error(&Format::plain(), &err)
            .header(header::WWW_AUTHENTICATE, challenge)
            .into_response(),
    )
}
