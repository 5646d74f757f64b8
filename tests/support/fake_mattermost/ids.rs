//! Mattermost-shaped ids (26 chars of `[a-z0-9]`) and the wall clock in milliseconds.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{SystemTime, UNIX_EPOCH};

const ALPHABET: &[u8; 32] = b"0123456789abcdefghijklmnopqrstuv";

/// A fresh id, unique within the test process: the first half is a bijection of a counter,
/// so ids never collide, while looking random enough that nobody relies on their order.
pub(super) fn new_id() -> String {
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let n = seed().wrapping_add(COUNTER.fetch_add(1, Ordering::Relaxed));
    let mut id = encode(splitmix64(n));
    id.push_str(&encode(splitmix64(n ^ 0x5bd1_e995_5bd1_e995)));
    id
}

pub(super) fn is_valid_id(value: &str) -> bool {
    value.len() == 26 && value.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
}

pub(super) fn epoch_ms() -> i64 {
    let since_epoch = SystemTime::now().duration_since(UNIX_EPOCH).expect("clock after 1970");
    i64::try_from(since_epoch.as_millis()).expect("milliseconds fit in i64")
}

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| epoch_ms().unsigned_abs() ^ u64::from(std::process::id()))
}

fn splitmix64(x: u64) -> u64 {
    let mut z = x.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// 13 base32 digits: 65 bits, enough for the whole u64.
fn encode(mut value: u64) -> String {
    let mut digits = [0u8; 13];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value & 31) as usize];
        value >>= 5;
    }
    String::from_utf8(digits.to_vec()).expect("alphabet is ASCII")
}
