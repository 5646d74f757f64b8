//! Connections ended because their grant expired. The user did not choose to leave, so
//! their notification settings and the project they last used are kept for their next
//! connection to the same instance: reconnecting after Atlassian refused a refresh must
//! not turn every notification they had turned off back on.

use super::pair;
use crate::store::codec;
use crate::store::records::{ConnectionRecordV1, ExpiredConnectionRecordV1};
use crate::store::{Store, StoreError};

/// What an expired connection left for the next one.
pub type KeptChoices = ExpiredConnectionRecordV1;

impl Store {
    /// Ends the connection of `mm_user_id` to `instance_id` whose grant expired, keeping
    /// its choices for the next one ([`Store::expired_choices`]); `false` when there was
    /// none.
    pub fn expire_connection(&self, instance_id: &str, mm_user_id: &str, now_ms: u64) -> Result<bool, StoreError> {
        let key = pair(instance_id, mm_user_id);
        let t = self.trees();
        let Some(bytes) = t.instance_mmuser_connection.get(&key)? else { return Ok(false) };
        let record: ConnectionRecordV1 = codec::decode(ConnectionRecordV1::VERSION, &bytes)?;
        let kept = ExpiredConnectionRecordV1 {
            settings: record.settings,
            saved_project_key: record.saved_project_key,
            saved_issue_type: record.saved_issue_type,
            expired_at_ms: now_ms,
        };
        // Kept before the removal (whose flush covers both): a crash between them leaves
        // the connection, and a reconnect copies its own choices anyway.
        let value = codec::encode(ExpiredConnectionRecordV1::VERSION, &kept)?;
        self.write_gate_insert(&t.instance_mmuser_expired, &key, value)?;
        Ok(self.remove_connection(instance_id, mm_user_id)?.is_some())
    }

    /// The choices an expired connection of `mm_user_id` to `instance_id` left, if any.
    pub fn expired_choices(&self, instance_id: &str, mm_user_id: &str) -> Result<Option<KeptChoices>, StoreError> {
        let Some(bytes) = self.trees().instance_mmuser_expired.get(pair(instance_id, mm_user_id))? else {
            return Ok(None);
        };
        Ok(Some(codec::decode(KeptChoices::VERSION, &bytes)?))
    }

    /// Forgets what expired connections to `instance_id` left (the instance is removed).
    pub fn forget_expired_choices_of_instance(&self, instance_id: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        let tree = &self.trees().instance_mmuser_expired;
        for item in tree.scan_prefix(pair(instance_id, "")) {
            tree.remove(item?.0)?;
        }
        Ok(())
    }

    /// Forgets what an expired connection left: the user connected again, or disconnected.
    pub fn forget_expired_choices(&self, instance_id: &str, mm_user_id: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        self.trees().instance_mmuser_expired.remove(pair(instance_id, mm_user_id))?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Connection, ConnectionAuth, JiraUser, MasterKey, NotificationSettings, Store};

    #[test]
    fn an_expired_connection_leaves_its_choices_until_they_are_forgotten() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let key = MasterKey::load_or_create(dir.path()).unwrap();
        let mut settings = NotificationSettings::all_on();
        settings.reporter = false;
        let connection = Connection {
            instance_id: "https://a.atlassian.net".into(),
            mm_user_id: "u1".into(),
            jira: JiraUser { account_id: "557058:ada".into(), ..Default::default() },
            auth: ConnectionAuth::Pat { token: "t".into() },
            settings: settings.clone(),
            saved_project_key: Some("DEMO".into()),
            saved_issue_type: Some("10001".into()),
            connected_at_ms: 1,
        };
        store.put_connection(&connection, &key).unwrap();
        assert!(store.expire_connection("https://a.atlassian.net", "u1", 5).unwrap());
        assert!(store.connection("https://a.atlassian.net", "u1", &key).unwrap().is_none(), "the connection is gone");
        let kept = store.expired_choices("https://a.atlassian.net", "u1").unwrap().expect("choices kept");
        assert_eq!((kept.settings, kept.saved_project_key.as_deref()), (settings, Some("DEMO")));
        assert!(store.expired_choices("https://a.atlassian.net", "u2").unwrap().is_none(), "per user");
        assert!(!store.expire_connection("https://a.atlassian.net", "u1", 6).unwrap(), "nothing left to end");
        store.forget_expired_choices("https://a.atlassian.net", "u1").unwrap();
        assert!(store.expired_choices("https://a.atlassian.net", "u1").unwrap().is_none());

        // Removing an instance forgets what its users left, and only theirs.
        for (instance, user) in
            [("https://a.atlassian.net", "u1"), ("https://a.atlassian.net", "u2"), ("https://b", "u1")]
        {
            store
                .put_connection(
                    &Connection { instance_id: instance.into(), mm_user_id: user.into(), ..connection.clone() },
                    &key,
                )
                .unwrap();
            store.expire_connection(instance, user, 7).unwrap();
        }
        store.forget_expired_choices_of_instance("https://a.atlassian.net").unwrap();
        assert!(store.expired_choices("https://a.atlassian.net", "u2").unwrap().is_none());
        assert!(store.expired_choices("https://b", "u1").unwrap().is_some());
    }
}
