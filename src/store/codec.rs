//! Value encoding: bincode 2 (serde) behind a record-version tag, and big-endian keys.
//!
//! Every stored value is `record_version` followed by the body, so a newer binary can
//! recognise and convert records written by an older one (see `migrations`).

use serde::{de::DeserializeOwned, Serialize};

use super::StoreError;

fn config() -> bincode::config::Configuration {
    bincode::config::standard()
}

/// Encodes `body` as a record of the given version.
pub fn encode<T: Serialize>(record_version: u16, body: &T) -> Result<Vec<u8>, StoreError> {
    bincode::serde::encode_to_vec((record_version, body), config()).map_err(|e| StoreError::Codec(e.to_string()))
}

/// Splits a stored value into its record version and the encoded body.
pub fn split_version(bytes: &[u8]) -> Result<(u16, &[u8]), StoreError> {
    let (version, read): (u16, usize) =
        bincode::serde::decode_from_slice(bytes, config()).map_err(|e| StoreError::Codec(e.to_string()))?;
    Ok((version, &bytes[read..]))
}

/// Decodes a body previously split off by [`split_version`].
pub fn decode_body<T: DeserializeOwned>(body: &[u8]) -> Result<T, StoreError> {
    bincode::serde::decode_from_slice(body, config())
        .map(|(value, _)| value)
        .map_err(|e| StoreError::Codec(e.to_string()))
}

/// Decodes a record that must have exactly `expected` as its version.
pub fn decode<T: DeserializeOwned>(expected: u16, bytes: &[u8]) -> Result<T, StoreError> {
    let (version, body) = split_version(bytes)?;
    if version != expected {
        return Err(StoreError::Codec(format!("record version {version}, expected {expected}")));
    }
    decode_body(body)
}

/// `#[serde(with = "byte_vec")]` for byte fields: written and read as one block instead of
/// byte by byte (a `Vec<u8>` is a sequence to serde). The bytes on disk are the same either
/// way (a length, then the bytes), so records written before read unchanged; JSON still
/// gets an array of numbers.
pub mod byte_vec {
    use serde::de::{Deserializer, SeqAccess, Visitor};
    use serde::Serializer;

    pub fn serialize<S: Serializer>(bytes: &[u8], serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytes)
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<u8>, D::Error> {
        struct BytesVisitor;
        impl<'de> Visitor<'de> for BytesVisitor {
            type Value = Vec<u8>;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("bytes")
            }
            fn visit_bytes<E: serde::de::Error>(self, bytes: &[u8]) -> Result<Vec<u8>, E> {
                Ok(bytes.to_vec())
            }
            fn visit_byte_buf<E: serde::de::Error>(self, bytes: Vec<u8>) -> Result<Vec<u8>, E> {
                Ok(bytes)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<u8>, A::Error> {
                let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(1 << 20));
                while let Some(byte) = seq.next_element()? {
                    bytes.push(byte);
                }
                Ok(bytes)
            }
        }
        deserializer.deserialize_byte_buf(BytesVisitor)
    }
}

/// A u64 key in big-endian, so byte order equals numeric order.
pub fn u64_key(n: u64) -> [u8; 8] {
    n.to_be_bytes()
}

/// Two u64 parts joined by `0x00` (time index keys).
pub fn pair_key(first: u64, second: u64) -> [u8; 17] {
    let mut key = [0u8; 17];
    key[..8].copy_from_slice(&first.to_be_bytes());
    key[9..].copy_from_slice(&second.to_be_bytes());
    key
}

/// Inverse of [`pair_key`]; `None` for a key of another shape.
pub fn split_pair_key(key: &[u8]) -> Option<(u64, u64)> {
    if key.len() != 17 || key[8] != 0 {
        return None;
    }
    let first = u64::from_be_bytes(key[..8].try_into().ok()?);
    let second = u64::from_be_bytes(key[9..].try_into().ok()?);
    Some((first, second))
}

/// `lane 0x00 id` (u64 BE): the lane index key, so a lane's deliveries sort by id and its
/// head is its first key.
pub fn lane_key(lane: &[u8], id: u64) -> Vec<u8> {
    let mut key = lane_prefix(lane);
    key.extend_from_slice(&id.to_be_bytes());
    key
}

/// `lane 0x00`: what every [`lane_key`] of `lane` starts with.
pub fn lane_prefix(lane: &[u8]) -> Vec<u8> {
    let mut prefix = Vec::with_capacity(lane.len() + 9);
    prefix.extend_from_slice(lane);
    prefix.push(0);
    prefix
}

/// Inverse of [`lane_key`]: (lane, id); `None` for a key of another shape.
pub fn split_lane_key(key: &[u8]) -> Option<(&[u8], u64)> {
    let split = key.len().checked_sub(9)?;
    if key[split] != 0 {
        return None;
    }
    Some((&key[..split], u64::from_be_bytes(key[split + 1..].try_into().ok()?)))
}

/// The first key after every [`lane_key`] of `lane`: where the next lane begins.
pub fn after_lane(lane: &[u8]) -> Vec<u8> {
    let mut key = Vec::with_capacity(lane.len() + 1);
    key.extend_from_slice(lane);
    key.push(1);
    key
}

/// Reads a big-endian u64 key.
pub fn read_u64(key: &[u8]) -> Option<u64> {
    Some(u64::from_be_bytes(key.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
    struct Sample {
        name: String,
        items: Vec<u32>,
    }

    #[test]
    fn round_trips_with_version() {
        let sample = Sample { name: "x".into(), items: vec![1, 2] };
        let bytes = encode(3, &sample).unwrap();
        assert_eq!(split_version(&bytes).unwrap().0, 3);
        assert_eq!(decode::<Sample>(3, &bytes).unwrap(), sample);
        assert!(decode::<Sample>(2, &bytes).is_err());
    }

    #[test]
    fn byte_fields_are_stored_as_before_and_read_back() {
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Plain(String, Vec<u8>);
        #[derive(serde::Serialize, serde::Deserialize, PartialEq, Debug)]
        struct Block(String, #[serde(with = "byte_vec")] Vec<u8>);
        let bytes: Vec<u8> = (0..=255).chain(0..300).map(|b: u32| b as u8).collect();
        let plain = encode(1, &Plain("x".into(), bytes.clone())).unwrap();
        let block = encode(1, &Block("x".into(), bytes.clone())).unwrap();
        assert_eq!(plain, block, "same bytes on disk");
        assert_eq!(decode::<Block>(1, &plain).unwrap(), Block("x".into(), bytes.clone()));
        let json = serde_json::to_string(&Block("x".into(), vec![1, 2])).unwrap();
        assert_eq!(json, serde_json::to_string(&Plain("x".into(), vec![1, 2])).unwrap());
        assert_eq!(serde_json::from_str::<Block>(&json).unwrap().1, [1, 2]);
    }

    #[test]
    fn pair_keys_sort_by_time_then_id() {
        assert!(pair_key(1, 9) < pair_key(2, 0));
        assert_eq!(split_pair_key(&pair_key(7, 8)), Some((7, 8)));
        assert_eq!(split_pair_key(b"short"), None);
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        assert!(decode::<Sample>(1, &[0xff, 0xff, 0xff]).is_err());
        assert!(split_version(&[]).is_err());
    }
}
