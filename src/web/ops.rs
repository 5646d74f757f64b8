//! Operations endpoints: `/healthz`, `/readyz`, `/metrics` (SPEC §3.6).

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::json;

use super::AppState;
use crate::secrets::verify::constant_time_eq;
use crate::store::records::SubscriptionState;

/// The process is alive.
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().content_type("text/plain; charset=utf-8").body("ok")
}

/// Ready to work: the store can write (as its last write or probe found; no store call, so
/// this answers while sled is stuck) and Mattermost is reachable with the bot token.
pub async fn readyz(state: web::Data<AppState>) -> HttpResponse {
    let store = state.store_status();
    let mattermost = state.mattermost_status().await;
    let body = json!({ "store": store, "mattermost": mattermost });
    if store == "ok" && mattermost == "ok" {
        HttpResponse::Ok().json(body)
    } else {
        HttpResponse::ServiceUnavailable().json(body)
    }
}

/// Prometheus text exposition; needs `server.metrics_token` as Bearer when one is set.
pub async fn metrics(state: web::Data<AppState>, req: HttpRequest) -> HttpResponse {
    let config = state.config();
    let token = config.server.metrics_token.expose();
    if !token.is_empty() {
        let given = super::client::bearer_token(&req);
        if !given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
            return HttpResponse::Unauthorized().content_type("text/plain; charset=utf-8").body("unauthorized");
        }
    }
    let read =
        state.store.run(|store| Ok::<_, crate::store::StoreError>((store.outbox_counts()?, store.subscriptions()?)));
    match read.await {
        Ok((counts, all)) => {
            state.metrics.set_outbox_depth("pending", counts.pending);
            state.metrics.set_outbox_depth("in_flight", counts.in_flight);
            state.metrics.set_outbox_depth("retrying", counts.retrying);
            let broken = all.iter().filter(|s| s.state == SubscriptionState::Broken).count() as u64;
            state.metrics.set_subscriptions("active", all.len() as u64 - broken);
            state.metrics.set_subscriptions("broken", broken);
        }
        Err(e) => tracing::error!(error = %e, "reading the outbox and subscriptions for metrics failed"),
    }
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(state.metrics.render())
}
