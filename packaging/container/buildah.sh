#!/usr/bin/env bash
# Assembles Tessera's runtime image FROM scratch with buildah, the same image the Containerfile's
# runtime stage describes, where no base image can be pulled: a Debian 12 minbase root (with
# libpq5, libsqlite3-0, ca-certificates), the release binary, the shipped plugins, a non-root
# user, a volume, a health check and TESSERA_* defaults. Writes an OCI archive.
#
#   packaging/container/buildah.sh ROOTFS.tar.gz TESSERA_BINARY PLUGINS_DIR OUTPUT.oci.tar
#
# Runs as root with buildah's vfs storage driver and chroot isolation (no daemon, no overlay).
set -euo pipefail
# Docker format while building, so HEALTHCHECK is kept in the configuration.
export BUILDAH_FORMAT=docker
rootfs="${1:?usage: buildah.sh ROOTFS.tar.gz BINARY PLUGINS_DIR OUTPUT.oci.tar}"
binary="${2:?binary}"
plugins="${3:?plugins folder}"
output="${4:?output archive}"
here="$(cd "$(dirname "$0")" && pwd)"
version="$("$binary" --version | awk '{print $2}')"
# TESSERA_BUILDAH_ROOT: a private storage folder (the test uses one); default: buildah's own.
b() {
  if [ -n "${TESSERA_BUILDAH_ROOT:-}" ]; then
    buildah --root "$TESSERA_BUILDAH_ROOT/root" --runroot "$TESSERA_BUILDAH_ROOT/run" --storage-driver vfs "$@"
  else
    buildah --storage-driver vfs "$@"
  fi
}

ctr=$(b from --name "tessera-build-$$" scratch)
trap 'b umount "$ctr" >/dev/null 2>&1 || true; b rm "$ctr" >/dev/null 2>&1 || true' EXIT
mnt=$(b mount "$ctr")
tar --numeric-owner -xzf "$rootfs" -C "$mnt"
# What a server needs no more of: the package manager's state, documentation, manuals.
rm -rf "$mnt"/var/lib/apt/lists/* "$mnt"/var/cache/apt/* "$mnt"/usr/share/doc/* "$mnt"/usr/share/man/* \
       "$mnt"/usr/share/info/* "$mnt"/usr/share/locale/*
install -D -m 0755 "$binary" "$mnt/usr/bin/tessera"
install -d -m 0755 "$mnt/usr/share/tessera/plugins"
install -m 0644 "$plugins"/*.wasm "$plugins"/*.toml "$mnt/usr/share/tessera/plugins/"
install -D -m 0755 "$here/entrypoint.sh" "$mnt/usr/local/bin/tessera-entrypoint"
chroot "$mnt" useradd --uid 10001 --user-group --home-dir /var/lib/tessera --no-create-home \
    --shell /usr/sbin/nologin tessera
install -d -o 10001 -g 10001 -m 0750 "$mnt/var/lib/tessera"
b umount "$ctr" >/dev/null

b config \
    --user tessera:tessera \
    --workingdir /var/lib/tessera \
    --env TESSERA_DATA_DIR=/var/lib/tessera \
    --env TESSERA_SERVER__LISTEN=0.0.0.0:8080 \
    --env TESSERA_SERVER__PUBLIC_URL=http://localhost:8080 \
    --env TESSERA_PLUGINS__DIR=/var/lib/tessera/plugins \
    --port 8080 \
    --volume /var/lib/tessera \
    --entrypoint '["/usr/local/bin/tessera-entrypoint"]' \
    --cmd serve \
    --healthcheck 'CMD ["/usr/bin/tessera", "healthcheck"]' \
    --healthcheck-interval 30s --healthcheck-timeout 5s --healthcheck-start-period 30s --healthcheck-retries 3 \
    --label org.opencontainers.image.title=tessera \
    --label org.opencontainers.image.version="$version" \
    --label org.opencontainers.image.licenses=AGPL-3.0-or-later \
    "$ctr"
image="localhost/tessera:$version"
# The Docker format keeps the HEALTHCHECK in the configuration (OCI's has no such field).
b commit --quiet --format docker "$ctr" "$image" >/dev/null
rm -f "$output"
b push --quiet "$image" "oci-archive:$output:tessera:$version"
b rmi "$image" >/dev/null 2>&1 || true
echo "wrote $output ($(du -h "$output" | cut -f1), image tessera:$version)"
