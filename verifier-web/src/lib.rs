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
use verifier::verify::{parse_fingerprint, verify_source};

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
        let typed = fingerprint.trim().to_ascii_lowercase();
        let pinned = if typed.is_empty() { None } else { Some(parse_fingerprint(&typed)?) };
        let source = RecordSource::Given { name: self.name, files: self.files };
        Ok(verify_source(source, pinned.as_ref(), on_check).to_json())
    }
}

/// The JavaScript side: `new Record(name)`, `record.add(path, bytes)`, `record.verify(fingerprint, onCheck)`.
#[cfg(target_arch = "wasm32")]
mod wasm {
    use std::cell::RefCell;

    use wasm_bindgen::prelude::*;

    use super::GivenRecord;

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
            ON_CHECK.with(|f| *f.borrow_mut() = Some(on_check));
            let report = self.0.verify(fingerprint, |c| {
                let text = serde_json::to_string(c).unwrap_or_default();
                ON_CHECK.with(|f| {
                    if let Some(f) = f.borrow().as_ref() {
                        let _ = f.call1(&JsValue::NULL, &JsValue::from_str(&text));
                    }
                });
            });
            ON_CHECK.with(|f| *f.borrow_mut() = None);
            let report = report.map_err(|e| JsError::new(&e))?;
            Ok(format!("{report:#}"))
        }
    }
}
