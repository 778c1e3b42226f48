//! Shared helpers for the codec's integration tests: golden vectors from Apache's Java client
//! (see `tests/reference/`), and seeded round-trip property tests.
#![allow(dead_code, missing_docs)]

use std::path::PathBuf;

use bytes::Bytes;
use kwire_protocol::testing::Arbitrary;
use kwire_protocol::{Message, MessageKind};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

pub fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

pub fn vector(name: &str) -> Option<Bytes> {
    std::fs::read(vectors_dir().join(name))
        .ok()
        .map(Bytes::from)
}

/// The manifest's message entries: (file, api key, version, unstable).
pub fn manifest_entries() -> Vec<(String, i16, i16, bool)> {
    let raw = std::fs::read_to_string(vectors_dir().join("manifest.json")).expect("manifest");
    let v: serde_json::Value = serde_json::from_str(&raw).expect("manifest json");
    v["messages"]
        .as_array()
        .expect("messages")
        .iter()
        .filter(|m| m["apiKey"].is_i64())
        .map(|m| {
            (
                m["file"].as_str().unwrap().to_owned(),
                m["apiKey"].as_i64().unwrap() as i16,
                m["version"].as_i64().unwrap() as i16,
                m["unstable"].as_bool().unwrap_or(false),
            )
        })
        .collect()
}

/// Decodes every golden vector of `M` (plain, `-nulls` and `-unknowntags` variants), checks it
/// re-encodes to the same bytes, and that every stable version Java knows is supported here.
/// Returns the number of files checked.
pub fn golden<M: Message>() -> usize {
    let prefix = match M::KIND {
        MessageKind::Request => "req",
        MessageKind::Response => "resp",
    };
    let mut checked = 0;
    for (file, key, version, unstable) in manifest_entries() {
        if key != M::API_KEY.0 || !file.starts_with(&format!("{prefix}-")) {
            continue;
        }
        if !M::VERSIONS.contains(version) {
            assert!(
                unstable,
                "{file}: stable version {version} not supported (have {})",
                M::VERSIONS
            );
            continue;
        }
        let bytes = vector(&file).unwrap_or_else(|| panic!("missing {file}"));
        let msg =
            M::decode(&bytes, version).unwrap_or_else(|e| panic!("{file}: decode failed: {e}"));
        let again = msg
            .to_bytes(version)
            .unwrap_or_else(|e| panic!("{file}: encode failed: {e}"));
        assert_eq!(
            hex::encode(&again),
            hex::encode(&bytes),
            "{file}: re-encoded bytes differ"
        );
        checked += 1;
    }
    assert!(checked > 0, "no golden vectors for {}", M::API_KEY);
    checked
}

/// For every supported version, `cases` arbitrary messages must survive encode → decode →
/// encode unchanged. proptest prints the failing seed.
pub fn round_trip<M: Message + Arbitrary>(cases: u32) {
    for version in M::VERSIONS.min..=M::VERSIONS.max {
        let mut runner = TestRunner::new(Config {
            cases,
            failure_persistence: None,
            ..Config::default()
        });
        runner
            .run(&any::<u64>(), |seed| {
                let msg = <M as Message>::arbitrary(seed, version);
                let bytes = msg.to_bytes(version).map_err(|e| {
                    TestCaseError::fail(format!("v{version} seed {seed}: encode: {e}"))
                })?;
                let back = M::decode(&bytes, version).map_err(|e| {
                    TestCaseError::fail(format!("v{version} seed {seed}: decode: {e}"))
                })?;
                prop_assert_eq!(&back, &msg, "v{} seed {}", version, seed);
                prop_assert_eq!(back.to_bytes(version).unwrap(), bytes);
                Ok(())
            })
            .unwrap_or_else(|e| panic!("{} v{version}: {e}", std::any::type_name::<M>()));
    }
}

/// Every truncation of every golden vector of `M` must decode to an error, not a panic.
pub fn truncations_fail_cleanly<M: Message>() {
    let prefix = match M::KIND {
        MessageKind::Request => "req",
        MessageKind::Response => "resp",
    };
    for (file, key, version, _) in manifest_entries() {
        if key != M::API_KEY.0
            || !file.starts_with(&format!("{prefix}-"))
            || !M::VERSIONS.contains(version)
        {
            continue;
        }
        let bytes = vector(&file).unwrap();
        for cut in 0..bytes.len() {
            let _ = M::decode(&bytes.slice(..cut), version);
        }
    }
}
