//! `/jira view`, `transition`, `assign` and `unassign` (SPEC §10.3, §10.5), with the caller's
//! own credentials and the plugin's texts. Everything Jira answers is untrusted (§5.7): it
//! reaches the reply only through `events::untrusted` (no channel-wide mention, no image, no
//! link to a refused scheme).

use super::{bound_state, Acting, Connections};
use crate::commands::jira_ops::{Answer, Caller, Outcome};
use crate::commands::parse::Assignee;
use crate::commands::signed::{self, SignedState, EPHEMERAL_BUTTON_SECS};
use crate::events::markup::{wiki_to_markdown, MarkupContext};
use crate::events::untrusted::{defuse, link, quiet_mentions};
use crate::ids::InstanceType;
use crate::jira::client::JiraError;
use crate::jira::rest::{self, IssueView, JiraPerson, Transition};
use crate::mattermost::action::{ActionIntegration, ActionOption, PostAction};
use crate::mattermost::post::{Attachment, AttachmentField, NewPost};

/// A 401 to a command made with a token (SPEC §8.1): the connection stays.
pub(super) const REJECTED: &str = "Jira rejected your credentials; run `/jira connect` again.";

/// The op of the transition menu on a `/jira view` reply.
pub(super) const TRANSITION: &str = "transition";
/// The op of its "Share publicly" button.
pub(super) const SHARE: &str = "share";

pub(super) const NO_PERMISSION: &str =
    "you do not have the appropriate permissions to perform this action. Please contact your Jira administrator";

/// Jira text for a reply: no channel-wide mention, no raw image or refused link.
pub(super) fn safe(text: &str) -> String {
    quiet_mentions(&defuse(text))
}

pub(super) fn shorten(text: &str, most: usize) -> String {
    match text.char_indices().nth(most) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_string(),
    }
}

pub(super) fn browse(acting: &Acting, key: &str) -> String {
    format!("{}/browse/{key}", acting.instance.id.as_str().trim_end_matches('/'))
}

pub(super) fn key_link(acting: &Acting, key: &str) -> String {
    link(&safe(key), &browse(acting, key))
}

impl Connections {
    /// `/jira view KEY`: the issue as an attachment, with a menu of its transitions.
    pub(super) async fn view(&self, caller: &Caller, acting: &Acting, key: Option<String>) -> Answer {
        let Some(key) = key else { return "Please specify an issue key in the form `/jira view <issue-key>`.".into() };
        match self.viewed(caller, acting, &key).await {
            Ok(attachment) => Answer { text: String::new(), attachments: vec![attachment] },
            Err(why) => why.into(),
        }
    }

    /// The issue as `/jira view` shows it: its attachment with the transition menu and
    /// Share, each carrying fresh state.
    async fn viewed(&self, caller: &Caller, acting: &Acting, key: &str) -> Result<Attachment, String> {
        let base = acting.base.as_str();
        let issue = match rest::issue(&self.jira, base, key, &acting.auth).await {
            Ok(issue) => issue,
            Err(JiraError::NotFound) => return Err("we couldn't find the issue key, or you do not have the appropriate permissions to view the issue. Please try again or contact your Jira administrator".into()),
            // The credentials themselves were refused: the caller must connect again.
            Err(JiraError::Unauthorized) => return Err(REJECTED.into()),
            Err(JiraError::Forbidden) => return Err("you do not have the appropriate permissions to view the issue. Please contact your Jira administrator".into()),
            Err(e) => return Err(jira_trouble(&e)),
        };
        let transitions = rest::transitions(&self.jira, base, key, &acting.auth).await.unwrap_or_default();
        let mut attachment = issue_attachment(acting, &issue);
        if let Some(menu) = self.transition_menu(caller, acting, &issue, &transitions) {
            attachment.actions.push(menu);
        }
        let share = self.signed_integration(caller, acting, SHARE, &issue.key);
        attachment.actions.extend(PostAction::button(SHARE, "Share publicly", share).ok());
        Ok(attachment)
    }

    /// Where a click on a `/jira view` reply goes, with state bound to the caller, the
    /// channel, the issue and a nonce (each click acts once).
    fn signed_integration(&self, caller: &Caller, acting: &Acting, op: &str, key: &str) -> ActionIntegration {
        let state = SignedState {
            key: Some(key.to_string()),
            n: signed::nonce().ok(),
            ..bound_state(caller, op, Some(acting.instance.id.to_string()), EPHEMERAL_BUTTON_SECS)
        };
        self.button_integration(&state)
    }

    /// "Share publicly" (SPEC §10.4): the bot posts the issue, without buttons, as
    /// "@<user> shared"; read with the clicker's credentials, so nobody shares what they
    /// cannot see.
    pub(super) async fn share(&self, caller: &Caller, acting: &Acting, key: &str) -> Result<String, String> {
        let issue = rest::issue(&self.jira, &acting.base, key, &acting.auth)
            .await
            .map_err(|e| format!("Could not share the issue: {}", jira_trouble(&e)))?;
        let Ok(channel_id) = crate::ids::ChannelId::parse(&caller.channel_id) else {
            return Err("Could not share the issue here.".into());
        };
        let mut post = NewPost::with_attachments(vec![issue_attachment(acting, &issue)]);
        post.channel_id = channel_id;
        post.message = format!("@{} shared", caller.user_name);
        self.mattermost.create_post(&post).await.map_err(|e| format!("Could not share the issue: {e}"))?;
        Ok("Shared in the channel.".into())
    }

    fn transition_menu(
        &self,
        caller: &Caller,
        acting: &Acting,
        issue: &IssueView,
        transitions: &[Transition],
    ) -> Option<PostAction> {
        let options: Vec<ActionOption> = transitions
            .iter()
            .filter(|t| t.to != issue.status)
            .map(|t| ActionOption { text: safe(&t.to), value: t.id.clone() })
            .collect();
        if options.is_empty() {
            return None;
        }
        let integration = self.signed_integration(caller, acting, TRANSITION, &issue.key);
        PostAction::select(TRANSITION, "Transition issue", options, integration).ok()
    }

    /// `/jira transition KEY state…` (SPEC §10.3): the one transition whose target status
    /// contains the words (case and spaces ignored).
    pub(super) async fn transition(&self, acting: &Acting, key: &str, wanted: &str) -> Answer {
        let base = acting.base.as_str();
        let transitions = match rest::transitions(&self.jira, base, key, &acting.auth).await {
            Ok(transitions) => transitions,
            Err(JiraError::NotFound | JiraError::Forbidden) => return "we couldn't find the issue key. Please confirm the issue key and try again. You may not have permissions to access this issue".into(),
            Err(e) => return jira_trouble(&e).into(),
        };
        if transitions.is_empty() {
            return NO_PERMISSION.into();
        }
        let squash = |text: &str| text.to_lowercase().split_whitespace().collect::<String>();
        let wanted_squashed = squash(wanted);
        let matching: Vec<&Transition> =
            transitions.iter().filter(|t| squash(&t.to).contains(&wanted_squashed)).collect();
        let names = |list: &[&Transition]| list.iter().map(|t| safe(&t.to)).collect::<Vec<_>>().join(", ");
        match matching.as_slice() {
            [] => {
                let all: Vec<&Transition> = transitions.iter().collect();
                format!("\"{}\" is not a valid state. Please use one of: \"{}\"", safe(wanted), names(&all)).into()
            }
            [one] => self.do_transition(acting, key, one).await,
            several => {
                format!("please be more specific, \"{}\" matched several states: \"{}\"", safe(wanted), names(several))
                    .into()
            }
        }
    }

    /// Moves `key` along `transition`; answers the reply: the sentence and the issue as it
    /// now is (SPEC §10.3), or the sentence alone when Jira will not show it.
    pub(super) async fn do_transition(&self, acting: &Acting, key: &str, transition: &Transition) -> Answer {
        match rest::transition(&self.jira, &acting.base, key, &transition.id, &acting.auth).await {
            Ok(()) => {
                let text = format!("{} transitioned to `{}`", key_link(acting, key), safe(&transition.to));
                let issue = rest::issue(&self.jira, &acting.base, key, &acting.auth).await;
                let attachments = issue.map(|issue| vec![issue_attachment(acting, &issue)]).unwrap_or_default();
                Answer { text, attachments }
            }
            Err(JiraError::Forbidden) => NO_PERMISSION.into(),
            Err(e) => jira_trouble(&e).into(),
        }
    }

    /// The transition `transition_id` of `key`, if Jira offers it to the caller: the §10.3
    /// sentence, or "Failed to transition this issue." when anything fails.
    pub(super) async fn transition_by_id(
        &self,
        acting: &Acting,
        key: &str,
        transition_id: &str,
    ) -> Result<String, String> {
        const FAILED: &str = "Failed to transition this issue.";
        let transitions = rest::transitions(&self.jira, &acting.base, key, &acting.auth).await.map_err(|_| FAILED)?;
        let chosen = transitions.iter().find(|t| t.id == transition_id).ok_or(FAILED)?;
        if let Err(e) = rest::transition(&self.jira, &acting.base, key, &chosen.id, &acting.auth).await {
            tracing::info!(error = %e, "a chosen transition failed");
            return Err(FAILED.into());
        }
        Ok(format!("{} transitioned to `{}`", key_link(acting, key), safe(&chosen.to)))
    }

    /// A click on the transition menu of a `/jira view` reply (SPEC §10.4): the sentence,
    /// and the reply shown again as the issue now is; a failure changes nothing.
    pub(super) async fn transition_clicked(
        &self,
        caller: &Caller,
        acting: &Acting,
        key: &str,
        transition_id: &str,
    ) -> Outcome {
        match self.transition_by_id(acting, key, transition_id).await {
            Ok(said) => match self.viewed(caller, acting, key).await {
                Ok(attachment) => Outcome::Updated(said, vec![attachment]),
                Err(_) => Outcome::Done(said),
            },
            Err(why) => Outcome::Failed(why),
        }
    }

    /// `/jira assign KEY who` (SPEC §10.3).
    pub(super) async fn assign(&self, acting: &Acting, key: &str, who: &Assignee) -> String {
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        let base = acting.base.as_str();
        let person = match who {
            Assignee::Mention { user_id: None, .. } => return "the mentioned user was not found".into(),
            Assignee::Mention { user_id: Some(user_id), .. } => match self.mentioned_person(acting, user_id).await {
                Some(person) => person,
                None => return "the mentioned user is not connected to Jira".into(),
            },
            Assignee::Search(search) if search.chars().count() < 3 => {
                return format!("`{}` contains less than 3 characters.", safe(search))
            }
            Assignee::Search(search) => {
                let found = match rest::assignable(&self.jira, base, key, search, cloud, &acting.auth).await {
                    Ok(found) => found,
                    Err(JiraError::NotFound | JiraError::BadRequest(_)) => {
                        return format!(
                            "We couldn't find the issue key `{}`.  Please confirm the issue key and try again.",
                            safe(key)
                        )
                    }
                    Err(e) => return jira_trouble(&e),
                };
                match found.as_slice() {
                    [] => return "we couldn't find the assignee. Please use a Jira member and try again".into(),
                    [one] => one.clone(),
                    several => {
                        let lines: Vec<String> = several
                            .iter()
                            .map(|p| {
                                // Cloud has no user names and often hides the email: what
                                // is missing is left out, not shown as an empty slot.
                                let known: Vec<String> = [&p.name, &p.email_address]
                                    .into_iter()
                                    .filter(|v| !v.is_empty())
                                    .map(|v| safe(v))
                                    .collect();
                                match known.is_empty() {
                                    true => format!("* {}", safe(&p.display_name)),
                                    false => format!("* {} ({})", safe(&p.display_name), known.join(", ")),
                                }
                            })
                            .collect();
                        return format!(
                            "`{}` matches {} or more users.  Please specify a unique assignee.\n{}",
                            safe(search),
                            several.len(),
                            lines.join("\n")
                        );
                    }
                }
            }
        };
        match rest::assign(&self.jira, base, key, Some(&person), cloud, &acting.auth).await {
            Ok(()) => format!("`{}` assigned to Jira issue {}", safe(&person.display_name), key_link(acting, key)),
            Err(JiraError::Forbidden) => NO_PERMISSION.into(),
            Err(JiraError::NotFound) => {
                format!("We couldn't find the issue key `{}`.  Please confirm the issue key and try again.", safe(key))
            }
            Err(e) => jira_trouble(&e),
        }
    }

    /// The Jira person behind a mentioned Mattermost user's connection to the same instance.
    async fn mentioned_person(&self, acting: &Acting, user_id: &str) -> Option<JiraPerson> {
        let (store, key, instance, user) =
            (self.store.clone(), self.key.clone(), acting.instance.id.to_string(), user_id.to_string());
        let found = self.store.run(move |_| store.connection(&instance, &user, &key)).await.ok().flatten()?;
        Some(JiraPerson {
            account_id: found.jira.account_id,
            name: found.jira.name,
            key: found.jira.key,
            display_name: found.jira.display_name,
            email_address: found.jira.email,
            time_zone: found.jira.time_zone,
        })
    }

    /// `/jira unassign KEY`.
    pub(super) async fn unassign(&self, acting: &Acting, key: Option<String>) -> String {
        let Some(key) = key else {
            return "Please specify an issue key in the form `/jira unassign <issue-key>`.".into();
        };
        let cloud = acting.instance.instance_type == InstanceType::Cloud;
        match rest::assign(&self.jira, &acting.base, &key, None, cloud, &acting.auth).await {
            Ok(()) => format!("Unassigned Jira issue {}", key_link(acting, &key)),
            Err(JiraError::Forbidden) => "You do not have the appropriate permissions to perform this action. Please contact your Jira administrator.".into(),
            Err(JiraError::NotFound) => format!("We couldn't find the issue key `{}`.  Please confirm the issue key and try again.", safe(&key)),
            Err(e) => jira_trouble(&e),
        }
    }
}

/// The issue attachment of SPEC §10.5.
pub(super) fn issue_attachment(acting: &Acting, issue: &IssueView) -> Attachment {
    let url = browse(acting, &issue.key);
    let no_mentions = |_: &str| None;
    let ctx = MarkupContext { issue_url: &url, mention: &no_mentions };
    let description = quiet_mentions(&wiki_to_markdown(&shorten(&issue.description, 3000), &ctx));
    let title = format!("{}: {} ({})", safe(&issue.key), safe(&shorten(&issue.summary, 80)), safe(&issue.status));
    let field = |name: &str, value: &str| AttachmentField { title: name.into(), value: safe(value), short: true };
    Attachment {
        color: Some("#95b7d0".into()),
        fallback: Some(safe(&format!("{}: {}", issue.key, issue.summary))),
        text: format!("{}\n\n{description}\n", link(&title, &url)),
        fields: vec![
            field("Assignee", &issue.assignee),
            field("Priority", &issue.priority),
            field("Reporter", &issue.reporter),
        ],
        ..Attachment::default()
    }
}

/// A sentence for a Jira failure the plugin had no text for.
pub(super) fn jira_trouble(e: &JiraError) -> String {
    match e {
        JiraError::RateLimited { retry_after } => {
            format!("Jira is busy; try again in {} seconds.", retry_after.map_or(10, |d| d.as_secs().max(1)))
        }
        JiraError::Unauthorized => REJECTED.into(),
        other => format!("Jira could not do this: {}", safe(&other.to_string())),
    }
}
