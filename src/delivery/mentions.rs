//! Before a post is rendered, what its text's mentions show (SPEC §5.6): a Jira user who
//! connected a Mattermost account on the event's instance shows as `@username`, so
//! Mattermost notifies them; others show the Jira display name, looked up in Jira for the
//! people the payload does not name. Jira is asked only with admin credentials, never in
//! push-only mode, and only at an instance the admin added: the event's own, or the one
//! whose URL the issue links to.

use crate::config::Config;
use crate::events::model::NormalizedEvent;
use crate::events::render::unnamed_mentions;
use crate::ids::MmUserId;
use crate::jira::auth::JiraAuth;
use crate::jira::users::JiraUsers;
use crate::mattermost::MattermostClient;
use crate::store::records::{EventRecordV1, InstanceId};
use crate::store::Store;

pub async fn add_jira_names(
    users: &JiraUsers,
    store: &Store,
    config: &Config,
    event: &EventRecordV1,
    parsed: &mut NormalizedEvent,
) {
    let Some(auth) = JiraAuth::admin(config) else { return };
    let references = unnamed_mentions(parsed);
    if references.is_empty() {
        return;
    }
    let Some(base) = instance_url(store, event, parsed) else { return };
    let names = users.display_names(&base, &references, &auth).await;
    parsed.people.extend(names);
}

/// The Jira to ask: never a URL taken from the payload alone.
pub fn instance_url(store: &Store, event: &EventRecordV1, parsed: &NormalizedEvent) -> Option<InstanceId> {
    let instances = store.instances().ok()?;
    let wanted = event.instance_id.as_ref().map_or(parsed.issue.base_url.trim_end_matches('/'), InstanceId::as_str);
    instances.into_iter().find(|i| i.id.as_str().eq_ignore_ascii_case(wanted)).map(|i| i.id)
}

/// `@username` for each mentioned person connected on `instance_id`, ahead of any display
/// name in `parsed.people` (the first match is shown). A lookup that fails leaves the name.
pub async fn add_mattermost_users(
    store: &Store,
    mattermost: &MattermostClient,
    instance_id: &str,
    parsed: &mut NormalizedEvent,
) {
    let references = crate::events::render::all_mentions(parsed);
    if references.is_empty() || instance_id.is_empty() {
        return;
    }
    let (reader, instance) = (store.clone(), instance_id.to_string());
    let linked = store
        .run(move |_| {
            let mut linked = Vec::new();
            for reference in references {
                let jira_user = reference.strip_prefix("accountid:").unwrap_or(&reference).to_string();
                if let Some(user) = reader.mm_user_by_jira(&instance, &jira_user)? {
                    linked.push((reference, user));
                }
            }
            Ok::<_, crate::store::StoreError>(linked)
        })
        .await
        .unwrap_or_default();
    let mut usernames = Vec::new();
    // Like Jira's names: a comment naming fifty people asks about ten at most.
    for (reference, user) in linked.into_iter().take(10) {
        let Ok(user) = MmUserId::parse(&user) else { continue };
        if let Some(name) = mattermost.username(&user).await {
            usernames.push((reference, format!("@{name}")));
        }
    }
    usernames.append(&mut parsed.people);
    parsed.people = usernames;
}
