//! A Jira Cloud grant Atlassian revoked, found out by `/jira connect` itself: the command
//! offers to connect again (the refresh it tried ended the connection) instead of calling
//! the account already linked.

use crate::oauth_connect::{cloud_app, command, connect_cloud};
use crate::support::fake_jira::FakeJira;

#[tokio::test]
async fn connect_after_a_revoked_grant_offers_to_connect_again() {
    let jira = FakeJira::start_cloud().await;
    // Tokens that live 30 s are always within the refresh minute: every use refreshes.
    jira.set_access_token_lifetime(30);
    let (app, site) = cloud_app(&jira, "oauth2-reconnect.atlassian.net").await;
    let ada = app.mm.add_user("ada", "system_user");
    connect_cloud(&app, &jira, &site, &ada).await;
    let linked = command(&app, &ada, "/jira connect").await;
    assert!(linked.starts_with("You already have connected all available Jira accounts"), "{linked}");

    jira.revoke_oauth2_grants();
    let again = command(&app, &ada, "/jira connect").await;
    assert!(again.contains("Click here to link your Jira account"), "{again}");
    app.shutdown().await;
}
