//! What Atlas lists, as far as it has been asked: the source cluster's snapshots and
//! checkpoints, the target project's clusters. The rules check a request against them before
//! anything is sent (a snapshot of another cluster, a target of another topology, a target
//! that does not exist), and the typed request takes the target's name and id from them.
//!
//! A list that was not asked for says nothing; one that could not be fetched is a warning
//! (Atlas decides); only a list that was read can make a conflict.

use super::context::{ClusterType, Context};
use super::draft::RestoreDraft;
use super::field::Field;
use super::finding::{Code, Finding};
use super::read::is_object_id;
use super::rules::DeliveryMethod;
use std::sync::Arc;

/// A list's items, shared: the dashboard copies its cached lists into every keystroke's
/// context, which must cost a pointer, not a year of snapshot ids.
pub type Items<T> = Arc<[T]>;

/// One list from Atlas, in the state it is known.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum Listing<T> {
    /// Not asked for (yet), or still on its way: no rule looks at it.
    #[default]
    NotAsked,
    /// Asked, but not answered (why, in words): a warning, and Atlas decides.
    Failed(String),
    /// Atlas says the owner of the list (the cluster, the project) does not exist.
    Absent,
    Known(T),
}

impl<T> Listing<T> {
    pub fn known(&self) -> Option<&T> {
        match self {
            Listing::Known(t) => Some(t),
            _ => None,
        }
    }
}

/// A cluster as a list names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedCluster {
    pub name: String,
    pub id: Option<String>,
    pub cluster_type: Option<ClusterType>,
}

impl ListedCluster {
    /// `Staging0 (5f8e...a4c3)`: the name a DBA knows, and enough of the id to tell two apart.
    pub fn label(&self) -> String {
        match &self.id {
            Some(id) => format!("{} ({})", self.name, short_hex(id)),
            None => self.name.clone(),
        }
    }
}

/// `5f8e2b4d9d4b7e0012c3a4c3` -> `5f8e...a4c3` (ASCII: it goes into every screen and output).
pub fn short_hex(id: &str) -> String {
    let n = id.chars().count();
    if n <= 10 {
        return id.to_string();
    }
    let head: String = id.chars().take(4).collect();
    let tail: String = id.chars().skip(n - 4).collect();
    format!("{head}...{tail}")
}

/// The lists that go with one request: the source's (for its current project and cluster)
/// and the target project's. Whoever fills it gives only lists of what the draft names.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Catalog {
    /// The source cluster's snapshot ids.
    pub snapshots: Listing<Items<String>>,
    /// The source cluster's checkpoint ids.
    pub checkpoints: Listing<Items<String>>,
    /// The clusters of `delivery.targetGroupId`.
    pub target_clusters: Listing<Items<ListedCluster>>,
}

impl Catalog {
    /// The target cluster the draft names (by name or by id), when the target project's list
    /// was read and holds it.
    pub fn target(&self, draft: &RestoreDraft) -> Option<&ListedCluster> {
        let clusters = self.target_clusters.known()?;
        if let Some(name) = draft.get(Field::TargetClusterName) {
            return clusters.iter().find(|c| c.name == name.text);
        }
        let id = draft.get(Field::TargetClusterId)?;
        clusters
            .iter()
            .find(|c| c.id.as_deref().is_some_and(|i| i.eq_ignore_ascii_case(&id.text)))
    }
}

fn source_name(ctx: &Context) -> &str {
    ctx.source_cluster_name.as_deref().unwrap_or("the source cluster")
}

/// The checks against the lists: every finding names the fields on both sides.
pub(crate) fn check_catalog(
    draft: &RestoreDraft,
    method: Option<DeliveryMethod>,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    let c = &ctx.catalog;
    check_point_listed(draft, Field::SnapshotId, "snapshot", &c.snapshots, ctx, out);
    check_point_listed(draft, Field::CheckpointId, "checkpoint", &c.checkpoints, ctx, out);
    if method == Some(DeliveryMethod::AutomatedRestore) {
        check_target_listed(draft, ctx, out);
    }
}

fn check_point_listed(
    draft: &RestoreDraft,
    field: Field,
    what: &str,
    listing: &Listing<Items<String>>,
    ctx: &Context,
    out: &mut Vec<Finding>,
) {
    let Some(id) = draft.get(field).map(|v| v.text.as_str()).filter(|t| is_object_id(t)) else {
        return;
    };
    let cluster = source_name(ctx);
    match listing {
        Listing::NotAsked => {}
        Listing::Failed(why) => out.push(Finding::warning(
            Code::ListUnavailable,
            &[field],
            format!("could not list {cluster}'s {what}s ({why}): {field} is not checked here; Atlas checks it when the request is sent"),
        )),
        Listing::Absent => out.push(Finding::error(
            Code::SourceClusterNotFound,
            &[Field::ClusterName, Field::GroupId],
            format!("Atlas lists no cluster {cluster} in the source project: pick clusterName from the project's clusters (Enter on it)"),
        )),
        Listing::Known(ids) if !ids.iter().any(|i| i.eq_ignore_ascii_case(id)) => {
            let code = if field == Field::SnapshotId {
                Code::SnapshotNotOfSource
            } else {
                Code::CheckpointNotOfSource
            };
            out.push(Finding::error(
                code,
                &[field, Field::ClusterName],
                format!(
                    "{what} {id} is not one of {cluster}'s {} {what}s: it belongs to another cluster, or is gone; pick one of {cluster}'s (Enter on {field}), or set clusterName back to the {what}'s own cluster",
                    ids.len()
                ),
            ));
        }
        Listing::Known(_) => {}
    }
}

fn check_target_listed(draft: &RestoreDraft, ctx: &Context, out: &mut Vec<Finding>) {
    let Some(group) = draft
        .get(Field::TargetGroupId)
        .map(|v| v.text.as_str())
        .filter(|t| is_object_id(t))
    else {
        return;
    };
    let (field, given) = match (draft.get(Field::TargetClusterName), draft.get(Field::TargetClusterId)) {
        (Some(name), None) => (Field::TargetClusterName, name.text.as_str()),
        (None, Some(id)) => (Field::TargetClusterId, id.text.as_str()),
        // None or both: the delivery rules said so already.
        _ => return,
    };
    match &ctx.catalog.target_clusters {
        Listing::NotAsked => {}
        Listing::Failed(why) => out.push(Finding::warning(
            Code::ListUnavailable,
            &[field],
            format!("could not list the clusters of project {group} ({why}): the target is not checked here; Atlas checks it when the request is sent"),
        )),
        Listing::Absent => out.push(Finding::error(
            Code::TargetProjectNotFound,
            &[Field::TargetGroupId],
            format!("Atlas knows no project {group}, or these API keys cannot see it: correct delivery.targetGroupId"),
        )),
        Listing::Known(clusters) => match ctx.catalog.target(draft) {
            None => {
                let names: Vec<&str> = clusters.iter().take(5).map(|c| c.name.as_str()).collect();
                let listed = if names.is_empty() {
                    "it has no clusters".to_string()
                } else {
                    format!("it has {}", names.join(", "))
                };
                out.push(Finding::error(
                    Code::TargetClusterNotFound,
                    &[field, Field::TargetGroupId],
                    format!("project {group} has no cluster {given} ({listed}): pick the target from its list (Enter on {field})"),
                ));
            }
            Some(target) => check_topology_matches(target, field, ctx, out),
        },
    }
}

fn check_topology_matches(target: &ListedCluster, field: Field, ctx: &Context, out: &mut Vec<Finding>) {
    let (Some(source), Some(dest)) = (ctx.source_cluster_type, target.cluster_type) else {
        return;
    };
    if source == dest {
        return;
    }
    let words = |t: ClusterType| match t {
        ClusterType::ReplicaSet => "a replica set",
        ClusterType::Sharded => "a sharded cluster",
    };
    out.push(Finding::error(
        Code::TopologyMismatch,
        &[Field::ClusterName, field],
        format!(
            "{} is {} and {} is {}: a restore goes only into a cluster of the same topology; choose {} as the target",
            source_name(ctx),
            words(source),
            target.name,
            words(dest),
            words(source)
        ),
    ));
}
