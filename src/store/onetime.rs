//! Nonces of signed tokens that change something (SPEC §10.4): the first valid use is
//! recorded until the token expires, atomically, so two clicks racing each other act once.

use super::{Store, StoreError};

impl Store {
    /// Records the use of `nonce`, remembered until `until_ms`; false when it was used already.
    pub fn use_once(&self, nonce: &str, until_ms: u64) -> Result<bool, StoreError> {
        let _gate = self.write_gate()?;
        let swapped = self.trees().token_onetime.compare_and_swap(
            nonce.as_bytes(),
            None as Option<&[u8]>,
            Some(&until_ms.to_be_bytes()[..]),
        )?;
        Ok(swapped.is_ok())
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
        assert!(store.use_once("n1", 1_000).unwrap());
        assert!(!store.use_once("n1", 1_000).unwrap(), "a second use is refused");
        assert!(store.use_once("n2", 5_000).unwrap());
        assert_eq!(store.sweep_used_tokens_before(2_000).unwrap(), 1);
        assert!(!store.use_once("n2", 5_000).unwrap(), "an unexpired use is still remembered");
    }
}
