#!/usr/bin/env bash
# The packaging test: what a centre installing Tessera gets.
#   1. builds the release binary (once, for both the .deb and the image), the shipped plugins and
#      the manual (docs/build.sh);
#   2. builds the Debian package twice (revisions 1 and 2) with cargo-deb and checks its contents;
#   3. checks the systemd unit with `systemd-analyze verify`;
#   4. installs revision 1 into a clean Debian 12 root (debootstrap minbase, cached), starts the
#      installed `tessera serve` as the tessera user the way the unit does, checks /healthz,
#      `tessera doctor`, /metrics and a demo sign-in;
#   5. upgrades to revision 2 and checks that the data and an edited configuration survive;
#   6. removes (data kept) and purges (data gone) the package;
#   7. assembles the container image FROM scratch with buildah (packaging/container/buildah.sh),
#      pushes it to an OCI archive, and smoke-tests that archive with `buildah run`.
# Runs as root (chroot, buildah); installs debootstrap, buildah, cargo-deb and mdbook when missing.
# Set CARGO_TARGET_DIR to reuse a build cache; the debootstrap root is cached in
# $TESSERA_PACKAGING_CACHE (default ~/.cache/tessera-packaging).
set -euo pipefail
cd "$(dirname "$0")/.."
src=$(pwd)
started=$(date +%s)
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$src/target}"
target="$CARGO_TARGET_DIR"
cache="${TESSERA_PACKAGING_CACHE:-$HOME/.cache/tessera-packaging}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
step() { echo "==> [$(( $(date +%s) - started ))s] $*"; }
fail() { echo "packaging test FAILED: $*" >&2; exit 1; }

if [ "$(id -u)" != 0 ]; then
  echo "packaging/test.sh needs root (chroot, debootstrap, buildah): run it with sudo" >&2
  exit 1
fi

# --- tools ------------------------------------------------------------------------------------
need=()
for p in debootstrap buildah dpkg-dev curl systemd; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || need+=("$p")
done
if [ ${#need[@]} -gt 0 ]; then
  step "installing ${need[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi
command -v cargo-deb >/dev/null || { step "installing cargo-deb"; cargo install cargo-deb --locked; }
command -v mdbook >/dev/null || { step "installing mdbook"; cargo install mdbook --locked; }

work=$(mktemp -d /tmp/tessera-packaging.XXXXXX)
chroot_dir="$work/root"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  for m in proc dev; do umount -l "$chroot_dir/$m" 2>/dev/null || true; done
  # --one-file-system: never into a bind mount that failed to come off.
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT

# --- build ------------------------------------------------------------------------------------
step "building the release binary"
cargo build --release --locked -p tessera
step "building the shipped plugins"
plugins/build.sh "$target/release/tessera-plugins" >/dev/null
step "building the manual"
docs/build.sh "$target/release/manual" >/dev/null
binary="$target/release/tessera"
version=$("$binary" --version | awk '{print $2}')

step "building the Debian packages ${version}-1 and ${version}-2"
mkdir -p "$work/deb"
cargo deb -p tessera --no-build --deb-revision 1 --output "$work/deb/tessera_${version}-1_amd64.deb" >/dev/null
cargo deb -p tessera --no-build --deb-revision 2 --output "$work/deb/tessera_${version}-2_amd64.deb" >/dev/null
deb1="$work/deb/tessera_${version}-1_amd64.deb"
deb2="$work/deb/tessera_${version}-2_amd64.deb"
contents=$(dpkg-deb -c "$deb1")
for f in ./usr/bin/tessera ./etc/tessera/tessera.toml ./usr/lib/systemd/system/tessera.service \
         ./usr/lib/sysusers.d/tessera.conf ./usr/share/tessera/plugins/baseline.wasm \
         ./usr/share/tessera/plugins/baseline.toml ./usr/share/doc/tessera/tessera.example.toml \
         ./usr/share/doc/tessera/manual/index.html ./usr/share/doc/tessera/manual/operators/installing.html; do
  grep -q " $f\$" <<<"$contents" || fail "the package lacks $f"
done
grep -qE -- "^-rw-r----- .* \./etc/tessera/tessera.toml$" <<<"$contents" || fail "tessera.toml is not mode 0640"
conffiles=$(dpkg-deb -I "$deb1" conffiles)
grep -qx /etc/tessera/tessera.toml <<<"$conffiles" || fail "tessera.toml is not a conffile"
depends=$(dpkg-deb -f "$deb1" Depends)
for d in libpq5 libsqlite3-0 ca-certificates libc6; do grep -q "$d" <<<"$depends" || fail "Depends lacks $d: $depends"; done

step "checking the systemd unit"
mkdir -p "$work/unit"
dpkg-deb -x "$deb1" "$work/unit"
unit="$work/unit/usr/lib/systemd/system/tessera.service"
for key in "User=tessera" "ProtectSystem=strict" "StateDirectory=tessera" "NoNewPrivileges=yes" \
           "PrivateTmp=yes" "ProtectHome=yes" "CapabilityBoundingSet=" "SystemCallFilter=@system-service"; do
  grep -qx "$key" "$unit" || fail "the unit lacks $key"
done
if command -v systemd-analyze >/dev/null; then
  # verify wants ExecStart's binary to exist: point it at the unpacked one. Unknown keys and
  # bad values are reported as "tessera.service:LINE: ..." (with exit status 0).
  sed "s|/usr/bin/tessera|$work/unit/usr/bin/tessera|" "$unit" >"$work/tessera.service"
  out=$(systemd-analyze verify "$work/tessera.service" 2>&1) || { echo "$out" >&2; fail "systemd-analyze verify"; }
  if grep -qiE "tessera.service:[0-9]+:|unknown|failed" <<<"$out"; then
    echo "$out" >&2
    fail "systemd-analyze verify found problems in the unit"
  fi
  echo "systemd-analyze verify: ${out:-no findings}"
fi

# --- a clean Debian 12 root -------------------------------------------------------------------
rootfs="$cache/bookworm-minbase.tar.gz"
if [ ! -s "$rootfs" ]; then
  step "debootstrap: Debian 12 minbase (cached in $rootfs)"
  mkdir -p "$cache" "$work/base"
  debootstrap --variant=minbase --include=libpq5,libsqlite3-0,ca-certificates bookworm "$work/base" "$mirror" >/dev/null
  rm -rf "$work/base"/var/cache/apt/archives/*.deb "$work/base"/var/lib/apt/lists/*
  tar --numeric-owner -C "$work/base" -czf "$rootfs.tmp" . && mv "$rootfs.tmp" "$rootfs"
  rm -rf "$work/base"
fi
step "unpacking a clean Debian 12 root"
mkdir -p "$chroot_dir"
tar --numeric-owner -xzf "$rootfs" -C "$chroot_dir"
mount -t proc proc "$chroot_dir/proc"
mount --bind /dev "$chroot_dir/dev"
in_root() { chroot "$chroot_dir" "$@"; }
# As the unit runs it: user and group tessera, the configuration from /etc, umask 0027.
as_tessera() {
  chroot "$chroot_dir" setpriv --reuid=tessera --regid=tessera --init-groups \
    env -i PATH=/usr/bin:/bin TESSERA_CONFIG=/etc/tessera/tessera.toml "$@"
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"

start_server() {
  ( umask 0027; exec chroot "$chroot_dir" setpriv --reuid=tessera --regid=tessera --init-groups \
      env -i PATH=/usr/bin:/bin TESSERA_CONFIG=/etc/tessera/tessera.toml TESSERA_SERVER__LISTEN="127.0.0.1:$port" \
      /usr/bin/tessera serve ) >>"$work/serve.log" 2>&1 &
  server_pid=$!
  for _ in $(seq 1 150); do
    curl -sf --max-time 2 "$base/healthz" >/dev/null 2>&1 && return 0
    kill -0 "$server_pid" 2>/dev/null || { cat "$work/serve.log" >&2; fail "tessera serve exited"; }
    sleep 0.2
  done
  cat "$work/serve.log" >&2
  fail "the installed tessera serve never answered /healthz"
}
stop_server() {
  kill -TERM "$server_pid"
  wait "$server_pid" || fail "tessera serve did not stop cleanly on SIGTERM"
  server_pid=""
}
demo_login() {
  local res
  res=$(curl -s -o "$work/login.json" -w '%{http_code}' -H 'content-type: application/json' \
    -d '{"tenant":"pl078","login":"manager@pl078.example","password":"tessera2026"}' "$base/api/v1/auth/login")
  [ "$res" = 200 ] && grep -q csrf_token "$work/login.json" || fail "demo sign-in answered $res: $(cat "$work/login.json")"
}

step "installing ${version}-1 into the clean root"
cp "$deb1" "$deb2" "$chroot_dir/tmp/"
# apt resolves the declared dependencies from the Debian mirror, as on a centre's machine.
cp /etc/resolv.conf "$chroot_dir/etc/resolv.conf"
{ in_root apt-get update -qq && in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
    --no-install-recommends "/tmp/$(basename "$deb1")"; } >"$work/install.log" 2>&1 \
  || { cat "$work/install.log" >&2; fail "apt-get install ./tessera.deb"; }
in_root getent passwd tessera >/dev/null || fail "no tessera user"
[ "$(in_root stat -c '%a %U %G' /etc/tessera/tessera.toml)" = "640 root tessera" ] || fail "tessera.toml is not 0640 root:tessera"
[ "$(in_root stat -c '%a %U' /var/lib/tessera)" = "750 tessera" ] || fail "/var/lib/tessera is not 0750 tessera"
[ -L "$chroot_dir/var/lib/tessera/plugins/baseline.wasm" ] || fail "the shipped plugins are not linked into the plugins folder"

step "starting the installed tessera serve as the tessera user; demo data; sign-in"
as_tessera /usr/bin/tessera demo >/dev/null
start_server
[ "$(curl -s "$base/healthz")" = ok ] || fail "/healthz"
[ "$(curl -sf "$base/readyz")" = '{"status":"ready"}' ] || fail "/readyz"
demo_login
# (Read whole first: `grep -q` closing a pipe early would fail curl under pipefail.)
metrics=$(curl -sf "$base/metrics") || fail "/metrics"
grep -q 'tessera_http_requests_total{method="POST",route="/api/v1/auth/login",status="200"}' <<<"$metrics" \
  || fail "/metrics does not count the sign-in"
as_tessera /usr/bin/tessera doctor >"$work/doctor.log" 2>&1 || { cat "$work/doctor.log" >&2; fail "tessera doctor on the fresh install"; }
# A backup of the running installation carries the linked shipped plugins as files.
as_tessera /usr/bin/tessera backup --to /var/lib/tessera/backup.tar.gz >/dev/null || fail "tessera backup"
listing=$(tar -tvzf "$chroot_dir/var/lib/tessera/backup.tar.gz")
grep -qE '^-.* plugins/baseline.wasm$' <<<"$listing" && grep -q ' database.sqlite$' <<<"$listing" \
  && grep -q ' config/tessera.toml$' <<<"$listing" || fail "the backup lacks the database, configuration or plugins"
stop_server

step "upgrading to ${version}-2 (data and an edited configuration survive)"
echo "# edited by the admin" >>"$chroot_dir/etc/tessera/tessera.toml"
in_root dpkg -i "/tmp/$(basename "$deb2")" >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log" >&2; fail "dpkg -i (upgrade)"; }
grep -q "database is up to date" "$work/upgrade.log" || { cat "$work/upgrade.log" >&2; fail "postinst did not run tessera migrate"; }
[ "$(in_root dpkg-query -W -f '${Version}' tessera)" = "${version}-2" ] || fail "the upgrade did not install ${version}-2"
grep -q "edited by the admin" "$chroot_dir/etc/tessera/tessera.toml" || fail "the upgrade replaced the edited configuration"
start_server
demo_login
tenants=$(as_tessera /usr/bin/tessera tenant list) || fail "tessera tenant list"
grep -q pl078 <<<"$tenants" || fail "the demo tenants are gone after the upgrade"
stop_server

step "remove keeps the data; purge removes it"
in_root dpkg -r tessera >/dev/null
[ -f "$chroot_dir/var/lib/tessera/tessera.db" ] || fail "dpkg -r removed the database"
[ -f "$chroot_dir/etc/tessera/tessera.toml" ] || fail "dpkg -r removed the configuration"
in_root dpkg -P tessera >/dev/null
[ ! -e "$chroot_dir/var/lib/tessera" ] || fail "dpkg -P left /var/lib/tessera"
[ ! -e "$chroot_dir/etc/tessera" ] || fail "dpkg -P left /etc/tessera"
for m in proc dev; do umount -l "$chroot_dir/$m"; done

# --- container image --------------------------------------------------------------------------
# A private buildah storage under $work: nothing is left behind, nobody else's images touched.
export TESSERA_BUILDAH_ROOT="$work/buildah"
b() { buildah --root "$TESSERA_BUILDAH_ROOT/root" --runroot "$TESSERA_BUILDAH_ROOT/run" --storage-driver vfs "$@"; }
step "assembling the container image FROM scratch with buildah"
image="$work/tessera.oci.tar"
packaging/container/buildah.sh "$rootfs" "$binary" "$target/release/tessera-plugins" "$image"
step "smoke-testing the image from the OCI archive with buildah run"
ctr=$(b from --quiet "oci-archive:$image")
b inspect --format '{{.OCIv1.Config.User}} {{index .OCIv1.Config.Env 0}}' "$ctr" >"$work/inspect.txt" 2>/dev/null || true
grep -q "^tessera" "$work/inspect.txt" || { b rm "$ctr" >/dev/null; fail "the image does not run as the tessera user: $(cat "$work/inspect.txt")"; }
# Inside the container: start the server (as the image's user, with its entrypoint), wait for
# the health check to pass, check the shipped plugins are in place, stop it with SIGTERM.
smoke='/usr/local/bin/tessera-entrypoint serve & pid=$!
  tessera healthcheck --wait 60 && tessera plugin list | grep -q baseline; rc=$?
  kill -TERM $pid; wait $pid || rc=1; exit $rc'
if b run --isolation chroot --env TESSERA_SERVER__LISTEN="127.0.0.1:$port" "$ctr" -- /bin/sh -c "$smoke" >"$work/smoke.log" 2>&1; then
  grep -q "ok: http://127.0.0.1:$port/healthz" "$work/smoke.log" || { cat "$work/smoke.log" >&2; b rm "$ctr" >/dev/null; fail "no health check answer"; }
else
  cat "$work/smoke.log" >&2
  b rm "$ctr" >/dev/null
  fail "the container smoke test"
fi
b rm "$ctr" >/dev/null

step "packaging test passed in $(( $(date +%s) - started ))s"
