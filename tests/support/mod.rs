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
pub mod sample_store;
