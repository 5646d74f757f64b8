//! jirabridge: Jira webhooks into Mattermost channels, durably, as one binary.
//! See ARCHITECTURE.md for the module map and the path of an event.

pub mod accounts;
pub mod admin_api;
pub mod app;
pub mod backup;
pub mod chat;
pub mod cli;
pub mod commands;
pub mod config;
pub mod connections;
pub mod console;
pub mod control;
pub mod data_dir;
pub mod delivery;
pub mod events;
pub mod ids;
pub mod ingest;
pub mod instances;
pub mod jira;
pub mod live_config;
pub mod liveness;
pub mod mattermost;
pub mod plugin_import;
pub mod random;
pub mod routes;
pub mod secrets;
pub mod service_manager;
pub mod store;
pub mod subscriptions;
pub mod telemetry;
pub mod utc;
pub mod web;

/// mimalloc instead of the system allocator: sled copies a tree node on every write and
/// frees the old one later, often on another thread, which glibc's malloc handles slowly
/// (measured in docs/PERFORMANCE.md). Set here so the binary, tests and benches all run on
/// the allocator that ships.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
