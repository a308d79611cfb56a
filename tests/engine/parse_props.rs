//! Property tests of everything that reads outside input: Atlas's answers (job, page, error,
//! envelope-shaped bodies), the config file, and the simulator's Digest header parser. They
//! never panic, whatever comes. `scripts/fuzz.sh` runs them with large case counts
//! (`PROPTEST_CASES`); a plain `cargo test` runs a few hundred each.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::atlas::{Page, RestoreJob, StatusError};
use proptest::prelude::*;
use serde_json::Value;

fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(300);
    ProptestConfig {
        cases,
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

/// JSON shaped like Atlas's answers, with every field liable to be of the wrong type.
fn atlas_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(Value::from),
        ".{0,12}".prop_map(Value::from),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        let keys = prop_oneof![
            Just("results"),
            Just("links"),
            Just("totalCount"),
            Just("id"),
            Just("delivery"),
            Just("hashes"),
            Just("statusName"),
            Just("maxDownloads"),
            Just("expires"),
            Just("urlV2"),
            Just("authValue"),
            Just("timestamp"),
            Just("increment"),
            Just("status"),
            Just("content"),
            Just("errorCode"),
            Just("detail"),
            Just("rel"),
            Just("href"),
            Just("fileName"),
            Just("hash"),
        ];
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
            proptest::collection::btree_map(keys.prop_map(str::to_string), inner, 0..8)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn any_json_reads_as_a_job_or_page_or_an_error_without_panicking(v in atlas_json()) {
        let _ = serde_json::from_value::<RestoreJob>(v.clone());
        let _ = serde_json::from_value::<Page<RestoreJob>>(v.clone());
        let text = v.to_string();
        let e = StatusError::from_response(400, None, "application/json", text.as_bytes());
        let message = e.describe();
        prop_assert!(!message.contains('\x1b'), "{:?}", message);
        if let Ok(job) = serde_json::from_value::<RestoreJob>(v) {
            // Presenting what was read never panics either.
            let _ = atlas_restore::jobs::present::download_command(&job);
            let _ = atlas_restore::jobs::present::expires_in(&job, 0);
            let _ = atlas_restore::jobs::present::file_name(&job);
        }
    }

    #[test]
    fn any_bytes_make_an_error_message(status in 100u16..600, ct in ".{0,20}", body in proptest::collection::vec(any::<u8>(), 0..300)) {
        let e = StatusError::from_response(status, None, &ct, &body);
        let m = e.describe();
        prop_assert!(!m.chars().any(|c| c.is_control()), "{:?}", m);
    }

    #[test]
    fn any_config_text_is_read_or_refused_with_a_place(text in "(\\[profiles\\.[a-z]{1,3}\\]\n|[a-z_]{1,16} = (\"[^\"\n]{0,10}\"|[0-9]{1,4}|true)\n|.{0,20}\n){0,8}") {
        match atlas_restore::config::parse(std::path::Path::new("c.toml"), &text) {
            Ok(_) => {}
            Err(e) => prop_assert!(e.to_string().contains("c.toml"), "{}", e),
        }
    }

    /// A header built from parameters is read back exactly, or refused for the reason its
    /// making implies: not Digest, the first repeated parameter, the first missing one.
    #[test]
    fn a_built_header_is_read_back_or_refused_for_the_right_reason(
        scheme in prop_oneof![Just("Digest"), Just("digest"), Just("Basic")],
        params in prop::collection::vec(
            (
                prop_oneof![
                    Just("username"), Just("realm"), Just("nonce"), Just("uri"), Just("response"),
                    Just("qop"), Just("nc"), Just("cnonce"), Just("opaque"), Just("algorithm"), Just("extra")
                ],
                "[a-zA-Z0-9._-]{0,10}",
                any::<bool>(),
            ),
            0..12,
        ),
    ) {
        use atlas_restore::sim::digest::{ParseError, parse_authorization};
        let list: Vec<String> = params
            .iter()
            .map(|(k, v, quoted)| if *quoted || v.is_empty() { format!("{k}=\"{v}\"") } else { format!("{k}={v}") })
            .collect();
        let result = parse_authorization(&format!("{scheme} {}", list.join(", ")));
        if scheme == "Basic" {
            prop_assert_eq!(result, Err(ParseError::NotDigest));
            return Ok(());
        }
        let mut seen: Vec<&str> = Vec::new();
        for (k, _, _) in &params {
            if seen.contains(k) {
                prop_assert_eq!(result, Err(ParseError::Duplicate((*k).to_string())));
                return Ok(());
            }
            seen.push(k);
        }
        for required in ["username", "realm", "nonce", "uri", "response"] {
            if !seen.contains(&required) {
                prop_assert_eq!(result, Err(ParseError::Missing(required)));
                return Ok(());
            }
        }
        let c = result.map_err(|e| TestCaseError::fail(format!("refused a well-formed header: {e}")))?;
        let value = |name: &str| params.iter().find(|(k, _, _)| *k == name).map(|(_, v, _)| v.clone());
        prop_assert_eq!(Some(c.username), value("username"));
        prop_assert_eq!(Some(c.realm), value("realm"));
        prop_assert_eq!(Some(c.nonce), value("nonce"));
        prop_assert_eq!(Some(c.uri), value("uri"));
        prop_assert_eq!(Some(c.response), value("response"));
        prop_assert_eq!(c.qop, value("qop"));
        prop_assert_eq!(c.nc, value("nc"));
        prop_assert_eq!(c.cnonce, value("cnonce"));
        prop_assert_eq!(c.opaque, value("opaque"));
        prop_assert_eq!(c.algorithm, value("algorithm"));
    }

    #[test]
    fn any_string_at_all_for_the_header(h in ".{0,200}") {
        let _ = atlas_restore::sim::digest::parse_authorization(&h);
    }
}
