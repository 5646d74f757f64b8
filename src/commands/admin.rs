//! The `/jira` rows for system administrators that need no Jira connection (SPEC §9.3,
//! §9.4): instance list, alias, unalias and v2, the Atlassian Connect refusal, the webhook
//! URLs, stats, the setup checklist and v2revert. Each takes the store, so it runs inside
//! `Store::run`, and answers the reply text.

use crate::instances::webhook_urls::{self, UrlParts};
use crate::instances::{self, InstanceError, InstancePatch};
use crate::jira::instance::{normalize_url, InstanceType};
use crate::store::records::InstanceRecordV1;
use crate::store::records::SubscriptionState;
use crate::store::{Store, StoreError};

/// `instance list`: a table of the instances by id, or "(none installed)".
pub fn instance_list(store: &Store) -> Result<String, StoreError> {
    Ok(instance_table(store.instances()?))
}

/// [`instance_list`]'s table of `all`.
pub fn instance_table(mut all: Vec<InstanceRecordV1>) -> String {
    if all.is_empty() {
        return "(none installed)\n".into();
    }
    all.sort_by(|a, b| a.id.cmp(&b.id));
    // The separator row has three cells for four columns, as the plugin's had.
    let mut text = String::from("| |Alias|URL|Type|\n|--|--|--|\n");
    for (i, instance) in all.iter().enumerate() {
        let alias = instance.alias.as_deref().unwrap_or("n/a");
        let legacy = if instance.is_v2_legacy { " (v2 legacy)" } else { "" };
        text.push_str(&format!("|{}|{alias}{legacy}|{}|{}|\n", i + 1, instance.id, instance.instance_type));
    }
    text
}

/// The instance a command names by alias or URL, or the §9.2 sentence saying why not.
pub fn named_instance(store: &Store, reference: &str) -> Result<Result<InstanceRecordV1, String>, StoreError> {
    let failed = |e: &str| format!("Failed to identify Jira instance {reference}. Error: {e}.");
    if let Some(found) = instances::resolve(store, reference)? {
        return Ok(Ok(found));
    }
    let Ok(id) = normalize_url(reference) else { return Ok(Err(failed("not an alias or a Jira URL"))) };
    Ok(store.instance(&id)?.ok_or_else(|| failed("no such Jira instance is installed")))
}

/// `instance alias <url> <alias>`.
pub fn alias(
    store: &Store,
    url: Option<&str>,
    alias: Option<&str>,
    actor: &str,
    public_base: &str,
) -> Result<String, StoreError> {
    let (Some(url), Some(alias)) = (url, alias) else { return Ok("Please specify both an instance and alias".into()) };
    let instance = match named_instance(store, url)? {
        Ok(instance) => instance,
        Err(sentence) => return Ok(sentence),
    };
    let patch = InstancePatch { alias: Some(alias.to_string()), ..InstancePatch::default() };
    Ok(match instances::change(store, instance.id.as_str(), patch, actor, public_base) {
        Ok(changed) => format!("You have successfully aliased instance {} to `{alias}`.", changed.id),
        Err(e) => sentence_of(e)?,
    })
}

/// `instance unalias <alias>`.
pub fn unalias(store: &Store, alias: Option<&str>, actor: &str, public_base: &str) -> Result<String, StoreError> {
    let Some(alias) = alias else { return Ok("Please specify an alias".into()) };
    let Some(id) = store.instance_id_for_alias(alias)? else {
        return Ok(format!("Instance with alias `{alias}` does not exist."));
    };
    let patch = InstancePatch { alias: Some(String::new()), ..InstancePatch::default() };
    Ok(match instances::change(store, id.as_str(), patch, actor, public_base) {
        Ok(changed) => format!("You have successfully unaliased instance {} from `{alias}`.", changed.id),
        Err(e) => sentence_of(e)?,
    })
}

/// `instance v2 <url>`: webhooks without an instance in their URL go to this one.
pub fn v2(store: &Store, url: &str, actor: &str, public_base: &str) -> Result<String, StoreError> {
    let instance = match named_instance(store, url)? {
        Ok(instance) => instance,
        Err(sentence) => return Ok(sentence),
    };
    let patch = InstancePatch { is_v2_legacy: Some(true), ..InstancePatch::default() };
    Ok(match instances::change(store, instance.id.as_str(), patch, actor, public_base) {
        Ok(changed) => format!("{} is set as the default Jira instance", changed.id),
        Err(e) => sentence_of(e)?,
    })
}

fn sentence_of(e: InstanceError) -> Result<String, StoreError> {
    match e {
        InstanceError::Store(e) => Err(e),
        other => Ok(other.to_string()),
    }
}

/// `install cloud <url>`: Atlassian Connect is not supported.
pub fn install_cloud_refused(url: &str) -> String {
    format!("Atlassian Connect installs are not supported; use `/jira instance install cloud-oauth {url}`.")
}

/// Where a webhook command is run, for the legacy URL's `team` and `channel`.
pub struct WebhookPlace<'a> {
    pub public_base: &'a str,
    pub secret: &'a str,
    pub team_domain: &'a str,
    pub channel_name: &'a str,
}

/// `webhook [url]` (§9.4): the URLs to add in Jira for `instance`, or the legacy URL alone
/// without one.
pub fn webhook_urls(instance: Option<&InstanceRecordV1>, at: &WebhookPlace<'_>) -> String {
    let parts = UrlParts {
        public_base: at.public_base,
        instance_id: instance.map(|i| i.id.as_str()),
        secret: at.secret,
        team: at.team_domain,
        channel: at.channel_name,
        flags: &[],
    };
    let urls = webhook_urls::build(&parts);
    let shown = |url: &str| format!("`{url}`\n[{url}]({url})\n");
    let Some(instance) = instance else {
        return format!("##### Legacy webhooks\n{}", shown(&urls.legacy));
    };
    format!(
        "To set up webhook for instance {id} please navigate to [Jira System Settings/Webhooks]({id}/plugins/servlet/webhooks) \
         where you can add webhooks.\n##### Subscriptions webhook.\n{firehose}##### Legacy webhooks\n{legacy}",
        id = instance.id,
        firehose = shown(&urls.subscriptions),
        legacy = shown(&urls.legacy),
    )
}

/// The numbers `/jira stats` shows.
pub fn stats(store: &Store, connected_users: usize, now_ms: u64) -> Result<String, StoreError> {
    let instances = store.instances()?;
    let cloud = instances.iter().filter(|i| i.instance_type == InstanceType::Cloud).count();
    let subscriptions = store.subscriptions()?;
    // An uninstalled instance's rules are kept for a reinstall, but route nothing.
    let installed = |s: &&crate::store::records::SubscriptionRecordV1| instances.iter().any(|i| i.id == s.instance_id);
    let (live, kept): (Vec<_>, Vec<_>) = subscriptions.iter().partition(installed);
    let broken = live.iter().filter(|s| s.state == SubscriptionState::Broken).count();
    let kept = match kept.len() {
        0 => String::new(),
        n => format!(", {n} of uninstalled instances"),
    };
    let since = now_ms.saturating_sub(86_400_000);
    // Counted, not kept: a busy day holds many events.
    let mut events = 0;
    store.events_newest_first(since, usize::MAX, |_| {
        events += 1;
        false
    })?;
    let (done, dead) =
        store.fold_recent_deliveries(since, (0, 0), |(done, dead), delivery| match delivery.record.state {
            crate::store::records::DeliveryState::Done => *done += 1,
            crate::store::records::DeliveryState::Dead => *dead += 1,
            _ => {}
        })?;
    Ok(format!(
        "###### jirabridge statistics\n\
         * Jira instances: {} ({} Server or Data Center, {cloud} Cloud)\n\
         * Subscriptions: {} active, {broken} broken{kept}\n\
         * Connected users: {connected_users}\n\
         * Last 24 hours: {} received, {} made\n\
         * Dead deliveries in the last 24 hours: {}\n",
        instances.len(),
        instances.len() - cloud,
        live.len() - broken,
        counted(events, "event", "events"),
        counted(done, "post", "posts"),
        dead,
    ))
}

/// `1 event`, `2 events`.
fn counted(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// One step of `/jira setup` and whether it is done.
pub struct SetupStep {
    pub done: bool,
    pub what: &'static str,
}

/// `/jira setup`: the console link and the checklist.
pub fn setup(public_base: &str, steps: &[SetupStep]) -> String {
    let mut text = format!("###### Setting up jirabridge\nThe admin console: {public_base}/admin/\n");
    for step in steps {
        let mark = if step.done { "✓" } else { "☐" };
        text.push_str(&format!("* {mark} {}\n", step.what));
    }
    text
}

/// `/jira v2revert`.
pub const V2_REVERT: &str = "jirabridge has no v2 data model to revert to.";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jira::instance::encode_id;
    use crate::store::records::InstanceId;

    fn instance(id: &str, alias: Option<&str>) -> InstanceRecordV1 {
        InstanceRecordV1 {
            id: InstanceId::unchecked(id),
            instance_type: InstanceType::Server,
            alias: alias.map(String::from),
            is_default: false,
            is_v2_legacy: false,
            created_at_ms: 0,
        }
    }

    #[test]
    fn webhook_urls_carry_the_encoded_instance_and_the_escaped_secret() {
        let at = WebhookPlace {
            public_base: "https://jb.example",
            secret: "a+b/c",
            team_domain: "eng",
            channel_name: "town square",
        };
        let text = webhook_urls(Some(&instance("https://jira.example.com", None)), &at);
        let encoded = encode_id("https://jira.example.com");
        assert!(text.starts_with("To set up webhook for instance https://jira.example.com please navigate to [Jira System Settings/Webhooks](https://jira.example.com/plugins/servlet/webhooks)"));
        assert!(text.contains(&format!(
            "`https://jb.example/plugins/jira/instance/{encoded}/api/v2/webhook?secret=a%2Bb%2Fc`"
        )));
        assert!(text.contains(&format!(
            "https://jb.example/plugins/jira/instance/{encoded}/webhook?secret=a%2Bb%2Fc&team=eng&channel=town+square"
        )));
        let none = webhook_urls(None, &at);
        assert!(none
            .starts_with("##### Legacy webhooks\n`https://jb.example/plugins/jira/webhook?secret=a%2Bb%2Fc&team=eng"));
    }

    #[test]
    fn the_setup_checklist_marks_what_is_done() {
        let steps = [SetupStep { done: true, what: "Bot token" }, SetupStep { done: false, what: "Jira webhook" }];
        assert_eq!(
            setup("https://jb.example", &steps),
            "###### Setting up jirabridge\nThe admin console: https://jb.example/admin/\n* ✓ Bot token\n* ☐ Jira webhook\n"
        );
    }
}
