//! What the dashboard hears (`Msg`: a key, a network answer, a tick) and what it asks the
//! event loop to do in the background (`Effect`). The two ends of `App::update`.

use super::picker::PickItem;
use crate::atlas::Cluster;
use crate::jobs::SubmitOutcome;
use crate::jobs::catalog::{Fetched, ListKey};
use crate::restore::{Field, RestoreRequest};
use ratatui::crossterm::event::{KeyEvent, MouseEvent};

/// Everything that can happen to the dashboard.
#[derive(Debug)]
pub enum Msg {
    Key(KeyEvent),
    /// A click or the wheel (only with `[ui] mouse = true`).
    Mouse(MouseEvent),
    Paste(String),
    Resize,
    /// The clock moved (only while something on screen depends on it).
    Tick,
    /// SIGINT, SIGTERM or SIGHUP.
    Signal,
    PickerLoaded {
        field: Field,
        /// The project listed from.
        group_id: String,
        result: Result<Vec<PickItem>, String>,
        /// The same list for the form's checks (snapshots, checkpoints, clusters).
        listed: Option<(ListKey, Fetched)>,
    },
    /// A list for the form's checks.
    Listed {
        key: ListKey,
        fetched: Fetched,
    },
    SourceCluster {
        group_id: String,
        cluster: String,
        result: Result<Cluster, String>,
    },
    /// A submit's end: the request sent (or not) and what came of it.
    Submitted {
        request: Box<RestoreRequest>,
        outcome: SubmitOutcome,
    },
    /// A track or forget was written to the journal (`Ok`: what to say), or not.
    Tracking(Result<String, String>),
    /// A download's progress or end.
    Download {
        job_id: String,
        state: super::job_detail::DownloadState,
    },
    /// The cluster's restore jobs, for the panel's "all jobs".
    ClusterJobs(Result<Vec<crate::atlas::RestoreJob>, String>),
    /// A running job's estimate, in words with its basis.
    Eta {
        job_id: String,
        text: String,
    },
    /// A line for the status bar (from the event loop: a copy sent, or not).
    Status(String),
    /// A poll cycle's outcome.
    Poll(crate::jobs::PollEvent),
    /// The download folder typed is ready and remembered, or why it cannot be used.
    FolderChosen(Result<std::path::PathBuf, String>),
    /// The drills and where each stands, or why they could not be read.
    Drills(Result<Vec<crate::jobs::drill::standing::Standing>, String>),
    /// A drill running from here: a step.
    DrillProgress {
        drill: String,
        line: String,
    },
    /// A drill running from here ended: how, in a line.
    DrillDone {
        drill: String,
        line: String,
    },
}

/// Background work the event loop starts on the app's behalf.
#[derive(Debug, Clone, PartialEq)]
pub enum Effect {
    LoadPicker {
        field: Field,
        group_id: String,
        cluster: String,
    },
    LookupSource {
        group_id: String,
        cluster: String,
    },
    /// Fetch a list for the form's checks.
    LoadList(ListKey),
    /// Send the request to its own source (never the form's, which may have changed since).
    Submit {
        request: Box<RestoreRequest>,
        /// Send even if the same restore was submitted less than an hour ago.
        allow_repeat: bool,
    },
    /// Follow jobs made elsewhere (a whole batch), or a lost submit's candidate.
    Track {
        group_id: String,
        cluster: String,
        jobs: Vec<crate::atlas::RestoreJob>,
    },
    /// Stop following a job (it stays in Atlas).
    Forget {
        job_id: String,
    },
    /// No longer show these lost submits' outcomes (they made no job).
    DismissLost {
        keys: Vec<String>,
    },
    /// Poll the tracked jobs now.
    PollNow,
    /// Poll now and hear of every job again: the panel lacks one the poller sent before.
    PollAll,
    /// Tell the terminal (a BEL or a desktop notification): a job needs the DBA.
    Notify {
        text: String,
        mode: super::notify::NotifyMode,
    },
    /// Put text on the user's clipboard through the terminal (OSC 52).
    Copy {
        text: String,
        what: String,
    },
    /// Show the URL and commands on the plain screen, for the terminal's own selection,
    /// until a key is pressed (the event loop does it: it owns the terminal).
    Plain(super::plain::PlainScreen),
    /// List every restore job of the cluster (the panel's "all jobs").
    LoadClusterJobs {
        group_id: String,
        cluster: String,
    },
    /// Fetch a job's file to `dest`.
    Download {
        job: Box<crate::atlas::RestoreJob>,
        dest: std::path::PathBuf,
    },
    /// Estimate how long a running job has to go, from this profile's finished ones.
    LoadEta {
        group_id: String,
        cluster: String,
        job: Box<crate::atlas::RestoreJob>,
    },
    /// Stop a running download (its part is kept).
    CancelDownload {
        job_id: String,
    },
    /// Make the folder typed ready for archives and remember it for the profile.
    ChooseFolder {
        text: String,
    },
    /// Read the drills and the store's runs of them.
    LoadDrills(Box<super::drills::DrillSetup>),
    /// Run the drill named, with the profile on screen, then read the drills again.
    RunDrill {
        drill: String,
        setup: Box<super::drills::DrillSetup>,
    },
    /// Fetch every part of a batch into `dir`, one after the other.
    DownloadAll {
        jobs: Vec<crate::atlas::RestoreJob>,
        dir: std::path::PathBuf,
    },
}
