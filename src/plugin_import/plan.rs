//! What the plugin's rows become (SPEC §13.1), decided before anything is written: instances
//! (from `instances/v3` and each `jira_instance_<md5>`, or the v2 keys), the RSA key,
//! subscriptions and templates, users and their connections. Keys the plugin derives from
//! MD5 are found by computing them for every instance and user; whatever is left is listed
//! with why it was not imported.
//!
//! size: one pass over the export, a function per kind of key, and the tests of each.

use std::collections::{BTreeMap, HashMap};

use md5::{Digest, Md5};
use serde_json::Value;

use super::kv::KvRow;
use crate::ids::{InstanceId, InstanceType};
use crate::instances::oauth::InstanceAuth;
use crate::jira::oauth1::RsaKey;
use crate::store::records::SubscriptionState;
use crate::store::records::{InstanceRecordV1, SubscriptionRecordV1};
use crate::store::{Connection, ConnectionAuth, JiraUser, NotificationSettings};
use crate::subscriptions::model::Subscription;
use crate::subscriptions::stored::{to_record, Meta};

/// An instance to import, with its OAuth settings and the key it came from.
pub struct PlannedInstance {
    pub record: InstanceRecordV1,
    pub auth: InstanceAuth,
}

/// Everything an import would write.
#[derive(Default)]
pub struct Plan {
    pub instances: Vec<PlannedInstance>,
    pub rsa_key: Option<RsaKey>,
    pub subscriptions: Vec<SubscriptionRecordV1>,
    pub templates: Vec<SubscriptionRecordV1>,
    pub connections: Vec<Connection>,
    /// Mattermost user → their default instance in the plugin.
    pub defaults: Vec<(String, String)>,
    /// Comment threads: (instance, issue id, channel id, root post id, until ms).
    pub roots: Vec<(String, String, String, String, u64)>,
    /// Rows not imported: key → why.
    pub skipped: BTreeMap<String, String>,
    /// How many of those rows were records of a reported kind (`rsa_key`, `connections`,
    /// `root_posts`); the others (flows, reverse indexes, unknown keys) are of none.
    pub skipped_per_kind: BTreeMap<&'static str, usize>,
    pub warnings: Vec<String>,
}

/// Lower-case hex MD5 of `text`, as the plugin names its keys.
pub fn md5hex(text: &str) -> String {
    hex::encode(Md5::digest(text.as_bytes()))
}

impl Plan {
    /// Leaves a row holding a record of `kind` out, saying why.
    fn skip(&mut self, kind: &'static str, key: String, reason: String) {
        *self.skipped_per_kind.entry(kind).or_default() += 1;
        self.skipped.insert(key, reason);
    }

    /// Leaves out one record of `kind` of a row that holds several (the instance list, a
    /// channel's subscriptions), with a warning: the row itself was imported.
    fn skip_record(&mut self, kind: &'static str, warning: String) {
        *self.skipped_per_kind.entry(kind).or_default() += 1;
        self.warnings.push(warning);
    }
}

/// Keys the plugin keeps only for a moment (flows, one-time tokens, DMs already sent).
const TRANSIENT: &[&str] =
    &["token_secret", "ots_", "jira_pcsetup_", "expired_token_dm:", "oauth2_temp_cred_", "temp_cred_"];

/// Decides what `rows` become at `now_ms`.
pub fn plan(rows: &[KvRow], now_ms: u64) -> Plan {
    let mut plan = Plan::default();
    let mut left: HashMap<&str, &KvRow> = rows.iter().map(|r| (r.key.as_str(), r)).collect();
    instances(&mut plan, &mut left, now_ms);
    // Not parsed as JSON first: a 2048-bit key's numbers have over 600 digits, beyond what
    // a JSON number reader takes; `rsa_key_of` reads the digits from the text.
    if let Some(row) = left.remove("rsa_key") {
        match rsa_key_of(&String::from_utf8_lossy(&row.value)) {
            Ok(key) => {
                if key.bits() < 2048 {
                    plan.warnings.push(format!("the plugin's RSA key has {} bits; it is kept so application links keep working, but a 2048-bit key is safer", key.bits()));
                }
                plan.rsa_key = Some(key);
            }
            Err(why) => plan.skip("rsa_key", "rsa_key".into(), format!("not a usable RSA key: {why}")),
        }
    }
    let ids: Vec<(String, bool)> = plan
        .instances
        .iter()
        .map(|i| {
            (
                i.record.id.to_string(),
                i.auth.oauth2_client_id.is_none() && i.record.instance_type == InstanceType::Cloud,
            )
        })
        .collect();
    for (id, _) in &ids {
        rules(&mut plan, &mut left, id, "jirasub", now_ms);
        rules(&mut plan, &mut left, id, "templates", now_ms);
    }
    users(&mut plan, &mut left, &ids, now_ms);
    roots(&mut plan, &mut left, now_ms);
    for (key, _) in left {
        let reason = if TRANSIENT.iter().any(|t| key.starts_with(t)) {
            "short-lived plugin state (flows, one-time tokens, DMs already sent)"
        } else if key.len() == 32 && key.bytes().all(|b| b.is_ascii_hexdigit()) {
            "derived from an id no imported instance or user has (the plugin's reverse index, or a leftover)"
        } else {
            "not a key the plugin is known to write"
        };
        plan.skipped.insert(key.to_string(), reason.into());
    }
    plan
}

/// The instances of `instances/v3` with their `jira_instance_<md5>` records; without it, the
/// v2 keys.
fn instances(plan: &mut Plan, left: &mut HashMap<&str, &KvRow>, now_ms: u64) {
    let parse = |row: &KvRow| serde_json::from_slice::<Value>(&row.value).unwrap_or(Value::Null);
    let listed: Vec<(String, String, String, bool)> = match left.remove("instances/v3") {
        Some(row) => parse(row)
            .as_array()
            .into_iter()
            .flatten()
            .map(|i| {
                (text(i, "InstanceID"), text(i, "Type"), text(i, "Alias"), i["IsV2Legacy"].as_bool().unwrap_or(false))
            })
            .collect(),
        None => {
            let current = left.remove("current_jira_instance").map(parse).unwrap_or(Value::Null);
            let current_id = current.as_str().map(str::to_string).unwrap_or_else(|| text(&current, "InstanceID"));
            let known = left.remove("known_jira_instances").map(parse).unwrap_or(Value::Null);
            known
                .as_object()
                .into_iter()
                .flatten()
                .map(|(id, kind)| {
                    (id.clone(), kind.as_str().unwrap_or_default().to_string(), String::new(), *id == current_id)
                })
                .collect()
        }
    };
    for (id, listed_type, alias, is_v2_legacy) in listed {
        let details = left.remove(format!("jira_instance_{}", md5hex(&id)).as_str()).map(parse).unwrap_or(Value::Null);
        let kind = Some(text(&details, "Type")).filter(|t| !t.is_empty()).unwrap_or(listed_type);
        let Ok(parsed) = InstanceId::parse(&id) else {
            plan.skip_record("instances", format!("instance {id:?} is not a Jira URL and was not imported"));
            continue;
        };
        let instance_type = match kind.as_str() {
            "server" => InstanceType::Server,
            "cloud" | "cloud-oauth" => InstanceType::Cloud,
            other => {
                plan.skip_record(
                    "instances",
                    format!("instance {id} has the unknown type {other:?} and was not imported"),
                );
                continue;
            }
        };
        let mut auth = InstanceAuth::default();
        match kind.as_str() {
            "server" => auth.oauth1_consumer_key = Some(text(&details, "MattermostKey")).filter(|k| !k.is_empty()),
            "cloud-oauth" => {
                auth.oauth2_client_id = Some(text(&details, "JiraClientID")).filter(|v| !v.is_empty());
                auth.oauth2_client_secret = Some(text(&details, "JiraClientSecret")).filter(|v| !v.is_empty());
                auth.cloud_id = Some(text(&details, "JiraResourceID")).filter(|v| !v.is_empty());
            }
            _ => plan.warnings.push(format!("users of {id} must reconnect; set its OAuth client id and secret")),
        }
        let alias =
            Some(alias).filter(|a| !a.is_empty()).or_else(|| Some(text(&details, "Alias")).filter(|a| !a.is_empty()));
        let mut record = InstanceRecordV1::new(parsed, instance_type, alias, now_ms);
        record.is_v2_legacy = is_v2_legacy || details["IsV2Legacy"].as_bool().unwrap_or(false);
        plan.instances.push(PlannedInstance { record, auth });
    }
}

/// The subscriptions (`kind` = `jirasub`) or templates of instance `id`.
fn rules(plan: &mut Plan, left: &mut HashMap<&str, &KvRow>, id: &str, kind: &str, now_ms: u64) {
    let Some(row) = left.remove(md5hex(&format!("{id}/{kind}")).as_str()) else { return };
    let value: Value = serde_json::from_slice(&row.value).unwrap_or(Value::Null);
    let by_id = if kind == "jirasub" { &value["Channel"]["by_id"] } else { &value["Templates"]["by_id"] };
    for (rule_id, rule) in by_id.as_object().into_iter().flatten() {
        let Ok(mut sub) = serde_json::from_value::<Subscription>(rule.clone()) else {
            let counted = if kind == "jirasub" { "subscriptions" } else { "templates" };
            plan.skip_record(counted, format!("{kind} {rule_id} of {id} is not a subscription and was not imported"));
            continue;
        };
        // As the plugin does on load: the record's instance wins over the entry's own.
        sub.instance_id = InstanceId::unchecked(id);
        if sub.id.is_empty() {
            sub.id = rule_id.clone();
        }
        let meta = Meta {
            state: SubscriptionState::Active,
            broken_reason: None,
            created_at_ms: now_ms,
            updated_at_ms: now_ms,
            created_by: "plugin import".into(),
        };
        let record = to_record(&sub, meta);
        if kind == "jirasub" {
            plan.subscriptions.push(record);
        } else {
            plan.templates.push(record);
        }
    }
}

/// How long a thread root without an expiry of its own lasts (the plugin's default).
const ROOT_DAYS_MS: u64 = 30 * 24 * 3_600_000;

/// `ticket_post_id_<issue id>_channel_id_<channel id>`: the root post of an issue's comments
/// in a channel, for the v2-legacy instance, else the only one (the key names none).
fn roots(plan: &mut Plan, left: &mut HashMap<&str, &KvRow>, now_ms: u64) {
    let legacy = plan.instances.iter().find(|i| i.record.is_v2_legacy);
    let instance = legacy.or(match plan.instances.as_slice() {
        [only] => Some(only),
        _ => None,
    });
    let instance = instance.map(|i| i.record.id.to_string());
    let keys: Vec<String> = left.keys().filter(|k| k.starts_with("ticket_post_id_")).map(|k| k.to_string()).collect();
    for key in keys {
        let Some(row) = left.remove(key.as_str()) else { continue };
        let parts = key.trim_start_matches("ticket_post_id_").split_once("_channel_id_");
        let post: Option<String> = serde_json::from_slice(&row.value).ok();
        let until = if row.expire_at > 0 { row.expire_at as u64 } else { now_ms + ROOT_DAYS_MS };
        match (parts, post, &instance) {
            _ if until <= now_ms => plan.skip("root_posts", key, "an expired comment thread".into()),
            (Some((issue, channel)), Some(post), Some(instance)) => {
                plan.roots.push((instance.clone(), issue.to_string(), channel.to_string(), post, until))
            }
            (_, _, None) => plan.skip(
                "root_posts",
                key,
                "a comment thread whose instance is unknown (several instances, none v2-legacy)".into(),
            ),
            _ => plan.skip("root_posts", key, "not a comment thread root".into()),
        }
    }
}

/// `user_<md5>` records, and each user's connection to each imported instance.
fn users(plan: &mut Plan, left: &mut HashMap<&str, &KvRow>, instances: &[(String, bool)], now_ms: u64) {
    let user_keys: Vec<String> = left.keys().filter(|k| k.starts_with("user_")).map(|k| k.to_string()).collect();
    for key in user_keys {
        let Some(row) = left.remove(key.as_str()) else { continue };
        let user: Value = serde_json::from_slice(&row.value).unwrap_or(Value::Null);
        let mm_user = text(&user, "mattermost_user_id");
        if mm_user.is_empty() || key != format!("user_{}", md5hex(&mm_user)) {
            plan.skip("connections", key, "a user record without its Mattermost user id".into());
            continue;
        }
        for (instance, connect_only) in instances {
            let row_key = md5hex(&format!("{instance}/{mm_user}"));
            let Some(row) = left.remove(row_key.as_str()) else { continue };
            if *connect_only {
                let why = format!(
                    "the connection of {mm_user} to {instance}, an Atlassian Connect install: they must reconnect"
                );
                plan.skip("connections", row_key, why);
                continue;
            }
            let value: Value = serde_json::from_slice(&row.value).unwrap_or(Value::Null);
            match connection_of(instance, &mm_user, &value, now_ms) {
                Some(connection) => plan.connections.push(connection),
                None => plan.skip_record(
                    "connections",
                    format!("{mm_user}'s connection to {instance} has no usable credentials; they must reconnect"),
                ),
            }
        }
        let default = text(&user, "default_instance_id");
        if !default.is_empty() {
            plan.defaults.push((mm_user, default));
        }
    }
}

/// A plugin connection as a jirabridge one; `None` without credentials.
fn connection_of(instance: &str, mm_user: &str, value: &Value, now_ms: u64) -> Option<Connection> {
    let token = text(value, "Oauth1AccessToken");
    let oauth2 = &value["OAuth2Token"];
    let auth = if !token.is_empty() {
        ConnectionAuth::OAuth1 { token, secret: text(value, "Oauth1AccessSecret") }
    } else if !text(oauth2, "refresh_token").is_empty() {
        // The expiry is not carried over: the first use refreshes, which rotates the token.
        ConnectionAuth::OAuth2 {
            access_token: text(oauth2, "access_token"),
            refresh_token: text(oauth2, "refresh_token"),
            expires_at_ms: 0,
        }
    } else {
        return None;
    };
    let settings = &value["Settings"];
    let roles = &settings["RolesForDMNotification"];
    let on = |v: &Value| v.as_bool().unwrap_or(false);
    Some(Connection {
        instance_id: instance.to_string(),
        mm_user_id: mm_user.to_string(),
        jira: JiraUser {
            account_id: text(value, "accountId"),
            name: text(value, "name"),
            key: text(value, "key"),
            display_name: text(value, "displayName"),
            email: text(value, "emailAddress"),
            time_zone: text(value, "timeZone"),
            avatar_url: String::new(),
        },
        auth,
        settings: NotificationSettings {
            notifications: on(&settings["notifications"]),
            assignee: on(&roles["assignee"]),
            mention: on(&roles["mention"]),
            reporter: on(&roles["reporter"]),
            watching: on(&roles["watching"]),
        },
        saved_project_key: Some(text(&value["saved_field_values"], "project_key")).filter(|v| !v.is_empty()),
        saved_issue_type: Some(text(&value["saved_field_values"], "issue_type")).filter(|v| !v.is_empty()),
        connected_at_ms: now_ms,
    })
}

/// The plugin's RSA key: Go's `rsa.PrivateKey` JSON, whose numbers are longer than a JSON
/// number type holds, so their digits are read from the text itself.
fn rsa_key_of(json: &str) -> Result<RsaKey, String> {
    let number_after = |name: &str| -> Result<String, String> {
        let at = json.find(&format!("\"{name}\":")).ok_or(format!("no {name}"))? + name.len() + 3;
        let digits: String = json[at..].trim_start().chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            return Err(format!("{name} is not a number"));
        }
        Ok(digits)
    };
    let primes_at = json.find("\"Primes\":").ok_or("no Primes")? + 9;
    let list = json[primes_at..].trim_start().strip_prefix('[').ok_or("Primes is not a list")?;
    let list = &list[..list.find(']').ok_or("Primes is not a list")?];
    let primes: Vec<String> = list.split(',').map(|p| p.trim().to_string()).filter(|p| !p.is_empty()).collect();
    RsaKey::from_decimal(&number_after("N")?, &number_after("E")?, &number_after("D")?, &primes)
}

fn text(value: &Value, name: &str) -> String {
    value[name].as_str().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(key: &str, value: &str) -> KvRow {
        KvRow { key: key.into(), value: value.as_bytes().to_vec(), expire_at: 0 }
    }

    #[test]
    fn without_v3_the_v2_keys_give_the_instances_and_the_current_one_is_v2_legacy() {
        let rows = [
            row(
                "known_jira_instances",
                r#"{"https://jira.example.com": "server", "https://acme.atlassian.net": "cloud"}"#,
            ),
            row("current_jira_instance", r#""https://jira.example.com""#),
        ];
        let plan = plan(&rows, 1);
        let mut found: Vec<(String, bool)> =
            plan.instances.iter().map(|i| (i.record.id.to_string(), i.record.is_v2_legacy)).collect();
        found.sort();
        assert_eq!(
            found,
            [("https://acme.atlassian.net".to_string(), false), ("https://jira.example.com".to_string(), true)]
        );
        assert!(plan.warnings.iter().any(|w| w.contains("users of https://acme.atlassian.net must reconnect")));
        assert!(plan.skipped.is_empty(), "{:?}", plan.skipped);
    }

    #[test]
    fn a_2048_bit_key_in_gos_json_is_kept_without_a_warning() {
        use rsa::traits::{PrivateKeyParts, PublicKeyParts};
        let key = rsa::RsaPrivateKey::new(&mut rand_core::OsRng, 2048).unwrap();
        let primes: Vec<String> = key.primes().iter().map(|p| p.to_string()).collect();
        // As Go's encoding/json writes an rsa.PrivateKey: numbers with every digit.
        let go_json = format!(
            r#"{{"N":{},"E":{},"D":{},"Primes":[{}],"Precomputed":{{"Dp":1,"Dq":2,"Qinv":3,"CRTValues":[]}}}}"#,
            key.n(),
            key.e(),
            key.d(),
            primes.join(",")
        );
        let plan = plan(&[row("rsa_key", &go_json)], 1);
        let imported = plan.rsa_key.unwrap_or_else(|| panic!("{:?}", plan.skipped));
        assert_eq!(imported.bits(), 2048);
        assert!(plan.warnings.is_empty(), "{:?}", plan.warnings);
        let ours = crate::jira::oauth1::RsaKey::from_decimal(
            &key.n().to_string(),
            &key.e().to_string(),
            &key.d().to_string(),
            &primes,
        )
        .unwrap();
        assert_eq!(imported.public_pem(), ours.public_pem(), "the same key, so application links keep working");
    }

    #[test]
    fn the_keys_of_the_plugin_are_md5_hex() {
        assert_eq!(md5hex("https://jira.example.com/jirasub").len(), 32);
        assert_eq!(md5hex(""), "d41d8cd98f00b204e9800998ecf8427e");
    }
}
