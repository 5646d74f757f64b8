//! Issue search in the fake Jira (SPEC §12.2, §14.2): `GET /rest/api/2/search` on Data
//! Center (410 on Cloud, as Atlassian retired it) and `GET /rest/api/3/search/jql` on Cloud.
//! The JQL understood is the picker's: `text ~ "words"` matches summaries containing the
//! words, anything else lists every issue; hidden issues are left out for their callers.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use serde_json::{json, Value};

use super::people::caller;
use super::World;

type Shared = web::Data<Arc<Mutex<World>>>;

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/rest/api/2/search", web::get().to(old_search))
        .route("/rest/api/3/search/jql", web::get().to(search));
}

async fn old_search(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    if world.lock().unwrap().cloud {
        world.lock().unwrap().requests.push(format!("GET {}", req.uri()));
        let gone = "The requested API has been removed. Please migrate to the /rest/api/3/search/jql API.";
        return HttpResponse::Gone().json(json!({"errorMessages": [gone], "errors": {}}));
    }
    search(world, req, query).await
}

async fn search(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    let (auth, _) = match caller(&mut world, &req) {
        Ok(who) => who,
        Err(refused) => return refused,
    };
    let jql = query.get("jql").cloned().unwrap_or_default();
    let words = jql.split('"').nth(1).filter(|_| jql.starts_with("text ~")).map(str::to_lowercase);
    let most: usize = query.get("maxResults").and_then(|m| m.parse().ok()).unwrap_or(50);
    let mut found: Vec<Value> = world
        .issues
        .iter()
        .filter(|(key, _)| key.contains('-'))
        .filter(|(key, _)| super::people::hidden_status(&world, &auth, key).is_none())
        .filter(|(_, fields)| {
            let summary = fields["summary"].as_str().unwrap_or_default().to_lowercase();
            words.as_ref().is_none_or(|w| summary.contains(w.trim_end_matches('*')))
        })
        .map(|(key, fields)| json!({"id": "1", "key": key, "fields": {"summary": fields["summary"]}}))
        .collect();
    found.sort_by(|a, b| a["key"].as_str().cmp(&b["key"].as_str()));
    found.truncate(most);
    HttpResponse::Ok().json(json!({"issues": found}))
}
