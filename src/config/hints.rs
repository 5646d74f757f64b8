//! Settings a running service needs but that have no useful default (Mattermost URL and bot
//! token, public URL), plus the derived addresses. Missing values do not stop `serve`: it
//! logs these hints once and `/readyz` reports them.

use std::net::SocketAddr;

use super::Config;

impl Config {
    /// One sentence per needed setting that is missing, saying how to set it; empty when
    /// nothing is missing.
    pub fn missing_settings(&self) -> Vec<String> {
        let mut hints = Vec::new();
        if self.mattermost.url.is_empty() {
            hints.push(
                "mattermost.url is not set: set it to your Mattermost SiteURL \
                 (mattermost.url or JIRABRIDGE_MATTERMOST__URL)"
                    .into(),
            );
        }
        if !self.mattermost.bot_token.is_set() {
            hints.push(
                "mattermost.bot_token is not set: set mattermost.bot_token or \
                 JIRABRIDGE_MATTERMOST__BOT_TOKEN; create a bot in System Console > \
                 Integrations > Bot Accounts"
                    .into(),
            );
        }
        if self.listen_scheme() == "https" && self.server.public_url.starts_with("http://") {
            hints.push(
                "server.public_url starts with http://, but jirabridge serves HTTPS (server.tls_cert_file): \
                 URLs handed to Jira and browsers will not work; make server.public_url an https:// URL"
                    .into(),
            );
        }
        if let Some(path) = self.public_url_path() {
            hints.push(format!(
                "server.public_url has a path ({path}): webhooks, /jira and the Jira sign-in pages work under it, \
                 but the admin console's links start at the root, so it cannot be used through that address; \
                 give jirabridge a host name of its own (https://jirabridge.example.com) to use the console \
                 through the proxy"
            ));
        }
        if self.log.webhook_bodies && self.hides_webhook_bodies() {
            hints.push(
                "log.webhook_bodies is on, but log.level hides debug messages, so no body is logged; \
                 set log.level = \"info,webhook_body=debug\""
                    .into(),
            );
        }
        if self.server.public_url.is_empty() {
            hints.push(format!(
                "server.public_url is not set: webhook URLs will use {}://{}; set \
                 server.public_url to the address Jira uses to reach jirabridge",
                self.listen_scheme(),
                self.server.listen
            ));
        }
        hints
    }

    /// Everything worth telling an admin about this configuration: what is missing, then
    /// what is set but has no effect yet (start-up, reload, `check-config`).
    pub fn notes(&self) -> Vec<String> {
        let mut notes = self.missing_settings();
        notes.extend(self.waiting_settings());
        notes.extend(self.malformed_teams());
        notes
    }

    /// One sentence per key set away from its default that this version does not use yet
    /// (the catalogue's `waits_for`), so nobody waits for a setting that cannot work.
    pub fn waiting_settings(&self) -> Vec<String> {
        let values = self.values();
        let waiting = super::catalog::CATALOG.iter().filter_map(|info| Some((info, info.waits_for?)));
        waiting
            .filter(|(info, _)| values.get(info.key) != super::schema::default_value(info.key).as_ref())
            .map(|(info, feature)| {
                format!("{} is set, but this version of jirabridge has no {feature} yet: it has no effect", info.key)
            })
            .collect()
    }

    /// The path of `server.public_url` when it is not the root (a proxy's prefix).
    fn public_url_path(&self) -> Option<String> {
        let url = url::Url::parse(&self.server.public_url).ok()?;
        let path = url.path().trim_end_matches('/');
        (!path.is_empty()).then(|| path.to_string())
    }

    /// The base of every URL jirabridge hands out: `server.public_url` without a trailing
    /// slash, or `http(s)://<listen>` when it is empty.
    pub fn public_base_url(&self) -> String {
        match self.server.public_url.trim_end_matches('/') {
            "" => format!("{}://{}", self.listen_scheme(), self.server.listen),
            url => url.to_owned(),
        }
    }

    /// Whether `log.level` hides the debug messages (target `webhook_body`) that
    /// `log.webhook_bodies` writes: the filter is tried on a subscriber of its own.
    pub fn hides_webhook_bodies(&self) -> bool {
        use tracing_subscriber::layer::SubscriberExt;
        let Ok(filter) = tracing_subscriber::EnvFilter::try_new(&self.log.level) else { return false };
        let subscriber = tracing_subscriber::registry().with(filter);
        tracing::subscriber::with_default(
            subscriber,
            || !tracing::enabled!(target: "webhook_body", tracing::Level::DEBUG),
        )
    }

    /// `https` when jirabridge serves TLS itself (`server.tls_*`), else `http`.
    pub fn listen_scheme(&self) -> &'static str {
        if self.server.tls_cert_file.is_empty() {
            "http"
        } else {
            "https"
        }
    }

    /// The address to bind.
    ///
    /// # Panics
    /// If `server.listen` is not an address, which a `Config` from `load` or `from_sources`
    /// never is.
    pub fn listen_addr(&self) -> SocketAddr {
        self.server.listen.parse().expect("server.listen is validated when the configuration is loaded")
    }
}
