//! The lists the catalogue reads (SPEC §6.9, §12.2): issue types, priorities, statuses and
//! fields of the site, and per project its components, versions and security levels
//! (`{"levels": […]}`; 404 for a project without an issue security scheme, as Jira answers).
//! Any signed-in caller may read them: the admin's API token or a connected user.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::{expected_auth, not_authenticated, principal, FakeJira, World};

type Shared = web::Data<Arc<Mutex<World>>>;

/// What the lists hold; a new fake starts with Jira's out-of-the-box priorities and
/// statuses, and the system fields.
pub(super) struct Catalogue {
    issue_types: Vec<Value>,
    priorities: Vec<Value>,
    statuses: Vec<Value>,
    fields: Vec<Value>,
    /// (project key, `components` | `versions` | `securitylevel`) → its items.
    per_project: HashMap<(String, String), Vec<Value>>,
    /// How long each list takes to answer.
    delay: std::time::Duration,
}

impl Default for Catalogue {
    fn default() -> Catalogue {
        let named = |items: &[(&str, &str)]| items.iter().map(|(id, name)| json!({"id": id, "name": name})).collect();
        Catalogue {
            issue_types: named(&[("10001", "Bug"), ("10002", "Task")]),
            priorities: named(&[("1", "Highest"), ("2", "High"), ("3", "Medium"), ("4", "Low"), ("5", "Lowest")]),
            statuses: named(&[("1", "Open"), ("3", "In Progress"), ("10001", "Done")]),
            fields: vec![
                json!({"id": "summary", "name": "Summary", "custom": false}),
                json!({"id": "priority", "name": "Priority", "custom": false}),
            ],
            per_project: HashMap::new(),
            delay: std::time::Duration::ZERO,
        }
    }
}

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/rest/api/2/issuetype", web::get().to(issue_types))
        .route("/rest/api/2/priority", web::get().to(priorities))
        .route("/rest/api/2/status", web::get().to(statuses))
        .route("/rest/api/2/field", web::get().to(fields))
        .route("/rest/api/2/project/{key}/{list}", web::get().to(per_project));
}

/// The request logged and its caller checked: the admin's credentials or a known user's.
pub(super) fn signed_in(world: &mut World, req: &HttpRequest) -> Result<(), HttpResponse> {
    world.requests.push(format!("{} {}", req.method(), req.uri()));
    if let Some(slow_down) = world.rate_limit() {
        return Err(slow_down);
    }
    let auth = principal(world, req);
    if auth == expected_auth() || world.people.contains_key(&auth) {
        Ok(())
    } else {
        Err(not_authenticated())
    }
}

async fn answer(world: &Shared, req: &HttpRequest, list: impl Fn(&Catalogue) -> Vec<Value>) -> HttpResponse {
    wait(world).await;
    let mut world = world.lock().unwrap();
    match signed_in(&mut world, req) {
        Ok(()) => HttpResponse::Ok().json(list(&world.catalogue)),
        Err(refused) => refused,
    }
}

/// The list's delay, slept without holding the world.
async fn wait(world: &Shared) {
    let delay = world.lock().unwrap().catalogue.delay;
    tokio::time::sleep(delay).await;
}

async fn issue_types(world: Shared, req: HttpRequest) -> HttpResponse {
    answer(&world, &req, |c| c.issue_types.clone()).await
}

async fn priorities(world: Shared, req: HttpRequest) -> HttpResponse {
    answer(&world, &req, |c| c.priorities.clone()).await
}

async fn statuses(world: Shared, req: HttpRequest) -> HttpResponse {
    answer(&world, &req, |c| c.statuses.clone()).await
}

async fn fields(world: Shared, req: HttpRequest) -> HttpResponse {
    answer(&world, &req, |c| c.fields.clone()).await
}

async fn per_project(world: Shared, req: HttpRequest, path: web::Path<(String, String)>) -> HttpResponse {
    wait(&world).await;
    let mut world = world.lock().unwrap();
    if let Err(refused) = signed_in(&mut world, &req) {
        return refused;
    }
    let (key, list) = path.into_inner();
    if !world.projects.iter().any(|(k, _, _)| *k == key) {
        let message = format!("No project could be found with key '{key}'.");
        return HttpResponse::NotFound().json(json!({"errorMessages": [message], "errors": {}}));
    }
    let items = world.catalogue.per_project.get(&(key, list.clone())).cloned();
    match (list.as_str(), items) {
        ("securitylevel", Some(levels)) => HttpResponse::Ok().json(json!({ "levels": levels })),
        ("securitylevel", None) => HttpResponse::NotFound()
            .json(json!({"errorMessages": ["The project has no issue security scheme."], "errors": {}})),
        ("components" | "versions", items) => HttpResponse::Ok().json(items.unwrap_or_default()),
        _ => HttpResponse::NotFound().finish(),
    }
}

impl FakeJira {
    /// A custom field the site has (`GET /field` lists it with `"custom": true`).
    pub fn add_custom_field(&self, id: &str, name: &str) {
        self.world.lock().unwrap().catalogue.fields.push(json!({"id": id, "name": name, "custom": true}));
    }

    /// Each list answers after `delay` from now on (a slow Jira).
    pub fn slow_lists(&self, delay: std::time::Duration) {
        self.world.lock().unwrap().catalogue.delay = delay;
    }

    /// `project`'s `components`, `versions` or `securitylevel` list: (id, name) pairs.
    pub fn set_project_list(&self, project: &str, list: &str, items: &[(&str, &str)]) {
        let items = items.iter().map(|(id, name)| json!({"id": id, "name": name})).collect();
        self.world.lock().unwrap().catalogue.per_project.insert((project.into(), list.into()), items);
    }
}
