//! calamine's cell values as [`OwnedCell`]s: text, numbers, dates (as Excel serials, with
//! the workbook's date system), booleans and error values; a formula cell arrives as its
//! cached value. Text of nothing but white space is empty, as in a CSV.

use calamine::{Data, DataRef, ExcelDateTime};

use super::{days_from_civil, epoch_days};
use crate::read::source::OwnedCell;

/// A cell from the `.xlsx` streaming reader. `is_1904` is the workbook's date system:
/// calamine's [`ExcelDateTime`] knows it but does not tell.
pub(super) fn from_ref(value: &DataRef<'_>, is_1904: bool) -> OwnedCell {
    match value {
        DataRef::Empty => OwnedCell::Empty,
        DataRef::String(text) => text_cell(text),
        DataRef::SharedString(text) => text_cell(text),
        DataRef::Float(n) => OwnedCell::Number(*n),
        DataRef::Int(n) => OwnedCell::Number(*n as f64),
        DataRef::Bool(b) => OwnedCell::Bool(*b),
        DataRef::DateTime(date) => date_cell(date, is_1904),
        DataRef::DateTimeIso(text) => iso_date_cell(text),
        DataRef::DurationIso(text) => text_cell(text),
        DataRef::Error(error) => OwnedCell::Error(error.to_string()),
    }
}

/// A cell from a sheet read whole (`.xls`, `.ods`).
pub(super) fn from_data(value: &Data, is_1904: bool) -> OwnedCell {
    match value {
        Data::Empty => OwnedCell::Empty,
        Data::String(text) => text_cell(text),
        Data::Float(n) => OwnedCell::Number(*n),
        Data::Int(n) => OwnedCell::Number(*n as f64),
        Data::Bool(b) => OwnedCell::Bool(*b),
        Data::DateTime(date) => date_cell(date, is_1904),
        Data::DateTimeIso(text) => iso_date_cell(text),
        Data::DurationIso(text) => text_cell(text),
        Data::Error(error) => OwnedCell::Error(error.to_string()),
    }
}

fn text_cell(text: &str) -> OwnedCell {
    if text.trim().is_empty() {
        OwnedCell::Empty
    } else {
        OwnedCell::Text(text.to_owned())
    }
}

/// A number formatted as a date or time. A duration (`[h]:mm`) is no point in time: it
/// stays the number it is.
fn date_cell(date: &ExcelDateTime, is_1904: bool) -> OwnedCell {
    if date.is_datetime() {
        OwnedCell::Date {
            serial: date.as_f64(),
            is_1904,
        }
    } else {
        OwnedCell::Number(date.as_f64())
    }
}

/// An ISO 8601 date cell (every date of an `.ods`, and `t="d"` cells of an `.xlsx`):
/// a date cell like Excel's, as a 1900-system serial, so every workbook's dates read the
/// same way. One with a zone offset (which LibreOffice never writes) stays text: the time
/// rules read ISO 8601 with an offset as it is. So does one before 1900-03-01: Excel's
/// serials name no day before 1900 (a serial below 1 is a time of day), and count the
/// days of 1900 before March from a day that never was (1900-02-29); as written, the
/// time rules read the date itself (and say it is before 1970).
fn iso_date_cell(text: &str) -> OwnedCell {
    match iso_serial(text.trim()) {
        Some(serial) => OwnedCell::Date {
            serial,
            is_1904: false,
        },
        None => text_cell(text),
    }
}

/// `YYYY-MM-DD`, optionally followed by `THH:MM[:SS[.fff]]`, as a 1900-system serial.
fn iso_serial(text: &str) -> Option<f64> {
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time)),
        None => (text, None),
    };
    let mut parts = date.splitn(3, '-');
    let year: i64 = number(parts.next()?, 4)?;
    let month: i64 = number(parts.next()?, 2)?;
    let day: i64 = number(parts.next()?, 2)?;
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || (year, month) < (1900, 3) {
        return None;
    }
    let days = days_from_civil(year, month, day) - epoch_days(false);
    let seconds = match time {
        None => 0.0,
        Some(time) => {
            let mut parts = time.splitn(3, ':');
            let hours: i64 = number(parts.next()?, 2)?;
            let minutes: i64 = number(parts.next()?, 2)?;
            let seconds: f64 = match parts.next() {
                None => 0.0,
                Some(s) => {
                    let whole = s.split_once('.').map_or(s, |(whole, _)| whole);
                    number::<i64>(whole, 2)?;
                    s.parse().ok()?
                }
            };
            if hours > 23 || minutes > 59 || !(0.0..61.0).contains(&seconds) {
                return None;
            }
            (hours * 3600 + minutes * 60) as f64 + seconds
        }
    };
    Some(days as f64 + seconds / 86_400.0)
}

/// `digits` ASCII digits exactly, as a number.
fn number<T: std::str::FromStr>(text: &str, digits: usize) -> Option<T> {
    if text.len() == digits && text.bytes().all(|b| b.is_ascii_digit()) {
        text.parse().ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::source::workbook::serial_text;
    use calamine::{CellErrorType, ExcelDateTimeType};

    #[test]
    fn ods_dates_become_serials() {
        let serial = |text: &str| match iso_date_cell(text) {
            OwnedCell::Date { serial, is_1904 } => {
                assert!(!is_1904);
                Some(serial_text(serial, false))
            }
            _ => None,
        };
        assert_eq!(serial("2024-01-08").as_deref(), Some("2024-01-08 00:00:00"));
        assert_eq!(
            serial("2024-01-08T13:24:35").as_deref(),
            Some("2024-01-08 13:24:35")
        );
        assert_eq!(
            serial("2024-01-08T13:24:35.4").as_deref(),
            Some("2024-01-08 13:24:35")
        );
        assert_eq!(
            serial("2024-01-08T13:24").as_deref(),
            Some("2024-01-08 13:24:00")
        );
        assert_eq!(serial("2024-01-08T13:24:35+08:00"), None);
        assert_eq!(serial("2024-13-08"), None);
        // Before 1900-03-01 no serial names the day as the calendar does.
        assert_eq!(serial("1900-03-01").as_deref(), Some("1900-03-01 00:00:00"));
        assert_eq!(serial("1900-02-28"), None);
        assert_eq!(
            iso_date_cell("1899-06-01"),
            OwnedCell::Text("1899-06-01".into())
        );
        assert_eq!(
            iso_date_cell("2024-01-08T13:24:35Z"),
            OwnedCell::Text("2024-01-08T13:24:35Z".into())
        );
    }

    #[test]
    fn values_keep_their_kind() {
        let date = ExcelDateTime::new(45299.5, ExcelDateTimeType::DateTime, true);
        assert_eq!(
            from_data(&Data::DateTime(date), true),
            OwnedCell::Date {
                serial: 45299.5,
                is_1904: true
            }
        );
        let duration = ExcelDateTime::new(1.5, ExcelDateTimeType::TimeDelta, false);
        assert_eq!(
            from_data(&Data::DateTime(duration), false),
            OwnedCell::Number(1.5)
        );
        assert_eq!(
            from_ref(&DataRef::Error(CellErrorType::NA), false),
            OwnedCell::Error("#N/A".into())
        );
        assert_eq!(
            from_ref(&DataRef::SharedString(" \t "), false),
            OwnedCell::Empty
        );
        assert_eq!(
            from_ref(&DataRef::SharedString(" a "), false),
            OwnedCell::Text(" a ".into())
        );
        assert_eq!(from_data(&Data::Int(7), false), OwnedCell::Number(7.0));
        assert_eq!(from_data(&Data::Bool(true), false), OwnedCell::Bool(true));
    }
}
