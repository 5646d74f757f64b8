//! The calls a connected user's commands make (SPEC §12.2), each with the user's own
//! credentials: who they are (`myself`), an issue to show, its transitions, assignable
//! users and the assignee. Issue keys and ids become single path segments, so whatever a
//! user typed cannot reach another path.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};

pub use super::createmeta::{
    create_fields, create_issue, older_than, project, projects, CreateField, FieldSchema, IssueType, Project,
};

/// `<base>/rest/api/2/<segments…>`, each segment percent-encoded.
pub fn api_url(base: &str, segments: &[&str]) -> Result<String, JiraError> {
    let mut url = url::Url::parse(base).map_err(|e| JiraError::Refused(format!("{base} is not a URL: {e}")))?;
    url.path_segments_mut()
        .map_err(|()| JiraError::Refused(format!("{base} cannot take a path")))?
        .pop_if_empty()
        .extend(["rest", "api", "2"])
        .extend(segments);
    Ok(url.into())
}

/// A Jira user as REST answers one (Cloud gives `accountId`, Data Center `name` and `key`).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct JiraPerson {
    pub account_id: String,
    pub name: String,
    pub key: String,
    pub display_name: String,
    pub email_address: String,
    pub time_zone: String,
}

/// `GET /rest/api/2/myself`: who the credentials belong to.
pub async fn myself(client: &JiraClient, base: &str, auth: &JiraAuth) -> Result<JiraPerson, JiraError> {
    let answer = client.send_json(Method::GET, &api_url(base, &["myself"])?, &[], None, auth).await?;
    parse(answer)
}

/// An issue as `/jira view` and the transition replies show it (SPEC §10.5).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct IssueView {
    pub key: String,
    pub summary: String,
    pub status: String,
    pub description: String,
    pub assignee: String,
    pub priority: String,
    pub reporter: String,
}

/// `GET /rest/api/2/issue/{key}` with the fields the attachment shows.
pub async fn issue(client: &JiraClient, base: &str, key: &str, auth: &JiraAuth) -> Result<IssueView, JiraError> {
    let url = api_url(base, &["issue", key])?;
    let fields = "summary,status,description,assignee,priority,reporter";
    let answer: Value = parse(client.send_json(Method::GET, &url, &[("fields", fields)], None, auth).await?)?;
    let f = &answer["fields"];
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    Ok(IssueView {
        key: text(&answer["key"]),
        summary: text(&f["summary"]),
        status: text(&f["status"]["name"]),
        description: text(&f["description"]),
        assignee: text(&f["assignee"]["displayName"]),
        priority: text(&f["priority"]["name"]),
        reporter: text(&f["reporter"]["displayName"]),
    })
}

/// One transition an issue offers: its id and the status it leads to.
#[derive(Debug, Clone, PartialEq)]
pub struct Transition {
    pub id: String,
    pub name: String,
    pub to: String,
}

/// `GET /rest/api/2/issue/{key}/transitions`.
pub async fn transitions(
    client: &JiraClient,
    base: &str,
    key: &str,
    auth: &JiraAuth,
) -> Result<Vec<Transition>, JiraError> {
    let url = api_url(base, &["issue", key, "transitions"])?;
    let answer: Value = parse(client.send_json(Method::GET, &url, &[], None, auth).await?)?;
    let text = |v: &Value| v.as_str().unwrap_or_default().to_string();
    let all = answer["transitions"].as_array().cloned().unwrap_or_default();
    Ok(all
        .iter()
        .map(|t| Transition { id: text(&t["id"]), name: text(&t["name"]), to: text(&t["to"]["name"]) })
        .collect())
}

/// `POST /rest/api/2/issue/{key}/transitions` with the transition's id (204).
pub async fn transition(
    client: &JiraClient,
    base: &str,
    key: &str,
    transition_id: &str,
    auth: &JiraAuth,
) -> Result<(), JiraError> {
    let url = api_url(base, &["issue", key, "transitions"])?;
    let body = json!({"transition": {"id": transition_id}});
    client.send_json(Method::POST, &url, &[], Some(&body), auth).await.map(drop)
}

/// `GET /rest/api/2/user/assignable/search` for `key`: at most 10 people matching `search`
/// (`query=` on Cloud, `username=` on Data Center).
pub async fn assignable(
    client: &JiraClient,
    base: &str,
    key: &str,
    search: &str,
    cloud: bool,
    auth: &JiraAuth,
) -> Result<Vec<JiraPerson>, JiraError> {
    let url = api_url(base, &["user", "assignable", "search"])?;
    let by = if cloud { "query" } else { "username" };
    let query = [("issueKey", key), (by, search), ("maxResults", "10")];
    parse(client.send_json(Method::GET, &url, &query, None, auth).await?)
}

/// `PUT /rest/api/2/issue/{key}/assignee`: `who`, or nobody (`None`). Cloud names people by
/// `accountId`, Data Center by `name` (SPEC §12.2).
pub async fn assign(
    client: &JiraClient,
    base: &str,
    key: &str,
    who: Option<&JiraPerson>,
    cloud: bool,
    auth: &JiraAuth,
) -> Result<(), JiraError> {
    let url = api_url(base, &["issue", key, "assignee"])?;
    let body = match (who, cloud) {
        (Some(person), true) => json!({"accountId": person.account_id}),
        (Some(person), false) => json!({"name": person.name}),
        (None, true) => json!({"accountId": null}),
        (None, false) => json!({"name": null}),
    };
    client.send_json(Method::PUT, &url, &[], Some(&body), auth).await.map(drop)
}

/// `POST /rest/api/2/issue/{key}/comment` with `body` (wiki markup; 201); answers the new
/// comment's id.
pub async fn add_comment(
    client: &JiraClient,
    base: &str,
    (key, body): (&str, &str),
    group: Option<&str>,
    auth: &JiraAuth,
) -> Result<String, JiraError> {
    let url = api_url(base, &["issue", key, "comment"])?;
    let mut comment = json!({ "body": body });
    if let Some(group) = group {
        comment["visibility"] = json!({"type": "group", "value": group});
    }
    let answer = client.send_json(Method::POST, &url, &[], Some(&comment), auth).await?;
    Ok(answer.and_then(|a| a["id"].as_str().map(str::to_string)).unwrap_or_default())
}

/// `PUT /rest/api/2/issue/{key}/comment/{id}`: the comment's new body.
pub async fn edit_comment(
    client: &JiraClient,
    base: &str,
    (key, comment_id): (&str, &str),
    body: &str,
    auth: &JiraAuth,
) -> Result<(), JiraError> {
    let url = api_url(base, &["issue", key, "comment", comment_id])?;
    client.send_json(Method::PUT, &url, &[], Some(&json!({ "body": body })), auth).await.map(drop)
}

/// `POST /rest/api/2/issue/{key}/attachments`: one file, as multipart `file`.
pub async fn add_attachment(
    client: &JiraClient,
    base: &str,
    key: &str,
    file: (&str, Vec<u8>, &str),
    auth: &JiraAuth,
) -> Result<(), JiraError> {
    let url = api_url(base, &["issue", key, "attachments"])?;
    client.post_file(&url, file, auth).await.map(drop)
}

/// The Jira groups of the credentials' user, for a comment's visibility: Data Center's
/// `GET /rest/api/2/myself?expand=groups`, Cloud's `GET /rest/api/3/user/groups?accountId=`.
pub async fn my_groups(
    client: &JiraClient,
    base: &str,
    cloud_account: Option<&str>,
    auth: &JiraAuth,
) -> Result<Vec<String>, JiraError> {
    let names = |list: &Value| -> Vec<String> {
        list.as_array().into_iter().flatten().filter_map(|g| g["name"].as_str().map(str::to_string)).collect()
    };
    match cloud_account {
        Some(account) => {
            let url = api_url(base, &["user", "groups"])?.replacen("/rest/api/2/", "/rest/api/3/", 1);
            let answer = client.send_json(Method::GET, &url, &[("accountId", account)], None, auth).await?;
            Ok(names(&answer.unwrap_or_default()))
        }
        None => {
            let url = api_url(base, &["myself"])?;
            let answer = client.send_json(Method::GET, &url, &[("expand", "groups")], None, auth).await?;
            Ok(names(&answer.unwrap_or_default()["groups"]["items"]))
        }
    }
}

/// Whether `auth` may read `key` (and, given, its comment `comment_id`): what a personal DM
/// needs before it shows either (SPEC §5.9). `Ok(false)` for 403 and 404; a 401 (the
/// credentials themselves refused) is `Err(Unauthorized)`.
pub async fn can_read(
    client: &JiraClient,
    base: &str,
    key: &str,
    comment_id: Option<&str>,
    auth: &JiraAuth,
) -> Result<bool, JiraError> {
    let url = match comment_id {
        Some(id) => api_url(base, &["issue", key, "comment", id])?,
        None => api_url(base, &["issue", key])?,
    };
    match client.send_json(Method::GET, &url, &[("fields", "summary")], None, auth).await {
        Ok(_) => Ok(true),
        Err(JiraError::Forbidden | JiraError::NotFound) => Ok(false),
        Err(e) => Err(e),
    }
}

/// `GET /rest/api/2/issue/{key}/watchers`: who watches the issue.
pub async fn watchers(
    client: &JiraClient,
    base: &str,
    key: &str,
    auth: &JiraAuth,
) -> Result<Vec<JiraPerson>, JiraError> {
    let url = api_url(base, &["issue", key, "watchers"])?;
    let answer: Value = parse(client.send_json(Method::GET, &url, &[], None, auth).await?)?;
    serde_json::from_value(answer["watchers"].clone()).map_err(|e| JiraError::Invalid(format!("unexpected JSON: {e}")))
}

pub(super) fn parse<T: serde::de::DeserializeOwned>(answer: Option<Value>) -> Result<T, JiraError> {
    let answer = answer.ok_or_else(|| JiraError::Invalid("an empty answer".into()))?;
    serde_json::from_value(answer).map_err(|e| JiraError::Invalid(format!("unexpected JSON: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_segments_are_encoded_one_by_one() {
        let url = api_url("https://jira.example.com/jira/", &["issue", "../../admin?x=1", "transitions"]).unwrap();
        assert_eq!(url, "https://jira.example.com/jira/rest/api/2/issue/..%2F..%2Fadmin%3Fx=1/transitions");
        let dots = api_url("https://jira.example.com", &["issue", "..", "transitions"]).unwrap();
        assert!(dots.starts_with("https://jira.example.com/rest/api/2/issue/"), "{dots}");
        assert_eq!(
            api_url("https://x.atlassian.net", &["myself"]).unwrap(),
            "https://x.atlassian.net/rest/api/2/myself"
        );
    }
}
