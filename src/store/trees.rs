//! The open sled trees, one field per tree of [`schema::TREES`](super::schema::TREES).

use super::{schema, StoreError};

#[derive(Clone)]
pub(super) struct Trees {
    pub(super) meta: sled::Tree,
    pub(super) secret_value: sled::Tree,
    pub(super) eventid_event: sled::Tree,
    pub(super) deliveryid_delivery: sled::Tree,
    pub(super) lane_deliveryid: sled::Tree,
    pub(super) issue_channel_rootpost: sled::Tree,
    pub(super) issue_facts: sled::Tree,
    pub(super) pendingevent_instanceid: sled::Tree,
    pub(super) instanceid_instance: sled::Tree,
    pub(super) alias_instanceid: sled::Tree,
    pub(super) subid_subscription: sled::Tree,
    pub(super) channelid_subid: sled::Tree,
    pub(super) auditid_entry: sled::Tree,
    pub(super) templateid_template: sled::Tree,
    pub(super) commandteam_token: sled::Tree,
    pub(super) token_onetime: sled::Tree,
    pub(super) instance_project_templateid: sled::Tree,
    pub(super) sessionid_session: sled::Tree,
    pub(super) loginkey_attempts: sled::Tree,
    pub(super) adminuser_record: sled::Tree,
    pub(super) setting_value: sled::Tree,
    pub(super) mmuserid_user: sled::Tree,
    pub(super) instance_mmuser_connection: sled::Tree,
    pub(super) instance_mmuser_expired: sled::Tree,
    pub(super) instance_jirauser_mmuserid: sled::Tree,
    pub(super) catalog_entry: sled::Tree,
    pub(super) imported_hash: sled::Tree,
}

impl Trees {
    pub(super) fn open(db: &sled::Db) -> Result<Self, StoreError> {
        let open = |name: &str| {
            debug_assert!(schema::TREES.contains(&name), "tree {name} missing from TREES");
            db.open_tree(name)
        };
        Ok(Trees {
            meta: open(schema::META)?,
            secret_value: open(schema::SECRET_VALUE)?,
            eventid_event: open(schema::EVENTID_EVENT)?,
            deliveryid_delivery: open(schema::DELIVERYID_DELIVERY)?,
            lane_deliveryid: open(schema::LANE_DELIVERYID)?,
            issue_channel_rootpost: open(schema::ISSUE_CHANNEL_ROOTPOST)?,
            issue_facts: open(schema::ISSUE_FACTS)?,
            pendingevent_instanceid: open(schema::PENDINGEVENT_INSTANCEID)?,
            instanceid_instance: open(schema::INSTANCEID_INSTANCE)?,
            alias_instanceid: open(schema::ALIAS_INSTANCEID)?,
            subid_subscription: open(schema::SUBID_SUBSCRIPTION)?,
            channelid_subid: open(schema::CHANNELID_SUBID)?,
            auditid_entry: open(schema::AUDITID_ENTRY)?,
            templateid_template: open(schema::TEMPLATEID_TEMPLATE)?,
            commandteam_token: open(schema::COMMANDTEAM_TOKEN)?,
            token_onetime: open(schema::TOKEN_ONETIME)?,
            instance_project_templateid: open(schema::INSTANCE_PROJECT_TEMPLATEID)?,
            sessionid_session: open(schema::SESSIONID_SESSION)?,
            loginkey_attempts: open(schema::LOGINKEY_ATTEMPTS)?,
            adminuser_record: open(schema::ADMINUSER_RECORD)?,
            setting_value: open(schema::SETTING_VALUE)?,
            mmuserid_user: open(schema::MMUSERID_USER)?,
            instance_mmuser_connection: open(schema::INSTANCE_MMUSER_CONNECTION)?,
            instance_mmuser_expired: open(schema::INSTANCE_MMUSER_EXPIRED)?,
            instance_jirauser_mmuserid: open(schema::INSTANCE_JIRAUSER_MMUSERID)?,
            catalog_entry: open(schema::CATALOG_ENTRY)?,
            imported_hash: open(schema::IMPORTED_HASH)?,
        })
    }
}
