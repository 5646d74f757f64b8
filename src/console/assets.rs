//! `/static/*`: the console's stylesheet and script, compiled into the binary so the
//! console needs nothing from the network.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

const ASSETS: &[(&str, &str, &str)] = &[
    ("console.css", "text/css; charset=utf-8", include_str!("../../static/console.css")),
    ("console.js", "text/javascript; charset=utf-8", include_str!("../../static/console.js")),
];

pub async fn serve(file: web::Path<String>) -> HttpResponse {
    match ASSETS.iter().find(|(name, _, _)| *name == file.as_str()) {
        Some((_, content_type, body)) => HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
            .insert_header((header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
            .body(*body),
        None => HttpResponse::NotFound().content_type("text/plain; charset=utf-8").body("not found"),
    }
}
