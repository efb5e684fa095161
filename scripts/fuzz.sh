#!/usr/bin/env bash
# The "never panics" property tests with many cases, each bounded in time (issue 16): every binary decoder of
# protocol, the JSON decoders, the count, and `verifier verify` on a mutated record.
# Usage: scripts/fuzz.sh [CASES] [SECONDS]   (defaults: 200000 cases per test, 600 s per test file)
# The record test runs CASES/100 cases (each is a whole verification). A test file that reaches SECONDS is stopped
# and reported as such, not as a failure; any failing case is printed with its minimal input.
set -euo pipefail
cd "$(dirname "$0")/.."
cases="${1:-200000}"
seconds="${2:-600}"
status=0
run() {
  local n="$1"; shift
  echo "== $* (PROPTEST_CASES=$n, at most ${seconds}s)"
  local rc=0
  PROPTEST_CASES="$n" timeout "$seconds" cargo test "$@" || rc=$?
  if [[ $rc -eq 124 ]]; then
    echo "   stopped after ${seconds}s with no failure"
  elif [[ $rc -ne 0 ]]; then
    status=$rc
  fi
}
# Build first, so that the time limit is spent on the cases.
cargo test --no-run -p protocol --test binary_decoders --test json_decoders --test count_props
cargo test --no-run -p verifier --test fuzz_record
run "$cases" -p protocol --test binary_decoders
run "$cases" -p protocol --test json_decoders
run "$cases" -p protocol --test count_props
run "$((cases / 100))" -p verifier --test fuzz_record
exit $status
