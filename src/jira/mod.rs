//! Everything that knows Jira: tolerant readers of webhook payloads, the install check,
//! user display names for mentions, and issue fields for Cloud comments.
//!
//! Jira payloads vary across Cloud, Server and Data Center versions; nothing here
//! assumes a field exists or has a type, and nothing panics on odd input.

pub mod address;
pub mod auth;
pub mod catalog;
pub mod client;
pub mod createmeta;
pub mod instance;
pub mod issues;
pub mod lenient;
pub mod oauth1;
pub mod oauth2;
pub mod payload;
pub mod rest;
pub mod search;
pub mod status;
pub mod users;
pub mod webhook_fields;
