//! The browser's interface (wasm-bindgen). Everything crosses the boundary as JSON or hex text; errors become
//! JavaScript `Error`s with the message of [`ClientError`].

use protocol::ballot::{Ballot, BallotOpening};
use protocol::encoding::Answer;
use protocol::log::{ConsistencyProof, Receipt, SignedTreeHead};
use rand_core::OsRng;
use wasm_bindgen::prelude::*;
use zeroize::Zeroizing;

use crate::{
    parse_credential, tracker, CheckedReceipt, Client, ClientError, PreparedBallot, ReceiptFile, SecondDeviceCode,
};

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

    /// The manifest, JSON.
    pub fn manifest(&self) -> Result<String, JsError> {
        json(self.inner.election().manifest())
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

    /// Opens a ballot (JSON) with an opening (hex): the answers, JSON.
    pub fn open(&self, ballot_json: &str, opening_hex: &str) -> Result<String, JsError> {
        let ballot: Ballot = serde_json::from_str(ballot_json).map_err(js)?;
        let bytes = Zeroizing::new(hex::decode(opening_hex.trim()).map_err(js)?);
        let opening = BallotOpening::from_bytes(&bytes).map_err(js)?;
        json(&self.inner.open(&ballot.body, &opening).map_err(js)?)
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

    /// After casting (and on the second device): checks the collector's receipt (JSON) for the ballot (JSON) under
    /// the collector key (hex, from `GET /election`): L6, L2, L5, L3 and that it is this ballot's receipt. Then
    /// check the current log with the object returned.
    pub fn check_receipt(
        &self,
        collector_key_hex: &str,
        receipt_json: &str,
        ballot_json: &str,
    ) -> Result<WasmCheckedReceipt, JsError> {
        let receipt: Receipt =
            serde_json::from_str(receipt_json).map_err(|e| js(ClientError::ReceiptFormat(e.to_string())))?;
        let ballot: Ballot = serde_json::from_str(ballot_json).map_err(js)?;
        let inner = self.inner.check_receipt(collector_key_hex, receipt, Some(&ballot)).map_err(js)?;
        Ok(WasmCheckedReceipt { inner, head: None })
    }

    /// A saved receipt file (the voting page's download): its tracker and id are the receipt's, and the receipt
    /// passes L6, L2, L5, L3 under the collector key (hex). Then check the current log with the object returned.
    pub fn check_receipt_file(&self, collector_key_hex: &str, file_text: &str) -> Result<WasmCheckedReceipt, JsError> {
        let file = ReceiptFile::parse(file_text).map_err(js)?;
        let inner = self.inner.check_receipt(collector_key_hex, file.receipt, None).map_err(js)?;
        Ok(WasmCheckedReceipt { inner, head: None })
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

/// A receipt that passed `Client.check_receipt` or `Client.check_receipt_file`. Next: `consistency_query` with the
/// current head (`GET /log/sth`), then `check_consistency` with the proof fetched from the path it returns.
#[wasm_bindgen(js_name = CheckedReceipt)]
#[derive(Debug)]
pub struct WasmCheckedReceipt {
    inner: CheckedReceipt,
    /// The head checked by `consistency_query`, which `check_consistency` links the receipt to.
    head: Option<SignedTreeHead>,
}

#[wasm_bindgen(js_class = CheckedReceipt)]
impl WasmCheckedReceipt {
    /// The ballot's leaf index in the log, from the checked receipt.
    pub fn leaf_index(&self) -> String {
        self.inner.receipt().leaf_index.to_string()
    }

    /// Checks the current signed tree head (JSON of `GET /log/sth`; L1, L6, not smaller than the receipt's tree)
    /// and keeps it: the path of the consistency proof to fetch next (`log/proof/consistency?first=M&second=N`).
    pub fn consistency_query(&mut self, sth_json: &str) -> Result<String, JsError> {
        let sth: SignedTreeHead =
            serde_json::from_str(sth_json).map_err(|e| js(ClientError::LogAnswer(e.to_string())))?;
        let query = self.inner.consistency_query(&sth).map_err(js)?;
        self.head = Some(sth);
        Ok(query)
    }

    /// Checks the consistency proof (JSON) from the receipt's tree to the head kept by `consistency_query` (L4):
    /// `{leaf_index, receipt_tree_size, tree_size, tracker}` JSON, the ballot's place in the current log.
    pub fn check_consistency(&self, proof_json: &str) -> Result<String, JsError> {
        let head =
            self.head.as_ref().ok_or_else(|| JsError::new("no tree head was checked: call consistency_query first"))?;
        let proof: ConsistencyProof =
            serde_json::from_str(proof_json).map_err(|e| js(ClientError::LogAnswer(e.to_string())))?;
        json(&self.inner.check_in_log(head, &proof).map_err(js)?)
    }
}
