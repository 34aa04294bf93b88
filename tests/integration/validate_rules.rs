//! Every validation rule of SPEC §2, one table entry each, asserting the exact message and
//! line as `validate` prints them, and the rule each message is grouped under.

use rewardsync::read::validate::Rule;
use rewardsync::report::format_problem;

use crate::common::{HEADER, check_text};

/// A valid points row; each case changes some of its cells.
const BASE: &[(&str, &str)] = &[
    ("external_id", "E1"),
    ("referral_user_id", "ou_8fe08882a7ae1007efe66632ce51f7a2"),
    ("application_id", "7214000000000000001"),
    ("rule_type", "1"),
    ("bonus_type", "1"),
    ("point_bonus", "100"),
    ("stage", "2"),
];

fn row(changes: &[(&str, &str)]) -> String {
    HEADER
        .split(',')
        .map(|column| {
            let value = changes
                .iter()
                .chain(BASE)
                .find(|(c, _)| *c == column)
                .map_or("", |(_, v)| *v);
            if value.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Validates CSV text; returns the rule and the printed line of every problem.
fn problems(csv: &str) -> Vec<(Rule, String)> {
    check_text("r.csv", csv)
        .iter()
        .flat_map(|checked| {
            checked.problems.iter().map(|p| {
                (
                    p.rule,
                    format_problem(
                        &rewardsync::read::source::Origin {
                            file: "r.csv".into(),
                            sheet: None,
                        },
                        checked.line,
                        p,
                    ),
                )
            })
        })
        .collect()
}

struct Case {
    rule: &'static str,
    changes: &'static [(&'static str, &'static str)],
    expected: &'static [(Rule, &'static str)],
}

/// What the reader says of a control character in any cell.
const NEVER_SENT: &str = "control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again";
/// What validation says of a tab or line break outside reason and comment.
/// A line break in a quoted CSV cell: where its quote opened and closed, first.
const LINE_BREAK_IN_A_QUOTE: &str = "a quote opens this cell on line 2 and closes it only on line 3; tabs and line breaks are allowed only in reason and comment: remove them from this cell, or close the quote where the cell ends";
const LAYOUT_ONLY_IN_FREE_TEXT: &str =
    "tabs and line breaks are allowed only in reason and comment: remove it from this cell";

const CASES: &[Case] = &[
    Case {
        rule: "valid row",
        changes: &[],
        expected: &[],
    },
    Case {
        rule: "referral_user_id required",
        changes: &[("referral_user_id", "")],
        expected: &[(
            Rule::Required,
            "r.csv:2: column referral_user_id: is empty; it is required",
        )],
    },
    Case {
        rule: "external_id required",
        changes: &[("external_id", "")],
        expected: &[(
            Rule::Required,
            "r.csv:2: column external_id: is empty; it is required",
        )],
    },
    Case {
        rule: "external_id shaped like a revision",
        changes: &[("external_id", "R-1~r2")],
        expected: &[(
            Rule::RevisionSuffix,
            "r.csv:2: column external_id: \"R-1~r2\" ends like a revision (~r and a number), which rewardsync gives a replaced reward's new import (--replace-changed); rename it in the export, e.g. with - instead of ~",
        )],
    },
    Case {
        rule: "external_id with ~r but no number is its own",
        changes: &[("external_id", "R-1~rx")],
        expected: &[],
    },
    Case {
        rule: "application_id or talent_id",
        changes: &[("application_id", "")],
        expected: &[(
            Rule::CandidateMissing,
            "r.csv:2: column application_id: application_id and talent_id are both empty; a reward needs one of them",
        )],
    },
    Case {
        rule: "talent_id alone is enough",
        changes: &[("application_id", ""), ("talent_id", "7213000000000000001")],
        expected: &[],
    },
    Case {
        rule: "id in scientific notation",
        changes: &[("application_id", "6.93E+18")],
        expected: &[(
            Rule::ScientificNotation,
            "r.csv:2: column application_id: \"6.93E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
        )],
    },
    Case {
        rule: "external_id in scientific notation",
        changes: &[("external_id", "6.930815E+18")],
        expected: &[(
            Rule::ScientificNotation,
            "r.csv:2: column external_id: \"6.930815E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
        )],
    },
    Case {
        rule: "rule_type required",
        changes: &[("rule_type", "")],
        expected: &[(
            Rule::Required,
            "r.csv:2: column rule_type: is empty; it is required: 1 (入职奖励, 入职, onboard), 2 (过程奖励, 过程, process), 3 (活动奖励, 活动, activity), 4 (开源奖励, 开源, open-source, open_source), 5 (其他奖励, 其他, other)",
        )],
    },
    Case {
        rule: "rule_type out of range",
        changes: &[("rule_type", "6")],
        expected: &[(
            Rule::Enum,
            "r.csv:2: column rule_type: \"6\" is not a rule_type; use 1 (入职奖励, 入职, onboard), 2 (过程奖励, 过程, process), 3 (活动奖励, 活动, activity), 4 (开源奖励, 开源, open-source, open_source), 5 (其他奖励, 其他, other), or map it in the mapping file's [values.rule_type]",
        )],
    },
    Case {
        rule: "rule_type an unknown label",
        changes: &[("rule_type", "入职奖")],
        expected: &[(
            Rule::Enum,
            "r.csv:2: column rule_type: \"入职奖\" is not a rule_type; use 1 (入职奖励, 入职, onboard), 2 (过程奖励, 过程, process), 3 (活动奖励, 活动, activity), 4 (开源奖励, 开源, open-source, open_source), 5 (其他奖励, 其他, other), or map it in the mapping file's [values.rule_type]",
        )],
    },
    Case {
        rule: "stage required",
        changes: &[("stage", "")],
        expected: &[(
            Rule::Required,
            "r.csv:2: column stage: is empty; it is required: 1 (待确认, pending, pending confirmation), 2 (已确认, confirmed), 3 (已发放, paid)",
        )],
    },
    Case {
        rule: "stage out of range",
        changes: &[("stage", "0")],
        expected: &[(
            Rule::Enum,
            "r.csv:2: column stage: \"0\" is not a stage; use 1 (待确认, pending, pending confirmation), 2 (已确认, confirmed), 3 (已发放, paid), or map it in the mapping file's [values.stage]",
        )],
    },
    Case {
        rule: "bonus_type out of range",
        changes: &[("bonus_type", "3")],
        expected: &[(
            Rule::Enum,
            "r.csv:2: column bonus_type: \"3\" is not a bonus_type; use 1 (积分, points, point), 2 (现金, cash), or map it in the mapping file's [values.bonus_type]",
        )],
    },
    Case {
        rule: "bonus_type empty means points",
        changes: &[("bonus_type", "")],
        expected: &[],
    },
    Case {
        rule: "points required for a points row",
        changes: &[("point_bonus", "")],
        expected: &[(
            Rule::RequiredByBonusType,
            "r.csv:2: column point_bonus: is empty; it is required when bonus_type is 1 (points)",
        )],
    },
    Case {
        rule: "points not a whole number",
        changes: &[("point_bonus", "12.5")],
        expected: &[(
            Rule::NotWholeNumber,
            "r.csv:2: column point_bonus: \"12.5\" is not a whole number of points; write digits, optionally followed by 积分, 分 or points, e.g. 1000 or 1,000积分",
        )],
    },
    Case {
        rule: "points with misplaced thousands separators",
        changes: &[("point_bonus", "1,00,0")],
        expected: &[(
            Rule::ThousandsGrouping,
            "r.csv:2: column point_bonus: \"1,00,0\" has thousands separators that are not in groups of three; write it without them, e.g. 1000",
        )],
    },
    Case {
        rule: "points negative",
        changes: &[("point_bonus", "-5")],
        expected: &[(
            Rule::Negative,
            "r.csv:2: column point_bonus: \"-5\" is negative; points must be 0 or more",
        )],
    },
    Case {
        rule: "cash row without currency",
        changes: &[("bonus_type", "2"), ("point_bonus", ""), ("amount", "100")],
        expected: &[(
            Rule::RequiredByBonusType,
            "r.csv:2: column currency_type: is empty; it is required when bonus_type is 2 (cash)",
        )],
    },
    Case {
        rule: "cash row without amount",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
        ],
        expected: &[(
            Rule::RequiredByBonusType,
            "r.csv:2: column amount: is empty; it is required when bonus_type is 2 (cash)",
        )],
    },
    Case {
        rule: "amount with more than two decimals",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "10.005"),
        ],
        expected: &[(
            Rule::AmountDecimals,
            "r.csv:2: column amount: \"10.005\" has 3 decimals; an amount has at most 2 (cents): round it, e.g. 10.01",
        )],
    },
    Case {
        rule: "amount below zero",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "-0.01"),
        ],
        expected: &[(
            Rule::Negative,
            "r.csv:2: column amount: \"-0.01\" is negative; an amount must be 0 or more",
        )],
    },
    Case {
        rule: "amount marked with another currency than currency_type",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "USD"),
            ("amount", "100元"),
        ],
        expected: &[(
            Rule::CurrencyMismatch,
            "r.csv:2: column amount: \"100元\" is marked CNY, but currency_type is USD; make them agree, or write the amount without its mark",
        )],
    },
    Case {
        rule: "amount with a comma as its decimal point",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "100,50"),
        ],
        expected: &[(
            Rule::DecimalComma,
            "r.csv:2: column amount: \"100,50\" has a comma where it could be a decimal point or a thousands separator: it could be 100.50 or 10050; write it with a point for decimals (e.g. 100.50) or without the comma (e.g. 10050)",
        )],
    },
    Case {
        rule: "amount in scientific notation",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "1E+2"),
        ],
        expected: &[(
            Rule::ScientificNotation,
            "r.csv:2: column amount: \"1E+2\" is in scientific notation; write the number in plain digits, e.g. 100.5",
        )],
    },
    Case {
        rule: "unknown currency",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "元宝"),
            ("amount", "1"),
        ],
        expected: &[(
            Rule::Currency,
            "r.csv:2: column currency_type: unknown currency \"元宝\"; write an ISO 4217 code of Feishu's currency enum (CNY, USD, EUR, JPY, HKD, GBP, SGD, …) or one of 人民币, 美元, 港币, 港元, 欧元, 日元, 英镑, 新加坡元",
        )],
    },
    Case {
        rule: "currency in lower case is its code",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "usd"),
            ("amount", "1"),
        ],
        expected: &[],
    },
    Case {
        rule: "time in seconds",
        changes: &[("create_time", "1704720275")],
        expected: &[(
            Rule::EpochSeconds,
            "r.csv:2: column create_time: \"1704720275\" looks like epoch seconds; the API takes milliseconds: 1704720275000",
        )],
    },
    Case {
        rule: "a date with no time zone set",
        changes: &[("onboard_time", "2024/01/08")],
        expected: &[(
            Rule::NeedsTimeZone,
            "r.csv:2: column onboard_time: \"2024/01/08\" has no offset and no time zone is set to read it in; give one with --timezone (e.g. --timezone Asia/Shanghai), or timezone = \"Asia/Shanghai\" under [source] in the mapping file",
        )],
    },
    Case {
        rule: "time in no accepted form",
        changes: &[("conversion_time", "soon")],
        expected: &[(
            Rule::TimeForm,
            "r.csv:2: column conversion_time: \"soon\" is not a time in any accepted form; write epoch milliseconds (1704720275000), a date such as 2024-01-08, 2024/1/8 or 2024年1月8日 with an optional time (2024-01-08 13:24), or ISO 8601 with an offset (2024-01-08T13:24:35+08:00)",
        )],
    },
    Case {
        rule: "time of implausible length",
        changes: &[("confirm_time", "17047202750001")],
        expected: &[(
            Rule::NotEpochMillis,
            "r.csv:2: column confirm_time: \"17047202750001\" is not a time: epoch milliseconds have 13 digits (e.g. 1704720275000), and a date is written like 2024-01-08 13:24",
        )],
    },
    Case {
        rule: "time in scientific notation",
        changes: &[("create_time", "1.70472E+12")],
        expected: &[(
            Rule::ScientificNotation,
            "r.csv:2: column create_time: \"1.70472E+12\" is a time that Excel turned into scientific notation; format the column as Text or as a date, and export again",
        )],
    },
    Case {
        rule: "pay_time on a stage-1 row warns",
        changes: &[("stage", "1"), ("pay_time", "1704720275001")],
        expected: &[(
            Rule::LaterStageField,
            "r.csv:2: column pay_time: warning: is for paid rewards (stage 3), but this row is stage 1 (pending confirmation); it is sent anyway",
        )],
    },
    Case {
        rule: "confirm_user_id on a stage-1 row warns",
        changes: &[("stage", "1"), ("confirm_user_id", "ou_x")],
        expected: &[(
            Rule::LaterStageField,
            "r.csv:2: column confirm_user_id: warning: is for confirmed or paid rewards (stage 2 or 3), but this row is stage 1 (pending confirmation); it is sent anyway",
        )],
    },
    Case {
        rule: "pay_user_id on a stage-2 row warns",
        changes: &[("pay_user_id", "ou_x")],
        expected: &[(
            Rule::LaterStageField,
            "r.csv:2: column pay_user_id: warning: is for paid rewards (stage 3), but this row is stage 2 (confirmed); it is sent anyway",
        )],
    },
    Case {
        rule: "cash cells on a points row warn",
        changes: &[("currency_type", "CNY")],
        expected: &[(
            Rule::IgnoredForBonusType,
            "r.csv:2: column currency_type: warning: is set on a points reward (bonus_type 1); Feishu ignores currency_type for points, check the row's bonus_type",
        )],
    },
    Case {
        rule: "every problem of a row is reported",
        changes: &[("referral_user_id", ""), ("rule_type", "9"), ("stage", "x")],
        expected: &[
            (
                Rule::Required,
                "r.csv:2: column referral_user_id: is empty; it is required",
            ),
            (
                Rule::Enum,
                "r.csv:2: column rule_type: \"9\" is not a rule_type; use 1 (入职奖励, 入职, onboard), 2 (过程奖励, 过程, process), 3 (活动奖励, 活动, activity), 4 (开源奖励, 开源, open-source, open_source), 5 (其他奖励, 其他, other), or map it in the mapping file's [values.rule_type]",
            ),
            (
                Rule::Enum,
                "r.csv:2: column stage: \"x\" is not a stage; use 1 (待确认, pending, pending confirmation), 2 (已确认, confirmed), 3 (已发放, paid), or map it in the mapping file's [values.stage]",
            ),
        ],
    },
    // Control characters: never in any cell; tabs and line breaks in free text only.
    // (Messages are checked whole in `control_character_messages` below.)
    Case {
        rule: "NUL in an id",
        changes: &[("external_id", "E\u{0}1")],
        expected: &[(
            Rule::ControlCharacter,
            "r.csv:2: column external_id: \"E\\01\" has the control character U+0000 (NUL) at character 2; control characters are never sent: remove it from the file (Excel's CLEAN function removes them), or export the file again",
        )],
    },
    Case {
        rule: "tab in an id",
        changes: &[("external_id", "E\t1")],
        expected: &[(
            Rule::ControlCharacter,
            "r.csv:2: column external_id: \"E\\t1\" has the control character U+0009 (TAB) at character 2; tabs and line breaks are allowed only in reason and comment: remove it from this cell",
        )],
    },
    Case {
        rule: "tab and line break in free text",
        changes: &[("reason", "第一行\t缩进\r\n第二行"), ("comment", "a\nb\tc")],
        expected: &[],
    },
];

/// Each control character, in a column where it is refused: who reports it (the reader
/// or validation) is visible in the advice, and each is reported exactly once.
#[test]
fn control_character_messages() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (column, value, echoed value and what it has, advice)
        (
            "external_id",
            "E\u{0}1",
            "\"E\\01\" has the control character U+0000 (NUL) at character 2",
            NEVER_SENT,
        ),
        (
            "referral_user_id",
            "\u{7f}ou_1",
            "\"\\u{7f}ou_1\" has the control character U+007F (DEL) at character 1",
            NEVER_SENT,
        ),
        (
            "reason",
            "入职\u{1b}[31m",
            "\"入职\\u{1b}[31m\" has the control character U+001B (ESC) at character 3",
            NEVER_SENT,
        ),
        (
            "comment",
            "x\u{1}y\u{2}",
            "\"x\\u{1}y\\u{2}\" has 2 control characters, the first U+0001 (SOH) at character 2",
            NEVER_SENT,
        ),
        (
            "application_id",
            "72140\n01",
            "\"72140\\n01\" has the control character U+000A (LF) at character 6",
            LINE_BREAK_IN_A_QUOTE,
        ),
        (
            "external_id",
            "E1\n",
            "\"E1\\n\" has the control character U+000A (LF) at character 3",
            LINE_BREAK_IN_A_QUOTE,
        ),
        (
            "stage",
            "2\r",
            "\"2\\r\" has the control character U+000D (CR) at character 2",
            LAYOUT_ONLY_IN_FREE_TEXT,
        ),
        (
            "job_id",
            "\tJ1",
            "\"\\tJ1\" has the control character U+0009 (TAB) at character 1",
            LAYOUT_ONLY_IN_FREE_TEXT,
        ),
        // Both kinds in one cell: the reader's report stands alone.
        (
            "talent_id",
            "T\t\u{0}",
            "\"T\\t\\0\" has the control character U+0000 (NUL) at character 3",
            NEVER_SENT,
        ),
    ];
    let mut failures = Vec::new();
    for (column, value, what, advice) in cases {
        let csv = format!("{HEADER}\n{}\n", row(&[(*column, *value)]));
        let expected = vec![(
            Rule::ControlCharacter,
            format!("r.csv:2: column {column}: {what}; {advice}"),
        )];
        let got = problems(&csv);
        if got != expected {
            failures.push(format!(
                "{column} {value:?}\n  expected: {expected:#?}\n  got:      {got:#?}"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn every_rule_reports_its_exact_message_and_line() {
    let mut failures = Vec::new();
    for case in CASES {
        let csv = format!("{HEADER}\n{}\n", row(case.changes));
        let got = problems(&csv);
        let expected: Vec<(Rule, String)> = case
            .expected
            .iter()
            .map(|(rule, line)| (*rule, (*line).to_owned()))
            .collect();
        if got != expected {
            failures.push(format!(
                "rule {:?}\n  expected: {:#?}\n  got:      {:#?}",
                case.rule, case.expected, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn duplicate_external_id_names_the_first_line() {
    let csv = format!(
        "{HEADER}\n{}\n{}\n{}\n",
        row(&[]),
        row(&[("external_id", "E2")]),
        row(&[])
    );
    assert_eq!(
        problems(&csv),
        [(
            Rule::Duplicate,
            "r.csv:4: column external_id: \"E1\" already appears on line 2; each reward must appear once (external_id is its idempotency key)".to_owned()
        )]
    );
}

#[test]
fn ragged_row_is_reported_and_later_rows_keep_their_lines() {
    let csv = format!(
        "{HEADER}\n{}\nE9,ou_1,app\n{}\n",
        row(&[("reason", "两行\n原因")]),
        row(&[("external_id", "E3"), ("stage", "7")])
    );
    assert_eq!(
        problems(&csv),
        [
            (
                Rule::Ragged,
                "r.csv:4: the row has 3 fields but the header has 21; look for a missing or extra comma, or a value with a comma that is not in double quotes".to_owned()
            ),
            (
                Rule::Enum,
                "r.csv:5: column stage: \"7\" is not a stage; use 1 (待确认, pending, pending confirmation), 2 (已确认, confirmed), 3 (已发放, paid), or map it in the mapping file's [values.stage]".to_owned()
            ),
        ]
    );
}
