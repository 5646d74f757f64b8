//! A console visitor without a browser: keeps cookies like a browser would, never follows
//! redirects (tests look at them), and reads CSRF tokens out of the pages.

use std::collections::BTreeMap;

use reqwest::header::{COOKIE, LOCATION, SET_COOKIE};
use reqwest::redirect::Policy;

use super::app::TestApp;

pub const ADMIN: &str = "ops-admin";
pub const PASSWORD: &str = "correct horse battery";

pub struct Visitor {
    pub base: String,
    http: reqwest::Client,
    pub cookies: BTreeMap<String, String>,
}

/// What a page answered.
pub struct Page {
    pub status: u16,
    pub location: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: String,
}

impl Page {
    /// The value of the first hidden `csrf_token` input.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a CSRF field") + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }

    /// Whether the page shows `text` (compared after decoding HTML character references).
    pub fn has(&self, text: &str) -> bool {
        self.body.contains(text) || decode_entities(&self.body).contains(text)
    }
}

impl Visitor {
    pub fn new(app: &TestApp) -> Visitor {
        let http = reqwest::Client::builder().redirect(Policy::none()).build().unwrap();
        Visitor { base: app.address.clone(), http, cookies: BTreeMap::new() }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, response: reqwest::Response) -> Page {
        for value in response.headers().get_all(SET_COOKIE) {
            let text = value.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
        let status = response.status().as_u16();
        let location = response.headers().get(LOCATION).map(|v| v.to_str().unwrap().to_string());
        let headers = response.headers().clone();
        Page { status, location, headers, body: response.text().await.unwrap() }
    }

    pub async fn get(&mut self, path: &str) -> Page {
        let response =
            self.http.get(format!("{}{path}", self.base)).header(COOKIE, self.cookie_header()).send().await.unwrap();
        self.finish(response).await
    }

    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body = url::form_urlencoded::Serializer::new(String::new()).extend_pairs(fields).finish();
        let response = self
            .http
            .post(format!("{}{path}", self.base))
            .header(COOKIE, self.cookie_header())
            .header("content-type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        self.finish(response).await
    }

    /// Posts a form with the CSRF token of `page` added.
    pub async fn submit(&mut self, page: &Page, path: &str, fields: &[(&str, &str)]) -> Page {
        let csrf = page.csrf();
        let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
        all.extend_from_slice(fields);
        self.post(path, &all).await
    }

    /// Signs in as `username`; panics unless the console lets them in.
    pub async fn sign_in_as(&mut self, username: &str, password: &str) -> Page {
        let form = self.get("/admin/login").await;
        let page = self.submit(&form, "/admin/login", &[("username", username), ("password", password)]).await;
        assert_eq!(page.status, 303, "sign-in refused: {}", page.body);
        page
    }
}

/// Creates the test admin account and a visitor signed in as them.
pub async fn signed_in(app: &TestApp) -> Visitor {
    jirabridge::accounts::set_password(&app.state.store, ADMIN, PASSWORD, 1).unwrap();
    let mut visitor = Visitor::new(app);
    visitor.sign_in_as(ADMIN, PASSWORD).await;
    visitor
}

/// Decodes the character references askama writes, so tests can look for plain text.
pub fn decode_entities(html: &str) -> String {
    [
        ("&#38;", "&"),
        ("&#60;", "<"),
        ("&#62;", ">"),
        ("&#34;", "\""),
        ("&#39;", "'"),
        ("&lt;", "<"),
        ("&gt;", ">"),
        ("&quot;", "\""),
        ("&amp;", "&"),
    ]
    .iter()
    .fold(html.to_string(), |text, (entity, plain)| text.replace(entity, plain))
}
