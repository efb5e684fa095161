#!/usr/bin/env bash
# Runs every test of the project, installing what is missing first. This is the README's test command and what
# CI runs (.ci/run). Usage: scripts/test.sh
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
started=$(date +%s)

step "Toolchain: rustfmt, clippy, the wasm32 target"
installed_components=$(rustup component list --installed 2>/dev/null || true)
for component in rustfmt clippy; do
  grep -q "^$component" <<<"$installed_components" || rustup component add "$component"
done
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown

step "Formatting (cargo fmt --check)"
cargo fmt --all -- --check

step "Lints (cargo clippy, warnings denied)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "PostgreSQL for the collector's tests (DATABASE_URL, or a private server started here)"
# shellcheck source=lib/pg.sh
source scripts/lib/pg.sh
# The server binaries are needed even with DATABASE_URL: one test restarts a private server during a load.
ensure_postgres
trap stop_postgres EXIT

step "Unit, integration and whole-system tests (cargo test)"
cargo test --workspace --locked

step "protocol builds for wasm32-unknown-unknown"
cargo build -p protocol --target wasm32-unknown-unknown --locked

step "WASM toolchain: wasm-bindgen-cli at the wasm-bindgen crate's version, Chromium and chromedriver"
wasm_bindgen_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if ! wasm-bindgen --version 2>/dev/null | grep -qF "$wasm_bindgen_version"; then
  cargo install wasm-bindgen-cli --version "$wasm_bindgen_version"
fi
if ! command -v chromedriver >/dev/null || ! command -v chromium >/dev/null; then
  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium chromium-driver
fi

step "Voter client in headless Chromium (wasm-bindgen-test)"
(cd voter-client &&
  CHROMEDRIVER=$(command -v chromedriver) CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  WASM_BINDGEN_TEST_TIMEOUT=180 cargo test --target wasm32-unknown-unknown --locked -- --nocapture)

step "End-to-end browser test: voting and verification pages, real collector and PostgreSQL, Chromium"
command -v npm >/dev/null || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q npm; }
scripts/browser-test.sh

step "All tests passed in $(( $(date +%s) - started )) s"
