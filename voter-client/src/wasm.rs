//! The browser's interface (wasm-bindgen). Everything crosses the boundary as JSON or hex text; errors become
//! JavaScript `Error`s with the message of [`ClientError`].

use protocol::ballot::Ballot;
use protocol::encoding::Answer;
use protocol::log::{ConsistencyProof, Receipt, SignedTreeHead};
use rand_core::OsRng;
use wasm_bindgen::prelude::*;

use crate::{parse_credential, tracker, CheckedReceipt, Client, ClientError, PreparedBallot, SecondDeviceCode};

fn js(e: impl std::fmt::Display) -> JsError {
    JsError::new(&e.to_string())
}

fn json<T: serde::Serialize>(v: &T) -> Result<String, JsError> {
    serde_json::to_string(v).map_err(js)
}

/// One election, ready to encrypt and check ballots.
#[wasm_bindgen(js_name = Client)]
#[derive(Debug)]
pub struct WasmClient {
    inner: Client,
}

#[wasm_bindgen(js_class = Client)]
impl WasmClient {
    /// From the election parameters JSON (`{"manifest": …, "public_key": …}`).
    #[wasm_bindgen(constructor)]
    pub fn new(election_json: &str) -> Result<WasmClient, JsError> {
        Ok(Self { inner: Client::new(election_json).map_err(js)? })
    }

    /// The election fingerprint, hex.
    pub fn fingerprint(&self) -> String {
        self.inner.election().fingerprint().to_hex()
    }

    /// The public key of a credential (64 hex digits), or an error if it is malformed.
    pub fn credential_public_key(&self, credential_hex: &str) -> Result<String, JsError> {
        Ok(parse_credential(credential_hex).map_err(js)?.public_key().to_hex())
    }

    /// Encrypts, proves and signs. `answers_json` is a list of answers, one per contest, in manifest order.
    pub fn encrypt(&self, credential_hex: &str, answers_json: &str) -> Result<WasmPreparedBallot, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers: Vec<Answer> =
            serde_json::from_str(answers_json).map_err(|e| js(ClientError::Answers(e.to_string())))?;
        Ok(WasmPreparedBallot { inner: self.inner.encrypt(&credential, &answers, &mut OsRng).map_err(js)? })
    }

    /// The second device: a ballot fetched by id (JSON) and the code from the QR: the answers, JSON. Refuses
    /// a ballot whose id is not the code's.
    pub fn open_with_code(&self, ballot_json: &str, code: &str) -> Result<String, JsError> {
        let ballot: Ballot = serde_json::from_str(ballot_json).map_err(js)?;
        let code = SecondDeviceCode::parse(code).map_err(js)?;
        if ballot.id() != code.ballot_id {
            return Err(JsError::new("the ballot fetched is not the ballot of this code"));
        }
        json(&self.inner.open(&ballot.body, &code.opening).map_err(js)?)
    }

    /// Another device checking a challenged ballot: the code from the challenge (`rvc1:…`): the answers, JSON.
    pub fn open_challenge_code(&self, code: &str) -> Result<String, JsError> {
        let (ballot, opening) = crate::parse_challenge_code(code).map_err(js)?;
        json(&self.inner.open(&ballot.body, &opening).map_err(js)?)
    }

    /// Checks the collector's receipt (JSON) under the collector key (hex, from `GET /election`): L6, L2, L5, L3;
    /// and, with the ballot (JSON; after casting and on the second device, not for a saved receipt file), that it
    /// is this ballot's receipt. Then check the current log with the object returned.
    pub fn check_receipt(
        &self,
        collector_key_hex: &str,
        receipt_json: &str,
        ballot_json: Option<String>,
    ) -> Result<WasmCheckedReceipt, JsError> {
        let receipt: Receipt =
            serde_json::from_str(receipt_json).map_err(|e| js(ClientError::ReceiptFormat(e.to_string())))?;
        let ballot: Option<Ballot> = match ballot_json {
            Some(b) => Some(serde_json::from_str(&b).map_err(js)?),
            None => None,
        };
        let inner = self.inner.check_receipt(collector_key_hex, receipt, ballot.as_ref()).map_err(js)?;
        Ok(WasmCheckedReceipt { inner })
    }

    /// Milliseconds per ballot to encode, encrypt, prove and sign `answers_json`, over `n` ballots (for the
    /// browser benchmark).
    pub fn benchmark(&self, credential_hex: &str, answers_json: &str, n: u32) -> Result<f64, JsError> {
        let credential = parse_credential(credential_hex).map_err(js)?;
        let answers: Vec<Answer> = serde_json::from_str(answers_json).map_err(js)?;
        let start = js_sys::Date::now();
        for _ in 0..n {
            self.inner.encrypt(&credential, &answers, &mut OsRng).map_err(js)?;
        }
        Ok((js_sys::Date::now() - start) / f64::from(n.max(1)))
    }
}

/// A QR code of `text` as SVG markup.
#[wasm_bindgen]
pub fn qr_svg(text: &str) -> Result<String, JsError> {
    crate::qr_svg(text).ok_or_else(|| JsError::new("too long for a QR code"))
}

/// What `cast` returns (a struct rather than `serde_json::json!`, which would pull float formatting into the
/// module).
#[derive(serde::Serialize)]
struct Cast {
    ballot: Ballot,
    ballot_id: String,
    tracker: String,
    second_device_code: String,
}

/// A ballot encrypted and signed but not yet cast: call `cast` or `challenge`, once.
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

    /// Benaloh challenge: `{ballot, ballot_id, opening, answers}` JSON; the ballot is consumed.
    pub fn challenge(self, client: &WasmClient) -> Result<String, JsError> {
        json(&self.inner.challenge(&client.inner).map_err(js)?)
    }

    /// Cast: `{ballot, ballot_id, tracker, second_device_code}` JSON; the ballot is consumed.
    pub fn cast(self) -> Result<String, JsError> {
        let (ballot, code) = self.inner.cast();
        let id = ballot.id();
        json(&Cast {
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

/// What `check_in_log` reads: the answers of `GET /log/sth` and `GET /log/proof/consistency`.
#[derive(serde::Deserialize)]
struct LogAnswers {
    sth: SignedTreeHead,
    proof: ConsistencyProof,
}

#[wasm_bindgen(js_class = CheckedReceipt)]
impl WasmCheckedReceipt {
    /// `{"sth": <GET /log/sth>, "proof": <GET /log/proof/consistency?first=R&second=N>}` (R the receipt's tree
    /// size, N the head's): checks the head (L1, L6, not smaller than the receipt's tree) and the proof (L4,
    /// for exactly those sizes). The ballot's place in the current log, `{leaf_index, receipt_tree_size,
    /// tree_size, tracker}` JSON.
    pub fn check_in_log(&self, log_json: &str) -> Result<String, JsError> {
        let log: LogAnswers = serde_json::from_str(log_json).map_err(|e| js(ClientError::LogAnswer(e.to_string())))?;
        json(&self.inner.check_in_log(&log.sth, &log.proof).map_err(js)?)
    }
}
