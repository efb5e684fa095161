#!/usr/bin/env bash
# End-to-end browser test: a real collector over PostgreSQL serving the voting pages, driven in Debian's Chromium
# by playwright-core (tests/browser/vote.mjs). Screenshots go to target/browser-screenshots/.
# Then the ballot board: the collector's live board (/board/) and the site `verifier publish` writes from the
# frozen test record (tests/browser/board.mjs).
# Needs DATABASE_URL (a server where it may create a database); scripts/test.sh provides one.
set -euo pipefail
cd "$(dirname "$0")/.."
: "${DATABASE_URL:?DATABASE_URL must point to a PostgreSQL server}"

scripts/build-web.sh
cargo build --locked -q -p collector -p verifier
(cd tests/browser && { { [ -d node_modules/playwright-core ] && [ -d node_modules/axe-core ]; } || npm ci --silent --no-audit --no-fund; })

work=$(mktemp -d /tmp/browser-e2e.XXXXXX)
db="browser_e2e_$$"
psql "$DATABASE_URL" -q -c "CREATE DATABASE $db" >/dev/null
db_url="${DATABASE_URL%/*}/$db"
db_districts="browser_e2e_districts_$$"
psql "$DATABASE_URL" -q -c "CREATE DATABASE $db_districts" >/dev/null
db_districts_url="${DATABASE_URL%/*}/$db_districts"
server=""
mirror=""
server_districts=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null || true
  [ -n "$mirror" ] && kill "$mirror" 2>/dev/null || true
  [ -n "$server_districts" ] && kill "$server_districts" 2>/dev/null || true
  psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  psql "$DATABASE_URL" -q -c "DROP DATABASE IF EXISTS $db_districts WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

collector=target/debug/collector
"$collector" dev-election --voters 5 --out "$work/election"
# Credentials of another election: well-formed (their check group is right) but not registered here.
"$collector" dev-election --voters 1 --out "$work/other" >/dev/null
"$collector" init --database-url "$db_url" --election "$work/election/election.json" \
  --credentials "$work/election/credentials.json" --key "$work/election/collector.key" >/dev/null
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$collector" serve --database-url "$db_url" --key "$work/election/collector.key" --listen "127.0.0.1:$port" \
  --web voter-client/web >"$work/collector.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done
# An independent mirror of the log (the "data embassy") that serves the verification page from its own origin.
mirror_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/debug/verifier monitor --collector "http://127.0.0.1:$port" --dir "$work/mirror" --interval 1 \
  --listen "127.0.0.1:$mirror_port" --web voter-client/web >"$work/mirror.log" 2>&1 &
mirror=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$mirror_port/log/sth" >/dev/null 2>&1 && break; sleep 0.1; done

# An election with districts (SPEC.md §4.1: north, centre, south, a council each and a referendum for all), on its
# own collector: each voter's page shows that voter's district's contests.
"$collector" dev-election --districts --voters 6 --out "$work/districts"
"$collector" init --database-url "$db_districts_url" --election "$work/districts/election.json" \
  --credentials "$work/districts/credentials.json" --key "$work/districts/collector.key" >/dev/null
districts_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$collector" serve --database-url "$db_districts_url" --key "$work/districts/collector.key" \
  --listen "127.0.0.1:$districts_port" --web voter-client/web >"$work/collector-districts.log" 2>&1 &
server_districts=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$districts_port/readyz" >/dev/null 2>&1 && break; sleep 0.1; done

rm -rf target/browser-screenshots
DISTRICTS_URL="http://127.0.0.1:$districts_port" DISTRICTS_DIR="$work/districts" \
OTHER_VOTERS="$work/other/voters.json" COLLECTOR_URL="http://127.0.0.1:$port" MIRROR_URL="http://127.0.0.1:$mirror_port" ELECTION_DIR="$work/election" SCREENSHOTS=target/browser-screenshots \
  CLOSE_CMD="$collector close --database-url $db_url --key $work/election/collector.key >/dev/null" node tests/browser/vote.mjs \
  || { echo "collector log:"; tail -30 "$work/collector.log"; echo "mirror log:"; tail -30 "$work/mirror.log";
       echo "collector (districts) log:"; tail -30 "$work/collector-districts.log"; exit 1; }

# The in-browser verifier (verifier-web), built for the published site and tested below.
scripts/build-verifier-web.sh

# The published site of a small test election (verifier/tests/frozen-record: 7 ballots, each fate), with the
# in-browser verifier, and the collector's and the mirror's live boards after the ballots vote.mjs cast.
target/debug/verifier publish --quiet --browser-verifier verifier-web/web --out "$work/site" verifier/tests/frozen-record >/dev/null
SITE_DIR="$work/site" COLLECTOR_URL="http://127.0.0.1:$port" MIRROR_URL="http://127.0.0.1:$mirror_port" SCREENSHOTS=target/browser-screenshots \
  node tests/browser/board.mjs || { echo "collector log:"; tail -30 "$work/collector.log"; exit 1; }

# The in-browser verifier on its own: the frozen record passes and a tampered copy fails at the same check as
# `verifier verify --json`; axe-core in en/et/fr. Its screenshots are target/browser-screenshots/verify-*.png.
RECORD=verifier/tests/frozen-record VERIFIER=target/debug/verifier WEB=verifier-web/web SCREENSHOTS=target/browser-screenshots \
  node tests/browser/verify-record.mjs
