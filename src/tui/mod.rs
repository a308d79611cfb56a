//! The face: the dashboard's event loop and its components. It never blocks on I/O:
//! network work runs in tasks that answer with messages.

pub mod app;
mod catalog;
pub mod clipboard;
pub mod dialog;
pub mod folder;
pub mod form;
pub mod input;
pub mod job_actions;
pub mod job_detail;
mod job_row;
pub mod jobs_panel;
mod jobs_panel_view;
pub mod keys;
mod mouse;
pub mod msg;
pub mod notify;
pub mod pick_flow;
pub mod picker;
pub mod plain;
pub mod review;
pub mod runtime;
pub mod scroll;
pub mod submit_flow;
pub mod terminal;
pub mod theme;
pub mod view;
pub mod wrap;

use crate::config::Profile;
use crate::jobs::{PollerConfig, Services};
use app::{App, AppInfo};
use theme::Theme;

/// Opens the dashboard on a profile's services until the user quits. `suggested_dir` is the
/// download folder offered when the profile has none yet.
pub async fn run_dashboard(
    profile: &Profile,
    suggested_dir: std::path::PathBuf,
    services: Services,
    theme: Theme,
    ui: &crate::config::UiConfig,
    demo: bool,
    local_offset: Option<time::UtcOffset>,
) -> anyhow::Result<()> {
    let known = services.journal_data().await?;
    let download_dir = crate::jobs::DownloadFolder::resolve(
        profile.download_dir.as_deref(),
        known.download_dir.as_deref(),
        suggested_dir,
        crate::jobs::folder::home().as_deref(),
    );
    let unresolved = known.unresolved().len();
    let mut app = App::new(
        AppInfo {
            profile: profile.name.clone(),
            base_url: profile.base_url.clone(),
            public_key: profile.public_key.clone(),
            api: profile.api,
            flavor: profile.flavor,
            demo,
            download_dir,
            local_offset,
        },
        theme,
        profile.group_id.as_deref(),
        profile.cluster_name.as_deref(),
    );
    app.notify_mode = ui.notify;
    app.jobs.set_pending(known.unresolved().into_iter().cloned().collect());
    app.note_downloads(&known.downloaded());
    // Moved, not copied: this copy of the journal would otherwise live as long as the screen.
    app.jobs.add(known.into_tracked());
    if unresolved > 0 {
        app.status = Some(format!(
            "{unresolved} earlier submit(s) have an unknown outcome: check the cluster's restore jobs before submitting again"
        ));
    }
    let poller = services.poller(PollerConfig::new(profile.poll_interval));
    runtime::run(app, services, poller, ui.mouse).await
}
