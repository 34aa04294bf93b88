//! The number inside a human form: full-width digits made ASCII, thousands separators
//! checked and removed, a comma as the decimal point caught before it is misread. Shared
//! by amounts, points, enum numbers and the bare numbers of time columns.

use std::borrow::Cow;
use std::fmt::{self, Write as _};

/// Full-width digits, point, comma, plus and minus (and U+2212 MINUS SIGN) as their ASCII
/// forms; every other character is kept. Borrows when there is nothing to change, which
/// is always the case for ASCII text.
pub fn normalize_digits(text: &str) -> Cow<'_, str> {
    if text.is_ascii() || !text.chars().any(|c| ascii_of(c).is_some()) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(text.chars().map(|c| ascii_of(c).unwrap_or(c)).collect())
}

/// The ASCII character a full-width digit or sign stands for.
fn ascii_of(c: char) -> Option<char> {
    match c {
        // U+FF10..U+FF19 are the full-width digits ０..９.
        '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + u32::from('0')),
        '．' => Some('.'),
        '，' => Some(','),
        '＋' => Some('+'),
        '－' | '\u{2212}' => Some('-'),
        _ => None,
    }
}

/// `6.93E+18`, `1e5`: what Excel writes for a long number it could not keep.
pub fn looks_scientific(value: &str) -> bool {
    // A byte search: `e` and `E` are ASCII, so the split lands on a char boundary.
    let Some(at) = value.bytes().position(|b| b | 0x20 == b'e') else {
        return false;
    };
    let (mantissa, exponent) = (&value[..at], &value[at + 1..]);
    let mantissa = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

/// True for a non-empty run of ASCII digits.
pub(crate) fn all_digits(text: &str) -> bool {
    !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())
}

/// Why the number part of a value is no plain decimal.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum NumberError {
    /// No digits, or characters that belong to no number.
    NotNumber,
    /// Scientific notation.
    Scientific,
    /// More than one decimal point.
    ManyPoints,
    /// A comma as the decimal point: what it reads as with a point, and, when the comma
    /// could also be a thousands separator, what it reads as then.
    DecimalComma {
        as_point: String,
        as_separator: Option<String>,
    },
    /// Thousands separators not in groups of three; the digits without them.
    Grouping { digits: String },
}

/// The number part of a value (ASCII digits, `,` and `.` only) as plain decimal text: digits
/// and at most one point. Thousands separators must stand in groups of three before the
/// point; a comma that can only be a decimal point, or could be either, is refused.
/// Borrows unless separators were removed.
pub(crate) fn plain_number(core: &str) -> Result<Cow<'_, str>, NumberError> {
    if looks_scientific(core) {
        return Err(NumberError::Scientific);
    }
    if !core.bytes().any(|b| b.is_ascii_digit())
        || !core
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
    {
        return Err(NumberError::NotNumber);
    }
    let points = core.bytes().filter(|&b| b == b'.').count();
    if !core.contains(',') {
        return if points > 1 {
            Err(NumberError::ManyPoints)
        } else {
            Ok(Cow::Borrowed(core))
        };
    }
    if points > 1 {
        return Err(NumberError::ManyPoints);
    }
    let (int, frac) = core.split_once('.').unwrap_or((core, ""));
    if frac.contains(',') {
        // `1.000,50`: points group the thousands and the comma is the decimal point.
        let as_point = core.replace('.', "").replace(',', ".");
        return Err(NumberError::DecimalComma {
            as_point,
            as_separator: None,
        });
    }
    let mut groups = int.split(',');
    let first = groups.next().unwrap_or("");
    let grouped = (1..=3).contains(&first.len()) && groups.all(|g| g.len() == 3);
    let digits: String = int
        .bytes()
        .filter(u8::is_ascii_digit)
        .map(char::from)
        .collect();
    if grouped {
        return Ok(Cow::Owned(if frac.is_empty() && points == 0 {
            digits
        } else {
            format!("{digits}.{frac}")
        }));
    }
    if let (0, Some((before, after))) = (points, int.split_once(',')) {
        // `100,50`, `1,5`: one comma with one or two digits after it reads as a decimal
        // point to half the world and as a thousands separator typed in the wrong place
        // to the other half; neither reading may be guessed.
        if !before.is_empty() && (1..=2).contains(&after.len()) && !after.contains(',') {
            let as_separator = digits.trim_start_matches('0');
            return Err(NumberError::DecimalComma {
                as_point: format!("{before}.{after}"),
                as_separator: Some(
                    if as_separator.is_empty() {
                        "0"
                    } else {
                        as_separator
                    }
                    .to_owned(),
                ),
            });
        }
    }
    Err(NumberError::Grouping {
        digits: if frac.is_empty() && points == 0 {
            digits
        } else {
            format!("{digits}.{frac}")
        },
    })
}

/// The digits of a whole number written as plain decimal text (`1000`, `1000.00`), without
/// its zero decimals; `None` when it has a fraction.
pub(crate) fn whole_digits(plain: &str) -> Option<&str> {
    let (int, frac) = plain.split_once('.').unwrap_or((plain, ""));
    (frac.bytes().all(|b| b == b'0') && all_digits(int)).then_some(int)
}

/// A run of ASCII digits as a number, `None` when it exceeds `u64`.
pub(crate) fn parse_digits(digits: &str) -> Option<u64> {
    digits.bytes().try_fold(0u64, |n, b| {
        n.checked_mul(10)?.checked_add(u64::from(b - b'0'))
    })
}

/// A short text built on the stack: the shortest round-trip decimal text of a workbook's
/// number cell, without an allocation per cell.
pub(crate) struct StackText {
    bytes: [u8; 48],
    len: usize,
}

impl StackText {
    /// `value` as Rust's `Display` writes it (the shortest text that reads back as the
    /// same float, never in exponent form); `None` for a number too long to be a cell's
    /// amount, points or id (more than 48 characters) or not finite.
    pub(crate) fn of(value: f64) -> Option<StackText> {
        if !value.is_finite() {
            return None;
        }
        let mut text = StackText {
            bytes: [0; 48],
            len: 0,
        };
        write!(text, "{value}").ok()?;
        Some(text)
    }

    /// The text.
    pub(crate) fn as_str(&self) -> &str {
        // Only whole `&str`s are ever copied in, so the bytes are valid UTF-8.
        std::str::from_utf8(&self.bytes[..self.len]).unwrap_or("")
    }
}

impl fmt::Write for StackText {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len + s.len();
        let slot = self.bytes.get_mut(self.len..end).ok_or(fmt::Error)?;
        slot.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn full_width_digits_become_ascii_and_ascii_is_borrowed() {
        assert!(matches!(normalize_digits("1,000.5"), Cow::Borrowed(_)));
        assert!(matches!(normalize_digits("一千元"), Cow::Borrowed(_)));
        assert_eq!(normalize_digits("１２３４５６７８９０"), "1234567890");
        assert_eq!(normalize_digits("￥１，０００．５"), "￥1,000.5");
        assert_eq!(normalize_digits("－５\u{2212}＋"), "-5-+");
    }

    #[test]
    fn scientific_notation_is_recognised() {
        for yes in ["6.93E+18", "1e5", "6.930815E18", "1.2e-3"] {
            assert!(looks_scientific(yes), "{yes}");
        }
        for no in ["6930815272790114324", "ou_e5f", "e5", "1e", "abc", "1.5"] {
            assert!(!looks_scientific(no), "{no}");
        }
    }

    #[test]
    fn plain_numbers_keep_or_drop_their_separators() {
        let ok = |core: &str| plain_number(core).map(Cow::into_owned);
        assert_eq!(ok("100.5"), Ok("100.5".into()));
        assert!(matches!(plain_number("100.5"), Ok(Cow::Borrowed(_))));
        assert_eq!(ok("1,000"), Ok("1000".into()));
        assert_eq!(ok("1,000.25"), Ok("1000.25".into()));
        assert_eq!(ok("12,345,678.9"), Ok("12345678.9".into()));
        assert_eq!(ok("1.2.3"), Err(NumberError::ManyPoints));
        assert_eq!(ok("1,000.2.3"), Err(NumberError::ManyPoints));
        assert_eq!(ok("."), Err(NumberError::NotNumber));
        assert_eq!(ok("1 000"), Err(NumberError::NotNumber));
        assert_eq!(ok("1e5"), Err(NumberError::Scientific));
        assert_eq!(
            ok("100,50"),
            Err(NumberError::DecimalComma {
                as_point: "100.50".into(),
                as_separator: Some("10050".into())
            })
        );
        assert_eq!(
            ok("0,5"),
            Err(NumberError::DecimalComma {
                as_point: "0.5".into(),
                as_separator: Some("5".into())
            })
        );
        assert_eq!(
            ok("1.000,50"),
            Err(NumberError::DecimalComma {
                as_point: "1000.50".into(),
                as_separator: None
            })
        );
        for (core, digits) in [
            ("1,00,000", "100000"),
            ("1000,000", "1000000"),
            ("1,0000", "10000"),
            (",100", "100"),
            ("100,", "100"),
            ("1,,000", "1000"),
            ("1,00,000.5", "100000.5"),
        ] {
            assert_eq!(
                ok(core),
                Err(NumberError::Grouping {
                    digits: digits.into()
                }),
                "{core}"
            );
        }
    }

    #[test]
    fn whole_digits_allow_zero_decimals_only() {
        assert_eq!(whole_digits("1000"), Some("1000"));
        assert_eq!(whole_digits("1000.00"), Some("1000"));
        assert_eq!(whole_digits("1000.5"), None);
        assert_eq!(whole_digits(".0"), None);
        assert_eq!(parse_digits("18446744073709551615"), Some(u64::MAX));
        assert_eq!(parse_digits("18446744073709551616"), None);
    }

    #[test]
    fn stack_text_is_the_shortest_round_trip() {
        let text = |v: f64| StackText::of(v).map(|t| t.as_str().to_owned());
        assert_eq!(text(100.5), Some("100.5".into()));
        assert_eq!(text(0.1 + 0.2), Some("0.30000000000000004".into()));
        assert_eq!(text(1e15), Some("1000000000000000".into()));
        assert_eq!(text(-0.0), Some("-0".into()));
        assert_eq!(text(1e300), None);
        assert_eq!(text(f64::NAN), None);
    }
}
