//! Console sessions: the `jirabridge_session` cookie, the `SignedIn` extractor every page
//! takes, and `SignedPost`, which every console POST takes so none can skip the CSRF check.
//! Both look the session up on a blocking thread (`Store::run`), never on an async worker.

use std::pin::Pin;

use actix_web::cookie::{Cookie, SameSite};
use actix_web::{web, FromRequest, HttpRequest};
use base64::Engine;
use sha2::{Digest, Sha256};

use super::error::ConsoleError;
use super::form::{FormData, MAX_FORM_BYTES};
use crate::secrets::verify::constant_time_eq;
use crate::store::records::SessionRecordV1;
use crate::store::{Store, StoreError};
use crate::utc::now_ms;
use crate::web::AppState;

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

/// A session about to start: the cookie's value and the record stored under its hash.
pub struct NewSession {
    value: String,
    record: SessionRecordV1,
}

impl NewSession {
    pub fn for_user(username: &str) -> Result<NewSession, ConsoleError> {
        let record = SessionRecordV1::new(username, random_token()?, now_ms());
        Ok(NewSession { value: random_token()?, record })
    }

    /// Stores the session (call it in `Store::run`).
    pub fn store(&self, store: &Store) -> Result<(), StoreError> {
        store.put_session(&id_hash(&self.value), &self.record)
    }

    /// The cookie that signs the browser in, for the response.
    pub fn cookie(self, state: &AppState) -> Cookie<'static> {
        console_cookie(state, SESSION_COOKIE, self.value)
    }
}

/// A valid, unexpired console session.
pub struct SignedIn {
    pub username: String,
    pub csrf_token: String,
    id_hash: [u8; 32],
}

impl SignedIn {
    /// Ends this session.
    pub async fn end(&self, state: &AppState) -> Result<(), ConsoleError> {
        let hash = self.id_hash;
        Ok(state.store.run(move |store| store.delete_session(&hash)).await?)
    }
}

/// What the extractors' futures are: the session is looked up on a blocking thread.
type Extracted<T> = Pin<Box<dyn std::future::Future<Output = Result<T, ConsoleError>>>>;

impl FromRequest for SignedIn {
    type Error = ConsoleError;
    type Future = Extracted<SignedIn>;

    fn from_request(req: &HttpRequest, _: &mut actix_web::dev::Payload) -> Self::Future {
        Box::pin(signed_in(req.clone()))
    }
}

async fn signed_in(req: HttpRequest) -> Result<SignedIn, ConsoleError> {
    let next = if req.method() == actix_web::http::Method::GET {
        req.uri().path_and_query().map(|p| p.as_str().to_string()).unwrap_or_else(|| "/admin/".into())
    } else {
        "/admin/".into()
    };
    let missing = || ConsoleError::SignInRequired { next: next.clone() };
    let state = req.app_data::<web::Data<AppState>>().ok_or_else(missing)?;
    let cookie = req.cookie(SESSION_COOKIE).ok_or_else(missing)?;
    let hash = id_hash(cookie.value());
    let ttl_ms = session_ttl_ms(state);
    let record = state.store.run(move |store| live_session(store, &hash, ttl_ms, now_ms())).await?;
    let record = record.ok_or_else(missing)?;
    Ok(SignedIn { username: record.username, csrf_token: record.csrf_token, id_hash: hash })
}

/// The session stored under `hash` while it is live, its `last_seen` rewritten when it is
/// older than [`TOUCH_EVERY_MS`]; an expired session, or one whose account was deleted, is
/// removed and `None`. Takes the store: call it in `Store::run`.
fn live_session(store: &Store, hash: &[u8; 32], ttl_ms: u64, now: u64) -> Result<Option<SessionRecordV1>, StoreError> {
    let Some(mut record) = store.session(hash)? else { return Ok(None) };
    // Expired, or its account was deleted (a sign-in can finish just after the deletion
    // ended the account's sessions): either way the session is over.
    if now.saturating_sub(record.last_seen_ms) > ttl_ms || store.admin_user(&record.username)?.is_none() {
        store.delete_session(hash)?;
        return Ok(None);
    }
    if now.saturating_sub(record.last_seen_ms) > TOUCH_EVERY_MS {
        record.last_seen_ms = now;
        store.put_session(hash, &record)?;
    }
    Ok(Some(record))
}

/// A console form POST from a signed-in admin whose CSRF token matched.
pub struct SignedPost {
    pub admin: SignedIn,
    pub form: FormData,
}

impl FromRequest for SignedPost {
    type Error = ConsoleError;
    type Future = Extracted<SignedPost>;

    fn from_request(req: &HttpRequest, payload: &mut actix_web::dev::Payload) -> Self::Future {
        let admin = signed_in(req.clone());
        let body = read_form(req, payload);
        Box::pin(async move {
            // The session first: a visitor without one costs no body read.
            let admin = admin.await?;
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
