//! `/admin/legacy-url`: builds the per-channel webhook URL (the plugin's "legacy" webhook)
//! from a team, a channel and the `updated_*` flags, and checks that the channel exists.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::form::FormData;
use super::page::{render, Chrome};
use super::session::SignedIn;
use crate::events::legacy_selection::is_mattermost_name;
use crate::jira::instance::encode_id;
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
#[template(path = "console/legacy_url.html")]
struct LegacyUrlPage {
    chrome: Chrome,
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

/// The URL for these choices, with the current webhook secret.
pub fn build_url(
    base: &str,
    instance: Option<&str>,
    secret: &str,
    team: &str,
    channel: &str,
    flags: &[&str],
) -> String {
    let mut url = match instance {
        Some(id) => format!("{base}/instance/{}/webhook?", encode_id(id)),
        None => format!("{base}/webhook?"),
    };
    let mut query = url::form_urlencoded::Serializer::new(String::new());
    query.append_pair("secret", secret).append_pair("team", team).append_pair("channel", channel);
    for flag in flags {
        query.append_pair(flag, "1");
    }
    url.push_str(&query.finish());
    url
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
    let instances: Vec<String> = state.store.run(|store| store.instances()).await?.into_iter().map(|i| i.id).collect();
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
        let secret = state.accepted_secrets().current;
        url = Some(build_url(&state.config().public_base_url(), instance, &secret, team, channel, &chosen));
        channel_check = Some(match state.mattermost.channel_by_name(team, channel).await {
            Ok(_) => (true, format!("Mattermost has the channel ~{channel} in team {team}.")),
            Err(e) if e.status() == Some(404) => (
                false,
                format!("Mattermost has no channel ~{channel} in team {team} that the bot can see. Use the names from the channel's URL, and add the bot to the team."),
            ),
            Err(e) => (false, format!("Could not check the channel: {e}")),
        });
    }
    let page = LegacyUrlPage {
        chrome: Chrome::new(&admin, "/admin/legacy-url", "Webhook URL builder"),
        team: team.into(),
        channel: channel.into(),
        instances: instances.iter().map(|i| (i.clone(), i == instance)).collect(),
        flags,
        url,
        channel_check,
    };
    render(&page)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_carries_secret_names_and_flags_encoded() {
        let url = build_url("https://jb.example", None, "s3cr&t", "eng team", "jira-feed", &["updated_comments"]);
        assert_eq!(
            url,
            "https://jb.example/webhook?secret=s3cr%26t&team=eng+team&channel=jira-feed&updated_comments=1"
        );
        let url = build_url("https://jb.example", Some("https://jira.example.com"), "s", "t", "c", &[]);
        assert!(url.starts_with("https://jb.example/instance/"), "{url}");
        assert!(url.ends_with("/webhook?secret=s&team=t&channel=c"), "{url}");
    }
}
