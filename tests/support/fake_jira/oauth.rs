//! OAuth in the fake Jira (SPEC §12.1, §14.2).
//!
//! OAuth 1.0a (Data Center mode): request-token, authorize and access-token under
//! `/plugins/servlet/oauth/`, and every request signed `OAuth …` is checked: the RSA-SHA1
//! signature with the public key the test registered for the consumer key (as a Jira admin
//! pastes it into an application link), and the nonce used once. This module rebuilds the
//! base string itself, so a mistake in jirabridge's signing is not mirrored here.
//!
//! OAuth 2.0 (Cloud mode): the fake is also auth.atlassian.com (`/authorize`, `/oauth/token`
//! with codes checked against PKCE, rotating refresh tokens, `invalid_grant`, and the whole
//! family revoked when an old refresh token is reused) and api.atlassian.com
//! (`/oauth/token/accessible-resources`, and the REST API under `/ex/jira/{cloudId}`, which
//! takes only OAuth 2.0 access tokens).

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use actix_web::{web, HttpRequest, HttpResponse};
use base64::Engine;
use rsa::pkcs8::DecodePublicKey;
use rsa::signature::Verifier;
use serde_json::{json, Value};
use sha2::Digest;

use super::{FakeJira, World};

type Shared = web::Data<Arc<Mutex<World>>>;

/// Marks a request that came through the gateway path (`/ex/jira/{cloudId}`).
pub(super) const VIA_GATEWAY: &str = "x-fake-gateway";

/// What the fake knows of OAuth.
#[derive(Default)]
pub(super) struct OAuthWorld {
    /// Consumer key → PEM public key (application links).
    consumers: HashMap<String, String>,
    /// Nonces seen (a replay is refused).
    nonces: HashSet<String>,
    /// Temporary token → (consumer key, callback, verifier once authorized).
    temporary: HashMap<String, (String, String, Option<String>)>,
    /// Who authorizes in the browser: the person (`myself` JSON).
    browser_user: Option<Value>,
    /// Registered OAuth 2.0 apps: client id → secret.
    apps: HashMap<String, String>,
    /// The Cloud site: (cloud id, site URL).
    site: Option<(String, String)>,
    /// Code → (client id, redirect URI, PKCE challenge, person).
    codes: HashMap<String, (String, String, String, Value)>,
    /// Refresh token → (family, still current).
    refresh: HashMap<String, (u64, bool)>,
    /// Family → its person, and whether it was revoked.
    families: HashMap<u64, (Value, bool)>,
    /// Access token → (family, expires at, ms).
    access: HashMap<String, (u64, u128)>,
    /// How long access tokens live, in seconds.
    access_lifetime: u64,
    /// Refresh calls answered (any outcome).
    pub(super) refreshes: usize,
    /// Request tokens are answered without `oauth_callback_confirmed=true` (an OAuth 1.0
    /// provider, before 1.0a).
    callback_unconfirmed: bool,
    next: u64,
}

impl OAuthWorld {
    /// The registered site's cloud id.
    pub(super) fn site_id(&self) -> Option<String> {
        self.site.as_ref().map(|(id, _)| id.clone())
    }

    fn fresh(&mut self, prefix: &str) -> String {
        self.next += 1;
        format!("{prefix}-{}-{:x}", self.next, rand_bits())
    }
}

fn rand_bits() -> u64 {
    let mut bytes = [0u8; 8];
    getrandom::getrandom(&mut bytes).unwrap();
    u64::from_le_bytes(bytes)
}

fn now_ms() -> u128 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_millis()
}

pub(super) fn routes(config: &mut web::ServiceConfig) {
    config
        .route("/plugins/servlet/oauth/request-token", web::post().to(request_token))
        .route("/plugins/servlet/oauth/authorize", web::get().to(authorize1))
        .route("/plugins/servlet/oauth/access-token", web::post().to(access_token))
        .route("/authorize", web::get().to(authorize2))
        .route("/oauth/token", web::post().to(token))
        .route("/oauth/token/accessible-resources", web::get().to(resources));
}

/// RFC 3986 encoding, written apart from jirabridge's.
fn pct(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => (b as char).to_string(),
            other => format!("%{other:02X}"),
        })
        .collect()
}

/// The `OAuth k="v", …` header's parameters, decoded.
fn header_params(header: &str) -> Option<Vec<(String, String)>> {
    let rest = header.strip_prefix("OAuth ")?;
    rest.split(',')
        .map(|part| {
            let (k, v) = part.trim().split_once('=')?;
            let v = v.trim_matches('"');
            let encoded = format!("v={}", v.replace('+', "%2B"));
            let decoded = url::form_urlencoded::parse(encoded.as_bytes()).next()?.1.into_owned();
            Some((k.to_string(), decoded))
        })
        .collect()
}

/// Checks an OAuth 1.0a request: a known consumer, a fresh nonce, a valid RSA-SHA1
/// signature. Answers the `oauth_*` parameters.
pub(super) fn verify_oauth1(world: &mut World, req: &HttpRequest) -> Result<HashMap<String, String>, String> {
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    let params = header_params(header).ok_or("not an OAuth header")?;
    let map: HashMap<String, String> = params.iter().cloned().collect();
    if map.get("oauth_signature_method").map(String::as_str) != Some("RSA-SHA1") {
        return Err("signature method is not RSA-SHA1".into());
    }
    let consumer = map.get("oauth_consumer_key").ok_or("no consumer key")?;
    let pem = world.oauth.consumers.get(consumer).ok_or("unknown consumer")?.clone();
    let nonce = map.get("oauth_nonce").ok_or("no nonce")?;
    if !world.oauth.nonces.insert(format!("{consumer}/{nonce}")) {
        return Err("nonce used before".into());
    }
    let mut signed: Vec<(String, String)> =
        params.iter().filter(|(k, _)| k != "oauth_signature").map(|(k, v)| (pct(k), pct(v))).collect();
    let query = req.query_string();
    signed.extend(url::form_urlencoded::parse(query.as_bytes()).map(|(k, v)| (pct(&k), pct(&v))));
    signed.sort();
    let joined = signed.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("&");
    let base_uri = format!("http://{}{}", req.connection_info().host(), req.path());
    let base = format!("{}&{}&{}", req.method().as_str(), pct(&base_uri), pct(&joined));
    let signature = base64::engine::general_purpose::STANDARD
        .decode(map.get("oauth_signature").ok_or("no signature")?)
        .map_err(|_| "signature is not base64")?;
    let key = rsa::RsaPublicKey::from_public_key_pem(&pem).map_err(|e| e.to_string())?;
    let verifier = rsa::pkcs1v15::VerifyingKey::<sha1::Sha1>::new(key);
    let signature = rsa::pkcs1v15::Signature::try_from(signature.as_slice()).map_err(|e| e.to_string())?;
    verifier.verify(base.as_bytes(), &signature).map_err(|_| format!("bad signature over {base}"))?;
    Ok(map)
}

fn oauth_problem(problem: &str) -> HttpResponse {
    HttpResponse::Unauthorized().content_type("text/plain").body(format!("oauth_problem={problem}"))
}

async fn request_token(world: Shared, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("POST {}", req.uri()));
    let params = match verify_oauth1(&mut world, &req) {
        Ok(params) => params,
        Err(why) => return oauth_problem(&why),
    };
    let Some(callback) = params.get("oauth_callback").cloned() else { return oauth_problem("parameter_absent") };
    let token = world.oauth.fresh("temp");
    let consumer = params["oauth_consumer_key"].clone();
    world.oauth.temporary.insert(token.clone(), (consumer, callback, None));
    let confirmed = if world.oauth.callback_unconfirmed { "" } else { "&oauth_callback_confirmed=true" };
    HttpResponse::Ok()
        .content_type("text/plain")
        .body(format!("oauth_token={token}&oauth_token_secret=unused{confirmed}"))
}

/// The browser user approves at once: 302 to the callback with a verifier.
async fn authorize1(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    let token = query.get("oauth_token").cloned().unwrap_or_default();
    if world.oauth.browser_user.is_none() {
        return HttpResponse::Unauthorized().body("nobody is signed in to Jira in this browser");
    }
    let verifier = world.oauth.fresh("verifier");
    let Some(entry) = world.oauth.temporary.get_mut(&token) else {
        return HttpResponse::BadRequest().body("unknown request token");
    };
    entry.2 = Some(verifier.clone());
    let location = format!("{}?oauth_token={token}&oauth_verifier={verifier}", entry.1);
    HttpResponse::Found().insert_header(("Location", location)).finish()
}

async fn access_token(world: Shared, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("POST {}", req.uri()));
    let params = match verify_oauth1(&mut world, &req) {
        Ok(params) => params,
        Err(why) => return oauth_problem(&why),
    };
    let token = params.get("oauth_token").cloned().unwrap_or_default();
    let Some((consumer, _, Some(verifier))) = world.oauth.temporary.remove(&token) else {
        return oauth_problem("token_rejected");
    };
    if params.get("oauth_verifier") != Some(&verifier) || params["oauth_consumer_key"] != consumer {
        return oauth_problem("verifier_invalid");
    }
    let access = world.oauth.fresh("access1");
    let person = world.oauth.browser_user.clone().unwrap_or_default();
    world.people.insert(format!("OAuth1 {access}"), person);
    HttpResponse::Ok().content_type("text/plain").body(format!("oauth_token={access}&oauth_token_secret=unused"))
}

/// Atlassian's consent page: checks every parameter, then the browser user consents.
async fn authorize2(world: Shared, req: HttpRequest, query: web::Query<HashMap<String, String>>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    let q = |name: &str| query.get(name).cloned().unwrap_or_default();
    let expected = [
        ("audience", "api.atlassian.com"),
        ("response_type", "code"),
        ("prompt", "consent"),
        ("code_challenge_method", "S256"),
    ];
    if let Some((name, _)) = expected.iter().find(|(name, value)| q(name) != *value) {
        return HttpResponse::BadRequest().body(format!("bad {name}"));
    }
    if !q("scope").split(' ').any(|s| s == "offline_access") || q("state").is_empty() || q("code_challenge").is_empty()
    {
        return HttpResponse::BadRequest().body("scope, state or challenge missing");
    }
    if !world.oauth.apps.contains_key(&q("client_id")) {
        return HttpResponse::BadRequest().body("unknown client");
    }
    let Some(person) = world.oauth.browser_user.clone() else {
        return HttpResponse::Unauthorized().body("nobody is signed in to Atlassian in this browser");
    };
    let code = world.oauth.fresh("code");
    world.oauth.codes.insert(code.clone(), (q("client_id"), q("redirect_uri"), q("code_challenge"), person));
    let location = format!("{}?code={code}&state={}", q("redirect_uri"), q("state"));
    HttpResponse::Found().insert_header(("Location", location)).finish()
}

fn invalid_grant() -> HttpResponse {
    HttpResponse::Forbidden()
        .json(json!({"error": "invalid_grant", "error_description": "Unknown or invalid refresh token."}))
}

async fn token(world: Shared, req: HttpRequest, body: web::Json<Value>) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("POST {}", req.uri()));
    let field = |name: &str| body[name].as_str().unwrap_or_default().to_string();
    if world.oauth.apps.get(&field("client_id")) != Some(&field("client_secret")) {
        return HttpResponse::Unauthorized()
            .json(json!({"error": "access_denied", "error_description": "Unauthorized"}));
    }
    let family = match field("grant_type").as_str() {
        "authorization_code" => {
            let Some((client, redirect, challenge, person)) = world.oauth.codes.remove(&field("code")) else {
                return HttpResponse::Forbidden()
                    .json(json!({"error": "invalid_grant", "error_description": "Invalid authorization code"}));
            };
            let verified = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(field("code_verifier").as_bytes()));
            if client != field("client_id") || redirect != field("redirect_uri") || verified != challenge {
                return HttpResponse::Forbidden()
                    .json(json!({"error": "invalid_grant", "error_description": "PKCE or redirect mismatch"}));
            }
            world.oauth.next += 1;
            let family = world.oauth.next;
            world.oauth.families.insert(family, (person, false));
            family
        }
        "refresh_token" => {
            world.oauth.refreshes += 1;
            let Some((family, current)) = world.oauth.refresh.get(&field("refresh_token")).cloned() else {
                return invalid_grant();
            };
            if !current {
                // A reused refresh token: the whole family dies.
                world.oauth.families.get_mut(&family).unwrap().1 = true;
            }
            if world.oauth.families[&family].1 {
                return invalid_grant();
            }
            world.oauth.refresh.insert(field("refresh_token"), (family, false));
            family
        }
        _ => return HttpResponse::BadRequest().json(json!({"error": "unsupported_grant_type"})),
    };
    let (access, refresh) = (world.oauth.fresh("access2"), world.oauth.fresh("refresh"));
    let lifetime = if world.oauth.access_lifetime == 0 { 3600 } else { world.oauth.access_lifetime };
    world.oauth.access.insert(access.clone(), (family, now_ms() + u128::from(lifetime) * 1000));
    world.oauth.refresh.insert(refresh.clone(), (family, true));
    let person = world.oauth.families[&family].0.clone();
    world.people.insert(format!("OAuth2 {access}"), person);
    HttpResponse::Ok().json(json!({"access_token": access, "refresh_token": refresh, "expires_in": lifetime,
        "token_type": "Bearer", "scope": "read:jira-work offline_access"}))
}

/// The person behind a live OAuth 2.0 access token of a family not revoked.
pub(super) fn oauth2_principal(world: &World, header: &str) -> Option<String> {
    let token = header.strip_prefix("Bearer ")?;
    let (family, expires) = world.oauth.access.get(token)?;
    let live = *expires > now_ms() && !world.oauth.families.get(family).is_some_and(|(_, revoked)| *revoked);
    live.then(|| format!("OAuth2 {token}"))
}

async fn resources(world: Shared, req: HttpRequest) -> HttpResponse {
    let mut world = world.lock().unwrap();
    world.requests.push(format!("GET {}", req.uri()));
    let header = req.headers().get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("");
    if oauth2_principal(&world, header).is_none() {
        return HttpResponse::Unauthorized().json(json!({"code": 401, "message": "Unauthorized"}));
    }
    let sites: Vec<Value> = world
        .oauth
        .site
        .iter()
        .map(|(id, url)| json!({"id": id, "url": url, "name": "fake", "scopes": ["read:jira-work"], "avatarUrl": ""}))
        .collect();
    HttpResponse::Ok().json(sites)
}

impl FakeJira {
    /// A Jira admin's application link: requests signed for `consumer_key` are checked with
    /// `public_key_pem`.
    pub fn trust_consumer(&self, consumer_key: &str, public_key_pem: &str) {
        self.world.lock().unwrap().oauth.consumers.insert(consumer_key.into(), public_key_pem.into());
    }

    /// Request tokens come without `oauth_callback_confirmed=true` from now on (`false`:
    /// confirmed again).
    pub fn leave_callback_unconfirmed(&self, unconfirmed: bool) {
        self.world.lock().unwrap().oauth.callback_unconfirmed = unconfirmed;
    }

    /// Who is signed in to Jira (or Atlassian) in the test's browser: a Data Center user
    /// (`name`) or a Cloud one (`accountid:<id>` as `name`), approving whatever is asked.
    pub fn sign_in_browser(&self, name: &str, display_name: &str) {
        let person = match name.strip_prefix("accountid:") {
            Some(account) => {
                json!({"accountId": account, "displayName": display_name, "active": true, "timeZone": "UTC"})
            }
            None => json!({"name": name, "key": format!("JIRAUSER-{name}"), "displayName": display_name,
                "emailAddress": format!("{name}@example.com"), "timeZone": "UTC", "active": true}),
        };
        self.world.lock().unwrap().oauth.browser_user = Some(person);
    }

    /// An OAuth 2.0 app registered with Atlassian, and the Cloud site its tokens reach.
    pub fn register_oauth2_app(&self, client_id: &str, client_secret: &str, cloud_id: &str, site_url: &str) {
        let mut world = self.world.lock().unwrap();
        world.oauth.apps.insert(client_id.into(), client_secret.into());
        world.oauth.site = Some((cloud_id.into(), site_url.into()));
    }

    /// Access tokens issued from now on live `seconds`.
    pub fn set_access_token_lifetime(&self, seconds: u64) {
        self.world.lock().unwrap().oauth.access_lifetime = seconds;
    }

    /// The user revokes the app: every grant's refresh and access tokens die.
    pub fn revoke_oauth2_grants(&self) {
        for family in self.world.lock().unwrap().oauth.families.values_mut() {
            family.1 = true;
        }
    }

    /// A user whose OAuth 1.0a access token `token` Jira already issued (before an import).
    pub fn add_oauth1_user(&self, token: &str, name: &str, display_name: &str) {
        let person = json!({"name": name, "key": format!("JIRAUSER-{name}"), "displayName": display_name,
            "emailAddress": format!("{name}@example.com"), "timeZone": "UTC", "active": true});
        self.world.lock().unwrap().people.insert(format!("OAuth1 {token}"), person);
    }

    /// A Cloud user's OAuth 2.0 grant whose current refresh token is `refresh_token` (issued
    /// before an import).
    pub fn add_oauth2_grant(&self, refresh_token: &str, account_id: &str, display_name: &str) {
        let mut world = self.world.lock().unwrap();
        world.oauth.next += 1;
        let family = world.oauth.next;
        let person = json!({"accountId": account_id, "displayName": display_name, "active": true, "timeZone": "UTC"});
        world.oauth.families.insert(family, (person, false));
        world.oauth.refresh.insert(refresh_token.into(), (family, true));
    }

    /// How many refreshes were asked for.
    pub fn refresh_count(&self) -> usize {
        self.world.lock().unwrap().oauth.refreshes
    }
}
