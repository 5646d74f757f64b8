//! Mattermost users' Jira connections (SPEC §8.2): the user record (connected instances and
//! the default one), one connection per (instance, user) with its credentials sealed, and
//! the reverse key (Jira accountId on Cloud, user name on Data Center) → Mattermost user.
//! The three trees change together, in one transaction, and are flushed before the answer:
//! a user told "connected" stays connected across a crash.

use sled::transaction::{ConflictableTransactionError, ConflictableTransactionResult, TransactionalTree};
use sled::Transactional;

use super::codec;
use super::events::abort;
use super::records::{AuthRecordV1, ConnectionRecordV1, JiraUserRecordV1, NotificationSettingsRecordV1, UserRecordV1};
use super::sealed::{self, place};
use super::{schema, MasterKey, Store, StoreError};

/// Who a connected user is in Jira.
pub type JiraUser = JiraUserRecordV1;
/// Which personal notifications a user wants.
pub type NotificationSettings = NotificationSettingsRecordV1;

impl NotificationSettings {
    /// At connect, everything is on (SPEC §8.3), whatever the auth method.
    pub fn all_on() -> NotificationSettings {
        NotificationSettings { notifications: true, assignee: true, mention: true, reporter: true, watching: true }
    }
}

/// A connection's credentials. `Debug` never shows them.
#[derive(Clone, PartialEq)]
pub enum ConnectionAuth {
    OAuth1 {
        token: String,
        secret: String,
    },
    OAuth2 {
        access_token: String,
        refresh_token: String,
        expires_at_ms: u64,
    },
    /// A Data Center personal access token (`Bearer`).
    Pat {
        token: String,
    },
    /// A Cloud API token with its account's email (`Basic`).
    ApiToken {
        email: String,
        token: String,
    },
}

impl std::fmt::Debug for ConnectionAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            ConnectionAuth::OAuth1 { .. } => "OAuth1(***)",
            ConnectionAuth::OAuth2 { .. } => "OAuth2(***)",
            ConnectionAuth::Pat { .. } => "Pat(***)",
            ConnectionAuth::ApiToken { .. } => "ApiToken(***)",
        })
    }
}

/// One user's connection to one instance.
#[derive(Debug, Clone, PartialEq)]
pub struct Connection {
    pub instance_id: String,
    pub mm_user_id: String,
    pub jira: JiraUser,
    pub auth: ConnectionAuth,
    pub settings: NotificationSettings,
    pub saved_project_key: Option<String>,
    pub saved_issue_type: Option<String>,
    pub connected_at_ms: u64,
}

impl Connection {
    /// The reverse key: the accountId where Jira has one (Cloud), else the user name.
    pub fn reverse_key(&self) -> &str {
        reverse_key_of(&self.jira)
    }
}

fn reverse_key_of(jira: &JiraUser) -> &str {
    if jira.account_id.is_empty() {
        &jira.name
    } else {
        &jira.account_id
    }
}

/// A Mattermost user's connected instances and default.
pub type MattermostUser = UserRecordV1;

fn pair(first: &str, second: &str) -> Vec<u8> {
    [first.as_bytes(), b"\0", second.as_bytes()].concat()
}

fn to_record(auth: &ConnectionAuth) -> AuthRecordV1 {
    match auth.clone() {
        ConnectionAuth::OAuth1 { token, secret } => AuthRecordV1::OAuth1 { token, secret },
        ConnectionAuth::OAuth2 { access_token, refresh_token, expires_at_ms } => {
            AuthRecordV1::OAuth2 { access_token, refresh_token, expires_at_ms }
        }
        ConnectionAuth::Pat { token } => AuthRecordV1::Pat { token },
        ConnectionAuth::ApiToken { email, token } => AuthRecordV1::ApiToken { email, token },
    }
}

fn from_record(auth: AuthRecordV1) -> ConnectionAuth {
    match auth {
        AuthRecordV1::OAuth1 { token, secret } => ConnectionAuth::OAuth1 { token, secret },
        AuthRecordV1::OAuth2 { access_token, refresh_token, expires_at_ms } => {
            ConnectionAuth::OAuth2 { access_token, refresh_token, expires_at_ms }
        }
        AuthRecordV1::Pat { token } => ConnectionAuth::Pat { token },
        AuthRecordV1::ApiToken { email, token } => ConnectionAuth::ApiToken { email, token },
    }
}

impl Store {
    /// Stores `connection` (replacing the user's earlier one to that instance), adds the
    /// instance to the user's list, makes it the default if the user has none, and keeps
    /// the reverse key; then flushes.
    pub fn put_connection(&self, connection: &Connection, key: &MasterKey) -> Result<(), StoreError> {
        let sealed = seal_connection(connection, key)?;
        let t = self.trees();
        let _gate = self.write_gate()?;
        let trees = (&t.mmuserid_user, &t.instance_mmuser_connection, &t.instance_jirauser_mmuserid);
        trees
            .transaction(|(users, connections, reverses)| write_connection((users, connections, reverses), &sealed))?;
        drop(_gate);
        self.flush_now()
    }

    /// Replaces the notification settings of an existing connection; `false` when there is
    /// none (disconnected meanwhile: nothing is written, nothing comes back).
    pub fn update_notification_settings(
        &self,
        instance_id: &str,
        mm_user_id: &str,
        settings: &NotificationSettings,
    ) -> Result<bool, StoreError> {
        self.update_connection(instance_id, mm_user_id, |record| record.settings = settings.clone())
    }

    /// Replaces the credentials of an existing connection (a refreshed OAuth 2.0 grant) and
    /// flushes before answering, so the rotated refresh token is durable before the new
    /// access token is used; `false` when the connection is gone (nothing is written).
    pub fn update_connection_auth(
        &self,
        instance_id: &str,
        mm_user_id: &str,
        auth: &ConnectionAuth,
        key: &MasterKey,
    ) -> Result<bool, StoreError> {
        let record_key = pair(instance_id, mm_user_id);
        let plain = codec::encode(1, &to_record(auth))?;
        let (nonce, sealed) = key.seal(&plain, &place(schema::INSTANCE_MMUSER_CONNECTION, &record_key))?;
        self.update_connection(instance_id, mm_user_id, |record| {
            (record.auth_nonce, record.auth_sealed) = (nonce.clone(), sealed.clone())
        })
    }

    /// Remembers the project and issue type a user last created an issue with (the next
    /// create form starts there); `false` when the connection is gone.
    pub fn update_saved_fields(
        &self,
        instance_id: &str,
        mm_user_id: &str,
        (project_key, issue_type): (&str, &str),
    ) -> Result<bool, StoreError> {
        self.update_connection(instance_id, mm_user_id, |record| {
            record.saved_project_key = Some(project_key.to_string());
            record.saved_issue_type = Some(issue_type.to_string());
        })
    }

    /// Changes an existing connection's record with `change`, in one transaction, then
    /// flushes; `false` when the connection is gone (disconnected meanwhile: nothing is
    /// written, nothing comes back).
    fn update_connection(
        &self,
        instance_id: &str,
        mm_user_id: &str,
        change: impl Fn(&mut ConnectionRecordV1),
    ) -> Result<bool, StoreError> {
        let record_key = pair(instance_id, mm_user_id);
        let tree = &self.trees().instance_mmuser_connection;
        let updated = {
            let _gate = self.write_gate()?;
            tree.transaction(|connections| {
                let Some(bytes) = connections.get(record_key.as_slice())? else { return Ok(false) };
                let mut record: ConnectionRecordV1 =
                    codec::decode(ConnectionRecordV1::VERSION, &bytes).map_err(abort)?;
                change(&mut record);
                let value = codec::encode(ConnectionRecordV1::VERSION, &record).map_err(abort)?;
                connections.insert(record_key.as_slice(), value)?;
                Ok::<bool, ConflictableTransactionError<StoreError>>(true)
            })?
        };
        self.flush_now()?;
        Ok(updated)
    }

    /// `mm_user_id`'s connection to `instance_id`, its credentials unsealed.
    pub fn connection(
        &self,
        instance_id: &str,
        mm_user_id: &str,
        key: &MasterKey,
    ) -> Result<Option<Connection>, StoreError> {
        let record_key = pair(instance_id, mm_user_id);
        let Some(bytes) = self.trees().instance_mmuser_connection.get(&record_key)? else { return Ok(None) };
        let record: ConnectionRecordV1 = codec::decode(ConnectionRecordV1::VERSION, &bytes)?;
        let place = place(schema::INSTANCE_MMUSER_CONNECTION, &record_key);
        let plain = key.open_bytes(&record.auth_nonce, &record.auth_sealed, &place, "a Jira connection")?;
        let auth: AuthRecordV1 = codec::decode(1, &plain)?;
        Ok(Some(Connection {
            instance_id: instance_id.to_string(),
            mm_user_id: mm_user_id.to_string(),
            jira: record.jira,
            auth: from_record(auth),
            settings: record.settings,
            saved_project_key: record.saved_project_key,
            saved_issue_type: record.saved_issue_type,
            connected_at_ms: record.connected_at_ms,
        }))
    }

    /// Removes `mm_user_id`'s connection to `instance_id`, its reverse key, and the instance
    /// from the user's list (and as default); answers the removed connection's Jira user.
    pub fn remove_connection(&self, instance_id: &str, mm_user_id: &str) -> Result<Option<JiraUser>, StoreError> {
        let record_key = pair(instance_id, mm_user_id);
        let t = self.trees();
        let _gate = self.write_gate()?;
        let trees = (&t.mmuserid_user, &t.instance_mmuser_connection, &t.instance_jirauser_mmuserid);
        let removed = trees.transaction(|(users, connections, reverses)| {
            let Some(bytes) = connections.remove(record_key.as_slice())? else { return Ok(None) };
            let record: ConnectionRecordV1 = codec::decode(ConnectionRecordV1::VERSION, &bytes).map_err(abort)?;
            let reverse_key =
                if record.jira.account_id.is_empty() { &record.jira.name } else { &record.jira.account_id };
            let reverse = pair(instance_id, reverse_key);
            if reverses.get(reverse.as_slice())?.is_some_and(|owner| owner == mm_user_id.as_bytes()) {
                reverses.remove(reverse.as_slice())?;
            }
            if let Some(bytes) = users.get(mm_user_id.as_bytes())? {
                let mut user: UserRecordV1 = codec::decode(UserRecordV1::VERSION, &bytes).map_err(abort)?;
                user.connected_instances.retain(|i| i != instance_id);
                if user.default_instance_id.as_deref() == Some(instance_id) {
                    user.default_instance_id = None;
                }
                users.insert(mm_user_id.as_bytes(), codec::encode(UserRecordV1::VERSION, &user).map_err(abort)?)?;
            }
            Ok::<_, ConflictableTransactionError<StoreError>>(Some(record.jira))
        })?;
        drop(_gate);
        self.flush_now()?;
        Ok(removed)
    }

    /// What is known of `mm_user_id`: connected instances and the default.
    pub fn mattermost_user(&self, mm_user_id: &str) -> Result<Option<MattermostUser>, StoreError> {
        match self.trees().mmuserid_user.get(mm_user_id.as_bytes())? {
            Some(bytes) => Ok(Some(codec::decode(UserRecordV1::VERSION, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Makes `instance_id` the default of `mm_user_id`, who must be connected to it.
    pub fn set_default_instance(&self, mm_user_id: &str, instance_id: &str) -> Result<bool, StoreError> {
        let tree = &self.trees().mmuserid_user;
        let set = {
            let _gate = self.write_gate()?;
            // One transaction: a disconnect in between cannot be undone by this write.
            tree.transaction(|users| write_default_instance(users, mm_user_id, instance_id))?
        };
        if set {
            self.flush_now()?;
        }
        Ok(set)
    }

    /// The Mattermost user connected as `reverse_key` (accountId or user name) on `instance_id`.
    pub fn mm_user_by_jira(&self, instance_id: &str, reverse_key: &str) -> Result<Option<String>, StoreError> {
        let found = self.trees().instance_jirauser_mmuserid.get(pair(instance_id, reverse_key))?;
        Ok(found.map(|user| String::from_utf8_lossy(&user).into_owned()))
    }

    /// Whether anyone has connected Jira.
    pub fn has_connections(&self) -> Result<bool, StoreError> {
        Ok(self.trees().instance_mmuser_connection.first()?.is_some())
    }

    /// Every (instance id, Mattermost user id) with a connection.
    pub fn connection_keys(&self) -> Result<Vec<(String, String)>, StoreError> {
        let mut all = Vec::new();
        for entry in self.trees().instance_mmuser_connection.iter() {
            let (key, _) = entry?;
            let text = String::from_utf8_lossy(&key);
            if let Some((instance, user)) = text.split_once('\0') {
                all.push((instance.to_string(), user.to_string()));
            }
        }
        Ok(all)
    }

    /// Whether `key` opens the first stored connection (`true` when there is none).
    pub(super) fn key_opens_connections(&self, key: &MasterKey) -> Result<bool, StoreError> {
        let Some((record_key, bytes)) = self.trees().instance_mmuser_connection.first()? else { return Ok(true) };
        let record: ConnectionRecordV1 = codec::decode(ConnectionRecordV1::VERSION, &bytes)?;
        let place = sealed::place(schema::INSTANCE_MMUSER_CONNECTION, &record_key);
        Ok(key.open_bytes(&record.auth_nonce, &record.auth_sealed, &place, "").is_ok())
    }
}

/// A connection as stored: its credentials sealed under the master key, bound to its place.
pub(super) struct SealedConnection {
    record_key: Vec<u8>,
    value: Vec<u8>,
    reverse: Vec<u8>,
    instance: String,
    user: String,
}

/// Seals `connection`'s credentials and encodes its record (outside any transaction).
pub(super) fn seal_connection(connection: &Connection, key: &MasterKey) -> Result<SealedConnection, StoreError> {
    let record_key = pair(&connection.instance_id, &connection.mm_user_id);
    let plain = codec::encode(1, &to_record(&connection.auth))?;
    let (auth_nonce, auth_sealed) = key.seal(&plain, &place(schema::INSTANCE_MMUSER_CONNECTION, &record_key))?;
    let record = ConnectionRecordV1 {
        jira: connection.jira.clone(),
        auth_nonce,
        auth_sealed,
        settings: connection.settings.clone(),
        saved_project_key: connection.saved_project_key.clone(),
        saved_issue_type: connection.saved_issue_type.clone(),
        connected_at_ms: connection.connected_at_ms,
    };
    Ok(SealedConnection {
        value: codec::encode(ConnectionRecordV1::VERSION, &record)?,
        reverse: pair(&connection.instance_id, connection.reverse_key()),
        record_key,
        instance: connection.instance_id.clone(),
        user: connection.mm_user_id.clone(),
    })
}

/// Inside a transaction over (users, connections, reverse keys): the connection, the user's
/// instance list (and default, if none), and the reverse key.
pub(super) fn write_connection(
    (users, connections, reverses): (&TransactionalTree, &TransactionalTree, &TransactionalTree),
    sealed: &SealedConnection,
) -> ConflictableTransactionResult<(), StoreError> {
    let (instance, user) = (&sealed.instance, &sealed.user);
    let mut stored = match users.get(user.as_bytes())? {
        Some(bytes) => codec::decode::<UserRecordV1>(UserRecordV1::VERSION, &bytes).map_err(abort)?,
        None => UserRecordV1::default(),
    };
    if !stored.connected_instances.contains(instance) {
        stored.connected_instances.push(instance.clone());
    }
    stored.default_instance_id.get_or_insert_with(|| instance.clone());
    users.insert(user.as_bytes(), codec::encode(UserRecordV1::VERSION, &stored).map_err(abort)?)?;
    // A replaced connection to another Jira account must not keep mapping that account here.
    if let Some(old) = connections.insert(sealed.record_key.as_slice(), sealed.value.as_slice())? {
        let old: ConnectionRecordV1 = codec::decode(ConnectionRecordV1::VERSION, &old).map_err(abort)?;
        let old_reverse = pair(instance, reverse_key_of(&old.jira));
        let owned = reverses.get(old_reverse.as_slice())?.is_some_and(|owner| owner == user.as_bytes());
        if old_reverse != sealed.reverse && owned {
            reverses.remove(old_reverse.as_slice())?;
        }
    }
    reverses.insert(sealed.reverse.as_slice(), user.as_bytes())?;
    Ok(())
}

/// Inside a transaction: `instance_id` becomes `mm_user_id`'s default when they are
/// connected to it; answers whether it did.
pub(super) fn write_default_instance(
    users: &TransactionalTree,
    mm_user_id: &str,
    instance_id: &str,
) -> ConflictableTransactionResult<bool, StoreError> {
    let Some(bytes) = users.get(mm_user_id.as_bytes())? else { return Ok(false) };
    let mut user: UserRecordV1 = codec::decode(UserRecordV1::VERSION, &bytes).map_err(abort)?;
    if !user.connected_instances.iter().any(|i| i == instance_id) {
        return Ok(false);
    }
    user.default_instance_id = Some(instance_id.to_string());
    users.insert(mm_user_id.as_bytes(), codec::encode(UserRecordV1::VERSION, &user).map_err(abort)?)?;
    Ok(true)
}

pub(super) mod expired;

#[cfg(test)]
mod tests;
