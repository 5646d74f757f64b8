#!/usr/bin/env bash
# Builds the jirabridge .deb and .rpm into target/packages/.
#
#   packaging/build-packages.sh
#
# Works from a clean checkout: installs the pinned cargo-deb and cargo-generate-rpm when they
# are missing, builds the release binary unless target/release/jirabridge is newer than the
# sources, generates the packaged configuration, then makes both packages from the metadata
# in Cargo.toml ([package.metadata.deb] and [package.metadata.generate-rpm]).
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO_DEB_VERSION=3.8.0
CARGO_GENERATE_RPM_VERSION=0.21.1

out_dir=target/packages
target_dir=${CARGO_TARGET_DIR:-target}
binary=$target_dir/release/jirabridge

log() { printf 'build-packages: %s\n' "$*" >&2; }

# Installs crate $1 at version $2 unless `cargo install` already has exactly that version.
ensure_tool() {
  local crate=$1 version=$2
  if cargo install --list | grep -qx "$crate v$version:"; then
    return 0
  fi
  log "installing $crate $version"
  cargo install --locked --version "$version" "$crate"
}

# True when the binary exists and no source file is newer than it.
binary_is_fresh() {
  [ -x "$binary" ] || return 1
  local newer
  newer=$(find src Cargo.toml Cargo.lock -newer "$binary" -print -quit)
  [ -z "$newer" ]
}

# cargo-generate-rpm takes a missing script path as the script's text, so check them first.
for f in packaging/jirabridge.service packaging/jirabridge.sysusers \
  packaging/debian/postinst packaging/debian/prerm packaging/debian/postrm \
  packaging/rpm/post.sh packaging/rpm/preun.sh packaging/rpm/postun.sh; do
  [ -f "$f" ] || { log "missing $f"; exit 1; }
done

ensure_tool cargo-deb "$CARGO_DEB_VERSION"
ensure_tool cargo-generate-rpm "$CARGO_GENERATE_RPM_VERSION"

if binary_is_fresh; then
  log "reusing $binary (newer than the sources)"
else
  log "building $binary"
  cargo build --release --locked
fi

# cargo-deb strips the binary it packages; cargo-generate-rpm packages it as it is.
if command -v strip >/dev/null 2>&1; then
  strip --strip-unneeded "$binary"
else
  log "strip not found: the .rpm gets an unstripped binary"
fi

bash packaging/make-config.sh target/packaging/config.toml

mkdir -p "$out_dir"
cargo deb --no-build --output "$out_dir/"
cargo generate-rpm --output "$out_dir/"

log "packages in $out_dir:"
ls -l "$out_dir"
