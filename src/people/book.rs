//! The resolve phase (SPEC §2.3), between validation and the plan: the people a file
//! names by e-mail or mobile become Feishu ids. [`Wanted::key`] says where each is looked
//! up; a [`PeopleBook`] holds what the ledger's cache and this run's lookups found, and
//! [`PeopleBook::fill`] puts the ids into a row's body, or says why a person could not be
//! resolved: Feishu answered it has no such person (the row is then `unresolved`), or the
//! person could not be looked up this run (the row stays `pending`). Either way the row is
//! not sent, and its people are looked up again next run.

use std::collections::{HashMap, HashSet};

use crate::feishu::UserIdType;
use crate::ledger::{Directory, PersonKey};
use crate::read::ReadError;
use crate::read::mapping::RewardFile;
use crate::read::person::{Contact, Role, Wanted};
use crate::read::validate::{Checked, Problem, Rule, Validator, check_rows};

/// What a lookup found for one person.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// Their id.
    Found(String),
    /// Feishu returned no one.
    NotFound,
    /// Several talents hold this e-mail or mobile (duplicates in the talent pool).
    Ambiguous(Vec<String>),
    /// Not looked up (a dry run): the body shows `(looked up at import: …)` in its place.
    ToLookUp,
    /// The lookup got no answer this run, or its call was refused whole; why. Not "no such
    /// person": the row stays `pending` (SPEC §4).
    Unanswered(String),
}

/// A person a row names that could not be looked up this run (an outage, a stop): not
/// known to be missing, so the row stays `pending` rather than `unresolved`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unanswered {
    /// Which column and person, and why, as a row problem.
    pub problem: Problem,
    /// Why, without the person ("Feishu did not answer: …"): what the summary groups by.
    pub why: String,
}

/// What [`PeopleBook::fill`] made of a row's people; both empty: the body is complete.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filled {
    /// People Feishu answered it does not have (or has several of): the row is unresolved.
    pub unresolved: Vec<Problem>,
    /// People who could not be looked up this run.
    pub unanswered: Vec<Unanswered>,
}

impl Filled {
    /// True when every person was resolved.
    pub fn is_complete(&self) -> bool {
        self.unresolved.is_empty() && self.unanswered.is_empty()
    }
}

/// Where a person a row wants is looked up, for ids of `user_id_type`.
pub fn key_of(wanted: &Wanted, user_id_type: UserIdType) -> PersonKey {
    PersonKey {
        directory: if wanted.role.is_employee() {
            Directory::Users(user_id_type)
        } else {
            Directory::Talents
        },
        contact: wanted.contact.clone(),
    }
}

/// The distinct people the valid rows of a file name by e-mail or mobile: the first pass
/// of an import whose file has people columns. Holds the people only, never the rows.
pub fn people_of_file(
    file: &mut RewardFile,
    user_id_type: UserIdType,
) -> Result<HashSet<PersonKey>, ReadError> {
    let mut validator = Validator::for_file(file);
    let mut people = HashSet::new();
    check_rows(
        file,
        &mut validator,
        |_| (),
        |rows| -> Result<(), ReadError> {
            for row in rows.iter().filter(|r| r.checked.is_valid()) {
                people.extend(row.checked.people.iter().map(|w| key_of(w, user_id_type)));
            }
            Ok(())
        },
    )?;
    Ok(people)
}

/// The people of one run: what the cache knew and what the lookups found.
#[derive(Debug, Default)]
pub struct PeopleBook {
    user_id_type: Option<UserIdType>,
    known: HashMap<PersonKey, Resolution>,
}

impl PeopleBook {
    /// An empty book for ids of `user_id_type`.
    pub fn new(user_id_type: UserIdType) -> PeopleBook {
        PeopleBook {
            user_id_type: Some(user_id_type),
            known: HashMap::new(),
        }
    }

    /// Records what was found for `key`.
    pub fn insert(&mut self, key: PersonKey, resolution: Resolution) {
        self.known.insert(key, resolution);
    }

    /// How many people the book holds.
    pub fn len(&self) -> usize {
        self.known.len()
    }

    /// True when it holds no one.
    pub fn is_empty(&self) -> bool {
        self.known.is_empty()
    }

    /// Fills the ids of a valid row's people into its body, and says of the others
    /// whether Feishu has no such person or could not be asked; when both lists are empty
    /// the body is complete and [`Checked::is_ready`] holds.
    pub fn fill(&self, checked: &mut Checked) -> Filled {
        let user_id_type = self.user_id_type.unwrap_or(UserIdType::OpenId);
        let mut filled = Filled::default();
        let Some(body) = checked.body.as_mut() else {
            return filled;
        };
        let beside_application = body.application_id.is_some();
        let mut left = Vec::new();
        for wanted in std::mem::take(&mut checked.people) {
            match self.known.get(&key_of(&wanted, user_id_type)) {
                Some(Resolution::Found(id)) => wanted.role.fill(body, id.clone()),
                Some(Resolution::ToLookUp) => wanted
                    .role
                    .fill(body, format!("(looked up at import: {})", wanted.contact)),
                Some(Resolution::Unanswered(why)) => {
                    filled.unanswered.push(unanswered(&wanted, why));
                    left.push(wanted);
                }
                // Not in the book: its lookup was never made (the run stopped first).
                None => {
                    let why = "the run stopped before it was looked up";
                    filled.unanswered.push(unanswered(&wanted, why));
                    left.push(wanted);
                }
                Some(found) => {
                    filled
                        .unresolved
                        .push(unresolved(&wanted, found, beside_application));
                    left.push(wanted);
                }
            }
        }
        checked.people = left;
        filled
    }
}

/// A person as a message names them: `e-mail "…"`, `mobile "…"`.
fn what(wanted: &Wanted) -> String {
    match &wanted.contact {
        Contact::Email(email) => format!("e-mail {}", crate::text::echo(email)),
        Contact::Mobile(mobile) => format!("mobile {}", crate::text::echo(&mobile.to_string())),
    }
}

/// A person who could not be looked up this run, and why.
fn unanswered(wanted: &Wanted, why: &str) -> Unanswered {
    let message = format!(
        "{} could not be looked up ({why}); the next run looks it up again",
        what(wanted)
    );
    Unanswered {
        problem: Problem::error(Some(&wanted.column), Rule::Unresolved, message),
        why: why.to_owned(),
    }
}

/// Why Feishu resolved no one (or several talents) for a person, with what the
/// documentation says may cause it. `beside_application`: the row gives an
/// application_id too, so the way out for a candidate is to leave their column empty
/// rather than to give an application_id.
fn unresolved(wanted: &Wanted, found: &Resolution, beside_application: bool) -> Problem {
    let what = what(wanted);
    let instead = if beside_application {
        format!(
            "give the candidate's talent_id instead, or leave {} empty to send the application_id alone",
            wanted.column
        )
    } else {
        "give the candidate's talent_id or application_id instead".to_owned()
    };
    let message = match (wanted.role, found) {
        (Role::Talent, Resolution::Ambiguous(ids)) => format!(
            "{} talents have {what} ({}); {instead}",
            ids.len(),
            // The server's ids: shown as its text is, and not all of a long list.
            crate::text::list(
                &ids.iter()
                    .map(|id| crate::text::server_text(id))
                    .collect::<Vec<_>>(),
                5
            )
        ),
        (Role::Talent, Resolution::NotFound) => format!(
            "no talent has {what}; check the candidate is in Feishu Hire's talent pool with this {}, or {instead}",
            wanted.contact.kind()
        ),
        (_, _) => {
            let mail = match wanted.contact {
                Contact::Email(_) => {
                    "; or it is a Feishu Mail (enterprise mailbox) address, which never matches: give the person's own contact e-mail"
                }
                Contact::Mobile(_) => "",
            };
            format!(
                "no Feishu user has {what}: the person may have left (try --include-resigned), or be outside the app's data range (widen it in the developer console){mail}"
            )
        }
    };
    Problem::error(Some(&wanted.column), Rule::Unresolved, message)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::forms;
    use crate::read::mapping::{InputOptions, RewardFile};
    use crate::read::validate::Validator;

    fn checked(csv: &str) -> Vec<Checked> {
        let mut file = RewardFile::from_csv(
            "p.csv".into(),
            Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
            &InputOptions::default(),
        )
        .unwrap();
        let mut validator = Validator::for_file(&file);
        let mut rows = Vec::new();
        while let Some((_, row)) = validator.next(&mut file).unwrap() {
            rows.push(row);
        }
        rows
    }

    fn user(contact: Contact) -> PersonKey {
        PersonKey {
            directory: Directory::Users(UserIdType::OpenId),
            contact,
        }
    }

    fn talent(contact: Contact) -> PersonKey {
        PersonKey {
            directory: Directory::Talents,
            contact,
        }
    }

    const CSV: &str = "referral_user_email,talent_mobile,pay_user_mobile,external_id,rule_type,stage,point_bonus\n\
        zhang@example.com,139 1234 5678,+1 212 666 8888,R1,1,3,100\n";

    #[test]
    fn a_file_names_each_person_once_whatever_the_form_and_invalid_rows_name_no_one() {
        let csv = "referral_user_email,referral_user_mobile,talent_email,external_id,rule_type,stage,point_bonus\n\
            zhang@example.com,,c1@example.com,R1,1,3,100\n\
            zhang@example.com,,c1@example.com,R2,1,3,100\n\
            ,+86 139 1234 5678,c2@example.com,R3,1,3,100\n\
            ,139-1234-5678,c2@example.com,R4,1,3,100\n\
            ghost@example.com,,c3@example.com,R5,9,3,100\n";
        let mut file = RewardFile::from_csv(
            "p.csv".into(),
            Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
            &InputOptions::default(),
        )
        .unwrap();
        let people = people_of_file(&mut file, UserIdType::UnionId).unwrap();
        let mobile = Contact::Mobile(forms::mobile("13912345678").unwrap());
        let expected: HashSet<PersonKey> = [
            PersonKey {
                directory: Directory::Users(UserIdType::UnionId),
                contact: Contact::Email("zhang@example.com".into()),
            },
            PersonKey {
                directory: Directory::Users(UserIdType::UnionId),
                contact: mobile,
            },
            talent(Contact::Email("c1@example.com".into())),
            talent(Contact::Email("c2@example.com".into())),
        ]
        .into_iter()
        .collect();
        assert_eq!(
            people, expected,
            "R5 is invalid (rule_type 9): its people are not looked up"
        );
    }

    #[test]
    fn found_people_fill_the_body_as_if_the_file_gave_their_ids() {
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(
            user(Contact::Email("zhang@example.com".into())),
            Resolution::Found("ou_z".into()),
        );
        book.insert(
            talent(Contact::Mobile(forms::mobile("13912345678").unwrap())),
            Resolution::Found("7200".into()),
        );
        book.insert(
            user(Contact::Mobile(forms::mobile("+12126668888").unwrap())),
            Resolution::Found("ou_p".into()),
        );
        let mut row = checked(CSV).remove(0);
        assert!(book.fill(&mut row).is_complete());
        assert!(row.is_ready());
        let by_ids = checked(
            "referral_user_id,talent_id,pay_user_id,external_id,rule_type,stage,point_bonus\n\
             ou_z,7200,ou_p,R1,1,3,100\n",
        )
        .remove(0);
        assert_eq!(
            row.body.unwrap().canonical(),
            by_ids.body.unwrap().canonical(),
            "the same body, the same hash"
        );
    }

    /// SPEC §2.3: the candidate's e-mail beside an application_id becomes its talent_id;
    /// the application_id stays, as if the file had given both ids.
    #[test]
    fn a_candidate_beside_an_application_id_fills_talent_id_and_keeps_the_application() {
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(
            talent(Contact::Email("li.na@example.com".into())),
            Resolution::Found("7300".into()),
        );
        let mut row = checked(
            "referral_user_id,application_id,talent_email,external_id,rule_type,stage,point_bonus\n\
             ou_z,7214,li.na@example.com,R1,1,3,100\n",
        )
        .remove(0);
        assert!(book.fill(&mut row).is_complete());
        assert!(row.is_ready());
        let by_ids = checked(
            "referral_user_id,application_id,talent_id,external_id,rule_type,stage,point_bonus\n\
             ou_z,7214,7300,R1,1,3,100\n",
        )
        .remove(0);
        assert_eq!(
            row.body.unwrap().canonical(),
            by_ids.body.unwrap().canonical()
        );
    }

    #[test]
    fn an_unknown_candidate_beside_an_application_id_says_to_leave_its_column_empty() {
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(
            talent(Contact::Mobile(forms::mobile("13912345678").unwrap())),
            Resolution::NotFound,
        );
        let mut row = checked(
            "referral_user_id,application_id,talent_mobile,external_id,rule_type,stage,point_bonus\n\
             ou_z,7214,13912345678,R1,1,3,100\n",
        )
        .remove(0);
        let problems = book.fill(&mut row).unresolved;
        assert!(!row.is_ready(), "not sent with the application_id alone");
        assert_eq!(
            problems
                .iter()
                .map(|p| (p.column.as_deref(), p.rule, p.message.as_str()))
                .collect::<Vec<_>>(),
            [(
                Some("talent_mobile"),
                Rule::Unresolved,
                "no talent has mobile \"13912345678\"; check the candidate is in Feishu Hire's talent pool with this mobile, or give the candidate's talent_id instead, or leave talent_mobile empty to send the application_id alone"
            )]
        );
    }

    #[test]
    fn the_unresolved_say_why_with_the_documented_causes() {
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(
            user(Contact::Email("zhang@example.com".into())),
            Resolution::NotFound,
        );
        book.insert(
            talent(Contact::Mobile(forms::mobile("13912345678").unwrap())),
            Resolution::Ambiguous(vec!["7200".into(), "7201".into()]),
        );
        book.insert(
            user(Contact::Mobile(forms::mobile("+12126668888").unwrap())),
            Resolution::Found("ou_p".into()),
        );
        let mut row = checked(CSV).remove(0);
        let problems = book.fill(&mut row).unresolved;
        assert!(!row.is_ready());
        assert_eq!(row.people.len(), 2, "the payer was resolved");
        let texts: Vec<String> = problems
            .iter()
            .map(|p| {
                format!(
                    "column {}: {}",
                    p.column.as_deref().unwrap_or(""),
                    p.message
                )
            })
            .collect();
        assert_eq!(
            texts,
            [
                "column referral_user_email: no Feishu user has e-mail \"zhang@example.com\": the person may have left (try --include-resigned), or be outside the app's data range (widen it in the developer console); or it is a Feishu Mail (enterprise mailbox) address, which never matches: give the person's own contact e-mail",
                "column talent_mobile: 2 talents have mobile \"13912345678\" (7200, 7201); give the candidate's talent_id or application_id instead",
            ]
        );
        assert!(problems.iter().all(|p| p.rule == Rule::Unresolved));
    }

    /// Issue 22: a person whose lookup failed, or was never made, is not "no such
    /// person": the row is held back as unanswered, never unresolved.
    #[test]
    fn people_not_looked_up_are_unanswered_not_unresolved() {
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(
            user(Contact::Email("zhang@example.com".into())),
            Resolution::Unanswered("Feishu did not answer: HTTP 503".into()),
        );
        book.insert(
            user(Contact::Mobile(forms::mobile("+12126668888").unwrap())),
            Resolution::Found("ou_p".into()),
        );
        // The talent's mobile is not in the book: the run stopped before its lookup.
        let mut row = checked(CSV).remove(0);
        let filled = book.fill(&mut row);
        assert!(!row.is_ready());
        assert!(filled.unresolved.is_empty(), "{:?}", filled.unresolved);
        let texts: Vec<(&str, &str)> = filled
            .unanswered
            .iter()
            .map(|u| (u.why.as_str(), u.problem.message.as_str()))
            .collect();
        assert_eq!(
            texts,
            [
                (
                    "Feishu did not answer: HTTP 503",
                    "e-mail \"zhang@example.com\" could not be looked up (Feishu did not answer: HTTP 503); the next run looks it up again"
                ),
                (
                    "the run stopped before it was looked up",
                    "mobile \"13912345678\" could not be looked up (the run stopped before it was looked up); the next run looks it up again"
                ),
            ]
        );
    }
}
