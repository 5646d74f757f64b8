//! Plugin paths jirabridge answers without serving them (SPEC §3.1): Atlassian Connect's
//! lifecycle calls, and the endpoints the plugin's webapp used, so an old caller gets a clear
//! sentence instead of a bare 404.

use actix_web::HttpResponse;

/// The plugin webapp's endpoints, under the plugin-compatible prefixes.
pub const WEBAPP_PATHS: &[&str] = &[
    "/autocomplete/{tail:.*}",
    "/api/v2/userinfo",
    "/api/v2/settingsinfo",
    "/api/v2/get-{tail:.*}",
    "/api/v2/create-issue",
    "/api/v2/attach-comment-to-issue",
    "/api/v2/transition",
    "/api/v2/share-issue-publicly",
    "/api/v2/subscriptions{tail:.*}",
    "/api/v2/subscription-templates{tail:.*}",
    "/api/v3/disconnect",
    "/user/start",
    "/instance/{instance}/user/disconnect",
    "/ac/{page}.html",
];

/// `POST /ac/uninstalled`: harmless, acknowledged.
pub async fn ac_uninstalled() -> HttpResponse {
    HttpResponse::Ok().json(["OK"])
}

/// `POST /ac/installed`: Connect installs are not supported.
pub async fn ac_installed() -> HttpResponse {
    gone("Atlassian Connect installs are not supported by jirabridge; use OAuth 2.0 (cloud-oauth).")
}

/// Any webapp endpoint.
pub async fn webapp_gone() -> HttpResponse {
    gone("This endpoint belonged to the Mattermost plugin webapp; jirabridge does not serve it.")
}

fn gone(sentence: &'static str) -> HttpResponse {
    HttpResponse::Gone().content_type("text/plain; charset=utf-8").body(sentence)
}
