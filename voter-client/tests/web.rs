//! The voter client's crypto, compiled to WASM and run in headless Chromium (wasm-bindgen-test):
//! `scripts/test.sh` runs it with wasm-bindgen-test-runner and Debian's chromedriver. The module's interface takes
//! canonical encodings (hex: the `bytes` of the collector's answers) and the strings of the page's form.
#![cfg(target_arch = "wasm32")]
// wasm_bindgen_test functions are tests, but clippy does not know them as such.
#![allow(clippy::unwrap_used)]

use protocol::ballot::Ballot;
use protocol::elgamal::SecretKey;
use protocol::log::{ballot_hash, ballot_leaf_hash, LogTree, ReceiptBody, SignedTreeHead};
use protocol::manifest::{example_manifest, Manifest};
use protocol::{Decode, Encode};
use rand_core::OsRng;
use voter_client::wasm::WasmClient;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

/// A credential in its text form (SPEC.md §8.1): the secret a5bb…1c9c.
const CREDENTIAL: &str = "MPXV-AGDR-JRV2-R6C6-ZMWT-58F8-HS9K-XY2X-Q8ZQ-ZDMV-0JCE-4V0B-3JE0-0RNN";
/// The answers of [`ANSWERS`] as the page hands them over: canonical bytes (SPEC.md §5.1), hex, unpadded.
fn answers_hex() -> Vec<String> {
    // 1 selection: option 2 | 2: options 0, 3 | 2: option 1, the write-in "Zoë" (4 UTF-8 bytes).
    vec!["010002".into(), "0200000003".into(), format!("020001ffff04{}", hex::encode("Zoë"))]
}
const ANSWERS: &str = r#"[{"selections":[{"option":2}]},{"selections":[{"option":0},{"option":3}]},
    {"selections":[{"option":1},{"write_in":"Zoë"}]}]"#;

fn election() -> (Manifest, String, String) {
    let sk = SecretKey::generate(&mut OsRng);
    let manifest = example_manifest();
    let fp = manifest.fingerprint(&sk.public_key()).to_hex();
    (manifest, hex::encode(sk.public_key().to_bytes()), fp)
}

fn client() -> WasmClient {
    let (manifest, pk, fp) = election();
    WasmClient::new(&hex::encode(manifest.to_bytes()), &pk, &fp).unwrap()
}

#[wasm_bindgen_test]
fn the_election_is_decoded_and_its_fingerprint_recomputed() {
    let (manifest, pk, fp) = election();
    let m = hex::encode(manifest.to_bytes());
    let c = WasmClient::new(&m, &pk, &fp).unwrap();
    assert_eq!(c.fingerprint(), fp);
    let shown: Manifest = serde_json::from_str(&c.manifest().unwrap()).unwrap();
    assert_eq!(shown, manifest);
    // Another stated fingerprint, another key, a manifest changed or with a trailing byte, the identity as key.
    let (_, other_pk, other_fp) = election();
    assert!(WasmClient::new(&m, &pk, &other_fp).is_err());
    assert!(WasmClient::new(&m, &other_pk, &fp).is_err());
    let mut changed = manifest.clone();
    changed.roles = protocol::roles::example_roles(changed.mix_stages() + 1);
    assert!(WasmClient::new(&hex::encode(changed.to_bytes()), &pk, &fp).is_err());
    assert!(WasmClient::new(&format!("{m}00"), &pk, &fp).is_err());
    assert!(WasmClient::new(&m, &"00".repeat(32), &fp).is_err());
    assert!(WasmClient::new("zz", &pk, &fp).is_err());
}

#[wasm_bindgen_test]
fn encrypt_challenge_and_open_in_the_browser() {
    let c = client();
    let prepared = c.encrypt(CREDENTIAL, None, answers_hex()).unwrap();
    assert_eq!(prepared.tracker().len(), 19);
    let shown = prepared.tracker();
    let report: serde_json::Value = serde_json::from_str(&prepared.challenge(&c).unwrap()).unwrap();
    let answers: serde_json::Value = serde_json::from_str(ANSWERS).unwrap();
    assert_eq!(report["answers"], answers);
    assert_eq!(report["tracker"], shown.as_str());
    // Another device rebuilds the challenged ballot from the short code: same answers, same tracker.
    let code = report["code"].as_str().unwrap();
    assert!(code.starts_with("RVC2:") && code.len() < 260, "{code}");
    let again: serde_json::Value = serde_json::from_str(&c.open_challenge_code(code).unwrap()).unwrap();
    assert_eq!(again["answers"], answers);
    assert_eq!(again["tracker"], shown.as_str());
    assert!(client().open_challenge_code(code).is_err(), "another election");
}

#[wasm_bindgen_test]
fn cast_and_second_device() {
    let c = client();
    let cast: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, None, answers_hex()).unwrap().cast(CREDENTIAL).unwrap()).unwrap();
    let ballot = cast["ballot_hex"].as_str().unwrap();
    let posted: Ballot = serde_json::from_value(cast["ballot"].clone()).unwrap();
    assert_eq!(Ballot::from_bytes(&hex::decode(ballot).unwrap()).unwrap(), posted);
    let code = cast["second_device_code"].as_str().unwrap();
    // The fetch request: the ballot id and a fetch proof (SPEC.md §8.10) that checks against the cast ballot.
    let request: serde_json::Value = serde_json::from_str(&c.fetch_request(code).unwrap()).unwrap();
    assert_eq!(request["ballot_id"], cast["ballot_id"]);
    let proof =
        protocol::proofs::schnorr::SchnorrProof::from_bytes(&hex::decode(request["proof"].as_str().unwrap()).unwrap())
            .unwrap();
    protocol::codes::check_fetch(&posted.body, &proof).unwrap();
    assert!(client().fetch_request(code).is_err(), "a code of another election");
    let opened: serde_json::Value = serde_json::from_str(&c.open_with_code(ballot, code).unwrap()).unwrap();
    assert_eq!(opened["district"], serde_json::Value::Null);
    assert_eq!(opened["contests"], serde_json::json!([0, 1, 2]));
    assert_eq!(opened["answers"][0]["Ok"]["selections"][0]["option"], 2);
    // Another ballot's code is refused, and so is a ballot cut short.
    let other: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, None, answers_hex()).unwrap().cast(CREDENTIAL).unwrap()).unwrap();
    assert!(c.open_with_code(ballot, other["second_device_code"].as_str().unwrap()).is_err());
    assert!(c.open_with_code(&ballot[..ballot.len() - 2], code).is_err());
}

/// SPEC.md §8.1: the page's check at "Continue": the credential comes back in its groups, or an `Error` whose
/// `code` (and numbers) say what is wrong.
#[wasm_bindgen_test]
fn credentials_are_checked_when_typed() {
    let loose = CREDENTIAL.to_lowercase().replace('-', " ");
    assert_eq!(voter_client::wasm::check_credential(&loose).unwrap(), CREDENTIAL);
    let field = |e: &JsValue, k: &str| js_sys::Reflect::get(e, &JsValue::from_str(k)).unwrap();
    let e = voter_client::wasm::check_credential("a5bb").unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "length");
    assert_eq!(field(&e, "found").as_f64().unwrap(), 4.0);
    assert_eq!(field(&e, "expected").as_f64().unwrap(), 56.0);
    let e = voter_client::wasm::check_credential(&CREDENTIAL.replacen('M', "U", 1)).unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "character");
    assert_eq!(field(&e, "character").as_string().unwrap(), "U");
    assert_eq!(field(&e, "position").as_f64().unwrap(), 1.0);
    let e = voter_client::wasm::check_credential(&CREDENTIAL.replacen('P', "Q", 1)).unwrap_err();
    assert_eq!(field(&e, "code").as_string().unwrap(), "check");
    // The old 64-hex form is refused by its length.
    let e = voter_client::wasm::check_credential("a5bbb541b896362c1986fd39a2a1e88e533ef85dba3f7fb69b0498e26c0b1c9c")
        .unwrap_err();
    assert_eq!(field(&e, "found").as_f64().unwrap(), 64.0);
    assert!(client().credential_public_key(CREDENTIAL).is_ok());
}

#[wasm_bindgen_test]
fn bad_input_is_an_error_not_a_panic() {
    assert!(WasmClient::new("", "", "").is_err());
    let c = client();
    assert!(c.encrypt("zz", None, answers_hex()).is_err());
    assert!(c.encrypt(CREDENTIAL, None, vec![]).is_err());
    // Not hex; option 9 of 4; options out of order; non-zero bytes after the answer; longer than its chunks.
    for bad in ["zz", "010009", "020003000000", "01000201", &"01".repeat(200)] {
        let mut answers = answers_hex();
        answers[1] = bad.into();
        assert!(c.encrypt(CREDENTIAL, None, answers).is_err(), "{bad}");
    }
    assert!(c.open_with_code("00", "RV2:00").is_err());
    assert!(c.open_challenge_code("RVC2:ZZ").is_err());
    assert!(c.fetch_request("RV1:00").is_err());
}

#[wasm_bindgen_test]
fn receipts_and_the_log_are_read_from_their_canonical_bytes_and_checked() {
    let (manifest, pk, fp) = election();
    let c = WasmClient::new(&hex::encode(manifest.to_bytes()), &pk, &fp).unwrap();
    let cast: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, None, answers_hex()).unwrap().cast(CREDENTIAL).unwrap()).unwrap();
    let ballot_hex = cast["ballot_hex"].as_str().unwrap().to_string();
    let ballot = Ballot::from_bytes(&hex::decode(&ballot_hex).unwrap()).unwrap();
    let fingerprint = ballot.body.fingerprint;
    let key = protocol::roles::example_role_secrets(3).collector;
    let key_hex = hex::encode(key.verifying_key().as_bytes());
    // The ballot is leaf 3 of a tree of 5; the log then grows to 9.
    let mut tree = LogTree::new();
    (0..3).for_each(|i| tree.push([i; 32]));
    tree.push(ballot_leaf_hash(&ballot, 1_790_000_000));
    tree.push([50; 32]);
    let body = ReceiptBody {
        fingerprint,
        ballot_id: ballot.id(),
        ballot_hash: ballot_hash(&ballot.to_bytes()),
        accepted_at: 1_790_000_000,
        leaf_index: 3,
        tree_size: 5,
        root: tree.root(5).unwrap(),
        timestamp: 1_790_000_000_123,
    };
    let receipt = body.sign(&key, tree.inclusion_proof(3, 5).unwrap());
    (0..4).for_each(|i| tree.push([60 + i; 32]));
    let sth = SignedTreeHead::sign(&key, fingerprint, 9, tree.root(9).unwrap(), 1_790_000_000_999);
    let proof = protocol::log::ConsistencyProof { first: 5, second: 9, path: tree.consistency_proof(5, 9).unwrap() };

    // What the page hands over: the `bytes` of the collector's answers (SPEC.md §11.3.1, LG5–LG8), hex.
    let h = |v: &dyn Fn() -> Vec<u8>| hex::encode(v());
    let receipt_hex = h(&|| receipt.to_bytes());
    let (sth_hex, proof_hex) = (h(&|| sth.to_bytes()), h(&|| proof.to_bytes()));
    let checked = c.check_receipt(&key_hex, Some(receipt_hex.clone()), Some(ballot_hex.clone())).unwrap();
    let in_log: serde_json::Value =
        serde_json::from_str(&checked.check_in_log(&sth_hex, Some(proof_hex.clone())).unwrap()).unwrap();
    assert_eq!((in_log["leaf_index"].as_u64(), in_log["tree_size"].as_u64()), (Some(3), Some(9)));
    // A saved receipt, without the ballot.
    let saved = c.check_receipt(&key_hex, Some(receipt_hex.clone()), None).unwrap();
    assert!(saved.check_in_log(&sth_hex, Some(proof_hex.clone())).is_ok());

    // Tampered or malformed receipts are refused: a changed signed field, path or signature; bytes cut short,
    // with a byte added, not hex, upper-case hex; none at all (a receipt file saved before the bytes were served).
    let tamper = |change: &dyn Fn(&mut protocol::log::Receipt)| {
        let mut r = receipt.clone();
        change(&mut r);
        Some(hex::encode(r.to_bytes()))
    };
    let bad_receipts = [
        tamper(&|r| r.leaf_index = 4),
        tamper(&|r| r.timestamp += 1),
        tamper(&|r| r.accepted_at += 1),
        tamper(&|r| r.root = [0; 32]),
        tamper(&|r| r.signature[0] ^= 1),
        tamper(&|r| r.inclusion.clear()),
        tamper(&|r| r.inclusion[0][0] ^= 1),
        Some(receipt_hex[..receipt_hex.len() - 2].to_string()),
        Some(format!("{receipt_hex}00")),
        Some("zz".into()),
        Some(receipt_hex.to_uppercase()),
        None,
    ];
    for bad in bad_receipts {
        assert!(c.check_receipt(&key_hex, bad.clone(), None).is_err(), "{bad:?}");
    }
    // Another ballot; another collector key.
    let other: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, None, answers_hex()).unwrap().cast(CREDENTIAL).unwrap()).unwrap();
    let other = other["ballot_hex"].as_str().unwrap().to_string();
    assert!(c.check_receipt(&key_hex, Some(receipt_hex.clone()), Some(other)).is_err());
    let other_key = hex::encode(ed25519_dalek::SigningKey::from_bytes(&[8; 32]).verifying_key().as_bytes());
    assert!(c.check_receipt(&other_key, Some(receipt_hex.clone()), None).is_err());

    // A tampered head, a proof for other sizes or with a changed hash, malformed bytes: refused.
    let mut bad_sth = sth.clone();
    bad_sth.timestamp += 1;
    assert!(checked.check_in_log(&hex::encode(bad_sth.to_bytes()), Some(proof_hex.clone())).is_err());
    let mut bad_proof = proof.clone();
    bad_proof.path[0][0] ^= 1;
    assert!(checked.check_in_log(&sth_hex, Some(hex::encode(bad_proof.to_bytes()))).is_err());
    let wrong_sizes = protocol::log::ConsistencyProof { first: 4, ..proof.clone() };
    assert!(checked.check_in_log(&sth_hex, Some(hex::encode(wrong_sizes.to_bytes()))).is_err());
    assert!(checked.check_in_log(&sth_hex, None).is_err(), "a proof is needed from 5 to 9");
    assert!(checked.check_in_log("", Some(proof_hex.clone())).is_err());
    assert!(checked.check_in_log(&format!("{sth_hex}00"), Some(proof_hex.clone())).is_err());
    assert!(checked.check_in_log(&sth_hex, Some(receipt_hex.clone())).is_err(), "not a consistency proof");
    // A head smaller than the receipt's tree, with no proof: the log was truncated.
    let small = SignedTreeHead::sign(&key, fingerprint, 4, tree.root(4).unwrap(), 1_790_000_001_000);
    let e: js_sys::Error =
        JsValue::from(checked.check_in_log(&hex::encode(small.to_bytes()), None).unwrap_err()).dyn_into().unwrap();
    assert!(String::from(e.message()).contains("truncated"), "{}", String::from(e.message()));

    // A mirror's head and inclusion proof (their `bytes`, LG5 and LG7), L10: this ballot at leaf 3 of the
    // mirror's 9; another leaf's proof is refused, and so is a proof missing while the head has the leaf.
    let inclusion = protocol::log::InclusionProof {
        leaf_index: 3,
        tree_size: 9,
        leaf_hash: *tree.leaf(3).unwrap(),
        path: tree.inclusion_proof(3, 9).unwrap(),
    };
    let seen: serde_json::Value =
        serde_json::from_str(&checked.check_in_mirror(&sth_hex, Some(hex::encode(inclusion.to_bytes()))).unwrap())
            .unwrap();
    assert_eq!((seen["leaf_index"].as_u64(), seen["tree_size"].as_u64()), (Some(3), Some(9)));
    let other_leaf = protocol::log::InclusionProof { path: tree.inclusion_proof(4, 9).unwrap(), ..inclusion.clone() };
    assert!(checked.check_in_mirror(&sth_hex, Some(hex::encode(other_leaf.to_bytes()))).is_err());
    assert!(checked.check_in_mirror(&sth_hex, None).is_err());
    assert!(checked.check_in_mirror(&sth_hex, Some("00".into())).is_err());
}

/// The page's choices become the answers' canonical bytes in the module (SPEC.md §5.1); a refusal is an `Error`
/// with a `code` the page turns into its texts.
#[wasm_bindgen_test]
fn answers_are_built_from_the_pages_choices() {
    let c = client();
    let s = |v: &[&str]| v.iter().map(|x| x.to_string()).collect::<Vec<_>>();
    let built: Vec<serde_json::Value> =
        [(0, s(&["2"]), ""), (1, s(&["3", "0"]), ""), (2, s(&["1", "w", "", ""]), " Zoë ")]
            .into_iter()
            .map(|(i, choices, w)| serde_json::from_str(&c.answer(i, choices, w).unwrap()).unwrap())
            .collect();
    let bytes: Vec<String> = built.iter().map(|b| b["bytes"].as_str().unwrap().to_string()).collect();
    assert_eq!(bytes, answers_hex());
    let answers: serde_json::Value = serde_json::from_str(ANSWERS).unwrap();
    for (i, b) in built.iter().enumerate() {
        assert_eq!(b["answer"], answers[i]);
    }
    assert!(c.encrypt(CREDENTIAL, None, bytes).is_ok());
    let code = |i: usize, v: &[&str], w: &str| {
        let e = c.answer(i, s(v), w).unwrap_err();
        let get = |k: &str| js_sys::Reflect::get(&e, &JsValue::from_str(k)).unwrap();
        (get("code").as_string().unwrap(), get("min").as_f64(), get("max").as_f64())
    };
    assert_eq!(code(0, &[], ""), ("count".into(), Some(1.0), Some(1.0)));
    assert_eq!(code(1, &["0", "1", "2", "3"], ""), ("count".into(), Some(0.0), Some(3.0)));
    assert_eq!(code(2, &["", "1"], "").0, "rank_gap");
    assert_eq!(code(2, &["1", "1"], "").0, "ranked_twice");
    assert_eq!(code(2, &["w"], " ").0, "write_in_empty");
    assert_eq!(code(0, &["x"], "").0, "not_a_choice");
    assert_eq!(code(0, &["7"], "").0, "invalid");
    assert_eq!(code(9, &["0"], "").0, "no_contest");
}

/// The figure for the README: a 3-contest ballot encoded, encrypted, proved and signed (target ≤ 3 ms).
#[wasm_bindgen_test]
fn benchmark_ballot_in_the_browser() {
    let c = client();
    let ms = c.benchmark(CREDENTIAL, None, answers_hex(), 50).unwrap();
    console_log!("BENCH wasm ballot (3 contests, encode+encrypt+prove+sign): {ms:.3} ms per ballot");
    assert!(ms > 0.0);
}

/// An election with districts (SPEC.md §4.1): the page asks which contests the voter's district holds, encrypts
/// for that district, and the challenge code and the second device open the ballot as that district's.
#[wasm_bindgen_test]
fn a_voter_of_a_district_answers_its_contests_only() {
    let sk = SecretKey::generate(&mut OsRng);
    let manifest = protocol::manifest::example_manifest_districts();
    let fp = manifest.fingerprint(&sk.public_key()).to_hex();
    let c = WasmClient::new(&hex::encode(manifest.to_bytes()), &hex::encode(sk.public_key().to_bytes()), &fp).unwrap();
    // north (0): council-north (0) and the referendum (3); south (2): council-south (2) and the referendum.
    assert_eq!(c.ballot_contests(Some(0)).unwrap(), [0, 3]);
    assert_eq!(c.ballot_contests(Some(2)).unwrap(), [2, 3]);
    assert!(c.ballot_contests(None).is_err());
    assert!(c.ballot_contests(Some(3)).is_err());
    let s = |v: &str| vec![v.to_string()];
    let bytes: Vec<String> = [(0, "4"), (3, "1")]
        .into_iter()
        .map(|(i, v)| {
            let built: serde_json::Value = serde_json::from_str(&c.answer(i, s(v), "").unwrap()).unwrap();
            built["bytes"].as_str().unwrap().to_string()
        })
        .collect();
    // Not for no district, not the wrong number of answers.
    assert!(c.encrypt(CREDENTIAL, None, bytes.clone()).is_err());
    assert!(c.encrypt(CREDENTIAL, Some(0), vec![bytes[0].clone()]).is_err());
    let report: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, Some(0), bytes.clone()).unwrap().challenge(&c).unwrap()).unwrap();
    assert_eq!(report["district"], 0);
    let checked: serde_json::Value =
        serde_json::from_str(&c.open_challenge_code(report["code"].as_str().unwrap()).unwrap()).unwrap();
    assert_eq!((&checked["district"], &checked["contests"]), (&serde_json::json!(0), &serde_json::json!([0, 3])));
    assert_eq!(checked["tracker"], report["tracker"]);
    assert_eq!(checked["answers"][0]["selections"][0]["option"], 4);
    let cast: serde_json::Value =
        serde_json::from_str(&c.encrypt(CREDENTIAL, Some(0), bytes).unwrap().cast(CREDENTIAL).unwrap()).unwrap();
    let code = cast["second_device_code"].as_str().unwrap();
    let request: serde_json::Value = serde_json::from_str(&c.fetch_request(code).unwrap()).unwrap();
    let posted: Ballot = serde_json::from_value(cast["ballot"].clone()).unwrap();
    assert_eq!(posted.body.district, Some(0));
    let proof =
        protocol::proofs::schnorr::SchnorrProof::from_bytes(&hex::decode(request["proof"].as_str().unwrap()).unwrap())
            .unwrap();
    protocol::codes::check_fetch(&posted.body, &proof).unwrap();
    let opened: serde_json::Value =
        serde_json::from_str(&c.open_with_code(cast["ballot_hex"].as_str().unwrap(), code).unwrap()).unwrap();
    assert_eq!((&opened["district"], &opened["contests"]), (&serde_json::json!(0), &serde_json::json!([0, 3])));
    assert_eq!(opened["answers"][1]["Ok"]["selections"][0]["option"], 1);
}
