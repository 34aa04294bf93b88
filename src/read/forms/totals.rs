//! The rows of an export that are no rewards, told by their cells alone (SPEC §2.4): a
//! totals row opens with 合计, 总计, 小计, 共计, Total, Subtotal or Sum (a colon after it
//! or not), a note row holds only text in its first cell (制表人：…). Whether a totals
//! row also names someone, which makes it a reward after all, is the caller's to check:
//! only the mapping knows which columns name people.

use crate::read::source::{Cell, Record};
use crate::text;

/// The words that open a totals row, compared without case and without a trailing colon.
const TOTALS: [&str; 7] = ["合计", "总计", "小计", "共计", "total", "subtotal", "sum"];

/// What a row that is no reward is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotReward<'a> {
    /// A totals row: the column of its word, and the word's cell as written.
    Totals {
        /// The column (from 0) of the first non-empty cell.
        at: usize,
        /// That cell's text.
        text: &'a str,
    },
    /// A note row: its text.
    Note(&'a str),
}

/// What `record` is when its cells say it is no reward.
pub fn not_a_reward(record: &Record) -> Option<NotReward<'_>> {
    let (at, first) = (0..record.len())
        .map(|i| (i, record.cell(i)))
        .find(|(_, cell)| !is_empty(*cell))?;
    let Cell::Text(first_text) = first else {
        return None;
    };
    let word = text::trim(first_text).trim_end_matches([':', '：']).trim();
    if TOTALS.iter().any(|t| t.eq_ignore_ascii_case(word)) {
        return Some(NotReward::Totals {
            at,
            text: first_text,
        });
    }
    // Only text in the first column, and text no id or value is written as (a colon, a
    // space or Chinese): a half-filled reward (an external_id alone) stays invalid.
    let note = at == 0
        && first_text
            .trim()
            .chars()
            .any(|c| matches!(c, ':' | '：') || c.is_whitespace() || text::is_cjk_ideograph(c))
        && (1..record.len()).all(|i| is_empty(record.cell(i)));
    note.then_some(NotReward::Note(first_text))
}

/// Nothing in the cell but white space (a number, date or error cell always holds something).
pub fn is_empty(cell: Cell<'_>) -> bool {
    match cell {
        Cell::Empty => true,
        Cell::Text(text) => text::is_blank(text),
        _ => false,
    }
}
