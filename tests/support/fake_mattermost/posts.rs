//! Post routes: create, get one, and list a channel's posts (paged or `since`).

use std::cmp::Reverse;
use std::collections::HashMap;

use actix_web::web::{Bytes, Data, Path, Query};
use actix_web::HttpResponse;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::errors::{self, AppError};
use super::ids::new_id;
use super::routes::url_id;
use super::rules;
use super::state::{Post, Shared, World};
use super::wire;

type Answer = Result<HttpResponse, AppError>;

/// The body of `POST /posts`; `null` reads as absent, as in the server's decoder.
#[derive(Deserialize)]
struct Draft {
    channel_id: Option<String>,
    message: Option<String>,
    root_id: Option<String>,
    props: Option<Map<String, Value>>,
    #[serde(rename = "type")]
    post_type: Option<String>,
    file_ids: Option<Vec<String>>,
}

pub(super) async fn create(shared: Data<Shared>, body: Bytes) -> Answer {
    let draft: Draft = serde_json::from_slice(&body).map_err(|_| errors::invalid_body_param("post"))?;
    let mut world = shared.world();
    let post = insert(&mut world, &shared.bot.id, draft)?;
    Ok(HttpResponse::Created().json(wire::post(&post)))
}

pub(super) async fn get(shared: Data<Shared>, path: Path<String>) -> Answer {
    let post_id = url_id(&path, "post_id")?;
    let world = shared.world();
    let post =
        world.post(post_id).ok_or_else(|| AppError::new(404, "app.post.get.app_error", "Unable to get the post."))?;
    readable_by_bot(&world, &post.channel_id)?;
    Ok(HttpResponse::Ok().json(wire::post(post)))
}

/// `POST /posts/ephemeral` `{user_id, post: {channel_id, message}}`: 403 unless the bot is a
/// system admin (it holds `create_post_ephemeral` then).
pub(super) async fn ephemeral(shared: Data<Shared>, body: Bytes) -> Answer {
    let request: Value = serde_json::from_slice(&body).map_err(|_| errors::invalid_body_param("ephemeral_post"))?;
    let mut world = shared.world();
    if !world.bot_system_admin {
        return Err(errors::forbidden());
    }
    let user = request["user_id"].as_str().unwrap_or_default().to_string();
    let channel = request["post"]["channel_id"].as_str().unwrap_or_default().to_string();
    let message = request["post"]["message"].as_str().unwrap_or_default().to_string();
    if user.is_empty() || world.channel(&channel).is_none() {
        return Err(errors::invalid_body_param("ephemeral_post"));
    }
    world.ephemerals.push((user, channel.clone(), message.clone()));
    Ok(HttpResponse::Created().json(serde_json::json!({"id": new_id(), "channel_id": channel, "message": message})))
}

/// `GET /files/{id}/info`.
pub(super) async fn file_info(shared: Data<Shared>, path: Path<String>) -> Answer {
    let file_id = url_id(&path, "file_id")?;
    let world = shared.world();
    let (name, mime, bytes) = world
        .files
        .get(file_id)
        .ok_or_else(|| AppError::new(404, "app.file_info.get.app_error", "Unable to get the file info."))?;
    Ok(HttpResponse::Ok().json(serde_json::json!({"id": file_id, "name": name, "size": bytes.len(), "mime_type": mime,
        "extension": name.rsplit('.').next().unwrap_or_default()})))
}

/// `GET /files/{id}`: the bytes.
pub(super) async fn file(shared: Data<Shared>, path: Path<String>) -> Answer {
    let file_id = url_id(&path, "file_id")?;
    let world = shared.world();
    let (_, mime, bytes) = world
        .files
        .get(file_id)
        .ok_or_else(|| AppError::new(404, "app.file_info.get.app_error", "Unable to get the file info."))?;
    Ok(HttpResponse::Ok().content_type(mime.as_str()).body(bytes.clone()))
}

/// The thread a post is in: its root and every reply (newest first, as the server orders).
pub(super) async fn thread(shared: Data<Shared>, path: Path<String>) -> Answer {
    let post_id = url_id(&path, "post_id")?;
    let world = shared.world();
    let post =
        world.post(post_id).ok_or_else(|| AppError::new(404, "app.post.get.app_error", "Unable to get the post."))?;
    readable_by_bot(&world, &post.channel_id)?;
    let root = if post.root_id.is_empty() { post.id.clone() } else { post.root_id.clone() };
    let mut thread: Vec<&Post> = world.posts.iter().filter(|p| p.id == root || p.root_id == root).collect();
    thread.sort_by_key(|p| Reverse(p.create_at));
    Ok(HttpResponse::Ok().json(wire::post_list(&thread)))
}

/// With `since=<ms>`: every post created or updated at or after it. Without: one page.
/// A channel the bot is not a member of answers 403, as a private channel does.
pub(super) async fn list(shared: Data<Shared>, path: Path<String>, query: Query<HashMap<String, String>>) -> Answer {
    let channel_id = url_id(&path, "channel_id")?;
    let world = shared.world();
    let channel = world.channel(channel_id).ok_or_else(errors::unknown_channel)?;
    if !channel.bot_member {
        return Err(errors::forbidden());
    }
    let mut newest_first: Vec<&Post> = world.posts.iter().rev().filter(|p| p.channel_id == channel_id).collect();
    newest_first.sort_by_key(|p| Reverse(p.create_at));
    let chosen: Vec<&Post> = match query.get("since") {
        Some(raw) => {
            let since: i64 = raw.parse().map_err(|_| errors::invalid_url_param("since"))?;
            newest_first.into_iter().filter(|p| p.create_at >= since || p.update_at >= since).collect()
        }
        None => {
            let (page, per_page) = paging(&query)?;
            newest_first.into_iter().skip(page * per_page).take(per_page).collect()
        }
    };
    Ok(HttpResponse::Ok().json(wire::post_list(&chosen)))
}

/// `per_page` defaults to 60 and is capped at 200, like the server's.
fn paging(query: &HashMap<String, String>) -> Result<(usize, usize), AppError> {
    let number = |name: &str, default: usize| {
        query.get(name).map_or(Ok(default), |v| v.parse().map_err(|_| errors::invalid_url_param(name)))
    };
    Ok((number("page", 0)?, number("per_page", 60)?.min(200)))
}

/// Checks in the server's order: channel, permission, archive, thread, content.
fn insert(world: &mut World, user_id: &str, draft: Draft) -> Result<Post, AppError> {
    let channel_id = draft.channel_id.unwrap_or_default();
    let root_id = draft.root_id.unwrap_or_default();
    let message = draft.message.unwrap_or_default();
    let post_type = draft.post_type.unwrap_or_default();
    check_channel(world, &channel_id)?;
    check_root(world, &channel_id, &root_id)?;
    rules::check_type(&post_type)?;
    rules::check_file_ids(&draft.file_ids.unwrap_or_default())?;
    rules::check_message(&message)?;
    let props = rules::check_props(draft.props.unwrap_or_default())?;

    let now = world.now_ms();
    let channel = world.channel_mut(&channel_id);
    channel.last_post_at = now;
    channel.total_msg_count += 1;
    let post = Post {
        id: new_id(),
        channel_id,
        user_id: user_id.to_owned(),
        message,
        root_id,
        props,
        create_at: now,
        update_at: now,
        post_type,
        file_ids: Vec::new(),
    };
    world.posts.push(post.clone());
    Ok(post)
}

/// The server shows a post only to who may read its channel: the bot, when it is a member
/// (a private channel or a direct message between people is not readable otherwise), or
/// when it is a system admin.
fn readable_by_bot(world: &World, channel_id: &str) -> Result<(), AppError> {
    let member = world.channel(channel_id).is_some_and(|c| c.bot_member);
    if member || world.bot_system_admin {
        return Ok(());
    }
    Err(errors::forbidden())
}

fn check_channel(world: &World, channel_id: &str) -> Result<(), AppError> {
    let channel = world.channel(channel_id).ok_or_else(errors::unknown_channel)?;
    if !channel.bot_member {
        return Err(errors::forbidden());
    }
    if channel.delete_at != 0 {
        let id = "api.post.create_post.can_not_post_to_deleted.error";
        return Err(AppError::new(403, id, "Can not post to deleted channel."));
    }
    Ok(())
}

/// A reply must name a root post (not a reply) in the same channel.
fn check_root(world: &World, channel_id: &str, root_id: &str) -> Result<(), AppError> {
    if root_id.is_empty() {
        return Ok(());
    }
    let root = world.post(root_id).filter(|root| root.root_id.is_empty()).ok_or_else(|| {
        let id = "api.post.create_post.root_id.app_error";
        AppError::new(400, id, "Invalid RootId parameter.")
    })?;
    if root.channel_id != channel_id {
        let id = "api.post.create_post.channel_root_id.app_error";
        return Err(AppError::new(400, id, "Invalid ChannelId for RootId parameter."));
    }
    Ok(())
}
