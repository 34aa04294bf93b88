//! The tenant's employees as the sandbox knows them: who a `referral_user_id` is under
//! each `user_id_type`, and who a mobile number or email registers as a referral account.
//! Read from a CSV (`samples/employees.csv` is built in as the default); made-up employees
//! are appended to it at run time (see `people`).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

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

/// Where a directory came from, for messages that name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DirectorySource {
    /// The built-in `samples/employees.csv`.
    BuiltIn,
    /// A CSV file (`--directory FILE`).
    File(PathBuf),
    /// Employees handed over in memory (tests).
    Memory,
}

impl fmt::Display for DirectorySource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DirectorySource::BuiltIn => f.write_str("the built-in samples/employees.csv"),
            DirectorySource::File(path) => write!(f, "--directory {}", path.display()),
            DirectorySource::Memory => f.write_str("a directory given in memory"),
        }
    }
}

/// The employees, indexed by every kind of id, e-mail (case-insensitive) and mobile number.
#[derive(Debug, Clone)]
pub struct Directory {
    source: DirectorySource,
    employees: Vec<Employee>,
    by_id: HashMap<(UserIdType, String), usize>,
    by_email: HashMap<String, Vec<usize>>,
    by_mobile: HashMap<String, Vec<usize>>,
}

impl Default for Directory {
    fn default() -> Self {
        Directory::sample()
    }
}

impl Directory {
    /// A directory of the given employees (its source: [`DirectorySource::Memory`]).
    pub fn new(employees: Vec<Employee>) -> Directory {
        let mut directory = Directory {
            source: DirectorySource::Memory,
            employees: Vec::with_capacity(employees.len()),
            by_id: HashMap::new(),
            by_email: HashMap::new(),
            by_mobile: HashMap::new(),
        };
        for employee in employees {
            directory.push(employee);
        }
        directory
    }

    /// The same directory, said to come from `source`.
    pub fn with_source(mut self, source: DirectorySource) -> Directory {
        self.source = source;
        self
    }

    /// The built-in sample directory (`samples/employees.csv`).
    pub fn sample() -> Directory {
        // The sample is part of the source tree and checked by a unit test.
        Directory::from_reader(SAMPLE.as_bytes())
            .unwrap_or_else(|_| Directory::new(Vec::new()))
            .with_source(DirectorySource::BuiltIn)
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
        Ok(Directory::from_reader(file)?.with_source(DirectorySource::File(path.to_owned())))
    }

    /// Where the directory came from.
    pub fn source(&self) -> &DirectorySource {
        &self.source
    }

    /// Adds an employee and returns its index.
    pub fn push(&mut self, employee: Employee) -> usize {
        let index = self.employees.len();
        for kind in UserIdType::ALL {
            self.by_id
                .insert((kind, employee.id(kind).to_owned()), index);
        }
        self.by_email
            .entry(employee.email.to_lowercase())
            .or_default()
            .push(index);
        self.by_mobile
            .entry(employee.mobile_number.clone())
            .or_default()
            .push(index);
        self.employees.push(employee);
        index
    }

    /// Every employee, in file order (then made-up ones, in the order they were made up).
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
    /// leading `+` ignored) and the email (case-insensitive). With neither: everyone.
    pub fn matching(
        &self,
        mobile: Option<(Option<&str>, &str)>,
        email: Option<&str>,
    ) -> Vec<usize> {
        let candidates: Vec<usize> = match (email, mobile) {
            (Some(email), _) => self
                .by_email
                .get(&email.to_lowercase())
                .cloned()
                .unwrap_or_default(),
            (None, Some((_, number))) => self.by_mobile.get(number).cloned().unwrap_or_default(),
            (None, None) => (0..self.employees.len()).collect(),
        };
        candidates
            .into_iter()
            .filter(|&i| {
                self.employees.get(i).is_some_and(|e| {
                    let mobile_ok = mobile.is_none_or(|(code, number)| {
                        e.mobile_number == number
                            && code.is_none_or(|c| c.trim_start_matches('+') == e.mobile_code)
                    });
                    let email_ok = email.is_none_or(|m| e.email.to_lowercase() == m.to_lowercase());
                    mobile_ok && email_ok
                })
            })
            .collect()
    }

    /// True when any of the employee's ids, e-mail or mobile already belongs to someone.
    pub fn holds_any_of(&self, employee: &Employee) -> bool {
        UserIdType::ALL
            .into_iter()
            .any(|kind| self.find(kind, employee.id(kind)).is_some())
            || !self.matching(None, Some(&employee.email)).is_empty()
            || !self
                .matching(
                    Some((Some(&employee.mobile_code), &employee.mobile_number)),
                    None,
                )
                .is_empty()
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
        let built_in = Directory::sample();
        assert_eq!(built_in.source(), &DirectorySource::BuiltIn);
        assert_eq!(built_in.employees(), sample.employees());
    }

    #[test]
    fn pushed_employees_are_found_by_every_identifier() {
        let mut directory = Directory::new(Vec::new());
        let index = directory.push(Employee {
            user_id: "u1".into(),
            open_id: "ou_1".into(),
            union_id: "on_1".into(),
            name_zh: "甲".into(),
            name_en: "A".into(),
            email: "A@Corp.com".into(),
            mobile_code: "1".into(),
            mobile_number: "2126668888".into(),
        });
        assert_eq!(directory.find(UserIdType::UserId, "u1"), Some(index));
        assert_eq!(directory.matching(None, Some("a@corp.COM")), [index]);
        assert_eq!(
            directory.matching(Some((Some("+1"), "2126668888")), None),
            [index]
        );
        assert!(
            directory
                .matching(Some((Some("86"), "2126668888")), None)
                .is_empty()
        );
        let employee = directory.employees()[index].clone();
        assert!(directory.holds_any_of(&employee));
        assert_eq!(
            DirectorySource::File("emp.csv".into()).to_string(),
            "--directory emp.csv"
        );
    }
}
