//! Every validation rule of SPEC §2, one table entry each, asserting the exact message and
//! line as `validate` prints them.

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
            if value.contains([',', '"', '\n']) {
                format!("\"{}\"", value.replace('"', "\"\""))
            } else {
                value.to_owned()
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// Validates CSV text; returns every printed problem line.
fn problems(csv: &str) -> Vec<String> {
    check_text("r.csv", csv)
        .iter()
        .flat_map(|checked| {
            checked
                .problems
                .iter()
                .map(|p| format_problem("r.csv", checked.line, p))
        })
        .collect()
}

struct Case {
    rule: &'static str,
    changes: &'static [(&'static str, &'static str)],
    expected: &'static [&'static str],
}

const CASES: &[Case] = &[
    Case {
        rule: "valid row",
        changes: &[],
        expected: &[],
    },
    Case {
        rule: "referral_user_id required",
        changes: &[("referral_user_id", "")],
        expected: &["r.csv:2: column referral_user_id: is empty; it is required"],
    },
    Case {
        rule: "external_id required",
        changes: &[("external_id", "")],
        expected: &["r.csv:2: column external_id: is empty; it is required"],
    },
    Case {
        rule: "application_id or talent_id",
        changes: &[("application_id", "")],
        expected: &[
            "r.csv:2: column application_id: application_id and talent_id are both empty; a reward needs one of them",
        ],
    },
    Case {
        rule: "talent_id alone is enough",
        changes: &[("application_id", ""), ("talent_id", "7213000000000000001")],
        expected: &[],
    },
    Case {
        rule: "id in scientific notation",
        changes: &[("application_id", "6.93E+18")],
        expected: &[
            "r.csv:2: column application_id: 6.93E+18 is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
        ],
    },
    Case {
        rule: "external_id in scientific notation",
        changes: &[("external_id", "6.930815E+18")],
        expected: &[
            "r.csv:2: column external_id: 6.930815E+18 is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
        ],
    },
    Case {
        rule: "rule_type required",
        changes: &[("rule_type", "")],
        expected: &[
            "r.csv:2: column rule_type: is empty; it is required: 1 (onboard, 入职奖励), 2 (process, 过程奖励), 3 (activity, 活动奖励), 4 (open-source, 开源奖励), 5 (other, 其他奖励)",
        ],
    },
    Case {
        rule: "rule_type out of range",
        changes: &[("rule_type", "6")],
        expected: &[
            "r.csv:2: column rule_type: 6 is not allowed; use 1 (onboard, 入职奖励), 2 (process, 过程奖励), 3 (activity, 活动奖励), 4 (open-source, 开源奖励), 5 (other, 其他奖励)",
        ],
    },
    Case {
        rule: "rule_type not a number",
        changes: &[("rule_type", "入职奖励")],
        expected: &[
            "r.csv:2: column rule_type: \"入职奖励\" is not a whole number; use 1 (onboard, 入职奖励), 2 (process, 过程奖励), 3 (activity, 活动奖励), 4 (open-source, 开源奖励), 5 (other, 其他奖励)",
        ],
    },
    Case {
        rule: "stage required",
        changes: &[("stage", "")],
        expected: &[
            "r.csv:2: column stage: is empty; it is required: 1 (pending confirmation, 待确认), 2 (confirmed, 已确认), 3 (paid, 已发放)",
        ],
    },
    Case {
        rule: "stage out of range",
        changes: &[("stage", "0")],
        expected: &[
            "r.csv:2: column stage: 0 is not allowed; use 1 (pending confirmation, 待确认), 2 (confirmed, 已确认), 3 (paid, 已发放)",
        ],
    },
    Case {
        rule: "bonus_type out of range",
        changes: &[("bonus_type", "3")],
        expected: &[
            "r.csv:2: column bonus_type: 3 is not allowed; use 1 (points, 积分), 2 (cash, 现金)",
        ],
    },
    Case {
        rule: "bonus_type empty means points",
        changes: &[("bonus_type", "")],
        expected: &[],
    },
    Case {
        rule: "points required for a points row",
        changes: &[("point_bonus", "")],
        expected: &[
            "r.csv:2: column point_bonus: is empty; it is required when bonus_type is 1 (points)",
        ],
    },
    Case {
        rule: "points not a whole number",
        changes: &[("point_bonus", "12.5")],
        expected: &["r.csv:2: column point_bonus: \"12.5\" is not a whole number of points"],
    },
    Case {
        rule: "points with a thousands separator",
        changes: &[("point_bonus", "1,000")],
        expected: &[
            "r.csv:2: column point_bonus: \"1,000\" is not a whole number of points; remove the thousands separator",
        ],
    },
    Case {
        rule: "points negative",
        changes: &[("point_bonus", "-5")],
        expected: &["r.csv:2: column point_bonus: -5 is negative; it must be 0 or more"],
    },
    Case {
        rule: "cash row without currency",
        changes: &[("bonus_type", "2"), ("point_bonus", ""), ("amount", "100")],
        expected: &[
            "r.csv:2: column currency_type: is empty; it is required when bonus_type is 2 (cash)",
        ],
    },
    Case {
        rule: "cash row without amount",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
        ],
        expected: &["r.csv:2: column amount: is empty; it is required when bonus_type is 2 (cash)"],
    },
    Case {
        rule: "amount with more than two decimals",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "10.005"),
        ],
        expected: &["r.csv:2: column amount: 10.005 has more than 2 decimals; round it to cents"],
    },
    Case {
        rule: "amount below zero",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "-0.01"),
        ],
        expected: &["r.csv:2: column amount: -0.01 is negative; it must be 0 or more"],
    },
    Case {
        rule: "amount with a currency sign",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "¥100"),
        ],
        expected: &[
            "r.csv:2: column amount: \"¥100\" is not a plain number; write the amount without a currency sign and put the currency in currency_type",
        ],
    },
    Case {
        rule: "amount with a thousands separator",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "1,000.50"),
        ],
        expected: &[
            "r.csv:2: column amount: \"1,000.50\" has a thousands separator; write it without, e.g. 1000.5",
        ],
    },
    Case {
        rule: "amount in scientific notation",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "CNY"),
            ("amount", "1E+2"),
        ],
        expected: &[
            "r.csv:2: column amount: 1E+2 is in scientific notation; write the amount in plain digits, e.g. 100.5",
        ],
    },
    Case {
        rule: "unknown currency",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "RMB"),
            ("amount", "1"),
        ],
        expected: &[
            "r.csv:2: column currency_type: unknown currency \"RMB\"; use an ISO 4217 code from Feishu's currency enum, e.g. CNY, USD, EUR, JPY, HKD, GBP, SGD",
        ],
    },
    Case {
        rule: "currency in lower case",
        changes: &[
            ("bonus_type", "2"),
            ("point_bonus", ""),
            ("currency_type", "usd"),
            ("amount", "1"),
        ],
        expected: &[
            "r.csv:2: column currency_type: currency \"usd\" must be written in capitals: USD",
        ],
    },
    Case {
        rule: "time in seconds",
        changes: &[("create_time", "1704720275")],
        expected: &[
            "r.csv:2: column create_time: 1704720275 looks like epoch seconds; the API takes milliseconds: 1704720275000",
        ],
    },
    Case {
        rule: "time as a date",
        changes: &[("onboard_time", "2024/01/08")],
        expected: &[
            "r.csv:2: column onboard_time: \"2024/01/08\" looks like a date; write the time as epoch milliseconds, e.g. 1704720275000 for 2024-01-08 13:24:35 UTC",
        ],
    },
    Case {
        rule: "time not digits",
        changes: &[("conversion_time", "soon")],
        expected: &[
            "r.csv:2: column conversion_time: \"soon\" is not epoch milliseconds (digits only, e.g. 1704720275000)",
        ],
    },
    Case {
        rule: "time of implausible length",
        changes: &[("confirm_time", "17047202750001")],
        expected: &[
            "r.csv:2: column confirm_time: 17047202750001 is not a plausible epoch-milliseconds time (13 digits, e.g. 1704720275000)",
        ],
    },
    Case {
        rule: "time in scientific notation",
        changes: &[("create_time", "1.70472E+12")],
        expected: &[
            "r.csv:2: column create_time: 1.70472E+12 is a time that Excel turned into scientific notation; format the column as Text or Number with no decimals, and export again",
        ],
    },
    Case {
        rule: "pay_time on a stage-1 row warns",
        changes: &[("stage", "1"), ("pay_time", "1704720275001")],
        expected: &[
            "r.csv:2: column pay_time: warning: is for paid rewards (stage 3), but this row is stage 1 (pending confirmation); it is sent anyway",
        ],
    },
    Case {
        rule: "confirm_user_id on a stage-1 row warns",
        changes: &[("stage", "1"), ("confirm_user_id", "ou_x")],
        expected: &[
            "r.csv:2: column confirm_user_id: warning: is for confirmed or paid rewards (stage 2 or 3), but this row is stage 1 (pending confirmation); it is sent anyway",
        ],
    },
    Case {
        rule: "pay_user_id on a stage-2 row warns",
        changes: &[("pay_user_id", "ou_x")],
        expected: &[
            "r.csv:2: column pay_user_id: warning: is for paid rewards (stage 3), but this row is stage 2 (confirmed); it is sent anyway",
        ],
    },
    Case {
        rule: "cash cells on a points row warn",
        changes: &[("currency_type", "CNY")],
        expected: &[
            "r.csv:2: column currency_type: warning: is set on a points reward (bonus_type 1); Feishu ignores currency_type for points, check the row's bonus_type",
        ],
    },
    Case {
        rule: "every problem of a row is reported",
        changes: &[("referral_user_id", ""), ("rule_type", "9"), ("stage", "x")],
        expected: &[
            "r.csv:2: column referral_user_id: is empty; it is required",
            "r.csv:2: column rule_type: 9 is not allowed; use 1 (onboard, 入职奖励), 2 (process, 过程奖励), 3 (activity, 活动奖励), 4 (open-source, 开源奖励), 5 (other, 其他奖励)",
            "r.csv:2: column stage: \"x\" is not a whole number; use 1 (pending confirmation, 待确认), 2 (confirmed, 已确认), 3 (paid, 已发放)",
        ],
    },
];

#[test]
fn every_rule_reports_its_exact_message_and_line() {
    let mut failures = Vec::new();
    for case in CASES {
        let csv = format!("{HEADER}\n{}\n", row(case.changes));
        let got = problems(&csv);
        if got != case.expected {
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
        [
            "r.csv:4: column external_id: E1 already appears on line 2; each reward must appear once (external_id is its idempotency key)"
        ]
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
            "r.csv:4: the row has 3 fields but the header has 21; look for a missing or extra comma, or a value with a comma that is not in double quotes",
            "r.csv:5: column stage: 7 is not allowed; use 1 (pending confirmation, 待确认), 2 (confirmed, 已确认), 3 (paid, 已发放)",
        ]
    );
}
