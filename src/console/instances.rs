//! `/admin/instances`: add, alias, make default, remove Jira instances, and the webhook URLs
//! to paste into each Jira.

use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, render_status, see_other, Chrome};
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::instances::webhook_urls::{self, UrlParts, SECRET_PLACEHOLDER};
use crate::instances::{self, oauth, InstanceContext, InstanceError, InstancePatch, NewInstance};
use crate::jira::instance::InstanceType;
use crate::store::records::InstanceRecordV1;
use crate::store::Store;
use crate::utc::now_ms;
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
    added: super::page::Moment,
    subscriptions_url: String,
    legacy_url: String,
    /// Connected mode only: what connecting users needs (SPEC §7.1).
    oauth: Option<OAuthRow>,
}

/// An instance's OAuth settings as the page shows them.
#[derive(Default)]
struct OAuthRow {
    consumer_key: String,
    public_key: String,
    client_id: String,
    client_secret_set: bool,
    callback_url: String,
    cloud_id: String,
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

fn rows(base: &str, mut all: Vec<(InstanceRecordV1, Option<OAuthRow>)>) -> Vec<InstanceRow> {
    all.sort_by(|a, b| a.0.id.cmp(&b.0.id));
    all.into_iter()
        .map(|(r, oauth)| {
            let parts = UrlParts {
                public_base: base,
                instance_id: Some(r.id.as_str()),
                secret: SECRET_PLACEHOLDER,
                team: "<team name>",
                channel: "<channel name>",
                flags: &[],
            };
            let urls = webhook_urls::build(&parts);
            InstanceRow {
                kind: if r.instance_type == InstanceType::Cloud { "Cloud" } else { "Server / Data Center" },
                alias: r.alias.clone().unwrap_or_default(),
                is_default: r.is_default,
                is_v2_legacy: r.is_v2_legacy,
                added: super::page::moment(r.created_at_ms),
                subscriptions_url: urls.subscriptions,
                legacy_url: urls.legacy,
                oauth,
                id: r.id.into_string(),
            }
        })
        .collect()
}

async fn page_for(
    state: &AppState,
    admin: &SignedIn,
    notice: Option<String>,
    form: AddForm,
) -> Result<InstancesPage, ConsoleError> {
    let (key, base, push_only) =
        (state.master_key.clone(), state.config().public_base_url(), state.config().jira.push_only);
    let shown = base.clone();
    let all = state
        .store
        .run(move |store| -> Result<Vec<(InstanceRecordV1, Option<OAuthRow>)>, crate::store::StoreError> {
            let mut all = Vec::new();
            for record in store.instances()? {
                let row = if push_only { None } else { Some(oauth_row(store, &key, &record, &base)?) };
                all.push((record, row));
            }
            Ok(all)
        })
        .await?;
    Ok(InstancesPage {
        chrome: Chrome::new(admin, "/admin/instances", "Jira instances").with_notice(notice),
        instances: rows(&shown, all),
        push_only: state.config().jira.push_only,
        form,
    })
}

/// `?url=`: the add form filled in (the dashboard's "add this Jira instance").
#[derive(serde::Deserialize)]
pub struct Prefill {
    #[serde(default)]
    url: String,
}

pub async fn page(
    admin: SignedIn,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
    prefill: web::Query<Prefill>,
) -> Result<HttpResponse, ConsoleError> {
    let url = prefill.into_inner().url;
    let cloud = crate::ids::InstanceType::of_url(&url) == crate::ids::InstanceType::Cloud;
    let kind = if cloud { "cloud" } else { "server" };
    let form = AddForm { kind: kind.into(), url, ..AddForm::default() };
    render(&page_for(&state, &admin, notice.text(), form).await?)
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
    let ctx =
        InstanceContext { timeout: std::time::Duration::from_secs(10), ..state.instance_context(&post.admin.username) };
    match instances::add(&ctx, request, form.checked("skip_check"), now_ms()).await {
        Ok(_) => Ok(see_other("/admin/instances?notice=instance_added")),
        Err(e) => {
            let mut again = AddForm {
                url: form.get("url").into(),
                kind: form.get("type").into(),
                alias: alias.unwrap_or_default(),
                skip_check: form.checked("skip_check"),
                ..AddForm::default()
            };
            match e {
                InstanceError::Invalid { field: "alias", message } => again.alias_error = Some(message),
                InstanceError::Invalid { message, .. } => again.url_error = Some(message),
                InstanceError::Exists(_) | InstanceError::Unreachable | InstanceError::NotFound(_) => {
                    again.url_error = Some(e.to_string())
                }
                InstanceError::Store(s) => return Err(s.into()),
            }
            let page = page_for(&state, &post.admin, None, again).await?;
            render_status(actix_web::http::StatusCode::BAD_REQUEST, &page)
        }
    }
}

/// What the page shows of an instance's OAuth settings (never the client secret).
fn oauth_row(
    store: &Store,
    key: &crate::store::MasterKey,
    record: &InstanceRecordV1,
    public_base: &str,
) -> Result<OAuthRow, crate::store::StoreError> {
    let auth = oauth::load(store, key, record.id.as_str())?;
    Ok(match record.instance_type {
        InstanceType::Server => OAuthRow {
            consumer_key: auth.oauth1_consumer_key.unwrap_or_default(),
            public_key: oauth::rsa_key(store, key)?.public_pem().unwrap_or_default(),
            callback_url: oauth::oauth1_callback_url(public_base, record.id.as_str()),
            ..OAuthRow::default()
        },
        InstanceType::Cloud => OAuthRow {
            client_secret_set: auth.oauth2_client_secret.is_some(),
            client_id: auth.oauth2_client_id.unwrap_or_default(),
            callback_url: oauth::oauth2_redirect_url(public_base, record.id.as_str()),
            cloud_id: auth.cloud_id.unwrap_or_default(),
            ..OAuthRow::default()
        },
    })
}

/// One action on an existing instance: `op` = `default`, `v2_legacy`, `alias`,
/// `oauth2_client` or `remove`.
pub async fn change(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let form = &post.form;
    if form.get("op") == "oauth2_client" {
        return save_oauth2_client(state, post).await;
    }
    let patch = match form.get("op") {
        "remove" => None,
        "default" => Some(InstancePatch { is_default: Some(true), ..InstancePatch::default() }),
        "v2_legacy" => Some(InstancePatch { is_v2_legacy: Some(true), ..InstancePatch::default() }),
        "alias" => Some(InstancePatch { alias: Some(form.get("alias").to_string()), ..InstancePatch::default() }),
        other => return Err(ConsoleError::BadRequest(format!("unknown action {other:?}"))),
    };
    let (reference, actor, base) =
        (form.get("instance").to_string(), post.admin.username.clone(), state.config().public_base_url());
    let (done, notice) = match patch {
        None => {
            let removed = state.store.run(move |store| instances::remove(store, &reference, &actor, &base)).await;
            let removed = removed.map(|instance| state.connections.forget_instance(instance.id.as_str()));
            (removed, "instance_removed")
        }
        Some(patch) => {
            let changed = move |store: &Store| instances::change(store, &reference, patch, &actor, &base).map(drop);
            (state.store.run(changed).await, "instance_updated")
        }
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/admin/instances?notice={notice}"))),
        // A refused alias stays in its field as typed, to be corrected there.
        Err(e) => {
            let mut page = refused_page(&state, &post.admin, e).await?;
            if form.get("op") == "alias" {
                let instance = form.get("instance");
                if let Some(row) = page.instances.iter_mut().find(|row| row.id.eq_ignore_ascii_case(instance)) {
                    row.alias = form.get("alias").to_string();
                }
            }
            render_status(actix_web::http::StatusCode::BAD_REQUEST, &page)
        }
    }
}

/// A Cloud instance's OAuth 2.0 client id and secret; an empty secret field keeps the
/// stored one (it is never shown, so the form cannot hold it).
async fn save_oauth2_client(state: web::Data<AppState>, post: SignedPost) -> Result<HttpResponse, ConsoleError> {
    let form = &post.form;
    let (reference, actor, key) =
        (form.get("instance").to_string(), post.admin.username.clone(), state.master_key.clone());
    let client_id = Some(form.get("client_id").to_string());
    let secret = Some(form.get("client_secret").to_string()).filter(|s| !s.trim().is_empty());
    let saved = state
        .store
        .run(move |store| instances::set_oauth2_client(store, &key, &reference, client_id, secret, &actor))
        .await;
    match saved {
        Ok(_) => Ok(see_other("/admin/instances?notice=instance_updated")),
        Err(e) => refused(&state, &post.admin, e).await,
    }
}

/// The page again, saying why a change to an instance was refused.
async fn refused(state: &AppState, admin: &SignedIn, e: InstanceError) -> Result<HttpResponse, ConsoleError> {
    render_status(actix_web::http::StatusCode::BAD_REQUEST, &refused_page(state, admin, e).await?)
}

/// The instances page saying why a change was refused, for the caller to adjust; a missing
/// instance or a store failure is an error of its own.
async fn refused_page(state: &AppState, admin: &SignedIn, e: InstanceError) -> Result<InstancesPage, ConsoleError> {
    match e {
        InstanceError::NotFound(_) => Err(ConsoleError::NotFound("That Jira instance no longer exists.".into())),
        InstanceError::Store(s) => Err(s.into()),
        e => {
            let form = AddForm { kind: "server".into(), ..AddForm::default() };
            let mut page = page_for(state, admin, None, form).await?;
            page.chrome.error = Some(e.to_string());
            Ok(page)
        }
    }
}
