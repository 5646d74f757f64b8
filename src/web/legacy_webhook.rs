//! The legacy per-channel webhook (`POST /webhook`, SPEC §4.3): team and channel by name in
//! the URL, events chosen by the `updated_*` flags. Needs no Jira instance.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::intake::{kept_headers, Intake};
use super::AppState;
use crate::events::legacy_selection::{is_mattermost_name, Selection};
use crate::ingest::{LegacyTarget, Received};
use crate::mattermost::channels::Resolution;

pub async fn legacy(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let intake = Intake { state: &state, kind: "legacy" };
    let (body, query) = match intake.authenticated(&req, payload).await {
        Ok(ok) => ok,
        Err(refused) => return refused,
    };
    // `/instance/{ref}/webhook`: the instance must exist (SPEC §3.2); the post needs none.
    let instance_id = match req.match_info().get("instance").map(str::to_string) {
        Some(reference) => match state.store.run(move |store| crate::instances::resolve(store, &reference)).await {
            Ok(Some(instance)) => Some(instance.id),
            Ok(None) => return intake.refuse("bad_request", StatusCode::NOT_FOUND, "unknown Jira instance"),
            Err(e) => return intake.store_failed(&e),
        },
        None => None,
    };
    let team = query.get("team").unwrap_or("").trim().to_string();
    let channel = query.get("channel").unwrap_or("").trim().to_string();
    if team.is_empty() {
        return intake.refuse("bad_request", StatusCode::BAD_REQUEST, "request URL: no team name found");
    }
    if channel.is_empty() {
        return intake.refuse("bad_request", StatusCode::BAD_REQUEST, "request URL: no channel name found");
    }
    if !is_mattermost_name(&team) || !is_mattermost_name(&channel) {
        return intake.refuse("bad_request", StatusCode::BAD_REQUEST, "request URL: invalid team or channel name");
    }
    // Resolved before parsing, so the user docs' curl test only passes with a right URL.
    let target = match state.channels.resolve(&state.mattermost, &team, &channel).await {
        Resolution::Found(id) => LegacyTarget::ChannelId { id, team, channel },
        Resolution::NotFound => {
            let message = format!("request URL: channel {team}/{channel} not found");
            return intake.refuse("bad_request", StatusCode::BAD_REQUEST, message);
        }
        Resolution::Unknown(reason) => {
            // Without Mattermost settings every webhook lands here; start-up and /readyz
            // already say what is missing, so only a failing lookup is worth a warning.
            if state.mattermost.is_configured() {
                tracing::warn!(%reason, "could not look up the legacy webhook's channel now; accepting and resolving it later");
            } else {
                tracing::debug!(%reason, "legacy webhook accepted before Mattermost is configured; its channel is looked up later");
            }
            LegacyTarget::ChannelName { team, channel }
        }
    };
    let (webhook_event, parsed) = match intake.parse(&body) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return HttpResponse::Ok().finish(),
        Err(refused) => return refused,
    };
    let selection = Selection::from_flags(|name| query.get(name));
    let target = selection.selects(&parsed.events).then_some(target);
    let received = Received {
        webhook_event,
        raw_body: body,
        headers: kept_headers(&req),
        instance_id,
        dedup_scope: query.without_secret(),
    };
    intake.answer(state.ingest.legacy(received, &parsed, target).await, &parsed)
}
