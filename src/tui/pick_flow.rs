//! From a field to Atlas's list and back: the picker of the focused field (clusters,
//! snapshots, checkpoints, restorable time ranges), and the form filled with what was picked.

use super::app::{App, Dialog, Effect};
use super::picker::{PickItem, Picker};
use crate::restore::Field;

impl App {
    pub(crate) fn apply_pick(&mut self, field: Field, item: PickItem, now_ms: i64, effects: &mut Vec<Effect>) {
        self.form.set(field, &item.value);
        for (f, v) in &item.also {
            if self.form.value(*f).trim().is_empty() {
                self.form.set(*f, v);
            }
        }
        if field == Field::ClusterName {
            effects.extend(self.lookup_source());
        }
        self.revalidate(now_ms);
    }

    pub(crate) fn open_picker(&mut self, effects: &mut Vec<Effect>) -> bool {
        let field = self.form.focused();
        let group = self.form.value(Field::GroupId).trim().to_string();
        let cluster = self.form.value(Field::ClusterName).trim().to_string();
        let (group_id, title) = match field {
            Field::ClusterName => (group.clone(), format!("clusters of project {group}")),
            Field::SnapshotId => (group.clone(), format!("snapshots of {cluster}")),
            Field::CheckpointId => (group.clone(), format!("checkpoints of {cluster}")),
            Field::PointInTimeUtcMillis if self.has_ranges_picker(field) => {
                (group.clone(), format!("restorable time ranges of {cluster}"))
            }
            // Projects are the key's, not a project's: nothing needs filling first.
            Field::TargetGroupId => {
                self.dialog = Some(Dialog::Picker(Picker::loading(
                    field,
                    "projects this API key can see (the target's)".into(),
                )));
                effects.push(Effect::LoadPicker {
                    field,
                    // Only to mark the source's project in the list.
                    group_id: group.clone(),
                    cluster: String::new(),
                });
                return true;
            }
            Field::TargetClusterName | Field::TargetClusterId => {
                let target = self.form.value(Field::TargetGroupId).trim().to_string();
                let g = if target.is_empty() { group.clone() } else { target };
                (g.clone(), format!("clusters of project {g} (the target)"))
            }
            _ => return false,
        };
        if group_id.is_empty() {
            self.status = Some("fill groupId first: the lists come from that project".into());
            return true;
        }
        if matches!(
            field,
            Field::SnapshotId | Field::CheckpointId | Field::PointInTimeUtcMillis
        ) && cluster.is_empty()
        {
            self.status = Some("fill clusterName first".into());
            return true;
        }
        self.dialog = Some(Dialog::Picker(Picker::loading(field, title)));
        effects.push(Effect::LoadPicker {
            field,
            group_id,
            cluster,
        });
        true
    }

    /// Cloud and Ops Manager answer `restorableTimeRanges`: a point in time is picked from them.
    pub(crate) fn has_ranges_picker(&self, field: Field) -> bool {
        field == Field::PointInTimeUtcMillis && self.info.flavor.is_public_api()
    }
}

/// Fields whose values can be picked from Atlas.
pub fn has_picker(field: Field) -> bool {
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
