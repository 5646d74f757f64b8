//! The `/jira` slash command as a domain (SPEC §9): `parse` turns the command's text into a
//! [`parse::Command`]. The HTTP face that receives it from Mattermost is `chat`.

pub mod parse;
