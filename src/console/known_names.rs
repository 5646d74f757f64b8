//! The names the subscription editor offers (SPEC §6.9): the instance's catalogue, learned
//! from its webhooks, shown as `<datalist>` suggestions and as a table of ids and names, so
//! an admin picks `Bug` and the rule still stores `10001`. Plain HTML: no script needed.

use crate::store::{CatalogEntry, Store, StoreError};
use crate::subscriptions::catalog;

/// (id, name) pairs per kind, sorted by name.
#[derive(Debug, Default)]
pub struct KnownNames {
    pub projects: Vec<(String, String)>,
    pub issue_types: Vec<(String, String)>,
    /// Everything else, as (kind in words, id, name), for the reference table.
    pub others: Vec<(&'static str, String, String)>,
    /// Field ids a filter row can name: the usual ones, then custom fields seen.
    pub fields: Vec<(String, String)>,
}

/// The fields every instance has, for the filter rows' suggestions.
const USUAL_FIELDS: [(&str, &str); 6] = [
    ("priority", "Priority"),
    ("labels", "Labels"),
    ("components", "Components"),
    ("fixVersions", "Fix versions"),
    ("security", "Security level"),
    ("commentVisibility", "Comment visibility"),
];

/// What `instance_id`'s webhooks taught, after learning from the newest ones (call it in
/// `Store::run`).
pub fn load(store: &Store, instance_id: &str) -> Result<KnownNames, StoreError> {
    if instance_id.is_empty() {
        return Ok(KnownNames::default());
    }
    catalog::learn_recent(store)?;
    let mut entries: Vec<CatalogEntry> = store.catalog(instance_id)?;
    entries.sort_by_key(|e| e.name.to_lowercase());
    let mut names = KnownNames {
        fields: USUAL_FIELDS.iter().map(|(id, name)| (id.to_string(), name.to_string())).collect(),
        ..KnownNames::default()
    };
    for entry in entries {
        let pair = (entry.id.clone(), entry.name.clone());
        match entry.kind.as_str() {
            "projects" => names.projects.push(pair),
            "issue_types" => names.issue_types.push(pair),
            kind => {
                if kind == "fields" {
                    names.fields.push(pair);
                }
                names.others.push((in_words(kind), entry.id, entry.name));
            }
        }
    }
    Ok(names)
}

fn in_words(kind: &str) -> &'static str {
    match kind {
        "priorities" => "Priority",
        "statuses" => "Status",
        "components" => "Component",
        "versions" => "Version",
        "labels" => "Label",
        "fields" => "Custom field",
        "security_levels" => "Security level",
        _ => "Other",
    }
}
