//! Property tests of everything that reads outside input: Atlas's answers (job, page, error,
//! envelope-shaped bodies), the config file, and the simulator's Digest header parser. They
//! never panic, whatever comes. `scripts/fuzz.sh` runs them with large case counts
//! (`PROPTEST_CASES`); a plain `cargo test` runs a few hundred each.

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

    #[test]
    fn any_authorization_header_is_parsed_or_refused(h in "(Digest )?([a-z]{1,8}=(\"[^\"]{0,12}\"|[^, ]{0,8})(, ?)?){0,10}") {
        let _ = atlas_restore::sim::digest::parse_authorization(&h);
    }

    #[test]
    fn any_string_at_all_for_the_header(h in ".{0,200}") {
        let _ = atlas_restore::sim::digest::parse_authorization(&h);
    }
}
