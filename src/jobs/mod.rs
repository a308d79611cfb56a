//! Jobs: the journal of what was submitted, and the poller that follows it. Draws nothing.

pub mod journal;
pub mod poller;
pub mod present;

pub use journal::{Journal, JournalError, SubmitState, TrackedSubmit};
pub use poller::{PollEvent, Poller, PollerConfig};
