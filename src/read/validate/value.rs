//! The value column of a row (SPEC §2.4): read as the amount on a cash row and as the
//! points on a points row, each exactly as its own column would be, with the reading
//! always explained (which one applied is what a user checks first).

use super::{Cells, Got, TAKES_AMOUNT, TAKES_NUMBER};
use crate::read::field::Field;
use crate::read::forms::{self, Amount};
use crate::read::source::Cell;

impl Cells<'_> {
    /// The value column of a cash row, as its amount.
    pub(super) fn value_as_amount(&mut self) -> Got<Amount> {
        let read = match self.value(Field::Value).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::value_as_amount(text),
            Cell::Number(n) => forms::amount_from_number(n).map(|value| Amount {
                value,
                currency: None,
            }),
            cell => return self.wrong_kind(Field::Value, cell, TAKES_AMOUNT),
        };
        match read {
            Ok(amount) => {
                self.explain(
                    Field::Value,
                    || amount.value.to_string(),
                    Some("as amount: the row is cash".to_owned()),
                );
                Got::Value(amount)
            }
            Err(violation) => self.violation(Field::Value, violation),
        }
    }

    /// The value column of a points row, as its point_bonus; `bonus_type_empty`: the row
    /// is points because its bonus_type is empty.
    pub(super) fn value_as_points(&mut self, bonus_type_empty: bool) -> Got<i64> {
        let read = match self.value(Field::Value).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::value_as_points(text, bonus_type_empty),
            Cell::Number(n) => forms::points_from_number(n),
            cell => return self.wrong_kind(Field::Value, cell, TAKES_NUMBER),
        };
        match read {
            Ok(points) => {
                let how = if bonus_type_empty {
                    "as points: the row's bonus_type is empty, which means points"
                } else {
                    "as points: the row is points"
                };
                self.explain(Field::Value, || points.to_string(), Some(how.to_owned()));
                Got::Value(points)
            }
            Err(violation) => self.violation(Field::Value, violation),
        }
    }
}
