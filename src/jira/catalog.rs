//! The names Jira lists for an instance (SPEC §6.9), read with credentials: projects and
//! their issue types, issue types, priorities, statuses, custom fields, and per project its
//! components, versions and security levels. The subscription editor offers them by name;
//! without credentials, or in push-only mode, only the names learned from payloads are there.

use futures_util::{stream, StreamExt};
use serde_json::Value;

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};
use super::createmeta::projects;
use super::rest::api_url;

/// Projects whose components, versions and security levels are read, at most: a site with
/// thousands of projects would otherwise cost thousands of calls per refresh.
pub const PROJECTS_LISTED_AT_MOST: usize = 50;

/// One name Jira lists: its catalogue kind (`projects`, `issue_types`, `priorities`,
/// `statuses`, `fields`, `components`, `versions`, `security_levels`), id and name, and the
/// project for components, versions and security levels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedName {
    pub kind: &'static str,
    pub id: String,
    pub name: String,
    pub project: Option<String>,
}

/// One item of a list: ids are strings in Jira's answers, but a number is taken too.
struct Named {
    id: String,
    name: String,
    custom: bool,
}

impl Named {
    fn of(item: &Value) -> Option<Named> {
        let id = match &item["id"] {
            Value::String(id) => id.clone(),
            Value::Number(id) => id.to_string(),
            _ => return None,
        };
        let name = item["name"].as_str()?.to_string();
        Some(Named { id, name, custom: item["custom"].as_bool().unwrap_or(false) })
    }
}

/// Per-project lists read at once (a site with 50 projects needs 150 of them).
const AT_ONCE: usize = 6;

/// Everything the credentials may see. Fails when Jira cannot be asked at all: the project
/// list fails, or the credentials or the address are refused. Any other list Jira will not
/// give (403, 404: no security scheme, no permission; or an error) is left out.
pub async fn listed_names(
    client: &JiraClient,
    base: &str,
    cloud: bool,
    auth: &JiraAuth,
) -> Result<Vec<ListedName>, JiraError> {
    let mut out = Vec::new();
    let projects = projects(client, base, cloud, auth).await?;
    for project in &projects {
        out.push(named("projects", &project.key, &project.name, None));
        for issue_type in &project.issue_types {
            out.push(named("issue_types", &issue_type.id, &issue_type.name, None));
        }
    }
    let global = |kind, path| Ok::<_, JiraError>(ListToRead::new(kind, None, api_url(base, &[path])?, ""));
    let mut lists = vec![
        global("issue_types", "issuetype")?,
        global("priorities", "priority")?,
        global("statuses", "status")?,
        global("fields", "field")?,
    ];
    for project in projects.iter().take(PROJECTS_LISTED_AT_MOST) {
        let key = &project.key;
        for (kind, path, under) in [
            ("components", "components", ""),
            ("versions", "versions", ""),
            ("security_levels", "securitylevel", "levels"),
        ] {
            lists.push(ListToRead::new(kind, Some(key), api_url(base, &["project", key, path])?, under));
        }
    }
    let mut answers = stream::iter(lists).map(|list| list.read(client, auth)).buffer_unordered(AT_ONCE);
    while let Some((list, answer)) = answers.next().await {
        let items = match answer {
            Ok(items) => items,
            Err(e @ (JiraError::Unauthorized | JiraError::Refused(_))) => return Err(e),
            Err(e) => {
                let (kind, project) = (list.kind, list.project.as_deref());
                tracing::info!(kind, project, error = %e, "one list of the catalogue could not be read from Jira");
                continue;
            }
        };
        // Of the fields, only custom ones are named by filters that take ids.
        for item in items.iter().filter(|item| list.kind != "fields" || item.custom) {
            out.push(named(list.kind, &item.id, &item.name, list.project.as_deref()));
        }
    }
    out.retain(|n| !n.id.trim().is_empty() && !n.name.trim().is_empty());
    Ok(out)
}

/// One list to read: its catalogue kind, project, URL and the member holding the items.
struct ListToRead {
    kind: &'static str,
    project: Option<String>,
    url: String,
    under: &'static str,
}

impl ListToRead {
    fn new(kind: &'static str, project: Option<&String>, url: String, under: &'static str) -> ListToRead {
        ListToRead { kind, project: project.cloned(), url, under }
    }

    async fn read(self, client: &JiraClient, auth: &JiraAuth) -> (ListToRead, Result<Vec<Named>, JiraError>) {
        let answer = list_at(client, &self.url, auth, self.under).await;
        (self, answer)
    }
}

fn named(kind: &'static str, id: &str, name: &str, project: Option<&str>) -> ListedName {
    ListedName { kind, id: id.trim().to_string(), name: name.trim().to_string(), project: project.map(str::to_string) }
}

/// The named things at `url`: the answer itself, or its member `under` when not empty.
/// Forbidden and not found are an empty list.
async fn list_at(client: &JiraClient, url: &str, auth: &JiraAuth, under: &str) -> Result<Vec<Named>, JiraError> {
    let answer = match client.get_json(url, &[], Some(auth)).await {
        Ok(answer) => answer,
        Err(JiraError::Forbidden | JiraError::NotFound) => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let items = if under.is_empty() { answer } else { answer[under].clone() };
    let items: Vec<Value> = match items {
        Value::Array(items) => items,
        _ => return Err(JiraError::Invalid(format!("{url} did not answer a list"))),
    };
    // One odd item is skipped, not the whole list.
    Ok(items.iter().filter_map(Named::of).collect())
}
