//! Which rows of a sheet are hidden in the workbook (hidden by hand, folded in an outline,
//! or filtered out: every format writes those as hidden). calamine does not say, so the
//! guard, which walks every row of the sheet anyway, finds them; the rows are flagged as
//! they are handed out (SPEC §2.4). Kept as runs of rows, not a flag a row: a million-row
//! sheet half filtered out is still a few MiB at most.

use std::collections::VecDeque;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// A sheet's hidden rows, as runs in increasing order; asked about in increasing order too.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(in crate::read::source::workbook) struct Hidden {
    /// (first row, last row), numbered as Excel shows them (from 1), disjoint and sorted.
    runs: VecDeque<(u32, u32)>,
}

impl Hidden {
    /// Rows `first` to `first + count - 1` are hidden. Rows come in sheet order; a run
    /// next to the last one extends it; rows at or before the last one known (a sheet
    /// whose XML repeats a row) add nothing.
    pub(in crate::read::source::workbook) fn add(&mut self, first: u64, count: u64) {
        let (Ok(first), Ok(last)) = (
            u32::try_from(first),
            u32::try_from(first.saturating_add(count.saturating_sub(1))),
        ) else {
            return;
        };
        if count == 0 {
            return;
        }
        match self.runs.back_mut() {
            Some((_, end)) if first <= *end => {}
            Some((_, end)) if first == *end + 1 => *end = last,
            _ => self.runs.push_back((first, last)),
        }
    }

    /// Whether row `row` is hidden; the runs before it are let go (rows are asked about in
    /// sheet order).
    pub(in crate::read::source::workbook) fn take(&mut self, row: u64) -> bool {
        while let Some(&(first, last)) = self.runs.front() {
            if u64::from(last) < row {
                self.runs.pop_front();
                continue;
            }
            return u64::from(first) <= row;
        }
        false
    }

    /// How many runs are held.
    pub(in crate::read::source::workbook) fn runs(&self) -> usize {
        self.runs.len()
    }

    /// Moves the runs of `later` (all after this one's) to the end of this one.
    fn append(&mut self, later: Hidden) {
        for (first, last) in later.runs {
            self.add(u64::from(first), u64::from(last - first) + 1);
        }
    }
}

/// Hidden rows found on one thread (an `.xlsx` sheet's check) for another (calamine's
/// reader), which asks about each row only after the check has read past its start.
#[derive(Debug, Default)]
pub(in crate::read::source::workbook) struct HiddenFeed {
    found: Mutex<Hidden>,
    /// Set when runs were added since the reader last took them: most sheets hide nothing,
    /// and the reader then never takes the lock.
    fresh: AtomicBool,
}

impl HiddenFeed {
    /// Rows `first` to `first + count - 1` are hidden (see [`Hidden::add`]).
    pub(in crate::read::source::workbook) fn add(&self, first: u64, count: u64) {
        self.found
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .add(first, count);
        self.fresh.store(true, Ordering::Release);
    }

    /// Moves what was found since the last call into `into`.
    pub(in crate::read::source::workbook) fn take_into(&self, into: &mut Hidden) {
        if self.fresh.swap(false, Ordering::Acquire) {
            let found = std::mem::take(&mut *self.found.lock().unwrap_or_else(|e| e.into_inner()));
            into.append(found);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runs_merge_and_are_let_go_as_rows_pass() {
        let mut hidden = Hidden::default();
        hidden.add(5, 1);
        hidden.add(9, 2);
        hidden.add(11, 2);
        hidden.add(10, 1); // a repeated row adds nothing
        hidden.add(20, 0);
        assert_eq!(hidden.runs(), 2);
        let asked: Vec<u64> = (1..=15).filter(|&r| hidden.take(r)).collect();
        assert_eq!(asked, [5, 9, 10, 11, 12]);
        assert_eq!(hidden.runs(), 0);
    }

    #[test]
    fn a_feed_hands_over_what_was_found() {
        let feed = HiddenFeed::default();
        let mut local = Hidden::default();
        feed.take_into(&mut local);
        assert!(!local.take(3));
        feed.add(3, 1);
        feed.add(4, 2);
        feed.add(8, 1);
        feed.take_into(&mut local);
        assert_eq!(local.runs(), 2);
        assert!(local.take(5));
        assert!(!local.take(6));
        assert!(local.take(8));
    }
}
