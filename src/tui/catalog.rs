//! What Atlas lists, kept for the form's checks: the source cluster's snapshots and
//! checkpoints, the target project's clusters. Each list is asked for once, when the form
//! first names what it needs (a looked-up source, a 24-hex target project), never per
//! keystroke; a picker's fetch of the same list refreshes it.

use super::env::Env;
use super::form::Form;
use super::msg::Effect;
use super::picker::PickItem;
use crate::jobs::catalog::{Fetched, ListKey};
use crate::restore::{Catalog, DeliveryMethod, Field, Items, ListedCluster, Listing, is_object_id};
use std::collections::{HashMap, HashSet};

#[derive(Default)]
pub struct Lists {
    known: HashMap<ListKey, Fetched>,
    asked: HashSet<ListKey>,
}

impl Lists {
    pub fn put(&mut self, key: ListKey, fetched: Fetched) {
        self.asked.insert(key.clone());
        self.known.insert(key, fetched);
    }

    fn ids(&self, key: &ListKey) -> Listing<Items<String>> {
        match self.known.get(key) {
            Some(Fetched::Ids(l)) => l.clone(),
            _ => Listing::NotAsked,
        }
    }

    fn clusters(&self, key: &ListKey) -> Option<&Listing<Items<ListedCluster>>> {
        match self.known.get(key) {
            Some(Fetched::Clusters(l)) => Some(l),
            _ => None,
        }
    }
}

impl Lists {
    /// The fetches of `wanted` lists not asked for yet; each is asked for once.
    pub fn ask(&mut self, wanted: Vec<ListKey>) -> Vec<Effect> {
        wanted
            .into_iter()
            .filter(|k| self.asked.insert(k.clone()))
            .map(Effect::LoadList)
            .collect()
    }

    /// Of `wanted`, a list asked for and not yet in: the review waits for it.
    pub fn pending(&self, wanted: Vec<ListKey>) -> Option<ListKey> {
        wanted
            .into_iter()
            .find(|k| self.asked.contains(k) && !self.known.contains_key(k))
    }
}

// Free functions over the form and what Atlas said: the lists depend on both, and neither
// owns the other.

/// The source's snapshot and checkpoint lists, once it was looked up (not while its name
/// is being typed).
fn source_lists(form: &Form, env: &Env) -> Option<(ListKey, ListKey)> {
    form.source_cluster(env)?;
    let group_id = form.value(Field::GroupId).trim().to_string();
    let cluster = form.value(Field::ClusterName).trim().to_string();
    Some((
        ListKey::Snapshots {
            group_id: group_id.clone(),
            cluster: cluster.clone(),
        },
        ListKey::Checkpoints { group_id, cluster },
    ))
}

/// The lists the form's checks need now: those of the restore point it names, and the
/// target project's.
pub fn wanted(form: &Form, env: &Env) -> Vec<ListKey> {
    let mut keys = Vec::new();
    let named = |f: Field| !form.value(f).trim().is_empty();
    if let Some((snapshots, checkpoints)) = source_lists(form, env) {
        if named(Field::SnapshotId) {
            keys.push(snapshots);
        }
        if named(Field::CheckpointId) {
            keys.push(checkpoints);
        }
    }
    keys.extend(target_list(form));
    keys
}

fn target_list(form: &Form) -> Option<ListKey> {
    let target = form.value(Field::TargetGroupId).trim().to_string();
    (form.method() == DeliveryMethod::AutomatedRestore && is_object_id(&target))
        .then_some(ListKey::Clusters { group_id: target })
}

/// The lists for the form as it is, for the rules.
pub fn catalog(form: &Form, env: &Env) -> Catalog {
    let lists = &env.atlas.lists;
    let mut catalog = Catalog::default();
    if let Some((snapshots, checkpoints)) = source_lists(form, env) {
        catalog.snapshots = lists.ids(&snapshots);
        catalog.checkpoints = lists.ids(&checkpoints);
    }
    if let Some(key) = target_list(form)
        && let Some(clusters) = lists.clusters(&key)
    {
        catalog.target_clusters = clusters.clone();
    }
    catalog
}

/// A target picker: a cluster of the other topology is shown but not choosable, and the
/// source itself goes last, so that the picker never preselects erasing the source.
pub(crate) fn shape_target_items(form: &Form, env: &Env, group_id: &str, items: &mut [PickItem]) {
    let source_name = form.value(Field::ClusterName).trim().to_string();
    let source_group = form.value(Field::GroupId).trim().to_string();
    let source_id = form
        .source_cluster(env)
        .and_then(|c| c.id.as_deref().map(str::to_string));
    let listed = env
        .atlas
        .lists
        .clusters(&ListKey::Clusters {
            group_id: group_id.to_string(),
        })
        .and_then(Listing::known);
    let source_type = form.source_type(env).map(|(t, _)| t);
    let is_source = |i: &PickItem| {
        group_id.eq_ignore_ascii_case(&source_group)
            && (i.value == source_name || source_id.as_deref().is_some_and(|id| i.value.eq_ignore_ascii_case(id)))
    };
    for item in items.iter_mut() {
        let kind = listed
            .and_then(|l| {
                l.iter()
                    .find(|c| c.name == item.value || c.id.as_deref() == Some(item.value.as_str()))
            })
            .and_then(|c| c.cluster_type);
        if let (Some(s), Some(k)) = (source_type, kind)
            && s != k
        {
            item.disabled = Some("other topology");
        }
        if is_source(item) {
            item.text.push_str("  (the source itself)");
        }
    }
    // Stable: the others keep Atlas's order.
    items.sort_by_key(is_source);
}
