//! The recorded DigiCert answers, kept with the client's tests in
//! `crates/digicert/tests/fixtures/recorded/` (where each came from is in the README there).
//! Every crate's tests read them through here, so none of them names the path twice.
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The folder of the recordings, inside this repository.
pub fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../digicert/tests/fixtures/recorded")
}

/// A recording's wrapper (`source`, `request`, `response`).
pub fn load(name: &str) -> Value {
    let path = dir().join(name);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read fixture {}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("fixture {name} is not JSON: {e}"))
}

/// A recording's response body exactly as the server sent it: JSON text, or the raw string
/// for non-JSON bodies.
pub fn body_text(name: &str) -> String {
    match &load(name)["response"]["body"] {
        Value::String(text) => text.clone(),
        json => json.to_string(),
    }
}
