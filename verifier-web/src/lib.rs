//! `verifier-web`: `verifier verify` in the observer's browser. The page (`web/`) hands the record's files, by
//! path, to a Web Worker, which gives them to this module; the module runs the verifier library's V1–V13 on them
//! (the same code as the command-line tool, built without its HTTP and threads) and answers the same report as
//! `verifier verify --json`, calling the page back with each check as it is reported.
//!
//! [`GivenRecord`] is the whole logic and is tested natively (`tests/given.rs`); the `wasm` module only converts
//! to and from JavaScript.

use std::collections::BTreeMap;

use verifier::files::RecordSource;
use verifier::report::CheckResult;
use verifier::verify::parts::Helper;
use verifier::verify::{parse_fingerprint, Run};

/// The largest record the page verifies (2 GiB in all): a WASM module addresses 4 GiB, and the verifier needs room
/// beside the files.
pub const MAX_RECORD_BYTES: usize = 2 << 30;

/// A record's files as a browser gives them: each file's path in the record (`/`-separated, as in `index.json`)
/// and its bytes.
#[derive(Debug, Default)]
pub struct GivenRecord {
    name: String,
    files: BTreeMap<String, Vec<u8>>,
    total: usize,
}

impl GivenRecord {
    /// An empty record; `name` says where the files come from (a folder's name, an address), in the report.
    pub fn new(name: &str) -> Self {
        Self { name: name.to_string(), ..Self::default() }
    }

    /// Adds the file at `path`. A path given twice, or a record over [`MAX_RECORD_BYTES`], is refused.
    pub fn add(&mut self, path: &str, bytes: Vec<u8>) -> Result<(), String> {
        if self.files.contains_key(path) {
            return Err(format!("{path}: given twice; give each file of the record once"));
        }
        let total = self.total.saturating_add(bytes.len());
        if total > MAX_RECORD_BYTES {
            return Err(format!(
                "{path}: the record's files come to more than {} MiB, more than this page can verify; run `verifier \
                 verify` on a computer instead",
                MAX_RECORD_BYTES >> 20
            ));
        }
        self.total = total;
        self.files.insert(path.to_string(), bytes);
        Ok(())
    }

    /// The number of files given so far.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// No file given yet.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Runs V1–V13 on the files, with the fingerprint the observer pinned (`""`: none; otherwise 64 hex digits,
    /// spaces around and capitals allowed), calling `on_check` with each check as it is reported. Returns the
    /// report as `verifier verify --json` prints it, or why the fingerprint is not one.
    pub fn verify(
        self,
        fingerprint: &str,
        on_check: impl FnMut(&CheckResult) + Send + 'static,
    ) -> Result<serde_json::Value, String> {
        Ok(self.start(fingerprint, on_check)?.finish().to_json())
    }

    /// The verification of these files, not yet run: the coordinator runs it a few checks at a time
    /// ([`Run::run_to`]), handing it the parts its helpers verified beforehand ([`Run::verified`]).
    pub fn start(self, fingerprint: &str, on_check: impl FnMut(&CheckResult) + Send + 'static) -> Result<Run, String> {
        let typed = fingerprint.trim().to_ascii_lowercase();
        let pinned = if typed.is_empty() { None } else { Some(parse_fingerprint(&typed)?) };
        let source = RecordSource::Given { name: self.name, files: self.files };
        Ok(Run::new(source, pinned.as_ref(), on_check))
    }

    /// A helper over these files (see [`Helper`]), or why there is nothing to share (the coordinator's V1 or V2
    /// then reports what is wrong).
    pub fn helper(self) -> Result<Helper, String> {
        Helper::new(self.files)
    }
}

/// The JavaScript side: `new Record(name)`, `record.add(path, bytes)`, `record.verify(fingerprint, onCheck)`.
#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

    use super::GivenRecord;
    use verifier::verify::Run;

    thread_local! {
        /// The page's function called with each check: the report's callback must be `Send`, a JavaScript
        /// function is not, and the module runs on one thread (the worker's).
        static ON_CHECK: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    }

    /// A record's files, given one by one, then verified once.
    #[wasm_bindgen]
    #[derive(Debug)]
    pub struct Record(GivenRecord);

    #[wasm_bindgen]
    impl Record {
        /// An empty record; `name` (a folder's name, an address) names it in the report.
        #[wasm_bindgen(constructor)]
        pub fn new(name: &str) -> Record {
            Record(GivenRecord::new(name))
        }

        /// Adds the file at `path` (as `index.json` lists it) with its bytes.
        pub fn add(&mut self, path: &str, bytes: Vec<u8>) -> Result<(), JsError> {
            self.0.add(path, bytes).map_err(|e| JsError::new(&e))
        }

        /// The number of files given.
        #[wasm_bindgen(getter)]
        pub fn files(&self) -> usize {
            self.0.len()
        }

        /// Verifies the record (V1–V13) with the pinned fingerprint (`""`: none), calling `on_check` with each
        /// check's result as JSON text; returns the report as JSON text (`verifier verify --json`).
        pub fn verify(self, fingerprint: &str, on_check: js_sys::Function) -> Result<String, JsError> {
            Ok(self.start(fingerprint, on_check)?.finish())
        }

        /// The verification of the record, not yet run (the coordinator's side, with helpers).
        pub fn start(self, fingerprint: &str, on_check: js_sys::Function) -> Result<Verification, JsError> {
            ON_CHECK.with(|f| *f.borrow_mut() = Some(on_check));
            let run = self.0.start(fingerprint, |c| {
                let text = serde_json::to_string(c).unwrap_or_default();
                ON_CHECK.with(|f| {
                    if let Some(f) = f.borrow().as_ref() {
                        let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&text));
                    }
                });
            });
            Ok(Verification(Some(run.map_err(|e| JsError::new(&e))?)))
        }

        /// A helper over the record's files (a helper worker's side).
        pub fn helper(self) -> Result<Helper, JsError> {
            self.0.helper().map(Helper).map_err(|e| JsError::new(&e))
        }
    }

    /// `verifier verify` run a few checks at a time: `run_to(5)`, then the helpers' ballots (`know`),
    /// `run_to(9)`, their stages, `run_to(10)`, their decryptions, `finish()`.
    #[wasm_bindgen]
    #[derive(Debug)]
    pub struct Verification(Option<Run>);

    #[wasm_bindgen]
    impl Verification {
        /// Runs the checks not yet run up to V`last`.
        pub fn run_to(&mut self, last: usize) {
            if let Some(run) = self.0.as_mut() {
                run.run_to(last);
            }
        }

        /// A part a helper verified: its digest (64 hex digits) and note. A digest that is not one is ignored:
        /// the part is then verified here.
        pub fn know(&mut self, digest: &str, note: String) {
            let mut key = [0u8; 32];
            if let (Some(run), Ok(())) = (self.0.as_mut(), hex::decode_to_slice(digest, &mut key)) {
                run.verified().insert(key, note);
            }
        }

        /// Runs the checks left and returns the report as JSON text (`verifier verify --json`).
        pub fn finish(&mut self) -> String {
            let report = self.0.take().map(|run| run.finish().to_json()).unwrap_or_default();
            ON_CHECK.with(|f| *f.borrow_mut() = None);
            format!("{report:#}")
        }
    }

    /// This machine's primitive costs in WASM, as JSON (`verifier::primitives`): the figure's companion.
    #[wasm_bindgen]
    pub fn primitive_costs() -> String {
        serde_json::to_string(&verifier::primitives::measure()).unwrap_or_default()
    }

    /// A helper worker's verifier: its share of the costly parts, each verified with the checks' own functions.
    #[wasm_bindgen]
    #[derive(Debug)]
    pub struct Helper(verifier::verify::parts::Helper);

    #[wasm_bindgen]
    impl Helper {
        /// The parts helper `index` of `count` verifies, as JSON: `[{"kind": "ballots", "from": 0, "to": 256}, …]`.
        pub fn share(&mut self, index: usize, count: usize) -> String {
            serde_json::to_string(&self.0.share(index, count)).unwrap_or_else(|_| "[]".into())
        }

        /// Verifies one part (JSON, as `share` gives it); returns the digests and notes of what passed, as JSON:
        /// `[["hex digest", "note"], …]`.
        pub fn verify(&mut self, part: &str) -> String {
            let Ok(part) = serde_json::from_str(part) else { return "[]".into() };
            let found: Vec<(String, String)> =
                self.0.verify(part).into_iter().map(|(key, note)| (hex::encode(key), note)).collect();
            serde_json::to_string(&found).unwrap_or_else(|_| "[]".into())
        }
    }
}
