//! `/api/v1/mattermost/commands` (SPEC §3.5, §9.7): registers `/jira` in a team.

use actix_web::{web, HttpResponse};
use serde::Deserialize;
use serde_json::json;

use super::auth::AdminAuth;
use super::error::ApiError;
use crate::commands::registration::RegisterError;
use crate::web::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RegisterCommand {
    team_id: String,
    /// A system administrator's token for this one call (never kept).
    #[serde(default)]
    admin_token: Option<String>,
}

impl From<RegisterError> for ApiError {
    fn from(e: RegisterError) -> Self {
        match e {
            RegisterError::Forbidden | RegisterError::TriggerTaken { .. } | RegisterError::NoPublicUrl(_) => {
                ApiError::Conflict(e.to_string())
            }
            RegisterError::Mattermost(e) => ApiError::MattermostFailed(e.to_string()),
            RegisterError::Store(e) => e.into(),
        }
    }
}

/// `POST /api/v1/mattermost/commands`: 201 `{"command_id","team_id"}`.
pub async fn register_command(
    _: AdminAuth,
    state: web::Data<AppState>,
    body: web::Json<RegisterCommand>,
) -> Result<HttpResponse, ApiError> {
    let RegisterCommand { team_id, admin_token } = body.into_inner();
    if team_id.trim().is_empty() {
        return Err(ApiError::field("team_id", "give the id of the team to register /jira in"));
    }
    let registration = state.register_command(team_id.trim(), admin_token.as_deref(), "api").await?;
    Ok(HttpResponse::Created().json(json!({ "command_id": registration.command_id, "team_id": registration.team_id })))
}
