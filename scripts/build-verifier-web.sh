#!/usr/bin/env bash
# Builds the in-browser verifier's WASM module for its page: verifier-web/web/pkg/{verifier_web.js,
# verifier_web_bg.wasm, verifier_web_bg.wasm.sha256}. The page (verifier-web/web/) is then static files: serve the
# folder from any web server (it needs application/wasm for .wasm and text/javascript for .js).
# Usage: scripts/build-verifier-web.sh   (uses npm's binaryen for wasm-opt when it is there, as scripts/build-web.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
# The shared base of every page (web-assets/web: the base style and the text lookup), next to the page.
cp web-assets/web/base.css web-assets/web/i18n-core.js verifier-web/web/
out=verifier-web/web/pkg
rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
wasm-bindgen --version 2>/dev/null | grep -qF "$version" || cargo install wasm-bindgen-cli --version "$version"

# The verifier is built for speed, not size: it checks every proof of the record. RUSTFLAGS replaces the flags of
# .cargo/config.toml for the module (not for build scripts): sha2's full-speed portable code, not the voter
# module's compact one (V1 hashes every file). curve25519-dalek keeps its 32-bit field arithmetic on WASM: the
# 64-bit one was 2.7 times slower here (WASM has no 128-bit product). Source paths of dependencies are mapped to a
# fixed prefix, so the module is the same on any machine with the same toolchain and Cargo.lock.
cargo_home=${CARGO_HOME:-$HOME/.cargo}
target_dir=${CARGO_TARGET_DIR:-target}
RUSTFLAGS="--remap-path-prefix=$cargo_home=/cargo" \
  cargo build --locked --profile wasm-verifier -p verifier-web --target wasm32-unknown-unknown
mkdir -p "$out"
wasm-bindgen --target web --remove-name-section --remove-producers-section --out-dir "$out" \
  "$target_dir/wasm32-unknown-unknown/wasm-verifier/verifier_web.wasm"

tools=target/web-tools
if [ -x "$tools/node_modules/.bin/wasm-opt" ]; then
  "$tools/node_modules/.bin/wasm-opt" -O3 --enable-bulk-memory --enable-nontrapping-float-to-int --enable-sign-ext \
    --enable-mutable-globals --enable-reference-types --enable-multivalue \
    "$out/verifier_web_bg.wasm" -o "$out/verifier_web_bg.wasm.opt"
  mv "$out/verifier_web_bg.wasm.opt" "$out/verifier_web_bg.wasm"
fi
(cd "$out" && sha256sum verifier_web_bg.wasm > verifier_web_bg.wasm.sha256)
echo "built $out/verifier_web_bg.wasm: $(wc -c < "$out/verifier_web_bg.wasm") bytes, sha256 $(cut -d' ' -f1 "$out/verifier_web_bg.wasm.sha256")"
