//! Legacy exports as whole files (SPEC §2.1, §2.2): a workbook with a title row, Chinese
//! headers, labels, date cells and Excel's numbers gives the bodies of the same rewards
//! written canonically; the samples `samples/legacy-rewards.xlsx` and
//! `samples/legacy-rewards-gbk.csv` (written by `examples/gen_legacy_samples.rs`) report
//! the same invalid rows with `samples/legacy-mapping.toml`, their errors files come back
//! fixed, and an import of one makes an import of the other send nothing (their referrers
//! by e-mail and candidates by mobile looked up in `samples/employees.csv` and
//! `samples/talents.csv`).

use std::path::{Path, PathBuf};

use calamine::{Data, Reader};
use predicates::str::contains;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

use rewardsync::feishu::UserIdType;
use rewardsync::ledger::{Directory, PersonKey};
use rewardsync::people::book::{PeopleBook, Resolution};
use rewardsync::read::mapping::{InputOptions, MapFile, RewardFile};
use rewardsync::read::person::Contact;
use rewardsync::read::source::EncodingChoice;
use rewardsync::read::validate::{Checked, Rule, Validator};
use rewardsync_sandbox::{SandboxConfig, TalentPool};

use crate::common::{Live, Workdir, check_text, check_text_with, repo_path};

/// The samples' sheet.
const SHEET: &str = "奖励明细";

/// The invalid rows of the samples: row (as Excel shows it; the CSV's line), column as
/// messages name it, rule in the workbook, rule in the CSV. Every other row is valid.
const INVALID: [(u64, &str, Rule, Rule); 7] = [
    (
        7,
        "投递ID (application_id)",
        Rule::ScientificNotation,
        Rule::ScientificNotation,
    ),
    // A number cell of 19 digits in the workbook; Excel writes it to the CSV as 7.214E+18.
    (
        11,
        "投递ID (application_id)",
        Rule::IdAsNumber,
        Rule::ScientificNotation,
    ),
    (21, "奖励金额(元) (amount)", Rule::Negative, Rule::Negative),
    (
        26,
        "奖励编号 (external_id)",
        Rule::Duplicate,
        Rule::Duplicate,
    ),
    (
        31,
        "内推人邮箱 (referral_user_email)",
        Rule::Email,
        Rule::Email,
    ),
    (
        37,
        "奖励金额(元) (amount)",
        Rule::CurrencyMismatch,
        Rule::CurrencyMismatch,
    ),
    (
        41,
        "发放时间 (pay_time)",
        Rule::AmbiguousDate,
        Rule::AmbiguousDate,
    ),
];

/// Rows in each sample, and how many of them are valid.
const SAMPLE_ROWS: usize = 40;
const SAMPLE_VALID: usize = 33;

fn sample(name: &str) -> PathBuf {
    repo_path(&format!("samples/{name}"))
}

/// The samples' mapping file, read.
fn mapping() -> MapFile {
    MapFile::load(&sample("legacy-mapping.toml")).expect("the sample mapping reads")
}

fn with_mapping(encoding: Option<EncodingChoice>) -> InputOptions {
    InputOptions {
        map: Some(mapping()),
        encoding,
        ..InputOptions::default()
    }
}

/// Every row of the file at `path`, read with `options`, checked.
fn check_path(path: &Path, options: &InputOptions) -> Vec<Checked> {
    let mut file = RewardFile::open(path, options).expect("the file opens");
    let mut validator = Validator::for_file(&file);
    let mut checked = Vec::new();
    while let Some((_, row)) = validator.next(&mut file).expect("every row reads") {
        checked.push(row);
    }
    checked
}

/// The rows with the ids of their people filled in, as the sandbox given the samples'
/// employees and talents finds them: e-mails in `samples/employees.csv`, mobiles in
/// `samples/talents.csv`.
fn resolved(mut checked: Vec<Checked>) -> Vec<Checked> {
    let employees = csv_rows("employees.csv");
    let talents = csv_rows("talents.csv");
    let mut book = PeopleBook::new(UserIdType::OpenId);
    for wanted in checked.iter().flat_map(|c| c.people.iter()) {
        let (directory, id) = match &wanted.contact {
            Contact::Email(email) => (
                Directory::Users(UserIdType::OpenId),
                employees
                    .iter()
                    .find(|e| e["email"] == *email)
                    .map(|e| e["open_id"].clone()),
            ),
            Contact::Mobile(mobile) => (
                Directory::Talents,
                talents
                    .iter()
                    .find(|t| {
                        t["mobile_code"] == mobile.code && t["mobile_number"] == mobile.number
                    })
                    .map(|t| t["talent_id"].clone()),
            ),
        };
        let id =
            id.unwrap_or_else(|| panic!("no sample person has {}", wanted.contact.lookup_form()));
        let key = PersonKey {
            directory,
            contact: wanted.contact.clone(),
        };
        book.insert(key, Resolution::Found(id));
    }
    for row in &mut checked {
        assert!(book.fill(row).is_complete(), "line {}", row.line);
    }
    checked
}

/// The rows of a CSV of `samples/`, by column name.
fn csv_rows(name: &str) -> Vec<std::collections::HashMap<String, String>> {
    csv::Reader::from_path(sample(name))
        .expect("the sample opens")
        .deserialize()
        .collect::<Result<_, _>>()
        .expect("the sample reads")
}

/// The canonical JSON and hash of every row, which must be valid.
fn bodies(checked: &[Checked]) -> Vec<(String, String)> {
    checked
        .iter()
        .map(|c| {
            assert!(c.problems.is_empty(), "line {}: {:?}", c.line, c.problems);
            c.body.as_ref().expect("valid").canonical()
        })
        .collect()
}

/// (line, column, rule) of every problem of the rows.
fn problems(checked: &[Checked]) -> Vec<(u64, String, Rule)> {
    checked
        .iter()
        .flat_map(|c| {
            c.problems
                .iter()
                .map(|p| (c.line, p.column.clone().unwrap_or_default(), p.rule))
        })
        .collect()
}

/// `rewardsync ARGS…` run in the repository, so messages name `samples/…` as typed.
fn in_repo(args: &[&str]) -> assert_cmd::Command {
    let mut cmd = assert_cmd::Command::cargo_bin("rewardsync").expect("the binary is built");
    cmd.current_dir(repo_path(".")).args(args);
    cmd
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

// --- a workbook written here --------------------------------------------------------

/// Three rewards in the API's own form, and a fourth whose id only a workbook can spoil.
const CANONICAL: &str = "\
external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,create_time,pay_time,comment
R-1,ou_a,7214000000000001031,1,2,,CNY,1000,3,1704691440000,1706716800000,ok
R-2,ou_a,721400000001032,2,1,1500,,,1,1704729600000,,
R-3,ou_a,7214000000000001033,3,2,,CNY,1000.5,3,1704691475000,1704720275000,
";

/// The same three rewards as a legacy export written to CSV: a title, Chinese headers,
/// labels, human times, money strings, Excel's `="…"`.
const LEGACY_CSV: &str = "\
内推奖励发放明细（2024年1月）,,,,,,,,,,,
奖励ID,内推人ID,投递ID,奖励类型,发放形式,积分,币种,金额,奖励状态,奖励产生时间,发放时间,备注
R-1,ou_a,7214000000000001031,入职奖励,现金,,人民币,\"¥1,000.00\",已发放,2024-01-08 13:24,2024年2月1日, ok
R-2,ou_a,721400000001032,过程,积分,\"1,500积分\",,,待确认,2024/1/9,,
R-3,ou_a,=\"7214000000000001033\",活动奖励,现金,,,1000.5元,已发放,2024-01-08T13:24:35+08:00,2024-01-08 21:24:35,
";

/// The same rewards as a workbook: typed cells where the CSV has text.
fn legacy_workbook(wrk: &Workdir) -> PathBuf {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("奖励").unwrap();
    let header = [
        "奖励ID",
        "内推人ID",
        "投递ID",
        "奖励类型",
        "发放形式",
        "积分",
        "币种",
        "金额",
        "奖励状态",
        "奖励产生时间",
        "发放时间",
        "备注",
    ];
    sheet
        .write_string(0, 0, "内推奖励发放明细（2024年1月）")
        .unwrap();
    for (column, name) in header.iter().enumerate() {
        sheet.write_string(1, column as u16, *name).unwrap();
    }
    let full = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    let day = Format::new().set_num_format("yyyy/m/d");
    let at = |y, m, d, h, mi, s| {
        ExcelDateTime::from_ymd(y, m, d)
            .unwrap()
            .and_hms(h, mi, s)
            .unwrap()
    };
    let cells = |row: u32, texts: &[(u16, &str)]| {
        texts
            .iter()
            .map(|(column, text)| (row, *column, text.to_string()))
            .collect::<Vec<_>>()
    };
    let mut texts = Vec::new();
    // R-1: a number cell amount, a date cell, a text date.
    texts.extend(cells(
        2,
        &[
            (0, "R-1"),
            (1, "ou_a"),
            (2, "7214000000000001031"),
            (3, "入职奖励"),
            (4, "现金"),
            (6, "人民币"),
            (8, "已发放"),
            (10, "2024年2月1日"),
            (11, " ok "),
        ],
    ));
    sheet.write_number(2, 7, 1000.0).unwrap();
    sheet
        .write_datetime_with_format(2, 9, at(2024, 1, 8, 13, 24, 0), &full)
        .unwrap();
    // R-2: a 15-digit id in a number cell, points with a unit, a date alone.
    texts.extend(cells(
        3,
        &[
            (0, "R-2"),
            (1, "ou_a"),
            (3, "过程"),
            (4, "积分"),
            (5, "1,500积分"),
            (8, "待确认"),
        ],
    ));
    sheet.write_number(3, 2, 721_400_000_001_032.0).unwrap();
    sheet
        .write_datetime_with_format(3, 9, at(2024, 1, 9, 0, 0, 0), &day)
        .unwrap();
    // R-3: Excel's ="…", a money string that fills the currency, an offset, a date cell.
    texts.extend(cells(
        4,
        &[
            (0, "R-3"),
            (1, "ou_a"),
            (2, "=\"7214000000000001033\""),
            (3, "活动奖励"),
            (4, "现金"),
            (7, "1000.5元"),
            (8, "已发放"),
            (9, "2024-01-08T13:24:35+08:00"),
        ],
    ));
    sheet
        .write_datetime_with_format(4, 10, at(2024, 1, 8, 21, 24, 35), &full)
        .unwrap();
    // R-4: a 19-digit id in a number cell: Excel kept 15 of its digits.
    texts.extend(cells(
        5,
        &[
            (0, "R-4"),
            (1, "ou_a"),
            (3, "入职奖励"),
            (4, "积分"),
            (5, "100"),
            (8, "待确认"),
        ],
    ));
    #[allow(clippy::excessive_precision)]
    sheet
        .write_number(5, 2, 7_214_000_000_000_001_034.0)
        .unwrap();
    for (row, column, text) in texts {
        sheet.write_string(row, column, text).unwrap();
    }
    let path = wrk.path("legacy.xlsx");
    book.save(&path).unwrap();
    path
}

#[test]
fn a_legacy_workbook_gives_the_bodies_of_the_canonical_and_legacy_csv() {
    let wrk = Workdir::new();
    let book = legacy_workbook(&wrk);
    let shanghai = InputOptions {
        header_row: Some(2),
        timezone: Some(rewardsync::read::forms::Zone::parse("Asia/Shanghai").unwrap()),
        ..InputOptions::default()
    };
    let checked = check_path(&book, &shanghai);
    assert_eq!(checked.len(), 4);
    let (valid, invalid) = checked.split_at(3);
    let from_workbook = bodies(valid);
    let canonical = bodies(&check_text("c.csv", CANONICAL));
    let legacy = bodies(&check_text_with("l.csv", LEGACY_CSV, &shanghai));
    assert_eq!(from_workbook, canonical, "workbook and canonical CSV");
    assert_eq!(legacy, canonical, "legacy CSV and canonical CSV");
    assert_eq!(
        canonical[1].0,
        r#"{"referral_user_id":"ou_a","external_id":"R-2","application_id":"721400000001032","rule_type":2,"bonus":{"bonus_type":1,"point_bonus":1500},"stage":1,"create_time":"1704729600000"}"#
    );

    // The 19-digit number cell: refused, never sent with its lost digits.
    let lossy = &invalid[0];
    assert_eq!(lossy.line, 6);
    assert!(lossy.body.is_none());
    assert_eq!(
        problems(invalid),
        [(6, "投递ID (application_id)".to_owned(), Rule::IdAsNumber)]
    );
    assert_eq!(
        lossy.problems[0].message,
        "the number cell \"7214000000000001000\" has 19 digits, but Excel keeps only 15: the last digits are already lost; format the id column as Text in Excel and enter or import the ids again"
    );
}

// --- the samples ----------------------------------------------------------------------

#[test]
fn the_sample_workbook_reports_exactly_its_invalid_rows() {
    let output = in_repo(&[
        "validate",
        "samples/legacy-rewards.xlsx",
        "--map",
        "samples/legacy-mapping.toml",
    ])
    .assert()
    .code(1)
    .get_output()
    .clone();
    let text = stdout_of(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), INVALID.len() + 1, "{text}");
    for (line, (row, column, _, _)) in lines.iter().zip(INVALID) {
        let place = format!("samples/legacy-rewards.xlsx[{SHEET}]:{row}: column {column}: ");
        assert!(line.starts_with(&place), "{line}\nexpected {place}");
    }
    assert_eq!(
        lines[INVALID.len()],
        format!("samples/legacy-rewards.xlsx[{SHEET}]: 40 rows: 33 valid, 7 invalid, 0 warnings")
    );
    // What a user reads for the mistakes Excel made, and for a duplicate in a workbook.
    for expected in [
        "samples/legacy-rewards.xlsx[奖励明细]:7: column 投递ID (application_id): \"6.93E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
        "samples/legacy-rewards.xlsx[奖励明细]:26: column 奖励编号 (external_id): \"JL-2023-0023\" already appears on row 25; each reward must appear once (external_id is its idempotency key)",
        "samples/legacy-rewards.xlsx[奖励明细]:37: column 奖励金额(元) (amount): \"3,000元\" is marked CNY, but 币种 (currency_type) is USD; make them agree, or write the amount without its mark",
        "samples/legacy-rewards.xlsx[奖励明细]:41: column 发放时间 (pay_time): \"1/8/2024\" could be 2024-01-08 (month first) or 2024-08-01 (day first); write the date year first (e.g. 2024-01-08), or set date_format = \"%m/%d/%Y\" or \"%d/%m/%Y\" in the mapping file",
    ] {
        assert!(lines.contains(&expected), "{text}\nexpected {expected}");
    }

    // The rules, through --json.
    let output = in_repo(&[
        "validate",
        "samples/legacy-rewards.xlsx",
        "--map",
        "samples/legacy-mapping.toml",
        "--json",
    ])
    .assert()
    .code(1)
    .get_output()
    .clone();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["sheet"], SHEET);
    let reported: Vec<(u64, String, String)> = json["rows_with_problems"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|row| {
            let line = row["line"].as_u64().unwrap();
            row["errors"].as_array().unwrap().iter().map(move |e| {
                (
                    line,
                    e["column"].as_str().unwrap().to_owned(),
                    e["rule"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect();
    let expected: Vec<(u64, String, String)> = INVALID
        .iter()
        .map(|(row, column, rule, _)| (*row, column.to_string(), rule.name().to_owned()))
        .collect();
    assert_eq!(reported, expected);
}

#[test]
fn the_sample_gbk_csv_reports_the_same_rows_as_the_workbook() {
    let output = in_repo(&[
        "validate",
        "samples/legacy-rewards-gbk.csv",
        "--map",
        "samples/legacy-mapping.toml",
        "--encoding",
        "gbk",
    ])
    .assert()
    .code(1)
    .get_output()
    .clone();
    let text = stdout_of(&output);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), INVALID.len() + 1, "{text}");
    for (line, (row, column, _, _)) in lines.iter().zip(INVALID) {
        let place = format!("samples/legacy-rewards-gbk.csv:{row}: column {column}: ");
        assert!(line.starts_with(&place), "{line}\nexpected {place}");
    }
    assert!(
        lines.contains(
            &"samples/legacy-rewards-gbk.csv:11: column 投递ID (application_id): \"7.214E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again"
        ),
        "{text}"
    );
    assert_eq!(
        lines[INVALID.len()],
        "samples/legacy-rewards-gbk.csv: 40 rows: 33 valid, 7 invalid, 0 warnings"
    );
}

#[test]
fn the_sample_gbk_csv_read_as_utf8_says_to_pass_encoding_gbk() {
    in_repo(&[
        "validate",
        "samples/legacy-rewards-gbk.csv",
        "--map",
        "samples/legacy-mapping.toml",
    ])
    .assert()
    .code(2)
    .stderr(contains(
        "samples/legacy-rewards-gbk.csv:1: the header is not valid UTF-8; if the file is GBK, rerun with --encoding gbk",
    ));
}

#[test]
fn the_samples_give_the_same_bodies_and_problems_whatever_the_form() {
    let book = check_path(&sample("legacy-rewards.xlsx"), &with_mapping(None));
    let csv = check_path(
        &sample("legacy-rewards-gbk.csv"),
        &with_mapping(Some(EncodingChoice::Gbk)),
    );
    assert_eq!(book.len(), SAMPLE_ROWS);
    assert_eq!(csv.len(), SAMPLE_ROWS);
    let expected = |csv: bool| -> Vec<(u64, String, Rule)> {
        INVALID
            .iter()
            .map(|(row, column, in_book, in_csv)| {
                (
                    *row,
                    column.to_string(),
                    if csv { *in_csv } else { *in_book },
                )
            })
            .collect()
    };
    assert_eq!(problems(&book), expected(false));
    assert_eq!(problems(&csv), expected(true));

    let valid = |rows: &[Checked]| -> Vec<(u64, String, String)> {
        rows.iter()
            .filter_map(|c| {
                let (json, hash) = c.body.as_ref()?.canonical();
                Some((c.line, json, hash))
            })
            .collect()
    };
    let from_book = valid(&book);
    assert_eq!(from_book.len(), SAMPLE_VALID);
    assert_eq!(from_book, valid(&csv));
    // Every valid row names its referrer by e-mail; a fifth name their candidate by mobile.
    let people = |rows: &[Checked]| -> Vec<(u64, String, String)> {
        rows.iter()
            .filter(|c| c.is_valid())
            .flat_map(|c| {
                c.people
                    .iter()
                    .map(|w| (c.line, w.column.clone(), w.contact.lookup_form()))
            })
            .collect()
    };
    let named = people(&book);
    assert_eq!(named, people(&csv));
    assert_eq!(
        named
            .iter()
            .filter(|(_, column, _)| column == "内推人邮箱 (referral_user_email)")
            .count(),
        SAMPLE_VALID
    );
    let mobiles: Vec<(u64, &str)> = named
        .iter()
        .filter(|(_, column, _)| column == "候选人手机号 (talent_mobile)")
        .map(|(line, _, mobile)| (*line, mobile.as_str()))
        .collect();
    // Every form a mobile is typed in, normalised as the lookup takes it (the number cell
    // of row 22 too; row 26 is invalid for its external_id).
    assert_eq!(
        mobiles,
        [
            (6, "13800138001"),
            (12, "13800138002"),
            (16, "13800138003"),
            (22, "13800138004"),
            (32, "13800138006"),
            (36, "+85251234567"),
            (42, "13800138008"),
        ]
    );
    let book = resolved(book);
    let from_book = valid(&book);
    assert_eq!(from_book, valid(&resolved(csv)));
    // The first reward, as it is sent: a date cell and a text time, ￥ and 人民币.
    assert_eq!(
        from_book[0].1,
        r#"{"referral_user_id":"ou_8fe08882a7ae1007efe66632ce51f7a2","external_id":"JL-2023-0001","application_id":"7214000000000010037","reason":"推荐候选人入职","rule_type":1,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":1000}},"stage":3,"create_time":"1672880400000","confirm_time":"1673146800000","pay_time":"1673762400000","onboard_time":"1671120000000"}"#
    );
    // The 15-digit number cell (row 9) is sent as its digits.
    let row9 = from_book.iter().find(|(line, _, _)| *line == 9).unwrap();
    assert!(
        row9.1.contains(r#""application_id":"721400000010259""#),
        "{}",
        row9.1
    );
    // A candidate by mobile is sent as the talent the pool gives it, and no application.
    let row36 = from_book.iter().find(|(line, _, _)| *line == 36).unwrap();
    assert!(
        row36.1.starts_with(
            r#"{"referral_user_id":"ou_cb2306f5e66ce575fcb8f1be1a08a3bc","external_id":"JL-2023-0034","talent_id":"7213000000000021802","#
        ),
        "{}",
        row36.1
    );
}

/// `map suggest` on a sample, run in the repository: the mapping file it printed.
fn suggested_mapping(name: &str) -> MapFile {
    let path = format!("samples/{name}");
    let output = in_repo(&["map", "suggest", &path])
        .output()
        .expect("map suggest runs");
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    let text = stdout_of(&output);
    MapFile::parse("suggested.toml".into(), &text)
        .unwrap_or_else(|e| panic!("the suggestion does not parse: {e}\n{text}"))
}

#[test]
fn map_suggest_on_the_samples_gives_a_mapping_that_validates_them_unedited() {
    // The suggestion, used as printed, reads every row as the hand-written sample mapping
    // does: the same 33 bodies, and only the 7 rows that are wrong in the export left.
    let expected_book = check_path(&sample("legacy-rewards.xlsx"), &with_mapping(None));
    let expected_csv = check_path(
        &sample("legacy-rewards-gbk.csv"),
        &with_mapping(Some(EncodingChoice::Gbk)),
    );
    for (name, expected) in [
        ("legacy-rewards.xlsx", &expected_book),
        // No --encoding: the suggestion finds GBK from the bytes and writes it down.
        ("legacy-rewards-gbk.csv", &expected_csv),
    ] {
        let map = suggested_mapping(name);
        let options = InputOptions {
            map: Some(map),
            ..InputOptions::default()
        };
        let checked = check_path(&sample(name), &options);
        assert_eq!(checked.len(), SAMPLE_ROWS, "{name}");
        assert_eq!(problems(&checked), problems(expected), "{name}");
        let valid = |rows: &[Checked]| -> Vec<(u64, String, String)> {
            rows.iter()
                .filter_map(|c| {
                    let (json, hash) = c.body.as_ref()?.canonical();
                    Some((c.line, json, hash))
                })
                .collect()
        };
        assert_eq!(valid(&checked).len(), SAMPLE_VALID, "{name}");
        assert_eq!(valid(&checked), valid(expected), "{name}");
    }
}

// --- errors files fed back ------------------------------------------------------------

/// The fix a user makes to each invalid row: (row, column header, new value).
const FIXES: [(u64, &str, &str); 7] = [
    (7, "投递ID", "7214000000000010185"),
    (11, "投递ID", "7214000000000001031"),
    (21, "奖励金额(元)", "3000"),
    (26, "奖励编号", "JL-2023-0024"),
    (31, "内推人邮箱", "zhou.jie@example.com"),
    (37, "币种", "人民币"),
    (41, "发放时间", "2024-01-08"),
];

/// Every cell of the first sheet of a workbook, as text, row by row from row 1 (A1).
fn read_sheet(path: &Path) -> (String, Vec<Vec<String>>) {
    let mut book = calamine::open_workbook_auto(path).expect("the errors workbook opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the sheet reads");
    let (top, left) = range.start().expect("not empty");
    assert_eq!((top, left), (0, 0), "the title stays in A1");
    let rows = range
        .rows()
        .map(|row| {
            row.iter()
                .map(|cell| match cell {
                    Data::Empty => String::new(),
                    Data::String(text) => text.clone(),
                    other => panic!("the errors file writes text only, not {other:?}"),
                })
                .collect()
        })
        .collect();
    (name, rows)
}

#[test]
fn the_errors_workbook_comes_back_fixed() {
    let wrk = Workdir::new();
    let book = sample("legacy-rewards.xlsx");
    let map = sample("legacy-mapping.toml");
    let (book, map) = (book.to_str().unwrap(), map.to_str().unwrap());
    wrk.command(&["validate", book, "--map", map, "--errors", "fixme.xlsx"])
        .assert()
        .code(1)
        .stderr(contains(
            "wrote 7 invalid rows to fixme.xlsx: fix them there and run `rewardsync validate fixme.xlsx` with the same options (its row and errors columns are ignored)",
        ));

    // The layout of the input: its sheet, the title on row 1, the header on row 2.
    let (sheet, mut rows) = read_sheet(&wrk.path("fixme.xlsx"));
    assert_eq!(sheet, SHEET);
    assert_eq!(rows[0][0], "内推奖励发放明细（2023年度）");
    let header = rows[1].clone();
    assert_eq!(header[0], "奖励编号");
    assert_eq!(&header[header.len() - 2..], ["row", "errors"]);
    let column = |name: &str| header.iter().position(|h| h == name).unwrap();
    let at: Vec<u64> = rows[2..]
        .iter()
        .map(|r| r[column("row")].parse().unwrap())
        .collect();
    assert_eq!(at, INVALID.map(|(row, ..)| row));
    // The lossy number is written as Excel shows it: still refused if left as it is.
    assert_eq!(rows[3][column("投递ID")], "7.214000000000001E18");

    for (row, name, value) in FIXES {
        let data = rows[2..]
            .iter_mut()
            .find(|r| r[column("row")] == row.to_string())
            .unwrap();
        data[column(name)] = value.to_owned();
    }
    let mut fixed = Workbook::new();
    let out = fixed.add_worksheet();
    out.set_name(&sheet).unwrap();
    for (r, row) in rows.iter().enumerate() {
        for (c, text) in row.iter().enumerate() {
            if !text.is_empty() {
                out.write_string(r as u32, c as u16, text).unwrap();
            }
        }
    }
    fixed.save(wrk.path("fixed.xlsx")).unwrap();
    wrk.command(&["validate", "fixed.xlsx", "--map", map])
        .assert()
        .code(0)
        .stdout(format!(
            "fixed.xlsx[{SHEET}]: 7 rows: 7 valid, 0 invalid, 0 warnings\n"
        ));
}

/// The lines of an errors CSV (title, header, rows) with each row fixed as a user fixes
/// it in a text editor, on the row's own line. `lossy` is how the lost id is written.
fn fix_errors_csv(lines: &[&str], lossy: &str) -> Vec<String> {
    // The title row as the input had it (the CSV's padded with commas, as Excel writes it).
    assert!(
        lines[0].starts_with("内推奖励发放明细（2023年度）"),
        "{}",
        lines[0]
    );
    assert_eq!(lines.len(), 2 + INVALID.len());
    let fix = |line: &str, from: &str, to: &str| -> String {
        assert!(line.contains(from), "{line}\nhas no {from}");
        line.replacen(from, to, 1)
    };
    let mut fixed = vec![lines[0].to_owned(), lines[1].to_owned()];
    for line in &lines[2..] {
        let id = line.split(',').next().unwrap();
        fixed.push(match id {
            "JL-2023-0005" => fix(line, ",6.93E+18,", ",7214000000000010185,"),
            "JL-2023-0009" => fix(line, &format!(",{lossy},"), ",7214000000000001031,"),
            "JL-2023-0019" => fix(line, ",-3000,", ",3000,"),
            "JL-2023-0023" => fix(line, "JL-2023-0023,", "JL-2023-0024,"),
            "JL-2023-0029" => fix(line, ",zhou.jie＠example.com,", ",zhou.jie@example.com,"),
            "JL-2023-0035" => fix(line, ",美元,", ",人民币,"),
            "JL-2023-0039" => fix(line, ",1/8/2024,", ",2024-01-08,"),
            other => panic!("unexpected row {other}: {line}"),
        });
    }
    fixed
}

#[test]
fn the_errors_csv_of_a_workbook_comes_back_fixed() {
    let wrk = Workdir::new();
    let book = sample("legacy-rewards.xlsx");
    let map = sample("legacy-mapping.toml");
    let (book, map) = (book.to_str().unwrap(), map.to_str().unwrap());
    wrk.command(&["validate", book, "--map", map, "--errors", "fixme.csv"])
        .assert()
        .code(1);
    let bytes = std::fs::read(wrk.path("fixme.csv")).unwrap();
    let text = String::from_utf8(bytes).expect("UTF-8");
    let text = text
        .strip_prefix('\u{feff}')
        .expect("a byte-order mark, for Excel");
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].ends_with(",row,errors"), "{}", lines[1]);
    let fixed = fix_errors_csv(&lines, "7.214000000000001E18");
    wrk.create("fixed.csv", format!("\u{feff}{}\r\n", fixed.join("\r\n")));
    wrk.command(&["validate", "fixed.csv", "--map", map])
        .assert()
        .code(0)
        .stdout("fixed.csv: 7 rows: 7 valid, 0 invalid, 0 warnings\n");
}

#[test]
fn the_errors_csv_of_the_gbk_csv_is_gbk_and_comes_back_fixed() {
    let wrk = Workdir::new();
    let csv = sample("legacy-rewards-gbk.csv");
    let map = sample("legacy-mapping.toml");
    let (csv, map) = (csv.to_str().unwrap(), map.to_str().unwrap());
    let options = ["--map", map, "--encoding", "gbk"];
    let mut args = vec!["validate", csv, "--errors", "fixme.csv"];
    args.extend(options);
    wrk.command(&args).assert().code(1).stderr(contains(
        "wrote 7 invalid rows to fixme.csv: fix them there and run `rewardsync validate fixme.csv` with the same options (its line and errors columns are ignored)",
    ));
    let bytes = std::fs::read(wrk.path("fixme.csv")).unwrap();
    let (text, _, malformed) = encoding_rs::GB18030.decode(&bytes);
    assert!(!malformed);
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "written in GBK, as read"
    );
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[1].ends_with(",line,errors"), "{}", lines[1]);
    let fixed = fix_errors_csv(&lines, "7.214E+18");
    let fixed = format!("{}\r\n", fixed.join("\r\n"));
    let (bytes, _, _) = encoding_rs::GB18030.encode(&fixed);
    wrk.create("fixed.csv", bytes);
    let mut args = vec!["validate", "fixed.csv"];
    args.extend(options);
    wrk.command(&args)
        .assert()
        .code(0)
        .stdout("fixed.csv: 7 rows: 7 valid, 0 invalid, 0 warnings\n");
}

// --- import -----------------------------------------------------------------------------

#[test]
fn importing_the_workbook_then_the_gbk_csv_sends_each_reward_once() {
    // The sandbox a user rehearses with: the sample employees (its default directory) and
    // `--talents samples/talents.csv`.
    let live = Live::start(SandboxConfig {
        talents: TalentPool::from_path(&sample("talents.csv")).expect("the talents read"),
        strict_talents: true,
        ..Live::fast_config()
    });
    let wrk = Workdir::new();
    let book = sample("legacy-rewards.xlsx");
    let csv = sample("legacy-rewards-gbk.csv");
    let map = sample("legacy-mapping.toml");
    let (book, csv, map) = (
        book.to_str().unwrap(),
        csv.to_str().unwrap(),
        map.to_str().unwrap(),
    );

    let (code, summary) = live.import_json(&wrk, &[book, "--map", map]);
    assert_eq!(code, 1, "{summary}");
    assert_eq!(summary["imported"], SAMPLE_VALID, "{summary}");
    // A workbook's places are its rows, as Excel numbers them.
    let text = summary.to_string();
    assert!(text.contains("[奖励明细]:31\""), "{summary}");
    assert!(!text.contains("\"line "), "{summary}");
    assert_eq!(summary["invalid"], INVALID.len(), "{summary}");
    let state = live.state();
    assert_eq!(state.reward_count, SAMPLE_VALID);
    // Every referrer is an employee of samples/employees.csv, found by e-mail in one
    // lookup; the candidates are talents of samples/talents.csv, found in two (mainland
    // mobiles, then the one of Hong Kong: a call takes one country code).
    assert_eq!(state.made_up_employee_count, 0);
    assert_eq!(state.made_up_talent_count, 0);
    assert_eq!(summary["lookups"], 3, "{summary}");
    let expected: Vec<(u64, String, String)> = resolved(check_path(
        &sample("legacy-rewards.xlsx"),
        &with_mapping(None),
    ))
    .into_iter()
    .filter_map(|c| c.body)
    .map(|body| (1, body.external_id.clone(), body.to_canonical_json()))
    .collect();
    let mut received: Vec<(u64, String, String)> = state
        .rewards
        .unwrap()
        .into_iter()
        .map(|r| (r.received, r.external_id, r.body.to_canonical_json()))
        .collect();
    received.sort();
    let mut expected = expected;
    expected.sort();
    assert_eq!(received, expected);

    // The same rewards from the CSV: already imported, nothing sent.
    let before = live.state().reward_receipts;
    let (code, summary) = live.import_json(&wrk, &[csv, "--map", map, "--encoding", "gbk"]);
    assert_eq!(code, 1, "{summary}");
    assert_eq!(summary["sent"], 0, "{summary}");
    assert_eq!(summary["lookups"], 0, "{summary}");
    assert_eq!(summary["imported"], 0, "{summary}");
    assert_eq!(summary["already_imported"], SAMPLE_VALID, "{summary}");
    assert_eq!(summary["invalid"], INVALID.len(), "{summary}");
    assert!(
        summary.to_string().contains("legacy-rewards-gbk.csv:31\""),
        "{summary}"
    );
    assert_eq!(live.state().reward_receipts, before);
    assert_eq!(live.state().reward_count, SAMPLE_VALID);
}

// --- explain ----------------------------------------------------------------------------

#[test]
fn explain_names_the_date_cells_labels_and_mapped_values_of_the_first_rows() {
    let output = in_repo(&[
        "validate",
        "samples/legacy-rewards.xlsx",
        "--map",
        "samples/legacy-mapping.toml",
        "--explain",
        "4",
    ])
    .assert()
    .code(1)
    .get_output()
    .clone();
    let text = stdout_of(&output);
    let lines: Vec<&str> = text.lines().collect();
    for expected in [
        // Labels of the documentation.
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 奖励类型 (rule_type): "入职奖励" read as 1"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 币种 (currency_type): "人民币" read as CNY"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 奖励金额(元) (amount): "￥1,000.00" read as 1000"#,
        // Date cells, and text times, in the mapping's zone.
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 奖励产生时间 (create_time): the date cell "2023-01-05 09:00:00" read as 1672880400000 (Excel date 44931.375 = 2023-01-05 09:00 in Asia/Shanghai)"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 发放时间 (pay_time): "2023年1月15日 14:00" read as 1673762400000 (2023-01-15 14:00 in Asia/Shanghai)"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:3, column 入职日期 (onboard_time): the date cell "2022-12-16 00:00:00" read as 1671120000000 (Excel date 44911 = 2022-12-16 00:00 in Asia/Shanghai)"#,
        // The export's own values, through [values.*].
        r#"samples/legacy-rewards.xlsx[奖励明细]:4, column 奖励类型 (rule_type): "面试奖" read as 2 (by [values.rule_type])"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:4, column 积分 (point_bonus): "1,500积分" read as 1500"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:5, column 投递ID (application_id): "=\"7214000000000010111\"" read as 7214000000000010111"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:5, column 奖励类型 (rule_type): "入职奖" read as 1 (by [values.rule_type])"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:5, column 状态 (stage): "已打款" read as 3 (by [values.stage])"#,
        r#"samples/legacy-rewards.xlsx[奖励明细]:5, column 确认时间 (confirm_time): "2023/1/26 13:14" read as 1674710040000 (2023-01-26 13:14 in Asia/Shanghai)"#,
        // A mobile as typed, in the form the lookup takes.
        r#"samples/legacy-rewards.xlsx[奖励明细]:6, column 候选人手机号 (talent_mobile): "+86 138 0013 8001" read as 13800138001"#,
    ] {
        assert!(lines.contains(&expected), "{text}\nexpected {expected}");
    }
    // Only the first four rows are explained; the skipped 部门 never is.
    assert!(!text.contains("[奖励明细]:7,"), "{text}");
    assert!(!text.contains("部门"), "{text}");
}
