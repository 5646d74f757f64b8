//! `/jira create` run in a thread (SPEC §10.1): the thread's root is the source
//! message. Where the bot may not read it (a private channel it is not in, a direct message),
//! the form still opens, without that message, instead of refusing to create anything; a
//! message named with `--post` must still be readable.

use serde_json::json;

use crate::connected::{app_with_server, connect, jira_command, ADA_PAT, COMMAND_TOKEN};
use crate::support::fake_jira::FakeJira;

#[tokio::test]
async fn create_in_a_thread_the_bot_cannot_read_opens_the_form_without_its_message() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    jira.add_project("DEMO", "Demo", &[("10001", "Bug")], &[]);
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");
    app.mm.add_member(&app.channel_id, &ada);
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let private = app.mm.add_private_channel(&app.team_id, "night-ops", false);
    app.mm.add_member(&private, &ada);
    let root = app.mm.add_user_post(&private, &ada, "The night batch failed");

    let in_thread = app.slash_in(&private, &root, (&ada, COMMAND_TOKEN, "/jira create")).await;
    assert_eq!(in_thread.text(), "", "the form opens");
    let form = app.mm.opened_dialogs().pop().expect("the create form opened");
    assert!(form["dialog"]["elements"][1]["default"].as_str().unwrap_or_default().is_empty(), "no message: {form}");

    let named = jira_command(&app, &ada, &format!("/jira create --post {root}")).await.text();
    assert!(named.contains("cannot read this message"), "a named message is still required: {named}");

    app.mm.set_bot_member(&private, true);
    let readable = app.slash_in(&private, &root, (&ada, COMMAND_TOKEN, "/jira create")).await;
    assert_eq!(readable.text(), "");
    let form = app.mm.opened_dialogs().pop().expect("the create form opened");
    assert_eq!(form["dialog"]["elements"][1]["default"], "The night batch failed", "from the thread's root");
    app.shutdown().await;
}
