//! The Atlas Admin API client: one reqwest client and one Digest session per base URL, so
//! that after the first request each call is one round trip (the nonce is reused, `nc`
//! counts up). Nothing here retries by itself; the caller decides, and a POST is never
//! repeated blindly.

pub use super::download::Downloaded;
use super::error::{AtlasError, BadBodyKind, StatusError};
pub use super::http::check_base_url;
pub(super) use super::http::{header_text, read_capped, retry_after, transport_error, unwrap_envelope};
use super::server_clock::ServerClock;
use super::types::{
    Checkpoint, Cluster, ClusterRole, Page, Project, RestorableTimeRange, RestoreJob, Snapshot, pick_cluster,
};
use crate::restore::{ApiVersion, Flavor};
use crate::secret::SecretString;
use crate::text::Clean;
use diqwest::{DigestAuthSession, WithDigestAuth};
use reqwest::header::{ACCEPT, CONTENT_TYPE, DATE, LOCATION};
use reqwest::{Method, RequestBuilder, Url};
use serde::de::DeserializeOwned;
use serde_json::Value;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// The largest page Atlas serves.
pub const MAX_ITEMS_PER_PAGE: u32 = 500;
/// A bound on pages followed in one listing, against a server that always says "next".
const MAX_PAGES: u32 = 200;

/// Everything the client needs; usually made from a `Profile`.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// Atlas, Cloud Manager or Ops Manager: the paths (and how clusters are named in them).
    pub flavor: Flavor,
    pub base_url: String,
    pub api: ApiVersion,
    pub public_key: String,
    pub private_key: SecretString,
    pub request_timeout: Duration,
    pub connect_timeout: Duration,
    pub ca_file: Option<PathBuf>,
    pub max_body_bytes: u64,
    /// Ask for `envelope=true` answers (and unwrap them).
    pub envelope: bool,
    /// Ask for `pretty=true` answers.
    pub pretty: bool,
}

/// Which snapshots to list (`completed=`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFilter {
    Completed,
    Incomplete,
    All,
}

/// What a create returned.
#[derive(Debug, Clone, PartialEq)]
pub struct Created {
    /// One job, or one per shard plus the config server for a sharded source.
    pub jobs: Vec<RestoreJob>,
    /// Set when Atlas answered with a bare job instead of the documented page.
    pub shape_note: Option<&'static str>,
}

pub struct AtlasClient {
    pub(super) http: reqwest::Client,
    /// The downloads' own client and idle timeout (`download.rs`).
    pub(super) downloads: super::download::Downloads,
    digest: Arc<DigestAuthSession>,
    base: Url,
    flavor: Flavor,
    api: ApiVersion,
    max_body_bytes: u64,
    envelope: bool,
    pretty: bool,
    /// Atlas's clock, estimated from each answer's `Date`.
    server_clock: Arc<ServerClock>,
    /// Cloud and Ops Manager: the cluster entry each (project, name) resolved to, so that a
    /// name is listed for once per process, not once per call.
    resolved: Mutex<HashMap<(String, String), Cluster>>,
}

impl std::fmt::Debug for AtlasClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AtlasClient")
            .field("base", &self.base.as_str())
            .field("flavor", &self.flavor)
            .field("api", &self.api)
            .finish()
    }
}

impl AtlasClient {
    pub fn new(opts: &ClientOptions) -> Result<AtlasClient, AtlasError> {
        AtlasClient::new_resolving(opts, &[])
    }

    /// `new`, with host names pinned to addresses (as curl's `--resolve`): a name that is not
    /// loopback's can stand in front of a local server (the tests' hostile download hosts).
    pub fn new_resolving(
        opts: &ClientOptions,
        pinned: &[(&str, std::net::SocketAddr)],
    ) -> Result<AtlasClient, AtlasError> {
        check_base_url(&opts.base_url).map_err(AtlasError::Setup)?;
        let base = Url::parse(&opts.base_url).map_err(|e| AtlasError::Setup(format!("base_url: {e}")))?;
        let (http, downloads) = super::transport::clients(opts, pinned)?;
        let downloads = super::download::Downloads {
            http: downloads,
            idle: opts.request_timeout,
        };
        Ok(AtlasClient {
            http,
            downloads,
            digest: Arc::new(DigestAuthSession::new(
                opts.public_key.clone(),
                opts.private_key.expose(),
            )),
            base,
            flavor: opts.flavor,
            api: opts.api,
            max_body_bytes: opts.max_body_bytes,
            envelope: opts.envelope,
            pretty: opts.pretty,
            server_clock: Arc::new(ServerClock::new()),
            resolved: Mutex::new(HashMap::new()),
        })
    }

    /// Atlas's clock as its answers so far tell it: "now" for countdowns and time windows.
    pub fn server_clock(&self) -> Arc<ServerClock> {
        self.server_clock.clone()
    }

    pub fn api(&self) -> ApiVersion {
        self.api
    }

    pub fn flavor(&self) -> Flavor {
        self.flavor
    }

    /// The URL of a cluster's restore jobs, as a create POSTs to it; `cluster` as the path
    /// names it (`cluster_in_path`).
    pub fn restore_jobs_url(&self, group_id: &str, cluster: &str) -> String {
        self.url(&["groups", group_id, "clusters", cluster, "restoreJobs"], &[])
            .to_string()
    }

    /// How the paths name `cluster` (a name, or an id): Atlas by name; Cloud and Ops Manager
    /// by id, a name being resolved through the project's cluster list (once per process).
    pub async fn cluster_in_path(&self, group_id: &str, cluster: &str) -> Result<String, AtlasError> {
        if !self.flavor.is_public_api() || crate::restore::is_object_id(cluster) {
            return Ok(cluster.to_string());
        }
        let known = self
            .resolved_lock()
            .get(&(group_id.to_string(), cluster.to_string()))
            .and_then(|c| c.id.clone());
        if let Some(id) = known {
            return Ok(id.into_string());
        }
        let entry = self.resolve_cluster(group_id, cluster).await?;
        entry.id.map(Clean::into_string).ok_or_else(|| {
            AtlasError::Cluster(format!(
                "the cluster list of project {group_id} gives {cluster} no id: it cannot be named in a request"
            ))
        })
    }

    fn resolved_lock(&self) -> std::sync::MutexGuard<'_, HashMap<(String, String), Cluster>> {
        self.resolved.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Cloud and Ops Manager: every entry of the project's cluster list as it came (a sharded
    /// cluster's shards and config servers too), each with `name` and `cluster_type` filled.
    pub async fn list_cluster_entries(&self, group_id: &str) -> Result<Vec<Cluster>, AtlasError> {
        let entries: Vec<Cluster> = self.list_all(&["groups", group_id, "clusters"], &[]).await?;
        Ok(entries.into_iter().map(Cluster::normalize).collect())
    }

    /// Finds the entry `cluster` (a name or an id) means in the project's list, fresh, and
    /// remembers its id. A shard's or a config server's name is refused with the name of the
    /// cluster it belongs to.
    pub async fn resolve_cluster(&self, group_id: &str, cluster: &str) -> Result<Cluster, AtlasError> {
        let entries = self.list_cluster_entries(group_id).await?;
        let entry = pick_cluster(&entries, cluster, group_id)
            .map_err(|why| AtlasError::Cluster(crate::text::sanitize(&why)))?;
        if let Some(id) = entry.id.as_deref() {
            tracing::info!(target: crate::atlas::HTTP_TARGET, cluster = %crate::text::sanitize(cluster), id = %id, "cluster name resolved");
        }
        self.resolved_lock()
            .insert((group_id.to_string(), cluster.to_string()), entry.clone());
        Ok(entry)
    }

    fn url(&self, segments: &[&str], query: &[(&str, String)]) -> Url {
        let mut url = self.base.clone();
        if let Ok(mut path) = url.path_segments_mut() {
            path.pop_if_empty();
            path.extend(self.flavor.path_prefix(self.api).trim_start_matches('/').split('/'));
            path.extend(segments);
        }
        {
            let mut pairs = url.query_pairs_mut();
            for (k, v) in query {
                pairs.append_pair(k, v);
            }
            if self.envelope {
                pairs.append_pair("envelope", "true");
            }
            if self.pretty {
                pairs.append_pair("pretty", "true");
            }
        }
        if url.query() == Some("") {
            url.set_query(None);
        }
        url
    }

    // ---- the resources ----

    /// The projects the key can see (`GET /groups`).
    pub async fn list_projects(&self) -> Result<Vec<Project>, AtlasError> {
        self.list_all(&["groups"], &[]).await
    }

    /// The project's clusters, as a restore names them: in Cloud and Ops Manager, a sharded
    /// cluster once (its shards and config servers are left out).
    pub async fn list_clusters(&self, group_id: &str) -> Result<Vec<Cluster>, AtlasError> {
        if self.flavor.is_public_api() {
            let entries = self.list_cluster_entries(group_id).await?;
            return Ok(entries.into_iter().filter(|c| c.role() == ClusterRole::Whole).collect());
        }
        self.list_all(&["groups", group_id, "clusters"], &[]).await
    }

    /// One cluster's document. In Cloud and Ops Manager, its entry of the project's list,
    /// `cluster` being a name or an id (`resolve_cluster`).
    pub async fn get_cluster(&self, group_id: &str, cluster: &str) -> Result<Cluster, AtlasError> {
        if self.flavor.is_public_api() {
            return self.resolve_cluster(group_id, cluster).await;
        }
        self.get(&["groups", group_id, "clusters", cluster], &[]).await
    }

    /// Cloud and Ops Manager: the ranges a point in time of `cluster` can be restored from
    /// (`POST .../restoreJobs/restorableTimeRanges`, without a body). A read, not a create:
    /// it never goes through `create_restore_job`, the journal or its counters. Atlas has no
    /// such endpoint: `Ok(None)` without a request.
    pub async fn restorable_time_ranges(
        &self,
        group_id: &str,
        cluster: &str,
    ) -> Result<Option<Vec<crate::restore::RestorableRange>>, AtlasError> {
        if !self.flavor.is_public_api() {
            return Ok(None);
        }
        let c = self.cluster_in_path(group_id, cluster).await?;
        let url = self.url(
            &[
                "groups",
                group_id,
                "clusters",
                &c,
                "restoreJobs",
                "restorableTimeRanges",
            ],
            &[],
        );
        let req = self
            .http
            .request(Method::POST, url.clone())
            .header(CONTENT_TYPE, self.api.media_type())
            .body(Vec::new());
        let (content_type, body) = self.call(req, &url, false).await?;
        let value = self.parse(&content_type, &body)?;
        // A bare array, as documented; a page read as its results.
        let items = match value {
            Value::Object(mut page) if page.contains_key("results") => page.remove("results").unwrap_or(Value::Null),
            other => other,
        };
        let ranges: Vec<RestorableTimeRange> = from_value(items)?;
        Ok(Some(ranges.iter().filter_map(RestorableTimeRange::to_range).collect()))
    }

    pub async fn list_snapshots(
        &self,
        group_id: &str,
        cluster: &str,
        filter: SnapshotFilter,
    ) -> Result<Vec<Snapshot>, AtlasError> {
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let completed = match filter {
            SnapshotFilter::Completed => "true",
            SnapshotFilter::Incomplete => "false",
            SnapshotFilter::All => "all",
        };
        self.list_all(
            &["groups", group_id, "clusters", cluster, "snapshots"],
            &[("completed", completed.to_string())],
        )
        .await
    }

    pub async fn list_checkpoints(&self, group_id: &str, cluster: &str) -> Result<Vec<Checkpoint>, AtlasError> {
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let segment = self.flavor.checkpoints_segment();
        self.list_all(&["groups", group_id, "clusters", cluster, segment], &[])
            .await
    }

    /// One page of a cluster's restore jobs.
    pub async fn list_restore_jobs_page(
        &self,
        group_id: &str,
        cluster: &str,
        page_num: u32,
        items_per_page: u32,
        batch_id: Option<&str>,
    ) -> Result<Page<RestoreJob>, AtlasError> {
        let label = self.cluster_label(group_id, cluster);
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let mut query = vec![
            ("pageNum", page_num.to_string()),
            ("itemsPerPage", items_per_page.clamp(1, MAX_ITEMS_PER_PAGE).to_string()),
        ];
        if let Some(b) = batch_id {
            query.push(("batchId", b.to_string()));
        }
        let mut page: Page<RestoreJob> = self
            .get(&["groups", group_id, "clusters", cluster, "restoreJobs"], &query)
            .await?;
        name_jobs(&mut page.results, label.as_deref());
        Ok(page)
    }

    /// All of a cluster's restore jobs (or a batch's), 500 a page.
    pub async fn list_restore_jobs(
        &self,
        group_id: &str,
        cluster: &str,
        batch_id: Option<&str>,
    ) -> Result<Vec<RestoreJob>, AtlasError> {
        let label = self.cluster_label(group_id, cluster);
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let query: Vec<(&str, String)> = batch_id.map(|b| ("batchId", b.to_string())).into_iter().collect();
        let mut jobs = self
            .list_all(&["groups", group_id, "clusters", cluster, "restoreJobs"], &query)
            .await?;
        name_jobs(&mut jobs, label.as_deref());
        Ok(jobs)
    }

    pub async fn get_restore_job(&self, group_id: &str, cluster: &str, job_id: &str) -> Result<RestoreJob, AtlasError> {
        let label = self.cluster_label(group_id, cluster);
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let mut job: RestoreJob = self
            .get(&["groups", group_id, "clusters", cluster, "restoreJobs", job_id], &[])
            .await?;
        name_jobs(std::slice::from_mut(&mut job), label.as_deref());
        Ok(job)
    }

    /// The cluster's name for jobs that come without `clusterName` (Cloud and Ops Manager
    /// give none): the name the caller used, or the one its id resolved from.
    fn cluster_label(&self, group_id: &str, cluster: &str) -> Option<String> {
        if !self.flavor.is_public_api() {
            return None;
        }
        if !crate::restore::is_object_id(cluster) {
            return Some(cluster.to_string());
        }
        self.resolved_lock()
            .values()
            .find(|c| c.id.as_deref() == Some(cluster) && c.group_id.as_deref().is_none_or(|g| g == group_id))
            .map(|c| c.name.to_string())
    }

    /// POSTs a restore request. A lost answer is `OutcomeUnknown`, never a retry.
    pub async fn create_restore_job(&self, group_id: &str, cluster: &str, body: &Value) -> Result<Created, AtlasError> {
        // Resolving a name is a read before anything is sent: its failure creates nothing.
        let label = self.cluster_label(group_id, cluster);
        let cluster = &self.cluster_in_path(group_id, cluster).await?;
        let url = self.url(&["groups", group_id, "clusters", cluster, "restoreJobs"], &[]);
        let bytes = serde_json::to_vec(body).map_err(|e| AtlasError::Setup(format!("request body: {e}")))?;
        let req = self
            .http
            .request(Method::POST, url.clone())
            .header(CONTENT_TYPE, self.api.media_type())
            .body(bytes);
        let (content_type, body) = self.call(req, &url, true).await?;
        let value: Value = self.parse(&content_type, &body)?;
        let mut created = read_created(value)?;
        if let Some(note) = created.shape_note {
            tracing::info!(target: crate::atlas::HTTP_TARGET, note, "create answer read leniently");
        }
        name_jobs(&mut created.jobs, label.as_deref());
        Ok(created)
    }

    // ---- the plumbing ----

    async fn get<T: DeserializeOwned>(&self, segments: &[&str], query: &[(&str, String)]) -> Result<T, AtlasError> {
        let url = self.url(segments, query);
        let req = self.http.request(Method::GET, url.clone());
        let (content_type, body) = self.call(req, &url, false).await?;
        // Typed straight from the bytes where it can be: a page of 500 jobs read as a `Value`
        // first costs 2 MB more at the peak of every poll. Anything else (an envelope, HTML, a
        // shape the types refuse) goes the way that says what is wrong.
        if !self.envelope
            && !content_type.contains("html")
            && !maybe_envelope(&body)
            && let Ok(typed) = serde_json::from_slice::<T>(&body)
        {
            return Ok(typed);
        }
        from_value(self.parse(&content_type, &body)?)
    }

    /// Follows the pages of a list: stops at the page without a `next` link, or a short one.
    async fn list_all<T: DeserializeOwned>(
        &self,
        segments: &[&str],
        query: &[(&str, String)],
    ) -> Result<Vec<T>, AtlasError> {
        let mut all = Vec::new();
        // Each item once, by its `id`: a server whose `next` link loops (or whose pages
        // overlap) gives no item of an earlier page twice, and a page of nothing new ends the
        // listing. Within one page every item counts (documented examples repeat a
        // placeholder id).
        let mut seen = std::collections::HashSet::new();
        for page_num in 1..=MAX_PAGES {
            let mut q = query.to_vec();
            q.push(("pageNum", page_num.to_string()));
            q.push(("itemsPerPage", MAX_ITEMS_PER_PAGE.to_string()));
            let page: Page<serde_json::Value> = self.get(segments, &q).await?;
            let (short, has_next) = (
                page.results.len() < MAX_ITEMS_PER_PAGE as usize,
                page.next_href().is_some(),
            );
            let mut new = 0usize;
            let mut on_this_page = Vec::new();
            for item in page.results {
                let id = item.get("id").and_then(|v| v.as_str()).map(str::to_string);
                if let Some(id) = id {
                    if seen.contains(&id) {
                        continue;
                    }
                    on_this_page.push(id);
                }
                new += 1;
                let item = serde_json::from_value(item).map_err(|e| AtlasError::BadBody {
                    kind: super::error::BadBodyKind::Malformed,
                    detail: format!("an item of page {page_num} could not be read: {e}"),
                })?;
                all.push(item);
            }
            seen.extend(on_this_page);
            let counted = page
                .total_count
                .is_some_and(|n| usize::try_from(n).is_ok_and(|n| all.len() >= n));
            if new == 0 && !short {
                tracing::warn!(
                    page = page_num,
                    items = all.len(),
                    "the list's pages repeat themselves (a looping next link): stopped"
                );
                break;
            }
            if short || !has_next || counted {
                break;
            }
        }
        Ok(all)
    }

    /// Sends with Digest auth and reads the body under the cap. Returns the content type and
    /// the bytes of a success; an error status becomes `AtlasError::Status`.
    async fn call(&self, req: RequestBuilder, url: &Url, is_create: bool) -> Result<(String, Vec<u8>), AtlasError> {
        let host = url.host_str().unwrap_or("").to_string();
        let req = req.header(ACCEPT, self.api.media_type());
        // The request log line (crate::logging): the path redacted, the challenges counted.
        let (method, started) = (super::http_log::method_of(&req), std::time::Instant::now());
        let digest = super::http_log::CountingDigest::new(&self.digest);
        let sent_local_ms = crate::restore::Context::system_now_ms();
        let sent = req.send_digest_auth(&digest).await;
        let received_local_ms = crate::restore::Context::system_now_ms();
        if let Err(e) = &sent {
            super::http_log::request(&method, url, None, started, digest.challenges(), Some(e), None);
        }
        let mut resp = match sent {
            Ok(r) => r,
            Err(diqwest::error::Error::Reqwest(e)) => {
                return Err(transport_error(&e, &host, is_create));
            }
            Err(diqwest::error::Error::AuthHeaderMissing) => {
                return Err(AtlasError::Status(StatusError {
                    status: 401,
                    error_code: None,
                    detail: Some(
                        "401 without a Digest challenge: something between this host and Atlas refused the request"
                            .into(),
                    ),
                    reason: None,
                    retry_after: None,
                    foreign_body: None,
                }));
            }
            Err(e) => return Err(AtlasError::Setup(format!("Digest authentication: {e}"))),
        };
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let content_type = header_text(&headers, CONTENT_TYPE);
        // Atlas's own answers set its clock; a proxy's error page tells of the proxy's.
        if (200..300).contains(&status) || content_type.contains("json") {
            let date = header_text(&headers, DATE);
            self.server_clock
                .observe_header(&date, sent_local_ms, received_local_ms);
        }
        let body = read_capped(&mut resp, self.max_body_bytes, &host, is_create).await;
        let error = body.as_ref().err().map(|e| e as &dyn std::fmt::Display);
        let (logged_body, challenges) = (body.as_deref().ok(), digest.challenges());
        super::http_log::request(&method, url, Some(status), started, challenges, error, logged_body);
        let body = body?;
        if (200..300).contains(&status) {
            return Ok((content_type, body));
        }
        // Not followed: the Digest answer would go to wherever it points, and a refusal
        // there would read as this key's.
        if (300..400).contains(&status) {
            let to = header_text(&headers, LOCATION);
            let to = match url.join(&to) {
                Ok(u) => format!(
                    "{}://{}{}{}",
                    u.scheme(),
                    u.host_str().unwrap_or(""),
                    u.port().map(|p| format!(":{p}")).unwrap_or_default(),
                    crate::redact::redact_url(&u)
                ),
                Err(_) => crate::redact::scrub(&to),
            };
            return Err(AtlasError::Setup(crate::text::sanitize(&format!(
                "{host} answered {status}, a redirect to {to}: Atlas's API does not redirect, so base_url does not point at it (an old address, http instead of https, or a proxy's sign-in page): set base_url to where the API answers"
            ))));
        }
        let retry_after = retry_after(&headers);
        Err(AtlasError::Status(StatusError::from_response(
            status,
            retry_after,
            &content_type,
            &body,
        )))
    }

    /// JSON from a success body; an envelope (`{"status", "content"}`) is unwrapped.
    fn parse(&self, content_type: &str, body: &[u8]) -> Result<Value, AtlasError> {
        let first = body.iter().find(|b| !b.is_ascii_whitespace()).copied();
        if content_type.contains("html") || first == Some(b'<') {
            return Err(AtlasError::BadBody {
                kind: BadBodyKind::NotJson,
                detail: format!(
                    "{} content",
                    crate::text::sanitize(if content_type.is_empty() {
                        "untyped"
                    } else {
                        content_type
                    })
                ),
            });
        }
        let value: Value = serde_json::from_slice(body).map_err(|e| AtlasError::BadBody {
            kind: BadBodyKind::Malformed,
            detail: format!("invalid JSON at line {} column {}", e.line(), e.column()),
        })?;
        Ok(unwrap_envelope(value))
    }
}

/// `base` + the product's and version's prefix + `segments`, each segment percent-encoded.
fn api_url(base: &Url, prefix: &str, segments: &[&str]) -> Url {
    let mut url = base.clone();
    if let Ok(mut path) = url.path_segments_mut() {
        path.pop_if_empty();
        path.extend(prefix.trim_start_matches('/').split('/'));
        path.extend(segments);
    }
    url
}

/// The URL a create POSTs to: what the review shows and the curl command uses. `cluster` is
/// the cluster as the path names it: its name in Atlas, its id in Cloud and Ops Manager.
pub fn restore_jobs_url(base_url: &str, flavor: Flavor, api: ApiVersion, group_id: &str, cluster: &str) -> String {
    let prefix = flavor.path_prefix(api);
    match Url::parse(base_url) {
        Ok(base) => api_url(&base, prefix, &["groups", group_id, "clusters", cluster, "restoreJobs"]).to_string(),
        Err(_) => format!("{base_url}{prefix}/groups/{group_id}/clusters/{cluster}/restoreJobs"),
    }
}

/// Gives jobs without a `clusterName` the cluster's name, as Atlas's own carry it, so that
/// the panel, the detail and `jobs` show it the same way for every product.
fn name_jobs(jobs: &mut [RestoreJob], label: Option<&str>) {
    if let Some(name) = label {
        for job in jobs.iter_mut().filter(|j| j.cluster_name.is_none()) {
            job.cluster_name = Some(Clean::new(name));
        }
    }
}

/// A create's answer, read leniently: the documented page of jobs, a bare job (a page of
/// one), or Ops Manager 6.0's page with `url`/`urlV2` beside `results` (`hoist_page_urls`).
pub fn read_created(mut value: Value) -> Result<Created, AtlasError> {
    if value.get("results").is_some() {
        let hoisted = super::types::hoist_page_urls(&mut value);
        let page: Page<RestoreJob> = from_value(value)?;
        return Ok(Created {
            jobs: page.results,
            shape_note: hoisted.then_some(
                "the answer gave url/urlV2 beside results rather than in the job's delivery; read as the job's",
            ),
        });
    }
    let job: RestoreJob = from_value(value)?;
    Ok(Created {
        jobs: vec![job],
        shape_note: Some("Atlas answered the create with a single job rather than a page; read as a page of one"),
    })
}

/// Whether `body` may be an envelope (`{"status", "content"}`), read without keeping anything.
fn maybe_envelope(body: &[u8]) -> bool {
    #[derive(serde::Deserialize)]
    struct Probe {
        status: Option<serde::de::IgnoredAny>,
        content: Option<serde::de::IgnoredAny>,
    }
    serde_json::from_slice::<Probe>(body).is_ok_and(|p| p.status.is_some() && p.content.is_some())
}

fn from_value<T: DeserializeOwned>(value: Value) -> Result<T, AtlasError> {
    serde_json::from_value(value).map_err(|e| AtlasError::BadBody {
        kind: BadBodyKind::Malformed,
        detail: format!("unexpected shape: {}", crate::text::sanitize(&e.to_string())),
    })
}
