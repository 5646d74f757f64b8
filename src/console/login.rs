//! Sign-in and sign-out. The sign-in form has no session yet, so its CSRF token is a
//! double submit: a random value in a console-scoped cookie and the same value in the form.

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::form::FormData;
use super::page::{render_status, see_other, with_security_headers};
use super::session::{self, console_cookie, random_token, NewSession, SignedPost, CSRF_FIELD};
use super::throttle;
use crate::secrets::verify::constant_time_eq;
use crate::store::{Store, StoreError};
use crate::utc::now_ms;
use crate::web::AppState;

/// Cookie holding the sign-in (and setup) form's CSRF value.
pub const FORM_COOKIE: &str = "jirabridge_form";

#[derive(Template, Default)]
#[template(path = "console/login.html")]
pub struct LoginPage {
    pub heading: &'static str,
    pub action: String,
    pub csrf_token: String,
    pub next: String,
    pub username: String,
    pub notice: Option<String>,
    pub error: Option<String>,
    pub setup: bool,
    pub show_form: bool,
    /// How to make the first admin from the command line; shown only while no admin exists.
    pub set_password_hint: Option<&'static str>,
}

/// What the sign-in page says about making the first admin: no path of this server (anyone
/// may load the page), and only while there is no admin.
pub const SET_PASSWORD_HINT: &str =
    "jirabridge admin set-password --username NAME (add --config with the server's configuration file if it uses one)";

/// The command that makes an admin account for this server (its config file, when it
/// read one, so the command finds the same store). For the server's log only: the path is
/// not shown to visitors.
pub fn set_password_command(state: &AppState) -> String {
    match state.settings.config_file() {
        Some(file) => {
            // As the server found it, from any directory; quoted when it has spaces.
            let file = std::fs::canonicalize(&file).unwrap_or(file).display().to_string();
            let file = if file.contains(char::is_whitespace) { format!("'{file}'") } else { file };
            format!("jirabridge admin set-password --config {file} --username NAME")
        }
        None => "jirabridge admin set-password --username NAME".into(),
    }
}

/// Renders a pre-session form with its double-submit token. A token the browser already
/// holds is kept, so a sign-in form open in another tab stays valid.
pub fn form_response(
    state: &AppState,
    req: &HttpRequest,
    status: StatusCode,
    mut page: LoginPage,
) -> Result<HttpResponse, ConsoleError> {
    let held = req.cookie(FORM_COOKIE).map(|c| c.value().to_string()).filter(|v| v.len() >= 32);
    page.csrf_token = match held {
        Some(token) => token,
        None => random_token()?,
    };
    let cookie = console_cookie(state, FORM_COOKIE, page.csrf_token.clone());
    let mut response = render_status(status, &page)?;
    response.add_cookie(&cookie).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(response)
}

/// Checks a pre-session form's token against its cookie.
pub fn check_form_token(req: &HttpRequest, form: &FormData) -> Result<(), ConsoleError> {
    let cookie = req.cookie(FORM_COOKIE).ok_or(ConsoleError::BadCsrf)?;
    let sent = form.get(CSRF_FIELD);
    if sent.is_empty() || !constant_time_eq(sent.as_bytes(), cookie.value().as_bytes()) {
        return Err(ConsoleError::BadCsrf);
    }
    Ok(())
}

#[derive(serde::Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    next: String,
    #[serde(default)]
    signed_out: Option<String>,
    #[serde(default)]
    password_changed: Option<String>,
}

pub async fn form(
    req: HttpRequest,
    state: web::Data<AppState>,
    query: web::Query<LoginQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let notice = match (&query.signed_out, &query.password_changed) {
        (_, Some(_)) => {
            Some("Your password was changed and your sessions ended: sign in with the new one.".to_string())
        }
        (Some(_), None) => Some("You are signed out.".to_string()),
        (None, None) => None,
    };
    let mut page = login_page(safe_next(&query.next), String::new(), notice, None);
    page.set_password_hint = (!super::setup::any_admin(&state).await?).then_some(SET_PASSWORD_HINT);
    form_response(&state, &req, StatusCode::OK, page)
}

fn login_page(next: String, username: String, notice: Option<String>, error: Option<String>) -> LoginPage {
    LoginPage {
        heading: "Sign in to jirabridge",
        action: "/admin/login".into(),
        next,
        username,
        notice,
        error,
        show_form: true,
        ..LoginPage::default()
    }
}

/// Only console paths are followed after sign-in, never another site. Only visible ASCII
/// is kept: a browser sends paths percent-encoded, and a control character (CR, LF, NUL)
/// could not go into a `Location` header at all.
fn safe_next(next: &str) -> String {
    let visible = next.bytes().all(|b| b.is_ascii_graphic());
    if visible && next.starts_with("/admin/") && !next.starts_with("//") && !next.contains('\\') {
        next.to_string()
    } else {
        String::new()
    }
}

/// The address failed sign-ins are counted against (the client's, through trusted proxies).
pub(super) fn client_address(req: &HttpRequest, state: &AppState) -> String {
    crate::web::client::client_ip(req, &state.config()).map(|ip| ip.to_string()).unwrap_or_else(|| "unknown".into())
}

pub async fn submit(
    req: HttpRequest,
    state: web::Data<AppState>,
    payload: web::Payload,
) -> Result<HttpResponse, ConsoleError> {
    let mut payload = payload.into_inner();
    let form = session::read_form(&req, &mut payload).await?;
    check_form_token(&req, &form)?;
    let (username, password, next) = (form.get("username"), form.raw("password"), safe_next(form.get("next")));
    let client = client_address(&req, &state);
    let wrong = || Some("Wrong user name or password.".to_string());
    if crate::accounts::check_username(username).is_err() {
        // No account can have this name: nothing is stored or logged for it.
        return form_response(&state, &req, StatusCode::UNAUTHORIZED, login_page(next, String::new(), None, wrong()));
    }
    let max = state.config().admin.login_max_attempts;
    let (counted_as, user) = (client.clone(), username.to_string());
    let refused = state.store.run(move |store| throttle::admit(store, &counted_as, &user, max, now_ms())).await?;
    if let Some(secs) = refused {
        tracing::warn!(%client, username, "console sign-in refused: too many failed attempts");
        return Err(ConsoleError::TooManyAttempts { retry_after_secs: secs, minutes: secs.div_ceil(60) });
    }
    let valid = state.console.check_password(state.store.clone(), username, password).await?;
    if !valid {
        tracing::warn!(%client, username, "console sign-in failed");
        return form_response(&state, &req, StatusCode::UNAUTHORIZED, login_page(next, username.into(), None, wrong()));
    }
    let (counted_as, user) = (client.clone(), username.to_string());
    let forget_attempts = move |store: &Store| throttle::clear(store, &counted_as, &user);
    let response =
        signed_in_redirect(&state, username, if next.is_empty() { "/admin/" } else { &next }, forget_attempts).await?;
    tracing::info!(%client, username, "console sign-in");
    Ok(response)
}

/// Starts a session and sends the browser on; the form cookie is no longer needed. `first`
/// is store work done in the same visit to the store, before the session is stored.
pub async fn signed_in_redirect(
    state: &AppState,
    username: &str,
    location: &str,
    first: impl FnOnce(&Store) -> Result<(), StoreError> + Send + 'static,
) -> Result<HttpResponse, ConsoleError> {
    // The answer is made first: a session is only started for a redirect that can be sent.
    let mut response = see_other(location);
    if response.status() != StatusCode::SEE_OTHER {
        return Err(ConsoleError::Internal(format!("cannot redirect to {location:?}")));
    }
    let session = NewSession::for_user(username)?;
    let session =
        state.store.run(move |store| first(store).and_then(|()| session.store(store)).map(|()| session)).await?;
    response.add_cookie(&session.cookie(state)).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    response.add_removal_cookie(&console_cookie(state, FORM_COOKIE, String::new())).ok();
    Ok(response)
}

pub async fn logout(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    post.admin.end(&state).await?;
    let mut response = see_other("/admin/login?signed_out=1");
    let gone: Cookie<'static> = console_cookie(&state, session::SESSION_COOKIE, String::new());
    response.add_removal_cookie(&gone).map_err(|e| ConsoleError::Internal(e.to_string()))?;
    Ok(response)
}

/// `/admin` without the slash.
pub async fn to_dashboard() -> HttpResponse {
    let mut response = HttpResponse::PermanentRedirect();
    with_security_headers(&mut response);
    response.insert_header(("Location", "/admin/")).finish()
}
