//! `/admin/instances`: add, alias, make default, remove Jira instances, and the webhook URLs
//! to paste into each Jira.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, render_status, see_other, when, Chrome};
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::admin_api::instances::audit_as;
use crate::delivery::worker::now_ms;
use crate::instances::{self, InstanceContext, InstanceError, InstancePatch, NewInstance};
use crate::jira::instance::{encode_id, InstanceType};
use crate::web::AppState;

#[derive(Template)]
#[template(path = "console/instances.html")]
struct InstancesPage {
    chrome: Chrome,
    instances: Vec<InstanceRow>,
    push_only: bool,
    form: AddForm,
}

struct InstanceRow {
    id: String,
    kind: &'static str,
    alias: String,
    is_default: bool,
    is_v2_legacy: bool,
    added: String,
    subscriptions_url: String,
    legacy_url: String,
}

#[derive(Default)]
struct AddForm {
    url: String,
    kind: String,
    alias: String,
    skip_check: bool,
    url_error: Option<String>,
    alias_error: Option<String>,
}

impl AddForm {
    fn is_cloud(&self) -> bool {
        self.kind == "cloud"
    }
}

fn rows(state: &AppState) -> Result<Vec<InstanceRow>, ConsoleError> {
    let base = state.config().public_base_url();
    let mut all = state.store.instances()?;
    all.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(all
        .into_iter()
        .map(|r| {
            let encoded = encode_id(&r.id);
            InstanceRow {
                kind: if r.instance_type == "cloud" { "Cloud" } else { "Server / Data Center" },
                alias: r.alias.clone().unwrap_or_default(),
                is_default: r.is_default,
                is_v2_legacy: r.is_v2_legacy,
                added: when(r.created_at_ms),
                subscriptions_url: format!("{base}/instance/{encoded}/api/v2/webhook?secret=<webhook secret>"),
                legacy_url: format!(
                    "{base}/instance/{encoded}/webhook?secret=<webhook secret>&team=<team name>&channel=<channel name>"
                ),
                id: r.id,
            }
        })
        .collect())
}

fn page_for(
    state: &AppState,
    admin: &SignedIn,
    notice: Option<String>,
    form: AddForm,
) -> Result<InstancesPage, ConsoleError> {
    Ok(InstancesPage {
        chrome: Chrome::new(admin, "/admin/instances", "Jira instances").with_notice(notice),
        instances: rows(state)?,
        push_only: state.config().jira.push_only,
        form,
    })
}

pub async fn page(
    admin: SignedIn,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let form = AddForm { kind: "server".into(), ..AddForm::default() };
    render(&page_for(&state, &admin, notice.text(), form)?)
}

pub async fn add(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let form = &post.form;
    let kind = match form.get("type") {
        "cloud" => Some(InstanceType::Cloud),
        "server" => Some(InstanceType::Server),
        _ => None,
    };
    let alias = Some(form.get("alias").to_string()).filter(|a| !a.is_empty());
    let request = NewInstance { url: form.get("url").into(), instance_type: kind, alias: alias.clone() };
    let ctx = InstanceContext {
        store: &state.store,
        mattermost_url: &state.config().mattermost.url,
        push_only: state.config().jira.push_only,
        timeout: std::time::Duration::from_secs(10),
    };
    match instances::add(&ctx, request, form.checked("skip_check"), now_ms()).await {
        Ok(record) => {
            let shown = instances::to_json(&record, &state.config().public_base_url());
            audit_as(&state, &post.admin.username, "instance.add", &record.id, None, Some(&shown))?;
            Ok(see_other("/admin/instances?notice=instance_added"))
        }
        Err(e) => {
            let mut again = AddForm {
                url: form.get("url").into(),
                kind: form.get("type").into(),
                alias: alias.unwrap_or_default(),
                skip_check: form.checked("skip_check"),
                ..AddForm::default()
            };
            let mut page = page_for(&state, &post.admin, None, AddForm::default())?;
            match e {
                InstanceError::Invalid { field: "alias", message } => again.alias_error = Some(message),
                InstanceError::Invalid { message, .. } => again.url_error = Some(message),
                InstanceError::Exists(_) | InstanceError::Unreachable | InstanceError::NotFound(_) => {
                    again.url_error = Some(e.to_string())
                }
                InstanceError::Store(s) => return Err(s.into()),
            }
            page.form = again;
            render_status(actix_web::http::StatusCode::BAD_REQUEST, &page)
        }
    }
}

/// One action on an existing instance: `op` = `default`, `v2_legacy`, `alias` or `remove`.
pub async fn change(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let form = &post.form;
    let record = instances::resolve(&state.store, form.get("instance"))?
        .ok_or_else(|| ConsoleError::NotFound("That Jira instance no longer exists.".into()))?;
    let base = state.config().public_base_url();
    let before = instances::to_json(&record, &base);
    let actor = post.admin.username.as_str();
    let patch = match form.get("op") {
        "remove" => {
            state.store.delete_instance(&record.id)?;
            audit_as(&state, actor, "instance.remove", &record.id, Some(&before), None)?;
            return Ok(see_other("/admin/instances?notice=instance_removed"));
        }
        "default" => InstancePatch { is_default: Some(true), ..InstancePatch::default() },
        "v2_legacy" => InstancePatch { is_v2_legacy: Some(true), ..InstancePatch::default() },
        "alias" => InstancePatch { alias: Some(form.get("alias").to_string()), ..InstancePatch::default() },
        other => return Err(ConsoleError::BadRequest(format!("unknown action {other:?}"))),
    };
    match instances::update(&state.store, record, patch) {
        Ok(updated) => {
            let after = instances::to_json(&updated, &base);
            audit_as(&state, actor, "instance.update", &updated.id, Some(&before), Some(&after))?;
            Ok(see_other("/admin/instances?notice=instance_updated"))
        }
        Err(InstanceError::Store(s)) => Err(s.into()),
        Err(e) => {
            let mut page =
                page_for(&state, &post.admin, None, AddForm { kind: "server".into(), ..AddForm::default() })?;
            page.chrome.error = Some(e.to_string());
            render_status(actix_web::http::StatusCode::BAD_REQUEST, &page)
        }
    }
}
