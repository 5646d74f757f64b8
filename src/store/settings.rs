//! Settings edited in the console (`setting_value`). Secret settings never come here: they
//! are kept encrypted in `secret_value` (see `secrets`).

use std::collections::BTreeMap;

use super::codec;
use super::records::SettingRecordV1;
use super::{Store, StoreError};

impl Store {
    /// Every console-edited value, by `section.key`.
    pub fn setting_values(&self) -> Result<BTreeMap<String, SettingRecordV1>, StoreError> {
        let mut values = BTreeMap::new();
        for entry in self.trees().setting_value.iter() {
            let (key, value) = entry?;
            let record = codec::decode(SettingRecordV1::VERSION, &value)?;
            values.insert(String::from_utf8_lossy(&key).into_owned(), record);
        }
        Ok(values)
    }

    /// Stores `set` and removes `removed` in one atomic batch, then flushes.
    pub fn put_setting_values(&self, set: &[(String, SettingRecordV1)], removed: &[String]) -> Result<(), StoreError> {
        let mut batch = sled::Batch::default();
        for (key, record) in set {
            batch.insert(key.as_bytes(), codec::encode(SettingRecordV1::VERSION, record)?);
        }
        for key in removed {
            batch.remove(key.as_bytes());
        }
        {
            let _gate = self.write_gate()?;
            self.trees().setting_value.apply_batch(batch)?;
        }
        self.flush_now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_are_stored_replaced_and_removed() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        let record = |json: &str| SettingRecordV1 { value_json: json.into(), set_at_ms: 1, set_by: "api".into() };
        let set = [("log.level".to_string(), record("\"debug\"")), ("a.b".to_string(), record("1"))];
        store.put_setting_values(&set, &[]).unwrap();
        store.put_setting_values(&[("log.level".into(), record("\"warn\""))], &["a.b".into()]).unwrap();
        let values = store.setting_values().unwrap();
        assert_eq!(values.len(), 1);
        assert_eq!(values["log.level"].value_json, "\"warn\"");
    }
}
