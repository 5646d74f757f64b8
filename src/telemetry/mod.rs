//! Logs (tracing subscriber) and metrics (Prometheus registry served at `/metrics`).

mod escape;
pub mod logging;
pub mod metrics;

pub use metrics::Metrics;
