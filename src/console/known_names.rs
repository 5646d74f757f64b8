//! The names the subscription editor offers (SPEC §6.9): the instance's catalogue, learned
//! from its webhooks and, with the admin credentials, listed by Jira, shown as `<datalist>` suggestions and as a table of ids and names, so
//! an admin picks `Bug` and the rule still stores `10001`; a name typed where an id goes is
//! turned into its id when the rule is saved. Plain HTML: no script needed.

use std::collections::BTreeMap;

use super::error::ConsoleError;
use crate::ids::InstanceType;
use crate::store::{CatalogEntry, Store, StoreError};
use crate::subscriptions::{catalog, catalog_listed, people};
use crate::web::state::AppState;

/// Rows of the reference table at most: a site listing every version of 50 projects would
/// otherwise make the editor page thousands of rows long.
const TABLE_ROWS: usize = 500;

/// (id, name) pairs per kind, sorted by name.
#[derive(Debug, Default)]
pub struct KnownNames {
    pub projects: Vec<(String, String)>,
    pub issue_types: Vec<(String, String)>,
    /// Everything else, as (kind in words, id, name), for the reference table (the first
    /// [`TABLE_ROWS`]).
    pub others: Vec<(&'static str, String, String)>,
    /// How many more the table leaves out (the API lists them all).
    pub others_left: usize,
    /// Field ids a filter row can name: the usual ones, then custom fields seen.
    pub fields: Vec<(String, String)>,
    /// Everything learned, to turn typed names back into ids.
    entries: Vec<CatalogEntry>,
    /// A Cloud instance: people are account ids (see `subscriptions::people`).
    cloud: bool,
}

impl KnownNames {
    /// The form as it is stored: each project as its key (typed in any case, or as its
    /// name), each issue type, and each value of a filter on a field
    /// whose values are ids (priority, status, components, versions, security level), typed
    /// as a name, becomes the one id of that name (components, versions and levels within
    /// the rule's projects). Ids stay. Answers a message per input whose name is unknown or
    /// names several ids (by the paths validation uses): stored as text, such a value would
    /// never match.
    pub fn names_to_ids(&self, form: &mut super::rule_form::RuleForm) -> BTreeMap<String, String> {
        let mut errors = BTreeMap::new();
        match self.project_keys(&form.projects) {
            Ok(keys) => form.projects = keys.join(", "),
            Err(message) => {
                errors.insert("filters.projects".to_string(), message);
            }
        }
        let projects = super::form::split_list(&form.projects);
        match self.resolved("issue_types", &form.issue_types, &projects) {
            Ok(ids) => form.issue_types = ids,
            Err(message) => {
                errors.insert("filters.issue_types".to_string(), message);
            }
        }
        for (n, row) in form.rows.iter_mut().filter(|r| !r.key.is_empty()).enumerate() {
            let Some(kind) = catalog::kind_of_field(&row.key) else { continue };
            match self.resolved(kind, &row.values, &projects) {
                Ok(ids) => row.values = ids,
                Err(message) => {
                    errors.insert(format!("filters.fields[{n}].values"), message);
                }
            }
        }
        errors
    }

    /// The reverse of [`Self::names_to_ids`], for showing a stored rule: each id whose name
    /// reads back to it alone is shown as that name.
    pub fn ids_to_names(&self, form: &mut super::rule_form::RuleForm) {
        let projects = super::form::split_list(&form.projects);
        form.issue_types = self.named("issue_types", &form.issue_types, &projects);
        for row in &mut form.rows {
            if let Some(kind) = catalog::kind_of_field(&row.key) {
                row.values = self.named(kind, &row.values, &projects);
            }
        }
    }

    fn named(&self, kind: &str, ids: &str, projects: &[String]) -> String {
        let name_of = |id: &str| {
            let entry = self.entries.iter().find(|e| e.kind == kind && e.id == id)?;
            let reads_back = self.ids_named(kind, &entry.name, projects) == [id];
            (reads_back && !entry.name.contains(',')).then(|| entry.name.clone())
        };
        let values = super::form::split_list(ids);
        values.into_iter().map(|v| name_of(&v).unwrap_or(v)).collect::<Vec<_>>().join(", ")
    }

    fn resolved(&self, kind: &str, typed: &str, projects: &[String]) -> Result<String, String> {
        let mut ids = Vec::new();
        for value in super::form::split_list(typed) {
            ids.push(self.id_of(kind, &value, projects)?);
        }
        Ok(ids.join(", "))
    }

    /// The id `typed` stands for: itself when it is a known id, or a number (an id not seen
    /// yet); else the one id of that name. Unknown names are refused only when names of the
    /// kind are known at all (otherwise nothing can be checked, and the text is kept).
    fn id_of(&self, kind: &str, typed: &str, projects: &[String]) -> Result<String, String> {
        if kind == people::KIND {
            return self.person_id(typed);
        }
        let mut of_kind = self.entries.iter().filter(|e| e.kind == kind).peekable();
        let nothing_known = of_kind.peek().is_none();
        if nothing_known || typed.bytes().all(|b| b.is_ascii_digit()) || of_kind.any(|e| e.id == typed) {
            return Ok(typed.to_string());
        }
        let words = in_words(kind).to_lowercase();
        match self.ids_named(kind, typed, projects).as_slice() {
            [only] => Ok(only.to_string()),
            [] => Err(format!("No {words} named \"{typed}\" is known for this instance: give its id.")),
            several => Err(format!("Several {words} ids are named \"{typed}\" ({}): give the id.", several.join(", "))),
        }
    }

    /// The project keys `typed` names: a key in any case, or a project's name, becomes the
    /// key as Jira writes it (rules compare keys exactly). A key nobody has seen is kept,
    /// upper-cased, unless Jira listed the instance's projects: then it is refused.
    fn project_keys(&self, typed: &str) -> Result<Vec<String>, String> {
        let projects: Vec<&CatalogEntry> = self.entries.iter().filter(|e| e.kind == "projects").collect();
        let listed = projects.iter().any(|e| e.listed_by_jira);
        let mut keys = Vec::new();
        for value in super::form::split_list(typed) {
            let by_key = projects.iter().copied().find(|e| e.id.eq_ignore_ascii_case(&value));
            let named: Vec<&CatalogEntry> =
                projects.iter().copied().filter(|e| e.name.eq_ignore_ascii_case(&value)).collect();
            let key = match (by_key, named.as_slice()) {
                (Some(entry), _) | (None, &[entry]) => entry.id.clone(),
                (None, []) if !listed => value.to_uppercase(),
                (None, []) => {
                    return Err(format!("No project with the key or name \"{value}\" is known for this instance."))
                }
                (None, several) => {
                    let keys: Vec<&str> = several.iter().map(|e| e.id.as_str()).collect();
                    return Err(format!("Several projects are named \"{value}\" ({}): give the key.", keys.join(", ")));
                }
            };
            if !keys.contains(&key) {
                keys.push(key);
            }
        }
        Ok(keys)
    }

    /// A person: a known id, or the one id of a display name seen; else, on Server, the
    /// text as typed (a user name), and on Cloud what could be an account id.
    fn person_id(&self, typed: &str) -> Result<String, String> {
        if self.entries.iter().any(|e| e.kind == people::KIND && e.id == typed) {
            return Ok(typed.to_string());
        }
        match self.ids_named(people::KIND, typed, &[]).as_slice() {
            [only] => Ok(only.to_string()),
            [] if !self.cloud || people::may_be_account_id(typed) => Ok(typed.to_string()),
            [] => Err(super::page::capitalized(&people::unknown_person(typed))),
            several => Err(format!("Several Jira users are named \"{typed}\" ({}): give the id.", several.join(", "))),
        }
    }

    /// The distinct ids of `kind` named `name` (any case); for components, versions and
    /// security levels only those of `projects` when the rule names any.
    fn ids_named(&self, kind: &str, name: &str, projects: &[String]) -> Vec<&str> {
        let in_projects = |project: &Option<String>| match project {
            Some(project) if !projects.is_empty() => projects.iter().any(|p| p.eq_ignore_ascii_case(project)),
            _ => true,
        };
        let mut ids: Vec<&str> = self
            .entries
            .iter()
            .filter(|e| e.kind == kind && e.name.eq_ignore_ascii_case(name) && in_projects(&e.project))
            .map(|e| e.id.as_str())
            .collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }
}

/// The fields every instance has, for the filter rows' suggestions.
const USUAL_FIELDS: [(&str, &str); 8] = [
    ("priority", "Priority"),
    ("labels", "Labels"),
    ("reporter", "Reporter"),
    ("assignee", "Assignee"),
    ("components", "Components"),
    ("fixVersions", "Fix versions"),
    ("security", "Security level"),
    ("commentVisibility", "Comment visibility"),
];

/// The names known for `instance_id`: what Jira lists (admin credentials, not in push-only
/// mode), then what its webhooks taught.
pub async fn for_instance(state: &AppState, instance_id: String) -> Result<KnownNames, ConsoleError> {
    let id = instance_id.clone();
    let instance = state.store.run(move |store| store.instance(&id)).await?;
    let listed = match &instance {
        Some(instance) => {
            let auth = crate::jira::auth::JiraAuth::admin(&state.config());
            state.listed_catalog.listed(instance, auth.as_ref(), catalog_listed::PAGE_WAITS_AT_MOST).await
        }
        None => Vec::new(),
    };
    Ok(state.store.run(move |store| load(store, &instance_id, listed)).await?)
}

/// What `instance_id`'s webhooks taught, after learning from the newest ones, under the
/// names Jira `listed` (call it in `Store::run`).
pub fn load(store: &Store, instance_id: &str, listed: Vec<CatalogEntry>) -> Result<KnownNames, StoreError> {
    if instance_id.is_empty() {
        return Ok(KnownNames::default());
    }
    let mut entries = catalog_listed::merged(catalog::learned(store, instance_id)?, listed);
    entries.sort_by_key(|e| e.name.to_lowercase());
    let mut names = KnownNames {
        fields: USUAL_FIELDS.iter().map(|(id, name)| (id.to_string(), name.to_string())).collect(),
        cloud: InstanceType::of_url(instance_id) == InstanceType::Cloud,
        ..KnownNames::default()
    };
    names.entries = entries.clone();
    for entry in entries {
        let pair = (entry.id.clone(), entry.name.clone());
        match entry.kind.as_str() {
            "projects" => names.projects.push(pair),
            "issue_types" => names.issue_types.push(pair),
            kind => {
                if kind == "fields" {
                    names.fields.push(pair);
                }
                if names.others.len() < TABLE_ROWS {
                    names.others.push((in_words(kind), entry.id, entry.name));
                } else {
                    names.others_left += 1;
                }
            }
        }
    }
    Ok(names)
}

fn in_words(kind: &str) -> &'static str {
    match kind {
        "issue_types" => "Issue type",
        "priorities" => "Priority",
        "statuses" => "Status",
        "components" => "Component",
        "versions" => "Version",
        "labels" => "Label",
        "fields" => "Custom field",
        "security_levels" => "Security level",
        people::KIND => "Person",
        _ => "Other",
    }
}
