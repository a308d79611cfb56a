//! What the components share, read-only: the clock's now, the profile's facts, the theme,
//! and what Atlas has said of the source and target. `App` lends it for one key, one
//! message or one frame; a component computes from it what it needs (the form its findings,
//! its pickers' titles), so a typed character never goes to `App` and back for its context.

use super::app::AppInfo;
use super::catalog::Lists;
use super::theme::Theme;
use crate::atlas::Cluster;

/// The source cluster as Atlas answered its lookup, under the names it was looked up by.
pub struct LookedUp {
    pub group_id: String,
    pub cluster: String,
    pub doc: Cluster,
}

/// What Atlas said that the form's checks use: the source cluster as looked up, and the
/// lists (snapshots, checkpoints, the target's clusters). Written by `App` as answers come,
/// read by the form through `Env`.
#[derive(Default)]
pub struct Atlas {
    pub source: Option<LookedUp>,
    pub lists: Lists,
}

impl Atlas {
    /// The source as looked up, while the form still names it (a name being retyped has no
    /// topology yet).
    pub(crate) fn source_for(&self, group_id: &str, cluster: &str) -> Option<&Cluster> {
        self.source
            .as_ref()
            .filter(|s| s.group_id == group_id && s.cluster == cluster)
            .map(|s| &s.doc)
    }
}

/// Borrowed from `App` for one turn: built with `Env::new` from its fields (not through
/// `&App`), so that a component can be borrowed mutably beside it.
#[derive(Clone, Copy)]
pub struct Env<'a> {
    pub now_ms: i64,
    /// The profile's facts: its name, API version, flavour, URL, key, download folder.
    pub info: &'a AppInfo,
    pub theme: &'a Theme,
    pub atlas: &'a Atlas,
}

impl<'a> Env<'a> {
    pub fn new(now_ms: i64, info: &'a AppInfo, theme: &'a Theme, atlas: &'a Atlas) -> Env<'a> {
        Env {
            now_ms,
            info,
            theme,
            atlas,
        }
    }
}
