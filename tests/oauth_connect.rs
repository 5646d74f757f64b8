//! Connecting through OAuth (SPEC §3.1, §8.1), end to end through the fakes and a browser
//! that follows each redirect by hand: OAuth 1.0a with a Jira Data Center that checks every
//! RSA-SHA1 signature against the public key the admin registered, and OAuth 2.0 with
//! Atlassian (PKCE, rotating refresh tokens, revocation), for Jira Cloud through the gateway.
//!
//! size: each test is one user's whole story, read top to bottom.

use jirabridge::config::Secret;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app_with, TestApp};
use crate::support::fake_jira::FakeJira;

const COMMAND_TOKEN: &str = "cmdtoken0000000000000000oa";
const CONNECTED: &str = "You have successfully connected your Jira account. Type in /jira to get started.";

/// An app on a fixed port (links and callbacks carry `server.public_url`), OAuth only (the
/// default of `jira.user_auth_methods`), Atlassian's hosts at the fake.
async fn oauth_app(jira: &FakeJira) -> TestApp {
    let port = crate::support::commands::free_port();
    let fake = jira.url.clone();
    spawn_app_with(move |c| {
        c.server.listen = format!("127.0.0.1:{port}");
        c.server.public_url = format!("http://127.0.0.1:{port}");
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        c.jira.atlassian_auth_url = fake.clone();
        c.jira.atlassian_api_url = fake;
    })
    .await
}

async fn add_instance(app: &TestApp, url: &str, kind: &str) -> Value {
    let request = json!({"url": url, "type": kind});
    let added = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    added.json().await.unwrap()
}

pub(crate) async fn command(app: &TestApp, user: &str, line: &str) -> String {
    app.slash(user, COMMAND_TOKEN, line).await.text()
}

/// The link in "[Click here to link your Jira account](<link>)".
fn link_in(reply: &str) -> String {
    let start = reply.find("](").map(|i| i + 2).unwrap_or_else(|| panic!("no link in {reply:?}"));
    reply[start..].split(')').next().unwrap().to_string()
}

/// Whether a `/jira view` reply shows DEMO-1.
fn shows_issue(reply: &Value) -> bool {
    reply["attachments"][0]["text"].as_str().is_some_and(|t| t.contains("DEMO-1: Crash on start"))
}

/// A browser that does not follow redirects by itself.
fn browser() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

/// GETs `url`; answers the status, the `Location` and the body.
async fn open(url: &str) -> (u16, String, String) {
    let response = browser().get(url).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get("location").map(|l| l.to_str().unwrap().to_string()).unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

/// Follows redirects from `url` to the last page; answers its status and body, and the URLs
/// passed through.
async fn follow(url: &str) -> (u16, String, Vec<String>) {
    let (mut url, mut passed) = (url.to_string(), Vec::new());
    loop {
        let (status, location, body) = open(&url).await;
        passed.push(url.clone());
        if status != 302 {
            return (status, body, passed);
        }
        url = location;
    }
}

#[tokio::test]
async fn a_data_center_user_connects_with_oauth1_and_every_request_is_signed() {
    let jira = FakeJira::start().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let app = oauth_app(&jira).await;
    let instance = add_instance(&app, &jira.url, "server").await;
    let consumer_key = instance["oauth1_consumer_key"].as_str().unwrap();
    assert!(consumer_key.starts_with("jirabridge_http_127_0_0_1_"), "{instance}");
    let public_key = instance["oauth1_public_key"].as_str().unwrap();
    assert!(public_key.starts_with("-----BEGIN PUBLIC KEY-----"), "{instance}");
    let ada = app.mm.add_user("ada", "system_user");
    jira.sign_in_browser("ada", "Ada Lovelace");

    // Before the Jira admin made the application link, Jira refuses the consumer; with
    // another key in the link, it refuses the signature.
    let reply = command(&app, &ada, "/jira connect").await;
    assert!(reply.starts_with("[Click here to link your Jira account](http://127.0.0.1:"), "{reply}");
    assert!(jira.requests().is_empty(), "making the link asks nothing of Jira");
    let (status, body, _) = follow(&link_in(&reply)).await;
    assert_eq!((status, body.starts_with("Failed to connect to Jira.")), (502, true), "{body}");
    let other_key = jirabridge::jira::oauth1::RsaKey::generate().unwrap().public_pem().unwrap();
    jira.trust_consumer(consumer_key, &other_key);
    let (status, body, _) = follow(&link_in(&command(&app, &ada, "/jira connect").await)).await;
    assert_eq!((status, body.starts_with("Failed to connect to Jira.")), (502, true), "{body}");

    // OAuth 1.0a requires Jira to confirm the callback; without it nothing goes further.
    jira.trust_consumer(consumer_key, public_key);
    jira.leave_callback_unconfirmed(true);
    let (status, body, passed) = follow(&link_in(&command(&app, &ada, "/jira connect").await)).await;
    assert_eq!((status, body.starts_with("Failed to connect to Jira.")), (502, true), "{body}");
    assert_eq!(passed.len(), 1, "the user is not sent on to authorize: {passed:?}");
    jira.leave_callback_unconfirmed(false);

    let link = link_in(&command(&app, &ada, "/jira connect").await);
    let (status, body, passed) = follow(&link).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(CONNECTED), "{body}");
    assert!(passed[1].contains("/plugins/servlet/oauth/authorize?oauth_token="), "{passed:?}");
    assert!(passed[2].contains("/oauth1/complete.html?oauth_token="), "{passed:?}");
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    assert_eq!(dms, [CONNECTED]);
    let me = command(&app, &ada, "/jira me").await;
    assert!(me.contains("Server, connected as **Ada Lovelace** (Name:ada"), "{me}");

    // The user's calls are signed with the access token (the fake checks each signature).
    let view = app.slash(&ada, COMMAND_TOKEN, "/jira view DEMO-1").await;
    assert!(shows_issue(&view.body), "{}", view.body);

    // The link and the callback work once.
    let (status, _, body) = open(&link).await;
    assert_eq!((status, body.as_str()), (400, jirabridge::connections::LINK_EXPIRED));
    let (status, _, body) = open(&passed[2]).await;
    assert_eq!((status, body.as_str()), (400, "This connect link has expired. Run `/jira connect` again."));
    app.shutdown().await;
}

/// A Cloud app at `host` (a test-only name resolving to the fake), with the OAuth client
/// set through the API; answers the app and the instance id.
pub(crate) async fn cloud_app(jira: &FakeJira, host: &str) -> (TestApp, String) {
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let site = format!("http://{host}:{}", jira.url.rsplit(':').next().unwrap());
    let app = oauth_app(jira).await;
    add_instance(&app, &site, "cloud").await;
    (app, site)
}

async fn set_client(app: &TestApp, site: &str) -> Value {
    let reference = jirabridge::jira::instance::encode_id(site);
    let patch = json!({"oauth2_client_id": "client-1", "oauth2_client_secret": "client-secret-1"});
    let patched = app.api(Method::PATCH, &format!("/instances/{reference}")).json(&patch).send().await.unwrap();
    assert_eq!(patched.status(), StatusCode::OK);
    patched.json().await.unwrap()
}

#[tokio::test]
async fn a_cloud_user_connects_with_oauth2_and_the_callback_refuses_bad_states() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let (app, site) = cloud_app(&jira, "oauth2-connect.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");

    let not_ready = command(&app, &ada, "/jira connect").await;
    assert_eq!(
        not_ready,
        format!("Jira instance {site} is not ready: an administrator must set its OAuth client id and secret.")
    );
    let shown = set_client(&app, &site).await;
    assert_eq!(
        (shown["oauth2_client_id"].as_str(), shown["oauth2_client_secret_set"].as_bool()),
        (Some("client-1"), Some(true))
    );
    assert!(!shown.to_string().contains("client-secret-1"), "the secret is never shown: {shown}");
    jira.register_oauth2_app("client-1", "client-secret-1", "cloud-id-1", &site);
    jira.sign_in_browser("accountid:557058:ada", "Ada Lovelace");

    let link = link_in(&command(&app, &ada, "/jira connect").await);
    let (status, authorize, _) = open(&link).await;
    assert_eq!(status, 302);
    let authorize = url::Url::parse(&authorize).unwrap();
    let asked: std::collections::HashMap<String, String> = authorize.query_pairs().into_owned().collect();
    assert_eq!(asked["state"].len(), 32);
    assert!(asked["redirect_uri"].ends_with("/oauth2/complete.html"), "{asked:?}");
    let (status, callback, _) = open(authorize.as_str()).await;
    assert_eq!(status, 302, "the fake accepted every parameter");

    // Broken callbacks, before the real one.
    let complete = callback.split('?').next().unwrap().to_string();
    let cases = [
        ("?state=x", 400, "Bad request: missing code"),
        ("?code=c", 400, "Bad request: missing state"),
        ("?code=c&state=short", 400, "Bad request: invalid state"),
        ("?code=c&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", 401, "state not found or might be expired"),
    ];
    for (query, status, sentence) in cases {
        let (got, _, body) = open(&format!("{complete}{query}")).await;
        assert_eq!((got, body.as_str()), (status, sentence), "{query}");
    }
    let (status, body, _) = follow(&callback).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains(CONNECTED));
    let (status, _, body) = open(&callback).await;
    assert_eq!((status, body.as_str()), (401, "state not found or might be expired"), "a state works once");

    let me = command(&app, &ada, "/jira me").await;
    assert!(me.contains("Cloud, connected as **Ada Lovelace** (AccountID: `557058:ada`)"), "{me}");
    let view = app.slash(&ada, COMMAND_TOKEN, "/jira view DEMO-1").await;
    assert!(shows_issue(&view.body), "{}", view.body);
    let through_gateway = jira.requests().iter().any(|r| r.contains("/ex/jira/cloud-id-1/rest/api/2/issue/DEMO-1"));
    assert!(through_gateway, "{:?}", jira.requests());

    // Calls go through the gateway; links people click go to the site.
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    assert_eq!(command(&app, &ada, "/jira create Broken login").await, "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let values = json!({"project_type": "DEMO/10001", "summary": "Broken login"});
    assert_eq!(app.mm.submit_dialog(url, &ada, &app.channel_id, state, values, false).await.1, json!({}));
    let posted = app.mm.posts(&app.channel_id).pop().expect("the bot told the channel");
    assert!(posted.message.contains(&format!("]({site}/browse/DEMO-")), "{}", posted.message);
    app.shutdown().await;
}

/// Connects ada to the Cloud site through OAuth 2.0.
pub(crate) async fn connect_cloud(app: &TestApp, jira: &FakeJira, site: &str, ada: &str) {
    set_client(app, site).await;
    jira.register_oauth2_app("client-1", "client-secret-1", "cloud-id-2", site);
    jira.sign_in_browser("accountid:557058:ada", "Ada Lovelace");
    let (status, body, _) = follow(&link_in(&command(app, ada, "/jira connect").await)).await;
    assert_eq!(status, 200, "{body}");
}

#[tokio::test]
async fn rotating_refresh_tokens_survive_concurrent_use_and_a_revoked_grant_says_so_once() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    // Tokens that live 30 s are always within the refresh minute: every use refreshes.
    jira.set_access_token_lifetime(30);
    let (app, site) = cloud_app(&jira, "oauth2-refresh.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;

    let views = (0..5).map(|_| app.slash(&ada, COMMAND_TOKEN, "/jira view DEMO-1"));
    for view in futures_util::future::join_all(views).await {
        assert!(shows_issue(&view.body), "{}", view.body);
    }
    assert_eq!(jira.refresh_count(), 5, "one refresh per use, one at a time: no refresh token used twice");

    jira.revoke_oauth2_grants();
    let expired = format!(
        ":warning: Your Jira connection has expired. Please reconnect your account using `/jira connect {site}`."
    );
    assert_eq!(command(&app, &ada, "/jira view DEMO-1").await, expired);
    for _ in 0..10 {
        assert_eq!(command(&app, &ada, "/jira view DEMO-1").await, jirabridge::commands::run::NOT_CONNECTED);
    }
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    assert_eq!(dms.iter().filter(|m| **m == expired).count(), 1, "{dms:?}");
    app.shutdown().await;
}

/// An expired grant ends the connection, not the user's choices: connecting again brings
/// back the notifications they had turned off.
#[tokio::test]
async fn reconnecting_after_an_expired_grant_keeps_the_notification_settings() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    jira.set_access_token_lifetime(30);
    let (app, site) = cloud_app(&jira, "oauth2-kept-settings.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;
    let quiet = command(&app, &ada, "/jira settings notifications reporter off").await;
    assert_eq!(quiet, "Settings updated:\n* Reporter notifications off.");

    jira.revoke_oauth2_grants();
    assert!(command(&app, &ada, "/jira view DEMO-1").await.contains("Your Jira connection has expired"));
    let (status, body, _) = follow(&link_in(&command(&app, &ada, "/jira connect").await)).await;
    assert_eq!(status, 200, "{body}");
    let listed = command(&app, &ada, "/jira settings").await;
    assert!(listed.contains("\t- Notifications for reporter: off "), "{listed}");
    assert!(listed.contains("\t- Notifications for assignee: on "), "{listed}");
    app.shutdown().await;
}

/// A reconnect made while a call with the old, revoked grant is on its way stays: the
/// refusal of the old grant does not end the new connection.
#[tokio::test]
async fn a_call_refused_with_an_old_grant_does_not_end_a_new_connection() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let (app, site) = cloud_app(&jira, "oauth2-renewed.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;
    jira.slow_issue_reads(std::time::Duration::from_millis(1500));
    jira.revoke_oauth2_grants();
    let reconnect = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        let (status, body, _) = follow(&link_in(&command(&app, &ada, "/jira connect").await)).await;
        assert_eq!(status, 200, "{body}");
    };
    let (answer, ()) = tokio::join!(command(&app, &ada, "/jira view DEMO-1"), reconnect);
    assert_eq!(answer, "Your Jira connection was renewed while this ran. Please try again.");
    jira.slow_issue_reads(std::time::Duration::ZERO);
    let view = app.slash(&ada, COMMAND_TOKEN, "/jira view DEMO-1").await;
    assert!(shows_issue(&view.body), "still connected: {}", view.body);
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    assert!(!dms.iter().any(|m| m.contains("has expired")), "{dms:?}");
    app.shutdown().await;
}

/// Two calls refused with the same revoked grant, one after the other ended the connection,
/// both say it expired; one DM.
#[tokio::test]
async fn calls_refused_together_both_say_the_grant_expired() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let (app, site) = cloud_app(&jira, "oauth2-together.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;
    jira.slow_issue_reads(std::time::Duration::from_millis(800));
    jira.revoke_oauth2_grants();
    // The second call reads the connection before the first ends it, and is refused after.
    let second = async {
        tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        command(&app, &ada, "/jira view DEMO-1").await
    };
    let (first, second) = tokio::join!(command(&app, &ada, "/jira view DEMO-1"), second);
    let expired = format!(
        ":warning: Your Jira connection has expired. Please reconnect your account using `/jira connect {site}`."
    );
    assert_eq!((first.as_str(), second.as_str()), (expired.as_str(), expired.as_str()));
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    assert_eq!(dms.iter().filter(|m| **m == expired).count(), 1, "{dms:?}");
    app.shutdown().await;
}

/// Plugin paths that are not served say why (SPEC §3.1): Connect's lifecycle calls and the
/// plugin webapp's endpoints, bare and under `/plugins/jira`.
#[tokio::test]
async fn plugin_paths_jirabridge_does_not_serve_say_why() {
    let app = crate::support::app::spawn_app().await;
    let uninstalled = app.http.post(format!("{}/ac/uninstalled", app.address)).send().await.unwrap();
    assert_eq!(uninstalled.status(), StatusCode::OK);
    assert_eq!(uninstalled.json::<Value>().await.unwrap(), json!(["OK"]));
    for path in ["/ac/installed", "/plugins/jira/instance/aHR0cHM6Ly9qaXJh/ac/installed"] {
        let refused = app.http.post(format!("{}{path}", app.address)).send().await.unwrap();
        assert_eq!(refused.status(), StatusCode::GONE, "{path}");
        assert!(refused.text().await.unwrap().contains("use OAuth 2.0 (cloud-oauth)"), "{path}");
    }
    for path in ["/api/v2/userinfo", "/plugins/jira/api/v2/get-search-issues", "/api/v2/subscriptions/channel/x"] {
        let gone = app.get(path).await;
        assert_eq!(gone.status(), StatusCode::GONE, "{path}");
        assert!(gone.text().await.unwrap().contains("belonged to the Mattermost plugin webapp"), "{path}");
    }
    app.shutdown().await;
}

/// `/jira instance install server` answers the Application Link steps; `install cloud-oauth`
/// opens the OAuth client form; `uninstall` checks the type, ends every connection and
/// removes the instance (SPEC §7.4, §9.3).
#[tokio::test]
async fn admins_install_and_uninstall_instances_from_chat() {
    let server = FakeJira::start().await;
    let cloud = FakeJira::start_cloud().await;
    let host = "install-from-chat.atlassian.net";
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let site = format!("http://{host}:{}", cloud.url.rsplit(':').next().unwrap());
    let app = oauth_app(&server).await;
    let admin = app.mm.add_user("root", "system_user system_admin");

    let steps = command(&app, &admin, &format!("/jira instance install server {}", server.url)).await;
    assert!(steps.starts_with(&format!("Jira instance {} is added.", server.url)), "{steps}");
    assert!(steps.contains("* **Consumer Key**: `jirabridge_http_127_0_0_1_"), "{steps}");
    assert!(steps.contains("-----BEGIN PUBLIC KEY-----"), "{steps}");
    let again = command(&app, &admin, &format!("/jira instance install server {}", server.url)).await;
    assert!(again.starts_with("Jira instance") && again.contains("is already installed."), "{again}");

    assert_eq!(command(&app, &admin, &format!("/jira instance install cloud-oauth {site}")).await, "");
    let form = app.mm.opened_dialogs().pop().expect("the OAuth client form opened");
    assert_eq!(form["dialog"]["title"], "Jira Cloud OAuth");
    assert_eq!(app.mm.dialog_problems(), Vec::<String>::new());
    let introduction = form["dialog"]["introduction_text"].as_str().unwrap();
    assert!(introduction.contains("/oauth2/complete.html"), "{introduction}");
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let values = json!({"client_id": "chat-client", "client_secret": "chat-secret"});
    let (status, answer) = app.mm.submit_dialog(url, &admin, &app.channel_id, state, values, false).await;
    assert_eq!((status, answer), (200, json!({})));
    let told = app.mm.command_responses().pop().expect("the admin is told where they ran the command");
    assert_eq!(told["text"], format!("Jira instance {site} is ready: users can run `/jira connect {site}`."));
    let reference = jirabridge::jira::instance::encode_id(&site);
    let shown: Value =
        app.api(Method::GET, &format!("/instances/{reference}")).send().await.unwrap().json().await.unwrap();
    assert_eq!(shown["oauth2_client_id"], "chat-client");

    let connection = jirabridge::store::Connection {
        instance_id: site.clone(),
        mm_user_id: admin.clone(),
        jira: jirabridge::store::JiraUser { account_id: "557058:root".into(), ..Default::default() },
        auth: jirabridge::store::ConnectionAuth::ApiToken { email: "root@example.com".into(), token: "t".into() },
        settings: jirabridge::store::NotificationSettings::all_on(),
        saved_project_key: None,
        saved_issue_type: None,
        connected_at_ms: 1,
    };
    app.state.store.put_connection(&connection, &app.state.master_key).unwrap();
    let mismatch = command(&app, &admin, &format!("/jira instance uninstall cloud-oauth {}", server.url)).await;
    assert_eq!(mismatch, format!("cloud-oauth did not match instance {} type server", server.url));
    let removed = command(&app, &admin, &format!("/jira instance uninstall cloud-oauth {site}")).await;
    assert!(removed.starts_with("Jira instance successfully uninstalled. Navigate to [**your app management URL**](https://developer.atlassian.com/console/myapps/)"), "{removed}");
    let left: Vec<Value> = app.api(Method::GET, "/instances").send().await.unwrap().json().await.unwrap();
    assert_eq!(left.len(), 1);
    assert_eq!(app.state.store.connection(&site, &admin, &app.state.master_key).unwrap(), None);
    let view = command(&app, &admin, "/jira view DEMO-1").await;
    assert_eq!(view, jirabridge::commands::run::NOT_CONNECTED, "the connection ended with the instance");
    app.shutdown().await;
}

/// A comment on the Cloud site that mentions ada, numbered so that none is a duplicate.
fn cloud_comment(site: &str, n: usize) -> String {
    json!({
        "timestamp": 1_700_000_000_000u64 + n as u64, "webhookEvent": "comment_created",
        "user": {"accountId": "557058:carol", "displayName": "Carol"},
        "issue": {"id": "10", "key": "DEMO-1", "self": format!("{site}/rest/api/2/issue/10"),
            "fields": {"summary": "Crash on start", "issuetype": {"name": "Bug"}, "project": {"key": "DEMO"}}},
        "comment": {"id": format!("{}", 100 + n), "body": "[~accountid:557058:ada] look", "author": {"accountId": "557058:carol"},
            "updateAuthor": {"accountId": "557058:carol", "displayName": "Carol"}}
    })
    .to_string()
}

/// Issue 17 point 4: a user revokes the app while the access token still lives. Commands and
/// 50 webhook events later, one DM says the connection expired, and it is gone.
#[tokio::test]
async fn a_grant_revoked_at_atlassian_ends_the_connection_with_one_dm() {
    let jira = FakeJira::start_cloud().await;
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let (app, site) = cloud_app(&jira, "oauth2-revoked.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;
    let url = format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET);
    assert_eq!(app.post(&url, cloud_comment(&site, 0)).await.status(), StatusCode::OK);
    app.until_routed().await;
    assert_eq!(app.state.connections.decide_direct_messages().await.unwrap(), 1, "ada is mentioned and may read it");

    jira.revoke_oauth2_grants();
    for n in 1..=50 {
        assert_eq!(app.post(&url, cloud_comment(&site, n)).await.status(), StatusCode::OK);
        if n % 10 == 0 {
            command(&app, &ada, "/jira view DEMO-1").await;
        }
    }
    app.until_routed().await;
    app.state.connections.decide_direct_messages().await.unwrap();
    app.deliver().await;
    let expired = format!(
        ":warning: Your Jira connection has expired. Please reconnect your account using `/jira connect {site}`."
    );
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    assert_eq!(dms.iter().filter(|m| **m == expired).count(), 1, "{dms:?}");
    assert_eq!(dms.iter().filter(|m| m.contains("**mentioned** you")).count(), 1, "only the comment before: {dms:?}");
    let mention = dms.iter().find(|m| m.contains("**mentioned** you")).unwrap();
    assert!(mention.ends_with("> @ada look"), "SPEC §5.6: a connected person is their @username: {mention}");
    assert_eq!(command(&app, &ada, "/jira view DEMO-1").await, jirabridge::commands::run::NOT_CONNECTED);
    app.shutdown().await;
}
