//! One Admin API request, read: the API version from the path (`/api/atlas/v1.0/...` or
//! `/api/atlas/v2/...`; Cloud and Ops Manager's `/api/public/v1.0/...`, which the simulator
//! serves instead when it plays one of them), the query (with `pretty` and `envelope`), the
//! body; then handed to
//! the resources' routing table and its outcome written out. What every endpoint gets is
//! here; what an endpoint does is in `resources/`.

use super::error::{ApiError, no_resource};
use super::render::{Format, Rendered, Reply};
use crate::restore::ApiVersion;
use crate::sim::Shared;
use axum::extract::Query;
use axum::http::{Method, Uri};

/// One API request, read.
pub(crate) struct Req<'a> {
    pub sh: &'a Shared,
    pub api: ApiVersion,
    pub method: &'a Method,
    /// The path, without the query, as sent (not percent-decoded).
    pub path: &'a str,
    pub query: &'a [(String, String)],
    pub body: &'a [u8],
}

impl Req<'_> {
    /// A query parameter's value (the first, if given twice).
    pub(crate) fn param(&self, name: &str) -> Option<&str> {
        self.query.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
    }

    /// `/api/atlas/v1.0`, `/api/atlas/v2` or `/api/public/v1.0`: what links in answers start
    /// with.
    pub fn prefix(&self) -> &'static str {
        self.sh.cfg.flavor.path_prefix(self.api)
    }

    /// Whether the simulator plays Cloud or Ops Manager (clusters by id, their rules).
    pub fn is_public_api(&self) -> bool {
        self.sh.cfg.flavor.is_public_api()
    }
}

/// Reads the query and path, lets `route` do what they ask (given the path's segments after
/// the version, trailing slashes dropped), and writes the answer as the query asks.
pub(crate) fn answer(
    sh: &Shared,
    method: &Method,
    uri: &Uri,
    body: &[u8],
    route: impl FnOnce(&Req<'_>, &[&str]) -> Result<Reply, ApiError>,
) -> Rendered {
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
    // Only the prefix of the product played answers: Atlas's, or the public API's.
    let rest = if sh.cfg.flavor.is_public_api() {
        path.strip_prefix("/api/public/").unwrap_or("")
    } else {
        path.strip_prefix("/api/atlas/").unwrap_or("")
    };
    let mut segs: Vec<&str> = rest.split('/').collect();
    while segs.last() == Some(&"") {
        segs.pop();
    }
    let api = match (segs.first().copied(), sh.cfg.flavor.is_public_api()) {
        (Some("v1.0"), _) => Some(ApiVersion::V1),
        (Some("v2"), false) => Some(ApiVersion::V2),
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
