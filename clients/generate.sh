#!/usr/bin/env bash
# Regenerate the Python SDK (clients/python) from openapi.yaml, or check that it has not drifted.
#
#   clients/generate.sh          regenerate clients/python from scratch
#   clients/generate.sh --check  regenerate into a temporary folder and diff it against
#                                clients/python; exit 1 on any difference
#
# The generator (openapi-python-client) and the ruff its post hooks run are the versions pinned
# in the root pyproject, taken from $VENV (default .venv), so the output is byte-for-byte stable.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
venv=${VENV:-$root/.venv}
sdk=$root/clients/python
export PATH="$venv/bin:$PATH" # post_hooks call `ruff`: make it the pinned one

generate() {
  openapi-python-client generate \
    --path "$root/openapi.yaml" \
    --config "$root/clients/client-config.yaml" \
    --custom-template-path "$root/clients/templates" \
    --meta setup \
    --output-path "$1" \
    --overwrite \
    --fail-on-warning >/dev/null
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
generate "$tmp/python"

if [[ "${1:-}" == "--check" ]]; then
  # Build and cache artifacts (what the generated .gitignore ignores) are not drift.
  if diff -ru -x __pycache__ -x '*.egg-info' -x build -x dist -x .pytest_cache \
      "$sdk" "$tmp/python"; then
    echo "clients/python matches openapi.yaml"
  else
    echo "clients/python is out of date: run clients/generate.sh" >&2
    exit 1
  fi
else
  rm -rf "$sdk"
  cp -R "$tmp/python" "$sdk"
  echo "regenerated clients/python"
fi
