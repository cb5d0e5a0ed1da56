#!/usr/bin/env bash
# Builds the module and role reference of opencloud.images from the documentation the code carries (DOCUMENTATION,
# EXAMPLES and RETURN of each module, meta/argument_specs.yml of each role), with antsibull-docs and Sphinx:
#
#   pip install -r tests/requirements-tools.txt     # antsibull-docs, Sphinx and the theme (once, in a venv)
#   bash docs/build.sh [OUTPUT_DIR]                  # default docs/_build/html; open index.html
#
# It first lints the documentation (antsibull-docs lint-collection-docs: schema, markup, references between
# modules and roles), then builds the site with every Sphinx warning an error, so a broken reference fails.
# scripts/test.sh runs it. The collection is taken from ANSIBLE_COLLECTIONS_PATH when opencloud.images is there,
# else from this checkout.
set -euo pipefail

DOCS=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(dirname "$DOCS")
OUT=${1:-$DOCS/_build/html}
for tool in antsibull-docs sphinx-build ansible-doc; do
  if ! command -v "$tool" >/dev/null; then
    echo "docs/build.sh: $tool not found; pip install -r tests/requirements-tools.txt" >&2
    exit 1
  fi
done

TMP=$(mktemp -d "${TMPDIR:-/tmp}/opencloud-images-docs.XXXXXX")
trap 'rm -rf "$TMP"' EXIT
found=""
IFS=: read -r -a paths <<<"${ANSIBLE_COLLECTIONS_PATH:-}"
for p in "${paths[@]}"; do
  if [ -n "$p" ] && [ -f "$p/ansible_collections/opencloud/images/galaxy.yml" ]; then
    found=$p
    break
  fi
done
if [ -z "$found" ]; then
  mkdir -p "$TMP/collections/ansible_collections/opencloud"
  ln -s "$ROOT" "$TMP/collections/ansible_collections/opencloud/images"
  export ANSIBLE_COLLECTIONS_PATH=$TMP/collections${ANSIBLE_COLLECTIONS_PATH:+:$ANSIBLE_COLLECTIONS_PATH}
fi

echo "docs: lint the documentation of opencloud.images"
antsibull-docs lint-collection-docs --plugin-docs --skip-rstcheck "$ROOT"

echo "docs: generate the reStructuredText"
mkdir -m 0700 "$TMP/rst"
antsibull-docs --config-file "$DOCS/sphinx/antsibull-docs.cfg" collection --use-current --cleanup everything \
  --dest-dir "$TMP/rst" opencloud.images >"$TMP/antsibull-docs.log" 2>&1 || {
  cat "$TMP/antsibull-docs.log" >&2
  exit 1
}
cp "$DOCS/sphinx/index.rst" "$TMP/rst/index.rst"

echo "docs: build the site (warnings are errors)"
rm -rf "$OUT"
sphinx-build -q -W --keep-going -b html -c "$DOCS/sphinx" -d "$TMP/doctrees" "$TMP/rst" "$OUT"
echo "docs: $OUT/index.html ($(find "$OUT" -name '*.html' | wc -l) pages)"
