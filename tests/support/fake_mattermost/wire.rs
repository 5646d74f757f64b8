//! JSON shapes of the server's users, channels, members, posts and post lists.

use serde_json::{json, Map, Value};

use super::state::{Bot, Channel, Person, Post};

pub(super) fn user(bot: &Bot, system_admin: bool) -> Value {
    let roles = if system_admin { "system_user system_admin" } else { "system_user" };
    json!({
        "id": bot.id,
        "create_at": bot.create_at,
        "update_at": bot.create_at,
        "delete_at": 0,
        "username": bot.username,
        "auth_data": "",
        "auth_service": "",
        "email": "",
        "nickname": "",
        "first_name": "Jira",
        "last_name": "",
        "position": "",
        "roles": roles,
        "locale": "en",
        "is_bot": true,
        "bot_description": "Jira notifications",
        "disable_welcome_email": false,
    })
}

pub(super) fn person(p: &Person) -> Value {
    json!({
        "id": p.id,
        "create_at": p.create_at,
        "update_at": p.create_at,
        "delete_at": 0,
        "username": p.username,
        "auth_data": "",
        "auth_service": "",
        "email": format!("{}@example.com", p.username),
        "nickname": "",
        "first_name": "",
        "last_name": "",
        "position": "",
        "roles": p.roles,
        "locale": "en",
        "timezone": {"automaticTimezone": "", "manualTimezone": "", "useAutomaticTimezone": "true"},
        "disable_welcome_email": false,
    })
}

pub(super) fn channel(c: &Channel) -> Value {
    json!({
        "id": c.id,
        "create_at": c.create_at,
        "update_at": c.create_at.max(c.delete_at),
        "delete_at": c.delete_at,
        "team_id": c.team_id,
        "type": c.kind,
        "display_name": c.name,
        "name": c.name,
        "header": "",
        "purpose": "",
        "last_post_at": c.last_post_at,
        "total_msg_count": c.total_msg_count,
        "extra_update_at": 0,
        "creator_id": "",
        "scheme_id": null,
        "props": null,
        "group_constrained": null,
        "shared": null,
        "policy_id": null,
    })
}

pub(super) fn member(channel_id: &str, user_id: &str, roles: &str) -> Value {
    json!({
        "channel_id": channel_id,
        "user_id": user_id,
        "roles": roles,
        "last_viewed_at": 0,
        "msg_count": 0,
        "mention_count": 0,
        "notify_props": {},
        "last_update_at": 0,
        "scheme_guest": false,
        "scheme_user": true,
        "scheme_admin": roles.split_whitespace().any(|r| r == "channel_admin"),
    })
}

pub(super) fn team_member(team_id: &str, user_id: &str, roles: &str) -> Value {
    json!({
        "team_id": team_id,
        "user_id": user_id,
        "roles": roles,
        "delete_at": 0,
        "scheme_guest": false,
        "scheme_user": true,
        "scheme_admin": roles.split_whitespace().any(|r| r == "team_admin"),
    })
}

pub(super) fn post(p: &Post) -> Value {
    json!({
        "id": p.id,
        "create_at": p.create_at,
        "update_at": p.update_at,
        "edit_at": 0,
        "delete_at": 0,
        "is_pinned": false,
        "user_id": p.user_id,
        "channel_id": p.channel_id,
        "root_id": p.root_id,
        "original_id": "",
        "message": p.message,
        "type": p.post_type,
        "props": p.props,
        "file_ids": p.file_ids,
        "hashtags": "",
        "pending_post_id": "",
        "reply_count": 0,
        "last_reply_at": 0,
        "participants": null,
        "metadata": {},
    })
}

/// `posts` newest first, which is the order the server lists them in.
pub(super) fn post_list(posts: &[&Post]) -> Value {
    let order: Vec<&str> = posts.iter().map(|p| p.id.as_str()).collect();
    let by_id: Map<String, Value> = posts.iter().map(|p| (p.id.clone(), post(p))).collect();
    json!({
        "order": order,
        "posts": by_id,
        "next_post_id": "",
        "prev_post_id": "",
        "has_next": false,
    })
}
