//! Made-up employees: who the sandbox says a stranger is, when it is not told to know
//! exactly its directory. A pure function of what the request gave (and a retry counter
//! for the rare clash with someone already known), so a rehearsal run twice meets the same
//! people, and the same open_id always stands for the same made-up employee.

use std::fmt::Write as _;

use sha2::{Digest, Sha256};

use super::employee::Employee;
use super::identity::Handle;
use super::user_id_type::UserIdType;

/// The domain of made-up e-mail addresses (under the reserved `example.com`).
pub const EMAIL_DOMAIN: &str = "sandbox.example.com";

/// Mobile country code of made-up employees when none is given (mainland China).
const DEFAULT_MOBILE_CODE: &str = "86";

/// The employee the sandbox makes up for these identifiers: each identifier given is kept
/// as it is, everything else is derived from them. `attempt` 0 is the first choice; the
/// caller tries 1, 2, … only when a derived value already belongs to someone.
pub fn employee(given: &[Handle<'_>], attempt: u32) -> Employee {
    let key = key(given);
    let hex = |field: &str| digest_hex(&key, attempt, field);
    let tag = hex("tag")[..6].to_owned();
    let mut employee = Employee {
        user_id: format!(
            "79{:017}",
            digest_number(&key, attempt, "user_id") % 10u64.pow(17)
        ),
        open_id: format!("ou_{}", &hex("open_id")[..32]),
        union_id: format!("on_{}", &hex("union_id")[..32]),
        name_zh: format!("虚构员工{tag}"),
        name_en: format!("Made-up Employee {tag}"),
        email: format!("made-up.{}@{EMAIL_DOMAIN}", &hex("email")[..10]),
        mobile_code: DEFAULT_MOBILE_CODE.to_owned(),
        // 170 is a virtual-operator prefix the sample directory does not use.
        mobile_number: format!(
            "170{:08}",
            digest_number(&key, attempt, "mobile") % 100_000_000
        ),
    };
    for handle in given {
        match *handle {
            Handle::Id(UserIdType::OpenId, id) => employee.open_id = id.to_owned(),
            Handle::Id(UserIdType::UnionId, id) => employee.union_id = id.to_owned(),
            Handle::Id(UserIdType::UserId, id) => employee.user_id = id.to_owned(),
            Handle::Email(email) => employee.email = email.to_owned(),
            Handle::Mobile { code, number } => {
                match code {
                    Some(code) => {
                        employee.mobile_code = code.trim_start_matches('+').to_owned();
                    }
                    // A number with its own `+` country code has no separate code.
                    None if number.starts_with('+') => employee.mobile_code = String::new(),
                    None => {}
                }
                employee.mobile_number = number.to_owned();
            }
        }
    }
    employee
}

/// The identifiers in one canonical text: ids as given (they are case-sensitive), e-mails
/// in lower case (they match case-insensitively), mobiles with the country code's `+` off.
fn key(given: &[Handle<'_>]) -> String {
    let mut key = String::new();
    for handle in given {
        let _ = match *handle {
            Handle::Id(kind, id) => writeln!(key, "{kind}:{id}"),
            Handle::Email(email) => writeln!(key, "email:{}", email.to_lowercase()),
            Handle::Mobile { code, number } => writeln!(
                key,
                "mobile:{} {number}",
                code.map_or("", |c| c.trim_start_matches('+'))
            ),
        };
    }
    key
}

fn digest(key: &str, attempt: u32, field: &str) -> [u8; 32] {
    let mut hash = Sha256::new();
    hash.update(b"rewardsync sandbox made-up employee\n");
    hash.update(key.as_bytes());
    hash.update(attempt.to_be_bytes());
    hash.update(field.as_bytes());
    hash.finalize().into()
}

fn digest_hex(key: &str, attempt: u32, field: &str) -> String {
    digest(key, attempt, field)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

fn digest_number(key: &str, attempt: u32, field: &str) -> u64 {
    let bytes = digest(key, attempt, field);
    let mut first = [0u8; 8];
    first.copy_from_slice(&bytes[..8]);
    u64::from_be_bytes(first)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::well_formed;

    #[test]
    fn same_identifier_same_employee_and_given_values_are_kept() {
        let given = [Handle::Id(UserIdType::OpenId, "ou_abc123")];
        let a = employee(&given, 0);
        assert_eq!(a, employee(&given, 0));
        assert_eq!(a.open_id, "ou_abc123");
        assert_ne!(a, employee(&given, 1));
        assert_ne!(
            a.union_id,
            employee(&[Handle::Id(UserIdType::OpenId, "ou_abc124")], 0).union_id
        );
        assert_eq!(
            employee(&[Handle::Email("A@Corp.com")], 0).union_id,
            employee(&[Handle::Email("a@corp.com")], 0).union_id,
            "e-mails are case-insensitive"
        );
        let by_mobile = employee(
            &[Handle::Mobile {
                code: Some("+1"),
                number: "2126668888",
            }],
            0,
        );
        assert_eq!(
            (
                by_mobile.mobile_code.as_str(),
                by_mobile.mobile_number.as_str()
            ),
            ("1", "2126668888")
        );
    }

    #[test]
    fn made_up_values_are_well_formed() {
        for i in 0..50 {
            let id = format!("ou_{i}");
            let e = employee(&[Handle::Id(UserIdType::OpenId, &id)], 0);
            for kind in UserIdType::ALL {
                assert!(well_formed(&Handle::Id(kind, e.id(kind))).is_ok(), "{e:?}");
            }
            assert!(well_formed(&Handle::Email(&e.email)).is_ok(), "{e:?}");
            let mobile = Handle::Mobile {
                code: Some(&e.mobile_code),
                number: &e.mobile_number,
            };
            assert!(well_formed(&mobile).is_ok(), "{e:?}");
            assert_eq!(e.user_id.len(), 19);
        }
    }
}
