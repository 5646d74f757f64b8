//! `/admin/mattermost`: where jirabridge posts, whether the bot token works, a "test
//! connection" button that asks Mattermost right now, and "Register /jira in team".

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, Chrome};
use super::session::{SignedIn, SignedPost};
use crate::mattermost::MmError;
use crate::web::AppState;

#[derive(Template)]
#[template(path = "console/mattermost.html")]
struct MattermostPage {
    chrome: Chrome,
    url: String,
    bot_token_set: bool,
    /// Why the URL or the token cannot be changed here, if they cannot.
    url_locked: Option<String>,
    token_locked: Option<String>,
    url_error: Option<String>,
    token_error: Option<String>,
    /// The result of "test connection" or "register /jira", when one was just pressed.
    test: Option<TestResult>,
    /// Teams where jirabridge registered `/jira`: (display name, id), the name empty when
    /// Mattermost cannot say.
    registered_teams: Vec<(String, String)>,
    /// The team typed into the registration form, kept on an error.
    team: String,
}

struct TestResult {
    ok: bool,
    text: String,
}

fn locked(state: &AppState, key: &str) -> Option<String> {
    super::page::pinned_by(state.settings.source(key))
}

async fn page_for(state: &AppState, admin: &SignedIn, test: Option<TestResult>) -> MattermostPage {
    let config = state.config();
    let ids: Vec<String> = state
        .command_registrations
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .map(|r| r.team_id.clone())
        .collect();
    // SPEC §6.9: people read names, not ids.
    let mut registered_teams = Vec::new();
    for id in ids {
        let name = state.mattermost.team(&id).await.map(|team| team.display_name).unwrap_or_default();
        registered_teams.push((name, id));
    }
    MattermostPage {
        chrome: Chrome::new(admin, "/admin/mattermost", "Mattermost connection"),
        url: config.mattermost.url.clone(),
        bot_token_set: config.mattermost.bot_token.is_set(),
        url_locked: locked(state, "mattermost.url"),
        token_locked: locked(state, "mattermost.bot_token"),
        url_error: None,
        token_error: None,
        test,
        registered_teams,
        team: String::new(),
    }
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    render(&page_for(&state, &admin, None).await)
}

/// What an admin should read for each way the check can fail.
fn explain(error: &MmError) -> String {
    match error {
        MmError::NotConfigured => "Set mattermost.url and mattermost.bot_token first.".into(),
        MmError::Status { status: 401, .. } => {
            "Mattermost refused the bot token (401). Create a new token for the bot in System Console › Integrations › Bot Accounts.".into()
        }
        MmError::Status { status: 404, .. } => {
            "Mattermost answered 404: is the URL the SiteURL of a Mattermost server (not a page below it)?".into()
        }
        MmError::Status { .. } => error.to_string(),
        other => format!("Mattermost did not answer: {other}. Is mattermost.url its SiteURL, reachable from this machine?"),
    }
}

/// Tests the URL and, when one is typed, a new bot token against Mattermost first, and saves
/// them only when Mattermost accepts them: a refused token never replaces a working one.
pub async fn save(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let config = state.config();
    let mut changes = Vec::new();
    let url = if locked(&state, "mattermost.url").is_none() {
        let url = post.form.get("url").trim().to_string();
        changes.push(("mattermost.url".to_string(), serde_json::Value::from(url.clone())));
        url
    } else {
        config.mattermost.url.clone()
    };
    let typed_token = post.form.raw("bot_token").trim();
    let token = if !typed_token.is_empty() && locked(&state, "mattermost.bot_token").is_none() {
        changes.push(("mattermost.bot_token".to_string(), serde_json::Value::from(typed_token)));
        typed_token.to_string()
    } else {
        config.mattermost.bot_token.expose().to_string()
    };
    // Asked with the values as typed, through a client of their own: nothing in force
    // changes unless Mattermost says yes.
    let timeout = std::time::Duration::from_secs(config.mattermost.request_timeout_secs);
    let trial = crate::mattermost::MattermostClient::new(&url, &token, timeout);
    let bot = match trial.me().await {
        Ok(bot) => bot,
        Err(e) => {
            let mut page = page_for(&state, &post.admin, Some(TestResult { ok: false, text: explain(&e) })).await;
            page.url = url;
            page.chrome.error = Some("Nothing was saved: Mattermost did not accept these values.".into());
            return super::page::render_status(actix_web::http::StatusCode::BAD_REQUEST, &page);
        }
    };
    // Settings::update stores the change: on a blocking thread, with the store's deadline.
    let (shared, actor) = (state.clone(), post.admin.username.clone());
    match state.store.run(move |_| shared.settings.update(&changes, &actor)).await {
        Ok(_) => {
            let text = format!("Saved. Mattermost knows the bot token as @{}.", bot.username);
            render(&page_for(&state, &post.admin, Some(TestResult { ok: true, text })).await)
        }
        Err(crate::live_config::SettingsError::Invalid(errors)) => {
            let mut page = page_for(&state, &post.admin, None).await;
            page.url = post.form.get("url").to_string();
            page.url_error = errors.get("mattermost.url").cloned();
            page.token_error = errors.get("mattermost.bot_token").cloned();
            page.chrome.error = Some("Nothing was saved.".into());
            super::page::render_status(actix_web::http::StatusCode::BAD_REQUEST, &page)
        }
        Err(crate::live_config::SettingsError::Pinned { key, from }) => {
            Err(ConsoleError::BadRequest(format!("{key} is set in {}; change it there", from.as_str())))
        }
        Err(crate::live_config::SettingsError::Store(e)) => Err(e.into()),
    }
}

pub async fn test_connection(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let test = match state.mattermost.me().await {
        Ok(bot) => {
            TestResult { ok: true, text: format!("Connected: Mattermost knows the bot token as @{}.", bot.username) }
        }
        Err(e) => TestResult { ok: false, text: explain(&e) },
    };
    render(&page_for(&state, &post.admin, Some(test)).await)
}

/// "Register /jira in team": the team by name (as in its URL) or id, and optionally a system
/// administrator's token for this one call.
pub async fn register_command(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let typed = post.form.get("team").trim().to_string();
    let admin_token = post.form.raw("admin_token").trim();
    let team_id = match state.mattermost.team_by_name(&typed).await {
        Ok(team) => team.id,
        Err(_) => typed.clone(),
    };
    let actor = post.admin.username.clone();
    let test = match state.register_command(&team_id, Some(admin_token).filter(|t| !t.is_empty()), &actor).await {
        Ok(registered) => TestResult {
            ok: true,
            text: format!(
                "/jira is registered in team {typed} (command {}). Try /jira help there.",
                registered.command_id
            ),
        },
        Err(crate::commands::registration::RegisterError::Store(e)) => return Err(e.into()),
        Err(e) => TestResult { ok: false, text: e.to_string() },
    };
    let mut page = page_for(&state, &post.admin, Some(test)).await;
    page.team = typed;
    render(&page)
}
