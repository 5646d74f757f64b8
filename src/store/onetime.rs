//! Nonces of signed tokens that change something (SPEC §10.4): the first valid use is
//! recorded until the token expires, atomically, so two clicks racing each other act once.

use super::{Store, StoreError};

impl Store {
    /// Records the use of `nonce`, remembered until `until_ms`; false when it was used
    /// already and that use is still remembered at `now_ms`. A use whose time has passed
    /// counts as none, swept or not, so "once per 5 minutes" means 5 minutes.
    pub fn use_once(&self, nonce: &str, until_ms: u64, now_ms: u64) -> Result<bool, StoreError> {
        let _gate = self.write_gate()?;
        let tree = &self.trees().token_onetime;
        let new = until_ms.to_be_bytes();
        loop {
            let current = tree.get(nonce.as_bytes())?;
            if let Some(until) = &current {
                let until = until.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(u64::MAX);
                if until >= now_ms {
                    return Ok(false);
                }
            }
            // Another use may have come in between: read again and decide again.
            if tree.compare_and_swap(nonce.as_bytes(), current, Some(&new[..]))?.is_ok() {
                return Ok(true);
            }
        }
    }

    /// Takes a recorded use back (the action turned out invalid and did nothing).
    pub fn release_once(&self, nonce: &str) -> Result<(), StoreError> {
        let _gate = self.write_gate()?;
        self.trees().token_onetime.remove(nonce.as_bytes())?;
        Ok(())
    }

    /// Forgets the uses of tokens expired before `now_ms` (they could not be used again anyway).
    pub fn sweep_used_tokens_before(&self, now_ms: u64) -> Result<usize, StoreError> {
        let mut expired = Vec::new();
        for entry in self.trees().token_onetime.iter() {
            let (nonce, until) = entry?;
            let until = until.as_ref().try_into().map(u64::from_be_bytes).unwrap_or(0);
            if until < now_ms {
                expired.push(nonce);
            }
        }
        let _gate = self.write_gate()?;
        for nonce in &expired {
            self.trees().token_onetime.remove(nonce)?;
        }
        Ok(expired.len())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_nonce_is_used_once_and_forgotten_after_it_expires() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert!(store.use_once("n1", 1_000, 0).unwrap());
        assert!(!store.use_once("n1", 1_000, 0).unwrap(), "a second use is refused");
        assert!(store.use_once("n2", 5_000, 0).unwrap());
        assert_eq!(store.sweep_used_tokens_before(2_000).unwrap(), 1);
        assert!(!store.use_once("n2", 5_000, 2_000).unwrap(), "an unexpired use is still remembered");
    }

    #[test]
    fn a_use_whose_time_has_passed_counts_as_none_before_any_sweep() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path(), &Default::default()).unwrap();
        assert!(store.use_once("dm", 300_000, 0).unwrap());
        assert!(!store.use_once("dm", 360_000, 60_000).unwrap(), "within its 5 minutes");
        assert!(store.use_once("dm", 600_001, 300_001).unwrap(), "just after them");
        assert!(!store.use_once("dm", 700_000, 400_000).unwrap(), "and remembered anew");
    }
}
