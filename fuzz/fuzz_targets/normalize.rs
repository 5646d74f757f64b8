//! Fuzz target: any bytes through parse → normalize → render must return, never panic; and
//! the same bytes read as Jira wiki markup must convert with every ``` fence closed.
#![no_main]

use jirabridge::events::markup::{wiki_to_markdown, MarkupContext};
use jirabridge::events::{normalize::normalize, render};
use jirabridge::jira::webhook_fields::Webhook;
use libfuzzer_sys::fuzz_target;

#[path = "../../src/events/markup/tests/fences.rs"]
mod fences;

fuzz_target!(|data: &[u8]| {
    if let Ok(payload) = Webhook::parse(data) {
        if let Some(parsed) = normalize(&payload) {
            render::render(&parsed, &Default::default()).to_json();
        }
    }
    // Backticks typed in the text could open fences of their own; without them, every
    // fence in the output is one the converter made.
    let text = String::from_utf8_lossy(data).replace('`', "");
    let ctx = MarkupContext { issue_url: "https://jira.example.com/browse/KT-7", mention: &|_| None };
    let markdown = wiki_to_markdown(&text, &ctx);
    if let Err(line) = fences::check(&markdown) {
        panic!("fence at line {line} is not closed:\n{markdown}");
    }
});
