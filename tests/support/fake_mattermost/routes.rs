//! The route table, and the user and channel lookups.

use std::collections::HashMap;

use actix_web::web::{self, Data, Path, Query, ServiceConfig};
use actix_web::HttpResponse;

use super::errors::{self, AppError};
use super::ids::is_valid_id;
use super::posts;
use super::state::Shared;
use super::wire;

type Answer = Result<HttpResponse, AppError>;

pub(super) fn configure(cfg: &mut ServiceConfig) {
    cfg.service(
        web::scope("/api/v4")
            .route("/system/ping", web::get().to(ping))
            .route("/users/me", web::get().to(me))
            .route("/users/me/teams", web::get().to(bot_teams))
            .route("/users/me/teams/{team_id}/channels", web::get().to(bot_channels))
            .route("/users/{user_id}", web::get().to(user))
            .route("/teams/name/{team}/channels/name/{channel}", web::get().to(channel_by_name))
            .route("/channels/{channel_id}", web::get().to(channel))
            .route("/channels/{channel_id}/posts", web::get().to(posts::list))
            .route("/channels/{channel_id}/members/{user_id}", web::get().to(member))
            .route("/posts", web::post().to(posts::create))
            .route("/posts/{post_id}", web::get().to(posts::get))
            .route("/posts/{post_id}/thread", web::get().to(posts::thread))
            .route("/posts/ephemeral", web::post().to(posts::ephemeral))
            .route("/files/{file_id}/info", web::get().to(posts::file_info))
            .route("/files/{file_id}", web::get().to(posts::file))
            .route("/teams/name/{name}", web::get().to(super::slash::team_by_name))
            .route("/teams/{team_id}/members/{user_id}", web::get().to(team_member))
            .route("/teams/{team_id}", web::get().to(super::slash::team))
            .route("/commands", web::get().to(super::slash::list))
            .route("/commands", web::post().to(super::slash::create))
            .route("/commands/{id}", web::put().to(super::slash::update))
            .route("/channels/direct", web::post().to(super::dialogs::direct))
            .route("/actions/dialogs/open", web::post().to(super::dialogs::open)),
    )
    .route("/hooks/commands/{id}", web::post().to(super::commands::respond))
    .default_service(web::to(unknown_route));
}

/// Ids in the URL are checked for shape before anything is looked up, as the server does.
pub(super) fn url_id<'a>(value: &'a str, name: &str) -> Result<&'a str, AppError> {
    if is_valid_id(value) {
        Ok(value)
    } else {
        Err(errors::invalid_url_param(name))
    }
}

async fn unknown_route() -> Answer {
    Err(errors::unknown_route())
}

async fn me(shared: Data<Shared>) -> Answer {
    let admin = shared.world().bot_system_admin;
    Ok(HttpResponse::Ok().json(wire::user(&shared.bot, admin)))
}

/// The health check; like every answer of the server, it names the version in
/// `X-Version-Id` (version, build number, config hash, licensed).
async fn ping(shared: Data<Shared>) -> Answer {
    let version = shared.world().server_version.clone().unwrap_or_else(|| "10.11.3".into());
    let header = format!("{version}.{version}.8a3ff0c0e1d2b3a4f5e6d7c8b9a0f1e2.false");
    Ok(HttpResponse::Ok().insert_header(("X-Version-Id", header)).json(serde_json::json!({"status": "OK"})))
}

/// The bot's teams: every team of the fake.
async fn bot_teams(shared: Data<Shared>) -> Answer {
    let world = shared.world();
    let teams: Vec<serde_json::Value> = world.teams.iter().map(|t| super::slash::team_json(&t.id, &t.name)).collect();
    Ok(HttpResponse::Ok().json(teams))
}

/// The channels of a team the bot is a member of (archived ones too, as the server lists
/// them).
async fn bot_channels(shared: Data<Shared>, path: Path<String>) -> Answer {
    let team_id = url_id(&path, "team_id")?;
    let world = shared.world();
    let channels: Vec<serde_json::Value> =
        world.channels.iter().filter(|c| c.team_id == team_id && c.bot_member).map(wire::channel).collect();
    Ok(HttpResponse::Ok().json(channels))
}

async fn user(shared: Data<Shared>, path: Path<String>) -> Answer {
    let user_id = url_id(&path, "user_id")?;
    if user_id == shared.bot.id {
        let admin = shared.world().bot_system_admin;
        return Ok(HttpResponse::Ok().json(wire::user(&shared.bot, admin)));
    }
    match shared.world().people.iter().find(|p| p.id == user_id) {
        Some(person) => Ok(HttpResponse::Ok().json(wire::person(person))),
        None => {
            let message = "Unable to find an existing account matching your username for this team.";
            Err(AppError::new(404, "app.user.missing_account.const", message))
        }
    }
}

/// Archived channels are hidden here unless `include_deleted=true`.
async fn channel_by_name(
    shared: Data<Shared>,
    path: Path<(String, String)>,
    query: Query<HashMap<String, String>>,
) -> Answer {
    let (team_name, channel_name) = path.into_inner();
    let include_deleted = query.get("include_deleted").is_some_and(|v| v == "true");
    let world = shared.world();
    let team = world.team_by_name(&team_name).ok_or_else(errors::unknown_channel_name)?;
    let channel = world
        .channel_by_name(&team.id, &channel_name)
        .filter(|c| c.delete_at == 0 || include_deleted)
        .ok_or_else(errors::unknown_channel_name)?;
    Ok(HttpResponse::Ok().json(wire::channel(channel)))
}

async fn channel(shared: Data<Shared>, path: Path<String>) -> Answer {
    let channel_id = url_id(&path, "channel_id")?;
    let world = shared.world();
    let channel = world.channel(channel_id).ok_or_else(errors::unknown_channel)?;
    // Reading a private, direct or group channel takes membership (or a system admin).
    if channel.kind != "O" && !channel.bot_member && !world.bot_system_admin {
        return Err(errors::forbidden());
    }
    Ok(HttpResponse::Ok().json(wire::channel(channel)))
}

async fn member(shared: Data<Shared>, path: Path<(String, String)>) -> Answer {
    let channel_id = url_id(&path.0, "channel_id")?;
    let user_id = url_id(&path.1, "user_id")?;
    let world = shared.world();
    let roles = world.channel(channel_id).and_then(|c| {
        if user_id == shared.bot.id && c.bot_member {
            return Some("channel_user".to_string());
        }
        world.members.get(&(channel_id.to_string(), user_id.to_string())).cloned()
    });
    let Some(roles) = roles else {
        let message = "No channel member found for that user ID and channel ID.";
        return Err(AppError::new(404, "app.channel.get_member.missing.app_error", message));
    };
    Ok(HttpResponse::Ok().json(wire::member(channel_id, user_id, &roles)))
}

/// A team member: one the test named, or anyone who is a member of one of its channels.
async fn team_member(shared: Data<Shared>, path: Path<(String, String)>) -> Answer {
    let team_id = url_id(&path.0, "team_id")?;
    let user_id = url_id(&path.1, "user_id")?;
    let world = shared.world();
    let named = world.team_members.get(&(team_id.to_string(), user_id.to_string())).cloned();
    let in_a_channel = || {
        world
            .members
            .keys()
            .any(|(channel, user)| user == user_id && world.channel(channel).is_some_and(|c| c.team_id == team_id))
    };
    let Some(roles) = named.or_else(|| in_a_channel().then(|| "team_user".to_string())) else {
        let message = "We couldn't find the existing team member.";
        return Err(AppError::new(404, "app.team.get_member.missing.app_error", message));
    };
    Ok(HttpResponse::Ok().json(wire::team_member(team_id, user_id, &roles)))
}
