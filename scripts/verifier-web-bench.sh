#!/usr/bin/env bash
# The in-browser verifier's figure: a record of N ballots (1 contest, 3 mix stages, 3 of 5 trustees; made by
# tests/examples/tally_scaling.rs), verified by `verifier verify` and by the page in headless Chromium, in the same
# run on this machine; prints both times and their ratio (the issue's target: ≤ 4× at 10,000 ballots). A figure,
# not a timed assertion. Beside it, the primitive costs of the same run, natively and in the page's WASM. The
# command line uses every core; the page a coordinator worker and one helper worker per core (run.js).
# Usage: scripts/verifier-web-bench.sh [N]      (default 1000)   PROFILE=dev for a debug build of the tools,
#        RUNS=n runs of each side (default 3), KEEP=DIR to keep the record there for the next run
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
profile=${PROFILE:-release}
target_dir=${CARGO_TARGET_DIR:-target}
bin_dir=$target_dir/$([ "$profile" = dev ] && echo debug || echo "$profile")
scripts/build-verifier-web.sh
cargo build --locked -q --profile "$profile" -p verifier --bin verifier --example primitives
cargo build --locked -q --profile "$profile" -p system-tests --example tally_scaling
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --silent --no-audit --no-fund; })

work=$(mktemp -d /tmp/verifier-web-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
# KEEP=DIR keeps the record in DIR and uses it again on the next run (same N).
record=${KEEP:-$work/record}
if [[ ! -f "$record/index.json" ]]; then
  echo "making a record of $n ballots…" >&2
  rm -rf "$record"
  KEEP_RECORD="$record" "$bin_dir/examples/tally_scaling" "$n" >/dev/null
fi
RECORD="$record" VERIFIER="$bin_dir/verifier" PRIMITIVES="$bin_dir/examples/primitives" WEB=verifier-web/web BALLOTS="$n" PROFILE="$profile" \
  node tests/browser/verify-bench.mjs
