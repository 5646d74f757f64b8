//! Table tests of the `/jira` parser: every command row of SPEC §9.3, the user docs' own
//! forms, the optional prefixes, `--instance` anywhere and its three errors.

use super::*;

fn cmd(text: &str) -> Command {
    parse(text, &[]).unwrap().command
}

fn s(text: &str) -> String {
    text.to_string()
}

fn k(key: &str) -> crate::ids::JiraIssueKey {
    crate::ids::JiraIssueKey::parse(key).unwrap()
}

#[test]
fn every_row_parses_to_its_command() {
    let table: Vec<(&str, Command)> = vec![
        ("/jira", Command::Help),
        ("/jira help", Command::Help),
        ("/jira nonsense words here", Command::Help),
        ("/jira about", Command::About),
        ("/jira me", Command::Me),
        ("/jira info", Command::Me),
        ("/jira connect", Command::Connect { url: None }),
        (
            "/jira instance connect https://jira.example.com",
            Command::Connect { url: Some(s("https://jira.example.com")) },
        ),
        ("/jira connect a b", Command::Help),
        ("/jira disconnect", Command::Disconnect { url: None }),
        ("/jira instance settings notifications on", Command::Settings { args: vec![s("notifications"), s("on")] }),
        ("/jira settings", Command::Settings { args: vec![] }),
        ("/jira instance default https://j.example", Command::InstanceDefault { url: Some(s("https://j.example")) }),
        ("/jira instance default", Command::InstanceDefault { url: None }),
        ("/jira instance list", Command::InstanceList),
        ("/jira list", Command::Help),
        (
            "/jira install server https://j.example",
            Command::Install { kind: InstallKind::Server, url: s("https://j.example") },
        ),
        (
            "/jira instance install cloud-oauth https://acme.atlassian.net",
            Command::Install { kind: InstallKind::CloudOauth, url: s("https://acme.atlassian.net") },
        ),
        (
            "/jira install cloud https://acme.atlassian.net",
            Command::Install { kind: InstallKind::Cloud, url: s("https://acme.atlassian.net") },
        ),
        ("/jira install server", Command::Help),
        (
            "/jira uninstall server https://j.example",
            Command::Uninstall { kind: s("server"), url: s("https://j.example") },
        ),
        ("/jira instance uninstall cloud-oauth", Command::Help),
        (
            "/jira instance alias https://j.example prod",
            Command::InstanceAlias { url: Some(s("https://j.example")), alias: Some(s("prod")) },
        ),
        (
            "/jira instance alias https://j.example",
            Command::InstanceAlias { url: Some(s("https://j.example")), alias: None },
        ),
        ("/jira instance unalias prod", Command::InstanceUnalias { alias: Some(s("prod")) }),
        ("/jira instance unalias", Command::InstanceUnalias { alias: None }),
        ("/jira instance v2 https://j.example", Command::InstanceV2 { url: s("https://j.example") }),
        ("/jira view ext-20", Command::View { key: Some(k("EXT-20")) }),
        ("/jira issue view EXT-20", Command::View { key: Some(k("EXT-20")) }),
        ("/jira view", Command::View { key: None }),
        ("/jira view A-1 B-2", Command::View { key: None }),
        ("/jira transition EXT-20 in", Command::Transition { key: k("EXT-20"), state: s("in") }),
        (
            "/jira issue transition ext-20 In Progress",
            Command::Transition { key: k("EXT-20"), state: s("In Progress") },
        ),
        ("/jira transition EXT-20", Command::Help),
        ("/jira unassign ext-3", Command::Unassign { key: Some(k("EXT-3")) }),
        ("/jira issue unassign", Command::Unassign { key: None }),
        ("/jira assign EXT-3", Command::Assign { target: None }),
        ("/jira issue create This is my issue's summary", Command::Create { text: s("This is my issue's summary") }),
        ("/jira create", Command::Create { text: s("") }),
        ("/jira attach", Command::Attach { key: None }),
        ("/jira issue attach ext-9", Command::Attach { key: Some(k("EXT-9")) }),
        ("/jira subscribe", Command::Subscribe),
        ("/jira subscribe edit", Command::SubscribeEdit),
        ("/jira subscribe list", Command::SubscribeList { extra_args: false }),
        ("/jira subscribe list now", Command::SubscribeList { extra_args: true }),
        ("/jira webhook", Command::Webhook { url: None }),
        ("/jira webhook https://j.example", Command::Webhook { url: Some(s("https://j.example")) }),
        ("/jira stats", Command::Stats),
        ("/jira setup", Command::Setup),
        ("/jira v2revert", Command::V2Revert),
        ("/jira INSTANCE LIST", Command::InstanceList),
        // A word that is no issue key is answered before Jira is asked.
        ("/jira view 10001", Command::BadArgument(s("`10001` is not a Jira issue key such as PROJ-123."))),
        ("/jira transition ../x done", Command::BadArgument(s("`../x` is not a Jira issue key such as PROJ-123."))),
        ("/jira assign -1 @ann", Command::BadArgument(s("`-1` is not a Jira issue key such as PROJ-123."))),
        ("/jira unassign EXT-", Command::BadArgument(s("`EXT-` is not a Jira issue key such as PROJ-123."))),
        ("/jira attach 1-EXT", Command::BadArgument(s("`1-EXT` is not a Jira issue key such as PROJ-123."))),
    ];
    for (text, expected) in table {
        assert_eq!(cmd(text), expected, "{text}");
    }
}

#[test]
fn the_leading_slash_command_is_optional_and_whitespace_is_any() {
    assert_eq!(cmd("view  ext-1"), Command::View { key: Some(k("EXT-1")) });
    assert_eq!(cmd("\t/jira\tissue \n view EXT-1 "), Command::View { key: Some(k("EXT-1")) });
}

#[test]
fn an_assignee_is_a_mention_or_a_search() {
    let mentions = [(s("ann"), s("ann-user-id"))];
    let parsed = parse("/jira assign ext-1 @ann", &mentions).unwrap().command;
    let expected = Assignee::Mention { username: s("ann"), user_id: Some(s("ann-user-id")) };
    assert_eq!(parsed, Command::Assign { target: Some((k("EXT-1"), expected)) });
    let unknown = parse("/jira assign EXT-1 @bob", &mentions).unwrap().command;
    let expected = Assignee::Mention { username: s("bob"), user_id: None };
    assert_eq!(unknown, Command::Assign { target: Some((k("EXT-1"), expected)) });
    let typed_in_capitals = parse("/jira assign EXT-1 @Ann", &mentions).unwrap().command;
    let expected = Assignee::Mention { username: s("ann"), user_id: Some(s("ann-user-id")) };
    assert_eq!(typed_in_capitals, Command::Assign { target: Some((k("EXT-1"), expected)) });
    let search = parse("/jira issue assign EXT-1 smith", &mentions).unwrap().command;
    assert_eq!(search, Command::Assign { target: Some((k("EXT-1"), Assignee::Search(s("smith")))) });
}

#[test]
fn instance_may_stand_anywhere_in_either_form() {
    for text in [
        "/jira --instance prod view EXT-1",
        "/jira view --instance prod EXT-1",
        "/jira view EXT-1 --instance=prod",
        "/jira issue --instance=prod view EXT-1",
    ] {
        let parsed = parse(text, &[]).unwrap();
        assert_eq!(parsed.command, Command::View { key: Some(k("EXT-1")) }, "{text}");
        assert_eq!(parsed.instance.as_deref(), Some("prod"), "{text}");
    }
}

#[test]
fn instance_errors_use_the_plugin_sentences() {
    let error = |text: &str| parse(text, &[]).unwrap_err().to_string();
    assert_eq!(error("/jira view X-1 --instance a --instance b"), "--instance may not be specified multiple times");
    assert_eq!(error("/jira view X-1 --instance=a --instance=a"), "--instance may not be specified multiple times");
    assert_eq!(error("/jira view --instanceFOO X-1"), "`--instanceFOO` is not valid");
    assert_eq!(error("/jira view X-1 --instance"), "--instance requires a value");
    assert_eq!(error("/jira view X-1 --instance="), "--instance requires a value");
}

#[test]
fn create_and_attach_take_post_and_thread_options() {
    let create = parse("/jira create Fix the login --post https://mm.example/t/pl/abc", &[]).unwrap();
    assert_eq!(create.command, Command::Create { text: s("Fix the login") });
    assert_eq!(create.post.as_deref(), Some("https://mm.example/t/pl/abc"));
    let attach = parse("/jira attach EXT-2 --thread --post=abc", &[]).unwrap();
    assert_eq!(attach.command, Command::Attach { key: Some(k("EXT-2")) });
    assert_eq!((attach.post.as_deref(), attach.thread), (Some("abc"), true));
    // Other commands take no such options: the word is an argument like any other.
    let view = parse("/jira view EXT-1 --thread", &[]).unwrap();
    assert_eq!((view.command, view.thread), (Command::View { key: None }, false));
}
