//! Helpers shared by the test binaries (each uses some of them).
#![allow(dead_code)]

use serde_json::Value as Json;
use std::path::PathBuf;
use zhunru::num::Dec;

/// A fresh, empty directory under the system temp dir, unique to this test process.
pub fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("zhunru-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch dir");
    dir
}

/// Equal JSON, numbers compared by exact value (`4.0` = `4`, `50` = `50.0`).
pub fn same_json(a: &Json, b: &Json) -> bool {
    match (a, b) {
        (Json::Number(x), Json::Number(y)) => Dec::parse(&x.to_string()).ok() == Dec::parse(&y.to_string()).ok(),
        (Json::Object(x), Json::Object(y)) => x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_json(v, w))),
        (Json::Array(x), Json::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_json(v, w)),
        _ => a == b,
    }
}
