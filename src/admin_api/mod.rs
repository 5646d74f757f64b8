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
            .service(resource("/status").route(web::get().to(ops::status)))
            .service(resource("/audit").route(web::get().to(ops::audit)))
            .service(resource("/render").route(web::post().to(ops::render)))
            .service(resource("/events").route(web::get().to(events::list)))
            .service(resource("/events/{id}").route(web::get().to(events::get)))
            .service(resource("/events/{id}/replay").route(web::post().to(events::replay)))
            .service(resource("/deliveries").route(web::get().to(events::deliveries)))
            .service(resource("/deliveries/{id}/retry").route(web::post().to(events::retry)))
            .service(resource("/mattermost/commands").route(web::post().to(mattermost::register_command)))
            .service(resource("/secrets/webhook").route(web::post().to(secrets::webhook)))
            .service(resource("/import/plugin").route(web::post().to(import::plugin)))
            .service(resource("/secrets/admin-token").route(web::post().to(secrets::admin_token)))
            .service(
                resource("/instances").route(web::get().to(instances::list)).route(web::post().to(instances::create)),
            )
            .service(resource("/instances/{reference}/webhook-urls").route(web::get().to(instances::webhook_urls)))
            .service(resource("/catalog/{reference}").route(web::get().to(instances::catalog)))
            .service(
                resource("/instances/{reference}")
                    .route(web::get().to(instances::get))
                    .route(web::patch().to(instances::patch))
                    .route(web::delete().to(instances::delete)),
            )
            .service(
                resource("/subscriptions")
                    .route(web::get().to(subscriptions::list))
                    .route(web::post().to(subscriptions::create)),
            )
            .service(resource("/subscriptions/dry-run").route(web::post().to(subscriptions::dry_run)))
            .service(
                resource("/subscriptions/{id}")
                    .route(web::get().to(subscriptions::get))
                    .route(web::put().to(subscriptions::replace))
                    .route(web::delete().to(subscriptions::delete)),
            )
            .service(resource("/subscriptions/{id}/jql").route(web::get().to(subscriptions::jql)))
            .service(
                resource("/templates").route(web::get().to(templates::list)).route(web::post().to(templates::create)),
            )
            .service(resource("/settings").route(web::get().to(settings::list)).route(web::patch().to(settings::patch)))
            .service(
                resource("/templates/{id}")
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

/// An API resource: a method it does not take gets the JSON error (after the token check),
/// not actix's empty 405.
fn resource(path: &str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(|_: auth::AdminAuth| async {
        Err::<actix_web::HttpResponse, _>(error::ApiError::MethodNotAllowed)
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
