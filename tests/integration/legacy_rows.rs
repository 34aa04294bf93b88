//! Legacy exports read row by row (SPEC §2.1): the same rewards written canonically and
//! as a legacy export give byte-identical bodies and hashes; a currency mark fills or
//! contradicts currency_type; defaults are no cells of the file; `--explain` says what each
//! value was read as; a time without a zone stops the run before anything is sent.

use predicates::str::contains;
use rewardsync::read::forms::Zone;
use rewardsync::read::mapping::{InputOptions, MapFile};
use rewardsync::read::validate::Rule;

use crate::common::{Live, Workdir, check_text, check_text_with};

/// Three rewards in the API's own form.
const CANONICAL: &str = "\
external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage,create_time,pay_time,comment
R-1,ou_a,7214000000000001031,1,2,,CNY,1000,3,1704691440000,1706716800000,ok
R-2,ou_a,7214000000000001032,2,1,1500,,,1,1704729600000,,
R-3,ou_a,7214000000000001033,3,2,,CNY,1000.5,3,1704691475000,1704720275000,
";

/// The same rewards as a legacy system exports them: a title row, `;`, Chinese headers,
/// labels, human times (Asia/Shanghai), money strings, Excel's `="…"`, trailing columns.
const LEGACY: &str = "\
奖励明细导出 2024-02;;;;;;;;;;;;;
奖励ID;内推人ID;投递ID;奖励类型;发放形式;积分;币种;金额;奖励状态;奖励产生时间;发放时间;备注;;
R-1;ou_a;=\"7214000000000001031\";入职奖励;现金;;人民币;\"¥1,000.00\";已发放;2024-01-08 13:24;2024年2月1日; ok ;;
R-2;ou_a;'7214000000000001032;过程;积分;\"1,500积分\";;;待确认;2024/1/9;;;;
R-3;ou_a;7214000000000001033;activity;cash;;;1000.5元;paid;2024-01-08T13:24:35+08:00;1704720275000;;;
";

fn shanghai() -> InputOptions {
    InputOptions {
        header_row: Some(2),
        timezone: Some(Zone::parse("Asia/Shanghai").unwrap()),
        ..InputOptions::default()
    }
}

fn bodies(checked: &[rewardsync::read::validate::Checked]) -> Vec<(String, String)> {
    checked
        .iter()
        .map(|c| {
            assert!(c.problems.is_empty(), "line {}: {:?}", c.line, c.problems);
            c.body.as_ref().expect("valid").canonical()
        })
        .collect()
}

#[test]
fn a_legacy_export_gives_the_canonical_bodies_byte_for_byte() {
    let canonical = bodies(&check_text("c.csv", CANONICAL));
    let legacy = bodies(&check_text_with("l.csv", LEGACY, &shanghai()));
    assert_eq!(legacy, canonical);
    assert_eq!(
        canonical[0].0,
        r#"{"referral_user_id":"ou_a","external_id":"R-1","application_id":"7214000000000001031","rule_type":1,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":1000}},"stage":3,"create_time":"1704691440000","pay_time":"1706716800000","comment":"ok"}"#
    );
}

#[test]
fn lines_count_from_the_top_of_the_file_title_rows_included() {
    let lines: Vec<u64> = check_text_with("l.csv", LEGACY, &shanghai())
        .iter()
        .map(|c| c.line)
        .collect();
    assert_eq!(lines, [3, 4, 5]);
}

#[test]
fn a_currency_mark_fills_currency_type_or_must_agree_with_it() {
    let csv = "\
external_id,referral_user_id,application_id,rule_type,bonus_type,currency_type,amount,stage
M-1,ou_a,1,1,2,,US$ 25,1
M-2,ou_a,1,1,2,USD,US$ 25,1
M-3,ou_a,1,1,2,CNY,US$ 25,1
M-4,ou_a,1,1,2,JPY,¥500,1
M-5,ou_a,1,1,2,,¥500,1
";
    let checked = check_text("m.csv", csv);
    let cash = |i: usize| {
        let body = checked[i].body.as_ref().expect("valid");
        let cash = body.bonus.cash.as_ref().expect("cash");
        (cash.currency_type.clone(), cash.amount.to_string())
    };
    assert_eq!(cash(0), ("USD".to_owned(), "25".to_owned()));
    assert_eq!(cash(1), ("USD".to_owned(), "25".to_owned()));
    let mismatch = &checked[2].problems;
    assert_eq!(mismatch.len(), 1, "{mismatch:?}");
    assert_eq!(mismatch[0].rule, Rule::CurrencyMismatch);
    assert_eq!(
        mismatch[0].message,
        "\"US$ 25\" is marked USD, but currency_type is CNY; make them agree, or write the amount without its mark"
    );
    // ¥ alone is CNY or JPY: it neither contradicts currency_type nor fills it.
    assert_eq!(cash(3), ("JPY".to_owned(), "500".to_owned()));
    assert_eq!(checked[4].problems[0].rule, Rule::RequiredByBonusType);
    assert_eq!(
        checked[4].problems[0].column.as_deref(),
        Some("currency_type")
    );
}

#[test]
fn a_default_is_not_a_cell_of_the_file() {
    let map = MapFile::parse(
        "m.toml".into(),
        "[defaults]\ncurrency_type = \"CNY\"\n\n[values.stage]\n\"已打款\" = 3\n",
    )
    .unwrap();
    let options = InputOptions {
        map: Some(map),
        ..InputOptions::default()
    };
    let csv = "\
external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,amount,stage
D-1,ou_a,1,1,1,100,,已打款
D-2,ou_a,1,1,2,,88,1
";
    let checked = check_text_with("d.csv", csv, &options);
    // A points row: the default currency is not "set on a points reward".
    assert!(checked[0].problems.is_empty(), "{:?}", checked[0].problems);
    assert_eq!(checked[0].body.as_ref().unwrap().stage, 3);
    let cash = checked[1]
        .body
        .as_ref()
        .unwrap()
        .bonus
        .cash
        .clone()
        .unwrap();
    assert_eq!(cash.currency_type, "CNY");
}

#[test]
fn an_empty_excel_wrapper_is_an_empty_cell() {
    let csv = "external_id,referral_user_id,application_id,rule_type,point_bonus,stage\n=\"\",ou_a,1,1,1,1\n";
    let checked = check_text("w.csv", csv);
    assert_eq!(checked[0].problems[0].rule, Rule::Required);
    assert_eq!(
        checked[0].problems[0].column.as_deref(),
        Some("external_id")
    );
}

#[test]
fn validate_explain_says_what_each_converted_value_was_read_as() {
    let wrk = Workdir::new();
    let file = wrk.create("legacy.csv", LEGACY);
    let file = file.to_str().unwrap();
    let args = [
        "validate",
        file,
        "--header-row",
        "2",
        "--timezone",
        "Asia/Shanghai",
        "--explain",
        "1",
    ];
    let output = wrk.command(&args).assert().code(0).get_output().clone();
    let text = String::from_utf8(output.stdout).unwrap();
    let expected = [
        r#"LEGACY:3, column 投递ID (application_id): "=\"7214000000000001031\"" read as 7214000000000001031"#,
        r#"LEGACY:3, column 奖励类型 (rule_type): "入职奖励" read as 1"#,
        r#"LEGACY:3, column 发放形式 (bonus_type): "现金" read as 2"#,
        r#"LEGACY:3, column 币种 (currency_type): "人民币" read as CNY"#,
        r#"LEGACY:3, column 金额 (amount): "¥1,000.00" read as 1000"#,
        r#"LEGACY:3, column 奖励状态 (stage): "已发放" read as 3"#,
        r#"LEGACY:3, column 奖励产生时间 (create_time): "2024-01-08 13:24" read as 1704691440000 (2024-01-08 13:24 in Asia/Shanghai)"#,
        r#"LEGACY:3, column 发放时间 (pay_time): "2024年2月1日" read as 1706716800000 (2024-02-01 00:00 in Asia/Shanghai)"#,
        &format!("{file}: 3 rows: 3 valid, 0 invalid, 0 warnings"),
    ];
    let expected: Vec<String> = expected
        .iter()
        .map(|line| line.replace("LEGACY", file))
        .collect();
    assert_eq!(text.lines().collect::<Vec<_>>(), expected);

    // The default is a few rows; the JSON report carries the readings too.
    let output = wrk
        .command(&[
            "validate",
            file,
            "--header-row",
            "2",
            "--timezone",
            "Asia/Shanghai",
            "--explain",
            "--json",
        ])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let explained = json["explained"].as_array().unwrap();
    assert!(explained.iter().any(|e| e["line"] == 5
        && e["column"] == "币种 (currency_type)"
        && e["value"] == "(empty)"
        && e["read_as"] == "CNY (from the amount's mark: \"1000.5元\")"));
}

#[test]
fn without_a_time_zone_validate_stops_at_the_first_time_that_needs_one() {
    let wrk = Workdir::new();
    let file = wrk.create("legacy.csv", LEGACY);
    wrk.command(&["validate", file.to_str().unwrap(), "--header-row", "2"])
        .assert()
        .code(2)
        .stderr(contains(format!(
            "{}:3: column 奖励产生时间 (create_time): \"2024-01-08 13:24\" has no offset and no time zone is set to read it in; give one with --timezone (e.g. --timezone Asia/Shanghai)",
            file.display()
        )));
}

#[test]
fn without_a_time_zone_import_sends_nothing() {
    let live = Live::fast();
    let wrk = Workdir::new();
    let file = wrk.create("legacy.csv", LEGACY);
    live.command(
        &wrk,
        &[
            "import",
            file.to_str().unwrap(),
            "--header-row",
            "2",
            "--no-progress",
        ],
    )
    .assert()
    .code(2)
    .stderr(contains("--timezone Asia/Shanghai"));
    assert_eq!(live.sandbox.summary().reward_receipts, 0);

    // With the zone, the same file imports as it is.
    live.command(
        &wrk,
        &[
            "import",
            file.to_str().unwrap(),
            "--header-row",
            "2",
            "--timezone",
            "Asia/Shanghai",
            "--no-progress",
        ],
    )
    .assert()
    .code(0);
    assert_eq!(live.sandbox.summary().reward_receipts, 3);
}

#[test]
fn an_unknown_time_zone_is_refused_with_a_suggestion() {
    let wrk = Workdir::new();
    let file = wrk.create("legacy.csv", LEGACY);
    wrk.command(&[
        "validate",
        file.to_str().unwrap(),
        "--timezone",
        "Asia/Shanghia",
    ])
    .assert()
    .code(2)
    .stderr(contains(
        "--timezone: unknown time zone \"Asia/Shanghia\"; give an IANA time zone name such as Asia/Shanghai (did you mean Asia/Shanghai?)",
    ));
}

#[test]
fn a_mapping_file_mistake_names_its_line() {
    let wrk = Workdir::new();
    let file = wrk.create("legacy.csv", LEGACY);
    let map = wrk.create(
        "m.toml",
        "[source]\nheader_row = 2\n\n[values.rule_type]\n\"入职\" = 7\n",
    );
    wrk.command(&[
        "validate",
        file.to_str().unwrap(),
        "--map",
        map.to_str().unwrap(),
    ])
    .assert()
    .code(2)
    .stderr(contains(format!(
        "{}:5: [values.rule_type] maps \"入职\" to a value it cannot take: \"7\" is not a rule_type",
        map.display()
    )));
}

#[test]
fn generated_legacy_rows_give_the_generated_canonical_bodies() {
    let rows = 240;
    let mut canonical = Vec::new();
    rewardsync_testdata::write_rows(&mut canonical, rows, "G").unwrap();
    let mut legacy = Vec::new();
    rewardsync_testdata::write_legacy_rows(&mut legacy, rows, "G").unwrap();
    let canonical = bodies(&check_text(
        "c.csv",
        std::str::from_utf8(&canonical).unwrap(),
    ));
    let legacy = bodies(&check_text_with(
        "l.csv",
        std::str::from_utf8(&legacy).unwrap(),
        &shanghai(),
    ));
    assert_eq!(legacy.len(), rows as usize);
    assert_eq!(legacy, canonical);
}

#[test]
fn workbook_cells_of_the_wrong_kind_are_refused_by_name() {
    use rust_xlsxwriter::{Format, Formula, Workbook};
    let wrk = Workdir::new();
    let path = wrk.path("kinds.xlsx");
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    let date = Format::new().set_num_format("yyyy-mm-dd");
    let header = [
        "external_id",
        "referral_user_id",
        "application_id",
        "rule_type",
        "point_bonus",
        "stage",
        "create_time",
    ];
    for (c, name) in header.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    let base = |sheet: &mut rust_xlsxwriter::Worksheet, row: u32, id: &str| {
        sheet.write_string(row, 0, id).unwrap();
        sheet.write_string(row, 1, "ou_a").unwrap();
        sheet.write_string(row, 2, "7214000000000001031").unwrap();
        sheet.write_number(row, 3, 1).unwrap();
        sheet.write_number(row, 4, 100).unwrap();
        sheet.write_number(row, 5, 1).unwrap();
    };
    // Row 2: a date cell in an id column; row 3: an error value; row 4: true/false as stage;
    // row 5: a 15-digit number id and a date cell for a time, both fine.
    base(sheet, 1, "K-1");
    sheet
        .write_number_with_format(1, 2, 45299.0, &date)
        .unwrap();
    base(sheet, 2, "K-2");
    sheet
        .write_formula(2, 4, Formula::new("=NA()").set_result("#N/A"))
        .unwrap();
    base(sheet, 3, "K-3");
    sheet.write_boolean(3, 5, true).unwrap();
    base(sheet, 4, "K-4");
    sheet.write_number(4, 2, 123_456_789_012_345.0).unwrap();
    sheet
        .write_number_with_format(4, 6, 45299.5, &date)
        .unwrap();
    book.save(&path).unwrap();

    let options = InputOptions {
        timezone: Some(Zone::parse("Asia/Shanghai").unwrap()),
        ..InputOptions::default()
    };
    let mut file = rewardsync::read::mapping::RewardFile::open(&path, &options).unwrap();
    let mut validator = rewardsync::read::validate::Validator::for_file(&file);
    let mut rows = Vec::new();
    while let Some((_, checked)) = validator.next(&mut file).unwrap() {
        rows.push(checked);
    }
    let only = |i: usize| {
        assert_eq!(rows[i].problems.len(), 1, "{:?}", rows[i].problems);
        let p = &rows[i].problems[0];
        (p.rule, p.column.clone().unwrap(), p.message.clone())
    };
    assert_eq!(
        only(0),
        (
            Rule::CellKind,
            "application_id".to_owned(),
            "the date cell \"2024-01-08 00:00:00\" is not an id; format the column as Text in the workbook and type the value again".to_owned()
        )
    );
    assert_eq!(
        only(1),
        (
            Rule::ExcelError,
            "point_bonus".to_owned(),
            "holds Excel's error value \"#N/A\" (a formula that did not compute); fix it in the workbook, or type the value".to_owned()
        )
    );
    assert_eq!(only(2).0, Rule::CellKind);
    assert!(
        only(2)
            .2
            .starts_with("the true/false cell \"TRUE\" is not a number")
    );
    let body = rows[3].body.as_ref().expect("valid");
    assert_eq!(body.application_id.as_deref(), Some("123456789012345"));
    // 2024-01-08 12:00 in Shanghai.
    assert_eq!(body.create_time.as_deref(), Some("1704686400000"));
}
