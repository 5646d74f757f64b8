//! Before a post is rendered: display names for the people its text mentions but the
//! payload does not name, looked up in Jira (SPEC §5.6: a mention shows the Jira display
//! name). Only with admin credentials, never in push-only mode, and only from an instance
//! the admin added: the event's own, or the one whose URL the issue links to.

use crate::config::Config;
use crate::events::model::NormalizedEvent;
use crate::events::render::unnamed_mentions;
use crate::jira::auth::JiraAuth;
use crate::jira::users::JiraUsers;
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
fn instance_url(store: &Store, event: &EventRecordV1, parsed: &NormalizedEvent) -> Option<InstanceId> {
    let instances = store.instances().ok()?;
    let wanted = event.instance_id.as_ref().map_or(parsed.issue.base_url.trim_end_matches('/'), InstanceId::as_str);
    instances.into_iter().find(|i| i.id.as_str().eq_ignore_ascii_case(wanted)).map(|i| i.id)
}
