//! Credentials at rest (issue 17 point 3, SPEC §8.2): a user's token, a Cloud OAuth client
//! secret and jirabridge's RSA private key are nowhere in the raw database files; only
//! their sealed forms are.

use base64::Engine;
use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::connected::{app_with_server, connect, ADA_PAT};
use crate::support::fake_jira::FakeJira;

const CLIENT_SECRET: &str = "cloud-oauth-client-secret-0123456789";

#[tokio::test]
async fn no_credential_is_readable_in_the_raw_database_files() {
    let jira = FakeJira::start().await;
    jira.add_pat_user(ADA_PAT, "ada", "Ada Lovelace");
    let app = app_with_server(&jira).await;
    let ada = app.mm.add_user("ada", "system_user");
    assert_eq!(connect(&app, &ada, ADA_PAT).await, json!({}));
    let cloud = json!({"url": "https://acme.atlassian.net", "type": "cloud", "alias": "acme"});
    let added = app.api(Method::POST, "/instances?skip_check=true").json(&cloud).send().await.unwrap();
    assert_eq!(added.status(), StatusCode::CREATED);
    let client = json!({"oauth2_client_id": "client-id-1", "oauth2_client_secret": CLIENT_SECRET});
    let patched = app.api(Method::PATCH, "/instances/acme").json(&client).send().await.unwrap();
    assert_eq!(patched.status(), StatusCode::OK, "{}", patched.text().await.unwrap());
    let rsa = jirabridge::instances::oauth::rsa_key(&app.state.store, &app.state.master_key).unwrap();
    let pem = rsa.to_pem().unwrap();
    // A line of the PEM body: long enough to be unique, in the form it would be stored.
    let pem_line = pem.lines().nth(3).unwrap().to_string();
    let der =
        base64::engine::general_purpose::STANDARD.decode(pem.lines().skip(1).take(3).collect::<String>()).unwrap();

    let data = app.stop_keeping_data().await;
    let contents = crate::support::commands::every_file_under(data.path());
    let found = |needle: &[u8]| contents.iter().any(|bytes| bytes.windows(needle.len()).any(|w| w == needle));
    assert!(found(b"instance_auth:"), "the sealed records are there, by name");
    assert!(!found(ADA_PAT.as_bytes()), "the personal access token is not");
    assert!(!found(CLIENT_SECRET.as_bytes()), "the OAuth client secret is not");
    assert!(!found(pem_line.as_bytes()), "the RSA private key is not, as PEM");
    assert!(!found(&der[16..48]), "nor as DER");
}
