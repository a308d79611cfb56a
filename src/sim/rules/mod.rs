//! What the simulated server refuses in a restore job's create: a table of Atlas's and Cloud
//! and Ops Manager's documented refusals (`../shared/atlas/api.md` §1 and §4,
//! `../shared/atlas/ops-manager.md`), one row each: its error code, HTTP status, the products
//! and API versions it holds in, the sentence its `detail` opens with, where the fact is
//! written, and a test over the raw JSON (`forms.rs`, `across.rs`) or over the simulator's data (`state.rs`).
//!
//! This is the server's own mind, written apart from the client's engine (`src/restore/`)
//! on purpose: `tests/sim_rules_props.rs` and `tests/sim_verdicts.rs` (over the wire) hold the two against
//! each other, which they could not do if both were the same code. It shares only plain
//! vocabulary with the client (`ApiVersion`, `Flavor`, `ClusterType`).

mod across;
mod forms;
mod state;
mod values;

pub(crate) use state::{Lookup, refused_by_data};

use crate::restore::{ApiVersion, ClusterType, Flavor};
use serde_json::{Map, Value, json};
use std::ops::RangeInclusive;
use values::MethodName;

/// The earliest point in time the API takes: 2008-01-01T00:00:00Z (api.md §1, `minimum`).
pub(crate) const EARLIEST_POINT_IN_TIME_MS: i64 = 1_199_145_600_000;
/// How far back Atlas and Cloud Manager restore a point in time (api.md §1; ops-manager.md).
pub const POINT_IN_TIME_WINDOW_MS: i64 = 24 * 3_600_000;

/// What the server knows of a create besides its body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Server {
    pub flavor: Flavor,
    /// The API version of the request's path (Cloud and Ops Manager: v1.0 alone).
    pub api: ApiVersion,
    pub now_ms: i64,
    /// The topology of the cluster the path names.
    pub source: ClusterType,
    /// What `restorableTimeRanges` answers for that cluster (Cloud and Ops Manager), epoch
    /// milliseconds, both ends included; `None` where there is no such answer.
    pub restorable_ranges: Option<Vec<RangeInclusive<i64>>>,
}

/// One documented refusal.
#[derive(Debug)]
pub(crate) struct Rule {
    /// Atlas's `errorCode` (api.md §4).
    pub code: &'static str,
    /// The HTTP status it comes with.
    pub status: u16,
    /// The products that refuse so.
    pub products: &'static [Flavor],
    /// The API versions that refuse so.
    pub apis: &'static [ApiVersion],
    /// The answer's `detail`: `{0}`, `{1}` are the answer's parameters, `{why}` the case.
    pub detail: &'static str,
    /// Where the fact is written: for the reader, and for the table's own tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fact: &'static str,
    pub test: Test,
}

/// What a row looks at.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Test {
    /// The bytes as read: JSON, and an object. Nothing else can be said of a body that fails.
    Json(fn(&Result<Value, String>) -> Option<Hit>),
    /// The body, a JSON object, and what the server knows; every problem of its kind.
    Body(fn(&Body) -> Vec<Hit>),
    /// A request its body rows took, and what the simulator holds; asked in order, and the
    /// first that refuses answers.
    Data(fn(&Requested, &Lookup) -> Option<Hit>),
}

pub(crate) const EVERY_PRODUCT: &[Flavor] = &[Flavor::Atlas, Flavor::CloudManager, Flavor::OpsManager];
pub(crate) const PUBLIC_API: &[Flavor] = &[Flavor::CloudManager, Flavor::OpsManager];
pub(crate) const ATLAS: &[Flavor] = &[Flavor::Atlas];
pub(crate) const EVERY_API: &[ApiVersion] = &[ApiVersion::V1, ApiVersion::V2];

/// The openings Atlas gives its body codes (api.md §4's messages), then why.
pub(crate) const INVALID: &str = "Invalid attribute {0} specified: {why}";
pub(crate) const MISSING: &str = "The required attribute {0} was not specified: {why}";

impl Rule {
    pub(crate) fn holds_for(&self, flavor: Flavor, api: ApiVersion) -> bool {
        self.products.contains(&flavor) && self.apis.contains(&api)
    }

    /// The `detail` for one case.
    pub(crate) fn detail_for(&self, hit: &Hit) -> String {
        let mut out = self.detail.replace("{why}", &hit.why);
        for (i, p) in hit.parameters.iter().enumerate() {
            let shown = p.as_str().map_or_else(|| p.to_string(), str::to_string);
            out = out.replace(&format!("{{{i}}}"), &shown);
        }
        out
    }
}

/// A body row that holds in every product and version.
const fn body_row(code: &'static str, detail: &'static str, fact: &'static str, test: Test) -> Rule {
    scoped(code, detail, EVERY_PRODUCT, EVERY_API, fact, test)
}

/// A body row of some products or versions.
const fn scoped(
    code: &'static str,
    detail: &'static str,
    products: &'static [Flavor],
    apis: &'static [ApiVersion],
    fact: &'static str,
    test: Test,
) -> Rule {
    Rule {
        code,
        status: 400,
        products,
        apis,
        detail,
        fact,
        test,
    }
}

/// Every row, body rows first, in the order they are asked.
#[cfg(test)]
pub(crate) fn table() -> impl Iterator<Item = &'static Rule> {
    forms::ROWS.iter().chain(&across::ROWS).chain(&state::ROWS)
}

/// One case a row refuses: the field (dotted, or `body`), the answer's `parameters`, why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub field: &'static str,
    pub parameters: Vec<Value>,
    pub why: String,
}

impl Hit {
    /// A body field's case: the field is the one parameter.
    pub fn on(field: &'static str, why: impl Into<String>) -> Hit {
        Hit {
            field,
            parameters: vec![json!(field)],
            why: why.into(),
        }
    }
}

/// One rule a body breaks: the row and the case.
#[derive(Debug, Clone)]
pub struct Violation {
    rule: &'static Rule,
    hit: Hit,
}

impl PartialEq for Violation {
    fn eq(&self, other: &Violation) -> bool {
        std::ptr::eq(self.rule, other.rule) && self.hit == other.hit
    }
}

impl Violation {
    pub fn error_code(&self) -> &'static str {
        self.rule.code
    }

    pub fn status(&self) -> u16 {
        self.rule.status
    }

    pub fn field(&self) -> &'static str {
        self.hit.field
    }

    /// What `badRequestDetail.fields` says of it.
    pub(crate) fn description(&self) -> &str {
        &self.hit.why
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.hit.parameters.clone()
    }

    pub fn detail(&self) -> String {
        self.rule.detail_for(&self.hit)
    }
}

/// A body the server will not take: every rule it breaks, in the table's order. The first
/// is the answer's `errorCode`, `detail` and `parameters`; all of them go into
/// `badRequestDetail.fields`.
#[derive(Debug, Clone, PartialEq)]
pub struct Refusal {
    pub violations: Vec<Violation>,
}

impl Refusal {
    fn first(&self) -> Option<&Violation> {
        self.violations.first()
    }

    pub fn error_code(&self) -> &'static str {
        self.first().map_or("INVALID_ATTRIBUTE", Violation::error_code)
    }

    pub fn status(&self) -> u16 {
        self.first().map_or(400, Violation::status)
    }

    pub fn detail(&self) -> String {
        self.first()
            .map_or_else(|| "Invalid attribute specified.".into(), Violation::detail)
    }

    pub fn parameters(&self) -> Vec<Value> {
        self.first().map(Violation::parameters).unwrap_or_default()
    }

    /// The fields named, in order, without repeats.
    pub fn fields(&self) -> Vec<&'static str> {
        let mut out: Vec<&'static str> = Vec::new();
        for v in &self.violations {
            if !out.contains(&v.field()) {
                out.push(v.field());
            }
        }
        out
    }
}

/// The restore point a taken body asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Point {
    Snapshot(String),
    Checkpoint(String),
    Oplog { ts_secs: i64, inc: i64 },
    PointInTime { ms: i64 },
}

/// The cluster an automated restore erases, as the body names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetCluster {
    Name(String),
    Id(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Method {
    /// A download link, shaped as asked (the server's defaults where not).
    Download {
        expiration_hours: Option<i64>,
        max_downloads: Option<i64>,
        /// Cloud and Ops Manager's `delivery.expires`.
        expires_ms: Option<i64>,
    },
    Automated {
        target_group_id: String,
        target: TargetCluster,
    },
}

/// What a body the server takes asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Requested {
    pub point: Point,
    pub method: Method,
}

/// The body as the rows see it: a JSON object, and what the server knows.
pub(crate) struct Body<'a> {
    pub server: &'a Server,
    top: &'a Map<String, Value>,
}

impl<'a> Body<'a> {
    /// A top-level field; `null` says "not sent".
    fn top(&self, key: &str) -> Option<&'a Value> {
        self.top.get(key).filter(|v| !v.is_null())
    }

    fn sent(&self, key: &str) -> bool {
        self.top(key).is_some()
    }

    /// `delivery` as sent, object or not.
    fn delivery_sent(&self) -> Option<&'a Value> {
        self.top("delivery")
    }

    /// A field of `delivery`, when `delivery` is an object.
    fn inside(&self, key: &str) -> Option<&'a Value> {
        self.delivery_sent()?.as_object()?.get(key).filter(|v| !v.is_null())
    }

    fn sent_inside(&self, key: &str) -> bool {
        self.inside(key).is_some()
    }

    /// `delivery.methodName`, when it is one of the two.
    fn method(&self) -> Option<MethodName> {
        self.inside("methodName").and_then(|v| values::method_name(v).ok())
    }

    fn is_http(&self) -> bool {
        self.method() == Some(MethodName::Http)
    }

    fn is_automated(&self) -> bool {
        self.method() == Some(MethodName::AutomatedRestore)
    }

    fn product(&self) -> &'static str {
        self.server.flavor.product()
    }
}

/// The refusal the server gives this body, if any.
pub fn refusal(body: &[u8], server: &Server) -> Option<Refusal> {
    read(body, server).err()
}

/// The body checked against every body row of the table, and read; or every rule it breaks.
pub fn read(body: &[u8], server: &Server) -> Result<Requested, Refusal> {
    let json: Result<Value, String> = serde_json::from_slice(body).map_err(|e| e.to_string());
    let rows = || {
        forms::ROWS
            .iter()
            .chain(&across::ROWS)
            .filter(|r| r.holds_for(server.flavor, server.api))
    };
    let mut out = Vec::new();
    for rule in rows() {
        if let Test::Json(test) = rule.test {
            out.extend(test(&json).map(|hit| Violation { rule, hit }));
        }
    }
    let top = match &json {
        Ok(Value::Object(top)) if out.is_empty() => top,
        _ => return Err(Refusal { violations: out }),
    };
    let b = Body { server, top };
    for rule in rows() {
        if let Test::Body(test) = rule.test {
            out.extend(test(&b).into_iter().map(|hit| Violation { rule, hit }));
        }
    }
    if !out.is_empty() {
        return Err(Refusal { violations: out });
    }
    requested(&b).ok_or_else(|| Refusal {
        violations: vec![Violation {
            rule: &forms::INCOMPLETE,
            hit: Hit::on("body", "the request is incomplete."),
        }],
    })
}

/// What a body every row took asks for.
fn requested(b: &Body) -> Option<Requested> {
    let id = |v: Option<&Value>| v.and_then(|v| v.as_str()).map(str::to_string);
    let point = if let Some(id) = id(b.top("snapshotId")) {
        Point::Snapshot(id)
    } else if let Some(id) = id(b.top("checkpointId")) {
        Point::Checkpoint(id)
    } else if let (Some(ts), Some(inc)) = (b.top("oplogTs"), b.top("oplogInc")) {
        Point::Oplog {
            ts_secs: match b.server.api {
                ApiVersion::V1 => values::epoch_seconds(ts).ok()?,
                ApiVersion::V2 => values::iso_seconds(ts).ok()?,
            },
            inc: values::positive_int32("oplogInc", inc).ok()?,
        }
    } else {
        let ms = values::whole_number("pointInTimeUTCMillis", b.top("pointInTimeUTCMillis")?).ok()?;
        Point::PointInTime {
            ms: i64::try_from(ms).ok()?,
        }
    };
    let number = |key: &str| b.inside(key).and_then(|v| values::positive_int32(key, v).ok());
    let method = match b.method()? {
        MethodName::Http => Method::Download {
            expiration_hours: number("expirationHours"),
            max_downloads: number("maxDownloads"),
            // Atlas sets `expires` in its answers and ignores it in a request (api.md §1:
            // "out"); Cloud and Ops Manager take it (ops-manager.md).
            expires_ms: b
                .server
                .flavor
                .is_public_api()
                .then(|| b.inside("expires").and_then(|v| values::expires(v).ok()))
                .flatten(),
        },
        MethodName::AutomatedRestore => Method::Automated {
            target_group_id: id(b.inside("targetGroupId"))?,
            target: match (id(b.inside("targetClusterName")), id(b.inside("targetClusterId"))) {
                (Some(name), _) => TargetCluster::Name(name),
                (None, Some(id)) => TargetCluster::Id(id),
                (None, None) => return None,
            },
        },
    };
    Some(Requested { point, method })
}

#[cfg(test)]
mod tests;
