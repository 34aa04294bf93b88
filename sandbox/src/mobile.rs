//! Mobile numbers as the lookups compare them. The contact lookup takes mainland China
//! numbers as the bare 11 digits and any other number as `+` and its country code
//! (people-and-more.md §1); a directory or talent file may write the same number as
//! `+86 139 1000 0000` or as code `86` and number `13910000000`. Both sides are brought to
//! one key: the bare 11 digits for a mainland mobile, `+CC…` for anything else.

/// The mainland country code, assumed when a file gives none.
pub const MAINLAND: &str = "86";

/// The key of a number written in a directory or talent file: separators (spaces, dashes,
/// dots, parentheses) dropped; a number starting with `+` or `00` carries its own country
/// code, otherwise `code` (its `+` optional; mainland when empty) goes in front. `None` when
/// there is no number or what is left is not digits.
pub fn file_key(code: &str, number: &str) -> Option<String> {
    let number: String = number
        .chars()
        .filter(|c| !matches!(c, ' ' | '-' | '.' | '(' | ')'))
        .collect();
    if number.is_empty() {
        return None;
    }
    let international = if let Some(rest) = number.strip_prefix('+') {
        rest.to_owned()
    } else if let Some(rest) = number.strip_prefix("00") {
        rest.to_owned()
    } else {
        let code = code.trim().trim_start_matches('+');
        let code = if code.is_empty() { MAINLAND } else { code };
        format!("{code}{number}")
    };
    if international.is_empty() || !international.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(canonical(&international))
}

/// The key of a value sent to the contact lookup, which must already be in the documented
/// form: 11 digits starting with 1 (mainland), or `+`, a country code other than 86 and the
/// number (7 to 15 digits in all). Anything else (`+86…`, spaces, a bare foreign number)
/// is `None`: the real lookup finds no one under it either, as far as the documentation says.
pub fn lookup_key(value: &str) -> Option<String> {
    if is_mainland(value) {
        return Some(value.to_owned());
    }
    let digits = value.strip_prefix('+')?;
    let ok = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with(MAINLAND);
    ok.then(|| value.to_owned())
}

/// Why a talent lookup's mobile is refused (code 1002009).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BadMobile {
    /// The country code is not 1 to 4 digits.
    #[error("invalid mobile_code {0:?}: a country code is 1 to 4 digits, optionally after +")]
    Code(String),
    /// The number is not digits of a plausible length for its country.
    #[error("invalid mobile number {number:?} for country code {code}: {rule}")]
    Number {
        /// The number as sent.
        number: String,
        /// The country code it was read with.
        code: String,
        /// The rule it breaks.
        rule: &'static str,
    },
}

/// The key of a talent lookup's mobile: `code` (default `86`, its `+` optional) and a number
/// of bare digits; a mainland number must be 11 digits starting with 1.
pub fn talent_key(code: &str, number: &str) -> Result<String, BadMobile> {
    let bare = code.trim_start_matches('+');
    if !(1..=4).contains(&bare.len()) || !bare.bytes().all(|b| b.is_ascii_digit()) {
        return Err(BadMobile::Code(code.to_owned()));
    }
    let bad = |rule| BadMobile::Number {
        number: number.to_owned(),
        code: bare.to_owned(),
        rule,
    };
    if bare == MAINLAND {
        if !is_mainland(number) {
            return Err(bad("a mainland mobile is 11 digits starting with 1"));
        }
    } else if !(5..=15).contains(&number.len()) || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad(
            "a mobile number is 5 to 15 digits, without its country code",
        ));
    }
    Ok(canonical(&format!("{bare}{number}")))
}

fn is_mainland(text: &str) -> bool {
    text.len() == 11 && text.starts_with('1') && text.bytes().all(|b| b.is_ascii_digit())
}

/// International digits (country code first) to the key.
fn canonical(international: &str) -> String {
    match international.strip_prefix(MAINLAND) {
        Some(rest) if is_mainland(rest) => rest.to_owned(),
        _ => format!("+{international}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_numbers_in_any_spelling_meet_the_documented_form() {
        for (code, number) in [
            ("86", "13910000000"),
            ("+86", "139 1000 0000"),
            ("", "+86 139-1000-0000"),
            ("", "008613910000000"),
            ("", "13910000000"),
            ("44", "+86 (139) 1000.0000"),
        ] {
            assert_eq!(
                file_key(code, number).as_deref(),
                Some("13910000000"),
                "{code} {number}"
            );
        }
        assert_eq!(
            file_key("1", "212-666-8888").as_deref(),
            Some("+12126668888")
        );
        assert_eq!(
            file_key("", "+1 212 666 8888").as_deref(),
            Some("+12126668888")
        );
        assert_eq!(file_key("86", "12345").as_deref(), Some("+8612345"));
        assert_eq!(file_key("86", "139x"), None);
        assert_eq!(file_key("86", ""), None);
    }

    #[test]
    fn lookup_values_must_be_in_the_documented_form() {
        assert_eq!(lookup_key("13910000000").as_deref(), Some("13910000000"));
        assert_eq!(lookup_key("+12126668888").as_deref(), Some("+12126668888"));
        for bad in [
            "+8613910000000",
            "139 1000 0000",
            "2126668888",
            "1391000000",
            "+1 2126668888",
            "+123",
            "",
        ] {
            assert_eq!(lookup_key(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn talent_mobiles_take_a_code_and_bare_digits() {
        assert_eq!(talent_key("86", "13910000000").unwrap(), "13910000000");
        assert_eq!(talent_key("+1", "2126668888").unwrap(), "+12126668888");
        assert_eq!(
            talent_key("86", "2126668888"),
            Err(BadMobile::Number {
                number: "2126668888".into(),
                code: "86".into(),
                rule: "a mainland mobile is 11 digits starting with 1",
            })
        );
        assert!(matches!(
            talent_key("1", "212-666"),
            Err(BadMobile::Number { .. })
        ));
        assert_eq!(
            talent_key("8a", "13910000000"),
            Err(BadMobile::Code("8a".into()))
        );
        // The same person by file and by lookup.
        assert_eq!(
            talent_key("86", "13910000000").ok(),
            file_key("", "+86 139 1000 0000")
        );
    }
}
