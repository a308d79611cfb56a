//! Jobs: the journal of what was submitted, the poller that follows it, reconciliation of a
//! lost submit, and the services the dashboard and the headless commands call. Draws nothing.

pub mod journal;
pub mod poller;
pub mod present;
pub mod reconcile;
pub mod service;

pub use journal::{Journal, JournalData, JournalError, Origin, SubmitState, TrackedJob, TrackedSubmit};
pub use poller::{PollEvent, Poller, PollerConfig};
pub use service::{Services, SubmitOutcome};
