//! Finds a stored record by its key through the key's 64-bit hash, holding only a slot
//! number and 32 bits of the hash per record (no copy of the key). Equal hash bits do not
//! make equal keys: the caller's `is_key` compares the key itself, so two keys are never
//! taken for one.
//!
//! Open addressing with linear probing; a removal shifts the records after it back, so no
//! tombstones pile up.

/// Slots a table of this many buckets holds at most before it grows (three quarters).
fn max_load(buckets: usize) -> usize {
    buckets / 4 * 3
}

const FIRST_BUCKETS: usize = 16;

/// Slot numbers by key hash.
#[derive(Debug, Clone, Default)]
pub struct KeyIndex {
    /// 0 for an empty bucket, else the hash's high 32 bits above the slot number plus one.
    buckets: Vec<u64>,
    len: usize,
}

/// The hash bits kept: the high half, which also picks the bucket.
fn tag(hash: u64) -> u32 {
    (hash >> 32) as u32
}

fn bucket(tag: u32, slot: u32) -> u64 {
    (u64::from(tag) << 32) | (u64::from(slot) + 1)
}

/// The slot a full bucket names.
fn slot_of(bucket: u64) -> u32 {
    // The low half holds slot + 1 ≥ 1, so this cannot wrap.
    (bucket as u32).wrapping_sub(1)
}

fn tag_of(bucket: u64) -> u32 {
    (bucket >> 32) as u32
}

impl KeyIndex {
    fn mask(&self) -> usize {
        self.buckets.len() - 1
    }

    fn home(&self, tag: u32) -> usize {
        tag as usize & self.mask()
    }

    /// The slot whose key hashes to `hash` and for which `is_key` says yes.
    pub fn find(&self, hash: u64, mut is_key: impl FnMut(u32) -> bool) -> Option<u32> {
        if self.buckets.is_empty() {
            return None;
        }
        let tag = tag(hash);
        let mut at = self.home(tag);
        loop {
            let b = self.buckets[at];
            if b == 0 {
                return None;
            }
            if tag_of(b) == tag && is_key(slot_of(b)) {
                return Some(slot_of(b));
            }
            at = (at + 1) & self.mask();
        }
    }

    /// Indexes `slot` under `hash`. The slot must be below `u32::MAX` and its key not
    /// indexed yet (look it up first).
    pub fn insert(&mut self, hash: u64, slot: u32) {
        debug_assert!(
            slot < u32::MAX,
            "slot + 1 must fit in the bucket's low half"
        );
        if self.len + 1 > max_load(self.buckets.len()) {
            self.grow();
        }
        self.place(bucket(tag(hash), slot));
        self.len += 1;
    }

    /// Puts a full bucket in the first free place from its home.
    fn place(&mut self, b: u64) {
        let mut at = self.home(tag_of(b));
        while self.buckets[at] != 0 {
            at = (at + 1) & self.mask();
        }
        self.buckets[at] = b;
    }

    fn grow(&mut self) {
        let size = (self.buckets.len() * 2).max(FIRST_BUCKETS);
        let old = std::mem::replace(&mut self.buckets, vec![0; size]);
        for b in old.into_iter().filter(|&b| b != 0) {
            self.place(b);
        }
    }

    /// Stops indexing `slot` under `hash`; false when it was not.
    pub fn remove(&mut self, hash: u64, slot: u32) -> bool {
        let wanted = bucket(tag(hash), slot);
        let Some(mut hole) = self.position(wanted) else {
            return false;
        };
        self.buckets[hole] = 0;
        self.len -= 1;
        // Shift back the buckets after the hole that would no longer be found past it.
        let mut at = (hole + 1) & self.mask();
        while self.buckets[at] != 0 {
            let home = self.home(tag_of(self.buckets[at]));
            // Distances from home, around the end of the table.
            let from_home_to_at = at.wrapping_sub(home) & self.mask();
            let from_home_to_hole = hole.wrapping_sub(home) & self.mask();
            if from_home_to_hole < from_home_to_at {
                self.buckets[hole] = self.buckets[at];
                self.buckets[at] = 0;
                hole = at;
            }
            at = (at + 1) & self.mask();
        }
        true
    }

    fn position(&self, wanted: u64) -> Option<usize> {
        if self.buckets.is_empty() {
            return None;
        }
        let mut at = self.home(tag_of(wanted));
        loop {
            match self.buckets[at] {
                0 => return None,
                b if b == wanted => return Some(at),
                _ => at = (at + 1) & self.mask(),
            }
        }
    }

    /// Adds one to every slot number from `first` on (a record was inserted before them).
    pub fn shift_slots_from(&mut self, first: u32) {
        for b in self.buckets.iter_mut().filter(|b| **b != 0) {
            if slot_of(*b) >= first {
                *b += 1;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Checks that each live key is found at its slot (its index in `keys`) and no other.
    fn check(index: &KeyIndex, keys: &[(u64, &str)], hash: impl Fn(&str) -> u64, live: &[bool]) {
        for (slot, (_, key)) in keys.iter().enumerate() {
            let found = index.find(hash(key), |s| {
                keys[s as usize].1 == *key && live[s as usize]
            });
            let expected = live[slot].then_some(slot as u32);
            assert_eq!(found, expected, "{key}");
        }
    }

    #[test]
    fn finds_every_key_through_growth_and_removals() {
        let fixed = |key: &str| {
            use std::hash::{DefaultHasher, Hash, Hasher};
            let mut h = DefaultHasher::new();
            key.hash(&mut h);
            h.finish()
        };
        let names: Vec<String> = (0..1000).map(|i| format!("key-{i}")).collect();
        let keys: Vec<(u64, &str)> = names.iter().map(|n| (fixed(n), n.as_str())).collect();
        let mut index = KeyIndex::default();
        for (slot, (h, _)) in keys.iter().enumerate() {
            index.insert(*h, slot as u32);
        }
        let mut live = vec![true; keys.len()];
        check(&index, &keys, fixed, &live);
        for slot in (0..keys.len()).step_by(3) {
            assert!(index.remove(keys[slot].0, slot as u32));
            assert!(!index.remove(keys[slot].0, slot as u32));
            live[slot] = false;
        }
        assert_eq!(index.len, live.iter().filter(|l| **l).count());
        check(&index, &keys, fixed, &live);
    }

    #[test]
    fn colliding_hashes_are_told_apart_by_the_key() {
        // Every key has the same hash: only `is_key` tells them apart, and removals in any
        // order keep the rest findable.
        let same = |_: &str| 0xdead_beef_0000_0001;
        let names: Vec<String> = (0..40).map(|i| format!("k{i}")).collect();
        let keys: Vec<(u64, &str)> = names.iter().map(|n| (same(n), n.as_str())).collect();
        let mut index = KeyIndex::default();
        for slot in 0..keys.len() {
            assert_eq!(
                index.find(same(keys[slot].1), |s| keys[s as usize].1 == keys[slot].1),
                None
            );
            index.insert(same(keys[slot].1), slot as u32);
        }
        let mut live = vec![true; keys.len()];
        check(&index, &keys, same, &live);
        for slot in [5, 0, 39, 17, 18, 1] {
            assert!(index.remove(same(keys[slot].1), slot as u32));
            live[slot] = false;
            check(&index, &keys, same, &live);
        }
    }

    #[test]
    fn removal_keeps_wrapped_runs_findable() {
        // Hashes whose home is the table's last bucket, so their run wraps to the start.
        let mut index = KeyIndex::default();
        let last_home = |n: u64| ((FIRST_BUCKETS as u64 - 1) << 32) | n;
        for slot in 0..4 {
            index.insert(last_home(u64::from(slot)), slot);
        }
        assert!(index.remove(last_home(0), 0));
        for slot in 1..4 {
            assert_eq!(
                index.find(last_home(u64::from(slot)), |s| s == slot),
                Some(slot)
            );
        }
    }

    #[test]
    fn slots_shift_after_an_insertion() {
        let mut index = KeyIndex::default();
        index.insert(1 << 32, 0);
        index.insert(2 << 32, 1);
        index.shift_slots_from(1);
        assert_eq!(index.find(1 << 32, |_| true), Some(0));
        assert_eq!(index.find(2 << 32, |_| true), Some(2));
    }
}
