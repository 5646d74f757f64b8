#!/usr/bin/env bash
# Generates the configuration file that the packages install as /etc/jirabridge/config.toml:
# config.example.toml with store.path set to /var/lib/jirabridge (the systemd StateDirectory).
#
#   packaging/make-config.sh [OUTPUT]      (default: target/packaging/config.toml)
#
# It is generated at package build time, so it never drifts from the example. It fails when
# the example no longer has the `path = ...` line in [store] that it rewrites.
set -euo pipefail
cd "$(dirname "$0")/.."

example=config.example.toml
out=${1:-target/packaging/config.toml}
state_dir=/var/lib/jirabridge

mkdir -p "$(dirname "$out")"
tmp="$out.tmp.$$"
trap 'rm -f "$tmp"' EXIT

# Rewrite the `path = ...` line of the [store] section (the check below makes sure there
# was exactly one).
sed -E '/^\[store\][[:space:]]*$/,/^\[/ s|^path[[:space:]]*=.*$|path = "'"$state_dir"'"|' \
  "$example" >"$tmp"

count=$(grep -c -x "path = \"$state_dir\"" "$tmp" || true)
if [ "$count" != 1 ]; then
  echo "make-config: expected one store.path line in $example, rewrote $count" >&2
  exit 1
fi
if diff -q "$example" "$tmp" >/dev/null; then
  echo "make-config: $example was not changed" >&2
  exit 1
fi

# When python3 has tomllib (3.11+), also check that the file parses and says what we meant.
if command -v python3 >/dev/null 2>&1 && python3 -c 'import tomllib' 2>/dev/null; then
  python3 - "$tmp" "$state_dir" <<'PY'
import sys, tomllib
with open(sys.argv[1], "rb") as f:
    config = tomllib.load(f)
if config["store"]["path"] != sys.argv[2]:
    sys.exit(f"make-config: store.path is {config['store']['path']!r}, expected {sys.argv[2]!r}")
PY
fi

mv "$tmp" "$out"
trap - EXIT
echo "make-config: wrote $out (store.path = \"$state_dir\")"
