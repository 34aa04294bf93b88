//! Cash amounts as exports write them (SPEC §2.1 "Amounts"): `¥1,000.00`, `１０００．５`,
//! `100 元`, `US$ 25`. The number is read as a decimal from its text, never through a
//! binary float; a mark that names a currency is handed back for the caller to check
//! against currency_type (or to fill it).

use rust_decimal::{Decimal, RoundingStrategy};

use super::currency::{Mark, mark};
use super::number::{NumberError, StackText, normalize_digits, plain_number};
use crate::problem::{Rule, Violation};
use crate::reward::AMOUNT_MAX_DECIMALS;
use crate::text::{self, echo};

/// A cash amount read from a cell.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    /// The amount, normalised (`100.50` is `100.5`): at most two decimals, never negative.
    pub value: Decimal,
    /// The ISO code a mark around the number named (元, RMB, 人民币 → CNY; US$ → USD;
    /// HK$ → HKD; an ISO code → itself); `None` without a mark or with `¥`, `￥`, `$`.
    pub currency: Option<&'static str>,
}

/// An amount cell: digits with an optional point, thousands separators in groups of three,
/// full-width digits, and a currency mark before or after the number.
pub fn amount(text: &str) -> Result<Amount, Violation> {
    // The canonical form ("100.5", "1") goes straight to the decimal parser.
    if !text.is_empty()
        && text.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && let Ok(value) = Decimal::from_str_exact(text)
    {
        return finish(text, value, false, None);
    }
    let normal = normalize_digits(text::trim(text));
    let parts = split(&normal, text)?;
    let plain = plain_number(parts.number).map_err(|e| number_error(text, e))?;
    let value = decimal(text, &plain)?;
    finish(text, value, parts.negative, parts.currency)
}

/// An amount from a workbook's number cell: its shortest round-trip decimal text, read
/// with the same rules (so `0.1 + 0.2` computed in a cell is refused for its decimals).
pub fn amount_from_number(value: f64) -> Result<Decimal, Violation> {
    let Some(text) = StackText::of(value) else {
        return Err(Violation::new(
            Rule::AmountNotDecimal,
            format!(
                "the number cell {} is no amount (e.g. 100 or 100.5)",
                echo(&value.to_string())
            ),
        ));
    };
    let text = text.as_str();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(digits) => (true, digits),
        None => (false, text),
    };
    let value = decimal(text, digits)?;
    if value.scale() > AMOUNT_MAX_DECIMALS && !negative {
        return Err(Violation::new(
            Rule::AmountDecimals,
            format!(
                "the number cell holds {} ({} decimals), though the workbook may show it rounded; an amount has at most {AMOUNT_MAX_DECIMALS}: round it in the workbook, e.g. =ROUND(…, 2)",
                echo(text),
                value.scale()
            ),
        ));
    }
    finish(text, value, negative, None).map(|amount| amount.value)
}

/// The parts of an amount's text.
struct Parts<'a> {
    /// The number: digits, `,` and `.`.
    number: &'a str,
    /// A minus sign (or accounting parentheses) was found.
    negative: bool,
    /// The currency a mark named.
    currency: Option<&'static str>,
}

/// Splits `text` (trimmed, digits normalised) into sign, mark and number; `original` is
/// what the cell held, for messages.
fn split<'a>(text: &'a str, original: &str) -> Result<Parts<'a>, Violation> {
    let mut negative = false;
    let mut rest = text;
    // Accounting notation for a negative amount: (1,000.00).
    if let Some(inner) = rest.strip_prefix('(').and_then(|r| r.strip_suffix(')')) {
        negative = true;
        rest = inner.trim();
    }
    rest = strip_sign(rest, &mut negative);
    let start = rest
        .find(|c: char| c.is_ascii_digit() || matches!(c, '.' | ',' | '-' | '+'))
        .unwrap_or(rest.len());
    let before = rest[..start].trim();
    rest = strip_sign(&rest[start..], &mut negative);
    let end = rest
        .rfind(|c: char| c.is_ascii_digit() || c == '.' || c == ',')
        .map_or(0, |i| i + 1);
    let number = &rest[..end];
    let mut after = rest[end..].trim();
    // A trailing minus, as some ledgers print negatives: 100-.
    if let Some(unsigned) = after.strip_prefix('-') {
        negative = true;
        after = unsigned.trim();
    }
    if number.is_empty() {
        return Err(not_decimal(original));
    }
    let currency = match (mark_of(before, original)?, mark_of(after, original)?) {
        (Some(_), Some(_)) => {
            return Err(Violation::new(
                Rule::AmountUnknownMark,
                format!(
                    "{} has a currency mark on both sides of the number; keep one",
                    echo(original)
                ),
            ));
        }
        (Some(Mark::Names(code)), None) | (None, Some(Mark::Names(code))) => Some(code),
        _ => None,
    };
    Ok(Parts {
        number,
        negative,
        currency,
    })
}

/// `text` without a leading `-` or `+` (noting a minus), trimmed at the start.
fn strip_sign<'a>(text: &'a str, negative: &mut bool) -> &'a str {
    if let Some(rest) = text.strip_prefix('-') {
        *negative = true;
        rest.trim_start()
    } else if let Some(rest) = text.strip_prefix('+') {
        rest.trim_start()
    } else {
        text
    }
}

/// The mark of the text before or after the number; empty text is no mark.
fn mark_of(text: &str, original: &str) -> Result<Option<Mark>, Violation> {
    if text.is_empty() {
        return Ok(None);
    }
    match mark(text) {
        Some(found) => Ok(Some(found)),
        None => Err(Violation::new(
            Rule::AmountUnknownMark,
            format!(
                "{} has {} around the number, which is not a currency mark; write the number alone (e.g. 100.5) or with ¥, 元, RMB, US$, HK$ or an ISO code such as CNY",
                echo(original),
                echo(text)
            ),
        )),
    }
}

/// The decimal of plain decimal text.
fn decimal(original: &str, plain: &str) -> Result<Decimal, Violation> {
    // `from_str_exact` keeps every digit written, and refuses what a decimal cannot hold
    // rather than rounding it.
    Decimal::from_str_exact(plain).map_err(|_| {
        if plain.bytes().all(|b| b.is_ascii_digit() || b == b'.') && plain.len() > 20 {
            Violation::new(
                Rule::AmountNotDecimal,
                format!("{} is too large an amount", echo(original)),
            )
        } else {
            not_decimal(original)
        }
    })
}

/// Sign and decimals: the checks every amount passes, whatever its form.
fn finish(
    original: &str,
    value: Decimal,
    negative: bool,
    currency: Option<&'static str>,
) -> Result<Amount, Violation> {
    if negative && !value.is_zero() {
        return Err(Violation::new(
            Rule::Negative,
            format!(
                "{} is negative; an amount must be 0 or more",
                echo(original)
            ),
        ));
    }
    let value = value.normalize();
    if value.scale() > AMOUNT_MAX_DECIMALS {
        let rounded = value
            .round_dp_with_strategy(AMOUNT_MAX_DECIMALS, RoundingStrategy::MidpointAwayFromZero);
        return Err(Violation::new(
            Rule::AmountDecimals,
            format!(
                "{} has {} decimals; an amount has at most {AMOUNT_MAX_DECIMALS} (cents): round it, e.g. {rounded}",
                echo(original),
                value.scale()
            ),
        ));
    }
    Ok(Amount { value, currency })
}

fn not_decimal(original: &str) -> Violation {
    Violation::new(
        Rule::AmountNotDecimal,
        format!(
            "{} is not an amount; write a decimal number such as 100, 100.5 or 1,000.00",
            echo(original)
        ),
    )
}

/// The violation for a number part that is no plain decimal.
pub(crate) fn number_error(original: &str, error: NumberError) -> Violation {
    let shown = echo(original);
    match error {
        NumberError::NotNumber | NumberError::ManyPoints => not_decimal(original),
        NumberError::Scientific => Violation::new(
            Rule::ScientificNotation,
            format!(
                "{shown} is in scientific notation; write the number in plain digits, e.g. 100.5"
            ),
        ),
        NumberError::DecimalComma {
            as_point,
            as_separator: Some(as_separator),
        } => Violation::new(
            Rule::DecimalComma,
            format!(
                "{shown} has a comma where it could be a decimal point or a thousands separator: it could be {as_point} or {as_separator}; write it with a point for decimals (e.g. {as_point}) or without the comma (e.g. {as_separator})"
            ),
        ),
        NumberError::DecimalComma {
            as_point,
            as_separator: None,
        } => Violation::new(
            Rule::DecimalComma,
            format!(
                "{shown} has a comma as the decimal point; write it with a point for decimals and no thousands separators, e.g. {as_point}"
            ),
        ),
        NumberError::Grouping { digits } => Violation::new(
            Rule::ThousandsGrouping,
            format!(
                "{shown} has thousands separators that are not in groups of three; write it without them, e.g. {digits}"
            ),
        ),
    }
}
