//! The server's custom slash commands and teams (SPEC §11): `GET /api/v4/commands?team_id=&
//! custom_only=true`, `POST /api/v4/commands` (201 with a fresh 26-char token; a trigger the
//! team already has → 400), `PUT /api/v4/commands/{id}`, `GET /api/v4/teams/{id}` and
//! `GET /api/v4/teams/name/{name}`. Needing `manage_slash_commands` is a failure switch away
//! (`fail_route("POST", "/api/v4/commands", Failure::Status(403))`).

use std::collections::HashMap;

use actix_web::web::{Data, Json, Path, Query};
use actix_web::{HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::errors::AppError;
use super::ids::new_id;
use super::state::Shared;

type Answer = Result<HttpResponse, AppError>;

pub(super) fn team_json(id: &str, name: &str) -> Value {
    json!({"id": id, "name": name, "display_name": name, "type": "O", "delete_at": 0})
}

pub(super) async fn team(shared: Data<Shared>, path: Path<String>) -> Answer {
    let world = shared.world();
    let team = world.teams.iter().find(|t| t.id == *path);
    team.map(|t| HttpResponse::Ok().json(team_json(&t.id, &t.name)))
        .ok_or_else(|| AppError::new(404, "app.team.get.find.app_error", "We couldn't find the existing team."))
}

pub(super) async fn team_by_name(shared: Data<Shared>, path: Path<String>) -> Answer {
    let world = shared.world();
    let team = world.team_by_name(&path);
    team.map(|t| HttpResponse::Ok().json(team_json(&t.id, &t.name))).ok_or_else(|| {
        AppError::new(404, "app.team.get_by_name.missing.app_error", "We couldn't find the existing team.")
    })
}

pub(super) async fn list(shared: Data<Shared>, query: Query<HashMap<String, String>>) -> Answer {
    let team_id = query.get("team_id").cloned().unwrap_or_default();
    let world = shared.world();
    let commands: Vec<&Value> = world.commands.iter().filter(|c| c["team_id"] == team_id.as_str()).collect();
    Ok(HttpResponse::Ok().json(commands))
}

pub(super) async fn create(shared: Data<Shared>, req: HttpRequest, body: Json<Value>) -> Answer {
    let mut command = body.into_inner();
    let mut world = shared.world();
    let token = super::gate::token_of(req.headers()).unwrap_or_default();
    let may_manage = match world.tokens.get(&token) {
        Some(user_id) => world.people.iter().any(|p| p.id == *user_id && p.roles.contains("system_admin")),
        None => !world.bot_may_not_manage_commands,
    };
    if !may_manage {
        let message = "You do not have the appropriate permissions.";
        return Err(AppError::new(403, "api.context.permissions.app_error", message));
    }
    let (team_id, trigger) = (command["team_id"].as_str().unwrap_or(""), command["trigger"].as_str().unwrap_or(""));
    if team_id.is_empty() || trigger.is_empty() || command["url"].as_str().unwrap_or("").is_empty() {
        return Err(AppError::new(400, "model.command.is_valid.team_id.app_error", "Invalid team ID, trigger or URL."));
    }
    if world.commands.iter().any(|c| c["team_id"] == team_id && c["trigger"] == trigger) {
        return Err(AppError::new(
            400,
            "api.command.duplicate_trigger.app_error",
            "This trigger word is already in use.",
        ));
    }
    let now = world.now_ms();
    command["id"] = new_id().into();
    command["token"] = new_id().into();
    command["create_at"] = now.into();
    command["update_at"] = now.into();
    command["delete_at"] = 0.into();
    world.commands.push(command.clone());
    Ok(HttpResponse::Created().json(command))
}

pub(super) async fn update(shared: Data<Shared>, path: Path<String>, body: Json<Value>) -> Answer {
    let mut world = shared.world();
    let now = world.now_ms();
    let Some(stored) = world.commands.iter_mut().find(|c| c["id"] == path.as_str()) else {
        return Err(AppError::new(404, "app.command.getcommand.app_error", "Unable to get the command."));
    };
    let updated = body.into_inner();
    if updated["id"] != stored["id"]
        || updated["token"] != stored["token"]
        || updated["creator_id"] != stored["creator_id"]
    {
        return Err(AppError::new(
            400,
            "api.command.update.app_error",
            "The command's id, token and creator must not change.",
        ));
    }
    *stored = updated;
    stored["update_at"] = now.into();
    Ok(HttpResponse::Ok().json(stored.clone()))
}
