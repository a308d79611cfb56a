//! The face: the dashboard's event loop and its components. It never blocks on I/O:
//! network work runs in tasks that answer with messages.

pub mod app;
pub mod clipboard;
pub mod form;
pub mod job_detail;
pub mod jobs_panel;
pub mod keys;
pub mod picker;
pub mod review;
pub mod runtime;
pub mod terminal;
pub mod theme;
pub mod view;

use crate::atlas::{AtlasClient, ClientOptions};
use crate::config::Profile;
use crate::jobs::{Journal, Poller, PollerConfig};
use app::{App, AppInfo};
use std::sync::Arc;
use theme::Theme;

/// Opens the dashboard on a profile until the user quits. `journal_dir` holds the profile's
/// tracked jobs.
pub async fn run_dashboard(
    profile: &Profile,
    theme: Theme,
    mouse: bool,
    demo: bool,
    journal_dir: &std::path::Path,
    local_offset: Option<time::UtcOffset>,
) -> anyhow::Result<()> {
    let client = Arc::new(AtlasClient::new(&ClientOptions::from_profile(profile))?);
    let journal = Journal::open(journal_dir, &profile.name)?;
    let tracked = journal.jobs();
    let unresolved = journal.unresolved().len();
    let mut app = App::new(
        AppInfo {
            profile: profile.name.clone(),
            base_url: profile.base_url.clone(),
            public_key: profile.public_key.clone(),
            api: profile.api,
            demo,
            download_dir: profile.download_dir.clone(),
            local_offset,
        },
        theme,
        profile.group_id.as_deref(),
        profile.cluster_name.as_deref(),
    );
    app.jobs.add(tracked);
    if unresolved > 0 {
        app.status = Some(format!(
            "{unresolved} earlier submit(s) have an unknown outcome: check the cluster's restore jobs before submitting again"
        ));
    }
    let journal = Arc::new(std::sync::Mutex::new(journal));
    let poller = Poller::new(
        client.clone(),
        journal.clone(),
        PollerConfig::new(profile.poll_interval),
    );
    let services = runtime::Services {
        client,
        journal,
        poll_now: poller.poke_handle(),
    };
    runtime::run(app, services, Some(poller), mouse).await
}
