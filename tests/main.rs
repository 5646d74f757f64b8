//! The one integration test binary: shared support code plus one module per area.

mod admin_accounts;
mod admin_api;
mod admin_ops;
mod admin_settings;
mod api_docs;
mod backup_restore;
mod browser;
mod cli;
mod conformance;
mod console;
mod control_socket;
mod crash_recovery;
mod delivery;
mod fake_mattermost_selftest;
mod first_start;
mod https;
mod legacy_webhook;
mod mentions;
mod ops;
mod reload;
mod slow_clients;
mod store_failure;
mod store_upgrade;
mod subscriptions;
mod support;
mod threading;
