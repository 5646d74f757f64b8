//! The face Mattermost calls (SPEC §3.3): `POST /mattermost/command` for `/jira`, and the
//! dialog, action and lookup endpoints, whose signed state is checked before anything acts. Every request proves itself (the command
//! token here) before anything runs, and bodies over 1 MiB are refused.

mod command;
mod interactive;

use actix_web::web;

/// The largest body Mattermost may send us (SPEC §3.3).
pub const MOST_BODY_BYTES: u64 = 1024 * 1024;

/// Registers `/mattermost/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/mattermost/command").route(web::post().to(command::command)));
    cfg.service(web::resource("/mattermost/dialog").route(web::post().to(interactive::dialog)));
    cfg.service(web::resource("/mattermost/action").route(web::post().to(interactive::action)));
    cfg.service(web::resource("/mattermost/lookup").route(web::post().to(interactive::lookup)));
}
