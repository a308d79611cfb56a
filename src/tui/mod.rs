//! The face: the dashboard's event loop and its components. It never blocks on I/O:
//! network work runs in tasks that answer with messages.

pub mod app;
mod catalog;
pub mod clipboard;
pub mod dialog;
pub mod drills;
pub mod env;
pub mod folder;
pub mod form;
pub mod input;
pub(crate) mod job_actions;
pub(crate) mod job_detail;
mod job_row;
pub(crate) mod jobs_panel;
mod jobs_panel_view;
pub mod keys;
mod mouse;
pub mod msg;
pub mod notify;
pub(crate) mod pick_flow;
pub mod picker;
pub mod plain;
pub mod profiles;
pub mod review;
pub mod runtime;
pub mod scroll;
pub(crate) mod submit_flow;
pub mod terminal;
pub mod theme;
pub mod view;
pub(crate) mod wrap;

use crate::jobs::{PollerConfig, Services};
use app::{App, AppInfo};
use profiles::ProfileChoice;
use theme::Theme;

/// What the dashboard needs of a profile, handed down from the config as plain values.
#[derive(Debug, Clone)]
pub struct ScreenProfile {
    pub name: String,
    pub base_url: String,
    pub public_key: String,
    pub api: crate::restore::ApiVersion,
    pub flavor: crate::restore::Flavor,
    /// `production = true`: said in the header, in words.
    pub production: bool,
    pub group_id: Option<String>,
    pub cluster_name: Option<String>,
    pub download_dir: Option<std::path::PathBuf>,
    pub poll_interval: std::time::Duration,
    /// The clusters a drill of this profile may erase.
    pub drill_targets: Vec<String>,
}

/// A profile ready to be the dashboard's: resolved, its services made.
pub struct Opened {
    pub profile: ScreenProfile,
    pub services: Services,
}

/// What every profile's screen shares: the looks, the demo, the folder offered when a profile
/// has none yet, and the config's list of profiles.
pub struct Shared {
    pub suggested_dir: std::path::PathBuf,
    pub theme: Theme,
    /// `[ui] mouse`: clicks and the wheel are the dashboard's (the terminal's selection then
    /// needs Shift).
    pub mouse: bool,
    /// `[ui] notify`.
    pub notify: notify::NotifyMode,
    pub demo: bool,
    pub local_offset: Option<time::UtcOffset>,
    pub profiles: Vec<ProfileChoice>,
    /// The config folder's `drills/`, and the job store's folder (F3).
    pub drills_folder: Option<std::path::PathBuf>,
    pub store_dir: Option<std::path::PathBuf>,
}

/// Opens the dashboard on `first` until the user quits; the profile list (F4) switches to
/// another profile through `open`, which resolves it by name (a failure is said, and the
/// screen stays on the profile it was).
pub async fn run_dashboard(
    first: Opened,
    mut open: impl AsyncFnMut(&str) -> anyhow::Result<Opened>,
    shared: Shared,
) -> anyhow::Result<()> {
    let (_guard, mut terminal) = terminal::TerminalGuard::enter(shared.mouse)?;
    let mut input = runtime::Input::start();
    let mut session = prepare(first, &shared).await?;
    loop {
        let next = runtime::run(&mut terminal, &mut input, session, shared.mouse, async |name: &str| {
            prepare(open(name).await?, &shared).await
        })
        .await?;
        match next {
            Some(opened) => session = opened,
            None => return Ok(()),
        }
    }
}

/// A profile's screen: the app filled from its store, and its poller.
async fn prepare(opened: Opened, shared: &Shared) -> anyhow::Result<runtime::Session> {
    let Opened { profile, services } = opened;
    let known = services.journal_data().await?;
    let download_dir = crate::jobs::DownloadFolder::resolve(
        profile.download_dir.as_deref(),
        known.download_dir.as_deref(),
        shared.suggested_dir.clone(),
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
            demo: shared.demo,
            download_dir,
            local_offset: shared.local_offset,
            production: profile.production,
            profiles: shared.profiles.clone(),
            drills: drills::DrillSetup {
                folder: shared.drills_folder.clone(),
                store_dir: shared.store_dir.clone(),
                runner: profile
                    .group_id
                    .clone()
                    .map(|group_id| crate::jobs::drill::RunnerProfile {
                        name: profile.name.clone(),
                        flavor: profile.flavor,
                        api: profile.api,
                        group_id,
                        drill_targets: profile.drill_targets.clone(),
                        poll_interval: profile.poll_interval,
                    }),
            },
        },
        shared.theme,
        profile.group_id.as_deref(),
        profile.cluster_name.as_deref(),
    );
    app.notify_mode = shared.notify;
    app.jobs.set_pending(known.lost().into_iter().cloned().collect());
    app.note_downloads(&known.downloaded());
    // Moved, not copied: this copy of the journal would otherwise live as long as the screen.
    app.jobs.add(known.into_tracked());
    if unresolved > 0 {
        app.status = Some(format!(
            "{unresolved} earlier submit(s) have an unknown outcome: check the cluster's restore jobs before submitting again"
        ));
    }
    let poller = services.poller(PollerConfig::new(profile.poll_interval));
    Ok(runtime::Session { app, services, poller })
}
