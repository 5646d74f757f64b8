//! What connected mode adds to a store, one of each: a Cloud instance with its OAuth 2.0
//! client, the Server instance's OAuth 1.0a consumer key and jirabridge's RSA key (sealed
//! secrets), a connection with each kind of credential (sealed, with the reverse index), and
//! a registered `/jira` command (its token sealed). Filled on top of `sample_store`; the
//! `schema-6-connected` upgrade fixture was made from it.

use jirabridge::instances::oauth::{self, InstanceAuth};
use jirabridge::store::records::{InstanceRecordV1, InstanceType};
use jirabridge::store::{
    CommandRegistration, Connection, ConnectionAuth, JiraUser, MasterKey, NotificationSettings, Store,
};

use super::sample_store::INSTANCE;

pub const CLOUD: &str = "https://sample.atlassian.net";
const CLIENT_SECRET: &str = "sample-oauth2-client-secret";
const COMMAND_TOKEN: &str = "samplecommandtoken000000aa";

/// (Mattermost user, instance, credentials) of each sample connection.
fn connections() -> Vec<(&'static str, &'static str, ConnectionAuth)> {
    vec![
        ("mmuserpat", INSTANCE, ConnectionAuth::Pat { token: "sample-pat".into() }),
        ("mmuseroauth1", INSTANCE, ConnectionAuth::OAuth1 { token: "sample-token".into(), secret: "unused".into() }),
        (
            "mmuseroauth2",
            CLOUD,
            ConnectionAuth::OAuth2 {
                access_token: "sample-access".into(),
                refresh_token: "sample-refresh".into(),
                expires_at_ms: 1_700_000_600_000,
            },
        ),
        (
            "mmuserapitoken",
            CLOUD,
            ConnectionAuth::ApiToken { email: "ann@example.com".into(), token: "sample-api-token".into() },
        ),
    ]
}

fn jira_user(mm_user: &str, instance: &str) -> JiraUser {
    let cloud = instance == CLOUD;
    JiraUser {
        account_id: if cloud { format!("acct-{mm_user}") } else { String::new() },
        name: if cloud { String::new() } else { format!("jira-{mm_user}") },
        display_name: format!("Sample {mm_user}"),
        ..Default::default()
    }
}

pub fn fill(store: &Store, key: &MasterKey, now_ms: u64) {
    let cloud = InstanceRecordV1 {
        id: jirabridge::ids::InstanceId::parse(CLOUD).unwrap(),
        instance_type: InstanceType::Cloud,
        alias: Some("cloud".into()),
        is_default: false,
        is_v2_legacy: false,
        created_at_ms: now_ms,
    };
    store.put_instance(&cloud).unwrap();
    let server_auth = InstanceAuth {
        oauth1_consumer_key: Some("jirabridge_sample".into()),
        jira_server_version: Some("9.12.0".into()),
        ..Default::default()
    };
    oauth::save(store, key, INSTANCE, &server_auth).unwrap();
    let cloud_auth = InstanceAuth {
        oauth2_client_id: Some("sample-client".into()),
        oauth2_client_secret: Some(CLIENT_SECRET.into()),
        cloud_id: Some("sample-cloud-id".into()),
        ..Default::default()
    };
    oauth::save(store, key, CLOUD, &cloud_auth).unwrap();
    oauth::rsa_key(store, key).unwrap();
    for (mm_user, instance, auth) in connections() {
        let connection = Connection {
            instance_id: instance.into(),
            mm_user_id: mm_user.into(),
            jira: jira_user(mm_user, instance),
            auth,
            settings: NotificationSettings::all_on(),
            saved_project_key: Some("OPS".into()),
            saved_issue_type: Some("10001".into()),
            connected_at_ms: now_ms,
        };
        store.put_connection(&connection, key).unwrap();
    }
    let command = CommandRegistration {
        team_id: "sampleteam".into(),
        command_id: "samplecommand".into(),
        token: COMMAND_TOKEN.into(),
        registered_at_ms: now_ms,
    };
    store.put_command_registration(&command, key).unwrap();
}

/// Checks what `fill` stored, through the public getters and with the key.
pub fn assert_filled(store: &Store, key: &MasterKey) {
    assert_eq!(store.instance(CLOUD).unwrap().unwrap().instance_type, InstanceType::Cloud);
    let server = oauth::load(store, key, INSTANCE).unwrap();
    assert_eq!(server.oauth1_consumer_key.as_deref(), Some("jirabridge_sample"));
    let cloud = oauth::load(store, key, CLOUD).unwrap();
    assert_eq!(cloud.oauth2_client_secret.as_deref(), Some(CLIENT_SECRET));
    assert_eq!(cloud.cloud_id.as_deref(), Some("sample-cloud-id"));
    assert!(store.has_secret(oauth::RSA_KEY).unwrap(), "the RSA key is kept, not made again");
    let pem = oauth::rsa_key(store, key).unwrap().public_pem().unwrap();
    assert!(pem.starts_with("-----BEGIN PUBLIC KEY-----"));
    for (mm_user, instance, auth) in connections() {
        let connection = store.connection(instance, mm_user, key).unwrap().unwrap_or_else(|| panic!("{mm_user}"));
        assert_eq!(connection.auth, auth, "{mm_user}");
        assert_eq!(connection.jira, jira_user(mm_user, instance));
        assert_eq!(connection.saved_project_key.as_deref(), Some("OPS"));
        let reverse = connection.reverse_key().to_string();
        assert_eq!(store.mm_user_by_jira(instance, &reverse).unwrap().as_deref(), Some(mm_user));
    }
    let commands = store.command_registrations(key).unwrap();
    assert_eq!(commands.len(), 1);
    assert_eq!((commands[0].team_id.as_str(), commands[0].token.as_str()), ("sampleteam", COMMAND_TOKEN));
}
