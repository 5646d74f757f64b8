//! Retry delays: capped exponential backoff with full jitter; a longer `Retry-After` wins.
//! Pure: the caller supplies the random fraction.

use std::time::Duration;

/// Mattermost may ask for a long pause; never wait longer than this on its word.
const RETRY_AFTER_CAP: Duration = Duration::from_secs(3600);

/// Delay before retry number `attempt` (1 = after the first failure). `jitter` is in [0, 1).
pub fn delay(attempt: u32, initial: Duration, max: Duration, retry_after: Option<Duration>, jitter: f64) -> Duration {
    let exponent = attempt.saturating_sub(1).min(30);
    let ceiling = initial.saturating_mul(1u32 << exponent).min(max);
    let jittered = ceiling.mul_f64(jitter.clamp(0.0, 1.0));
    match retry_after {
        Some(asked) if asked > jittered => asked.min(RETRY_AFTER_CAP),
        _ => jittered,
    }
}

/// A random fraction in [0, 1) for [`delay`].
pub fn random_fraction() -> f64 {
    let mut bytes = [0u8; 8];
    if getrandom::getrandom(&mut bytes).is_err() {
        return 0.5;
    }
    (u64::from_le_bytes(bytes) >> 11) as f64 / (1u64 << 53) as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    const S: fn(u64) -> Duration = Duration::from_secs;

    #[test]
    fn grows_exponentially_up_to_the_cap() {
        let d = |attempt| delay(attempt, Duration::from_millis(1000), S(300), None, 0.999_999);
        assert!(d(1) <= S(1) && d(1) > Duration::from_millis(990));
        assert!(d(3) <= S(4) && d(3) > Duration::from_millis(3990));
        assert!(d(20) <= S(300) && d(20) > S(299));
        assert!(d(u32::MAX) <= S(300));
    }

    #[test]
    fn full_jitter_can_be_zero() {
        assert_eq!(delay(5, S(1), S(300), None, 0.0), Duration::ZERO);
    }

    #[test]
    fn retry_after_wins_when_longer_but_is_capped() {
        assert_eq!(delay(1, S(1), S(300), Some(S(30)), 0.5), S(30));
        assert_eq!(delay(1, S(1), S(300), Some(S(99_999)), 0.5), S(3600));
        assert_eq!(
            delay(9, S(1), S(300), Some(S(1)), 1.0 - f64::EPSILON),
            delay(9, S(1), S(300), None, 1.0 - f64::EPSILON)
        );
    }

    #[test]
    fn random_fraction_is_in_range() {
        for _ in 0..100 {
            let f = random_fraction();
            assert!((0.0..1.0).contains(&f));
        }
    }
}
