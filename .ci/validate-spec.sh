#!/usr/bin/env bash
# Validates spec/trustx.yaml with openapi-spec-validator (PyPI) and Redocly CLI (npm, recommended
# ruleset plus redocly.yaml). Tools are installed on first use; npm packages go to a cache outside the repo.
set -euo pipefail

REDOCLY_VERSION="1.34.5"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SPEC="${1:-spec/trustx.yaml}"
CACHE="${TRUSTX_CI_CACHE:-$HOME/.cache/trustx-ci}"
cd "$ROOT"

if ! command -v openapi-spec-validator >/dev/null 2>&1; then
  echo "installing openapi-spec-validator"
  python3 -m pip install --quiet openapi-spec-validator
fi

REDOCLY="$CACHE/node_modules/.bin/redocly"
if [ ! -x "$REDOCLY" ] || ! "$REDOCLY" --version 2>/dev/null | grep -qx "$REDOCLY_VERSION"; then
  echo "installing @redocly/cli@$REDOCLY_VERSION into $CACHE"
  mkdir -p "$CACHE"
  npm install --silent --no-audit --no-fund --prefix "$CACHE" "@redocly/cli@$REDOCLY_VERSION" >/dev/null
fi

echo "== openapi-spec-validator $SPEC"
openapi-spec-validator "$SPEC"

echo "== redocly lint $SPEC"
REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true \
  "$REDOCLY" lint --config "$ROOT/redocly.yaml" --format=summary "$SPEC"
