//! Amounts, points and currencies as legacy exports write them (SPEC §2.1): every form
//! accepted with its exact value, every refusal with its rule and the words a user needs.

use rewardsync::problem::{Rule, Violation};
use rewardsync::read::forms::{amount, amount_from_number, currency, points, points_from_number};
use rewardsync::reward::{CURRENCIES, MAX_POINTS};

/// Asserts a refusal's rule and that its message holds every `needles`.
fn assert_refused<T: std::fmt::Debug>(
    case: &str,
    result: Result<T, Violation>,
    rule: Rule,
    needles: &[&str],
) {
    let violation = match result {
        Ok(value) => panic!("{case}: accepted as {value:?}"),
        Err(violation) => violation,
    };
    assert_eq!(violation.rule, rule, "{case}: {}", violation.message);
    for needle in needles {
        assert!(
            violation.message.contains(needle),
            "{case}: {:?} lacks {needle:?}",
            violation.message
        );
    }
}

#[test]
fn amounts_are_read_in_every_accepted_form() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        // canonical
        ("100.5", "100.5", None),
        ("1", "1", None),
        ("0", "0", None),
        ("0.07", "0.07", None),
        ("100.50", "100.5", None),
        ("100.500", "100.5", None),
        ("  100.5  ", "100.5", None),
        ("+100", "100", None),
        (".5", "0.5", None),
        ("-0", "0", None),
        // thousands separators in groups of three
        ("1,000", "1000", None),
        ("1,000.00", "1000", None),
        ("12,345,678.9", "12345678.9", None),
        // full-width digits, point and comma
        ("１０００．５", "1000.5", None),
        ("１，０００．５０", "1000.5", None),
        // marks that decide no currency
        ("¥1,000.00", "1000", None),
        ("￥ 1000", "1000", None),
        ("$100", "100", None),
        ("100 ¥", "100", None),
        // marks that name one
        ("100元", "100", Some("CNY")),
        ("100 元", "100", Some("CNY")),
        ("RMB 100", "100", Some("CNY")),
        ("rmb100", "100", Some("CNY")),
        ("人民币100", "100", Some("CNY")),
        ("CNY 1,000.00", "1000", Some("CNY")),
        ("1000 cny", "1000", Some("CNY")),
        ("US$25.5", "25.5", Some("USD")),
        ("us$ 25.50", "25.5", Some("USD")),
        ("HK$ 1,000", "1000", Some("HKD")),
        ("hk$1000", "1000", Some("HKD")),
        ("100 EUR", "100", Some("EUR")),
        ("JPY 5,000", "5000", Some("JPY")),
        ("100 sgd", "100", Some("SGD")),
        ("100美元", "100", Some("USD")),
        ("€100", "100", Some("EUR")),
        ("￥１，０００．００", "1000", None),
    ];
    for (text, value, currency) in cases {
        let read = amount(text).unwrap_or_else(|v| panic!("{text}: {v}"));
        assert_eq!(read.value.to_string(), *value, "{text}");
        assert_eq!(read.currency, *currency, "{text}");
    }
}

#[test]
fn every_iso_code_is_a_mark_in_any_case() {
    for code in CURRENCIES {
        for text in [
            format!("{code} 12.5"),
            format!("12.5{}", code.to_lowercase()),
        ] {
            let read = amount(&text).unwrap_or_else(|v| panic!("{text}: {v}"));
            assert_eq!(read.currency, Some(*code), "{text}");
            assert_eq!(read.value.to_string(), "12.5", "{text}");
        }
    }
}

#[test]
fn amounts_are_refused_with_their_rule_and_a_fix() {
    let cases: &[(&str, Rule, &[&str])] = &[
        (
            "-100",
            Rule::Negative,
            &[r#""-100" is negative"#, "0 or more"],
        ),
        ("-¥100", Rule::Negative, &["negative"]),
        ("¥-100", Rule::Negative, &["negative"]),
        ("(1,000.00)", Rule::Negative, &["negative"]),
        ("100-", Rule::Negative, &["negative"]),
        ("－５", Rule::Negative, &["negative"]),
        (
            "100.005",
            Rule::AmountDecimals,
            &["has 3 decimals", "at most 2", "e.g. 100.01"],
        ),
        ("¥1,000.125", Rule::AmountDecimals, &["e.g. 1000.13"]),
        (
            "100,50",
            Rule::DecimalComma,
            &[r#""100,50""#, "100.50 or 10050"],
        ),
        ("1,5", Rule::DecimalComma, &["1.5 or 15"]),
        ("¥100,5", Rule::DecimalComma, &["100.5 or 1005"]),
        ("1.000,50", Rule::DecimalComma, &["e.g. 1000.50"]),
        (
            "1,00,000",
            Rule::ThousandsGrouping,
            &["groups of three", "e.g. 100000"],
        ),
        ("10,0000", Rule::ThousandsGrouping, &["e.g. 100000"]),
        ("1e5", Rule::ScientificNotation, &["plain digits"]),
        (
            "100 dollars",
            Rule::AmountUnknownMark,
            &[r#""dollars""#, "not a currency mark"],
        ),
        (
            "¥100元",
            Rule::AmountUnknownMark,
            &["both sides", "keep one"],
        ),
        (
            "abc",
            Rule::AmountNotDecimal,
            &[r#""abc" is not an amount"#],
        ),
        ("¥", Rule::AmountNotDecimal, &["not an amount"]),
        ("1.2.3", Rule::AmountNotDecimal, &["not an amount"]),
        ("1 000", Rule::AmountNotDecimal, &["not an amount"]),
        (
            "99999999999999999999999999999999",
            Rule::AmountNotDecimal,
            &["too large"],
        ),
        (
            "1\u{1b}00 dollars",
            Rule::AmountUnknownMark,
            &[r#""1\u{1b}00 dollars""#],
        ),
    ];
    for (text, rule, needles) in cases {
        assert_refused(text, amount(text), *rule, needles);
    }
}

#[test]
fn amounts_from_number_cells_go_through_their_shortest_text() {
    for (value, expected) in [
        (100.5, "100.5"),
        (1000.0, "1000"),
        (0.07, "0.07"),
        (-0.0, "0"),
    ] {
        assert_eq!(
            amount_from_number(value).map(|d| d.to_string()),
            Ok(expected.to_owned()),
            "{value}"
        );
    }
    assert_refused(
        "0.1 + 0.2",
        amount_from_number(0.1 + 0.2),
        Rule::AmountDecimals,
        &["0.30000000000000004", "17 decimals", "ROUND"],
    );
    assert_refused(
        "-5",
        amount_from_number(-5.0),
        Rule::Negative,
        &["negative"],
    );
    assert_refused(
        "NaN",
        amount_from_number(f64::NAN),
        Rule::AmountNotDecimal,
        &[],
    );
    assert_refused(
        "1e30",
        amount_from_number(1e30),
        Rule::AmountNotDecimal,
        &["too large"],
    );
}

#[test]
fn points_are_read_in_every_accepted_form() {
    for (text, expected) in [
        ("1000", 1000),
        ("0", 0),
        ("1,000", 1000),
        ("１０００", 1000),
        ("１，０００", 1000),
        ("500积分", 500),
        ("500 积分", 500),
        ("500分", 500),
        ("500 分", 500),
        ("500 points", 500),
        ("500 POINTS", 500),
        ("1 point", 1),
        ("1,000积分", 1000),
        (" 100 ", 100),
        ("100.0", 100),
        ("2147483647", MAX_POINTS),
    ] {
        assert_eq!(points(text), Ok(expected), "{text}");
    }
}

#[test]
fn points_are_refused_with_their_rule() {
    let cases: &[(&str, Rule, &[&str])] = &[
        ("-5", Rule::Negative, &["negative"]),
        ("-5积分", Rule::Negative, &["negative"]),
        (
            "1.5",
            Rule::NotWholeNumber,
            &["not a whole number of points"],
        ),
        ("2147483648", Rule::PointsTooLarge, &["2147483647"]),
        ("99999999999999999999999", Rule::PointsTooLarge, &[]),
        ("1,00,000", Rule::ThousandsGrouping, &["e.g. 100000"]),
        ("1,5", Rule::DecimalComma, &["1.5 or 15"]),
        ("abc", Rule::NotWholeNumber, &["积分, 分 or points"]),
        ("5 pts", Rule::NotWholeNumber, &[r#""5 pts""#]),
        ("1e3", Rule::ScientificNotation, &[]),
    ];
    for (text, rule, needles) in cases {
        assert_refused(text, points(text), *rule, needles);
    }
    assert_eq!(points_from_number(100.0), Ok(100));
    assert_eq!(points_from_number(0.0), Ok(0));
    assert_refused(
        "1.5",
        points_from_number(1.5),
        Rule::NotWholeNumber,
        &["1.5"],
    );
    assert_refused("-1", points_from_number(-1.0), Rule::Negative, &[]);
    assert_refused("3e9", points_from_number(3e9), Rule::PointsTooLarge, &[]);
}

#[test]
fn currencies_are_read_by_code_in_any_case_and_by_name() {
    for code in CURRENCIES {
        assert_eq!(currency(code), Ok(*code));
        assert_eq!(currency(&code.to_lowercase()), Ok(*code));
        let mixed: String = code
            .chars()
            .enumerate()
            .map(|(i, c)| if i == 1 { c.to_ascii_lowercase() } else { c })
            .collect();
        assert_eq!(currency(&mixed), Ok(*code), "{mixed}");
    }
    for (name, code) in [
        ("人民币", "CNY"),
        ("RMB", "CNY"),
        ("rmb", "CNY"),
        ("美元", "USD"),
        ("港币", "HKD"),
        ("港元", "HKD"),
        ("欧元", "EUR"),
        ("日元", "JPY"),
        ("英镑", "GBP"),
        ("新加坡元", "SGD"),
        (" usd ", "USD"),
    ] {
        assert_eq!(currency(name), Ok(code), "{name}");
    }
    assert_refused(
        "¥",
        currency("¥"),
        Rule::Currency,
        &["CNY or JPY", "ISO code"],
    );
    assert_refused("$", currency("$"), Rule::Currency, &["USD, HKD"]);
    assert_refused(
        "dollar",
        currency("dollar"),
        Rule::Currency,
        &[r#"unknown currency "dollar""#, "人民币"],
    );
}
