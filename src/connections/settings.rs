//! `/jira [instance] settings …` (SPEC §8.3): the four roles whose personal notifications a
//! user gets, listed and switched with the plugin's texts.

use super::Connections;
use crate::commands::jira_ops::Caller;
use crate::store::NotificationSettings;

/// The roles, in the order the plugin lists them.
const ROLES: [&str; 4] = ["assignee", "mention", "reporter", "watching"];

const USAGE: &str =
    "`/jira settings notifications [assignee|mention|reporter|watching] [value]`\n* Invalid command args.";

/// What a `settings` line asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Asked {
    List,
    Role(&'static str, bool),
    All(bool),
}

/// Reads the words after `settings`; `Err` is the sentence to answer.
pub(super) fn parse(args: &[String]) -> Result<Asked, String> {
    let words: Vec<String> = args.iter().map(|a| a.to_lowercase()).collect();
    let words: Vec<&str> = words.iter().map(String::as_str).collect();
    match words.as_slice() {
        [] | ["list"] => Ok(Asked::List),
        ["notifications", value] => match on_off(value) {
            Some(on) => Ok(Asked::All(on)),
            None if role(value).is_some() => Err(USAGE.into()),
            None => Err(invalid_value(value)),
        },
        ["notifications", name, value] => {
            let Some(role) = role(name) else {
                return Err(format!(
                    "* Invalid role `{name}`. Accepted roles are: `assignee`, `mention`, `reporter` or `watching`."
                ));
            };
            on_off(value).map(|on| Asked::Role(role, on)).ok_or_else(|| invalid_value(value))
        }
        ["notifications", ..] => Err(USAGE.into()),
        _ => Err("Unknown setting.".into()),
    }
}

fn role(word: &str) -> Option<&'static str> {
    ROLES.iter().find(|r| **r == word).copied()
}

fn on_off(word: &str) -> Option<bool> {
    match word {
        "on" => Some(true),
        "off" => Some(false),
        _ => None,
    }
}

fn invalid_value(value: &str) -> String {
    format!("* Invalid value `{value}`. Accepted values are: `on` or `off`.")
}

fn word(on: bool) -> &'static str {
    if on {
        "on"
    } else {
        "off"
    }
}

/// The role's setting.
fn role_mut<'a>(settings: &'a mut NotificationSettings, role: &str) -> &'a mut bool {
    match role {
        "assignee" => &mut settings.assignee,
        "mention" => &mut settings.mention,
        "reporter" => &mut settings.reporter,
        _ => &mut settings.watching,
    }
}

/// "Current settings:" and a line per role: on only when the master switch is on too (an
/// imported connection may have every role on and notifications off, and then gets no DM).
pub(super) fn listing(settings: &NotificationSettings) -> String {
    let mut copy = settings.clone();
    let lines: Vec<String> = ROLES
        .iter()
        .map(|role| {
            let on = settings.notifications && *role_mut(&mut copy, role);
            format!("\t- Notifications for {role}: {} ", word(on))
        })
        .collect();
    format!("Current settings:\n{}", lines.join("\n"))
}

/// Applies `asked` to `settings`; answers the reply (a role's names `instance` when the
/// user has more than one connection).
pub(super) fn apply(asked: &Asked, settings: &mut NotificationSettings, instance: Option<&str>) -> String {
    let suffix = instance.map(|id| format!(" for Jira instance {id}")).unwrap_or_default();
    match asked {
        Asked::List => listing(settings),
        Asked::Role(role, on) => {
            // The master switch follows: a role turned on after "all off" must work again,
            // and alone: the others were listed off, so they stay off.
            if *on && !settings.notifications {
                ROLES.iter().for_each(|other| *role_mut(settings, other) = false);
                settings.notifications = true;
            }
            *role_mut(settings, role) = *on;
            let mut name = role.to_string();
            name[..1].make_ascii_uppercase();
            format!("Settings updated{suffix}:\n* {name} notifications {}.", word(*on))
        }
        Asked::All(on) => {
            for role in ROLES {
                *role_mut(settings, role) = *on;
            }
            settings.notifications = *on;
            // SPEC §8.3: this reply never names the instance, unlike a role's.
            format!("Settings updated:\n* All notifications {}.", word(*on))
        }
    }
}

impl Connections {
    /// `/jira settings …` for the caller's connection to `instance` (else their default).
    pub(super) async fn settings_command(&self, caller: &Caller, instance: Option<&str>, args: &[String]) -> String {
        let asked = match parse(args) {
            Ok(asked) => asked,
            Err(sentence) => return sentence,
        };
        let acting = match self.acting(&caller.user_id, instance).await {
            Ok(acting) => acting,
            Err(why) => {
                return format!("Your username is not connected to Jira. Please type `jira connect`. Error: {why}")
            }
        };
        let mut connection = acting.connection;
        let several = self.connected_instances(&caller.user_id).len() > 1;
        let reply = apply(&asked, &mut connection.settings, several.then_some(connection.instance_id.as_str()));
        if asked == Asked::List {
            return reply;
        }
        let store = self.store.clone();
        let (instance_id, user) = (connection.instance_id.clone(), connection.mm_user_id.clone());
        let updated =
            self.store.run(move |_| store.update_notification_settings(&instance_id, &user, &connection.settings));
        match updated.await {
            Ok(true) => reply,
            Ok(false) => "Your username is not connected to Jira. Please type `jira connect`.".into(),
            Err(e) => {
                tracing::error!(error = %e, "could not store notification settings");
                super::STORE_TROUBLE.into()
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(line: &str) -> Vec<String> {
        line.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn lines_read_as_the_plugin_reads_them() {
        let cases: [(&str, Result<Asked, &str>); 9] = [
            ("", Ok(Asked::List)),
            ("list", Ok(Asked::List)),
            ("notifications on", Ok(Asked::All(true))),
            ("notifications assignee off", Ok(Asked::Role("assignee", false))),
            ("notifications", Err(USAGE)),
            ("notifications mention", Err(USAGE)),
            (
                "notifications boss on",
                Err("* Invalid role `boss`. Accepted roles are: `assignee`, `mention`, `reporter` or `watching`."),
            ),
            ("notifications watching maybe", Err("* Invalid value `maybe`. Accepted values are: `on` or `off`.")),
            ("colour blue", Err("Unknown setting.")),
        ];
        for (line, expected) in cases {
            assert_eq!(parse(&args(line)), expected.map_err(str::to_string), "{line:?}");
        }
    }

    #[test]
    fn replies_list_and_confirm_in_the_plugin_words() {
        let mut settings = NotificationSettings::all_on();
        assert_eq!(
            listing(&settings),
            "Current settings:\n\t- Notifications for assignee: on \n\t- Notifications for mention: on \n\t- Notifications for reporter: on \n\t- Notifications for watching: on "
        );
        let reply = apply(&Asked::Role("reporter", false), &mut settings, None);
        assert_eq!(reply, "Settings updated:\n* Reporter notifications off.");
        assert!(!settings.reporter && settings.assignee);
        apply(&Asked::All(false), &mut settings, None);
        apply(&Asked::Role("mention", true), &mut settings, None);
        assert!(settings.notifications && settings.mention, "one role on after all off works again");
        let reply = apply(&Asked::All(false), &mut settings, Some("https://jira.example.com"));
        assert_eq!(reply, "Settings updated:\n* All notifications off.", "SPEC §8.3 word for word");
        let reply = apply(&Asked::Role("mention", true), &mut settings, Some("https://jira.example.com"));
        assert_eq!(reply, "Settings updated for Jira instance https://jira.example.com:\n* Mention notifications on.");
        apply(&Asked::All(false), &mut settings, None);
        assert!(!settings.assignee && !settings.watching && !settings.notifications);
    }

    #[test]
    fn roles_list_off_while_notifications_are_off_and_one_turned_on_comes_alone() {
        // As an import may leave it: every role on, the master switch off.
        let mut settings = NotificationSettings { notifications: false, ..NotificationSettings::all_on() };
        assert!(!listing(&settings).contains(": on"), "no DM arrives, so none is listed on");
        apply(&Asked::Role("mention", true), &mut settings, None);
        let listed = listing(&settings);
        assert!(listed.contains("mention: on") && listed.contains("assignee: off"), "{listed}");
    }
}
