#!/usr/bin/env bash
# Runs every test of Tessera on a fresh Debian 12 machine or a developer's one:
#   1. installs what the suite needs (Debian packages, the wasm target, cargo-nextest),
#   2. starts a throwaway PostgreSQL server as the postgres user (removed on exit),
#   3. builds the manual (docs/, mdBook; mdbook installed with cargo when missing) and fails on a
#      broken link in it (docs/check-links.py),
#   4. builds the shipped policy plugins for wasm32-wasip1,
#   5. checks formatting and clippy, then runs the one integration binary and the unit tests
#      against SQLite and PostgreSQL with cargo-nextest; among them the region test, which
#      starts its own pg_auto_failover monitor, primary and standby, three Tessera nodes and
#      HAProxy on 127.0.0.1, kills a node and fails the primary over (about a minute and a half);
#   6. runs the packaging test (packaging/test.sh: release build, Debian package installed into a
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
# nodejs and npm: Digital Bazaar's credential verifier (tests/credentials.rs); zbar-tools decodes
# the QR code of a Statement of Results, poppler-utils renders it and extracts its attachment.
# python3-venv: the webhook receiver's virtual environment (tests/webhooks.rs).
# chromium-driver: the browser tests (tests/browser.rs) drive Chromium through WebDriver.
packages=(build-essential pkg-config libpq-dev libsqlite3-dev postgresql python3 python3-aiosmtpd python3-venv chromium chromium-driver curl ca-certificates poppler-utils openssl postgresql-15-auto-failover pg-auto-failover-cli haproxy nodejs zbar-tools)
missing=()
for p in "${packages[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p"); done
# Debian's npm, unless a Node.js that brings its own is installed.
command -v npm >/dev/null || missing+=(npm)
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

# The manual, built into the build cache ($target/book); a broken link to a chapter, a file or
# an anchor fails the run (mdBook alone does not check them).
phase "building the manual"
command -v mdbook >/dev/null || cargo install mdbook --locked
docs/build.sh "$target/book"

# The shipped policy plugins, built for wasm32-wasip1.
if [ -x plugins/build.sh ]; then
  phase "building the policy plugins"
  export TESSERA_PLUGINS_DIST="${CARGO_TARGET_DIR:-$root/target}/plugins-dist"
  plugins/build.sh "$TESSERA_PLUGINS_DIST"
fi

# Digital Bazaar's VC libraries, from the npm registry at the versions tests/vc-interop pins,
# installed once into the build cache (reinstalled when the lock file changes).
phase "installing the credential verifier (npm)"
interop="${CARGO_TARGET_DIR:-$root/target}/vc-interop"
mkdir -p "$interop"
cp tests/vc-interop/package.json tests/vc-interop/package-lock.json tests/vc-interop/*.mjs "$interop/"
if ! cmp -s tests/vc-interop/package-lock.json "$interop/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/vc-interop/package-lock.json "$interop/node_modules/.installed-lock"
fi
export TESSERA_VC_INTEROP="$interop"

# axe-core (npm, pinned in tests/axe), injected by the browser tests into every page.
phase "installing axe-core (npm)"
axe="${CARGO_TARGET_DIR:-$root/target}/axe"
mkdir -p "$axe"
cp tests/axe/package.json tests/axe/package-lock.json "$axe/"
if ! cmp -s tests/axe/package-lock.json "$axe/node_modules/.installed-lock" 2>/dev/null; then
  (cd "$axe" && npm ci --no-audit --no-fund --loglevel=error)
  cp tests/axe/package-lock.json "$axe/node_modules/.installed-lock"
fi
export TESSERA_AXE="$axe/node_modules/axe-core/axe.min.js"

# The Standard Webhooks reference library (PyPI `standardwebhooks`, pinned in
# tests/webhook-receiver/requirements.txt) for the webhook receiver of tests/webhooks.rs,
# installed once into a virtual environment in the build cache (again when the pin changes).
phase "installing the webhook receiver (pip)"
webhook_venv="${CARGO_TARGET_DIR:-$root/target}/webhook-venv"
if ! cmp -s tests/webhook-receiver/requirements.txt "$webhook_venv/.installed-requirements" 2>/dev/null; then
  rm -rf "$webhook_venv"
  python3 -m venv "$webhook_venv"
  "$webhook_venv/bin/pip" install --quiet --disable-pip-version-check -r tests/webhook-receiver/requirements.txt
  cp tests/webhook-receiver/requirements.txt "$webhook_venv/.installed-requirements"
fi
export TESSERA_WEBHOOK_PY="$webhook_venv/bin/python"

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
