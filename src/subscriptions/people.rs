//! People in filters (SPEC §6.9: people never type Jira ids). A reporter or assignee rule
//! compares Jira's id of the person (`facts`): the account id on Cloud, the user name on
//! Server and Data Center. Admins know people by their display names, so the catalogue
//! learns who is who from the payloads, and editors turn a display name into its id. On
//! Cloud a name nobody has seen yet is refused: kept as text it could never match.

use serde_json::Value;

/// The catalogue kind people are kept under. It is not one of the API's kinds (SPEC §3.5
/// lists those): people are offered only inside the editors.
pub const KIND: &str = "people";

/// The filter fields whose values are people.
pub const FIELDS: [&str; 2] = ["reporter", "assignee"];

/// Is `key` a filter field whose values are people?
pub fn is_people_field(key: &str) -> bool {
    FIELDS.iter().any(|field| field.eq_ignore_ascii_case(key))
}

/// The people a payload names, as (id, display name): the reporter, assignee and
/// creator, the user who acted and a comment's authors. Cloud payloads carry account ids,
/// Server ones user names.
pub fn seen_in(payload: &Value) -> Vec<(String, String)> {
    let fields = &payload["issue"]["fields"];
    let users = [
        &fields["reporter"],
        &fields["assignee"],
        &fields["creator"],
        &payload["user"],
        &payload["comment"]["author"],
        &payload["comment"]["updateAuthor"],
    ];
    let mut people: Vec<(String, String)> = Vec::new();
    for user in users {
        let text = |key: &str| user[key].as_str().map(str::trim).filter(|t| !t.is_empty()).map(str::to_string);
        let (Some(id), Some(name)) = (text("accountId").or_else(|| text("name")), text("displayName")) else {
            continue;
        };
        if !people.iter().any(|(known, _)| *known == id) {
            people.push((id, name));
        }
    }
    people
}

/// Could `typed` be a Cloud account id (`5b10a2844c20165700ede21g`,
/// `557058:f58131cb-b67d-43c7-b30d-6b58d40bd077`)? A display name such as "John" cannot.
pub fn may_be_account_id(typed: &str) -> bool {
    typed.len() >= 10
        && typed.bytes().any(|b| b.is_ascii_digit())
        && typed.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b':' | b'-' | b'_'))
}

/// Why a typed person is refused on Cloud.
pub fn unknown_person(typed: &str) -> String {
    format!(
        "no Jira user named {typed:?} has been seen in this instance's webhooks: type the name as Jira shows it, or the account id"
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn payloads_name_people_by_account_id_on_cloud_and_user_name_on_server() {
        let cloud = json!({
            "user": {"accountId": "557058:ada", "displayName": "Ada Lovelace"},
            "issue": {"fields": {"reporter": {"accountId": "557058:ada", "displayName": "Ada Lovelace"},
                                 "assignee": {"accountId": "5b10a2844c20165700ede21g", "displayName": " Alan Turing "},
                                 "creator": {"accountId": "x"}}},
            "comment": {"author": {"accountId": "", "displayName": "Nobody"}}
        });
        let pairs =
            |list: &[(&str, &str)]| list.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect::<Vec<_>>();
        assert_eq!(
            seen_in(&cloud),
            pairs(&[("557058:ada", "Ada Lovelace"), ("5b10a2844c20165700ede21g", "Alan Turing")])
        );
        let server = json!({"issue": {"fields": {"assignee": {"name": "rwalsh", "key": "JIRAUSER1", "displayName": "Rosa Walsh"}}}});
        assert_eq!(seen_in(&server), pairs(&[("rwalsh", "Rosa Walsh")]));
    }

    #[test]
    fn account_ids_are_told_from_names() {
        for id in ["5b10a2844c20165700ede21g", "557058:f58131cb-b67d-43c7-b30d-6b58d40bd077", "712020:ab12cd"] {
            assert!(may_be_account_id(id), "{id}");
        }
        for name in ["John", "John Smith", "jsmith", "R2D2", "alan.turing@example.com", ""] {
            assert!(!may_be_account_id(name), "{name}");
        }
    }
}
