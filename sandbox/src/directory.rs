//! The tenant's employees as the sandbox knows them: who a `referral_user_id` is under
//! each `user_id_type`, and who a mobile number or email registers as a referral account.
//! Read from a CSV (`samples/employees.csv` is built in as the default), whose optional
//! `resigned` column marks employees who left (the people lookup hides them unless asked);
//! a roster that gives people only by e-mail or mobile (an HR export has no Feishu ids) gets
//! their ids made up as a stranger's are, so the same person always has the same ids.
//! Made-up employees are appended to it at run time (see `people`).

use std::collections::HashMap;
use std::fmt;
use std::io::Read;
use std::path::{Path, PathBuf};

use serde::Deserialize;

pub use super::employee::Employee;
pub use super::user_id_type::UserIdType;

use super::identity::Handle;
use super::{made_up, mobile};

/// The built-in directory: `samples/employees.csv`.
const SAMPLE: &str = include_str!("../../samples/employees.csv");

/// A directory row: any of the eight [`Employee`] columns (`name` for `name_zh`), and the
/// optional `resigned` one. A row needs an id, an e-mail or a mobile; what it lacks of the
/// ids is made up from what it gives.
#[derive(Debug, Deserialize)]
struct Row {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    open_id: String,
    #[serde(default)]
    union_id: String,
    #[serde(default, alias = "name")]
    name_zh: String,
    #[serde(default)]
    name_en: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    mobile_code: String,
    #[serde(default)]
    mobile_number: String,
    #[serde(default)]
    resigned: Option<String>,
}

/// The columns a row may name a person by.
const PERSON_COLUMNS: [&str; 5] = ["user_id", "open_id", "union_id", "email", "mobile_number"];

impl Row {
    /// The employee this row gives, its missing ids made up from what it gives (as
    /// [`made_up::employee`] would for a stranger named so); `None` when it names no one.
    fn employee(self) -> Option<Employee> {
        let mut given = Vec::new();
        for (kind, id) in [
            (UserIdType::UserId, &self.user_id),
            (UserIdType::OpenId, &self.open_id),
            (UserIdType::UnionId, &self.union_id),
        ] {
            if !id.is_empty() {
                given.push(Handle::Id(kind, id));
            }
        }
        if !self.email.is_empty() {
            given.push(Handle::Email(&self.email));
        }
        if !self.mobile_number.is_empty() {
            given.push(Handle::Mobile {
                code: Some(self.mobile_code.as_str()).filter(|c| !c.is_empty()),
                number: &self.mobile_number,
            });
        }
        if given.is_empty() {
            return None;
        }
        let made_up = made_up::employee(&given, 0);
        let or_made_up = |given: String, made_up: String| {
            if given.is_empty() { made_up } else { given }
        };
        let named = !self.name_zh.is_empty() || !self.name_en.is_empty();
        Some(Employee {
            user_id: or_made_up(self.user_id, made_up.user_id),
            open_id: or_made_up(self.open_id, made_up.open_id),
            union_id: or_made_up(self.union_id, made_up.union_id),
            // A name given in one language is not translated into the other.
            name_zh: if named { self.name_zh } else { made_up.name_zh },
            name_en: if named { self.name_en } else { made_up.name_en },
            // Only what was given: a made-up e-mail or mobile would answer a lookup the
            // roster never allowed.
            email: self.email,
            mobile_code: self.mobile_code,
            mobile_number: self.mobile_number,
        })
    }
}

/// Reads a `resigned` cell: empty, `false`, `0`, `no` are active; `true`, `1`, `yes` resigned.
fn resigned(cell: Option<&str>) -> Option<bool> {
    match cell.map(|c| c.trim().to_ascii_lowercase()).as_deref() {
        None | Some("" | "false" | "0" | "no" | "n") => Some(false),
        Some("true" | "1" | "yes" | "y") => Some(true),
        Some(_) => None,
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
    /// The header names no column a person can be known by.
    #[error(
        "the directory's header ({found}) has no column to know a person by: give user_id, open_id, union_id, email or mobile_number (with mobile_code); ids not given are made up from the e-mail or mobile"
    )]
    NoPersonColumn {
        /// The header, as written.
        found: String,
    },
    /// A row gives no id, e-mail or mobile.
    #[error(
        "directory line {line}: names no one: give a user_id, open_id, union_id, email or mobile_number"
    )]
    NoOne {
        /// The 1-based line number.
        line: u64,
    },
    /// A `resigned` cell is neither true nor false.
    #[error("directory line {line}: resigned {value:?} is not one of true, false, 1, 0, yes, no")]
    Resigned {
        /// The 1-based line number.
        line: u64,
        /// The cell as written.
        value: String,
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
    resigned: Vec<bool>,
    by_id: HashMap<(UserIdType, String), usize>,
    by_email: HashMap<String, Vec<usize>>,
    by_mobile: HashMap<String, Vec<usize>>,
    by_mobile_key: HashMap<String, Vec<usize>>,
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
            resigned: Vec::with_capacity(employees.len()),
            by_id: HashMap::new(),
            by_email: HashMap::new(),
            by_mobile: HashMap::new(),
            by_mobile_key: HashMap::new(),
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

    /// Reads a directory CSV: a header row naming any of the eight `Employee` columns (at
    /// least one to know a person by), and optionally `resigned`.
    pub fn from_reader(reader: impl Read) -> Result<Directory, DirectoryError> {
        let mut csv = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(reader);
        let mut directory = Directory::new(Vec::new());
        let row_error = |source: csv::Error| DirectoryError::Row {
            line: source.position().map_or(0, |p| p.line()),
            source,
        };
        let headers = csv.headers().map_err(row_error)?.clone();
        if !headers.iter().any(|name| PERSON_COLUMNS.contains(&name)) {
            return Err(DirectoryError::NoPersonColumn {
                found: headers.iter().collect::<Vec<_>>().join(","),
            });
        }
        for record in csv.records() {
            let record = record.map_err(row_error)?;
            let line = record.position().map_or(0, |p| p.line());
            let row: Row = record
                .deserialize(Some(&headers))
                .map_err(|source| DirectoryError::Row { line, source })?;
            let left =
                resigned(row.resigned.as_deref()).ok_or_else(|| DirectoryError::Resigned {
                    line,
                    value: row.resigned.clone().unwrap_or_default(),
                })?;
            let employee = row.employee().ok_or(DirectoryError::NoOne { line })?;
            directory.push_with(employee, left);
        }
        Ok(directory)
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

    /// Adds an active employee and returns its index.
    pub fn push(&mut self, employee: Employee) -> usize {
        self.push_with(employee, false)
    }

    /// Adds an employee, resigned or not, and returns its index.
    pub fn push_with(&mut self, employee: Employee, resigned: bool) -> usize {
        let index = self.employees.len();
        if let Some(key) = mobile::file_key(&employee.mobile_code, &employee.mobile_number) {
            self.by_mobile_key.entry(key).or_default().push(index);
        }
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
        self.resigned.push(resigned);
        index
    }

    /// Marks the employee at `index` resigned or back: a company reassigns a leaver's
    /// e-mail or mobile to someone else, and lookups then find the newcomer.
    pub fn set_resigned(&mut self, index: usize, resigned: bool) {
        if let Some(flag) = self.resigned.get_mut(index) {
            *flag = resigned;
        }
    }

    /// True when the employee at `index` has resigned.
    pub fn is_resigned(&self, index: usize) -> bool {
        self.resigned.get(index).copied().unwrap_or(false)
    }

    /// The employees with this e-mail (case-insensitive), in file order.
    pub fn with_email(&self, email: &str) -> &[usize] {
        self.by_email
            .get(&email.to_lowercase())
            .map_or(&[], Vec::as_slice)
    }

    /// The employees whose mobile has this key ([`mobile::file_key`] of their code and
    /// number), in file order.
    pub fn with_mobile_key(&self, key: &str) -> &[usize] {
        self.by_mobile_key.get(key).map_or(&[], Vec::as_slice)
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
    fn a_roster_without_ids_gets_the_ids_a_stranger_named_so_would_get() {
        // An HR export: names, e-mails and mobiles, no Feishu ids.
        let roster = "name,email,mobile_code,mobile_number\n\
                      张伟,zhang.wei@corp.example,,\n\
                      李娜,,86,13800138000\n";
        let directory = Directory::from_reader(roster.as_bytes()).unwrap();
        let [zhang, li] = directory.employees() else {
            panic!("{:?}", directory.employees());
        };
        assert_eq!(
            (zhang.name_zh.as_str(), zhang.name_en.as_str()),
            ("张伟", "")
        );
        assert_eq!(zhang.email, "zhang.wei@corp.example");
        assert_eq!(
            (zhang.mobile_code.as_str(), zhang.mobile_number.as_str()),
            ("", "")
        );
        let stranger = made_up::employee(&[Handle::Email("zhang.wei@corp.example")], 0);
        assert_eq!(
            (&zhang.user_id, &zhang.open_id, &zhang.union_id),
            (&stranger.user_id, &stranger.open_id, &stranger.union_id)
        );
        assert!(li.open_id.starts_with("ou_") && li.open_id != zhang.open_id);
        assert_eq!(li.email, "", "no e-mail is made up for a roster row");
        // Found by what the roster gave, and by the ids made up for it.
        let again = Directory::from_reader(roster.as_bytes()).unwrap();
        assert_eq!(
            again.employees(),
            directory.employees(),
            "the same ids every time"
        );
    }

    #[test]
    fn a_directory_that_names_no_one_says_which_columns_it_needs() {
        let err = Directory::from_reader("工号,姓名\nA1,张伟\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "the directory's header (工号,姓名) has no column to know a person by: give user_id, open_id, union_id, email or mobile_number (with mobile_code); ids not given are made up from the e-mail or mobile"
        );
        let err =
            Directory::from_reader("name,email\n张伟,a@b.example\n李娜,\n".as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "directory line 3: names no one: give a user_id, open_id, union_id, email or mobile_number"
        );
    }

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
    fn the_resigned_column_is_optional_and_mobiles_are_keyed_in_any_spelling() {
        let csv = "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number,resigned\n\
                   u1,ou_1,on_1,甲,A,a@corp.com,,+86 139 0000 0001,\n\
                   u2,ou_2,on_2,乙,B,b@corp.com,86,13900000002,true\n\
                   u3,ou_3,on_3,丙,C,c@corp.com,1,212-666-8888,0\n";
        let directory = Directory::from_reader(csv.as_bytes()).unwrap();
        assert_eq!(directory.employees().len(), 3);
        assert!(!directory.is_resigned(0) && directory.is_resigned(1) && !directory.is_resigned(2));
        assert_eq!(directory.with_mobile_key("13900000001"), [0]);
        assert_eq!(directory.with_mobile_key("13900000002"), [1]);
        assert_eq!(directory.with_mobile_key("+12126668888"), [2]);
        assert_eq!(directory.with_email("B@Corp.com"), [1]);
        assert!(directory.with_email("nobody@corp.com").is_empty());

        let bad = "user_id,open_id,union_id,name_zh,name_en,email,mobile_code,mobile_number,resigned\n\
                   u1,ou_1,on_1,甲,A,a@corp.com,86,13900000001,maybe\n";
        let err = Directory::from_reader(bad.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "directory line 2: resigned \"maybe\" is not one of true, false, 1, 0, yes, no"
        );
        // The sample has no such column: everyone is active.
        let sample = Directory::sample();
        assert!((0..sample.employees().len()).all(|i| !sample.is_resigned(i)));
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
