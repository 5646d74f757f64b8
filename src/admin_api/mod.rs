//! The admin JSON API under `/api/v1` (SPEC §3.5): bearer-token auth, JSON errors, and
//! handlers that call the same domain code as the console will.

pub mod auth;
pub mod error;
pub mod events;
pub mod import;
pub mod instances;
pub mod mattermost;
pub mod ops;
pub mod secrets;
pub mod settings;
pub mod subscriptions;
pub mod templates;

use actix_web::web;

/// Routes that take large uploads: their body deadline grows with the bytes received
/// (`web::body`), so a 256 MiB plugin export over a slow link is not cut off.
pub const UPLOAD_PATHS: &[&str] = &["/api/v1/import/plugin"];

/// Registers the `/api/v1` routes.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .wrap_fn(|req, service| {
                crate::web::client::restrict_to_admin_networks(req, service, || {
                    actix_web::ResponseError::error_response(&error::ApiError::Forbidden)
                })
            })
            .app_data(json_errors())
            .app_data(
                web::QueryConfig::default().error_handler(|e, _| error::ApiError::BadRequest(e.to_string()).into()),
            )
            .app_data(web::PathConfig::default().error_handler(|_, _| {
                error::ApiError::NotFound("nothing here: an id in the path is not valid".into()).into()
            }))
            .service(resource("/status", "GET").route(web::get().to(ops::status)))
            .service(resource("/audit", "GET").route(web::get().to(ops::audit)))
            .service(resource("/render", "POST").route(web::post().to(ops::render)))
            .service(resource("/events", "GET").route(web::get().to(events::list)))
            .service(resource("/events/{id}", "GET").route(web::get().to(events::get)))
            .service(resource("/events/{id}/replay", "POST").route(web::post().to(events::replay)))
            .service(resource("/deliveries", "GET").route(web::get().to(events::deliveries)))
            .service(resource("/deliveries/{id}/retry", "POST").route(web::post().to(events::retry)))
            .service(resource("/mattermost/commands", "POST").route(web::post().to(mattermost::register_command)))
            .service(resource("/secrets/webhook", "POST").route(web::post().to(secrets::webhook)))
            .service(resource("/import/plugin", "POST").route(web::post().to(import::plugin)))
            .service(resource("/secrets/admin-token", "POST").route(web::post().to(secrets::admin_token)))
            .service(
                resource("/instances", "GET, POST")
                    .route(web::get().to(instances::list))
                    .route(web::post().to(instances::create)),
            )
            .service(
                resource("/instances/{reference}/webhook-urls", "GET").route(web::get().to(instances::webhook_urls)),
            )
            .service(resource("/catalog/{reference}", "GET").route(web::get().to(instances::catalog)))
            .service(
                resource("/instances/{reference}", "GET, PATCH, DELETE")
                    .route(web::get().to(instances::get))
                    .route(web::patch().to(instances::patch))
                    .route(web::delete().to(instances::delete)),
            )
            .service(
                resource("/subscriptions", "GET, POST")
                    .route(web::get().to(subscriptions::list))
                    .route(web::post().to(subscriptions::create)),
            )
            .service(resource("/subscriptions/dry-run", "POST").route(web::post().to(subscriptions::dry_run)))
            .service(
                resource("/subscriptions/{id}", "GET, PUT, DELETE")
                    .route(web::get().to(subscriptions::get))
                    .route(web::put().to(subscriptions::replace))
                    .route(web::delete().to(subscriptions::delete)),
            )
            .service(resource("/subscriptions/{id}/jql", "GET").route(web::get().to(subscriptions::jql)))
            .service(
                resource("/templates", "GET, POST")
                    .route(web::get().to(templates::list))
                    .route(web::post().to(templates::create)),
            )
            .service(
                resource("/settings", "GET, PATCH")
                    .route(web::get().to(settings::list))
                    .route(web::patch().to(settings::patch)),
            )
            .service(
                resource("/templates/{id}", "GET, PUT, DELETE")
                    .route(web::get().to(templates::get))
                    .route(web::put().to(templates::replace))
                    .route(web::delete().to(templates::delete)),
            )
            // Authenticated first, like every API path: without the token, 401 whatever the path.
            .default_service(web::to(|_: auth::AdminAuth| async {
                Err::<actix_web::HttpResponse, _>(error::ApiError::NotFound(
                    "there is no such API path; docs/API.md lists them".into(),
                ))
            })),
    );
}

/// An API resource taking the methods `allow` lists: another method gets the JSON error
/// (after the token check) with `Allow` (SPEC §3), not actix's empty 405.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move |_: auth::AdminAuth| async move {
        let mut refused = actix_web::ResponseError::error_response(&error::ApiError::MethodNotAllowed);
        let allowed = actix_web::http::header::HeaderValue::from_static(allow);
        refused.headers_mut().insert(actix_web::http::header::ALLOW, allowed);
        Ok::<_, actix_web::Error>(refused)
    }))
}

/// Bodies that are not the expected JSON get the API's JSON error, not actix's text.
fn json_errors() -> web::JsonConfig {
    use actix_web::error::JsonPayloadError;
    web::JsonConfig::default().limit(JSON_LIMIT).error_handler(|e, _| {
        match e {
            JsonPayloadError::OverflowKnownLength { .. } | JsonPayloadError::Overflow { .. } => {
                error::ApiError::TooLarge(format!("the body is larger than {} KiB", JSON_LIMIT / 1024))
            }
            JsonPayloadError::ContentType => {
                error::ApiError::BadRequest("the body must be JSON, sent with Content-Type: application/json".into())
            }
            JsonPayloadError::Deserialize(e) => error::ApiError::BadRequest(format!("invalid JSON body: {e}")),
            other => error::ApiError::BadRequest(format!("the body could not be read: {other}")),
        }
        .into()
    })
}

/// Largest JSON body the API reads.
const JSON_LIMIT: usize = 1024 * 1024;
