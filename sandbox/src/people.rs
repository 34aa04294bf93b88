//! Who the sandbox knows (SPEC §6). Without a strict directory: the directory's employees
//! and anyone else named by a well-formed id, e-mail or mobile, made up on first sight and
//! kept, so that later calls find the same person under any of their ids, e-mail or mobile
//! (a rehearsal with a user's real file goes through). With a strict directory
//! (`--directory FILE`): exactly the directory's employees, and others refused as Feishu
//! refuses them.

use axum::http::StatusCode;

use super::directory::{Directory, DirectorySource, Employee, UserIdType};
use super::identity::{self, Handle, Malformed, Part};
use super::made_up;
use super::mobile;
use super::reply::{Reply, code};

/// How many times a made-up employee is derived again when a derived value is taken.
const MAX_ATTEMPTS: u32 = 16;

/// Why a person named in a request is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The identifier breaks the rule of its kind: 1002002.
    #[error("invalid field {field}: {malformed}")]
    Malformed {
        /// The request field (`referral_user_id`, `email`, `mobile.number`, …).
        field: &'static str,
        /// What is wrong with it.
        malformed: Malformed,
    },
    /// A strict directory has no one with this id: 1002002, the one refusal the import
    /// page documents.
    #[error(
        "invalid field {field}: {id:?} is not the {kind} of anyone in the sandbox's directory \
         ({directory}); with a directory the sandbox knows exactly its {count} employees"
    )]
    NotInDirectory {
        /// The request field.
        field: &'static str,
        /// The id as given.
        id: String,
        /// Its `user_id_type`.
        kind: UserIdType,
        /// Where the directory came from.
        directory: DirectorySource,
        /// How many employees it holds.
        count: usize,
    },
    /// No employee has this mobile / e-mail: 1002551.
    #[error("user not found: {0}")]
    NotFound(String),
    /// Several employees have this mobile / e-mail: 1002552.
    #[error("cannot match a unique user: {0} employees have this mobile / email")]
    NotUnique(usize),
}

impl Refusal {
    /// Feishu's answer for this refusal.
    pub fn reply(&self) -> Reply {
        let msg = self.to_string();
        match self {
            Refusal::Malformed { .. } | Refusal::NotInDirectory { .. } => Reply::param(msg),
            Refusal::NotFound(_) => {
                Reply::error(StatusCode::BAD_REQUEST, code::USER_NOT_FOUND, msg)
            }
            Refusal::NotUnique(_) => {
                Reply::error(StatusCode::BAD_REQUEST, code::USER_NOT_UNIQUE, msg)
            }
        }
    }
}

/// The directory, whether it is strict, and who was made up.
#[derive(Debug, Clone)]
pub struct People {
    directory: Directory,
    strict: bool,
    made_up: Vec<usize>,
}

impl People {
    /// The people of `directory`; `strict` says the sandbox knows no one else.
    pub fn new(directory: Directory, strict: bool) -> People {
        People {
            directory,
            strict,
            made_up: Vec::new(),
        }
    }

    /// Everyone known so far, made-up employees included.
    pub fn directory(&self) -> &Directory {
        &self.directory
    }

    /// The directory, to change while the sandbox runs (an employee leaves, another joins).
    pub fn directory_mut(&mut self) -> &mut Directory {
        &mut self.directory
    }

    /// True when the sandbox knows exactly its directory.
    pub fn is_strict(&self) -> bool {
        self.strict
    }

    /// The employees made up so far, oldest first.
    pub fn made_up(&self) -> impl Iterator<Item = &Employee> {
        self.made_up.iter().filter_map(|&i| self.directory.get(i))
    }

    /// How many employees were made up.
    pub fn made_up_count(&self) -> usize {
        self.made_up.len()
    }

    /// The employee with this id (request field `field`), made up if need be.
    pub fn by_id(
        &mut self,
        field: &'static str,
        kind: UserIdType,
        id: &str,
    ) -> Result<usize, Refusal> {
        if let Some(index) = self.directory.find(kind, id) {
            return Ok(index);
        }
        let handle = Handle::Id(kind, id);
        identity::well_formed(&handle)
            .map_err(|malformed| Refusal::Malformed { field, malformed })?;
        if self.strict {
            return Err(Refusal::NotInDirectory {
                field,
                id: id.to_owned(),
                kind,
                directory: self.directory.source().clone(),
                count: self.directory.employees().len(),
            });
        }
        Ok(self.make_up(&[handle]))
    }

    /// The one employee with this mobile (country code optional) and e-mail, as account
    /// registration looks them up; made up when neither identifier is known yet.
    pub fn by_contact(
        &mut self,
        mobile: Option<(Option<&str>, &str)>,
        email: Option<&str>,
    ) -> Result<usize, Refusal> {
        let matches = self.directory.matching(mobile, email);
        match matches.as_slice() {
            [one] => return Ok(*one),
            [] => {}
            _ => return Err(Refusal::NotUnique(matches.len())),
        }
        let mut given = Vec::new();
        if let Some(email) = email {
            given.push(Handle::Email(email));
        }
        if let Some((code, number)) = mobile {
            given.push(Handle::Mobile { code, number });
        }
        for handle in &given {
            identity::well_formed(handle).map_err(|malformed| Refusal::Malformed {
                field: contact_field(malformed.part),
                malformed,
            })?;
        }
        if self.strict {
            return Err(Refusal::NotFound(format!(
                "no employee in the sandbox's directory ({}) has this mobile / email",
                self.directory.source()
            )));
        }
        // A mobile and an e-mail that each belong to someone already (but not to one
        // person) name no one: making up a third person would make both ambiguous.
        let either_known = given.len() > 1
            && (!self.directory.matching(None, email).is_empty()
                || !self.directory.matching(mobile, None).is_empty());
        if either_known {
            return Err(Refusal::NotFound(
                "no employee has both this mobile and this email (one of them belongs to another employee)"
                    .to_owned(),
            ));
        }
        Ok(self.make_up(&given))
    }

    /// The employee the people lookup answers for an e-mail (case-insensitive): the first
    /// of the directory's with it who has not resigned (or any, with `include_resigned`).
    /// `None` when only resigned employees have it, when no one has it and the directory is
    /// strict or the e-mail malformed; otherwise someone with it is made up.
    pub fn lookup_email(&mut self, email: &str, include_resigned: bool) -> Option<usize> {
        let holders = self.directory.with_email(email).to_vec();
        self.lookup(&holders, include_resigned, Handle::Email(email))
    }

    /// Likewise for a mobile in the lookup's documented form (bare 11 digits for mainland
    /// China, `+CC…` otherwise; see [`mobile::lookup_key`]); any other spelling is `None`.
    pub fn lookup_mobile(&mut self, number: &str, include_resigned: bool) -> Option<usize> {
        let key = mobile::lookup_key(number)?;
        let holders = self.directory.with_mobile_key(&key).to_vec();
        let handle = Handle::Mobile { code: None, number };
        self.lookup(&holders, include_resigned, handle)
    }

    fn lookup(
        &mut self,
        holders: &[usize],
        include_resigned: bool,
        handle: Handle<'_>,
    ) -> Option<usize> {
        if !holders.is_empty() {
            return holders
                .iter()
                .copied()
                .find(|&i| include_resigned || !self.directory.is_resigned(i));
        }
        if self.strict || identity::well_formed(&handle).is_err() {
            return None;
        }
        Some(self.make_up(&[handle]))
    }

    /// Makes up the employee for `given` (derived again in the rare case that a derived
    /// value is taken) and keeps it.
    fn make_up(&mut self, given: &[Handle<'_>]) -> usize {
        let mut attempt = 0;
        let employee = loop {
            let candidate = made_up::employee(given, attempt);
            if attempt + 1 >= MAX_ATTEMPTS || !self.directory.holds_any_of(&candidate) {
                break candidate;
            }
            attempt += 1;
        };
        let index = self.directory.push(employee);
        self.made_up.push(index);
        index
    }
}

/// The registration field a malformed part belongs to.
fn contact_field(part: Part) -> &'static str {
    match part {
        Part::Whole => "email",
        Part::MobileCode => "mobile.code",
        Part::MobileNumber => "mobile.number",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ZHANG_OPEN: &str = "ou_8fe08882a7ae1007efe66632ce51f7a2";

    #[test]
    fn open_people_make_up_strangers_once_and_find_them_by_any_identifier() {
        let mut people = People::new(Directory::sample(), false);
        let zhang = people.by_id("f", UserIdType::OpenId, ZHANG_OPEN).unwrap();
        assert_eq!(people.made_up_count(), 0);
        let stranger = people
            .by_id("f", UserIdType::OpenId, "ou_stranger1")
            .unwrap();
        assert_ne!(zhang, stranger);
        assert_eq!(
            people.by_id("f", UserIdType::OpenId, "ou_stranger1"),
            Ok(stranger)
        );
        assert_eq!(people.made_up_count(), 1);
        let made_up = people.directory().employees()[stranger].clone();
        assert_eq!(
            people.by_id("f", UserIdType::UnionId, &made_up.union_id),
            Ok(stranger)
        );
        assert_eq!(people.by_contact(None, Some(&made_up.email)), Ok(stranger));
        assert_eq!(
            people.by_contact(Some((None, &made_up.mobile_number)), None),
            Ok(stranger)
        );
        assert_eq!(people.made_up_count(), 1);
    }

    #[test]
    fn malformed_ids_are_refused_naming_the_field() {
        let mut people = People::new(Directory::sample(), false);
        let refusal = people
            .by_id("referral_user_id", UserIdType::OpenId, "ou_not_an_employee")
            .unwrap_err();
        assert!(matches!(refusal, Refusal::Malformed { .. }));
        assert!(
            refusal
                .to_string()
                .starts_with("invalid field referral_user_id: \"ou_not_an_employee\""),
            "{refusal}"
        );
        let refusal = people
            .by_contact(Some((Some("86"), "139-1000")), None)
            .unwrap_err();
        assert!(refusal.to_string().contains("mobile.number"), "{refusal}");
        assert_eq!(people.made_up_count(), 0);
    }

    #[test]
    fn strict_people_know_exactly_the_directory() {
        let mut people = People::new(Directory::sample(), true);
        assert!(people.by_id("f", UserIdType::OpenId, ZHANG_OPEN).is_ok());
        let refusal = people
            .by_id("referral_user_id", UserIdType::OpenId, "ou_stranger1")
            .unwrap_err();
        assert!(
            refusal
                .to_string()
                .contains("not the open_id of anyone in the sandbox's directory (the built-in"),
            "{refusal}"
        );
        assert!(matches!(
            people.by_contact(None, Some("nobody@example.com")),
            Err(Refusal::NotFound(_))
        ));
        assert_eq!(
            people.by_contact(Some((Some("86"), "13932222206")), None),
            Err(Refusal::NotUnique(2))
        );
        assert_eq!(people.made_up_count(), 0);
    }

    fn with_one_resigned() -> Directory {
        let csv = "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number,resigned\n\
                   u1,ou_1,on_1,甲,A,a@corp.com,,+86 139 0000 0001,\n\
                   u2,ou_2,on_2,乙,B,left@corp.com,86,13900000002,true\n";
        Directory::from_reader(csv.as_bytes()).unwrap()
    }

    #[test]
    fn lookups_hide_resigned_people_unless_asked_and_never_make_them_up_again() {
        for strict in [true, false] {
            let mut people = People::new(with_one_resigned(), strict);
            assert_eq!(people.lookup_email("A@corp.com", false), Some(0));
            assert_eq!(people.lookup_mobile("13900000001", false), Some(0));
            assert_eq!(people.lookup_email("left@corp.com", false), None);
            assert_eq!(people.lookup_email("left@corp.com", true), Some(1));
            assert_eq!(people.lookup_mobile("13900000002", true), Some(1));
            // The documented form only: +86 in front is not how mainland numbers are sent.
            assert_eq!(people.lookup_mobile("+8613900000001", false), None);
            assert_eq!(people.made_up_count(), 0, "strict {strict}");
        }
    }

    #[test]
    fn open_lookups_make_up_strangers_whose_open_id_the_import_then_accepts() {
        let mut people = People::new(with_one_resigned(), false);
        let a = people.lookup_email("new.hire@corp.com", false).unwrap();
        assert_eq!(people.lookup_email("NEW.HIRE@corp.com", false), Some(a));
        let open_id = people.directory().employees()[a].open_id.clone();
        assert_eq!(
            people.by_id("referral_user_id", UserIdType::OpenId, &open_id),
            Ok(a)
        );
        let b = people.lookup_mobile("+12126668888", false).unwrap();
        assert_eq!(people.lookup_mobile("+12126668888", false), Some(b));
        let c = people.lookup_mobile("13811112222", false).unwrap();
        assert_eq!(
            people.directory().employees()[c].mobile_number,
            "13811112222"
        );
        assert_eq!(people.lookup_email("not-an-email", false), None);
        assert_eq!(people.lookup_mobile("2126668888", false), None);
        assert_eq!(people.made_up_count(), 3);
        // Another sandbox makes up the same person for the same e-mail.
        let mut other = People::new(Directory::sample(), false);
        let again = other.lookup_email("new.hire@corp.com", false).unwrap();
        assert_eq!(other.directory().employees()[again].open_id, open_id);
    }

    #[test]
    fn a_mobile_and_an_email_of_two_different_people_name_no_one() {
        let mut people = People::new(Directory::sample(), false);
        let refusal = people
            .by_contact(
                Some((Some("86"), "13910000000")),
                Some("someone.new@corp.com"),
            )
            .unwrap_err();
        assert!(matches!(refusal, Refusal::NotFound(_)), "{refusal}");
        let both_new = people
            .by_contact(Some((Some("86"), "18900001111")), Some("hire@open.com"))
            .unwrap();
        let e = &people.directory().employees()[both_new];
        assert_eq!(
            (e.email.as_str(), e.mobile_number.as_str()),
            ("hire@open.com", "18900001111")
        );
    }
}
