//! `/admin/mattermost`: where jirabridge posts, whether the bot token works, and a
//! "test connection" button that asks Mattermost right now.

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
    /// The result of "test connection", when it was just pressed.
    test: Option<TestResult>,
}

struct TestResult {
    ok: bool,
    text: String,
}

fn page_for(state: &AppState, admin: &SignedIn, test: Option<TestResult>) -> MattermostPage {
    MattermostPage {
        chrome: Chrome::new(admin, "/admin/mattermost", "Mattermost connection"),
        url: state.config().mattermost.url.clone(),
        bot_token_set: state.config().mattermost.bot_token.is_set(),
        test,
    }
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    render(&page_for(&state, &admin, None))
}

/// What an admin should read for each way the check can fail.
fn explain(error: &MmError) -> String {
    match error {
        MmError::NotConfigured => "Set mattermost.url and mattermost.bot_token first.".into(),
        MmError::Status { status: 401, .. } => {
            "Mattermost refused the bot token (401). Create a new token for the bot in System Console › Integrations › Bot Accounts.".into()
        }
        MmError::Status { status, .. } => format!("Mattermost answered {status}: {error}"),
        other => format!("Mattermost did not answer: {other}. Is mattermost.url its SiteURL, reachable from this machine?"),
    }
}

pub async fn test_connection(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let test = match state.mattermost.me().await {
        Ok(bot) => {
            TestResult { ok: true, text: format!("Connected: Mattermost knows the bot token as @{}.", bot.username) }
        }
        Err(e) => TestResult { ok: false, text: explain(&e) },
    };
    render(&page_for(&state, &post.admin, Some(test)))
}
