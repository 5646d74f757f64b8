//! `POST /mattermost/command` (SPEC §3.3, §9.1, §11): the form Mattermost sends for `/jira`.
//! The form's `token` (not the `Authorization` header, which an outgoing-OAuth setup may
//! replace) must equal a known command token (`mattermost.command_tokens`, or the token of
//! the command jirabridge registered in the form's team), compared in constant time; else 401 and
//! nothing runs. Everything else is answered 200 with an ephemeral reply: user errors are
//! sentences. A command not done within `mattermost.command_sync_budget_ms` is answered
//! "Working on it…", and its reply goes to the command's `response_url` when it is.

use std::sync::Arc;
use std::time::Duration;

use actix_web::{web, HttpRequest, HttpResponse};

use super::MOST_BODY_BYTES;
use crate::commands::jira_ops::{Answer, Caller};
use crate::commands::parse::parse;
use crate::commands::run::{run, CommandContext};
use crate::ids::MmUserId;
use crate::mattermost::CommandResponse;
use crate::secrets::verify::constant_time_eq;
use crate::web::body::{read_limited, BodyError};
use crate::web::AppState;

/// The fields of Mattermost's command form that jirabridge reads.
#[derive(Debug, Default)]
struct CommandForm {
    token: String,
    team_id: String,
    team_domain: String,
    channel_id: String,
    channel_name: String,
    user_id: String,
    user_name: String,
    text: String,
    root_id: String,
    /// Where a late answer goes (`<SiteURL>/hooks/commands/<id>`).
    response_url: String,
    /// Opens a dialog within 30 s, for this user only.
    trigger_id: String,
    /// `user_mentions` and `user_mentions_ids`, repeated in step.
    mentions: Vec<(String, String)>,
}

impl CommandForm {
    fn read(body: &[u8]) -> CommandForm {
        let mut form = CommandForm::default();
        let (mut names, mut ids) = (Vec::new(), Vec::new());
        for (key, value) in url::form_urlencoded::parse(body) {
            let value = value.into_owned();
            match key.as_ref() {
                "token" => form.token = value,
                "team_id" => form.team_id = value,
                "team_domain" => form.team_domain = value,
                "channel_id" => form.channel_id = value,
                "channel_name" => form.channel_name = value,
                "user_id" => form.user_id = value,
                "user_name" => form.user_name = value,
                "text" => form.text = value,
                "root_id" => form.root_id = value,
                "response_url" => form.response_url = value,
                "trigger_id" => form.trigger_id = value,
                "user_mentions" => names.push(value),
                "user_mentions_ids" => ids.push(value),
                _ => {}
            }
        }
        form.mentions = names.into_iter().zip(ids).collect();
        form
    }
}

pub async fn command(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let body = match read_limited(&req, payload, MOST_BODY_BYTES).await {
        Ok(body) => body,
        Err(BodyError::TooLarge) => return plain(HttpResponse::PayloadTooLarge(), "request body too large"),
        Err(BodyError::TimedOut) => return crate::web::body::timed_out(),
        Err(BodyError::Broken) => return plain(HttpResponse::BadRequest(), "the request body could not be read"),
    };
    let form = CommandForm::read(&body);
    let config = state.config();
    let matches = |expected: &str| !expected.is_empty() && constant_time_eq(expected.as_bytes(), form.token.as_bytes());
    let configured =
        config.mattermost.command_tokens.iter().fold(false, |found, token| found | matches(token.expose()));
    // A token jirabridge registered counts only in its own team: team A's token from team B
    // is refused.
    let registered = state
        .command_registrations
        .read()
        .unwrap_or_else(|p| p.into_inner())
        .iter()
        .filter(|r| r.team_id == form.team_id)
        .fold(false, |found, r| found | matches(&r.token));
    let known = configured | registered;
    if form.token.is_empty() || !known {
        tracing::warn!(peer = ?req.peer_addr(), "slash command with an unknown token refused");
        return plain(HttpResponse::Unauthorized(), "invalid command token");
    }
    let budget = Duration::from_millis(config.mattermost.command_sync_budget_ms);
    let response_url = form.response_url.clone();
    let mut work = tokio::spawn(answer(state.clone().into_inner(), form));
    match tokio::time::timeout(budget, &mut work).await {
        Ok(done) => HttpResponse::Ok().json(reply(finished(done))),
        Err(_) => {
            // Mattermost waits 30 s at most; the rest goes to the command's response URL.
            let mattermost = state.mattermost.clone();
            tokio::spawn(async move {
                let late = reply(finished(work.await));
                if let Err(e) = mattermost.respond_to_command(&response_url, &late).await {
                    tracing::warn!(error = %e, "could not send a slow command's answer to its response URL");
                }
            });
            HttpResponse::Ok().json(CommandResponse::ephemeral(WORKING_ON_IT))
        }
    }
}

/// The answer while a command takes longer than `mattermost.command_sync_budget_ms`.
const WORKING_ON_IT: &str = "Working on it…";

/// The reply of a finished command task.
fn finished(done: Result<Answer, tokio::task::JoinError>) -> Answer {
    done.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a slash command task failed");
        "Something went wrong running this command; the jirabridge log says more.".into()
    })
}

fn reply(answer: Answer) -> CommandResponse {
    CommandResponse::ephemeral(answer.text).with_attachments(answer.attachments)
}

/// Everything after the token check: who the caller is, and the command's reply text.
async fn answer(state: Arc<AppState>, form: CommandForm) -> Answer {
    let parsed = match parse(&form.text, &form.mentions) {
        Ok(parsed) => parsed,
        Err(sentence) => return sentence.to_string().into(),
    };
    let role = match MmUserId::parse(&form.user_id) {
        Ok(user) => state.chat_roles.is_system_admin(&state.mattermost, &user).await.map_err(|e| e.to_string()),
        // Not the shape of a Mattermost user id: no user, so no admin to ask about.
        Err(_) => Ok(false),
    };
    let caller = Caller {
        system_admin: role.as_ref().is_ok_and(|admin| *admin),
        role_unknown: role.err(),
        user_id: form.user_id,
        user_name: form.user_name,
        team_id: form.team_id,
        team_domain: form.team_domain,
        channel_id: form.channel_id,
        channel_name: form.channel_name,
        root_id: form.root_id,
        trigger_id: form.trigger_id,
        response_url: form.response_url,
    };
    let context = CommandContext {
        store: state.store.clone(),
        settings: state.settings.clone(),
        jira: state.jira_ops.clone(),
        webhook_secret: state.secrets.read().unwrap_or_else(|p| p.into_inner()).current.clone(),
        command_registered: !state.config().mattermost.command_tokens.is_empty()
            || !state.command_registrations.read().unwrap_or_else(|p| p.into_inner()).is_empty(),
    };
    run(&context, &caller, parsed).await.unwrap_or_else(|e| {
        tracing::error!(error = %e, "a slash command could not read or write the store");
        "jirabridge could not reach its database just now; please try again in a moment.".into()
    })
}

fn plain(mut builder: actix_web::HttpResponseBuilder, text: &'static str) -> HttpResponse {
    builder.content_type("text/plain; charset=utf-8").body(text)
}
