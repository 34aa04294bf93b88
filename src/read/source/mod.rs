//! The one reader of every input file: CSV ([`csv`]) and workbooks ([`workbook`]), told
//! apart by their content, each yielding [`Record`]s with their position (a CSV's
//! physical line, a workbook's row as Excel shows it) and the problems met reading them.
//!
//! The reader knows nothing of rewards: it finds the header (row 1 unless told, with the
//! hint when a later row among the first [`HEADER_SEARCH_ROWS`] holds the column names),
//! keeps the rows above it (a title) for the errors file, and hands out every row after it.
//! Which column is which is the mapping's business ([`crate::read::mapping`]); a caller says only
//! whether a header cell names a column it knows, to find the header and the delimiter.

pub mod csv;
mod encoding;
mod fields;
pub mod input;
mod records;
pub mod workbook;

use std::borrow::Cow;
use std::fmt;
use std::io::{self, Read, Seek};
use std::path::Path;

use thiserror::Error;

use crate::problem::Rule;
use crate::text::{self, echo};

pub use self::csv::CsvReader;
pub use crate::read::field::{ERRORS_FILE_COLUMNS, Field};
pub use encoding::{Encoding, EncodingChoice};
pub use fields::TextFields;
pub use workbook::{WorkbookFormat, WorkbookReader};

/// How many rows from the top are searched for the header.
pub const HEADER_SEARCH_ROWS: u64 = 20;

/// What stops a file from being read at all. Row-level problems are not errors: they are
/// carried on the [`Record`] and reported with the rest of the row's problems.
///
/// `Open` and `Read` keep the operating system's error as their source and do not repeat
/// its text: print them with their chain, as `main` does, and the OS text appears once.
/// The common causes have variants of their own that say what to do.
#[derive(Debug, Error)]
pub enum SourceError {
    #[error(transparent)]
    Copy(#[from] input::CopyError),
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
    #[error("{path}: is a directory, not a file; give the path of the file in it")]
    IsDirectory { path: String },
    #[error(
        "{path}: row {row} holds no column name rewardsync knows, but row {found} does ({names}); pass --header-row {found} (or header_row = {found} in the mapping file)"
    )]
    HeaderNotOnRow {
        path: String,
        /// The row looked at.
        row: u64,
        /// The first later row with known names.
        found: u64,
        /// Some of its known names, echoed.
        names: String,
    },
    #[error("{path}: there is no row {row}: the file ends at row {last}; check --header-row")]
    NoHeaderRow { path: String, row: u64, last: u64 },
    #[error(
        "{path}:{row}: header column {column} ({name}) has {character} at character {position}; {advice}"
    )]
    HeaderControlCharacter {
        path: String,
        /// The header's row (line, for a CSV).
        row: u64,
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
    #[error("{path}:{line}: the CSV cannot be parsed: {message}")]
    Syntax {
        path: String,
        line: u64,
        message: String,
    },
    #[error(
        "{path}:{line}: a quote opens a cell on line {line} and is never closed: everything from there to the end of the file (line {last}) would be one cell; close the quote where the cell ends, or remove it (a quote inside a quoted cell is written twice: \"\"), and export the file again"
    )]
    UnclosedQuote {
        path: String,
        /// The line the quote opened on.
        line: u64,
        /// The file's last line.
        last: u64,
    },
    #[error(
        "{path}:{line}: the header line is over {}, so it is not read: a header names the columns in a few hundred bytes; is this the rewards file, and is it a CSV (one row a line)?",
        csv::mib(records::MAX_ROW_BYTES)
    )]
    HeaderTooLong {
        path: String,
        /// The header's (first) line.
        line: u64,
        /// The header record's size in bytes.
        bytes: u64,
    },
    #[error("{path}: not a workbook: it is {what}; {advice}")]
    NotAWorkbook {
        path: String,
        /// What the file is instead, e.g. `a Word document (.docx)`.
        what: String,
        advice: &'static str,
    },
    #[error(
        "{path}: the file cannot be read as {format}: {detail}; it may be truncated or damaged: copy or download it again, or open it in Excel (or LibreOffice) and save it again"
    )]
    DamagedWorkbook {
        path: String,
        /// What it was read as, e.g. `an Excel workbook (.xlsx)`.
        format: &'static str,
        /// The reader's own words.
        detail: String,
    },
    #[error(
        "{path}: the workbook is protected by a password; open it in Excel, remove the password (File > Info > Protect Workbook), save it, and run again"
    )]
    WorkbookPassword { path: String },
    #[error(
        "{path}: there is no sheet {asked}; the workbook's sheets are {sheets}. Pass --sheet with one of these names, or a sheet's position from 1 (--sheet 2)"
    )]
    UnknownSheet {
        path: String,
        /// The sheet asked for, echoed, or `number N`.
        asked: String,
        /// The workbook's sheets, echoed.
        sheets: String,
    },
    #[error(
        "{path}: sheet {sheet} is {kind}, not a worksheet of rows; pick a worksheet with --sheet (the workbook's sheets are {sheets})"
    )]
    NotAWorksheet {
        path: String,
        /// The sheet, echoed.
        sheet: String,
        /// What it is instead, e.g. `a chart`.
        kind: &'static str,
        /// The workbook's sheets, echoed.
        sheets: String,
    },
    #[error(
        "{path}: the file is given twice; a run reads each file once (its rows would all be duplicates of themselves): give it once"
    )]
    GivenTwice {
        /// The file, as given the second time.
        path: String,
    },
    #[error(
        "{path}: {difference}; every file and sheet read in one run must have {first}'s columns in the same order: read this one in a run of its own, or use --sheet '*' to leave out the sheets whose header differs"
    )]
    HeaderDiffers {
        /// The file (and sheet) whose header differs.
        path: String,
        /// The first file (and sheet), whose header the others must have.
        first: String,
        /// The difference, in words.
        difference: String,
    },
    #[error(
        "{path}: the sheet is empty; a rewards sheet starts with a header row naming its columns (referral_user_id, external_id, \u{2026}). The workbook's sheets are {sheets}: pick another with --sheet"
    )]
    EmptySheet {
        /// The file and sheet (`FILE[SHEET]`).
        path: String,
        /// The workbook's sheets, echoed.
        sheets: String,
    },
    #[error(
        "{path}: cannot read the sheet{} ({detail}); the file may be damaged: open it in Excel (or LibreOffice) and save it again",
        after_row(*row)
    )]
    SheetRead {
        /// The file and sheet (`FILE[SHEET]`).
        path: String,
        /// The last row read whole (0: none).
        row: u64,
        /// The reader's own words.
        detail: String,
    },
    // Workbooks refused before they are read (SPEC §2.5): what calamine would hold.
    #[error(
        "{path}: the workbook's part {part} expands from {compressed} bytes to {expanded}, {why}; no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again, or export the sheet as CSV UTF-8"
    )]
    WorkbookExpands {
        path: String,
        /// The zip entry, echoed.
        part: String,
        compressed: u64,
        /// The size it declares once expanded.
        expanded: u64,
        /// Which limit it passes, in words.
        why: &'static str,
    },
    #[error("{path}: {what}; {advice}")]
    WorkbookLimit {
        /// The file, or the file and sheet (`FILE[SHEET]`).
        path: String,
        /// What is wrong.
        what: String,
        advice: &'static str,
    },
    #[error(
        "{path}: {what} would take about {megabytes} MiB of memory to read, more than the {budget} MiB a workbook may take; {advice}"
    )]
    WorkbookTooLarge {
        /// The file, or the file and sheet (`FILE[SHEET]`).
        path: String,
        /// What is too large, e.g. `the workbook's 5000000 shared strings`.
        what: String,
        megabytes: u64,
        budget: u64,
        advice: &'static str,
    },
    #[error(
        "{path}:{row}: cell {cell} {}; the workbook reader would hold it whole, so the file is refused: shorten the cell or delete it, or save the sheet as CSV UTF-8, where a long cell makes only its row invalid",
        holds(*bytes)
    )]
    CellTooLong {
        /// The file and sheet (`FILE[SHEET]`).
        path: String,
        row: u64,
        /// The cell, e.g. `A2`.
        cell: String,
        /// Its size in bytes, when it was read to its end.
        bytes: Option<u64>,
    },
    #[error(
        "{path}: shared string {index} (counting from 0) {}; the workbook reader reads every shared string before any row, so the file is refused and the cell that uses it cannot be named: find the cell with over a million characters and shorten or delete it, or save the sheet as CSV UTF-8",
        holds(*bytes)
    )]
    SharedStringTooLong {
        path: String,
        index: u64,
        /// Its size in bytes, when it was read to its end.
        bytes: Option<u64>,
    },
    #[error(
        "{path}: {reference} is past Excel's last {what} ({last}); no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again"
    )]
    CellReference {
        /// The file and sheet (`FILE[SHEET]`).
        path: String,
        /// E.g. `cell "AAAAAAA3"` or `row "1048577"`.
        reference: String,
        /// `column` or `row`.
        what: &'static str,
        /// `XFD` or `1048576`.
        last: &'static str,
    },
}

/// What a cell or shared string over 1 MiB holds, in words: its size when it was read to
/// its end, else only that it is over.
fn holds(bytes: Option<u64>) -> String {
    let limit = csv::mib(records::MAX_ROW_BYTES);
    match bytes {
        Some(bytes) => format!(
            "holds {}, more than the {limit} a cell may hold",
            csv::mib(bytes)
        ),
        None => format!("holds more than the {limit} a cell may hold"),
    }
}

/// Where [`SourceError::SheetRead`] stopped: after a row, or before any.
fn after_row(row: u64) -> String {
    match row {
        0 => String::new(),
        row => format!(" past row {row}"),
    }
}

/// Turns the error of opening (`line` None) or reading `path` into what the user is told:
/// the common causes by name, with what to do; anything else with the OS error as its
/// source.
fn io_error(path: &str, line: Option<u64>, source: io::Error) -> SourceError {
    let path = path.to_owned();
    // A stream's copy that could not be written is the machine's failure, not the file's.
    let source = match source.downcast::<input::CopyError>() {
        Ok(copy) => return SourceError::Copy(copy),
        Err(source) => source,
    };
    match source.kind() {
        io::ErrorKind::NotFound => SourceError::NotFound { path },
        io::ErrorKind::IsADirectory => SourceError::IsDirectory { path },
        // Windows refuses to open a directory with "access denied".
        io::ErrorKind::PermissionDenied if Path::new(&path).is_dir() => {
            SourceError::IsDirectory { path }
        }
        io::ErrorKind::PermissionDenied => SourceError::PermissionDenied { path },
        _ => match line {
            None => SourceError::Open { path, source },
            Some(line) => SourceError::Read { path, line, source },
        },
    }
}

impl SourceError {
    /// True when the machine failed, not the input: a stream's copy could not be written
    /// (a full disk; exit 4, as for the ledger).
    pub fn is_write_failure(&self) -> bool {
        matches!(self, SourceError::Copy(_))
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
    /// The rule broken: [`Rule::Encoding`], [`Rule::ControlCharacter`], [`Rule::Ragged`],
    /// [`Rule::TooLong`] or [`Rule::QuoteSpansRows`].
    pub rule: Rule,
}

/// Where records come from, as messages name it: the file, and for a workbook the sheet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    /// The file, as the user named it.
    pub file: String,
    /// The sheet, for a workbook.
    pub sheet: Option<String>,
}

impl Origin {
    /// A row's place: `FILE:LINE` for a CSV, `FILE[SHEET]:ROW` for a workbook.
    pub fn at(&self, row: u64) -> String {
        match &self.sheet {
            Some(sheet) => format!("{}[{sheet}]:{row}", self.file),
            None => format!("{}:{row}", self.file),
        }
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.sheet {
            Some(sheet) => write!(f, "{}[{sheet}]", self.file),
            None => f.write_str(&self.file),
        }
    }
}

/// One cell as the file holds it. A CSV holds only text; a workbook also numbers, dates
/// (Excel serials: days since 1899-12-30, or 1904-01-01 in the 1904 system), booleans and
/// error values (`#N/A`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Cell<'a> {
    /// Nothing (or nothing but white space, in a CSV).
    Empty,
    /// Text, untrimmed.
    Text(&'a str),
    /// A number cell.
    Number(f64),
    /// A date or date-time cell.
    Date {
        /// The Excel serial.
        serial: f64,
        /// True in the 1904 date system.
        is_1904: bool,
    },
    /// A boolean cell.
    Bool(bool),
    /// An error cell, e.g. `#N/A`.
    Error(&'a str),
}

/// A workbook cell, owned.
#[derive(Debug, Clone, PartialEq)]
pub enum OwnedCell {
    /// Nothing.
    Empty,
    /// Text.
    Text(String),
    /// A number.
    Number(f64),
    /// A date or date-time (Excel serial).
    Date {
        /// The Excel serial.
        serial: f64,
        /// True in the 1904 date system.
        is_1904: bool,
    },
    /// A boolean.
    Bool(bool),
    /// An error value.
    Error(String),
}

impl OwnedCell {
    fn as_cell(&self) -> Cell<'_> {
        match self {
            OwnedCell::Empty => Cell::Empty,
            OwnedCell::Text(text) => Cell::Text(text),
            OwnedCell::Number(n) => Cell::Number(*n),
            OwnedCell::Date { serial, is_1904 } => Cell::Date {
                serial: *serial,
                is_1904: *is_1904,
            },
            OwnedCell::Bool(b) => Cell::Bool(*b),
            OwnedCell::Error(e) => Cell::Error(e),
        }
    }
}

/// A record's cells: text fields for a CSV, typed cells for a workbook.
#[derive(Debug, Clone)]
pub enum Cells {
    /// A CSV row.
    Text(TextFields),
    /// A workbook row.
    Typed(Vec<OwnedCell>),
}

/// One data row: where it is, its cells, and any problem met reading it.
#[derive(Debug, Clone)]
pub struct Record {
    /// Its place: a CSV's physical line (the header being line 1 unless it is lower), a
    /// workbook's row as Excel shows it.
    pub row: u64,
    /// Which part of the run's input it is from (a file, or a sheet of one): an index
    /// into the reader's [`Parts`](crate::read::mapping::Parts).
    pub part: u32,
    /// Hidden in the workbook (hidden, or filtered out; SPEC §2.4); never in a CSV.
    pub hidden: bool,
    /// The cells.
    pub cells: Cells,
    /// Problems met while reading: undecodable bytes, control characters, a ragged row.
    pub problems: Vec<ReadProblem>,
}

impl Record {
    /// The cell in column `i` (from 0); empty past the row's end.
    pub fn cell(&self, i: usize) -> Cell<'_> {
        match &self.cells {
            Cells::Text(fields) => match fields.get(i) {
                Some(text) if !text::is_blank(text) => Cell::Text(text),
                _ => Cell::Empty,
            },
            Cells::Typed(cells) => cells.get(i).map_or(Cell::Empty, OwnedCell::as_cell),
        }
    }

    /// False when no text cell of the row holds a tab or a line break (one pass over a
    /// CSV row's text); a workbook row may always.
    pub fn may_hold_layout(&self) -> bool {
        match &self.cells {
            Cells::Text(fields) => text::has_layout(fields.joined()),
            Cells::Typed(_) => true,
        }
    }

    /// The lines a CSV cell spans, `(first, last)`, when it spans more than one (a quoted
    /// cell holding line breaks); None for one line, or a workbook's cell.
    pub fn lines_of(&self, i: usize) -> Option<(u64, u64)> {
        let Cells::Text(fields) = &self.cells else {
            return None;
        };
        let breaks = |text: &str| memchr::memchr_iter(b'\n', text.as_bytes()).count() as u64;
        let inside = breaks(fields.get(i)?);
        if inside == 0 {
            return None;
        }
        let before: u64 = (0..i).filter_map(|j| fields.get(j)).map(breaks).sum();
        let first = self.row + before;
        Some((first, first + inside))
    }

    /// About how many bytes the row holds on the heap: what bounds the rows in flight.
    pub fn heap_bytes(&self) -> usize {
        let cells = match &self.cells {
            Cells::Text(fields) => fields.heap_bytes(),
            Cells::Typed(cells) => cells
                .iter()
                .map(|cell| match cell {
                    OwnedCell::Text(text) | OwnedCell::Error(text) => text.len(),
                    _ => 0,
                })
                .sum::<usize>()
                .saturating_add(cells.len() * std::mem::size_of::<OwnedCell>()),
        };
        let problems: usize = self.problems.iter().map(|p| p.message.len()).sum();
        cells.saturating_add(problems)
    }

    /// How many cells the row has.
    pub fn len(&self) -> usize {
        match &self.cells {
            Cells::Text(fields) => fields.len(),
            Cells::Typed(cells) => cells.len(),
        }
    }

    /// True when the row has no cells.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The cell in column `i` as text, as a user would type it again: numbers in their
    /// shortest decimal form (a whole number without `.0`), dates as `YYYY-MM-DD HH:MM:SS`.
    pub fn text(&self, i: usize) -> Cow<'_, str> {
        cell_text(self.cell(i))
    }
}

/// A cell as text, for the errors file and the accounts files.
pub fn cell_text(cell: Cell<'_>) -> Cow<'_, str> {
    match cell {
        Cell::Empty => Cow::Borrowed(""),
        Cell::Text(text) | Cell::Error(text) => Cow::Borrowed(text),
        Cell::Number(n) if n.fract() == 0.0 && n.abs() < 1e15 => Cow::Owned(format!("{n:.0}")),
        // Past 15 digits a number has lost digits: written as Excel shows it (`7.214E+18`),
        // it stays refused wherever it goes (an errors file fed back), never a wrong id.
        Cell::Number(n) if n.abs() >= 1e15 && n.is_finite() => Cow::Owned(format!("{n:E}")),
        Cell::Number(n) => Cow::Owned(n.to_string()),
        Cell::Date { serial, is_1904 } => Cow::Owned(workbook::serial_text(serial, is_1904)),
        Cell::Bool(b) => Cow::Borrowed(if b { "TRUE" } else { "FALSE" }),
    }
}

/// What a value under a column with no name in the header is told (column `i` from 0):
/// the same words for a CSV's and a workbook's, wherever the header ends.
pub(crate) fn unnamed_value(value: &str, i: usize) -> String {
    format!(
        "{} is under column {}, which has no name in the header; name the column (or move the value), or delete it",
        echo(value),
        i + 1
    )
}

/// Control characters other than tabs and line breaks, in any text cell: never data, and
/// never to be sent. (Whether a tab or line break may stay depends on the column: that is
/// for the caller, who knows the columns.)
pub(crate) fn report_controls<'a>(
    names: &[String],
    cells: impl Iterator<Item = (usize, &'a str)>,
    problems: &mut Vec<ReadProblem>,
) {
    for (i, value) in cells {
        let Some(found) = text::find_controls(value, &text::LAYOUT_CHARACTERS) else {
            continue;
        };
        let column = names.get(i).filter(|n| !n.is_empty()).cloned();
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

/// Finds the header among a file's first rows.
pub(crate) struct HeaderSearch<'a> {
    origin: &'a Origin,
    asked: Option<u64>,
    known: &'a dyn Fn(&str) -> bool,
}

impl<'a> HeaderSearch<'a> {
    /// A search for `asked` (a row number; None: row 1, and the hint if a later one holds
    /// the names).
    pub(crate) fn new(
        origin: &'a Origin,
        asked: Option<u64>,
        known: &'a dyn Fn(&str) -> bool,
    ) -> Self {
        HeaderSearch {
            origin,
            asked,
            known,
        }
    }

    /// Which of `rows` (row number, trimmed cells; in file order) is the header.
    pub(crate) fn find(&self, rows: &[(u64, Vec<String>)]) -> Result<usize, SourceError> {
        let row = self.asked.unwrap_or(1);
        let last = rows.last().map_or(0, |(r, _)| *r);
        let Some(at) = rows.iter().position(|(r, _)| *r >= row) else {
            return Err(SourceError::NoHeaderRow {
                path: self.origin.to_string(),
                row,
                last,
            });
        };
        let named = |cells: &[String]| cells.iter().filter(|c| (self.known)(c)).count();
        if self.asked.is_none() && named(&rows[at].1) == 0 {
            let later = rows
                .iter()
                .skip(at + 1)
                .take_while(|(r, _)| *r <= HEADER_SEARCH_ROWS)
                .find(|(_, cells)| named(cells) > 0);
            if let Some((found, cells)) = later {
                let names: Vec<String> = cells
                    .iter()
                    .filter(|c| (self.known)(c))
                    .map(|c| echo(c))
                    .collect();
                return Err(SourceError::HeaderNotOnRow {
                    path: self.origin.to_string(),
                    row: rows[at].0,
                    found: *found,
                    names: crate::text::list(&names, 3),
                });
            }
        }
        Ok(at)
    }
}

/// A sheet of a workbook: by name, or by its position from 1.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetChoice {
    /// The sheet with this name.
    Name(String),
    /// The sheet at this position (1 is the first).
    Index(usize),
    /// Every visible worksheet whose header is the first one's (`'*'`).
    Every,
}

impl SheetChoice {
    /// `--sheet` as typed: a number is a position, anything else a name.
    pub fn parse(text: &str) -> SheetChoice {
        if text.trim() == "*" {
            return SheetChoice::Every;
        }
        match text.trim().parse::<usize>() {
            Ok(n) if n > 0 => SheetChoice::Index(n),
            _ => SheetChoice::Name(text.to_owned()),
        }
    }
}

/// How to read an input file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceOptions {
    /// The encoding asked for (CSV).
    pub encoding: EncodingChoice,
    /// The delimiter (CSV); None: found from the header.
    pub delimiter: Option<u8>,
    /// The sheets (workbooks), in order; none: the first visible worksheet.
    pub sheets: Vec<SheetChoice>,
    /// The row holding the column names; None: row 1, with a hint if a later one does.
    pub header_row: Option<u64>,
}

/// What kind of file a source reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// A CSV, in this encoding.
    Csv(Encoding),
    /// A workbook of this format.
    Workbook(WorkbookFormat),
}

impl SourceKind {
    /// What a position in the file is called: a CSV's `line`, a workbook's `row`.
    pub fn position_word(self) -> &'static str {
        match self {
            SourceKind::Csv(_) => "line",
            SourceKind::Workbook(_) => "row",
        }
    }
}

/// An open input file of either kind.
#[derive(Debug)]
pub enum Source {
    /// A CSV file (boxed: it carries its parser's buffers, and a source is opened once).
    Csv(Box<CsvReader>),
    /// A workbook.
    Workbook(Box<WorkbookReader>),
}

impl Source {
    /// Opens `path`, recognising a workbook by its content (not only its extension), and
    /// reads up to its header. `known` says whether a header cell names a known column.
    pub fn open(
        path: &Path,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Source, SourceError> {
        let (mut file, shown) = input::open(path)?;
        // The first bytes say what the file is; then back to its start (a stream's copy
        // is read again, not the stream).
        let mut start = [0u8; 8];
        let read = read_start(&mut file, &mut start)
            .and_then(|read| file.rewind().map(|()| read))
            .map_err(|source| io_error(&shown, Some(1), source))?;
        match WorkbookFormat::sniff(&start[..read]) {
            Some(format) => Ok(Source::Workbook(Box::new(WorkbookReader::open(
                file, shown, format, options, known,
            )?))),
            None => Ok(Source::Csv(Box::new(CsvReader::from_reader(
                shown,
                Box::new(file),
                options,
                known,
            )?))),
        }
    }

    /// Reads CSV text from any byte source (tests, and input that is not a file).
    pub fn from_csv(
        path: String,
        source: Box<dyn Read + Send>,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<Source, SourceError> {
        Ok(Source::Csv(Box::new(CsvReader::from_reader(
            path, source, options, known,
        )?)))
    }

    /// Where the records come from.
    pub fn origin(&self) -> &Origin {
        match self {
            Source::Csv(csv) => csv.origin(),
            Source::Workbook(book) => book.origin(),
        }
    }

    /// What kind of file it is.
    pub fn kind(&self) -> SourceKind {
        match self {
            Source::Csv(csv) => SourceKind::Csv(csv.encoding()),
            Source::Workbook(book) => SourceKind::Workbook(book.format()),
        }
    }

    /// The header's names, trimmed, in column order (an unnamed column is `""`).
    pub fn names(&self) -> &[String] {
        match self {
            Source::Csv(csv) => csv.names(),
            Source::Workbook(book) => book.names(),
        }
    }

    /// The row the header is on.
    pub fn header_row(&self) -> u64 {
        match self {
            Source::Csv(csv) => csv.header_row(),
            Source::Workbook(book) => book.header_row(),
        }
    }

    /// The delimiter a CSV is read with (a workbook has none: `,`).
    pub fn delimiter(&self) -> u8 {
        match self {
            Source::Csv(csv) => csv.delimiter(),
            Source::Workbook(_) => b',',
        }
    }

    /// The rows above the header, as text (kept for the errors file).
    pub fn preamble(&self) -> &[Vec<String>] {
        match self {
            Source::Csv(csv) => csv.preamble(),
            Source::Workbook(book) => book.preamble(),
        }
    }

    /// The next data row, skipping rows whose every cell is empty (a workbook read sheet
    /// after sheet goes on to its next sheet).
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        match self {
            Source::Csv(csv) => csv.next_record(),
            Source::Workbook(book) => book.next_record(),
        }
    }

    /// Which of a workbook's sheets the rows come from (0: the first read; a CSV's is 0).
    pub fn ordinal(&self) -> u32 {
        match self {
            Source::Csv(_) => 0,
            Source::Workbook(book) => book.ordinal(),
        }
    }

    /// A workbook's visible worksheets, in order (a CSV has none).
    pub fn visible_sheets(&self) -> &[String] {
        match self {
            Source::Csv(_) => &[],
            Source::Workbook(book) => book.visible_sheets(),
        }
    }

    /// The sheets left out (a workbook read with `'*'`), each with why.
    pub fn skipped(&self) -> &[(Origin, String)] {
        match self {
            Source::Csv(_) => &[],
            Source::Workbook(book) => book.skipped(),
        }
    }

    /// True when the first sheet may be left out for the next (see
    /// [`WorkbookReader::may_skip_sheet`]).
    pub fn may_skip_sheet(&self) -> bool {
        match self {
            Source::Csv(_) => false,
            Source::Workbook(book) => book.may_skip_sheet(),
        }
    }

    /// Leaves the first sheet out, saying why (see [`WorkbookReader::skip_sheet`]).
    pub fn skip_sheet(&mut self, why: String) -> Result<(), SourceError> {
        match self {
            Source::Csv(_) => Ok(()),
            Source::Workbook(book) => book.skip_sheet(why),
        }
    }
}
/// How header `b` differs from header `a`, in words: the first column that differs.
pub fn header_difference(a: &[String], b: &[String]) -> String {
    let shown = |names: &[String], i: usize| {
        names
            .get(i)
            .map_or_else(|| "nothing".to_owned(), |n| crate::text::echo(n))
    };
    match (0..a.len().max(b.len())).find(|&i| a.get(i) != b.get(i)) {
        Some(i) => format!(
            "column {} is {} there and {} here",
            i + 1,
            shown(a, i),
            shown(b, i)
        ),
        None => "the same columns".to_owned(),
    }
}

/// Fills `start` from `file` as far as it goes (a pipe may give a few bytes at a time).
fn read_start(file: &mut impl Read, start: &mut [u8]) -> io::Result<usize> {
    let mut read = 0;
    while read < start.len() {
        match file.read(&mut start[read..]) {
            Ok(0) => break,
            Ok(n) => read += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(read)
}

/// How many of a header's names a message lists before it says how many more there are:
/// a header can have 16,384 columns, and a message is one line a user reads.
pub(crate) const NAMES_SHOWN: usize = 20;

/// Names from a header as messages show them: each echoed, comma-separated, the first
/// [`NAMES_SHOWN`] of them and then "and N more".
pub(crate) fn echo_all(names: &[String]) -> String {
    let echoed: Vec<String> = names.iter().map(|n| echo(n)).collect();
    text::list(&echoed, NAMES_SHOWN)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn io_errors_say_what_happened_once_and_what_to_do() {
        use std::error::Error as _;
        let kind = |kind: io::ErrorKind, line| io_error("x.csv", line, io::Error::from(kind));
        assert!(matches!(
            kind(io::ErrorKind::NotFound, None),
            SourceError::NotFound { .. }
        ));
        assert!(matches!(
            kind(io::ErrorKind::IsADirectory, Some(1)),
            SourceError::IsDirectory { .. }
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
        let err = Source::open(&dir, &SourceOptions::default(), &|_| true).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{}: is a directory, not a file; give the path of the file in it",
                dir.display()
            )
        );
    }
}
