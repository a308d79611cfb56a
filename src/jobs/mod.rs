//! Jobs: the journal of what was submitted, and the poller that follows it. Draws nothing.

pub mod journal;

pub use journal::{Journal, JournalError, SubmitState, TrackedSubmit};
