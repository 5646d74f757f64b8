#!/bin/sh
# jirabridge %post. rpm passes the number of installed instances of the package:
# 1 on a first install, 2 or more on an upgrade.
set -e

user=jirabridge
state_dir=/var/lib/jirabridge
config=/etc/jirabridge/config.toml
unit=jirabridge.service

if ! getent passwd "$user" >/dev/null; then
    if command -v systemd-sysusers >/dev/null 2>&1 && [ -f /usr/lib/sysusers.d/jirabridge.conf ]; then
        systemd-sysusers /usr/lib/sysusers.d/jirabridge.conf
    else
        nologin=/usr/sbin/nologin
        [ -x "$nologin" ] || nologin=/sbin/nologin
        if getent group "$user" >/dev/null; then
            useradd --system --gid "$user" --home-dir "$state_dir" --no-create-home \
                --shell "$nologin" --comment "jirabridge Jira to Mattermost bridge" "$user"
        else
            useradd --system --user-group --home-dir "$state_dir" --no-create-home \
                --shell "$nologin" --comment "jirabridge Jira to Mattermost bridge" "$user"
        fi
    fi
fi

if [ ! -d "$state_dir" ]; then
    install -d -o "$user" -g "$user" -m 0750 "$state_dir"
fi

# The service reads its configuration as group jirabridge.
if [ -f "$config" ]; then
    chgrp "$user" "$config"
    chmod 0640 "$config"
fi

if [ -d /run/systemd/system ]; then
    systemctl daemon-reload || true
fi

if [ "${1:-1}" -le 1 ]; then
    # First install: enabled, so it starts at boot, but not started before the administrator
    # has configured it. `systemctl enable` also works without a running systemd.
    if command -v systemctl >/dev/null 2>&1; then
        systemctl enable "$unit" || echo "jirabridge: could not enable $unit" >&2
    fi
    cat <<MSG

jirabridge is installed and enabled, but not started. Next steps:
  1. Edit $config: set mattermost.url, mattermost.bot_token
     (or bot_token_file), server.listen (127.0.0.1:8080 by default: only
     this machine can reach it) and server.public_url, the address Jira and
     Mattermost use to reach jirabridge.
     Check it with: jirabridge check-config --config $config
  2. Start it:  systemctl start jirabridge
     At its first start jirabridge generates the webhook secret and logs it, with the
     webhook URL to paste into Jira, once. Read them with:  journalctl -u jirabridge

MSG
else
    # Upgrade: restart only if it was running.
    if [ -d /run/systemd/system ]; then
        systemctl try-restart "$unit" || echo "jirabridge: could not restart $unit" >&2
    fi
fi

exit 0
