//! `/admin/settings`: every setting of SPEC §2.2 with its help, default and source. Keys
//! the console may change are form fields; keys pinned by the config file or environment,
//! and start-up-only keys, are shown read-only with where they come from. Saving calls
//! `Settings::update`, as `PATCH /api/v1/settings` does.

use std::collections::BTreeMap;

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;
use serde_json::Value as Json;

use super::error::ConsoleError;
use super::form::{split_list, FormData};
use super::page::{render, render_status, see_other, Chrome};
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::config::default_value;
use crate::settings::{SettingEntry, SettingsError};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "console/settings.html")]
struct SettingsPage {
    chrome: Chrome,
    sections: Vec<Section>,
}

struct Section {
    name: String,
    rows: Vec<Row>,
}

/// One setting as a form row.
struct Row {
    key: &'static str,
    help: &'static str,
    plugin_name: &'static str,
    input: Input,
    /// Shown next to a read-only value: "set in file", "start-up only".
    locked: Option<String>,
    /// The current value as text (lists comma separated); "" for secrets.
    text: String,
    default_text: String,
    secret_set: bool,
    error: Option<String>,
}

#[derive(PartialEq, Clone, Copy)]
enum Input {
    Checkbox,
    Number,
    Text,
    List,
    Secret,
}

impl Row {
    fn is(&self, input: &str) -> bool {
        let mine = match self.input {
            Input::Checkbox => "checkbox",
            Input::Number => "number",
            Input::Text => "text",
            Input::List => "list",
            Input::Secret => "secret",
        };
        mine == input
    }

    fn checked(&self) -> bool {
        self.text == "true"
    }
}

fn input_of(entry: &SettingEntry) -> Input {
    if entry.secret {
        return Input::Secret;
    }
    match default_value(entry.key) {
        Some(toml::Value::Boolean(_)) => Input::Checkbox,
        Some(toml::Value::Integer(_)) => Input::Number,
        Some(toml::Value::Array(_)) => Input::List,
        _ => Input::Text,
    }
}

fn as_text(value: &Json) -> String {
    match value {
        Json::String(s) => s.clone(),
        Json::Array(items) => items.iter().map(as_text).collect::<Vec<_>>().join(", "),
        Json::Null => String::new(),
        other => other.to_string(),
    }
}

fn sections(entries: Vec<SettingEntry>, errors: &BTreeMap<String, String>) -> Vec<Section> {
    let mut sections: Vec<Section> = Vec::new();
    for entry in entries {
        let section = entry.key.split('.').next().unwrap_or("").to_string();
        let locked = if entry.startup_only {
            Some(format!("start-up only (from {}): edit the config file and restart", entry.source.as_str()))
        } else if !entry.editable {
            Some(format!(
                "set in the {}; change it there",
                if entry.source.as_str() == "env" { "environment" } else { "config file" }
            ))
        } else {
            None
        };
        let row = Row {
            key: entry.key,
            help: entry.help,
            plugin_name: entry.plugin_name.unwrap_or(""),
            input: input_of(&entry),
            locked,
            text: as_text(&entry.value),
            default_text: as_text(&entry.default),
            secret_set: entry.set.unwrap_or(false),
            error: errors.get(entry.key).cloned(),
        };
        match sections.last_mut() {
            Some(last) if last.name == section => last.rows.push(row),
            _ => sections.push(Section { name: section, rows: vec![row] }),
        }
    }
    sections
}

pub async fn page(
    admin: SignedIn,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let page = SettingsPage {
        chrome: Chrome::new(&admin, "/admin/settings", "Settings").with_notice(notice.text()),
        sections: sections(state.settings.entries(), &BTreeMap::new()),
    };
    render(&page)
}

/// The changes a submitted form asks for: only editable keys whose value differs. An empty
/// secret field keeps the secret.
fn changes(entries: &[SettingEntry], form: &FormData) -> Vec<(String, Json)> {
    let mut changes = Vec::new();
    let shown: Vec<&str> = form.all("shown");
    for entry in entries.iter().filter(|e| e.editable && shown.contains(&e.key)) {
        let raw = form.get(entry.key);
        let wanted = match input_of(entry) {
            Input::Checkbox => Json::Bool(form.checked(entry.key)),
            Input::Number => match raw.parse::<i64>() {
                Ok(n) => Json::from(n),
                Err(_) => Json::String(raw.to_string()),
            },
            Input::List => Json::Array(split_list(raw).into_iter().map(Json::String).collect()),
            Input::Text => Json::String(raw.to_string()),
            Input::Secret if raw.is_empty() => continue,
            Input::Secret => Json::String(form.raw(entry.key).to_string()),
        };
        if wanted != entry.value || entry.secret {
            changes.push((entry.key.to_string(), wanted));
        }
    }
    changes
}

pub async fn save(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let entries = state.settings.entries();
    let changes = changes(&entries, &post.form);
    if changes.is_empty() {
        return Ok(see_other("/admin/settings?notice=settings_unchanged"));
    }
    let errors = match state.settings.update(&changes, &post.admin.username) {
        Ok(_) => return Ok(see_other("/admin/settings?notice=settings_saved")),
        Err(SettingsError::Invalid(errors)) => errors,
        Err(SettingsError::Pinned { key, from }) => {
            BTreeMap::from([(key, format!("set in {}; change it there", from.as_str()))])
        }
        Err(SettingsError::Store(e)) => return Err(e.into()),
    };
    let mut sections = sections(entries, &errors);
    // Nothing was saved: show what was typed, so the admin only corrects the marked fields.
    let shown = post.form.all("shown");
    for row in sections.iter_mut().flat_map(|s| s.rows.iter_mut()) {
        if shown.contains(&row.key) && !row.is("secret") {
            row.text = match row.input {
                Input::Checkbox => post.form.checked(row.key).to_string(),
                _ => post.form.get(row.key).to_string(),
            };
        }
    }
    let mut page = SettingsPage { chrome: Chrome::new(&post.admin, "/admin/settings", "Settings"), sections };
    page.chrome.error = Some("Nothing was saved: please correct the settings marked below.".into());
    render_status(StatusCode::BAD_REQUEST, &page)
}
