#!/usr/bin/env bash
# Refreshes the console screenshots the README shows (docs/screenshots/*.png): runs the
# browser tests, which save screenshots of the main pages into <target>/screenshots/, then
# copies them. CI never runs this; commit the new pictures yourself.
set -euo pipefail
cd "$(dirname "$0")/.."
target="${CARGO_TARGET_DIR:-target}"
rm -rf "$target/screenshots"
cargo test --test integration browser:: -- --test-threads=1
mkdir -p docs/screenshots
cp "$target"/screenshots/*.png docs/screenshots/
ls -1 docs/screenshots
