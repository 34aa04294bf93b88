//! `.xlsx` workbooks written here with rust_xlsxwriter and read back through
//! `Source::open`: typed cells (dates in both date systems, long numbers, booleans,
//! formulas' cached values), the sheet asked for, the header row and the rows above it,
//! Excel's row numbers across empty rows, and control characters in cells.

use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

use rewardsync::problem::Rule;
use rewardsync::read::mapping::{InputOptions, RewardFile};
use rewardsync::read::source::{
    Cell, Cells, OwnedCell, Record, SheetChoice, Source, SourceError, SourceKind, SourceOptions,
    WorkbookFormat,
};

use crate::common::Workdir;

/// A zip archive of `entries` (name, contents), in order: a `mimetype` entry stored, as
/// OpenDocument wants it, every other deflated, as Excel writes them.
pub fn zip_of(entries: &[(&str, &str)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for (name, contents) in entries {
        let method = match *name {
            "mimetype" => zip::CompressionMethod::Stored,
            _ => zip::CompressionMethod::Deflated,
        };
        let options = SimpleFileOptions::default().compression_method(method);
        out.start_file(*name, options).expect("a zip entry");
        out.write_all(contents.as_bytes())
            .expect("a zip entry's contents");
    }
    out.finish().expect("a zip archive").into_inner()
}

/// The canonical header most sheets here start with.
pub const NAMES: [&str; 6] = [
    "external_id",
    "referral_user_id",
    "application_id",
    "rule_type",
    "stage",
    "create_time",
];

/// Writes an `.xlsx` named `name` in `dir`, its sheets filled by `fill`.
pub fn xlsx(dir: &Workdir, name: &str, fill: impl FnOnce(&mut Workbook)) -> PathBuf {
    let mut book = Workbook::new();
    fill(&mut book);
    let path = dir.path(name);
    book.save(&path).expect("write the workbook");
    path
}

/// Writes `cells` in row `row` (from 0) of `sheet`, from column A.
pub fn strings(sheet: &mut Worksheet, row: u32, cells: &[&str]) {
    for (column, text) in cells.iter().enumerate() {
        sheet
            .write_string(row, column as u16, *text)
            .expect("write a cell");
    }
}

/// Whether a header cell names a canonical column (what the mapping says of them).
pub fn known(name: &str) -> bool {
    InputOptions::default().spec().knows(name)
}

/// Opens `path` with `options`.
pub fn open(path: &Path, options: &SourceOptions) -> Result<Source, SourceError> {
    Source::open(path, options, &known)
}

/// Every record of a source.
pub fn records(source: &mut Source) -> Vec<Record> {
    let mut rows = Vec::new();
    while let Some(row) = source.next_record().expect("every row reads") {
        rows.push(row);
    }
    rows
}

/// Opens `path` with the default options and reads every record.
fn read(path: &Path) -> (Source, Vec<Record>) {
    let mut source = open(path, &SourceOptions::default()).expect("the workbook opens");
    let rows = records(&mut source);
    (source, rows)
}

fn date_format() -> Format {
    Format::new().set_num_format("yyyy-mm-dd hh:mm:ss")
}

#[test]
fn date_cells_arrive_as_serials_of_the_1900_system() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "dates.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        let when = ExcelDateTime::parse_from_str("2024-01-08 13:24:35").unwrap();
        sheet
            .write_datetime_with_format(1, 5, &when, &date_format())
            .unwrap();
        // A date without a time, in a date-only format.
        let day = ExcelDateTime::from_ymd(2024, 1, 8).unwrap();
        let day_format = Format::new().set_num_format("yyyy/m/d");
        sheet
            .write_datetime_with_format(2, 5, &day, &day_format)
            .unwrap();
        // The same number without a date format is a number.
        sheet.write_number(3, 5, 45299.0).unwrap();
    });
    let (source, rows) = read(&path);
    assert_eq!(source.kind(), SourceKind::Workbook(WorkbookFormat::Xlsx));
    match rows[0].cell(5) {
        Cell::Date { serial, is_1904 } => {
            assert!(!is_1904);
            assert!((serial - 45299.558738426).abs() < 1e-6, "{serial}");
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(rows[0].text(5), "2024-01-08 13:24:35");
    assert_eq!(
        rows[1].cell(5),
        Cell::Date {
            serial: 45299.0,
            is_1904: false
        }
    );
    assert_eq!(rows[1].text(5), "2024-01-08 00:00:00");
    assert_eq!(rows[2].cell(5), Cell::Number(45299.0));
}

/// Rewrites the entry `name` of the zip archive at `path` with `change`.
pub fn rewrite_entry(path: &Path, name: &str, change: impl Fn(String) -> String) {
    let bytes = std::fs::read(path).unwrap();
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).unwrap();
        let entry_name = entry.name().unwrap().into_owned();
        if entry_name == name {
            let mut text = String::new();
            entry.read_to_string(&mut text).unwrap();
            out.start_file(entry_name, zip::write::SimpleFileOptions::default())
                .unwrap();
            out.write_all(change(text).as_bytes()).unwrap();
        } else {
            out.raw_copy_file(entry).unwrap();
        }
    }
    let bytes = out.finish().unwrap().into_inner();
    std::fs::write(path, bytes).unwrap();
}

/// Rewrites the `.xlsx` at `path` in the 1904 date system (which rust_xlsxwriter does not
/// write): the same serials then name dates 1,462 days later.
fn use_1904_system(path: &Path) {
    rewrite_entry(path, "xl/workbook.xml", |xml| {
        assert!(xml.contains("<workbookPr"), "{xml}");
        xml.replace("<workbookPr", "<workbookPr date1904=\"1\"")
    });
}

#[test]
fn date_cells_of_the_1904_system_say_so() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "mac.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        // 2024-01-08 00:00 is serial 43837 in the 1904 system.
        sheet
            .write_number_with_format(1, 5, 43837.5, &date_format())
            .unwrap();
    });
    use_1904_system(&path);
    let (_, rows) = read(&path);
    assert_eq!(
        rows[0].cell(5),
        Cell::Date {
            serial: 43837.5,
            is_1904: true
        }
    );
    assert_eq!(rows[0].text(5), "2024-01-08 12:00:00");
}

#[test]
fn long_numbers_arrive_as_excel_kept_them() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "ids.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        strings(sheet, 1, &["e1", "ou_1"]);
        sheet.write_number(1, 2, 123_456_789_012_345.0).unwrap();
        strings(sheet, 2, &["e2", "ou_2"]);
        // 19 digits: a float has lost the last ones before the file is even written.
        #[allow(clippy::excessive_precision)]
        sheet.write_number(2, 2, 7214000000000001031.0).unwrap();
        strings(sheet, 3, &["e3", "ou_3", "7214000000000001031"]);
    });
    let (_, rows) = read(&path);
    assert_eq!(rows[0].cell(2), Cell::Number(123_456_789_012_345.0));
    assert_eq!(rows[0].text(2), "123456789012345");
    let Cell::Number(long) = rows[1].cell(2) else {
        panic!("{:?}", rows[1].cell(2))
    };
    assert_eq!(long, 7.214_000_000_000_001e18);
    assert_ne!(long as u64, 7_214_000_000_000_001_031);
    // As text it shows as Excel shows it, so it stays refused if written out and read again.
    assert_eq!(rows[1].text(2), "7.214000000000001E18");
    // The same id as text arrives whole.
    assert_eq!(rows[2].cell(2), Cell::Text("7214000000000001031"));
}

#[test]
fn booleans_formulas_and_sparse_cells() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "kinds.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        sheet.write_boolean(1, 0, true).unwrap();
        sheet
            .write_formula(1, 3, Formula::new("=1+1").set_result("2"))
            .unwrap();
        sheet
            .write_formula(1, 4, Formula::new("=\"a\"&\"b\"").set_result("ab"))
            .unwrap();
        // Only white space is nothing, as in a CSV.
        sheet.write_string(1, 1, "   ").unwrap();
    });
    let (_, rows) = read(&path);
    let row = &rows[0];
    assert_eq!(row.cell(0), Cell::Bool(true));
    assert_eq!(row.cell(1), Cell::Empty);
    assert_eq!(row.cell(2), Cell::Empty);
    assert_eq!(row.cell(3), Cell::Number(2.0));
    assert_eq!(row.cell(4), Cell::Text("ab"));
    assert_eq!(row.len(), 5);
}

#[test]
fn empty_rows_are_skipped_and_rows_keep_excel_numbers() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "gaps.xlsx", |book| {
        let sheet = book.add_worksheet();
        sheet.set_name("Rewards").unwrap();
        strings(sheet, 0, &NAMES);
        strings(sheet, 1, &["e1", "ou_1"]);
        // Row 3 holds only white space and an empty string; rows 4 to 6 hold nothing.
        strings(sheet, 2, &[" ", ""]);
        strings(sheet, 6, &["e2", "ou_2"]);
        // A cell far to the right, alone in its row.
        sheet.write_string(9, 7, "late").unwrap();
    });
    let (source, rows) = read(&path);
    let numbers: Vec<u64> = rows.iter().map(|r| r.row).collect();
    assert_eq!(numbers, [2, 7, 10]);
    let origin = source.origin();
    assert_eq!(origin.sheet.as_deref(), Some("Rewards"));
    let at = origin.at(rows[1].row);
    assert!(at.ends_with("gaps.xlsx[Rewards]:7"), "{at}");
    assert_eq!(rows[2].cell(7), Cell::Text("late"));
    assert_eq!(rows[2].cell(0), Cell::Empty);
}

#[test]
fn a_title_above_the_header_needs_header_row_and_is_kept() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "titled.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &["内推奖励导出 2024-01"]);
        sheet.write_number(1, 1, 2024.0).unwrap();
        strings(sheet, 3, &NAMES);
        strings(sheet, 4, &["e1", "ou_1"]);
    });
    let hint = open(&path, &SourceOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        hint.ends_with(
            "titled.xlsx[Sheet1]: row 1 holds no column name rewardsync knows, but row 4 does (\"external_id\", \"referral_user_id\", \"application_id\" and 3 more); pass --header-row 4 (or header_row = 4 in the mapping file)"
        ),
        "{hint}"
    );
    let options = SourceOptions {
        header_row: Some(4),
        ..SourceOptions::default()
    };
    let mut source = open(&path, &options).unwrap();
    assert_eq!(source.header_row(), 4);
    assert_eq!(source.names(), NAMES);
    assert_eq!(
        source.preamble(),
        [
            vec!["内推奖励导出 2024-01".to_owned()],
            vec!["".to_owned(), "2024".to_owned()]
        ]
    );
    let rows = records(&mut source);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].row, 5);
    // A header row past the end of the sheet.
    let options = SourceOptions {
        header_row: Some(30),
        ..SourceOptions::default()
    };
    let err = open(&path, &options).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "titled.xlsx[Sheet1]: there is no row 30: the file ends at row 5; check --header-row"
        ),
        "{err}"
    );
}

#[test]
fn header_names_are_trimmed_text_and_gaps_are_unnamed() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "header.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &[" external_id ", "", "referral_user_id"]);
        sheet.write_number(0, 3, 2024.0).unwrap();
        strings(sheet, 1, &["e1", "", "ou_1", "x"]);
    });
    let (source, _) = read(&path);
    assert_eq!(
        source.names(),
        ["external_id", "", "referral_user_id", "2024"]
    );
}

#[test]
fn a_header_cell_with_a_control_character_stops_the_file_at_its_row() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "ctl.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &["导出"]);
        strings(sheet, 2, &["external_id", "referral\u{1}_user_id"]);
    });
    let options = SourceOptions {
        header_row: Some(3),
        ..SourceOptions::default()
    };
    let err = open(&path, &options).unwrap_err().to_string();
    assert!(
        err.ends_with(
            "ctl.xlsx[Sheet1]:3: header column 2 (\"referral\\u{1}_user_id\") has U+0001 (SOH) at character 9; remove it from the column name"
        ),
        "{err}"
    );
}

#[test]
fn control_characters_in_text_cells_are_problems_of_their_row() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "cells.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        strings(sheet, 1, &["e1", "ou_1"]);
        strings(sheet, 2, &["e\u{0}2", "ou_2", "", "", "", "", "x\u{1b}"]);
        // Tabs and line breaks are layout: whether they may stay is the caller's business.
        strings(sheet, 3, &["e3", "ou\n3"]);
    });
    let (_, rows) = read(&path);
    assert!(rows[0].problems.is_empty());
    let problems = &rows[1].problems;
    // The third: a value past the header's end is a ragged row (see workbook_hostile).
    assert_eq!(problems.len(), 3, "{problems:?}");
    assert_eq!(problems[2].rule, Rule::Ragged);
    assert_eq!(problems[0].column.as_deref(), Some("external_id"));
    assert_eq!(problems[0].rule, Rule::ControlCharacter);
    assert!(
        problems[0]
            .message
            .starts_with("\"e\\02\" has the control character U+0000 (NUL) at character 2;"),
        "{problems:?}"
    );
    // Past the header's end, the field is named by its position.
    assert_eq!(problems[1].column, None);
    assert!(problems[1].message.starts_with("field 7: "), "{problems:?}");
    assert!(rows[2].problems.is_empty());
    assert_eq!(rows[2].cell(1), Cell::Text("ou\n3"));
}

/// A workbook of three sheets: a hidden lookup table, then two of rewards.
fn three_sheets(dir: &Workdir) -> PathBuf {
    xlsx(dir, "sheets.xlsx", |book| {
        let lookup = book.add_worksheet();
        lookup.set_name("Lookup").unwrap();
        strings(lookup, 0, &["code", "label"]);
        lookup.set_hidden(true);
        let first = book.add_worksheet();
        first.set_name("2024 Q1").unwrap();
        strings(first, 0, &NAMES);
        strings(first, 1, &["q1"]);
        // The first sheet shown when the workbook opens.
        first.set_active(true);
        let second = book.add_worksheet();
        second.set_name("2024 Q2").unwrap();
        strings(second, 0, &NAMES);
        strings(second, 1, &["q2"]);
    })
}

fn first_id(path: &Path, sheet: Option<SheetChoice>) -> Result<(String, String), String> {
    let options = SourceOptions {
        sheets: sheet.into_iter().collect(),
        ..SourceOptions::default()
    };
    let mut source = open(path, &options).map_err(|e| e.to_string())?;
    let sheet = source.origin().sheet.clone().unwrap_or_default();
    let rows = records(&mut source);
    Ok((sheet, rows[0].text(0).into_owned()))
}

#[test]
fn the_sheet_is_chosen_by_name_or_position_and_defaults_to_the_first_visible() {
    let dir = Workdir::new();
    let path = three_sheets(&dir);
    let q = |sheet: &str, id: &str| Ok((sheet.to_owned(), id.to_owned()));
    assert_eq!(first_id(&path, None), q("2024 Q1", "q1"));
    assert_eq!(
        first_id(&path, Some(SheetChoice::Name("2024 Q2".into()))),
        q("2024 Q2", "q2")
    );
    assert_eq!(
        first_id(&path, Some(SheetChoice::Name(" 2024 q2 ".into()))),
        q("2024 Q2", "q2")
    );
    assert_eq!(
        first_id(&path, Some(SheetChoice::parse("3"))),
        q("2024 Q2", "q2")
    );
    let lookup = open(
        &path,
        &SourceOptions {
            sheets: vec![SheetChoice::Index(1)],
            ..SourceOptions::default()
        },
    )
    .unwrap();
    assert_eq!(lookup.names(), ["code", "label"]);
}

#[test]
fn an_unknown_sheet_lists_the_sheets_there_are() {
    let dir = Workdir::new();
    let path = three_sheets(&dir);
    let err = first_id(&path, Some(SheetChoice::Name("2024 Q3".into()))).unwrap_err();
    assert!(
        err.ends_with(
            "sheets.xlsx: there is no sheet \"2024 Q3\"; the workbook's sheets are \"Lookup\" (hidden), \"2024 Q1\", \"2024 Q2\". Pass --sheet with one of these names, or a sheet's position from 1 (--sheet 2)"
        ),
        "{err}"
    );
    let err = first_id(&path, Some(SheetChoice::Index(4))).unwrap_err();
    assert!(err.contains("there is no sheet number 4;"), "{err}");
}

#[test]
fn an_empty_sheet_is_an_error_that_names_the_others() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "empty.xlsx", |book| {
        book.add_worksheet().set_name("Blank").unwrap();
        strings(book.add_worksheet(), 0, &NAMES);
    });
    let err = open(&path, &SourceOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("empty.xlsx[Blank]: the sheet is empty;")
            && err.contains("\"Blank\", \"Sheet2\""),
        "{err}"
    );
}

#[test]
fn a_large_sheet_streams_every_row_in_order() {
    let dir = Workdir::new();
    let rows = 5_000u32;
    let path = xlsx(&dir, "large.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        for i in 1..=rows {
            // Every tenth row left empty: numbers must keep the gaps.
            if i % 10 == 0 {
                continue;
            }
            sheet.write_string(i, 0, format!("e{i}")).unwrap();
            sheet.write_number(i, 3, f64::from(i % 5 + 1)).unwrap();
        }
    });
    let (_, read) = read(&path);
    assert_eq!(read.len(), 4_500);
    for record in &read {
        let i = record.row - 1;
        assert_ne!(i % 10, 0);
        assert_eq!(record.text(0), format!("e{i}"));
    }
    assert_eq!(read.last().map(|r| r.row), Some(5_000));
    // A reader dropped half-way stops its thread instead of hanging.
    let mut source = open(&path, &SourceOptions::default()).unwrap();
    assert!(source.next_record().unwrap().is_some());
    drop(source);
}

#[test]
fn a_rewards_workbook_opens_through_the_mapping() {
    let dir = Workdir::new();
    // Not its extension: its content says what it is.
    let path = xlsx(&dir, "rewards.csv", |book| {
        let sheet = book.add_worksheet();
        sheet.set_name("奖励").unwrap();
        strings(
            sheet,
            0,
            &["外部奖励ID", "内推人ID", "投递ID", "奖励类型", "奖励状态"],
        );
        strings(
            sheet,
            1,
            &["e1", "ou_1", "7214000000000000001", "入职奖励", "已确认"],
        );
    });
    let mut file = RewardFile::open(&path, &InputOptions::default()).unwrap();
    assert_eq!(file.kind(), SourceKind::Workbook(WorkbookFormat::Xlsx));
    let row = file.next_record().unwrap().unwrap();
    assert_eq!(row.row, 2);
    assert!(file.origin().at(row.row).ends_with("rewards.csv[奖励]:2"));
    let Cells::Typed(cells) = &row.cells else {
        panic!("{:?}", row.cells)
    };
    let text = |t: &str| OwnedCell::Text(t.into());
    assert_eq!(
        cells,
        &[
            text("e1"),
            text("ou_1"),
            text("7214000000000000001"),
            text("入职奖励"),
            text("已确认"),
        ]
    );
}
