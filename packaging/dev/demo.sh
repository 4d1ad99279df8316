#!/usr/bin/env bash
# Builds Tessera and starts it on SQLite with the demo data set, on a fresh Debian 12 machine
# or a developer's one. Prints the URL and the demo sign-ins. Data goes to ./data (delete it to
# start over). Extra arguments are passed to `tessera serve`'s environment as usual (TESSERA_*).
set -euo pipefail
cd "$(dirname "$0")/../.."

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
packages=(build-essential pkg-config libpq-dev libsqlite3-dev ca-certificates)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
command -v cargo >/dev/null || { echo "cargo is missing: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

export TESSERA_DATA_DIR="${TESSERA_DATA_DIR:-$(pwd)/data}"
echo "==> building the policy plugins into $TESSERA_DATA_DIR/plugins"
plugins/build.sh "$TESSERA_DATA_DIR/plugins" >/dev/null
echo "==> building Tessera"
cargo build -p tessera --bin tessera
bin="${CARGO_TARGET_DIR:-target}/debug/tessera"
echo "==> loading the demo data and starting the server"
exec "$bin" demo --serve
