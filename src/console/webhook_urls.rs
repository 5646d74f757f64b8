//! `/admin/webhook-urls`: every webhook URL to paste into Jira, as `/jira webhook` builds
//! them (`instances::webhook_urls`), with the secret in them for the signed-in admin: the
//! subscription webhook of each instance, and the per-channel ("legacy") webhook built from a
//! team, a channel and the `updated_*` flags, with a check that the channel exists.
//! `/admin/legacy-url`, its old address, redirects here.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::form::FormData;
use super::page::{render, Chrome};
use super::session::SignedIn;
use crate::events::legacy_selection::is_mattermost_name;
use crate::instances::webhook_urls::{self, UrlParts, WebhookUrls};
use crate::web::AppState;

/// The flags a Jira admin can pick, with what each adds (SPEC §4.3).
const FLAGS: &[(&str, &str)] = &[
    ("updated_all", "Every event (overrides the others)"),
    ("updated_comments", "Comments created, updated and deleted"),
    ("updated_status", "Status changes"),
    ("updated_summary", "Summary changes"),
    ("updated_description", "Description changes"),
    ("updated_priority", "Priority changes"),
    ("updated_labels", "Label changes"),
    ("updated_attachment", "Attachments"),
    ("updated_sprint", "Sprint changes"),
    ("updated_rank", "Rank changes"),
];

#[derive(Template)]
#[template(path = "console/webhook_urls.html")]
struct WebhookUrlsPage {
    chrome: Chrome,
    /// Per instance: its id and the URLs with the secret (legacy with placeholders).
    per_instance: Vec<(String, WebhookUrls)>,
    /// The webhook secret in force, shown to the signed-in admin as `/jira webhook` shows it.
    secret: String,
    team: String,
    channel: String,
    instances: Vec<(String, bool)>,
    flags: Vec<FlagRow>,
    url: Option<String>,
    channel_check: Option<(bool, String)>,
}

struct FlagRow {
    name: &'static str,
    label: &'static str,
    checked: bool,
}

fn query_pairs(query: &str) -> FormData {
    FormData::parse(query.as_bytes())
}

pub async fn page(
    admin: SignedIn,
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
) -> Result<HttpResponse, ConsoleError> {
    let form = query_pairs(req.query_string());
    let (team, channel, instance) = (form.get("team"), form.get("channel"), form.get("instance"));
    let flags: Vec<FlagRow> =
        FLAGS.iter().map(|(name, label)| FlagRow { name, label, checked: form.checked(name) }).collect();
    let instances: Vec<String> =
        state.store.run(|store| store.instances()).await?.into_iter().map(|i| i.id.into_string()).collect();
    let (public_base, secret) = (state.config().public_base_url(), state.accepted_secrets().current);
    let per_instance = instances
        .iter()
        .map(|id| {
            let parts = UrlParts {
                public_base: &public_base,
                instance_id: Some(id),
                secret: &secret,
                team: "<team name>",
                channel: "<channel name>",
                flags: &[],
            };
            (id.clone(), webhook_urls::build(&parts))
        })
        .collect();
    let mut url = None;
    let mut channel_check = None;
    let names_valid = is_mattermost_name(team) && is_mattermost_name(channel);
    if !team.is_empty() && !channel.is_empty() && !names_valid {
        // The webhook refuses such a URL (400), so none is built and Mattermost is not asked.
        let hint = "Team and channel names hold only lower-case letters, digits, - and _: use the names from the channel's URL, not the display names.";
        channel_check = Some((false, hint.to_string()));
    } else if !team.is_empty() && !channel.is_empty() {
        let chosen: Vec<&str> = flags.iter().filter(|f| f.checked).map(|f| f.name).collect();
        let instance = instances.iter().find(|i| i.as_str() == instance).map(String::as_str);
        let parts = UrlParts {
            public_base: &public_base,
            instance_id: instance,
            secret: &secret,
            team,
            channel,
            flags: &chosen,
        };
        url = Some(webhook_urls::build(&parts).legacy);
        channel_check = Some(match state.mattermost.channel_by_name(team, channel).await {
            Ok(_) => (true, format!("Mattermost has the channel ~{channel} in team {team}.")),
            Err(e) if e.status() == Some(404) => (
                false,
                format!("Mattermost has no channel ~{channel} in team {team} that the bot can see. Use the names from the channel's URL, and add the bot to the team."),
            ),
            Err(e) => (false, format!("Could not check the channel: {e}")),
        });
    }
    let page = WebhookUrlsPage {
        chrome: Chrome::new(&admin, "/admin/webhook-urls", "Webhook URLs"),
        per_instance,
        secret: secret.clone(),
        team: team.into(),
        channel: channel.into(),
        instances: instances.iter().map(|i| (i.clone(), i == instance)).collect(),
        flags,
        url,
        channel_check,
    };
    render(&page)
}

/// `/admin/legacy-url`, the page's old address: the same query, here.
pub async fn moved(req: actix_web::HttpRequest) -> HttpResponse {
    let query = req.query_string();
    let target =
        if query.is_empty() { "/admin/webhook-urls".to_string() } else { format!("/admin/webhook-urls?{query}") };
    HttpResponse::PermanentRedirect().insert_header(("Location", target)).finish()
}
