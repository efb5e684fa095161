#!/usr/bin/env bash
# The in-browser verifier's figure: a record of N ballots (1 contest, 3 mix stages, 3 of 5 trustees; made by
# tests/examples/tally_scaling.rs), verified by `verifier verify` and by the page in headless Chromium, in the same
# run on this machine; prints both times and their ratio (the issue's target: ≤ 4× at 10,000 ballots). A figure,
# not a timed assertion. The command line uses every core; the page uses one Web Worker.
# Usage: scripts/verifier-web-bench.sh [N]      (default 1000)   PROFILE=dev for a debug build of the tools
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-1000}
profile=${PROFILE:-release}
target_dir=${CARGO_TARGET_DIR:-target}
bin_dir=$target_dir/$([ "$profile" = dev ] && echo debug || echo "$profile")
scripts/build-verifier-web.sh
cargo build --locked -q --profile "$profile" -p verifier
cargo build --locked -q --profile "$profile" -p system-tests --example tally_scaling
(cd tests/browser && { [ -d node_modules/playwright-core ] || npm ci --silent --no-audit --no-fund; })

work=$(mktemp -d /tmp/verifier-web-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
echo "making a record of $n ballots…" >&2
KEEP_RECORD="$work/record" "$bin_dir/examples/tally_scaling" "$n" >/dev/null
RECORD="$work/record" VERIFIER="$bin_dir/verifier" WEB=verifier-web/web BALLOTS="$n" PROFILE="$profile" \
  node tests/browser/verify-bench.mjs
