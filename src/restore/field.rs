//! The fields of a restore request, named as the API names them.

/// One field a restore request (or its URL) carries. The order of the variants is the
/// order of the form, top to bottom, and the order findings list their fields in; the last,
/// `delivery.expires`, is Cloud and Ops Manager's and not on the form (`Field::FORM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Field {
    /// `{GROUP-ID}` in the path: the source project.
    GroupId,
    /// `{CLUSTER-NAME}` in the path: the source cluster.
    ClusterName,
    SnapshotId,
    CheckpointId,
    OplogTs,
    OplogInc,
    PointInTimeUtcMillis,
    MethodName,
    ExpirationHours,
    MaxDownloads,
    TargetGroupId,
    TargetClusterName,
    TargetClusterId,
    /// `delivery.expires`: Cloud and Ops Manager's alternative to `expirationHours` (an
    /// ISO-8601 UTC time); in Atlas a response-only field.
    Expires,
}

impl Field {
    /// Every field, in the order findings list them: the form's, then `delivery.expires`.
    pub const ALL: [Field; 14] = [
        Field::GroupId,
        Field::ClusterName,
        Field::SnapshotId,
        Field::CheckpointId,
        Field::OplogTs,
        Field::OplogInc,
        Field::PointInTimeUtcMillis,
        Field::MethodName,
        Field::ExpirationHours,
        Field::MaxDownloads,
        Field::TargetGroupId,
        Field::TargetClusterName,
        Field::TargetClusterId,
        Field::Expires,
    ];

    /// The form's fields, top to bottom: every field but `delivery.expires`, which only
    /// Cloud and Ops Manager read and `delivery.expirationHours` does the work of. A field's
    /// row is its `index()`.
    pub(crate) const FORM: &'static [Field] = Field::ALL.split_at(13).0;

    /// The fields of the request body: all but the path's two, which come first.
    pub const BODY: &'static [Field] = Field::ALL.split_at(2).1;

    /// The API's name, dotted for the fields inside `delivery`.
    pub const fn api_name(self) -> &'static str {
        match self {
            Field::GroupId => "groupId",
            Field::ClusterName => "clusterName",
            Field::SnapshotId => "snapshotId",
            Field::CheckpointId => "checkpointId",
            Field::OplogTs => "oplogTs",
            Field::OplogInc => "oplogInc",
            Field::PointInTimeUtcMillis => "pointInTimeUTCMillis",
            Field::MethodName => "delivery.methodName",
            Field::ExpirationHours => "delivery.expirationHours",
            Field::MaxDownloads => "delivery.maxDownloads",
            Field::TargetGroupId => "delivery.targetGroupId",
            Field::TargetClusterName => "delivery.targetClusterName",
            Field::TargetClusterId => "delivery.targetClusterId",
            Field::Expires => "delivery.expires",
        }
    }

    /// The key inside its JSON object: `maxDownloads` for `delivery.maxDownloads`.
    pub(crate) fn json_key(self) -> &'static str {
        let name = self.api_name();
        name.strip_prefix("delivery.").unwrap_or(name)
    }

    /// Whether the field lives inside the `delivery` object.
    pub(crate) fn in_delivery(self) -> bool {
        self.api_name().starts_with("delivery.")
    }

    /// The body field with this JSON key at the top level, or inside `delivery`.
    pub(crate) fn from_json_key(key: &str, in_delivery: bool) -> Option<Field> {
        Field::BODY
            .iter()
            .copied()
            .find(|f| f.in_delivery() == in_delivery && f.json_key() == key)
    }

    pub(crate) const fn index(self) -> usize {
        self as usize
    }
}

impl std::fmt::Display for Field {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.api_name())
    }
}
