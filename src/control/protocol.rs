//! The control protocol's messages: one JSON object per line each way.
//!
//! Requests name a `command`; responses say `ok` and carry an `error` sentence or a
//! `message`. A client that sends a command the server does not know gets an error naming
//! the ones it knows, so a newer client works with an older server as far as it can.

use serde::{Deserialize, Serialize};

/// Longest request line the server reads.
pub const MAX_REQUEST_BYTES: usize = 64 * 1024;

/// What the client asks for.
#[derive(Serialize, Deserialize)]
#[serde(tag = "command", rename_all = "snake_case")]
pub enum Request {
    /// Answers `ok` with the server's version.
    Ping,
    /// Creates or replaces an admin console account.
    SetPassword { username: String, password: String },
    /// Answers `ok`, then streams a backup file and closes.
    Backup { include_key: bool },
    /// Answers the admin console accounts, one per line of the message.
    ListAdmins,
    /// Deletes an admin console account (never the last one).
    DeleteAdmin { username: String },
    /// Imports the Mattermost Jira plugin's data: `kv_bytes` of the export, then
    /// `config_bytes` of Mattermost's `config.json` (0: none), follow the line. Answers the
    /// report, as JSON when `json`.
    ImportPlugin { dry_run: bool, overwrite: bool, json: bool, kv_bytes: u64, config_bytes: u64 },
}

impl std::fmt::Debug for Request {
    /// Never shows the password.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Request::Ping => f.write_str("Ping"),
            Request::SetPassword { username, .. } => {
                write!(f, "SetPassword {{ username: {username:?}, password: *** }}")
            }
            Request::Backup { include_key } => write!(f, "Backup {{ include_key: {include_key} }}"),
            Request::ListAdmins => f.write_str("ListAdmins"),
            Request::DeleteAdmin { username } => write!(f, "DeleteAdmin {{ username: {username:?} }}"),
            Request::ImportPlugin { dry_run, kv_bytes, .. } => {
                write!(f, "ImportPlugin {{ dry_run: {dry_run}, kv_bytes: {kv_bytes} }}")
            }
        }
    }
}

/// The commands this binary's server knows, for the error about an unknown one.
pub const COMMANDS: &str = "ping, set_password, backup, list_admins, delete_admin, import_plugin";

/// The server's answer line.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Response {
    pub ok: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

impl Response {
    pub fn ok(message: impl Into<String>) -> Response {
        Response { ok: true, error: None, message: Some(message.into()) }
    }

    pub fn error(error: impl Into<String>) -> Response {
        Response { ok: false, error: Some(error.into()), message: None }
    }

    /// The line to send, newline included.
    pub fn to_line(&self) -> String {
        let mut line = serde_json::to_string(self).unwrap_or_else(|_| r#"{"ok":false}"#.into());
        line.push('\n');
        line
    }
}

/// Parses a request line; the error is the sentence to send back.
pub fn parse_request(line: &str) -> Result<Request, String> {
    serde_json::from_str(line).map_err(|e| {
        let command = serde_json::from_str::<serde_json::Value>(line)
            .ok()
            .and_then(|v| v.get("command").and_then(|c| c.as_str()).map(str::to_owned));
        match command {
            Some(name) if !COMMANDS.split(", ").any(|known| known == name) => {
                format!("unknown command {name:?}; this jirabridge knows {COMMANDS}")
            }
            _ => format!("the request is not valid: {e}"),
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_round_trip_and_hide_the_password() {
        let request = Request::SetPassword { username: "alice".into(), password: "hunter2hunter2".into() };
        let line = serde_json::to_string(&request).unwrap();
        assert_eq!(line, r#"{"command":"set_password","username":"alice","password":"hunter2hunter2"}"#);
        assert!(matches!(parse_request(&line), Ok(Request::SetPassword { .. })));
        assert!(!format!("{request:?}").contains("hunter2"));
        assert!(matches!(
            parse_request(r#"{"command":"backup","include_key":true}"#),
            Ok(Request::Backup { include_key: true })
        ));
    }

    #[test]
    fn bad_requests_get_sentences() {
        assert!(parse_request(r#"{"command":"restore"}"#).unwrap_err().contains("unknown command \"restore\""));
        assert!(parse_request("not json").unwrap_err().starts_with("the request is not valid"));
        assert!(parse_request(r#"{"command":"set_password"}"#).unwrap_err().contains("username"));
    }
}
