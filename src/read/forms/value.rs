//! The one value column (SPEC §2.4): a legacy 金额 column holding the cash amount on cash
//! rows and the number of points on points rows (`8000`, `100积分`). The row's bonus_type
//! says which reading applies; a value written for the other kind is refused, saying so,
//! rather than read as a number that means something else.

use super::amount::{Amount, amount};
use super::points::{points, points_mark};
use crate::problem::{Rule, Violation};
use crate::text::echo;

/// A value cell of a cash row, read exactly as an amount; a number marked as points
/// (`100积分`, `100 points`) is refused.
pub fn value_as_amount(text: &str) -> Result<Amount, Violation> {
    if let Some(unit) = points_mark(text) {
        return Err(Violation::new(
            Rule::ValueForBonusType,
            format!(
                "{} is marked {unit}, as points are, but this row's bonus_type is 2 (cash), so the value is its amount: write the cash amount without {unit} (e.g. 100 or ¥100.00), or make the row's bonus_type 1 (points)",
                echo(text)
            ),
        ));
    }
    amount(text)
}

/// A value cell of a points row, read exactly as point_bonus; a cash amount (a currency
/// mark, decimals) is refused as one. `bonus_type_empty`: the row is points because its
/// bonus_type is empty, which the message says.
pub fn value_as_points(text: &str, bonus_type_empty: bool) -> Result<i64, Violation> {
    let refused = match points(text) {
        Ok(points) => return Ok(points),
        Err(refused) => refused,
    };
    // Only a value that is a good amount is worth calling one; anything else keeps the
    // points reading's own message.
    let Ok(cash) = amount(text) else {
        return Err(refused);
    };
    let what = if cash.value.fract().is_zero() {
        "is a cash amount (it has a currency mark)"
    } else {
        "has decimals, as a cash amount may and points may not"
    };
    let empty = if bonus_type_empty {
        " (an empty bonus_type means points)"
    } else {
        ""
    };
    Err(Violation::new(
        Rule::ValueForBonusType,
        format!(
            "{} {what}, but this row's bonus_type is 1 (points){empty}, so the value is its number of points: write a whole number of points (e.g. 100 or 100积分), or make the row's bonus_type 2 (cash)",
            echo(text)
        ),
    ))
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;

    use super::*;

    #[test]
    fn a_cash_row_reads_the_value_as_an_amount() {
        let read = value_as_amount("¥8,000.00").unwrap();
        assert_eq!(read.value, Decimal::new(8000, 0));
        assert_eq!(read.currency, None);
        let read = value_as_amount("100.5元").unwrap();
        assert_eq!(read.value, Decimal::new(1005, 1));
        assert_eq!(read.currency, Some("CNY"));
        assert_eq!(
            value_as_amount("8000").unwrap().value,
            Decimal::new(8000, 0)
        );
    }

    #[test]
    fn a_points_mark_on_a_cash_row_is_refused_naming_the_mark() {
        for (text, unit) in [
            ("100积分", "积分"),
            ("100 分", "分"),
            ("1,000 Points", "points"),
            ("５ point", "point"),
        ] {
            let err = value_as_amount(text).unwrap_err();
            assert_eq!(err.rule, Rule::ValueForBonusType, "{text}");
            assert!(
                err.message
                    .starts_with(&format!("{} is marked {unit}, as points are", echo(text))),
                "{text}: {}",
                err.message
            );
            assert!(
                err.message.contains("bonus_type is 2 (cash)"),
                "{}",
                err.message
            );
        }
        // A mark that is no number's: the amount's own message.
        assert_eq!(
            value_as_amount("积分").unwrap_err().rule,
            Rule::AmountNotDecimal
        );
    }

    #[test]
    fn a_points_row_reads_the_value_as_points() {
        assert_eq!(value_as_points("100积分", false), Ok(100));
        assert_eq!(value_as_points("1,000", true), Ok(1000));
        assert_eq!(value_as_points("8000", false), Ok(8000));
    }

    #[test]
    fn cash_on_a_points_row_is_refused_saying_why() {
        let err = value_as_points("¥8,000.00", false).unwrap_err();
        assert_eq!(err.rule, Rule::ValueForBonusType);
        assert_eq!(
            err.message,
            "\"¥8,000.00\" is a cash amount (it has a currency mark), but this row's bonus_type is 1 (points), so the value is its number of points: write a whole number of points (e.g. 100 or 100积分), or make the row's bonus_type 2 (cash)"
        );
        let err = value_as_points("100.5", true).unwrap_err();
        assert_eq!(err.rule, Rule::ValueForBonusType);
        assert!(
            err.message.starts_with(
                "\"100.5\" has decimals, as a cash amount may and points may not, but this row's bonus_type is 1 (points) (an empty bonus_type means points)"
            ),
            "{}",
            err.message
        );
        // Neither points nor cash: the points reading's message.
        assert_eq!(
            value_as_points("abc", false).unwrap_err().rule,
            Rule::NotWholeNumber
        );
    }
}
