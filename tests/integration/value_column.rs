//! One value column for cash and points (SPEC §2.4): a legacy 金额（元） column holding
//! the amount on 现金 rows and the points on 积分 rows, mapped as `value`. Checked as a
//! user meets it: the bodies `import --dry-run` would send, validate's exit code and
//! messages, `--explain`, the errors file, and `map suggest`.

use predicates::str::contains;

use rewardsync::read::field::Field;
use rewardsync::read::mapping::{InputOptions, MapFile};

use crate::common::{Workdir, check_text_with};

/// An export as it comes: a title row, Chinese headers, 奖励方式 saying 现金 or 积分 (or
/// nothing: points), one money column for both.
const EXPORT: &str = "\
内推奖励明细（2024年1月）,,,,,,
奖励ID,内推人ID,投递ID,奖励类型,奖励方式,金额（元）,奖励状态
R-1,ou_a,7214000000000001031,入职奖励,现金,\"¥8,000.00\",已确认
R-2,ou_a,7214000000000001032,入职奖励,积分,100积分,已确认
R-3,ou_b,7214000000000001033,过程奖励,现金,500.5,已发放
R-4,ou_b,7214000000000001034,过程奖励,,\"1,200\",待确认
";

/// The same rewards with separate amount and point_bonus columns.
const SEPARATE: &str = "\
external_id,referral_user_id,application_id,rule_type,bonus_type,point_bonus,currency_type,amount,stage
R-1,ou_a,7214000000000001031,1,2,,CNY,8000,2
R-2,ou_a,7214000000000001032,1,1,100,,,2
R-3,ou_b,7214000000000001033,2,2,,CNY,500.5,3
R-4,ou_b,7214000000000001034,2,,1200,,,1
";

const MAPPING: &str = "\
[source]
header_row = 2

[columns]
bonus_type = \"奖励方式\"
value = \"金额（元）\"

[defaults]
currency_type = \"CNY\"
";

/// Runs `rewardsync ARGS…` in `wrk`: exit code, stdout, stderr.
fn run(wrk: &Workdir, args: &[&str]) -> (i32, String, String) {
    let output = wrk.command(args).output().expect("rewardsync runs");
    (
        output.status.code().expect("an exit code"),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

/// The bodies `import --dry-run ARGS…` would send, in file order.
fn would_send(wrk: &Workdir, args: &[&str]) -> Vec<String> {
    let mut command = vec!["import"];
    command.extend_from_slice(args);
    command.push("--dry-run");
    let (code, stdout, stderr) = run(wrk, &command);
    assert_eq!(code, 0, "{stdout}{stderr}");
    stdout
        .lines()
        .filter_map(|line| line.trim().strip_prefix("would send: "))
        .map(str::to_owned)
        .collect()
}

#[test]
fn a_value_column_sends_the_bodies_separate_columns_send() {
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    wrk.create("mapping.toml", MAPPING);
    wrk.create("separate.csv", SEPARATE);
    let by_value = would_send(&wrk, &["export.csv", "--map", "mapping.toml"]);
    let separate = would_send(&wrk, &["separate.csv"]);
    assert_eq!(by_value, separate);
    assert_eq!(
        by_value,
        [
            r#"{"referral_user_id":"ou_a","external_id":"R-1","application_id":"7214000000000001031","rule_type":1,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":8000}},"stage":2}"#,
            r#"{"referral_user_id":"ou_a","external_id":"R-2","application_id":"7214000000000001032","rule_type":1,"bonus":{"bonus_type":1,"point_bonus":100},"stage":2}"#,
            r#"{"referral_user_id":"ou_b","external_id":"R-3","application_id":"7214000000000001033","rule_type":2,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":500.5}},"stage":3}"#,
        ]
    );
}

/// Every row's canonical JSON (what is sent, and what the ledger hashes).
fn canonical(name: &str, csv: &str, map: Option<&str>) -> Vec<String> {
    let options = InputOptions {
        map: map
            .map(|text| MapFile::parse("mapping.toml".into(), text).expect("the mapping reads")),
        ..InputOptions::default()
    };
    check_text_with(name, csv, &options)
        .into_iter()
        .map(|checked| {
            assert!(checked.errors().next().is_none(), "{:?}", checked.problems);
            checked
                .body
                .expect("a valid row has a body")
                .to_canonical_json()
        })
        .collect()
}

#[test]
fn every_row_read_by_value_is_byte_identical_to_separate_columns() {
    let by_value = canonical("export.csv", EXPORT, Some(MAPPING));
    assert_eq!(by_value.len(), 4);
    assert_eq!(by_value, canonical("separate.csv", SEPARATE, None));
    // The row whose bonus_type is empty is points.
    assert_eq!(
        by_value[3],
        r#"{"referral_user_id":"ou_b","external_id":"R-4","application_id":"7214000000000001034","rule_type":2,"bonus":{"bonus_type":1,"point_bonus":1200},"stage":1}"#
    );
}

#[test]
fn a_header_named_value_needs_no_mapping() {
    let wrk = Workdir::new();
    wrk.create(
        "plain.csv",
        "external_id,referral_user_id,application_id,rule_type,bonus_type,currency_type,Value,stage\n\
         R-1,ou_a,7214000000000001031,1,2,CNY,8000,2\n\
         R-2,ou_a,7214000000000001032,1,1,,100积分,2\n",
    );
    wrk.create("separate.csv", SEPARATE);
    let by_value = would_send(&wrk, &["plain.csv"]);
    assert_eq!(by_value, would_send(&wrk, &["separate.csv"])[..2]);
}

#[test]
fn the_value_of_the_other_bonus_type_is_an_error_of_its_row() {
    let wrk = Workdir::new();
    wrk.create(
        "export.csv",
        format!(
            "{EXPORT}R-5,ou_c,7214000000000001035,入职奖励,现金,100积分,已确认\n\
             R-6,ou_c,7214000000000001036,入职奖励,积分,¥50,已确认\n\
             R-7,ou_c,7214000000000001037,入职奖励,,100.5,已确认\n\
             R-8,ou_c,7214000000000001038,入职奖励,积分,,已确认\n"
        ),
    );
    wrk.create("mapping.toml", MAPPING);
    let (code, stdout, stderr) = run(
        &wrk,
        &[
            "validate",
            "export.csv",
            "--map",
            "mapping.toml",
            "--errors",
            "errors.csv",
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    let cash_row = "column 金额（元） (value): \"100积分\" is marked 积分, as points are, but this row's bonus_type is 2 (cash), so the value is its amount: write the cash amount without 积分 (e.g. 100 or ¥100.00), or make the row's bonus_type 1 (points)";
    let points_row = "column 金额（元） (value): \"¥50\" is a cash amount (it has a currency mark), but this row's bonus_type is 1 (points), so the value is its number of points: write a whole number of points (e.g. 100 or 100积分), or make the row's bonus_type 2 (cash)";
    let empty_type = "column 金额（元） (value): \"100.5\" has decimals, as a cash amount may and points may not, but this row's bonus_type is 1 (points) (an empty bonus_type means points), so the value is its number of points: write a whole number of points (e.g. 100 or 100积分), or make the row's bonus_type 2 (cash)";
    let missing =
        "column 金额（元） (value): is empty; it is required when bonus_type is 1 (points)";
    for (line, message) in [
        (7, cash_row),
        (8, points_row),
        (9, empty_type),
        (10, missing),
    ] {
        assert!(
            stdout.contains(&format!("export.csv:{line}: {message}\n")),
            "line {line}: {stdout}"
        );
    }
    assert!(
        stdout.contains("export.csv: 8 rows: 4 valid, 4 invalid"),
        "{stdout}"
    );
    let errors = std::fs::read_to_string(wrk.path("errors.csv")).expect("the errors file");
    let mut rows = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(errors.as_bytes())
        .into_records()
        .map(|r| r.expect("a CSV record"))
        .filter(|r| r.get(0).is_some_and(|id| id.starts_with("R-")))
        .collect::<Vec<_>>();
    rows.sort_by(|a, b| a[0].cmp(&b[0]));
    let found: Vec<(&str, &str, &str)> = rows
        .iter()
        .map(|r| (&r[0], &r[5], &r[r.len() - 1]))
        .collect();
    assert_eq!(
        found,
        [
            ("R-5", "100积分", cash_row),
            ("R-6", "¥50", points_row),
            ("R-7", "100.5", empty_type),
            ("R-8", "", missing),
        ],
        "{errors}"
    );
}

#[test]
fn explain_says_whether_the_value_was_read_as_amount_or_points() {
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    wrk.create("mapping.toml", MAPPING);
    let (code, stdout, stderr) = run(
        &wrk,
        &[
            "validate",
            "export.csv",
            "--map",
            "mapping.toml",
            "--explain",
        ],
    );
    assert_eq!(code, 0, "{stdout}{stderr}");
    for line in [
        "export.csv:3, column 金额（元） (value): \"¥8,000.00\" read as 8000 (as amount: the row is cash)",
        "export.csv:4, column 金额（元） (value): \"100积分\" read as 100 (as points: the row is points)",
        "export.csv:5, column 金额（元） (value): \"500.5\" read as 500.5 (as amount: the row is cash)",
        "export.csv:6, column 金额（元） (value): \"1,200\" read as 1200 (as points: the row's bonus_type is empty, which means points)",
    ] {
        assert!(stdout.contains(&format!("{line}\n")), "{line}\n{stdout}");
    }
}

#[test]
fn value_beside_amount_or_point_bonus_is_refused_before_any_row() {
    let wrk = Workdir::new();
    // A header: 积分 is point_bonus by its documented label.
    wrk.create(
        "both.csv",
        "external_id,referral_user_id,application_id,rule_type,bonus_type,积分,value,stage\n\
         R-1,ou_a,7214000000000001031,1,1,100,100,2\n",
    );
    wrk.command(&["validate", "both.csv"])
        .assert()
        .code(2)
        .stderr(contains(
            "both.csv:1: column \"value\" gives value (the one column for cash and points, read by each row's bonus_type), and column \"积分\" gives point_bonus; a row's cash or points must come from one place: leave that column out with ignore_columns = [\"积分\"] under [source] in the mapping file, or drop value and keep amount and point_bonus in columns of their own",
        ));
    // A mapping that maps both.
    wrk.create(
        "extra.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励方式,金额（元）,奖金,奖励状态\n\
         R-1,ou_a,7214000000000001031,入职奖励,现金,8000,8000,已确认\n",
    );
    wrk.create(
        "both.toml",
        "[columns]\nbonus_type = \"奖励方式\"\nvalue = \"金额（元）\"\namount = \"奖金\"\n",
    );
    wrk.command(&["validate", "extra.csv", "--map", "both.toml"])
        .assert()
        .code(2)
        .stderr(contains(
            "extra.csv:1: column \"金额（元）\" gives value (the one column for cash and points, read by each row's bonus_type), and column \"奖金\" gives amount; a row's cash or points must come from one place: delete the line amount = \"奖金\" under [columns], or drop value",
        ));
    wrk.create("export.csv", EXPORT);
    // A default.
    wrk.create(
        "mapping.toml",
        MAPPING.replace("currency_type = \"CNY\"", "point_bonus = 10"),
    );
    wrk.command(&["validate", "export.csv", "--map", "mapping.toml"])
        .assert()
        .code(2)
        .stderr(contains(
            "and [defaults] gives point_bonus; a row's cash or points must come from one place: delete point_bonus under [defaults]",
        ));
}

#[test]
fn separate_amount_and_points_columns_keep_their_labels() {
    // 金额 and 积分 stay amount and point_bonus: value takes no Chinese label.
    let wrk = Workdir::new();
    wrk.create(
        "labels.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,发放形式,积分,币种,金额,奖励状态\n\
         R-1,ou_a,7214000000000001031,入职奖励,现金,,人民币,8000,已确认\n\
         R-2,ou_a,7214000000000001032,入职奖励,积分,100,,,已确认\n",
    );
    wrk.create("separate.csv", SEPARATE);
    assert_eq!(
        would_send(&wrk, &["labels.csv"]),
        would_send(&wrk, &["separate.csv"])[..2]
    );
}

/// Runs `map suggest FILE` in `wrk`: the file it printed, and that file read back.
fn suggest(wrk: &Workdir, file: &str) -> (String, MapFile) {
    let output = wrk
        .command(&["map", "suggest", file])
        .assert()
        .code(0)
        .get_output()
        .clone();
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let map = MapFile::parse("mapping.toml".into(), &text)
        .unwrap_or_else(|e| panic!("the suggestion does not parse: {e}\n{text}"));
    (text, map)
}

fn mapped(map: &MapFile, field: Field) -> Option<&str> {
    map.columns
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, header)| header.value.as_str())
}

#[test]
fn map_suggest_proposes_value_for_a_money_column_holding_points() {
    let wrk = Workdir::new();
    wrk.create("export.csv", EXPORT);
    let (text, map) = suggest(&wrk, "export.csv");
    assert_eq!(mapped(&map, Field::Value), Some("金额（元）"), "{text}");
    assert_eq!(mapped(&map, Field::Amount), None, "{text}");
    assert!(
        text.contains("value = \"金额（元）\"     # sure: 金额（元） holds amounts on the 2 cash rows and points on the 2 points rows, e.g. \"100积分\", as 奖励方式 says: one column for both, read by each row's bonus_type (amount alone would refuse the points rows)\n"),
        "{text}"
    );
    wrk.create("mapping.toml", &text);
    let (code, stdout, stderr) = run(&wrk, &["validate", "export.csv", "--map", "mapping.toml"]);
    assert_eq!(code, 0, "{stdout}{stderr}\n{text}");
    assert!(
        stdout.contains("export.csv: 4 rows: 4 valid, 0 invalid, 0 warnings"),
        "{stdout}"
    );
}

#[test]
fn map_suggest_keeps_amount_where_the_money_column_holds_only_cash() {
    // Plain numbers on points rows of a file that has its own 积分 column, and a cash
    // amount on a points row: no value column.
    let wrk = Workdir::new();
    wrk.create(
        "separate.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励方式,积分,金额（元）,奖励状态\n\
         R-1,ou_a,7214000000000001031,入职奖励,现金,,8000,已确认\n\
         R-2,ou_a,7214000000000001032,入职奖励,积分,100积分,,已确认\n",
    );
    let (text, map) = suggest(&wrk, "separate.csv");
    assert_eq!(mapped(&map, Field::Value), None, "{text}");
    assert_eq!(mapped(&map, Field::Amount), Some("金额（元）"), "{text}");
    wrk.create(
        "cash.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励方式,金额（元）,奖励状态\n\
         R-1,ou_a,7214000000000001031,入职奖励,现金,8000,已确认\n\
         R-2,ou_a,7214000000000001032,入职奖励,积分,¥50,已确认\n",
    );
    let (text, map) = suggest(&wrk, "cash.csv");
    assert_eq!(mapped(&map, Field::Value), None, "{text}");
    assert_eq!(mapped(&map, Field::Amount), Some("金额（元）"), "{text}");
}

#[test]
fn a_workbooks_number_cells_are_read_by_the_rows_bonus_type() {
    let wrk = Workdir::new();
    crate::workbook_read::xlsx(&wrk, "export.xlsx", |book| {
        let sheet = book.add_worksheet();
        crate::workbook_read::strings(
            sheet,
            0,
            &[
                "奖励ID",
                "内推人ID",
                "投递ID",
                "奖励类型",
                "奖励方式",
                "金额（元）",
                "奖励状态",
            ],
        );
        for (row, (id, way, value)) in [
            ("R-1", "现金", 8000.5),
            ("R-2", "积分", 100.0),
            ("R-3", "积分", 100.5),
        ]
        .into_iter()
        .enumerate()
        {
            let row = row as u32 + 1;
            crate::workbook_read::strings(
                sheet,
                row,
                &[
                    id,
                    "ou_a",
                    &format!("721400000000000103{row}"),
                    "入职奖励",
                    way,
                ],
            );
            sheet.write_number(row, 5, value).expect("write a cell");
            sheet.write_string(row, 6, "已确认").expect("write a cell");
        }
    });
    wrk.create(
        "mapping.toml",
        MAPPING.replace("header_row = 2", "header_row = 1"),
    );
    let (code, stdout, stderr) = run(
        &wrk,
        &[
            "validate",
            "export.xlsx",
            "--map",
            "mapping.toml",
            "--explain",
        ],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    for line in [
        "export.xlsx[Sheet1]:2, column 金额（元） (value): the number cell \"8000.5\" read as 8000.5 (as amount: the row is cash)\n",
        "export.xlsx[Sheet1]:3, column 金额（元） (value): the number cell \"100\" read as 100 (as points: the row is points)\n",
        "export.xlsx[Sheet1]:4: column 金额（元） (value): the number cell \"100.5\" is not a whole number of points\n",
        "2 valid, 1 invalid",
    ] {
        assert!(stdout.contains(line), "{line}\n{stdout}");
    }
}
