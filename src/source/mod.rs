//! The one CSV reader: the header, rows with their physical line numbers, and the
//! problems met reading them.
//!
//! It streams (one record in memory at a time), so a million-row export costs no more
//! memory than a ten-row one. It parses bytes and decodes each field afterwards, which is
//! safe for both UTF-8 and GB18030: neither uses the bytes of `,` `"` CR or LF inside a
//! multi-byte character. A field that does not decode is a problem of that row, reported
//! with its line, never silently replaced; so is a control character in any cell, wherever
//! it is in the file (only [`Encoding`] sniffing looks at the start alone).

mod encoding;
mod lines;

use std::fmt;
use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::path::Path;

use csv::{ByteRecord, StringRecord};
use thiserror::Error;

use crate::problem::{Problem, Rule};
use crate::text::{self, echo};

pub use crate::field::{ERRORS_FILE_COLUMNS, Field};
pub use encoding::{Encoding, EncodingChoice};
use encoding::{SNIFF_BYTES, decode_field, sniff};
use lines::LineTracker;

/// What stops a file from being read at all. Row-level problems are not errors: they are
/// carried on the [`Row`] and reported with the rest of the row's problems.
///
/// `Open` and `Read` keep the operating system's error as their source and do not repeat
/// its text: print them with their chain (`{:#}` with anyhow), as `main` does, and the
/// OS text appears once. The common causes have variants of their own that say what to do.
#[derive(Debug, Error)]
pub enum InputError {
    #[error("{path}: cannot open the file")]
    Open { path: String, source: io::Error },
    #[error("{path}:{line}: cannot read the file")]
    Read {
        path: String,
        line: u64,
        source: io::Error,
    },
    #[error(
        "{path}: no such file; check the name, and for a relative path the directory rewardsync runs in"
    )]
    NotFound { path: String },
    #[error(
        "{path}: permission denied; make the file readable by the user running rewardsync, or copy it somewhere that user can read"
    )]
    PermissionDenied { path: String },
    #[error("{path}: is a directory, not a file; give the path of the CSV file in it")]
    IsDirectory { path: String },
    #[error(
        "{path}:1: header column {column} ({name}) has {character} at character {position}; {advice}"
    )]
    HeaderControlCharacter {
        path: String,
        /// The column's position in the header, from 1.
        column: usize,
        /// The column's name, echoed.
        name: String,
        /// The character, e.g. `U+0000 (NUL)`.
        character: String,
        /// Its character position in the name, from 1.
        position: usize,
        advice: &'static str,
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
    #[error(
        "{path}: the file is empty; a rewards CSV starts with a header row naming its columns (referral_user_id,external_id,…)"
    )]
    Empty { path: String },
    #[error("{path}: not a text file ({what}); {advice}")]
    NotText {
        path: String,
        what: &'static str,
        advice: &'static str,
    },
    #[error("{path}:1: the header is not valid {encoding}; {advice}")]
    HeaderEncoding {
        path: String,
        encoding: &'static str,
        advice: &'static str,
    },
    #[error(
        "{path}:1: missing required column{plural} {missing}; the header has: {found}. Add the column{plural} (see the README's CSV format)"
    )]
    MissingColumns {
        path: String,
        missing: String,
        plural: &'static str,
        found: String,
    },
    #[error("{path}:1: missing column application_id or talent_id; every reward needs one of them")]
    MissingCandidateColumn { path: String },
    #[error(
        "{path}:1: unknown column{plural} {unknown}; known columns are {known}. Rename the column{plural}, or pass --ignore-unknown-columns to skip them"
    )]
    UnknownColumns {
        path: String,
        unknown: String,
        plural: &'static str,
        known: String,
    },
    #[error(
        "{path}:1: column {name} appears twice (columns {first} and {second}); keep one of them"
    )]
    DuplicateColumn {
        path: String,
        name: String,
        first: usize,
        second: usize,
    },
    #[error("{path}:{line}: the CSV cannot be parsed: {message}")]
    Syntax {
        path: String,
        line: u64,
        message: String,
    },
}

/// How many bad account ids [`InputError::InvalidAccountIds`] lists before it counts.
const ACCOUNT_ID_PROBLEMS_SHOWN: usize = 20;

/// The message of [`InputError::InvalidAccountIds`]: a count, then one
/// `FILE:LINE: column account_id: message` line per problem.
fn account_id_problems(path: &str, problems: &[(u64, Problem)]) -> String {
    let n = problems.len();
    let mut text = format!(
        "{path}: {n} account id{} cannot be used; fix the file and run again:",
        plural(n)
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

/// Turns the error of opening (`line` None) or reading `path` into what the user is told:
/// the common causes by name, with what to do; anything else with the OS error as its
/// source.
fn io_error(path: &str, line: Option<u64>, source: io::Error) -> InputError {
    let path = path.to_owned();
    match source.kind() {
        io::ErrorKind::NotFound => InputError::NotFound { path },
        io::ErrorKind::IsADirectory => InputError::IsDirectory { path },
        // Windows refuses to open a directory with "access denied".
        io::ErrorKind::PermissionDenied if Path::new(&path).is_dir() => {
            InputError::IsDirectory { path }
        }
        io::ErrorKind::PermissionDenied => InputError::PermissionDenied { path },
        _ => match line {
            None => InputError::Open { path, source },
            Some(line) => InputError::Read { path, line, source },
        },
    }
}

/// A problem found while reading one row (before any rule is checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReadProblem {
    /// The column the problem is in, by header name, when there is one.
    pub column: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// The field the problem is in (from 0), when it is in one.
    pub field: Option<usize>,
    /// The rule broken: [`Rule::Encoding`], [`Rule::ControlCharacter`] or [`Rule::Ragged`].
    pub rule: Rule,
}

/// How a header's columns map onto [`Field`]s.
#[derive(Debug, Clone)]
pub struct Header {
    /// The header's names as written (after trimming), in file order.
    names: Vec<String>,
    /// For each [`Field`] (by its position in [`Field::ALL`]), its field index.
    index: [Option<usize>; Field::ALL.len()],
    /// Field indexes that hold the errors file's own `line`/`errors` columns.
    errors_file_fields: Vec<usize>,
}

impl Header {
    /// The field index of a column, if the header has it.
    pub fn position(&self, column: Field) -> Option<usize> {
        self.index[column as usize]
    }

    /// The header's names as written, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// True for a field index that carries an errors file's `line` or `errors` column.
    pub fn is_errors_file_field(&self, field: usize) -> bool {
        self.errors_file_fields.contains(&field)
    }

    fn parse(
        path: &str,
        names: Vec<String>,
        ignore_unknown_columns: bool,
    ) -> Result<Header, InputError> {
        let mut index = [None; Field::ALL.len()];
        let mut unknown = Vec::new();
        let mut errors_file_fields = Vec::new();
        for (i, name) in names.iter().enumerate() {
            if let Some(column) = Field::from_name(name) {
                if let Some(first) = index[column as usize] {
                    return Err(InputError::DuplicateColumn {
                        path: path.to_owned(),
                        name: column.name().to_owned(),
                        first: first + 1,
                        second: i + 1,
                    });
                }
                index[column as usize] = Some(i);
            } else if ERRORS_FILE_COLUMNS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
            {
                errors_file_fields.push(i);
            } else if !ignore_unknown_columns {
                unknown.push(if name.is_empty() {
                    format!("(empty name, column {})", i + 1)
                } else {
                    echo(name)
                });
            }
        }
        if !unknown.is_empty() {
            return Err(InputError::UnknownColumns {
                path: path.to_owned(),
                plural: plural(unknown.len()),
                unknown: unknown.join(", "),
                known: Field::ALL.map(Field::name).join(", "),
            });
        }
        let missing: Vec<&str> = Field::REQUIRED
            .into_iter()
            .filter(|c| index[*c as usize].is_none())
            .map(Field::name)
            .collect();
        if !missing.is_empty() {
            return Err(InputError::MissingColumns {
                path: path.to_owned(),
                plural: plural(missing.len()),
                missing: missing.join(", "),
                found: echo_all(&names),
            });
        }
        if index[Field::ApplicationId as usize].is_none()
            && index[Field::TalentId as usize].is_none()
        {
            return Err(InputError::MissingCandidateColumn {
                path: path.to_owned(),
            });
        }
        Ok(Header {
            names,
            index,
            errors_file_fields,
        })
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Names from a header as messages show them: each echoed, comma-separated.
pub(crate) fn echo_all(names: &[String]) -> String {
    names.iter().map(|n| echo(n)).collect::<Vec<_>>().join(", ")
}

/// One data row: its physical line, its decoded fields, and any problem met reading it.
#[derive(Debug, Clone)]
pub struct Row {
    /// The line of the file the row starts on (the header is line 1).
    pub line: u64,
    /// The fields as decoded (undecodable bytes shown as U+FFFD, and reported).
    pub fields: StringRecord,
    /// Problems met while reading: undecodable bytes, control characters, a ragged row.
    pub problems: Vec<ReadProblem>,
}

impl Row {
    /// The trimmed value of a column, `""` when the header lacks it or the row is short.
    pub fn get<'a>(&'a self, header: &Header, column: Field) -> &'a str {
        header
            .position(column)
            .and_then(|i| self.fields.get(i))
            .map(str::trim)
            .unwrap_or("")
    }
}

/// How to read a rewards CSV.
#[derive(Debug, Clone, Copy)]
pub struct ReadOptions {
    /// The encoding asked for.
    pub encoding: EncodingChoice,
    /// Skip unknown columns instead of refusing the file.
    pub ignore_unknown_columns: bool,
}

/// A streaming reader of rewards CSV rows: a [`CsvReader`] whose header names the
/// rewards columns.
#[derive(Debug)]
pub struct RewardReader {
    csv: CsvReader,
    header: Header,
}

impl RewardReader {
    /// Opens a file, sniffs what it is, and reads its header.
    pub fn open(path: &Path, options: ReadOptions) -> Result<RewardReader, InputError> {
        Self::with(CsvReader::open(path, options.encoding)?, options)
    }

    /// Reads from any byte source; `path` is the name used in messages.
    pub fn from_reader(
        path: String,
        source: Box<dyn Read + Send>,
        options: ReadOptions,
    ) -> Result<RewardReader, InputError> {
        Self::with(
            CsvReader::from_reader(path, source, options.encoding)?,
            options,
        )
    }

    fn with(csv: CsvReader, options: ReadOptions) -> Result<RewardReader, InputError> {
        let header = Header::parse(
            csv.path(),
            csv.names().to_vec(),
            options.ignore_unknown_columns,
        )?;
        Ok(RewardReader { csv, header })
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        self.csv.path()
    }

    /// The encoding the file is read in.
    pub fn encoding(&self) -> Encoding {
        self.csv.encoding()
    }

    /// The header.
    pub fn header(&self) -> &Header {
        &self.header
    }

    /// The next data row, skipping rows whose every cell is empty (Excel leaves those).
    pub fn next_row(&mut self) -> Result<Option<Row>, InputError> {
        self.csv.next_row()
    }
}

/// A streaming CSV reader of any columns: encodings, the header's names, rows with their
/// physical lines and read problems. [`RewardReader`] and the accounts file build on it.
pub struct CsvReader {
    path: String,
    encoding: Encoding,
    /// Set when the file is read as UTF-8 but its start decodes cleanly as GBK: the hint
    /// that goes with every decoding problem.
    looks_like_gbk: bool,
    names: Vec<String>,
    csv: csv::Reader<LineTracker<BufReader<Box<dyn Read + Send>>>>,
    record: ByteRecord,
}

impl fmt::Debug for CsvReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvReader")
            .field("path", &self.path)
            .field("encoding", &self.encoding)
            .finish_non_exhaustive()
    }
}

impl CsvReader {
    /// Opens a file, sniffs what it is, and reads its header's names.
    pub fn open(path: &Path, encoding: EncodingChoice) -> Result<CsvReader, InputError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| io_error(&shown, None, source))?;
        // On Unix a directory opens like a file, and only its first read fails.
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(InputError::IsDirectory { path: shown });
        }
        Self::from_reader(shown, Box::new(file), encoding)
    }

    /// Reads from any byte source; `path` is the name used in messages.
    pub fn from_reader(
        path: String,
        source: Box<dyn Read + Send>,
        encoding: EncodingChoice,
    ) -> Result<CsvReader, InputError> {
        let mut buffered = BufReader::with_capacity(SNIFF_BYTES, source);
        let start = buffered
            .fill_buf()
            .map_err(|source| io_error(&path, Some(1), source))?;
        let sniffed = sniff(&path, start, encoding)?;
        buffered.consume(sniffed.skip);

        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(LineTracker::new(buffered));
        let mut record = ByteRecord::new();
        let has_header = csv
            .read_byte_record(&mut record)
            .map_err(|e| csv_error(&path, e))?;
        if !has_header {
            return Err(InputError::Empty { path });
        }
        let names = decode_header(&path, &record, sniffed.encoding)?;
        Ok(CsvReader {
            path,
            encoding: sniffed.encoding,
            looks_like_gbk: sniffed.looks_like_gbk,
            names,
            csv,
            record,
        })
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The encoding the file is read in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The header's names, trimmed, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The next data row, skipping rows whose every cell is empty (Excel leaves those).
    pub fn next_row(&mut self) -> Result<Option<Row>, InputError> {
        loop {
            let more = self
                .csv
                .read_byte_record(&mut self.record)
                .map_err(|e| csv_error(&self.path, e))?;
            if !more {
                return Ok(None);
            }
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            let start = self.record.position().map_or(0, |p| p.byte());
            let line = self.csv.get_mut().line_at(start);
            return Ok(Some(self.decode_row(line)));
        }
    }

    fn decode_row(&self, line: u64) -> Row {
        let mut problems = Vec::new();
        let fields = match self.encoding {
            Encoding::Utf8 { .. } => match StringRecord::from_byte_record(self.record.clone()) {
                Ok(fields) => fields,
                Err(_) => self.decode_fields_lossy(&mut problems),
            },
            Encoding::Gb18030 => self.decode_fields_lossy(&mut problems),
        };
        self.report_controls(&fields, &mut problems);
        let expected = self.names.len();
        if fields.len() != expected {
            problems.push(ReadProblem {
                column: None,
                message: format!(
                    "the row has {} fields but the header has {expected}; look for a missing or extra comma, or a value with a comma that is not in double quotes",
                    fields.len()
                ),
                field: None,
                rule: Rule::Ragged,
            });
        }
        Row {
            line,
            fields,
            problems,
        }
    }

    /// Decodes field by field, so a bad byte is reported in its own column.
    fn decode_fields_lossy(&self, problems: &mut Vec<ReadProblem>) -> StringRecord {
        let mut fields =
            StringRecord::with_capacity(self.record.as_slice().len(), self.record.len());
        for (i, raw) in self.record.iter().enumerate() {
            let (text, bad) = decode_field(raw, self.encoding);
            if let Some(bad) = bad {
                let column = self.names.get(i).cloned();
                problems.push(ReadProblem {
                    column,
                    message: self.decoding_advice(&bad),
                    field: Some(i),
                    rule: Rule::Encoding,
                });
            }
            fields.push_field(&text);
        }
        fields
    }

    /// Control characters other than tabs and line breaks, in any cell: never data, and
    /// never to be sent. (Whether a tab or line break may stay depends on the column:
    /// that is for the caller, who knows the columns.)
    fn report_controls(&self, fields: &StringRecord, problems: &mut Vec<ReadProblem>) {
        for (i, value) in fields.iter().enumerate() {
            let Some(found) = text::find_controls(value, &text::LAYOUT_CHARACTERS) else {
                continue;
            };
            let column = self.names.get(i).cloned();
            let message = text::control_message(
                value,
                &found,
                "control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again",
            );
            problems.push(ReadProblem {
                message: match column {
                    Some(_) => message,
                    // A field past the header's end has no name: say which it is.
                    None => format!("field {}: {message}", i + 1),
                },
                column,
                field: Some(i),
                rule: Rule::ControlCharacter,
            });
        }
    }

    fn decoding_advice(&self, bad: &[u8]) -> String {
        let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02X}")).collect();
        let bytes = match hex.len() {
            1 => format!("byte {} is", hex[0]),
            _ => format!("bytes {} are", hex.join(" ")),
        };
        match self.encoding {
            Encoding::Utf8 { .. } if self.looks_like_gbk => format!(
                "{bytes} not valid UTF-8; the file looks like GBK (an Excel export from Chinese Windows): rerun with --encoding gbk"
            ),
            Encoding::Utf8 { .. } => format!(
                "{bytes} not valid UTF-8; save the file as UTF-8, or pass --encoding gbk if it is GBK"
            ),
            Encoding::Gb18030 => format!(
                "{bytes} not valid GBK/GB18030; check the file's encoding (--encoding utf-8 if it is UTF-8)"
            ),
        }
    }
}

fn decode_header(
    path: &str,
    record: &ByteRecord,
    encoding: Encoding,
) -> Result<Vec<String>, InputError> {
    record
        .iter()
        .enumerate()
        .map(|(i, raw)| match decode_field(raw, encoding) {
            (text, None) => header_name(path, i, text.trim()),
            (_, Some(_)) => Err(InputError::HeaderEncoding {
                path: path.to_owned(),
                encoding: match encoding {
                    Encoding::Utf8 { .. } => "UTF-8",
                    Encoding::Gb18030 => "GBK/GB18030",
                },
                advice: match encoding {
                    Encoding::Utf8 { .. } => "if the file is GBK, rerun with --encoding gbk",
                    Encoding::Gb18030 => "if the file is UTF-8, rerun with --encoding utf-8",
                },
            }),
        })
        .collect()
}

/// A header cell's name, refused when it holds any control character: a column name
/// has no use for one, and what each one usually means is the advice.
fn header_name(path: &str, field: usize, name: &str) -> Result<String, InputError> {
    let Some(found) = text::find_controls(name, &[]) else {
        return Ok(name.to_owned());
    };
    let advice = match found.first {
        '\0' => {
            "a NUL in the header usually means the file is UTF-16: save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
        }
        '\t' => "the file looks tab-separated: save it as a CSV with commas",
        '\n' | '\r' => "remove the line break from the column name",
        _ => "remove it from the column name",
    };
    Err(InputError::HeaderControlCharacter {
        path: path.to_owned(),
        column: field + 1,
        name: echo(name),
        character: text::describe_char(found.first),
        position: found.position,
        advice,
    })
}

fn csv_error(path: &str, error: csv::Error) -> InputError {
    // Line 0 means "before the first line"; a read error is always at a line.
    let line = error.position().map_or(1, |p| p.line().max(1));
    match error.into_kind() {
        csv::ErrorKind::Io(source) => io_error(path, Some(line), source),
        other => InputError::Syntax {
            path: path.to_owned(),
            line,
            message: format!("{other:?}"),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(
        bytes: &[u8],
        encoding: EncodingChoice,
    ) -> Result<(RewardReader, Vec<Row>), InputError> {
        let mut reader = RewardReader::from_reader(
            "t.csv".into(),
            Box::new(io::Cursor::new(bytes.to_vec())),
            ReadOptions {
                encoding,
                ignore_unknown_columns: false,
            },
        )?;
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row()? {
            rows.push(row);
        }
        Ok((reader, rows))
    }

    const HEADER: &str = "referral_user_id,external_id,application_id,rule_type,stage,reason";

    #[test]
    fn quoted_newline_keeps_later_line_numbers_right() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,\"two\nlines\"\nou_2,e2,a2,1,1,x\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 4]);
        assert_eq!(&rows[0].fields[5], "two\nlines");
    }

    #[test]
    fn crlf_and_blank_lines_keep_physical_line_numbers() {
        let text = format!(
            "{HEADER}\r\nou_1,e1,a1,1,1,\"a\r\nb\"\r\n\r\nou_2,e2,a2,1,1,x\r\nou_3,e3,a3,1,1,y"
        );
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.iter().map(|r| r.line).collect::<Vec<_>>(), [2, 5, 6]);
    }

    #[test]
    fn bom_and_crlf_are_handled() {
        let text = format!("\u{feff}{HEADER}\r\nou_1,e1,a1,1,1,x\r\n");
        let (reader, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(reader.encoding(), Encoding::Utf8 { bom: true });
        assert_eq!(reader.header().position(Field::ReferralUserId), Some(0));
        assert_eq!(&rows[0].fields[5], "x");
    }

    #[test]
    fn gbk_is_decoded() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert_eq!(&rows[0].fields[5], "入职奖励");
        let (reader, rows) = read(&bytes, EncodingChoice::Auto).unwrap();
        assert_eq!(reader.encoding(), Encoding::Gb18030);
        assert_eq!(&rows[0].fields[5], "入职奖励");
    }

    #[test]
    fn gbk_read_as_utf8_is_a_row_problem_with_a_hint() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Utf8).unwrap();
        let problem = &rows[0].problems[0];
        assert_eq!(problem.column.as_deref(), Some("reason"));
        assert!(
            problem.message.contains("--encoding gbk"),
            "{}",
            problem.message
        );
    }

    #[test]
    fn undecodable_gbk_byte_is_reported() {
        let mut bytes = format!("{HEADER}\nou_1,e1,a1,1,1,ok\nou_2,e2,a2,1,1,").into_bytes();
        bytes.extend_from_slice(&[0x81, 0x20, b'\n']);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert!(rows[0].problems.is_empty());
        assert_eq!(rows[1].line, 3);
        assert!(
            rows[1].problems[0]
                .message
                .starts_with("byte 0x81 is not valid GBK"),
            "{:?}",
            rows[1].problems
        );
    }

    #[test]
    fn ragged_row_is_a_row_problem() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert!(
            rows[0].problems[0]
                .message
                .contains("5 fields but the header has 6")
        );
    }

    #[test]
    fn blank_rows_are_skipped() {
        let text = format!("{HEADER}\n,,,,,\nou_1,e1,a1,1,1,x\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 3);
    }

    #[test]
    fn header_errors() {
        let err = |bytes: &[u8]| read(bytes, EncodingChoice::Utf8).unwrap_err().to_string();
        assert_eq!(
            err(b""),
            "t.csv: the file is empty; a rewards CSV starts with a header row naming its columns (referral_user_id,external_id,\u{2026})"
        );
        assert!(err(b"PK\x03\x04rest").contains("Excel .xlsx"));
        assert_eq!(
            err("e\0x\0t\0,\0i\0d\0\n\0".as_bytes()),
            "t.csv: not a text file (it looks like UTF-16 text without a byte-order mark: every other byte of its first line is NUL); save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
        );
        assert!(err(b"\0\0\0\x01\0\x02\x03\0\0").contains("full of NUL bytes"));
        assert!(
            err(b"referral_user_id,external_id,application_id,stage\n")
                .starts_with("t.csv:1: missing required column rule_type;")
        );
        assert!(
            err(b"referral_user_id,external_id,talent_id,rule_type,stage,bonus\n")
                .starts_with("t.csv:1: unknown column \"bonus\";")
        );
        assert!(
            err(b"referral_user_id,external_id,rule_type,stage\n")
                .contains("missing column application_id or talent_id")
        );
    }

    /// A valid row, `n` of them make a file of any size.
    fn filler(n: usize) -> String {
        (0..n)
            .map(|i| format!("ou_{i},E{i:08},a{i},1,1,some reason for row {i}\n"))
            .collect()
    }

    #[test]
    fn nul_far_past_the_sniffed_start_is_a_problem_of_its_row() {
        let mut text = format!("{HEADER}\n{}", filler(2000));
        assert!(text.len() > SNIFF_BYTES);
        let rows_before = 2000;
        text.push_str("ou_x,E\u{0}1,ax,1,1,x\n");
        text.push_str(&filler(3));
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        let bad: Vec<&Row> = rows.iter().filter(|r| !r.problems.is_empty()).collect();
        assert_eq!(bad.len(), 1);
        assert_eq!(bad[0].line, rows_before + 2);
        assert_eq!(
            bad[0].problems,
            [ReadProblem {
                column: Some("external_id".into()),
                message: "\"E\\01\" has the control character U+0000 (NUL) at character 2; control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again".into(),
                field: Some(1),
                rule: Rule::ControlCharacter,
            }]
        );
    }

    #[test]
    fn every_c0_control_and_del_is_refused_but_layout_is_left_to_the_caller() {
        for byte in (0u8..0x20).chain([0x7f]) {
            let c = char::from(byte);
            let text = format!("{HEADER}\nou_1,\"e{c}1\",a1,1,1,\"x{c}y\"\n");
            let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
            let columns: Vec<_> = rows[0]
                .problems
                .iter()
                .map(|p| (p.column.as_deref(), p.rule))
                .collect();
            if text::LAYOUT_CHARACTERS.contains(&c) {
                assert!(columns.is_empty(), "{byte:#04x}: {columns:?}");
            } else {
                assert_eq!(
                    columns,
                    [
                        (Some("external_id"), Rule::ControlCharacter),
                        (Some("reason"), Rule::ControlCharacter)
                    ],
                    "{byte:#04x}"
                );
            }
        }
    }

    #[test]
    fn control_character_in_gbk_is_found_after_decoding() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,入职\u{1b}奖励\n");
        let (bytes, _, _) = encoding_rs::GB18030.encode(&text);
        let (_, rows) = read(&bytes, EncodingChoice::Gbk).unwrap();
        assert_eq!(rows[0].problems.len(), 1);
        assert!(
            rows[0].problems[0].message.starts_with(
                "\"入职\\u{1b}奖励\" has the control character U+001B (ESC) at character 3;"
            ),
            "{:?}",
            rows[0].problems
        );
    }

    #[test]
    fn control_character_past_the_header_end_names_its_field() {
        let text = format!("{HEADER}\nou_1,e1,a1,1,1,x,\u{7}\n");
        let (_, rows) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        let rules: Vec<_> = rows[0].problems.iter().map(|p| p.rule).collect();
        assert_eq!(rules, [Rule::ControlCharacter, Rule::Ragged]);
        assert!(
            rows[0].problems[0]
                .message
                .starts_with("field 7: \"\\u{7}\" has"),
            "{:?}",
            rows[0].problems
        );
    }

    #[test]
    fn header_cell_with_a_control_character_stops_the_file() {
        let err = |bytes: &[u8]| read(bytes, EncodingChoice::Utf8).unwrap_err().to_string();
        assert_eq!(
            err(b"referral_user_id,exter\x01nal_id,application_id,rule_type,stage\n"),
            "t.csv:1: header column 2 (\"exter\\u{1}nal_id\") has U+0001 (SOH) at character 6; remove it from the column name"
        );
        assert!(
            err(b"referral_user_id\texternal_id\n")
                .ends_with("has U+0009 (TAB) at character 17; the file looks tab-separated: save it as a CSV with commas")
        );
        assert!(err(b"referral_user_id,ext\0\n").contains(
            "header column 2 (\"ext\\0\") has U+0000 (NUL) at character 4; a NUL in the header usually means the file is UTF-16"
        ));
    }

    #[test]
    fn io_errors_say_what_happened_once_and_what_to_do() {
        use std::error::Error as _;
        let kind = |kind: io::ErrorKind, line| io_error("x.csv", line, io::Error::from(kind));
        assert!(matches!(
            kind(io::ErrorKind::NotFound, None),
            InputError::NotFound { .. }
        ));
        assert!(matches!(
            kind(io::ErrorKind::IsADirectory, Some(1)),
            InputError::IsDirectory { .. }
        ));
        let denied = kind(io::ErrorKind::PermissionDenied, None);
        assert_eq!(
            denied.to_string(),
            "x.csv: permission denied; make the file readable by the user running rewardsync, or copy it somewhere that user can read"
        );
        assert!(denied.source().is_none());
        // Anything else keeps the OS error as its source, and does not repeat it.
        let other = io_error("x.csv", Some(7), io::Error::other("disk on fire"));
        assert_eq!(other.to_string(), "x.csv:7: cannot read the file");
        assert_eq!(
            other.source().map(|e| e.to_string()),
            Some("disk on fire".into())
        );
    }

    #[test]
    fn a_directory_is_not_a_file() {
        let dir = std::env::temp_dir();
        let err = CsvReader::open(&dir, EncodingChoice::Utf8).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is a directory, not a file; give the path of the CSV file in it",
                dir.display()
            )
        );
    }

    #[test]
    fn errors_file_columns_are_ignored() {
        let text = format!("{HEADER},line,errors\nou_1,e1,a1,1,1,x,2,bad\n");
        let (reader, _) = read(text.as_bytes(), EncodingChoice::Utf8).unwrap();
        assert!(reader.header().is_errors_file_field(6));
        assert!(reader.header().is_errors_file_field(7));
    }
}
