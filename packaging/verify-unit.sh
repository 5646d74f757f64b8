#!/usr/bin/env bash
# Checks a jirabridge systemd unit with `systemd-analyze verify`.
#
#   packaging/verify-unit.sh UNIT [BINARY]
#
# `systemd-analyze verify` fails when an Exec*= program does not exist, so the unit is
# copied to a temporary directory (keeping its file name) with /usr/bin/jirabridge
# replaced by BINARY: by default /bin/true, or the jirabridge binary extracted from a
# package. Any message about the unit, even a warning such as an unknown directive,
# counts as a failure.
set -euo pipefail

if [ "$#" -lt 1 ] || [ "$#" -gt 2 ]; then
  echo "usage: $0 UNIT [BINARY]" >&2
  exit 2
fi
unit=$1
binary=${2:-/bin/true}

if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "verify-unit: systemd-analyze not found (apt-get install systemd)" >&2
  exit 2
fi
if [ ! -f "$unit" ]; then
  echo "verify-unit: no such unit file: $unit" >&2
  exit 2
fi
if [ ! -x "$binary" ]; then
  echo "verify-unit: not an executable: $binary" >&2
  exit 2
fi
binary=$(realpath "$binary")
case $binary in
  *'|'* | *'&'* | *"\\"*)
    echo "verify-unit: unsupported characters in binary path: $binary" >&2
    exit 2
    ;;
esac

name=$(basename "$unit")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

sed -E "s|^(Exec[A-Za-z]*=[-@:+!]*)/usr/bin/jirabridge|\\1${binary}|" "$unit" >"$work/$name"
if grep -qE '^Exec[A-Za-z]*=[-@:+!]*/usr/bin/jirabridge' "$work/$name"; then
  echo "verify-unit: could not replace /usr/bin/jirabridge in the Exec lines" >&2
  exit 1
fi

status=0
output=$(cd "$work" && systemd-analyze verify --man=no "./$name" 2>&1) || status=$?
# Messages about other units on this machine are not ours to judge.
ours=$(printf '%s\n' "$output" | grep -F -e "$name" -e "$work" || true)
if [ "$status" -ne 0 ] || [ -n "$ours" ]; then
  printf '%s\n' "$output" >&2
  echo "verify-unit: $unit FAILED (systemd-analyze exit status $status)" >&2
  exit 1
fi
if [ -n "$output" ]; then
  printf 'verify-unit: messages about other units (ignored):\n%s\n' "$output" >&2
fi
echo "verify-unit: $unit OK (Exec programs checked as $binary)"
