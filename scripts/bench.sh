#!/usr/bin/env bash
# Runs the criterion benchmarks and prints a table of the figures the issues ask for.
# Usage: scripts/bench.sh [FILTER]   (FILTER is a criterion regex, e.g. 'ballot/', or 'count/' for counting alone)
# Counting itself (benches/count.rs: every rule of SPEC.md §12 over 1,000,000 decoded ballots, one count per
# iteration) is printed last, in seconds per rule; with FILTER 'count/' the primitive costs are measured too.
# Then, unless FILTER is given or SKIP_COLLECTOR_LOAD=1, the collector's load benchmark (scripts/collector-load.sh:
# PostgreSQL on this machine, 1,000 ballots/s for 30 s for latency, then as fast as possible for about a minute).
# Figures depend on the machine: compare them with the primitive costs printed in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
filter="${1:-}"
out=$(mktemp)
ballot_filter="$filter"
if [[ "$filter" == count/* ]]; then ballot_filter='primitive/'; fi
cargo bench -p protocol --bench ballot -- --warm-up-time 1 --measurement-time 4 --output-format bencher $ballot_filter \
  | tee /dev/stderr | grep '^test ' > "$out" || true
counts=$(mktemp)
if [[ -z "$filter" || "$filter" == count/* ]]; then
  cargo bench -p protocol --bench count -- --warm-up-time 1 --measurement-time 4 --output-format bencher $filter \
    | tee /dev/stderr | grep '^test ' > "$counts" || true
fi
echo
printf '%-48s %14s %16s\n' "benchmark" "time/iter" "per element"
printf '%-48s %14s %16s\n' "---------" "---------" "-----------"
while read -r _ name _ _ ns _; do
  ns=${ns//,/}
  elems=1
  case "$name" in
    */decode_and_check_batch/*|dleq/verify_pairs/*) elems=${name##*/} ;;
    primitive/msm_point_4096) elems=4096 ;;
  esac
  awk -v n="$name" -v ns="$ns" -v e="$elems" 'BEGIN {
    t = ns / 1000.0; p = t / e
    if (t >= 1000) { tt = sprintf("%.2f ms", t / 1000) } else { tt = sprintf("%.2f µs", t) }
    printf "%-48s %14s %13.2f µs\n", n, tt, p }'
done < "$out"
rm -f "$out"

if [[ -s "$counts" ]]; then
  echo
  printf '%-48s %14s %16s\n' "counting itself (rule/ballots)" "seconds" "per ballot"
  printf '%-48s %14s %16s\n' "------------------------------" "-------" "----------"
  while read -r _ name _ _ ns _; do
    ns=${ns//,/}
    awk -v n="${name#count/}" -v ns="$ns" -v e="${name##*/}" 'BEGIN {
      printf "%-48s %12.3f s %13.3f µs\n", n, ns / 1e9, ns / 1000.0 / e }'
  done < "$counts"
fi
rm -f "$counts"

if [[ -z "$filter" && "${SKIP_COLLECTOR_LOAD:-0}" != 1 ]]; then
  echo
  echo "Collector load benchmark (scripts/collector-load.sh)"
  scripts/collector-load.sh 1000 30 60
fi
