//! Jobs: the journal of what was submitted, the poller that follows it, reconciliation of a
//! lost submit, downloads that resume and verify, the archive check, the ETA of a running
//! restore, and the services the dashboard and the headless commands call. Draws nothing.

pub mod archive;
pub mod catalog;
pub mod download;
pub mod download_command;
pub mod drill;
pub mod error;
pub mod eta;
pub mod folder;
pub mod import;
pub mod journal;
pub mod notes;
pub mod poller;
pub mod present;
pub mod progress;
pub mod reconcile;
mod schema;
pub(crate) mod service;
pub mod store;
mod stored;
pub mod tracked;
pub mod verify;
pub mod wait;

pub use archive::{ArchiveBreak, ArchiveReport};
pub use download::{Cancel, Checked, DownloadError, FetchError, Fetched, Progress, Verdict};
pub use error::JobsError;
pub use eta::{Eta, PastRestore};
pub use folder::DownloadFolder;
pub use journal::{
    DownloadNote, JobNotes, Journal, JournalData, JournalError, Origin, SubmitState, TrackedJob, TrackedSubmit,
};
pub use poller::{PollEvent, PollHandle, Poller, PollerConfig};
pub use service::{Services, SubmitOutcome};
