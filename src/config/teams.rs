//! `jira.team_ids`: the Atlassian teams offered for a Team field in the create form, as
//! `[Name](id),[Other](id)`. Jira's create screen lists no allowed values for that field, so
//! an admin names them here.

use super::Config;

/// One configured team.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    pub name: String,
    pub id: String,
}

impl Config {
    /// The teams `jira.team_ids` names, in its order; entries not of the `[Name](id)` shape
    /// are left out (`notes` names them).
    pub fn teams(&self) -> Vec<Team> {
        entries(&self.jira.team_ids).filter_map(team).collect()
    }

    /// A sentence per entry of `jira.team_ids` that is skipped.
    pub(super) fn malformed_teams(&self) -> Vec<String> {
        entries(&self.jira.team_ids)
            .filter(|text| team(text).is_none())
            .map(|text| format!("jira.team_ids: {text:?} is not [Name](id), so it is not offered"))
            .collect()
    }
}

fn entries(team_ids: &str) -> impl Iterator<Item = &str> {
    team_ids.split(',').map(str::trim).filter(|text| !text.is_empty())
}

/// `[Name](id)`: the name runs to the first `](`, the id to the closing parenthesis.
fn team(text: &str) -> Option<Team> {
    let inner = text.strip_prefix('[')?.strip_suffix(')')?;
    let (name, id) = inner.split_once("](")?;
    (!id.trim().is_empty()).then(|| Team { name: name.to_string(), id: id.trim().to_string() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn teams_are_read_in_order_and_malformed_entries_named() {
        let mut config = Config::default();
        config.jira.team_ids = " [Platform](a1b2-c3) , [R&D (Paris)](d4e5),broken,[No id](),[x]y(z)".into();
        let teams: Vec<(String, String)> = config.teams().into_iter().map(|t| (t.name, t.id)).collect();
        assert_eq!(teams, [("Platform".into(), "a1b2-c3".into()), ("R&D (Paris)".into(), "d4e5".into())]);
        let notes = config.malformed_teams();
        assert_eq!(notes.len(), 3, "{notes:?}");
        assert_eq!(notes[0], "jira.team_ids: \"broken\" is not [Name](id), so it is not offered");
        config.jira.team_ids = String::new();
        assert!(config.teams().is_empty() && config.malformed_teams().is_empty());
    }
}
