//! Fuzz target: any bytes through parse → normalize → render must return, never panic.
#![no_main]

use jirabridge::events::{normalize::normalize, render};
use jirabridge::jira::webhook::Webhook;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = Webhook::parse(data) {
        if let Some(parsed) = normalize(&payload) {
            render::render(&parsed, &Default::default()).to_json();
        }
    }
});
