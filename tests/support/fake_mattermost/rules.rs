//! What `POST /posts` accepts: type, file ids, message length, props size and action ids.

use serde_json::{Map, Value};

use super::errors::{self, AppError};
use super::ids::new_id;

pub const MAX_MESSAGE_RUNES: usize = 16_383;
pub const MAX_PROPS_RUNES: usize = 800_000;
const MAX_FILE_IDS: usize = 5;

pub(super) fn check_type(post_type: &str) -> Result<(), AppError> {
    if post_type.starts_with("system_") {
        return Err(errors::invalid_param("post.type"));
    }
    Ok(())
}

pub(super) fn check_file_ids(file_ids: &[String]) -> Result<(), AppError> {
    if file_ids.len() > MAX_FILE_IDS {
        let message = "Invalid file ids.";
        return Err(AppError::new(400, "model.post.is_valid.file_ids.app_error", message));
    }
    Ok(())
}

/// Runes, not bytes: the server counts with `utf8.RuneCountInString`.
pub(super) fn check_message(message: &str) -> Result<(), AppError> {
    if message.chars().count() > MAX_MESSAGE_RUNES {
        let message = "Post Message property is longer than the maximum permitted length.";
        return Err(AppError::new(400, "model.post.is_valid.message_length.app_error", message));
    }
    Ok(())
}

/// Gives id-less attachment actions an id, as the server does. An id that is not
/// alphanumeric is refused: the server stores it, but clicks on it can never reach the
/// integration, so the fake makes that bug loud.
pub(super) fn check_props(props: Map<String, Value>) -> Result<Value, AppError> {
    let mut props = Value::Object(props);
    for action in actions_mut(&mut props) {
        check_action_id(action)?;
    }
    if props.to_string().chars().count() > MAX_PROPS_RUNES {
        let message = "Invalid props.";
        return Err(AppError::new(400, "model.post.is_valid.props.app_error", message));
    }
    Ok(props)
}

fn actions_mut(props: &mut Value) -> impl Iterator<Item = &mut Value> {
    props
        .get_mut("attachments")
        .and_then(Value::as_array_mut)
        .into_iter()
        .flatten()
        .filter_map(|attachment| attachment.get_mut("actions"))
        .filter_map(Value::as_array_mut)
        .flatten()
}

fn check_action_id(action: &mut Value) -> Result<(), AppError> {
    let Some(action) = action.as_object_mut() else {
        return Ok(());
    };
    match action.get("id") {
        None | Some(Value::Null) => {}
        Some(Value::String(id)) if id.is_empty() => {}
        Some(Value::String(id)) if id.bytes().all(|b| b.is_ascii_alphanumeric()) => return Ok(()),
        Some(_) => {
            let message = "Action id must contain only letters and digits.";
            return Err(AppError::new(400, "model.post.is_valid.action_id.app_error", message));
        }
    }
    action.insert("id".to_owned(), Value::String(new_id()));
    Ok(())
}
