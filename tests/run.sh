#!/usr/bin/env bash
# Runs every test of Tessera on a fresh Debian 12 machine or a developer's one:
#   1. installs what the suite needs (Debian packages, the wasm target, cargo-nextest),
#   2. starts a throwaway PostgreSQL server as the postgres user (removed on exit),
#   3. builds the shipped policy plugins for wasm32-wasip1,
#   4. checks formatting and clippy, then runs the one integration binary and the unit tests
#      against SQLite and PostgreSQL with cargo-nextest; among them the region test, which
#      starts its own pg_auto_failover monitor, primary and standby, three Tessera nodes and
#      HAProxy on 127.0.0.1, kills a node and fails the primary over (about a minute and a half);
#   5. runs the packaging test (packaging/test.sh: release build, Debian package installed into a
#      clean Debian 12 root, container image built and smoke-tested with buildah) when no
#      arguments were given and TESSERA_SKIP_PACKAGING is not 1.
# Set CARGO_TARGET_DIR to reuse a build cache; UPDATE_SNAPSHOTS=1 rewrites tests/snapshots.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# How long each phase took, printed at the end (also when a phase fails).
phases=()
phase_start=$SECONDS
phase_name="set-up"
phase() {
  phases+=("$(printf '%-34s %5ss' "$phase_name" $((SECONDS - phase_start)))")
  phase_name="$1"
  phase_start=$SECONDS
  echo "==> $1"
}
print_phases() {
  phases+=("$(printf '%-34s %5ss' "$phase_name" $((SECONDS - phase_start)))")
  echo "==> time per phase (total ${SECONDS}s):"
  printf '    %s\n' "${phases[@]}"
}

# postgresql-15-auto-failover, pg-auto-failover-cli and haproxy: the region test (tests/region.rs).
packages=(build-essential pkg-config libpq-dev libsqlite3-dev postgresql python3 python3-aiosmtpd chromium curl ca-certificates poppler-utils openssl postgresql-15-auto-failover pg-auto-failover-cli haproxy)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  phase "installing Debian packages"
  echo "    ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if ! command -v cargo >/dev/null; then
  echo "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again" >&2
  exit 1
fi
if command -v rustup >/dev/null; then
  rustup target list --installed | grep -q wasm32-wasip1 || rustup target add wasm32-wasip1
  rustup component list --installed | grep -q clippy || rustup component add clippy rustfmt
fi
command -v cargo-nextest >/dev/null || cargo install cargo-nextest --locked
# Node and npm: tessera-credentials' interop test checks credentials with Digital Bazaar's
# libraries (tests/vc-interop). A Node already on the machine is kept.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  phase "installing Node.js"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi

# A build cache shared between checkouts at different paths (CI clones) reuses the workspace's
# own artifacts, whose env!("CARGO_MANIFEST_DIR") still names the old checkout: rebuild the
# workspace crates (not the dependencies) when the checkout moved.
target="${CARGO_TARGET_DIR:-$root/target}"
if [ -f "$target/.tessera-checkout" ] && [ "$(cat "$target/.tessera-checkout")" != "$root" ]; then
  echo "==> the build cache was last used by $(cat "$target/.tessera-checkout"): rebuilding the workspace crates"
  packages=$(cargo metadata --no-deps --format-version 1 | python3 -c 'import json,sys; print(" ".join("-p " + p["name"] for p in json.load(sys.stdin)["packages"]))')
  # shellcheck disable=SC2086
  cargo clean $packages
  cargo clean --release $packages
fi
mkdir -p "$target" && echo "$root" > "$target/.tessera-checkout"

# A throwaway PostgreSQL cluster, owned by the postgres user, on a free port.
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
pgdir=$(mktemp -d /tmp/tessera-pg.XXXXXX)
pgport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
if [ "$(id -u)" = 0 ]; then
  chown postgres:postgres "$pgdir"
  pg() { su postgres -s /bin/sh -c "$*"; }
else
  pg() { sh -c "$*"; }
fi
stop_pg() {
  pg "'$pgbin/pg_ctl' -D '$pgdir/data' -m immediate stop" >/dev/null 2>&1 || true
  rm -rf "$pgdir"
}
trap 'stop_pg; print_phases' EXIT
phase "starting PostgreSQL on port $pgport"
pg "'$pgbin/initdb' -D '$pgdir/data' -U postgres -A trust --no-sync" >/dev/null
pg "'$pgbin/pg_ctl' -D '$pgdir/data' -l '$pgdir/log' -w -o \"-p $pgport -k $pgdir -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300\" start" >/dev/null
export TESSERA_TEST_PG="postgres://postgres@127.0.0.1:$pgport/postgres"

# The shipped policy plugins, built for wasm32-wasip1.
if [ -x plugins/build.sh ]; then
  phase "building the policy plugins"
  export TESSERA_PLUGINS_DIST="${CARGO_TARGET_DIR:-$root/target}/plugins-dist"
  plugins/build.sh "$TESSERA_PLUGINS_DIST"
fi

# The locked npm packages of the VC interop test (tests/vc-interop/package-lock.json).
phase "npm ci (VC interop packages)"
(cd tests/vc-interop && npm ci --no-audit --no-fund --loglevel=error)
export TESSERA_VC_INTEROP="$root/tests/vc-interop"

phase "cargo fmt --check and clippy"
cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings

phase "tests"
cargo nextest run --workspace --locked --no-fail-fast "$@"

# The packaging test needs root (chroot, buildah); it is skipped when nextest arguments select
# some tests only, or with TESSERA_SKIP_PACKAGING=1.
if [ $# -eq 0 ] && [ "${TESSERA_SKIP_PACKAGING:-0}" != 1 ]; then
  phase "packaging test"
  as_root env PATH="$PATH" HOME="$HOME" CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$root/target}" \
    ${RUSTUP_HOME:+RUSTUP_HOME="$RUSTUP_HOME"} ${CARGO_HOME:+CARGO_HOME="$CARGO_HOME"} bash packaging/test.sh
fi
