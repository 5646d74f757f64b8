//! `/admin/subscriptions` and `/admin/templates`: the rules that route Jira events to
//! channels. Create, edit, delete, see the approximate JQL, dry-run against recent events.
//! All changes go through `subscriptions::service`, as the admin API's do.

use actix_web::http::StatusCode;
use actix_web::{web, HttpResponse};
use askama::Template;

use super::error::ConsoleError;
use super::page::{render, render_status, see_other, Chrome};
use super::rule_form::RuleForm;
use super::session::{SignedIn, SignedPost};
use super::Notice;
use crate::store::records::SubscriptionRecordV1;
use crate::store::{Store, StoreError};
use crate::subscriptions::dry_run::DryRun;
use crate::subscriptions::jql::approximate_jql;
use crate::subscriptions::matching::MatchSettings;
use crate::subscriptions::notice::announce;
use crate::subscriptions::service::{RuleKind, SubscriptionError};
use crate::subscriptions::stored;
use crate::web::AppState;

/// How many stored events a dry run looks at.
const DRY_RUN_EVENTS: usize = 200;

#[derive(Template)]
#[template(path = "console/subscriptions.html")]
struct ListPage {
    chrome: Chrome,
    subscriptions: Vec<Row>,
    templates: Vec<Row>,
}

struct Row {
    id: String,
    name: String,
    channel_id: String,
    /// "Team / Channel", when Mattermost says.
    channel: Option<String>,
    instance_id: String,
    projects: String,
    events: usize,
    filters: usize,
    state: String,
    broken_reason: String,
}

#[derive(Template)]
#[template(path = "console/rule_editor.html")]
struct EditorPage {
    chrome: Chrome,
    base: &'static str,
    noun: &'static str,
    form: RuleForm,
    instances: Vec<String>,
    jql: Option<(String, Vec<String>)>,
    dry_run: Option<DryRun>,
    /// The names the rule's instance sent, to pick from.
    names: super::known_names::KnownNames,
    /// The bot's channels, to pick from.
    channels: Vec<super::channel_picker::ChannelChoice>,
}

fn kind_of(segment: &str) -> Result<(RuleKind, &'static str, &'static str), ConsoleError> {
    match segment {
        "subscriptions" => Ok((RuleKind::Subscription, "/admin/subscriptions", "subscription")),
        "templates" => Ok((RuleKind::Template, "/admin/templates", "template")),
        _ => Err(ConsoleError::NotFound("There is no such page in the console.".into())),
    }
}

/// A rule as a list row; `installed` are the instance ids in use (a rule of another is
/// inactive, `stored::shown_state`).
fn row(r: SubscriptionRecordV1, installed: &[String]) -> Row {
    let state = stored::shown_state(&r, installed);
    let broken_reason = if state == stored::INACTIVE {
        "its Jira instance was removed; adding it again revives the rule".to_string()
    } else {
        r.broken_reason.clone().unwrap_or_default()
    };
    Row {
        projects: r.projects.join(", "),
        events: r.events.len(),
        filters: r.fields.len(),
        broken_reason,
        id: r.id,
        name: r.name,
        channel_id: r.channel_id.into_string(),
        channel: None,
        instance_id: r.instance_id.into_string(),
        state,
    }
}

pub async fn list(
    admin: SignedIn,
    state: web::Data<AppState>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let read = |store: &Store| Ok::<_, StoreError>((store.subscriptions()?, store.templates()?, instance_ids(store)?));
    let (subscriptions, templates, installed) = state.store.run(read).await?;
    let sorted = |mut v: Vec<SubscriptionRecordV1>| {
        v.sort_by(|a, b| (&a.channel_id, &a.name).cmp(&(&b.channel_id, &b.name)));
        v.into_iter().map(|r| row(r, &installed)).collect()
    };
    let mut subscriptions: Vec<Row> = sorted(subscriptions);
    let mut templates: Vec<Row> = sorted(templates);
    for row in subscriptions.iter_mut().chain(templates.iter_mut()) {
        row.channel = state.channel_names.display(&state.mattermost, &row.channel_id).await;
    }
    let page = ListPage {
        chrome: Chrome::new(&admin, "/admin/subscriptions", "Subscriptions").with_notice(notice.text()),
        subscriptions,
        templates,
    };
    render(&page)
}

/// The stored rule `id` of `kind` (call it in `Store::run`).
fn find(store: &Store, kind: RuleKind, id: &str) -> Result<SubscriptionRecordV1, ConsoleError> {
    let found = match kind {
        RuleKind::Subscription => store.subscription(id)?,
        RuleKind::Template => store.template(id)?,
    };
    found.ok_or_else(|| ConsoleError::NotFound("No such rule: it may have been deleted.".into()))
}

/// The ids of the instances a rule can name (call it in `Store::run`).
fn instance_ids(store: &Store) -> Result<Vec<String>, StoreError> {
    Ok(store.instances()?.into_iter().map(|i| i.id.into_string()).collect())
}

/// The editor for `form`; `instances` from [`instance_ids`]. The names to pick from are
/// those of the rule's instance (else the first one).
async fn editor(
    state: &AppState,
    admin: &SignedIn,
    segment: &str,
    mut form: RuleForm,
    mut instances: Vec<String>,
) -> Result<EditorPage, ConsoleError> {
    form.channel = super::channel_picker::shown(state, &form.channel).await;
    let (_, base, noun) = kind_of(segment)?;
    let title = if form.id.is_empty() { format!("New {noun}") } else { format!("{} ({noun})", form.name) };
    // A rule of a removed instance keeps showing that instance, so saving it cannot quietly
    // move it to another one; validation then says the instance is unknown.
    if !form.instance_id.is_empty() && !instances.contains(&form.instance_id) {
        instances.insert(0, form.instance_id.clone());
    }
    let instance =
        if form.instance_id.is_empty() { instances.first().cloned() } else { Some(form.instance_id.clone()) };
    let names = super::known_names::for_instance(state, instance.unwrap_or_default()).await?;
    // Ids the catalogue can name are shown as names; saving turns them back into the ids.
    let mut form = form;
    names.ids_to_names(&mut form);
    Ok(EditorPage {
        chrome: Chrome::new(admin, "/admin/subscriptions", title),
        base,
        noun,
        instances,
        form,
        jql: None,
        dry_run: None,
        names,
        channels: super::channel_picker::choices(state).await,
    })
}

#[derive(serde::Deserialize)]
pub struct NewQuery {
    #[serde(default)]
    template: String,
}

pub async fn new_form(
    admin: SignedIn,
    state: web::Data<AppState>,
    segment: web::Path<String>,
    query: web::Query<NewQuery>,
) -> Result<HttpResponse, ConsoleError> {
    let template = query.into_inner().template;
    let read = move |store: &Store| Ok::<_, StoreError>((store.instances()?, store.template(&template)?));
    let (all, template) = state.store.run(read).await?;
    let default_instance = all.iter().find(|i| i.is_default).map(|i| i.id.to_string()).unwrap_or_default();
    let form = match template {
        Some(template) => RuleForm { id: String::new(), name: String::new(), ..RuleForm::from_record(&template) },
        None => RuleForm::blank(default_instance),
    };
    render(&editor(&state, &admin, &segment, form, all.into_iter().map(|i| i.id.into_string()).collect()).await?)
}

pub async fn show(
    admin: SignedIn,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    notice: web::Query<Notice>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    let (kind, _, _) = kind_of(&segment)?;
    let read = move |store: &Store| Ok::<_, ConsoleError>((find(store, kind, &id)?, instance_ids(store)?));
    let (record, instances) = state.store.run(read).await?;
    let mut page = editor(&state, &admin, &segment, RuleForm::from_record(&record), instances).await?;
    page.chrome.notice = notice.text();
    page.jql = Some(approximate_jql(&stored::from_record(&record), MatchSettings::from_config(&state.config())));
    render(&page)
}

/// Create (`id` = None) or update, then back to the rule's page; on invalid input, the
/// editor again with the messages next to the fields.
async fn save(
    state: &AppState,
    post: &SignedPost,
    segment: &str,
    id: Option<&str>,
) -> Result<HttpResponse, ConsoleError> {
    let (kind, base, noun) = kind_of(segment)?;
    let mut form = RuleForm::from_form(&post.form);
    let names = super::known_names::for_instance(state, form.instance_id.clone()).await?;
    let unknown_names = names.names_to_ids(&mut form);
    let resolved = super::channel_picker::resolve(state, &form.channel).await;
    let result = match &resolved {
        Err(message) => Err(SubscriptionError::Invalid([("channel_id".to_string(), message.clone())].into())),
        Ok(_) if !unknown_names.is_empty() => Err(SubscriptionError::Invalid(unknown_names)),
        Ok(channel) => {
            let service = state.rules_as(kind, &post.admin.username);
            let model = form.to_model(channel);
            match id {
                None => service.create(model).await,
                Some(id) => service.update(id, model).await,
            }
        }
    };
    match result {
        Ok(record) => {
            if kind == RuleKind::Subscription {
                let verb = if id.is_none() { "added to this channel" } else { "updated" };
                let text = format!("Jira subscription, \"{}\", was {verb} by {}", record.name, post.admin.username);
                announce(&state.mattermost, &record.channel_id, &text);
            }
            Ok(see_other(&format!("{base}/{}?notice={noun}_saved", record.id)))
        }
        Err(SubscriptionError::Invalid(errors)) => {
            form.id = id.unwrap_or_default().to_string();
            form.place_errors(errors);
            let instances = state.store.run(instance_ids).await?;
            let mut page = editor(state, &post.admin, segment, form, instances).await?;
            page.chrome.error = Some(format!("The {noun} was not saved: please correct the fields marked below."));
            render_status(StatusCode::BAD_REQUEST, &page)
        }
        Err(SubscriptionError::NotFound) => {
            Err(ConsoleError::NotFound(format!("No such {noun}: it may have been deleted.")))
        }
        Err(SubscriptionError::Store(e)) => Err(e.into()),
    }
}

pub async fn create(
    state: web::Data<AppState>,
    post: SignedPost,
    segment: web::Path<String>,
) -> Result<HttpResponse, ConsoleError> {
    save(&state, &post, &segment, None).await
}

pub async fn update(
    state: web::Data<AppState>,
    post: SignedPost,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    save(&state, &post, &segment, Some(&id)).await
}

pub async fn delete(
    state: web::Data<AppState>,
    post: SignedPost,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    let (kind, _, noun) = kind_of(&segment)?;
    match state.rules_as(kind, &post.admin.username).delete(&id).await {
        Ok(removed) => {
            if kind == RuleKind::Subscription {
                let text = format!(
                    "Jira subscription, \"{}\", was removed from this channel by {}",
                    removed.name, post.admin.username
                );
                announce(&state.mattermost, &removed.channel_id, &text);
            }
            Ok(see_other(&format!("/admin/subscriptions?notice={noun}_deleted")))
        }
        Err(SubscriptionError::Store(e)) => Err(e.into()),
        Err(_) => Err(ConsoleError::NotFound(format!("No such {noun}: it may have been deleted."))),
    }
}

/// Which recent events the rule as the editor shows it would have posted, saved or not
/// (`id` is `new` for a rule not saved yet): the form is read as saving reads it, and
/// nothing is saved or posted. The editor comes back with what was typed and the result.
pub async fn try_rule(
    state: web::Data<AppState>,
    post: SignedPost,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ConsoleError> {
    let (segment, id) = path.into_inner();
    let (_, _, noun) = kind_of(&segment)?;
    let typed = RuleForm::from_form(&post.form);
    let mut form = typed.clone();
    let names = super::known_names::for_instance(&state, form.instance_id.clone()).await?;
    let mut errors = names.names_to_ids(&mut form);
    // A template names no channel: any will do for trying it.
    let channel = match super::channel_picker::resolve(&state, &form.channel).await {
        Ok(channel) => Some(channel),
        Err(_) if form.channel.trim().is_empty() => Some(crate::ids::ChannelId::unchecked("")),
        Err(message) => {
            errors.insert("channel_id".to_string(), message);
            None
        }
    };
    let instances = state.store.run(instance_ids).await?;
    let mut shown = typed;
    shown.id = if id == "new" { String::new() } else { id };
    let Some(channel) = channel.filter(|_| errors.is_empty()) else {
        shown.place_errors(errors);
        let mut page = editor(&state, &post.admin, &segment, shown, instances).await?;
        page.chrome.error = Some(format!("The {noun} could not be tried: please correct the fields marked below."));
        return render_status(StatusCode::BAD_REQUEST, &page);
    };
    let settings = MatchSettings::from_config(&state.config());
    let sub = form.to_model(&channel);
    let tried = sub.clone();
    let result = state
        .store
        .run(move |store| crate::subscriptions::service::dry_run(store, &tried, DRY_RUN_EVENTS, settings))
        .await?;
    let mut page = editor(&state, &post.admin, &segment, shown, instances).await?;
    page.jql = Some(approximate_jql(&sub, settings));
    page.dry_run = Some(result);
    render(&page)
}
