#!/usr/bin/env bash
# The public API of `nn` and `nn-runtime` (default features) as sorted text listings in api/,
# from rustdoc's JSON, which stable rustdoc writes when RUSTC_BOOTSTRAP lets it take `-Z`.
#
#   bash scripts/api_snapshot.sh          # rewrite api/*.txt after an intended API change
#   bash scripts/api_snapshot.sh --check  # CI: fail with a diff if api/*.txt is out of date
#
# Its own target directory keeps RUSTC_BOOTSTRAP from touching the ordinary build's.
set -euo pipefail
cd "$(dirname "$0")/.."

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

target="target/api-json"
fresh="$(mktemp -d)"
trap 'rm -rf "$fresh"' EXIT
for crate in nn nn-runtime; do
  RUSTC_BOOTSTRAP=1 cargo rustdoc --quiet --target-dir "$target" -p "$crate" --lib -- \
    -Z unstable-options --output-format json
  python3 scripts/api_listing.py "$target/doc/${crate//-/_}.json" > "$fresh/$crate.txt"
done

if $check; then
  if ! diff -u api "$fresh"; then
    echo "the public API differs from api/*.txt (above, - committed, + now): if the change is" >&2
    echo "intended, run 'bash scripts/api_snapshot.sh', commit api/, and note it in CHANGELOG.md" >&2
    exit 1
  fi
  echo "api/*.txt matches the public API"
else
  mkdir -p api
  cp "$fresh"/*.txt api/
  echo "wrote api/nn.txt and api/nn-runtime.txt"
fi
