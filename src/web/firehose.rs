//! The subscription firehose (`POST /api/v2/webhook`, `/instance/{ref}/api/v2/webhook`,
//! SPEC §4.4): one webhook for everything; subscriptions decide which channels see it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::intake::{kept_headers, Intake};
use super::AppState;
use crate::events::ingest::{ChannelTarget, Received};
use crate::instances::{self, WebhookInstance};
use crate::jira::instance::InstanceType;
use crate::subscriptions::facts::IssueFacts;
use crate::subscriptions::matching::MatchSettings;

pub async fn firehose(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let intake = Intake { state: &state, kind: "firehose" };
    let (body, query) = match intake.authenticated(&req, payload).await {
        Ok(ok) => ok,
        Err(refused) => return refused,
    };
    let (payload, parsed) = match intake.parse(&body) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return HttpResponse::Ok().finish(),
        Err(refused) => return refused,
    };
    let instance = match instances::for_webhook(&state.store, req.match_info().get("instance"), &payload) {
        Ok(WebhookInstance::Found(instance)) => Some(instance),
        Ok(WebhookInstance::UnknownInPath) => {
            return intake.refuse("bad_request", StatusCode::NOT_FOUND, "unknown Jira instance")
        }
        Ok(WebhookInstance::NoneFits) => None,
        Err(e) => return intake.answer(Err(e), &parsed),
    };
    let targets = match &instance {
        Some(instance) => {
            let is_cloud = instance.instance_type == InstanceType::Cloud.as_str();
            let facts = IssueFacts::from_payload(&payload, is_cloud);
            let settings = MatchSettings {
                security_level_empty: state.config().security.security_level_empty_for_subscriptions,
                restricted_comments_to_channels: state.config().security.restricted_comments_to_channels,
            };
            let index = state.subscriptions.read().unwrap_or_else(|p| p.into_inner());
            channel_targets(
                index
                    .matching(&instance.id, &parsed.events, &facts, settings)
                    .into_iter()
                    .map(|s| (s.channel_id.clone(), s.name.clone())),
            )
        }
        None => {
            tracing::warn!(issue = %parsed.issue.key, "firehose event from an unknown Jira instance; add the instance to route it");
            Vec::new()
        }
    };
    let received = Received {
        webhook_event: payload.webhook_event().to_string(),
        raw_body: body,
        headers: kept_headers(&req),
        instance_id: instance.as_ref().map(|i| i.id.clone()),
        dedup_scope: format!("firehose:{}", query.without_secret()),
    };
    let instance_id = instance.as_ref().map(|i| i.id.as_str());
    intake.answer(state.ingest.firehose(received, &parsed, instance_id, targets).await, &parsed)
}

/// One target per channel, named after its first matching subscription (they come in name
/// order), however many subscriptions of that channel match.
fn channel_targets(matches: impl Iterator<Item = (String, String)>) -> Vec<ChannelTarget> {
    let mut targets: Vec<ChannelTarget> = Vec::new();
    for (channel_id, subscription_name) in matches {
        if !targets.iter().any(|t| t.channel_id == channel_id) {
            targets.push(ChannelTarget { channel_id, subscription_name });
        }
    }
    targets
}
