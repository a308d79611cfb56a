//! Atlas's lists as the rules read them (`restore::Catalog`): a snapshot, checkpoint or
//! cluster list, or why it is not there. The dashboard caches them as its pickers and look-ups
//! fetch them; `submit` asks for the ones its request names, once, before sending.

use super::service::Services;
use crate::atlas::{AtlasError, Checkpoint, Cluster, ClusterRole, Snapshot};
use crate::restore::{Catalog, ClusterType, Field, Items, ListedCluster, Listing, RestoreDraft, is_object_id};

/// Atlas itself says the cluster or project asked about is not there (not a proxy's page,
/// nor another 404 such as a cluster whose backup is off: those say nothing of existence).
fn absent(e: &AtlasError) -> bool {
    const GONE: [&str; 3] = ["CLUSTER_NAME_NOT_FOUND", "CLUSTER_NOT_FOUND", "GROUP_NOT_FOUND"];
    match e {
        AtlasError::Status(s) => {
            s.status == 404 && s.foreign_body.is_none() && s.error_code.as_deref().is_some_and(|c| GONE.contains(&c))
        }
        // Cloud and Ops Manager: a name that resolves to no cluster.
        AtlasError::Cluster(_) => true,
        _ => false,
    }
}

fn listing<T, U>(result: &Result<Vec<T>, AtlasError>, each: impl Fn(&T) -> Option<U>) -> Listing<Items<U>> {
    match result {
        Ok(items) => Listing::Known(items.iter().filter_map(each).collect()),
        Err(e) if absent(e) => Listing::Absent,
        Err(e) => Listing::Failed(crate::text::sanitize(&e.to_string())),
    }
}

pub(crate) fn snapshot_listing(result: &Result<Vec<Snapshot>, AtlasError>) -> Listing<Items<String>> {
    listing(result, |s| Some(s.id.to_string()))
}

pub(crate) fn checkpoint_listing(result: &Result<Vec<Checkpoint>, AtlasError>) -> Listing<Items<String>> {
    listing(result, |c| Some(c.id.to_string()))
}

/// The clusters a restore can go into: whole clusters, not a sharded cluster's shards.
pub(crate) fn cluster_listing(result: &Result<Vec<Cluster>, AtlasError>) -> Listing<Items<ListedCluster>> {
    listing(result, |c| {
        let c = c.clone().normalize();
        (c.role() == ClusterRole::Whole).then(|| ListedCluster {
            name: c.name.to_string(),
            id: c.id.as_deref().map(str::to_string),
            cluster_type: c.cluster_type.as_deref().and_then(ClusterType::from_api),
        })
    })
}

/// One list the dashboard keeps, by what it lists.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ListKey {
    Snapshots { group_id: String, cluster: String },
    Checkpoints { group_id: String, cluster: String },
    Clusters { group_id: String },
}

/// A list as fetched, for the dashboard's cache.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Fetched {
    Ids(Listing<Items<String>>),
    Clusters(Listing<Items<ListedCluster>>),
}

impl Services {
    /// One list, for the dashboard's checks (its pickers fetch the same and share it).
    pub async fn list(&self, key: &ListKey) -> Fetched {
        match key {
            ListKey::Snapshots { group_id, cluster } => {
                Fetched::Ids(snapshot_listing(&self.snapshots(group_id, cluster).await))
            }
            ListKey::Checkpoints { group_id, cluster } => {
                Fetched::Ids(checkpoint_listing(&self.checkpoints(group_id, cluster).await))
            }
            ListKey::Clusters { group_id } => Fetched::Clusters(cluster_listing(&self.clusters(group_id).await)),
        }
    }

    /// The lists a draft's checks need, fetched once each: the source's snapshots or
    /// checkpoints when it names one, the target project's clusters for an automated restore.
    pub async fn catalog_for(&self, draft: &RestoreDraft, group_id: &str, cluster: &str) -> Catalog {
        let named = |f: Field| draft.get(f).is_some_and(|v| is_object_id(&v.text));
        let mut catalog = Catalog::default();
        if named(Field::SnapshotId) {
            catalog.snapshots = snapshot_listing(&self.snapshots(group_id, cluster).await);
        }
        if named(Field::CheckpointId) {
            catalog.checkpoints = checkpoint_listing(&self.checkpoints(group_id, cluster).await);
        }
        let automated = draft
            .get(Field::MethodName)
            .is_some_and(|m| m.text == "AUTOMATED_RESTORE");
        if automated && let Some(target) = draft.get(Field::TargetGroupId).filter(|v| is_object_id(&v.text)) {
            catalog.target_clusters = cluster_listing(&self.clusters(&target.text).await);
        }
        catalog
    }
}
