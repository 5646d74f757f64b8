//! Jira instances as data (SPEC §7.1): the id is the normalized base URL, the type follows
//! from the host, and paths carry the id base64-encoded.

use base64::Engine;

/// Defined with the other shared ids (`crate::ids`), below the store that keeps them in its
/// records; named here too, with the rest of what an instance is.
pub use crate::ids::{InstanceId, InstanceType};

/// The instance id for a Jira URL as text ([`InstanceId::parse`], where the rules are), for
/// callers that compare or look up text.
pub fn normalize_url(input: &str) -> Result<String, String> {
    InstanceId::parse(input).map(String::from).map_err(|e| e.0)
}

/// Checks a declared type against the URL (SPEC §7.1 texts).
pub fn check_type(id: &str, declared: InstanceType) -> Result<(), String> {
    match (declared, InstanceType::of_url(id)) {
        (InstanceType::Server, InstanceType::Cloud) => {
            Err(format!("`{id}` is not a Jira server URL, it refers to Jira Cloud"))
        }
        (InstanceType::Cloud, InstanceType::Server) => {
            Err(format!("`{id}` is a Jira server URL instead of a Jira Cloud URL"))
        }
        _ => Ok(()),
    }
}

/// An instance id as it appears in paths: base64url with `=` padding.
pub fn encode_id(id: impl AsRef<str>) -> String {
    base64::engine::general_purpose::URL_SAFE.encode(id.as_ref())
}

/// Decodes a path segment made by [`encode_id`] (URL-safe or standard alphabet, padded or
/// not); `None` when it is not base64 of a UTF-8 string.
pub fn decode_id(segment: &str) -> Option<String> {
    use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};
    [URL_SAFE, STANDARD, URL_SAFE_NO_PAD, STANDARD_NO_PAD]
        .iter()
        .find_map(|engine| engine.decode(segment).ok())
        .and_then(|bytes| String::from_utf8(bytes).ok())
}

/// An alias may not contain white space.
pub fn check_alias(alias: &str) -> Result<(), String> {
    if alias.is_empty() || alias.chars().any(char::is_whitespace) {
        return Err(format!("Alias `{alias}` is an invalid alias. Please choose an alias without spaces."));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_normalize_to_the_instance_id() {
        assert_eq!(normalize_url("jira.example.com/").unwrap(), "https://jira.example.com");
        assert!(normalize_url("https://").unwrap_err().contains("no hostname"));
    }

    #[test]
    fn a_declared_type_must_fit_the_url() {
        assert!(check_type("https://acme.atlassian.net", InstanceType::Server)
            .unwrap_err()
            .contains("refers to Jira Cloud"));
        assert!(check_type("https://jira.corp", InstanceType::Cloud)
            .unwrap_err()
            .contains("instead of a Jira Cloud URL"));
    }

    #[test]
    fn ids_round_trip_through_paths_in_either_alphabet() {
        let id = "https://jira.example.com:8443/a?b";
        let encoded = encode_id(id);
        assert_eq!(decode_id(&encoded).as_deref(), Some(id));
        let standard = base64::engine::general_purpose::STANDARD.encode(id);
        assert_eq!(decode_id(&standard).as_deref(), Some(id));
        assert_eq!(decode_id(encoded.trim_end_matches('=')).as_deref(), Some(id));
        assert_eq!(decode_id("!!"), None);
    }

    #[test]
    fn aliases_have_no_spaces() {
        assert!(check_alias("corp").is_ok());
        assert!(check_alias("my jira").unwrap_err().contains("without spaces"));
    }
}
