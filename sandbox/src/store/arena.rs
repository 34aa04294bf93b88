//! Append-only bytes in fixed-size segments. A single growing `Vec` would double its
//! capacity and copy everything at each step, so holding N bytes could briefly take 3N;
//! segments are allocated once at their final size and never move.

use std::num::NonZeroU32;

/// Bytes per segment.
pub const SEGMENT: usize = 1 << 20;

/// Where a record starts: its segment (counted from 1, so that `Option<Addr>` takes no
/// more room than `Addr`) and its offset there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Addr {
    segment: NonZeroU32,
    offset: u32,
}

/// Records appended one after another; each stays where it was put.
#[derive(Debug, Clone, Default)]
pub struct Arena {
    segments: Vec<Vec<u8>>,
}

/// The arena cannot address more records: 2^32 - 1 segments are in use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the sandbox's reward arena is full")]
pub struct Full;

impl Arena {
    /// Appends `record` whole to one segment (a new one when it does not fit in the last;
    /// one of its own when it is larger than a segment).
    pub fn push(&mut self, record: &[u8]) -> Result<Addr, Full> {
        // Only a shared segment takes more records, so offsets stay below SEGMENT.
        let fits = self
            .segments
            .last()
            .is_some_and(|last| last.len() + record.len() <= SEGMENT);
        if !fits {
            // Checked before the segment is added, so a refused record changes nothing.
            u32::try_from(self.segments.len() + 1).map_err(|_| Full)?;
            self.segments
                .push(Vec::with_capacity(record.len().max(SEGMENT)));
        }
        let number = u32::try_from(self.segments.len()).map_err(|_| Full)?;
        let segment = NonZeroU32::new(number).ok_or(Full)?;
        let last = self.segments.last_mut().ok_or(Full)?;
        let offset = u32::try_from(last.len()).map_err(|_| Full)?;
        last.extend_from_slice(record);
        Ok(Addr { segment, offset })
    }

    /// The bytes from `addr` to the end of its segment: the record there, then whatever
    /// follows it. `None` for an address this arena did not give.
    pub fn from(&self, addr: Addr) -> Option<&[u8]> {
        let index = usize::try_from(addr.segment.get()).ok()?.checked_sub(1)?;
        let segment = self.segments.get(index)?;
        segment.get(usize::try_from(addr.offset).ok()?..)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_stay_whole_and_in_place() {
        let mut arena = Arena::default();
        let small = arena.push(b"abc").unwrap();
        let filler = vec![7u8; SEGMENT - 4];
        let near_end = arena.push(&filler).unwrap();
        // Two bytes do not fit in the one left: a new segment.
        let spill = arena.push(b"de").unwrap();
        let huge = vec![9u8; SEGMENT * 2 + 1];
        let own = arena.push(&huge).unwrap();
        let after = arena.push(b"f").unwrap();
        assert!(arena.from(small).unwrap().starts_with(b"abc"));
        assert_eq!(arena.from(near_end).unwrap(), &filler[..]);
        assert_eq!(arena.from(spill).unwrap(), b"de");
        assert_eq!(arena.from(own).unwrap(), &huge[..]);
        assert_eq!(arena.from(after).unwrap(), b"f");
        assert_ne!(spill.segment, small.segment);
        assert_eq!(after.segment.get(), own.segment.get() + 1);
        let stored: usize = arena.segments.iter().map(Vec::len).sum();
        assert_eq!(stored, 3 + filler.len() + 2 + huge.len() + 1);
        let foreign = Addr {
            segment: NonZeroU32::MIN.saturating_add(8),
            offset: 0,
        };
        assert_eq!(arena.from(foreign), None);
    }
}
