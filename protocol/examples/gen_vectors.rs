//! Writes the known-answer vectors to `protocol/vectors/` (see `tests/vectors.rs`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use test_support::kat;

fn main() {
    let dir = format!("{}/vectors", env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&dir).unwrap();
    for (name, value) in kat::all() {
        let path = format!("{dir}/{name}");
        std::fs::write(&path, serde_json::to_string_pretty(&value).unwrap() + "\n").unwrap();
        println!("wrote {path}");
    }
}
