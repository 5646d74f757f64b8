//! `/jira help` (SPEC §9.5): the commands a user may run, the system administrators' section
//! only for them, and no line for a feature that is off here (issue creation when
//! `jira.enable_issue_ui` is false; everything that needs Jira in push-only mode).

/// What decides which lines the help shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HelpFor<'a> {
    pub system_admin: bool,
    /// `jira.enable_issue_ui`: create and attach.
    pub issue_ui: bool,
    /// `jira.push_only`: nothing that calls Jira.
    pub push_only: bool,
    /// `mattermost.additional_help_text`, shown under the title.
    pub additional_text: &'a str,
}

/// Whether a line is shown: always, only with a Jira connection possible, or only with the
/// issue dialogs on as well.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Needs {
    Nothing,
    Jira,
    IssueUi,
}

const EVERYONE: &[(&str, &str, Needs)] = &[
    ("/jira connect [jiraURL]", "Connect your Mattermost account to your Jira account", Needs::Jira),
    ("/jira disconnect [jiraURL]", "Disconnect your Mattermost account from your Jira account", Needs::Jira),
    ("/jira [issue] assign [issue-key] [assignee]", "Change the assignee of a Jira issue", Needs::Jira),
    ("/jira [issue] create [text]", "Create a Jira issue, with the text as its summary", Needs::IssueUi),
    (
        "/jira [issue] attach [issue-key]",
        "Attach a message (run it in the message's thread) to a Jira issue",
        Needs::IssueUi,
    ),
    ("/jira [issue] transition [issue-key] [state]", "Move a Jira issue to another status", Needs::Jira),
    ("/jira [issue] unassign [issue-key]", "Remove the assignee of a Jira issue", Needs::Jira),
    ("/jira [issue] view [issue-key]", "Show a Jira issue", Needs::Jira),
    ("/jira subscribe", "Choose the Jira events this channel gets", Needs::Jira),
    ("/jira help", "Show this help", Needs::Nothing),
    ("/jira me", "Show your Jira connections and settings", Needs::Nothing),
    ("/jira about", "Show the version of jirabridge", Needs::Nothing),
    ("/jira instance list", "List the Jira instances jirabridge knows", Needs::Nothing),
    (
        "/jira instance settings [setting] [role] [value]",
        "Change your notification settings (`notifications [assignee|mention|reporter|watching] on|off`)",
        Needs::Jira,
    ),
];

const ADMINS: &[(&str, &str, Needs)] = &[
    ("/jira setup", "Show what is left to set up, with a link to the admin console", Needs::Nothing),
    ("/jira webhook [jiraURL]", "Show the webhook URLs to add in Jira", Needs::Nothing),
    ("/jira stats", "Show instances, subscriptions, users and deliveries", Needs::Nothing),
    ("/jira instance install server <jiraURL>", "Add a Jira Server or Data Center instance", Needs::Jira),
    ("/jira instance install cloud-oauth <jiraURL>", "Add a Jira Cloud instance (OAuth 2.0)", Needs::Jira),
    ("/jira instance uninstall server|cloud|cloud-oauth <jiraURL>", "Remove a Jira instance", Needs::Nothing),
    ("/jira instance alias [jiraURL] [alias]", "Give a Jira instance a short name", Needs::Nothing),
    ("/jira instance unalias [alias]", "Remove a short name", Needs::Nothing),
    ("/jira instance default [jiraURL]", "Choose your default Jira instance", Needs::Jira),
    ("/jira instance v2 [jiraURL]", "Send webhooks without an instance in their URL to this instance", Needs::Nothing),
    ("/jira subscribe list", "List the subscriptions of every channel", Needs::Nothing),
];

/// The help text for `who`.
pub fn help_text(who: HelpFor<'_>) -> String {
    let shown = |needs: Needs| match needs {
        Needs::Nothing => true,
        Needs::Jira => !who.push_only,
        Needs::IssueUi => !who.push_only && who.issue_ui,
    };
    let mut text = String::from("###### jirabridge - Slash Command Help\n");
    if !who.additional_text.is_empty() {
        text.push_str("    ");
        text.push_str(who.additional_text);
        text.push('\n');
    }
    let lines = |rows: &[(&str, &str, Needs)], text: &mut String| {
        for (command, what, needs) in rows {
            if shown(*needs) {
                text.push_str(&format!("* `{command}` - {what}\n"));
            }
        }
    };
    lines(EVERYONE, &mut text);
    if who.system_admin {
        text.push_str("\n###### For System Administrators:\n");
        lines(ADMINS, &mut text);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    const USER: HelpFor<'static> =
        HelpFor { system_admin: false, issue_ui: true, push_only: false, additional_text: "" };

    #[test]
    fn users_get_their_commands_and_admins_their_section_too() {
        let text = help_text(USER);
        assert!(text.starts_with("###### jirabridge - Slash Command Help\n"));
        assert!(text.contains("* `/jira [issue] create [text]` - "));
        assert!(text.contains("* `/jira instance settings [setting] [role] [value]` - "));
        assert!(!text.contains("For System Administrators"));
        let admin = help_text(HelpFor { system_admin: true, ..USER });
        assert!(admin.contains("\n###### For System Administrators:\n* `/jira setup` - "));
        assert!(admin.contains("* `/jira subscribe list` - "));
    }

    #[test]
    fn lines_of_features_that_are_off_are_left_out() {
        let no_ui = help_text(HelpFor { issue_ui: false, ..USER });
        assert!(!no_ui.contains("create [text]") && !no_ui.contains("attach [issue-key]"));
        assert!(no_ui.contains("transition [issue-key]"));
        let push_only = help_text(HelpFor { push_only: true, system_admin: true, ..USER });
        for needs_jira in ["/jira connect", "assign [", "create [", "view [", "/jira instance install server"] {
            assert!(!push_only.contains(needs_jira), "{needs_jira} shown in push-only mode");
        }
        for works in ["/jira instance list", "/jira webhook", "/jira subscribe list", "/jira instance uninstall"] {
            assert!(push_only.contains(works), "{works} works in push-only mode: it is shown");
        }
    }

    #[test]
    fn the_admins_additional_text_comes_under_the_title() {
        let text = help_text(HelpFor { additional_text: "Ask #jira-help for access.", ..USER });
        assert!(text
            .starts_with("###### jirabridge - Slash Command Help\n    Ask #jira-help for access.\n* `/jira connect"));
    }
}
