//! From a field to Atlas's list and back: the picker of the focused field (clusters,
//! snapshots, checkpoints, restorable time ranges): which list, from which project. Free
//! functions over the form and `Env`; the form fills itself with the pick (`Form::pick`).

use super::env::Env;
use super::form::Form;
use super::msg::Effect;
use super::picker::Picker;
use crate::restore::{Field, Flavor};

/// The picker of the form's focused field and the fetch that fills it; `Err` says what to
/// fill first; `None` for a field without one.
pub fn open(form: &Form, env: &Env) -> Option<Result<(Picker, Effect), String>> {
    let field = form.focused();
    let group = form.value(Field::GroupId).trim().to_string();
    let cluster = form.value(Field::ClusterName).trim().to_string();
    let (group_id, title) = match field {
        Field::ClusterName => (group.clone(), format!("clusters of project {group}")),
        Field::SnapshotId => (group.clone(), format!("snapshots of {cluster}")),
        Field::CheckpointId => (group.clone(), format!("checkpoints of {cluster}")),
        Field::PointInTimeUtcMillis if has_ranges_picker(field, env.info.flavor) => {
            (group.clone(), format!("restorable time ranges of {cluster}"))
        }
        // Projects are the key's, not a project's: nothing needs filling first.
        Field::TargetGroupId => {
            let picker = Picker::loading(field, "projects this API key can see (the target's)".into());
            let load = Effect::LoadPicker {
                field,
                // Only to mark the source's project in the list.
                group_id: group,
                cluster: String::new(),
            };
            return Some(Ok((picker, load)));
        }
        Field::TargetClusterName | Field::TargetClusterId => {
            let target = form.value(Field::TargetGroupId).trim().to_string();
            let g = if target.is_empty() { group.clone() } else { target };
            (g.clone(), format!("clusters of project {g} (the target)"))
        }
        _ => return None,
    };
    if group_id.is_empty() {
        return Some(Err("fill groupId first: the lists come from that project".into()));
    }
    if matches!(
        field,
        Field::SnapshotId | Field::CheckpointId | Field::PointInTimeUtcMillis
    ) && cluster.is_empty()
    {
        return Some(Err("fill clusterName first".into()));
    }
    let load = Effect::LoadPicker {
        field,
        group_id,
        cluster,
    };
    Some(Ok((Picker::loading(field, title), load)))
}

/// Cloud and Ops Manager answer `restorableTimeRanges`: a point in time is picked from them.
pub(crate) fn has_ranges_picker(field: Field, flavor: Flavor) -> bool {
    field == Field::PointInTimeUtcMillis && flavor.is_public_api()
}

/// Fields whose values can be picked from Atlas.
pub(crate) fn has_picker(field: Field) -> bool {
    matches!(
        field,
        Field::ClusterName
            | Field::TargetGroupId
            | Field::SnapshotId
            | Field::CheckpointId
            | Field::TargetClusterName
            | Field::TargetClusterId
    )
}
