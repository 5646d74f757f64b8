//! The constructors of the stored records. Code outside `store` builds records with these,
//! so a new field or record version changes here and in the readers, not wherever a record
//! is made. Fields the store fills in when it stores
//! a record (an event id) start at zero.

use super::{
    AdminUserRecordV1, AuditRecordV1, DeliveryRecordV1, DeliveryState, FieldFilterRecordV1, InstanceId,
    InstanceRecordV1, InstanceType, IssueFactsRecordV1, PostRecordV1, RootPostRecordV1, SessionRecordV1,
    SettingRecordV1, TargetRecordV1, ThreadRecordV1,
};

impl IssueFactsRecordV1 {
    /// Facts seen at `seen_at_ms`; the store sets `event_id` when it keeps them with their
    /// event.
    pub fn new(
        seen_at_ms: u64,
        project_key: String,
        issue_type_id: String,
        has_security_level: bool,
        fields: Vec<(String, Vec<String>)>,
    ) -> IssueFactsRecordV1 {
        IssueFactsRecordV1 { event_id: 0, seen_at_ms, project_key, issue_type_id, has_security_level, fields }
    }
}

impl RootPostRecordV1 {
    pub fn new(post_id: impl Into<String>, expires_at_ms: u64) -> RootPostRecordV1 {
        RootPostRecordV1 { post_id: post_id.into(), expires_at_ms }
    }
}

impl DeliveryRecordV1 {
    /// A delivery not tried yet, due at once. The store sets `event_id` when it stores it
    /// with its event (or under the event it is added to).
    pub fn new_pending(
        target: TargetRecordV1,
        lane: String,
        post: PostRecordV1,
        issue_url: String,
        thread: Option<ThreadRecordV1>,
        now_ms: u64,
    ) -> DeliveryRecordV1 {
        DeliveryRecordV1 {
            event_id: 0,
            target,
            lane,
            post,
            state: DeliveryState::Pending,
            attempts: 0,
            created_at_ms: now_ms,
            due_at_ms: now_ms,
            first_attempt_at_ms: None,
            last_sent_at_ms: None,
            finished_at_ms: None,
            last_error: None,
            post_id: None,
            issue_url,
            thread,
        }
    }
}

impl ThreadRecordV1 {
    pub fn new(instance_id: String, issue_id: String, is_comment: bool, root_days: u32) -> ThreadRecordV1 {
        ThreadRecordV1 { instance_id, issue_id, is_comment, root_days }
    }
}

impl InstanceRecordV1 {
    /// A newly added instance: neither the default nor the v2-legacy one until it is made so.
    pub fn new(
        id: InstanceId,
        instance_type: InstanceType,
        alias: Option<String>,
        created_at_ms: u64,
    ) -> InstanceRecordV1 {
        InstanceRecordV1 { id, instance_type, alias, is_default: false, is_v2_legacy: false, created_at_ms }
    }
}

impl FieldFilterRecordV1 {
    pub fn new(key: String, inclusion: String, values: Vec<String>) -> FieldFilterRecordV1 {
        FieldFilterRecordV1 { key, inclusion, values }
    }
}

impl AuditRecordV1 {
    /// What `actor` did (`action`, e.g. `instance.add`) to `target` at `at_ms`, with the
    /// object before and after as JSON text (secrets already redacted).
    pub fn new(
        actor: impl Into<String>,
        action: impl Into<String>,
        target: impl Into<String>,
        before: Option<String>,
        after: Option<String>,
        at_ms: u64,
    ) -> AuditRecordV1 {
        AuditRecordV1 { at_ms, actor: actor.into(), action: action.into(), target: target.into(), before, after }
    }
}

impl SessionRecordV1 {
    /// A session that starts at `now_ms`.
    pub fn new(username: impl Into<String>, csrf_token: String, now_ms: u64) -> SessionRecordV1 {
        SessionRecordV1 { username: username.into(), csrf_token, created_at_ms: now_ms, last_seen_ms: now_ms }
    }
}

impl AdminUserRecordV1 {
    pub fn new(
        username: impl Into<String>,
        password_hash: String,
        created_at_ms: u64,
        updated_at_ms: u64,
    ) -> AdminUserRecordV1 {
        AdminUserRecordV1 { username: username.into(), password_hash, created_at_ms, updated_at_ms }
    }
}

impl SettingRecordV1 {
    pub fn new(value_json: String, set_at_ms: u64, set_by: impl Into<String>) -> SettingRecordV1 {
        SettingRecordV1 { value_json, set_at_ms, set_by: set_by.into() }
    }
}
