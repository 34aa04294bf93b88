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

/// What the user ids of a file are, as `--user-id-type` says: what a user id column must
/// hold (the read stage's own copy of Feishu's kinds, which it may not import).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UserIds {
    /// `ou_…`.
    OpenId,
    /// `on_…`.
    UnionId,
    /// The tenant's own user ids: any text.
    UserId,
}

impl UserIds {
    /// The flag's value, as messages name it.
    fn name(self) -> &'static str {
        match self {
            UserIds::OpenId => "open_id",
            UserIds::UnionId => "union_id",
            UserIds::UserId => "user_id",
        }
    }
}

/// Refuses a user id that is none of `ids` (SPEC §2.3, "guard the natural mistake"): an
/// e-mail address, a mobile or a name in a user id column, or for open_id and union_id
/// anything without their prefix (an employee number such as `E05157`). `contact` names
/// the person's e-mail and mobile columns, for the fix.
pub fn user_id(id: &str, ids: UserIds, contact: (&str, &str)) -> Result<(), Violation> {
    let (email, mobile) = contact;
    let refuse = |what: &str, fix: String| {
        Err(Violation::new(
            Rule::NotAUserId,
            format!("{} {what}, not a user id; {fix}", echo(id)),
        ))
    };
    if id.contains('@') {
        return refuse(
            "is an e-mail address",
            format!("map the column as {email}, and rewardsync looks the person up"),
        );
    }
    if id.chars().any(text::is_cjk_ideograph) || id.trim().contains(char::is_whitespace) {
        return refuse(
            "is a name",
            format!("give the person's e-mail or mobile instead ({email}, {mobile})"),
        );
    }
    let prefix = match ids {
        UserIds::OpenId => "ou_",
        UserIds::UnionId => "on_",
        UserIds::UserId => return Ok(()),
    };
    if id.starts_with(prefix) {
        return Ok(());
    }
    if super::mobile(id).is_ok() {
        return refuse(
            "is a mobile number",
            format!("map the column as {mobile}, and rewardsync looks the person up"),
        );
    }
    let kind = ids.name();
    let article = if kind.starts_with('o') { "an" } else { "a" };
    refuse(
        &format!(
            "is no {kind} ({article} {kind} starts with {prefix}; this looks like an employee number or another system's id)"
        ),
        format!(
            "if the column holds the tenant's own Feishu user_ids, pass --user-id-type user_id; else give the person's e-mail or mobile instead ({email}, {mobile})"
        ),
    )
}

#[cfg(test)]
mod user_id_tests {
    use super::*;

    const CONTACT: (&str, &str) = ("referral_user_email", "referral_user_mobile");

    fn refused(id: &str, ids: UserIds) -> Option<String> {
        user_id(id, ids, CONTACT).err().map(|v| v.message)
    }

    #[test]
    fn ids_of_the_kind_pass_and_others_say_what_they_are() {
        assert_eq!(
            refused("ou_8fe08882a7ae1007efe66632ce51f7a2", UserIds::OpenId),
            None
        );
        assert_eq!(
            refused("on_16af8f6d836d4f8933684ee1176007cf", UserIds::UnionId),
            None
        );
        assert_eq!(refused("E05157", UserIds::UserId), None);
        assert_eq!(refused("7000158194525710254", UserIds::UserId), None);
        let number = refused("E05157", UserIds::OpenId).unwrap();
        assert!(
            number.starts_with("\"E05157\" is no open_id (an open_id starts with ou_"),
            "{number}"
        );
        assert!(number.contains("pass --user-id-type user_id"), "{number}");
        let on = refused("ou_1", UserIds::UnionId).unwrap();
        assert!(on.contains("is no union_id"), "{on}");
        for ids in [UserIds::OpenId, UserIds::UnionId, UserIds::UserId] {
            let email = refused("zhang.wei@example.com", ids).unwrap();
            assert!(
                email.contains(
                    "is an e-mail address, not a user id; map the column as referral_user_email"
                ),
                "{email}"
            );
            let name = refused("张伟", ids).unwrap();
            assert!(name.contains("is a name, not a user id"), "{name}");
        }
        let mobile = refused("13910000000", UserIds::OpenId).unwrap();
        assert!(
            mobile.contains(
                "is a mobile number, not a user id; map the column as referral_user_mobile"
            ),
            "{mobile}"
        );
    }
}
