//! The dialog rules checked as Mattermost checks them, in bytes.

use super::*;
use serde_json::json;

fn choices() -> Vec<ActionOption> {
    ["Bug", "Task"].iter().map(|t| ActionOption { text: t.to_string(), value: t.to_lowercase() }).collect()
}

fn dialog_of(element: DialogElement) -> Result<Dialog, WireError> {
    Dialog::new("Create Jira issue", vec![element])
}

fn too_long(what: &str, bytes: usize, max: usize) -> Result<Dialog, WireError> {
    Err(WireError::TooLong { what: what.into(), bytes, max })
}

#[test]
fn an_open_dialog_request_serialises_as_mattermost_reads_it() {
    let summary = DialogElement { placeholder: "What happened?".into(), ..DialogElement::text("summary", "Summary") };
    let kind = DialogElement { default: "task".into(), ..DialogElement::select("type", "Issue type", choices()) };
    let dialog = Dialog::new("Create Jira issue", vec![summary, kind]).unwrap().submit_label("Create").state("v1.a.b");
    let request = OpenDialog { trigger_id: "tr1".into(), url: "https://b.example/mattermost/dialog".into(), dialog };
    assert_eq!(
        serde_json::to_value(&request).unwrap(),
        json!({"trigger_id": "tr1", "url": "https://b.example/mattermost/dialog", "dialog": {
            "title": "Create Jira issue", "submit_label": "Create", "state": "v1.a.b", "elements": [
                {"display_name": "Summary", "name": "summary", "type": "text",
                 "placeholder": "What happened?", "optional": false},
                {"display_name": "Issue type", "name": "type", "type": "select", "default": "task", "optional": false,
                 "options": [{"text": "Bug", "value": "bug"}, {"text": "Task", "value": "task"}]}]}})
    );
    let cancel = Dialog::new("Connect", vec![]).unwrap().introduction("Pick one").notify_on_cancel();
    let json = serde_json::to_value(&cancel).unwrap();
    assert_eq!((&json["introduction_text"], &json["notify_on_cancel"]), (&json!("Pick one"), &json!(true)));
}

#[test]
fn a_dynamic_select_needs_a_url_the_web_app_calls() {
    let element = DialogElement::dynamic("issue", "Issue", "https://b.example/mattermost/lookup");
    let json = serde_json::to_value(dialog_of(element).unwrap()).unwrap();
    let issue = &json["elements"][0];
    assert_eq!(
        (&issue["data_source"], &issue["data_source_url"]),
        (&json!("dynamic"), &json!("https://b.example/mattermost/lookup"))
    );
    assert!(dialog_of(DialogElement::dynamic("issue", "Issue", "http://127.0.0.1:8080/mattermost/lookup")).is_ok());
    for url in ["", "http://jirabridge.lan/mattermost/lookup", "http://localhost.evil/x"] {
        assert!(dialog_of(DialogElement::dynamic("issue", "Issue", url)).is_err(), "{url}");
    }
}

#[test]
fn titles_and_display_names_are_1_to_24_bytes() {
    assert!(Dialog::new(&"t".repeat(24), vec![]).is_ok());
    assert_eq!(Dialog::new(&"t".repeat(25), vec![]), too_long("dialog title", 25, 24));
    // 13 characters, 26 bytes: Mattermost counts bytes.
    assert_eq!(Dialog::new(&"é".repeat(13), vec![]), too_long("dialog title", 26, 24));
    assert_eq!(Dialog::new("", vec![]), Err(WireError::Empty { what: "dialog title".into() }));
    assert!(Dialog::new(fitting_title(&"é".repeat(13)), vec![]).is_ok(), "cut to 12 characters");
    assert_eq!(fitting_title(&"é".repeat(13)).chars().count(), 12);
    assert!(dialog_of(DialogElement::text("s", &"d".repeat(24))).is_ok());
    assert_eq!(
        dialog_of(DialogElement::text("s", &"d".repeat(25))),
        too_long("display_name of dialog element \"s\"", 25, 24)
    );
    assert!(matches!(dialog_of(DialogElement::text("s", "")), Err(WireError::Empty { .. })));
    assert!(matches!(dialog_of(DialogElement::text("", "Summary")), Err(WireError::Empty { .. })));
    assert!(matches!(dialog_of(DialogElement::text(&"n".repeat(301), "S")), Err(WireError::TooLong { .. })));
}

#[test]
fn help_text_is_at_most_150_bytes() {
    let with_help = |n: usize| dialog_of(DialogElement { help_text: "h".repeat(n), ..DialogElement::text("s", "S") });
    assert!(with_help(150).is_ok());
    assert_eq!(with_help(151), too_long("help_text of dialog element \"s\"", 151, 150));
}

#[test]
fn text_values_are_at_most_150_bytes_and_textarea_values_3000() {
    for (element, max) in [(DialogElement::text("s", "S"), 150), (DialogElement::textarea("s", "S"), 3000)] {
        let with_default = |n: usize| dialog_of(DialogElement { default: "x".repeat(n), ..element.clone() });
        let with_placeholder = |n: usize| dialog_of(DialogElement { placeholder: "x".repeat(n), ..element.clone() });
        assert!(with_default(max).is_ok() && with_placeholder(max).is_ok());
        assert_eq!(with_default(max + 1), too_long("default of dialog element \"s\"", max + 1, max));
        assert_eq!(with_placeholder(max + 1), too_long("placeholder of dialog element \"s\"", max + 1, max));
    }
}

#[test]
fn defaults_must_be_one_of_the_choices() {
    let not_a_choice = |element: DialogElement, value: &str| {
        let what = format!("default of dialog element {:?}", element.name);
        assert_eq!(dialog_of(element), Err(WireError::NotAChoice { what, value: value.into() }));
    };
    not_a_choice(DialogElement { default: "epic".into(), ..DialogElement::select("t", "T", choices()) }, "epic");
    not_a_choice(DialogElement { default: "Bug".into(), ..DialogElement::radio("t", "T", choices()) }, "Bug");
    not_a_choice(DialogElement { default: "yes".into(), ..DialogElement::checkbox("b", "B") }, "yes");
    assert!(dialog_of(DialogElement { default: "bug".into(), ..DialogElement::radio("t", "T", choices()) }).is_ok());
    assert!(dialog_of(DialogElement { default: "true".into(), ..DialogElement::checkbox("b", "B") }).is_ok());
}

#[test]
fn names_are_unique_and_lengths_ordered() {
    let twice = vec![DialogElement::text("s", "S"), DialogElement::textarea("s", "T")];
    assert_eq!(Dialog::new("New", twice), Err(WireError::DuplicateName("s".into())));
    let lengths =
        |min, max| dialog_of(DialogElement { min_length: min, max_length: max, ..DialogElement::text("s", "S") });
    assert!(lengths(Some(2), Some(10)).is_ok() && lengths(None, Some(10)).is_ok());
    assert!(matches!(lengths(Some(11), Some(10)), Err(WireError::Lengths { min: 11, max: 10, .. })));
    assert!(matches!(lengths(Some(1), None), Err(WireError::Lengths { min: 1, max: 0, .. })));
}
