//! What connected users call with their own credentials (SPEC §12.2): `myself`, an issue's
//! transitions (and taking one), assignable users (`query=` on Cloud, `username=` on Data
//! Center) and the assignee. A personal access token is `Bearer`, a Cloud API token `Basic`.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use serde_json::{json, Value};

use super::{not_authenticated, FakeJira, World};

type Shared = web::Data<Arc<Mutex<World>>>;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/rest/api/2/myself", web::get().to(myself))
        .route("/rest/api/2/issue/{issue}/transitions", web::get().to(transitions))
        .route("/rest/api/2/issue/{issue}/transitions", web::post().to(take_transition))
        .route("/rest/api/2/user/assignable/search", web::get().to(assignable))
        .route("/rest/api/2/issue/{issue}/assignee", web::put().to(assign))
        .route("/rest/api/2/issue/{issue}/comment/{comment}", web::get().to(comment))
        .route("/rest/api/2/issue/{issue}/comment", web::post().to(add_comment))
        .route("/rest/api/2/issue/{issue}/comment/{comment}", web::put().to(edit_comment))
        .route("/rest/api/2/issue/{issue}/attachments", web::post().to(add_attachment))
        .route("/rest/api/2/issue/{issue}/watchers", web::get().to(watchers))
        .configure(super::projects::routes);
}

/// The caller, from its `Authorization` header, after logging the request.
pub(super) fn caller(world: &mut World, req: &HttpRequest) -> Result<(String, Value), HttpResponse> {
    world.requests.push(format!("{} {}", req.method(), req.uri()));
    if let Some(slow_down) = world.rate_limit() {
        return Err(slow_down);
    }
    let auth = super::principal(world, req);
    match world.people.get(&auth) {
        Some(person) => Ok((auth, person.clone())),
        None => Err(not_authenticated()),
    }
}

fn missing_issue() -> HttpResponse {
    HttpResponse::NotFound()
        .json(json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}))
}

/// The status `issue` answers `auth` when it is hidden from them.
pub(super) fn hidden_status(world: &World, auth: &str, issue: &str) -> Option<u16> {
    world.hidden.get(issue)?.iter().find(|(from, _)| from == auth).map(|(_, status)| *status)
}

/// What Jira answers about an issue hidden from the caller: 404 (it does not say whether
/// the issue exists), or 403 / 401 as the test chose.
pub(super) fn hidden_answer(status: u16) -> HttpResponse {
    match status {
        403 => HttpResponse::Forbidden().json(
            json!({"errorMessages": ["You do not have the permission to see the specified issue."], "errors": {}}),
        ),
        401 => not_authenticated(),
        _ => missing_issue(),
    }
}

/// The caller's `Authorization` header when they may see `issue`; else the answer (401,
/// 403, 404).
fn caller_seeing(world: &mut World, req: &HttpRequest, issue: &str) -> Result<String, HttpResponse> {
    let (auth, _) = caller(world, req)?;
    if !world.issues.contains_key(issue) {
        return Err(missing_issue());
    }
    match hidden_status(world, &auth, issue) {
        Some(status) => Err(hidden_answer(status)),
        None => Ok(auth),
    }
}

async fn myself(world: Shared, req: HttpRequest) -> HttpResponse {
    match caller(&mut world.lock().unwrap(), &req) {
        Ok((_, person)) => HttpResponse::Ok().json(person),
        Err(refused) => refused,
    }
}

async fn comment(world: Shared, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let (issue, comment) = path.into_inner();
    match caller_seeing(&mut world, &req, &issue) {
        Ok(_) => HttpResponse::Ok().json(json!({"id": comment, "body": ""})),
        Err(refused) => refused,
    }
}

async fn add_comment(world: Shared, req: HttpRequest, path: web::Path<String>, body: web::Json<Value>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    let text = body["body"].as_str().unwrap_or_default().to_string();
    let group = body["visibility"]["value"].as_str().map(str::to_string);
    world.comment_groups.entry(path.to_string()).or_default().push(group);
    let comments = world.comments.entry(path.into_inner()).or_default();
    comments.push(text);
    HttpResponse::Created().json(json!({"id": comments.len().to_string()}))
}

async fn edit_comment(
    world: Shared,
    req: HttpRequest,
    path: web::Path<(String, String)>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let (issue, comment) = path.into_inner();
    if let Err(refused) = caller_seeing(&mut world, &req, &issue) {
        return refused;
    }
    let index = comment.parse::<usize>().ok().and_then(|n| n.checked_sub(1));
    let Some(slot) = index.and_then(|i| world.comments.get_mut(&issue)?.get_mut(i)) else {
        return HttpResponse::NotFound()
            .json(json!({"errorMessages": ["Can not find a comment for the id."], "errors": {}}));
    };
    *slot = body["body"].as_str().unwrap_or_default().to_string();
    HttpResponse::Ok().json(json!({"id": comment}))
}

/// Jira's upload: multipart `file`, refused without `X-Atlassian-Token: no-check`.
async fn add_attachment(world: Shared, req: HttpRequest, path: web::Path<String>, body: web::Bytes) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    if req.headers().get("x-atlassian-token").and_then(|v| v.to_str().ok()) != Some("no-check") {
        return HttpResponse::Forbidden().body("XSRF check failed");
    }
    let is_multipart = req
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.starts_with("multipart/form-data; boundary="));
    let text = String::from_utf8_lossy(&body);
    let name = text.split("filename=\"").nth(1).and_then(|rest| rest.split('"').next()).map(str::to_string);
    let (true, Some(name), true) = (is_multipart, name, text.contains("name=\"file\"")) else {
        return HttpResponse::BadRequest().json(json!({"errorMessages": ["no file"], "errors": {}}));
    };
    world.attachments.entry(path.into_inner()).or_default().push((name.clone(), body.len()));
    HttpResponse::Ok().json(json!([{"id": "1", "filename": name}]))
}

async fn watchers(world: Shared, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    let names = world.watchers.get(path.as_str()).cloned().unwrap_or_default();
    let people: Vec<Value> = world
        .people
        .values()
        .filter(|p| p["name"].as_str().is_some_and(|n| names.iter().any(|w| w == n)))
        .cloned()
        .collect();
    HttpResponse::Ok().json(json!({"watchCount": people.len(), "isWatching": false, "watchers": people}))
}

async fn transitions(world: Shared, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    let offered = world.transitions.get(path.as_str()).cloned().unwrap_or_default();
    let list: Vec<Value> =
        offered.iter().map(|(id, name, to)| json!({"id": id, "name": name, "to": {"id": id, "name": to}})).collect();
    HttpResponse::Ok().json(json!({"expand": "transitions", "transitions": list}))
}

async fn take_transition(
    world: Shared,
    req: HttpRequest,
    path: web::Path<String>,
    body: web::Json<Value>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    let wanted = body["transition"]["id"].as_str().unwrap_or_default().to_string();
    let offered = world.transitions.get(path.as_str()).cloned().unwrap_or_default();
    let Some((_, _, to)) = offered.into_iter().find(|(id, _, _)| *id == wanted) else {
        return HttpResponse::BadRequest()
            .json(json!({"errorMessages": ["Transition id is not valid for this issue."], "errors": {}}));
    };
    if let Some(fields) = world.issues.get_mut(path.as_str()) {
        fields["status"] = json!({"name": to});
    }
    HttpResponse::NoContent().finish()
}

async fn assignable(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let issue = query.get("issueKey").cloned().unwrap_or_default();
    if let Err(refused) = caller_seeing(&mut world, &req, &issue) {
        return refused;
    }
    let search = query.get("query").or(query.get("username")).cloned().unwrap_or_default().to_lowercase();
    let found: Vec<Value> = world
        .people
        .values()
        .filter(|p| {
            ["displayName", "name", "emailAddress"]
                .iter()
                .any(|field| p[field].as_str().is_some_and(|v| v.to_lowercase().contains(&search)))
        })
        .cloned()
        .collect();
    HttpResponse::Ok().json(found)
}

async fn assign(world: Shared, req: HttpRequest, path: web::Path<String>, body: web::Json<Value>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller_seeing(&mut world, &req, &path) {
        return refused;
    }
    let by_account = body.get("accountId").cloned();
    let by_name = body.get("name").cloned();
    let wanted = by_account.clone().or(by_name.clone()).unwrap_or(Value::Null);
    let assignee = match wanted.as_str() {
        None => Value::Null,
        Some(id) => {
            let field = if by_account.is_some() { "accountId" } else { "name" };
            match world.people.values().find(|p| p[field] == id).cloned() {
                Some(person) => person,
                None => return HttpResponse::BadRequest().json(json!({"errorMessages": [], "errors": {"assignee": format!("User '{id}' cannot be assigned issues.")}})),
            }
        }
    };
    if let Some(fields) = world.issues.get_mut(path.as_str()) {
        fields["assignee"] = assignee;
    }
    HttpResponse::NoContent().finish()
}

impl FakeJira {
    /// A Data Center user with a personal access token (`Bearer`); answers nothing.
    pub fn add_pat_user(&self, token: &str, name: &str, display_name: &str) {
        let person = json!({"name": name, "key": format!("JIRAUSER-{name}"), "displayName": display_name,
            "emailAddress": format!("{name}@example.com"), "timeZone": "UTC", "active": true});
        self.world.lock().unwrap().people.insert(format!("Bearer {token}"), person);
    }

    /// A Cloud user with an API token (`Basic email:token`).
    pub fn add_api_token_user(&self, email: &str, token: &str, account_id: &str, display_name: &str) {
        let header = base64::engine::general_purpose::STANDARD.encode(format!("{email}:{token}"));
        let person = json!({"accountId": account_id, "displayName": display_name, "emailAddress": email,
            "timeZone": "UTC", "active": true});
        self.world.lock().unwrap().people.insert(format!("Basic {header}"), person);
    }

    /// The next `count` user calls answer 429 with `Retry-After: seconds`.
    pub fn rate_limit_next(&self, count: usize, seconds: u64) {
        self.world.lock().unwrap().rate_limited = Some((seconds, count));
    }

    /// The personal access token `token` is revoked: Jira answers 401 to it from now on.
    pub fn revoke_pat(&self, token: &str) {
        self.world.lock().unwrap().people.remove(&format!("Bearer {token}"));
    }

    /// The transitions `issue` offers: (id, name, target status).
    pub fn set_transitions(&self, issue: &str, offered: &[(&str, &str, &str)]) {
        let offered = offered.iter().map(|(a, b, c)| (a.to_string(), b.to_string(), c.to_string())).collect();
        self.world.lock().unwrap().transitions.insert(issue.into(), offered);
    }

    /// `issue` answers 404 to the holder of `pat`.
    pub fn hide_issue_from(&self, issue: &str, pat: &str) {
        self.hide_issue_with(issue, pat, 404);
    }

    /// `issue` answers `status` (404, 403 or 401) to the holder of `pat`.
    pub fn hide_issue_with(&self, issue: &str, pat: &str, status: u16) {
        self.world.lock().unwrap().hidden.entry(issue.into()).or_default().push((format!("Bearer {pat}"), status));
    }

    /// Who watches `issue` (Data Center user names of token users).
    pub fn set_watchers(&self, issue: &str, names: &[&str]) {
        self.world.lock().unwrap().watchers.insert(issue.into(), names.iter().map(|n| n.to_string()).collect());
    }

    /// The groups the holder of `pat` is in (`myself?expand=groups`).
    pub fn set_groups(&self, pat: &str, groups: &[&str]) {
        let items: Vec<Value> = groups.iter().map(|g| json!({"name": g})).collect();
        if let Some(person) = self.world.lock().unwrap().people.get_mut(&format!("Bearer {pat}")) {
            person["groups"] = json!({"size": items.len(), "items": items});
        }
    }

    /// The visibility group of each comment added to `issue`, oldest first.
    pub fn comment_groups(&self, issue: &str) -> Vec<Option<String>> {
        self.world.lock().unwrap().comment_groups.get(issue).cloned().unwrap_or_default()
    }

    /// The names of the files attached to `issue` through the API, oldest first.
    pub fn attachments(&self, issue: &str) -> Vec<String> {
        self.world.lock().unwrap().attachments.get(issue).into_iter().flatten().map(|(name, _)| name.clone()).collect()
    }

    /// The comments added to `issue` through the API, oldest first.
    pub fn comments(&self, issue: &str) -> Vec<String> {
        self.world.lock().unwrap().comments.get(issue).cloned().unwrap_or_default()
    }

    /// The issue's `fields` now.
    pub fn issue_fields(&self, issue: &str) -> Value {
        self.world.lock().unwrap().issues.get(issue).cloned().unwrap_or(Value::Null)
    }
}
