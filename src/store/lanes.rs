//! The lane index: every unfinished delivery by lane, so the worker finds each lane's head
//! (its lowest id) with one lookup per lane, however long the lanes are.
//!
//! Entries are kept in chunks of up to [`CHUNK_ENTRIES`] per sled record, keyed
//! `lane 0x00 floor` (u64 BE), the value a list of `(delivery id, due ms)` pairs (u64 BE
//! each) sorted by id. A chunk's floor is at most its first id and above every id of the
//! lane's chunk before it, so the chunk that holds an id, or would, is the last one whose
//! key is at or below `lane_key(lane, id)`.
//!
//! Why chunks: with one record per delivery (schema 4 to 6), a backlog queued for many
//! channels wrote all over the index, so every page of it stayed in sled's cache, and sled
//! holds a cached record at about twice its stored size; the backlog's memory grew with
//! it. Thirty-two entries per record make the index a small fraction of that.
//!
//! A change reads a chunk and writes it back, so every writer holds the index's lock from
//! the read to the write ([`LaneIndex::lock`], always the last lock taken). The edits of
//! one change are collected in [`LaneEdits`] and written together: inside the caller's
//! transaction, or as one batch.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use sled::transaction::{TransactionalTree, UnabortableTransactionError};

use super::codec::{after_lane, lane_key, lane_prefix, read_u64, split_lane_key};
use super::StoreError;

/// Most entries in one chunk (512 bytes of value).
pub(super) const CHUNK_ENTRIES: usize = 32;

/// One unfinished delivery in the index: its id and when it is due (ms since the epoch).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct LaneEntry {
    pub id: u64,
    pub due_ms: u64,
}

/// The lane index's tree and the lock its writers share.
#[derive(Clone)]
pub(super) struct LaneIndex {
    tree: sled::Tree,
    lock: Arc<Mutex<()>>,
}

impl LaneIndex {
    pub(super) fn new(tree: sled::Tree) -> Self {
        LaneIndex { tree, lock: Arc::new(Mutex::new(())) }
    }

    pub(super) fn tree(&self) -> &sled::Tree {
        &self.tree
    }

    /// Held from reading a chunk to writing it back.
    pub(super) fn lock(&self) -> MutexGuard<'_, ()> {
        self.lock.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The first entry of each lane, lane by lane in key order: one lookup per lane.
    pub(super) fn heads(&self) -> Result<Vec<(Vec<u8>, LaneEntry)>, StoreError> {
        let mut heads = Vec::new();
        let mut next = self.tree.first()?;
        while let Some((key, value)) = next {
            let Some((lane, _)) = split_lane_key(&key) else {
                next = self.tree.range(after_key(&key)..).next().transpose()?;
                continue;
            };
            match decode_chunk(&value).map(|entries| entries.first().copied()) {
                Ok(Some(head)) => {
                    heads.push((lane.to_vec(), head));
                    next = self.tree.range(after_lane(lane)..).next().transpose()?;
                }
                // An empty or damaged chunk: the lane goes on with its next one.
                other => {
                    if let Err(e) = other {
                        tracing::error!(error = %e, "skipping a damaged lane index chunk");
                    }
                    next = self.tree.range(after_key(&key)..).next().transpose()?;
                }
            }
        }
        Ok(heads)
    }

    /// Every entry of `lane`, in id order, streamed chunk by chunk.
    pub(super) fn entries_of(&self, lane: &[u8]) -> impl Iterator<Item = Result<LaneEntry, StoreError>> + '_ {
        chunk_entries(self.tree.scan_prefix(lane_prefix(lane)))
    }

    /// Every entry with its lane, lane by lane, streamed chunk by chunk.
    pub(super) fn all(&self) -> impl Iterator<Item = Result<(Vec<u8>, LaneEntry), StoreError>> + '_ {
        self.tree.iter().flat_map(|item| {
            let chunk = item.map_err(StoreError::from).and_then(|(key, value)| {
                let lane = split_lane_key(&key).map(|(lane, _)| lane.to_vec()).unwrap_or_default();
                Ok(decode_chunk(&value)?.into_iter().map(move |entry| Ok((lane.clone(), entry))).collect::<Vec<_>>())
            });
            match chunk {
                Ok(entries) => entries,
                Err(e) => vec![Err(e)],
            }
        })
    }
}

fn chunk_entries(
    chunks: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
) -> impl Iterator<Item = Result<LaneEntry, StoreError>> {
    chunks.flat_map(|item| match item.map_err(StoreError::from).and_then(|(_, value)| decode_chunk(&value)) {
        Ok(entries) => entries.into_iter().map(Ok).collect::<Vec<_>>(),
        Err(e) => vec![Err(e)],
    })
}

/// Chunk writes not yet made: key → the chunk's new entries (none: the chunk goes).
/// Reads through it see the index as it will be once written.
#[derive(Default)]
pub(super) struct LaneEdits {
    chunks: BTreeMap<Vec<u8>, Vec<LaneEntry>>,
}

/// A chunk's key and entries.
type Chunk = (Vec<u8>, Vec<LaneEntry>);

impl LaneEdits {
    /// Adds `id` to `lane` due at `due_ms`, or moves its due time if it is there.
    pub(super) fn upsert(&mut self, index: &LaneIndex, lane: &[u8], id: u64, due_ms: u64) -> Result<(), StoreError> {
        let entry = LaneEntry { id, due_ms };
        let Some((key, mut entries)) = self.floor_chunk(index, lane, id)? else {
            // Below every chunk of the lane, or a new lane: the first chunk takes it (and
            // its floor moves down) while it has room.
            match self.first_chunk(index, lane)? {
                Some((key, mut entries)) if entries.len() < CHUNK_ENTRIES => {
                    entries.insert(0, entry);
                    self.chunks.insert(key, Vec::new());
                    self.chunks.insert(lane_key(lane, id), entries);
                }
                _ => {
                    self.chunks.insert(lane_key(lane, id), vec![entry]);
                }
            }
            return Ok(());
        };
        match entries.binary_search_by_key(&id, |e| e.id) {
            Ok(at) => entries[at].due_ms = due_ms,
            // The usual case, a new delivery after every other of its lane: a full chunk
            // stays full and a new one begins, so chunks of a queue are not half empty.
            Err(at) if at == entries.len() && entries.len() >= CHUNK_ENTRIES => {
                self.chunks.insert(lane_key(lane, id), vec![entry]);
                return Ok(());
            }
            Err(at) => entries.insert(at, entry),
        }
        if entries.len() > CHUNK_ENTRIES {
            let upper = entries.split_off(entries.len() / 2);
            self.chunks.insert(lane_key(lane, upper[0].id), upper);
        }
        self.chunks.insert(key, entries);
        Ok(())
    }

    /// Takes `id` out of `lane` (nothing if it is not there).
    pub(super) fn remove(&mut self, index: &LaneIndex, lane: &[u8], id: u64) -> Result<(), StoreError> {
        let Some((key, mut entries)) = self.floor_chunk(index, lane, id)? else { return Ok(()) };
        if let Ok(at) = entries.binary_search_by_key(&id, |e| e.id) {
            entries.remove(at);
            self.chunks.insert(key, entries);
        }
        Ok(())
    }

    /// Writes the edits inside the caller's transaction.
    pub(super) fn write_in(&self, tx: &TransactionalTree) -> Result<(), UnabortableTransactionError> {
        for (key, entries) in &self.chunks {
            if entries.is_empty() {
                tx.remove(key.as_slice())?;
            } else {
                tx.insert(key.as_slice(), encode_chunk(entries))?;
            }
        }
        Ok(())
    }

    /// Writes the edits, all or nothing. One chunk is one plain write: sled 0.34 writes out
    /// its log buffer at the start of every batch, which would cost each finished post a
    /// disk write; only a split or a moved floor (two chunks) pays for a batch.
    pub(super) fn write(&self, index: &LaneIndex) -> Result<(), StoreError> {
        // Callers hold the write gate, as around every store write.
        if let [(key, entries)] = self.chunks.iter().collect::<Vec<_>>().as_slice() {
            if entries.is_empty() {
                index.tree.remove(key.as_slice())?;
            } else {
                index.tree.insert(key.as_slice(), encode_chunk(entries))?;
            }
            return Ok(());
        }
        let mut batch = sled::Batch::default();
        for (key, entries) in &self.chunks {
            if entries.is_empty() {
                batch.remove(key.as_slice());
            } else {
                batch.insert(key.as_slice(), encode_chunk(entries));
            }
        }
        index.tree.apply_batch(batch)?;
        Ok(())
    }

    /// The last chunk of `lane` whose key is at or below `lane_key(lane, id)`.
    fn floor_chunk(&self, index: &LaneIndex, lane: &[u8], id: u64) -> Result<Option<Chunk>, StoreError> {
        let (low, high) = (lane_prefix(lane), lane_key(lane, id));
        let edited = self.chunks.range(low.clone()..=high.clone()).rev().find(|(_, e)| !e.is_empty());
        let stored = self.stored_chunk(index.tree.range(low..=high).rev())?;
        Ok(pick(edited, stored, |edited, stored| edited >= stored))
    }

    /// The first chunk of `lane`.
    fn first_chunk(&self, index: &LaneIndex, lane: &[u8]) -> Result<Option<Chunk>, StoreError> {
        let (low, high) = (lane_prefix(lane), after_lane(lane));
        let edited = self.chunks.range(low.clone()..high.clone()).find(|(_, e)| !e.is_empty());
        let stored = self.stored_chunk(index.tree.range(low..high))?;
        Ok(pick(edited, stored, |edited, stored| edited <= stored))
    }

    /// The first stored chunk of `chunks` these edits leave as stored: removed ones are
    /// passed over, and one they rewrite stops the search (the edited side has it).
    fn stored_chunk(
        &self,
        chunks: impl Iterator<Item = sled::Result<(sled::IVec, sled::IVec)>>,
    ) -> Result<Option<Chunk>, StoreError> {
        for item in chunks {
            let (key, value) = item?;
            match self.chunks.get(key.as_ref()) {
                Some(edited) if edited.is_empty() => continue,
                Some(_) => return Ok(None),
                None => return Ok(Some((key.to_vec(), decode_chunk(&value)?))),
            }
        }
        Ok(None)
    }
}

/// The edited or the stored candidate, whichever `edited_wins` says.
fn pick(
    edited: Option<(&Vec<u8>, &Vec<LaneEntry>)>,
    stored: Option<Chunk>,
    edited_wins: impl Fn(&[u8], &[u8]) -> bool,
) -> Option<Chunk> {
    match (edited, stored) {
        (Some((key, _)), Some(stored)) if !edited_wins(key, &stored.0) => Some(stored),
        (Some((key, entries)), _) => Some((key.clone(), entries.clone())),
        (None, stored) => stored,
    }
}

/// Writes a chunk: `(id, due)` pairs, u64 BE each.
fn encode_chunk(entries: &[LaneEntry]) -> Vec<u8> {
    let mut value = Vec::with_capacity(entries.len() * 16);
    for entry in entries {
        value.extend_from_slice(&entry.id.to_be_bytes());
        value.extend_from_slice(&entry.due_ms.to_be_bytes());
    }
    value
}

/// Reads a chunk written by [`encode_chunk`].
pub(super) fn decode_chunk(value: &[u8]) -> Result<Vec<LaneEntry>, StoreError> {
    if value.len() % 16 != 0 {
        return Err(StoreError::Codec(format!("a lane index chunk of {} bytes is not a list of pairs", value.len())));
    }
    let pair = |bytes: &[u8]| Some(LaneEntry { id: read_u64(&bytes[..8])?, due_ms: read_u64(&bytes[8..])? });
    Ok(value.chunks_exact(16).filter_map(pair).collect())
}

/// Writes the entries of one lane, in id order, as full chunks (the schema 7 migration).
pub(super) fn write_lane(tree: &sled::Tree, lane: &[u8], entries: &[LaneEntry]) -> Result<(), StoreError> {
    for chunk in entries.chunks(CHUNK_ENTRIES) {
        tree.insert(lane_key(lane, chunk[0].id), encode_chunk(chunk))?;
    }
    Ok(())
}

/// The key right after `key`, to step past one chunk.
fn after_key(key: &[u8]) -> Vec<u8> {
    let mut after = key.to_vec();
    after.push(0);
    after
}

#[cfg(test)]
#[path = "lanes_tests.rs"]
mod tests;
