#!/usr/bin/env bash
# Builds the voter's WASM module for the web page: voter-client/web/pkg/{voter_client.js, voter_client_bg.wasm,
# voter_client_bg.wasm.sha256}. The SHA-256 lets anyone compare the served module with a build of their own.
# Usage: scripts/build-web.sh   (uses npm's binaryen for wasm-opt when npm is available; optional)
set -euo pipefail
cd "$(dirname "$0")/.."
# The shared base of every page (web-assets/web: the base style and the text lookup), next to the page.
cp web-assets/web/base.css web-assets/web/i18n-core.js voter-client/web/
out=voter-client/web/pkg
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
wasm-bindgen --version 2>/dev/null | grep -qF "$version" || cargo install wasm-bindgen-cli --version "$version"

# Panic messages embed the source paths of dependencies ($CARGO_HOME/registry/src/…): mapped to a fixed prefix, so
# that the module, and its SHA-256, are the same on any machine with the same toolchain and Cargo.lock.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
cargo build --locked --profile wasm-release -p voter-client --target wasm32-unknown-unknown \
  --config "target.wasm32-unknown-unknown.rustflags = [\"--remap-path-prefix=$cargo_home=/cargo\"]"
mkdir -p "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" \
  target/wasm32-unknown-unknown/wasm-release/voter_client.wasm

tools=target/web-tools
if command -v npm >/dev/null; then
  [ -x "$tools/node_modules/.bin/wasm-opt" ] || npm install --silent --prefix "$tools" binaryen@132 >/dev/null 2>&1 || true
fi
if [ -x "$tools/node_modules/.bin/wasm-opt" ]; then
  "$tools/node_modules/.bin/wasm-opt" -Oz --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/voter_client_bg.wasm" -o "$out/voter_client_bg.wasm.opt"
  mv "$out/voter_client_bg.wasm.opt" "$out/voter_client_bg.wasm"
else
  echo "note: wasm-opt not available; the module is not size-optimised further" >&2
fi
(cd "$out" && sha256sum voter_client_bg.wasm > voter_client_bg.wasm.sha256)
echo "built $out/voter_client_bg.wasm: $(wc -c < "$out/voter_client_bg.wasm") bytes, sha256 $(cut -d' ' -f1 "$out/voter_client_bg.wasm.sha256")"
