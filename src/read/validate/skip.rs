//! Rows that are not rewards (SPEC §2.4): a totals row (合计, 总计, 小计, 共计, Total,
//! Subtotal, Sum) that names no person or candidate, a note row holding only text in its
//! first cell (制表人：…), rows the mapping's `[skip]` leaves out by a value (作废), and rows
//! hidden in a workbook when the mapping says `hidden_rows = "skip"`. They
//! are skipped and counted with their place, never invalid and never a reason for exit 1.

use std::fmt;

use crate::read::field::Field;
use crate::read::forms::totals::{NotReward, is_empty, not_a_reward};
use crate::read::mapping::{HiddenRows, Mapping};
use crate::read::source::{Record, cell_text};
use crate::text::{self, echo};

/// The columns that name a person or the candidate: a row with one of them filled is a
/// reward, whatever its first cell says.
const NAMING: [Field; 16] = [
    Field::ReferralUserId,
    Field::ReferralUserEmail,
    Field::ReferralUserMobile,
    Field::ApplicationId,
    Field::TalentId,
    Field::TalentEmail,
    Field::TalentMobile,
    Field::CreateUserId,
    Field::CreateUserEmail,
    Field::CreateUserMobile,
    Field::ConfirmUserId,
    Field::ConfirmUserEmail,
    Field::ConfirmUserMobile,
    Field::PayUserId,
    Field::PayUserEmail,
    Field::PayUserMobile,
];

/// Why a row is skipped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Skip {
    /// A totals row; the word, echoed.
    Totals(String),
    /// A note row; its text, echoed.
    Note(String),
    /// Left out by the mapping's `[skip]`: the column, and its value echoed.
    Rule {
        /// The column, as messages name it.
        column: String,
        /// The value, echoed.
        value: String,
    },
    /// Hidden in the workbook (hidden, or filtered out), and the mapping says
    /// `hidden_rows = "skip"`.
    Hidden,
}

impl Skip {
    /// The key reasons are grouped by (and `--json` names).
    pub fn key(&self) -> &'static str {
        match self {
            Skip::Totals(_) => "totals_row",
            Skip::Note(_) => "note_row",
            Skip::Rule { .. } => "skip_rule",
            Skip::Hidden => "hidden_row",
        }
    }

    /// What a summary says of such rows.
    pub fn summary(&self) -> &'static str {
        match self {
            Skip::Totals(_) => "a totals row, not a reward",
            Skip::Note(_) => "a note row (only text in its first cell), not a reward",
            Skip::Rule { .. } => "left out by the mapping's [skip]",
            Skip::Hidden => {
                "hidden in the workbook (hidden_rows = \"skip\" in the mapping leaves it out)"
            }
        }
    }
}

impl fmt::Display for Skip {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Skip::Totals(word) => write!(f, "a totals row ({word}), not a reward"),
            Skip::Note(note) => write!(
                f,
                "a note row ({note}, only text in its first cell), not a reward"
            ),
            Skip::Rule { column, value } => write!(
                f,
                "column {column} is {value}, which the mapping's [skip] leaves out"
            ),
            Skip::Hidden => f.write_str(
                "hidden in the workbook (hidden or filtered out), which hidden_rows = \"skip\" in the mapping leaves out",
            ),
        }
    }
}

/// The reason to skip `record`, if it is not a reward. Called on every row: a data row
/// is told apart by its first cells.
pub fn skip_of(record: &Record, mapping: &Mapping) -> Option<Skip> {
    if record.hidden && mapping.hidden_rows() == HiddenRows::Skip {
        return Some(Skip::Hidden);
    }
    totals_or_note(record, mapping).or_else(|| by_rule(record, mapping))
}

/// A totals row that names no one, or a note row.
fn totals_or_note(record: &Record, mapping: &Mapping) -> Option<Skip> {
    match not_a_reward(record)? {
        NotReward::Totals { at, text } => {
            let names_someone = NAMING.iter().any(|&field| {
                mapping
                    .column_of(field)
                    .is_some_and(|i| i != at && !is_empty(record.cell(i)))
            });
            (!names_someone).then(|| Skip::Totals(echo(text)))
        }
        NotReward::Note(text) => Some(Skip::Note(echo(text))),
    }
}

/// A row the mapping's `[skip]` leaves out by a column's value.
fn by_rule(record: &Record, mapping: &Mapping) -> Option<Skip> {
    mapping.skips().iter().find_map(|rule| {
        let text = cell_text(record.cell(rule.column));
        let value = text::trim(&text).to_lowercase();
        rule.values.contains(&value).then(|| Skip::Rule {
            column: rule.name.clone(),
            value: echo(&text),
        })
    })
}
