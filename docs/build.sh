#!/usr/bin/env bash
# Builds the manual (mdBook) and checks it: a warning of mdBook (for instance an unclosed HTML
# tag, which would swallow the text after it) fails, and so does a broken link to a chapter, a
# file or an anchor (docs/check-links.py over the built HTML; mdBook itself does not check them),
# and a link of the README to a file that does not exist.
#   docs/build.sh [OUTDIR]     default: ${CARGO_TARGET_DIR:-target}/book
# Needs mdbook (`cargo install mdbook --locked`) and python3. mdBook empties OUTDIR first.
set -euo pipefail
docs=$(cd "$(dirname "$0")" && pwd)
out=$(realpath -m "${1:-${CARGO_TARGET_DIR:-$docs/../target}/book}")
if ! command -v mdbook >/dev/null; then
  echo "mdbook is missing: cargo install mdbook --locked" >&2
  exit 1
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! mdbook build --dest-dir "$out" "$docs" >"$log" 2>&1; then
  cat "$log" >&2
  exit 1
fi
if grep -qE '\b(WARN|ERROR)\b' "$log"; then
  cat "$log" >&2
  echo "the manual: mdBook warned (above); fix the source" >&2
  exit 1
fi
python3 "$docs/check-links.py" "$out" --markdown "$docs/../README.md"
echo "the manual: $out/index.html"
