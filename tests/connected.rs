//! Connected mode with tokens (SPEC §8.1, §8.3, §8.5, §9.3, §10.3, §10.5), end to end through
//! the fakes: `/jira connect` answers a button, the click opens a form, a wrong token is
//! refused by Jira, the right one connects (and a DM says so); then the user's own
//! credentials view, transition, assign and unassign an issue; settings change; disconnect
//! ends it. Also: pickers, Jira Cloud's API token and shapes, and push-only mode.
//!
//! size: each test is one user's whole story through both fakes, read top to bottom.

use jirabridge::config::{Secret, UserAuthMethod};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};

use crate::support::app::{spawn_app_with, TestApp};
use crate::support::fake_jira::FakeJira;
use crate::support::fake_mattermost::CommandReply;

pub(crate) const COMMAND_TOKEN: &str = "cmdtoken0000000000000000cc";
pub(crate) const ADA_PAT: &str = "ada-personal-access-token";

pub(crate) async fn app_with_server(jira: &FakeJira) -> TestApp {
    app_with_methods(jira, vec![UserAuthMethod::Oauth, UserAuthMethod::Pat]).await
}

/// [`app_with_server`] with the connection methods `jira.user_auth_methods` allows.
async fn app_with_methods(jira: &FakeJira, methods: Vec<UserAuthMethod>) -> TestApp {
    app_for((&jira.url, "server"), |c| c.jira.user_auth_methods = methods).await
}

/// An app whose buttons and forms reach it back (a fixed port as `server.public_url`), with
/// the test's command token, configured further by `adjust`, and the Jira instance `url` of
/// `kind` added.
pub(crate) async fn app_for(
    (url, kind): (&str, &str),
    adjust: impl FnOnce(&mut jirabridge::config::Config),
) -> TestApp {
    let port = crate::support::commands::free_port();
    let app = spawn_app_with(|c| {
        c.server.listen = format!("127.0.0.1:{port}");
        c.server.public_url = format!("http://127.0.0.1:{port}");
        c.mattermost.command_tokens = vec![Secret::new(COMMAND_TOKEN.into())];
        adjust(c);
    })
    .await;
    let request = json!({"url": url, "type": kind});
    let response = app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::CREATED, "{}", response.text().await.unwrap());
    app
}

pub(crate) async fn jira_command(app: &TestApp, user_id: &str, line: &str) -> CommandReply {
    app.slash(user_id, COMMAND_TOKEN, line).await
}

/// Submits the form Mattermost opened last, as `user` in the test channel; answers the reply.
pub(crate) async fn submit_last_form(app: &TestApp, user: &str, values: Value) -> Value {
    let form = app.mm.opened_dialogs().pop().expect("a form was opened");
    assert_eq!(app.mm.dialog_problems(), Vec::<String>::new(), "every form opened so far is valid");
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    app.mm.submit_dialog(url, user, &app.channel_id, state, values, false).await.1
}

/// Connects `user` with `token` through the button and the form; answers the form's reply.
pub(crate) async fn connect(app: &TestApp, user: &str, token: &str) -> Value {
    connect_with(app, user, token, "/jira connect").await
}

/// [`connect`] with its command line, e.g. one naming the instance.
async fn connect_with(app: &TestApp, user: &str, token: &str, line: &str) -> Value {
    let reply = jira_command(app, user, line).await;
    let action = &reply.body["attachments"][0]["actions"][0];
    assert_eq!(action["name"], "Use a personal access token", "{}", reply.body);
    let url = action["integration"]["url"].as_str().unwrap().to_string();
    let (status, clicked) = app.mm.click(&url, user, &app.channel_id, action["integration"]["context"].clone()).await;
    assert_eq!(status, 200, "{clicked}");
    let opened = app.mm.opened_dialogs().pop().expect("the click opened the token form");
    let (dialog_url, state) = (opened["url"].as_str().unwrap(), opened["dialog"]["state"].as_str().unwrap());
    let (status, answer) =
        app.mm.submit_dialog(dialog_url, user, &app.channel_id, state, json!({"token": token}), false).await;
    assert_eq!(status, 200);
    answer
}

#[tokio::test]
async fn a_user_connects_with_a_token_and_acts_on_an_issue_with_it() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_pat_user("bob-token", "bob", "Bob Builder");
    jira.add_issue(
        "DEMO-1",
        json!({"summary": "Crash @all on start", "status": {"name": "To Do"}, "description": "It *breaks*."}),
    );
    jira.set_transitions("DEMO-1", &[("11", "Start", "In Progress"), ("21", "Finish", "Done")]);
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");

    let before = jira_command(&app, &ada, "/jira view DEMO-1").await;
    assert_eq!(before.text(), jirabridge::commands::run::NOT_CONNECTED);

    // A token Jira does not know is refused in the form; the form can be sent again.
    let refused = connect(&app, &ada, "not-a-token").await;
    assert_eq!(refused, json!({"errors": {"token": "Jira rejected this token."}}));
    // Ada's form is useless to Bob.
    let bob = app.mm.add_user("bob", "system_user");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let (_, stolen) =
        app.mm.submit_dialog(url, &bob, &app.channel_id, state, json!({"token": "bob-token"}), false).await;
    assert_eq!(stolen, json!({"error": jirabridge::commands::interact::FORM_EXPIRED}));
    assert!(!jirabridge::commands::jira_ops::JiraOps::is_connected(&*app.state.jira_ops, &bob, None));
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}), "connected");
    let dms = app.mm.direct_messages(&ada);
    assert_eq!(dms.len(), 1);
    assert_eq!(dms[0].message, "You have successfully connected your Jira account. Type in /jira to get started.");

    let me = jira_command(&app, &ada, "/jira me").await.text();
    assert!(me.contains("Server, connected as **Ada Lovelace** (Name:ada"), "{me}");
    let again = jira_command(&app, &ada, "/jira connect").await.text();
    assert!(again.starts_with("You already have connected all available Jira accounts."), "{again}");

    let view = jira_command(&app, &ada, "/jira view demo-1").await;
    let attachment = &view.body["attachments"][0];
    let text = attachment["text"].as_str().unwrap();
    assert!(text.contains("DEMO-1: Crash @\u{2060}all on start (To Do)"), "no channel-wide mention: {text}");
    assert!(text.contains(&format!("({}/browse/DEMO-1)", jira.url)), "{text}");
    let menu = &attachment["actions"][0];
    assert_eq!(menu["name"], "Transition issue");
    assert_eq!(menu["options"].as_array().unwrap().len(), 2);
    let share = &attachment["actions"][1];
    assert_eq!(share["name"], "Share publicly");
    let share_url = share["integration"]["url"].as_str().unwrap();
    let (_, shared) = app.mm.click(share_url, &ada, &app.channel_id, share["integration"]["context"].clone()).await;
    assert_eq!(shared["ephemeral_text"], "Shared in the channel.");
    let posted = app.mm.posts(&app.channel_id).pop().expect("the issue was posted in the channel");
    assert_eq!(posted.message, "@ada shared");
    let shown = &posted.props["attachments"][0];
    assert!(shown["text"].as_str().unwrap().contains("DEMO-1: Crash @\u{2060}all on start"), "{shown}");
    assert!(shown["actions"].is_null(), "no buttons on the shared post: {shown}");

    let vague = jira_command(&app, &ada, "/jira transition DEMO-1 o").await.text();
    assert_eq!(vague, "please be more specific, \"o\" matched several states: \"In Progress, Done\"");
    let wrong = jira_command(&app, &ada, "/jira transition DEMO-1 closed").await.text();
    assert_eq!(wrong, "\"closed\" is not a valid state. Please use one of: \"In Progress, Done\"");
    let moved = jira_command(&app, &ada, "/jira transition DEMO-1 in prog").await;
    assert_eq!(moved.text(), format!("[DEMO-1]({}/browse/DEMO-1) transitioned to `In Progress`", jira.url));
    assert_eq!(jira.issue_fields("DEMO-1")["status"]["name"], "In Progress");
    let card = &moved.body["attachments"][0];
    assert!(
        card["text"].as_str().is_some_and(|t| t.starts_with("[DEMO-1: ")),
        "the issue card (SPEC §10.3): {}",
        moved.body
    );
    assert!(card.to_string().contains("In Progress"), "as it now is: {card}");

    // The menu on the view reply moves it too, once, and shows the issue as it now is; a
    // transition Jira does not offer fails and leaves the menu usable.
    let menu_url = menu["integration"]["url"].as_str().unwrap();
    let offered_not = json!({"t": menu["integration"]["context"]["t"], "selected_option": "99"});
    let (_, failed) = app.mm.click(menu_url, &ada, &app.channel_id, offered_not).await;
    assert_eq!(failed["ephemeral_text"], "Failed to transition this issue.");
    assert!(failed["update"].is_null(), "{failed}");
    let context = json!({"t": menu["integration"]["context"]["t"], "selected_option": "21"});
    let (_, clicked) =
        app.mm.click(menu["integration"]["url"].as_str().unwrap(), &ada, &app.channel_id, context.clone()).await;
    assert_eq!(clicked["ephemeral_text"], format!("[DEMO-1]({}/browse/DEMO-1) transitioned to `Done`", jira.url));
    let fresh = &clicked["update"]["props"]["attachments"][0];
    assert!(fresh["text"].as_str().unwrap().contains("DEMO-1: Crash @\u{2060}all on start (Done)"), "{clicked}");
    assert_ne!(fresh["actions"][0]["integration"]["context"]["t"], menu["integration"]["context"]["t"], "new state");
    let (_, replayed) =
        app.mm.click(menu["integration"]["url"].as_str().unwrap(), &ada, &app.channel_id, context).await;
    assert_eq!(replayed["ephemeral_text"], "This action was already done.");

    let short = jira_command(&app, &ada, "/jira assign DEMO-1 bo").await.text();
    assert_eq!(short, "`bo` contains less than 3 characters.");
    let assigned = jira_command(&app, &ada, "/jira assign DEMO-1 bob").await.text();
    assert_eq!(assigned, format!("`Bob Builder` assigned to Jira issue [DEMO-1]({}/browse/DEMO-1)", jira.url));
    assert_eq!(jira.issue_fields("DEMO-1")["assignee"]["name"], "bob");
    let unassigned = jira_command(&app, &ada, "/jira unassign DEMO-1").await.text();
    assert_eq!(unassigned, format!("Unassigned Jira issue [DEMO-1]({}/browse/DEMO-1)", jira.url));
    assert!(jira.issue_fields("DEMO-1")["assignee"].is_null());

    // Jira asks to slow down: a short Retry-After is waited out, a long one is reported.
    jira.rate_limit_next(1, 1);
    let waited = jira_command(&app, &ada, "/jira view DEMO-1").await;
    assert!(waited.body["attachments"][0]["text"].as_str().is_some_and(|t| t.contains("DEMO-1")), "{}", waited.body);
    jira.rate_limit_next(1, 30);
    let busy = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert_eq!(busy, "Jira is busy; try again in 30 seconds.");

    // A message becomes a comment, named by its link; only from a channel Ada is in.
    let mattermost_user = app.mm.add_user("meg", "system_user");
    let message = app.mm.add_user_post(&app.channel_id, &mattermost_user, "The crash log says *null*");
    let no_access = jira_command(&app, &ada, &format!("/jira attach DEMO-1 --post {message}")).await.text();
    assert_eq!(no_access, "User does not have access to this post");
    app.mm.add_member(&app.channel_id, &ada);
    let link = format!("{}/{}/pl/{message}", app.mm.url(), crate::support::app::TEAM);
    // Mattermost shows the bot only the channels it is in: the answer says what to do.
    app.mm.set_bot_member(&app.channel_id, false);
    let unreadable = jira_command(&app, &ada, &format!("/jira attach DEMO-1 --post {link}")).await.text();
    assert!(unreadable.contains("cannot read this message") && unreadable.contains("`/invite @"), "{unreadable}");
    app.mm.set_bot_member(&app.channel_id, true);
    let attached = jira_command(&app, &ada, &format!("/jira attach DEMO-1 --post {link}")).await.text();
    assert_eq!(attached, format!("Message attached to [DEMO-1]({}/browse/DEMO-1) by @ada", jira.url));
    let comment = jira.comments("DEMO-1").pop().expect("the comment was added");
    assert_eq!(comment, format!("*@Ada Lovelace attached a* [message|{link}] *from @meg*\nThe crash log says *null*"));
    let reply = app.mm.posts(&app.channel_id).pop().unwrap();
    assert_eq!((reply.root_id.as_str(), reply.message.as_str()), (message.as_str(), attached.as_str()));
    let nowhere = jira_command(&app, &ada, "/jira attach DEMO-1").await.text();
    assert!(nowhere.starts_with("Run `/jira attach <issue-key>` in the message's thread"), "{nowhere}");
    // With --thread, every reply follows, with its author and time.
    let reply_id = app.mm.add_user_reply(&app.channel_id, &ada, &message, "Seen on 2.3 too");
    let whole = jira_command(&app, &ada, &format!("/jira attach DEMO-1 --thread --post {link}")).await.text();
    assert!(whole.starts_with("Message attached to"), "{whole}");
    let comment = jira.comments("DEMO-1").pop().unwrap();
    let (head, replies) = comment.split_once("\n\n").expect("the replies follow the message");
    assert!(head.ends_with("The crash log says *null*"), "{comment}");
    assert!(replies.starts_with("*@ada (") && replies.ends_with(" UTC):* Seen on 2.3 too"), "{comment}");
    assert!(!comment.contains(&reply_id), "{comment}");
    // Without a key, a form asks for it and for who may see the comment.
    jira.set_groups(ADA_PAT, &["jira-developers", "jira-users"]);
    assert_eq!(jira_command(&app, &ada, &format!("/jira attach --post {link}")).await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["title"], "Attach message to Jira");
    assert_eq!(form["dialog"]["elements"][1]["options"][0]["value"], "jira-developers", "{form}");
    let no_key = submit_last_form(&app, &ada, json!({"issue": ""})).await;
    assert!(no_key["errors"]["issue"].is_string(), "{no_key}");
    // An issue Jira will not comment on keeps the form open, the reason under the key.
    let unknown = submit_last_form(&app, &ada, json!({"issue": "DEMO-404"})).await;
    assert!(unknown["errors"]["issue"].as_str().unwrap().contains("Please choose another issue"), "{unknown}");
    let done = submit_last_form(&app, &ada, json!({"issue": "demo-1", "visibility": "jira-developers"})).await;
    assert_eq!(done, json!({}));
    assert_eq!(jira.comment_groups("DEMO-1").last().cloned().flatten().as_deref(), Some("jira-developers"));
    // A submission names no team: the link still carries the message's team.
    let from_form = jira.comments("DEMO-1").pop().unwrap();
    assert!(from_form.contains(&format!("[message|{link}]")), "{from_form}");

    // Creating: the command opens the form; a project whose create screen needs more than the
    // form asks is sent to Jira's own form; another one gets its issue.
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    jira.add_project("HARD", "Hard", &[("10002", "Task")], &[("customfield_7", "Team")]);
    app.mm.set_trigger_life_ms(0);
    let late = jira_command(&app, &ada, "/jira create The login page is blank").await.text();
    assert_eq!(late, "This took too long to open. Run the command again.");
    app.mm.set_trigger_life_ms(30_000);
    let opened = jira_command(&app, &ada, "/jira create The login page is blank").await;
    assert_eq!(opened.text(), "");
    let form = app.mm.opened_dialogs().pop().expect("the create form opened");
    assert_eq!(form["dialog"]["title"], "Create Jira issue");
    assert_eq!(form["dialog"]["elements"][1]["default"], "The login page is blank");
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let submit = |choice: &str| json!({"project_type": choice, "summary": "The login page is blank", "description": "Since *today*"});
    let (_, manual) = app.mm.submit_dialog(url, &ada, &app.channel_id, state, submit("HARD/10002"), false).await;
    let manual = manual["errors"]["project_type"].as_str().unwrap().to_string();
    assert!(manual.starts_with("[Please create your Jira issue manually]("), "{manual}");
    assert!(manual.contains("/secure/CreateIssueDetails!init.jspa?pid=10001&issuetype=10002&"), "{manual}");
    assert!(manual.ends_with("**required fields** this plugin does not yet support:\n- Team"), "{manual}");
    let (_, created) = app.mm.submit_dialog(url, &ada, &app.channel_id, state, submit("DEMO/10001"), false).await;
    assert_eq!(created, json!({}), "the form closes");
    let told = app.mm.posts(&app.channel_id).pop().unwrap();
    assert_eq!(told.root_id, "", "no message: at the top level");
    let told = told.message;
    assert!(told.starts_with("@ada created a Jira issue: [DEMO-"), "{told}");
    assert!(told.contains(": The login page is blank (To Do)]("), "{told}");
    let late = app.mm.command_responses().pop().expect("the result went to the response URL");
    assert!(late["text"].as_str().unwrap().starts_with("Created Jira issue [DEMO-"), "{late}");
    let card = late["attachments"][0]["text"].as_str().unwrap_or_default();
    assert!(card.starts_with("[DEMO-") && card.contains("The login page is blank"), "with its card: {late}");
    let (_, again) = app.mm.submit_dialog(url, &ada, &app.channel_id, state, submit("DEMO/10001"), false).await;
    assert_eq!(again, json!({"error": "This action was already done."}), "one issue per form");

    // From a message: its first line and text fill the form, and the issue links back to it.
    assert_eq!(jira_command(&app, &ada, &format!("/jira create --post {link}")).await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["elements"][1]["default"], "The crash log says *null*");
    assert_eq!(form["dialog"]["elements"][2]["default"], "The crash log says *null*");
    let (url, state) = (form["url"].as_str().unwrap(), form["dialog"]["state"].as_str().unwrap());
    let values = json!({"project_type": "DEMO/10001", "summary": "Null in the log", "description": "See below."});
    assert_eq!(app.mm.submit_dialog(url, &ada, &app.channel_id, state, values, false).await.1, json!({}));
    let told = app.mm.posts(&app.channel_id).pop().unwrap();
    assert_eq!(told.root_id, message, "the channel hears of it in the message's thread (SPEC §10.1)");
    let told = told.message;
    let key = told.split('[').nth(1).and_then(|rest| rest.split(':').next()).unwrap().to_string();
    let description = jira.issue_fields(&key)["description"].as_str().unwrap().to_string();
    assert_eq!(description, format!("See below.\n\n_Issue created from a [message in Mattermost|{link}]_."));

    jira.hide_issue_from("DEMO-1", ADA_PAT);
    let hidden = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert!(
        hidden.starts_with("we couldn't find the issue key, or you do not have the appropriate permissions"),
        "{hidden}"
    );
    jira.add_issue("DEMO-7", json!({"summary": "Payroll", "status": {"name": "To Do"}}));
    jira.hide_issue_with("DEMO-7", ADA_PAT, 403);
    let forbidden = jira_command(&app, &ada, "/jira view DEMO-7").await.text();
    assert!(forbidden.starts_with("you do not have the appropriate permissions to view the issue"), "{forbidden}");

    let settings = jira_command(&app, &ada, "/jira settings notifications reporter off").await.text();
    assert_eq!(settings, "Settings updated:\n* Reporter notifications off.");
    let listed = jira_command(&app, &ada, "/jira settings").await.text();
    assert!(listed.contains("\t- Notifications for reporter: off "), "{listed}");

    // The channel's subscriptions outlive the connection of the person who made them.
    let rule = json!({"channel_id": app.channel_id, "name": "Demo", "instance_id": jira.url,
        "filters": {"events": ["event_created"], "projects": ["DEMO"], "issue_types": ["1"]}});
    assert_eq!(app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap().status(), 201);
    let bye = jira_command(&app, &ada, "/jira disconnect").await.text();
    assert_eq!(bye, "You have successfully disconnected your Jira account (**Ada Lovelace**).");
    assert_eq!(app.state.store.subscriptions().unwrap().len(), 1, "subscriptions are kept (SPEC §8.5)");
    let after = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert_eq!(after, jirabridge::commands::run::NOT_CONNECTED);
    let none = jira_command(&app, &ada, "/jira disconnect").await.text();
    assert_eq!(none, "Your account is not connected to Jira. Please use `/jira connect` to connect your account.");
    app.shutdown().await;
}

/// Push-only (issue 17 point 9): with a connected user, every command, a webhook, a click
/// and a token form reach Jira never; commands that need Jira answer the push-only sentence
/// and the others answer as usual.
#[tokio::test]
async fn in_push_only_mode_nothing_reaches_jira() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    let app = app_for((&jira.url, "server"), |c| {
        c.jira.user_auth_methods = vec![UserAuthMethod::Pat];
        c.jira.push_only = true;
    })
    .await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    let connection = jirabridge::store::Connection {
        instance_id: jira.url.clone(),
        mm_user_id: ada.clone(),
        jira: jirabridge::store::JiraUser { name: "ada".into(), display_name: "Ada".into(), ..Default::default() },
        auth: jirabridge::store::ConnectionAuth::Pat { token: ADA_PAT.into() },
        settings: jirabridge::store::NotificationSettings::all_on(),
        saved_project_key: None,
        saved_issue_type: None,
        connected_at_ms: 1,
    };
    app.state.store.put_connection(&connection, &app.state.master_key).unwrap();

    let push_only = jirabridge::commands::run::PUSH_ONLY;
    for line in [
        "/jira connect",
        "/jira disconnect",
        "/jira settings",
        "/jira instance default x",
        "/jira view DEMO-1",
        "/jira transition DEMO-1 done",
        "/jira assign DEMO-1 bob",
        "/jira unassign DEMO-1",
        "/jira create A bug",
        "/jira attach DEMO-1",
        "/jira subscribe",
        "/jira install server https://jira.example.com",
    ] {
        assert_eq!(jira_command(&app, &ada, line).await.text(), push_only, "{line}");
    }
    let v2 = format!("/jira instance v2 {}", jira.url);
    for (line, starts) in [
        ("/jira help", "###### jirabridge - Slash Command Help"),
        ("/jira about", "jirabridge "),
        ("/jira stats", ""),
        ("/jira webhook", "To set up webhook"),
        ("/jira me", "Mattermost site URL"),
        ("/jira setup", "###### Setting up jirabridge"),
        ("/jira instance list", "|1|n/a|"),
        ("/jira instance alias nowhere y", "Failed to identify Jira instance nowhere."),
        ("/jira instance unalias y", ""),
        (v2.as_str(), "is set as the default Jira instance"),
        ("/jira v2revert", "no v2 data model"),
        ("/jira subscribe list", "There are currently no channels subcriptions"),
    ] {
        let reply = jira_command(&app, &ada, line).await.text();
        assert!(reply != push_only && reply.contains(starts), "{line}: {reply}");
    }
    let key = &app.state.signing_key;
    for op in ["transition", "usetoken", "connecttoken"] {
        let state = jirabridge::commands::signed::SignedState {
            op: op.into(),
            uid: Some(ada.clone()),
            cid: app.channel_id.clone(),
            iid: Some(jira.url.clone()),
            key: Some("DEMO-1".into()),
            exp: jirabridge::utc::now_ms() / 1000 + 600,
            rurl: None,
            n: Some(format!("nonce-{op}")),
            data: Default::default(),
        };
        let token = key.sign(&state);
        let action = format!("{}/mattermost/action", app.address);
        let (_, clicked) =
            app.mm.click(&action, &ada, &app.channel_id, json!({"t": token, "selected_option": "11"})).await;
        assert_eq!(clicked["ephemeral_text"], push_only, "{op}");
        let dialog = format!("{}/mattermost/dialog", app.address);
        let (_, submitted) =
            app.mm.submit_dialog(&dialog, &ada, &app.channel_id, &token, json!({"token": ADA_PAT}), false).await;
        assert_eq!(submitted, json!({"error": push_only}), "{op}");
    }
    // The connect paths answer a 400 page with the same sentence (decided in issue 17).
    let encoded = jirabridge::jira::instance::encode_id(&jira.url);
    for path in [
        "user/connect?t=anything",
        "oauth1/complete.html?oauth_token=t&oauth_verifier=v",
        "oauth2/complete.html?code=c&state=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",
    ] {
        let page = app.get(&format!("/plugins/jira/instance/{encoded}/{path}")).await;
        assert_eq!(page.status(), StatusCode::BAD_REQUEST, "{path}");
        assert_eq!(page.text().await.unwrap(), push_only, "{path}");
    }
    let body = include_str!("fixtures/server-issue-created-wiki-markup.json");
    let response =
        app.post(&format!("{}/api/v2/webhook?secret={}", app.address, crate::support::app::SECRET), body).await;
    assert_eq!(response.status(), StatusCode::OK);
    app.deliver().await;
    let removed = jira_command(&app, &ada, &format!("/jira uninstall server {}", jira.url)).await.text();
    assert!(removed.starts_with("Jira instance successfully uninstalled."), "removing is local: {removed}");
    assert!(jira.requests().is_empty(), "Jira was asked: {:?}", jira.requests());
    app.shutdown().await;
}

/// With several instances and no default among those left, one form picks the instance and
/// takes the token; with several connections, `/jira disconnect` asks which (SPEC §8.1, §8.5).
#[tokio::test]
async fn pickers_choose_the_instance_to_connect_and_the_connection_to_end() {
    let (first, second, third) = (FakeJira::start().await, FakeJira::start().await, FakeJira::start().await);
    for jira in [&first, &second, &third] {
        jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    }
    // Tokens only: with OAuth allowed, the picker is a list of connect links instead.
    let app = app_with_methods(&first, vec![UserAuthMethod::Pat]).await;
    for jira in [&second, &third] {
        let request = json!({"url": jira.url, "type": "server"});
        app.api(Method::POST, "/instances?skip_check=true").json(&request).send().await.unwrap();
    }
    let ada = app.mm.add_user("ada", "system_user");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}), "the default instance first");

    assert_eq!(jira_command(&app, &ada, "/jira connect").await.text(), "", "a form opened instead");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["title"], "Connect to Jira");
    let offered: Vec<&str> = form["dialog"]["elements"][0]["options"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["value"].as_str().unwrap())
        .collect();
    let mut expected = [second.url.as_str(), third.url.as_str()];
    expected.sort_unstable();
    assert_eq!(offered, expected, "only the instances not connected yet, by id");
    let values = json!({"instance": second.url, "token": ADA_PAT});
    assert_eq!(submit_last_form(&app, &ada, values).await, json!({}));
    let ops = &*app.state.jira_ops;
    assert!(jirabridge::commands::jira_ops::JiraOps::is_connected(ops, &ada, Some(&second.url)));

    assert_eq!(jira_command(&app, &ada, "/jira disconnect").await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["title"], "Disconnect Jira");
    assert_eq!(submit_last_form(&app, &ada, json!({"instance": first.url})).await, json!({}));
    let told = app.mm.command_responses().pop().unwrap();
    assert_eq!(told["text"], "You have successfully disconnected your Jira account (**Ada Lovelace**).");
    assert!(!jirabridge::commands::jira_ops::JiraOps::is_connected(ops, &ada, Some(&first.url)));
    assert!(jirabridge::commands::jira_ops::JiraOps::is_connected(ops, &ada, Some(&second.url)));
    // A connection made with no default becomes it; when its instance is uninstalled, two
    // others are left and none chosen: the command says how to choose (SPEC §7.3), and then
    // uses the choice.
    for jira in [&third, &first] {
        let line = format!("/jira connect {}", jira.url);
        assert_eq!(connect_with(&app, &ada, ADA_PAT, &line).await, json!({}));
    }
    let encoded = jirabridge::jira::instance::encode_id(&third.url);
    let removed = app.api(Method::DELETE, &format!("/instances/{encoded}")).send().await.unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    let undecided = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert_eq!(undecided, "default jira instance not found, please run `/jira instance default <jiraURL>` to set one");
    jira_command(&app, &ada, &format!("/jira instance default {}", second.url)).await;
    second.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    let viewed = jira_command(&app, &ada, "/jira view DEMO-1").await;
    assert!(format!("{viewed:?}").contains("Crash on start"), "{viewed:?}");
    app.shutdown().await;
}

/// Jira Cloud: an API token with the account's email connects, `/jira me` shows the account
/// id, and create reads Cloud's project search and createmeta `fields[]`.
#[tokio::test]
async fn a_cloud_user_connects_with_an_api_token_and_creates_an_issue() {
    let jira = FakeJira::start_cloud().await;
    jira.add_api_token_user("ada@example.com", "cloud-token", "557058:ada", "Ada Lovelace");
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    jira.add_project("HARD", "Hard", &[("10002", "Task")], &[("customfield_7", "Team")]);
    // Cloud is told apart by its host: a test-only name for the fake (feature fault-injection).
    let host = "connected-test.atlassian.net";
    jirabridge::jira::client::test_hosts::resolve(host, "127.0.0.1:0".parse().unwrap());
    let base = format!("http://{host}:{}", jira.url.rsplit(':').next().unwrap());
    let app = app_for((&base, "cloud"), |c| c.jira.user_auth_methods = vec![UserAuthMethod::ApiToken]).await;
    let ada = app.mm.add_user("ada", "system_user");

    let reply = jira_command(&app, &ada, "/jira connect").await;
    let action = &reply.body["attachments"][0]["actions"][0];
    assert_eq!(action["name"], "Use an API token", "{}", reply.body);
    let url = action["integration"]["url"].as_str().unwrap().to_string();
    app.mm.click(&url, &ada, &app.channel_id, action["integration"]["context"].clone()).await;
    let form = app.mm.opened_dialogs().pop().unwrap();
    let names: Vec<&str> =
        form["dialog"]["elements"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["email", "token"]);
    let no_email = submit_last_form(&app, &ada, json!({"token": "cloud-token"})).await;
    assert!(no_email["errors"]["email"].is_string(), "{no_email}");
    let values = json!({"email": "ada@example.com", "token": "cloud-token"});
    assert_eq!(submit_last_form(&app, &ada, values).await, json!({}));
    let me = jira_command(&app, &ada, "/jira me").await.text();
    assert!(me.contains("Cloud, connected as **Ada Lovelace** (AccountID: `557058:ada`)"), "{me}");

    assert_eq!(jira_command(&app, &ada, "/jira create Broken login").await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let options = form["dialog"]["elements"][0]["options"].as_array().unwrap().len();
    assert_eq!(options, 2, "both projects from Cloud's project search");
    let hard = submit_last_form(&app, &ada, json!({"project_type": "HARD/10002", "summary": "Broken login"})).await;
    assert!(hard["errors"]["project_type"].as_str().unwrap().ends_with("- Team"), "Cloud's fields[] read: {hard}");
    let created = submit_last_form(&app, &ada, json!({"project_type": "DEMO/10001", "summary": "Broken login"})).await;
    assert_eq!(created, json!({}));
    // The next form starts at the project and type just used, and lists the projects from
    // memory (read again after ten minutes).
    assert_eq!(jira_command(&app, &ada, "/jira create Another one").await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    assert_eq!(form["dialog"]["elements"][0]["default"], "DEMO/10001", "{form}");
    let me = jira_command(&app, &ada, "/jira me").await.text();
    assert!(me.contains("Default project: `DEMO`"), "{me}");
    let searches = jira.requests().iter().filter(|r| r.contains("/rest/api/3/project/search")).count();
    assert_eq!(searches, 1);
    // Past the response URL's 30 minutes, the result still reaches Ada alone, as an
    // ephemeral post (the bot may make them).
    app.mm.make_bot_system_admin();
    app.mm.set_clock_offset_ms(31 * 60_000);
    let late = submit_last_form(&app, &ada, json!({"project_type": "DEMO/10001", "summary": "Another one"})).await;
    assert_eq!(late, json!({}));
    let told = app.mm.ephemerals(&ada);
    assert!(told.iter().any(|t| t.starts_with("Created Jira issue [")), "{told:?}");
    // Jira Cloud asks to slow down: a long Retry-After is reported, not waited out.
    jira.add_issue("DEMO-1", json!({"summary": "Broken login", "status": {"name": "To Do"}}));
    jira.rate_limit_next(1, 30);
    let busy = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert_eq!(busy, "Jira is busy; try again in 30 seconds.");
    jira.rate_limit_next(1, 1);
    let waited = jira_command(&app, &ada, "/jira view DEMO-1").await;
    assert!(waited.body.to_string().contains("DEMO-1: Broken login"), "a short one is waited out: {}", waited.body);
    // Cloud people have no user name and often no visible email: a list of matches shows
    // what Jira gave, with no empty slots.
    jira.add_api_token_user("", "bob-1", "557058:bob1", "Bob One");
    jira.add_api_token_user("", "bob-2", "557058:bob2", "Bob Two");
    let several = jira_command(&app, &ada, "/jira assign DEMO-1 bob").await.text();
    assert!(several.starts_with("`bob` matches 2 or more users.  Please specify a unique assignee.\n"), "{several}");
    assert!(several.contains("\n* Bob One") && several.contains("\n* Bob Two"), "{several}");
    assert!(!several.contains("(, )"), "{several}");
    app.shutdown().await;
}

/// A Jira older than 8.4 (its version read at install) has only the old createmeta; a Jira
/// whose version is unknown and whose new createmeta answers 404 gets the old one too
/// (SPEC §12.2). Both still find the required field that makes create send people to Jira.
#[tokio::test]
async fn an_old_jira_shows_its_create_screen_through_the_old_createmeta() {
    let jira = FakeJira::start().await;
    jira.set_version("8.3.2");
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_project("HARD", "Hard", &[("10002", "Task")], &[("customfield_7", "Team")]);
    let app = app_with_methods(&jira, vec![UserAuthMethod::Pat]).await;
    let ada = app.mm.add_user("ada", "system_user");
    let create_hard = || async {
        assert_eq!(jira_command(&app, &ada, "/jira create Broken login").await.text(), "");
        let hard = submit_last_form(&app, &ada, json!({"project_type": "HARD/10002", "summary": "Broken login"})).await;
        assert!(hard["errors"]["project_type"].as_str().is_some_and(|e| e.ends_with("- Team")), "{hard}");
        let asked: Vec<String> = jira.requests().into_iter().filter(|r| r.contains("createmeta")).collect();
        assert!(asked.last().unwrap().contains("/rest/api/2/issue/createmeta?projectKeys=HARD"), "{asked:?}");
        asked.len()
    };

    // Added without the check: the version is unknown, the new call answers 404.
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    assert_eq!(create_hard().await, 2, "the new call, then the old one");

    // Added again with the check: serverInfo says 8.3, so the old call comes first.
    let encoded = jirabridge::jira::instance::encode_id(&jira.url);
    app.api(Method::DELETE, &format!("/instances/{encoded}")).send().await.unwrap();
    let checked = json!({"url": jira.url, "type": "server"});
    let added = app.api(Method::POST, "/instances").json(&checked).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED, "{}", added.text().await.unwrap());
    let shown: Value = app.api(Method::GET, "/instances").send().await.unwrap().json().await.unwrap();
    assert_eq!(shown[0]["jira_server_version"], "8.3.0", "read from serverInfo at install");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}), "removing the instance ended the connection");
    assert_eq!(create_hard().await, 3, "straight to the old call");
    app.shutdown().await;
}

/// A project whose create screen requires fields the first form does not ask for: the form
/// closes, an ephemeral offers "Fill in 2 more fields", and the second form, built from the
/// screen's types, creates the issue with them (SPEC §10.1).
#[tokio::test]
async fn required_fields_are_asked_for_in_a_second_form() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_project("TEAM", "Team", &[("10003", "Incident")], &[]);
    jira.add_create_field(
        "TEAM",
        json!({"fieldId": "customfield_10", "name": "Severity", "required": true,
        "schema": {"type": "option", "custom": "com.atlassian.jira.plugin.system.customfieldtypes:select"},
        "allowedValues": [{"id": "1", "value": "Sev 1"}, {"id": "2", "value": "Sev 2"}]}),
    );
    jira.add_create_field(
        "TEAM",
        json!({"fieldId": "customfield_11", "name": "Story points", "required": true,
        "schema": {"type": "number"}}),
    );
    jira.add_create_field(
        "TEAM",
        json!({"fieldId": "labels", "name": "Labels", "required": false,
        "schema": {"type": "array", "items": "string", "system": "labels"}}),
    );
    let app = app_with_methods(&jira, vec![UserAuthMethod::Pat]).await;
    let ada = app.mm.add_user("ada", "system_user");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));

    assert_eq!(jira_command(&app, &ada, "/jira create Checkout is down").await.text(), "");
    let first = json!({"project_type": "TEAM/10003", "summary": "Checkout is down", "more": true});
    assert_eq!(submit_last_form(&app, &ada, first).await, json!({}), "the first form closes");
    let offer = app.mm.command_responses().pop().expect("the offer went to the response URL");
    let button = &offer["attachments"][0]["actions"][0];
    assert_eq!(button["name"], "Fill in 3 more fields", "two required, and labels because more was ticked");
    let url = button["integration"]["url"].as_str().unwrap().to_string();
    app.mm.click(&url, &ada, &app.channel_id, button["integration"]["context"].clone()).await;
    let form = app.mm.opened_dialogs().pop().expect("the second form opened");
    let kinds: Vec<(&str, &str)> = form["dialog"]["elements"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap(), e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(kinds, [("customfield_10", "select"), ("customfield_11", "text"), ("labels", "text")]);

    let wrong = submit_last_form(&app, &ada, json!({"customfield_10": "2", "customfield_11": "many"})).await;
    assert_eq!(wrong["errors"]["customfield_11"], "Enter a number.", "{wrong}");
    let values = json!({"customfield_10": "2", "customfield_11": "3", "labels": "checkout, night shift"});
    assert_eq!(submit_last_form(&app, &ada, values).await, json!({}));
    let created = jira.created_fields("TEAM");
    assert_eq!(created["customfield_10"], json!({"id": "2"}));
    assert_eq!(created["customfield_11"], json!(3.0));
    assert_eq!(created["labels"], json!(["checkout", "night_shift"]));
    assert_eq!(created["summary"], "Checkout is down");
    let told = app.mm.command_responses().pop().unwrap();
    assert!(told["text"].as_str().unwrap().starts_with("Created Jira issue [TEAM-"), "{told}");
    app.shutdown().await;
}

/// A message's files go to the issue with the user's credentials (SPEC §10.1, §10.2): attach
/// points the comment at them, create uploads them to the new issue, and a file over
/// `jira.max_attachment_size` is told in a DM instead.
#[tokio::test]
async fn a_messages_files_are_carried_to_the_issue() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start", "status": {"name": "To Do"}}));
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    let app = app_for((&jira.url, "server"), |c| {
        c.jira.user_auth_methods = vec![UserAuthMethod::Pat];
        c.jira.max_attachment_size = "1KiB".into();
    })
    .await;
    let ada = app.mm.add_user("ada", "system_user");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let files = [
        ("crash.png", "image/png", vec![137u8; 200]),
        ("app.log", "text/plain", b"boom".to_vec()),
        ("huge.log", "text/plain", vec![b'x'; 4096]),
    ];
    let message = app.mm.add_user_post_with_files(&app.channel_id, &ada, "Crash report attached", &files);

    let attached = jira_command(&app, &ada, &format!("/jira attach DEMO-1 --post {message}")).await.text();
    assert!(attached.starts_with("Message attached to"), "{attached}");
    assert_eq!(jira.attachments("DEMO-1"), ["crash.png", "app.log"]);
    let comment = jira.comments("DEMO-1").pop().unwrap();
    assert!(
        comment.ends_with("Crash report attached\n\nAttachment: !crash.png!\n\nAttachment: [^app.log]"),
        "{comment}"
    );
    let dms: Vec<String> = app.mm.direct_messages(&ada).into_iter().map(|p| p.message).collect();
    let failed = dms.iter().find(|m| {
        m.starts_with("Failed to attach to issue: DEMO-1, file: huge.log. Please notify your system administrator.\n")
    });
    assert!(failed.is_some_and(|m| m.contains("jira.max_attachment_size allows 1KiB")), "{dms:?}");

    assert_eq!(jira_command(&app, &ada, &format!("/jira create --post {message}")).await.text(), "");
    let created = submit_last_form(&app, &ada, json!({"project_type": "DEMO/10001", "summary": "Crash report"})).await;
    assert_eq!(created, json!({}));
    let key = jira.created_fields("DEMO");
    assert_eq!(key["summary"], "Crash report");
    let new_issue = app.mm.command_responses().pop().unwrap()["text"]
        .as_str()
        .unwrap()
        .split(['[', ']'])
        .nth(1)
        .unwrap()
        .to_string();
    assert_eq!(jira.attachments(&new_issue), ["crash.png", "app.log"], "{new_issue}");
    app.shutdown().await;
}

/// More than 500 project-and-type choices do not fit one menu (SPEC §10.1): the form asks for
/// the project key and the issue type as text, and checks them against the user's projects.
#[tokio::test]
async fn too_many_choices_become_a_typed_project_and_issue_type() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    let types: Vec<(String, String)> = (1..=501).map(|n| (n.to_string(), format!("Type {n}"))).collect();
    let types: Vec<(&str, &str)> = types.iter().map(|(id, name)| (id.as_str(), name.as_str())).collect();
    jira.add_project("BIG", "Big", &types, &[]);
    jira.add_project("HARD", "Hard", &[("10002", "Task")], &[("customfield_7", "Team")]);
    let app = app_with_methods(&jira, vec![UserAuthMethod::Pat]).await;
    let ada = app.mm.add_user("ada", "system_user");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));

    assert_eq!(jira_command(&app, &ada, "/jira create Slow search").await.text(), "");
    let form = app.mm.opened_dialogs().pop().unwrap();
    let names: Vec<&str> =
        form["dialog"]["elements"].as_array().unwrap().iter().map(|e| e["name"].as_str().unwrap()).collect();
    assert_eq!(names[..2], ["project", "issue_type"]);
    let unknown =
        submit_last_form(&app, &ada, json!({"project": "NOPE", "issue_type": "Type 7", "summary": "Slow search"}))
            .await;
    assert!(unknown["errors"]["project"].is_string(), "{unknown}");
    let wrong_type =
        submit_last_form(&app, &ada, json!({"project": "big", "issue_type": "Epic", "summary": "Slow search"})).await;
    assert!(
        wrong_type["errors"]["issue_type"].as_str().unwrap().starts_with("BIG has these issue types: Type 1, Type 2"),
        "{wrong_type}"
    );
    // A required field the form cannot ask for is named under the typed project: an error
    // under an element the form lacks would close it with no word.
    let hard =
        submit_last_form(&app, &ada, json!({"project": "hard", "issue_type": "Task", "summary": "Slow search"})).await;
    assert!(hard["errors"]["project"].as_str().is_some_and(|e| e.ends_with("- Team")), "{hard}");
    let done =
        submit_last_form(&app, &ada, json!({"project": "big", "issue_type": "type 7", "summary": "Slow search"})).await;
    assert_eq!(done, json!({}));
    assert_eq!(jira.created_fields("BIG")["issuetype"]["id"], "7");
    app.shutdown().await;
}

/// SPEC §10.1, §11: the form's defaults are cut to Mattermost's limits, which count bytes: a
/// message in Cyrillic (two bytes a letter) still opens the form, its summary cut between
/// letters.
#[tokio::test]
async fn a_message_in_any_script_opens_the_create_form() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    let app = app_with_methods(&jira, vec![UserAuthMethod::Pat]).await;
    let ada = app.mm.add_user("ada", "system_user");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let words = "Страница входа не открывается ".repeat(6);
    assert_eq!(jira_command(&app, &ada, &format!("/jira create {words}")).await.text(), "");
    let form = app.mm.opened_dialogs().pop().expect("the form opened");
    let summary = form["dialog"]["elements"].as_array().unwrap().iter().find(|e| e["name"] == "summary").unwrap();
    let shown = summary["default"].as_str().unwrap();
    assert!(shown.len() <= 150 && shown.len() >= 148, "{} bytes", shown.len());
    assert!(words.starts_with(shown), "{shown}");
    app.shutdown().await;
}

/// `/jira subscribe list` (SPEC §6.8): every channel's subscriptions for a connected system
/// admin, by team, channel, instance and name; words after it are refused.
#[tokio::test]
async fn subscribe_list_shows_every_channels_subscriptions() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    let app = app_with_methods(&jira, vec![UserAuthMethod::Pat]).await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    assert!(jira_command(&app, &ada, "/jira subscribe list")
        .await
        .text()
        .starts_with("There are currently no channels subcriptions"));
    for (name, project) in [("web", "WEB"), ("ops bugs", "OPS")] {
        let rule = json!({"channel_id": app.channel_id, "name": name, "instance_id": jira.url,
            "filters": {"events": ["event_created"], "projects": [project], "issue_types": ["1"], "fields": []}});
        let created = app.api(Method::POST, "/subscriptions").json(&rule).send().await.unwrap();
        assert_eq!(created.status(), StatusCode::CREATED, "{}", created.text().await.unwrap());
    }
    let listed = jira_command(&app, &ada, "/jira subscribe list").await.text();
    let expected = format!(
        "The following channels have subscribed to Jira notifications. To modify a subscription, navigate to the channel and type `/jira subscribe edit`\n#### eng\n* **~jira-feed** (2):\n\t* (2) {}\n\t\t* OPS - ops bugs\n\t\t* WEB - web",
        jira.url
    );
    assert_eq!(listed, expected);
    assert_eq!(jira_command(&app, &ada, "/jira subscribe list now").await.text(), "No arguments were expected.");
    app.shutdown().await;
}

/// The usage sentences and the default instance rows of SPEC §9.3, word for word.
#[tokio::test]
async fn usage_sentences_and_the_default_instance_read_as_the_plugin_wrote_them() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user system_admin");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    for (line, expected) in [
        ("/jira view", "Please specify an issue key in the form `/jira view <issue-key>`.".to_string()),
        ("/jira assign", "Please specify an issue key and an assignee search string, in the form `/jira assign <issue-key> <assignee>`.".into()),
        ("/jira unassign", "Please specify an issue key in the form `/jira unassign <issue-key>`.".into()),
        ("/jira instance default", "Please specify the Jira instance URL".into()),
        (
            &format!("/jira instance default {}", jira.url),
            format!("You have successfully set a default instance for your Jira account (**{}**).", jira.url),
        ),
        ("/jira instance unalias", "Please specify an alias".into()),
        ("/jira instance alias", "Please specify both an instance and alias".into()),
    ] {
        assert_eq!(jira_command(&app, &ada, line).await.text(), expected, "{line}");
    }
    let unknown = jira_command(&app, &ada, "/jira instance default https://nope.example.com").await.text();
    assert!(unknown.starts_with("Could not complete the **default instance** request. Error: "), "{unknown}");
    let marked = jira_command(&app, &ada, &format!("/jira instance v2 {}", jira.url)).await.text();
    assert_eq!(marked, format!("{} is set as the default Jira instance", jira.url));
    let list = jira_command(&app, &ada, "/jira instance list").await.text();
    assert!(list.contains(" (v2 legacy)"), "{list}");

    // A token Jira stopped taking: the command says to connect again; the connection stays.
    jira.add_issue("DEMO-1", json!({"summary": "Crash on start"}));
    let quiet = jira_command(&app, &ada, "/jira settings notifications reporter off").await.text();
    assert!(quiet.starts_with("Settings updated"), "{quiet}");
    jira.revoke_pat(ADA_PAT);
    let refused = jira_command(&app, &ada, "/jira view DEMO-1").await.text();
    assert_eq!(refused, "Jira rejected your credentials; run `/jira connect` again.");
    assert!(jirabridge::commands::jira_ops::JiraOps::is_connected(&*app.state.jira_ops, &ada, None));
    // …and connecting again, as told, replaces it (a working one is "already connected").
    jira.add_pat_user("ada-new-token", "ada", "Ada Lovelace");
    assert_eq!(connect(&app, &ada, "ada-new-token").await, json!({}));
    let viewed = jira_command(&app, &ada, "/jira view DEMO-1").await;
    assert!(viewed.body["attachments"][0]["text"].as_str().is_some_and(|t| t.contains("DEMO-1")), "{}", viewed.body);
    let kept = jira_command(&app, &ada, "/jira settings").await.text();
    assert!(kept.contains("Notifications for reporter: off"), "the replaced connection's settings stay: {kept}");
    let again = jira_command(&app, &ada, "/jira connect").await.text();
    assert!(again.starts_with("You already have connected all available Jira accounts"), "{again}");
    app.shutdown().await;
}
