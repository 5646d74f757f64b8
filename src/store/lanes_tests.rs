//! Tests of the lane index's chunks: order, splits, edits within one batch, a model.

use std::collections::BTreeMap;

use super::*;

fn index() -> (tempfile::TempDir, LaneIndex) {
    let dir = tempfile::tempdir().unwrap();
    let db = sled::Config::new().path(dir.path()).temporary(true).open().unwrap();
    (dir, LaneIndex::new(db.open_tree("lanes").unwrap()))
}

fn upsert(index: &LaneIndex, lane: &str, id: u64, due_ms: u64) {
    let mut edits = LaneEdits::default();
    edits.upsert(index, lane.as_bytes(), id, due_ms).unwrap();
    edits.write(index).unwrap();
}

fn remove(index: &LaneIndex, lane: &str, id: u64) {
    let mut edits = LaneEdits::default();
    edits.remove(index, lane.as_bytes(), id).unwrap();
    edits.write(index).unwrap();
}

fn ids_of(index: &LaneIndex, lane: &str) -> Vec<u64> {
    index.entries_of(lane.as_bytes()).map(|e| e.unwrap().id).collect()
}

/// Every chunk is non-empty, at most [`CHUNK_ENTRIES`] long, sorted, at or above its key's
/// floor, and below the next chunk's floor of its lane.
fn assert_chunks_sound(index: &LaneIndex) {
    let mut previous: Option<(Vec<u8>, u64)> = None;
    for item in index.tree().iter() {
        let (key, value) = item.unwrap();
        let (lane, floor) = split_lane_key(&key).unwrap();
        let entries = decode_chunk(&value).unwrap();
        assert!(!entries.is_empty() && entries.len() <= CHUNK_ENTRIES, "chunk of {}", entries.len());
        assert!(entries.windows(2).all(|w| w[0].id < w[1].id), "sorted");
        assert!(floor <= entries[0].id, "floor {floor} above {}", entries[0].id);
        if let Some((previous_lane, last)) = &previous {
            if previous_lane.as_slice() == lane {
                assert!(*last < floor, "chunks overlap at {floor}");
            }
        }
        previous = Some((lane.to_vec(), entries.last().unwrap().id));
    }
}

#[test]
fn a_queue_fills_whole_chunks_and_its_head_is_the_lowest_id() {
    let (_dir, index) = index();
    for id in 1..=100 {
        upsert(&index, "ch:a", id, id * 10);
    }
    upsert(&index, "ch:b", 7, 70);
    assert_eq!(index.tree().len(), 4 + 1, "100 entries in 4 chunks of a, one of b");
    assert_eq!(ids_of(&index, "ch:a"), (1..=100).collect::<Vec<_>>());
    let heads: Vec<(Vec<u8>, LaneEntry)> = index.heads().unwrap();
    assert_eq!(
        heads,
        vec![(b"ch:a".to_vec(), LaneEntry { id: 1, due_ms: 10 }), (b"ch:b".to_vec(), LaneEntry { id: 7, due_ms: 70 })]
    );
    assert_chunks_sound(&index);
}

#[test]
fn a_head_taken_out_moves_the_head_and_an_emptied_chunk_goes() {
    let (_dir, index) = index();
    for id in 1..=40 {
        upsert(&index, "ch:a", id, 0);
    }
    for id in 1..=32 {
        remove(&index, "ch:a", id);
    }
    assert_eq!(index.tree().len(), 1);
    assert_eq!(index.heads().unwrap()[0].1.id, 33);
    remove(&index, "ch:a", 99); // not there: nothing changes
    assert_eq!(ids_of(&index, "ch:a"), (33..=40).collect::<Vec<_>>());
}

#[test]
fn an_old_id_comes_back_in_order_and_a_due_time_moves_in_place() {
    let (_dir, index) = index();
    for id in 50..=90 {
        upsert(&index, "ch:a", id, 0);
    }
    // An admin's retry of a delivery that was dead: it becomes the head again.
    upsert(&index, "ch:a", 3, 500);
    upsert(&index, "ch:a", 60, 900);
    assert_eq!(index.heads().unwrap()[0].1, LaneEntry { id: 3, due_ms: 500 });
    let entries: Vec<LaneEntry> = index.entries_of(b"ch:a").map(Result::unwrap).collect();
    assert_eq!(entries.len(), 42);
    assert_eq!(entries.iter().find(|e| e.id == 60).unwrap().due_ms, 900);
    assert_chunks_sound(&index);
}

#[test]
fn edits_of_one_batch_see_each_other() {
    let (_dir, index) = index();
    upsert(&index, "ch:a", 5, 0);
    let mut edits = LaneEdits::default();
    for id in (6..=80).rev() {
        edits.upsert(&index, b"ch:a", id, id).unwrap();
    }
    edits.remove(&index, b"ch:a", 5).unwrap();
    edits.upsert(&index, b"ch:a", 2, 2).unwrap();
    assert_eq!(ids_of(&index, "ch:a"), vec![5], "nothing written before `write`");
    edits.write(&index).unwrap();
    let mut expected: Vec<u64> = vec![2];
    expected.extend(6..=80);
    assert_eq!(ids_of(&index, "ch:a"), expected);
    assert_chunks_sound(&index);
}

/// Random changes over a few lanes give the same entries as a plain ordered map.
#[test]
fn random_changes_match_a_model() {
    let (_dir, index) = index();
    let mut model: BTreeMap<(String, u64), u64> = BTreeMap::new();
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    for round in 0..3000 {
        let lane = format!("ch:{}", next() % 3);
        let id = next() % 400;
        let mut edits = LaneEdits::default();
        // Some rounds change several entries in one batch.
        for step in 0..(1 + round % 3) {
            let id = id + step;
            if next() % 3 == 0 {
                edits.remove(&index, lane.as_bytes(), id).unwrap();
                model.remove(&(lane.clone(), id));
            } else {
                edits.upsert(&index, lane.as_bytes(), id, round).unwrap();
                model.insert((lane.clone(), id), round);
            }
        }
        edits.write(&index).unwrap();
    }
    for lane in ["ch:0", "ch:1", "ch:2"] {
        let stored: Vec<(u64, u64)> =
            index.entries_of(lane.as_bytes()).map(|e| e.unwrap()).map(|e| (e.id, e.due_ms)).collect();
        let expected: Vec<(u64, u64)> =
            model.iter().filter(|((l, _), _)| l == lane).map(|((_, id), due)| (*id, *due)).collect();
        assert_eq!(stored, expected, "{lane}");
    }
    assert_eq!(index.all().count(), model.len());
    assert_chunks_sound(&index);
}

#[test]
fn a_damaged_chunk_is_an_error_not_a_panic() {
    assert!(decode_chunk(&[1, 2, 3]).is_err());
    assert_eq!(decode_chunk(&[]).unwrap(), vec![]);
}
