#!/bin/sh
# jirabridge %preun. rpm passes the number of instances left after the operation: 0 when the
# package is erased, 1 or more on an upgrade (then the service keeps running and the new
# package's %post restarts it).
set -e

unit=jirabridge.service

if [ "${1:-0}" -eq 0 ]; then
    if [ -d /run/systemd/system ]; then
        systemctl stop "$unit" || true
    fi
    if command -v systemctl >/dev/null 2>&1; then
        # Works without a running systemd too: it only removes the symlink.
        systemctl --no-reload disable "$unit" || true
    fi
fi

exit 0
