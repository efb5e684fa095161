#!/usr/bin/env bash
# The whole tally (prepare, 3 mix stages with 3 trustees checking each as it comes, 3 of 5 trustees decrypting,
# finish) and `verifier verify` of its record, timed for each number of ballots given (default 10,000 and 100,000), with each step's peak resident
# memory (MB and bytes per ballot), and the primitive costs measured before and after. Release build.
# Usage: scripts/tally-bench.sh [N …]      e.g. scripts/tally-bench.sh 10000 100000 1000000
# DISTRICTS=D: an election of D districts, each with its own contest (mixed and decrypted on its own), N ballots in all.
set -euo pipefail
cd "$(dirname "$0")/.."
[[ $# -gt 0 ]] || set -- 10000 100000
cargo run --locked --release -q -p system-tests --example tally_scaling -- "$@"
