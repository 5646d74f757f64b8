//! What happens before any route: log the request, apply failure switches, check the token
//! (not on `/hooks/`, whose id is the credential).

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::AUTHORIZATION;
use actix_web::middleware::Next;
use actix_web::web::Data;
use actix_web::{Error, ResponseError};

use super::errors;
use super::failures::Refusal;
use super::state::Shared;
use super::BOT_TOKEN;

pub(super) async fn gate(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, Error> {
    let shared = req.app_data::<Data<Shared>>().expect("shared state is registered").clone();
    let method = req.method().as_str().to_owned();
    let target = req.uri().path_and_query().map_or_else(|| req.path().to_owned(), |pq| pq.as_str().to_owned());
    shared.requests().push((method.clone(), target));

    let (delay, refusal) = shared.failures().check(&method, req.path());
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    if let Some(refusal) = refusal {
        return Ok(req.into_response(refused(refusal)));
    }
    // A command's response URL is its own credential: Mattermost asks no token there.
    if !req.path().starts_with("/hooks/") && !has_known_token(&req, &shared) {
        return Ok(req.into_response(errors::session_expired().error_response()));
    }
    Ok(next.call(req).await?.map_into_boxed_body())
}

fn refused(refusal: Refusal) -> actix_web::HttpResponse {
    match refusal {
        Refusal::Status(code) => errors::injected(code).error_response(),
        Refusal::RateLimited { retry_after_secs } => errors::rate_limited(retry_after_secs),
    }
}

/// The bot's token or a person's personal access token.
fn has_known_token(req: &ServiceRequest, shared: &Shared) -> bool {
    token_of(req.headers()).is_some_and(|token| token == BOT_TOKEN || shared.world().tokens.contains_key(&token))
}

/// The token of the `Authorization` header; the server takes either `Bearer` or `Token` as
/// the scheme, in any case.
pub(super) fn token_of(headers: &actix_web::http::header::HeaderMap) -> Option<String> {
    let header = headers.get(AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = header.split_once(' ')?;
    let scheme_ok = scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token");
    scheme_ok.then(|| token.trim().to_string())
}
