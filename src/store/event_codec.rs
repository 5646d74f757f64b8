//! The stored form of an event, every version of it: version 3 written now with its raw body
//! LZ4-compressed, versions 1 and 2 read as they are, and readers that skip the body when
//! they need only the dedup keys, deliveries or times.

use super::codec;
use super::records::{EventRecordV1, EventRecordV2};
use super::StoreError;

/// LZ4 expands by at most about 255 to 1: a block claiming more is damaged, and is refused
/// before anything is allocated for it.
const MAX_EXPANSION: usize = 255;

/// Encodes an event as written now: version 3, its raw body compressed (`stored` is
/// unchanged on return; the body is swapped out only while encoding, to avoid a copy).
pub(super) fn encode_stored(stored: &mut EventRecordV2) -> Result<Vec<u8>, StoreError> {
    let raw = std::mem::take(&mut stored.event.raw_body);
    stored.event.raw_body = lz4_flex::compress_prepend_size(&raw);
    let encoded = codec::encode(EventRecordV2::VERSION_COMPRESSED, &*stored);
    stored.event.raw_body = raw;
    encoded
}

/// The raw body of a version 3 event, uncompressed.
fn decompress_body(event: &mut EventRecordV1) -> Result<(), StoreError> {
    let damaged = |why: String| StoreError::Codec(format!("event body: {why}"));
    let (size, block) = lz4_flex::block::uncompressed_size(&event.raw_body).map_err(|e| damaged(e.to_string()))?;
    if size > block.len().saturating_mul(MAX_EXPANSION).saturating_add(64) {
        return Err(damaged(format!("claims {size} bytes from {}", block.len())));
    }
    let body = lz4_flex::block::decompress(block, size).map_err(|e| damaged(e.to_string()))?;
    if body.len() != size {
        return Err(damaged(format!("{} bytes where {size} were written", body.len())));
    }
    event.raw_body = body;
    Ok(())
}

/// Decodes a stored event of any version as the version 2 record (a version 1 event
/// has no dedup keys or deliveries inside: its deliveries were stored beside it), with its
/// raw body left empty. Its readers want only the dedup keys, deliveries or times, so a
/// compressed body is neither decompressed nor required to be intact (a damaged body must
/// not stop the store from opening); `decode_event` reads the body.
pub(super) fn decode_stored_without_body(bytes: &[u8]) -> Result<EventRecordV2, StoreError> {
    let (version, body) = event_body(bytes)?;
    let mut stored = match version {
        EventRecordV1::VERSION => {
            EventRecordV2 { event: codec::decode_body(body)?, dedup_keys: vec![], deliveries: vec![] }
        }
        _ => codec::decode_body(body)?,
    };
    stored.event.raw_body = Vec::new();
    Ok(stored)
}

/// The event alone without its raw body (nothing is decompressed).
pub(super) fn decode_event_without_body(bytes: &[u8]) -> Result<EventRecordV1, StoreError> {
    let (_, body) = event_body(bytes)?;
    let mut event: EventRecordV1 = codec::decode_body(body)?;
    event.raw_body = Vec::new();
    Ok(event)
}

/// Decodes the event alone: every version's body begins with the version 1 fields.
pub(super) fn decode_event(bytes: &[u8]) -> Result<EventRecordV1, StoreError> {
    let (version, body) = event_body(bytes)?;
    let mut event = codec::decode_body(body)?;
    if version == EventRecordV2::VERSION_COMPRESSED {
        decompress_body(&mut event)?;
    }
    Ok(event)
}

/// The receipt time, the first field of every event version, without decoding the rest.
pub(super) fn received_at(bytes: &[u8]) -> Result<u64, StoreError> {
    #[derive(serde::Deserialize)]
    struct Head {
        received_at_ms: u64,
    }
    Ok(codec::decode_body::<Head>(event_body(bytes)?.1)?.received_at_ms)
}

/// The record version and body of a stored event of any known version; every body begins
/// with the version 1 fields.
fn event_body(bytes: &[u8]) -> Result<(u16, &[u8]), StoreError> {
    match codec::split_version(bytes)? {
        (version @ (EventRecordV1::VERSION | EventRecordV2::VERSION | EventRecordV2::VERSION_COMPRESSED), body) => {
            Ok((version, body))
        }
        (other, _) => Err(StoreError::Codec(format!("event record version {other}"))),
    }
}
