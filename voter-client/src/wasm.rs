//! The browser's interface (wasm-bindgen).
//!
//! The module reads no JSON. Typed JSON deserialization (serde_json) brings serde's float error path
//! (`Unexpected::Float`, hence float formatting) and the derived parsers into the module: tens of kilobytes of a
//! module that must stay under 300 KB. So the page hands the module canonical encodings as hex, each decoded here
//! by the protocol's one decoder of its type, with every check (SPEC.md §1.1): the manifest (§4.2) and the
//! election public key with the fingerprint the collector states (`GET /election`), a ballot (§8.2, the second
//! device's `GET /ballots/{id}`), and the `bytes` of receipts, signed tree heads, inclusion and consistency proofs
//! (§11.3.1, LG5–LG8). The voter's choices come as the strings of the page's form ([`WasmClient::answer`]); the
//! module makes the answers' canonical bytes (§5.1) from them, by the protocol's rules.
//!
//! The module still writes JSON (the ballot to post, the answers to show): serializing strings and integers
//! pulls no float code in. Errors become JavaScript `Error`s with the message of [`ClientError`].

use protocol::ballot::Ballot;
use protocol::log::{ConsistencyProof, InclusionProof, Receipt, SignedTreeHead};
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

/// The answers, one hex string per contest of the voter's district (canonical bytes, SPEC.md §5.1; see
/// [`Client::answers_from_canonical`]).
fn decode_answers(
    client: &Client,
    district: Option<u16>,
    answers_hex: &[String],
) -> Result<Vec<protocol::encoding::Answer>, ClientError> {
    let bytes = answers_hex
        .iter()
        .map(|h| hex::decode(h.trim()).map_err(|_| ClientError::Answers("an answer is not hexadecimal".into())))
        .collect::<Result<Vec<_>, _>>()?;
    client.answers_from_canonical(district, &bytes)
}

/// A log object from its canonical bytes, hex (SPEC.md §11.3.1: LG5 a head, LG6 a receipt, LG7 an inclusion
/// proof, LG8 a consistency proof: the `bytes` field of the collector's answers), decoded by the protocol's one
/// strict decoder of its type (§1.1: truncation and trailing bytes refused).
fn decode_log<T: protocol::Decode>(hex_text: &str) -> Result<T, protocol::error::DecodeError> {
    let bytes = protocol::group::hex_vec(hex_text.trim(), T::WHAT)?;
    T::from_bytes(&bytes)
}

/// A head, proof or other log answer (`bytes`, hex) that the log check takes; a malformed one is the log's fault.
fn log_answer<T: protocol::Decode>(hex_text: &str) -> Result<T, JsError> {
    decode_log(hex_text).map_err(|e| js(ClientError::LogAnswer(e.to_string())))
}

/// A `ChoiceError` as a JavaScript `Error` with its message, and `code` (and for `count`, `min` and `max`) for the
/// page to show it in the voter's language.
fn choice_error(e: &crate::ChoiceError) -> JsValue {
    let error = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh Error object cannot fail; the message alone would do if it did.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(k), &v);
    };
    set("code", JsValue::from_str(e.code()));
    if let crate::ChoiceError::Count { min, max, .. } = e {
        set("min", JsValue::from_f64(*min as f64));
        set("max", JsValue::from_f64(*max as f64));
    }
    if let crate::ChoiceError::Ungraded { option } = e {
        set("option", JsValue::from_f64(*option as f64));
    }
    error.into()
}

/// A refused credential text (SPEC.md §8.1) as a JavaScript `Error` with its message and `code`: `length` (with
/// `found` and `expected`), `character` (with `character` and `position`, from 1) or `check`, for the page to say
/// what is wrong in the voter's language.
fn credential_error(e: &protocol::credential::CredentialTextError) -> JsValue {
    use protocol::credential::CredentialTextError as E;
    let error = js_sys::Error::new(&e.to_string());
    let set = |k: &str, v: JsValue| {
        // Setting a property on a fresh Error object cannot fail; the message alone would do if it did.
        let _ = js_sys::Reflect::set(&error, &JsValue::from_str(k), &v);
    };
    match e {
        E::Length { found, expected } => {
            set("code", JsValue::from_str("length"));
            set("found", JsValue::from_f64(*found as f64));
            set("expected", JsValue::from_f64(*expected as f64));
        }
        E::Character { character, position } => {
            set("code", JsValue::from_str("character"));
            set("character", JsValue::from_str(&character.to_string()));
            set("position", JsValue::from_f64(*position as f64));
        }
        E::Check => set("code", JsValue::from_str("check")),
    }
    error.into()
}

/// SPEC.md §8.1: checks a credential as typed (its text form: length, characters, check group) and gives it back
/// in its groups (`XXXX-XXXX-…`), or an `Error` whose `code` says what is wrong (see `credential_error`). The
/// page calls it at "Continue", before any ballot is filled.
#[wasm_bindgen]
pub fn check_credential(text: &str) -> Result<String, JsValue> {
    let credential = protocol::Credential::from_text(text).map_err(|e| credential_error(&e))?;
    Ok(credential.to_text().to_string())
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

    /// The public key of a credential (its text form, SPEC.md §8.1), hex; refused as `check_credential` refuses.
    pub fn credential_public_key(&self, credential: &str) -> Result<String, JsValue> {
        let credential = protocol::Credential::from_text(credential).map_err(|e| credential_error(&e))?;
        Ok(credential.public_key().to_hex())
    }

    /// SPEC.md §8.2: the contests a ballot of `district` holds, as indices into the manifest's contests in
    /// manifest order: every contest when `district` is absent (an election without districts), else the
    /// district's (see [`Client::ballot_contests`]). Refused when the election has districts and none is given,
    /// has none and one is given, or has no such district. The page shows these contests, one screen each.
    pub fn ballot_contests(&self, district: Option<u16>) -> Result<Vec<u32>, JsError> {
        let contests = self.inner.ballot_contests(district).map_err(js)?;
        Ok(contests.into_iter().map(|c| c as u32).collect())
    }

    /// Encrypts and proves from a fresh seed; nothing is signed until `cast`. `district`: the voter's district
    /// (its index in the manifest, as `GET /voters/{credential}` gives it; absent in an election without
    /// districts). `answers_hex`: one answer per contest of `ballot_contests(district)`, in that order, each its
    /// canonical bytes (SPEC.md §5.1) in hex, without padding.
    pub fn encrypt(
        &self,
        credential_hex: &str,
        district: Option<u16>,
        answers_hex: Vec<String>,
    ) -> Result<WasmPreparedBallot, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers = decode_answers(&self.inner, district, &answers_hex).map_err(js)?;
        let prepared = self.inner.encrypt(&credential.public_key(), district, &answers, &mut OsRng).map_err(js)?;
        Ok(WasmPreparedBallot { inner: prepared })
    }

    /// The second device, before fetching: `{ballot_id, proof}` JSON for the code (`RV2:…`, or a link carrying
    /// it) of this election: the ballot to fetch and the fetch proof (SPEC.md §8.10) that the collector asks for.
    pub fn fetch_request(&self, code: &str) -> Result<String, JsError> {
        let code = SecondDeviceCode::parse(code).map_err(js)?;
        if code.fingerprint != *self.inner.election().fingerprint() {
            return Err(js(ClientError::Ballot(protocol::error::BallotError::WrongElection)));
        }
        // The fetch proof needs r₁ alone: the stream's first scalar (eq. (8a)), whatever the ballot's district.
        let opening = code.opening(self.inner.election(), None);
        let proof = protocol::codes::prove_fetch(&code.fingerprint, &code.ballot_id, &opening, &mut OsRng)
            .ok_or_else(|| JsError::new("this election's ballots have no ciphertext"))?;
        json(&FetchRequest {
            ballot_id: code.ballot_id.to_hex(),
            proof: hex::encode(protocol::Encode::to_bytes(&proof)),
        })
    }

    /// The second device: a ballot fetched by id (`ballot_bytes` of `GET /ballots/{id}`: canonical, hex) and the
    /// code from the QR: `{district, contests, answers}` JSON: the ballot's district (its index, `null` without
    /// districts), the contests it holds (manifest indices, as `ballot_contests`) and the answer to each
    /// (`{"Ok": answer}`, or `{"Err": …}` for a ballot that does not decode). Refuses a ballot whose id is not the
    /// code's, or another election's.
    pub fn open_with_code(&self, ballot_hex: &str, code: &str) -> Result<String, JsError> {
        let ballot = decode_ballot(ballot_hex).map_err(js)?;
        let code = SecondDeviceCode::parse(code).map_err(js)?;
        let answers = self.inner.open_cast(&ballot, &code).map_err(js)?;
        let district = ballot.body.district;
        let contests = self.inner.ballot_contests(district).map_err(js)?;
        json(&Opened { district, contests, answers })
    }

    /// Another device checking a challenged ballot: the code from the challenge (`RVC2:…`): `{ballot_id,
    /// tracker, district, contests, answers}` JSON, the tracker to compare with the one the voting page showed,
    /// the district the code names (`null` without districts) and its contests (manifest indices), one answer
    /// each.
    pub fn open_challenge_code(&self, code: &str) -> Result<String, JsError> {
        let checked = self.inner.check_challenge(code).map_err(js)?;
        let contests = self.inner.ballot_contests(checked.district).map_err(js)?;
        json(&Challenged {
            ballot_id: checked.ballot_id.to_hex(),
            tracker: tracker(&checked.ballot_id),
            district: checked.district,
            contests,
            answers: checked.answers,
        })
    }

    /// Checks the collector's receipt under the collector key (hex, from `GET /election`): L6, L2, L5, L3; and,
    /// with the ballot (canonical, hex; after casting and on the second device, not for a saved receipt file),
    /// that it is this ballot's receipt. `receipt_hex`: the receipt's canonical bytes (the `bytes` field of the
    /// collector's receipt, LG6); absent in a receipt file saved before the collector served them, which this
    /// page cannot check (`verifier receipt` can). Then check the current log with the object returned.
    pub fn check_receipt(
        &self,
        collector_key_hex: &str,
        receipt_hex: Option<String>,
        ballot_hex: Option<String>,
    ) -> Result<WasmCheckedReceipt, JsError> {
        let receipt_hex = receipt_hex.ok_or_else(|| {
            js(ClientError::ReceiptFormat(
                "it carries no canonical bytes (`bytes`): not a receipt of this collector, or one saved before it \
                 served them (check that one with `verifier receipt`)"
                    .into(),
            ))
        })?;
        let receipt: Receipt = decode_log(&receipt_hex).map_err(|e| js(ClientError::ReceiptFormat(e.to_string())))?;
        let ballot = ballot_hex.as_deref().map(decode_ballot).transpose().map_err(js)?;
        let inner = self.inner.check_receipt(collector_key_hex, receipt, ballot.as_ref()).map_err(js)?;
        Ok(WasmCheckedReceipt { inner })
    }

    /// The answer to contest number `contest` (0-based) from the voter's choices on its screen: `choices` as the
    /// form has them (an option's index in decimal, `"w"` the write-in, `""` an empty rank of a ranked contest),
    /// `write_in` the write-in's text (see [`Client::answer_from_choices`]). `{answer, bytes}` JSON: the answer
    /// to show, and its canonical bytes (SPEC.md §5.1, hex) for `encrypt`. A refusal is an `Error` whose `code`
    /// names it (`not_a_choice`, `rank_gap`, `ranked_twice`, `write_in_empty`, `ungraded` with `option`, `count`
    /// with `min` and `max`, `invalid`, `no_contest`).
    pub fn answer(&self, contest: usize, choices: Vec<String>, write_in: &str) -> Result<String, JsValue> {
        let answer = self.inner.answer_from_choices(contest, &choices, write_in).map_err(|e| choice_error(&e))?;
        let c = &self.inner.election().manifest().contests[contest];
        let bytes = answer.to_canonical_bytes(c).map_err(|e| JsValue::from(js(e)))?;
        json(&Built { answer, bytes: hex::encode(bytes) }).map_err(JsValue::from)
    }

    /// Milliseconds per ballot to encode, encrypt, prove and sign `answers_hex` for `district` (as for
    /// `encrypt`), over `n` ballots (for the browser benchmark).
    pub fn benchmark(
        &self,
        credential_hex: &str,
        district: Option<u16>,
        answers_hex: Vec<String>,
        n: u32,
    ) -> Result<f64, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers = decode_answers(&self.inner, district, &answers_hex).map_err(js)?;
        let start = js_sys::Date::now();
        for _ in 0..n {
            self.inner
                .encrypt(&credential.public_key(), district, &answers, &mut OsRng)
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

/// What `answer` returns.
#[derive(serde::Serialize)]
struct Built {
    answer: protocol::encoding::Answer,
    bytes: String,
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
    district: Option<u16>,
    contests: Vec<usize>,
    answers: Vec<protocol::encoding::Answer>,
}

/// What `open_with_code` returns.
#[derive(serde::Serialize)]
struct Opened {
    district: Option<u16>,
    contests: Vec<usize>,
    answers: Vec<Result<protocol::encoding::Answer, protocol::encoding::InvalidAnswer>>,
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

    /// Benaloh challenge: `{ballot_id, tracker, district, answers, code}` JSON; the ballot is consumed, never
    /// signed.
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
    /// `sth_hex`: the `bytes` of `GET /log/sth` (LG5); `proof_hex`: those of
    /// `GET /log/proof/consistency?first=R&second=N` (LG8; R the receipt's tree size, N the head's), absent when
    /// the head is smaller than the receipt's tree (there is no such proof; the log was truncated, which this
    /// reports). Checks the head (L1, L6, not smaller than the receipt's tree) and the proof (L4, for exactly
    /// those sizes). The ballot's place in the current log, `{leaf_index, receipt_tree_size, tree_size, tracker}`
    /// JSON.
    pub fn check_in_log(&self, sth_hex: &str, proof_hex: Option<String>) -> Result<String, JsError> {
        let sth: SignedTreeHead = log_answer(sth_hex)?;
        let proof = match proof_hex {
            Some(p) => log_answer(&p)?,
            None => ConsistencyProof { first: self.inner.receipt().tree_size, second: sth.tree_size, path: vec![] },
        };
        json(&self.inner.check_in_log(&sth, &proof).map_err(js)?)
    }

    /// An independent mirror's `GET /log/sth` and `GET /log/proof/inclusion?leaf_index=I&tree_size=N` (their
    /// `bytes`, LG5 and LG7; I the receipt's leaf, N the mirror head's size; the proof absent while the mirror's
    /// head does not reach the leaf): checks the head (L1, L6) and that the mirror's leaf I is this receipt's
    /// ballot (L10). `{leaf_index, tree_size}` JSON; an error says that the collector's view and the mirror's
    /// disagree, or that the mirror has not seen the ballot yet.
    pub fn check_in_mirror(&self, sth_hex: &str, proof_hex: Option<String>) -> Result<String, JsError> {
        let sth: SignedTreeHead = log_answer(sth_hex)?;
        let (leaf, size, path) = match proof_hex {
            Some(p) => {
                let p: InclusionProof = log_answer(&p)?;
                (p.leaf_index, p.tree_size, p.path)
            }
            None => (self.inner.receipt().leaf_index, sth.tree_size, vec![]),
        };
        json(&self.inner.check_in_mirror(&sth, leaf, size, &path).map_err(js)?)
    }
}
