//! `/admin/secrets`: regenerate the webhook secret (the old one keeps working for
//! `webhook.secret_grace_hours`) and jirabridge's own admin API token. A new value is shown
//! once, on the page that answers the POST, and never again.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, render_status, Chrome};
use super::session::{SignedIn, SignedPost};
use crate::secrets::{webhook as secret, RegenerateError};
use crate::store::Store;
use crate::utc::now_ms;
use crate::web::AppState;

#[derive(Template)]
#[template(path = "console/secrets.html")]
struct SecretsPage {
    chrome: Chrome,
    webhook_pinned: Option<String>,
    token_pinned: Option<String>,
    grace_hours: u64,
    /// Until when the previous webhook secret is still accepted.
    previous_until: Option<super::page::Moment>,
    /// Shown once, right after regenerating.
    new_webhook_secret: Option<String>,
    new_admin_token: Option<String>,
    subscription_url: String,
    base_url: String,
}

fn pinned(state: &AppState, key: &str) -> Option<String> {
    super::page::pinned_by(state.settings.source(key))
}

fn page_for(state: &AppState, admin: &SignedIn) -> SecretsPage {
    let accepted = state.accepted_secrets();
    let previous_until = accepted
        .previous
        .as_ref()
        .and(accepted.previous_valid_until_ms)
        .filter(|until| *until > now_ms())
        .map(super::page::moment);
    let base_url = state.config().public_base_url();
    SecretsPage {
        chrome: Chrome::new(admin, "/admin/secrets", "Secrets"),
        webhook_pinned: pinned(state, "webhook.secret"),
        token_pinned: pinned(state, "admin.api_token"),
        grace_hours: state.config().webhook.secret_grace_hours,
        previous_until,
        new_webhook_secret: None,
        new_admin_token: None,
        subscription_url: String::new(),
        base_url,
    }
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    render(&page_for(&state, &admin))
}

fn refused(state: &AppState, admin: &SignedIn, e: RegenerateError) -> Result<HttpResponse, ConsoleError> {
    match e {
        RegenerateError::Store(e) => Err(e.into()),
        pinned @ RegenerateError::Pinned { .. } => {
            let mut page = page_for(state, admin);
            page.chrome.error = Some(pinned.to_string());
            render_status(StatusCode::CONFLICT, &page)
        }
    }
}

pub async fn regenerate_webhook_secret(
    state: web::Data<AppState>,
    post: SignedPost,
) -> Result<HttpResponse, ConsoleError> {
    // Regenerating again within the grace period drops the secret before the current one
    // at once; a resubmitted form or a double click must not do that by accident.
    let accepted = state.accepted_secrets();
    let in_grace =
        accepted.previous.is_some() && accepted.previous_valid_until_ms.is_some_and(|until| until > now_ms());
    if in_grace && !post.form.checked("end_grace") {
        let mut page = page_for(&state, &post.admin);
        page.chrome.error = Some(
            "The previous webhook secret is still in its grace period. Regenerating again stops it now: \
             tick the box below to confirm."
                .into(),
        );
        return render_status(StatusCode::CONFLICT, &page);
    }
    let (shared, actor) = (state.clone(), post.admin.username.clone());
    let regenerate = move |store: &Store| {
        secret::regenerate(&shared.settings, store, &shared.master_key, &shared.secrets, &actor, now_ms())
    };
    match state.store.run(regenerate).await {
        Ok(new) => {
            let mut page = page_for(&state, &post.admin);
            page.previous_until = Some(super::page::moment(new.previous_valid_until_ms));
            let parts = crate::instances::webhook_urls::UrlParts {
                public_base: &page.base_url,
                instance_id: None,
                secret: &new.secret,
                team: "",
                channel: "",
                flags: &[],
            };
            page.subscription_url = crate::instances::webhook_urls::build(&parts).subscriptions;
            page.new_webhook_secret = Some(new.secret);
            page.chrome.notice = Some(
                "A new webhook secret is in force. Webhook URLs shows every URL with it; update Jira's webhooks within the grace period."
                    .into(),
            );
            render(&page)
        }
        Err(e) => refused(&state, &post.admin, e),
    }
}

pub async fn regenerate_admin_token(
    state: web::Data<AppState>,
    post: SignedPost,
) -> Result<HttpResponse, ConsoleError> {
    let (shared, actor) = (state.clone(), post.admin.username.clone());
    let regenerate = move |store: &Store| {
        let (settings, key, in_force) = (&shared.settings, &shared.master_key, &shared.admin_token_hash);
        crate::secrets::admin_token::regenerate(settings, store, key, in_force, &actor, now_ms())
    };
    match state.store.run(regenerate).await {
        Ok(token) => {
            let mut page = page_for(&state, &post.admin);
            page.new_admin_token = Some(token);
            page.chrome.notice = Some(
                "A new admin API token is in force; the old one no longer works. Copy it now: it is not shown again."
                    .into(),
            );
            render(&page)
        }
        Err(e) => refused(&state, &post.admin, e),
    }
}
