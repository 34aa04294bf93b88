//! Times as exports write them (SPEC §2.1 "Times"), read as epoch milliseconds: epoch
//! milliseconds themselves, dates with an optional time of day, ISO 8601 with an offset,
//! workbook date cells, and one more format the mapping may give. A time without an offset
//! is read in the configured zone; daylight-saving gaps and folds are refused, never
//! shifted, and a day/month order that cannot be known is never guessed.

use std::fmt;

use jiff::civil::{self, DateTime};
use jiff::fmt::strtime;
use jiff::tz::{AmbiguousOffset, Offset, TimeZone};

use super::civil::{Clock, DayOrMonth, Shape, Written};
use super::excel::{MAX_SERIAL, SerialError, serial_datetime};
use super::number::{all_digits, looks_scientific, normalize_digits};
use super::zone::Zone;
use crate::problem::{Rule, Violation};
use crate::text::{self, echo};

/// How the times of a file are read.
#[derive(Debug, Clone, Default)]
pub struct TimeSettings {
    /// The zone of times written without an offset (`--timezone`, the mapping's `timezone`).
    pub zone: Option<Zone>,
    /// The mapping's `date_format` (strftime, e.g. `%m/%d/%Y %H:%M`), tried before the
    /// built-in forms. Check it once with [`check_date_format`].
    pub date_format: Option<String>,
}

/// A time cell as the source gives it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum TimeInput<'a> {
    /// A CSV field or a workbook's text cell.
    Text(&'a str),
    /// A workbook date cell: its serial and the workbook's date system.
    ExcelSerial { value: f64, is_1904: bool },
    /// A workbook number cell not formatted as a date.
    Number(f64),
}

/// A time read: what is sent, and how it was read.
#[derive(Debug, Clone, PartialEq)]
pub struct ReadTime {
    /// Milliseconds since the Unix epoch (the body sends them as a decimal string).
    pub millis: i64,
    /// How the value was read, for `validate --explain`.
    pub reading: Reading,
}

/// How a time was read. Formatted only when shown (`to_string()` gives e.g.
/// `2024-01-08 13:24 in Asia/Shanghai`), so reading a million cells formats nothing.
#[derive(Debug, Clone, PartialEq)]
pub enum Reading {
    /// Epoch milliseconds as they were.
    EpochMillis,
    /// A wall-clock time in the configured zone.
    Local {
        datetime: DateTime,
        zone: Zone,
        /// Read by the mapping's `date_format` rather than a built-in form.
        by_date_format: bool,
    },
    /// A wall-clock time with its own offset.
    Offset { datetime: DateTime, offset: Offset },
    /// A workbook date cell, read in the configured zone.
    ExcelSerial {
        serial: f64,
        is_1904: bool,
        datetime: DateTime,
        zone: Zone,
    },
}

impl fmt::Display for Reading {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Reading::EpochMillis => f.write_str("epoch milliseconds"),
            Reading::Local {
                datetime,
                zone,
                by_date_format,
            } => {
                write!(f, "{} in {zone}", Wall(*datetime))?;
                if *by_date_format {
                    f.write_str(" (by date_format)")?;
                }
                Ok(())
            }
            Reading::Offset { datetime, offset } => {
                write!(f, "{} at {}", Wall(*datetime), OffsetText(*offset))
            }
            Reading::ExcelSerial {
                serial,
                is_1904,
                datetime,
                zone,
            } => {
                let system = if *is_1904 { " (1904 system)" } else { "" };
                // Six decimals are finer than a second; more is float noise (…458333333336).
                let serial = format!("{serial:.6}");
                let serial = serial.trim_end_matches('0').trim_end_matches('.');
                write!(
                    f,
                    "Excel date {serial}{system} = {} in {zone}",
                    Wall(*datetime)
                )
            }
        }
    }
}

/// Why a time was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeError {
    /// The value is a good wall-clock time, but no zone is set to read it in: the run
    /// must stop before anything is sent (suggesting `--timezone Asia/Shanghai`).
    NeedsZone,
    /// The value is refused; the row is invalid.
    Refused(Violation),
}

impl From<Violation> for TimeError {
    fn from(violation: Violation) -> Self {
        TimeError::Refused(violation)
    }
}

impl fmt::Display for TimeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TimeError::NeedsZone => f.write_str(
                "has no offset and no time zone is set to read it in; give one, e.g. --timezone Asia/Shanghai",
            ),
            TimeError::Refused(violation) => fmt::Display::fmt(violation, f),
        }
    }
}

/// A time cell as epoch milliseconds, and how it was read.
pub fn time(input: TimeInput<'_>, settings: &TimeSettings) -> Result<ReadTime, TimeError> {
    match input {
        TimeInput::Text(text) => from_text(text, settings),
        TimeInput::ExcelSerial { value, is_1904 } => from_serial(value, is_1904, settings),
        TimeInput::Number(value) => from_number(value),
    }
}

/// Checks a `date_format` once, before any cell is read: every directive known, and the
/// format able to give a date (a year, a month and a day).
pub fn check_date_format(format: &str) -> Result<(), String> {
    let sample = civil::date(2024, 1, 8)
        .at(13, 24, 35, 0)
        .to_zoned(TimeZone::UTC)
        .map_err(|e| e.to_string())?;
    let written = strtime::format(format, &sample).map_err(|_| {
        format!(
            "date_format {} is not a valid format: {}; write it like %m/%d/%Y %H:%M (%% for a percent sign itself)",
            echo(format),
            bad_directive(format, &sample)
        )
    })?;
    let read = strtime::parse(format, &written).and_then(|tm| tm.to_datetime());
    match read {
        Ok(datetime) if datetime.date() == sample.date() => Ok(()),
        _ => Err(format!(
            "date_format {} does not give a whole date; it needs a year, a month and a day, e.g. %m/%d/%Y %H:%M",
            echo(format)
        )),
    }
}

/// What in a format the formatter refused, in words: its first directive that does not
/// format alone, or an unfinished one at its end.
fn bad_directive(format: &str, sample: &jiff::Zoned) -> String {
    let mut rest = format;
    while let Some(start) = rest.find('%') {
        let after = &rest[start + 1..];
        // Flags, a width, `:` or `.N` (as in %-d, %:z, %.3f), then the directive's letter.
        let Some(letter_at) = after.find(|c: char| !(c.is_ascii_digit() || "-_0^#:.".contains(c)))
        else {
            return format!("{} at its end is unfinished", echo(&rest[start..]));
        };
        let letter = after[letter_at..].chars().next().map_or(0, char::len_utf8);
        let directive = &rest[start..start + 1 + letter_at + letter];
        if strtime::format(directive, sample).is_err() {
            return format!("{} is no directive it knows", echo(directive));
        }
        rest = &rest[start + directive.len()..];
    }
    "its directives do not go together".to_owned()
}

fn from_text(text: &str, settings: &TimeSettings) -> Result<ReadTime, TimeError> {
    // The canonical form: 13 digits of epoch milliseconds.
    if text.len() == 13 && all_digits(text) {
        return Ok(epoch_millis(text));
    }
    let normal = normalize_digits(text::trim(text));
    let value = normal.as_ref();
    if value.len() == 13 && all_digits(value) {
        return Ok(epoch_millis(value));
    }
    // The mapping's format first: whoever wrote it knows the export, even where a
    // built-in form would read the value another way.
    let mut format_failed = None;
    if let Some(format) = &settings.date_format {
        match strtime::parse(format, value) {
            Ok(tm) => return from_broken_down(text, &tm, settings),
            Err(_) => format_failed = Some(format.as_str()),
        }
    }
    if all_digits(value) {
        return Err(digits_refusal(text, value).into());
    }
    if looks_scientific(value) {
        return Err(Violation::new(
            Rule::ScientificNotation,
            format!(
                "{} is a time that Excel turned into scientific notation; format the column as Text or as a date, and export again",
                echo(text)
            ),
        )
        .into());
    }
    if let Some((int, frac)) = value.split_once('.')
        && all_digits(int)
        && all_digits(frac)
    {
        return Err(decimal_refusal(text, value, int.len()).into());
    }
    match super::civil::parse(value) {
        Ok(written) => from_written(text, &written, settings),
        Err(Shape::DayOrMonthFirst(parts)) => Err(day_or_month(text, &parts, format_failed).into()),
        Err(Shape::Unknown) => Err(Violation::new(
            Rule::TimeForm,
            format!(
                "{} is not a time in any accepted form; write epoch milliseconds (1704720275000), a date such as 2024-01-08, 2024/1/8 or 2024年1月8日 with an optional time (2024-01-08 13:24), or ISO 8601 with an offset (2024-01-08T13:24:35+08:00){}",
                echo(text),
                format_note(format_failed)
            ),
        )
        .into()),
    }
}

fn epoch_millis(digits: &str) -> ReadTime {
    ReadTime {
        // Thirteen digits always fit an i64.
        millis: digits.parse().unwrap_or_default(),
        reading: Reading::EpochMillis,
    }
}

/// What a value made of digits only is, when it is not 13 digits.
fn digits_refusal(text: &str, digits: &str) -> Violation {
    let shown = echo(text);
    match digits.len() {
        // Ten ASCII digits: safe to repeat in the suggestion.
        10 => Violation::new(
            Rule::EpochSeconds,
            format!("{shown} looks like epoch seconds; the API takes milliseconds: {digits}000"),
        ),
        5 => serial_refusal(text, digits),
        8 | 14 if compact_date(digits) => {
            let (example, format) = if digits.len() == 8 {
                (
                    format!("{}-{}-{}", &digits[..4], &digits[4..6], &digits[6..8]),
                    "%Y%m%d",
                )
            } else {
                (
                    format!(
                        "{}-{}-{} {}:{}:{}",
                        &digits[..4],
                        &digits[4..6],
                        &digits[6..8],
                        &digits[8..10],
                        &digits[10..12],
                        &digits[12..14]
                    ),
                    "%Y%m%d%H%M%S",
                )
            };
            Violation::new(
                Rule::TimeForm,
                format!(
                    "{shown} looks like a date written without separators; write it as {example}, or set date_format = \"{format}\" in the mapping file"
                ),
            )
        }
        _ => Violation::new(
            Rule::NotEpochMillis,
            format!(
                "{shown} is not a time: epoch milliseconds have 13 digits (e.g. 1704720275000), and a date is written like 2024-01-08 13:24"
            ),
        ),
    }
}

/// `20240108` or `20240108132435` with a month and day in range.
fn compact_date(digits: &str) -> bool {
    let part =
        |range: std::ops::Range<usize>| digits.get(range).and_then(|d| d.parse::<i32>().ok());
    matches!((part(4..6), part(6..8)), (Some(1..=12), Some(1..=31)))
}

/// A bare decimal number (`45299.5583`) in a text cell.
fn decimal_refusal(text: &str, value: &str, int_digits: usize) -> Violation {
    if int_digits == 5 {
        serial_refusal(text, value)
    } else {
        Violation::new(
            Rule::NotEpochMillis,
            format!(
                "{} is not a time: epoch milliseconds are 13 digits without a point (e.g. 1704720275000), and a date is written like 2024-01-08 13:24",
                echo(text)
            ),
        )
    }
}

/// A number in a text cell that reads as an Excel serial date.
fn serial_refusal(text: &str, value: &str) -> Violation {
    let as_date = value
        .parse::<f64>()
        .ok()
        .and_then(|serial| serial_datetime(serial, false).ok())
        .map(|datetime| format!(" (as one it is {})", Wall(datetime)))
        .unwrap_or_default();
    Violation::new(
        Rule::ExcelSerialAsText,
        format!(
            "{} looks like an Excel serial date{as_date}; a text cell must hold the date itself: write it like 2024-01-08 13:24, or format the column as a date in the workbook before exporting",
            echo(text)
        ),
    )
}

fn format_note(failed: Option<&str>) -> String {
    match failed {
        Some(format) => format!(
            "; it does not match the mapping's date_format {} either",
            echo(format)
        ),
        None => String::new(),
    }
}

/// The two readings of a date whose day and month could be either way round (`1/8/2024`),
/// each with the `date_format` that reads it so.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayMonthReadings {
    /// The date read month first, when that is a real date.
    pub month_first: Option<civil::Date>,
    /// The date read day first, when that is a real date.
    pub day_first: Option<civil::Date>,
    /// The `date_format` that reads such values month first (`%m/%d/%Y`, with the time).
    pub month_first_format: String,
    /// The `date_format` that reads such values day first (`%d/%m/%Y`, with the time).
    pub day_first_format: String,
}

/// The readings of `text` when it is a date whose day and month could be either way round
/// (what `time` refuses with [`Rule::AmbiguousDate`] or [`Rule::NoSuchDate`]); None for
/// any other value. `rewardsync map suggest` weighs them over a whole column.
pub fn day_month_readings(text: &str) -> Option<DayMonthReadings> {
    let normal = normalize_digits(text::trim(text));
    match super::civil::parse(&normal) {
        Err(Shape::DayOrMonthFirst(parts)) => Some(readings(&parts)),
        _ => None,
    }
}

fn readings(parts: &DayOrMonth) -> DayMonthReadings {
    let year = if parts.short_year {
        // strftime's %y: 69-99 are 1969-1999, 00-68 are 2000-2068.
        if parts.year >= 69 {
            1900 + parts.year
        } else {
            2000 + parts.year
        }
    } else {
        parts.year
    };
    let reading = |month: i32, day: i32| {
        let (Ok(year), Ok(month), Ok(day)) =
            (i16::try_from(year), i8::try_from(month), i8::try_from(day))
        else {
            return None;
        };
        civil::Date::new(year, month, day).ok()
    };
    let sep = parts.separator;
    let y = if parts.short_year { "%y" } else { "%Y" };
    DayMonthReadings {
        month_first: reading(parts.first, parts.second),
        day_first: reading(parts.second, parts.first),
        month_first_format: format!("%m{sep}%d{sep}{y}{}", parts.time_format),
        day_first_format: format!("%d{sep}%m{sep}{y}{}", parts.time_format),
    }
}

/// `1/8/2024`: refused, with both readings and the date_format that would choose one.
fn day_or_month(text: &str, parts: &DayOrMonth, format_failed: Option<&str>) -> Violation {
    let shown = echo(text);
    let DayMonthReadings {
        month_first,
        day_first,
        month_first_format: format_md,
        day_first_format: format_dm,
    } = readings(parts);
    let note = format_note(format_failed);
    let message = match (month_first, day_first) {
        (Some(md), Some(dm)) if md == dm => format!(
            "{shown} has its day and month in an order that is not known (here both are {}, {md}); write the date year first (e.g. {md}), or set date_format = \"{format_md}\" or \"{format_dm}\" in the mapping file{note}",
            parts.first
        ),
        (Some(md), Some(dm)) => format!(
            "{shown} could be {md} (month first) or {dm} (day first); write the date year first (e.g. {md}), or set date_format = \"{format_md}\" or \"{format_dm}\" in the mapping file{note}"
        ),
        (Some(md), None) => format!(
            "{shown} can only be month first ({md}), but the file's order of day and month is not known; write the date year first, or set date_format = \"{format_md}\" in the mapping file{note}"
        ),
        (None, Some(dm)) => format!(
            "{shown} can only be day first ({dm}), but the file's order of day and month is not known; write the date year first, or set date_format = \"{format_dm}\" in the mapping file{note}"
        ),
        (None, None) => {
            return Violation::new(
                Rule::NoSuchDate,
                format!("{shown} is no date, with the day or the month first{note}"),
            );
        }
    };
    Violation::new(Rule::AmbiguousDate, message)
}

/// A value the built-in forms read.
fn from_written(
    text: &str,
    written: &Written,
    settings: &TimeSettings,
) -> Result<ReadTime, TimeError> {
    let datetime = civil_datetime(written).map_err(|what| {
        Violation::new(
            Rule::NoSuchDate,
            format!("{} is not a real date or time: {what}", echo(text)),
        )
    })?;
    match written.offset {
        Some(seconds) => with_offset(text, datetime, seconds),
        None => {
            let zone = settings.zone.as_ref().ok_or(TimeError::NeedsZone)?;
            local(text, datetime, zone, false)
        }
    }
}

/// A value the mapping's `date_format` read.
fn from_broken_down(
    text: &str,
    tm: &strtime::BrokenDownTime,
    settings: &TimeSettings,
) -> Result<ReadTime, TimeError> {
    let no_date = |what: String| {
        Violation::new(
            Rule::NoSuchDate,
            format!(
                "{} is not a real date or time by the mapping's date_format: {what}",
                echo(text)
            ),
        )
    };
    if let Some(timestamp) = tm.timestamp() {
        // %s: epoch seconds, by the user's own format.
        let datetime = timestamp.to_zoned(TimeZone::UTC).datetime();
        return checked(
            ReadTime {
                millis: timestamp.as_millisecond(),
                reading: Reading::Offset {
                    datetime,
                    offset: Offset::UTC,
                },
            },
            text,
        );
    }
    let datetime = tm
        .to_datetime()
        .map_err(|_| no_date(broken_down_refusal(tm)))?;
    if let Some(offset) = tm.offset() {
        return with_offset(text, datetime, offset.seconds());
    }
    let named;
    let zone = match tm.iana_time_zone() {
        Some(name) => {
            named = Zone::parse(name)
                .map_err(|e| Violation::new(Rule::TimeForm, format!("{}: {e}", echo(text))))?;
            &named
        }
        None => settings.zone.as_ref().ok_or(TimeError::NeedsZone)?,
    };
    local(text, datetime, zone, true)
}

/// Why a value the `date_format` read is no date or time, in words: the calendar's
/// checks of the parts read, else a weekday that does not match the date.
fn broken_down_refusal(tm: &strtime::BrokenDownTime) -> String {
    let (Some(year), Some(month), Some(day)) = (tm.year(), tm.month(), tm.day()) else {
        return "it does not give a whole date (a year, a month and a day)".to_owned();
    };
    let written = Written {
        year: year.into(),
        month: month.into(),
        day: day.into(),
        time: Some(Clock {
            hour: tm.hour().unwrap_or(0).into(),
            minute: tm.minute().unwrap_or(0).into(),
            second: tm.second().unwrap_or(0).into(),
            nanos: tm.subsec_nanosecond().unwrap_or(0),
            with_seconds: true,
        }),
        offset: None,
    };
    match (civil_datetime(&written), tm.weekday()) {
        (Err(what), _) => what,
        (Ok(datetime), Some(weekday)) if datetime.weekday() != weekday => format!(
            "it says {weekday:?}, but {} is a {:?}",
            datetime.date(),
            datetime.weekday()
        ),
        (Ok(_), _) => "its parts do not make one date and time".to_owned(),
    }
}

/// A wall-clock time with its own offset.
fn with_offset(text: &str, datetime: DateTime, seconds: i32) -> Result<ReadTime, TimeError> {
    let invalid = || {
        Violation::new(
            Rule::NoSuchDate,
            format!("{} has an offset beyond ±25:59", echo(text)),
        )
    };
    let offset = Offset::from_seconds(seconds).map_err(|_| invalid())?;
    let timestamp = offset
        .to_timestamp(datetime)
        .map_err(|_| out_of_range(&echo(text), datetime.year() < 1970))?;
    checked(
        ReadTime {
            millis: timestamp.as_millisecond(),
            reading: Reading::Offset { datetime, offset },
        },
        text,
    )
}

/// A workbook date cell.
fn from_serial(value: f64, is_1904: bool, settings: &TimeSettings) -> Result<ReadTime, TimeError> {
    let shown = || echo(&value.to_string());
    let datetime = serial_datetime(value, is_1904).map_err(|e| {
        let (rule, what) = match e {
            SerialError::NotFinite => (Rule::TimeForm, "is no number"),
            SerialError::NoDate => (
                Rule::TimeForm,
                "holds a time of day without a date (a serial below 1); give the cell its date",
            ),
            SerialError::FakeLeapDay => (
                Rule::NoSuchDate,
                "is 1900-02-29, a day Excel counts but that never was",
            ),
            SerialError::TooLate => {
                return out_of_range(&format!("the date cell {}", shown()), false);
            }
        };
        Violation::new(rule, format!("the date cell {} {what}", shown()))
    })?;
    let zone = settings.zone.as_ref().ok_or(TimeError::NeedsZone)?;
    let subject = || format!("the date cell {} ({})", shown(), Wall(datetime));
    let millis = in_zone(subject, datetime, zone)?;
    Ok(ReadTime {
        millis,
        reading: Reading::ExcelSerial {
            serial: value,
            is_1904,
            datetime,
            zone: zone.clone(),
        },
    })
}

/// A workbook number cell in a time column.
fn from_number(value: f64) -> Result<ReadTime, TimeError> {
    let whole = value.is_finite() && value.fract() == 0.0;
    if whole && (1e12..1e13).contains(&value) {
        // Whole and 13 digits: exact in an i64.
        return Ok(ReadTime {
            millis: value as i64,
            reading: Reading::EpochMillis,
        });
    }
    // Only refusals from here on: the value is worded once, for their messages.
    let shown = echo(&value.to_string());
    if whole && (1e9..1e10).contains(&value) {
        return Err(Violation::new(
            Rule::EpochSeconds,
            format!(
                "{shown} looks like epoch seconds; the API takes milliseconds: {}000",
                value as i64
            ),
        )
        .into());
    }
    if (1.0..MAX_SERIAL).contains(&value) {
        let as_date = serial_datetime(value, false)
            .map(|datetime| format!(" (as one it is {})", Wall(datetime)))
            .unwrap_or_default();
        return Err(Violation::new(
            Rule::ExcelSerialAsText,
            format!(
                "the number cell {shown} looks like an Excel serial date{as_date} but is not formatted as a date; format the column as a date in the workbook"
            ),
        )
        .into());
    }
    Err(Violation::new(
        Rule::NotEpochMillis,
        format!("the number cell {shown} is not a time: epoch milliseconds have 13 digits (e.g. 1704720275000)"),
    )
    .into())
}

/// Times before the epoch are no time the API takes.
fn checked(read: ReadTime, text: &str) -> Result<ReadTime, TimeError> {
    if read.millis < 0 {
        return Err(out_of_range(&echo(text), true).into());
    }
    Ok(read)
}

/// The earliest and latest instants a reward time can be, as messages say them: the API
/// counts milliseconds from the epoch, and the latest is the last instant the time library
/// holds at every offset (`jiff::Timestamp::MAX`), a day short of the end of 9999.
const TIME_RANGE: &str = "1970-01-01 00:00 UTC to 9999-12-30 22:00 UTC";

/// A time outside [`TIME_RANGE`] (`subject` names it): `early` when before it.
fn out_of_range(subject: &str, early: bool) -> Violation {
    let message = if early {
        format!(
            "{subject} is before 1970, outside the times a reward can carry ({TIME_RANGE}): the API takes epoch milliseconds, which start in 1970"
        )
    } else {
        format!(
            "{subject} is past the times a reward can carry ({TIME_RANGE}); exports often write a far date such as 9999-12-31 for \"none\": leave the cell empty when the reward has no such time"
        )
    };
    Violation::new(Rule::TimeOutOfRange, message)
}

/// The calendar checks of a written date and time, with what is wrong in words.
fn civil_datetime(written: &Written) -> Result<DateTime, String> {
    const MONTHS: [&str; 12] = [
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ];
    let month_name = usize::try_from(written.month - 1)
        .ok()
        .and_then(|i| MONTHS.get(i))
        .ok_or_else(|| format!("there is no month {}", written.month))?;
    let year =
        i16::try_from(written.year).map_err(|_| format!("there is no year {}", written.year))?;
    let month =
        i8::try_from(written.month).map_err(|_| format!("there is no month {}", written.month))?;
    let first = civil::Date::new(year, month, 1).map_err(|_| format!("there is no year {year}"))?;
    let days = i32::from(first.days_in_month());
    if !(1..=days).contains(&written.day) {
        return Err(format!(
            "{month_name} {year:04} has {days} days, not {}",
            written.day
        ));
    }
    let no_day = || format!("{month_name} {year:04} has no day {}", written.day);
    let day = i8::try_from(written.day).map_err(|_| no_day())?;
    let date = civil::Date::new(year, month, day).map_err(|_| no_day())?;
    let Some(clock) = written.time else {
        return Ok(date.at(0, 0, 0, 0));
    };
    for (value, max, unit) in [
        (clock.hour, 23, "hour"),
        (clock.minute, 59, "minute"),
        (clock.second, 59, "second"),
    ] {
        if !(0..=max).contains(&value) {
            return Err(format!("there is no {unit} {value} (0 to {max})"));
        }
    }
    let part = |v: i32| i8::try_from(v).unwrap_or_default();
    let time = civil::Time::new(
        part(clock.hour),
        part(clock.minute),
        part(clock.second),
        clock.nanos,
    )
    .map_err(|_| format!("there is no fraction of a second {}", clock.nanos))?;
    Ok(DateTime::from_parts(date, time))
}

/// Epoch milliseconds of a wall-clock time in `zone`; `subject` names the value in
/// messages. A time the zone skipped or went through twice is refused.
fn in_zone(
    subject: impl Fn() -> String,
    datetime: DateTime,
    zone: &Zone,
) -> Result<i64, TimeError> {
    let offset = match zone.time_zone().to_ambiguous_timestamp(datetime).offset() {
        AmbiguousOffset::Unambiguous { offset } => offset,
        AmbiguousOffset::Gap { before, after } => {
            return Err(Violation::new(
                Rule::TimeSkipped,
                format!(
                    "{} never happened in {zone}: the clocks jumped from {} to {} (daylight saving) and skipped {}; check the value at its source, or write it with an offset to say which instant it is (e.g. {})",
                    subject(),
                    OffsetText(before),
                    OffsetText(after),
                    Wall(datetime),
                    Iso(datetime, before)
                ),
            )
            .into());
        }
        AmbiguousOffset::Fold { before, after } => {
            return Err(Violation::new(
                Rule::TimeRepeated,
                format!(
                    "{} happened twice in {zone} (the clocks went back from {} to {} when daylight saving ended); write it with its offset: {} (the first) or {} (the second)",
                    subject(),
                    OffsetText(before),
                    OffsetText(after),
                    Iso(datetime, before),
                    Iso(datetime, after)
                ),
            )
            .into());
        }
    };
    let timestamp = offset
        .to_timestamp(datetime)
        .map_err(|_| out_of_range(&subject(), datetime.year() < 1970))?;
    let millis = timestamp.as_millisecond();
    if millis < 0 {
        return Err(out_of_range(&subject(), true).into());
    }
    Ok(millis)
}

/// A wall-clock time as people write it: `2024-01-08 13:24`, with the seconds and
/// milliseconds only when they are not zero.
struct Wall(DateTime);

impl fmt::Display for Wall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        write!(f, "{}", d.strftime("%Y-%m-%d %H:%M"))?;
        let millis = d.subsec_nanosecond() / 1_000_000;
        if d.second() != 0 || millis != 0 {
            write!(f, ":{:02}", d.second())?;
        }
        if millis != 0 {
            write!(f, ".{millis:03}")?;
        }
        Ok(())
    }
}

/// An offset as ISO 8601 writes it: `+08:00`, `-05:00`.
struct OffsetText(Offset);

impl fmt::Display for OffsetText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let seconds = self.0.seconds();
        let sign = if seconds < 0 { '-' } else { '+' };
        let seconds = seconds.unsigned_abs();
        write!(f, "{sign}{:02}:{:02}", seconds / 3600, seconds / 60 % 60)?;
        if !seconds.is_multiple_of(60) {
            write!(f, ":{:02}", seconds % 60)?;
        }
        Ok(())
    }
}

/// A wall-clock time with an offset, as ISO 8601: `2024-11-03T01:30:00-04:00`.
struct Iso(DateTime, Offset);

impl fmt::Display for Iso {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}{}",
            self.0.strftime("%Y-%m-%dT%H:%M:%S"),
            OffsetText(self.1)
        )
    }
}

/// A wall-clock time read in `zone`, and how it was read.
fn local(
    text: &str,
    datetime: civil::DateTime,
    zone: &Zone,
    by_date_format: bool,
) -> Result<ReadTime, TimeError> {
    let millis = in_zone(|| echo(text), datetime, zone)?;
    Ok(ReadTime {
        millis,
        reading: Reading::Local {
            datetime,
            zone: zone.clone(),
            by_date_format,
        },
    })
}
