//! A loopback fake of the parts of Jira's REST API jirabridge calls (SPEC §12, §14.2):
//! `GET /status`, `GET /rest/api/2/user` (`accountId=` on Cloud, `username=` on Data
//! Center) and `GET /rest/api/2/issue/{idOrKey}` with the admin credentials, and what
//! connected users call with their own tokens (`people`). Credentials are checked (401 with
//! Jira's error shape otherwise) and every request is logged, so tests can also assert that
//! no call was made (push-only mode).

mod catalogue;
mod oauth;
mod people;
mod projects;
mod search;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use serde_json::json;

/// Fields a project's create screen requires besides the summary: (id, name).
type RequiredFields = Vec<(String, String)>;

#[derive(Default)]
struct World {
    /// `accountid:<id>` or a Server user name → display name.
    users: HashMap<String, String>,
    /// Method and path with query of every request.
    requests: Vec<String>,
    /// Where `GET /status` redirects (302) instead of answering, when set.
    status_redirect: Option<String>,
    /// The state `GET /status` reports other than `RUNNING`, when set: with 200 for
    /// `FIRST_RUN` (a new Jira whose setup is not done), else with 503 (starting, stopping,
    /// maintenance, error).
    state: Option<String>,
    /// Issue id or key → the issue's `fields`.
    issues: HashMap<String, serde_json::Value>,
    /// The status every issue read answers instead, when set (a failing Jira).
    issue_failure: Option<u16>,
    /// How long an issue read takes.
    issue_delay: std::time::Duration,
    /// A user's `Authorization` header → who they are (`myself`'s JSON).
    people: HashMap<String, serde_json::Value>,
    /// Issue key → the transitions it offers: (id, name, target status).
    transitions: HashMap<String, Vec<(String, String, String)>>,
    /// Issue key → the `Authorization` headers it is hidden from, each with the status they
    /// get (404 as Jira answers most, 403 or 401 as some setups do).
    hidden: HashMap<String, Vec<(String, u16)>>,
    /// Jira Cloud's shapes where they differ from Data Center's (createmeta `fields[]`).
    cloud: bool,
    /// Projects: key, the JSON `GET /project` lists, and the required create fields.
    projects: Vec<(String, serde_json::Value, RequiredFields)>,
    /// Project key → typed fields of its create screen (createmeta JSON, with `schema`).
    screens: HashMap<String, Vec<serde_json::Value>>,
    /// Issue key → comments added through the API.
    comments: HashMap<String, Vec<String>>,
    /// Issue key → files attached through the API: (name, multipart body length).
    attachments: HashMap<String, Vec<(String, usize)>>,
    /// Issue key → the visibility group of each comment added (None: everyone).
    comment_groups: HashMap<String, Vec<Option<String>>>,
    /// Issue key → the user names watching it.
    watchers: HashMap<String, Vec<String>>,
    /// The next user calls answered 429 with this `Retry-After` (seconds), and how many.
    rate_limited: Option<(u64, usize)>,
    /// OAuth 1.0a consumers and tokens, OAuth 2.0 apps, grants and tokens.
    oauth: oauth::OAuthWorld,
    /// What `serverInfo` reports (Data Center); `None` → 9.12.0.
    version: Option<String>,
    /// The lists the catalogue reads.
    catalogue: catalogue::Catalogue,
}

impl World {
    /// The Data Center version as (major, minor).
    fn version(&self) -> (u32, u32) {
        let text = self.version.clone().unwrap_or_else(|| "9.12.0".into());
        let mut parts = text.split('.').map(|p| p.parse().unwrap_or(0));
        (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
    }
}

impl World {
    /// A 429 while the test asked for some (`FakeJira::rate_limit_next`).
    fn rate_limit(&mut self) -> Option<HttpResponse> {
        let (seconds, left) = self.rate_limited.take()?;
        if left > 1 {
            self.rate_limited = Some((seconds, left - 1));
        }
        Some(HttpResponse::TooManyRequests().insert_header(("Retry-After", seconds.to_string())).finish())
    }
}

pub struct FakeJira {
    pub url: String,
    world: Arc<Mutex<World>>,
    server: actix_web::dev::ServerHandle,
}

/// The `Authorization` header the fake accepts.
pub const EMAIL: &str = "jirabridge@example.com";
pub const API_TOKEN: &str = "fake-jira-api-token";

fn expected_auth() -> String {
    use base64::Engine;
    format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{EMAIL}:{API_TOKEN}")))
}

async fn status(world: web::Data<Arc<Mutex<World>>>, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    if let (Some(location), "/status") = (&world.status_redirect, req.path()) {
        return HttpResponse::Found().insert_header(("Location", location.as_str())).finish();
    }
    match world.state.as_deref() {
        Some("FIRST_RUN") => HttpResponse::Ok().json(json!({"state": "FIRST_RUN"})),
        Some(state) => HttpResponse::ServiceUnavailable().json(json!({ "state": state })),
        None => HttpResponse::Ok().json(json!({"state": "RUNNING"})),
    }
}

async fn server_info(world: web::Data<Arc<Mutex<World>>>, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    let (major, minor) = world.version();
    let deployment = if world.cloud { "Cloud" } else { "Server" };
    HttpResponse::Ok().json(json!({"version": format!("{major}.{minor}.0"), "deploymentType": deployment}))
}

async fn user(
    world: web::Data<Arc<Mutex<World>>>,
    req: HttpRequest,
    query: web::Query<HashMap<String, String>>,
) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    let auth = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if auth != expected_auth() {
        return not_authenticated();
    }
    let reference = match (query.get("accountId"), query.get("username")) {
        (Some(account), _) => format!("accountid:{account}"),
        (None, Some(name)) => name.clone(),
        (None, None) => {
            return HttpResponse::BadRequest()
                .json(json!({"errorMessages": ["Either the 'username' or the 'accountId' query parameter need to be provided"], "errors": {}}))
        }
    };
    match world.users.get(&reference) {
        Some(name) => HttpResponse::Ok().json(json!({"accountId": reference.trim_start_matches("accountid:"), "displayName": name, "active": true})),
        None => HttpResponse::NotFound().json(json!({"errorMessages": ["Specified user does not exist or you do not have required permissions"], "errors": {}})),
    }
}

/// Who a request acts as: its `Authorization` header; for OAuth 1.0a `OAuth1 <token>` once the
/// signature checks out; through the gateway `OAuth2 <token>` for a live access token (any
/// other credential there, or a bad signature, is nobody: an empty string).
fn principal(world: &mut World, req: &HttpRequest) -> String {
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    if header.starts_with("OAuth ") {
        return match oauth::verify_oauth1(world, req) {
            Ok(params) => format!("OAuth1 {}", params.get("oauth_token").cloned().unwrap_or_default()),
            Err(_) => String::new(),
        };
    }
    if req.headers().contains_key(oauth::VIA_GATEWAY) {
        return oauth::oauth2_principal(world, &header).unwrap_or_default();
    }
    header
}

fn not_authenticated() -> HttpResponse {
    HttpResponse::Unauthorized().json(
        json!({"errorMessages": ["You are not authenticated. Authentication required to perform this operation."], "errors": {}}),
    )
}

async fn issue(world: web::Data<Arc<Mutex<World>>>, req: HttpRequest, path: web::Path<String>) -> HttpResponse {
    let delay = {
        let mut world = world.lock().unwrap();
        world.requests.push(format!("GET {}", req.uri()));
        world.issue_delay
    };
    tokio::time::sleep(delay).await;
    let mut world = world.lock().unwrap();
    if let Some(slow_down) = world.rate_limit() {
        return slow_down;
    }
    let auth = principal(&mut world, &req);
    if auth != expected_auth() && !world.people.contains_key(&auth) {
        return not_authenticated();
    }
    if let Some(status) = people::hidden_status(&world, &auth, path.as_str()) {
        return people::hidden_answer(status);
    }
    if let Some(status) = world.issue_failure {
        return HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
            .json(json!({"errorMessages": ["Internal server error"], "errors": {}}));
    }
    let reference = path.into_inner();
    match world.issues.get(&reference) {
        Some(fields) => HttpResponse::Ok().json(json!({"id": reference, "key": reference, "fields": fields})),
        None => HttpResponse::NotFound().json(
            json!({"errorMessages": ["Issue does not exist or you do not have permission to see it."], "errors": {}}),
        ),
    }
}

/// The Atlassian gateway: `/ex/jira/{cloudId}/rest/…` is served as `/rest/…`, marked so that
/// only OAuth 2.0 access tokens count there, and only for the registered site's cloud id.
fn through_gateway<S>(mut req: actix_web::dev::ServiceRequest, service: &S) -> S::Future
where
    S: actix_web::dev::Service<
        actix_web::dev::ServiceRequest,
        Response = actix_web::dev::ServiceResponse,
        Error = actix_web::Error,
    >,
{
    if let Some(rest) = req.path().strip_prefix("/ex/jira/") {
        let (cloud_id, tail) = rest.split_once('/').unwrap_or((rest, ""));
        let known = req.app_data::<web::Data<Arc<Mutex<World>>>>().is_some_and(|world| {
            let mut world = world.lock().unwrap();
            world.requests.push(format!("{} {} (gateway)", req.method(), req.uri()));
            world.oauth.site_id().is_some_and(|id| id == cloud_id)
        });
        let query = req.uri().query().map(|q| format!("?{q}")).unwrap_or_default();
        let target = if known { format!("/{tail}{query}") } else { format!("/unknown-cloud-id/{tail}{query}") };
        let uri: actix_web::http::Uri = target.parse().unwrap();
        req.match_info_mut().get_mut().update(&uri);
        req.head_mut().uri = uri;
        req.headers_mut().insert(
            actix_web::http::header::HeaderName::from_static(oauth::VIA_GATEWAY),
            actix_web::http::header::HeaderValue::from_static("1"),
        );
    } else {
        req.headers_mut().remove(oauth::VIA_GATEWAY);
    }
    service.call(req)
}

impl FakeJira {
    pub async fn start() -> FakeJira {
        let world = Arc::new(Mutex::new(World::default()));
        let data = web::Data::new(world.clone());
        let server = HttpServer::new(move || {
            App::new()
                .wrap_fn(through_gateway)
                .app_data(data.clone())
                .route("/status", web::get().to(status))
                .route("/moved/status", web::get().to(status))
                .route("/rest/api/2/user", web::get().to(user))
                .route("/rest/api/2/serverInfo", web::get().to(server_info))
                // Before `issue/{issue}`, which would take `issue/createmeta` for an issue key.
                .configure(people::routes)
                .configure(search::routes)
                .configure(catalogue::routes)
                .route("/rest/api/2/issue/{issue}", web::get().to(issue))
                .configure(oauth::routes)
        })
        .workers(1)
        .disable_signals()
        .bind(("127.0.0.1", 0))
        .expect("fake Jira binds a port");
        let port = server.addrs()[0].port();
        let server = server.run();
        let handle = server.handle();
        tokio::spawn(server);
        FakeJira { url: format!("http://127.0.0.1:{port}"), world, server: handle }
    }

    /// A fake that answers in Jira Cloud's shapes where they differ (SPEC §12.2).
    pub async fn start_cloud() -> FakeJira {
        let fake = FakeJira::start().await;
        fake.world.lock().unwrap().cloud = true;
        fake
    }

    /// `GET /status` answers 302 to `location` from now on (`/moved/status` still answers).
    pub fn redirect_status_to(&self, location: &str) {
        self.world.lock().unwrap().status_redirect = Some(location.into());
    }

    /// `GET /status` reports `state` (`STARTING`, `MAINTENANCE`…) with 503 from now on;
    /// `None`: running again.
    pub fn set_state(&self, state: Option<&str>) {
        self.world.lock().unwrap().state = state.map(str::to_string);
    }

    /// A Jira user the lookup finds: `accountid:<id>` (Cloud) or a user name (Server).
    pub fn add_user(&self, reference: &str, display_name: &str) {
        self.world.lock().unwrap().users.insert(reference.into(), display_name.into());
    }

    /// An issue the fake knows, by id or key, with its `fields`.
    pub fn add_issue(&self, id_or_key: &str, fields: serde_json::Value) {
        self.world.lock().unwrap().issues.insert(id_or_key.into(), fields);
    }

    /// The Data Center version `serverInfo` reports, which decides the createmeta calls:
    /// before 8.4 only the old one, from 9 only the new ones.
    pub fn set_version(&self, version: &str) {
        self.world.lock().unwrap().version = Some(version.into());
    }

    /// Every issue read answers `status` from now on.
    pub fn fail_issue_reads(&self, status: u16) {
        self.world.lock().unwrap().issue_failure = Some(status);
    }

    /// Every issue read takes `delay` from now on.
    pub fn slow_issue_reads(&self, delay: std::time::Duration) {
        self.world.lock().unwrap().issue_delay = delay;
    }

    pub fn requests(&self) -> Vec<String> {
        self.world.lock().unwrap().requests.clone()
    }

    pub async fn stop(&self) {
        self.server.stop(true).await;
    }
}
