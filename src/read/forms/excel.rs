//! Workbook date cells: a serial number of days (and a fraction of a day) since an epoch
//! that depends on the workbook (the 1900 system, or the 1904 system of old Mac Excel),
//! read as a wall-clock date and time rounded to the second.

use jiff::civil::{DateTime, date};
use jiff::{SignedDuration, Span};

/// The largest serial Excel shows as a date: 9999-12-31 in the 1900 system.
pub(crate) const MAX_SERIAL: f64 = 2_958_466.0;

/// Why a serial is no date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SerialError {
    /// Not a finite number.
    NotFinite,
    /// Below 1: a time of day without a date (or a negative number).
    NoDate,
    /// 1900-02-29, which Excel counts (Lotus 1-2-3 thought 1900 a leap year) but which
    /// never was.
    FakeLeapDay,
    /// After 9999-12-31.
    TooLate,
}

const SECONDS_PER_DAY: i64 = 86_400;

/// The wall-clock date and time of a serial, rounded to the second.
pub(crate) fn serial_datetime(value: f64, is_1904: bool) -> Result<DateTime, SerialError> {
    if !value.is_finite() {
        return Err(SerialError::NotFinite);
    }
    if value < 1.0 {
        return Err(SerialError::NoDate);
    }
    if value >= MAX_SERIAL {
        return Err(SerialError::TooLate);
    }
    // Below MAX_SERIAL × 86,400 (about 2.6e11): exact in an i64, and the float keeps
    // well under a millisecond of precision there, so rounding to the second is sound.
    let seconds = (value * SECONDS_PER_DAY as f64).round() as i64;
    let (epoch, seconds) = if is_1904 {
        (date(1904, 1, 1).at(0, 0, 0, 0), seconds)
    } else if seconds < 60 * SECONDS_PER_DAY {
        // Serials 1 to 59 count from 1900-01-01 as day 1.
        (date(1899, 12, 31).at(0, 0, 0, 0), seconds)
    } else if seconds < 61 * SECONDS_PER_DAY {
        return Err(SerialError::FakeLeapDay);
    } else {
        // From serial 61 (1900-03-01) on, the phantom leap day shifts the epoch back one.
        (date(1899, 12, 30).at(0, 0, 0, 0), seconds)
    };
    // Whole days as a calendar span, then the time of day: a single duration of more
    // days than lie between 1970 and 9999 is refused by jiff even where the sum is fine.
    let days = Span::new()
        .try_days(seconds / SECONDS_PER_DAY)
        .map_err(|_| SerialError::TooLate)?;
    epoch
        .checked_add(days)
        .and_then(|d| d.checked_add(SignedDuration::from_secs(seconds % SECONDS_PER_DAY)))
        .map_err(|_| SerialError::TooLate)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serials_of_both_systems() {
        let dt = |value, is_1904| serial_datetime(value, is_1904).map(|d| d.to_string());
        assert_eq!(dt(1.0, false), Ok("1900-01-01T00:00:00".into()));
        assert_eq!(dt(59.0, false), Ok("1900-02-28T00:00:00".into()));
        assert_eq!(dt(60.0, false), Err(SerialError::FakeLeapDay));
        assert_eq!(dt(61.0, false), Ok("1900-03-01T00:00:00".into()));
        assert_eq!(dt(45299.0, false), Ok("2024-01-08T00:00:00".into()));
        assert_eq!(dt(45299.5583, false), Ok("2024-01-08T13:23:57".into()));
        assert_eq!(
            dt(45299.5583 - 1462.0, true),
            Ok("2024-01-08T13:23:57".into())
        );
        assert_eq!(dt(1.0, true), Ok("1904-01-02T00:00:00".into()));
        assert_eq!(dt(2_958_465.0, false), Ok("9999-12-31T00:00:00".into()));
        assert_eq!(dt(2_958_465.999_999_9, false), Err(SerialError::TooLate));
        assert_eq!(dt(0.5, false), Err(SerialError::NoDate));
        assert_eq!(dt(-1.0, false), Err(SerialError::NoDate));
        assert_eq!(dt(f64::NAN, false), Err(SerialError::NotFinite));
        // 23:59:59.6 rounds into the next day.
        assert_eq!(
            dt(45299.0 + 86_399.6 / 86_400.0, false),
            Ok("2024-01-09T00:00:00".into())
        );
    }
}
