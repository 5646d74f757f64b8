//! Projects and creating issues (SPEC §12.2): the projects one may create in, the create
//! screen of a project and issue type (createmeta, both shapes, and the old call for Jira
//! before 8.4 or when the new one is missing), and the create call itself.

use reqwest::Method;
use serde::Deserialize;
use serde_json::{json, Value};

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};
use super::rest::{api_url, parse};

/// A project with the issue types one can create in it.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Project {
    /// Jira's numeric id: what its own create page takes as `pid`.
    pub id: String,
    pub key: String,
    pub name: String,
    pub issue_types: Vec<IssueType>,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct IssueType {
    pub id: String,
    pub name: String,
    pub subtask: bool,
}

/// Cloud project pages read at most (100 projects each).
const MOST_PROJECT_PAGES: usize = 20;

/// The projects the credentials may see, with their issue types: `GET /rest/api/2/project`
/// on Data Center, `GET /rest/api/3/project/search` page by page on Cloud (SPEC §12.2; up
/// to 2 000 projects).
pub async fn projects(
    client: &JiraClient,
    base: &str,
    cloud: bool,
    auth: &JiraAuth,
) -> Result<Vec<Project>, JiraError> {
    let query = [("expand", "issueTypes")];
    if cloud {
        let url = api_url(base, &["project", "search"])?.replacen("/rest/api/2/", "/rest/api/3/", 1);
        let mut projects: Vec<Project> = Vec::new();
        for _ in 0..MOST_PROJECT_PAGES {
            let start = projects.len().to_string();
            let query = [("expand", "issueTypes"), ("maxResults", "100"), ("startAt", start.as_str())];
            let answer: Value = parse(client.send_json(Method::GET, &url, &query, None, auth).await?)?;
            let page: Vec<Project> = serde_json::from_value(answer["values"].clone())
                .map_err(|e| JiraError::Invalid(format!("unexpected JSON: {e}")))?;
            let last = page.is_empty() || answer["isLast"].as_bool().unwrap_or(true);
            projects.extend(page);
            if last {
                break;
            }
        }
        Ok(projects)
    } else {
        parse(client.send_json(Method::GET, &api_url(base, &["project"])?, &query, None, auth).await?)
    }
}

/// One project with its issue types (`GET /rest/api/2/project/{key}`): 404 when it does not
/// exist or the credentials may not browse it.
pub async fn project(client: &JiraClient, base: &str, key: &str, auth: &JiraAuth) -> Result<Project, JiraError> {
    parse(client.send_json(Method::GET, &api_url(base, &["project", key])?, &[], None, auth).await?)
}

/// A field of the create screen: its id, name, whether Jira requires it, its type, and the
/// values it allows (for option, priority, version, component… fields).
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct CreateField {
    pub field_id: String,
    pub name: String,
    pub required: bool,
    pub schema: FieldSchema,
    pub allowed_values: Vec<Value>,
}

/// A field's type as createmeta describes it: `type` (`string`, `number`, `option`, `array`…),
/// the type of an array's `items`, and the custom field type key.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FieldSchema {
    #[serde(rename = "type")]
    pub kind: String,
    pub items: String,
    pub custom: String,
    pub system: String,
}

/// The create screen's fields (SPEC §12.2): `GET /rest/api/2/issue/createmeta/{project}/
/// issuetypes/{id}` (`values[]` on Data Center, `fields[]` on Cloud); on a Jira older than
/// 8.4 (`old_jira`), or when that answers 404, the old `GET /rest/api/2/issue/createmeta`
/// with `projectKeys` and `expand=projects.issuetypes.fields` (gone on Data Center 9).
pub async fn create_fields(
    client: &JiraClient,
    base: &str,
    (project, issue_type): (&str, &str),
    old_jira: bool,
    auth: &JiraAuth,
) -> Result<Vec<CreateField>, JiraError> {
    if !old_jira {
        let url = api_url(base, &["issue", "createmeta", project, "issuetypes", issue_type])?;
        match client.send_json(Method::GET, &url, &[("maxResults", "200")], None, auth).await {
            Ok(answer) => {
                let answer: Value = parse(answer)?;
                let list = if answer["fields"].is_array() { &answer["fields"] } else { &answer["values"] };
                return serde_json::from_value(list.clone())
                    .map_err(|e| JiraError::Invalid(format!("unexpected JSON: {e}")));
            }
            Err(JiraError::NotFound) => {}
            Err(e) => return Err(e),
        }
    }
    let url = api_url(base, &["issue", "createmeta"])?;
    let query = [("projectKeys", project), ("issuetypeIds", issue_type), ("expand", "projects.issuetypes.fields")];
    let answer: Value = parse(client.send_json(Method::GET, &url, &query, None, auth).await?)?;
    old_screen(&answer, issue_type).ok_or(JiraError::NotFound)
}

/// The fields of `issue_type` in an old createmeta answer, keyed by field id.
fn old_screen(answer: &Value, issue_type: &str) -> Option<Vec<CreateField>> {
    let projects = answer["projects"].as_array()?;
    let mut types = projects.iter().flat_map(|p| p["issuetypes"].as_array().into_iter().flatten());
    let screen = types.find(|t| t["id"].as_str() == Some(issue_type))?;
    let fields = screen["fields"].as_object()?;
    Some(
        fields
            .iter()
            .map(|(id, field)| {
                let mut read: CreateField = serde_json::from_value(field.clone()).unwrap_or_default();
                read.field_id = id.clone();
                if read.name.is_empty() {
                    read.name = id.clone();
                }
                read
            })
            .collect(),
    )
}

/// Whether a Jira version (`serverInfo`'s `8.3.2`) is older than `major.minor`; an unknown
/// or unreadable version is not.
pub fn older_than(version: &str, major: u32, minor: u32) -> bool {
    let mut parts = version.split('.').map(|p| p.trim().parse::<u32>());
    match (parts.next(), parts.next()) {
        (Some(Ok(found_major)), Some(Ok(found_minor))) => (found_major, found_minor) < (major, minor),
        (Some(Ok(found_major)), None) => found_major < major,
        _ => false,
    }
}

/// `POST /rest/api/2/issue` with `fields`; answers the new issue's key.
pub async fn create_issue(
    client: &JiraClient,
    base: &str,
    fields: Value,
    auth: &JiraAuth,
) -> Result<String, JiraError> {
    let body = json!({ "fields": fields });
    let answer: Value =
        parse(client.send_json(Method::POST, &api_url(base, &["issue"])?, &[], Some(&body), auth).await?)?;
    answer["key"].as_str().map(str::to_string).ok_or_else(|| JiraError::Invalid("the answer names no issue key".into()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_old_createmeta_gives_the_fields_of_the_issue_type_asked_for() {
        let answer = json!({"projects": [{"key": "HARD", "issuetypes": [
            {"id": "1", "fields": {"summary": {"name": "Summary", "required": true}}},
            {"id": "10002", "fields": {"summary": {"name": "Summary", "required": true},
                "customfield_7": {"name": "Team", "required": true}, "labels": {"name": "Labels", "required": false}}}]}]});
        let fields = old_screen(&answer, "10002").unwrap();
        let required: Vec<&str> = fields.iter().filter(|f| f.required).map(|f| f.name.as_str()).collect();
        assert_eq!(required, ["Team", "Summary"]);
        assert!(old_screen(&answer, "3").is_none());
    }

    #[test]
    fn versions_older_than_8_4_take_the_old_createmeta() {
        assert!(older_than("8.3.2", 8, 4));
        assert!(older_than("7.13.0", 8, 4));
        assert!(!older_than("8.4.0", 8, 4));
        assert!(!older_than("9.12.1", 8, 4));
        assert!(!older_than("1001.0.0-SNAPSHOT", 8, 4));
        assert!(!older_than("", 8, 4));
    }
}
