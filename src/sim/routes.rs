//! The HTTP face of the simulator: one handler for the Admin API (authentication, faults,
//! routing by path, pages, `pretty` and `envelope`) and two for downloads.

use super::auth::{self, Refusal};
use super::create;
use super::data::{Cluster, GROUP_ID, is_object_id};
use super::digest;
use super::faults::{self, Fault, REFUSED_ADDRESS};
use super::jobs::{AUTH_HEADER, Delivery, DeliveryStatus, Job};
use super::{Shared, clock::iso};
use crate::restore::ApiVersion;
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{any, get};
use serde_json::{Map, Value, json};
use std::sync::Arc;
use std::time::Instant;

type Sh = Arc<Shared>;

pub(crate) fn router(shared: Sh) -> Router {
    Router::new()
        .route("/api/atlas/{*rest}", any(api))
        .route("/backup/restore/v2/pull/{job}/{key}/{file}", get(download_with_key))
        .route("/backup/restore/v3/pull/{job}/{file}", get(download_with_header))
        .route("/_sim/counters", get(counters))
        .fallback(fallback)
        .with_state(shared)
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
    }))
    .into_response()
}

// ---- errors and rendering -----------------------------------------------------------

/// An error in Atlas's shape: `{"detail", "error", "errorCode", "parameters", "reason"}`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
    pub parameters: Vec<Value>,
    /// `badRequestDetail.fields`: every violation, field and description.
    pub violations: Vec<(String, String)>,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError {
            status,
            code,
            detail: detail.into(),
            parameters: Vec::new(),
            violations: Vec::new(),
        }
    }

    pub fn params(mut self, parameters: Vec<Value>) -> ApiError {
        self.parameters = parameters;
        self
    }

    pub fn bad_request(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::BAD_REQUEST, code, detail)
    }

    pub fn not_found(code: &'static str, detail: impl Into<String>) -> ApiError {
        ApiError::new(StatusCode::NOT_FOUND, code, detail)
    }

    fn to_json(&self) -> Value {
        let mut body = json!({
            "detail": self.detail,
            "error": self.status.as_u16(),
            "errorCode": self.code,
            "parameters": self.parameters,
            "reason": self.status.canonical_reason().unwrap_or("Error"),
        });
        if !self.violations.is_empty() {
            let fields: Vec<Value> = self
                .violations
                .iter()
                .map(|(field, description)| json!({"description": description, "field": field}))
                .collect();
            body["badRequestDetail"] = json!({ "fields": fields });
        }
        body
    }

    /// The error alone, in plain JSON (for answers given before the query is read).
    fn into_plain(self) -> Response {
        Rendered::error(&Format::plain(), &self).into_response()
    }
}

/// A successful answer: a document, or a page of them.
struct Reply {
    body: Value,
    is_page: bool,
}

/// How the client asked the answer to be written.
struct Format {
    api: ApiVersion,
    pretty: bool,
    envelope: bool,
}

impl Format {
    fn plain() -> Format {
        Format {
            api: ApiVersion::V1,
            pretty: false,
            envelope: false,
        }
    }
}

/// An answer written out, before it becomes a response: faults may still cut it.
struct Rendered {
    status: StatusCode,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Rendered {
    fn json(status: StatusCode, content_type: &'static str, body: &Value, pretty: bool) -> Rendered {
        let bytes = if pretty {
            serde_json::to_vec_pretty(body)
        } else {
            serde_json::to_vec(body)
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        Rendered {
            status,
            headers,
            body: bytes.unwrap_or_default(),
        }
    }

    fn ok(fmt: &Format, reply: Reply) -> Rendered {
        let body = match (fmt.envelope, reply.body) {
            // A page is an envelope already: Atlas only adds the status to it.
            (true, Value::Object(mut page)) if reply.is_page => {
                page.insert("status".into(), json!(200));
                Value::Object(page)
            }
            (true, body) => json!({ "status": 200, "content": body }),
            (false, body) => body,
        };
        Rendered::json(StatusCode::OK, fmt.api.media_type(), &body, fmt.pretty)
    }

    fn error(fmt: &Format, err: &ApiError) -> Rendered {
        let body = if fmt.envelope {
            json!({ "status": err.status.as_u16(), "content": err.to_json() })
        } else {
            err.to_json()
        };
        // Errors are application/json in both API versions.
        Rendered::json(err.status, "application/json", &body, fmt.pretty)
    }

    fn header(mut self, name: HeaderName, value: HeaderValue) -> Rendered {
        self.headers.insert(name, value);
        self
    }

    fn into_response(self) -> Response {
        (self.status, self.headers, self.body).into_response()
    }
}

// ---- the API ---------------------------------------------------------------------------

async fn api(State(sh): State<Sh>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let fault = {
        let mut st = sh.state();
        st.counters.requests += 1;
        st.fault.clone()
    };
    if let Some(Fault::Slow(d)) = &fault {
        tokio::time::sleep(*d).await;
    }
    // Faults of the network and of what stands in front of Atlas: before authentication.
    let reads_only = method == Method::GET || method == Method::HEAD;
    match &fault {
        Some(Fault::DropConnection) if reads_only => {
            return faults::broken(StatusCode::OK, HeaderMap::new(), Bytes::new(), 0);
        }
        Some(Fault::HtmlPage) => return faults::html_page(),
        Some(Fault::Unavailable) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable. Please try again later.",
            )
            .into_plain();
        }
        _ => {}
    }
    let target = uri.path_and_query().map_or("/", |p| p.as_str());
    let authorization = headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok());
    if let Some(challenge) = authenticate(
        &sh,
        method.as_str(),
        target,
        authorization,
        fault == Some(Fault::StaleNonce),
    ) {
        return challenge;
    }
    // Faults that Atlas itself answers with, once it knows the key.
    match &fault {
        Some(Fault::NotOnAccessList) => {
            return ApiError::new(
                StatusCode::FORBIDDEN,
                "IP_ADDRESS_NOT_ON_ACCESS_LIST",
                format!("IP address {REFUSED_ADDRESS} is not allowed to access this resource."),
            )
            .params(vec![json!(REFUSED_ADDRESS)])
            .into_plain();
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            return rate_limited(uri.path(), *retry_after_secs).into_response();
        }
        Some(Fault::ServerError) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNEXPECTED_ERROR",
                "Unexpected error.",
            )
            .into_plain();
        }
        Some(Fault::HugeBody(n)) => return faults::huge_body(*n),
        _ => {}
    }
    {
        let mut st = sh.state();
        *st.counters
            .by_path
            .entry(format!("{method} {}", uri.path()))
            .or_insert(0) += 1;
    }
    let rendered = answer(&sh, &method, &uri, &body);
    match fault {
        Some(Fault::MalformedJson) => {
            let mut r = rendered;
            r.body.truncate(r.body.len() / 2);
            r.into_response()
        }
        // A POST has been acted on; the link breaks while the answer is on its way.
        Some(Fault::DropConnection | Fault::DropCreate) if !reads_only => {
            let promised = rendered.body.len();
            let half = Bytes::from(rendered.body).slice(..promised / 2);
            faults::broken(rendered.status, rendered.headers, half, promised)
        }
        _ => rendered.into_response(),
    }
}

fn rate_limited(path: &str, retry_after_secs: Option<u64>) -> Rendered {
    let wait = retry_after_secs.map_or(String::new(), |s| format!(" Please retry after {s} seconds."));
    let path = path.trim_start_matches('/');
    let err = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        "RATE_LIMITED",
        format!("Rate limit exceeded for {path}.{wait}"),
    )
    .params(vec![json!(path)]);
    let mut r = Rendered::error(&Format::plain(), &err)
        .header(
            HeaderName::from_static("ratelimit-limit"),
            HeaderValue::from_static("100"),
        )
        .header(
            HeaderName::from_static("ratelimit-remaining"),
            HeaderValue::from_static("0"),
        );
    if let Some(s) = retry_after_secs {
        r = r.header(header::RETRY_AFTER, HeaderValue::from(s));
    }
    r
}

/// The Digest check: `None` lets the request in, a refusal is a 401 with a fresh challenge.
fn authenticate(
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

/// Reads the query and path, does what they ask, and writes the answer.
fn answer(sh: &Shared, method: &Method, uri: &Uri, body: &[u8]) -> Rendered {
    let query = match Query::<Vec<(String, String)>>::try_from_uri(uri) {
        Ok(Query(q)) => q,
        Err(e) => {
            let err = ApiError::bad_request(
                "INVALID_QUERY_PARAMETER",
                format!("The query string could not be read: {e}."),
            );
            return Rendered::error(&Format::plain(), &err);
        }
    };
    let flag = |name: &str| query.iter().any(|(k, v)| k == name && v.eq_ignore_ascii_case("true"));
    let path = uri.path();
    let rest = path.strip_prefix("/api/atlas/").unwrap_or("");
    let mut segs: Vec<&str> = rest.split('/').collect();
    while segs.last() == Some(&"") {
        segs.pop();
    }
    let api = match segs.first().copied() {
        Some("v1.0") => Some(ApiVersion::V1),
        Some("v2") => Some(ApiVersion::V2),
        _ => None,
    };
    let fmt = Format {
        api: api.unwrap_or(ApiVersion::V1),
        pretty: flag("pretty"),
        envelope: flag("envelope"),
    };
    let outcome = match api {
        Some(api) => {
            let req = Req {
                sh,
                api,
                method,
                path,
                query: &query,
                body,
            };
            route(&req, &segs[1..])
        }
        None => Err(no_resource(path)),
    };
    match outcome {
        Ok(reply) => Rendered::ok(&fmt, reply),
        Err(err) => Rendered::error(&fmt, &err),
    }
}

fn no_resource(path: &str) -> ApiError {
    ApiError::not_found("RESOURCE_NOT_FOUND", format!("Cannot find resource {path}.")).params(vec![json!(path)])
}

/// One API request, read.
struct Req<'a> {
    sh: &'a Shared,
    api: ApiVersion,
    method: &'a Method,
    path: &'a str,
    query: &'a [(String, String)],
    body: &'a [u8],
}

impl Req<'_> {
    fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    fn prefix(&self) -> &'static str {
        self.api.path_prefix()
    }
}

fn route(req: &Req<'_>, segs: &[&str]) -> Result<Reply, ApiError> {
    let ["groups", group, tail @ ..] = segs else {
        return Err(no_resource(req.path));
    };
    check_group(group)?;
    let get = req.method == Method::GET;
    let post = req.method == Method::POST;
    match tail {
        ["clusters"] if get => list_clusters(req),
        ["clusters", name] if get => one_cluster(req, cluster(req, name)?),
        ["clusters", name, "snapshots"] if get => list_snapshots(req, cluster(req, name)?),
        ["clusters", name, "snapshots", id] if get => one_snapshot(req, cluster(req, name)?, id),
        ["clusters", name, "backupCheckpoints"] if get => list_checkpoints(req, cluster(req, name)?),
        ["clusters", name, "backupCheckpoints", id] if get => one_checkpoint(req, cluster(req, name)?, id),
        ["clusters", name, "restoreJobs"] if get => {
            req.sh.state().counters.restore_job_lists += 1;
            list_jobs(req, cluster(req, name)?)
        }
        ["clusters", name, "restoreJobs"] if post => create_jobs(req, cluster(req, name)?),
        ["clusters", name, "restoreJobs", id] if get => {
            req.sh.state().counters.restore_job_gets += 1;
            one_job(req, cluster(req, name)?, id)
        }
        ["clusters"]
        | ["clusters", _]
        | ["clusters", _, "snapshots" | "backupCheckpoints" | "restoreJobs"]
        | ["clusters", _, "snapshots" | "backupCheckpoints" | "restoreJobs", _] => Err(ApiError::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            format!("Method {} is not allowed on {}.", req.method, req.path),
        )),
        _ => Err(no_resource(req.path)),
    }
}

fn check_group(group: &str) -> Result<(), ApiError> {
    if !is_object_id(group) {
        return Err(ApiError::not_found(
            "INVALID_GROUP_ID",
            format!("An invalid group ID {group} was specified."),
        )
        .params(vec![json!(group)]));
    }
    if group != GROUP_ID {
        return Err(
            ApiError::not_found("GROUP_NOT_FOUND", format!("No group with ID {group} exists."))
                .params(vec![json!(group)]),
        );
    }
    Ok(())
}

fn cluster<'a>(req: &Req<'a>, name: &str) -> Result<&'a Cluster, ApiError> {
    req.sh.cluster(name).ok_or_else(|| cluster_name_not_found(name))
}

pub(crate) fn cluster_name_not_found(name: &str) -> ApiError {
    ApiError::not_found(
        "CLUSTER_NAME_NOT_FOUND",
        format!("No cluster with name {name} exists in group {GROUP_ID}."),
    )
    .params(vec![json!(name), json!(GROUP_ID)])
}

// ---- pages ------------------------------------------------------------------------------

const MAX_ITEMS_PER_PAGE: usize = 500;

fn positive_param(req: &Req<'_>, name: &str, default: usize, max: usize) -> Result<usize, ApiError> {
    let Some(text) = req.param(name) else {
        return Ok(default);
    };
    match text.parse::<usize>() {
        Ok(n) if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(
            "INVALID_QUERY_PARAMETER",
            format!("Invalid query parameter {name}={text}: use a whole number from 1 to {max}."),
        )
        .params(vec![json!(name), json!(text)])),
    }
}

/// A page of `items` as the query asks: `{links, results, totalCount}` with `self`, and
/// `previous`/`next` links that keep the other query parameters.
fn page(req: &Req<'_>, items: Vec<Value>) -> Result<Reply, ApiError> {
    let page_num = positive_param(req, "pageNum", 1, usize::MAX)?;
    let per_page = positive_param(req, "itemsPerPage", 100, MAX_ITEMS_PER_PAGE)?;
    let include_count = !req
        .param("includeCount")
        .is_some_and(|v| v.eq_ignore_ascii_case("false"));
    let total = items.len();
    let start = (page_num - 1).saturating_mul(per_page);
    let results: Vec<Value> = items.into_iter().skip(start).take(per_page).collect();
    let link = |n: usize, rel: &str| {
        let mut q = format!("pageNum={n}&itemsPerPage={per_page}");
        for (k, v) in req.query {
            if k != "pageNum" && k != "itemsPerPage" {
                q.push('&');
                q.push_str(&percent_encode(k));
                q.push('=');
                q.push_str(&percent_encode(v));
            }
        }
        json!({ "href": format!("{}{}?{q}", req.sh.base_url, req.path), "rel": rel })
    };
    let mut links = Vec::new();
    if page_num > 1 {
        links.push(link(page_num - 1, "previous"));
    }
    links.push(link(page_num, "self"));
    if start.saturating_add(per_page) < total {
        links.push(link(page_num + 1, "next"));
    }
    let mut body = Map::new();
    body.insert("links".into(), Value::Array(links));
    body.insert("results".into(), Value::Array(results));
    if include_count {
        body.insert("totalCount".into(), json!(total));
    }
    Ok(Reply {
        body: Value::Object(body),
        is_page: true,
    })
}

fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn doc(body: Value) -> Result<Reply, ApiError> {
    Ok(Reply { body, is_page: false })
}

// ---- clusters, snapshots, checkpoints -------------------------------------------------

fn cluster_json(req: &Req<'_>, c: &Cluster) -> Value {
    let mut v = c.to_json(&req.sh.base_url, req.prefix(), req.sh.clock.start_ms());
    let now = req.sh.now_ms();
    let st = req.sh.state();
    let into_this = |j: &&Job| matches!(&j.delivery, Delivery::Automated { target_cluster_name, .. } if *target_cluster_name == c.name);
    // An automated restore into this cluster shows in its document: busy while it runs,
    // and the last one that finished.
    if st.jobs.iter().filter(into_this).any(|j| !j.is_finished(now)) {
        v["stateName"] = json!("UPDATING");
    }
    if let Some(last) = st
        .jobs
        .iter()
        .filter(into_this)
        .filter(|j| j.is_finished(now))
        .max_by_key(|j| (j.finished_ms, j.id.clone()))
    {
        v["lastRestore"] = json!({
            "restoreJobId": last.id,
            "sourceClusterName": last.cluster_name,
            "snapshotId": last.point.snapshot_id,
            "restoredTo": iso(last.point.timestamp_ms),
            "finished": iso(last.finished_ms),
        });
    }
    v
}

fn list_clusters(req: &Req<'_>) -> Result<Reply, ApiError> {
    let items = req.sh.clusters.iter().map(|c| cluster_json(req, c)).collect();
    page(req, items)
}

fn one_cluster(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    doc(cluster_json(req, c))
}

fn list_snapshots(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let wanted: fn(bool) -> bool = match req.param("completed").unwrap_or("true") {
        v if v.eq_ignore_ascii_case("true") => |complete| complete,
        v if v.eq_ignore_ascii_case("false") => |complete| !complete,
        v if v.eq_ignore_ascii_case("all") => |_| true,
        other => {
            return Err(ApiError::bad_request(
                "INVALID_QUERY_PARAMETER",
                format!("Invalid query parameter completed={other}: use true, false or all."),
            )
            .params(vec![json!("completed"), json!(other)]));
        }
    };
    let now = req.sh.now_ms();
    let items = c
        .snapshots(req.sh.clock.start_ms(), now)
        .iter()
        .filter(|s| wanted(s.complete))
        .map(|s| c.snapshot_json(s, &req.sh.base_url, req.prefix()))
        .collect();
    page(req, items)
}

/// Atlas's 404 for a thing of a cluster: "No snapshot with ID … exists for cluster …".
fn not_found_in_cluster(code: &'static str, what: &str, id: &str, cluster: &str) -> ApiError {
    ApiError::not_found(code, format!("No {what} with ID {id} exists for cluster {cluster}."))
        .params(vec![json!(id), json!(cluster)])
}

pub(crate) fn snapshot_not_found(id: &str, cluster: &str) -> ApiError {
    not_found_in_cluster("SNAPSHOT_NOT_FOUND", "snapshot", id, cluster)
}

fn one_snapshot(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let s = c
        .snapshot(id, req.sh.clock.start_ms(), req.sh.now_ms())
        .ok_or_else(|| snapshot_not_found(id, &c.name))?;
    doc(c.snapshot_json(&s, &req.sh.base_url, req.prefix()))
}

fn list_checkpoints(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let items = c
        .checkpoints(req.sh.clock.start_ms(), req.sh.now_ms())
        .iter()
        .map(|cp| c.checkpoint_json(cp, &req.sh.base_url, req.prefix()))
        .collect();
    page(req, items)
}

pub(crate) fn checkpoint_not_found(id: &str, cluster: &str) -> ApiError {
    not_found_in_cluster("CHECKPOINT_NOT_FOUND", "checkpoint", id, cluster)
}

fn one_checkpoint(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let cp = c
        .checkpoint(id, req.sh.clock.start_ms(), req.sh.now_ms())
        .ok_or_else(|| checkpoint_not_found(id, &c.name))?;
    doc(c.checkpoint_json(&cp, &req.sh.base_url, req.prefix()))
}

// ---- restore jobs -------------------------------------------------------------------------

fn list_jobs(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let batch = req.param("batchId");
    if let Some(b) = batch.filter(|b| !is_object_id(b)) {
        return Err(ApiError::bad_request(
            "INVALID_QUERY_PARAMETER",
            format!("Invalid query parameter batchId={b}: it is a 24-digit hexadecimal id."),
        )
        .params(vec![json!("batchId"), json!(b)]));
    }
    let now = req.sh.now_ms();
    let st = req.sh.state();
    // Newest first, as Atlas lists them.
    let items = st
        .jobs
        .iter()
        .rev()
        .filter(|j| j.cluster_name == c.name)
        .filter(|j| batch.is_none_or(|b| j.batch_id.as_deref() == Some(b)))
        .map(|j| j.to_json(&req.sh.base_url, req.prefix(), now))
        .collect();
    drop(st);
    page(req, items)
}

fn one_job(req: &Req<'_>, c: &Cluster, id: &str) -> Result<Reply, ApiError> {
    let now = req.sh.now_ms();
    let st = req.sh.state();
    let job = st
        .jobs
        .iter()
        .find(|j| j.id == id && j.cluster_name == c.name)
        .ok_or_else(|| not_found_in_cluster("RESTORE_JOB_NOT_FOUND", "restore job", id, &c.name))?;
    doc(job.to_json(&req.sh.base_url, req.prefix(), now))
}

fn create_jobs(req: &Req<'_>, c: &Cluster) -> Result<Reply, ApiError> {
    let jobs = create::create_jobs(req.sh, req.api, c, req.body)?;
    let now = req.sh.now_ms();
    let results: Vec<Value> = jobs
        .iter()
        .map(|j| j.to_json(&req.sh.base_url, req.prefix(), now))
        .collect();
    let total = results.len();
    Ok(Reply {
        body: json!({
            "links": [{ "href": format!("{}{}", req.sh.base_url, req.path), "rel": "self" }],
            "results": results,
            "totalCount": total
        }),
        is_page: true,
    })
}

// ---- downloads ------------------------------------------------------------------------------

/// How a download proves it may have the file.
enum Proof<'a> {
    /// The key in `url`'s path.
    PathKey(&'a str),
    /// The `AUTH_HEADER` header that `urlV2` needs (absent: `None`).
    Header(Option<&'a str>),
}

async fn download_with_key(
    State(sh): State<Sh>,
    method: Method,
    Path((job, key, file)): Path<(String, String, String)>,
) -> Response {
    download(&sh, &method, &job, &file, Proof::PathKey(&key)).await
}

async fn download_with_header(
    State(sh): State<Sh>,
    method: Method,
    Path((job, file)): Path<(String, String)>,
    headers: HeaderMap,
) -> Response {
    let value = headers.get(AUTH_HEADER).and_then(|v| v.to_str().ok());
    download(&sh, &method, &job, &file, Proof::Header(value)).await
}

async fn download(sh: &Shared, method: &Method, job_id: &str, file: &str, proof: Proof<'_>) -> Response {
    // A HEAD (axum answers it with this handler, without the body) shows the size but is
    // not a download.
    let counts = method != Method::HEAD;
    let fault = {
        let mut st = sh.state();
        st.counters.requests += 1;
        st.fault.clone()
    };
    // The download host shares the network's faults, not the API's own ones.
    match &fault {
        Some(Fault::Slow(d)) => tokio::time::sleep(*d).await,
        Some(Fault::HtmlPage) => return faults::html_page(),
        Some(Fault::Unavailable) => {
            return ApiError::new(
                StatusCode::SERVICE_UNAVAILABLE,
                "SERVICE_UNAVAILABLE",
                "The service is temporarily unavailable. Please try again later.",
            )
            .into_plain();
        }
        Some(Fault::ServerError) => {
            return ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "UNEXPECTED_ERROR",
                "Unexpected error.",
            )
            .into_plain();
        }
        Some(Fault::RateLimited { retry_after_secs }) => {
            return rate_limited(&format!("backup/restore/{job_id}"), *retry_after_secs).into_response();
        }
        _ => {}
    }
    let job = match take_download(sh, job_id, file, &proof, counts) {
        Ok(job) => job,
        Err(err) => return err.into_plain(),
    };
    let bytes = job.archive();
    if counts {
        let mut st = sh.state();
        st.counters.downloads += 1;
        if let Some(j) = st.jobs.iter_mut().find(|j| j.id == job.id) {
            j.note_hash(&bytes);
        }
    }
    let mut headers = HeaderMap::new();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/gzip"));
    if let Ok(v) = HeaderValue::from_str(&format!("attachment; filename=\"{}\"", job.file_name())) {
        headers.insert(header::CONTENT_DISPOSITION, v);
    }
    if fault == Some(Fault::DropConnection) {
        let promised = bytes.len();
        let half = Bytes::from(bytes).slice(..promised / 2);
        return faults::broken(StatusCode::OK, headers, half, promised);
    }
    (StatusCode::OK, headers, bytes).into_response()
}

/// Checks a download and (when `counts`) counts it against `maxDownloads`; the job as it
/// was then.
fn take_download(sh: &Shared, job_id: &str, file: &str, proof: &Proof<'_>, counts: bool) -> Result<Job, ApiError> {
    let now = sh.now_ms();
    let mut st = sh.state();
    let job = st
        .jobs
        .iter_mut()
        .find(|j| j.id == job_id)
        .filter(|j| matches!(j.delivery, Delivery::Http { .. }))
        .ok_or_else(|| {
            ApiError::not_found(
                "RESTORE_JOB_NOT_FOUND",
                format!("No restore job with ID {job_id} has a download."),
            )
        })?;
    match proof {
        Proof::PathKey(key) if !digest::constant_time_eq(key, &job.url_key) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                "The download key in the URL is not valid for this restore job.",
            ));
        }
        Proof::Header(None) => {
            return Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "UNAUTHORIZED",
                format!("This download needs the {AUTH_HEADER} header with the job's delivery.authValue."),
            ));
        }
        Proof::Header(Some(v)) if !digest::constant_time_eq(v, &job.auth_value) => {
            return Err(ApiError::new(
                StatusCode::FORBIDDEN,
                "FORBIDDEN",
                format!("The {AUTH_HEADER} header is not valid for this restore job."),
            ));
        }
        _ => {}
    }
    if file != job.file_name() {
        return Err(ApiError::not_found(
            "RESOURCE_NOT_FOUND",
            format!("Restore job {job_id} has no file {file}."),
        ));
    }
    match job.delivery_status(now) {
        DeliveryStatus::Ready => {}
        s @ (DeliveryStatus::NotStarted | DeliveryStatus::InProgress) => {
            return Err(ApiError::new(
                StatusCode::CONFLICT,
                s.as_api(),
                format!("Restore job {job_id} is not finished yet; its file is not ready."),
            ));
        }
        DeliveryStatus::Expired => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "EXPIRED",
                format!("The download link of restore job {job_id} has expired."),
            ));
        }
        DeliveryStatus::MaxDownloadsExceeded => {
            return Err(ApiError::new(
                StatusCode::GONE,
                "MAX_DOWNLOADS_EXCEEDED",
                format!(
                    "The download link of restore job {job_id} has been used the most times allowed (delivery.maxDownloads)."
                ),
            ));
        }
    }
    if counts {
        job.count_download();
    }
    Ok(job.clone())
}

async fn fallback(State(sh): State<Sh>, uri: Uri) -> Response {
    sh.state().counters.requests += 1;
    no_resource(uri.path()).into_plain()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_have_atlas_shape() {
        let e = ApiError::not_found("SNAPSHOT_NOT_FOUND", "No snapshot.");
        assert_eq!(
            e.to_json(),
            json!({"detail": "No snapshot.", "error": 404, "errorCode": "SNAPSHOT_NOT_FOUND", "parameters": [], "reason": "Not Found"})
        );
    }

    #[test]
    fn percent_encoding_of_link_values() {
        assert_eq!(percent_encode("a b&c=d/é"), "a%20b%26c%3Dd%2F%C3%A9");
        assert_eq!(percent_encode("Az09-._~"), "Az09-._~");
    }

    #[test]
    fn envelope_adds_status_to_pages_and_wraps_documents() {
        let fmt = Format {
            api: ApiVersion::V2,
            pretty: false,
            envelope: true,
        };
        let page = Rendered::ok(
            &fmt,
            Reply {
                body: json!({"links": [], "results": [], "totalCount": 0}),
                is_page: true,
            },
        );
        let v: Value = serde_json::from_slice(&page.body).unwrap();
        assert_eq!(v["status"], 200);
        assert_eq!(v["totalCount"], 0);
        assert_eq!(
            page.headers[header::CONTENT_TYPE],
            "application/vnd.atlas.2023-01-01+json"
        );
        let one = Rendered::ok(
            &fmt,
            Reply {
                body: json!({"id": "x"}),
                is_page: false,
            },
        );
        let v: Value = serde_json::from_slice(&one.body).unwrap();
        assert_eq!(v, json!({"status": 200, "content": {"id": "x"}}));
    }
}
