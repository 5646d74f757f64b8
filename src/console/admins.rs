//! `/admin/admins`: the console's own accounts. An admin adds another admin or sets a
//! password (the same rules and audit as `jirabridge admin set-password`), and deletes an
//! account, which ends its sessions at once. Nobody can delete the account they are signed
//! in with, so the console is never left without one. Both changes ask for the admin's own
//! password: a session cookie alone (a borrowed browser) cannot make a lasting account.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::login::client_address;
use super::page::{render, render_status, see_other, Chrome};
use super::session::{SignedIn, SignedPost};
use super::{throttle, Notice};
use crate::accounts::{self, AccountError};
use crate::utc::now_ms;
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
    created: super::page::Moment,
    password_set: super::page::Moment,
    is_you: bool,
}

async fn page_for(state: &AppState, admin: &SignedIn) -> Result<AdminsPage, ConsoleError> {
    let accounts = state
        .store
        .run(|store| store.admin_users())
        .await?
        .into_iter()
        .map(|user| AccountRow {
            is_you: user.username == admin.username,
            created: super::page::moment(user.created_at_ms),
            password_set: super::page::moment(user.updated_at_ms),
            username: user.username,
        })
        .collect();
    Ok(AdminsPage { chrome: Chrome::new(admin, "/admin/admins", "Admins"), accounts, username: String::new() })
}

pub async fn page(
    admin: SignedIn,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let mut page = page_for(&state, &admin).await?;
    page.chrome.notice = notice.text();
    render(&page)
}

/// The page again, under `status`, saying `error` and keeping the user name typed.
async fn page_saying(
    state: &AppState,
    admin: &SignedIn,
    status: StatusCode,
    error: String,
    username: String,
) -> Result<HttpResponse, ConsoleError> {
    let mut page = page_for(state, admin).await?;
    page.chrome.error = Some(error);
    page.username = username;
    render_status(status, &page)
}

/// The page again saying what was wrong with the account change.
async fn refused(
    state: &AppState,
    admin: &SignedIn,
    status: StatusCode,
    error: AccountError,
) -> Result<HttpResponse, ConsoleError> {
    if let AccountError::Store(e) = error {
        return Err(e.into());
    }
    page_saying(state, admin, status, sentence(&error), String::new()).await
}

/// The sign-in counters' "address" under which wrong own passwords on this page are counted.
const OWN_PASSWORD_COUNTER: &str = "admins-page";

/// Checks the signed-in admin's own password, as typed into the form, counted like a
/// sign-in attempt (a stolen session cannot guess it without limit): `Some` is the page
/// saying it is wrong, `None` that it is right.
async fn refuse_wrong_own_password(
    req: &HttpRequest,
    state: &AppState,
    post: &SignedPost,
) -> Result<Option<HttpResponse>, ConsoleError> {
    let (client, username) = (client_address(req, state), &post.admin.username);
    let max = state.config().admin.login_max_attempts;
    // Counted per user, whatever the address: a borrowed session gets the same few tries
    // from anywhere (sign-in counts per address and user).
    let user = username.clone();
    let refused =
        state.store.run(move |store| throttle::admit(store, OWN_PASSWORD_COUNTER, &user, max, now_ms())).await?;
    if let Some(secs) = refused {
        tracing::warn!(%client, username, "console admin change refused: too many wrong passwords");
        return Err(ConsoleError::TooManyAttempts { retry_after_secs: secs, minutes: secs.div_ceil(60) });
    }
    if state.console.check_password(state.store.clone(), username, post.form.raw("current_password")).await? {
        let user = username.clone();
        state.store.run(move |store| throttle::clear(store, OWN_PASSWORD_COUNTER, &user)).await?;
        return Ok(None);
    }
    tracing::warn!(%client, username, "console admin change refused: wrong own password");
    let error = "Your own password is not right; nothing was changed.".to_string();
    let typed = post.form.get("username").trim().to_string();
    page_saying(state, &post.admin, StatusCode::FORBIDDEN, error, typed).await.map(Some)
}

/// Adds an account, or sets the password of an existing one.
pub async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: SignedPost,
) -> Result<HttpResponse, ConsoleError> {
    if let Some(refusal) = refuse_wrong_own_password(&req, &state, &post).await? {
        return Ok(refusal);
    }
    let username = post.form.get("username").trim().to_string();
    let (password, repeated) = (post.form.raw("password").to_string(), post.form.raw("password_again"));
    // tidy: not a secret: both fields of the form just typed
    if password != repeated {
        let error = "The two passwords differ; type the same password twice.".to_string();
        return page_saying(&state, &post.admin, StatusCode::BAD_REQUEST, error, username).await;
    }
    let (store, user, actor) = (state.store.clone(), username.clone(), post.admin.username.clone());
    // On the blocking thread the password is hashed on, with the store work around it.
    let set = state
        .console
        .password_work(move || {
            let existed = store.admin_user(&user)?.is_some();
            accounts::set_password_by_admin(&store, &user, &password, now_ms(), &actor).map(|()| existed)
        })
        .await?;
    let existed = match set {
        Err(AccountError::Store(e)) => return Err(e.into()),
        Err(e) => return page_saying(&state, &post.admin, StatusCode::BAD_REQUEST, sentence(&e), username).await,
        Ok(existed) => existed,
    };
    tracing::info!(admin = %post.admin.username, username, added = !existed, "console admin account set");
    // After the answer a reload shows the page, and does not send the form again.
    let location = match (existed, username == post.admin.username) {
        // Their own sessions, this one included, just ended: sign in with the new password.
        (true, true) => "/admin/login?password_changed=1",
        (true, false) => "/admin/admins?notice=admin_password_changed",
        (false, _) => "/admin/admins?notice=admin_added",
    };
    Ok(see_other(location))
}

/// Deletes an account (not the one signed in).
pub async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    post: SignedPost,
) -> Result<HttpResponse, ConsoleError> {
    if let Some(refusal) = refuse_wrong_own_password(&req, &state, &post).await? {
        return Ok(refusal);
    }
    let username = post.form.get("username").to_string();
    let (user, actor) = (username.clone(), post.admin.username.clone());
    match state.store.run(move |store| accounts::delete(store, &user, &actor, now_ms())).await {
        Ok(()) => {
            tracing::info!(admin = %post.admin.username, username, "console admin account deleted");
            Ok(see_other("/admin/admins?notice=admin_deleted"))
        }
        Err(e @ AccountError::NoSuchUser(_)) => refused(&state, &post.admin, StatusCode::NOT_FOUND, e).await,
        Err(e @ (AccountError::DeleteSelf | AccountError::ActorGone)) => {
            refused(&state, &post.admin, StatusCode::CONFLICT, e).await
        }
        Err(e) => refused(&state, &post.admin, StatusCode::BAD_REQUEST, e).await,
    }
}

/// An account error as a sentence for the page.
fn sentence(error: &AccountError) -> String {
    format!("{}.", super::page::capitalized(&error.to_string()))
}
