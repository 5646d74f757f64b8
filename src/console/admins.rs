//! `/admin/admins`: the console's own accounts. An admin adds another admin or sets a
//! password (the same rules and audit as `jirabridge admin set-password`), and deletes an
//! account, which ends its sessions at once. Nobody can delete the account they are signed
//! in with, so the console is never left without one. Both changes ask for the admin's own
//! password: a session cookie alone (a borrowed browser) cannot make a lasting account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, render_status, when, Chrome};
use super::session::{SignedIn, SignedPost};
use crate::accounts::{self, AccountError};
use crate::delivery::worker::now_ms;
use crate::web::AppState;

#[derive(Template)]
#[template(path = "console/admins.html")]
struct AdminsPage {
    chrome: Chrome,
    accounts: Vec<AccountRow>,
    /// The user name typed into the form, kept when it is shown again with an error.
    username: String,
}

struct AccountRow {
    username: String,
    created: String,
    password_set: String,
    is_you: bool,
}

fn page_for(state: &AppState, admin: &SignedIn) -> Result<AdminsPage, ConsoleError> {
    let accounts = state
        .store
        .admin_users()?
        .into_iter()
        .map(|user| AccountRow {
            is_you: user.username == admin.username,
            created: when(user.created_at_ms),
            password_set: when(user.updated_at_ms),
            username: user.username,
        })
        .collect();
    Ok(AdminsPage { chrome: Chrome::new(admin, "/admin/admins", "Admins"), accounts, username: String::new() })
}

pub async fn page(admin: SignedIn, state: web::Data<AppState>) -> Result<HttpResponse, ConsoleError> {
    render(&page_for(&state, &admin)?)
}

/// The page again with `error`, under `status`.
fn refused(
    state: &AppState,
    admin: &SignedIn,
    status: StatusCode,
    error: AccountError,
) -> Result<HttpResponse, ConsoleError> {
    if let AccountError::Store(e) = error {
        return Err(e.into());
    }
    let mut page = page_for(state, admin)?;
    page.chrome.error = Some(error.to_string());
    render_status(status, &page)
}

/// Checks the signed-in admin's own password, as typed into the form: `Some` is the page
/// saying it is wrong, `None` that it is right.
fn refuse_wrong_own_password(state: &AppState, post: &SignedPost) -> Result<Option<HttpResponse>, ConsoleError> {
    match accounts::verify(&state.store, &post.admin.username, post.form.raw("current_password")) {
        Ok(true) => Ok(None),
        Ok(false) => {
            let mut page = page_for(state, &post.admin)?;
            page.chrome.error = Some("Your own password is not right; nothing was changed.".into());
            page.username = post.form.get("username").trim().to_string();
            render_status(StatusCode::FORBIDDEN, &page).map(Some)
        }
        Err(AccountError::Store(e)) => Err(e.into()),
        Err(e) => Err(ConsoleError::Internal(e.to_string())),
    }
}

/// Adds an account, or sets the password of an existing one.
pub async fn set_password(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    if let Some(refusal) = refuse_wrong_own_password(&state, &post)? {
        return Ok(refusal);
    }
    let username = post.form.get("username").trim().to_string();
    let (password, repeated) = (post.form.raw("password"), post.form.raw("password_again"));
    if password != repeated {
        let mut page = page_for(&state, &post.admin)?;
        page.chrome.error = Some("The two passwords differ; type the same password twice.".into());
        page.username = username;
        return render_status(StatusCode::BAD_REQUEST, &page);
    }
    let existed = state.store.admin_user(&username)?.is_some();
    let actor = &post.admin.username;
    if let Err(e) = accounts::set_password_by_admin(&state.store, &username, password, now_ms(), actor) {
        let mut page = page_for(&state, &post.admin)?;
        if let AccountError::Store(e) = e {
            return Err(e.into());
        }
        page.chrome.error = Some(format!("{}.", capitalized(&e.to_string())));
        page.username = username;
        return render_status(StatusCode::BAD_REQUEST, &page);
    }
    let notice = match (existed, username == *actor) {
        (false, _) => format!("Admin {username} was added. Give them the password through a channel you trust."),
        (true, false) => format!("The password of {username} was changed; their open sessions were ended."),
        (true, true) => "Your password was changed. Your sessions were ended: sign in again with the new one.".into(),
    };
    let mut page = page_for(&state, &post.admin)?;
    page.chrome.notice = Some(notice);
    render(&page)
}

/// Deletes an account (not the one signed in).
pub async fn delete(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    if let Some(refusal) = refuse_wrong_own_password(&state, &post)? {
        return Ok(refusal);
    }
    let username = post.form.get("username").to_string();
    match accounts::delete(&state.store, &username, &post.admin.username, now_ms()) {
        Ok(()) => {
            let mut page = page_for(&state, &post.admin)?;
            page.chrome.notice = Some(format!("Admin {username} was deleted and signed out."));
            render(&page)
        }
        Err(e @ AccountError::NoSuchUser(_)) => refused(&state, &post.admin, StatusCode::NOT_FOUND, e),
        Err(e @ (AccountError::DeleteSelf | AccountError::ActorGone)) => {
            refused(&state, &post.admin, StatusCode::CONFLICT, e)
        }
        Err(e) => refused(&state, &post.admin, StatusCode::BAD_REQUEST, e),
    }
}

fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map(|first| first.to_uppercase().chain(chars).collect()).unwrap_or_default()
}
