//! SPEC.md §16: every ID has one meaning and one row in the index, the document uses no ID of the families that
//! the index does not list (nor an old form such as `T.1` or `L-1`), and every ID is cited by name in the code (a
//! non-test file under a crate's `src/`) and in a test (a file under a crate's `tests/`, a file named `tests.rs`,
//! or a `#[cfg(test)]` module).

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // a test: failures are test failures

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The prefixes of the ID families (§16), longest first so that `MX1` is not read as `M`.
const FAMILIES: &[&str] =
    &["RC", "RK", "CS", "LG", "VL", "CC", "IX", "MX", "SV", "KC", "DC", "MC", "MF", "V", "B", "L", "C", "K", "R", "M"];
/// The crates whose sources and tests are searched.
const CRATES: &[&str] = &["protocol", "collector", "tallier", "verifier", "voter-client", "tests"];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// The words of a text: runs of ASCII letters, digits and `_`, a trailing prime (`′` or `'`, written `′`) kept
/// when no letter follows it (`K0'` is an ID, `M3's` is `M3`).
fn words(text: &str) -> BTreeSet<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = BTreeSet::new();
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '_') {
            i += 1;
        }
        let mut w: String = chars[start..i].iter().collect();
        if i < chars.len() && (chars[i] == '′' || chars[i] == '\'') {
            let next = chars.get(i + 1);
            if !next.is_some_and(|c| c.is_alphanumeric() || *c == '_') {
                w.push('′');
                i += 1;
            }
        }
        out.insert(w);
    }
    out
}

/// Whether a word has the form of an ID of one of the families: prefix, digits, an optional prime.
fn is_family_id(w: &str) -> bool {
    let w = w.strip_suffix('′').unwrap_or(w);
    // `MS`, the mix stage's signature (§9.5.1), is a family of one.
    w == "MS"
        || FAMILIES.iter().any(|p| {
            w.strip_prefix(p).is_some_and(|n| !n.is_empty() && n.len() <= 2 && n.bytes().all(|b| b.is_ascii_digit()))
        })
}

/// The rows of the index between `<!-- spec-ids -->` and `<!-- /spec-ids -->`: (ID, what, section, code, test).
fn index(spec: &str) -> Vec<[String; 5]> {
    let start = spec.find("<!-- spec-ids -->").expect("SPEC.md has no index of IDs (§16)");
    let end = spec.find("<!-- /spec-ids -->").expect("the index of IDs is not closed");
    spec[start..end]
        .lines()
        .filter(|l| l.starts_with('|') && !l.starts_with("| ID ") && !l.trim_start_matches(['|', ' ']).starts_with('-'))
        .map(|l| {
            let cells: Vec<String> = l.trim().trim_matches('|').split('|').map(|c| c.trim().to_string()).collect();
            assert_eq!(cells.len(), 5, "an index row without its five columns: {l}");
            [0, 1, 2, 3, 4].map(|i| cells[i].clone())
        })
        .collect()
}

/// Every `.rs` file of the workspace's crates, as (path, code words, test words).
fn sources() -> Vec<(String, BTreeSet<String>, BTreeSet<String>)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                if path.file_name().is_some_and(|n| n != "target" && n != "node_modules") {
                    walk(&path, out);
                }
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = root();
    let mut out = Vec::new();
    for krate in CRATES {
        let mut files = Vec::new();
        walk(&root.join(krate), &mut files);
        for path in files {
            let rel = path.strip_prefix(&root).unwrap().to_string_lossy().replace('\\', "/");
            if rel == "tests/tests/spec_ids.rs" {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            let second = rel.split('/').nth(1).unwrap_or("");
            let (code, test) = if second == "tests" || rel.ends_with("/tests.rs") {
                ("", text.as_str())
            } else if second == "src" {
                text.split_at(text.find("#[cfg(test)]").unwrap_or(text.len()))
            } else {
                continue;
            };
            out.push((rel, words(code), words(test)));
        }
    }
    out
}

#[test]
fn every_spec_id_has_one_meaning_and_is_cited_in_code_and_tests() {
    let spec = std::fs::read_to_string(root().join("protocol/SPEC.md")).unwrap();
    let rows = index(&spec);
    assert!(rows.len() > 100, "the index lists only {} IDs", rows.len());

    // (a) One row per ID, each of a family, each with its section, code and test.
    let mut ids: BTreeMap<String, &[String; 5]> = BTreeMap::new();
    for row in &rows {
        let id = row[0].replace('\'', "′");
        assert!(is_family_id(&id), "index row {id}: not an ID of the families of §16");
        assert!(row[2].starts_with('§') && !row[3].is_empty() && !row[4].is_empty(), "index row {id} is incomplete");
        if let Some(first) = ids.insert(id.clone(), row) {
            panic!("{id} is defined twice: \"{}\" and \"{}\"", first[1], row[1]);
        }
    }

    // The document uses no ID of the families that the index does not list, and no old form of an ID.
    let body = &spec[..spec.find("<!-- spec-ids -->").unwrap()];
    let unknown: Vec<String> = words(body).into_iter().filter(|w| is_family_id(w) && !ids.contains_key(w)).collect();
    assert!(unknown.is_empty(), "SPEC.md uses IDs that §16 does not list: {unknown:?}");
    let chars: Vec<char> = body.chars().collect();
    for (i, w) in chars.windows(3).enumerate() {
        let before = if i == 0 { ' ' } else { chars[i - 1] };
        let old = w[0].is_ascii_uppercase() && (w[1] == '.' || w[1] == '-') && w[2].is_ascii_digit();
        assert!(
            !old || before.is_alphanumeric(),
            "SPEC.md uses an old-style ID `{}` (write the family's prefix and the number)",
            chars[i..(i + 4).min(chars.len())].iter().collect::<String>()
        );
    }

    // (b), (c) Every ID cited by name in the code and in a test.
    let files = sources();
    let mut missing = Vec::new();
    for id in ids.keys() {
        if !files.iter().any(|(_, code, _)| code.contains(id)) {
            missing.push(format!("{id}: cited in no non-test file under a crate's src/"));
        }
        if !files.iter().any(|(_, _, test)| test.contains(id)) {
            missing.push(format!("{id}: cited in no test"));
        }
    }
    assert!(missing.is_empty(), "IDs of SPEC.md §16 not cited:\n{}", missing.join("\n"));
}

#[test]
fn words_keep_primes_and_drop_possessives() {
    let w = words("V1′ and K0' but M3's, L-1, Check::KC1 and V10.");
    for id in ["V1′", "K0′", "M3", "L", "1", "KC1", "V10"] {
        assert!(w.contains(id), "{id} in {w:?}");
    }
    assert!(!w.contains("M3′") && is_family_id("MX14") && is_family_id("K10′") && !is_family_id("LE32"));
}
