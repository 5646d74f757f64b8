//! Dialogs and buttons (SPEC §3.3, §10.4) as Mattermost sends them: only state jirabridge
//! signed, for this user and channel, unexpired, acts; a replayed one-time token does not
//! act twice; everything is answered 200 JSON except a lookup with bad state (403).

use jirabridge::commands::interact::{BUTTON_EXPIRED, FORM_EXPIRED};
use jirabridge::commands::run::NOT_CONNECTED;
use jirabridge::commands::signed::{SignedState, SigningKey, DIALOG_SECS};
use serde_json::{json, Map, Value};

use crate::support::app::{spawn_app, TestApp};

fn token(key: &SigningKey, user: &str, channel: &str, nonce: Option<&str>, exp: u64) -> String {
    key.sign(&SignedState {
        op: "transition".into(),
        uid: Some(user.into()),
        cid: channel.into(),
        iid: None,
        key: Some("EXT-1".into()),
        exp,
        rurl: None,
        n: nonce.map(String::from),
        data: Map::new(),
    })
}

/// `token` with one byte of its MAC flipped, and with its payload edited (a later expiry)
/// under the old MAC.
fn tampered(token: &str) -> (String, String) {
    use base64::Engine;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let [version, payload, mac]: [&str; 3] = token.split('.').collect::<Vec<_>>().try_into().unwrap();
    let mut mac_bytes = engine.decode(mac).unwrap();
    mac_bytes[0] ^= 1;
    let flipped = format!("{version}.{payload}.{}", engine.encode(mac_bytes));
    let mut json: Value = serde_json::from_slice(&engine.decode(payload).unwrap()).unwrap();
    json["exp"] = json!(json["exp"].as_u64().unwrap() + 86_400);
    let edited = format!("{version}.{}.{mac}", engine.encode(serde_json::to_vec(&json).unwrap()));
    (flipped, edited)
}

fn later() -> u64 {
    jirabridge::utc::now_ms() / 1000 + DIALOG_SECS
}

fn url(app: &TestApp, path: &str) -> String {
    format!("{}/mattermost/{path}", app.address)
}

#[tokio::test]
async fn a_signed_dialog_reaches_the_jira_seam_and_forged_ones_do_not() {
    let app = spawn_app().await;
    let ann = app.mm.add_user("ann", "system_user");
    let key = &app.state.signing_key;
    let good = token(key, &ann, &app.channel_id, None, later());
    let values = json!({"summary": "Fix it", "more": true, "points": 3, "none": null});
    let (status, reply) =
        app.mm.submit_dialog(&url(&app, "dialog"), &ann, &app.channel_id, &good, values.clone(), false).await;
    assert_eq!(
        (status, reply),
        (200, json!({"error": NOT_CONNECTED})),
        "valid state got to Jira's side, which needs a connection"
    );
    let forged = token(&SigningKey::new([9; 32]), &ann, &app.channel_id, None, later());
    let expired = token(key, &ann, &app.channel_id, None, jirabridge::utc::now_ms() / 1000 - 1);
    let bob = app.mm.add_user("bob", "system_user");
    let (flipped, edited) = tampered(&good);
    for (who, state) in [
        (&ann, forged.as_str()),
        (&ann, expired.as_str()),
        (&bob, good.as_str()),
        (&ann, flipped.as_str()),
        (&ann, edited.as_str()),
        (&ann, "v1.!!not-base64!!.???"),
        (&ann, "v2.abc.def"),
        (&ann, ""),
    ] {
        let (status, reply) =
            app.mm.submit_dialog(&url(&app, "dialog"), who, &app.channel_id, state, values.clone(), false).await;
        assert_eq!((status, reply), (200, json!({"error": FORM_EXPIRED})), "{state}");
    }
    let (status, reply) =
        app.mm.submit_dialog(&url(&app, "dialog"), &ann, &app.channel_id, &forged, Value::Null, true).await;
    assert_eq!((status, reply), (200, json!({})), "a cancelled dialog is answered {{}}");
    app.shutdown().await;
}

/// A click that did nothing (the clicker is not connected) leaves its one-time token usable,
/// so it can be tried again; a context moved to another channel never acts. (A click that
/// acted and is replayed is in `connected`.)
#[tokio::test]
async fn a_button_that_did_nothing_can_be_clicked_again_and_another_channels_never_acts() {
    let app = spawn_app().await;
    let ann = app.mm.add_user("ann", "system_user");
    let once = token(&app.state.signing_key, &ann, &app.channel_id, Some("nonce-1"), later());
    let context = json!({"t": once, "selected_option": "31"});
    let (status, first) = app.mm.click(&url(&app, "action"), &ann, &app.channel_id, context.clone()).await;
    assert_eq!((status, first["ephemeral_text"].as_str()), (200, Some(NOT_CONNECTED)));
    let (_, again) = app.mm.click(&url(&app, "action"), &ann, &app.channel_id, context).await;
    assert_eq!(again["ephemeral_text"], NOT_CONNECTED, "nothing was done, so the token was not used up");
    let other_channel = app.mm.add_channel(&app.team_id, "elsewhere");
    let moved = json!({"t": token(&app.state.signing_key, &ann, &app.channel_id, None, later())});
    let (_, refused) = app.mm.click(&url(&app, "action"), &ann, &other_channel, moved).await;
    assert_eq!(refused["ephemeral_text"], BUTTON_EXPIRED, "a context from another channel");
    app.shutdown().await;
}

#[tokio::test]
async fn a_lookup_with_bad_state_is_forbidden_and_big_bodies_are_refused() {
    let app = spawn_app().await;
    let ann = app.mm.add_user("ann", "system_user");
    let body = json!({"type": "dialog_lookup", "user_id": ann, "channel_id": app.channel_id, "state": "v1.x.y",
                      "submission": {"query": "EXT", "selected_field": "issue"}});
    let response = app.http.post(url(&app, "lookup")).json(&body).send().await.unwrap();
    assert_eq!(response.status(), 403);
    let huge = json!({"user_id": ann, "submission": {"text": "a".repeat(1024 * 1024)}});
    for endpoint in ["dialog", "action", "lookup"] {
        let response = app.http.post(url(&app, endpoint)).json(&huge).send().await.unwrap();
        assert_eq!(response.status(), 413, "{endpoint}");
    }
    app.shutdown().await;
}

/// Expiry by the clock (SPEC §10.4): a form opened now is refused 31 minutes later.
#[tokio::test]
async fn a_form_is_refused_once_its_half_hour_has_passed() {
    let app = spawn_app().await;
    let ann = app.mm.add_user("ann", "system_user");
    let fresh = token(&app.state.signing_key, &ann, &app.channel_id, None, later());
    let clock = &app.state.interaction_clock_ahead_secs;
    clock.store(29 * 60, std::sync::atomic::Ordering::Relaxed);
    let (_, in_time) =
        app.mm.submit_dialog(&url(&app, "dialog"), &ann, &app.channel_id, &fresh, json!({}), false).await;
    assert_eq!(in_time, json!({"error": NOT_CONNECTED}), "29 minutes on, the form still reaches Jira's side");
    clock.store(31 * 60, std::sync::atomic::Ordering::Relaxed);
    let (_, late) = app.mm.submit_dialog(&url(&app, "dialog"), &ann, &app.channel_id, &fresh, json!({}), false).await;
    assert_eq!(late, json!({"error": FORM_EXPIRED}));
    app.shutdown().await;
}
