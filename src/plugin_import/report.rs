//! The import's report (issue 19 point 7): per kind `found`, `created`, `updated`,
//! `unchanged`, `skipped` and `conflicts`; every row left out with its reason; warnings; and
//! the steps left to the admin. It names keys and ids, never a token or secret.

use std::collections::BTreeMap;

use serde::Serialize;

/// Counts of one kind of record.
#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Counts {
    pub found: usize,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub skipped: usize,
    pub conflicts: usize,
}

/// What to do with one record.
pub enum Decision {
    Write,
    Keep,
    Conflict,
}

impl Counts {
    /// Counts a record that `exists` (or not) and is the `same` as the export (or not).
    pub fn decide(&mut self, exists: bool, same: bool, overwrite: bool) -> Decision {
        self.found += 1;
        match (exists, same, overwrite) {
            (false, _, _) => {
                self.created += 1;
                Decision::Write
            }
            (true, true, _) => {
                self.unchanged += 1;
                Decision::Keep
            }
            (true, false, true) => {
                self.updated += 1;
                Decision::Write
            }
            (true, false, false) => {
                self.conflicts += 1;
                Decision::Conflict
            }
        }
    }
}

/// A row left out, with why.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Skipped {
    pub key: String,
    pub reason: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub dry_run: bool,
    pub rows: usize,
    pub kinds: BTreeMap<&'static str, Counts>,
    pub skipped: Vec<Skipped>,
    pub conflicts: Vec<String>,
    pub warnings: Vec<String>,
    pub next_steps: Vec<String>,
    /// The channels the imported subscriptions post to (checked with Mattermost by the caller
    /// that can ask it).
    #[serde(skip)]
    pub subscription_channels: std::collections::BTreeSet<String>,
}

impl Report {
    pub fn new(dry_run: bool, rows: usize) -> Report {
        Report {
            dry_run,
            rows,
            kinds: BTreeMap::new(),
            skipped: Vec::new(),
            conflicts: Vec::new(),
            warnings: Vec::new(),
            next_steps: Vec::new(),
            subscription_channels: Default::default(),
        }
    }

    pub fn skip(&mut self, key: &str, reason: &str) {
        self.skipped.push(Skipped { key: key.into(), reason: reason.into() });
    }

    pub fn conflict(&mut self, what: String) {
        self.conflicts.push(what);
    }

    /// What the admin still has to do, given what became of the plugin's webhook `secret`.
    pub fn next_steps(&mut self, plan: &super::plan::Plan, secret: super::SecretOutcome) {
        use super::SecretOutcome;
        self.next_steps.push(match secret {
            SecretOutcome::Carried => {
                "Point each Jira webhook at server.public_url: the paths and the secret stay as they were.".into()
            }
            SecretOutcome::NotCarried => {
                "Jira's webhooks carry the plugin's secret, which was not imported, so jirabridge would refuse \
                them (401): import again with --mattermost-config, or set webhook.secret to the plugin's Webhook \
                Secret, or give each Jira webhook the URL `/jira webhook` shows. Then point it at server.public_url."
                    .into()
            }
            SecretOutcome::KeptRegenerated => {
                "jirabridge's webhook secret was regenerated since the last import and is \
                kept: each Jira webhook needs the URL `/jira webhook` shows (--overwrite would restore the plugin's \
                secret instead)."
                    .into()
            }
        });
        for instance in &plan.instances {
            if instance.record.instance_type == crate::ids::InstanceType::Cloud {
                let redirect = super::oauth::oauth2_redirect_url("<server.public_url>", instance.record.id.as_str());
                self.next_steps
                    .push(format!("Add {redirect} to the callback URLs of the OAuth app of {}.", instance.record.id));
            }
        }
        self.next_steps.push("Disable the Jira plugin in Mattermost before registering /jira for jirabridge.".into());
        self.next_steps.push("Delete the export file: it holds users' tokens in clear.".into());
    }

    /// The report as text for a terminal.
    pub fn text(&self) -> String {
        let mut out = String::new();
        let mode = if self.dry_run { "Dry run: nothing was written." } else { "Imported." };
        out.push_str(&format!("{mode} {} rows read.\n", self.rows));
        for (kind, c) in &self.kinds {
            out.push_str(&format!(
                "{kind}: {} found, {} created, {} updated, {} unchanged, {} skipped, {} conflicts\n",
                c.found, c.created, c.updated, c.unchanged, c.skipped, c.conflicts
            ));
        }
        let sections = [
            ("Conflicts (kept as they are; --overwrite replaces them)", &self.conflicts),
            ("Warnings", &self.warnings),
        ];
        for (title, lines) in sections {
            if !lines.is_empty() {
                out.push_str(&format!("{title}:\n"));
                lines.iter().for_each(|line| out.push_str(&format!("  - {line}\n")));
            }
        }
        if !self.skipped.is_empty() {
            out.push_str(&format!("Not imported ({} rows):\n", self.skipped.len()));
            self.skipped.iter().for_each(|s| out.push_str(&format!("  - {}: {}\n", s.key, s.reason)));
        }
        out.push_str("Next steps:\n");
        self.next_steps.iter().for_each(|step| out.push_str(&format!("  - {step}\n")));
        out
    }
}
