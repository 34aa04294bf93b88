//! The tenant's employees as the sandbox knows them: who a `referral_user_id` is under
//! each `user_id_type`, and who a mobile number or email registers as a referral account.
//! Read from a CSV (`samples/employees.csv` is built in as the default).

use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

use serde::{Deserialize, Serialize};

pub use crate::feishu::UserIdType;

/// The built-in directory: `samples/employees.csv`.
const SAMPLE: &str = include_str!("../../samples/employees.csv");

/// One employee: a row of the directory CSV.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Employee {
    /// Tenant-wide user id.
    pub user_id: String,
    /// The app's open id.
    pub open_id: String,
    /// The developer's union id.
    pub union_id: String,
    /// Chinese name.
    pub name_zh: String,
    /// English name.
    pub name_en: String,
    /// Work email.
    pub email: String,
    /// Mobile country code, without `+` (e.g. `86`).
    pub mobile_code: String,
    /// Mobile number.
    pub mobile_number: String,
}

impl Employee {
    /// The employee's id under a `user_id_type`.
    pub fn id(&self, kind: UserIdType) -> &str {
        match kind {
            UserIdType::OpenId => &self.open_id,
            UserIdType::UnionId => &self.union_id,
            UserIdType::UserId => &self.user_id,
        }
    }
}

/// Why a directory could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum DirectoryError {
    /// The file could not be opened.
    #[error("cannot open the directory {path}: {source}")]
    Open {
        /// The file.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// A row is not a valid employee.
    #[error("directory line {line}: {source}")]
    Row {
        /// The 1-based line number.
        line: u64,
        /// The cause.
        source: csv::Error,
    },
}

/// The employees, indexed by every kind of id.
#[derive(Debug, Clone)]
pub struct Directory {
    employees: Vec<Employee>,
    by_id: HashMap<(UserIdType, String), usize>,
}

impl Default for Directory {
    fn default() -> Self {
        Directory::sample()
    }
}

impl Directory {
    /// A directory of the given employees.
    pub fn new(employees: Vec<Employee>) -> Directory {
        let mut by_id = HashMap::new();
        for (index, e) in employees.iter().enumerate() {
            for kind in [UserIdType::OpenId, UserIdType::UnionId, UserIdType::UserId] {
                by_id.insert((kind, e.id(kind).to_owned()), index);
            }
        }
        Directory { employees, by_id }
    }

    /// The built-in sample directory (`samples/employees.csv`).
    pub fn sample() -> Directory {
        // The sample is part of the source tree and checked by a unit test.
        Directory::from_reader(SAMPLE.as_bytes()).unwrap_or_else(|_| Directory::new(Vec::new()))
    }

    /// Reads a directory CSV (header row with the eight `Employee` columns).
    pub fn from_reader(reader: impl Read) -> Result<Directory, DirectoryError> {
        let mut csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let mut employees = Vec::new();
        for row in csv.deserialize::<Employee>() {
            let row = row.map_err(|source| DirectoryError::Row {
                line: source.position().map_or(0, |p| p.line()),
                source,
            })?;
            employees.push(row);
        }
        Ok(Directory::new(employees))
    }

    /// Reads a directory CSV file.
    pub fn from_path(path: &Path) -> Result<Directory, DirectoryError> {
        let file = std::fs::File::open(path).map_err(|source| DirectoryError::Open {
            path: path.display().to_string(),
            source,
        })?;
        Directory::from_reader(file)
    }

    /// Every employee, in file order.
    pub fn employees(&self) -> &[Employee] {
        &self.employees
    }

    /// The employee at an index returned by a lookup.
    pub fn get(&self, index: usize) -> Option<&Employee> {
        self.employees.get(index)
    }

    /// The employee with this id under this `user_id_type`.
    pub fn find(&self, kind: UserIdType, id: &str) -> Option<usize> {
        self.by_id.get(&(kind, id.to_owned())).copied()
    }

    /// Employees matching every identifier given: the mobile (country code optional, a
    /// leading `+` ignored) and the email (case-insensitive).
    pub fn matching(
        &self,
        mobile: Option<(Option<&str>, &str)>,
        email: Option<&str>,
    ) -> Vec<usize> {
        self.employees
            .iter()
            .enumerate()
            .filter(|(_, e)| {
                let mobile_ok = mobile.is_none_or(|(code, number)| {
                    e.mobile_number == number
                        && code.is_none_or(|c| c.trim_start_matches('+') == e.mobile_code)
                });
                let email_ok = email.is_none_or(|m| e.email.eq_ignore_ascii_case(m));
                mobile_ok && email_ok
            })
            .map(|(i, _)| i)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sample_loads_with_its_shared_mobile() {
        let sample = Directory::from_reader(SAMPLE.as_bytes()).unwrap();
        assert_eq!(sample.employees().len(), 20);
        assert_eq!(
            sample
                .matching(Some((Some("+86"), "13932222206")), None)
                .len(),
            2
        );
        assert_eq!(
            sample
                .matching(Some((None, "13932222206")), Some("luo.min@example.com"))
                .len(),
            1
        );
        let zhang = sample
            .find(UserIdType::UnionId, "on_16af8f6d836d4f8933684ee1176007cf")
            .unwrap();
        assert_eq!(sample.employees()[zhang].name_en, "Zhang Wei");
    }
}
