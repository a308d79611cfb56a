//! What Atlas lists, kept for the form's checks: the source cluster's snapshots and
//! checkpoints, the target project's clusters. Each list is asked for once, when the form
//! first names what it needs (a looked-up source, a 24-hex target project), never per
//! keystroke; a picker's fetch of the same list refreshes it.

use super::app::{App, Effect};
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

impl App {
    /// The source's snapshot and checkpoint lists, once it was looked up (not while its name
    /// is being typed).
    fn source_lists(&self) -> Option<(ListKey, ListKey)> {
        self.source_cluster()?;
        let group_id = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
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
    fn wanted_lists(&self) -> Vec<ListKey> {
        let mut keys = Vec::new();
        let named = |f: Field| !self.form.value(f).trim().is_empty();
        if let Some((snapshots, checkpoints)) = self.source_lists() {
            if named(Field::SnapshotId) {
                keys.push(snapshots);
            }
            if named(Field::CheckpointId) {
                keys.push(checkpoints);
            }
        }
        keys.extend(self.target_list());
        keys
    }

    fn target_list(&self) -> Option<ListKey> {
        let target = self.form.value(Field::TargetGroupId).trim().to_string();
        (self.form.method() == DeliveryMethod::AutomatedRestore && is_object_id(&target))
            .then_some(ListKey::Clusters { group_id: target })
    }

    /// The fetches of lists not asked for yet.
    pub(crate) fn list_effects(&mut self) -> Vec<Effect> {
        let keys: Vec<ListKey> = self
            .wanted_lists()
            .into_iter()
            .filter(|k| !self.lists.asked.contains(k))
            .collect();
        keys.into_iter()
            .map(|key| {
                self.lists.asked.insert(key.clone());
                Effect::LoadList(key)
            })
            .collect()
    }

    /// A list the checks need that is asked for and not yet in: the review waits for it.
    pub(crate) fn list_pending(&self) -> Option<ListKey> {
        self.wanted_lists()
            .into_iter()
            .find(|k| self.lists.asked.contains(k) && !self.lists.known.contains_key(k))
    }

    /// The lists for the form as it is, for the rules.
    pub(crate) fn catalog(&self) -> Catalog {
        let mut catalog = Catalog::default();
        if let Some((snapshots, checkpoints)) = self.source_lists() {
            catalog.snapshots = self.lists.ids(&snapshots);
            catalog.checkpoints = self.lists.ids(&checkpoints);
        }
        if let Some(key) = self.target_list()
            && let Some(clusters) = self.lists.clusters(&key)
        {
            catalog.target_clusters = clusters.clone();
        }
        catalog
    }

    /// A list came in: the findings may change.
    pub(crate) fn on_listed(&mut self, key: ListKey, fetched: Fetched, now_ms: i64) -> bool {
        self.lists.put(key, fetched);
        self.revalidate(now_ms)
    }

    /// A target picker: a cluster of the other topology is shown but not choosable, and the
    /// source itself goes last, so that the picker never preselects erasing the source.
    pub(crate) fn shape_target_items(&self, group_id: &str, items: &mut [PickItem]) {
        let source_name = self.form.value(Field::ClusterName).trim().to_string();
        let source_group = self.form.value(Field::GroupId).trim().to_string();
        let source_id = self.source_cluster().and_then(|c| c.id.as_deref().map(str::to_string));
        let listed = self
            .lists
            .clusters(&ListKey::Clusters {
                group_id: group_id.to_string(),
            })
            .and_then(Listing::known);
        let source_type = self.source_type().map(|(t, _)| t);
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
}
