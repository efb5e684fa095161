//! The one report every verifier command prints (SPEC.md §14.4): each check with its number, name, outcome and
//! time, as an aligned text table ending in a `RESULT` line, or as JSON (`--json`).
//!
//! A check passes with a short note, fails with a reason naming where (contest, stage, trustee, leaf index,
//! file), or is not run because an input it reads comes from a check that could not provide it; the report
//! names that check.
//!
//! Progress (when the caller asks for it, and only when stderr is a terminal) goes to stderr as
//! one status line, rewritten in place as each check finishes, with bars for the long ones; it is cleared
//! ([`Report::end_progress`]) before the report is printed, so nothing of it stays between the report's lines and
//! nothing of it ever goes to stdout.

use std::cell::Cell;
use std::fmt;
use std::io::Write;
use std::time::Duration;

#[cfg(feature = "cli")]
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde::Serialize;
use web_time::Instant;

pub use crate::checks::Check;
pub use crate::failure::{
    BallotFailure, ElectionFailure, Failure, FileFailure, InputDifference, KeysFailure, ListDifference, RecordFailure,
    ResultFailure,
};

/// What became of one check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum Outcome {
    /// Passed; the note says what was seen (counts, keys, sizes).
    Pass { note: String },
    /// Failed; the reason names where (`failure` as text); in JSON, `kinds` lists the failure's kinds
    /// ([`Failure::kinds`]).
    Fail {
        reason: String,
        #[serde(rename = "kinds", serialize_with = "kinds")]
        failure: Failure,
    },
    /// Not run: an input it reads was not provided by the checks `waited_for` (serialized as `"V1, V2"`).
    NotRun {
        #[serde(serialize_with = "joined")]
        waited_for: Vec<Check>,
    },
}

/// One check of a report.
#[derive(Debug, Clone, Serialize)]
pub struct CheckResult {
    /// The check (serialized as its id, e.g. `V6`, `KC3`).
    #[serde(rename = "id")]
    pub check: Check,
    pub name: &'static str,
    #[serde(flatten)]
    pub outcome: Outcome,
    /// Wall-clock time of the check, milliseconds.
    #[serde(rename = "millis", serialize_with = "millis")]
    pub time: Duration,
}

fn kinds<S: serde::Serializer>(failure: &Failure, s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(failure.kinds())
}

fn joined<S: serde::Serializer>(checks: &[Check], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&ids(checks))
}

fn ids(checks: &[Check]) -> String {
    checks.iter().map(|c| c.id()).collect::<Vec<_>>().join(", ")
}

fn millis<S: serde::Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64((d.as_secs_f64() * 1e6).round() / 1e3)
}

/// A command's answer beyond pass or fail: a stable code, a headline in words, and the exit status that says it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    pub code: &'static str,
    pub headline: String,
    #[serde(skip)]
    pub exit_status: u8,
}

/// The checks of one command, in the order they ran.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// What was verified (a command and its main argument).
    pub subject: String,
    pub checks: Vec<CheckResult>,
    /// The election the report is about, as fields (fingerprint, every role's key, the registry), once known.
    pub election: Option<serde_json::Value>,
    /// What a passing report proves, and what it leaves to be trusted, in words.
    pub proven: Vec<String>,
    pub trusted: Vec<String>,
    /// A command's one-line answer, printed first (`verifier receipt`: what became of the ballot).
    pub verdict: Option<Verdict>,
    /// Print progress on stderr.
    #[serde(skip)]
    progress: bool,
    /// A status line is on stderr, not yet cleared.
    #[serde(skip)]
    status_shown: Cell<bool>,
    /// Called with each check as it is reported ([`Report::on_check`]): the in-browser verifier's progress.
    #[serde(skip)]
    on_check: OnCheck,
}

/// A caller's function called with each check as it is reported.
#[derive(Default)]
struct OnCheck(Option<Box<CheckCallback>>);

/// What [`Report::on_check`] keeps.
type CheckCallback = dyn FnMut(&CheckResult) + Send;

impl fmt::Debug for OnCheck {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.is_some() { "OnCheck(set)" } else { "OnCheck(none)" })
    }
}

/// A progress bar of a long check ([`Report::bar`]): drawn on stderr by the command-line tool, nothing elsewhere.
#[derive(Debug)]
pub struct Bar {
    #[cfg(feature = "cli")]
    bar: ProgressBar,
}

impl Bar {
    /// `n` more steps done.
    pub fn inc(&self, n: u64) {
        #[cfg(feature = "cli")]
        self.bar.inc(n);
        #[cfg(not(feature = "cli"))]
        let _ = n;
    }

    /// Done: the bar is removed.
    pub fn finish_and_clear(&self) {
        #[cfg(feature = "cli")]
        self.bar.finish_and_clear();
    }
}

impl Report {
    pub fn new(subject: impl Into<String>, progress: bool) -> Self {
        Self {
            subject: subject.into(),
            checks: Vec::new(),
            election: None,
            proven: Vec::new(),
            trusted: Vec::new(),
            verdict: None,
            // A status line rewritten in place means nothing in a file or pipe: only on a terminal, whoever asks.
            progress: progress && std::io::IsTerminal::is_terminal(&std::io::stderr()),
            status_shown: Cell::new(false),
            on_check: OnCheck(None),
        }
    }

    /// Calls `f` with each check as it is reported, in order (after it ran, or when it is found not to run).
    pub fn on_check(&mut self, f: impl FnMut(&CheckResult) + Send + 'static) {
        self.on_check = OnCheck(Some(Box::new(f)));
    }

    /// Clears the progress status line from stderr, if one is there: call it before printing anything else.
    pub fn end_progress(&self) {
        if self.status_shown.replace(false) {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[2K");
            let _ = err.flush();
        }
    }

    /// Every check passed (and there was at least one).
    pub fn passed(&self) -> bool {
        !self.checks.is_empty() && self.checks.iter().all(|c| matches!(c.outcome, Outcome::Pass { .. }))
    }

    /// The checks that failed, in order (not those not run).
    pub fn failed(&self) -> Vec<Check> {
        self.checks.iter().filter(|c| matches!(c.outcome, Outcome::Fail { .. })).map(|c| c.check).collect()
    }

    /// The ids of the checks that failed, in order (not those not run).
    pub fn failed_ids(&self) -> Vec<&'static str> {
        self.failed().into_iter().map(Check::id).collect()
    }

    /// The ids of the checks not run, in order.
    pub fn not_run_ids(&self) -> Vec<&'static str> {
        self.checks.iter().filter(|c| matches!(c.outcome, Outcome::NotRun { .. })).map(|c| c.check.id()).collect()
    }

    /// This check's result, if it was reported.
    pub fn check(&self, check: Check) -> Option<&CheckResult> {
        self.checks.iter().find(|c| c.check == check)
    }

    /// Why this check failed, if it did.
    pub fn failure(&self, check: Check) -> Option<&Failure> {
        match &self.check(check)?.outcome {
            Outcome::Fail { failure, .. } => Some(failure),
            _ => None,
        }
    }

    /// Runs `f` as `check`; returns its value if it passed. `f` states a failure in words.
    pub fn run<T>(&mut self, check: Check, f: impl FnOnce() -> Result<(T, String), String>) -> Option<T> {
        self.run_typed(check, || f().map_err(Failure::Said))
    }

    /// Runs `f` as `check`; returns its value if it passed. `f` returns a failure as data.
    pub fn run_typed<T>(&mut self, check: Check, f: impl FnOnce() -> Result<(T, String), Failure>) -> Option<T> {
        let start = Instant::now();
        let r = f();
        match r {
            Ok((v, note)) => {
                self.push(check, Outcome::Pass { note }, start.elapsed());
                Some(v)
            }
            Err(failure) => {
                self.push(check, fail(failure), start.elapsed());
                None
            }
        }
    }

    /// Runs `f` as check `id`, which computes a value whether or not the check passes (a recomputed artefact
    /// that later checks use even when the record's copy of it is wrong). `f` returns the value and the
    /// outcome of the comparison.
    pub fn run_keep<T>(&mut self, check: Check, f: impl FnOnce() -> (T, Result<String, String>)) -> T {
        self.run_keep_typed(check, || {
            let (v, r) = f();
            (v, r.map_err(Failure::Said))
        })
    }

    /// [`Report::run_keep`] with a failure as data.
    pub fn run_keep_typed<T>(&mut self, check: Check, f: impl FnOnce() -> (T, Result<String, Failure>)) -> T {
        let start = Instant::now();
        let (v, r) = f();
        let outcome = match r {
            Ok(note) => Outcome::Pass { note },
            Err(failure) => fail(failure),
        };
        self.push(check, outcome, start.elapsed());
        v
    }

    /// Records `check` as not run, waiting for the checks `waited_for`.
    pub fn not_run(&mut self, check: Check, waited_for: &[Check]) {
        self.push(check, Outcome::NotRun { waited_for: waited_for.to_vec() }, Duration::ZERO);
    }

    fn push(&mut self, check: Check, outcome: Outcome, time: Duration) {
        let (id, name) = (check.id(), check.name());
        if self.progress {
            let status = match &outcome {
                Outcome::Pass { .. } => "pass",
                Outcome::Fail { .. } => "FAIL",
                Outcome::NotRun { .. } => "not run",
            };
            let mut err = std::io::stderr().lock();
            let ms = time.as_secs_f64() * 1e3;
            let _ = write!(err, "\r\x1b[2Kchecked {id} {name}: {status} ({ms:.1} ms)");
            let _ = err.flush();
            self.status_shown.set(true);
        }
        let result = CheckResult { check, name, outcome, time };
        if let Some(f) = self.on_check.0.as_mut() {
            f(&result);
        }
        self.checks.push(result);
    }

    /// A progress bar of `len` steps on stderr (hidden without progress). The caller finishes it.
    pub fn bar(&self, len: u64, what: &str) -> Bar {
        #[cfg(feature = "cli")]
        {
            if !self.progress {
                return Bar { bar: ProgressBar::hidden() };
            }
            self.end_progress();
            let bar = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template("      {msg:<40} [{bar:30}] {pos}/{len} ({eta})") {
                bar.set_style(style.progress_chars("=> "));
            }
            bar.set_message(what.to_string());
            Bar { bar }
        }
        #[cfg(not(feature = "cli"))]
        {
            let _ = (len, what);
            Bar {}
        }
    }

    /// The report as JSON: `{"subject", "passed", "failed": [ids], "checks": [{id, name, status, note | reason
    /// | waited_for, millis}]}`.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "subject": self.subject,
            "passed": self.passed(),
            "failed": self.failed_ids(),
            "checks": self.checks,
            "election": self.election,
            "proven": if self.passed() { self.proven.clone() } else { Vec::new() },
            "trusted": self.trusted,
            "verdict": self.verdict,
        })
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.subject.is_empty() {
            writeln!(f, "{}", self.subject)?;
        }
        if let Some(v) = self.verdict.as_ref().filter(|_| self.passed()) {
            writeln!(f, "{}\n", v.headline)?;
        }
        let id_w = self.checks.iter().map(|c| c.check.id().chars().count()).max().unwrap_or(2).max(2);
        let name_w = self.checks.iter().map(|c| c.name.chars().count()).max().unwrap_or(5).max(5);
        writeln!(f, "{:<id_w$}  {:<name_w$}  {:<7}  {:>10}  detail", "id", "check", "result", "time")?;
        for c in &self.checks {
            let (status, detail) = match &c.outcome {
                Outcome::Pass { note } => ("PASS", note.clone()),
                Outcome::Fail { reason, .. } => ("FAIL", reason.clone()),
                Outcome::NotRun { waited_for } => ("NOT RUN", format!("waits for {}", ids(waited_for))),
            };
            let time = format!("{:.1} ms", c.time.as_secs_f64() * 1e3);
            let indent = " ".repeat(id_w + name_w + 7 + 10 + 8);
            let detail = detail.replace('\n', &format!("\n{indent}"));
            writeln!(f, "{:<id_w$}  {:<name_w$}  {status:<7}  {time:>10}  {detail}", c.check.id(), c.name)?;
        }
        let failed = self.failed_ids();
        let not_run = self.not_run_ids();
        if self.passed() && !self.proven.is_empty() {
            writeln!(f, "\nProven by these checks:")?;
            for p in &self.proven {
                writeln!(f, "  - {p}")?;
            }
        }
        if !self.trusted.is_empty() {
            writeln!(f, "{}Still to be trusted:", if self.passed() && !self.proven.is_empty() { "" } else { "\n" })?;
            for t in &self.trusted {
                writeln!(f, "  - {t}")?;
            }
        }
        if self.passed() {
            write!(f, "RESULT: PASS ({} checks passed)", self.checks.len())
        } else if self.checks.is_empty() {
            write!(f, "RESULT: FAIL (no check ran)")
        } else {
            write!(f, "RESULT: FAIL (failed: {}", if failed.is_empty() { "none".into() } else { failed.join(", ") })?;
            if !not_run.is_empty() {
                write!(f, "; not run: {}", not_run.join(", "))?;
            }
            write!(f, ")")
        }
    }
}

fn fail(failure: Failure) -> Outcome {
    Outcome::Fail { reason: failure.to_string(), failure }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn outcomes_and_failed_ids() {
        let mut r = Report::new("test", false);
        assert!(!r.passed(), "an empty report does not pass");
        assert_eq!(r.run(Check::V1, || Ok((1, "ok".into()))), Some(1));
        assert_eq!(r.run::<()>(Check::V2, || Err("broken at leaf 3".into())), None);
        r.not_run(Check::V3, &[Check::V2]);
        let kept = r.run_keep(Check::V4, || (7, Err("differs".into())));
        assert_eq!(r.failure(Check::V2), Some(&Failure::Said("broken at leaf 3".into())));
        assert_eq!(kept, 7);
        assert!(!r.passed());
        assert_eq!(r.failed_ids(), vec!["V2", "V4"]);
        assert_eq!(r.not_run_ids(), vec!["V3"]);
        let text = r.to_string();
        assert!(text.contains("broken at leaf 3") && text.contains("waits for V2"), "{text}");
        assert!(text.ends_with("RESULT: FAIL (failed: V2, V4; not run: V3)"), "{text}");
        let json = r.to_json();
        assert_eq!(json["failed"], serde_json::json!(["V2", "V4"]));
        assert_eq!(json["checks"][2]["status"], "not_run");
        assert_eq!(json["checks"][2]["waited_for"], "V2");
        assert_eq!(json["checks"][1]["reason"], "broken at leaf 3");
        assert_eq!(json["checks"][1]["kinds"], serde_json::json!(["said"]));
    }
}
