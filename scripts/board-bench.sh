#!/usr/bin/env bash
# The ballot board's figures (README): the page weight and the time to show the first page of 100,000 trackers in
# headless Chromium. Publishes the frozen test record with `verifier publish`, then replaces its board data with
# that of N ballots (default 100,000) in the same format (pages of 100, search buckets), since what the page
# loads does not depend on the record's size: site.json, one page and, for a search, one bucket. Prints BENCH
# lines; asserts nothing about time. Usage: scripts/board-bench.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cargo build --locked -q -p verifier
(cd tests/browser && { { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ]; } || npm ci --silent --no-audit --no-fund; })
work=$(mktemp -d /tmp/board-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT
target/debug/verifier publish --quiet --out "$work/site" verifier/tests/frozen-record >/dev/null
python3 - "$work/site" "$n" <<'PY'
import json, os, random, sys
site, n = sys.argv[1], int(sys.argv[2])
random.seed(19)
rows = []
for i in range(n):
    h = "%016X" % random.getrandbits(64)
    fate = random.choices(["counted", "superseded", "revoked", "refused"], [90, 8, 1, 1])[0]
    detail = {"superseded": min(n - 1, i + 1), "refused": "bad_proof"}.get(fate)
    rows.append([i, 1790000000 + i, "-".join(h[k:k + 4] for k in range(0, 16, 4)), fate, detail])
for d in ("board", "find"):
    for f in os.listdir(os.path.join(site, "data", d)):
        os.remove(os.path.join(site, "data", d, f))
for p in range(0, n, 100):
    with open(os.path.join(site, "data", "board", "page-%d.json" % (p // 100)), "w") as f:
        json.dump({"entries": rows[p:p + 100]}, f, separators=(",", ":"))
buckets = {"%02X" % b: [] for b in range(256)}
for r in rows:
    buckets[r[2][:2]].append(r)
for k, v in buckets.items():
    with open(os.path.join(site, "data", "find", k + ".json"), "w") as f:
        json.dump({"entries": v}, f, separators=(",", ":"))
path = os.path.join(site, "data", "site.json")
s = json.load(open(path))
s["board"] = {"total": n, "page_size": 100, "pages": (n + 99) // 100}
json.dump(s, open(path, "w"), separators=(",", ":"))
PY
BENCH_SITE_DIR="$work/site" SCREENSHOTS="$work/shots" node tests/browser/board.mjs
