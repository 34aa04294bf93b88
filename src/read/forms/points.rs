//! Point bonuses as exports write them: `1,000`, `１０００`, `500积分`, `500 分`,
//! `500 points`. A whole number from 0 to the API's int range.

use super::number::{
    NumberError, all_digits, normalize_digits, parse_digits, plain_number, whole_digits,
};
use crate::problem::{Rule, Violation};
use crate::reward::MAX_POINTS;
use crate::text::{self, echo};

/// Words that may follow the number (Latin ones in any case).
const UNITS: &[&str] = &["积分", "分", "points", "point"];

/// A point_bonus cell: a non-negative whole number within [`MAX_POINTS`], with optional
/// thousands separators, full-width digits and a trailing 积分, 分 or points.
pub fn points(text: &str) -> Result<i64, Violation> {
    // The canonical form ("1000") needs no more than the digits.
    if all_digits(text) {
        return within_range(text, parse_digits(text));
    }
    let normal = normalize_digits(text::trim(text));
    let mut rest = normal.as_ref();
    if let Some(unit) = UNITS.iter().find(|unit| ends_with_ignore_case(rest, unit)) {
        rest = rest[..rest.len() - unit.len()].trim_end();
    }
    let (negative, number) = match rest.strip_prefix('-') {
        Some(number) => (true, number.trim_start()),
        None => (false, rest.strip_prefix('+').unwrap_or(rest).trim_start()),
    };
    let plain = plain_number(number).map_err(|e| number_error(text, e))?;
    let Some(digits) = whole_digits(&plain) else {
        return Err(not_whole(text));
    };
    if negative && digits.bytes().any(|b| b != b'0') {
        return Err(Violation::new(
            Rule::Negative,
            format!("{} is negative; points must be 0 or more", echo(text)),
        ));
    }
    within_range(text, parse_digits(digits))
}

/// The points word after a number (`积分` of `100积分`, `points` of `5 points`), if the
/// text is a number followed by one: what tells points from cash in a one-value column.
pub fn points_mark(text: &str) -> Option<&'static str> {
    let normal = normalize_digits(text::trim(text));
    let unit = UNITS
        .iter()
        .find(|unit| ends_with_ignore_case(&normal, unit))?;
    let number = normal[..normal.len() - unit.len()].trim_end();
    number
        .ends_with(|c: char| c.is_ascii_digit())
        .then_some(*unit)
}

/// Points from a workbook's number cell: a whole number, not negative, within range.
pub fn points_from_number(value: f64) -> Result<i64, Violation> {
    let shown = || echo(&value.to_string());
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(Violation::new(
            Rule::NotWholeNumber,
            format!(
                "the number cell {} is not a whole number of points",
                shown()
            ),
        ));
    }
    if value < 0.0 {
        return Err(Violation::new(
            Rule::Negative,
            format!("{} is negative; points must be 0 or more", shown()),
        ));
    }
    if value > MAX_POINTS as f64 {
        return Err(too_large(&shown()));
    }
    // Whole, not negative and at most MAX_POINTS: the cast is exact.
    Ok(value as i64)
}

/// The points of parsed digits, refused above [`MAX_POINTS`] (`None`: beyond `u64`).
fn within_range(text: &str, parsed: Option<u64>) -> Result<i64, Violation> {
    match parsed.and_then(|n| i64::try_from(n).ok()) {
        Some(n) if n <= MAX_POINTS => Ok(n),
        _ => Err(too_large(&echo(text))),
    }
}

fn too_large(shown: &str) -> Violation {
    Violation::new(
        Rule::PointsTooLarge,
        format!("{shown} is more points than the API accepts (at most {MAX_POINTS})"),
    )
}

fn not_whole(text: &str) -> Violation {
    Violation::new(
        Rule::NotWholeNumber,
        format!(
            "{} is not a whole number of points; write digits, optionally followed by 积分, 分 or points, e.g. 1000 or 1,000积分",
            echo(text)
        ),
    )
}

fn number_error(text: &str, error: NumberError) -> Violation {
    match error {
        NumberError::NotNumber | NumberError::ManyPoints => not_whole(text),
        other => super::amount::number_error(text, other),
    }
}

/// True when `text` ends with `suffix`, ASCII letters compared without case.
fn ends_with_ignore_case(text: &str, suffix: &str) -> bool {
    text.len() >= suffix.len()
        && text.is_char_boundary(text.len() - suffix.len())
        && text[text.len() - suffix.len()..].eq_ignore_ascii_case(suffix)
}
