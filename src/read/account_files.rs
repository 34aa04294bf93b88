//! The accounts commands' input files, read through the one [`CsvReader`] (BOM, GBK,
//! control characters, physical lines):
//! - the registration CSV: `email` and/or `mobile_code` + `mobile_number`, any other
//!   columns carried through to the result. Rows are checked completely, and problems
//!   reported as `FILE:LINE: column C: message`, like the rewards file;
//! - the account id file of `enable`, `deactivate` and `assets --file`: [`read_account_ids`].

use std::collections::{HashMap, HashSet};
use std::path::Path;

use crate::problem::{Problem, Rule, Violation};
use crate::read::forms::looks_scientific;
use crate::read::source::{
    Encoding, EncodingChoice, Origin, Source, SourceError, SourceKind, SourceOptions, echo_all,
};
use crate::text::{self, echo};

/// What stops an accounts file from being read (exit 2, nothing sent): the reader's
/// errors, and what an accounts file must hold.
#[derive(Debug, thiserror::Error)]
pub enum AccountFileError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(
        "{path}: no column to register by: a registration CSV needs a column email, or mobile_code and mobile_number, or all three; the header has: {found}. Name the columns so (other columns are carried through to the result)"
    )]
    NoContactColumn {
        path: String,
        /// The header's names, echoed.
        found: String,
    },
    #[error("{path}: the file is empty; {expected}")]
    EmptyFile {
        path: String,
        /// What the file should hold.
        expected: &'static str,
    },
    #[error(
        "{path}:1: the first line is a header (its first cell {first} is not an account id), but it has no account_id column; the header has: {found}. Name the column of ids account_id, or list one account id per line without a header"
    )]
    NoAccountIdColumn {
        path: String,
        /// The header's first cell, echoed.
        first: String,
        /// The header's names, echoed.
        found: String,
    },
    #[error(
        "{path}: no account ids in the file; list one account id per line, or give the CSV that `accounts register --output` wrote (its account_id cells are empty where a registration failed)"
    )]
    NoAccountIds { path: String },
    #[error("{}", account_id_problems(path, problems))]
    InvalidAccountIds {
        path: String,
        /// Every problem, with the line it is on.
        problems: Vec<(u64, Problem)>,
    },
}

impl AccountFileError {
    /// True when the machine failed, not the input (exit 4).
    pub fn is_write_failure(&self) -> bool {
        matches!(self, AccountFileError::Source(e) if e.is_write_failure())
    }
}

/// How many bad account ids [`AccountFileError::InvalidAccountIds`] lists before it counts.
const ACCOUNT_ID_PROBLEMS_SHOWN: usize = 20;

/// The message of [`AccountFileError::InvalidAccountIds`]: a count, then one
/// `FILE:LINE: column account_id: message` line per problem.
fn account_id_problems(path: &str, problems: &[(u64, Problem)]) -> String {
    let n = problems.len();
    let mut text = format!(
        "{path}: {} cannot be used; fix the file and run again:",
        crate::text::counted(n as u64, "account id")
    );
    for (line, problem) in problems.iter().take(ACCOUNT_ID_PROBLEMS_SHOWN) {
        text.push_str(&format!("\n{path}:{line}: "));
        if let Some(column) = &problem.column {
            text.push_str(&format!("column {column}: "));
        }
        text.push_str(&problem.message);
    }
    if n > ACCOUNT_ID_PROBLEMS_SHOWN {
        text.push_str(&format!("\n… and {} more", n - ACCOUNT_ID_PROBLEMS_SHOWN));
    }
    text
}

/// One row of the registration file.
#[derive(Debug, Clone)]
pub struct AccountRow {
    /// The line the row starts on.
    pub line: u64,
    /// Every field as read (carried through to the result file).
    pub fields: Vec<String>,
    /// The employee's email, if given and valid.
    pub email: Option<String>,
    /// The mobile country code (digits, no `+`) and number, if given and valid.
    pub mobile: Option<(String, String)>,
    /// Every problem; the row is registered only when there is none.
    pub problems: Vec<Problem>,
    /// The line of an earlier row for the same employee, if any.
    pub duplicate_of: Option<u64>,
}

impl AccountRow {
    /// What identifies the registration in the ledger: the mobile and the email given.
    pub fn key(&self) -> Option<String> {
        if self.email.is_none() && self.mobile.is_none() {
            return None;
        }
        let mobile = self
            .mobile
            .as_ref()
            .map(|(code, number)| format!("+{code} {number}"))
            .unwrap_or_default();
        Some(format!("{mobile}|{}", self.email.as_deref().unwrap_or("")))
    }

    /// The errors as one line.
    pub fn errors_text(&self) -> String {
        crate::problem::joined(&self.problems)
    }
}

/// Reads and checks a registration file.
#[derive(Debug)]
pub struct AccountReader {
    csv: Source,
    email: Option<usize>,
    code: Option<usize>,
    number: Option<usize>,
    first_seen: HashMap<String, u64>,
}

impl AccountReader {
    /// Opens the file and finds its columns.
    pub fn open(path: &Path, encoding: EncodingChoice) -> Result<AccountReader, AccountFileError> {
        let options = SourceOptions {
            encoding,
            ..SourceOptions::default()
        };
        let known = |name: &str| {
            ["email", "mobile_code", "mobile_number"]
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
        };
        let csv = Source::open(path, &options, &known).map_err(|e| {
            empty_means(
                e,
                "a registration CSV starts with a header row: email, or mobile_code and mobile_number, or all three",
            )
        })?;
        let find = |name: &str| {
            csv.names()
                .iter()
                .position(|n| n.eq_ignore_ascii_case(name))
        };
        let (email, code, number) = (find("email"), find("mobile_code"), find("mobile_number"));
        if email.is_none() && number.is_none() {
            return Err(AccountFileError::NoContactColumn {
                path: csv.origin().to_string(),
                found: echo_all(csv.names()),
            });
        }
        Ok(AccountReader {
            csv,
            email,
            code,
            number,
            first_seen: HashMap::new(),
        })
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.csv.origin().file
    }

    /// The file's encoding, as read.
    pub fn encoding(&self) -> Encoding {
        match self.csv.kind() {
            SourceKind::Csv(encoding) => encoding,
            // Excel opens a UTF-8 CSV right only with a byte-order mark.
            SourceKind::Workbook(_) => Encoding::Utf8 { bom: true },
        }
    }

    /// Where the rows come from.
    pub fn origin(&self) -> &Origin {
        self.csv.origin()
    }

    /// The header's names.
    pub fn names(&self) -> &[String] {
        self.csv.names()
    }

    /// The next row, checked.
    pub fn next_row(&mut self) -> Result<Option<AccountRow>, AccountFileError> {
        let Some(row) = self.csv.next_record()? else {
            return Ok(None);
        };
        let mut problems: Vec<Problem> = row
            .problems
            .iter()
            .map(|p| Problem::error(p.column.as_deref(), p.rule, p.message.clone()))
            .collect();
        let cell = |index: Option<usize>| {
            index
                .map(|i| row.text(i))
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        let email = cell(self.email).and_then(|value| match check_email(&value) {
            Ok(()) => Some(value.to_ascii_lowercase()),
            Err(violation) => {
                problems.push(error(Some("email"), violation));
                None
            }
        });
        let code = cell(self.code);
        let number = cell(self.number);
        let mobile = match (code, number) {
            (None, None) => None,
            (None, Some(_)) => {
                problems.push(error(
                    Some("mobile_code"),
                    Violation::new(
                        Rule::MobileIncomplete,
                        "is empty; it is required with mobile_number (86 for mainland China)",
                    ),
                ));
                None
            }
            (Some(_), None) => {
                problems.push(error(
                    Some("mobile_number"),
                    Violation::new(
                        Rule::MobileIncomplete,
                        "is empty; it is required with mobile_code",
                    ),
                ));
                None
            }
            (Some(code), Some(number)) => {
                let code = code.trim_start_matches('+').to_owned();
                let mut ok = true;
                if let Err(violation) = check_digits(&code, 1, 4, "a country code") {
                    problems.push(error(Some("mobile_code"), violation));
                    ok = false;
                }
                if let Err(violation) = check_digits(&number, 5, 15, "a mobile number") {
                    problems.push(error(Some("mobile_number"), violation));
                    ok = false;
                }
                ok.then_some((code, number))
            }
        };
        let mut account = AccountRow {
            line: row.row,
            fields: (0..row.len()).map(|i| row.text(i).into_owned()).collect(),
            email,
            mobile,
            problems,
            duplicate_of: None,
        };
        if account.problems.is_empty() {
            match account.key() {
                None => account.problems.push(error(
                    None,
                    Violation::new(
                        Rule::ContactMissing,
                        "email and mobile_number are both empty; give one of them (or both)",
                    ),
                )),
                Some(key) => {
                    let first = *self.first_seen.entry(key).or_insert(account.line);
                    if first != account.line {
                        account.duplicate_of = Some(first);
                        account.problems.push(error(
                            None,
                            Violation::new(
                                Rule::Duplicate,
                                format!("the same employee already appears on line {first}; register each once"),
                            ),
                        ));
                    }
                }
            }
        }
        Ok(Some(account))
    }
}

fn error(column: Option<&str>, violation: Violation) -> Problem {
    Problem::error(column, violation.rule, violation.message)
}

/// The file was empty: say what it should have held.
fn empty_means(error: SourceError, expected: &'static str) -> AccountFileError {
    match error {
        SourceError::Empty { path } => AccountFileError::EmptyFile { path, expected },
        other => other.into(),
    }
}

/// An email as a reward file's e-mail columns take it (the one rule, in `forms`).
fn check_email(value: &str) -> Result<(), Violation> {
    crate::read::forms::email(value).map(|_| ())
}

fn check_digits(value: &str, min: usize, max: usize, what: &str) -> Result<(), Violation> {
    if looks_scientific(value) {
        return Err(Violation::new(
            Rule::ScientificNotation,
            format!(
                "{} is a number Excel turned into scientific notation, which loses its digits; format the column as Text and export again",
                echo(value)
            ),
        ));
    }
    if !value.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Violation::new(
            Rule::NotDigits,
            format!(
                "{} is not {what}: digits only, without spaces or dashes",
                echo(value)
            ),
        ));
    }
    if !(min..=max).contains(&value.len()) {
        return Err(Violation::new(
            Rule::DigitCount,
            format!("{} is not {what}: {min} to {max} digits", echo(value)),
        ));
    }
    Ok(())
}

/// An account id read from a file, with the line it is on (for messages).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AccountId {
    /// The referral account id: digits only.
    pub id: String,
    /// The line of the file it is on (the first line is 1).
    pub line: u64,
}

/// The column of account ids in a file with a header (any case).
pub const ACCOUNT_ID_COLUMN: &str = "account_id";

/// Reads the account ids of `accounts enable|deactivate|assets --file FILE`, checked, in
/// file order, ready to send.
///
/// The file is read through [`CsvReader`] like every input (a UTF-8 BOM, `--encoding gbk`
/// or `auto`, control characters, physical line numbers). Two layouts are accepted:
/// - a CSV with a header, such as the one `accounts register --output` writes: the
///   first line is a header when its first cell is not an account id (account ids are
///   digits), and then the file must have an `account_id` column (any case). Rows whose
///   account_id cell is empty are skipped: a failed registration has no account;
/// - a plain list: one account id per line, in the first column.
///
/// Each id must be digits only; scientific notation (`6.94E+18`, Excel's way of writing
/// a long number) is refused, as its digits are gone. Ids that appear twice are kept once,
/// at their first line: enabling, deactivating or reading an account twice would only
/// repeat a call.
///
/// Errors ([`AccountFileError`], which stop the command before anything is sent): the file
/// cannot be opened or decoded; it is empty or holds no account id
/// ([`AccountFileError::EmptyFile`], [`AccountFileError::NoAccountIds`]); a header without
/// `account_id` ([`AccountFileError::NoAccountIdColumn`], naming the columns found); any bad id
/// or unreadable row ([`AccountFileError::InvalidAccountIds`], every one of them as
/// `FILE:LINE: column account_id: message`).
pub fn read_account_ids(
    path: &Path,
    encoding: EncodingChoice,
) -> Result<Vec<AccountId>, AccountFileError> {
    let options = SourceOptions {
        encoding,
        ..SourceOptions::default()
    };
    let known = |name: &str| name.eq_ignore_ascii_case(ACCOUNT_ID_COLUMN);
    let mut csv = Source::open(path, &options, &known).map_err(|e| {
        empty_means(
            e,
            "list one account id per line, or give the CSV that `accounts register --output` wrote",
        )
    })?;
    let first = csv.names().first().cloned().unwrap_or_default();
    let has_header = !looks_like_account_id(&first);
    let mut ids = AccountIds::default();
    let field = if !has_header {
        // No header: the first line is already an id.
        ids.add(1, &first, Vec::new());
        0
    } else {
        csv.names()
            .iter()
            .position(|n| n.eq_ignore_ascii_case(ACCOUNT_ID_COLUMN))
            .ok_or_else(|| AccountFileError::NoAccountIdColumn {
                path: csv.origin().to_string(),
                first: echo(&first),
                found: echo_all(csv.names()),
            })?
    };
    while let Some(row) = csv.next_record()? {
        // What the reader found in the id's cell, a row too long to read, and, under a
        // header, a ragged row (its cells may sit under the wrong names). A plain list may
        // carry more columns.
        let read: Vec<Problem> = row
            .problems
            .iter()
            .filter(|p| {
                p.field == Some(field)
                    || p.rule == Rule::TooLong
                    || (has_header && p.rule == Rule::Ragged)
            })
            .map(|p| {
                let column = p.field.map(|_| ACCOUNT_ID_COLUMN);
                Problem::error(column, p.rule, p.message.clone())
            })
            .collect();
        ids.add(row.row, &row.text(field), read);
    }
    if !ids.problems.is_empty() {
        return Err(AccountFileError::InvalidAccountIds {
            path: csv.origin().to_string(),
            problems: ids.problems,
        });
    }
    if ids.ids.is_empty() {
        return Err(AccountFileError::NoAccountIds {
            path: csv.origin().to_string(),
        });
    }
    Ok(ids.ids)
}

/// The ids read so far, without repeats, and the problems met.
#[derive(Default)]
struct AccountIds {
    ids: Vec<AccountId>,
    seen: HashSet<String>,
    problems: Vec<(u64, Problem)>,
}

impl AccountIds {
    /// Adds the raw cell of one line; `read` holds what the reader already found in it.
    fn add(&mut self, line: u64, raw: &str, read: Vec<Problem>) {
        if !read.is_empty() {
            self.problems.extend(read.into_iter().map(|p| (line, p)));
            return;
        }
        let id = raw.trim();
        if id.is_empty() {
            return;
        }
        match check_account_id(raw) {
            Err(violation) => self
                .problems
                .push((line, error(Some(ACCOUNT_ID_COLUMN), violation))),
            Ok(()) => {
                if self.seen.insert(id.to_owned()) {
                    self.ids.push(AccountId {
                        id: id.to_owned(),
                        line,
                    });
                }
            }
        }
    }
}

/// Digits, or what Excel made of digits: the first cell of a file without a header.
fn looks_like_account_id(cell: &str) -> bool {
    !cell.is_empty() && (cell.bytes().all(|b| b.is_ascii_digit()) || looks_scientific(cell))
}

/// An account id: digits only. `raw` is the cell untrimmed, so a tab or line break in it
/// is named rather than trimmed away unseen.
fn check_account_id(raw: &str) -> Result<(), Violation> {
    if let Some(found) = text::find_controls(raw, &[]) {
        return Err(Violation::new(
            Rule::ControlCharacter,
            text::control_message(raw, &found, "an account id is digits only: remove it"),
        ));
    }
    let id = raw.trim();
    if looks_scientific(id) {
        return Err(Violation::new(
            Rule::ScientificNotation,
            format!(
                "{} is an account id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
                echo(id)
            ),
        ));
    }
    if !id.bytes().all(|b| b.is_ascii_digit()) {
        return Err(Violation::new(
            Rule::NotDigits,
            format!(
                "{} is not an account id: account ids are digits only, as `accounts register` prints them",
                echo(id)
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails() {
        assert!(check_email("zhang.wei@example.com").is_ok());
        for bad in [
            "zhang",
            "@example.com",
            "a@b",
            "a@@b.com",
            "a b@c.com",
            "a@.com",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn digits() {
        assert!(check_digits("13910000000", 5, 15, "a mobile number").is_ok());
        assert!(check_digits("139-1000-0000", 5, 15, "a mobile number").is_err());
        let scientific = check_digits("1.391E+10", 5, 15, "a mobile number").unwrap_err();
        assert_eq!(scientific.rule, Rule::ScientificNotation);
        assert!(scientific.message.contains("scientific"));
        let rule = |v: &str| {
            check_digits(v, 5, 15, "a mobile number")
                .err()
                .map(|e| e.rule)
        };
        assert_eq!(rule("139-1000"), Some(Rule::NotDigits));
        assert_eq!(rule("1391"), Some(Rule::DigitCount));
    }

    #[test]
    fn account_ids() {
        assert!(check_account_id("6942778198054125570").is_ok());
        let rule = |v: &str| check_account_id(v).err().map(|e| e.rule);
        assert_eq!(rule("6.94E+18"), Some(Rule::ScientificNotation));
        assert_eq!(rule("69427x"), Some(Rule::NotDigits));
        assert_eq!(rule("6942\t7"), Some(Rule::ControlCharacter));
        assert_eq!(rule("6942\n"), Some(Rule::ControlCharacter));
        assert!(looks_like_account_id("6942778198054125570"));
        assert!(looks_like_account_id("6.94E+18"));
        assert!(!looks_like_account_id("account_id"));
        assert!(!looks_like_account_id(""));
    }
}
