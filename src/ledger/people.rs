//! The people cache (SPEC §2.3, migration 5): the Feishu id each e-mail or mobile was
//! resolved to, per kind of id, with the status flags Feishu gave and the run that looked
//! it up. Only people Feishu returned are kept: a person it did not return (or a candidate
//! it returned several times) is looked up again on the next run, never cached as missing.

use rusqlite::{OptionalExtension, params};

use super::{Ledger, LedgerError, NOW, sql_error};
use crate::feishu::UserIdType;
use crate::read::person::Contact;

/// Where a person is looked up, and so which kind of id they resolve to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Directory {
    /// An employee, in the contact directory, as an id of this type.
    Users(UserIdType),
    /// A candidate, in the talent pool: a talent_id.
    Talents,
}

impl Directory {
    /// `user` or `talent`, as stored.
    fn kind(self) -> &'static str {
        match self {
            Directory::Users(_) => "user",
            Directory::Talents => "talent",
        }
    }

    /// The kind of id, as stored.
    fn id_type(self) -> &'static str {
        match self {
            Directory::Users(kind) => kind.as_str(),
            Directory::Talents => "talent_id",
        }
    }
}

/// A person as the cache keys them: the directory and how the file named them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PersonKey {
    /// Where they are looked up.
    pub directory: Directory,
    /// Their e-mail or mobile.
    pub contact: Contact,
}

impl PersonKey {
    fn columns(&self) -> (&'static str, &'static str, String, &'static str) {
        (
            self.directory.kind(),
            self.contact.kind(),
            self.contact.lookup_form(),
            self.directory.id_type(),
        )
    }
}

/// A person Feishu returned.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FoundPerson {
    /// Who was looked up.
    pub key: PersonKey,
    /// Their id, of the directory's kind.
    pub id: String,
    /// The status flags Feishu gave (JSON as it came), when the app may read them.
    pub status: Option<String>,
}

impl Ledger {
    /// The id each person resolved to in an earlier run, in the order given; `None` for
    /// people never found.
    pub fn known_people(&self, keys: &[PersonKey]) -> Result<Vec<Option<String>>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT resolved_id FROM people
                 WHERE directory = ?1 AND contact = ?2 AND value = ?3 AND id_type = ?4",
            )
            .map_err(|e| self.sql(e))?;
        keys.iter()
            .map(|key| {
                let (directory, contact, value, id_type) = key.columns();
                stmt.query_row(params![directory, contact, value, id_type], |r| r.get(0))
                    .optional()
                    .map_err(|e| self.sql(e))
            })
            .collect()
    }

    /// Records the people a run found, all or nothing; a person found again (after
    /// `--refresh-people`) takes the new id, flags and run.
    pub fn remember_people(&self, run: i64, found: &[FoundPerson]) -> Result<(), LedgerError> {
        // The ledger's thread runs one call at a time: no other transaction is open.
        let tx = self
            .conn
            .unchecked_transaction()
            .map_err(|e| sql_error(&self.path, &e))?;
        {
            let mut insert = tx
                .prepare_cached(&format!(
                    "INSERT INTO people (directory, contact, value, id_type, resolved_id, status, looked_up_at, run_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW}, ?7)
                     ON CONFLICT (directory, contact, value, id_type) DO UPDATE SET
                        resolved_id = excluded.resolved_id, status = excluded.status,
                        looked_up_at = excluded.looked_up_at, run_id = excluded.run_id"
                ))
                .map_err(|e| sql_error(&self.path, &e))?;
            for person in found {
                let (directory, contact, value, id_type) = person.key.columns();
                insert
                    .execute(params![
                        directory,
                        contact,
                        value,
                        id_type,
                        person.id,
                        person.status,
                        run
                    ])
                    .map_err(|e| sql_error(&self.path, &e))?;
            }
        }
        tx.commit().map_err(|e| sql_error(&self.path, &e))
    }

    /// How many people the cache holds.
    pub fn people_count(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row("SELECT COUNT(*) FROM people", [], |r| r.get(0))
            .map_err(|e| self.sql(e))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::forms;

    fn email(directory: Directory, value: &str) -> PersonKey {
        PersonKey {
            directory,
            contact: Contact::Email(value.into()),
        }
    }

    fn found(key: &PersonKey, id: &str) -> FoundPerson {
        FoundPerson {
            key: key.clone(),
            id: id.into(),
            status: None,
        }
    }

    #[test]
    fn found_people_are_known_per_directory_and_id_type_and_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let open_id = email(Directory::Users(UserIdType::OpenId), "zhang@example.com");
        let union_id = email(Directory::Users(UserIdType::UnionId), "zhang@example.com");
        let talent = email(Directory::Talents, "zhang@example.com");
        let mobile = PersonKey {
            directory: Directory::Users(UserIdType::OpenId),
            contact: Contact::Mobile(forms::mobile("+86 139 1234 5678").unwrap()),
        };
        {
            let ledger = Ledger::open(&path).unwrap();
            let run = ledger
                .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
                .unwrap();
            assert_eq!(
                ledger.known_people(std::slice::from_ref(&open_id)).unwrap(),
                [None]
            );
            ledger
                .remember_people(run, &[found(&open_id, "ou_1"), found(&mobile, "ou_2")])
                .unwrap();
        }
        let ledger = Ledger::open(&path).unwrap();
        let same_mobile = PersonKey {
            directory: Directory::Users(UserIdType::OpenId),
            contact: Contact::Mobile(forms::mobile("13912345678").unwrap()),
        };
        assert_eq!(
            ledger
                .known_people(&[open_id.clone(), union_id, talent, same_mobile])
                .unwrap(),
            [Some("ou_1".into()), None, None, Some("ou_2".into())]
        );
        // Looked up again (--refresh-people): the new id replaces the old one.
        let run = ledger
            .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
            .unwrap();
        ledger
            .remember_people(run, &[found(&open_id, "ou_9")])
            .unwrap();
        assert_eq!(
            ledger.known_people(&[open_id]).unwrap(),
            [Some("ou_9".into())]
        );
        assert_eq!(ledger.people_count().unwrap(), 2);
    }
}
