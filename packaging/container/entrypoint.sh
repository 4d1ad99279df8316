#!/bin/sh
# The image's entrypoint: link the shipped plugins into the data volume (a file already there,
# e.g. an admin's own build, is left alone), then run `tessera` with the given arguments.
set -e
plugins="${TESSERA_PLUGINS__DIR:-/var/lib/tessera/plugins}"
mkdir -p "$plugins"
for f in /usr/share/tessera/plugins/*; do
    [ -e "$f" ] || continue
    dest="$plugins/$(basename "$f")"
    [ -e "$dest" ] || [ -L "$dest" ] || ln -s "$f" "$dest"
done
exec /usr/bin/tessera "$@"
