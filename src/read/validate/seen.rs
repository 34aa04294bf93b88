//! The first line of every external_id met so far, in bounded memory, for the in-file
//! duplicate check (SPEC §2): a file of ten million rows must not cost ten million entries
//! of RAM.
//!
//! Ids are kept as 64-bit hashes (a false "duplicate" needs a collision: about 1 in 10^7
//! for a million-row file, 1 in 10^5 for a hundred million, and it is reported, never
//! silent). The newest go into an in-memory table; when it is full, its entries are sorted
//! and spilled to an anonymous temporary file as one run, with a sparse index (one hash per
//! 4 KiB block) in memory. Every few runs share a blocked Bloom filter (1.5 bytes a hash),
//! sized once and never rebuilt, so memory grows by about 1.5 bytes a row past the table.
//! A hash is stored once, where it was first met, so a lookup asks the table, then each
//! filter, and reads a block of a run only when a filter says the hash may be there: for a
//! true duplicate, or about 1 row in 150 of a file past the table's size.

use std::fs::File;
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

/// Entries the in-memory table holds before it spills: a 2^19-slot table seven eighths
/// full (about 9 MB).
const TABLE_ENTRIES: usize = 458_752;

/// Runs per filter.
const RUNS_PER_FILTER: usize = 4;

/// Entries per block of a spilled run: 4 KiB, one read.
const BLOCK: usize = 256;

/// Bytes per spilled entry: the hash and the line, little-endian.
const ENTRY: usize = 16;

/// Filter bits per spilled hash (6 bits of one 512-bit block set per hash: about 1 false
/// "maybe" in 150 per filter).
const BITS_PER_HASH: usize = 12;

/// Where the first occurrences are.
#[derive(Debug)]
pub struct Seen {
    /// The newest hashes, with their lines.
    table: Table,
    /// How many entries the table holds before it spills.
    capacity: usize,
    /// The spilled runs, oldest first, a few to a filter.
    groups: Vec<Group>,
    /// The file the runs are in, created on the first spill.
    file: Option<File>,
    /// Where that file goes: the system's temporary directory (`$TMPDIR`).
    dir: PathBuf,
}

/// Runs that share a filter.
#[derive(Debug)]
struct Group {
    /// Every hash of the runs.
    filter: Bloom,
    runs: Vec<Run>,
}

/// One sorted run in the spill file.
#[derive(Debug)]
struct Run {
    /// Where it starts in the file.
    offset: u64,
    /// Its entries.
    len: usize,
    /// The first hash of each block.
    firsts: Vec<u64>,
}

/// Why the duplicate check could not go on.
#[derive(Debug, thiserror::Error)]
#[error(
    "cannot use the duplicate check's temporary file in {dir}: {source}; free some space there, or set TMPDIR to a directory that has it"
)]
pub struct SpillError {
    /// The directory.
    pub dir: String,
    /// What the system said.
    pub source: io::Error,
}

impl Default for Seen {
    fn default() -> Self {
        Seen::with_capacity(TABLE_ENTRIES)
    }
}

impl Seen {
    /// An index whose table holds `capacity` entries before it spills (tests spill early).
    pub fn with_capacity(capacity: usize) -> Seen {
        Seen {
            table: Table::new(),
            capacity: capacity.max(1),
            groups: Vec::new(),
            file: None,
            dir: std::env::temp_dir(),
        }
    }

    /// Spills go to `dir` instead of the system's temporary directory.
    #[cfg(test)]
    fn spilling_to(mut self, dir: PathBuf) -> Seen {
        self.dir = dir;
        self
    }

    /// The line `hash` was first met on, or None (and it is remembered as met on `line`).
    pub fn first(&mut self, hash: u64, line: u64) -> Result<Option<u64>, SpillError> {
        if self.table.len() >= self.capacity {
            self.spill().map_err(|e| spill_error(&self.dir, e))?;
        }
        // One probe of the table: an empty slot is filled unless a run holds the hash.
        match self.table.find(hash) {
            Ok(first) => Ok(Some(first)),
            Err(slot) => {
                let spilled = find_spilled(&mut self.file, &self.groups, hash)
                    .map_err(|e| spill_error(&self.dir, e))?;
                if spilled.is_none() {
                    self.table.insert_at(slot, hash, line);
                }
                Ok(spilled)
            }
        }
    }

    /// Reads the memory `hash`'s lookup will touch, so that the lookups of a batch of rows
    /// wait for memory together rather than one after another.
    pub fn warm(&self, hash: u64) {
        self.table.warm(hash);
        for group in &self.groups {
            group.filter.warm(hash);
        }
    }

    /// Runs spilled so far.
    #[cfg(test)]
    fn runs(&self) -> usize {
        self.groups.iter().map(|g| g.runs.len()).sum()
    }

    /// Writes the table out as one sorted run and empties it.
    fn spill(&mut self) -> io::Result<()> {
        let mut entries = self.table.drain();
        entries.sort_unstable_by_key(|&(hash, _)| hash);
        if self
            .groups
            .last()
            .is_none_or(|g| g.runs.len() >= RUNS_PER_FILTER)
        {
            self.groups.push(Group {
                filter: Bloom::with_hashes(self.capacity * RUNS_PER_FILTER),
                runs: Vec::with_capacity(RUNS_PER_FILTER),
            });
        }
        // Runs are written one after another: this one starts where the last ended.
        let offset = (self.groups.iter().flat_map(|g| &g.runs))
            .last()
            .map_or(0, |run| run.offset + (run.len * ENTRY) as u64);
        let last = self.groups.len() - 1;
        let group = &mut self.groups[last];
        let file = match &mut self.file {
            Some(file) => file,
            None => self.file.insert(tempfile::tempfile_in(&self.dir)?),
        };
        file.seek(SeekFrom::Start(offset))?;
        let mut out = BufWriter::new(&mut *file);
        let mut firsts = Vec::with_capacity(entries.len().div_ceil(BLOCK));
        for (i, &(hash, line)) in entries.iter().enumerate() {
            if i % BLOCK == 0 {
                firsts.push(hash);
            }
            group.filter.insert(hash);
            out.write_all(&hash.to_le_bytes())?;
            out.write_all(&line.to_le_bytes())?;
        }
        out.flush()?;
        drop(out);
        group.runs.push(Run {
            offset,
            len: entries.len(),
            firsts,
        });
        // The table's memory is kept: it fills again at the same size.
        Ok(())
    }
}

/// The line of `hash` in the runs, reading one block of each run whose filter may hold it.
fn find_spilled(file: &mut Option<File>, groups: &[Group], hash: u64) -> io::Result<Option<u64>> {
    let Some(file) = file else {
        return Ok(None);
    };
    let mut block = [0u8; BLOCK * ENTRY];
    let runs = groups
        .iter()
        .filter(|g| g.filter.may_hold(hash))
        .flat_map(|g| &g.runs);
    for run in runs {
        // The block whose first hash is the last one not above `hash`.
        let b = match run.firsts.partition_point(|&first| first <= hash) {
            0 => continue,
            n => n - 1,
        };
        let start = b * BLOCK;
        let count = BLOCK.min(run.len - start);
        let bytes = &mut block[..count * ENTRY];
        file.seek(SeekFrom::Start(run.offset + (start * ENTRY) as u64))?;
        file.read_exact(bytes)?;
        let found = bytes
            .chunks_exact(ENTRY)
            .map(|e| {
                let (h, l) = e.split_at(8);
                (u64::from_le_bytes(head(h)), u64::from_le_bytes(head(l)))
            })
            .find(|&(h, _)| h == hash);
        if let Some((_, line)) = found {
            return Ok(Some(line));
        }
    }
    Ok(None)
}

/// What to tell the user when the spill file fails.
fn spill_error(dir: &Path, source: io::Error) -> SpillError {
    SpillError {
        dir: dir.display().to_string(),
        source,
    }
}

/// The first 8 bytes of a slice at least that long.
fn head(bytes: &[u8]) -> [u8; 8] {
    let mut out = [0u8; 8];
    out.copy_from_slice(&bytes[..8]);
    out
}

/// Hash → line, open addressing with linear probing (the keys are already hashes: their
/// low bits are the slot). A stored line is kept plus one: 0 marks an empty slot.
#[derive(Debug)]
struct Table {
    slots: Vec<(u64, u64)>,
    len: usize,
}

impl Table {
    fn new() -> Table {
        Table {
            slots: vec![(0, 0); 1024],
            len: 0,
        }
    }

    fn len(&self) -> usize {
        self.len
    }

    fn home(&self, hash: u64) -> usize {
        hash as usize & (self.slots.len() - 1)
    }

    /// The line stored for `hash`, or the empty slot where it would go.
    fn find(&self, hash: u64) -> Result<u64, usize> {
        let mask = self.slots.len() - 1;
        let mut i = self.home(hash);
        loop {
            match self.slots[i] {
                (_, 0) => return Err(i),
                (h, line) if h == hash => return Ok(line - 1),
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Stores `hash` in the empty slot [`Table::find`] gave.
    fn insert_at(&mut self, slot: usize, hash: u64, line: u64) {
        self.slots[slot] = (hash, line.saturating_add(1));
        self.len += 1;
        // Seven eighths full at most: probes stay short.
        if self.len * 8 > self.slots.len() * 7 {
            let size = self.slots.len() * 2;
            let old = std::mem::replace(&mut self.slots, vec![(0, 0); size]);
            for (hash, line) in old.into_iter().filter(|&(_, line)| line != 0) {
                if let Err(slot) = self.find(hash) {
                    self.slots[slot] = (hash, line);
                }
            }
        }
    }

    fn warm(&self, hash: u64) {
        std::hint::black_box(self.slots[self.home(hash)].1);
    }

    /// Every entry as (hash, line), leaving the table empty at its size.
    fn drain(&mut self) -> Vec<(u64, u64)> {
        let mut entries = Vec::with_capacity(self.len);
        for slot in &mut self.slots {
            if slot.1 != 0 {
                entries.push((slot.0, slot.1 - 1));
                *slot = (0, 0);
            }
        }
        self.len = 0;
        entries
    }
}

/// A blocked Bloom filter: every hash sets 6 bits of one 512-bit block (one cache line).
#[derive(Debug)]
struct Bloom {
    blocks: Vec<[u64; 8]>,
}

impl Bloom {
    fn with_hashes(hashes: usize) -> Bloom {
        let blocks = (hashes * BITS_PER_HASH).div_ceil(512).max(1);
        Bloom {
            blocks: vec![[0; 8]; blocks],
        }
    }

    /// The block and the 6 bit positions of `hash` in it.
    fn probe(&self, hash: u64) -> (usize, [u32; 6]) {
        // The high 32 bits pick the block (multiply-shift: any number of blocks).
        let block = ((hash >> 32) * self.blocks.len() as u64) >> 32;
        // The table uses the low bits, the block the high ones: remix for the positions.
        let mut mixed = hash.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let mut bits = [0u32; 6];
        for bit in &mut bits {
            *bit = (mixed & 511) as u32;
            mixed >>= 9;
        }
        (block as usize, bits)
    }

    fn insert(&mut self, hash: u64) {
        let (block, bits) = self.probe(hash);
        let block = &mut self.blocks[block];
        for bit in bits {
            block[(bit / 64) as usize] |= 1 << (bit % 64);
        }
    }

    fn warm(&self, hash: u64) {
        let (block, _) = self.probe(hash);
        std::hint::black_box(self.blocks[block][0]);
    }

    fn may_hold(&self, hash: u64) -> bool {
        let (block, bits) = self.probe(hash);
        let block = &self.blocks[block];
        bits.iter()
            .all(|&bit| block[(bit / 64) as usize] & (1 << (bit % 64)) != 0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{Rng, SeedableRng, rngs::SmallRng};
    use std::collections::HashMap;

    /// Feeds `hashes` in order to `seen` and to a plain map; both must agree on every one.
    fn agree(seen: &mut Seen, hashes: &[u64]) {
        let mut plain: HashMap<u64, u64> = HashMap::new();
        for (i, &hash) in hashes.iter().enumerate() {
            let line = i as u64 + 2;
            let expected = match plain.get(&hash) {
                Some(&first) => Some(first),
                None => {
                    plain.insert(hash, line);
                    None
                }
            };
            assert_eq!(
                seen.first(hash, line).unwrap(),
                expected,
                "hash {hash} at {line}"
            );
        }
    }

    #[test]
    fn duplicates_are_found_in_the_table_and_in_every_spilled_run() {
        let mut rng = SmallRng::seed_from_u64(7);
        let distinct: Vec<u64> = (0..5_000).map(|_| rng.random()).collect();
        // Every hash again later, some three times, in a shuffled order.
        let mut hashes = distinct.clone();
        for _ in 0..4_000 {
            hashes.push(distinct[rng.random_range(0..distinct.len())]);
        }
        let mut seen = Seen::with_capacity(300);
        agree(&mut seen, &hashes);
        assert!(seen.runs() >= 10, "{} runs", seen.runs());
    }

    #[test]
    fn a_small_file_never_spills() {
        let mut seen = Seen::default();
        agree(&mut seen, &[1, 2, 3, 2, 1, 0, u64::MAX, 0]);
        assert_eq!(seen.runs(), 0);
        assert!(seen.file.is_none());
    }

    #[test]
    fn the_first_line_is_kept_across_many_spills() {
        let mut seen = Seen::with_capacity(4);
        assert_eq!(seen.first(42, 2).unwrap(), None);
        for n in 100..10_000u64 {
            assert_eq!(
                seen.first(n.wrapping_mul(0x2545_F491_4F6C_DD1D), n)
                    .unwrap(),
                None
            );
        }
        assert!(seen.runs() > 1000);
        assert_eq!(seen.first(42, 20_000).unwrap(), Some(2));
        assert_eq!(
            seen.first(500u64.wrapping_mul(0x2545_F491_4F6C_DD1D), 20_001)
                .unwrap(),
            Some(500)
        );
    }

    #[test]
    fn a_spill_that_cannot_be_written_says_where_and_what_to_do() {
        let mut seen = Seen::with_capacity(1).spilling_to(PathBuf::from("/nonexistent/rewardsync"));
        seen.first(1, 2).unwrap();
        let err = seen.first(2, 3).unwrap_err().to_string();
        assert!(
            err.starts_with(
                "cannot use the duplicate check's temporary file in /nonexistent/rewardsync: "
            ),
            "{err}"
        );
        assert!(
            err.ends_with("set TMPDIR to a directory that has it"),
            "{err}"
        );
    }

    #[test]
    fn the_filter_says_no_to_most_hashes_it_does_not_hold() {
        let mut rng = SmallRng::seed_from_u64(3);
        let mut filter = Bloom::with_hashes(100_000);
        for _ in 0..100_000 {
            filter.insert(rng.random());
        }
        let false_maybes = (0..100_000)
            .filter(|_| filter.may_hold(rng.random()))
            .count();
        // About 1 in 150 by design; 1 in 50 would make big files read blocks often.
        assert!(
            false_maybes < 2_000,
            "{false_maybes} false maybes in 100,000"
        );
    }
}
