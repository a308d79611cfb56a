//! The domain: a restore request as typed, the API's rules over it, and the body to send.
//! No I/O here: the form, the review before submitting, `submit` and `atlas-restore validate`
//! all call this one engine. The simulator does not: it has rules of its own
//! (`src/sim/rules/`), against which `tests/sim_rules_props.rs` holds this engine.

mod catalog;
mod context;
mod draft;
mod field;
mod finding;
mod read;
mod request;
mod rules;
pub mod time_input;

pub use catalog::{Catalog, Items, ListedCluster, Listing, short_hex};
pub use context::{ApiVersion, Clock, ClusterType, Context, Flavor, RestorableRange, system_clock};
pub use draft::{RawKind, RawValue, RestoreDraft};
pub use field::Field;
pub use finding::{Code, Finding, Severity, has_errors};
pub use read::is_object_id;
pub use request::{
    Delivery, Erase, LinkLimits, RestorePoint, RestoreRequest, Source, Target, build_body, build_request,
};
pub use rules::{DeliveryMethod, MAX_INT32, MIN_POINT_IN_TIME_MS, POINT_IN_TIME_WINDOW_MS, validate};
