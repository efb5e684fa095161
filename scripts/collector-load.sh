#!/usr/bin/env bash
# Load benchmark of the collector on loopback: PostgreSQL (DATABASE_URL's server, or a private one started here),
# one `collector serve` (release build), and the load generator (collector/examples/load.rs).
# Usage: scripts/collector-load.sh [RATE_FOR_LATENCY=1000] [SECONDS_FOR_LATENCY=30] [SECONDS_AT_MAX=60]
# Prints the generator's figures: sustained throughput (closed loop, as fast as 64 connections allow, for about
# SECONDS_AT_MAX) and latency percentiles at a fixed open-loop rate. With FLOOD_IDLE=N and FLOOD_SLOW=M the latency
# run is repeated while attackers hold N idle and M slow-loris connections open (reconnecting when closed); the
# collector then runs with --max-connections MAX_CONNECTIONS (default 2048) and the open-file limit raised to fit.
set -euo pipefail
cd "$(dirname "$0")/.."
rate=${1:-1000}
secs_latency=${2:-30}
secs_max=${3:-60}
max_rate=${MAX_RATE:-3300}
n_latency=$(( rate * secs_latency ))
n_max=$(( max_rate * secs_max ))
flooded=0; (( ${FLOOD_IDLE:-0} + ${FLOOD_SLOW:-0} > 0 )) && flooded=1
voters=$(( n_latency * (1 + flooded) + n_max ))

work=$(mktemp -d /tmp/collector-load.XXXXXX)
chmod 755 "$work"
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  if [[ -n "${PGDATA_DIR:-}" ]]; then as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -m immediate stop >/dev/null 2>&1 || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
PG_BIN=${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)}

cargo build --release -p collector --bin collector --example load --locked
bin=target/release/collector
load=target/release/examples/load

if [[ -n "${DATABASE_URL:-}" ]]; then
  admin_url=$DATABASE_URL
else
  PGDATA_DIR=$work/pg
  mkdir -p "$PGDATA_DIR"; [[ $(id -u) == 0 ]] && chown postgres "$PGDATA_DIR"
  as_postgres "$PG_BIN/initdb" -A trust -U postgres -D "$PGDATA_DIR" >/dev/null
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_postgres "$PG_BIN/pg_ctl" -D "$PGDATA_DIR" -l "$PGDATA_DIR/log" -w start \
    -o "-p $port -k $PGDATA_DIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c shared_buffers=256MB" >/dev/null
  admin_url="postgres://postgres@127.0.0.1:$port/postgres"
fi
db="bench_$$"
psql_url=${admin_url}
"$PG_BIN/psql" "$psql_url" -qc "CREATE DATABASE $db" >/dev/null
url="${admin_url%/*}/$db"

echo "== election with $voters voters"
"$bin" dev-election --voters "$voters" --out "$work/e"
"$bin" init --database-url "$url" --election "$work/e/election.json" --credentials "$work/e/credentials.json" \
  --key "$work/e/collector.key"
cport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
flood_idle=${FLOOD_IDLE:-0}
flood_slow=${FLOOD_SLOW:-0}
max_conn=${MAX_CONNECTIONS:-2048}
if (( flood_idle + flood_slow > 0 )); then
  ulimit -n "$(( max_conn + 1024 > $(ulimit -Hn) ? $(ulimit -Hn) : max_conn + 1024 ))"
fi
RUST_LOG=warn "$bin" serve --max-connections "$max_conn" --database-url "$url" --key "$work/e/collector.key" --listen "127.0.0.1:$cport" \
  --pool-size 8 &
pids+=($!)
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$cport/readyz" >/dev/null && break; sleep 0.1; done

echo "== latency at $rate ballots/s for ${secs_latency} s (open loop, up to 256 in flight)"
"$load" --url "http://127.0.0.1:$cport" --election "$work/e" --ballots "$n_latency" --rate "$rate" --concurrency 256
skip=$n_latency
if (( flooded )); then
  echo "== latency at $rate ballots/s for ${secs_latency} s under $flood_idle idle and $flood_slow slow-loris connections"
  "$load" --url "http://127.0.0.1:$cport" --election "$work/e" --ballots "$n_latency" --skip "$skip" --rate "$rate" \
    --concurrency 256 --idle "$flood_idle" --slow "$flood_slow"
  skip=$(( skip + n_latency ))
  echo "collector's resident memory after the flood: $(awk '/VmHWM/ {print $2, $3, "peak"}' "/proc/${pids[-1]}/status")"
fi
echo "== sustained throughput: $n_max ballots as fast as 64 connections allow"
"$load" --url "http://127.0.0.1:$cport" --election "$work/e" --ballots "$n_max" --skip "$skip" --rate 0 --concurrency 64
curl -s "http://127.0.0.1:$cport/metrics" | grep -E '^collector_(ballots_accepted|append_batches|storage_errors)'
"$PG_BIN/psql" "$url" -Atc "SELECT 'rows in ballots: ' || count(*) FROM ballots"
