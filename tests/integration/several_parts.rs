//! Several sheets and several files in one run (SPEC §2.4): `--sheet '*'` reads every
//! visible sheet with the first one's header and lists the others as skipped; several
//! files are read as one, with one duplicate check; every row's place is `FILE[SHEET]:ROW`
//! (or `FILE:LINE`) in the report, `--json`, the summary and the ledger's export.

use predicates::str::contains;
use rust_xlsxwriter::Workbook;

use crate::common::{Live, Workdir};
use crate::workbook_hostile::HEADER;

/// A reward row: its id, a referrer, an application, 100 points, confirmed.
fn reward(id: &str, n: u32) -> [String; 7] {
    [
        id.to_owned(),
        "ou_8fe08882a7ae1007efe66632ce51f7a2".to_owned(),
        format!("72140000000000{n:05}"),
        "1".to_owned(),
        "1".to_owned(),
        "100".to_owned(),
        "2".to_owned(),
    ]
}

/// A finance team's workbook: a 汇总 summary first, then a sheet per month with the
/// same header, and a 说明 sheet of notes last. `months` gives each month's rows' ids.
fn monthly_book(path: &std::path::Path, months: &[(&str, &[&str])]) {
    let mut book = Workbook::new();
    let summary = book.add_worksheet();
    summary.set_name("汇总").unwrap();
    for (c, name) in ["月份", "笔数", "积分合计"].iter().enumerate() {
        summary.write_string(0, c as u16, *name).unwrap();
    }
    summary.write_string(1, 0, "1月").unwrap();
    summary.write_number(1, 1, 2).unwrap();
    let mut n = 0;
    for (month, ids) in months {
        let sheet = book.add_worksheet();
        sheet.set_name(*month).unwrap();
        for (c, name) in HEADER.iter().enumerate() {
            sheet.write_string(0, c as u16, *name).unwrap();
        }
        for (r, id) in ids.iter().enumerate() {
            n += 1;
            for (c, value) in reward(id, n).iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, value).unwrap();
            }
        }
    }
    let notes = book.add_worksheet();
    notes.set_name("说明").unwrap();
    notes.write_string(0, 0, "本表由财务部导出").unwrap();
    book.save(path).unwrap();
}

fn csv(ids: &[&str], first: u32) -> String {
    let mut text = HEADER.join(",") + "\n";
    for (i, id) in ids.iter().enumerate() {
        text.push_str(&reward(id, first + i as u32).join(","));
        text.push('\n');
    }
    text
}

#[test]
fn every_sheet_with_the_header_is_read_and_the_summary_and_notes_sheets_are_listed() {
    let wrk = Workdir::new();
    monthly_book(
        &wrk.path("book.xlsx"),
        &[
            ("1月", &["J1", "J2"]),
            ("2月", &["F1"]),
            ("3月", &["M1", "M2"]),
        ],
    );
    let output = wrk
        .command(&["validate", "book.xlsx", "--sheet", "*"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(
        text.contains("book.xlsx[1月, 2月, 3月]: 5 rows: 5 valid, 0 invalid, 0 warnings"),
        "{text}"
    );
    assert!(text.contains("book.xlsx[汇总]: sheet skipped: "), "{text}");
    assert!(
        text.contains("book.xlsx[说明]: sheet skipped: its header is not book.xlsx[1月]'s: column 1 is \"external_id\" there and \"本表由财务部导出\" here"),
        "{text}"
    );

    // --json: each row's place, the parts read and the sheets left out.
    let output = wrk
        .command(&["validate", "book.xlsx", "--sheet", "*", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], 5, "{json}");
    assert_eq!(
        json["parts"],
        serde_json::json!(["book.xlsx[1月]", "book.xlsx[2月]", "book.xlsx[3月]"]),
        "{json}"
    );
    assert_eq!(json["skipped_sheets"][0]["at"], "book.xlsx[汇总]", "{json}");
    assert_eq!(json["skipped_sheets"][1]["at"], "book.xlsx[说明]", "{json}");
}

#[test]
fn a_duplicate_across_sheets_names_the_sheet_of_its_first_row() {
    let wrk = Workdir::new();
    monthly_book(
        &wrk.path("book.xlsx"),
        &[("1月", &["J1", "J2"]), ("2月", &["F1", "J2"])],
    );
    wrk.command(&["validate", "book.xlsx", "--sheet", "*"])
        .assert()
        .code(1)
        .stdout(contains(
            "book.xlsx[2月]:3: column external_id: \"J2\" already appears on book.xlsx[1月]:3;",
        ));
}

#[test]
fn named_sheets_are_read_in_turn_and_one_with_another_header_is_refused() {
    let wrk = Workdir::new();
    monthly_book(
        &wrk.path("book.xlsx"),
        &[("1月", &["J1"]), ("2月", &["F1"]), ("3月", &["M1"])],
    );
    wrk.command(&["validate", "book.xlsx", "--sheet", "1月", "--sheet", "3月"])
        .assert()
        .code(0)
        .stdout(contains("book.xlsx[1月, 3月]: 2 rows: 2 valid"));
    wrk.command(&["validate", "book.xlsx", "--sheet", "1月", "--sheet", "汇总"])
        .assert()
        .code(2)
        .stderr(contains("book.xlsx[汇总]: "))
        .stderr(contains(
            "use --sheet '*' to leave out the sheets whose header differs",
        ));
    // The mapping says the same as the flag.
    wrk.create("map.toml", "[source]\nsheets = \"*\"\n");
    wrk.command(&["validate", "book.xlsx", "--map", "map.toml"])
        .assert()
        .code(0)
        .stdout(contains("book.xlsx[1月, 2月, 3月]: 3 rows: 3 valid"));
}

#[test]
fn several_files_are_one_run_with_one_duplicate_check() {
    let wrk = Workdir::new();
    wrk.create("jan.csv", csv(&["J1", "J2"], 1));
    wrk.create("feb.csv", csv(&["F1", "J1"], 3));
    let output = wrk
        .command(&["validate", "jan.csv", "feb.csv", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        (json["rows"].as_u64(), json["invalid"].as_u64()),
        (Some(4), Some(1))
    );
    let row = &json["rows_with_problems"][0];
    assert_eq!(row["at"], "feb.csv:3", "{json}");
    assert!(
        row["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("already appears on jan.csv:2"),
        "{json}"
    );

    // A file whose header differs stops the run before anything is sent (exit 2).
    wrk.create("other.csv", "external_id,referral_user_id\nX,ou_1\n");
    wrk.command(&["validate", "jan.csv", "other.csv"])
        .assert()
        .code(2)
        .stderr(contains(
            "other.csv: column 3 is \"application_id\" there and nothing here; every file and sheet read in one run must have jan.csv's columns in the same order",
        ));
}

#[test]
fn an_import_of_several_files_records_each_rows_file_sheet_and_row() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    wrk.create("jan.csv", csv(&["J1", "J2"], 1));
    monthly_book(
        &wrk.path("book.xlsx"),
        &[("1月", &["B1"]), ("2月", &["B2", "B3"])],
    );
    let (code, json) = live.import_json(&wrk, &["jan.csv", "book.xlsx", "--sheet", "*"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["imported"], 5, "{json}");
    assert_eq!(json["skipped_sheets"][0]["at"], "book.xlsx[汇总]", "{json}");
    assert_eq!(live.state().rewards.map(|r| r.len()), Some(5));

    let export = wrk.command(&["export"]).output().unwrap();
    let rows = String::from_utf8_lossy(&export.stdout);
    let mut lines = rows.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let column = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (id, file, sheet, at) = (
        column("external_id"),
        column("source_file"),
        column("source_sheet"),
        column("at"),
    );
    let mut seen: Vec<(String, String, String, String)> = lines
        .map(|line| {
            let cells: Vec<&str> = line.split(',').collect();
            (
                cells[id].to_owned(),
                cells[file].to_owned(),
                cells[sheet].to_owned(),
                cells[at].to_owned(),
            )
        })
        .collect();
    seen.sort();
    let row = |a: &str, b: &str, c: &str, d: &str| (a.into(), b.into(), c.into(), d.into());
    assert_eq!(
        seen,
        [
            row("B1", "book.xlsx", "1月", "book.xlsx[1月]:2"),
            row("B2", "book.xlsx", "2月", "book.xlsx[2月]:2"),
            row("B3", "book.xlsx", "2月", "book.xlsx[2月]:3"),
            row("J1", "jan.csv", "", "jan.csv:2"),
            row("J2", "jan.csv", "", "jan.csv:3"),
        ]
    );
    // The run names every file it read.
    let runs = wrk.command(&["runs"]).output().unwrap();
    assert!(
        String::from_utf8_lossy(&runs.stdout).contains("jan.csv and 1 more file"),
        "{}",
        String::from_utf8_lossy(&runs.stdout)
    );
}

#[test]
fn map_suggest_reads_the_first_sheet_of_rewards_and_proposes_every_sheet_like_it() {
    let wrk = Workdir::new();
    monthly_book(
        &wrk.path("book.xlsx"),
        &[("1月", &["J1", "J2"]), ("2月", &["F1"]), ("3月", &["M1"])],
    );
    let output = wrk
        .command(&["map", "suggest", "book.xlsx"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    let mapping = String::from_utf8_lossy(&output.stdout).into_owned();
    // Not the 汇总 summary in front: the first sheet of rewards, and the ones like it.
    assert!(
        mapping.contains("# Mapping file for book.xlsx, sheet 1月,"),
        "{mapping}"
    );
    assert!(
        mapping.contains("from its header (row 1) and its 2 data rows"),
        "{mapping}"
    );
    let line = mapping
        .lines()
        .find(|l| l.starts_with("sheets = \"*\""))
        .unwrap_or_else(|| panic!("no sheets line: {mapping}"));
    assert!(line.contains("(2月, 3月, 说明)"), "{line}");
    assert!(
        line.contains("汇总 before it holds no table of rewards"),
        "{line}"
    );

    // The suggestion, as it is, reads every month in one run.
    wrk.create("mapping.toml", &mapping);
    wrk.command(&["validate", "book.xlsx", "--map", "mapping.toml"])
        .assert()
        .code(0)
        .stdout(contains("book.xlsx[1月, 2月, 3月]: 4 rows: 4 valid"))
        .stdout(contains("book.xlsx[说明]: sheet skipped: "));

    // A sheet named with --sheet is the one read, and only it.
    let output = wrk
        .command(&["map", "suggest", "book.xlsx", "--sheet", "2月"])
        .output()
        .unwrap();
    let mapping = String::from_utf8_lossy(&output.stdout);
    assert!(mapping.contains("sheet = \"2月\""), "{mapping}");
    assert!(!mapping.contains("sheets ="), "{mapping}");
}

#[test]
fn the_errors_file_of_several_files_names_each_rows_file() {
    let wrk = Workdir::new();
    wrk.create("jan.csv", csv(&["J1", "J2"], 1));
    wrk.create("feb.csv", csv(&["F1", "J1"], 3));
    wrk.command(&["validate", "jan.csv", "feb.csv", "--errors", "fix.csv"])
        .assert()
        .code(1);
    let fix = std::fs::read_to_string(wrk.path("fix.csv")).unwrap();
    let mut lines = fix.trim_start_matches('\u{feff}').lines();
    assert!(lines.next().unwrap().ends_with(",line,errors"), "{fix}");
    let row = lines.next().unwrap();
    assert!(row.starts_with("J1,"), "{fix}");
    assert!(row.contains(",feb.csv:3,"), "{fix}");
    assert_eq!(lines.next(), None, "{fix}");
    // Fed back as it is, the file reads (its position column is the errors file's own),
    // and alone the row repeats nothing.
    wrk.command(&["validate", "fix.csv"])
        .assert()
        .code(0)
        .stdout(predicates::str::contains("fix.csv: 1 row: 1 valid"));
}

#[test]
fn an_import_whose_second_file_has_other_columns_records_and_sends_nothing() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    wrk.create("jan.csv", csv(&["J1", "J2"], 1));
    wrk.create("other.csv", "external_id,referral_user_id\nX,ou_1\n");
    live.command(&wrk, &["import", "jan.csv", "other.csv", "--no-progress"])
        .assert()
        .code(2)
        .stderr(contains("other.csv: column 3 is \"application_id\" there"));
    assert_eq!(live.requests(), 0);
    // Refused before the run began: the ledger plans nothing of jan.csv either.
    let export = wrk.command(&["export"]).output().unwrap();
    let rows = String::from_utf8_lossy(&export.stdout);
    assert!(rows.lines().count() <= 1, "{rows}");
}

#[test]
fn a_file_given_twice_is_refused_before_any_row_is_read() {
    let wrk = Workdir::new();
    wrk.create("jan.csv", csv(&["J1"], 1));
    wrk.command(&["validate", "jan.csv", "./jan.csv"])
        .assert()
        .code(2)
        .stderr(contains(
            "./jan.csv: the file is given twice; a run reads each file once",
        ));
}
