//! Tidy: stored records (`…RecordV1 { … }`) are built in `store`, through the constructors
//! in `store::records`, so a record's shape changes in one place; the few files outside it
//! that still build one are listed with the reason.

use std::collections::BTreeSet;

use super::sources;

/// Stored records that code outside `store` still builds with a struct literal, each with
/// why no constructor in `store::records` fits.
const RECORD_LITERALS_ALLOWED: &[(&str, &str, &str)] = &[
    (
        "src/ingest/mod.rs",
        "EventRecordV1",
        "its ten fields come from the request and the normalized event, types store may not \
         import; a constructor would take all ten unnamed",
    ),
    (
        "src/subscriptions/stored.rs",
        "SubscriptionRecordV1",
        "the one mapping, field for field, of the plugin's subscription model (which store may \
         not import) to its thirteen stored fields",
    ),
];

/// The stored record type (`…RecordV1`) a line builds with a struct literal, if any: the
/// name followed by ` {` where it is not declared, implemented or returned.
fn builds_a_record(line: &str) -> Option<String> {
    for (at, _) in line.match_indices("RecordV") {
        let digits = line[at + 7..].chars().take_while(char::is_ascii_digit).count();
        let end = at + 7 + digits;
        if digits == 0 || !line[end..].starts_with(" {") {
            continue;
        }
        let start = line[..at].rfind(|c: char| !(c.is_alphanumeric() || c == '_')).map_or(0, |i| i + 1);
        let before = line[..start].trim_end();
        let declared = ["struct", "enum", "impl", "for", "->"].iter().any(|word| before.ends_with(word));
        if !declared {
            return Some(line[start..end].to_string());
        }
    }
    None
}

#[test]
fn stored_records_are_built_in_the_store() {
    let mut offenders = Vec::new();
    let mut allowed_seen = BTreeSet::new();
    for source in sources("src") {
        if source.path.starts_with("src/store/") {
            continue;
        }
        for (number, line) in source.code() {
            let Some(record) = builds_a_record(line) else { continue };
            match RECORD_LITERALS_ALLOWED.iter().find(|(path, name, _)| *path == source.path && *name == record) {
                Some(allowed) => {
                    allowed_seen.insert(allowed.0);
                }
                None => offenders.push(format!("{}: builds {record} by hand: {}", source.at(number), line.trim())),
            }
        }
    }
    assert!(offenders.is_empty(), "use (or add) a constructor in store::records: {offenders:#?}");
    let stale: Vec<&str> =
        RECORD_LITERALS_ALLOWED.iter().map(|(path, _, _)| *path).filter(|path| !allowed_seen.contains(path)).collect();
    assert!(stale.is_empty(), "these no longer build a record by hand; take them off the list: {stale:?}");
}

#[test]
fn the_record_check_tells_literals_from_declarations() {
    assert_eq!(builds_a_record("    let entry = AuditRecordV1 {").as_deref(), Some("AuditRecordV1"));
    assert_eq!(builds_a_record("store.audit(&records::AuditRecordV1 {").as_deref(), Some("AuditRecordV1"));
    let inline = "        Some(EventRecordV2 { event, dedup_keys, deliveries })";
    assert_eq!(builds_a_record(inline).as_deref(), Some("EventRecordV2"));
    assert_eq!(builds_a_record("pub struct AuditRecordV1 {"), None);
    assert_eq!(builds_a_record("impl std::fmt::Debug for AdminUserRecordV1 {"), None);
    assert_eq!(builds_a_record("pub fn to_record(sub: &Subscription) -> SubscriptionRecordV1 {"), None);
    assert_eq!(builds_a_record("let post = PostRecordV1::FromEvent { subscription_name: None };"), None);
    assert_eq!(builds_a_record("let entry = AuditRecordV1::new(actor, action, target, None, None, 0);"), None);
}
