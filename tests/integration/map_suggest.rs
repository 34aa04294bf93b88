//! `rewardsync map suggest FILE`: legacy exports built here (CSV text, a GBK file, an
//! `.xlsx`), the suggested mapping file read back with `MapFile::parse`, then the export
//! validated with it, and what a user would notice checked: the exit code, how many rows
//! are valid, and what is left to fix.

use predicates::str::contains;
use rust_xlsxwriter::{ExcelDateTime, Format};

use rewardsync::read::field::Field;
use rewardsync::read::mapping::MapFile;

use crate::common::Workdir;
use crate::workbook_read::{strings, xlsx};

/// A legacy export as it comes: a title row, headers rewardsync does not know, the
/// export's own labels, money with a mark and separators, times without a zone.
const LEGACY: &str = "\
2024年1月 内推奖励明细,,,,,,,
奖励编号,推荐人ID,投递编号,奖励类型,状态,奖励金额(元),发放日期,部门
R001,ou_1,a1,入职奖,已打款,\"¥1,000.00\",2024-01-08 13:24,技术部
R002,ou_2,a2,面试奖,已打款,¥200.00,2024-01-09 10:00,销售部
R003,ou_3,a3,入职奖励,已发放,\"¥1,500.00\",2024-01-10 09:30,技术部
";

/// Runs `map suggest ARGS…` in `wrk`: the file it printed, and that file read back.
fn suggest(wrk: &Workdir, args: &[&str]) -> (String, MapFile) {
    let mut command = vec!["map", "suggest"];
    command.extend_from_slice(args);
    let output = wrk.command(&command).assert().code(0).get_output().clone();
    let text = String::from_utf8(output.stdout).expect("UTF-8");
    let map = MapFile::parse("mapping.toml".into(), &text)
        .unwrap_or_else(|e| panic!("the suggestion does not parse: {e}\n{text}"));
    (text, map)
}

/// Saves `text` as mapping.toml and validates `file` with it: exit code and stdout.
fn validate(wrk: &Workdir, file: &str, text: &str) -> (i32, String) {
    wrk.create("mapping.toml", text);
    let output = wrk
        .command(&["validate", file, "--map", "mapping.toml"])
        .output()
        .expect("validate runs");
    let code = output.status.code().expect("an exit code");
    let stdout = String::from_utf8(output.stdout).expect("UTF-8");
    let stderr = String::from_utf8(output.stderr).expect("UTF-8");
    assert!(code != 2, "validate stopped: {stderr}\n{text}");
    (code, stdout)
}

fn column(map: &MapFile, field: Field) -> Option<&str> {
    map.columns
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, header)| header.value.as_str())
}

fn value(map: &MapFile, field: Field, from: &str) -> Option<String> {
    map.values
        .iter()
        .find(|(f, _)| *f == field)?
        .1
        .iter()
        .find(|(key, _)| key == from)
        .map(|(_, to)| to.value.clone())
}

fn default(map: &MapFile, field: Field) -> Option<&str> {
    map.defaults
        .iter()
        .find(|(f, _)| *f == field)
        .map(|(_, v)| v.value.as_str())
}

#[test]
fn a_legacy_export_validates_with_the_suggested_mapping_and_no_edits() {
    let wrk = Workdir::new();
    wrk.create("legacy.csv", LEGACY);
    let (text, map) = suggest(&wrk, &["legacy.csv"]);

    assert_eq!(map.source.header_row, Some(2), "the title row is skipped");
    assert_eq!(
        map.source.timezone.as_ref().map(|z| z.value.name()),
        Some("Asia/Shanghai")
    );
    assert_eq!(
        map.source
            .ignore_columns
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>(),
        ["部门"]
    );
    assert_eq!(column(&map, Field::ExternalId), Some("奖励编号"));
    assert_eq!(column(&map, Field::ReferralUserId), Some("推荐人ID"));
    assert_eq!(column(&map, Field::ApplicationId), Some("投递编号"));
    assert_eq!(column(&map, Field::Stage), Some("状态"));
    assert_eq!(column(&map, Field::Amount), Some("奖励金额(元)"));
    assert_eq!(column(&map, Field::PayTime), Some("发放日期"));
    // 奖励类型 is a documented label: read without an entry, listed as a comment.
    assert_eq!(column(&map, Field::RuleType), None);
    assert!(
        text.contains("# 奖励类型 → rule_type (a documented label)"),
        "{text}"
    );
    assert_eq!(value(&map, Field::RuleType, "入职奖").as_deref(), Some("1"));
    assert_eq!(value(&map, Field::RuleType, "面试奖").as_deref(), Some("2"));
    assert_eq!(
        value(&map, Field::RuleType, "入职奖励"),
        None,
        "already a label"
    );
    assert_eq!(value(&map, Field::Stage, "已打款").as_deref(), Some("3"));
    // The header's 元 names the currency; amounts and no points make the rewards cash.
    assert_eq!(default(&map, Field::CurrencyType), Some("CNY"));
    assert_eq!(default(&map, Field::BonusType), Some("2"));
    assert!(
        text.starts_with("# Mapping file for legacy.csv, suggested by `rewardsync map suggest`"),
        "{text}"
    );
    assert!(
        text.contains("#   rewardsync validate legacy.csv --map mapping.toml --explain"),
        "{text}"
    );

    let (code, stdout) = validate(&wrk, "legacy.csv", &text);
    assert_eq!(code, 0, "{stdout}\n{text}");
    assert!(
        stdout.contains("legacy.csv: 3 rows: 3 valid, 0 invalid, 0 warnings"),
        "{stdout}"
    );
}

#[test]
fn snapshot_of_a_suggested_mapping_file() {
    let wrk = Workdir::new();
    wrk.create("legacy.csv", LEGACY);
    let (text, _) = suggest(&wrk, &["legacy.csv"]);
    insta::assert_snapshot!(text);
}

#[test]
fn a_close_match_tie_goes_to_the_first_column_and_the_other_is_ignored() {
    let wrk = Workdir::new();
    wrk.create(
        "tie.csv",
        "奖励ID,推荐人ID,投递ID,奖励类型,奖励状态,积分,发放日期,打款日期\n\
         E1,ou_1,a1,入职,已发放,100,2024-01-08,2024-01-09\n",
    );
    let (text, map) = suggest(&wrk, &["tie.csv"]);
    assert_eq!(column(&map, Field::PayTime), Some("发放日期"));
    assert_eq!(
        map.source
            .ignore_columns
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>(),
        ["打款日期"]
    );
    assert!(
        text.contains("# looks like pay_time as much as 发放日期 does"),
        "{text}"
    );
    let (code, stdout) = validate(&wrk, "tie.csv", &text);
    assert_eq!(code, 0, "{stdout}");
    assert!(stdout.contains("1 row: 1 valid"), "{stdout}");
}

#[test]
fn a_documented_label_beats_a_close_match_for_the_same_field() {
    let wrk = Workdir::new();
    wrk.create(
        "two.csv",
        "奖励编号,奖励ID,推荐人ID,投递ID,奖励类型,奖励状态,积分\n\
         R1,E1,ou_1,a1,入职,已发放,100\n",
    );
    let (text, map) = suggest(&wrk, &["two.csv"]);
    assert_eq!(column(&map, Field::ExternalId), None);
    assert_eq!(
        map.source
            .ignore_columns
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>(),
        ["奖励编号"]
    );
    assert!(text.contains("but 奖励ID is a better match"), "{text}");
    let (code, _) = validate(&wrk, "two.csv", &text);
    assert_eq!(code, 0);
}

#[test]
fn an_enum_value_that_matches_nothing_is_asked_for_and_then_refused() {
    let wrk = Workdir::new();
    wrk.create(
        "odd.csv",
        "奖励ID,内推人ID,投递ID,类型,奖励状态,积分\n\
         E1,ou_1,a1,入职奖,待审核,100\n\
         E2,ou_2,a2,奇怪值,已发放,100\n\
         E3,ou_3,a3,到面奖,已驳回,100\n",
    );
    let (text, map) = suggest(&wrk, &["odd.csv"]);
    assert_eq!(column(&map, Field::RuleType), Some("类型"));
    assert_eq!(value(&map, Field::RuleType, "入职奖").as_deref(), Some("1"));
    assert_eq!(value(&map, Field::RuleType, "到面奖").as_deref(), Some("2"));
    assert_eq!(value(&map, Field::Stage, "待审核").as_deref(), Some("1"));
    // Asked for, as a comment the file still parses with.
    assert_eq!(value(&map, Field::RuleType, "奇怪值"), None);
    assert!(
        text.contains(
            "# \"奇怪值\" = ?  # 1 row: which rule_type? 1 onboard (入职奖励), 2 process (过程奖励)"
        ),
        "{text}"
    );
    // A rejected reward has no stage: asked for too, never guessed.
    assert_eq!(value(&map, Field::Stage, "已驳回"), None);
    assert!(text.contains("# \"已驳回\" = ?"), "{text}");

    let (code, stdout) = validate(&wrk, "odd.csv", &text);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("odd.csv:3: column 类型 (rule_type): \"奇怪值\" is not a rule_type"),
        "{stdout}"
    );
    assert!(
        stdout.contains("odd.csv:4: column 奖励状态 (stage): \"已驳回\" is not a stage"),
        "{stdout}"
    );
    assert!(
        stdout.contains("odd.csv: 3 rows: 1 valid, 2 invalid"),
        "{stdout}"
    );
}

#[test]
fn ambiguous_dates_get_a_commented_date_format_that_reads_them_once_uncommented() {
    let wrk = Workdir::new();
    wrk.create(
        "dates.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励状态,积分,确认日期\n\
         E1,ou_1,a1,入职,已确认,100,1/8/2024\n\
         E2,ou_2,a2,入职,已确认,100,1/13/2024\n",
    );
    let (text, map) = suggest(&wrk, &["dates.csv"]);
    assert_eq!(column(&map, Field::ConfirmTime), Some("确认日期"));
    assert_eq!(map.source.date_format, None, "never decided for the user");
    assert!(
        text.contains(
            "# date_format = \"%m/%d/%Y\"  # 确认日期 has 2 dates whose day and month could be either way round; month first, as \"1/13/2024\" on line 3 can only be read"
        ),
        "{text}"
    );
    // Once the dates can be read they need a zone: proposed already.
    assert!(map.source.timezone.is_some(), "{text}");

    let (code, stdout) = validate(&wrk, "dates.csv", &text);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("\"1/8/2024\" could be 2024-01-08 (month first) or 2024-08-01 (day first)"),
        "{stdout}"
    );
    let uncommented = text.replace("# date_format", "date_format");
    let (code, stdout) = validate(&wrk, "dates.csv", &uncommented);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn dates_that_read_both_ways_name_the_row_of_their_example() {
    let wrk = Workdir::new();
    wrk.create(
        "both.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励状态,积分,确认日期\n\
         E1,ou_1,a1,入职,已确认,100,\n\
         E2,ou_2,a2,入职,已确认,100,3/4/2024\n\
         E3,ou_3,a3,入职,已确认,100,5/6/2024\n",
    );
    let (text, _) = suggest(&wrk, &["both.csv"]);
    assert!(
        text.contains(
            "确认日期 has 2 dates whose day and month could be either way round; every one reads both ways (e.g. \"3/4/2024\" on line 3)"
        ),
        "{text}"
    );
}

#[test]
fn headers_with_quotes_and_equals_signs_round_trip_through_toml() {
    let wrk = Workdir::new();
    wrk.create(
        "quotes.csv",
        "\"奖励\"\"编号\"\"\",推荐人ID,投递ID,奖励类型,奖励状态,积分,\"备注 = \"\"内部\"\" \\ 说明\"\n\
         E1,ou_1,a1,入职,已发放,100,x\n",
    );
    let (text, map) = suggest(&wrk, &["quotes.csv"]);
    assert_eq!(column(&map, Field::ExternalId), Some("奖励\"编号\""));
    assert_eq!(
        column(&map, Field::Comment),
        Some("备注 = \"内部\" \\ 说明")
    );
    assert!(text.contains(r#"external_id = "奖励\"编号\"""#), "{text}");
    let (code, stdout) = validate(&wrk, "quotes.csv", &text);
    assert_eq!(code, 0, "{stdout}\n{text}");
}

#[test]
fn a_workbook_gets_its_sheet_header_row_and_zone() {
    let wrk = Workdir::new();
    xlsx(&wrk, "book.xlsx", |book| {
        let notes = book.add_worksheet();
        notes.set_name("说明").unwrap();
        strings(notes, 0, &["exported by the legacy system"]);
        let sheet = book.add_worksheet();
        sheet.set_name("奖励明细").unwrap();
        strings(sheet, 0, &["内推奖励导出"]);
        strings(
            sheet,
            1,
            &[
                "奖励编号",
                "推荐人",
                "人才ID",
                "奖励类型",
                "发放状态",
                "积分",
                "入职日期",
            ],
        );
        let day = Format::new().set_num_format("yyyy-mm-dd");
        for (i, (id, rule)) in [("R1", "入职奖"), ("R2", "其他")].iter().enumerate() {
            let row = i as u32 + 2;
            strings(sheet, row, &[id, &format!("ou_{i}"), "t1", rule, "已支付"]);
            sheet.write_number(row, 5, 100.0).unwrap();
            let date = ExcelDateTime::from_ymd(2024, 1, 8 + i as u8).unwrap();
            sheet
                .write_datetime_with_format(row, 6, &date, &day)
                .unwrap();
        }
    });
    let (text, map) = suggest(&wrk, &["book.xlsx", "--sheet", "2"]);
    assert_eq!(
        map.source.sheet,
        Some(rewardsync::read::source::SheetChoice::Name(
            "奖励明细".into()
        ))
    );
    assert_eq!(map.source.header_row, Some(2));
    assert!(map.source.timezone.is_some(), "date cells need a zone");
    assert_eq!(column(&map, Field::ReferralUserId), Some("推荐人"));
    assert_eq!(column(&map, Field::Stage), Some("发放状态"));
    assert_eq!(column(&map, Field::OnboardTime), Some("入职日期"));
    assert_eq!(value(&map, Field::Stage, "已支付").as_deref(), Some("3"));
    assert!(
        text.contains("referral_user_id = \"推荐人\"  # sure: 推荐人 is the referrer; every value is a Feishu user id"),
        "{text}"
    );

    let (code, stdout) = validate(&wrk, "book.xlsx", &text);
    assert_eq!(code, 0, "{stdout}\n{text}");
    assert!(stdout.contains("2 rows: 2 valid"), "{stdout}");
}

#[test]
fn gbk_and_a_semicolon_are_written_into_the_source_table() {
    let wrk = Workdir::new();
    let text = "奖励编号;推荐人ID;投递ID;奖励类型;奖励状态;积分\nE1;ou_1;a1;入职;已发放;100\n";
    let (bytes, _, _) = encoding_rs::GB18030.encode(text);
    wrk.create("gbk.csv", bytes);
    let (text, map) = suggest(&wrk, &["gbk.csv"]);
    assert_eq!(
        map.source.encoding,
        Some(rewardsync::read::source::EncodingChoice::Gbk)
    );
    assert_eq!(map.source.delimiter, Some(b';'));
    let (code, stdout) = validate(&wrk, "gbk.csv", &text);
    assert_eq!(code, 0, "{stdout}\n{text}");
}

#[test]
fn money_the_file_does_not_name_is_asked_for_not_decided() {
    let wrk = Workdir::new();
    wrk.create(
        "money.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励状态,金额\nE1,ou_1,a1,入职,已发放,¥100\n",
    );
    let (text, map) = suggest(&wrk, &["money.csv"]);
    assert_eq!(default(&map, Field::CurrencyType), None);
    assert!(
        text.contains("# currency_type = \"CNY\"  # no column gives the currency, and ¥ or $ does not say which"),
        "{text}"
    );
    let (code, stdout) = validate(&wrk, "money.csv", &text);
    assert_eq!(code, 1);
    assert!(
        stdout
            .contains("column currency_type: is empty; it is required when bonus_type is 2 (cash)"),
        "{stdout}"
    );
}

#[test]
fn a_column_is_found_by_its_values_when_its_name_says_nothing() {
    let wrk = Workdir::new();
    wrk.create(
        "values.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,结果,积分\n\
         E1,ou_1,a1,入职,已发放,100\n\
         E2,ou_2,a2,入职,待确认,100\n",
    );
    let (text, map) = suggest(&wrk, &["values.csv"]);
    assert_eq!(column(&map, Field::Stage), Some("结果"));
    assert!(
        text.contains("# likely: its values are all stage labels (\"已发放\", \"待确认\")"),
        "{text}"
    );
    let (code, _) = validate(&wrk, "values.csv", &text);
    assert_eq!(code, 0);
}

#[test]
fn unreadable_input_exits_2_naming_the_file() {
    let wrk = Workdir::new();
    wrk.command(&["map", "suggest", "missing.csv"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(contains("missing.csv: no such file"));

    let mut rows = String::new();
    for i in 0..30 {
        rows.push_str(&format!("x{i},y{i},z{i}\n"));
    }
    wrk.create("nothing.csv", rows);
    wrk.command(&["map", "suggest", "nothing.csv"])
        .assert()
        .code(2)
        .stderr(contains(
            "nothing.csv: no header found: rows 1 to 20 hold no column name",
        ))
        .stderr(contains("pass --header-row N"));

    xlsx(&wrk, "book.xlsx", |book| {
        let sheet = book.add_worksheet();
        sheet.set_name("奖励明细").unwrap();
        strings(sheet, 0, &["奖励ID"]);
    });
    wrk.command(&["map", "suggest", "book.xlsx", "--sheet", "Rewards"])
        .assert()
        .code(2)
        .stderr(contains(
            "book.xlsx: there is no sheet \"Rewards\"; the workbook's sheets are \"奖励明细\"",
        ));
}

/// Two columns of one name: the suggestion maps the first and skips the other by naming
/// both under `[columns]` and `ignore_columns`, which a mapping may do while the header
/// has another column of the name (only a lone column both read and skipped is refused).
#[test]
fn two_columns_of_one_name_keep_the_first_and_skip_the_other() {
    let wrk = Workdir::new();
    wrk.create(
        "dup.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励状态,积分,备注,备注\n\
         E1,ou_1,a1,入职,已发放,100,first,second\n",
    );
    let (text, map) = suggest(&wrk, &["dup.csv"]);
    assert_eq!(column(&map, Field::Comment), Some("备注"), "{text}");
    assert_eq!(
        map.source
            .ignore_columns
            .iter()
            .map(|c| c.value.as_str())
            .collect::<Vec<_>>(),
        ["备注"],
        "{text}"
    );
    let (code, stdout) = validate(&wrk, "dup.csv", &text);
    assert_eq!(code, 0, "{stdout}");
}

#[test]
fn a_status_column_with_voided_rewards_gets_a_skip_line_that_leaves_them_out() {
    let wrk = Workdir::new();
    wrk.create(
        "voided.csv",
        "奖励ID,内推人ID,投递ID,奖励类型,奖励状态,积分,发放状态\n\
         E1,ou_1,a1,入职,已确认,100,已发放\n\
         E2,ou_2,a2,入职,已确认,100,作废\n\
         E3,ou_3,a3,入职,已确认,100, 已撤销 \n\
         E4,ou_4,a4,入职,已确认,100,已发放\n",
    );
    let (text, map) = suggest(&wrk, &["voided.csv"]);
    assert!(
        text.contains(
            "[skip]\n\"发放状态\" = [\"作废\", \"已撤销\"]  # 2 rows say they were voided: left out, counted as skipped (delete the line to import them)"
        ),
        "{text}"
    );
    assert_eq!(map.skip.len(), 1, "{text}");
    let (code, stdout) = validate(&wrk, "voided.csv", &text);
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("voided.csv: 4 rows: 2 valid, 0 invalid, 2 skipped, 0 warnings"),
        "{stdout}"
    );
    assert!(
        stdout.contains("voided.csv:3: skipped: column 发放状态 is \"作废\", which the mapping's [skip] leaves out"),
        "{stdout}"
    );
}
