//! The browser's interface (wasm-bindgen).
//!
//! The module reads no JSON. Typed JSON deserialization (serde_json) brings serde's float error path
//! (`Unexpected::Float`, hence float formatting) and the derived parsers into the module: tens of kilobytes of a
//! module that must stay under 300 KB. So the page parses the collector's JSON itself and hands the module:
//! - canonical encodings as hex, decoded here with every check (SPEC.md §1.1): the manifest (§4.2) and the
//!   election public key with the fingerprint the collector states (`GET /election`), a ballot (§8.2, the
//!   second device's `GET /ballots/{id}`), the voter's answers (§5.1, one per contest);
//! - receipts, signed tree heads and consistency proofs as the objects it parsed, whose fields are read here one
//!   by one ([`Fields`]): hashes, keys and signatures as hex strings; integers as JavaScript numbers that are
//!   whole and below 2^53 (where a number is still exact), or as decimal strings.
//!
//! The module still writes JSON (the ballot to post, the answers to show): serializing strings and integers
//! pulls no float code in. Errors become JavaScript `Error`s with the message of [`ClientError`].

use protocol::ballot::{Ballot, BallotId};
use protocol::fingerprint::Fingerprint;
use protocol::log::{ConsistencyProof, Hash, Receipt, SignedTreeHead};
use rand_core::OsRng;
use wasm_bindgen::prelude::*;

use crate::{parse_credential, tracker, CheckedReceipt, Client, ClientError, PreparedBallot, SecondDeviceCode};

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(js)
}

/// A ballot from its canonical bytes, hex (SPEC.md §8.2), decoded with every check (§1.1).
fn decode_ballot(ballot_hex: &str) -> Result<Ballot, ClientError> {
    let what = "ballot";
    let bytes = hex::decode(ballot_hex.trim()).map_err(|_| protocol::error::DecodeError::InvalidHex { what })?;
    Ok(protocol::Decode::from_bytes(&bytes)?)
}

/// The answers, one hex string per contest (canonical bytes, SPEC.md §5.1; see [`Client::answers_from_canonical`]).
fn decode_answers(client: &Client, answers_hex: &[String]) -> Result<Vec<protocol::encoding::Answer>, ClientError> {
    let bytes = answers_hex
        .iter()
        .map(|h| hex::decode(h.trim()).map_err(|_| ClientError::Answers("an answer is not hexadecimal".into())))
        .collect::<Result<Vec<_>, _>>()?;
    client.answers_from_canonical(&bytes)
}

/// The largest integer a JavaScript number holds exactly: 2^53 − 1 (`Number.MAX_SAFE_INTEGER`).
const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_991.0;

/// Reads the fields of an object that the page parsed from the collector's JSON (collector/API.md). Each reader
/// says, on failure, which field of what is wrong; the values are then checked by the protocol (signatures,
/// proofs), exactly as if they had come as JSON.
struct Fields<'a> {
    obj: &'a JsValue,
    what: &'static str,
}

impl Fields<'_> {
    fn bad(&self, field: &str, expected: &str) -> String {
        format!("{}.{field}: {expected}", self.what)
    }

    fn get(&self, field: &str) -> Result<JsValue, String> {
        if !self.obj.is_object() {
            return Err(format!("the {} is not an object", self.what));
        }
        js_sys::Reflect::get(self.obj, &JsValue::from_str(field)).map_err(|_| self.bad(field, "cannot be read"))
    }

    /// `N` bytes as `2N` hex digits.
    fn hex<const N: usize>(&self, field: &str) -> Result<[u8; N], String> {
        let expected = || self.bad(field, &format!("missing, or not {} hexadecimal digits", 2 * N));
        let text = self.get(field)?.as_string().ok_or_else(expected)?;
        protocol::group::hex_array::<N>(&text, "field").map_err(|_| expected())
    }

    /// A list of 32-byte hashes, each as 64 hex digits.
    fn hashes(&self, field: &str) -> Result<Vec<Hash>, String> {
        let list = self.get(field)?;
        let expected = || self.bad(field, "missing, or not a list of 64-digit hexadecimal hashes");
        if !js_sys::Array::is_array(&list) {
            return Err(expected());
        }
        js_sys::Array::from(&list)
            .iter()
            .map(|h| h.as_string().and_then(|text| protocol::group::hex_array::<32>(&text, "hash").ok()))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(expected)
    }

    /// A `u64`: a whole number from 0 to 2^53 − 1 (beyond, a JavaScript number may no longer be the value sent),
    /// or a string of decimal digits (any `u64`).
    fn u64(&self, field: &str) -> Result<u64, String> {
        let value = self.get(field)?;
        if let Some(text) = value.as_string() {
            let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
            return digits
                .then(|| text.parse::<u64>().ok())
                .flatten()
                .ok_or_else(|| self.bad(field, "not a decimal integer below 2^64"));
        }
        match value.as_f64() {
            Some(x) if (0.0..=MAX_SAFE_INTEGER).contains(&x) && x.trunc() == x => Ok(x as u64),
            _ => {
                Err(self
                    .bad(field, "missing, or not a whole number from 0 to 2^53 − 1 (larger ones as decimal strings)"))
            }
        }
    }
}

/// A receipt (collector/API.md, eq. LG4) from the object the page parsed.
fn read_receipt(obj: &JsValue) -> Result<Receipt, String> {
    let f = Fields { obj, what: "receipt" };
    Ok(Receipt {
        fingerprint: Fingerprint(f.hex("fingerprint")?),
        ballot_id: BallotId(f.hex("ballot_id")?),
        ballot_hash: f.hex("ballot_hash")?,
        accepted_at: f.u64("accepted_at")?,
        leaf_index: f.u64("leaf_index")?,
        tree_size: f.u64("tree_size")?,
        root: f.hex("root")?,
        timestamp: f.u64("timestamp")?,
        signature: f.hex("signature")?,
        inclusion: f.hashes("inclusion")?,
    })
}

/// A signed tree head (`GET /log/sth`, eq. LG3) from the object the page parsed.
fn read_tree_head(obj: &JsValue) -> Result<SignedTreeHead, String> {
    let f = Fields { obj, what: "tree head" };
    Ok(SignedTreeHead {
        fingerprint: Fingerprint(f.hex("fingerprint")?),
        tree_size: f.u64("tree_size")?,
        root: f.hex("root")?,
        timestamp: f.u64("timestamp")?,
        signature: f.hex("signature")?,
    })
}

/// A consistency proof (`GET /log/proof/consistency`, RFC 9162 §2.1.4) from the object the page parsed.
fn read_consistency_proof(obj: &JsValue) -> Result<ConsistencyProof, String> {
    let f = Fields { obj, what: "consistency proof" };
    Ok(ConsistencyProof { first: f.u64("first")?, second: f.u64("second")?, path: f.hashes("path")? })
}

/// One election, ready to encrypt and check ballots.
#[wasm_bindgen(js_name = Client)]
#[derive(Debug)]
pub struct WasmClient {
    inner: Client,
}

#[wasm_bindgen(js_class = Client)]
impl WasmClient {
    /// From `GET /election`'s `manifest_bytes` (the canonical manifest, SPEC.md §4.2), `public_key` and
    /// `fingerprint`, all hex: refused unless both decode and give that fingerprint (§4.4; see
    /// [`Client::from_canonical`]).
    #[wasm_bindgen(constructor)]
    pub fn new(manifest_hex: &str, public_key_hex: &str, fingerprint_hex: &str) -> Result<WasmClient, JsError> {
        Ok(Self { inner: Client::from_canonical(manifest_hex, public_key_hex, fingerprint_hex).map_err(js)? })
    }

    /// The election fingerprint, hex: recomputed here from the manifest and the key.
    pub fn fingerprint(&self) -> String {
        self.inner.election().fingerprint().to_hex()
    }

    /// The manifest the fingerprint covers, as JSON (the page shows this one: its texts and options are those
    /// the ballot encodes).
    pub fn manifest(&self) -> Result<String, JsError> {
        json(self.inner.election().manifest())
    }

    /// The public key of a credential (64 hex digits), or an error if it is malformed.
    pub fn credential_public_key(&self, credential_hex: &str) -> Result<String, JsError> {
        Ok(parse_credential(credential_hex).map_err(js)?.public_key().to_hex())
    }

    /// Encrypts and proves from a fresh seed; nothing is signed until `cast`. `answers_hex`: one answer per
    /// contest, in manifest order, each its canonical bytes (SPEC.md §5.1) in hex, without padding.
    pub fn encrypt(&self, credential_hex: &str, answers_hex: Vec<String>) -> Result<WasmPreparedBallot, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers = decode_answers(&self.inner, &answers_hex).map_err(js)?;
        let prepared = self.inner.encrypt(&credential.public_key(), &answers, &mut OsRng).map_err(js)?;
        Ok(WasmPreparedBallot { inner: prepared })
    }

    /// The second device, before fetching: `{ballot_id, proof}` JSON for the code (`RV2:…`, or a link carrying
    /// it) of this election: the ballot to fetch and the fetch proof (SPEC.md §8.10) that the collector asks for.
    pub fn fetch_request(&self, code: &str) -> Result<String, JsError> {
        let code = SecondDeviceCode::parse(code).map_err(js)?;
        if code.fingerprint != *self.inner.election().fingerprint() {
            return Err(js(ClientError::Ballot(protocol::error::BallotError::WrongElection)));
        }
        let opening = code.opening(self.inner.election());
        let proof = protocol::codes::prove_fetch(&code.fingerprint, &code.ballot_id, &opening, &mut OsRng)
            .ok_or_else(|| JsError::new("this election's ballots have no ciphertext"))?;
        json(&FetchRequest {
            ballot_id: code.ballot_id.to_hex(),
            proof: hex::encode(protocol::Encode::to_bytes(&proof)),
        })
    }

    /// The second device: a ballot fetched by id (`ballot_bytes` of `GET /ballots/{id}`: canonical, hex) and the
    /// code from the QR: the answers, JSON. Refuses a ballot whose id is not the code's, or another election's.
    pub fn open_with_code(&self, ballot_hex: &str, code: &str) -> Result<String, JsError> {
        let ballot = decode_ballot(ballot_hex).map_err(js)?;
        let code = SecondDeviceCode::parse(code).map_err(js)?;
        json(&self.inner.open_cast(&ballot, &code).map_err(js)?)
    }

    /// Another device checking a challenged ballot: the code from the challenge (`RVC2:…`): `{ballot_id,
    /// tracker, answers}` JSON, the tracker to compare with the one the voting page showed.
    pub fn open_challenge_code(&self, code: &str) -> Result<String, JsError> {
        let checked = self.inner.check_challenge(code).map_err(js)?;
        json(&Challenged {
            ballot_id: checked.ballot_id.to_hex(),
            tracker: tracker(&checked.ballot_id),
            answers: checked.answers,
        })
    }

    /// Checks the collector's receipt (the object parsed from its JSON) under the collector key (hex, from
    /// `GET /election`): L6, L2, L5, L3; and, with the ballot (canonical, hex; after casting and on the second
    /// device, not for a saved receipt file), that it is this ballot's receipt. Then check the current log with
    /// the object returned.
    pub fn check_receipt(
        &self,
        collector_key_hex: &str,
        receipt: JsValue,
        ballot_hex: Option<String>,
    ) -> Result<WasmCheckedReceipt, JsError> {
        let receipt = read_receipt(&receipt).map_err(|e| js(ClientError::ReceiptFormat(e)))?;
        let ballot = ballot_hex.as_deref().map(decode_ballot).transpose().map_err(js)?;
        let inner = self.inner.check_receipt(collector_key_hex, receipt, ballot.as_ref()).map_err(js)?;
        Ok(WasmCheckedReceipt { inner })
    }

    /// Milliseconds per ballot to encode, encrypt, prove and sign `answers_hex` (as for `encrypt`), over `n`
    /// ballots (for the browser benchmark).
    pub fn benchmark(&self, credential_hex: &str, answers_hex: Vec<String>, n: u32) -> Result<f64, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers = decode_answers(&self.inner, &answers_hex).map_err(js)?;
        let start = js_sys::Date::now();
        for _ in 0..n {
            self.inner
                .encrypt(&credential.public_key(), &answers, &mut OsRng)
                .map_err(js)?
                .cast(&credential)
                .map_err(js)?;
        }
        Ok((js_sys::Date::now() - start) / f64::from(n.max(1)))
    }
}

/// A QR code of `text` as SVG markup.
#[wasm_bindgen]
pub fn qr_svg(text: &str) -> Result<String, JsError> {
    crate::qr_svg(text).ok_or_else(|| JsError::new("too long for a QR code"))
}

/// What `fetch_request` returns.
#[derive(serde::Serialize)]
struct FetchRequest {
    ballot_id: String,
    proof: String,
}

/// What `open_challenge_code` returns.
#[derive(serde::Serialize)]
struct Challenged {
    ballot_id: String,
    tracker: String,
    answers: Vec<protocol::encoding::Answer>,
}

/// What `cast` returns (a struct rather than `serde_json::json!`, which would pull float formatting into the
/// module).
#[derive(serde::Serialize)]
struct Cast {
    ballot: Ballot,
    /// The ballot's canonical bytes (SPEC.md §8.2), hex: what `check_receipt` takes.
    ballot_hex: String,
    ballot_id: String,
    tracker: String,
    second_device_code: String,
}

/// A ballot encrypted and proven but not signed: call `cast` or `challenge`, once.
#[wasm_bindgen(js_name = PreparedBallot)]
#[derive(Debug)]
pub struct WasmPreparedBallot {
    inner: PreparedBallot,
}

#[wasm_bindgen(js_class = PreparedBallot)]
impl WasmPreparedBallot {
    pub fn tracker(&self) -> String {
        self.inner.tracker()
    }

    pub fn ballot_id(&self) -> String {
        self.inner.id().to_hex()
    }

    /// Benaloh challenge: `{ballot_id, tracker, answers, code}` JSON; the ballot is consumed, never signed.
    pub fn challenge(self, client: &WasmClient) -> Result<String, JsError> {
        json(&self.inner.challenge(&client.inner).map_err(js)?)
    }

    /// Cast: signs with the credential (hex) and returns `{ballot, ballot_hex, ballot_id, tracker,
    /// second_device_code}` JSON; the ballot is consumed.
    pub fn cast(self, credential_hex: &str) -> Result<String, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let (ballot, code) = self.inner.cast(&credential).map_err(js)?;
        let id = ballot.id();
        json(&Cast {
            ballot_hex: hex::encode(protocol::Encode::to_bytes(&ballot)),
            ballot_id: id.to_hex(),
            tracker: tracker(&id),
            second_device_code: code.to_text().to_string(),
            ballot,
        })
    }
}

/// A receipt that passed `Client.check_receipt`. Next: `check_in_log` with the current head and the consistency
/// proof from the receipt's tree size to it.
#[wasm_bindgen(js_name = CheckedReceipt)]
#[derive(Debug)]
pub struct WasmCheckedReceipt {
    inner: CheckedReceipt,
}

#[wasm_bindgen(js_class = CheckedReceipt)]
impl WasmCheckedReceipt {
    /// `sth`: the object of `GET /log/sth`; `proof`: that of `GET /log/proof/consistency?first=R&second=N` (R the
    /// receipt's tree size, N the head's). Checks the head (L1, L6, not smaller than the receipt's tree) and the
    /// proof (L4, for exactly those sizes). The ballot's place in the current log, `{leaf_index,
    /// receipt_tree_size, tree_size, tracker}` JSON.
    pub fn check_in_log(&self, sth: JsValue, proof: JsValue) -> Result<String, JsError> {
        let sth = read_tree_head(&sth).map_err(|e| js(ClientError::LogAnswer(e)))?;
        let proof = read_consistency_proof(&proof).map_err(|e| js(ClientError::LogAnswer(e)))?;
        json(&self.inner.check_in_log(&sth, &proof).map_err(js)?)
    }

    /// An independent mirror's `GET /log/sth` and `GET /log/proof/inclusion?leaf_index=I&tree_size=N` (I the
    /// receipt's leaf, N the mirror head's size): checks the head (L1, L6) and that the mirror's leaf I is this
    /// receipt's ballot (L10). `{leaf_index, tree_size}` JSON; an error says that the collector's view and the
    /// mirror's disagree, or that the mirror has not seen the ballot yet.
    pub fn check_in_mirror(&self, sth: JsValue, proof: JsValue) -> Result<String, JsError> {
        let sth = read_tree_head(&sth).map_err(|e| js(ClientError::LogAnswer(e)))?;
        let f = Fields { obj: &proof, what: "inclusion proof" };
        let read = || -> Result<_, String> { Ok((f.u64("leaf_index")?, f.u64("tree_size")?, f.hashes("path")?)) };
        let (leaf, size, path) = read().map_err(|e| js(ClientError::LogAnswer(e)))?;
        json(&self.inner.check_in_mirror(&sth, leaf, size, &path).map_err(js)?)
    }
}
