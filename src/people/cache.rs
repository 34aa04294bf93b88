//! The resolve phase of an import (SPEC §2.3), as far as the ledger goes: whether a file
//! names people at all, which of its people the ledger's cache already knows, and what a
//! dry run says about them (it makes no lookups).

use std::collections::HashSet;

use serde::Serialize;

use crate::feishu::UserIdType;
use crate::ledger::{Ledger, LedgerError, PersonKey};
use crate::people::book::{PeopleBook, Resolution};
use crate::read::mapping::RewardFile;
use crate::read::person::Role;

/// True when the file can name people by e-mail or mobile (a column, or a default).
pub fn names_people(file: &RewardFile) -> bool {
    Role::ALL
        .iter()
        .flat_map(|role| [role.email_field(), role.mobile_field()])
        .any(|field| file.mapping().gives(field))
}

/// The people of a file, before any lookup.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PeopleCounts {
    /// Distinct people the valid rows name by e-mail or mobile.
    pub named: u64,
    /// Of those, the ones the ledger resolved in an earlier run.
    pub known: u64,
    /// The ones to look up (all of them with `--refresh-people`).
    pub to_look_up: u64,
}

/// A book of what the ledger's cache knows of `people` (nothing with `refresh`), and the
/// people left to look up.
pub fn from_cache(
    ledger: Option<&Ledger>,
    people: HashSet<PersonKey>,
    user_id_type: UserIdType,
    refresh: bool,
) -> Result<(PeopleBook, Vec<PersonKey>, PeopleCounts), LedgerError> {
    let people: Vec<PersonKey> = people.into_iter().collect();
    let known = match ledger {
        Some(ledger) if !refresh => ledger.known_people(&people)?,
        _ => vec![None; people.len()],
    };
    let mut book = PeopleBook::new(user_id_type);
    let mut unknown = Vec::new();
    for (key, id) in people.into_iter().zip(known) {
        match id {
            Some(id) => book.insert(key, Resolution::Found(id)),
            None => unknown.push(key),
        }
    }
    let counts = PeopleCounts {
        named: (book.len() + unknown.len()) as u64,
        known: book.len() as u64,
        to_look_up: unknown.len() as u64,
    };
    Ok((book, unknown, counts))
}
