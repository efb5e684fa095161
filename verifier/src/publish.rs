//! `verifier publish RECORD --out DIR`: the public web site of a record that verifies (SPEC.md §14.5).
//!
//! The record is verified first, exactly as `verifier verify` does (V1–V13); a record that does not verify is
//! refused with its report, and nothing is written. The site is static: HTML, our own JavaScript modules and CSS
//! (no third-party code, no inline script or style, so a strict Content-Security-Policy holds), and JSON data
//! files written here from the verified record:
//!
//! * `data/site.json`: the election, the collector's final signed tree head, the board's size and paging, the
//!   record's files with their digests and head (§13), and the checks that passed.
//! * `data/board/page-P.json`: entries `P·100 … P·100 + 99` of the log, each ballot `[leaf_index, accepted_at,
//!   tracker, fate, detail]`; the fate is [`protocol::tally::fate`] over the tally's files (the one reading of them
//!   that `verifier receipt` and the second device share), a ballot cancelled by a voter-list change saying which
//!   ([`board_row`]); each voter-list change (§4.7) at its leaf, `[leaf_index, accepted_at, null, "change",
//!   {"action", "number", "district"}]` ([`change_row`]).
//! * `data/find/XX.json`: the same rows, bucketed by the tracker's first two hex digits (the ballot id's first
//!   byte), so that finding a tracker reads one small file, whatever the size of the log.
//! * `data/result.json`: `result.json` as V13 verified it, with each STV round's figures (§12.6).
//! * `record/`: the record itself, byte for byte as V1 hashed it, for download.
//!
//! The board page and what every page shares are web-assets' (one copy): the collector serves the same board
//! page during voting (collector/src/board.rs), and a mirror from its copy of the log (crate::mirror), with the
//! same data paths answered from the log.

use std::path::{Path, PathBuf};

use protocol::ballot_box::BallotLeaf;
use protocol::count::quota;
use protocol::fingerprint::Fingerprint;
use protocol::record::{BALLOT_BOX_PATH, REJECTED_PATH, REVOKED_PATH, SUPERSEDED_PATH};
use protocol::tally::{fate, Fate, RejectedFile, RevokedFile, SupersededFile};
use serde::de::DeserializeOwned;
use serde_json::{json, Value};
use web_assets::Asset;

use crate::changes::Cancellation;
use crate::report::Report;
use crate::verify::{verify_result, VerifiedResult};

/// `format` of `data/site.json`.
pub const SITE_FORMAT: &str = web_assets::SITE_FORMAT;
/// Ballots per board page (`data/board/page-P.json`); the collector's and the mirror's live boards page the same
/// way.
pub const PAGE_SIZE: usize = web_assets::PAGE_SIZE as usize;
/// The languages of the site's own texts (the election's come from the manifest).
pub const LANGUAGES: &[&str] = &["en", "et", "fr"];

const fn page(name: &'static str, body: &'static str) -> Asset {
    Asset { name, content_type: "text/html; charset=utf-8", body }
}
const fn script(name: &'static str, body: &'static str) -> Asset {
    Asset { name, content_type: "text/javascript; charset=utf-8", body }
}

/// The site's pages, scripts and style, embedded in the binary: `publish` writes them as they are. The pages of
/// the record (verifier/web), then the board and what every page shares (web-assets).
pub const ASSETS: &[Asset] = &[
    page("index.html", include_str!("../web/index.html")),
    page("results.html", include_str!("../web/results.html")),
    page("verify.html", include_str!("../web/verify.html")),
    script("results.js", include_str!("../web/results.js")),
    script("home.js", include_str!("../web/home.js")),
    web_assets::BOARD_HTML,
    web_assets::BOARD_JS,
    web_assets::SITE_JS,
    web_assets::SITE_CSS,
    web_assets::I18N_CORE_JS,
    web_assets::BASE_CSS,
];

/// Why a site was not published.
#[derive(Debug, thiserror::Error)]
pub enum PublishError {
    /// A check failed: the report says which and why.
    #[error(
        "the record does not verify (failed: {failed}), so nothing was published; the report above says what is \
         wrong: publish only a record that `verifier verify` passes"
    )]
    NotVerified {
        /// The ids of the checks that failed or could not run.
        failed: String,
    },
    /// The output folder holds files already.
    #[error("{0}: the folder is not empty; give a new or empty folder (publish never overwrites files)")]
    NotEmpty(PathBuf),
    /// `--lang` names a language the site has no texts in.
    #[error("--lang {0}: the site's texts are in en, et and fr; choose one of these")]
    Language(String),
    /// A file of the record that V1–V13 passed could not be read again as its type (a bug).
    #[error("{path}: {reason}")]
    Data {
        /// The record's file.
        path: String,
        /// What its decoder said.
        reason: String,
    },
    /// `--browser-verifier` names no built in-browser verifier.
    #[error(
        "{0}: not a built in-browser verifier (no pkg/ with its WASM module): build it with \
         scripts/build-verifier-web.sh and give verifier-web/web"
    )]
    BrowserVerifier(PathBuf),
    /// Writing the site failed.
    #[error("writing {path}: {source}; check the folder's permissions and free space")]
    Write {
        /// The file.
        path: PathBuf,
        /// The system's error.
        source: std::io::Error,
    },
}

/// What `publish` wrote.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Published {
    /// Ballots on the board.
    pub ballots: usize,
    /// Board pages (`data/board/page-P.json`).
    pub pages: usize,
    /// Files written, and their bytes in all.
    pub files: usize,
    pub bytes: u64,
    /// The record's head (§13), hex.
    pub record_head: String,
}

/// One ballot on the board: `[leaf_index, accepted_at, tracker, fate, detail]` (detail: the leaf that superseded
/// it, the reason it was refused, or the leaf of the voter-list change that cancelled it, else `null`). A ballot R3
/// removed is `revoked` (a paper vote), or `removed` / `moved` when `why` says the officials' change at leaf
/// `detail` removed its credential from the voter list or moved it to another district (§4.7).
pub fn board_row(b: &BallotLeaf, fate: Fate, why: Option<Cancellation>) -> Value {
    let (name, detail) = match (fate, why) {
        (Fate::Counted, _) => ("counted", Value::Null),
        (Fate::Refused(reason), _) => ("refused", json!(reason.to_string())),
        (Fate::Superseded { by }, _) => ("superseded", json!(by)),
        (Fate::Revoked, Some(Cancellation::Removed { change })) => ("removed", json!(change)),
        (Fate::Revoked, Some(Cancellation::Moved { change })) => ("moved", json!(change)),
        (Fate::Revoked, _) => ("revoked", Value::Null),
    };
    json!([b.leaf_index, b.accepted_at, b.id.tracker(), name, detail])
}

/// One voter-list change on the board: [`web_assets::change_row`], the live boards' row too.
pub use web_assets::change_row;

/// The fate of every ballot, in log order: [`fate`] of each leaf, given the entries of the three files at that
/// leaf. The files list leaves in ascending order (V6–V8 proved them equal to R1–R3, which are), so each leaf's
/// entries are found by binary search, and the whole board costs `n log n`, not `n²`.
pub fn fates(
    leaves: impl Iterator<Item = u64>,
    rejected: &RejectedFile,
    superseded: &SupersededFile,
    revoked: &RevokedFile,
) -> Vec<Fate> {
    fn at<T: Clone>(list: &[T], leaf: u64, key: impl Fn(&T) -> u64) -> Vec<T> {
        let from = list.partition_point(|e| key(e) < leaf);
        let to = list.partition_point(|e| key(e) <= leaf);
        list.get(from..to).map(<[T]>::to_vec).unwrap_or_default()
    }
    leaves
        .map(|leaf| {
            fate(
                leaf,
                &RejectedFile { rejected: at(&rejected.rejected, leaf, |e| e.leaf_index) },
                &SupersededFile { superseded: at(&superseded.superseded, leaf, |e| e.leaf_index) },
                &RevokedFile { revoked: at(&revoked.revoked, leaf, |e| e.leaf_index) },
            )
        })
        .collect()
}

/// Verifies the record in `record` (V1–V13, with `pinned` as `verifier verify --fingerprint`), then writes the
/// site into `out` (new or empty), opening in `lang`; with `browser_verifier` (the built page of `verifier-web`:
/// `verifier-web/web` after scripts/build-verifier-web.sh), the site also carries the in-browser verifier under
/// `verifier/`, and its verification page links to it with the record and the fingerprint filled in. The report
/// is returned either way.
pub fn publish(
    record: &Path,
    out: &Path,
    pinned: Option<&Fingerprint>,
    lang: &str,
    progress: bool,
    browser_verifier: Option<&Path>,
) -> (Report, Result<Published, PublishError>) {
    if !LANGUAGES.contains(&lang) {
        return (Report::new("publish", false), Err(PublishError::Language(lang.to_string())));
    }
    if let Some(dir) = browser_verifier {
        if !dir.join("index.html").is_file() || !dir.join("pkg").is_dir() {
            return (Report::new("publish", false), Err(PublishError::BrowserVerifier(dir.to_path_buf())));
        }
    }
    if let Ok(mut entries) = std::fs::read_dir(out) {
        if entries.next().is_some() {
            return (Report::new("publish", false), Err(PublishError::NotEmpty(out.to_path_buf())));
        }
    }
    let (report, verified) = verify_result(record, pinned, progress);
    let Some(v) = verified else {
        let mut failed: Vec<&str> = report.failed_ids();
        failed.extend(report.not_run_ids());
        return (report, Err(PublishError::NotVerified { failed: failed.join(", ") }));
    };
    let written = write_site(&v, &report, out, lang, browser_verifier);
    (report, written)
}

fn decode<T: DeserializeOwned>(v: &VerifiedResult, path: &str) -> Result<T, PublishError> {
    let bytes = v.files.bytes(path).unwrap_or_default();
    serde_json::from_slice(bytes).map_err(|e| PublishError::Data { path: path.to_string(), reason: e.to_string() })
}

/// Writes files under one folder, counting them.
struct Writer<'a> {
    root: &'a Path,
    files: usize,
    bytes: u64,
}

impl Writer<'_> {
    fn write(&mut self, rel: &str, bytes: &[u8]) -> Result<(), PublishError> {
        let path = self.root.join(rel);
        let fail = |source| PublishError::Write { path: path.clone(), source };
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        std::fs::write(&path, bytes).map_err(fail)?;
        self.files += 1;
        self.bytes += bytes.len() as u64;
        Ok(())
    }

    /// Writes the record's file `path` to `rel` as V1 hashed it (a large file copied in pieces, refused if it
    /// changed since V1 read it).
    fn record_file(&mut self, rel: &str, files: &crate::verify::Files, path: &str) -> Result<u64, PublishError> {
        let target = self.root.join(rel);
        let fail = |source| PublishError::Write { path: target.clone(), source };
        if let Some(parent) = target.parent() {
            std::fs::create_dir_all(parent).map_err(fail)?;
        }
        let mut out = std::io::BufWriter::new(std::fs::File::create(&target).map_err(fail)?);
        files.copy_to(path, &mut out).map_err(|reason| PublishError::Data { path: path.to_string(), reason })?;
        std::io::Write::flush(&mut out).map_err(fail)?;
        let len = std::fs::metadata(&target).map_err(fail)?.len();
        self.files += 1;
        self.bytes += len;
        Ok(len)
    }

    fn json(&mut self, rel: &str, value: &Value) -> Result<(), PublishError> {
        self.write(rel, value.to_string().as_bytes())
    }
}

/// Copies every regular file under `from` to `to` (a path relative to the site), keeping their relative paths.
fn copy_tree(w: &mut Writer<'_>, from: &Path, to: &str) -> Result<(), PublishError> {
    let fail = |path: &Path, source| PublishError::Write { path: path.to_path_buf(), source };
    let mut entries: Vec<_> =
        std::fs::read_dir(from).map_err(|e| fail(from, e))?.collect::<Result<_, _>>().map_err(|e| fail(from, e))?;
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let path = entry.path();
        let name = entry.file_name().to_string_lossy().into_owned();
        let kind = entry.file_type().map_err(|e| fail(&path, e))?;
        if kind.is_dir() {
            copy_tree(w, &path, &format!("{to}/{name}"))?;
        } else if kind.is_file() {
            let bytes = std::fs::read(&path).map_err(|e| fail(&path, e))?;
            w.write(&format!("{to}/{name}"), &bytes)?;
        }
    }
    Ok(())
}

/// Where the site keeps the in-browser verifier, when it has one.
pub const BROWSER_VERIFIER_DIR: &str = "verifier";

fn write_site(
    v: &VerifiedResult,
    report: &Report,
    out: &Path,
    lang: &str,
    browser_verifier: Option<&Path>,
) -> Result<Published, PublishError> {
    let rejected: RejectedFile = decode(v, REJECTED_PATH)?;
    let superseded: SupersededFile = decode(v, SUPERSEDED_PATH)?;
    let revoked: RevokedFile = decode(v, REVOKED_PATH)?;
    // Each ballot's id, from its bytes (the box's ids are not held).
    let leaves = v.ballots.leaves().collect::<Result<Vec<BallotLeaf>, _>>();
    let leaves = leaves.map_err(|e| PublishError::Data { path: BALLOT_BOX_PATH.into(), reason: e.to_string() })?;
    let ballot_rows: Vec<Value> = leaves
        .iter()
        .zip(fates(leaves.iter().map(|b| b.leaf_index), &rejected, &superseded, &revoked))
        .map(|(b, f)| {
            let why = match f {
                Fate::Revoked => Cancellation::of(b.leaf_index, &revoked, &v.ballot_box),
                _ => None,
            };
            board_row(b, f, why)
        })
        .collect();
    let mut w = Writer { root: out, files: 0, bytes: 0 };
    for a in ASSETS {
        w.write(a.name, a.body.as_bytes())?;
    }
    // The board lists the log: the ballots and, at their leaves, the officials' voter-list changes (§4.7).
    let mut rows: Vec<Value> = ballot_rows.clone();
    rows.extend(v.ballot_box.changes.iter().map(|c| change_row(c, v.election.manifest())));
    rows.sort_by_key(|r| r[0].as_u64());
    let pages = rows.len().div_ceil(PAGE_SIZE);
    for (p, chunk) in rows.chunks(PAGE_SIZE).enumerate() {
        w.json(&format!("data/board/page-{p}.json"), &json!({ "entries": chunk }))?;
    }
    let mut buckets: Vec<Vec<&Value>> = vec![Vec::new(); 256];
    for (b, row) in leaves.iter().zip(&ballot_rows) {
        if let Some(bucket) = buckets.get_mut(usize::from(b.id.0[0])) {
            bucket.push(row);
        }
    }
    for (i, bucket) in buckets.iter().enumerate() {
        w.json(&format!("data/find/{i:02X}.json"), &json!({ "entries": bucket }))?;
    }
    w.json("data/result.json", &result_data(v))?;
    // The record, byte for byte as V1 hashed it.
    let index = v.files.index();
    let mut listed = Vec::new();
    for e in index.map(|i| i.entries.as_slice()).unwrap_or_default() {
        let len = w.record_file(&format!("record/{}", e.path), &v.files, &e.path)?;
        listed.push(json!({"path": e.path, "sha256": hex::encode(e.sha256), "bytes": len}));
    }
    w.write("record/index.json", v.files.index_bytes())?;
    let record_head = index.map(|i| hex::encode(i.head())).unwrap_or_default();
    let m = v.election.manifest();
    let checks: Vec<Value> = report
        .checks
        .iter()
        .map(|c| {
            let note = serde_json::to_value(c).ok().and_then(|j| j.get("note").cloned()).unwrap_or(Value::Null);
            json!({"id": c.check.id(), "name": c.name, "note": note})
        })
        .collect();
    let head = &v.ballot_box.final_tree_head;
    let site = json!({
        "format": SITE_FORMAT,
        "source": "record",
        "lang": lang,
        "election": {
            "election_id": m.election_id,
            "title": m.title,
            "fingerprint": v.election.fingerprint().to_hex(),
            "opens_at": m.voting_period.opens_at,
            "closes_at": m.voting_period.closes_at,
        },
        "collector_key": hex::encode(v.ballot_box.collector_key),
        "head": head,
        "board": {"total": rows.len(), "page_size": PAGE_SIZE, "pages": pages},
        "turnout": v.result.turnout,
        "record": {
            "head": record_head,
            "index": "record/index.json",
            "files": listed,
        },
        "verified": {
            "checks": checks,
            "pinned": report.election.as_ref().and_then(|e| e.get("pinned")).cloned().unwrap_or(Value::Bool(false)),
        },
    });
    let mut site = site;
    if let Some(dir) = browser_verifier {
        copy_tree(&mut w, dir, BROWSER_VERIFIER_DIR)?;
        site["browser_verifier"] = json!(format!("{BROWSER_VERIFIER_DIR}/index.html"));
    } else {
        site["browser_verifier"] = Value::Null;
    }
    w.json("data/site.json", &site)?;
    Ok(Published { ballots: ballot_rows.len(), pages, files: w.files, bytes: w.bytes, record_head })
}

/// `data/result.json`: the verified `result.json` (version 2, with names and turnout; version 4 with districts,
/// each contest's per-district figures) and, per contest, the figures people read (§12.6): the quota and each STV
/// round's values, as `verifier result` prints them; the manifest's districts (id and title), to name them; and,
/// with a national allocation, `national_text`, the allocation in words in each language ([`national_text`]).
pub fn result_data(v: &VerifiedResult) -> Value {
    let contests: Vec<Value> = v
        .result
        .contests
        .iter()
        .zip(&v.election.manifest().contests)
        .map(|(r, c)| {
            let rounds: Vec<Value> = r
                .rounds
                .iter()
                .map(|round| {
                    let f = round.figures(r.valid);
                    json!({
                        "tallies": f.tallies,
                        "exhausted": f.exhausted,
                        "rounding": f.rounding,
                        "total": f.total,
                        "action": round.action,
                    })
                })
                .collect();
            json!({
                "seats": c.seats,
                "quota": (!r.rounds.is_empty()).then(|| protocol::count::fixed(quota(r.valid, u64::from(c.seats)))),
                "rounds": rounds,
            })
        })
        .collect();
    // With districts, each contest's `districts` figures name districts by id: their titles, for the page.
    let mut data = json!({"result": v.result, "figures": contests, "districts": v.election.manifest().districts});
    if let Some(text) = national_text(&v.result) {
        data["national_text"] = text;
    }
    data
}

/// The national allocation (SPEC.md §12.13) in words in each of the site's languages, as `verifier result --lang`
/// prints it (`{"en", "et", "fr"}`); `None` without one.
pub fn national_text(result: &protocol::tally::ResultFile) -> Option<Value> {
    Some(json!({
        "en": protocol::readable::national(result, "en")?,
        "et": protocol::readable::national(result, "et")?,
        "fr": protocol::readable::national(result, "fr")?,
    }))
}

#[cfg(test)]
mod tests {
    use protocol::credential::CredentialKey;
    use protocol::tally::{Refusal, Rejected, Revoked, Superseded};
    use rand::{Rng, SeedableRng};

    use super::*;

    /// The binary search finds, for every leaf, what `tally::fate` over the whole files finds.
    #[test]
    fn fates_are_tally_fate_of_each_leaf() {
        let mut rng = rand_chacha::ChaCha20Rng::from_seed([19; 32]);
        let credential: CredentialKey = protocol::credential::Credential::generate(&mut rng).public_key();
        for _ in 0..20 {
            let n: u64 = rng.gen_range(0..300);
            let (mut rejected, mut superseded, mut revoked) =
                (RejectedFile::default(), SupersededFile::default(), RevokedFile::default());
            for leaf in 0..n {
                match rng.gen_range(0..6) {
                    0 => rejected.rejected.push(Rejected {
                        leaf_index: leaf,
                        ballot_id: protocol::ballot::BallotId([0; 32]),
                        reason: Refusal::BadProof,
                    }),
                    1 => superseded.superseded.push(Superseded { leaf_index: leaf, by: n }),
                    2 => revoked.revoked.push(Revoked { leaf_index: leaf, credential, change: None }),
                    _ => {}
                }
            }
            let ours = fates(0..n, &rejected, &superseded, &revoked);
            let theirs: Vec<Fate> = (0..n).map(|leaf| fate(leaf, &rejected, &superseded, &revoked)).collect();
            assert_eq!(ours, theirs);
        }
    }
}
