//! The simulator's Digest arithmetic against the RFC 2617 / RFC 7616 vectors in
//! `../shared/atlas/digest-vectors.json`, read in place. Built only with
//! `--features shared-fixtures`, which `.ci/run` turns on where `../shared` exists.
// Test code: a failed unwrap is the test failing, with its message.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use atlas_restore::sim::digest::{self, Algorithm, DigestInput};
use serde_json::Value;
use std::path::PathBuf;

fn vectors() -> Vec<Value> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/atlas/digest-vectors.json");
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e}: run with ../shared beside the project", path.display()));
    let doc: Value = serde_json::from_str(&text).unwrap();
    doc["vectors"].as_array().unwrap().clone()
}

fn s<'a>(v: &'a Value, key: &str) -> &'a str {
    v[key].as_str().unwrap_or_else(|| panic!("{key} missing in {v}"))
}

#[test]
fn every_vector_is_reproduced() {
    let vectors = vectors();
    assert!(vectors.len() >= 3, "the file holds the MD5 and SHA-256 vectors");
    for v in &vectors {
        let id = s(v, "id");
        let algorithm =
            Algorithm::from_param(Some(s(v, "algorithm"))).unwrap_or_else(|| panic!("{id}: unknown algorithm"));
        let (user, realm, pass) = (s(v, "username"), s(v, "realm"), s(v, "password"));
        let (method, uri) = (s(v, "method"), s(v, "uri"));
        assert_eq!(
            digest::ha1(algorithm, user, realm, pass),
            s(&v["computed"], "HA1"),
            "{id}: HA1"
        );
        assert_eq!(
            digest::ha2(algorithm, method, uri),
            s(&v["computed"], "HA2"),
            "{id}: HA2"
        );
        let response = digest::response(&DigestInput {
            algorithm,
            username: user,
            realm,
            password: pass,
            method,
            uri,
            nonce: s(v, "nonce"),
            nc: s(v, "nc"),
            cnonce: s(v, "cnonce"),
            qop: Some(s(v, "qop")),
        });
        assert_eq!(response, s(v, "expected_response"), "{id}");
    }
}

#[test]
fn the_documented_atlas_challenge_names_the_same_realm() {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/atlas/digest-vectors.json");
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let documented = doc["atlas_notes"]["challenge_as_documented"].as_str().unwrap();
    let ours = digest::challenge("{nonce}", false);
    // Atlas's docs print `op="auth"`, a typo for qop; everything else reads the same.
    assert_eq!(ours.replace("qop=", "op="), documented);
}
