//! Workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`) through calamine: the sheet asked for (or
//! the first), the header row, and typed cells row by row with the row number Excel shows.
//!
//! The parts, each with one job: [`open`](self::open) tells what a file really is from its
//! content and opens it; [`sheet`] picks the sheet; [`rows`] hands out a sheet's non-empty
//! rows (streamed from a reader thread for `.xlsx`, see [`stream`]); [`cells`] turns
//! calamine's values into [`OwnedCell`]s. This file finds the header, as the CSV reader
//! does, and turns rows into [`Record`]s.

mod cells;
mod guard;
mod hidden;
mod open;
mod rows;
mod sheet;
mod stream;

use std::collections::VecDeque;
use std::fmt;

use super::csv::header_name;
use super::header_difference;
use super::input::InputFile;
use super::{
    Cells, HEADER_SEARCH_ROWS, HeaderSearch, Origin, OwnedCell, ReadProblem, Record, SourceError,
    SourceOptions, cell_text, report_controls, unnamed_value,
};
use crate::problem::Rule;
use rows::{Row, Rows};

/// Which kind of workbook a file is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WorkbookFormat {
    /// Office Open XML (`.xlsx`, `.xlsm`): a zip archive.
    Xlsx,
    /// The old binary Excel format (`.xls`): a compound document.
    Xls,
    /// OpenDocument (`.ods`): a zip archive.
    Ods,
}

impl WorkbookFormat {
    /// Its name, as the file extension says it.
    pub fn name(self) -> &'static str {
        match self {
            WorkbookFormat::Xlsx => "xlsx",
            WorkbookFormat::Xls => "xls",
            WorkbookFormat::Ods => "ods",
        }
    }

    /// What it is in words, for messages: `an Excel workbook (.xlsx)`.
    pub fn described(self) -> &'static str {
        match self {
            WorkbookFormat::Xlsx => "an Excel workbook (.xlsx)",
            WorkbookFormat::Xls => "an Excel 97-2003 workbook (.xls)",
            WorkbookFormat::Ods => "an OpenDocument spreadsheet (.ods)",
        }
    }

    /// The format a file's first bytes say it is, if it is a workbook at all. A zip
    /// archive is taken for Office Open XML until its contents say otherwise.
    pub fn sniff(start: &[u8]) -> Option<WorkbookFormat> {
        if start.starts_with(b"PK\x03\x04") {
            Some(WorkbookFormat::Xlsx)
        } else if start.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
            Some(WorkbookFormat::Xls)
        } else {
            None
        }
    }
}

/// A streaming reader of the sheets of a workbook asked for: one, or several in turn
/// (`--sheet` given more than once, or `--sheet '*'`), each read through the one open
/// workbook (an `.xlsx`'s shared strings are read once, however many sheets).
pub struct WorkbookReader {
    origin: Origin,
    format: WorkbookFormat,
    names: Vec<String>,
    header_row: u64,
    preamble: Vec<Vec<String>>,
    /// Rows read while looking for the header, not yet handed out.
    queued: VecDeque<Row>,
    /// Boxed: a streamed sheet carries its channel and thread, and a [`super::Source`] of
    /// either kind stays small. None between sheets.
    rows: Option<Box<Rows>>,
    /// The sheets still to read, each with whether it was named (a named sheet whose
    /// header differs is an error; one of `'*'` is skipped).
    following: VecDeque<(String, bool)>,
    /// The sheets left out, each with why (`FILE[SHEET]`, reason).
    skipped: Vec<(Origin, String)>,
    /// How many sheets have been started: which one the rows come from.
    ordinal: u32,
    /// Whether the first sheet was named (not picked by `'*'`).
    first_named: bool,
    /// The first sheet read, whose header the others must have.
    first: Origin,
    /// The workbook's sheets, for messages.
    sheets: String,
    /// Its visible worksheets, in order.
    visible: Vec<String>,
}

impl fmt::Debug for WorkbookReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WorkbookReader")
            .field("origin", &self.origin)
            .field("format", &self.format)
            .field("header_row", &self.header_row)
            .finish_non_exhaustive()
    }
}

/// A sheet whose header has been found.
struct Started {
    rows: Box<Rows>,
    names: Vec<String>,
    header_row: u64,
    preamble: Vec<Vec<String>>,
    queued: VecDeque<Row>,
}

impl WorkbookReader {
    /// Opens the workbook in `file` (named `shown` in messages; `format` as its first
    /// bytes say, and a zip's contents decide between `.xlsx` and `.ods`), picks the
    /// sheets, and reads up to the first one's header. `known` says whether a header cell
    /// names a column the caller knows.
    pub fn open(
        file: InputFile,
        shown: String,
        format: WorkbookFormat,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<WorkbookReader, SourceError> {
        let book = open::open(file, &shown, format)?;
        let format = book.format();
        let sheets = book.sheets();
        let mut chosen = sheet::chosen(&shown, &sheets, &options.sheets)?.into_iter();
        let Some((first, first_named)) = chosen.next() else {
            return Err(SourceError::UnknownSheet {
                path: shown,
                asked: "at all".to_owned(),
                sheets: sheet::listed(&sheets),
            });
        };
        let origin = Origin {
            file: shown,
            sheet: Some(first),
        };
        let listed = sheet::listed(&sheets);
        let visible = sheet::visible(&sheets);
        let mut origin = origin;
        let (mut book, mut first_named) = (book, first_named);
        let mut skipped = Vec::new();
        // With '*', sheets before the first that has a header (a cover, a 说明 page) are
        // left out and listed.
        let started = loop {
            match start(book, &origin, options.header_row, known, &listed) {
                Ok(started) => break started,
                Err(failed) if !first_named && failed.book.is_some() => {
                    let Failed { error, book: open } = *failed;
                    let (Some(open), Some((next, named))) = (open, chosen.next()) else {
                        return Err(error);
                    };
                    skipped.push((origin.clone(), error.to_string()));
                    origin.sheet = Some(next);
                    (book, first_named) = (open, named);
                }
                Err(failed) => return Err(failed.error),
            }
        };
        Ok(WorkbookReader {
            first: origin.clone(),
            origin,
            format,
            names: started.names,
            header_row: started.header_row,
            preamble: started.preamble,
            queued: started.queued,
            rows: Some(started.rows),
            following: chosen.collect(),
            skipped,
            ordinal: 0,
            first_named,
            sheets: listed,
            visible,
        })
    }

    /// Where the records come from: the file and the sheet being read.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The workbook's format.
    pub fn format(&self) -> WorkbookFormat {
        self.format
    }

    /// The header's names, trimmed, in column order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The row the header is on, as Excel numbers it.
    pub fn header_row(&self) -> u64 {
        self.header_row
    }

    /// The rows above the header, as text.
    pub fn preamble(&self) -> &[Vec<String>] {
        &self.preamble
    }

    /// The workbook's visible worksheets, in order.
    pub fn visible_sheets(&self) -> &[String] {
        &self.visible
    }

    /// Which of the sheets read the rows come from (0 for the first).
    pub fn ordinal(&self) -> u32 {
        self.ordinal
    }

    /// The sheets left out so far, each with why.
    pub fn skipped(&self) -> &[(Origin, String)] {
        &self.skipped
    }

    /// True when the first sheet was picked by `'*'` and another follows it: a caller
    /// that cannot use its header may leave it out ([`Self::skip_sheet`]).
    pub fn may_skip_sheet(&self) -> bool {
        self.ordinal == 0 && !self.first_named && !self.following.is_empty()
    }

    /// Leaves the first sheet out (`why`: its header is no table of rewards) and makes the
    /// next sheet the first: its header is what the others must match.
    pub fn skip_sheet(&mut self, why: String) -> Result<(), SourceError> {
        self.skipped.push((self.origin.clone(), why));
        let mut book = match self.rows.take() {
            Some(rows) => drained(rows)?,
            None => None,
        };
        while let Some((next, named)) = self.following.pop_front() {
            let Some(open) = book.take() else {
                return Ok(());
            };
            self.origin.sheet = Some(next);
            self.first_named = named;
            // No header to match yet: any names make one.
            match start(
                open,
                &self.origin,
                Some(self.header_row),
                &|_| true,
                &self.sheets,
            ) {
                Ok(started) => {
                    self.first = self.origin.clone();
                    self.names = started.names;
                    self.preamble = started.preamble;
                    self.queued = started.queued;
                    self.rows = Some(started.rows);
                    return Ok(());
                }
                Err(failed) if !named => {
                    self.skipped
                        .push((self.origin.clone(), failed.error.to_string()));
                    book = failed.book;
                }
                Err(failed) => return Err(failed.error),
            }
        }
        Ok(())
    }

    /// The next data row, skipping rows whose every cell is empty; at the end of a sheet,
    /// on to the next one asked for.
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        let row = loop {
            if let Some(row) = self.queued.pop_front() {
                break row;
            }
            let Some(rows) = self.rows.as_mut() else {
                return Ok(None);
            };
            if let Some(row) = rows.next()? {
                break row;
            }
            if !self.next_sheet()? {
                return Ok(None);
            }
        };
        let mut problems: Vec<ReadProblem> = row.problem().into_iter().collect();
        let texts = row
            .cells
            .iter()
            .enumerate()
            .filter_map(|(i, cell)| match cell {
                OwnedCell::Text(text) => Some((i, text.as_str())),
                _ => None,
            });
        report_controls(&self.names, texts, &mut problems);
        problems.extend(past_the_header(&self.names, &row.cells));
        Ok(Some(Record {
            row: row.number,
            part: 0,
            hidden: row.hidden,
            cells: Cells::Typed(row.cells),
            problems,
        }))
    }

    /// Moves on to the next sheet asked for whose header is the first one's; false when
    /// none is left. A sheet of `'*'` with another header is left out and listed; a sheet
    /// named with `--sheet` is an error.
    fn next_sheet(&mut self) -> Result<bool, SourceError> {
        let mut book = match self.rows.take() {
            Some(rows) => rows.into_book(),
            None => None,
        };
        while let Some((next, named)) = self.following.pop_front() {
            let Some(open) = book.take() else {
                return Ok(false);
            };
            let origin = Origin {
                file: self.origin.file.clone(),
                sheet: Some(next),
            };
            let names = &self.names;
            let known = |name: &str| names.iter().any(|n| n == name);
            let why = match start(open, &origin, Some(self.header_row), &known, &self.sheets) {
                Ok(started) if started.names == self.names => {
                    self.origin = origin;
                    self.preamble = started.preamble;
                    self.queued = started.queued;
                    self.rows = Some(started.rows);
                    self.ordinal += 1;
                    return Ok(true);
                }
                Ok(started) => {
                    let why = header_difference(&self.names, &started.names);
                    book = drained(started.rows)?;
                    format!("its header is not {}'s: {why}", self.first)
                }
                Err(failed) => {
                    book = failed.book;
                    failed.error.to_string()
                }
            };
            if named {
                return Err(SourceError::HeaderDiffers {
                    path: origin.to_string(),
                    first: self.first.to_string(),
                    difference: why,
                });
            }
            self.skipped.push((origin, why));
        }
        Ok(false)
    }
}

/// A sheet whose header was not found, and the workbook back when the sheet could be
/// read to its end (to go on with the next sheet).
struct Failed {
    error: SourceError,
    book: Option<open::Book>,
}

impl From<SourceError> for Box<Failed> {
    fn from(error: SourceError) -> Box<Failed> {
        Box::new(Failed { error, book: None })
    }
}

impl From<Box<Failed>> for SourceError {
    fn from(failed: Box<Failed>) -> SourceError {
        failed.error
    }
}

/// Reads what is left of a sheet left out, and gives the workbook back.
fn drained(mut rows: Box<Rows>) -> Result<Option<open::Book>, SourceError> {
    while rows.next()?.is_some() {}
    Ok(rows.into_book())
}

/// Starts reading `sheet` of `book`: its rows, up to and including its header (row
/// `asked`, or found as [`HeaderSearch`] does).
fn start(
    book: open::Book,
    origin: &Origin,
    asked: Option<u64>,
    known: &dyn Fn(&str) -> bool,
    sheets: &str,
) -> Result<Started, Box<Failed>> {
    let sheet = origin.sheet.as_deref().unwrap_or_default();
    let mut rows = Box::new(book.rows(sheet, origin)?);
    // The first rows, while the header is looked for: kept, to be handed out after it.
    let last_looked_at = asked.unwrap_or(1).max(HEADER_SEARCH_ROWS);
    let mut first: Vec<Row> = Vec::new();
    while let Some(row) = rows.next()? {
        let number = row.number;
        first.push(row);
        if number >= last_looked_at {
            break;
        }
    }
    if first.is_empty() {
        return Err(Box::new(Failed {
            error: SourceError::EmptySheet {
                path: origin.to_string(),
                sheets: sheets.to_owned(),
            },
            book: rows.into_book(),
        }));
    }
    let texts: Vec<(u64, Vec<String>)> = first
        .iter()
        .map(|row| (row.number, row.cells.iter().map(trimmed_text).collect()))
        .collect();
    let at = match HeaderSearch::new(origin, asked, known).find(&texts) {
        Ok(at) => at,
        Err(error) => {
            return Err(Box::new(Failed {
                error,
                book: drained(rows)?,
            }));
        }
    };
    let header_row = texts[at].0;
    let names = texts[at]
        .1
        .iter()
        .enumerate()
        .map(|(i, name)| header_name(&origin.to_string(), header_row, i, name))
        .collect::<Result<Vec<String>, SourceError>>()?;
    let preamble = texts[..at].iter().map(|(_, cells)| cells.clone()).collect();
    let queued = first.split_off(at + 1).into();
    Ok(Started {
        rows,
        names,
        header_row,
        preamble,
        queued,
    })
}

/// A row with values right of the header's last name, which no column would read: a
/// ragged row, as in a CSV (a value under a header cell that is empty is the mapping's to
/// report, as for a CSV). One problem names the first value, and how many more there are.
fn past_the_header(names: &[String], cells: &[OwnedCell]) -> Option<ReadProblem> {
    let mut stray = cells
        .iter()
        .enumerate()
        .skip(names.len())
        .filter(|(_, cell)| **cell != OwnedCell::Empty);
    let (first, cell) = stray.next()?;
    let more = stray.count();
    let mut message = unnamed_value(&cell_text(cell.as_cell()), first);
    if more > 0 {
        message.push_str(&format!(
            " ({more} more value{} past the header's last column)",
            if more == 1 { "" } else { "s" }
        ));
    }
    Some(ReadProblem {
        column: None,
        message,
        field: Some(first),
        rule: Rule::Ragged,
    })
}

/// A cell as the header search and the preamble see it: its text, trimmed.
fn trimmed_text(cell: &OwnedCell) -> String {
    cell_text(cell.as_cell()).trim().to_owned()
}

/// Days from 1970-01-01 to the epoch of each date system: 1899-12-30 (the 1900 system,
/// whose serial 1 is 1899-12-31 once Excel's phantom 1900-02-29 is behind it) and
/// 1904-01-01.
fn epoch_days(is_1904: bool) -> i64 {
    if is_1904 { -24107 } else { -25569 }
}

/// An Excel serial as `YYYY-MM-DD HH:MM:SS` (rounded to the second; no zone: Excel keeps
/// none), for the errors file and messages.
pub fn serial_text(serial: f64, is_1904: bool) -> String {
    let seconds = (serial * 86_400.0).round() as i64;
    let days = epoch_days(is_1904) + seconds.div_euclid(86_400);
    let secs = seconds.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}",
        secs / 3600,
        secs % 3600 / 60,
        secs % 60
    )
}

/// The proleptic Gregorian date `days` after 1970-01-01 (Howard Hinnant's algorithm).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (the inverse of
/// [`civil_from_days`]).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let mp = if m > 2 { m - 3 } else { m + 9 };
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_read_as_excel_shows_them() {
        assert_eq!(serial_text(45299.5583333333, false), "2024-01-08 13:24:00");
        assert_eq!(serial_text(45299.0, false), "2024-01-08 00:00:00");
        assert_eq!(serial_text(43837.0, true), "2024-01-08 00:00:00");
        assert_eq!(serial_text(1.0, false), "1899-12-31 00:00:00");
    }

    #[test]
    fn days_from_civil_inverts_civil_from_days() {
        for days in [-25569, -24107, 0, 19730, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(days_from_civil(2024, 1, 8) - epoch_days(false), 45299);
    }

    #[test]
    fn workbooks_are_told_by_their_first_bytes() {
        assert_eq!(
            WorkbookFormat::sniff(b"PK\x03\x04rest"),
            Some(WorkbookFormat::Xlsx)
        );
        assert_eq!(
            WorkbookFormat::sniff(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1]),
            Some(WorkbookFormat::Xls)
        );
        assert_eq!(WorkbookFormat::sniff(b"a,b,c"), None);
    }
}
