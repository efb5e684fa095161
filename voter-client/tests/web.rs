//! The voter client's crypto, compiled to WASM and run in headless Chromium (wasm-bindgen-test):
//! `scripts/test.sh` runs it with wasm-bindgen-test-runner and Debian's chromedriver.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are tests, but clippy does not know them as such.
#![allow(clippy::unwrap_used)]

use protocol::ballot::ElectionParameters;
use protocol::elgamal::SecretKey;
use protocol::manifest::example_manifest;
use rand_core::OsRng;
use voter_client::wasm::WasmClient;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

const CREDENTIAL: &str = "a5bbb541b896362c1986fd39a2a1e88e533ef85dba3f7fb69b0498e26c0b1c9c";
const ANSWERS: &str = r#"[{"selections":[{"option":2}]},{"selections":[{"option":0},{"option":3}]},
    {"selections":[{"option":1},{"write_in":"Zoë"}]}]"#;

fn client() -> WasmClient {
    let sk = SecretKey::generate(&mut OsRng);
    let params = ElectionParameters { manifest: example_manifest(), public_key: sk.public_key() };
    WasmClient::new(&serde_json::to_string(&params).unwrap()).unwrap()
}

#[wasm_bindgen_test]
fn encrypt_challenge_and_open_in_the_browser() {
    let c = client();
    let prepared = c.encrypt(CREDENTIAL, ANSWERS).unwrap();
    assert_eq!(prepared.tracker().len(), 19);
    let report: serde_json::Value = serde_json::from_str(&prepared.challenge(&c).unwrap()).unwrap();
    let answers: serde_json::Value = serde_json::from_str(ANSWERS).unwrap();
    let opened: Vec<serde_json::Value> =
        report["answers"].as_array().unwrap().iter().map(|a| a["Ok"].clone()).collect();
    assert_eq!(serde_json::Value::Array(opened), answers);
}

#[wasm_bindgen_test]
fn cast_and_second_device() {
    let c = client();
    let cast: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, ANSWERS).unwrap().cast().unwrap()).unwrap();
    let ballot = cast["ballot"].to_string();
    let code = cast["second_device_code"].as_str().unwrap();
    let answers: serde_json::Value = serde_json::from_str(&c.open_with_code(&ballot, code).unwrap()).unwrap();
    assert_eq!(answers[0]["Ok"]["selections"][0]["option"], 2);
    // Another ballot's code is refused.
    let other: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, ANSWERS).unwrap().cast().unwrap()).unwrap();
    assert!(c.open_with_code(&ballot, other["second_device_code"].as_str().unwrap()).is_err());
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(WasmClient::new("{}").is_err());
    let c = client();
    assert!(c.encrypt("zz", ANSWERS).is_err());
    assert!(c.encrypt(CREDENTIAL, "[]").is_err());
    assert!(c.open_with_code("{}", "rv1:00:00").is_err());
    assert!(c.open_challenge_code("rvc1:zz:00").is_err());
}

/// The figure for the README: a 3-contest ballot encoded, encrypted, proved and signed (target ≤ 3 ms).
#[wasm_bindgen_test]
fn benchmark_ballot_in_the_browser() {
    let c = client();
    let ms = c.benchmark(CREDENTIAL, ANSWERS, 50).unwrap();
    console_log!("BENCH wasm ballot (3 contests, encode+encrypt+prove+sign): {ms:.3} ms per ballot");
    assert!(ms > 0.0);
}
