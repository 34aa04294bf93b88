//! Enum labels (SPEC §2.1 table) and ids as Excel leaves them: every label in every case
//! and with surrounding spaces, every id wrapper, every refusal with its rule.

use std::borrow::Cow;

use rewardsync::problem::Rule;
use rewardsync::read::forms::{EnumField, enum_from_number, enum_value, id_from_number, id_text};

/// SPEC §2.1's table, value by value.
const TABLE: &[(EnumField, i64, &[&str])] = &[
    (EnumField::RuleType, 1, &["入职奖励", "入职", "onboard"]),
    (EnumField::RuleType, 2, &["过程奖励", "过程", "process"]),
    (EnumField::RuleType, 3, &["活动奖励", "活动", "activity"]),
    (
        EnumField::RuleType,
        4,
        &["开源奖励", "开源", "open-source", "open_source"],
    ),
    (EnumField::RuleType, 5, &["其他奖励", "其他", "other"]),
    (EnumField::BonusType, 1, &["积分", "points", "point"]),
    (EnumField::BonusType, 2, &["现金", "cash"]),
    (EnumField::Stage, 1, &["待确认", "pending"]),
    (EnumField::Stage, 2, &["已确认", "confirmed"]),
    (EnumField::Stage, 3, &["已发放", "paid"]),
];

#[test]
fn every_label_of_the_table_is_read_in_any_case_with_spaces() {
    for (field, number, labels) in TABLE {
        for label in *labels {
            for text in [
                label.to_string(),
                label.to_uppercase(),
                capitalised(label),
                format!("  {label}\t"),
                format!("\u{3000}{label} "),
            ] {
                assert_eq!(enum_value(*field, &text), Ok(*number), "{field:?} {text:?}");
            }
        }
        for text in [
            number.to_string(),
            format!(" {number} "),
            char::from_u32(0xFF10 + *number as u32)
                .map(String::from)
                .unwrap_or_default(),
        ] {
            assert_eq!(enum_value(*field, &text), Ok(*number), "{field:?} {text:?}");
        }
        assert_eq!(enum_from_number(*field, *number as f64), Ok(*number));
    }
    // Separators alike, and the English names of the reward module.
    assert_eq!(enum_value(EnumField::RuleType, "Open Source"), Ok(4));
    assert_eq!(enum_value(EnumField::Stage, "Pending Confirmation"), Ok(1));
}

fn capitalised(label: &str) -> String {
    let mut chars = label.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

#[test]
fn unknown_labels_and_numbers_list_what_is_accepted() {
    let cases: &[(EnumField, &str, Rule, &[&str])] = &[
        (
            EnumField::RuleType,
            "入职奖",
            Rule::Enum,
            &[
                r#""入职奖" is not a rule_type"#,
                "1 (入职奖励, 入职, onboard)",
                "4 (开源奖励, 开源, open-source, open_source)",
                "[values.rule_type]",
            ],
        ),
        (
            EnumField::RuleType,
            "6",
            Rule::Enum,
            &["5 (其他奖励, 其他, other)"],
        ),
        (EnumField::RuleType, "0", Rule::Enum, &["not a rule_type"]),
        (EnumField::BonusType, "3", Rule::Enum, &["2 (现金, cash)"]),
        (
            EnumField::Stage,
            "已打款",
            Rule::Enum,
            &["3 (已发放, paid)", "[values.stage]"],
        ),
        (
            EnumField::Stage,
            "1.5",
            Rule::NotWholeNumber,
            &["not a whole number"],
        ),
        (EnumField::Stage, "", Rule::Enum, &[]),
    ];
    for (field, text, rule, needles) in cases {
        let violation = enum_value(*field, text).expect_err(text);
        assert_eq!(violation.rule, *rule, "{text}: {violation}");
        for needle in *needles {
            assert!(violation.message.contains(needle), "{text}: {violation}");
        }
    }
    assert_eq!(
        enum_from_number(EnumField::Stage, 2.5).map_err(|v| v.rule),
        Err(Rule::NotWholeNumber)
    );
    assert_eq!(
        enum_from_number(EnumField::Stage, 9.0).map_err(|v| v.rule),
        Err(Rule::Enum)
    );
}

#[test]
fn ids_are_unwrapped_from_excel_artifacts() {
    for (text, expected) in [
        ("7214000000000001031", "7214000000000001031"),
        (
            "ou_8fe08882a7ae1007efe66632ce51f7a2",
            "ou_8fe08882a7ae1007efe66632ce51f7a2",
        ),
        (r#"="7214000000000001031""#, "7214000000000001031"),
        ("'7214000000000001031", "7214000000000001031"),
        (" 7214000000000001031 ", "7214000000000001031"),
        (r#"="""#, ""),
        (r#"="a""b""#, r#"a"b"#),
        // Not a whole formula string: left as it is, never half unwrapped.
        (r#"="7214"#, r#"="7214"#),
        (r#"="a"b""#, r#"="a"b""#),
    ] {
        assert_eq!(id_text(text).as_deref(), Ok(expected), "{text}");
    }
    assert!(matches!(
        id_text("7214000000000001031"),
        Ok(Cow::Borrowed(_))
    ));
    assert!(matches!(id_text(r#"="7214""#), Ok(Cow::Borrowed(_))));
}

#[test]
fn ids_that_lost_digits_are_refused() {
    let cases: &[(&str, Rule, &[&str])] = &[
        (
            "6.93E+18",
            Rule::ScientificNotation,
            &[r#""6.93E+18""#, "format the column as Text"],
        ),
        (
            r#"="6.93E+18""#,
            Rule::ScientificNotation,
            &["scientific notation"],
        ),
        ("'6.93e18", Rule::ScientificNotation, &[]),
        ("12345.0", Rule::IdAsNumber, &[r#"("12345")"#]),
    ];
    for (text, rule, needles) in cases {
        let violation = id_text(text).expect_err(text);
        assert_eq!(violation.rule, *rule, "{text}: {violation}");
        for needle in *needles {
            assert!(violation.message.contains(needle), "{text}: {violation}");
        }
    }
}

#[test]
fn id_number_cells_keep_fifteen_digits_at_most() {
    assert_eq!(
        id_from_number(123_456_789_012_345.0).as_deref(),
        Ok("123456789012345")
    );
    assert_eq!(id_from_number(42.0).as_deref(), Ok("42"));
    assert_eq!(id_from_number(0.0).as_deref(), Ok("0"));
    let sixteen = id_from_number(1_234_567_890_123_456.0).expect_err("16 digits");
    assert_eq!(sixteen.rule, Rule::IdAsNumber);
    assert!(sixteen.message.contains("16 digits"), "{sixteen}");
    assert!(sixteen.message.contains("already lost"), "{sixteen}");
    assert!(sixteen.message.contains("as Text"), "{sixteen}");
    let long = id_from_number(7.214e18).expect_err("19 digits");
    assert_eq!(long.rule, Rule::IdAsNumber);
    assert!(long.message.contains(r#""7214000000000000000""#), "{long}");
    let huge = id_from_number(1e60).expect_err("61 digits");
    assert_eq!(huge.rule, Rule::IdAsNumber);
    assert!(huge.message.contains("61 digits"), "{huge}");
    assert_eq!(id_from_number(-0.0).as_deref(), Ok("0"));
    for value in [12.5, -5.0, f64::NAN, f64::INFINITY] {
        assert_eq!(
            id_from_number(value).map_err(|v| v.rule),
            Err(Rule::NotDigits),
            "{value}"
        );
    }
}
