#!/usr/bin/env bash
# Every Cargo feature of the SDK alone, and none, compiles warning-free (clippy -D warnings): the
# per-service gating of operations and models leaves nothing dangling.
set -euo pipefail
cd "$(dirname "$0")/.."
features=$(sed -n '/^\[features\]/,/^\[/p' generated/Cargo.toml | grep -E '^[a-z0-9-]+ = ' | cut -d' ' -f1 | grep -vx default)
echo "-- no features"
cargo clippy --quiet -p trustx --no-default-features -- -D warnings
for f in $features; do
  echo "-- $f"
  cargo clippy --quiet -p trustx --no-default-features --features "$f" -- -D warnings
done
echo "$(echo "$features" | wc -w) features alone and none: clippy-clean"
