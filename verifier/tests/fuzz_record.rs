//! `verifier verify` on a mutated record (the small record of `test_support::record`, built once): each case changes one
//! file — bytes flipped, overwritten, inserted, deleted, cut off or added; a JSON value replaced; a JSON list's row
//! dropped, duplicated or swapped — and then either leaves the index as it was (V1 must fail) or re-chains it so
//! that V1 passes and the later checks see the change. `verify` returns a report, never panics; and a report
//! that passes means the change had no meaning: every changed file is JSON that parses to the same value as
//! before (whitespace, escapes, key order).
//!
//! Cases: 256 by default (about 50 ms each in a debug build); `PROPTEST_CASES=N` for a longer run
//! (`scripts/fuzz.sh`).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::collections::BTreeMap;

use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, TestRunner};
use protocol::record::{self, file_digest, RecordIndex};
use serde_json::Value;
use test_support::record::{build, write_json, Built};

fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(default)
}

/// One change to a byte string.
#[derive(Debug, Clone)]
enum Bytes {
    Flip(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, usize),
    Truncate(Index),
    Extend(Vec<u8>),
}

/// A JSON value put in place of another.
#[derive(Debug, Clone)]
enum Replacement {
    Fixed(Index),
    /// Another value of the same file.
    Other(Index),
    /// The same value, slightly changed: a number plus one, one character of a string changed.
    Tweak(Index),
}

#[derive(Debug, Clone, Copy)]
enum RowOp {
    Drop,
    Duplicate,
    Swap,
}

#[derive(Debug, Clone)]
enum Change {
    Bytes(Vec<Bytes>),
    Replace { at: Index, with: Replacement },
    Row { list: Index, row: Index, op: RowOp },
}

#[derive(Debug, Clone)]
struct Case {
    file: Index,
    change: Change,
    reindex: bool,
}

fn case() -> impl Strategy<Value = Case> {
    let bytes = prop_oneof![
        3 => (any::<Index>(), 1..=255u8).prop_map(|(i, x)| Bytes::Flip(i, x)),
        1 => (any::<Index>(), proptest::collection::vec(any::<u8>(), 1..8)).prop_map(|(i, b)| Bytes::Insert(i, b)),
        1 => (any::<Index>(), 1..40usize).prop_map(|(i, n)| Bytes::Delete(i, n)),
        1 => any::<Index>().prop_map(Bytes::Truncate),
        1 => proptest::collection::vec(any::<u8>(), 1..8).prop_map(Bytes::Extend),
    ];
    let replacement = prop_oneof![
        any::<Index>().prop_map(Replacement::Fixed),
        any::<Index>().prop_map(Replacement::Other),
        any::<Index>().prop_map(Replacement::Tweak),
    ];
    let row = prop_oneof![Just(RowOp::Drop), Just(RowOp::Duplicate), Just(RowOp::Swap)];
    let change = prop_oneof![
        2 => proptest::collection::vec(bytes, 1..3).prop_map(Change::Bytes),
        2 => (any::<Index>(), replacement).prop_map(|(at, with)| Change::Replace { at, with }),
        1 => (any::<Index>(), any::<Index>(), row).prop_map(|(list, row, op)| Change::Row { list, row, op }),
    ];
    (any::<Index>(), change, prop::bool::weighted(0.8)).prop_map(|(file, change, reindex)| Case {
        file,
        change,
        reindex,
    })
}

fn apply_bytes(bytes: &mut Vec<u8>, m: &Bytes) {
    let len = bytes.len();
    match m {
        Bytes::Flip(i, x) if len > 0 => bytes[i.index(len)] ^= x,
        Bytes::Insert(i, b) => {
            let p = i.index(len + 1);
            bytes.splice(p..p, b.iter().copied());
        }
        Bytes::Delete(i, n) if len > 0 => {
            let p = i.index(len);
            bytes.drain(p..(p + n).min(len));
        }
        Bytes::Truncate(i) if len > 0 => bytes.truncate(i.index(len)),
        Bytes::Extend(b) => bytes.extend_from_slice(b),
        _ => {}
    }
}

/// Every value in `v`, by JSON pointer, the root included.
fn pointers(v: &Value, here: String, out: &mut Vec<String>) {
    match v {
        Value::Array(a) => a.iter().enumerate().for_each(|(i, x)| pointers(x, format!("{here}/{i}"), out)),
        Value::Object(o) => {
            o.iter().for_each(|(k, x)| pointers(x, format!("{here}/{}", k.replace('~', "~0").replace('/', "~1")), out))
        }
        _ => {}
    }
    out.push(here);
}

fn fixed_values() -> Vec<Value> {
    use serde_json::json;
    vec![
        json!(null),
        json!(0),
        json!(1),
        json!(-1),
        json!(u64::MAX),
        json!(1.5),
        json!(""),
        json!("00"),
        json!("0".repeat(64)),
        json!("f".repeat(128)),
        json!(true),
        json!([]),
        json!({}),
        json!([0]),
    ]
}

fn tweak(v: &Value, i: Index) -> Value {
    match v {
        Value::Number(n) => match n.as_u64() {
            Some(u) => Value::from(u.wrapping_add(1)),
            None => Value::from(0),
        },
        Value::String(s) if !s.is_empty() => {
            let mut chars: Vec<char> = s.chars().collect();
            let k = i.index(chars.len());
            chars[k] = if chars[k] == '0' { '1' } else { '0' };
            Value::String(chars.into_iter().collect())
        }
        Value::Bool(b) => Value::Bool(!b),
        Value::Array(a) if !a.is_empty() => Value::Array(a[..a.len() - 1].to_vec()),
        _ => Value::Null,
    }
}

/// The changed file's new bytes, or `None` if the change does not apply to it (not JSON, no list).
fn change_file(bytes: &[u8], change: &Change) -> Option<Vec<u8>> {
    match change {
        Change::Bytes(ms) => {
            let mut b = bytes.to_vec();
            ms.iter().for_each(|m| apply_bytes(&mut b, m));
            Some(b)
        }
        Change::Replace { at, with } => {
            let mut v: Value = serde_json::from_slice(bytes).ok()?;
            let mut all = Vec::new();
            pointers(&v, String::new(), &mut all);
            let target = &all[at.index(all.len())];
            let new = match with {
                Replacement::Fixed(i) => {
                    let f = fixed_values();
                    f[i.index(f.len())].clone()
                }
                Replacement::Other(i) => v.pointer(&all[i.index(all.len())])?.clone(),
                Replacement::Tweak(i) => tweak(v.pointer(target)?, *i),
            };
            *v.pointer_mut(target)? = new;
            Some(serde_json::to_vec_pretty(&v).ok()?)
        }
        Change::Row { list, row, op } => {
            let mut v: Value = serde_json::from_slice(bytes).ok()?;
            let mut all = Vec::new();
            pointers(&v, String::new(), &mut all);
            let lists: Vec<&String> =
                all.iter().filter(|p| v.pointer(p).and_then(Value::as_array).is_some_and(|a| !a.is_empty())).collect();
            if lists.is_empty() {
                return None;
            }
            let target = lists[list.index(lists.len())].clone();
            let a = v.pointer_mut(&target)?.as_array_mut()?;
            let (n, r) = (a.len(), row.index(a.len()));
            match op {
                RowOp::Drop => {
                    a.remove(r);
                }
                RowOp::Duplicate => {
                    let copy = a[r].clone();
                    a.insert(r, copy);
                }
                RowOp::Swap => a.swap(r, (r + 1) % n),
            }
            Some(serde_json::to_vec_pretty(&v).ok()?)
        }
    }
}

/// Re-chains the index over the files it lists, if it still parses and lists only readable files.
fn reindex(b: &Built) {
    let Ok(old) = serde_json::from_slice::<RecordIndex>(&b.read(record::INDEX_PATH)) else { return };
    let mut index = RecordIndex::new(old.fingerprint);
    for e in &old.entries {
        let Ok(bytes) = std::fs::read(b.path(&e.path)) else { return };
        index.push(&e.path, file_digest(&bytes));
    }
    write_json(&b.path(record::INDEX_PATH), &index);
}

fn meaning_free(before: &[u8], after: &[u8]) -> bool {
    before == after
        || matches!(
            (serde_json::from_slice::<Value>(before), serde_json::from_slice::<Value>(after)),
            (Ok(x), Ok(y)) if x == y
        )
}

#[test]
fn verify_never_panics_and_never_passes_a_meaningful_change() {
    let b = build();
    let mut saved: BTreeMap<String, Vec<u8>> = b.paths().into_iter().map(|p| (p.clone(), b.read(&p))).collect();
    saved.insert(record::INDEX_PATH.into(), b.read(record::INDEX_PATH));
    let files: Vec<String> = saved.keys().cloned().collect();
    let restore = || {
        for (p, bytes) in &saved {
            std::fs::write(b.path(p), bytes).unwrap();
        }
    };
    assert!(b.verify().passed(), "the honest record passes");

    let config = Config { cases: cases(256), failure_persistence: None, ..Config::default() };
    let mut runner = TestRunner::new(config);
    let result = runner.run(&case(), |case| {
        restore();
        let file = &files[case.file.index(files.len())];
        let Some(new) = change_file(&saved[file], &case.change) else { return Ok(()) };
        std::fs::write(b.path(file), &new).unwrap();
        if case.reindex && file != record::INDEX_PATH {
            reindex(&b);
        }
        let report = b.verify();
        let index_after = b.read(record::INDEX_PATH);
        let unchanged = new == saved[file];
        if unchanged && index_after == saved[record::INDEX_PATH] {
            prop_assert!(report.passed(), "nothing changed, yet: {}", report);
        }
        if report.passed() {
            prop_assert!(
                meaning_free(&saved[file], &new),
                "{} changed in meaning ({:?}), yet the record passes:\n{}",
                file,
                case.change,
                report
            );
        }
        if !case.reindex && !unchanged && file != record::INDEX_PATH {
            prop_assert!(report.failed_ids().contains(&"V1"), "{} changed under an old index, yet V1 passes", file);
        }
        Ok(())
    });
    restore();
    if let Err(e) = result {
        panic!("{e}");
    }
}
