//! The profile list (F4, or ^O without F-keys): the config's profiles with their flavour and
//! cluster. The one picked is opened by the event loop, and the form and panel become its
//! own, without a restart. A switch waits for this profile's downloads: they are this
//! screen's, and would go on unseen.

use super::app::{App, Dialog};
use super::job_detail::DownloadState;
use super::picker::{PickItem, Picker};

/// A profile as the list shows it: plain values, read from the config at the edge.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileChoice {
    pub name: String,
    /// `atlas`, `cloud-manager` or `ops-manager`.
    pub flavor: String,
    pub cluster: Option<String>,
    pub production: bool,
}

/// The list's rows: the profile in use shown but not choosable.
pub fn profile_items(choices: &[ProfileChoice], current: &str) -> Vec<PickItem> {
    choices
        .iter()
        .map(|c| PickItem {
            value: c.name.clone(),
            text: format!(
                "{}{}  {}  {}",
                c.name,
                if c.production { "  PRODUCTION" } else { "" },
                c.flavor,
                c.cluster.as_deref().unwrap_or("-")
            ),
            disabled: (c.name == current).then_some("in use"),
            also: Vec::new(),
        })
        .collect()
}

impl App {
    pub(crate) fn open_profiles(&mut self) -> bool {
        if self.info.profiles.len() < 2 {
            self.status = Some(match self.info.profiles.len() {
                0 => "no profiles in a config file: the environment's keys are the only profile".into(),
                _ => "the config has one profile: add [profiles.NAME] tables to switch between them".into(),
            });
            return true;
        }
        let items = profile_items(&self.info.profiles, &self.info.profile);
        self.dialogs.push(Dialog::Profiles(Picker::ready(
            format!("profiles (in use: {})", self.info.profile),
            items,
        )));
        true
    }

    pub(crate) fn switch_profile(&mut self, name: String) {
        let running = self
            .downloads
            .values()
            .filter(|d| matches!(d, DownloadState::Running(_) | DownloadState::Resuming { .. }))
            .count();
        self.dialogs.pop();
        if running > 0 {
            self.status = Some(format!(
                "{running} download(s) running in profile {}: wait for them, or stop them (Esc in the job's detail), then switch",
                self.info.profile
            ));
            return;
        }
        self.status = Some(format!("opening profile {name}…"));
        self.switch_to = Some(name);
    }
}
