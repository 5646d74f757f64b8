//! Proves through real HTTP that the fake Mattermost answers like the server: auth, channel
//! lookups, post creation and its limits, listing, failure switches and an outage.

use std::time::Duration;

use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::fake_mattermost::{Failure, FakeMattermost, BOT_TOKEN, MAX_MESSAGE_RUNES, MAX_PROPS_RUNES};

const NO_CHANNEL: &str = "app.channel.get.existing.app_error";
const NO_CHANNEL_NAME: &str = "app.channel.get_by_name.missing.app_error";

/// A fake with team `eng` and channel `alerts` (bot is a member).
async fn world() -> (FakeMattermost, String, String) {
    let fake = FakeMattermost::start().await;
    let team = fake.add_team("eng");
    let channel = fake.add_channel(&team, "alerts");
    (fake, team, channel)
}

async fn call(
    fake: &FakeMattermost,
    method: Method,
    path: &str,
    body: Option<Value>,
) -> reqwest::Result<reqwest::Response> {
    let url = format!("{}/api/v4{path}", fake.url());
    let mut request = reqwest::Client::new().request(method, url).bearer_auth(BOT_TOKEN);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await
}

async fn status_and_json(response: reqwest::Response) -> (StatusCode, Value) {
    (response.status(), response.json().await.expect("JSON body"))
}

async fn get(fake: &FakeMattermost, path: &str) -> (StatusCode, Value) {
    let response = call(fake, Method::GET, path, None).await;
    status_and_json(response.expect("fake answers")).await
}

async fn post(fake: &FakeMattermost, body: Value) -> (StatusCode, Value) {
    let response = call(fake, Method::POST, "/posts", Some(body)).await;
    status_and_json(response.expect("fake answers")).await
}

async fn post_message(fake: &FakeMattermost, channel: &str, message: &str) -> StatusCode {
    post(fake, json!({"channel_id": channel, "message": message})).await.0
}

fn assert_app_error((status, body): (StatusCode, Value), want_status: u16, want_id: &str) {
    assert_eq!(status.as_u16(), want_status, "{body}");
    assert_eq!(body["id"], want_id, "{body}");
    assert_eq!(body["status_code"], want_status);
    assert_eq!(body["is_oauth"], false);
    assert_eq!(body["detailed_error"], "");
    assert!(is_id(&body["request_id"]));
    assert!(body["message"].as_str().is_some_and(|m| !m.is_empty()));
}

fn is_id(value: &Value) -> bool {
    let lower_alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    value.as_str().is_some_and(|s| s.len() == 26 && s.bytes().all(lower_alnum))
}

#[tokio::test]
async fn a_wrong_or_missing_token_gets_401_and_the_right_one_the_bot() {
    let fake = FakeMattermost::start().await;
    let url = format!("{}/api/v4/users/me", fake.url());
    let client = reqwest::Client::new();
    for request in [client.get(&url).bearer_auth("nope"), client.get(&url)] {
        let answer = status_and_json(request.send().await.unwrap()).await;
        let message = answer.1["message"].clone();
        assert_app_error(answer, 401, "api.context.session_expired.app_error");
        assert_eq!(message, "Invalid or expired session, please login again.");
    }

    let (status, me) = get(&fake, "/users/me").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(me["id"], fake.bot_user_id());
    assert_eq!(me["username"], fake.bot_username());
    assert_eq!(me["is_bot"], true);
    assert!(is_id(&me["id"]));
    let (status, user) = get(&fake, &format!("/users/{}", fake.bot_user_id())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(user["id"], me["id"]);
}

#[tokio::test]
async fn channels_are_found_by_name_and_id_and_archived_ones_hidden_by_name() {
    let (fake, team, channel) = world().await;
    assert!(is_id(&json!(team)) && is_id(&json!(channel)));
    let (status, found) = get(&fake, "/teams/name/eng/channels/name/alerts").await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(found["id"], channel);
    assert_eq!(found["team_id"], team);
    assert_eq!(found["type"], "O");
    assert_eq!(found["delete_at"], 0);
    let unknown_channel = get(&fake, "/teams/name/eng/channels/name/nope").await;
    assert_app_error(unknown_channel, 404, NO_CHANNEL_NAME);
    let unknown_team = get(&fake, "/teams/name/nope/channels/name/alerts").await;
    assert_app_error(unknown_team, 404, NO_CHANNEL_NAME);

    fake.archive_channel(&channel);
    let archived = get(&fake, "/teams/name/eng/channels/name/alerts").await;
    assert_app_error(archived, 404, NO_CHANNEL_NAME);
    let with_deleted = "/teams/name/eng/channels/name/alerts?include_deleted=true";
    let (status, found) = get(&fake, with_deleted).await;
    assert_eq!(status, StatusCode::OK);
    assert!(found["delete_at"].as_i64().unwrap() > 0);

    let (status, by_id) = get(&fake, &format!("/channels/{channel}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(by_id["id"], channel);
    let unknown_id = get(&fake, &format!("/channels/{}", fake.bot_user_id())).await;
    assert_app_error(unknown_id, 404, NO_CHANNEL);
    let malformed = get(&fake, "/channels/not-an-id").await;
    assert_app_error(malformed, 400, "api.context.invalid_url_param.app_error");
}

#[tokio::test]
async fn bot_membership_is_visible_as_a_channel_member() {
    let (fake, _, channel) = world().await;
    let path = format!("/channels/{channel}/members/{}", fake.bot_user_id());
    let (status, member) = get(&fake, &path).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(member["user_id"], fake.bot_user_id());
    fake.set_bot_member(&channel, false);
    let gone = get(&fake, &path).await;
    assert_app_error(gone, 404, "app.channel.get_member.missing.app_error");
}

#[tokio::test]
async fn a_post_is_created_stored_and_listed_since() {
    let (fake, _, channel) = world().await;
    let before = get(&fake, &format!("/channels/{channel}")).await.1["create_at"].clone();
    let props = json!({"from_jira": "true"});
    let body = json!({"channel_id": channel, "message": "PROJ-1 created", "props": props});
    let (status, created) = post(&fake, body).await;
    assert_eq!(status, StatusCode::CREATED);
    assert!(is_id(&created["id"]));
    assert_eq!(created["user_id"], fake.bot_user_id());
    assert_eq!(created["root_id"], "");
    assert_eq!(created["props"], props);
    assert!(created["create_at"].as_i64() >= before.as_i64());

    let stored = fake.posts(&channel);
    assert_eq!(stored.len(), 1);
    assert_eq!(created["id"], stored[0].id);
    assert_eq!(stored[0].message, "PROJ-1 created");
    assert_eq!(fake.all_posts(), stored);

    let root = created["id"].as_str().unwrap();
    let reply = json!({"channel_id": channel, "message": "a comment", "root_id": root});
    let (status, reply) = post(&fake, reply).await;
    assert_eq!(status, StatusCode::CREATED);
    assert_eq!(reply["root_id"], root);

    let (status, list) = get(&fake, &format!("/channels/{channel}/posts?since={before}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(list["order"], json!([reply["id"], created["id"]]));
    assert_eq!(list["posts"][root]["message"], "PROJ-1 created");
    let later = reply["update_at"].as_i64().unwrap() + 1;
    let (_, empty) = get(&fake, &format!("/channels/{channel}/posts?since={later}")).await;
    assert_eq!(empty["order"], json!([]));

    let (status, one) = get(&fake, &format!("/posts/{root}")).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(one["message"], "PROJ-1 created");
    let unknown = get(&fake, &format!("/posts/{channel}")).await;
    assert_app_error(unknown, 404, "app.post.get.app_error");
}

#[tokio::test]
async fn replies_need_a_known_root_post() {
    let (fake, _, channel) = world().await;
    let body = json!({"channel_id": channel, "message": "x", "root_id": fake.bot_user_id()});
    let answer = post(&fake, body).await;
    assert_app_error(answer, 400, "api.post.create_post.root_id.app_error");
    assert!(fake.posts(&channel).is_empty());
}

#[tokio::test]
async fn messages_are_limited_to_16383_runes_not_bytes() {
    let (fake, _, channel) = world().await;
    let longest = "é".repeat(MAX_MESSAGE_RUNES);
    assert_eq!(post_message(&fake, &channel, &longest).await, StatusCode::CREATED);

    let too_long = "é".repeat(MAX_MESSAGE_RUNES + 1);
    let answer = post(&fake, json!({"channel_id": channel, "message": too_long})).await;
    assert_app_error(answer, 400, "model.post.is_valid.message_length.app_error");
    assert_eq!(fake.posts(&channel).len(), 1);
}

#[tokio::test]
async fn props_are_limited_and_action_ids_must_be_alphanumeric() {
    let (fake, _, channel) = world().await;
    let with_action = |id: &str| {
        let action = json!({"id": id, "name": "Assign", "integration": {"url": "http://x"}});
        json!({"channel_id": channel, "props": {"attachments": [{"actions": [action]}]}})
    };
    let underscore = post(&fake, with_action("assign_me")).await;
    assert_app_error(underscore, 400, "model.post.is_valid.action_id.app_error");
    let (status, created) = post(&fake, with_action("")).await;
    assert_eq!(status, StatusCode::CREATED);
    let generated = &created["props"]["attachments"][0]["actions"][0]["id"];
    assert!(is_id(generated), "{created}");

    let huge = json!({"channel_id": channel, "props": {"big": "x".repeat(MAX_PROPS_RUNES)}});
    let answer = post(&fake, huge).await;
    assert_app_error(answer, 400, "model.post.is_valid.props.app_error");
    assert_eq!(fake.posts(&channel).len(), 1);
}

#[tokio::test]
async fn archived_channels_and_non_member_bots_get_403() {
    let (fake, team, archived) = world().await;
    let outside = fake.add_channel(&team, "outside");
    fake.archive_channel(&archived);
    fake.set_bot_member(&outside, false);

    let answer = post(&fake, json!({"channel_id": archived, "message": "x"})).await;
    assert_app_error(answer, 403, "api.post.create_post.can_not_post_to_deleted.error");
    let answer = post(&fake, json!({"channel_id": outside, "message": "x"})).await;
    assert_app_error(answer, 403, "api.context.permissions.app_error");
    assert!(fake.all_posts().is_empty());
}

#[tokio::test]
async fn unknown_channels_get_404_and_bad_json_400() {
    let (fake, _, channel) = world().await;
    let unknown = fake.bot_user_id();
    let answer = post(&fake, json!({"channel_id": unknown, "message": "x"})).await;
    assert_app_error(answer, 404, NO_CHANNEL);
    let answer = get(&fake, &format!("/channels/{unknown}/posts?since=0")).await;
    assert_app_error(answer, 404, NO_CHANNEL);

    let response = reqwest::Client::new()
        .post(format!("{}/api/v4/posts", fake.url()))
        .bearer_auth(BOT_TOKEN)
        .body(format!("{{\"channel_id\":\"{channel}\","))
        .send()
        .await
        .unwrap();
    let answer = status_and_json(response).await;
    assert_app_error(answer, 400, "api.context.invalid_body_param.app_error");
    assert!(fake.all_posts().is_empty());
}

#[tokio::test]
async fn rate_limiting_answers_429_in_plain_text_with_retry_after() {
    let (fake, _, channel) = world().await;
    let limited = Failure::RateLimited { retry_after_secs: 7 };
    fake.fail_route("POST", "/api/v4/posts", limited);
    let body = json!({"channel_id": channel, "message": "x"});
    let response = call(&fake, Method::POST, "/posts", Some(body)).await;
    let response = response.unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
    assert!(header("content-type").starts_with("text/plain"));
    assert_eq!(header("retry-after"), "7");
    assert_eq!(header("x-ratelimit-remaining"), "0");
    assert_eq!(header("x-ratelimit-reset"), "7");
    assert!(!header("x-ratelimit-limit").is_empty());
    assert_eq!(response.text().await.unwrap().trim(), "limit exceeded");

    assert_eq!(get(&fake, "/users/me").await.0, StatusCode::OK, "only POST /posts is limited");
    assert!(fake.all_posts().is_empty());
    fake.heal();
    assert_eq!(post_message(&fake, &channel, "x").await, StatusCode::CREATED);
}

#[tokio::test]
async fn an_injected_503_is_an_app_error_without_side_effect_but_logged() {
    let (fake, _, channel) = world().await;
    fake.fail(Failure::Status(503));
    let answer = post(&fake, json!({"channel_id": channel, "message": "x"})).await;
    assert_app_error(answer, 503, "api.context.unexpected_error.app_error");
    assert!(fake.all_posts().is_empty());
    let listing = format!("/channels/{channel}/posts?since=0");
    assert_eq!(get(&fake, &listing).await.0, StatusCode::SERVICE_UNAVAILABLE);

    let requests = fake.requests();
    assert!(requests.contains(&("POST".into(), "/api/v4/posts".into())));
    assert!(requests.contains(&("GET".into(), format!("/api/v4{listing}"))));
}

#[tokio::test]
async fn flapping_fails_every_nth_matching_request() {
    let (fake, _, channel) = world().await;
    fake.fail_route("*", "/api/v4/posts", Failure::Flap { every: 2 });
    let mut statuses = Vec::new();
    for _ in 0..4 {
        statuses.push(post_message(&fake, &channel, "x").await.as_u16());
    }
    assert_eq!(statuses, [201, 500, 201, 500]);
    assert_eq!(fake.posts(&channel).len(), 2);
}

#[tokio::test]
async fn a_delay_outlasts_a_client_timeout() {
    let fake = FakeMattermost::start().await;
    fake.fail(Failure::Delay(Duration::from_millis(500)));
    let error = reqwest::Client::new()
        .get(format!("{}/api/v4/users/me", fake.url()))
        .bearer_auth(BOT_TOKEN)
        .timeout(Duration::from_millis(100))
        .send()
        .await
        .unwrap_err();
    assert!(error.is_timeout(), "{error}");
}

#[tokio::test]
async fn the_clock_offset_moves_post_timestamps() {
    let (fake, _, channel) = world().await;
    let wall = get(&fake, &format!("/channels/{channel}")).await.1["create_at"].as_i64();
    fake.set_clock_offset_ms(-3_600_000);
    let (_, created) = post(&fake, json!({"channel_id": channel, "message": "x"})).await;
    assert!(created["create_at"].as_i64().unwrap() < wall.unwrap() - 3_000_000);
}

#[tokio::test]
async fn stop_refuses_connections_and_restart_keeps_port_and_state() {
    let (fake, _, channel) = world().await;
    let url = fake.url();
    assert_eq!(post_message(&fake, &channel, "one").await, StatusCode::CREATED);

    fake.stop().await;
    let error = call(&fake, Method::GET, "/users/me", None).await.unwrap_err();
    assert!(error.is_connect(), "{error}");

    fake.restart().await;
    assert_eq!(fake.url(), url);
    assert_eq!(post_message(&fake, &channel, "two").await, StatusCode::CREATED);
    let messages: Vec<String> = fake.posts(&channel).into_iter().map(|p| p.message).collect();
    assert_eq!(messages, ["one", "two"]);
}

#[tokio::test]
async fn dropping_the_last_handle_releases_the_port() {
    let fake = FakeMattermost::start().await;
    let url = format!("{}/api/v4/users/me", fake.url());
    let clone = fake.clone();
    drop(fake);
    assert!(reqwest::get(&url).await.is_ok(), "a clone keeps it running");
    drop(clone);
    for _ in 0..100 {
        match reqwest::get(&url).await {
            Err(error) if error.is_connect() => return,
            _ => tokio::time::sleep(Duration::from_millis(20)).await,
        }
    }
    panic!("fake Mattermost still listens after its last handle was dropped");
}

/// `POST /channels/direct` makes one D channel per pair (201 both times), and
/// `POST /actions/dialogs/open` takes only a trigger id it handed out, within 30 s.
#[tokio::test]
async fn direct_channels_are_made_once_and_dialogs_need_a_fresh_trigger() {
    let (fake, _team, _channel) = world().await;
    let user = fake.add_user("ada", "system_user");
    let pair = json!([fake.bot_user_id(), user]);
    let (status, first) =
        status_and_json(call(&fake, Method::POST, "/channels/direct", Some(pair.clone())).await.unwrap()).await;
    assert_eq!((status, first["type"].as_str()), (StatusCode::CREATED, Some("D")));
    let (_, again) = status_and_json(call(&fake, Method::POST, "/channels/direct", Some(pair)).await.unwrap()).await;
    assert_eq!(first["id"], again["id"], "the same channel for the same pair");

    let open = |trigger: &str| json!({"trigger_id": trigger, "url": "http://127.0.0.1:9/mattermost/dialog", "dialog": {"title": "T", "elements": []}});
    let (status, error) =
        status_and_json(call(&fake, Method::POST, "/actions/dialogs/open", Some(open("made-up"))).await.unwrap()).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{error}");
    let trigger = fake.issue_trigger();
    let (status, _) =
        status_and_json(call(&fake, Method::POST, "/actions/dialogs/open", Some(open(&trigger))).await.unwrap()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(fake.opened_dialogs().len(), 1);
    fake.set_clock_offset_ms(31_000);
    let (status, error) =
        status_and_json(call(&fake, Method::POST, "/actions/dialogs/open", Some(open(&trigger))).await.unwrap()).await;
    assert_eq!(
        (status, error["id"].as_str()),
        (StatusCode::BAD_REQUEST, Some("interactive_message.decode_trigger_id.expired"))
    );
}
