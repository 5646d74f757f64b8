//! The subscription firehose (`POST /api/v2/webhook`, `/instance/{ref}/api/v2/webhook`,
//! SPEC §4.4): one webhook for everything; subscriptions decide which channels see it.

use actix_web::http::StatusCode;
use actix_web::{web, HttpRequest, HttpResponse};

use super::intake::{kept_headers, Intake};
use super::AppState;
use crate::ingest::Received;
use crate::ingest::{pending, routing};
use crate::instances::{self, WebhookInstance};
use crate::subscriptions::matching::MatchSettings;
use crate::utc::now_ms;

pub async fn firehose(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let intake = Intake { state: &state, kind: "firehose" };
    let (body, query) = match intake.authenticated(&req, payload).await {
        Ok(ok) => ok,
        Err(refused) => return refused,
    };
    let (webhook_event, parsed) = match intake.parse(&body) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return HttpResponse::Ok().finish(),
        Err(refused) => return refused,
    };
    let payload = match intake.parse_tree(&body) {
        Ok(payload) => payload,
        Err(refused) => return refused,
    };
    let path_ref = req.match_info().get("instance").map(str::to_string);
    let links = instances::self_links(&payload);
    let found = state.store.run(move |store| instances::for_webhook(store, path_ref.as_deref(), &links)).await;
    let instance = match found {
        Ok(WebhookInstance::Found(instance)) => Some(instance),
        Ok(WebhookInstance::UnknownInPath) => {
            return intake.refuse("bad_request", StatusCode::NOT_FOUND, "unknown Jira instance")
        }
        Ok(WebhookInstance::NoneFits) => None,
        Err(e) => return intake.answer(Err(e), &parsed),
    };
    // A Cloud comment whose issue Jira can tell waits for that (and the events after it).
    // The cheap payload test first: the credentials are looked at only for such a comment.
    let partial = instance.as_ref().is_some_and(|i| routing::needs_known_facts(i, &webhook_event, &payload));
    let ticket = instance.as_ref().and_then(|instance| {
        let needs_jira = partial && pending::jira_can_be_asked(&state.config(), &instance.id, &*state.connections);
        state.ingest.waiting.must_wait(&instance.id, needs_jira)
    });
    let routed = match &instance {
        Some(_) if ticket.is_some() => routing::Routed::default(),
        Some(instance) => {
            // A Jira Cloud comment names few fields: what was seen of its issue before.
            let known = if partial {
                let (id, issue) = (instance.id.clone(), routing::issue_id(&payload));
                match state.store.run(move |store| store.issue_facts(&id, &issue)).await {
                    Ok(known) => Some(known),
                    Err(e) => return intake.store_failed(&e),
                }
            } else {
                None
            };
            let settings = MatchSettings::from_config(&state.config());
            let index = state.subscriptions.read().unwrap_or_else(|p| p.into_inner());
            let event = routing::EventView { webhook_event: &webhook_event, payload: &payload, events: &parsed.events };
            routing::route(&index, instance, event, settings, known, now_ms())
        }
        None => {
            tracing::warn!(issue = %parsed.issue.key, "firehose event from an unknown Jira instance; add the instance to route it");
            routing::Routed::default()
        }
    };
    let received = Received {
        webhook_event,
        raw_body: body,
        headers: kept_headers(&req),
        instance_id: instance.as_ref().map(|i| i.id.clone()),
        dedup_scope: format!("firehose:{}", query.without_secret()),
    };
    let accepted = match ticket {
        Some(ticket) => state.ingest.firehose_waiting(received, &parsed, ticket).await,
        None => state.ingest.firehose(received, &parsed, instance.as_ref().map(|i| &i.id), routed).await,
    };
    intake.answer(accepted, &parsed)
}
