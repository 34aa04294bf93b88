//! Rows hidden in a workbook (SPEC §2.4): hidden by hand or filtered out, they are read
//! with one warning a sheet listing them; `hidden_rows = "skip"` in the mapping leaves them
//! out, counted as skipped; `hidden_rows = "read"` reads them without a word. A hidden
//! sheet is never read by `--sheet '*'`. `.xlsx` (as Excel writes them), `.ods` and `.xls`.

use predicates::prelude::*;
use predicates::str::contains;
use rust_xlsxwriter::{FilterCondition, Workbook, Worksheet};

use crate::common::{Live, Workdir};
use crate::workbook_hostile::{HEADER, ods_of};

/// Reward `n`: its id `E{n}`, a referrer, an application, 100 points, confirmed;
/// `rule_type` as given.
fn reward(n: u32, rule_type: &str) -> [String; 7] {
    [
        format!("E{n}"),
        "ou_8fe08882a7ae1007efe66632ce51f7a2".to_owned(),
        format!("72140000000000{n:05}"),
        rule_type.to_owned(),
        "1".to_owned(),
        "100".to_owned(),
        "2".to_owned(),
    ]
}

/// A sheet of six rewards under the header (Excel rows 2 to 7).
fn rewards(sheet: &mut Worksheet) {
    for (c, name) in HEADER.iter().enumerate() {
        sheet.write_string(0, c as u16, *name).unwrap();
    }
    for n in 1..=6u32 {
        let rule_type = if n % 2 == 0 { "2" } else { "1" };
        for (c, value) in reward(n, rule_type).iter().enumerate() {
            sheet.write_string(n, c as u16, value).unwrap();
        }
    }
}

/// `book.xlsx` in `wrk`: six rewards on sheet 1月, Excel rows 3, 5 and 6 hidden by hand.
fn hidden_by_hand(wrk: &Workdir) {
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("1月").unwrap();
    rewards(sheet);
    for row in [2, 4, 5] {
        sheet.set_row_hidden(row).unwrap();
    }
    book.save(wrk.path("book.xlsx")).unwrap();
}

const WARNING: &str = "book.xlsx[1月]: warning: rows 3, 5-6 are hidden in the workbook (hidden or filtered out) and are read as any other row; say hidden_rows = \"skip\" under [source] in the mapping to leave them out, or hidden_rows = \"read\" to read them without this warning\n";

#[test]
fn hidden_rows_are_read_with_one_warning_listing_them() {
    let wrk = Workdir::new();
    hidden_by_hand(&wrk);
    let output = wrk.command(&["validate", "book.xlsx"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{text}");
    assert!(text.contains(WARNING), "{text}");
    assert_eq!(text.matches("hidden in the workbook").count(), 1, "{text}");
    assert!(
        text.contains("book.xlsx[1月]: 6 rows: 6 valid, 0 invalid, 0 warnings"),
        "{text}"
    );

    let output = wrk
        .command(&["validate", "book.xlsx", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["valid"], 6, "{json}");
    assert_eq!(
        json["hidden_rows"].as_array().map(Vec::len),
        Some(1),
        "{json}"
    );
    assert_eq!(json["hidden_rows"][0]["at"], "book.xlsx[1月]", "{json}");
    assert_eq!(json["hidden_rows"][0]["rows"], 3, "{json}");
    assert_eq!(json["hidden_rows"][0]["listed"], "3, 5-6", "{json}");
}

#[test]
fn an_import_sends_the_hidden_rows_and_its_summary_warns_of_them() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    hidden_by_hand(&wrk);
    live.command(
        &wrk,
        &["import", "book.xlsx", "--rate", "200", "--no-progress"],
    )
    .assert()
    .code(0)
    .stdout(contains("6 rows: 6 imported now"))
    .stdout(contains(format!(
        "  warning: {}",
        WARNING.replacen(": warning", "", 1)
    )));
    assert_eq!(live.state().rewards.map(|r| r.len()), Some(6));
}

#[test]
fn hidden_rows_skip_leaves_them_out_and_counts_them() {
    let live = Live::start(Live::fast_config());
    let wrk = Workdir::new();
    hidden_by_hand(&wrk);
    wrk.create("map.toml", "[source]\nhidden_rows = \"skip\"\n");
    wrk.command(&["validate", "book.xlsx", "--map", "map.toml"])
        .assert()
        .code(0)
        .stdout(contains(
            "book.xlsx[1月]:3: skipped: hidden in the workbook (hidden or filtered out), which hidden_rows = \"skip\" in the mapping leaves out\n",
        ))
        .stdout(contains("book.xlsx[1月]:5: skipped: hidden"))
        .stdout(contains("book.xlsx[1月]:6: skipped: hidden"))
        .stdout(contains("book.xlsx[1月]:4: skipped").not())
        .stdout(contains(": warning:").not())
        .stdout(contains(
            "book.xlsx[1月]: 6 rows: 3 valid, 0 invalid, 3 skipped, 0 warnings",
        ));
    let output = wrk
        .command(&["validate", "book.xlsx", "--map", "map.toml", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["skipped"], 3, "{json}");
    assert_eq!(json["skipped_rows"][0]["rule"], "hidden_row", "{json}");
    assert_eq!(json["skipped_rows"][0]["at"], "book.xlsx[1月]:3", "{json}");
    assert!(json.get("hidden_rows").is_none(), "{json}");

    live.command(
        &wrk,
        &[
            "import",
            "book.xlsx",
            "--map",
            "map.toml",
            "--rate",
            "200",
            "--no-progress",
        ],
    )
    .assert()
    .code(0)
    .stdout(contains("6 rows: 3 imported now, 3 skipped"))
    .stdout(contains("book.xlsx[1月]:3"))
    .stdout(contains("are hidden in the workbook").not());
    let mut sent: Vec<String> = live
        .state()
        .rewards
        .unwrap_or_default()
        .into_iter()
        .map(|r| r.external_id)
        .collect();
    sent.sort();
    assert_eq!(sent, ["E1", "E3", "E6"]);

    let (code, json) = live.import_json(&wrk, &["book.xlsx", "--map", "map.toml"]);
    assert_eq!(code, 0, "{json}");
    assert_eq!(json["skipped"], 3, "{json}");
    assert!(json.get("hidden_rows").is_none(), "{json}");
}

#[test]
fn hidden_rows_read_reads_them_without_a_word() {
    let wrk = Workdir::new();
    hidden_by_hand(&wrk);
    wrk.create("map.toml", "[source]\nhidden_rows = \"read\"\n");
    wrk.command(&["validate", "book.xlsx", "--map", "map.toml"])
        .assert()
        .code(0)
        .stdout(contains("hidden").not())
        .stdout(contains(
            "book.xlsx[1月]: 6 rows: 6 valid, 0 invalid, 0 warnings",
        ));
}

#[test]
fn a_row_filtered_out_is_hidden_too() {
    let wrk = Workdir::new();
    let mut book = Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name("1月").unwrap();
    rewards(sheet);
    // Excel's filter on rule_type = 1: the rows of rule_type 2 (E2, E4, E6) are filtered
    // out, written hidden as Excel writes them.
    sheet.autofilter(0, 0, 6, 6).unwrap();
    sheet
        .filter_column(3, &FilterCondition::new().add_list_filter("1"))
        .unwrap();
    book.save(wrk.path("book.xlsx")).unwrap();
    wrk.command(&["validate", "book.xlsx"])
        .assert()
        .code(0)
        .stdout(contains(
            "book.xlsx[1月]: warning: rows 3, 5, 7 are hidden in the workbook (hidden or filtered out)",
        ));
    wrk.create("map.toml", "[source]\nhidden_rows = \"skip\"\n");
    wrk.command(&["validate", "book.xlsx", "--map", "map.toml"])
        .assert()
        .code(0)
        .stdout(contains(
            "book.xlsx[1月]: 6 rows: 3 valid, 0 invalid, 3 skipped, 0 warnings",
        ));
}

#[test]
fn a_bad_hidden_rows_is_refused_with_its_line() {
    let wrk = Workdir::new();
    hidden_by_hand(&wrk);
    wrk.create("map.toml", "[source]\n\nhidden_rows = \"hide\"\n");
    wrk.command(&["validate", "book.xlsx", "--map", "map.toml"])
        .assert()
        .code(2)
        .stderr(contains(
            "map.toml:3: hidden_rows is \"hide\", which it cannot be; write hidden_rows = \"skip\" to leave the rows hidden in a workbook out, \"read\" to read them as any other row, or \"warn\" (the default) to read them with a warning",
        ));
}

#[test]
fn a_hidden_sheet_is_not_read_by_star_and_each_sheet_warns_of_its_own_rows() {
    let wrk = Workdir::new();
    let mut book = Workbook::new();
    for name in ["1月", "旧", "2月"] {
        let sheet = book.add_worksheet();
        sheet.set_name(name).unwrap();
        for (c, header) in HEADER.iter().enumerate() {
            sheet.write_string(0, c as u16, *header).unwrap();
        }
    }
    let ids = [("1月", 1u32..=3), ("旧", 4..=5), ("2月", 6..=8)];
    for (i, (_, range)) in ids.iter().enumerate() {
        let sheet = book.worksheet_from_index(i).unwrap();
        for (r, n) in range.clone().enumerate() {
            for (c, value) in reward(n, "1").iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, value).unwrap();
            }
        }
    }
    book.worksheet_from_index(0)
        .unwrap()
        .set_row_hidden(1)
        .unwrap();
    book.worksheet_from_index(1).unwrap().set_hidden(true);
    book.worksheet_from_index(2)
        .unwrap()
        .set_row_hidden(3)
        .unwrap();
    book.save(wrk.path("book.xlsx")).unwrap();

    let output = wrk
        .command(&["validate", "book.xlsx", "--sheet", "*", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(output.status.code(), Some(0), "{json}");
    assert_eq!(json["valid"], 6, "{json}");
    assert_eq!(
        json["parts"],
        serde_json::json!(["book.xlsx[1月]", "book.xlsx[2月]"]),
        "{json}"
    );
    let warned: Vec<(&str, &str)> = json["hidden_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| (w["at"].as_str().unwrap(), w["listed"].as_str().unwrap()))
        .collect();
    assert_eq!(warned, [("book.xlsx[1月]", "2"), ("book.xlsx[2月]", "4")]);
    wrk.command(&["validate", "book.xlsx", "--sheet", "*"])
        .assert()
        .code(0)
        .stdout(contains(
            "book.xlsx[1月]: warning: row 2 is hidden in the workbook",
        ))
        .stdout(contains(
            "book.xlsx[2月]: warning: row 4 is hidden in the workbook",
        ));
}

/// An `.ods` row of a reward's text cells, with `attributes` on the row element.
fn ods_row(cells: &[String], attributes: &str) -> String {
    let cells: String = cells
        .iter()
        .map(|text| {
            format!(r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#)
        })
        .collect();
    format!("<table:table-row{attributes}>{cells}</table:table-row>")
}

#[test]
fn ods_rows_collapsed_or_filtered_are_hidden() {
    let wrk = Workdir::new();
    let header: Vec<String> = HEADER.iter().map(|h| (*h).to_owned()).collect();
    let rows = ods_row(&header, "")
        + &ods_row(&reward(1, "1"), "")
        + &ods_row(&reward(2, "1"), r#" table:visibility="collapse""#)
        + &ods_row(&reward(3, "1"), "")
        // One element for two rows: both hidden, and the row after it is row 7.
        + &ods_row(&reward(4, "1"), r#" table:visibility="filter" table:number-rows-repeated="2""#)
        + &ods_row(&reward(6, "1"), r#" table:visibility="visible""#);
    wrk.create("book.ods", ods_of(&[("Rewards", rows)]));
    let output = wrk
        .command(&["validate", "book.ods", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(json["hidden_rows"][0]["at"], "book.ods[Rewards]", "{json}");
    assert_eq!(json["hidden_rows"][0]["listed"], "3, 5-6", "{json}");
    wrk.create("map.toml", "[source]\nhidden_rows = \"skip\"\n");
    let output = wrk
        .command(&["validate", "book.ods", "--map", "map.toml", "--json"])
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let skipped: Vec<&str> = json["skipped_rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["at"].as_str().unwrap())
        .collect();
    assert_eq!(
        skipped,
        [
            "book.ods[Rewards]:3",
            "book.ods[Rewards]:5",
            "book.ods[Rewards]:6"
        ]
    );
}

#[test]
fn an_xls_row_hidden_in_its_row_record_is_hidden() {
    // The corpus's good .xls, its second row (the first reward) hidden as Excel hides
    // one: bit 5 (fDyZero) of its ROW record's option flags.
    let mut bytes = std::fs::read(crate::common::repo_path(
        "tests/corpus/workbooks/xls-rewards.xls",
    ))
    .unwrap();
    let row_record = |rw: u8| -> Vec<u8> { vec![0x08, 0x02, 0x10, 0x00, rw, 0x00] };
    let at = bytes
        .windows(6)
        .position(|w| w == row_record(1).as_slice())
        .expect("the ROW record of Excel's row 2");
    bytes[at + 4 + 12] |= 0x20;
    let wrk = Workdir::new();
    wrk.create("old.xls", &bytes);
    let output = wrk.command(&["validate", "old.xls"]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.contains("old.xls[Rewards]: warning: row 2 is hidden in the workbook"),
        "{text}"
    );
}
