//! `tallier setup example` writes a template that `tallier setup check` passes; a template broken in several
//! ways has every problem named in one run (SPEC.md §4.3, MF3 and others), and `tallier setup manifest` refuses it
//! with the same list. JSON errors name their line and column.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // test helpers outside #[test] fns

use std::path::Path;

mod common;
use common::{fails, ok, tallier};

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn edit(from: &Path, to: &Path, change: impl FnOnce(&mut serde_json::Value)) {
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(from).unwrap()).unwrap();
    change(&mut v);
    std::fs::write(to, serde_json::to_string_pretty(&v).unwrap()).unwrap();
}

#[test]
fn check_names_every_problem_of_a_broken_template() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("template.json");
    ok(tallier(&["setup", "example", "--out", p(&template)]));
    let text = std::fs::read_to_string(&template).unwrap();
    assert!(text.contains("\"opens_at\": \"2026-09-21T14:13:20Z\""), "the template's dates are ISO 8601: {text}");
    let out = ok(tallier(&["setup", "check", p(&template)]));
    // The example's week is over (2026-09): allowed, but the official is told, after the verdict.
    assert_eq!(out.lines().count(), 2, "{out}");
    let warning = out.lines().nth(1).unwrap();
    assert!(warning.starts_with("warning: voting_period.closes_at (2026-09-28T14:13:20Z) is in the past"), "{out}");
    assert!(
        out.starts_with(
            "ok: 3 contests, languages en, et, fr, voting from 2026-09-21T14:13:20Z to 2026-09-28T14:13:20Z"
        ),
        "{out}"
    );

    // Local time with its offset reads; three rules broken at once.
    let broken = tmp.path().join("broken.json");
    edit(&template, &broken, |v| {
        v["voting_period"]["opens_at"] = "2026-09-21T17:13:20+03:00".into();
        v["contests"][1]["options"][2]["title"].as_object_mut().unwrap().remove("et");
        v["contests"][2]["id"] = "mayor".into();
        v["trustees"]["threshold"] = 4.into();
    });
    let run = tallier(&["setup", "check", p(&broken)]);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let stderr = fails(run);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    assert!(lines[0].starts_with("contests[1].options[2].title: no \"et\" text: add one"), "{stdout}");
    assert!(lines[1].starts_with("contests[2].id: `mayor` is also the id of contests[0]"), "{stdout}");
    assert!(lines[2].starts_with("trustees: threshold 4 of count 3"), "{stdout}");
    assert!(stderr.contains("has 3 problem(s)"), "{stderr}");

    // `setup manifest` refuses the same template with the same list, before reading any key file.
    let missing = tmp.path().join("no-such.pub");
    let refused = fails(tallier(&[
        "setup",
        "manifest",
        "--base",
        p(&broken),
        "--collector-key",
        p(&missing),
        "--officials-key",
        p(&missing),
        "--mix-key",
        p(&missing),
        "--credentials",
        p(&missing),
        "--out",
        p(&tmp.path().join("manifest.json")),
    ]));
    for line in &lines {
        assert!(refused.contains(line), "{line} not in: {refused}");
    }
    assert!(!tmp.path().join("manifest.json").exists());

    // JSON errors: where they are, and what to do.
    let naive = tmp.path().join("naive.json");
    edit(&template, &naive, |v| v["voting_period"]["closes_at"] = "2026-09-28T14:13:20".into());
    let out = tallier(&["setup", "check", p(&naive)]);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    fails(out);
    assert!(line.starts_with("line ") && line.contains("has no offset from UTC: add `Z`"), "{line}");
    let unknown = tmp.path().join("unknown.json");
    edit(&template, &unknown, |v| v["contests"][0]["colour"] = "red".into());
    let out = tallier(&["setup", "check", p(&unknown)]);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    fails(out);
    assert!(line.starts_with("line ") && line.contains("unknown field `colour`"), "{line}");
    assert!(line.contains("remove it or correct its name"), "{line}");
    let syntax = tmp.path().join("syntax.json");
    std::fs::write(&syntax, text.replacen("\"seats\": 1,", "\"seats\": 1", 1)).unwrap();
    let out = tallier(&["setup", "check", p(&syntax)]);
    let line = String::from_utf8_lossy(&out.stdout).into_owned();
    fails(out);
    let at = text.lines().position(|l| l.contains("\"seats\": 1,")).unwrap();
    assert!(line.starts_with(&format!("line {}, column ", at + 2)) && line.contains("not valid JSON"), "{line}");
}

/// SPEC.md §4.3 MF9–MF12 through `tallier setup check`: a rule that does not fit its contest, a candidate on a list
/// that does not exist, a threshold of 100 %, too few grades; then a valid list contest passes.
#[test]
fn check_names_counting_rule_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("template.json");
    ok(tallier(&["setup", "example", "--out", p(&template)]));
    let broken = tmp.path().join("rules.json");
    edit(&template, &broken, |v| {
        let titled = |t: &str| serde_json::json!({"en": t, "et": t, "fr": t});
        v["contests"][1]["rule"] = "schulze".into();
        let mayor = &mut v["contests"][0];
        mayor["rule"] = "dhondt".into();
        mayor["threshold"] = "100".into();
        mayor["lists"] = serde_json::json!([{"id": "a", "title": titled("A")}]);
        mayor["options"][0]["list"] = "a".into();
        mayor["options"][1]["list"] = "z".into();
        mayor["options"][2]["list"] = "a".into();
        let council = &mut v["contests"][2];
        council["kind"] = serde_json::json!({"type": "graded"});
        council["write_in"] = serde_json::Value::Null;
        council["grades"] = serde_json::json!([titled("Good")]);
    });
    let run = tallier(&["setup", "check", p(&broken)]);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    fails(run);
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 4, "{stdout}");
    assert!(lines[0].starts_with("contests[0].options[1].list: option `bob` names list `z`"), "{stdout}");
    assert!(lines[1].starts_with("contests[0].threshold: 100 percent"), "{stdout}");
    assert!(
        lines[2].starts_with("contests[1].rule: `schulze` does not count a contest of kind `approval`"),
        "{stdout}"
    );
    assert!(lines[3].starts_with("contests[2].grades: 1 grades: a graded contest has 2 to 10"), "{stdout}");
    // Fixed, it passes.
    let fixed = tmp.path().join("fixed.json");
    edit(&broken, &fixed, |v| {
        v["contests"][1].as_object_mut().unwrap().remove("rule");
        v["contests"][0]["threshold"] = "5".into();
        v["contests"][0]["options"][1]["list"] = "a".into();
        v["contests"][2]["grades"] =
            serde_json::json!([{"en": "G", "et": "G", "fr": "G"}, {"en": "P", "et": "P", "fr": "P"}]);
    });
    let out = ok(tallier(&["setup", "check", p(&fixed)]));
    assert!(out.starts_with("ok: 3 contests"), "{out}");
}

/// `tallier setup example --districts` writes the example with districts, which checks; its districts' problems
/// (MF13: a contest's district not declared, a district twice, a district no contest is for) are each named where
/// they are, and `setup manifest` refuses the template with them.
#[test]
fn check_names_the_districts_problems() {
    let tmp = tempfile::tempdir().unwrap();
    let template = tmp.path().join("template.json");
    ok(tallier(&["setup", "example", "--districts", "--out", p(&template)]));
    let out = ok(tallier(&["setup", "check", p(&template)]));
    assert!(out.starts_with("ok: 4 contests in 3 districts (north, centre, south), languages en, et, fr"), "{out}");
    let broken = tmp.path().join("broken.json");
    edit(&template, &broken, |v| {
        v["contests"][0]["districts"] = serde_json::json!(["east"]);
        v["districts"][2]["id"] = serde_json::json!("centre");
    });
    let err = fails(tallier(&["setup", "check", p(&broken)]));
    assert!(err.contains("problem(s)"), "{err}");
    let out = tallier(&["setup", "check", p(&broken)]);
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("contests[0].districts: district `east` does not exist"), "{listed}");
    assert!(listed.contains("districts[2].id: `centre` is also the id of districts[1]"), "{listed}");
    let manifest = tmp.path().join("manifest.json");
    let args = ["setup", "manifest", "--base", p(&broken), "--out", p(&manifest), "--collector-key", "c.pub"];
    let err = fails(tallier(
        &[&args[..], &["--officials-key", "o.pub", "--mix-key", "m.pub", "--credentials", "x"]].concat(),
    ));
    assert!(err.contains("contests[0].districts: district `east` does not exist"), "{err}");
    assert!(!manifest.exists());
}
