//! THE route table: every path jirabridge serves, in one place. It sits above the faces
//! (`web`, `console`, `admin_api`) that it mounts, so none of them imports another's routes.
//!
//! Plugin-compatible paths are served bare and under `/plugins/jira` so Jira
//! configurations written for the plugin keep working.

use actix_web::{web, HttpResponse};

use crate::web::{connect_pages, firehose, legacy_webhook, ops, plugin_leftovers};

/// Prefixes under which the plugin's paths are served.
const PLUGIN_PREFIXES: &[&str] = &["", "/plugins/jira"];

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(resource("/healthz", "GET").route(web::get().to(ops::healthz)));
    cfg.service(resource("/readyz", "GET").route(web::get().to(ops::readyz)));
    cfg.service(resource("/metrics", "GET").route(web::get().to(ops::metrics)));
    cfg.configure(crate::admin_api::configure);
    cfg.configure(crate::console::configure);
    cfg.configure(crate::chat::configure);
    for prefix in PLUGIN_PREFIXES {
        cfg.service(resource(&format!("{prefix}/webhook"), "POST").route(web::post().to(legacy_webhook::legacy)));
        cfg.service(
            resource(&format!("{prefix}/instance/{{instance}}/webhook"), "POST")
                .route(web::post().to(legacy_webhook::legacy)),
        );
        cfg.service(resource(&format!("{prefix}/api/v2/webhook"), "POST").route(web::post().to(firehose::firehose)));
        cfg.service(
            resource(&format!("{prefix}/instance/{{instance}}/api/v2/webhook"), "POST")
                .route(web::post().to(firehose::firehose)),
        );
        let get = |path: &str| resource(&format!("{prefix}{path}"), "GET");
        cfg.service(get("/instance/{instance}/user/connect").route(web::get().to(connect_pages::connect_link)));
        cfg.service(
            get("/instance/{instance}/oauth1/complete.html").route(web::get().to(connect_pages::oauth1_complete)),
        );
        cfg.service(
            get("/instance/{instance}/oauth2/complete.html").route(web::get().to(connect_pages::oauth2_complete)),
        );
        let post = |path: &str| resource(&format!("{prefix}{path}"), "POST");
        cfg.service(post("/ac/uninstalled").route(web::post().to(plugin_leftovers::ac_uninstalled)));
        cfg.service(post("/ac/installed").route(web::post().to(plugin_leftovers::ac_installed)));
        cfg.service(post("/instance/{instance}/ac/installed").route(web::post().to(plugin_leftovers::ac_installed)));
        for path in plugin_leftovers::WEBAPP_PATHS {
            cfg.service(web::resource(format!("{prefix}{path}")).to(plugin_leftovers::webapp_gone));
        }
    }
}

/// A resource whose other methods answer 405 with `Allow`.
fn resource(path: &str, allow: &'static str) -> actix_web::Resource {
    web::resource(path).default_service(web::to(move || async move {
        HttpResponse::MethodNotAllowed()
            .insert_header(("Allow", allow))
            .content_type("text/plain; charset=utf-8")
            .body("method not allowed")
    }))
}

/// Unknown paths: 404 with a short sentence.
pub async fn not_found() -> HttpResponse {
    HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("not found")
}
