//! What the rules report: one finding per problem, naming every field involved.

use super::field::Field;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    /// Atlas would refuse the request, or it would not do what its fields say.
    Error,
    /// The request is accepted, but something in it is pointless or dangerous.
    Warning,
}

impl Severity {
    pub const fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

/// Stable identifiers of the rules; scripts match on their `SCREAMING_SNAKE` spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Code {
    BodyNotObject,
    /// The form's source project or cluster is blank (they are the URL's, not the body's).
    SourceMissing,
    WrongType,
    UnknownField,
    ResponseOnlyField,
    MethodNameMissing,
    MethodNameInvalid,
    RestorePointMissing,
    RestorePointConflict,
    OplogPairIncomplete,
    OplogTsInvalid,
    OplogTsInFuture,
    OplogIncInvalid,
    RequiresAutomatedRestore,
    PointInTimeInvalid,
    PointInTimeInSeconds,
    PointInTimeInMicroseconds,
    PointInTimeBeforeMinimum,
    PointInTimeInFuture,
    PointInTimeOutsideWindow,
    TargetGroupMissing,
    TargetClusterMissing,
    TargetClusterAmbiguous,
    NotForAutomatedRestore,
    TargetNotForHttp,
    NumberOutOfRange,
    InvalidId,
    InvalidClusterName,
    CheckpointNeedsSharded,
    CheckpointOfShardedDeclined,
    NeedsReplicaSet,
    TargetIsSource,
    // Cloud Manager and Ops Manager (`docs/ops-manager-decisions.md`).
    /// They name the target cluster by id only.
    TargetClusterByIdOnly,
    /// `delivery.expires` and `delivery.expirationHours` together.
    ExpiresConflict,
    /// `delivery.expires` is not a future ISO-8601 UTC time.
    ExpiresInvalid,
    /// HTTP delivery without `delivery.maxDownloads`.
    MaxDownloadsRequired,
    /// A checkpoint restore works at feature compatibility 4.0 or older only.
    CheckpointNeedsFcv40,
    /// A point-in-time or oplog restore of a sharded cluster needs feature compatibility 4.2.
    ShardedNeedsFcv42,
    /// Outside every range `restorableTimeRanges` gave.
    PointInTimeOutsideRanges,
    /// Later than the newest range's end, which may just not be known yet.
    PointInTimeAfterRanges,
    /// Ops Manager without its ranges: more than 24 hours ago, its default window.
    PointInTimeBeyondDefaultWindow,
    // Against what Atlas lists (`catalog.rs`).
    /// A list the check needs could not be fetched: Atlas decides.
    ListUnavailable,
    SourceClusterNotFound,
    /// The snapshot is not in the source cluster's list (another cluster's, or gone).
    SnapshotNotOfSource,
    CheckpointNotOfSource,
    TargetProjectNotFound,
    TargetClusterNotFound,
    /// Sharded into a replica set, or the reverse.
    TopologyMismatch,
}

impl Code {
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::BodyNotObject => "BODY_NOT_OBJECT",
            Code::SourceMissing => "SOURCE_MISSING",
            Code::WrongType => "WRONG_TYPE",
            Code::UnknownField => "UNKNOWN_FIELD",
            Code::ResponseOnlyField => "RESPONSE_ONLY_FIELD",
            Code::MethodNameMissing => "METHOD_NAME_MISSING",
            Code::MethodNameInvalid => "METHOD_NAME_INVALID",
            Code::RestorePointMissing => "RESTORE_POINT_MISSING",
            Code::RestorePointConflict => "RESTORE_POINT_CONFLICT",
            Code::OplogPairIncomplete => "OPLOG_PAIR_INCOMPLETE",
            Code::OplogTsInvalid => "OPLOG_TS_INVALID",
            Code::OplogTsInFuture => "OPLOG_TS_IN_FUTURE",
            Code::OplogIncInvalid => "OPLOG_INC_INVALID",
            Code::RequiresAutomatedRestore => "REQUIRES_AUTOMATED_RESTORE",
            Code::PointInTimeInvalid => "POINT_IN_TIME_INVALID",
            Code::PointInTimeInSeconds => "POINT_IN_TIME_IN_SECONDS",
            Code::PointInTimeInMicroseconds => "POINT_IN_TIME_IN_MICROSECONDS",
            Code::PointInTimeBeforeMinimum => "POINT_IN_TIME_BEFORE_MINIMUM",
            Code::PointInTimeInFuture => "POINT_IN_TIME_IN_FUTURE",
            Code::PointInTimeOutsideWindow => "POINT_IN_TIME_OUTSIDE_WINDOW",
            Code::TargetGroupMissing => "TARGET_GROUP_MISSING",
            Code::TargetClusterMissing => "TARGET_CLUSTER_MISSING",
            Code::TargetClusterAmbiguous => "TARGET_CLUSTER_AMBIGUOUS",
            Code::NotForAutomatedRestore => "NOT_FOR_AUTOMATED_RESTORE",
            Code::TargetNotForHttp => "TARGET_NOT_FOR_HTTP",
            Code::NumberOutOfRange => "NUMBER_OUT_OF_RANGE",
            Code::InvalidId => "INVALID_ID",
            Code::InvalidClusterName => "INVALID_CLUSTER_NAME",
            Code::CheckpointNeedsSharded => "CHECKPOINT_NEEDS_SHARDED",
            Code::CheckpointOfShardedDeclined => "CHECKPOINT_OF_SHARDED_DECLINED",
            Code::NeedsReplicaSet => "NEEDS_REPLICA_SET",
            Code::TargetIsSource => "TARGET_IS_SOURCE",
            Code::TargetClusterByIdOnly => "TARGET_CLUSTER_BY_ID_ONLY",
            Code::ExpiresConflict => "EXPIRES_CONFLICT",
            Code::ExpiresInvalid => "EXPIRES_INVALID",
            Code::MaxDownloadsRequired => "MAX_DOWNLOADS_REQUIRED",
            Code::CheckpointNeedsFcv40 => "CHECKPOINT_NEEDS_FCV_4_0",
            Code::ShardedNeedsFcv42 => "SHARDED_NEEDS_FCV_4_2",
            Code::PointInTimeOutsideRanges => "POINT_IN_TIME_OUTSIDE_RANGES",
            Code::PointInTimeAfterRanges => "POINT_IN_TIME_AFTER_RANGES",
            Code::PointInTimeBeyondDefaultWindow => "POINT_IN_TIME_BEYOND_DEFAULT_WINDOW",
            Code::ListUnavailable => "LIST_UNAVAILABLE",
            Code::SourceClusterNotFound => "SOURCE_CLUSTER_NOT_FOUND",
            Code::SnapshotNotOfSource => "SNAPSHOT_NOT_OF_SOURCE",
            Code::CheckpointNotOfSource => "CHECKPOINT_NOT_OF_SOURCE",
            Code::TargetProjectNotFound => "TARGET_PROJECT_NOT_FOUND",
            Code::TargetClusterNotFound => "TARGET_CLUSTER_NOT_FOUND",
            Code::TopologyMismatch => "TOPOLOGY_MISMATCH",
        }
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One problem with a draft.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub code: Code,
    /// Every field involved, in form order; the form marks them all.
    pub fields: Vec<Field>,
    /// One line, saying what is wrong and what to do.
    pub message: String,
    /// Keys of the body that are no field of the form (an unknown one, as written): named
    /// in `fields` of the JSON too, so that every finding names what it is about.
    pub keys: Vec<String>,
}

impl Finding {
    pub fn error(code: Code, fields: &[Field], message: impl Into<String>) -> Finding {
        Finding::new(Severity::Error, code, fields, message.into())
    }

    pub fn warning(code: Code, fields: &[Field], message: impl Into<String>) -> Finding {
        Finding::new(Severity::Warning, code, fields, message.into())
    }

    fn new(severity: Severity, code: Code, fields: &[Field], message: String) -> Finding {
        let mut fields = fields.to_vec();
        fields.sort_unstable();
        fields.dedup();
        Finding {
            severity,
            code,
            fields,
            message,
            keys: Vec::new(),
        }
    }

    /// The same, about a key of the body that is no field (`delivery.foo`).
    pub(crate) fn about_key(mut self, key: impl Into<String>) -> Finding {
        self.keys.push(key.into());
        self
    }

    /// Every name it is about: the fields' API names, then the keys.
    pub fn names(&self) -> Vec<&str> {
        self.fields
            .iter()
            .map(|f| f.api_name())
            .chain(self.keys.iter().map(String::as_str))
            .collect()
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn involves(&self, field: Field) -> bool {
        self.fields.contains(&field)
    }

    /// The contract's JSON shape: `{"severity", "code", "fields", "message"}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "severity": self.severity.as_str(),
            "code": self.code.as_str(),
            "fields": self.names(),
            "message": self.message,
        })
    }
}

/// Whether any finding is an error.
pub fn has_errors(findings: &[Finding]) -> bool {
    findings.iter().any(Finding::is_error)
}
