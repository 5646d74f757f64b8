//! The pages a browser opens while a user connects a Jira account (SPEC §3.1, §8.1): the
//! connect link, and the OAuth 1.0a and 2.0 callbacks. `connections::oauth` decides; this
//! face answers a redirect, a small HTML page on success, or the sentence as `text/plain`
//! (as the plugin did) with its status.

use std::collections::HashMap;

use actix_web::{web, HttpResponse};

use crate::connections::Page;
use crate::web::AppState;

/// `GET /instance/{b64}/user/connect?t=<token>`.
pub async fn connect_link(
    state: web::Data<AppState>,
    instance: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let token = query.get("t").map(String::as_str).unwrap_or_default();
    answer(state.connections.open_connect_link(&instance, token).await)
}

/// `GET /instance/{b64}/oauth1/complete.html?oauth_token=&oauth_verifier=`.
pub async fn oauth1_complete(
    state: web::Data<AppState>,
    instance: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    answer(state.connections.finish_oauth1(&instance, &query).await)
}

/// `GET /instance/{b64}/oauth2/complete.html?code=&state=`.
pub async fn oauth2_complete(
    state: web::Data<AppState>,
    instance: web::Path<String>,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    answer(state.connections.finish_oauth2(&instance, &query).await)
}

fn answer(page: Page) -> HttpResponse {
    let response = match page {
        Page::Redirect(location) => HttpResponse::Found().insert_header(("Location", location)).finish(),
        Page::Connected(sentence) => HttpResponse::Ok().content_type("text/html; charset=utf-8").body(format!(
            "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Jira account connected</title></head>\
             <body><h1>Jira account connected</h1><p>{}</p><p>You can close this page and go back to Mattermost.</p></body></html>",
            escape(&sentence)
        )),
        Page::Refused(status, sentence) => {
            let status = actix_web::http::StatusCode::from_u16(status).unwrap_or(actix_web::http::StatusCode::BAD_REQUEST);
            HttpResponse::build(status).content_type("text/plain; charset=utf-8").body(sentence)
        }
    };
    with_no_store(response)
}

/// Links and callbacks are used once: no cache may keep them.
fn with_no_store(mut response: HttpResponse) -> HttpResponse {
    response
        .headers_mut()
        .insert(actix_web::http::header::CACHE_CONTROL, actix_web::http::header::HeaderValue::from_static("no-store"));
    response
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}
