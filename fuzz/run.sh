#!/usr/bin/env bash
# Fuzzes the payload normalizer for a bounded time: parse → normalize → render on
# arbitrary bytes must never panic. Seeds come from our fixtures (and the shared ones when
# present). Usage: fuzz/run.sh [SECONDS]   (default 60)
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"

if ! command -v cargo-fuzz >/dev/null 2>&1; then
  cargo install cargo-fuzz --locked --version 0.13.2
fi

corpus="$(mktemp -d)"
trap 'rm -rf "$corpus" "$corpus.log"' EXIT
# In CI the shared fixtures must be there: fuzzing from our seeds alone would pass quietly.
shared=../../shared/fixtures/jira-webhooks
if [ ! -d "$shared" ] && [ -n "${CI:-}" ] && [ "${CI:-}" != false ]; then
  echo "CI=true but $shared is missing" >&2
  exit 1
fi
for dir in ../tests/fixtures "$shared"; do
  if [ -d "$dir" ]; then
    find "$dir" -name '*.json' ! -name EXPECTED.json -exec cp {} "$corpus/" \;
  fi
done

# cargo-fuzz asks rustc for flags that stable rustc accepts only with RUSTC_BOOTSTRAP;
# the machine has one (stable) toolchain. No sanitizer: the target is safe Rust.
export RUSTC_BOOTSTRAP=1
# libFuzzer reports every corpus change; keep its log and show the end (all of a crash).
log="$corpus.log"
if ! cargo fuzz run --sanitizer none -O normalize "$corpus" -- -max_total_time="$seconds" -rss_limit_mb=2048 >"$log" 2>&1; then
  tail -n 80 "$log"
  echo "fuzzing found a failure; the input is saved under fuzz/artifacts/normalize/" >&2
  exit 1
fi
tail -n 3 "$log"
rm -f "$log"
