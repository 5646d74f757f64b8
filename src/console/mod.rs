//! The admin console (SPEC §3.4): server-rendered HTML under `/admin/`, working without
//! JavaScript. Pages call the same domain code as the admin API (`instances`,
//! `subscriptions::service`, …); this module only adds sessions, forms and templates.
//!
//! Every page takes `SignedIn`, every POST takes `SignedPost` (session + CSRF token), so a
//! handler cannot forget either check.

mod admins;
mod assets;
mod audit;
mod channel_picker;
mod dashboard;
mod deliveries;
mod error;
mod events;
mod form;
mod instances;
mod known_names;
mod login;
mod markdown;
mod mattermost;
mod page;
mod rule_form;
mod secrets;
mod session;
mod settings;
mod setup;
mod subscriptions;
mod throttle;
mod webhook_urls;

use actix_web::web;

pub use error::ConsoleError;
pub use setup::announce_setup_link;
pub use throttle::WINDOW_MS as LOGIN_WINDOW_MS;

/// Confirmations shown after a redirect, by key, so a URL cannot put words on the page.
const NOTICES: &[(&str, &str)] = &[
    ("instance_added", "Jira instance added."),
    ("instance_updated", "Jira instance updated."),
    ("instance_removed", "Jira instance removed."),
    ("subscription_saved", "Subscription saved."),
    ("subscription_deleted", "Subscription deleted."),
    ("template_saved", "Template saved."),
    ("template_deleted", "Template deleted."),
    ("settings_saved", "Settings saved. They apply now."),
    ("settings_unchanged", "Nothing changed."),
    ("event_replayed", "Event replayed: new deliveries are queued."),
    ("event_replayed_nowhere", "Event replayed, but no channel takes it now: nothing was queued."),
    ("delivery_retried", "Delivery queued to be sent again now."),
    ("delivery_in_flight", "Not retried: the delivery is being sent right now."),
    ("delivery_done", "Not retried: the delivery was posted."),
    ("delivery_changed", "Not retried: the delivery changed meanwhile (it may just have been sent); look at it again."),
    (
        "event_still_pending",
        "Not replayed: the event is still waiting to be routed (its issue is being read from Jira). Replay it once it is routed.",
    ),
    (
        "event_no_target",
        "Not replayed: this legacy webhook event was never posted to a channel, so there is no channel to post it to again.",
    ),
    ("admin_added", "Admin added. Give them the password through a channel you trust."),
    ("admin_password_changed", "Password changed; the account's open sessions were ended."),
    ("admin_deleted", "Admin deleted and signed out."),
];

/// The `?notice=` of a page reached by a redirect.
#[derive(serde::Deserialize, Default)]
pub struct Notice {
    #[serde(default)]
    pub notice: String,
}

impl Notice {
    pub fn text(&self) -> Option<String> {
        NOTICES.iter().find(|(key, _)| *key == self.notice).map(|(_, text)| text.to_string())
    }
}

/// Registers `/admin/*` and `/static/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/static/{file}").route(web::get().to(assets::serve)));
    cfg.service(web::resource("/admin").route(web::get().to(login::to_dashboard)));
    cfg.service(
        web::scope("/admin")
            .wrap_fn(|req, service| {
                crate::web::client::restrict_to_admin_networks(req, service, || {
                    actix_web::HttpResponse::Forbidden()
                        .content_type("text/plain; charset=utf-8")
                        .body("this address may not use jirabridge's admin console or API (admin.allow_from)")
                })
            })
            .app_data(
                web::PathConfig::default().error_handler(|_, _| {
                    ConsoleError::NotFound("There is no such page in the console.".into()).into()
                }),
            )
            .service(web::resource("/").route(web::get().to(dashboard::page)))
            .service(web::resource("/login").route(web::get().to(login::form)).route(web::post().to(login::submit)))
            .service(web::resource("/logout").route(web::post().to(login::logout)))
            .service(web::resource("/setup").route(web::get().to(setup::form)).route(web::post().to(setup::submit)))
            .service(
                web::resource("/instances").route(web::get().to(instances::page)).route(web::post().to(instances::add)),
            )
            .service(web::resource("/instances/change").route(web::post().to(instances::change)))
            .service(
                web::resource("/mattermost")
                    .route(web::get().to(mattermost::page))
                    .route(web::post().to(mattermost::save)),
            )
            .service(web::resource("/mattermost/test").route(web::post().to(mattermost::test_connection)))
            .service(web::resource("/mattermost/commands").route(web::post().to(mattermost::register_command)))
            .service(web::resource("/webhook-urls").route(web::get().to(webhook_urls::page)))
            .service(web::resource("/legacy-url").route(web::get().to(webhook_urls::moved)))
            .service(web::resource("/audit").route(web::get().to(audit::page)))
            .service(
                web::resource("/settings").route(web::get().to(settings::page)).route(web::post().to(settings::save)),
            )
            .service(
                web::resource("/admins").route(web::get().to(admins::page)).route(web::post().to(admins::set_password)),
            )
            .service(web::resource("/admins/delete").route(web::post().to(admins::delete)))
            .service(web::resource("/secrets").route(web::get().to(secrets::page)))
            .service(web::resource("/secrets/webhook").route(web::post().to(secrets::regenerate_webhook_secret)))
            .service(web::resource("/secrets/admin-token").route(web::post().to(secrets::regenerate_admin_token)))
            .service(web::resource("/events").route(web::get().to(events::list)))
            .service(web::resource("/events/{id}").route(web::get().to(events::show)))
            .service(web::resource("/events/{id}/replay").route(web::post().to(events::replay)))
            .service(web::resource("/deliveries").route(web::get().to(deliveries::list)))
            .service(web::resource("/deliveries/{id}/retry").route(web::post().to(deliveries::retry)))
            .service(web::resource("/subscriptions").route(web::get().to(subscriptions::list)))
            .service(
                web::resource("/templates").route(web::get().to(|| async { page::see_other("/admin/subscriptions") })),
            )
            .service(
                web::resource("/{kind:subscriptions|templates}/new")
                    .route(web::get().to(subscriptions::new_form))
                    .route(web::post().to(subscriptions::create)),
            )
            .service(
                web::resource("/{kind:subscriptions|templates}/{id}")
                    .route(web::get().to(subscriptions::show))
                    .route(web::post().to(subscriptions::update)),
            )
            .service(
                web::resource("/{kind:subscriptions|templates}/{id}/delete")
                    .route(web::post().to(subscriptions::delete)),
            )
            .service(
                web::resource("/{kind:subscriptions|templates}/{id}/dry-run")
                    .route(web::post().to(subscriptions::try_rule)),
            )
            .default_service(web::to(not_found)),
    );
}

async fn not_found() -> Result<actix_web::HttpResponse, ConsoleError> {
    Err(ConsoleError::NotFound("There is no such page in the console.".into()))
}
