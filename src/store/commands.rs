//! The `/jira` commands jirabridge registered in Mattermost teams (SPEC §9.1, §9.7): per team,
//! the command's id (to update it) and its token, encrypted with the master key like every
//! secret. A registered token is accepted only with its own team id.

use super::codec;
use super::records::CommandRegistrationRecordV1;
use super::sealed;
use super::{MasterKey, Store, StoreError};

/// A registered command, its token decrypted.
#[derive(Clone, PartialEq)]
pub struct CommandRegistration {
    pub team_id: String,
    pub command_id: String,
    pub token: String,
    pub registered_at_ms: u64,
}

impl std::fmt::Debug for CommandRegistration {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "CommandRegistration({}, {}, token ***)", self.team_id, self.command_id)
    }
}

impl Store {
    /// Keeps the command registered in `registration.team_id` (replacing an earlier one), then
    /// flushes.
    pub fn put_command_registration(
        &self,
        registration: &CommandRegistration,
        key: &MasterKey,
    ) -> Result<(), StoreError> {
        let place = sealed::place(super::schema::COMMANDTEAM_TOKEN, registration.team_id.as_bytes());
        let (nonce, token_ciphertext) = key.seal(registration.token.as_bytes(), &place)?;
        let record = CommandRegistrationRecordV1 {
            command_id: registration.command_id.clone(),
            nonce,
            token_ciphertext,
            registered_at_ms: registration.registered_at_ms,
        };
        let value = codec::encode(sealed::BOUND, &record)?;
        self.write_gate_insert(&self.trees().commandteam_token, registration.team_id.as_bytes(), value)?;
        self.flush_now()
    }

    /// Every registered command, by team id.
    pub fn command_registrations(&self, key: &MasterKey) -> Result<Vec<CommandRegistration>, StoreError> {
        let mut all = Vec::new();
        for entry in self.trees().commandteam_token.iter() {
            let (team, bytes) = entry?;
            let (record, place) = sealed::read_registration(&team, &bytes)?;
            let team_id = String::from_utf8_lossy(&team).into_owned();
            let what = format!("the /jira token of team {team_id}");
            let token = key.open(&record.nonce, &record.token_ciphertext, &place, &what)?;
            all.push(CommandRegistration {
                team_id,
                command_id: record.command_id,
                token,
                registered_at_ms: record.registered_at_ms,
            });
        }
        Ok(all)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_registration_is_kept_with_its_token_encrypted() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let registration = CommandRegistration {
            team_id: "team1".into(),
            command_id: "cmd1".into(),
            token: "tok-secret-value".into(),
            registered_at_ms: 5,
        };
        store.put_command_registration(&registration, &key).unwrap();
        assert_eq!(store.command_registrations(&key).unwrap(), [registration]);
        let raw = store.trees().commandteam_token.get("team1").unwrap().unwrap();
        assert!(!raw.windows(16).any(|w| w == b"tok-secret-value"), "the token is not stored in clear");
        assert!(store.has_any_secret().unwrap());
    }
}
