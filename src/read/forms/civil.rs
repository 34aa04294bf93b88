//! The written forms of a date and time (SPEC §2.1 "Times"), read by hand in one pass:
//! `2024-01-08`, `2024/1/8`, `2024.1.8`, `2024年1月8日`, each optionally followed by
//! `H:MM[:SS[.fff]]` after a space or `T`, and then an optional offset (`Z`, `+08:00`).
//! Only the shape is read here; whether the numbers make a real date is checked later.

/// A date and time as written, before any calendar check or zone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Written {
    pub year: i32,
    pub month: i32,
    pub day: i32,
    /// Hour, minute, second and nanoseconds; `None` for a date alone.
    pub time: Option<Clock>,
    /// The offset from UTC in seconds, when written.
    pub offset: Option<i32>,
}

/// A time of day as written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Clock {
    pub hour: i32,
    pub minute: i32,
    pub second: i32,
    pub nanos: i32,
    /// True when the seconds were written (`13:24:00`, not `13:24`).
    pub with_seconds: bool,
}

/// A value that is none of the forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Shape {
    /// Day and month first, in an order that cannot be known (`1/8/2024`).
    DayOrMonthFirst(DayOrMonth),
    /// Anything else.
    Unknown,
}

/// The parts of a `N/N/YYYY` date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DayOrMonth {
    pub first: i32,
    pub second: i32,
    pub year: i32,
    /// True for a two-digit year.
    pub short_year: bool,
    pub separator: char,
    /// What a date_format needs after the date for the time written (`" %H:%M"`).
    pub time_format: &'static str,
}

/// Reads `text` (trimmed, digits already ASCII) as one of the forms.
pub(crate) fn parse(text: &str) -> Result<Written, Shape> {
    let mut at = Cursor { text, pos: 0 };
    let Some(year) = at.number(4, 4) else {
        return Err(day_or_month(text));
    };
    let (separator, closing) = if at.eat("年") {
        ("月", Some("日"))
    } else {
        match at.peek() {
            Some(b @ (b'-' | b'/' | b'.')) => {
                at.pos += 1;
                (separator_str(b), None)
            }
            _ => return Err(Shape::Unknown),
        }
    };
    let month = at.number(1, 2).ok_or(Shape::Unknown)?;
    if !at.eat(separator) {
        return Err(Shape::Unknown);
    }
    let day = at.number(1, 2).ok_or(Shape::Unknown)?;
    if let Some(closing) = closing
        && !at.eat(closing)
    {
        return Err(Shape::Unknown);
    }
    let mut written = Written {
        year,
        month,
        day,
        time: None,
        offset: None,
    };
    if at.done() {
        return Ok(written);
    }
    // A space or `T` before the time; Chinese dates often run straight on (`8日13:24`).
    let spaced = at.spaces();
    if !spaced && !at.eat("T") && !at.eat("t") && closing.is_none() {
        return Err(Shape::Unknown);
    }
    written.time = Some(at.clock().ok_or(Shape::Unknown)?);
    at.spaces();
    if !at.done() {
        written.offset = Some(at.offset().ok_or(Shape::Unknown)?);
    }
    if at.done() {
        Ok(written)
    } else {
        Err(Shape::Unknown)
    }
}

/// `1/8/2024`, `08-01-24 13:24`: a date whose day and month could be either way round.
fn day_or_month(text: &str) -> Shape {
    let mut at = Cursor { text, pos: 0 };
    let Some(first) = at.number(1, 2) else {
        return Shape::Unknown;
    };
    let separator = match at.peek() {
        Some(b @ (b'-' | b'/' | b'.')) => b,
        _ => return Shape::Unknown,
    };
    at.pos += 1;
    let Some(second) = at.number(1, 2) else {
        return Shape::Unknown;
    };
    if at.peek() != Some(separator) {
        return Shape::Unknown;
    }
    at.pos += 1;
    let start = at.pos;
    let Some(year) = at.number(2, 4) else {
        return Shape::Unknown;
    };
    let short_year = match at.pos - start {
        2 => true,
        4 => false,
        _ => return Shape::Unknown,
    };
    let time_format = if at.done() {
        ""
    } else {
        let t = if at.spaces() {
            " "
        } else if at.eat("T") {
            "T"
        } else {
            return Shape::Unknown;
        };
        match at.clock() {
            Some(clock) if at.done() => match (t, clock.with_seconds) {
                (" ", false) => " %H:%M",
                (" ", true) => " %H:%M:%S",
                (_, false) => "T%H:%M",
                (_, true) => "T%H:%M:%S",
            },
            _ => return Shape::Unknown,
        }
    };
    Shape::DayOrMonthFirst(DayOrMonth {
        first,
        second,
        year,
        short_year,
        separator: char::from(separator),
        time_format,
    })
}

fn separator_str(b: u8) -> &'static str {
    match b {
        b'-' => "-",
        b'/' => "/",
        _ => ".",
    }
}

/// A position in the text being read.
struct Cursor<'a> {
    text: &'a str,
    pos: usize,
}

impl Cursor<'_> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn done(&self) -> bool {
        self.pos >= self.text.len()
    }

    /// Consumes `literal` if it comes next.
    fn eat(&mut self, literal: &str) -> bool {
        let found = self
            .text
            .get(self.pos..)
            .is_some_and(|rest| rest.starts_with(literal));
        if found {
            self.pos += literal.len();
        }
        found
    }

    /// Consumes spaces; true when there was at least one.
    fn spaces(&mut self) -> bool {
        let start = self.pos;
        while self.peek() == Some(b' ') {
            self.pos += 1;
        }
        self.pos > start
    }

    /// Consumes from `min` to `max` digits (as many as there are, up to `max`); `None`
    /// (and nothing consumed) with fewer than `min`, or when a digit follows the `max`th.
    fn number(&mut self, min: usize, max: usize) -> Option<i32> {
        let start = self.pos;
        let mut value = 0i32;
        while self.pos - start < max {
            match self.peek() {
                Some(b @ b'0'..=b'9') => {
                    value = value * 10 + i32::from(b - b'0');
                    self.pos += 1;
                }
                _ => break,
            }
        }
        let count = self.pos - start;
        if count < min || self.peek().is_some_and(|b| b.is_ascii_digit()) {
            self.pos = start;
            return None;
        }
        Some(value)
    }

    /// Consumes exactly `count` digits, whatever follows them.
    fn exact(&mut self, count: usize) -> Option<i32> {
        let digits = self.text.get(self.pos..self.pos + count)?;
        if !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        self.pos += count;
        digits.parse().ok()
    }

    /// `H:MM`, `H:MM:SS`, `H:MM:SS.fff` (a point or a comma before up to 9 digits).
    fn clock(&mut self) -> Option<Clock> {
        let hour = self.number(1, 2)?;
        if !self.eat(":") {
            return None;
        }
        let minute = self.exact(2)?;
        let mut clock = Clock {
            hour,
            minute,
            second: 0,
            nanos: 0,
            with_seconds: false,
        };
        if self.eat(":") {
            clock.second = self.exact(2)?;
            clock.with_seconds = true;
            if self.eat(".") || self.eat(",") {
                let start = self.pos;
                let digits = self.number(1, 9)?;
                let count = u32::try_from(self.pos - start).ok()?;
                clock.nanos = digits * 10i32.pow(9 - count);
            }
        }
        Some(clock)
    }

    /// `Z`, `+08:00`, `+0800`, `+08`: seconds east of UTC.
    fn offset(&mut self) -> Option<i32> {
        if self.eat("Z") || self.eat("z") {
            return Some(0);
        }
        let sign = if self.eat("+") {
            1
        } else if self.eat("-") {
            -1
        } else {
            return None;
        };
        let hours = self.exact(2)?;
        self.eat(":");
        let minutes = if self.done() { 0 } else { self.exact(2)? };
        Some(sign * (hours * 3600 + minutes * 60))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(year: i32, month: i32, day: i32) -> Written {
        Written {
            year,
            month,
            day,
            time: None,
            offset: None,
        }
    }

    fn at(written: Written, hour: i32, minute: i32, second: i32) -> Written {
        Written {
            time: Some(Clock {
                hour,
                minute,
                second,
                nanos: 0,
                with_seconds: second != 0,
            }),
            ..written
        }
    }

    #[test]
    fn every_form_reads() {
        let d = date(2024, 1, 8);
        for (text, expected) in [
            ("2024-01-08", d),
            ("2024/1/8", d),
            ("2024.1.8", d),
            ("2024年1月8日", d),
            ("2024-01-08 13:24", at(d, 13, 24, 0)),
            ("2024-01-08T13:24:35", at(d, 13, 24, 35)),
            (
                "2024-01-08 13:24:00",
                Written {
                    time: Some(Clock {
                        with_seconds: true,
                        ..at(d, 13, 24, 0).time.unwrap()
                    }),
                    ..d
                },
            ),
            ("2024/1/8 9:05", at(d, 9, 5, 0)),
            ("2024年1月8日 13:24:35", at(d, 13, 24, 35)),
            ("2024年1月8日13:24", at(d, 13, 24, 0)),
            ("2024-01-08  13:24", at(d, 13, 24, 0)),
        ] {
            assert_eq!(parse(text), Ok(expected), "{text}");
        }
    }

    #[test]
    fn offsets_and_fractions_read() {
        let d = at(date(2024, 1, 8), 13, 24, 35);
        let with = |offset| Written {
            offset: Some(offset),
            ..d
        };
        assert_eq!(parse("2024-01-08T13:24:35+08:00"), Ok(with(8 * 3600)));
        assert_eq!(parse("2024-01-08T13:24:35Z"), Ok(with(0)));
        assert_eq!(
            parse("2024-01-08 13:24:35 -0530"),
            Ok(with(-(5 * 3600 + 1800)))
        );
        assert_eq!(parse("2024-01-08T13:24:35+08"), Ok(with(8 * 3600)));
        let fraction = parse("2024-01-08 13:24:35.123").unwrap();
        assert_eq!(fraction.time.map(|c| c.nanos), Some(123_000_000));
    }

    #[test]
    fn other_shapes_are_unknown() {
        for text in [
            "2024-01",
            "2024-01/08",
            "2024-01-08 13",
            "2024-01-08 13:4",
            "2024-01-08x",
            "2024-01-08+08:00x",
            "20240-1-8",
            "2024年1月8",
            "Jan 8, 2024",
            "2024-01-08 13:24 PM",
        ] {
            assert_eq!(parse(text), Err(Shape::Unknown), "{text}");
        }
    }

    #[test]
    fn day_or_month_first_is_recognised() {
        let Err(Shape::DayOrMonthFirst(parts)) = parse("1/8/2024") else {
            panic!("not recognised");
        };
        assert_eq!((parts.first, parts.second, parts.year), (1, 8, 2024));
        assert_eq!(
            (parts.separator, parts.time_format, parts.short_year),
            ('/', "", false)
        );
        let Err(Shape::DayOrMonthFirst(parts)) = parse("08.01.24 13:24") else {
            panic!("not recognised");
        };
        assert_eq!(
            (parts.separator, parts.time_format, parts.short_year),
            ('.', " %H:%M", true)
        );
    }
}
