//! Times as legacy exports write them (SPEC §2.1 "Times"): every form with its exact epoch
//! milliseconds and reading, with and without a zone, across midnight and daylight saving,
//! workbook serials of both date systems, and every refusal with its rule.

use rewardsync::problem::Rule;
use rewardsync::read::forms::{
    ReadTime, TimeError, TimeInput, TimeSettings, Zone, check_date_format, time,
};

fn settings(zone: &str) -> TimeSettings {
    TimeSettings {
        zone: Some(Zone::parse(zone).expect("a known zone")),
        date_format: None,
    }
}

fn with_format(zone: &str, format: &str) -> TimeSettings {
    TimeSettings {
        date_format: Some(format.to_owned()),
        ..settings(zone)
    }
}

fn read(input: TimeInput<'_>, settings: &TimeSettings) -> ReadTime {
    time(input, settings).unwrap_or_else(|e| panic!("{input:?}: {e}"))
}

/// Asserts a refusal's rule and that its message holds every `needles`.
fn assert_refused(input: TimeInput<'_>, settings: &TimeSettings, rule: Rule, needles: &[&str]) {
    match time(input, settings) {
        Err(TimeError::Refused(violation)) => {
            assert_eq!(violation.rule, rule, "{input:?}: {violation}");
            for needle in needles {
                assert!(
                    violation.message.contains(needle),
                    "{input:?}: {:?} lacks {needle:?}",
                    violation.message
                );
            }
        }
        other => panic!("{input:?}: {other:?}"),
    }
}

/// 2024-01-08 13:24 in Asia/Shanghai (05:24 UTC), as SPEC §2.1's `--explain` example.
const JAN_8_1324_SHANGHAI: i64 = 1_704_691_440_000;

#[test]
fn every_text_form_is_read_in_the_zone() {
    let shanghai = settings("Asia/Shanghai");
    let cases: &[(&str, i64, &str)] = &[
        (
            "2024-01-08 13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024/1/8 13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024.1.8 13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024年1月8日 13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024年1月8日13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024-01-08T13:24",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "  2024-01-08 13:24  ",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "２０２４－０１－０８ １３:２４",
            JAN_8_1324_SHANGHAI,
            "2024-01-08 13:24 in Asia/Shanghai",
        ),
        (
            "2024-01-08 13:24:35",
            JAN_8_1324_SHANGHAI + 35_000,
            "2024-01-08 13:24:35 in Asia/Shanghai",
        ),
        (
            "2024/01/08 9:05:00",
            1_704_675_900_000,
            "2024-01-08 09:05 in Asia/Shanghai",
        ),
        (
            "2024-01-08 13:24:35.123",
            JAN_8_1324_SHANGHAI + 35_123,
            "2024-01-08 13:24:35.123 in Asia/Shanghai",
        ),
        // A date alone is midnight in the zone: 2024-01-07T16:00Z.
        (
            "2024-01-08",
            1_704_643_200_000,
            "2024-01-08 00:00 in Asia/Shanghai",
        ),
        (
            "2024/1/8",
            1_704_643_200_000,
            "2024-01-08 00:00 in Asia/Shanghai",
        ),
        (
            "2024.1.8",
            1_704_643_200_000,
            "2024-01-08 00:00 in Asia/Shanghai",
        ),
        (
            "2024年1月8日",
            1_704_643_200_000,
            "2024-01-08 00:00 in Asia/Shanghai",
        ),
        // Near midnight: the UTC day is the one before.
        (
            "2024-01-07 23:30",
            1_704_641_400_000,
            "2024-01-07 23:30 in Asia/Shanghai",
        ),
    ];
    for (text, millis, reading) in cases {
        let got = read(TimeInput::Text(text), &shanghai);
        assert_eq!(got.millis, *millis, "{text}");
        assert_eq!(got.reading.to_string(), *reading, "{text}");
    }
}

#[test]
fn epoch_millis_and_offsets_need_no_zone() {
    let none = TimeSettings::default();
    let cases: &[(&str, i64, &str)] = &[
        ("1704720275000", 1_704_720_275_000, "epoch milliseconds"),
        (" 1704720275000 ", 1_704_720_275_000, "epoch milliseconds"),
        (
            "１７０４７２０２７５０００",
            1_704_720_275_000,
            "epoch milliseconds",
        ),
        (
            "2024-01-08T13:24:35+08:00",
            JAN_8_1324_SHANGHAI + 35_000,
            "2024-01-08 13:24:35 at +08:00",
        ),
        (
            "2024-01-08T05:24:35Z",
            JAN_8_1324_SHANGHAI + 35_000,
            "2024-01-08 05:24:35 at +00:00",
        ),
        (
            "2024-01-08 00:24:35 -0500",
            JAN_8_1324_SHANGHAI + 35_000,
            "2024-01-08 00:24:35 at -05:00",
        ),
        (
            "2024-01-08T13:24:35.5+08:00",
            JAN_8_1324_SHANGHAI + 35_500,
            "2024-01-08 13:24:35.500 at +08:00",
        ),
    ];
    for (text, millis, reading) in cases {
        let got = read(TimeInput::Text(text), &none);
        assert_eq!(got.millis, *millis, "{text}");
        assert_eq!(got.reading.to_string(), *reading, "{text}");
    }
    // The zone does not change a time that carries its offset.
    let in_new_york = read(
        TimeInput::Text("2024-01-08T05:24:35Z"),
        &settings("America/New_York"),
    );
    assert_eq!(in_new_york.millis, JAN_8_1324_SHANGHAI + 35_000);
}

#[test]
fn a_wall_clock_time_without_a_zone_stops_the_run() {
    let none = TimeSettings::default();
    for input in [
        TimeInput::Text("2024-01-08 13:24"),
        TimeInput::Text("2024-01-08"),
        TimeInput::Text("2024年1月8日"),
        TimeInput::ExcelSerial {
            value: 45299.5583,
            is_1904: false,
        },
    ] {
        assert_eq!(time(input, &none), Err(TimeError::NeedsZone), "{input:?}");
    }
    assert!(
        TimeError::NeedsZone
            .to_string()
            .contains("--timezone Asia/Shanghai")
    );
    // A value that is wrong in itself is reported as such, zone or not.
    assert_refused(
        TimeInput::Text("2024-02-30"),
        &none,
        Rule::NoSuchDate,
        &["29 days"],
    );
}

#[test]
fn daylight_saving_gaps_and_folds_are_refused_naming_the_zone() {
    let new_york = settings("America/New_York");
    // Ordinary winter (EST, -05:00) and summer (EDT, -04:00) times.
    let winter = read(TimeInput::Text("2024-01-08 13:24"), &new_york);
    assert_eq!(winter.millis, 1_704_738_240_000);
    assert_eq!(
        winter.reading.to_string(),
        "2024-01-08 13:24 in America/New_York"
    );
    let summer = read(TimeInput::Text("2024-07-15 17:30"), &new_york);
    assert_eq!(summer.millis, 1_721_079_000_000);
    // 2024-03-10: the clocks went from 02:00 EST straight to 03:00 EDT.
    assert_refused(
        TimeInput::Text("2024-03-10 02:30"),
        &new_york,
        Rule::TimeSkipped,
        &[
            r#""2024-03-10 02:30" never happened in America/New_York"#,
            "-05:00 to -04:00",
            "offset",
        ],
    );
    // 2024-11-03: 01:00 to 02:00 happened twice, in EDT and then in EST.
    assert_refused(
        TimeInput::Text("2024-11-03 01:30"),
        &new_york,
        Rule::TimeRepeated,
        &[
            r#""2024-11-03 01:30" happened twice in America/New_York"#,
            "2024-11-03T01:30:00-04:00 (the first) or 2024-11-03T01:30:00-05:00 (the second)",
        ],
    );
    // The same instants written with their offsets are fine.
    let first = read(TimeInput::Text("2024-11-03T01:30:00-04:00"), &new_york);
    let second = read(TimeInput::Text("2024-11-03T01:30:00-05:00"), &new_york);
    assert_eq!(second.millis - first.millis, 3_600_000);
    // A workbook date cell in the gap: 45361 is 2024-03-10.
    assert_refused(
        TimeInput::ExcelSerial {
            value: 45361.0 + 2.5 / 24.0,
            is_1904: false,
        },
        &new_york,
        Rule::TimeSkipped,
        &["the date cell", "(2024-03-10 02:30)", "America/New_York"],
    );
}

#[test]
fn workbook_date_cells_of_both_systems() {
    let shanghai = settings("Asia/Shanghai");
    // 45299.5583 is 2024-01-08 13:23:57.12 (13:24 less Excel's rounding of the serial).
    let serial = read(
        TimeInput::ExcelSerial {
            value: 45299.5583,
            is_1904: false,
        },
        &shanghai,
    );
    assert_eq!(serial.millis, JAN_8_1324_SHANGHAI - 3_000);
    assert_eq!(
        serial.reading.to_string(),
        "Excel date 45299.5583 = 2024-01-08 13:23:57 in Asia/Shanghai"
    );
    // The 1904 system counts 1462 days fewer to the same date.
    let mac = read(
        TimeInput::ExcelSerial {
            value: 43837.5583,
            is_1904: true,
        },
        &shanghai,
    );
    assert_eq!(mac.millis, JAN_8_1324_SHANGHAI - 3_000);
    assert_eq!(
        mac.reading.to_string(),
        "Excel date 43837.5583 (1904 system) = 2024-01-08 13:23:57 in Asia/Shanghai"
    );
    let midnight = read(
        TimeInput::ExcelSerial {
            value: 45299.0,
            is_1904: false,
        },
        &shanghai,
    );
    assert_eq!(midnight.millis, 1_704_643_200_000);
    for (value, rule, needle) in [
        (0.5583, Rule::TimeForm, "time of day without a date"),
        (60.0, Rule::NoSuchDate, "1900-02-29"),
        (
            3_000_000.0,
            Rule::TimeOutOfRange,
            "past the times a reward can carry",
        ),
        (1.0, Rule::TimeOutOfRange, "before 1970"),
    ] {
        assert_refused(
            TimeInput::ExcelSerial {
                value,
                is_1904: false,
            },
            &shanghai,
            rule,
            &[needle],
        );
    }
}

#[test]
fn workbook_number_cells_in_a_time_column() {
    let shanghai = settings("Asia/Shanghai");
    let millis = read(TimeInput::Number(1_704_720_275_000.0), &shanghai);
    assert_eq!(millis.millis, 1_704_720_275_000);
    assert_refused(
        TimeInput::Number(45299.5583),
        &shanghai,
        Rule::ExcelSerialAsText,
        &["2024-01-08 13:23:57", "format the column as a date"],
    );
    assert_refused(
        TimeInput::Number(1_704_720_275.0),
        &shanghai,
        Rule::EpochSeconds,
        &["1704720275000"],
    );
    assert_refused(
        TimeInput::Number(-3.0),
        &shanghai,
        Rule::NotEpochMillis,
        &[],
    );
}

#[test]
fn day_month_order_is_refused_unless_a_date_format_says() {
    let shanghai = settings("Asia/Shanghai");
    assert_refused(
        TimeInput::Text("1/8/2024"),
        &shanghai,
        Rule::AmbiguousDate,
        &[
            "2024-01-08 (month first) or 2024-08-01 (day first)",
            r#"date_format = "%m/%d/%Y" or "%d/%m/%Y""#,
        ],
    );
    assert_refused(
        TimeInput::Text("1/8/2024 13:24"),
        &shanghai,
        Rule::AmbiguousDate,
        &[r#""%m/%d/%Y %H:%M""#],
    );
    assert_refused(
        TimeInput::Text("13/1/2024"),
        &shanghai,
        Rule::AmbiguousDate,
        &["can only be day first (2024-01-13)", r#""%d/%m/%Y""#],
    );
    assert_refused(
        TimeInput::Text("13/13/2024"),
        &shanghai,
        Rule::NoSuchDate,
        &[],
    );

    let us = with_format("Asia/Shanghai", "%m/%d/%Y");
    let date = read(TimeInput::Text("1/8/2024"), &us);
    assert_eq!(date.millis, 1_704_643_200_000);
    assert_eq!(
        date.reading.to_string(),
        "2024-01-08 00:00 in Asia/Shanghai (by date_format)"
    );
    let with_time = read(
        TimeInput::Text("1/8/2024 13:24"),
        &with_format("Asia/Shanghai", "%m/%d/%Y %H:%M"),
    );
    assert_eq!(with_time.millis, JAN_8_1324_SHANGHAI);
    // The built-in forms still read alongside the format.
    assert_eq!(
        read(TimeInput::Text("2024-01-08 13:24"), &us).millis,
        JAN_8_1324_SHANGHAI
    );
    // A format that matches but names no real date, and a value matching nothing.
    assert_refused(
        TimeInput::Text("2/30/2024"),
        &us,
        Rule::NoSuchDate,
        &["date_format"],
    );
    assert_refused(
        TimeInput::Text("8 Jan 2024"),
        &us,
        Rule::TimeForm,
        &[r#"does not match the mapping's date_format "%m/%d/%Y""#],
    );
    assert_eq!(
        time(
            TimeInput::Text("1/8/2024"),
            &TimeSettings {
                zone: None,
                ..us.clone()
            }
        ),
        Err(TimeError::NeedsZone)
    );
}

#[test]
fn bare_numbers_and_other_refusals() {
    let shanghai = settings("Asia/Shanghai");
    let cases: &[(&str, Rule, &[&str])] = &[
        (
            "45299.5583",
            Rule::ExcelSerialAsText,
            &["looks like an Excel serial date", "2024-01-08 13:23:57"],
        ),
        ("45299", Rule::ExcelSerialAsText, &["Excel serial date"]),
        (
            "1704720275",
            Rule::EpochSeconds,
            &["epoch seconds", "milliseconds: 1704720275000"],
        ),
        ("170472027500", Rule::NotEpochMillis, &["13 digits"]),
        (
            "20240108",
            Rule::TimeForm,
            &["2024-01-08", r#"date_format = "%Y%m%d""#],
        ),
        ("1.704720275E+12", Rule::ScientificNotation, &[]),
        (
            "2024-02-30",
            Rule::NoSuchDate,
            &["February 2024 has 29 days, not 30"],
        ),
        (
            "2023-02-29 10:00",
            Rule::NoSuchDate,
            &["February 2023 has 28 days"],
        ),
        ("2024-13-01", Rule::NoSuchDate, &["no month 13"]),
        ("2024-01-08 24:00", Rule::NoSuchDate, &["no hour 24"]),
        ("2024-01-08 13:60", Rule::NoSuchDate, &["no minute 60"]),
        (
            "next tuesday",
            Rule::TimeForm,
            &[r#""next tuesday" is not a time"#, "2024-01-08"],
        ),
        ("2024-01-08 1:24 PM", Rule::TimeForm, &[]),
        ("1969-12-31 23:00", Rule::TimeOutOfRange, &["before 1970"]),
        ("2024-01-08T13:24+30:00", Rule::NoSuchDate, &["offset"]),
    ];
    for (text, rule, needles) in cases {
        assert_refused(TimeInput::Text(text), &shanghai, *rule, needles);
    }
}

#[test]
fn date_formats_are_checked_once() {
    assert_eq!(check_date_format("%m/%d/%Y %H:%M"), Ok(()));
    assert_eq!(check_date_format("%d.%m.%y"), Ok(()));
    assert!(
        check_date_format("%H:%M")
            .unwrap_err()
            .contains("a year, a month and a day")
    );
    for (format, says) in [
        (
            "%Y %K",
            r#"date_format "%Y %K" is not a valid format: "%K" is no directive it knows; write it like %m/%d/%Y %H:%M"#,
        ),
        (
            "%Y-%m-%d %",
            r#"date_format "%Y-%m-%d %" is not a valid format: "%" at its end is unfinished;"#,
        ),
        ("%Y%m%d%-", r#""%-" at its end is unfinished"#),
    ] {
        let err = check_date_format(format).unwrap_err();
        assert!(err.contains(says), "{err}");
        assert!(
            !err.contains("strftime") && !err.contains("specifier"),
            "{err}"
        );
    }
}

/// The words of the time library (jiff) never reach a message: what it refuses is said
/// in ours (issue 19: a 9999-12-31 showed "…overflowed: parameter 'Unix timestamp
/// seconds' is not in the required range of -377705023201..=253402207200").
fn assert_ours(input: TimeInput<'_>, settings: &TimeSettings, rule: Rule, needles: &[&str]) {
    assert_refused(input, settings, rule, needles);
    if let Err(TimeError::Refused(violation)) = time(input, settings) {
        for theirs in [
            "overflow",
            "parameter",
            "Unix timestamp",
            "required range",
            "`",
        ] {
            assert!(
                !violation.message.contains(theirs),
                "{input:?}: {}",
                violation.message
            );
        }
    }
}

/// What a reward time can be, said with every refusal past it.
const RANGE: &str = "(1970-01-01 00:00 UTC to 9999-12-30 22:00 UTC)";

#[test]
fn times_past_the_end_of_9999_are_refused_in_our_words_in_every_form() {
    let late = [
        RANGE,
        "leave the cell empty when the reward has no such time",
    ];
    let utc = settings("UTC");
    let new_york = settings("America/New_York");
    for (text, zone) in [
        ("9999-12-31", &utc),
        ("9999-12-31", &new_york),
        ("9999-12-31 23:59:59", &settings("Asia/Shanghai")),
        ("9999/12/31 12:00", &utc),
        ("9999年12月31日", &utc),
        ("9999-12-31T23:59:59+08:00", &utc),
        ("9999-12-31T10:00:00Z", &utc),
        ("9999-12-31T00:00:00-05:00", &utc),
    ] {
        assert_ours(TimeInput::Text(text), zone, Rule::TimeOutOfRange, &late);
    }
    // By the mapping's date_format.
    assert_ours(
        TimeInput::Text("12/31/9999 23:00"),
        &with_format("UTC", "%m/%d/%Y %H:%M"),
        Rule::TimeOutOfRange,
        &late,
    );
    // A workbook date cell: 9999-12-31 23:59:59, the last date Excel has, and past it.
    for value in [2_958_465.999_988, 2_958_466.0] {
        assert_ours(
            TimeInput::ExcelSerial {
                value,
                is_1904: false,
            },
            &utc,
            Rule::TimeOutOfRange,
            &late,
        );
    }
    // Epoch milliseconds are 13 digits, which end in 2286: always in range.
    assert_eq!(
        read(TimeInput::Text("9999999999999"), &utc).millis,
        9_999_999_999_999
    );
    assert_eq!(
        read(TimeInput::Number(9_999_999_999_999.0), &utc).millis,
        9_999_999_999_999
    );
    // The last instant in range is read.
    assert_eq!(
        read(TimeInput::Text("9999-12-30T22:00:00Z"), &utc).millis,
        253_402_207_200_000
    );
    // Before the range: the same range, said from the other end.
    for (text, zone) in [
        ("0000-01-01", &utc),
        ("1969-12-31 23:59:59", &utc),
        ("1969-12-31T23:00:00-00:30", &utc),
    ] {
        assert_ours(
            TimeInput::Text(text),
            zone,
            Rule::TimeOutOfRange,
            &["before 1970", RANGE],
        );
    }
}

#[test]
fn a_date_formats_readings_that_are_no_date_are_said_in_our_words() {
    let format = with_format("UTC", "%Y/%m/%d %a");
    for (text, says) in [
        ("2024/02/30 Fri", "February 2024 has 29 days, not 30"),
        (
            "2024/01/08 Tue",
            "it says Tuesday, but 2024-01-08 is a Monday",
        ),
    ] {
        assert_ours(
            TimeInput::Text(text),
            &format,
            Rule::NoSuchDate,
            &[
                "is not a real date or time by the mapping's date_format: ",
                says,
            ],
        );
    }
}

#[test]
fn unknown_zones_are_named_with_suggestions() {
    let err = Zone::parse("Asia/Beijing").expect_err("no such zone");
    assert!(
        err.to_string().contains("did you mean Asia/Shanghai?"),
        "{err}"
    );
    assert_eq!(
        Zone::parse("asia/shanghai").map(|z| z.name().to_owned()),
        Ok("Asia/Shanghai".into())
    );
}
