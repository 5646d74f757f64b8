//! The first admin: a one-time setup link, printed in the log at start while no admin
//! exists, opens a form that creates the admin and signs them in.
//!
//! The link lives in memory only: a restart without an admin prints a new one, and it dies
//! with the first admin created (by the link or by `jirabridge admin set-password`).

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use sha2::{Digest, Sha256};

use super::error::ConsoleError;
use super::login::{check_form_token, form_response, signed_in_redirect, LoginPage};
use super::session::{self, random_token};
use crate::secrets::verify::constant_time_eq;
use crate::store::Store;
use crate::utc::now_ms;
use crate::web::state::{ConsoleState, SetupLink};
use crate::web::AppState;

/// Password work that takes longer is answered with an error: the store behind it may hang
/// on a full disk, and its turn must come back to the queue (argon2 alone takes well under
/// a second).
const PASSWORD_DEADLINE: std::time::Duration = std::time::Duration::from_secs(30);

/// `work`, or the store's deadline error once [`PASSWORD_DEADLINE`] has passed.
async fn in_time<T>(work: impl std::future::Future<Output = Result<T, ConsoleError>>) -> Result<T, ConsoleError> {
    let late = || Err(ConsoleError::from(crate::store::StoreError::Deadline));
    tokio::time::timeout(PASSWORD_DEADLINE, work).await.unwrap_or_else(|_| late())
}

impl ConsoleState {
    /// `accounts::verify` off the async workers, a few at a time.
    pub async fn check_password(&self, store: Store, username: &str, password: &str) -> Result<bool, ConsoleError> {
        let _turn = self.password_work.acquire().await.map_err(|e| ConsoleError::Internal(e.to_string()))?;
        let (user, pass) = (username.to_string(), password.to_string());
        in_time(async move {
            web::block(move || crate::accounts::verify(&store, &user, &pass))
                .await
                .map_err(|e| ConsoleError::Internal(e.to_string()))?
                .map_err(|e| ConsoleError::Internal(e.to_string()))
        })
        .await
    }

    /// `accounts::set_password` off the async workers, a few at a time.
    async fn set_password(
        &self,
        store: Store,
        username: &str,
        password: &str,
    ) -> Result<Result<(), String>, ConsoleError> {
        let _turn = self.password_work.acquire().await.map_err(|e| ConsoleError::Internal(e.to_string()))?;
        let (user, pass) = (username.to_string(), password.to_string());
        let done = in_time(async move {
            web::block(move || crate::accounts::set_password(&store, &user, &pass, now_ms()))
                .await
                .map_err(|e| ConsoleError::Internal(e.to_string()))
        })
        .await?;
        Ok(done.map_err(|e| e.to_string()))
    }

    /// Other argon2 work (a password hashed or checked) off the async workers, a few at a time.
    pub async fn password_work<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ConsoleError> {
        let _turn = self.password_work.acquire().await.map_err(|e| ConsoleError::Internal(e.to_string()))?;
        in_time(async move { web::block(work).await.map_err(|e| ConsoleError::Internal(e.to_string())) }).await
    }

    /// Makes a new one-time setup token valid for `ttl_ms`; returns it (to print once).
    pub fn new_setup_token(&self, ttl_ms: u64) -> Result<String, ConsoleError> {
        let token = random_token()?;
        let link = SetupLink { token_hash: Sha256::digest(token.as_bytes()).into(), expires_at_ms: now_ms() + ttl_ms };
        *self.setup.lock().unwrap_or_else(|p| p.into_inner()) = Some(link);
        Ok(token)
    }

    fn setup_token_valid(&self, token: &str) -> bool {
        let guard = self.setup.lock().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().is_some_and(|link| {
            let hash: [u8; 32] = Sha256::digest(token.as_bytes()).into();
            now_ms() < link.expires_at_ms && constant_time_eq(&hash, &link.token_hash)
        })
    }

    fn forget_setup_token(&self) {
        *self.setup.lock().unwrap_or_else(|p| p.into_inner()) = None;
    }
}

/// Whether an admin account exists (asked on a blocking thread).
pub(super) async fn any_admin(state: &AppState) -> Result<bool, ConsoleError> {
    let asked = state.store.run(crate::accounts::any_admin).await;
    asked.map_err(|e| match e {
        crate::accounts::AccountError::Store(e) => e.into(),
        other => ConsoleError::Internal(other.to_string()),
    })
}

/// At start: while no admin exists, logs a setup link (and the command-line alternative).
pub async fn announce_setup_link(state: &AppState) -> Result<(), ConsoleError> {
    if any_admin(state).await? {
        return Ok(());
    }
    let minutes = state.config().admin.setup_link_ttl_minutes;
    let token = state.console.new_setup_token(minutes * 60_000)?;
    tracing::warn!(
        "no admin console user yet: open {}/admin/setup?token={token} within {minutes} minutes to create one, \
         or run `{}` on this machine",
        state.config().public_base_url(),
        super::login::set_password_command(state)
    );
    Ok(())
}

#[derive(serde::Deserialize)]
pub struct SetupQuery {
    #[serde(default)]
    token: String,
}

fn setup_page(token: &str, username: String, error: Option<String>, show_form: bool) -> LoginPage {
    let action =
        format!("/admin/setup?token={}", url::form_urlencoded::byte_serialize(token.as_bytes()).collect::<String>());
    LoginPage {
        heading: "Create the first admin",
        action,
        username,
        error,
        setup: true,
        show_form,
        ..LoginPage::default()
    }
}

/// Why the link cannot be used, if it cannot.
async fn refusal(state: &AppState, token: &str) -> Result<Option<String>, ConsoleError> {
    if any_admin(state).await? {
        return Ok(Some("An admin already exists. Sign in at /admin/login.".into()));
    }
    if !state.console.setup_token_valid(token) {
        return Ok(Some(format!(
            "This setup link has expired or is not valid. Restart jirabridge for a new one, or run `{}` on the server.",
            super::login::SET_PASSWORD_HINT
        )));
    }
    Ok(None)
}

/// The setup page without its form, saying why the link cannot be used.
fn refused(state: &AppState, req: &HttpRequest, token: &str, reason: &str) -> Result<HttpResponse, ConsoleError> {
    form_response(state, req, StatusCode::BAD_REQUEST, setup_page(token, String::new(), Some(reason.into()), false))
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SetupQuery>,
) -> Result<HttpResponse, ConsoleError> {
    if let Some(reason) = refusal(&state, &query.token).await? {
        return refused(&state, &req, &query.token, &reason);
    }
    form_response(&state, &req, StatusCode::OK, setup_page(&query.token, String::new(), None, true))
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<SetupQuery>,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let mut payload = payload.into_inner();
    let form = session::read_form(&req, &mut payload).await?;
    check_form_token(&req, &form)?;
    if let Some(reason) = refusal(&state, &query.token).await? {
        return refused(&state, &req, &query.token, &reason);
    }
    let (username, password) = (form.get("username").to_string(), form.raw("password").to_string());
    // tidy: not a secret: both fields of the form just typed
    if password != form.raw("password_again") {
        let error = Some("The two passwords differ.".to_string());
        return form_response(&state, &req, StatusCode::BAD_REQUEST, setup_page(&query.token, username, error, true));
    }
    if let Err(e) = state.console.set_password(state.store.clone(), &username, &password).await? {
        return form_response(&state, &req, StatusCode::BAD_REQUEST, setup_page(&query.token, username, Some(e), true));
    }
    state.console.forget_setup_token();
    tracing::info!(username, "first console admin created through the setup link");
    signed_in_redirect(&state, &username, "/admin/", |_| Ok(())).await
}
