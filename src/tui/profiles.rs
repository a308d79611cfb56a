//! The profile list (F4, or ^O without F-keys): the config's profiles with their flavour and
//! cluster. The one picked is opened by the event loop, and the form and panel become its
//! own, without a restart. A switch waits for this profile's downloads: they are this
//! screen's, and would go on unseen.

use super::job_detail::DownloadState;
use super::picker::{PickItem, Picker};
use std::collections::HashMap;

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
pub(crate) fn profile_items(choices: &[ProfileChoice], current: &str) -> Vec<PickItem> {
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

/// The list of the config's profiles, or why there is none to switch to.
pub fn picker(choices: &[ProfileChoice], current: &str) -> Result<Picker, String> {
    if choices.len() < 2 {
        return Err(match choices.len() {
            0 => "no profiles in a config file: the environment's keys are the only profile".into(),
            _ => "the config has one profile: add [profiles.NAME] tables to switch between them".into(),
        });
    }
    let items = profile_items(choices, current);
    Ok(Picker::ready(format!("profiles (in use: {current})"), items))
}

/// Whether the screen may go to profile `name` (what to say meanwhile), or why it waits: a
/// download of this profile's still runs.
pub fn switch(downloads: &HashMap<String, DownloadState>, current: &str, name: &str) -> Result<String, String> {
    let running = downloads.values().filter(|d| d.is_going()).count();
    if running > 0 {
        return Err(format!(
            "{running} download(s) running in profile {current}: wait for them, or stop them (Esc in the job's detail), then switch"
        ));
    }
    Ok(format!("opening profile {name}…"))
}
