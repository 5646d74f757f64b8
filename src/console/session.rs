//! Console sessions: the `jirabridge_session` cookie, the `SignedIn` extractor every page
//! takes, and `SignedPost`, which every console POST takes so none can skip the CSRF check.

use std::future::{ready, Ready};
use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, FromRequest, HttpRequest};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::ConsoleError;
use super::form::{FormData, MAX_FORM_BYTES};
use crate::delivery::worker::now_ms;
use crate::store::records::SessionRecordV1;
use crate::web::AppState;
use crate::webhook::auth::constant_time_eq;

pub const SESSION_COOKIE: &str = "jirabridge_session";
/// Name of the CSRF field in every console form.
pub const CSRF_FIELD: &str = "csrf_token";
/// `last_seen` is rewritten at most this often, so browsing does not write on every click.
const TOUCH_EVERY_MS: u64 = 60_000;

/// A random token: 32 bytes, URL-safe base64.
pub fn random_token() -> Result<String, ConsoleError> {
    let mut bytes = [0u8; 32];
    getrandom::getrandom(&mut bytes).map_err(|e| ConsoleError::Internal(format!("random: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// Sessions are stored under the SHA-256 of the cookie, so a copy of the store does not
/// hold cookies that sign anyone in.
fn id_hash(cookie_value: &str) -> [u8; 32] {
    Sha256::digest(cookie_value.as_bytes()).into()
}

fn session_ttl_ms(state: &AppState) -> u64 {
    state.config().admin.session_ttl_hours.saturating_mul(3_600_000)
}

/// A cookie scoped to the console: HttpOnly, SameSite=Strict, Secure behind https.
pub fn console_cookie(state: &AppState, name: &'static str, value: String) -> Cookie<'static> {
    Cookie::build(name, value)
        .path("/admin")
        .http_only(true)
        .same_site(SameSite::Strict)
        .secure({
            let config = state.config();
            config.listen_scheme() == "https" || config.public_base_url().starts_with("https://")
        })
        .finish()
}

/// Starts a session for `username`; the cookie goes on the response.
pub fn start(state: &AppState, username: &str) -> Result<Cookie<'static>, ConsoleError> {
    let value = random_token()?;
    let now = now_ms();
    let record = SessionRecordV1 {
        username: username.into(),
        csrf_token: random_token()?,
        created_at_ms: now,
        last_seen_ms: now,
    };
    state.store.put_session(&id_hash(&value), &record)?;
    Ok(console_cookie(state, SESSION_COOKIE, value))
}

/// A valid, unexpired console session.
pub struct SignedIn {
    pub username: String,
    pub csrf_token: String,
    id_hash: [u8; 32],
}

impl SignedIn {
    /// Ends this session.
    pub fn end(&self, state: &AppState) -> Result<(), ConsoleError> {
        Ok(state.store.delete_session(&self.id_hash)?)
    }
}

impl FromRequest for SignedIn {
    type Error = ConsoleError;
    type Future = Ready<Result<SignedIn, ConsoleError>>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        ready(signed_in(req))
    }
}

fn signed_in(req: &HttpRequest) -> Result<SignedIn, ConsoleError> {
    let next = if req.method() == actix_web::http::Method::GET {
        req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/admin/".into())
    } else {
        "/admin/".into()
    };
    let missing = || ConsoleError::SignInRequired { next: next.clone() };
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(missing)?;
    let cookie = req.cookie(SESSION_COOKIE).ok_or_else(missing)?;
    let hash = id_hash(cookie.value());
    let mut record = state.store.session(&hash)?.ok_or_else(missing)?;
    let now = now_ms();
    // Expired, or its account was deleted (a sign-in can finish just after the deletion
    // ended the account's sessions): either way the session is over.
    if now.saturating_sub(record.last_seen_ms) > session_ttl_ms(state)
        || state.store.admin_user(&record.username)?.is_none()
    {
        state.store.delete_session(&hash)?;
        return Err(missing());
    }
    if now.saturating_sub(record.last_seen_ms) > TOUCH_EVERY_MS {
        record.last_seen_ms = now;
        state.store.put_session(&hash, &record)?;
    }
    Ok(SignedIn { username: record.username, csrf_token: record.csrf_token, id_hash: hash })
}

/// A console form POST from a signed-in admin whose CSRF token matched.
pub struct SignedPost {
    pub admin: SignedIn,
    pub form: FormData,
}

impl FromRequest for SignedPost {
    type Error = ConsoleError;
    type Future = Pin<Box<dyn std::future::Future<Output = Result<SignedPost, ConsoleError>>>>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let admin = signed_in(req);
        let body = read_form(req, payload);
        Box::pin(async move {
            let admin = admin?;
            let form = body.await?;
            if !constant_time_eq(form.get(CSRF_FIELD).as_bytes(), admin.csrf_token.as_bytes()) {
                return Err(ConsoleError::BadCsrf);
            }
            Ok(SignedPost { admin, form })
        })
    }
}

/// Reads a urlencoded form body of at most [`MAX_FORM_BYTES`].
pub fn read_form(
    req: &HttpRequest,
    payload: &mut actix_web::dev::Payload,
) -> impl std::future::Future<Output = Result<FormData, ConsoleError>> {
    let bytes = web::Bytes::from_request(req, payload);
    async move {
        let body = bytes.await.map_err(|e| ConsoleError::BadRequest(format!("could not read the form: {e}")))?;
        if body.len() > MAX_FORM_BYTES {
            return Err(ConsoleError::BadRequest("the form is too large".into()));
        }
        Ok(FormData::from_bytes(&body))
    }
}
