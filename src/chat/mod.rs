//! The face Mattermost calls (SPEC §3.3): `POST /mattermost/command` for `/jira` now; the
//! dialog, action and lookup endpoints join it. Every request proves itself (the command
//! token here) before anything runs, and bodies over 1 MiB are refused.

mod command;

use actix_web::web;

/// The largest body Mattermost may send us (SPEC §3.3).
pub const MOST_BODY_BYTES: u64 = 1024 * 1024;

/// Registers `/mattermost/*`.
pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/mattermost/command").route(web::post().to(command::command)));
}
