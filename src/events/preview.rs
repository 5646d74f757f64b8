//! What a payload gives, without storing or posting anything: its event names and the post
//! jirabridge would make (`jirabridge render`, `POST /api/v1/render`).

use serde::Serialize;

use super::normalize::normalize;
use super::render::{render, RenderOptions};
use crate::jira::webhook_fields::Webhook;

/// The events and posts of one payload; both empty when jirabridge ignores it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Rendered {
    pub events: Vec<String>,
    pub posts: Vec<serde_json::Value>,
}

/// `Err` says why the bytes are not a JSON payload.
pub fn render_payload(bytes: &[u8], options: &RenderOptions) -> Result<Rendered, String> {
    let payload = Webhook::parse(bytes)?;
    Ok(match normalize(&payload) {
        Some(parsed) => {
            let post = render(&parsed, options).to_json();
            Rendered { events: parsed.events, posts: vec![post] }
        }
        None => Rendered { events: Vec::new(), posts: Vec::new() },
    })
}
