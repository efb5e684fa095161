#!/usr/bin/env bash
# How a mix stage scales with cores (issue "National scale", item 3): one stage of N rows (default 100,000, width
# 1) shuffled, proven, decoded and verified with 1 thread and then with every core (rayon), by
# protocol/examples/mix_scaling.rs; prints each side's µs per row, the speedup, the serial (Amdahl) fraction it
# implies, f = (T/S − 1)/(T − 1) for T threads and speedup S, and what that fraction allows on 64 cores:
# 1 / (f + (1 − f)/64), beside the primitive costs each run measured. A figure, not a timed assertion; the
# machine's speed varies, so run it on a quiet machine.
# Usage: scripts/mix-cores.sh [N]
set -euo pipefail
cd "$(dirname "$0")/.."
n=${1:-100000}
cores=$(nproc)
cargo build --locked --release -q -p protocol --example mix_scaling
# Each run's output is kept: its primitive costs (one thread, CPU time) are printed beside the figures.
out1=$(RAYON_NUM_THREADS=1 target/release/examples/mix_scaling 1 "$n")
outT=$(RAYON_NUM_THREADS=$cores target/release/examples/mix_scaling 1 "$n")
row() { awk -v n="$n" '$1 == n && $3 == "|" { print $4, $8 }'; }
read -r prove1 verify1 < <(row <<< "$out1")
read -r proveT verifyT < <(row <<< "$outT")
echo "primitive costs, run with 1 thread:"; grep 'CPU time, one thread' <<< "$out1"
echo "primitive costs, run with $cores threads:"; grep 'CPU time, one thread' <<< "$outT"
awk -v p1="$prove1" -v v1="$verify1" -v pT="$proveT" -v vT="$verifyT" -v T="$cores" -v n="$n" 'BEGIN {
  printf "one mix stage, N = %d, width 1 (µs per row, wall clock)\n", n
  printf "%-22s %10s %10s %9s %15s %16s\n", "", "1 thread", T " threads", "speedup", "serial fraction", "64 cores (Amdahl)"
  split("shuffle + prove|verify (streamed)", name, "|")
  a[1] = p1; b[1] = pT; a[2] = v1; b[2] = vT
  for (i = 1; i <= 2; i++) {
    s = a[i] / b[i]; f = (T / s - 1) / (T - 1); if (f < 0) f = 0
    printf "%-22s %10.2f %10.2f %8.2fx %14.1f %% %15.1fx\n", name[i], a[i], b[i], s, 100 * f, 1 / (f + (1 - f) / 64)
  }
}'
