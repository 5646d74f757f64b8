//! Test support: the real application started in-process on port 0 with a temporary
//! store, next to loopback fakes of Mattermost (and later Jira).

#![allow(dead_code)]

pub mod app;
pub mod browser;
pub mod commands;
pub mod console;
pub mod fake_jira;
pub mod fake_mattermost;
pub mod fixtures;
pub mod sample_connected;
pub mod sample_store;

/// True in CI (`CI` set to anything but empty or `false`), where `.ci/run` installs every
/// tool and `../shared` sits beside the project: a test that would skip locally fails there,
/// so a missing install step cannot pass unnoticed.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !v.is_empty() && v != "false")
}
