//! The tracing subscriber: text or JSON lines on stderr, filtered by `log.level`. The
//! filter can be replaced while running (`log.level` is editable in the console). Text lines
//! escape control characters in every field (`escape`); JSON escapes them by itself.

use std::sync::OnceLock;

use tracing_subscriber::{reload, EnvFilter};

use super::escape::EscapedFields;
use crate::config::LogFormat;

type SetFilter = Box<dyn Fn(EnvFilter) -> Result<(), reload::Error> + Send + Sync>;

/// Replaces the filter of the installed subscriber; unset until `init` succeeds.
static SET_FILTER: OnceLock<SetFilter> = OnceLock::new();

/// Installs the global subscriber once; later calls (tests) are ignored.
pub fn init(level: &str, format: LogFormat) {
    // Colour codes only on a terminal: journald and log files get plain text.
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stderr());
    let builder = tracing_subscriber::fmt().with_env_filter(filter(level)).with_writer(std::io::stderr).with_ansi(ansi);
    match format {
        LogFormat::Json => {
            let builder = builder.json().with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| handle.reload(f)));
            }
        }
        LogFormat::Text => {
            let builder = builder.fmt_fields(EscapedFields::default()).with_filter_reloading();
            let handle = builder.reload_handle();
            if builder.try_init().is_ok() {
                let _ = SET_FILTER.set(Box::new(move |f| handle.reload(f)));
            }
        }
    }
}

/// Applies a new `log.level` (already validated) to the running subscriber.
pub fn set_level(level: &str) {
    if let Some(set) = SET_FILTER.get() {
        if let Err(e) = set(filter(level)) {
            tracing::warn!(error = %e, "could not change the log level");
        }
    }
}

fn filter(level: &str) -> EnvFilter {
    EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"))
}
