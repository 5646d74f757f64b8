#!/usr/bin/env bash
# CI check of the packages: builds the .deb and .rpm, checks what they contain, runs the
# packaged binary against the packaged configuration, verifies the packaged unit, and
# lints every shell script we ship.
set -euo pipefail
cd "$(dirname "$0")/.."

need() {
  local command=$1 package=$2
  if ! command -v "$command" >/dev/null 2>&1; then
    apt-get update -qq && apt-get install -y -qq "$package"
  fi
}
need shellcheck shellcheck
need rpm rpm
need systemd-analyze systemd

shellcheck packaging/*.sh packaging/debian/* packaging/rpm/* fuzz/run.sh .ci/run

bash packaging/build-packages.sh
deb=$(find target/packages -name '*.deb' | head -n 1)
rpm_file=$(find target/packages -name '*.rpm' | head -n 1)
if [ -z "$deb" ] || [ -z "$rpm_file" ]; then
  echo "packages missing" >&2
  exit 1
fi

expect_files() {
  local listing=$1; shift
  for path in "$@"; do
    grep -q "$path\$" <<<"$listing" || { echo "package lacks $path" >&2; exit 1; }
  done
}
docs="usr/share/doc/jirabridge"
expect_files "$(dpkg-deb -c "$deb")" ./usr/bin/jirabridge ./etc/jirabridge/config.toml \
  ./lib/systemd/system/jirabridge.service ./usr/lib/sysusers.d/jirabridge.conf \
  ./$docs/API.md ./$docs/SETUP.md ./$docs/MIGRATION.md ./$docs/config.example.toml ./$docs/PACKAGING.md \
  ./$docs/copyright
expect_files "$(rpm -qpl "$rpm_file")" /usr/bin/jirabridge /etc/jirabridge/config.toml \
  /usr/lib/systemd/system/jirabridge.service /usr/lib/sysusers.d/jirabridge.conf \
  /$docs/API.md /$docs/config.example.toml /$docs/PACKAGING.md

root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
dpkg-deb -x "$deb" "$root"
"$root/usr/bin/jirabridge" --version
"$root/usr/bin/jirabridge" check-config --config "$root/etc/jirabridge/config.toml"
grep -q '^path = "/var/lib/jirabridge"' "$root/etc/jirabridge/config.toml"
grep -q '^License: MIT' "$root/$docs/copyright"
dpkg-deb -I "$deb" postinst | grep -q 'server.listen'
bash packaging/verify-unit.sh "$root/lib/systemd/system/jirabridge.service" "$root/usr/bin/jirabridge"
echo "packages ok: $deb $rpm_file"
