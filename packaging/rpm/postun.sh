#!/bin/sh
# jirabridge %postun. rpm passes 0 when the package was erased, 1 or more on an upgrade.
# rpm has no purge: erasing keeps /var/lib/jirabridge, the jirabridge user and, when it was
# edited, the configuration (saved as /etc/jirabridge/config.toml.rpmsave).
# packaging/README.md lists the commands that delete them.
set -e

if [ "${1:-0}" -eq 0 ] && [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi

exit 0
