//! Everything that knows Jira's JSON: tolerant readers of webhook payloads.
//!
//! Jira payloads vary across Cloud, Server and Data Center versions; nothing here
//! assumes a field exists or has a type, and nothing panics on odd input.

pub mod instance;
pub mod payload;
pub mod status;
