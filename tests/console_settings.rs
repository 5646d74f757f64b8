//! The console's settings and secrets pages: settings changed and applied at once, bad
//! values kept as typed, the bot token tested, `admin.allow_from` (with no lock-out), and
//! secrets regenerated, replaced or removed.

use crate::support::app::{spawn_app, spawn_app_with, CHANNEL, SECRET, TEAM};
use crate::support::console::signed_in;

#[tokio::test]
async fn settings_are_changed_from_the_console_and_apply_at_once() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    assert_eq!(page.status, 200);
    assert!(page.has("id=\"mattermost.threaded_comment_days\""));
    assert!(page.has("ThreadedJiraCommentSubscriptionDuration"), "plugin setting names shown");
    assert!(page.has("Read-only: start-up only"), "start-up keys are read-only");
    assert!(page.has("<code>server.listen</code> = <code id=\"server.listen\">"), "shown as text: {}", page.body);
    assert!(!page.has("name=\"server.listen\""), "not as an input");
    assert!(page.has("id=\"section-mattermost\"") && page.has("Save [mattermost]"), "a Save per section");
    assert!(
        page.has("No effect yet: this version has no previews of Jira issue links."),
        "keys waiting for a feature say so"
    );
    assert!(!page.has("this version has no /jira slash command"), "the slash command exists");

    let bad = visitor
        .submit(
            &page,
            "/admin/settings",
            &[("shown", "mattermost.threaded_comment_days"), ("mattermost.threaded_comment_days", "soon")],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.has("class=\"field-error\""), "{}", bad.body);
    assert!(bad.has("Nothing was saved: please correct this setting"), "a summary at the top: {}", bad.body);
    assert!(bad.has("<a href=\"#mattermost.threaded_comment_days\">"), "linking to the field");
    assert_eq!(app.state.config().mattermost.threaded_comment_days, 30, "nothing saved");

    let saved = visitor
        .submit(
            &page,
            "/admin/settings",
            &[
                ("shown", "mattermost.threaded_comment_days"),
                ("mattermost.threaded_comment_days", "7"),
                ("shown", "mattermost.hide_description_comment"),
                ("mattermost.hide_description_comment", "on"),
            ],
        )
        .await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let config = app.state.config();
    assert_eq!(config.mattermost.threaded_comment_days, 7);
    assert!(config.mattermost.hide_description_comment);
    let again = visitor.get(saved.location.as_deref().unwrap()).await;
    assert!(again.has("Settings saved."));
    assert!(visitor.get("/admin/audit").await.has("threaded_comment_days"));

    // A page loaded before that change, submitted with only another field changed, leaves
    // the change alone (as a browser sends it: every field, with the values it showed).
    assert!(page.has("name=\"was:mattermost.threaded_comment_days\" value=\"30\""), "{}", page.body);
    let stale = [
        ("shown", "mattermost.threaded_comment_days"),
        ("was:mattermost.threaded_comment_days", "30"),
        ("mattermost.threaded_comment_days", "30"),
        ("shown", "mattermost.display_subscription_name"),
        ("was:mattermost.display_subscription_name", "false"),
        ("mattermost.display_subscription_name", "on"),
    ];
    assert_eq!(visitor.submit(&page, "/admin/settings", &stale).await.status, 303);
    let config = app.state.config();
    assert_eq!(config.mattermost.threaded_comment_days, 7, "not undone by the stale page");
    assert!(config.mattermost.display_subscription_name);
    // Nor through the page that marks a mistake elsewhere: the untouched field comes back
    // with the value in force, and saving the corrected page keeps it.
    let stale_with_mistake = [
        ("shown", "mattermost.threaded_comment_days"),
        ("was:mattermost.threaded_comment_days", "30"),
        ("mattermost.threaded_comment_days", "30"),
        ("shown", "mattermost.delivery_max_age_hours"),
        ("was:mattermost.delivery_max_age_hours", "24"),
        ("mattermost.delivery_max_age_hours", "soon"),
    ];
    let marked = visitor.submit(&page, "/admin/settings", &stale_with_mistake).await;
    assert_eq!(marked.status, 400);
    assert!(marked.has("name=\"was:mattermost.threaded_comment_days\" value=\"7\""), "{}", marked.body);
    assert!(marked.has("id=\"mattermost.threaded_comment_days\" value=\"7\""), "{}", marked.body);
    assert!(
        marked.has("name=\"was:mattermost.delivery_max_age_hours\" value=\"24\""),
        "the typed field keeps its origin"
    );
    assert!(marked.has("id=\"mattermost.delivery_max_age_hours\" value=\"soon\""), "and what was typed");

    // Logging bodies while the level hides debug messages would log nothing: the page says so.
    let bodies = [("shown", "log.webhook_bodies"), ("log.webhook_bodies", "on")];
    let saved = visitor.submit(&again, "/admin/settings", &bodies).await;
    assert_eq!(saved.status, 303, "{}", saved.body);
    let warned = visitor.get("/admin/settings").await;
    assert!(warned.has("On, but log.level hides debug messages, so no body is logged"), "{}", warned.body);
    app.shutdown().await;
}

#[tokio::test]
async fn a_bot_token_is_tested_first_and_saved_only_when_mattermost_takes_it() {
    // Values a test config sets count as set in the file: the URL here, read-only.
    let app = spawn_app_with(|c| c.mattermost.bot_token = jirabridge::config::Secret::default()).await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/mattermost").await;
    assert!(page.has("Read-only: set in the config file."), "{}", page.body);
    assert!(page.has("placeholder=\"not set\""));
    let wrong = visitor.submit(&page, "/admin/mattermost", &[("bot_token", "a-token-mattermost-does-not-know")]).await;
    assert_eq!(wrong.status, 400);
    assert_eq!(app.state.config().mattermost.bot_token.expose(), "", "a refused token is not saved");
    assert!(wrong.has("Mattermost refused the bot token (401)"), "{}", wrong.body);
    assert!(wrong.has("Nothing was saved"), "{}", wrong.body);
    let right =
        visitor.submit(&page, "/admin/mattermost", &[("bot_token", crate::support::fake_mattermost::BOT_TOKEN)]).await;
    assert!(right.has("Saved. Mattermost knows the bot token as @"), "{}", right.body);
    assert_eq!(app.state.config().mattermost.bot_token.expose(), crate::support::fake_mattermost::BOT_TOKEN);
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("mattermost.bot_token"));
    assert!(!audit.has("a-token-mattermost-does-not-know"), "secrets are not audited");
    app.shutdown().await;
}

#[tokio::test]
async fn a_regenerated_webhook_secret_is_shown_once_and_the_old_one_keeps_working() {
    let app = spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::default()).await;
    let old = app.state.accepted_secrets().current;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert!(!page.has("id=\"new-webhook-secret\""));
    let shown = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(shown.status, 200);
    let new = app.state.accepted_secrets().current;
    assert_ne!(new, old);
    assert!(shown.has(&format!("value=\"{new}\"")), "shown once");
    assert!(shown.has("The previous secret is accepted until"));
    assert_eq!(shown.headers.get("cache-control").unwrap(), "no-store");
    assert!(!visitor.get("/admin/secrets").await.has(&new), "never shown again");

    let body = crate::support::fixtures::own("cloud-issue-created.json");
    for secret in [&old, &new] {
        let url = format!("{}/webhook?secret={secret}&team={TEAM}&channel={CHANNEL}", app.address);
        assert_eq!(app.post(&url, body.clone()).await.status(), 200, "accepted during the grace period");
    }
    let audit = visitor.get("/admin/audit").await;
    assert!(audit.has("secret.webhook.regenerate"));
    assert!(!audit.has(&new) && !audit.has(&old));
    app.shutdown().await;
}

#[tokio::test]
async fn secrets_set_in_the_config_file_are_not_regenerated() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert!(page.has("Read-only: set in the config file."));
    let refused = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(refused.status, 409);
    assert_eq!(app.state.accepted_secrets().current, SECRET);
    app.shutdown().await;
}

#[tokio::test]
async fn a_regenerated_admin_token_replaces_the_old_one() {
    let app = spawn_app_with(|c| c.admin.api_token = jirabridge::config::Secret::default()).await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    let shown = visitor.submit(&page, "/admin/secrets/admin-token", &[]).await;
    assert_eq!(shown.status, 200);
    let marker = "id=\"new-admin-token\" class=\"secret-once\" readonly value=\"";
    let start = shown.body.find(marker).expect("token shown") + marker.len();
    let token = &shown.body[start..start + shown.body[start..].find('"').unwrap()];
    let status = |token: String| {
        let http = app.http.clone();
        let url = format!("{}/api/v1/status", app.address);
        async move { http.get(url).bearer_auth(token).send().await.unwrap().status().as_u16() }
    };
    assert_eq!(status(token.to_string()).await, 200);
    assert_eq!(status("test-admin-api-token-0123456789".into()).await, 401);
    app.shutdown().await;
}

#[tokio::test]
async fn regenerating_again_within_the_grace_period_needs_a_confirmation() {
    let app = spawn_app_with(|c| c.webhook.secret = jirabridge::config::Secret::default()).await;
    let first = app.state.accepted_secrets().current;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/secrets").await;
    assert_eq!(visitor.submit(&page, "/admin/secrets/webhook", &[]).await.status, 200);
    let second = app.state.accepted_secrets().current;
    let again = visitor.submit(&page, "/admin/secrets/webhook", &[]).await;
    assert_eq!(again.status, 409, "a resubmitted form does not end the grace period");
    assert!(again.has("tick the box below"));
    assert_eq!(app.state.accepted_secrets().current, second);
    assert_eq!(app.state.accepted_secrets().previous.as_deref(), Some(first.as_str()));
    let confirmed = visitor.submit(&again, "/admin/secrets/webhook", &[("end_grace", "on")]).await;
    assert_eq!(confirmed.status, 200);
    assert_ne!(app.state.accepted_secrets().current, second);
    app.shutdown().await;
}

#[tokio::test]
async fn an_invalid_setting_keeps_what_was_typed() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let bad = visitor
        .submit(
            &page,
            "/admin/settings",
            &[
                ("shown", "mattermost.threaded_comment_days"),
                ("mattermost.threaded_comment_days", "soon"),
                ("shown", "mattermost.additional_help_text"),
                ("mattermost.additional_help_text", "Ask #jira-help"),
            ],
        )
        .await;
    assert_eq!(bad.status, 400);
    assert!(bad.has("value=\"Ask #jira-help\""), "the valid edit is still there");
    assert!(bad.has("value=\"soon\""), "and the invalid one, marked");
    assert_eq!(app.state.config().mattermost.additional_help_text, "", "nothing saved");
    app.shutdown().await;
}

#[tokio::test]
async fn a_secret_setting_is_replaced_and_removed_but_never_shown() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let key = "jira.admin_api_token";
    let set = visitor.submit(&page, "/admin/settings", &[("shown", key), (key, " jira-token-123\n")]).await;
    assert_eq!(set.status, 303);
    assert_eq!(app.state.config().jira.admin_api_token.expose(), "jira-token-123", "pasted with spaces");
    let page = visitor.get("/admin/settings").await;
    assert!(!page.has("jira-token-123"), "never shown");
    assert!(page.has("name=\"clear:jira.admin_api_token\""));
    let kept = visitor.submit(&page, "/admin/settings", &[("shown", key), (key, "")]).await;
    assert_eq!(kept.location.as_deref(), Some("/admin/settings?notice=settings_unchanged"), "empty keeps it");
    let cleared = visitor
        .submit(&page, "/admin/settings", &[("shown", key), (key, ""), ("clear:jira.admin_api_token", "on")])
        .await;
    assert_eq!(cleared.status, 303);
    assert_eq!(app.state.config().jira.admin_api_token.expose(), "");
    app.shutdown().await;
}

#[tokio::test]
async fn only_allowed_networks_reach_the_console_and_the_api() {
    let app = spawn_app_with(|c| c.admin.allow_from = vec!["10.0.0.0/8".into()]).await;
    for path in ["/admin/login", "/admin/", "/api/v1/status"] {
        assert_eq!(app.get(path).await.status(), 403, "{path} from 127.0.0.1");
    }
    assert_eq!(
        app.post_legacy(crate::support::fixtures::own("cloud-issue-created.json")).await.status(),
        200,
        "webhooks are not admin"
    );
    app.shutdown().await;

    let app = spawn_app_with(|c| {
        c.admin.allow_from = vec!["10.0.0.0/8".into()];
        c.server.trusted_proxies = vec!["127.0.0.1".into()];
    })
    .await;
    let through_proxy = |client: &'static str| {
        let request = app.http.get(format!("{}/admin/login", app.address)).header("x-forwarded-for", client);
        async move { request.send().await.unwrap().status().as_u16() }
    };
    assert_eq!(through_proxy("10.1.2.3").await, 200, "the proxy's client is inside the range");
    assert_eq!(through_proxy("10.1.2.3, 192.168.7.7").await, 403, "the nearest untrusted hop counts");
    app.shutdown().await;
}

#[tokio::test]
async fn an_admin_cannot_lock_themselves_out_with_allow_from() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let page = visitor.get("/admin/settings").await;
    let refused = visitor
        .submit(&page, "/admin/settings", &[("shown", "admin.allow_from"), ("admin.allow_from", "10.0.0.0/8")])
        .await;
    assert_eq!(refused.status, 400);
    assert!(refused.has("this would lock you out: your address 127.0.0.1"), "{}", refused.body);
    assert!(app.state.config().admin.allow_from.is_empty());
    let api =
        app.api(reqwest::Method::PATCH, "/settings").json(&serde_json::json!({"admin.allow_from": ["10.0.0.0/8"]}));
    assert_eq!(api.send().await.unwrap().status(), 400);
    let fine = visitor
        .submit(
            &page,
            "/admin/settings",
            &[("shown", "admin.allow_from"), ("admin.allow_from", "127.0.0.0/8, 10.0.0.0/8")],
        )
        .await;
    assert_eq!(fine.status, 303);
    assert_eq!(visitor.get("/admin/").await.status, 200);
    app.shutdown().await;
}

/// SPEC §2.2: `mattermost.command_tokens` is a list of secrets the console may change (a
/// token per team, for commands created by hand). A token typed on the settings page joins
/// the stored ones, which are never shown, and `/jira` with it is answered.
#[tokio::test]
async fn command_tokens_typed_in_the_console_are_added_and_answered() {
    let app = spawn_app().await;
    let mut visitor = signed_in(&app).await;
    let (first, second) = ("cmdtoken00000000000000000a", "cmdtoken00000000000000000b");
    let user = app.mm.add_user("ann", "system_user");
    assert_eq!(app.slash(&user, first, "/jira about").await.status, 401, "not known yet");
    for token in [first, second] {
        let page = visitor.get("/admin/settings").await;
        let fields = [("shown", "mattermost.command_tokens"), ("mattermost.command_tokens", token)];
        let saved = visitor.submit(&page, "/admin/settings", &fields).await;
        assert_eq!(saved.status, 303, "{}", saved.body);
    }
    let page = visitor.get("/admin/settings").await;
    assert!(page.has("set — type one to add"), "{}", page.body);
    assert!(!page.has(first) && !page.has(second), "never shown");
    for token in [first, second] {
        assert_eq!(app.slash(&user, token, "/jira about").await.status, 200, "{token} answered");
    }
    app.shutdown().await;
}
