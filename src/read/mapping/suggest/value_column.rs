//! The one value column (SPEC §2.4) in a suggestion: a money-like column whose values
//! are amounts on the cash rows and points on the points rows (`100积分` where 奖励方式
//! says 积分) is proposed as `value`, not `amount`, which would refuse every points row.

use super::{Column, Confidence, Outcome};
use crate::read::field::Field;
use crate::read::forms::{self, EnumField};
use crate::read::source::{Cell, Record};
use crate::reward::{BONUS_CASH, BONUS_POINTS};
use crate::text::{counted, echo};

/// What a money-like column holds on the cash rows and on the points rows.
#[derive(Debug, Default)]
pub(super) struct ByBonus {
    /// Values on cash rows, and how many read as amounts.
    cash: u64,
    cash_read: u64,
    /// Values on points rows, how many read as points, and how many carry a points mark.
    points: u64,
    points_read: u64,
    marked: u64,
    /// The first value with a points mark, echoed.
    example: Option<String>,
}

/// The bonus type of a row, read from the column at `bonus` (an empty cell is points, as
/// when the row is imported); `None` for a value that is no bonus type's label.
pub(super) fn row_bonus(record: &Record, bonus: usize) -> Option<i64> {
    match record.cell(bonus) {
        Cell::Empty => Some(BONUS_POINTS),
        Cell::Text(text) if text.trim().is_empty() => Some(BONUS_POINTS),
        Cell::Text(text) => forms::enum_value(EnumField::BonusType, text).ok(),
        Cell::Number(n) => forms::enum_from_number(EnumField::BonusType, n).ok(),
        _ => None,
    }
}

impl ByBonus {
    /// Counts one cell of the column, on a row whose bonus type is `bonus`.
    pub(super) fn observe(&mut self, cell: Cell<'_>, bonus: i64) {
        match (cell, bonus) {
            (Cell::Empty, _) => {}
            (cell, BONUS_CASH) => {
                self.cash += 1;
                let read = match cell {
                    Cell::Text(text) => forms::value_as_amount(text).is_ok(),
                    Cell::Number(n) => forms::amount_from_number(n).is_ok(),
                    _ => false,
                };
                self.cash_read += u64::from(read);
            }
            (cell, BONUS_POINTS) => {
                self.points += 1;
                let read = match cell {
                    Cell::Text(text) => {
                        if forms::points_mark(text).is_some() {
                            self.marked += 1;
                            self.example.get_or_insert_with(|| echo(text));
                        }
                        forms::points(text).is_ok()
                    }
                    Cell::Number(n) => forms::points_from_number(n).is_ok(),
                    _ => false,
                };
                self.points_read += u64::from(read);
            }
            _ => {}
        }
    }

    /// Why the column is the value column, when every value reads as its row's kind
    /// and some rows are points; how sure (a points mark says it plainly).
    fn because(&self, name: &str, bonus_column: &str) -> Option<(Confidence, String)> {
        if self.points == 0 || self.points_read < self.points || self.cash_read < self.cash {
            return None;
        }
        let (confidence, example) = match &self.example {
            Some(example) => (Confidence::Sure, format!(", e.g. {example}")),
            None => (Confidence::Likely, String::new()),
        };
        Some((
            confidence,
            format!(
                "{name} holds amounts on the {} and points on the {}{example}, as {bonus_column} says: one column for both, read by each row's bonus_type (amount alone would refuse the points rows)",
                counted(self.cash, "cash row"),
                counted(self.points, "points row"),
            ),
        ))
    }
}

/// Proposes `value` for the amount column when its values say it is one (see
/// [`ByBonus`]): only when the file has a bonus_type column (read at `bonus`, one value
/// per column in `by_bonus`) and no point_bonus column, which `value` would conflict with.
pub(super) fn propose(columns: &mut [Column], by_bonus: &[ByBonus], bonus: Option<usize>) {
    let Some(bonus) = bonus else {
        return;
    };
    if columns.get(bonus).and_then(Column::field) != Some(Field::BonusType)
        || columns
            .iter()
            .any(|column| column.field() == Some(Field::PointBonus))
    {
        return;
    }
    let bonus_column = columns[bonus].name.clone();
    for (column, seen) in columns.iter_mut().zip(by_bonus) {
        if column.field() != Some(Field::Amount) {
            continue;
        }
        if let Some((confidence, because)) = seen.because(&column.name, &bonus_column) {
            column.outcome = Outcome::Mapped {
                field: Field::Value,
                confidence,
                because,
            };
        }
    }
}
