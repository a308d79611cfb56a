//! What work on the jobs could not do, by whose fault: Atlas (the network, the keys, its
//! answers) or the store on this host (a full disk, a locked or damaged file). They are
//! told and retried differently: a full disk is not backed off like a network error.

use super::store::StoreError;
use crate::atlas::AtlasError;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum JobsError {
    #[error(transparent)]
    Atlas(#[from] AtlasError),
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The store's worker could not run the work (it is gone).
    #[error("the job store's worker stopped: {0}; restart atlas-restore")]
    Worker(String),
}

impl JobsError {
    /// When Atlas asked to be left alone for a while (429, 503 with `Retry-After`).
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            JobsError::Atlas(e) => e.retry_after(),
            JobsError::Store(_) | JobsError::Worker(_) => None,
        }
    }

    /// The fault is this host's, not Atlas's: retrying soon does not load Atlas.
    pub(crate) fn is_local(&self) -> bool {
        !matches!(self, JobsError::Atlas(_))
    }
}
