//! The exit codes every command shares, so that a script reads one cause as one code
//! whichever command it ran:
//!
//! | code | cause |
//! |---|---|
//! | 0 | done |
//! | 1 | refused or failed: the rules, Atlas's own "no" (its `errorCode`, keys refused, an address not on the access list, no such cluster), a job FAILED or KILLED, a SHA1 that differs, a check that failed |
//! | 2 | set-up, on this host: the config, the profile, the input, the store; nothing was sent |
//! | 3 | Atlas could not be asked, or its answer was lost or cut (no answer, a proxy's page, 5xx, 429, a malformed answer, a cut download): run the same command again later |
//! | 4 | `--wait` ran out of time, the jobs still tracked |
//!
//! Each command's module names these for its own outcomes (`submit::EXIT_UNKNOWN` is
//! `ATLAS_UNREACHED`: the answer was lost). A drill that Atlas stops, for whatever reason,
//! is 3: its 1 says that the backup failed a test, and a refused key says nothing of that.

use crate::atlas::AtlasError;

pub const OK: i32 = 0;
pub const REFUSED: i32 = 1;
pub const SETUP: i32 = 2;
pub(crate) const ATLAS_UNREACHED: i32 = 3;
pub(crate) const TIMED_OUT: i32 = 4;

/// The exit code of a command that Atlas stopped with `e`.
pub fn for_atlas(e: &AtlasError) -> i32 {
    match e {
        AtlasError::Setup(_) => SETUP,
        AtlasError::Cluster(_) => REFUSED,
        AtlasError::Status(s) if is_transient(s.status) => ATLAS_UNREACHED,
        AtlasError::Status(_) => REFUSED,
        AtlasError::Transport { .. } | AtlasError::BadBody { .. } | AtlasError::OutcomeUnknown { .. } => {
            ATLAS_UNREACHED
        }
    }
}

/// A status that says "not now" rather than "no": asking again later may answer.
fn is_transient(status: u16) -> bool {
    status >= 500 || status == 408 || status == 429
}

/// Of several outcomes, the one a command ends with: a refusal or failure first (something
/// is wrong with what was asked), then a set-up error, then Atlas not answering, then a wait
/// that ran out; 0 only when every one is 0.
pub fn first_that_applies(codes: impl IntoIterator<Item = i32>) -> i32 {
    let codes: Vec<i32> = codes.into_iter().collect();
    [REFUSED, SETUP, ATLAS_UNREACHED, TIMED_OUT]
        .into_iter()
        .find(|c| codes.contains(c))
        .or_else(|| codes.iter().copied().find(|c| *c != OK))
        .unwrap_or(OK)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::atlas::{StatusError, TransportKind};

    fn status(code: u16) -> AtlasError {
        AtlasError::Status(StatusError::from_response(
            code,
            None,
            "text/html",
            b"<html>proxy</html>",
        ))
    }

    #[test]
    fn one_cause_one_code() {
        let unreachable = AtlasError::Transport {
            kind: TransportKind::Refused,
            host: "127.0.0.1".into(),
            detail: String::new(),
        };
        assert_eq!(for_atlas(&unreachable), ATLAS_UNREACHED);
        for code in [500, 502, 503, 504, 429, 408] {
            assert_eq!(for_atlas(&status(code)), ATLAS_UNREACHED, "{code}");
        }
        for code in [400, 401, 403, 404, 409] {
            assert_eq!(for_atlas(&status(code)), REFUSED, "{code}");
        }
        assert_eq!(for_atlas(&AtlasError::Setup("ca file".into())), SETUP);
        assert_eq!(
            for_atlas(&AtlasError::OutcomeUnknown { detail: "cut".into() }),
            ATLAS_UNREACHED
        );
    }

    #[test]
    fn a_refusal_outranks_atlas_not_answering() {
        assert_eq!(first_that_applies([0, 3, 1]), REFUSED);
        assert_eq!(first_that_applies([3, 2]), SETUP);
        assert_eq!(first_that_applies([0, 3]), ATLAS_UNREACHED);
        assert_eq!(first_that_applies([0, 0]), OK);
        assert_eq!(first_that_applies([]), OK);
    }
}
