#!/usr/bin/env bash
# Build every shipped policy plugin for wasm32-wasip1 and write OUTDIR/<name>.wasm + <name>.toml.
# The manifest gets the module's sha256, so a module and manifest from different builds are refused.
set -euo pipefail
out="${1:?usage: plugins/build.sh OUTDIR}"
root="$(cd "$(dirname "$0")/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
rustup target add wasm32-wasip1 >/dev/null 2>&1 || rustup target add wasm32-wasip1
mkdir -p "$out"
plugins=(baseline pl hu it)
packages=()
for p in "${plugins[@]}"; do packages+=(-p "tessera-plugin-$p"); done
# Size and speed of the module matter more than build time: one codegen unit, LTO, no debug info.
# Set through the environment so the workspace's release profile stays untouched.
CARGO_PROFILE_RELEASE_LTO=true \
CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
CARGO_PROFILE_RELEASE_STRIP=true \
CARGO_TARGET_DIR="$target_dir" \
  cargo build --manifest-path "$root/Cargo.toml" --release --target wasm32-wasip1 --lib "${packages[@]}"
for p in "${plugins[@]}"; do
  wasm="$target_dir/wasm32-wasip1/release/tessera_plugin_$p.wasm"
  name="$(sed -n 's/^name = "\(.*\)"$/\1/p' "$root/plugins/$p/plugin.toml")"
  cp "$wasm" "$out/$name.wasm.tmp" && mv "$out/$name.wasm.tmp" "$out/$name.wasm"
  sum="$(sha256sum "$out/$name.wasm" | cut -d' ' -f1)"
  # Insert the checksum after the `abi` line (top-level keys must precede [config]).
  sed "s/^abi = \(.*\)$/abi = \1\nsha256 = \"$sum\"/" "$root/plugins/$p/plugin.toml" > "$out/$name.toml.tmp"
  mv "$out/$name.toml.tmp" "$out/$name.toml"
  echo "built $out/$name.wasm ($(wc -c < "$out/$name.wasm") bytes, sha256 $sum)"
done
