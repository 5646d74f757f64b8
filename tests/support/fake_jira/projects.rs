//! Projects and creating issues in the fake Jira (SPEC §12.2): the project list (Data
//! Center) and search (Cloud), both createmeta shapes and the old call (by version), and
//! create, which refuses missing required fields and fields not on the screen.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::people::caller;
use super::{FakeJira, World};

type Shared = web::Data<Arc<Mutex<World>>>;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/rest/api/2/project", web::get().to(projects))
        .route("/rest/api/2/project/{key}", web::get().to(project))
        .route("/rest/api/3/project/search", web::get().to(project_search))
        .route("/rest/api/2/issue/createmeta/{project}/issuetypes/{type}", web::get().to(create_screen))
        .route("/rest/api/2/issue/createmeta", web::get().to(old_create_screen))
        .route("/rest/api/2/issue", web::post().to(create_issue));
}

async fn projects(world: Shared, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = super::catalogue::signed_in(&mut world, &req) {
        return refused;
    }
    let list: Vec<Value> = world.projects.iter().map(|(_, project, _)| project.clone()).collect();
    HttpResponse::Ok().json(list)
}

/// One project, 404 as Jira answers for a key nobody may browse.
async fn project(world: Shared, req: HttpRequest, key: web::Path<String>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller(&mut world, &req) {
        return refused;
    }
    match world.projects.iter().find(|(k, _, _)| *k == *key) {
        Some((_, project, _)) => HttpResponse::Ok().json(project),
        None => HttpResponse::NotFound()
            .json(json!({"errorMessages": [format!("No project could be found with key '{key}'.")], "errors": {}})),
    }
}

/// Summary and the project's extra required fields: `values[]` on Data Center, `fields[]`
/// on Cloud.
async fn create_screen(world: Shared, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller(&mut world, &req) {
        return refused;
    }
    if !world.cloud && world.version() < (8, 4) {
        return HttpResponse::NotFound().finish();
    }
    let Some((_, _, required)) = world.projects.iter().find(|(key, _, _)| *key == path.0) else {
        return HttpResponse::NotFound().json(json!({"errorMessages": ["No project could be found."], "errors": {}}));
    };
    let mut values = vec![
        json!({"fieldId": "summary", "name": "Summary", "required": true, "schema": {"type": "string", "system": "summary"}}),
    ];
    values.extend(required.iter().map(|(id, name)| json!({"fieldId": id, "name": name, "required": true})));
    values.extend(world.screens.get(&path.0).cloned().unwrap_or_default());
    let shape = if world.cloud { "fields" } else { "values" };
    HttpResponse::Ok().json(json!({ shape: values }))
}

/// The old createmeta: every project asked for, each issue type with its fields by id.
/// Gone on Data Center 9.
async fn old_create_screen(
    world: Shared,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller(&mut world, &req) {
        return refused;
    }
    if !world.cloud && world.version() >= (9, 0) {
        return HttpResponse::NotFound().finish();
    }
    let wanted = query.get("projectKeys").cloned().unwrap_or_default();
    let projects: Vec<Value> = world
        .projects
        .iter()
        .filter(|(key, _, _)| wanted.split(',').any(|w| w == key))
        .map(|(key, project, required)| {
            let mut fields = serde_json::Map::new();
            fields.insert("summary".into(), json!({"name": "Summary", "required": true}));
            for (id, name) in required {
                fields.insert(id.clone(), json!({"name": name, "required": true}));
            }
            let types: Vec<Value> = project["issueTypes"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|t| json!({"id": t["id"], "name": t["name"], "fields": fields}))
                .collect();
            json!({"key": key, "issuetypes": types})
        })
        .collect();
    HttpResponse::Ok().json(json!({"projects": projects}))
}

/// Cloud's paged project search (one page here).
/// Cloud's paged search: `startAt` and `maxResults` (at most 50 per page when asked for
/// more, as Jira Cloud caps it), with `isLast` and `total`.
async fn project_search(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = super::catalogue::signed_in(&mut world, &req) {
        return refused;
    }
    let number = |name: &str, default: usize| query.get(name).and_then(|v| v.parse().ok()).unwrap_or(default);
    let (start, most) = (number("startAt", 0), number("maxResults", 50).min(50));
    let all: Vec<Value> = world.projects.iter().map(|(_, project, _)| project.clone()).collect();
    let page: Vec<Value> = all.iter().skip(start).take(most).cloned().collect();
    let last = start + page.len() >= all.len();
    HttpResponse::Ok()
        .json(json!({"values": page, "startAt": start, "maxResults": most, "isLast": last, "total": all.len()}))
}

async fn create_issue(world: Shared, req: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    if let Err(refused) = caller(&mut world, &req) {
        return refused;
    }
    let fields = &body["fields"];
    let project = fields["project"]["key"].as_str().unwrap_or_default().to_string();
    let Some((_, _, required)) = world.projects.iter().find(|(key, _, _)| *key == project).cloned() else {
        return HttpResponse::BadRequest()
            .json(json!({"errorMessages": [], "errors": {"project": "valid project is required"}}));
    };
    if let Some((id, name)) = required.iter().find(|(id, _)| fields.get(id).is_none()) {
        return HttpResponse::BadRequest()
            .json(json!({"errorMessages": [], "errors": {id: format!("{name} is required.")}}));
    }
    let screen = world.screens.get(&project).cloned().unwrap_or_default();
    if let Some(missing) =
        screen.iter().find(|f| f["required"] == true && fields.get(f["fieldId"].as_str().unwrap()).is_none())
    {
        return HttpResponse::BadRequest()
            .json(json!({"errorMessages": [], "errors": {missing["fieldId"].as_str().unwrap(): format!("{} is required.", missing["name"].as_str().unwrap())}}));
    }
    let known = |id: &str| {
        ["project", "issuetype", "summary", "description"].contains(&id) || screen.iter().any(|f| f["fieldId"] == id)
    };
    if let Some(unknown) = fields
        .as_object()
        .into_iter()
        .flatten()
        .map(|(id, _)| id)
        .find(|id| !known(id) && !required.iter().any(|(r, _)| r == *id))
    {
        return HttpResponse::BadRequest().json(json!({"errorMessages": [], "errors": {unknown: format!("Field '{unknown}' cannot be set. It is not on the appropriate screen, or unknown.")}}));
    }
    let key = format!("{project}-{}", world.issues.len() + 100);
    let mut stored = fields.clone();
    stored["status"] = json!({"name": "To Do"});
    world.issues.insert(key.clone(), stored);
    HttpResponse::Created().json(json!({"id": "1", "key": key, "self": ""}))
}

impl FakeJira {
    /// A project with its issue types (id, name) and the fields its create screen requires
    /// besides the summary (id, name).
    pub fn add_project(&self, key: &str, name: &str, types: &[(&str, &str)], required: &[(&str, &str)]) {
        let issue_types: Vec<Value> =
            types.iter().map(|(id, name)| json!({"id": id, "name": name, "subtask": false})).collect();
        let required = required.iter().map(|(id, name)| (id.to_string(), name.to_string())).collect();
        let mut world = self.world.lock().unwrap();
        let id = (10_000 + world.projects.len()).to_string();
        let project = json!({"id": id, "key": key, "name": name, "issueTypes": issue_types});
        world.projects.push((key.to_string(), project, required));
    }

    /// A typed field on `project`'s create screen (createmeta JSON: `fieldId`, `name`,
    /// `required`, `schema`, `allowedValues`).
    pub fn add_create_field(&self, project: &str, field: Value) {
        self.world.lock().unwrap().screens.entry(project.into()).or_default().push(field);
    }

    /// The fields of the issue created last in `project`, as Jira got them.
    pub fn created_fields(&self, project: &str) -> Value {
        let world = self.world.lock().unwrap();
        let prefix = format!("{project}-");
        let newest = world
            .issues
            .keys()
            .filter(|k| k.starts_with(&prefix))
            .max_by_key(|k| k[prefix.len()..].parse::<u64>().unwrap_or(0));
        newest.and_then(|k| world.issues.get(k)).cloned().unwrap_or(Value::Null)
    }
}
