//! What of a job is never written down: the download auth value (and Ops Manager's bearer),
//! which `Delivery` never serialises, and the deprecated `url`, whose path is the download
//! key, likewise. They live in memory only (the poller keeps them, `jobs::poller`); a
//! journal written before `url` was kept out of it still reads, and loses it when read.

use super::types::RestoreJob;

impl RestoreJob {
    /// Drops what is never written down. `true` when it held a `url` (read from an old
    /// journal, which is then written again without it).
    pub(crate) fn drop_unwritten(&mut self) -> bool {
        let Some(d) = self.delivery.as_mut() else {
            return false;
        };
        d.auth_value = None;
        d.auth_bearer = None;
        d.url.take().is_some()
    }

    /// The job as the journal keeps it (`drop_unwritten` on a copy).
    pub(crate) fn as_written(&self) -> RestoreJob {
        let mut job = self.clone();
        job.drop_unwritten();
        job
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_deprecated_url_and_the_auth_value_are_never_written() {
        let job: RestoreJob = serde_json::from_value(serde_json::json!({
            "id": "6b77893b80eef5354c77ee15",
            "delivery": {"url": "https://h/pull/x/KEY/f.tar.gz", "urlV2": "https://h/pull/x/f.tar.gz",
                         "authHeader": "x-auth", "authValue": "s3cr3t", "statusName": "READY"}
        }))
        .unwrap();
        assert!(job.delivery.as_ref().unwrap().url.is_some(), "read, for the download");
        let text = serde_json::to_string(&job).unwrap();
        assert!(!text.contains("KEY") && !text.contains("s3cr3t"), "{text}");
        assert!(text.contains("urlV2") && text.contains("x-auth"), "{text}");
        let mut copy = job.clone();
        assert!(copy.drop_unwritten());
        assert!(!copy.drop_unwritten());
        assert_eq!(copy, job.as_written());
        assert_eq!(copy.delivery.unwrap().auth_value, None);
    }
}
