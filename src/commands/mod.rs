//! The `/jira` slash command as a domain (SPEC §9): `parse` turns the command's text into a
//! [`parse::Command`]; `help` writes the help a user may see. The HTTP face that receives it from Mattermost is `chat`.

pub mod help;
pub mod parse;
