//! `rewardsync validate` through the real binary: exit codes, output, the errors file.

use predicates::prelude::*;
use predicates::str::contains;

use crate::common::{HEADER, Workdir, repo_path};

const GOOD: &str = "E1,ou_a,7214000000000000001,,,1,1,100,,,2,入职,,,,,,,,,";
const GOOD2: &str = "E2,ou_a,,7213000000000000002,,2,2,,CNY,100.5,3,推荐奖励,,,,,,,,,已发放";
const BAD_AMOUNT: &str = "E3,ou_b,7214000000000000003,,,1,2,,CNY,10.005,2,,,,,,,,,,";
const BAD_STAGE: &str = "E4,ou_b,7214000000000000004,,,1,1,50,,,9,,,,,,,,,,";

fn csv(rows: &[&str]) -> String {
    let mut text = format!("{HEADER}\n");
    for row in rows {
        text.push_str(row);
        text.push('\n');
    }
    text
}

fn gbk(text: &str) -> Vec<u8> {
    encoding_rs::GB18030.encode(text).0.into_owned()
}

#[test]
fn valid_sample_exits_0() {
    let wrk = Workdir::new();
    let sample = repo_path("samples/rewards.csv");
    wrk.command(&["validate", sample.to_str().unwrap()])
        .assert()
        .code(0)
        .stdout(contains(
            "rewards.csv: 50 rows: 50 valid, 0 invalid, 0 warnings",
        ));
}

#[test]
fn sample_with_errors_exits_1_with_every_kind_of_error() {
    let wrk = Workdir::new();
    let sample = repo_path("samples/rewards-with-errors.csv");
    let output = wrk
        .command(&["validate", sample.to_str().unwrap()])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(output).unwrap();
    for expected in [
        ":4: column referral_user_id: is empty",
        ":5: column external_id: \"LEGACY-2023-10000\" already appears on line 2",
        ":6: column application_id: \"6.93E+18\" is an id that Excel turned into scientific notation",
        ":7: column amount: \"100.505\" has 3 decimals",
        ":8: column amount: \"-20\" is negative",
        ":9: column point_bonus: \"12.5\" is not a whole number",
        ":10: column point_bonus: \"-100\" is negative",
        ":11: column create_time: \"1704720275\" looks like epoch seconds",
        ":12: column create_time: \"1/8/2024\" could be 2024-01-08 (month first) or 2024-08-01 (day first)",
        ":13: column rule_type: \"7\" is not a rule_type",
        ":14: column stage: \"4\" is not a stage",
        ":15: column bonus_type: \"3\" is not a bonus_type",
        ":16: column currency_type: is empty; it is required when bonus_type is 2",
        ":17: column amount: is empty; it is required when bonus_type is 2",
        ":18: column application_id: application_id and talent_id are both empty",
        ":19: column currency_type: unknown currency \"CNH\"",
        ":20: column pay_time: warning: is for paid rewards",
        ":23: the row has 6 fields but the header has 21",
        "rewards-with-errors.csv: 24 rows: 7 valid, 17 invalid, 1 warning\n",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in:\n{text}");
    }
}

#[test]
fn unreadable_inputs_exit_2_with_one_line() {
    let wrk = Workdir::new();
    wrk.create("empty.csv", "");
    wrk.create("unknown.csv", format!("{HEADER},bonus\n"));
    wrk.create(
        "missing.csv",
        "external_id,referral_user_id,application_id,stage\n",
    );
    wrk.create("book.xlsx", b"PK\x03\x04\x14\x00\x06\x00");
    std::fs::create_dir(wrk.path("exports")).unwrap();
    wrk.create("tabs.csv", "external_id,referral\tuser_id,stage\n");
    wrk.create("nul.csv", "external_id,referral_\0user_id\n");
    let utf16: Vec<u8> = format!("{HEADER}\n")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    wrk.create("utf16.csv", utf16);
    let cases = [
        (
            "nope.csv",
            "rewardsync: nope.csv: no such file; check the name, and for a relative path the directory rewardsync runs in\n",
        ),
        (
            "exports",
            "rewardsync: exports: is a directory, not a file; give the path of the file in it\n",
        ),
        (
            "empty.csv",
            "rewardsync: empty.csv: the file is empty; a rewards CSV starts with a header row",
        ),
        (
            "unknown.csv",
            "rewardsync: unknown.csv:1: unknown column \"bonus\"; known columns are referral_user_id,",
        ),
        (
            "missing.csv",
            "rewardsync: missing.csv:1: missing required column rule_type; the header has: \"external_id\", \"referral_user_id\", \"application_id\", \"stage\".",
        ),
        ("book.xlsx", "rewardsync: book.xlsx: "),
        (
            "utf16.csv",
            "rewardsync: utf16.csv: not a text file (it looks like UTF-16 text without a byte-order mark: every other byte of its first line is NUL); save it as UTF-8",
        ),
        (
            "tabs.csv",
            "rewardsync: tabs.csv:1: header column 2 (\"referral\\tuser_id\") has U+0009 (TAB) at character 9; remove the tab from the column name",
        ),
        (
            "nul.csv",
            "rewardsync: nul.csv:1: header column 2 (\"referral_\\0user_id\") has U+0000 (NUL) at character 10; a NUL in the header usually means the file is UTF-16",
        ),
    ];
    for (file, message) in cases {
        let assert = wrk.command(&["validate", file]).assert().code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.starts_with(message), "{file}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{file}: {stderr}");
    }
}

#[test]
fn an_unreadable_file_says_permission_denied_once() {
    use std::os::unix::fs::PermissionsExt;
    let wrk = Workdir::new();
    let path = wrk.create("locked.csv", format!("{HEADER}\n"));
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o000)).unwrap();
    if std::fs::read(&path).is_ok() {
        // Running as root: every file is readable, so there is nothing to see here.
        return;
    }
    wrk.command(&["validate", "locked.csv"])
        .assert()
        .code(2)
        .stderr(
            "rewardsync: locked.csv: permission denied; make the file readable by the user running rewardsync, or copy it somewhere that user can read\n",
        );
}

#[test]
fn unknown_columns_can_be_ignored() {
    let wrk = Workdir::new();
    wrk.create("extra.csv", format!("legacy_no,{HEADER}\nX-1,{GOOD}\n"));
    wrk.command(&["validate", "extra.csv", "--ignore-unknown-columns"])
        .assert()
        .code(0)
        .stdout(contains("1 row: 1 valid"));
}

#[test]
fn gbk_input_needs_its_encoding_and_gets_a_hint() {
    let wrk = Workdir::new();
    wrk.create("gbk.csv", gbk(&csv(&[GOOD, GOOD2])));
    wrk.command(&["validate", "gbk.csv", "--encoding", "gbk"])
        .assert()
        .code(0)
        .stdout(contains("2 rows: 2 valid"));
    wrk.command(&["validate", "gbk.csv", "--encoding", "auto"])
        .assert()
        .code(0);
    wrk.command(&["validate", "gbk.csv"])
        .assert()
        .code(1)
        .stdout(contains(
            "gbk.csv:2: column reason: byte 0xC8 is not valid UTF-8; the file looks like GBK (an Excel export from Chinese Windows): rerun with --encoding gbk",
        ));
}

#[test]
fn bom_crlf_and_quoted_newlines_are_read() {
    let wrk = Workdir::new();
    let text = format!(
        "\u{feff}{HEADER}\r\nE1,ou_a,7214000000000000001,,,1,1,100,,,2,\"多行\r\n原因\",,,,,,,,,\r\n{BAD_STAGE}\r\n"
    );
    wrk.create("bom.csv", text);
    wrk.command(&["validate", "bom.csv"])
        .assert()
        .code(1)
        .stdout(contains("bom.csv:4: column stage: \"9\" is not a stage"))
        .stdout(contains("2 rows: 1 valid, 1 invalid"));
}

#[test]
fn undecodable_byte_is_reported_with_its_line() {
    let wrk = Workdir::new();
    let mut bytes = csv(&[GOOD]).into_bytes();
    bytes.extend_from_slice(b"E2,ou_a,7214000000000000002,,,1,1,100,,,2,bad \xff byte,,,,,,,,,\n");
    wrk.create("bad.csv", bytes);
    wrk.command(&["validate", "bad.csv"])
        .assert()
        .code(1)
        .stdout(contains(
            "bad.csv:3: column reason: byte 0xFF is not valid UTF-8; save the file as UTF-8, or pass --encoding gbk if it is GBK",
        ));
}

#[test]
fn errors_file_can_be_fixed_and_fed_back() {
    let wrk = Workdir::new();
    wrk.create("in.csv", csv(&[GOOD, BAD_AMOUNT, GOOD2, BAD_STAGE]));
    wrk.command(&["validate", "in.csv", "--errors", "bad.csv"])
        .assert()
        .code(1)
        .stderr(contains("wrote 2 invalid rows to bad.csv"));
    let written = std::fs::read_to_string(wrk.path("bad.csv")).unwrap();
    let mut lines = written.lines();
    assert_eq!(lines.next(), Some(format!("{HEADER},line,errors").as_str()));
    assert_eq!(
        lines.next(),
        Some(
            format!(
                "{BAD_AMOUNT},3,\"column amount: \"\"10.005\"\" has 3 decimals; an amount has at most 2 (cents): round it, e.g. 10.01\""
            )
            .as_str()
        )
    );
    assert_eq!(
        lines.next(),
        Some(format!("{BAD_STAGE},5,\"column stage: \"\"9\"\" is not a stage; use 1 (待确认, pending, pending confirmation), 2 (已确认, confirmed), 3 (已发放, paid), or map it in the mapping file's [values.stage]\"").as_str())
    );
    // The user fixes the two cells in the errors file and validates it as it is.
    let fixed = written
        .replace(",10.005,", ",10.01,")
        .replace(",50,,,9,", ",50,,,2,");
    wrk.create("bad.csv", fixed);
    wrk.command(&["validate", "bad.csv"])
        .assert()
        .code(0)
        .stdout(contains("bad.csv: 2 rows: 2 valid, 0 invalid, 0 warnings"));
}

#[test]
fn errors_file_keeps_the_input_encoding() {
    let wrk = Workdir::new();
    let row = BAD_STAGE.replace(",9,", ",9,原因");
    wrk.create("gbk.csv", gbk(&csv(&[&row])));
    wrk.command(&[
        "validate",
        "gbk.csv",
        "--encoding",
        "gbk",
        "--errors",
        "out.csv",
    ])
    .assert()
    .code(1);
    let written = std::fs::read(wrk.path("out.csv")).unwrap();
    let (text, _, had_errors) = encoding_rs::GB18030.decode(&written);
    assert!(!had_errors);
    assert!(text.contains("原因"), "{text}");
    assert!(
        std::str::from_utf8(&written).is_err(),
        "written as GBK, not UTF-8"
    );
}

#[test]
fn json_report_has_counts_and_per_row_errors() {
    let wrk = Workdir::new();
    wrk.create("in.csv", csv(&[GOOD, BAD_AMOUNT]));
    let output = wrk
        .command(&["validate", "in.csv", "--json"])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let json: serde_json::Value = serde_json::from_slice(&output).unwrap();
    assert_eq!(json["rows"], 2);
    assert_eq!(json["valid"], 1);
    assert_eq!(json["invalid"], 1);
    assert_eq!(json["warnings"], 0);
    assert_eq!(json["rows_with_problems"][0]["line"], 3);
    assert_eq!(json["rows_with_problems"][0]["external_id"], "E3");
    assert_eq!(
        json["rows_with_problems"][0]["errors"][0],
        serde_json::json!({"column": "amount", "rule": "amount_decimals", "message": "\"10.005\" has 3 decimals; an amount has at most 2 (cents): round it, e.g. 10.01"})
    );
}

#[test]
fn text_report_shows_50_problems_then_counts() {
    let wrk = Workdir::new();
    let rows: Vec<String> = (0..60)
        .map(|i| format!("E{i},ou_b,7214000000000000004,,,1,1,50,,,9,,,,,,,,,,"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    wrk.create("many.csv", csv(&rows));
    wrk.command(&["validate", "many.csv"])
        .assert()
        .code(1)
        .stdout(contains("many.csv:51: column stage").and(contains("many.csv:52:").not()))
        .stdout(contains(
            "… and 10 more errors and 0 more warnings not shown; --errors OUT.csv writes every invalid row with its errors",
        ))
        .stdout(contains("60 rows: 0 valid, 60 invalid"));
    // With --errors the rows are being written already: the report says where, not how.
    wrk.command(&["validate", "many.csv", "--errors", "fix-me.csv"])
        .assert()
        .code(1)
        .stdout(contains(
            "… and 10 more errors and 0 more warnings not shown; fix-me.csv holds every invalid row with its errors",
        ))
        .stdout(contains("--errors OUT.csv").not());
    let fixed = std::fs::read_to_string(wrk.path("fix-me.csv")).unwrap();
    assert_eq!(fixed.lines().count(), 61, "{fixed}");
}

/// A header as wide as a sheet can be (16,384 columns): every message that lists the
/// header's names lists the first 20 and counts the rest, and still says what to do
/// (issue 19: the unknown columns alone made a 218 KB line).
#[test]
fn a_header_of_16384_columns_is_listed_in_one_short_line() {
    let wrk = Workdir::new();
    let known = [
        "referral_user_id",
        "external_id",
        "application_id",
        "rule_type",
        "stage",
    ];
    let extra: Vec<String> = (0..16_384 - known.len())
        .map(|i| format!("extra{i}"))
        .collect();
    let mut header: Vec<&str> = known.to_vec();
    header.extend(extra.iter().map(String::as_str));
    wrk.create(
        "wide.csv",
        format!("{}\nou_1,E1,a1,1,1\n", header.join(",")),
    );
    // No known column but one a mapping names, which the header lacks.
    wrk.create("extra.csv", format!("{}\n", extra.join(",")));
    wrk.create("map.toml", "[columns]\njob_id = \"职位\"\n");
    let more = 16_384 - known.len() - 20;
    let cases: [(&[&str], String, &str); 3] = [
        (
            &["validate", "wide.csv"],
            format!(
                "wide.csv:1: unknown columns \"extra0\", \"extra1\", \"extra2\", \"extra3\", \"extra4\", \"extra5\", \"extra6\", \"extra7\", \"extra8\", \"extra9\", \"extra10\", \"extra11\", \"extra12\", \"extra13\", \"extra14\", \"extra15\", \"extra16\", \"extra17\", \"extra18\", \"extra19\" and {more} more; known columns are referral_user_id,"
            ),
            "or pass --ignore-unknown-columns to skip them",
        ),
        (
            &["validate", "extra.csv", "--ignore-unknown-columns"],
            format!(
                "extra.csv:1: missing required columns referral_user_id (or referral_user_email, referral_user_mobile), external_id, rule_type, stage; the header has: \"extra0\", \"extra1\", \"extra2\", \"extra3\", \"extra4\", \"extra5\", \"extra6\", \"extra7\", \"extra8\", \"extra9\", \"extra10\", \"extra11\", \"extra12\", \"extra13\", \"extra14\", \"extra15\", \"extra16\", \"extra17\", \"extra18\", \"extra19\" and {} more. Add the columns",
                16_384 - known.len() - 20
            ),
            "or map or default",
        ),
        (
            &["validate", "extra.csv", "--map", "map.toml"],
            format!(
                "map.toml:2: [columns] maps job_id to the column \"职位\", but extra.csv has no such column; its header has: \"extra0\", \"extra1\", \"extra2\", \"extra3\", \"extra4\", \"extra5\", \"extra6\", \"extra7\", \"extra8\", \"extra9\", \"extra10\", \"extra11\", \"extra12\", \"extra13\", \"extra14\", \"extra15\", \"extra16\", \"extra17\", \"extra18\", \"extra19\" and {} more",
                16_384 - known.len() - 20
            ),
            "",
        ),
    ];
    for (args, starts, advice) in cases {
        let assert = wrk.command(args).assert().code(2);
        let stderr = String::from_utf8(assert.get_output().stderr.clone()).unwrap();
        assert!(stderr.contains(&starts), "{args:?}: {stderr}");
        assert!(stderr.contains(advice), "{args:?}: {stderr}");
        assert_eq!(stderr.lines().count(), 1, "{args:?}: {stderr}");
        assert!(stderr.len() < 2_000, "{args:?}: {} bytes", stderr.len());
    }
}

/// Every cell of the first sheet of a workbook, as text, row by row.
fn xlsx_rows(path: &std::path::Path) -> Vec<Vec<String>> {
    use calamine::Reader as _;
    let mut book = calamine::open_workbook_auto(path).expect("the errors workbook opens");
    let name = book.sheet_names()[0].clone();
    let range = book.worksheet_range(&name).expect("the sheet reads");
    range
        .rows()
        .map(|row| row.iter().map(|cell| cell.to_string()).collect())
        .collect()
}

/// Excel holds 32,767 (UTF-16) characters a cell: a longer one is cut, saying so and how
/// long it was, and the workbook is written (issue 19: exit 2 and an empty file).
#[test]
fn an_xlsx_errors_file_cuts_a_cell_past_excels_limit_and_says_so() {
    let wrk = Workdir::new();
    let long = "长".repeat(40_000);
    // Characters outside the BMP count twice in Excel's limit.
    let wide = "😀".repeat(20_000);
    let rows = [
        BAD_STAGE.replace(",9,,", &format!(",9,{long},")),
        BAD_AMOUNT.replace(",2,,", &format!(",2,{wide},")),
    ];
    wrk.create("in.csv", csv(&[&rows[0], &rows[1]]));
    wrk.command(&["validate", "in.csv", "--errors", "out.xlsx"])
        .assert()
        .code(1)
        .stderr(contains("wrote 2 invalid rows to out.xlsx"));
    let sheet = xlsx_rows(&wrk.path("out.xlsx"));
    let reason = HEADER.split(',').position(|c| c == "reason").unwrap();
    assert_eq!(sheet[1][0], "E4");
    assert_eq!(sheet[2][0], "E3");
    for (cell, kept, all) in [
        (&sheet[1][reason], "长", "40,000"),
        (&sheet[2][reason], "😀", "20,000"),
    ] {
        let note = format!("… [cut: {all} characters in all]");
        assert!(cell.ends_with(&note), "{}", &cell[cell.len() - 60..]);
        let units = cell.encode_utf16().count();
        assert!(
            (32_767 - 2..=32_767).contains(&units),
            "{units} UTF-16 units"
        );
        assert!(
            cell.trim_end_matches(&note)
                .chars()
                .all(|c| c.to_string() == kept)
        );
    }
    // The other cells are whole, the errors included.
    assert!(
        sheet[1]
            .last()
            .unwrap()
            .starts_with("column stage: \"9\" is not a stage")
    );
}

/// A run that stops half way leaves no errors file, or the one already there as it was;
/// the path is still checked before the run.
#[test]
fn an_errors_file_is_written_whole_or_not_at_all() {
    let wrk = Workdir::new();
    // An invalid row, then a time that needs a zone: the run stops at line 3 (exit 2).
    let text = "external_id,referral_user_id,application_id,rule_type,stage,point_bonus,create_time\n\
                E1,ou_1,a1,1,9,1,\n\
                E2,ou_1,a1,1,1,1,2024-01-08\n";
    wrk.create("in.csv", text);
    wrk.create("old.csv", "an earlier errors file\n");
    wrk.create("old.xlsx", "an earlier errors workbook\n");
    for out in ["new.csv", "new.xlsx", "old.csv", "old.xlsx"] {
        let before = std::fs::read(wrk.path(out)).ok();
        wrk.command(&["validate", "in.csv", "--errors", out])
            .assert()
            .code(2)
            .stderr(contains(
                "in.csv:3: column create_time: \"2024-01-08\" has no offset",
            ));
        assert_eq!(std::fs::read(wrk.path(out)).ok(), before, "{out}");
    }
    let mut left: Vec<String> = std::fs::read_dir(wrk.path(""))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    left.sort();
    assert_eq!(
        left,
        ["in.csv", "old.csv", "old.xlsx"],
        "no temporary file is left"
    );

    // Written in full over a symbolic link's file, the link kept.
    std::os::unix::fs::symlink("old.csv", wrk.path("link.csv")).unwrap();
    wrk.command(&[
        "validate",
        "in.csv",
        "--errors",
        "link.csv",
        "--timezone",
        "UTC",
    ])
    .assert()
    .code(1);
    assert!(
        wrk.path("link.csv")
            .symlink_metadata()
            .unwrap()
            .is_symlink()
    );
    let written = std::fs::read_to_string(wrk.path("old.csv")).unwrap();
    assert!(
        written.starts_with("external_id,") && written.contains("\nE1,"),
        "{written}"
    );

    // A path that is no regular file is written to as it is (nothing can replace it).
    wrk.command(&["validate", "in.csv", "--errors", "/dev/stdout", "--timezone", "UTC"])
        .assert()
        .code(1)
        .stdout(contains("external_id,referral_user_id,application_id,rule_type,stage,point_bonus,create_time,line,errors\nE1,"));

    // Checked at the start: a directory that does not exist is refused before any row.
    wrk.command(&["validate", "in.csv", "--errors", "nowhere/out.csv"])
        .assert()
        .code(2)
        .stderr(contains(
            "nowhere/out.csv: cannot write the errors file: No such file or directory",
        ))
        .stdout(contains("in.csv:2").not());
}

/// Every time column says the same of a time past the end of 9999, in our words.
#[test]
fn a_far_date_in_every_time_column_is_refused_with_the_range() {
    let wrk = Workdir::new();
    let far = "9999-12-31 23:59:59";
    wrk.create(
        "far.csv",
        format!(
            "external_id,referral_user_id,application_id,rule_type,stage,point_bonus,create_time,confirm_time,pay_time,onboard_time,conversion_time\n\
             E1,ou_1,a1,1,3,1,{far},{far},{far},{far},{far}\n"
        ),
    );
    let output = wrk
        .command(&["validate", "far.csv", "--timezone", "Asia/Shanghai"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    for column in [
        "create_time",
        "confirm_time",
        "pay_time",
        "onboard_time",
        "conversion_time",
    ] {
        assert!(
            stdout.contains(&format!("far.csv:2: column {column}: \"{far}\" is past the times a reward can carry (1970-01-01 00:00 UTC to 9999-12-30 22:00 UTC); exports often write a far date such as 9999-12-31 for \"none\": leave the cell empty when the reward has no such time\n")),
            "{stdout}"
        );
    }
    assert!(
        !stdout.contains("overflow") && !stdout.contains("parameter"),
        "{stdout}"
    );
}

/// A mapping that reads one column as two fields, or both reads and skips a column, is
/// refused naming its lines (issue 19: both went through without a word); one that maps
/// a column and defaults its field says that the default fills the empty cells.
#[test]
fn a_mapping_that_contradicts_itself_is_refused_naming_its_lines() {
    let wrk = Workdir::new();
    wrk.create(
        "in.csv",
        "external_id,referral_user_id,application_id,rule_type,stage,point_bonus,部门,币种\n\
         E1,ou_1,a1,1,1,1,研发,\n\
         E2,ou_1,a2,1,1,1,研发,USD\n",
    );
    wrk.create(
        "two.toml",
        "[columns]\njob_id = \"部门\"\ncomment = \" 部门 \"\n",
    );
    wrk.create(
        "both.toml",
        "[source]\nignore_columns = [\"币种\", \"部门\"]\n\n[columns]\njob_id = \"部门\"\n",
    );
    for (map, says) in [
        (
            "two.toml",
            "rewardsync: two.toml:3: [columns] maps comment to the column \"部门\", which line 2 already maps job_id to; a column is read as one field: map comment to another column (or give it under [defaults]), or delete one of the two lines\n",
        ),
        (
            "both.toml",
            "rewardsync: both.toml:2: ignore_columns skips the column \"部门\" of in.csv, which [columns] maps job_id to on line 5; a column is either read or skipped: delete it from ignore_columns to read it as job_id, or delete line 5 to skip it\n",
        ),
    ] {
        wrk.command(&["validate", "in.csv", "--map", map])
            .assert()
            .code(2)
            .stderr(says)
            .stdout("");
    }

    // Mapped and defaulted: the default fills the empty cells, and that is said.
    wrk.create(
        "default.toml",
        "[source]\nignore_columns = [\"部门\"]\n\n[columns]\ncurrency_type = \"币种\"\n\n[defaults]\nbonus_type = 2\namount = \"10\"\ncurrency_type = \"CNY\"\n",
    );
    let output = wrk
        .command(&[
            "validate",
            "in.csv",
            "--map",
            "default.toml",
            "--explain",
            "2",
        ])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{output:?}");
    assert_eq!(
        String::from_utf8_lossy(&output.stderr),
        "rewardsync: note: default.toml:10: [defaults] gives currency_type \"CNY\", and [columns] maps currency_type to the column \"币种\" on line 5: the default is used where that column's cell is empty\n"
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout
            .contains("in.csv:2, column 币种 (currency_type): (empty) read as CNY (by [defaults])"),
        "{stdout}"
    );
    assert!(
        !stdout.contains("in.csv:3, column 币种 (currency_type)"),
        "USD is the file's own: {stdout}"
    );
}

#[test]
fn the_help_of_validate_and_import_says_a_workbook_is_read_too() {
    let wrk = Workdir::new();
    for command in ["validate", "import"] {
        wrk.command(&[command, "--help"])
            .assert()
            .code(0)
            .stdout(contains("a rewards file (a CSV or a workbook)"))
            .stdout(contains("rewards CSV").not());
    }
}

/// SPEC §2.4: an application_id Excel destroyed, on a row that names its candidate another
/// way too, says how to use that column instead; a row without one says only what broke.
#[test]
fn a_destroyed_application_id_beside_a_talent_mobile_says_to_use_the_mobile() {
    let wrk = Workdir::new();
    wrk.create(
        "export.csv",
        "奖励编号,内推人ID,投递ID,候选人手机,奖励类型,奖励状态,积分\n\
         E1,ou_1,7.22E+18,13800138000,入职,已确认,100\n\
         E2,ou_2,7.22E+18,,入职,已确认,100\n",
    );
    wrk.create(
        "map.toml",
        "[columns]\nexternal_id = \"奖励编号\"\nreferral_user_id = \"内推人ID\"\napplication_id = \"投递ID\"\ntalent_mobile = \"候选人手机\"\n",
    );
    wrk.command(&["validate", "export.csv", "--map", "map.toml"])
        .assert()
        .code(1)
        .stdout(contains(
            "export.csv:2: column 投递ID (application_id): \"7.22E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again; this row also names the candidate in column 候选人手机 (talent_mobile): to use it instead, leave the ids out with ignore_columns = [\"投递ID\"] in the mapping file's [source]",
        ))
        .stdout(contains(
            "export.csv:3: column 投递ID (application_id): \"7.22E+18\" is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again\n",
        ));
    // Followed, the advice reads the row by its mobile (and the other row has no candidate).
    wrk.create(
        "map.toml",
        "[source]\nignore_columns = [\"投递ID\"]\n[columns]\nexternal_id = \"奖励编号\"\nreferral_user_id = \"内推人ID\"\ntalent_mobile = \"候选人手机\"\n",
    );
    wrk.command(&["validate", "export.csv", "--map", "map.toml"])
        .assert()
        .code(1)
        .stdout(contains("export.csv:2:").not())
        .stdout(contains("export.csv: 2 rows: 1 valid, 1 invalid"));
}
