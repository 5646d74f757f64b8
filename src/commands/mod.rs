//! The `/jira` slash command as a domain (SPEC §9): `parse` turns the command's text into a
//! [`parse::Command`]; `run` carries it out: the system-administrator gate, the rows answered
//! here (`help`, `admin`), and the gates in front of `jira_ops::JiraOps` for the rows that
//! need Jira. `registration` puts `/jira` into a Mattermost team and keeps it current. The HTTP face that receives it from Mattermost is `chat`.

pub mod admin;
pub mod help;
pub mod interact;
pub mod jira_ops;
pub mod parse;
pub mod registration;
pub mod run;
pub mod signed;
