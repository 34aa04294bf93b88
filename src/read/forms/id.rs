//! Ids as Excel leaves them (SPEC §2.1 "Excel artifacts in ids"): `="7214000000000001031"`
//! and `'7214000000000001031` are unwrapped; scientific notation and number cells that
//! have lost digits are refused, never guessed back.

use std::borrow::Cow;

use super::number::looks_scientific;
use crate::problem::{Rule, Violation};
use crate::text::{self, echo};

/// The most digits a workbook number keeps exactly (Excel's precision).
pub const ID_MAX_NUMBER_DIGITS: usize = 15;

/// An id cell, trimmed and unwrapped from Excel's `="…"` or a leading `'`. Borrows unless
/// the wrapper held doubled quotes. The result may be empty (`=""`): the caller treats
/// it as an empty cell.
pub fn id_text(text: &str) -> Result<Cow<'_, str>, Violation> {
    let trimmed = text::trim(text);
    let id = unwrap(trimmed);
    if looks_scientific(&id) {
        return Err(Violation::new(
            Rule::ScientificNotation,
            format!(
                "{} is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
                echo(text)
            ),
        ));
    }
    if let Some(digits) = float_digits(&id) {
        return Err(Violation::new(
            Rule::IdAsNumber,
            format!(
                "{} is an id written as a number with decimals; write the id alone ({}), and if it was longer than {ID_MAX_NUMBER_DIGITS} digits check it against the source: a number keeps only {ID_MAX_NUMBER_DIGITS}",
                echo(text),
                echo(digits)
            ),
        ));
    }
    Ok(id)
}

/// An id from a workbook's number cell: a whole number of at most 15 digits, written
/// without `.0`. A longer number has already lost digits in the workbook.
pub fn id_from_number(value: f64) -> Result<String, Violation> {
    let shown = || echo(&value.to_string());
    if !value.is_finite() || value.fract() != 0.0 || value < 0.0 {
        return Err(Violation::new(
            Rule::NotDigits,
            format!(
                "the number cell {} is not an id (ids are whole numbers or text); format the column as Text in Excel and type the ids again",
                shown()
            ),
        ));
    }
    if value >= 1e15 {
        // f64's Display writes every digit of a whole number, never an exponent.
        let digits = value.to_string().len();
        return Err(Violation::new(
            Rule::IdAsNumber,
            format!(
                "the number cell {} has {digits} digits, but Excel keeps only {ID_MAX_NUMBER_DIGITS}: the last digits are already lost; format the id column as Text in Excel and enter or import the ids again",
                shown()
            ),
        ));
    }
    // Whole, not negative and below 10^15: exact as a u64.
    Ok((value as u64).to_string())
}

/// The id inside Excel's `="…"` formula or after a leading `'`; `text` itself otherwise.
fn unwrap(text: &str) -> Cow<'_, str> {
    if let Some(inner) = text
        .strip_prefix("=\"")
        .and_then(|rest| rest.strip_suffix('"'))
    {
        // Inside a formula string a quote is written twice; a lone one means this is not
        // such a string, so it is left as it is.
        if !inner.contains('"') {
            return Cow::Borrowed(text::trim(inner));
        }
        if inner.replace("\"\"", "").contains('"') {
            return Cow::Borrowed(text);
        }
        return Cow::Owned(inner.replace("\"\"", "\"").trim().to_owned());
    }
    match text.strip_prefix('\'') {
        Some(rest) => Cow::Borrowed(text::trim(rest)),
        None => Cow::Borrowed(text),
    }
}

/// The digits of `1234.0` (a whole number written as a float); `None` for anything else.
fn float_digits(id: &str) -> Option<&str> {
    let (int, frac) = id.split_once('.')?;
    let is_digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (is_digits(int) && is_digits(frac) && frac.bytes().all(|b| b == b'0')).then_some(int)
}
