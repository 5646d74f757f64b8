//! Finding issues by what a user typed (SPEC §10.2, the attach form's dynamic select): JQL
//! through `GET /rest/api/2/search` on Data Center and `GET /rest/api/3/search/jql` on Cloud,
//! where the old search answers 410; only keys and summaries are read.

use reqwest::Method;
use serde::Deserialize;

use super::auth::JiraAuth;
use super::client::{JiraClient, JiraError};
use super::rest::{api_url, parse};

/// One issue a search found.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FoundIssue {
    pub key: String,
    pub fields: FoundFields,
}

#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default)]
pub struct FoundFields {
    pub summary: String,
}

#[derive(Deserialize)]
struct Found {
    #[serde(default)]
    issues: Vec<FoundIssue>,
}

/// The issues `jql` finds, at most `most`.
pub async fn issues(
    client: &JiraClient,
    base: &str,
    cloud: bool,
    (jql, most): (&str, usize),
    auth: &JiraAuth,
) -> Result<Vec<FoundIssue>, JiraError> {
    let url = if cloud {
        api_url(base, &["search", "jql"])?.replacen("/rest/api/2/", "/rest/api/3/", 1)
    } else {
        api_url(base, &["search"])?
    };
    let most = most.to_string();
    let query = [("jql", jql), ("fields", "key,summary"), ("maxResults", most.as_str())];
    let found: Found = parse(client.send_json(Method::GET, &url, &query, None, auth).await?)?;
    Ok(found.issues)
}

/// The JQL for what a user typed: a text search (the words, and the last one as a prefix),
/// or the issues updated in the last four weeks when nothing is typed yet.
pub fn picker_jql(typed: &str) -> String {
    // Quotes and backslashes would end or escape the JQL string: they become spaces.
    let words: String = typed.chars().map(|c| if matches!(c, '"' | '\\') { ' ' } else { c }).collect();
    let words = words.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return "updated >= -4w ORDER BY updated DESC".into();
    }
    format!("text ~ \"{words}\" OR text ~ \"{words}*\"")
}

/// Whether `typed` reads as an issue key (`DEMO-12`), to be looked up before searching.
pub fn looks_like_key(typed: &str) -> bool {
    let Some((project, number)) = typed.trim().split_once('-') else { return false };
    project.chars().next().is_some_and(|c| c.is_ascii_alphabetic())
        && project.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !number.is_empty()
        && number.chars().all(|c| c.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typed_text_becomes_a_text_search_or_the_recent_issues() {
        assert_eq!(picker_jql("  "), "updated >= -4w ORDER BY updated DESC");
        assert_eq!(picker_jql("login  fails"), "text ~ \"login fails\" OR text ~ \"login fails*\"");
        assert_eq!(picker_jql("a\"b\\c"), "text ~ \"a b c\" OR text ~ \"a b c*\"");
    }

    #[test]
    fn keys_are_told_from_words() {
        for key in ["DEMO-12", "demo-1", "A1_B-7"] {
            assert!(looks_like_key(key), "{key}");
        }
        for text in ["DEMO", "DEMO-", "-12", "1DEMO-2", "login-fails", "DEMO-12a"] {
            assert!(!looks_like_key(text), "{text}");
        }
    }
}
