//! Prometheus metrics in the text exposition format (`GET /metrics`).

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;

#[derive(Debug, Default)]
pub struct Metrics {
    pub accepted: AtomicU64,
    pub duplicates: AtomicU64,
    pub batches: AtomicU64,
    pub storage_errors: AtomicU64,
    pub verification_fetches: AtomicU64,
    pub rejected: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    pub fn reject(&self, code: &'static str) {
        if let Ok(mut m) = self.rejected.lock() {
            *m.entry(code).or_insert(0) += 1;
        }
    }

    pub fn render(&self, tree_size: u64) -> String {
        let mut out = String::new();
        let mut counter = |name: &str, help: &str, v: u64| {
            let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} counter\n{name} {v}");
        };
        counter(
            "collector_ballots_accepted_total",
            "Ballots appended to the log.",
            self.accepted.load(Ordering::Relaxed),
        );
        counter(
            "collector_ballots_duplicate_total",
            "Ballots sent again (same receipt).",
            self.duplicates.load(Ordering::Relaxed),
        );
        counter(
            "collector_append_batches_total",
            "Committed append transactions.",
            self.batches.load(Ordering::Relaxed),
        );
        counter(
            "collector_storage_errors_total",
            "Append batches that failed in PostgreSQL.",
            self.storage_errors.load(Ordering::Relaxed),
        );
        counter(
            "collector_verification_fetches_total",
            "Ballots fetched by second devices.",
            self.verification_fetches.load(Ordering::Relaxed),
        );
        let _ = writeln!(out, "# HELP collector_requests_rejected_total Rejected requests by error code.");
        let _ = writeln!(out, "# TYPE collector_requests_rejected_total counter");
        if let Ok(m) = self.rejected.lock() {
            for (code, v) in m.iter() {
                let _ = writeln!(out, "collector_requests_rejected_total{{code=\"{code}\"}} {v}");
            }
        }
        let _ = writeln!(out, "# HELP collector_log_tree_size Leaves in the log known to this process.");
        let _ = writeln!(out, "# TYPE collector_log_tree_size gauge\ncollector_log_tree_size {tree_size}");
        out
    }
}
