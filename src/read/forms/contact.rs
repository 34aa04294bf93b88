//! Contacts as a legacy export writes them (SPEC §2.3): an e-mail address or a mobile number,
//! checked offline and put in the one form a lookup sends. Mobiles lose their spaces,
//! dashes and parentheses; a mainland number (11 digits from 1, with or without `+86`,
//! `0086` or `86`) becomes its bare 11 digits; any other number must carry `+` and its
//! country code, which is split off by the ITU's calling codes (they are prefix-free).

use std::fmt;

use super::number::{looks_scientific, normalize_digits};
use crate::problem::{Rule, Violation};
use crate::text::{self, echo};

/// Mainland China's calling code: its numbers are looked up as the bare 11 digits.
pub const MAINLAND: &str = "86";

/// The fewest and most digits of a whole international number (E.164: at most 15).
const INTERNATIONAL_DIGITS: std::ops::RangeInclusive<usize> = 8..=15;

/// A mobile number in lookup form: its country code and the national number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Mobile {
    /// The calling code, digits only: `86`, `1`, `852`.
    pub code: String,
    /// The national number, digits only.
    pub number: String,
}

impl Mobile {
    /// True for a mainland China number.
    pub fn is_mainland(&self) -> bool {
        self.code == MAINLAND
    }

    /// As the contact API takes it: bare 11 digits for mainland China, `+CODE NUMBER`
    /// without the space otherwise.
    pub fn lookup_form(&self) -> String {
        if self.is_mainland() {
            self.number.clone()
        } else {
            format!("+{}{}", self.code, self.number)
        }
    }
}

impl fmt::Display for Mobile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.lookup_form())
    }
}

/// An e-mail address, trimmed: one `@`, something before it, a dotted domain after it,
/// no spaces. Kept as written otherwise: how Feishu compares case is not documented.
pub fn email(text: &str) -> Result<&str, Violation> {
    let value = text::trim(text);
    let bad = |why: &str| {
        Err(Violation::new(
            Rule::Email,
            format!(
                "{} is not an e-mail address ({why}); write it as name@company.com",
                echo(text)
            ),
        ))
    };
    if value.chars().any(is_full_width_mark) {
        return bad("it has a full-width ＠ or ．; type it with half-width characters");
    }
    let Some((local, domain)) = value.split_once('@') else {
        return bad("it has no @");
    };
    if local.is_empty() {
        return bad("nothing before the @");
    }
    if domain.contains('@') {
        return bad("more than one @");
    }
    if value.chars().any(char::is_whitespace) {
        return bad("it has a space in it");
    }
    if !domain.contains('.') || domain.starts_with('.') || domain.ends_with('.') {
        return bad("the part after the @ is no domain such as company.com");
    }
    Ok(value)
}

/// The full-width forms of the characters an address is made of.
fn is_full_width_mark(c: char) -> bool {
    matches!(c, '＠' | '．')
}

/// A mobile number in lookup form, or why it is none (SPEC §2.3).
pub fn mobile(text: &str) -> Result<Mobile, Violation> {
    let trimmed = text::trim(text);
    if looks_scientific(trimmed) {
        return Err(Violation::new(
            Rule::ScientificNotation,
            format!(
                "{} is a number Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
                echo(text)
            ),
        ));
    }
    let normalized = normalize_digits(trimmed);
    let mut plus = false;
    let mut digits = String::with_capacity(normalized.len());
    for c in normalized.chars() {
        match c {
            '0'..='9' => digits.push(c),
            // A leading + may sit inside a parenthesis: (+86) 139…
            '+' | '＋' if digits.is_empty() && !plus => plus = true,
            ' ' | '\u{3000}' | '-' | '–' | '(' | ')' | '（' | '）' | '.' => {}
            _ => {
                return Err(Violation::new(
                    Rule::Mobile,
                    format!(
                        "{} is not a mobile number: only digits, a leading +, spaces, dashes and parentheses may be in it",
                        echo(text)
                    ),
                ));
            }
        }
    }
    let mainland = |number: &str| number.len() == 11 && number.starts_with('1');
    let national = if plus {
        digits.strip_prefix(MAINLAND)
    } else if let Some(rest) = digits.strip_prefix("00") {
        rest.strip_prefix(MAINLAND)
    } else if digits.len() == 13 {
        digits.strip_prefix(MAINLAND)
    } else {
        Some(digits.as_str())
    };
    if let Some(number) = national.filter(|n| mainland(n)) {
        return Ok(Mobile {
            code: MAINLAND.to_owned(),
            number: number.to_owned(),
        });
    }
    let international = if plus {
        Some(digits.as_str())
    } else {
        digits.strip_prefix("00")
    };
    let Some(international) = international else {
        return Err(Violation::new(
            Rule::Mobile,
            format!(
                "{} is not a mainland China mobile number (11 digits from 1); a number of another country must start with + and its country code, e.g. +852 6123 4567",
                echo(text)
            ),
        ));
    };
    if international.starts_with(MAINLAND) {
        return Err(Violation::new(
            Rule::Mobile,
            format!(
                "{} has China's code +86 but is not a mainland mobile number (11 digits from 1)",
                echo(text)
            ),
        ));
    }
    let code =
        calling_code(international).filter(|_| INTERNATIONAL_DIGITS.contains(&international.len()));
    let Some(code) = code else {
        return Err(Violation::new(
            Rule::Mobile,
            format!(
                "{} is not an international mobile number: + then the country code and the number, 8 to 15 digits in all",
                echo(text)
            ),
        ));
    };
    Ok(Mobile {
        code: code.to_owned(),
        number: international[code.len()..].to_owned(),
    })
}

/// The ITU calling code that starts `digits`: 1 and 7 are one digit; the two-digit codes
/// are listed; every other code is three digits. Codes are prefix-free, so the split is
/// never a guess. `None` for a code no country has (0, 28x …).
fn calling_code(digits: &str) -> Option<&str> {
    const TWO: [&str; 44] = [
        "20", "27", "30", "31", "32", "33", "34", "36", "39", "40", "41", "43", "44", "45", "46",
        "47", "48", "49", "51", "52", "53", "54", "55", "56", "57", "58", "60", "61", "62", "63",
        "64", "65", "66", "81", "82", "84", "86", "90", "91", "92", "93", "94", "95", "98",
    ];
    /// The first two digits of the three-digit codes.
    const THREE: [&str; 22] = [
        "21", "22", "23", "24", "25", "26", "29", "35", "37", "38", "42", "50", "59", "67", "68",
        "69", "80", "85", "87", "88", "96", "97",
    ];
    let first = digits.get(..1)?;
    if first == "1" || first == "7" {
        return Some(first);
    }
    let two = digits.get(..2)?;
    if TWO.contains(&two) {
        return Some(two);
    }
    if THREE.contains(&two) || two == "99" {
        return digits.get(..3);
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(text: &str) -> (String, String) {
        let m = mobile(text).unwrap_or_else(|v| panic!("{text}: {v:?}"));
        (m.code, m.number)
    }

    fn refused(text: &str) -> Violation {
        match mobile(text) {
            Ok(m) => panic!("{text} read as {m:?}"),
            Err(v) => v,
        }
    }

    #[test]
    fn mainland_numbers_become_their_bare_11_digits() {
        for text in [
            "13912345678",
            " 139 1234 5678 ",
            "139-1234-5678",
            "+86 139 1234 5678",
            "+8613912345678",
            "(+86) 139-1234-5678",
            "008613912345678",
            "0086 139 1234 5678",
            "8613912345678",
            "86 13912345678",
            "１３９１２３４５６７８",
            "＋86 139 1234 5678",
        ] {
            assert_eq!(ok(text), ("86".into(), "13912345678".into()), "{text}");
            assert_eq!(mobile(text).unwrap().lookup_form(), "13912345678");
        }
    }

    #[test]
    fn other_countries_keep_their_code() {
        for (text, code, number, form) in [
            ("+1 212 666 8888", "1", "2126668888", "+12126668888"),
            ("+1-212-666-8888", "1", "2126668888", "+12126668888"),
            ("+852 6123 4567", "852", "61234567", "+85261234567"),
            ("00852 6123 4567", "852", "61234567", "+85261234567"),
            ("+44 7911 123456", "44", "7911123456", "+447911123456"),
            ("+886 912 345 678", "886", "912345678", "+886912345678"),
            ("+7 912 345 67 89", "7", "9123456789", "+79123456789"),
            ("+971 50 123 4567", "971", "501234567", "+971501234567"),
        ] {
            let m = mobile(text).unwrap_or_else(|v| panic!("{text}: {v:?}"));
            assert_eq!(
                (m.code.as_str(), m.number.as_str()),
                (code, number),
                "{text}"
            );
            assert_eq!(m.lookup_form(), form, "{text}");
        }
    }

    #[test]
    fn what_is_no_mobile_is_refused_saying_why() {
        for (text, needle) in [
            ("2126668888", "must start with + and its country code"),
            ("1391234567", "must start with + and its country code"),
            ("139123456789", "must start with + and its country code"),
            (
                "+86 139 1234 567",
                "has China's code +86 but is not a mainland",
            ),
            ("+86 010 1234 5678", "has China's code +86"),
            ("+1 212", "8 to 15 digits"),
            ("+1 212 666 8888 1234 5", "8 to 15 digits"),
            ("+0 123 4567 890", "8 to 15 digits"),
            ("+28 1234 5678", "8 to 15 digits"),
            ("139 1234 5678 ext 1", "only digits"),
            ("zhang@example.com", "only digits"),
            ("1+39", "only digits"),
        ] {
            let v = refused(text);
            assert_eq!(v.rule, Rule::Mobile, "{text}");
            assert!(v.message.contains(needle), "{text}: {}", v.message);
            assert!(v.message.contains(&echo(text)), "{text}: {}", v.message);
        }
        assert_eq!(refused("1.39E+10").rule, Rule::ScientificNotation);
    }

    #[test]
    fn emails_are_trimmed_and_checked_for_form() {
        assert_eq!(
            email(" zhang.wei@example.com ").unwrap(),
            "zhang.wei@example.com"
        );
        assert_eq!(
            email("Zhang.Wei@Example.COM").unwrap(),
            "Zhang.Wei@Example.COM"
        );
        for (text, needle) in [
            ("zhang", "it has no @"),
            ("@example.com", "nothing before the @"),
            ("a@@b.com", "more than one @"),
            ("a b@c.com", "space"),
            ("a@b", "no domain"),
            ("a@.com", "no domain"),
            ("a@b.", "no domain"),
            ("zhang＠example.com", "full-width"),
            ("zhang@example．com", "full-width"),
        ] {
            let v = email(text).expect_err(text);
            assert_eq!(v.rule, Rule::Email, "{text}");
            assert!(v.message.contains(needle), "{text}: {}", v.message);
        }
    }

    #[test]
    fn calling_codes_split_without_guessing() {
        assert_eq!(calling_code("12126668888"), Some("1"));
        assert_eq!(calling_code("4479"), Some("44"));
        assert_eq!(calling_code("85261234567"), Some("852"));
        assert_eq!(calling_code("99512"), Some("995"));
        assert_eq!(calling_code("0123"), None);
        assert_eq!(calling_code("281234"), None);
    }
}
