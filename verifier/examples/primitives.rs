//! Prints this machine's primitive costs as JSON (`verifier::primitives`), beside which
//! scripts/verifier-web-bench.sh gives the in-browser verifier's figure; the page measures the same in WASM.
fn main() {
    println!("{}", serde_json::json!(verifier::primitives::measure()));
}
