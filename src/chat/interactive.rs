//! `POST /mattermost/dialog`, `/mattermost/action` and `/mattermost/lookup` (SPEC §3.3,
//! §10.4): dialog submissions, clicks and dynamic-select lookups. Each carries jirabridge's
//! signed state (`state`, or `context.t` on a button); `commands::interact` checks it before
//! anything acts. Answers are always 200 JSON as Mattermost expects, except a lookup with a
//! bad state (403).

use actix_web::{web, HttpRequest, HttpResponse};
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::MOST_BODY_BYTES;
use crate::commands::interact::{interact, Checked, InteractContext, ALREADY_DONE, BUTTON_EXPIRED, FORM_EXPIRED};
use crate::commands::jira_ops::{Caller, Outcome, Surface};
use crate::mattermost::dialog::{Dialog, OpenDialog};
use crate::mattermost::interactive::{
    ActionReply, ActionRequest, DialogReply, DialogSubmission, LookupItem, LookupReply, LookupRequest,
};
use crate::web::body::{read_limited, BodyError};
use crate::web::AppState;

/// The body as `T`, or the answer to give instead (413 too large, `None` for unreadable).
async fn read<T: DeserializeOwned>(req: &HttpRequest, payload: web::Payload) -> Result<Option<T>, HttpResponse> {
    match read_limited(req, payload, MOST_BODY_BYTES).await {
        Ok(body) => Ok(serde_json::from_slice(&body).ok()),
        Err(BodyError::TooLarge) => {
            Err(HttpResponse::PayloadTooLarge().content_type("text/plain").body("request body too large"))
        }
        Err(BodyError::TimedOut) => Err(crate::web::body::timed_out()),
        Err(BodyError::Broken) => Ok(None),
    }
}

fn context(state: &AppState) -> InteractContext {
    InteractContext {
        store: state.store.clone(),
        settings: state.settings.clone(),
        key: state.signing_key.clone(),
        jira: state.jira_ops.clone(),
        #[cfg(feature = "fault-injection")]
        clock_ahead_secs: state.interaction_clock_ahead_secs.load(std::sync::atomic::Ordering::Relaxed),
        #[cfg(not(feature = "fault-injection"))]
        clock_ahead_secs: 0,
    }
}

fn caller(user_id: String, channel_id: String, team_id: String) -> Caller {
    Caller { user_id, channel_id, team_id, ..Caller::default() }
}

const UNREADABLE: &str = "jirabridge could not read this request; run the command again.";
const STORE_TROUBLE: &str = "jirabridge could not reach its database just now; please try again in a moment.";

pub async fn dialog(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let submission: DialogSubmission = match read(&req, payload).await {
        Ok(Some(submission)) => submission,
        Ok(None) => return HttpResponse::Ok().json(DialogReply::error(UNREADABLE)),
        Err(answer) => return answer,
    };
    if submission.cancelled {
        return HttpResponse::Ok().json(DialogReply::done());
    }
    let who = caller(submission.user_id, submission.channel_id, submission.team_id);
    let values = submission.submission.unwrap_or_default();
    let checked = interact(&context(&state), &who, Surface::Dialog, &submission.state, values).await;
    let reply = match checked {
        Ok(Checked::Refused) => DialogReply::error(FORM_EXPIRED),
        Ok(Checked::AlreadyDone) => DialogReply::error(ALREADY_DONE),
        Ok(Checked::Outcome(Outcome::Invalid(errors))) => DialogReply::field_errors(errors),
        Ok(Checked::Outcome(Outcome::Failed(sentence))) => DialogReply::error(sentence),
        Ok(Checked::Outcome(Outcome::Done(_) | Outcome::Updated(..) | Outcome::Items(_) | Outcome::OpenDialog(_))) => {
            DialogReply::done()
        }
        Err(e) => {
            tracing::error!(error = %e, "a dialog submission could not use the store");
            DialogReply::error(STORE_TROUBLE)
        }
    };
    HttpResponse::Ok().json(reply)
}

pub async fn action(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let request: ActionRequest = match read(&req, payload).await {
        Ok(Some(request)) => request,
        Ok(None) => return HttpResponse::Ok().json(ActionReply::ephemeral(UNREADABLE)),
        Err(answer) => return answer,
    };
    let token = request.context.get("t").and_then(Value::as_str).unwrap_or_default().to_string();
    let mut values = Map::new();
    if let Some(selected) = request.context.get("selected_option") {
        values.insert("selected_option".into(), selected.clone());
    }
    let mut who = caller(request.user_id, request.channel_id, request.team_id);
    (who.user_name, who.channel_name, who.team_domain) = (request.user_name, request.channel_name, request.team_domain);
    let text = match interact(&context(&state), &who, Surface::Action, &token, values).await {
        Ok(Checked::Outcome(Outcome::Updated(text, attachments))) => {
            return HttpResponse::Ok().json(ActionReply::updated(text, attachments))
        }
        Ok(Checked::Refused) => BUTTON_EXPIRED.to_string(),
        Ok(Checked::AlreadyDone) => ALREADY_DONE.to_string(),
        Ok(Checked::Outcome(Outcome::Done(text) | Outcome::Failed(text))) => text,
        Ok(Checked::Outcome(Outcome::Invalid(errors))) => errors.into_values().collect::<Vec<_>>().join(" "),
        Ok(Checked::Outcome(Outcome::Items(_))) => String::new(),
        Ok(Checked::Outcome(Outcome::OpenDialog(dialog))) => open_dialog(&state, request.trigger_id, dialog).await,
        Err(e) => {
            tracing::error!(error = %e, "a click could not use the store");
            STORE_TROUBLE.to_string()
        }
    };
    HttpResponse::Ok().json(ActionReply::ephemeral(text))
}

/// Opens `dialog` for the click that asked for it; answers what the clicker reads if it
/// cannot be opened (nothing when it opens).
async fn open_dialog(state: &AppState, trigger_id: String, dialog: Dialog) -> String {
    let url = format!("{}/mattermost/dialog", state.config().public_base_url());
    state.mattermost.open_dialog_or_say(&OpenDialog { trigger_id, url, dialog }).await.err().unwrap_or_default()
}

pub async fn lookup(state: web::Data<AppState>, req: HttpRequest, payload: web::Payload) -> HttpResponse {
    let request: LookupRequest = match read(&req, payload).await {
        Ok(Some(request)) => request,
        Ok(None) => return HttpResponse::BadRequest().json(LookupReply::default()),
        Err(answer) => return answer,
    };
    let values = Map::from_iter([("query".to_string(), Value::String(request.query().to_string()))]);
    let who = caller(request.user_id, request.channel_id, request.team_id);
    match interact(&context(&state), &who, Surface::Lookup, &request.state, values).await {
        Ok(Checked::Refused) => HttpResponse::Forbidden().json(LookupReply::default()),
        Ok(Checked::Outcome(Outcome::Items(items))) => {
            let items = items.into_iter().map(|(text, value)| LookupItem { text, value }).collect();
            HttpResponse::Ok().json(LookupReply { items })
        }
        Ok(_) => HttpResponse::Ok().json(LookupReply::default()),
        Err(e) => {
            tracing::error!(error = %e, "a lookup could not use the store");
            HttpResponse::Ok().json(LookupReply::default())
        }
    }
}
