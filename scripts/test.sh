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
pg_bin_dir() { ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1; }
# The server binaries are needed even with DATABASE_URL: one test restarts a private server during a load.
if [[ -z "$(pg_bin_dir)" ]]; then
  echo "PostgreSQL binaries missing: installing the Debian package"
  sudo_cmd=""; [[ $(id -u) == 0 ]] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq postgresql >/dev/null
fi
export PG_BIN=${PG_BIN:-$(pg_bin_dir)}
as_postgres() { if [[ $(id -u) == 0 ]]; then runuser -u postgres -- "$@"; else "$@"; fi; }
if [[ -z "${DATABASE_URL:-}" ]]; then
  pg_dir=$(mktemp -d /tmp/test-pg.XXXXXX)
  chmod 755 "$pg_dir"; [[ $(id -u) == 0 ]] && chown postgres "$pg_dir"
  as_postgres "$PG_BIN/initdb" -A trust -U postgres --no-sync -D "$pg_dir/data" >/dev/null
  pg_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
  as_postgres "$PG_BIN/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c max_connections=300" >/dev/null
  trap 'as_postgres "$PG_BIN/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true; rm -rf "$pg_dir"' EXIT
  export DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "private PostgreSQL on port $pg_port"
else
  echo "using DATABASE_URL"
fi

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
