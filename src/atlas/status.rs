//! A job's and a delivery's status as types. Atlas adds values over time and documents fewer
//! than it sends, so an unknown one is kept, sanitised, as `Other` rather than refused.

use crate::text::Clean;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// `statusName` of a restore job.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum JobStatus {
    InProgress,
    Finished,
    Broken,
    Killed,
    Failed,
    Other(Clean),
}

/// `delivery.statusName`: where the restore's file stands.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    NotStarted,
    InProgress,
    Ready,
    Failed,
    Interrupted,
    Expired,
    MaxDownloadsExceeded,
    Other(Clean),
}

impl JobStatus {
    pub(crate) fn from_api(s: &str) -> JobStatus {
        match s {
            "IN_PROGRESS" => JobStatus::InProgress,
            "FINISHED" => JobStatus::Finished,
            "BROKEN" => JobStatus::Broken,
            "KILLED" => JobStatus::Killed,
            "FAILED" => JobStatus::Failed,
            other => JobStatus::Other(Clean::new(other)),
        }
    }

    pub fn as_api(&self) -> &str {
        match self {
            JobStatus::InProgress => "IN_PROGRESS",
            JobStatus::Finished => "FINISHED",
            JobStatus::Broken => "BROKEN",
            JobStatus::Killed => "KILLED",
            JobStatus::Failed => "FAILED",
            JobStatus::Other(s) => s,
        }
    }

    /// It can change no more.
    pub(crate) fn is_final(&self) -> bool {
        matches!(
            self,
            JobStatus::Finished | JobStatus::Broken | JobStatus::Killed | JobStatus::Failed
        )
    }

    /// It ended without a restore.
    pub(crate) fn is_failure(&self) -> bool {
        matches!(self, JobStatus::Broken | JobStatus::Killed | JobStatus::Failed)
    }
}

impl DeliveryStatus {
    pub(crate) fn from_api(s: &str) -> DeliveryStatus {
        match s {
            "NOT_STARTED" => DeliveryStatus::NotStarted,
            "IN_PROGRESS" => DeliveryStatus::InProgress,
            "READY" => DeliveryStatus::Ready,
            "FAILED" => DeliveryStatus::Failed,
            "INTERRUPTED" => DeliveryStatus::Interrupted,
            "EXPIRED" => DeliveryStatus::Expired,
            "MAX_DOWNLOADS_EXCEEDED" => DeliveryStatus::MaxDownloadsExceeded,
            other => DeliveryStatus::Other(Clean::new(other)),
        }
    }

    pub fn as_api(&self) -> &str {
        match self {
            DeliveryStatus::NotStarted => "NOT_STARTED",
            DeliveryStatus::InProgress => "IN_PROGRESS",
            DeliveryStatus::Ready => "READY",
            DeliveryStatus::Failed => "FAILED",
            DeliveryStatus::Interrupted => "INTERRUPTED",
            DeliveryStatus::Expired => "EXPIRED",
            DeliveryStatus::MaxDownloadsExceeded => "MAX_DOWNLOADS_EXCEEDED",
            DeliveryStatus::Other(s) => s,
        }
    }

    /// The file can no longer be fetched.
    pub fn is_gone(&self) -> bool {
        matches!(
            self,
            DeliveryStatus::Expired
                | DeliveryStatus::MaxDownloadsExceeded
                | DeliveryStatus::Failed
                | DeliveryStatus::Interrupted
        )
    }
}

macro_rules! text_serde {
    ($t:ty) => {
        impl Serialize for $t {
            fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_api())
            }
        }

        impl<'de> Deserialize<'de> for $t {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<$t, D::Error> {
                let raw = std::borrow::Cow::<str>::deserialize(d)?;
                Ok(<$t>::from_api(&raw))
            }
        }

        impl std::fmt::Display for $t {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_api())
            }
        }

        impl From<&str> for $t {
            fn from(s: &str) -> $t {
                <$t>::from_api(s)
            }
        }
    };
}

text_serde!(JobStatus);
text_serde!(DeliveryStatus);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_values_are_kept_clean_and_known_ones_round_trip() {
        let s: JobStatus = serde_json::from_str("\"SOMETHING_NEW\\u001b[2J\"").unwrap();
        assert_eq!(s, JobStatus::Other(Clean::new("SOMETHING_NEW")));
        assert_eq!(s.as_api(), "SOMETHING_NEW");
        for v in [
            "NOT_STARTED",
            "IN_PROGRESS",
            "READY",
            "FAILED",
            "INTERRUPTED",
            "EXPIRED",
            "MAX_DOWNLOADS_EXCEEDED",
        ] {
            let d = DeliveryStatus::from_api(v);
            assert!(!matches!(d, DeliveryStatus::Other(_)), "{v}");
            assert_eq!(serde_json::to_string(&d).unwrap(), format!("\"{v}\""));
        }
        assert!(DeliveryStatus::Expired.is_gone() && !DeliveryStatus::Ready.is_gone());
        assert!(JobStatus::Broken.is_final() && !JobStatus::InProgress.is_final());
    }
}
