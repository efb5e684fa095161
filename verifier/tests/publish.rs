//! `verifier publish` (SPEC.md §14.5): the site's data files are the record's (every ballot's tracker, position,
//! time and fate, read here from the record's own files with the protocol's decoders; the verified result; the
//! record byte for byte with its head), the pages carry no inline code, and a record that does not verify, a
//! folder that is not empty, a wrong fingerprint or an unknown language are refused in words, writing nothing.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;

use protocol::ballot_box::BallotBox;
use protocol::record::{RecordIndex, REJECTED_PATH, REVOKED_PATH, SUPERSEDED_PATH};
use protocol::tally::{fate, Fate, RejectedFile, RevokedFile, SupersededFile};
use protocol::{Ballot, Decode};
use serde_json::{json, Value};
use test_support::record::build;
use verifier::publish::{publish, PublishError, ASSETS, PAGE_SIZE};

const BIN: &str = env!("CARGO_BIN_EXE_verifier");

fn read_json(dir: &Path, rel: &str) -> Value {
    serde_json::from_slice(&std::fs::read(dir.join(rel)).unwrap()).unwrap()
}

fn files_under(dir: &Path) -> usize {
    match std::fs::read_dir(dir) {
        Ok(entries) => entries.count(),
        Err(_) => 0,
    }
}

#[test]
fn the_sites_data_is_the_records() {
    let b = build();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let (report, written) = publish(&b.dir, &out, None, "et", false, None);
    assert!(report.passed(), "{report}");
    let p = written.unwrap();

    // Every ballot of the box, decoded here from the record's ballot-box.json; the fate by the one reading of the
    // tally's three files (`tally::fate`, over the whole files).
    let bbox: BallotBox = serde_json::from_slice(&b.read("ballot-box.json")).unwrap();
    let rejected: RejectedFile = serde_json::from_slice(&b.read(REJECTED_PATH)).unwrap();
    let superseded: SupersededFile = serde_json::from_slice(&b.read(SUPERSEDED_PATH)).unwrap();
    let revoked: RevokedFile = serde_json::from_slice(&b.read(REVOKED_PATH)).unwrap();
    let expected: Vec<Value> = bbox
        .ballots
        .iter()
        .map(|e| {
            let ballot = Ballot::from_bytes(&hex::decode(&e.ballot).unwrap()).unwrap();
            let (name, detail) = match fate(e.leaf_index, &rejected, &superseded, &revoked) {
                Fate::Counted => ("counted", Value::Null),
                Fate::Refused(r) => ("refused", json!(r.to_string())),
                Fate::Superseded { by } => ("superseded", json!(by)),
                Fate::Revoked => ("revoked", Value::Null),
            };
            json!([e.leaf_index, e.accepted_at, ballot.id().tracker(), name, detail])
        })
        .collect();
    assert_eq!(expected.len(), 7);
    let fates: Vec<&str> = expected.iter().map(|r| r[3].as_str().unwrap()).collect();
    for f in ["counted", "superseded", "revoked", "refused"] {
        assert!(fates.contains(&f), "the test record has a {f} ballot: {fates:?}");
    }
    assert_eq!(fates.iter().filter(|f| **f == "counted").count(), 4);

    // The board's pages, in order, are exactly these rows.
    let pages = expected.len().div_ceil(PAGE_SIZE);
    assert_eq!((p.ballots, p.pages), (expected.len(), pages));
    let mut board = Vec::new();
    for i in 0..pages {
        let page = read_json(&out, &format!("data/board/page-{i}.json"));
        board.extend(page["entries"].as_array().unwrap().iter().cloned());
    }
    assert!(!out.join(format!("data/board/page-{pages}.json")).exists());
    assert_eq!(board, expected);

    // Each row is in the search bucket of its tracker's first two hex digits, and only there; every bucket exists.
    let mut in_buckets = 0;
    for byte in 0..=255u8 {
        let name = format!("{byte:02X}");
        let bucket = read_json(&out, &format!("data/find/{name}.json"));
        for row in bucket["entries"].as_array().unwrap() {
            assert!(row[2].as_str().unwrap().starts_with(&name), "{name}: {row}");
            assert!(expected.contains(row));
            in_buckets += 1;
        }
    }
    assert_eq!(in_buckets, expected.len());

    // The result is the one V13 verified (version 2: names and turnout), with the STV rounds' figures.
    let (_, verified) = verifier::verify::verify_result(&b.dir, None, false);
    let verified = verified.unwrap();
    let result = read_json(&out, "data/result.json");
    assert_eq!(result["result"], serde_json::to_value(&verified.result).unwrap());
    assert_eq!(result["result"]["turnout"]["cast"], 7);
    let council = &result["figures"][2];
    assert_eq!(council["rounds"].as_array().unwrap().len(), verified.result.contests[2].rounds.len());
    assert_eq!(council["rounds"][0]["total"], "4.000");
    assert!(council["quota"].is_string());
    assert_eq!(result["figures"][0]["quota"], Value::Null, "no quota for a plurality contest");

    // The record, byte for byte, with its head and digests listed.
    let index: RecordIndex = serde_json::from_slice(&b.read("index.json")).unwrap();
    assert_eq!(std::fs::read(out.join("record/index.json")).unwrap(), b.read("index.json"));
    for e in &index.entries {
        assert_eq!(std::fs::read(out.join("record").join(&e.path)).unwrap(), b.read(&e.path), "{}", e.path);
    }
    let site = read_json(&out, "data/site.json");
    assert_eq!(site["format"], "rv/site/v1");
    assert_eq!(site["source"], "record");
    assert_eq!(site["lang"], "et");
    assert_eq!(site["record"]["head"], hex::encode(index.head()));
    assert_eq!(p.record_head, hex::encode(index.head()));
    assert_eq!(site["record"]["files"].as_array().unwrap().len(), index.entries.len());
    assert_eq!(site["record"]["files"][0]["sha256"], hex::encode(index.entries[0].sha256));
    assert_eq!(site["head"], serde_json::to_value(&bbox.final_tree_head).unwrap());
    assert_eq!(site["election"]["fingerprint"], bbox.fingerprint.to_hex());
    assert_eq!(site["board"], json!({"total": 7, "page_size": PAGE_SIZE, "pages": pages}));
    let ids: Vec<&str> =
        site["verified"]["checks"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    assert_eq!(ids, (1..=13).map(|i| format!("V{i}")).collect::<Vec<_>>());

    // The pages: as embedded, each script our own file, no inline script or style (a strict CSP holds).
    for a in ASSETS {
        let (name, text) = (a.name, a.body);
        assert_eq!(std::fs::read_to_string(out.join(name)).unwrap(), text);
        if name.ends_with(".html") {
            assert!(!text.contains("<script>") && !text.contains("style=") && !text.contains("onclick"), "{name}");
            assert!(text.contains("script-src 'self'"), "{name}: the page states its CSP");
            for outside in ["src=\"http", "href=\"http", "src=\"//", "href=\"//"] {
                assert!(!text.contains(outside), "{name}: third-party content");
            }
        }
    }
}

#[test]
fn a_record_that_does_not_verify_is_not_published() {
    let b = build();
    let tmp = tempfile::tempdir().unwrap();
    // Altered after the index was written: V1 fails.
    let altered = tmp.path().join("altered");
    b.copy_to(&altered);
    let mut bytes = std::fs::read(altered.join("result.json")).unwrap();
    let at = bytes.iter().position(|c| *c == b'4').unwrap();
    bytes[at] = b'5';
    std::fs::write(altered.join("result.json"), bytes).unwrap();
    // Re-chained, but the tally's claim is false: V7 fails (a superseded ballot hidden).
    let t = test_support::record::build();
    t.replace_json(SUPERSEDED_PATH, &json!({"superseded": []}));
    for (record, failed) in [(altered.as_path(), "V1"), (t.dir.as_path(), "V7")] {
        let out = tmp.path().join(format!("site-{failed}"));
        let (report, written) = publish(record, &out, None, "en", false, None);
        assert!(!report.passed());
        match written {
            Err(e @ PublishError::NotVerified { .. }) => {
                let text = e.to_string();
                assert!(text.contains(&format!("failed: {failed}")), "{text}");
                assert!(text.contains("nothing was published"), "{text}");
            }
            other => panic!("{failed}: {other:?}"),
        }
        assert_eq!(files_under(&out), 0, "nothing written for a record failing {failed}");
        // The command line: exit status 1, the report and the reason on stderr, nothing on stdout.
        let cli = Command::new(BIN).args(["publish", "--out"]).arg(&out).arg(record).output().unwrap();
        assert_eq!(cli.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&cli.stderr);
        assert!(stderr.contains(&format!("{failed} ")) && stderr.contains("FAIL"), "{stderr}");
        assert!(stderr.contains("publish: FAIL: the record does not verify"), "{stderr}");
        assert!(cli.stdout.is_empty());
        assert_eq!(files_under(&out), 0);
    }
}

#[test]
fn a_wrong_fingerprint_a_full_folder_or_an_unknown_language_is_refused_in_words() {
    let b = build();
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("site");
    let other = "0".repeat(64);
    let cli = |args: &[&str]| {
        let o = Command::new(BIN).args(args).output().unwrap();
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stdout).into_owned(),
            String::from_utf8_lossy(&o.stderr).into_owned(),
        )
    };
    let record = b.dir.to_str().unwrap();
    let site = out.to_str().unwrap();
    let (code, _, stderr) = cli(&["publish", "--fingerprint", &other, "--out", site, record]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("failed: V2"), "{stderr}");
    assert_eq!(files_under(&out), 0);

    let (code, _, stderr) = cli(&["publish", "--lang", "de", "--out", site, record]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("--lang de: the site's texts are in en, et and fr"), "{stderr}");

    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("keep.txt"), b"mine").unwrap();
    let (code, _, stderr) = cli(&["publish", "--out", site, record]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("the folder is not empty; give a new or empty folder"), "{stderr}");
    assert_eq!(std::fs::read(out.join("keep.txt")).unwrap(), b"mine");
    assert_eq!(files_under(&out), 1);

    // The pinned fingerprint, into an empty folder: published, and the summary says where and how to look.
    std::fs::remove_file(out.join("keep.txt")).unwrap();
    let fingerprint = read_json(&b.dir, "index.json")["fingerprint"].as_str().unwrap().to_string();
    let (code, stdout, stderr) = cli(&["publish", "--fingerprint", &fingerprint, "--out", site, record]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("every check passed (V1–V13)"), "{stdout}");
    assert!(stdout.contains("the board holds 7 ballots in 1 pages"), "{stdout}");
    assert!(stdout.contains("python3 -m http.server"), "{stdout}");
    let names: BTreeSet<String> =
        std::fs::read_dir(&out).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    for a in ASSETS {
        assert!(names.contains(a.name), "{}", a.name);
    }
    assert_eq!(read_json(&out, "data/site.json")["verified"]["pinned"], true);
}

/// With `--browser-verifier`, the built page of verifier-web is copied under `verifier/` and site.json points at
/// it; a folder that is not a built page is refused before anything is verified or written.
#[test]
fn the_in_browser_verifier_is_carried_when_given_and_a_wrong_folder_is_refused() {
    let b = build();
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("page");
    std::fs::create_dir_all(page.join("pkg")).unwrap();
    std::fs::write(page.join("index.html"), "<!doctype html>").unwrap();
    std::fs::write(page.join("app.js"), "// app").unwrap();
    std::fs::write(page.join("pkg/verifier_web_bg.wasm"), [0u8, 97, 115, 109]).unwrap();
    let out = tmp.path().join("site");
    let (report, written) = publish(&b.dir, &out, None, "en", false, Some(&page));
    assert!(report.passed(), "{report}");
    written.unwrap();
    assert_eq!(std::fs::read(out.join("verifier/pkg/verifier_web_bg.wasm")).unwrap(), [0u8, 97, 115, 109]);
    assert_eq!(std::fs::read_to_string(out.join("verifier/app.js")).unwrap(), "// app");
    let site: Value = serde_json::from_slice(&std::fs::read(out.join("data/site.json")).unwrap()).unwrap();
    assert_eq!(site["browser_verifier"], "verifier/index.html");

    // Without it: null, and no verifier/ folder.
    let plain = tmp.path().join("plain");
    publish(&b.dir, &plain, None, "en", false, None).1.unwrap();
    let site: Value = serde_json::from_slice(&std::fs::read(plain.join("data/site.json")).unwrap()).unwrap();
    assert_eq!(site["browser_verifier"], Value::Null);
    assert!(!plain.join("verifier").exists());

    // A folder without the built module: refused, nothing written.
    std::fs::remove_dir_all(page.join("pkg")).unwrap();
    let refused = tmp.path().join("refused");
    match publish(&b.dir, &refused, None, "en", false, Some(&page)).1 {
        Err(e @ PublishError::BrowserVerifier(_)) => {
            assert!(e.to_string().contains("scripts/build-verifier-web.sh"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(files_under(&refused), 0);
}
