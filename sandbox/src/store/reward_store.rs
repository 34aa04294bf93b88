//! The rewards the sandbox holds, compact enough for millions: each body is packed
//! ([`packed`](super::packed)) into a shared [`Arena`], found by id through a sorted list of
//! slots and by external_id through a [`KeyIndex`] of hashes that keeps no copy of the key.
//! Counts of repeated receipts are kept only for the external_ids received more than once.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};

use serde::Serialize;

use super::arena::{Addr, Arena};
use super::key_index::KeyIndex;
use super::packed;
use super::symbols::Symbols;
use super::totals::Totals;
use crate::reward_body::RewardBody;

/// A stored reward as the inspection report shows it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct RewardRecord {
    /// The id the import answered with.
    pub id: String,
    /// The idempotency key.
    pub external_id: String,
    /// How many times this external_id has been received (the first import included).
    pub received: u64,
    /// The referrer's `user_id` in the directory.
    pub referrer_user_id: String,
    /// The body as first received.
    pub body: RewardBody,
}

/// The store cannot take another reward (over 4 billion imports, or as many arena segments).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the reward store is full")]
pub struct StoreFull;

/// One imported reward: its id and where its packed body is (`None` once deleted; the slot
/// stays so that slot numbers, which the key index holds, never change).
#[derive(Debug, Clone, Copy)]
struct Slot {
    id: u64,
    at: Option<Addr>,
}

/// The rewards, by id and by external_id. `S` hashes external_ids (tests pass one that
/// makes them collide).
#[derive(Debug, Clone, Default)]
pub struct RewardStore<S = RandomState> {
    /// In id order, which is import order: ids come from an increasing counter.
    slots: Vec<Slot>,
    arena: Arena,
    symbols: Symbols,
    by_external: KeyIndex,
    hasher: S,
    /// Receipts of a stored reward's external_id, by id, when more than one.
    repeats: HashMap<u64, u64>,
    /// Receipts of the external_id of a deleted reward, kept for its next import.
    received_before_delete: HashMap<Box<str>, u64>,
    totals: HashMap<usize, Totals>,
    stored: usize,
    receipts: u64,
    deleted: u64,
}

impl<S: BuildHasher> RewardStore<S> {
    /// An empty store that hashes external_ids with `hasher`.
    pub fn with_hasher(hasher: S) -> Self {
        RewardStore {
            slots: Vec::new(),
            arena: Arena::default(),
            symbols: Symbols::default(),
            by_external: KeyIndex::default(),
            hasher,
            repeats: HashMap::new(),
            received_before_delete: HashMap::new(),
            totals: HashMap::new(),
            stored: 0,
            receipts: 0,
            deleted: 0,
        }
    }

    /// Stores a reward unless its external_id is already stored; either way counts the
    /// receipt and returns the reward's id. `new_id` must give an id not given before
    /// (ids that do not increase are kept in order, at a cost).
    pub fn import(
        &mut self,
        body: RewardBody,
        employee: usize,
        new_id: impl FnOnce() -> u64,
    ) -> Result<u64, StoreFull> {
        let hash = self.hasher.hash_one(body.external_id.as_str());
        if let Some(slot) = self.find(hash, &body.external_id) {
            self.receipts += 1;
            let id = self.slots[slot].id;
            *self.repeats.entry(id).or_insert(1) += 1;
            return Ok(id);
        }
        // The key index names slots by u32, one value of which it keeps for "empty".
        if self.slots.len() >= u32::MAX as usize - 1 {
            return Err(StoreFull);
        }
        let mut record = Vec::with_capacity(64);
        packed::encode(&body, employee, &mut self.symbols, &mut record);
        let at = self.arena.push(&record).map_err(|_| StoreFull)?;
        self.receipts += 1;
        let id = new_id();
        let before = self
            .received_before_delete
            .remove(body.external_id.as_str())
            .unwrap_or(0);
        if before > 0 {
            self.repeats.insert(id, before + 1);
        }
        self.totals.entry(employee).or_default().add(&body, 1);
        let slot = Slot { id, at: Some(at) };
        let position = if self.slots.last().is_none_or(|last| last.id < id) {
            self.slots.push(slot);
            self.slots.len() - 1
        } else {
            let position = self.slots.partition_point(|s| s.id <= id);
            self.slots.insert(position, slot);
            self.by_external.shift_slots_from(slot_number(position));
            position
        };
        self.by_external.insert(hash, slot_number(position));
        self.stored += 1;
        Ok(id)
    }

    /// The slot of the stored reward whose external_id is `key`.
    fn find(&self, hash: u64, key: &str) -> Option<usize> {
        let slot = self.by_external.find(hash, |slot| {
            self.slots
                .get(slot as usize)
                .and_then(|s| s.at)
                .and_then(|at| self.arena.from(at))
                .and_then(|bytes| packed::external_id(bytes, &self.symbols).ok())
                .is_some_and(|stored| stored.is(key))
        })?;
        Some(slot as usize)
    }

    /// The body and referrer index of a stored slot.
    fn unpack(&self, at: Addr) -> Option<(RewardBody, usize)> {
        let bytes = self.arena.from(at)?;
        packed::decode(bytes, &self.symbols).ok()
    }

    /// Removes a reward; false when no reward has that id.
    pub fn delete(&mut self, id: u64) -> bool {
        let first = self.slots.partition_point(|s| s.id < id);
        let Some(position) = (first..self.slots.len())
            .take_while(|&p| self.slots[p].id == id)
            .find(|&p| self.slots[p].at.is_some())
        else {
            return false;
        };
        let Some(at) = self.slots[position].at.take() else {
            return false;
        };
        match self.unpack(at) {
            Some((body, employee)) => {
                if let Some(totals) = self.totals.get_mut(&employee) {
                    totals.add(&body, -1);
                }
                let hash = self.hasher.hash_one(body.external_id.as_str());
                self.by_external.remove(hash, slot_number(position));
                let received = self.repeats.remove(&id).unwrap_or(1);
                self.received_before_delete
                    .insert(body.external_id.into_boxed_str(), received);
            }
            // Cannot happen (the store decodes only what it encoded); the slot is gone
            // either way, and its stale index entry never matches an empty slot.
            None => tracing::error!("sandbox: reward {id} did not decode; deleted anyway"),
        }
        self.stored -= 1;
        self.deleted += 1;
        true
    }

    /// A referrer's totals.
    pub fn totals(&self, employee: usize) -> Totals {
        self.totals.get(&employee).cloned().unwrap_or_default()
    }

    /// Rewards stored now.
    pub fn len(&self) -> usize {
        self.stored
    }

    /// True when no reward is stored.
    pub fn is_empty(&self) -> bool {
        self.stored == 0
    }

    /// Valid import requests received, repeats included.
    pub fn receipts(&self) -> u64 {
        self.receipts
    }

    /// Rewards deleted.
    pub fn deleted(&self) -> u64 {
        self.deleted
    }

    /// Every stored reward, oldest first, each with its referrer's directory index (the
    /// record's `referrer_user_id` is left for the caller to fill in).
    pub fn records(&self) -> Vec<(RewardRecord, usize)> {
        self.slots
            .iter()
            .filter_map(|slot| {
                let Some((body, employee)) = slot.at.and_then(|at| self.unpack(at)) else {
                    if slot.at.is_some() {
                        // Cannot happen: the store decodes only what it encoded.
                        tracing::error!("sandbox: reward {} did not decode", slot.id);
                    }
                    return None;
                };
                let record = RewardRecord {
                    id: slot.id.to_string(),
                    external_id: body.external_id.clone(),
                    received: self.repeats.get(&slot.id).copied().unwrap_or(1),
                    referrer_user_id: String::new(),
                    body,
                };
                Some((record, employee))
            })
            .collect()
    }
}

/// A slot position as the key index holds it; `import` keeps positions below `u32::MAX`.
fn slot_number(position: usize) -> u32 {
    u32::try_from(position).unwrap_or(u32::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::hash::{BuildHasherDefault, Hasher};

    use rand::rngs::StdRng;
    use rand::{Rng, SeedableRng};

    use super::*;
    use crate::reward_body::{Amount, Bonus, Cash};

    /// A hasher that gives every key the same hash: only the key comparison tells them apart.
    #[derive(Debug, Clone, Default)]
    struct Collide;

    impl Hasher for Collide {
        fn finish(&self) -> u64 {
            0x0123_4567_89ab_cdef
        }
        fn write(&mut self, _: &[u8]) {}
    }

    type Colliding = RewardStore<BuildHasherDefault<Collide>>;

    fn body(external_id: &str, stage: i64, cash: Option<&str>) -> RewardBody {
        RewardBody {
            referral_user_id: "ou_8fe08882a7ae1007efe66632ce51f7a2".into(),
            create_user_id: None,
            confirm_user_id: None,
            pay_user_id: None,
            external_id: external_id.into(),
            application_id: Some("7214000000000000001".into()),
            talent_id: None,
            job_id: None,
            reason: Some("入职".into()),
            rule_type: 1,
            bonus: match cash {
                None => Bonus {
                    bonus_type: 1,
                    point_bonus: Some(100),
                    cash: None,
                },
                Some(amount) => Bonus {
                    bonus_type: 2,
                    point_bonus: None,
                    cash: Some(Cash {
                        currency_type: "CNY".into(),
                        amount: Amount::new(amount.parse().unwrap()),
                    }),
                },
            },
            stage,
            create_time: Some("1704720275000".into()),
            confirm_time: None,
            pay_time: None,
            onboard_time: None,
            conversion_time: None,
            comment: None,
        }
    }

    /// Ids as `AppState::new_id` gives them.
    struct Ids(u64);

    impl Ids {
        fn next(&mut self) -> impl FnOnce() -> u64 + '_ {
            || {
                self.0 += 1;
                self.0
            }
        }
    }

    fn summary<S: BuildHasher>(store: &RewardStore<S>) -> Vec<(String, String, u64, usize)> {
        store
            .records()
            .into_iter()
            .map(|(r, employee)| (r.id, r.external_id, r.received, employee))
            .collect()
    }

    #[test]
    fn an_external_id_is_stored_once_with_its_first_body() {
        let mut store: RewardStore = RewardStore::default();
        let mut ids = Ids(100);
        let first = store.import(body("A", 2, None), 0, ids.next()).unwrap();
        let mut changed = body("A", 3, Some("5"));
        changed.comment = Some("later".into());
        assert_eq!(store.import(changed, 1, ids.next()), Ok(first));
        assert_eq!(store.len(), 1);
        assert_eq!(store.receipts(), 2);
        let records = store.records();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].0.body, body("A", 2, None));
        assert_eq!(records[0].0.received, 2);
        assert_eq!(records[0].1, 0);
        // The second body counted nothing.
        assert_eq!(store.totals(0).confirmed.points, 100);
        assert_eq!(store.totals(1), Totals::default());
    }

    #[test]
    fn receipts_count_across_delete_and_reimport() {
        let mut store: RewardStore = RewardStore::default();
        let mut ids = Ids(0);
        let a = store.import(body("A", 1, None), 0, ids.next()).unwrap();
        store.import(body("A", 1, None), 0, ids.next()).unwrap();
        let b = store.import(body("B", 1, None), 0, ids.next()).unwrap();
        assert!(store.delete(a));
        assert!(!store.delete(a));
        assert!(!store.delete(999));
        assert_eq!((store.len(), store.deleted()), (1, 1));
        let again = store.import(body("A", 1, None), 0, ids.next()).unwrap();
        assert_ne!(again, a);
        assert_eq!(
            summary(&store),
            [
                (b.to_string(), "B".to_owned(), 1, 0),
                (again.to_string(), "A".to_owned(), 3, 0)
            ]
        );
        assert!(store.delete(b));
        assert!(store.delete(again));
        assert!(store.is_empty());
        assert_eq!(store.receipts(), 4);
    }

    #[test]
    fn totals_follow_imports_and_deletes() {
        let mut store: RewardStore = RewardStore::default();
        let mut ids = Ids(0);
        let confirmed = store.import(body("P", 2, None), 7, ids.next()).unwrap();
        store
            .import(body("C1", 3, Some("100.5")), 7, ids.next())
            .unwrap();
        let paid = store
            .import(body("C2", 3, Some("0.5")), 7, ids.next())
            .unwrap();
        store
            .import(body("pending", 1, Some("9")), 7, ids.next())
            .unwrap();
        let totals = store.totals(7);
        assert_eq!(totals.confirmed.points, 100);
        assert_eq!(totals.paid.cash["CNY"], "101".parse().unwrap());
        assert!(store.delete(confirmed));
        assert!(store.delete(paid));
        let totals = store.totals(7);
        assert_eq!(totals.confirmed.points, 0);
        assert_eq!(totals.paid.cash["CNY"], "100.5".parse().unwrap());
    }

    #[test]
    fn colliding_hashes_never_merge_two_external_ids() {
        let mut store = Colliding::default();
        let mut ids = Ids(0);
        let keys: Vec<String> = (0..200).map(|i| format!("E{i}")).collect();
        let first: Vec<u64> = keys
            .iter()
            .map(|k| store.import(body(k, 1, None), 0, ids.next()).unwrap())
            .collect();
        assert_eq!(store.len(), keys.len());
        for (k, id) in keys.iter().zip(&first) {
            assert_eq!(store.import(body(k, 1, None), 0, ids.next()), Ok(*id));
        }
        for id in first.iter().step_by(2) {
            assert!(store.delete(*id));
        }
        for (i, (k, id)) in keys.iter().zip(&first).enumerate() {
            let again = store.import(body(k, 1, None), 0, ids.next()).unwrap();
            assert_eq!(again == *id, i % 2 == 1, "{k}");
        }
        assert_eq!(store.len(), keys.len());
        assert!(
            summary(&store)
                .iter()
                .all(|(_, _, received, _)| *received == 3)
        );
    }

    #[test]
    fn numeric_external_ids_are_not_confused_with_their_spellings() {
        let mut store: RewardStore = RewardStore::default();
        let mut ids = Ids(0);
        let keys = ["12", "012", "12 ", "０12", "1.2e1"];
        for key in keys {
            store.import(body(key, 1, None), 0, ids.next()).unwrap();
        }
        assert_eq!(store.len(), keys.len());
    }

    #[test]
    fn ids_that_do_not_increase_are_still_listed_in_order_and_found() {
        let mut store = Colliding::default();
        for (key, id) in [("A", 50), ("B", 10), ("C", 30), ("D", 60)] {
            assert_eq!(store.import(body(key, 1, None), 0, || id), Ok(id));
        }
        let listed: Vec<_> = summary(&store).into_iter().map(|r| r.1).collect();
        assert_eq!(listed, ["B", "C", "A", "D"]);
        for (key, id) in [("A", 50), ("B", 10), ("C", 30), ("D", 60)] {
            assert_eq!(store.import(body(key, 1, None), 0, || 0), Ok(id));
        }
        assert!(store.delete(30));
        assert_eq!(store.len(), 3);
    }

    /// The store as it was before it was packed: the behaviour to keep.
    #[derive(Default)]
    struct Model {
        by_id: BTreeMap<u64, (RewardBody, usize)>,
        by_external: HashMap<String, u64>,
        received: HashMap<String, u64>,
        totals: HashMap<usize, Totals>,
        receipts: u64,
        deleted: u64,
    }

    impl Model {
        fn import(&mut self, body: RewardBody, employee: usize, id: u64) -> u64 {
            self.receipts += 1;
            *self.received.entry(body.external_id.clone()).or_default() += 1;
            if let Some(&id) = self.by_external.get(&body.external_id) {
                return id;
            }
            self.totals.entry(employee).or_default().add(&body, 1);
            self.by_external.insert(body.external_id.clone(), id);
            self.by_id.insert(id, (body, employee));
            id
        }

        fn delete(&mut self, id: u64) -> bool {
            let Some((body, employee)) = self.by_id.remove(&id) else {
                return false;
            };
            self.by_external.remove(&body.external_id);
            if let Some(totals) = self.totals.get_mut(&employee) {
                totals.add(&body, -1);
            }
            self.deleted += 1;
            true
        }

        fn records(&self) -> Vec<(RewardRecord, usize)> {
            self.by_id
                .iter()
                .map(|(id, (body, employee))| {
                    let record = RewardRecord {
                        id: id.to_string(),
                        external_id: body.external_id.clone(),
                        received: self.received[&body.external_id],
                        referrer_user_id: String::new(),
                        body: body.clone(),
                    };
                    (record, *employee)
                })
                .collect()
        }
    }

    fn behaves_like_the_model<S: BuildHasher>(mut store: RewardStore<S>, seed: u64) {
        let mut rng = StdRng::seed_from_u64(seed);
        let mut model = Model::default();
        let mut next = 7_300_000_000_000_000_001;
        let mut given = Vec::new();
        for step in 0..3000 {
            if rng.random_bool(0.7) {
                let key = format!("K{}", rng.random_range(0..300));
                let stage = rng.random_range(1..=3);
                let cash = rng.random_bool(0.5).then(|| {
                    format!(
                        "{}.{:02}",
                        rng.random_range(0..500),
                        rng.random_range(0..100)
                    )
                });
                let mut b = body(&key, stage, cash.as_deref());
                b.comment = rng.random_bool(0.3).then(|| format!("备注 {step}"));
                let employee = rng.random_range(0..4);
                let expected = model.import(b.clone(), employee, next);
                let got = store.import(b, employee, || next).unwrap();
                assert_eq!(got, expected, "step {step}");
                if got == next {
                    given.push(next);
                    next += rng.random_range(1..3);
                }
            } else if !given.is_empty() {
                let id = given[rng.random_range(0..given.len())];
                assert_eq!(store.delete(id), model.delete(id), "step {step}");
            }
        }
        assert_eq!(store.records(), model.records());
        assert_eq!(store.len(), model.by_id.len());
        assert_eq!(store.receipts(), model.receipts);
        assert_eq!(store.deleted(), model.deleted);
        for employee in 0..5 {
            assert_eq!(
                store.totals(employee),
                model.totals.get(&employee).cloned().unwrap_or_default()
            );
        }
    }

    #[test]
    fn imports_and_deletes_behave_as_the_unpacked_store_did() {
        behaves_like_the_model(RewardStore::<RandomState>::default(), 1);
        behaves_like_the_model(Colliding::default(), 2);
    }
}
