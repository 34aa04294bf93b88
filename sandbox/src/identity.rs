//! What counts as a well-formed id, e-mail or mobile. Without a strict directory the sandbox
//! makes up an employee for anyone it has not met, so this one rule decides between "a
//! person the sandbox may make up" and "a typo the real Feishu would refuse" (1002002).

use super::user_id_type::UserIdType;

/// Someone named in a request, as one identifier.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Handle<'a> {
    /// An id of a `user_id_type`.
    Id(UserIdType, &'a str),
    /// An e-mail address.
    Email(&'a str),
    /// A mobile: country code (`86` or `+86`; `None` when not given) and number.
    Mobile {
        /// The country code, if given.
        code: Option<&'a str>,
        /// The number.
        number: &'a str,
    },
}

/// Which part of a [`Handle`] is malformed (a mobile has two).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// The id, or the e-mail address.
    Whole,
    /// A mobile's country code.
    MobileCode,
    /// A mobile's number.
    MobileNumber,
}

/// An identifier that breaks the rule of its kind, and which rule.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a well-formed {what}: {rule}")]
pub struct Malformed {
    /// The part that breaks the rule.
    pub part: Part,
    /// The value as given.
    pub value: String,
    /// What it should have been (`open_id`, `e-mail`, …).
    pub what: &'static str,
    /// The rule, in words.
    pub rule: &'static str,
}

/// Longest id the sandbox accepts (after the `ou_` / `on_` prefix, if any).
const MAX_ID: usize = 64;

/// The rule, for every kind of identifier (README: "Who the sandbox knows"):
///
/// - open_id: `ou_` then 1–64 ASCII letters and digits;
/// - union_id: `on_` then 1–64 ASCII letters and digits;
/// - user_id: 1–64 ASCII letters, digits, `_` and `-`, not starting with `ou_` or `on_`
///   (that is an open_id or union_id sent under the wrong `user_id_type`);
/// - e-mail: one `@`, something before it, a dotted domain after it, no whitespace;
/// - mobile: a country code of 1–4 digits (an optional `+` before it), and a number of
///   5–15 digits (an optional `+` before it when no country code is given).
pub fn well_formed(handle: &Handle<'_>) -> Result<(), Malformed> {
    let bad = |part, value: &str, what, rule| {
        Err(Malformed {
            part,
            value: value.to_owned(),
            what,
            rule,
        })
    };
    match *handle {
        Handle::Id(UserIdType::OpenId, id) => match id.strip_prefix("ou_") {
            Some(rest) if is_word(rest, |b| b.is_ascii_alphanumeric()) => Ok(()),
            _ => bad(
                Part::Whole,
                id,
                "open_id",
                "an open_id is ou_ followed by 1 to 64 letters and digits",
            ),
        },
        Handle::Id(UserIdType::UnionId, id) => match id.strip_prefix("on_") {
            Some(rest) if is_word(rest, |b| b.is_ascii_alphanumeric()) => Ok(()),
            _ => bad(
                Part::Whole,
                id,
                "union_id",
                "a union_id is on_ followed by 1 to 64 letters and digits",
            ),
        },
        Handle::Id(UserIdType::UserId, id) => {
            if id.starts_with("ou_") || id.starts_with("on_") {
                bad(
                    Part::Whole,
                    id,
                    "user_id",
                    "it looks like an open_id or union_id; is user_id_type right?",
                )
            } else if is_word(id, |b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
                Ok(())
            } else {
                bad(
                    Part::Whole,
                    id,
                    "user_id",
                    "a user_id is 1 to 64 letters, digits, _ and -",
                )
            }
        }
        Handle::Email(email) => {
            if is_email(email) {
                Ok(())
            } else {
                bad(
                    Part::Whole,
                    email,
                    "e-mail",
                    "an e-mail has one @, a name before it and a dotted domain after it, and no spaces",
                )
            }
        }
        Handle::Mobile { code, number } => {
            if let Some(code) = code
                && !is_digits(code.strip_prefix('+').unwrap_or(code), 1, 4)
            {
                return bad(
                    Part::MobileCode,
                    code,
                    "country code",
                    "a country code is 1 to 4 digits, optionally after +",
                );
            }
            let digits = match code {
                None => number.strip_prefix('+').unwrap_or(number),
                Some(_) => number,
            };
            if is_digits(digits, 5, 15) {
                Ok(())
            } else {
                bad(
                    Part::MobileNumber,
                    number,
                    "mobile number",
                    "a mobile number is 5 to 15 digits (with + in front when it carries its country code)",
                )
            }
        }
    }
}

/// 1 to [`MAX_ID`] bytes, each passing `allowed`.
fn is_word(text: &str, allowed: impl Fn(u8) -> bool) -> bool {
    (1..=MAX_ID).contains(&text.len()) && text.bytes().all(allowed)
}

fn is_digits(text: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&text.len()) && text.bytes().all(|b| b.is_ascii_digit())
}

fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && !text.chars().any(char::is_whitespace)
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ok(handle: Handle<'_>) -> bool {
        well_formed(&handle).is_ok()
    }

    #[test]
    fn ids_follow_their_kind() {
        use UserIdType::*;
        assert!(ok(Handle::Id(
            OpenId,
            "ou_8fe08882a7ae1007efe66632ce51f7a2"
        )));
        assert!(ok(Handle::Id(
            UnionId,
            "on_16af8f6d836d4f8933684ee1176007cf"
        )));
        assert!(ok(Handle::Id(UserId, "7000158194525710254")));
        assert!(ok(Handle::Id(UserId, "zhang-wei_2")));
        let long = format!("ou_{}", "a".repeat(65));
        for (kind, bad) in [
            (OpenId, "ou_"),
            (OpenId, "ou_not_an_employee"),
            (OpenId, "on_16af8f6d836d4f8933684ee1176007cf"),
            (OpenId, "OU_abc"),
            (OpenId, long.as_str()),
            (UnionId, "ou_8fe08882a7ae1007efe66632ce51f7a2"),
            (UnionId, "on_ x"),
            (UserId, ""),
            (UserId, "a.b"),
            (UserId, "张伟"),
            (UserId, "ou_8fe08882a7ae1007efe66632ce51f7a2"),
        ] {
            assert!(!ok(Handle::Id(kind, bad)), "{kind} {bad:?}");
        }
        let err = well_formed(&Handle::Id(UserId, "ou_abc")).unwrap_err();
        assert!(err.to_string().contains("user_id_type"), "{err}");
    }

    #[test]
    fn emails_match_the_clients_rule() {
        assert!(ok(Handle::Email("zhang.wei@example.com")));
        for bad in [
            "zhang",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
            "a@b.",
        ] {
            assert!(!ok(Handle::Email(bad)), "{bad}");
        }
    }

    #[test]
    fn mobiles_are_digits_with_an_optional_country_code() {
        let m = |code, number| Handle::Mobile { code, number };
        assert!(ok(m(Some("86"), "13910000000")));
        assert!(ok(m(Some("+1"), "2126668888")));
        assert!(ok(m(None, "13910000000")));
        assert!(ok(m(None, "+12126668888")));
        let err = well_formed(&m(Some("86a"), "13910000000")).unwrap_err();
        assert_eq!(err.part, Part::MobileCode);
        for number in ["139-1000-0000", "1234", "+86 139", "1391000000012345"] {
            let err = well_formed(&m(Some("86"), number)).unwrap_err();
            assert_eq!(err.part, Part::MobileNumber, "{number}");
        }
        assert!(!ok(m(Some("86"), "+13910000000")), "+ only without a code");
    }
}
