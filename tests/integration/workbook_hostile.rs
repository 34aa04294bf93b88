//! Workbooks made to exhaust memory or to hide values (SPEC §2.5), each built small here:
//! refused with a message that says what is wrong and what to do (exit 2), or read with
//! the problem on its row, and the good rows around them still read.

use rewardsync::problem::Rule;
use rewardsync::read::source::{Cell, Record, SourceError, SourceOptions};

use crate::common::Workdir;
use crate::workbook_read::{open, zip_of};

/// The header of every sheet here (and of the workbook property tests').
pub const HEADER: [&str; 7] = [
    "external_id",
    "referral_user_id",
    "application_id",
    "rule_type",
    "bonus_type",
    "point_bonus",
    "stage",
];

/// A row of rewards' cells (ids as text, numbers as numbers), from column A of row `row`.
fn reward_row(row: u32, id: &str) -> String {
    let texts = [id, "ou_1", "app_1"];
    let mut cells: String = texts
        .iter()
        .enumerate()
        .map(|(i, text)| inline(&format!("{}{row}", column(i)), text))
        .collect();
    for (i, number) in [1, 1, 100, 1].iter().enumerate() {
        cells.push_str(&format!(
            r#"<c r="{}{row}"><v>{number}</v></c>"#,
            column(i + 3)
        ));
    }
    format!(r#"<row r="{row}">{cells}</row>"#)
}

fn column(i: usize) -> char {
    char::from(b'A' + i as u8)
}

/// A cell holding `text` inline.
fn inline(reference: &str, text: &str) -> String {
    format!(r#"<c r="{reference}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

/// The header row (row 1).
fn header_row() -> String {
    let cells: String = HEADER
        .iter()
        .enumerate()
        .map(|(i, name)| inline(&format!("{}1", column(i)), name))
        .collect();
    format!(r#"<row r="1">{cells}</row>"#)
}

const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Rewards" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;

/// An `.xlsx` whose one sheet's `<sheetData>` holds `rows`, and whose shared strings part
/// is `shared` (when given).
fn xlsx_of(rows: &str, shared: Option<&str>) -> Vec<u8> {
    let sheet = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>"#
    );
    let mut entries = vec![
        ("[Content_Types].xml", "<Types/>"),
        ("_rels/.rels", RELS),
        ("xl/workbook.xml", WORKBOOK),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/worksheets/sheet1.xml", &sheet),
    ];
    if let Some(shared) = shared {
        entries.push(("xl/sharedStrings.xml", shared));
    }
    zip_of(&entries)
}

/// What opening a workbook of `bytes` (named `name`) and reading all of it says: its
/// rows, or its refusal with the directory's path taken out.
fn read(name: &str, bytes: &[u8]) -> Result<Vec<Record>, String> {
    let dir = Workdir::new();
    let path = dir.create(name, bytes);
    let shown = path.display().to_string();
    let strip = |e: SourceError| e.to_string().replace(&shown, name);
    let mut source = open(&path, &SourceOptions::default()).map_err(strip)?;
    let mut rows = Vec::new();
    loop {
        match source.next_record() {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => return Ok(rows),
            Err(e) => return Err(strip(e)),
        }
    }
}

/// The refusal of a workbook of `bytes`.
fn refusal(name: &str, bytes: &[u8]) -> String {
    match read(name, bytes) {
        Ok(rows) => panic!("{name} was read: {} rows", rows.len()),
        Err(message) => message,
    }
}

/// `rewardsync validate` on a workbook of `bytes`: its exit code and what it printed.
fn validate(name: &str, bytes: &[u8]) -> (i32, String) {
    let dir = Workdir::new();
    dir.create(name, bytes);
    let output = dir.command(&["validate", name]).output().unwrap();
    let text = String::from_utf8_lossy(&output.stderr).into_owned()
        + &String::from_utf8_lossy(&output.stdout);
    (output.status.code().unwrap_or(-1), text)
}

/// Sets the declared sizes of entry `name` (in its local header and the directory).
fn declare_sizes(bytes: &mut [u8], name: &str, compressed: Option<u32>, expanded: u32) {
    let name = name.as_bytes();
    let mut at = 0;
    while let Some(i) = bytes[at..].windows(name.len()).position(|w| w == name) {
        let i = at + i;
        if i >= 30 && bytes[i - 30..i - 26] == *b"PK\x03\x04" {
            if let Some(c) = compressed {
                bytes[i - 12..i - 8].copy_from_slice(&c.to_le_bytes());
            }
            bytes[i - 8..i - 4].copy_from_slice(&expanded.to_le_bytes());
        } else if i >= 46 && bytes[i - 46..i - 42] == *b"PK\x01\x02" {
            if let Some(c) = compressed {
                bytes[i - 26..i - 22].copy_from_slice(&c.to_le_bytes());
            }
            bytes[i - 22..i - 18].copy_from_slice(&expanded.to_le_bytes());
        }
        at = i + 1;
    }
}

fn good_sheet() -> String {
    header_row() + &reward_row(2, "e2") + &reward_row(3, "e3")
}

#[test]
fn a_part_that_holds_more_than_it_declares_stops_where_it_said_it_ends() {
    let mut bytes = xlsx_of(&good_sheet(), None);
    declare_sizes(&mut bytes, "xl/worksheets/sheet1.xml", None, 100);
    let message = refusal("lies.xlsx", &bytes);
    assert!(
        message.starts_with("lies.xlsx[Rewards]: cannot read the sheet")
            && message.contains("File is larger than its declared uncompressed size"),
        "{message}"
    );
}

#[test]
fn a_part_that_declares_too_great_an_expansion_is_refused_unread() {
    let mut bytes = xlsx_of(&good_sheet(), None);
    declare_sizes(&mut bytes, "xl/worksheets/sheet1.xml", Some(100), 100_001);
    assert_eq!(
        refusal("bomb.xlsx", &bytes),
        "bomb.xlsx: the workbook's part \"xl/worksheets/sheet1.xml\" expands from 100 bytes to 100001, over 1,000 times its compressed size; no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again, or export the sheet as CSV UTF-8"
    );
    let mut bytes = xlsx_of(&good_sheet(), None);
    declare_sizes(
        &mut bytes,
        "xl/worksheets/sheet1.xml",
        Some(2_000_000),
        2_000_000_000,
    );
    assert!(refusal("big.xlsx", &bytes).contains(
        "expands from 2000000 bytes to 2000000000, past the 1 GiB a workbook's part may hold;"
    ));
}

#[test]
fn a_cell_past_the_last_column_or_row_refuses_the_file() {
    for (reference, last) in [("AAAAAAA1", "column (XFD)"), ("XFE1", "column (XFD)")] {
        let rows = good_sheet() + &format!(r#"<row r="4"><c r="{reference}"><v>1</v></c></row>"#);
        assert_eq!(
            refusal("far.xlsx", &xlsx_of(&rows, None)),
            format!(
                "far.xlsx[Rewards]: cell \"{reference}\" is past Excel's last {last}; no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again"
            )
        );
    }
    let rows = good_sheet() + r#"<row r="1048577"><c r="A1048577"><v>1</v></c></row>"#;
    assert!(
        refusal("far.xlsx", &xlsx_of(&rows, None))
            .starts_with("far.xlsx[Rewards]: row \"1048577\" is past Excel's last row (1048576);")
    );
    // The last cell there is, XFD1048576, reads.
    let rows = good_sheet() + r#"<row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#;
    let rows = read("last.xlsx", &xlsx_of(&rows, None)).unwrap();
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[2].row, 1_048_576);
    assert_eq!(rows[2].cell(16_383), Cell::Number(1.0));
}

#[test]
fn a_shared_string_over_a_mib_is_refused_by_its_index() {
    let long = "x".repeat(2 << 20);
    let shared = format!(
        r#"<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="2" uniqueCount="2"><si><t>e2</t></si><si><r><t>{long}</t></r></si></sst>"#
    );
    let rows = header_row() + r#"<row r="2"><c r="A2" t="s"><v>1</v></c></row>"#;
    assert_eq!(
        refusal("sst.xlsx", &xlsx_of(&rows, Some(&shared))),
        "sst.xlsx: shared string 1 (counting from 0) holds more than the 1 MiB a cell may hold; the workbook reader reads every shared string before any row, so the file is refused and the cell that uses it cannot be named: find the cell with over a million characters and shorten or delete it, or save the sheet as CSV UTF-8"
    );
    // The same text in runs of a rich string, each short: their sum is what counts.
    let runs = "<r><t>".to_owned() + &"y".repeat(300_000) + "</t></r>";
    let shared = format!(
        r#"<sst><si><t>e2</t></si><si>{}</si></sst>"#,
        runs.repeat(4)
    );
    assert!(
        refusal("runs.xlsx", &xlsx_of(&rows, Some(&shared))).starts_with(
            "runs.xlsx: shared string 1 (counting from 0) holds 1.1 MiB, more than the 1 MiB"
        )
    );
}

#[test]
fn shared_strings_that_declare_more_than_memory_holds_are_refused() {
    let shared = r#"<sst count="1" uniqueCount="100000000"><si><t>e2</t></si></sst>"#;
    let rows = header_row() + r#"<row r="2"><c r="A2" t="s"><v>0</v></c></row>"#;
    assert_eq!(
        refusal("count.xlsx", &xlsx_of(&rows, Some(shared))),
        "count.xlsx: the workbook's 100000000 shared strings (the text of its cells) would take about 2289 MiB of memory to read, more than the 128 MiB a workbook may take; save the sheet as CSV UTF-8 (in Excel: File > Save As > CSV UTF-8), which is read as a stream whatever its size, or split the workbook into smaller ones"
    );
}

#[test]
fn a_cell_over_a_mib_is_refused_by_its_name_and_row() {
    let long = "x".repeat(2 << 20);
    let rows = header_row()
        + &reward_row(2, "e2")
        + &format!(r#"<row r="3">{}</row>"#, inline("C3", &long));
    assert_eq!(
        refusal("cell.xlsx", &xlsx_of(&rows, None)),
        "cell.xlsx[Rewards]:3: cell C3 holds more than the 1 MiB a cell may hold; the workbook reader would hold it whole, so the file is refused: shorten the cell or delete it, or save the sheet as CSV UTF-8, where a long cell makes only its row invalid"
    );
    // A formula calamine skips whole is no different.
    let formula = "1+".repeat(600_000) + "1";
    let rows =
        header_row() + &format!(r#"<row r="2"><c r="B2"><f>{formula}</f><v>2</v></c></row>"#);
    assert!(
        refusal("formula.xlsx", &xlsx_of(&rows, None))
            .starts_with("formula.xlsx[Rewards]:2: cell B2 holds ")
    );
}

#[test]
fn a_run_of_white_space_between_rows_is_refused() {
    let rows = good_sheet() + &" ".repeat(2 << 20) + &reward_row(4, "e4");
    assert_eq!(
        refusal("space.xlsx", &xlsx_of(&rows, None)),
        "space.xlsx[Rewards]: the sheet's XML holds a run of more than 1 MiB without markup outside any cell (after row 3); no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again, or export the sheet as CSV UTF-8"
    );
}

#[test]
fn a_row_past_a_mib_of_text_is_invalid_and_the_rows_around_it_read() {
    let third = "z".repeat(400_000);
    let long_row = format!(
        r#"<row r="3">{}{}{}</row>"#,
        inline("A3", &third),
        inline("B3", &third),
        inline("C3", &third)
    );
    let rows = header_row() + &reward_row(2, "e2") + &long_row + &reward_row(4, "e4");
    let rows = read("wide.xlsx", &xlsx_of(&rows, None)).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].problems.is_empty());
    assert_eq!(rows[1].row, 3);
    assert_eq!(rows[1].cell(0), Cell::Empty);
    assert_eq!(rows[1].problems.len(), 1);
    assert_eq!(rows[1].problems[0].rule, Rule::TooLong);
    assert_eq!(
        rows[1].problems[0].message,
        "the row's cells hold 1200000 bytes of text, more than the 1 MiB a row may hold, so none of them was read; shorten the long texts (a file of its own is the place for a long one), or delete the row"
    );
    assert_eq!(rows[2].cell(0), Cell::Text("e4"));

    let (code, text) = validate("wide.xlsx", &xlsx_of(&(header_row() + &long_row), None));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("wide.xlsx[Rewards]:3: the row's cells hold 1200000 bytes of text"),
        "{text}"
    );
    assert!(!text.contains("is empty; it is required"), "{text}");
}

#[test]
fn error_values_calamine_does_not_know_are_error_cells_where_they_are() {
    let error = |reference: &str, value: &str| {
        format!(r#"<c r="{reference}" t="e"><f>A1</f><v>{value}</v></c>"#)
    };
    let rows = header_row()
        + &reward_row(2, "e2")
        + &format!(
            r#"<row r="3">{}{}</row>"#,
            error("A3", "#GETTING_DATA"),
            inline("B3", "ou_3")
        )
        + &format!(
            r#"<row r="4">{}{}</row>"#,
            inline("A4", "e4"),
            error("C4", "#SPILL!")
        )
        + &format!(
            r#"<row r="5">{}{}</row>"#,
            inline("A5", "e5"),
            error("C5", "#CALC!")
        )
        + &format!(
            r#"<row r="6">{}{}</row>"#,
            inline("A6", "e6"),
            error("G6", "#N/A")
        )
        + &reward_row(7, "e7");
    let rows = read("errors.xlsx", &xlsx_of(&rows, None)).unwrap();
    let cells: Vec<(u64, Cell<'_>, Cell<'_>)> = rows
        .iter()
        .map(|row| (row.row, row.cell(0), row.cell(2)))
        .collect();
    assert_eq!(
        cells,
        [
            (2, Cell::Text("e2"), Cell::Text("app_1")),
            (3, Cell::Error("#GETTING_DATA"), Cell::Empty),
            (4, Cell::Text("e4"), Cell::Error("#SPILL!")),
            (5, Cell::Text("e5"), Cell::Error("#CALC!")),
            (6, Cell::Text("e6"), Cell::Empty),
            (7, Cell::Text("e7"), Cell::Text("app_1")),
        ]
    );
    assert_eq!(rows[1].cell(1), Cell::Text("ou_3"));
    assert_eq!(rows[4].cell(6), Cell::Error("#N/A"));

    let sheet = header_row()
        + &reward_row(2, "e2")
        + &format!(r#"<row r="3">{}</row>"#, error("A3", "#GETTING_DATA"))
        + &reward_row(4, "e4");
    let (code, text) = validate("errors.xlsx", &xlsx_of(&sheet, None));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains("errors.xlsx[Rewards]:3: column external_id: holds Excel's error value \"#GETTING_DATA\""),
        "{text}"
    );
    assert!(text.contains("3 rows: 2 valid, 1 invalid"), "{text}");
}

#[test]
fn a_cell_without_a_reference_after_an_unknown_error_value_is_refused() {
    let rows = header_row()
        + r#"<row r="2"><c r="A2" t="e"><v>#SPILL!</v></c><c t="inlineStr"><is><t>ou_2</t></is></c></row>"#;
    assert_eq!(
        refusal("lag.xlsx", &xlsx_of(&rows, None)),
        "lag.xlsx[Rewards]: the file cannot be read as an Excel workbook (.xlsx): cell A2 holds an error value the reader does not know, and the cell after it carries no reference, so its column cannot be told; it may be truncated or damaged: copy or download it again, or open it in Excel (or LibreOffice) and save it again"
    );
}

#[test]
fn a_value_under_no_header_is_a_ragged_row() {
    let rows = header_row()
        + &reward_row(2, "e2")
        + &format!(
            r#"<row r="3">{}{}{}</row>"#,
            inline("A3", "e3"),
            inline("J3", "stray"),
            inline("K3", "more")
        )
        + &reward_row(4, "e4");
    let rows = read("stray.xlsx", &xlsx_of(&rows, None)).unwrap();
    assert_eq!(rows.len(), 3);
    assert!(rows[0].problems.is_empty() && rows[2].problems.is_empty());
    let problems = &rows[1].problems;
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].rule, Rule::Ragged);
    assert_eq!(
        problems[0].message,
        "\"stray\" is under column 10, which has no name in the header; name the column (or move the value), or delete it (1 more value past the header's last column)"
    );

    let sheet =
        header_row() + &reward_row(2, "e2").replace("</row>", &(inline("H2", "x") + "</row>"));
    let (code, text) = validate("stray.xlsx", &xlsx_of(&sheet, None));
    assert_eq!(code, 1, "{text}");
    assert!(
        text.contains(
            "stray.xlsx[Rewards]:2: \"x\" is under column 8, which has no name in the header"
        ),
        "{text}"
    );
}

#[test]
fn refusals_exit_2() {
    let rows = good_sheet() + r#"<row r="4"><c r="AAAAAAA4"><v>1</v></c></row>"#;
    let (code, text) = validate("far.xlsx", &xlsx_of(&rows, None));
    assert_eq!(code, 2, "{text}");
    assert!(
        text.starts_with("rewardsync: far.xlsx[Rewards]: cell \"AAAAAAA4\" is past"),
        "{text}"
    );
}

/// Every file of `tests/corpus/workbooks` validates without a panic or an abort.
#[test]
fn the_corpus_of_hostile_workbooks_is_refused_or_read() {
    let dir = crate::common::repo_path("tests/corpus/workbooks");
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "md") {
            continue;
        }
        let wrk = Workdir::new();
        let output = wrk
            .command(&["validate", &path.display().to_string()])
            .output()
            .unwrap();
        let code = output.status.code();
        assert!(
            matches!(code, Some(0..=2)),
            "{}: {code:?} {}",
            path.display(),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
    }
}

/// An `.ods` of `tables` (name, rows), as LibreOffice lays one out.
pub(crate) fn ods_of(tables: &[(&str, String)]) -> Vec<u8> {
    let tables: String = tables
        .iter()
        .map(|(name, rows)| format!(r#"<table:table table:name="{name}">{rows}</table:table>"#))
        .collect();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet>{tables}</office:spreadsheet></office:body></office:document-content>"#
    );
    let manifest = r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/></manifest:manifest>"#;
    zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", manifest),
        ("content.xml", &content),
    ])
}

/// An `.ods` row of text cells, repeated `repeat` times.
fn ods_row(cells: &[&str], repeat: u32) -> String {
    let cells: String = cells
        .iter()
        .map(|text| {
            format!(r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#)
        })
        .collect();
    match repeat {
        1 => format!("<table:table-row>{cells}</table:table-row>"),
        n => format!(
            r#"<table:table-row table:number-rows-repeated="{n}">{cells}</table:table-row>"#
        ),
    }
}

fn ods_rewards() -> String {
    ods_row(&HEADER, 1) + &ods_row(&["e2", "ou_1", "app_1", "1", "1", "100", "1"], 1)
}

#[test]
fn an_ods_row_repeated_to_the_last_row_is_refused_by_its_table_and_row() {
    let rows = ods_rewards() + &ods_row(&["e3", "ou_1", "app_1", "1", "1", "100", "1"], 1_048_573);
    assert_eq!(
        refusal("repeat.ods", &ods_of(&[("Rewards", rows)])),
        "repeat.ods: table \"Rewards\" up to its row 3, repeated 1048573 times (the spreadsheet reader holds every table whole, each repeated row and column as many times as it repeats) would take about 560 MiB of memory to read, more than the 160 MiB a workbook may take; delete the rows and columns past the table's end (a sheet formatted down to its last row repeats them), or save the sheet as CSV UTF-8, which is read as a stream whatever its size"
    );
    // The rows LibreOffice writes to the end of a formatted sheet hold nothing: they cost
    // nothing, and the table reads.
    let rows = ods_rewards()
        + r#"<table:table-row table:number-rows-repeated="1048574"><table:table-cell table:number-columns-repeated="1024"/></table:table-row>"#;
    let read = read("filler.ods", &ods_of(&[("Rewards", rows)])).unwrap();
    assert_eq!(read.len(), 1);
    assert_eq!(read[0].cell(0), Cell::Text("e2"));
}

#[test]
fn every_table_of_an_ods_counts_as_calamine_reads_them_all() {
    let big = ods_row(&["x", "y", "z", "w"], 1_048_576);
    assert!(
        refusal(
            "two.ods",
            &ods_of(&[("Rewards", ods_rewards()), ("Big", big)])
        )
        .starts_with("two.ods: table \"Big\" up to its row 1, repeated 1048576 times")
    );
    // A small second table is no trouble.
    let small = ods_row(&["x", "y", "z", "w"], 100);
    let rows = read(
        "two.ods",
        &ods_of(&[("Rewards", ods_rewards()), ("Small", small)]),
    )
    .unwrap();
    assert_eq!(rows.len(), 1);
}

#[test]
fn an_ods_cell_over_a_mib_is_refused_by_its_name() {
    let spaces = r#"<table:table-row><table:table-cell office:value-type="string"><text:p>e3<text:s text:c="2000000"/></text:p></table:table-cell></table:table-row>"#;
    assert_eq!(
        refusal("cell.ods", &ods_of(&[("Rewards", ods_rewards() + spaces)])),
        "cell.ods[Rewards]:3: cell A3 holds 1.9 MiB, more than the 1 MiB a cell may hold; the workbook reader would hold it whole, so the file is refused: shorten the cell or delete it, or save the sheet as CSV UTF-8, where a long cell makes only its row invalid"
    );
    let long = "x".repeat(2 << 20);
    let cell = format!(
        r#"<table:table-row><table:table-cell/><table:table-cell office:value-type="float" office:value="1"><text:p>{long}</text:p></table:table-cell></table:table-row>"#
    );
    assert!(
        refusal("cell.ods", &ods_of(&[("Rewards", ods_rewards() + &cell)]))
            .starts_with("cell.ods[Rewards]:3: cell B3 holds more than the 1 MiB a cell may hold")
    );
}

/// The bytes of `tests/corpus/workbooks/NAME`.
fn corpus(name: &str) -> Vec<u8> {
    std::fs::read(crate::common::repo_path(&format!(
        "tests/corpus/workbooks/{name}"
    )))
    .unwrap()
}

#[test]
fn an_xls_with_one_far_cell_is_refused_by_its_sheet_and_cell() {
    assert_eq!(
        refusal("far.xls", &corpus("xls-cell-iv65536.xls")),
        "far.xls: sheet \"Rewards\" (its cells up to IV65536, which the spreadsheet reader holds whole, empty ones too) would take about 961 MiB of memory to read, more than the 192 MiB a workbook may take; delete the cells far from the table (Ctrl+End in Excel goes to the last cell; delete the rows and columns between it and the table), or open the file in Excel and save it as an Excel Workbook (.xlsx), which is read as a stream"
    );
    let (code, text) = validate("far.xls", &corpus("xls-cell-iv65536.xls"));
    assert_eq!(code, 2, "{text}");
}

#[test]
fn a_good_xls_still_reads() {
    let rows = read("good.xls", &corpus("xls-rewards.xls")).unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0].cell(0), Cell::Text("e1"));
    assert_eq!(rows[1].cell(5), Cell::Number(200.0));
}

#[test]
fn an_ods_date_before_1900_is_a_date_too_early_not_a_time_of_day() {
    let date = |id: &str, date: &str| {
        let mut row = ods_row(&[id, "ou_1", "app_1", "1", "1", "100", "1"], 1);
        let cell = format!(
            r#"<table:table-cell office:value-type="date" office:date-value="{date}"><text:p>{date}</text:p></table:table-cell></table:table-row>"#
        );
        row = row.replace("</table:table-row>", &cell);
        row
    };
    let mut header = HEADER.to_vec();
    header.push("create_time");
    let rows = ods_row(&header, 1)
        + &date("e2", "1899-06-01")
        + &date("e3", "1900-01-15")
        + &date("e4", "2024-01-08T13:24:35");
    let dir = Workdir::new();
    dir.create("dates.ods", ods_of(&[("Rewards", rows)]));
    let output = dir
        .command(&["validate", "--timezone", "Asia/Shanghai", "dates.ods"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{text}");
    assert!(
        text.contains("dates.ods[Rewards]:2: column create_time: \"1899-06-01\" is before 1970, outside the times a reward can carry (1970-01-01 00:00 UTC to 9999-12-30 22:00 UTC)"),
        "{text}"
    );
    // Excel's serials count January and February 1900 from a day that never was: the
    // date as written is read instead.
    assert!(
        text.contains("dates.ods[Rewards]:3: column create_time: \"1900-01-15\" is before 1970"),
        "{text}"
    );
    assert!(!text.contains("time of day"), "{text}");
    assert!(text.contains("3 rows: 1 valid, 2 invalid"), "{text}");
}

/// The header and `n` good rows from row 2: a sheet far longer than what the check and
/// calamine's read buffer, so that the check runs beside the read, ahead of it.
fn long_sheet(n: u32) -> String {
    let mut rows = header_row();
    for row in 2..n + 2 {
        rows.push_str(&reward_row(row, &format!("e{row}")));
    }
    rows
}

#[test]
fn what_the_check_refuses_deep_in_a_long_sheet_stops_the_read_there() {
    // Read beside the check: the rows before come out, then the refusal, never the run.
    let n = 20_000;
    let rows = long_sheet(n) + &" ".repeat(3 << 20) + &reward_row(n + 2, "last");
    let dir = Workdir::new();
    let path = dir.create("deep.xlsx", xlsx_of(&rows, None));
    let mut source = open(&path, &SourceOptions::default()).unwrap();
    let mut read = 0;
    let error = loop {
        match source.next_record() {
            Ok(Some(_)) => read += 1,
            Ok(None) => panic!("read to the end: {read} rows"),
            Err(e) => break e.to_string(),
        }
    };
    assert!(
        error.ends_with(&format!("deep.xlsx[Rewards]: the sheet's XML holds a run of more than 1 MiB without markup outside any cell (after row {}); no spreadsheet program writes that, so the file is damaged or made to exhaust memory: open it in Excel (or LibreOffice) and save it again, or export the sheet as CSV UTF-8", n + 1)),
        "{error}"
    );
    assert!(read <= n as usize, "{read}");
    // A cell past the last column, just as deep.
    let rows = long_sheet(n) + r#"<row r="30000"><c r="XFE30000"><v>1</v></c></row>"#;
    let (code, text) = validate("far.xlsx", &xlsx_of(&rows, None));
    assert_eq!(code, 2, "{text}");
    assert!(
        text.contains("far.xlsx[Rewards]: cell \"XFE30000\" is past Excel's last column (XFD)"),
        "{text}"
    );
}

#[test]
fn an_unknown_error_value_deep_in_a_long_sheet_is_put_where_it_is() {
    let n = 20_000;
    let rows = long_sheet(n)
        + &format!(
            r#"<row r="{0}"><c r="A{0}" t="inlineStr"><is><t>late</t></is></c><c r="C{0}" t="e"><v>#SPILL!</v></c></row>"#,
            n + 2
        )
        + &reward_row(n + 3, "after");
    let rows = read("late.xlsx", &xlsx_of(&rows, None)).unwrap();
    assert_eq!(rows.len(), n as usize + 2);
    let late = &rows[n as usize];
    assert_eq!(
        (late.row, late.cell(0), late.cell(2)),
        (u64::from(n) + 2, Cell::Text("late"), Cell::Error("#SPILL!"))
    );
    assert_eq!(rows[n as usize + 1].cell(0), Cell::Text("after"));
}

#[test]
fn a_long_sheet_left_half_read_lets_go_of_its_threads() {
    // The header is looked for, a row is read, and the reader is dropped: the check and
    // the read (waiting at the gate, or on the full channel) stop; nothing hangs.
    let dir = Workdir::new();
    let path = dir.create("half.xlsx", xlsx_of(&long_sheet(50_000), None));
    for _ in 0..3 {
        let mut source = open(&path, &SourceOptions::default()).unwrap();
        assert!(source.next_record().unwrap().is_some());
    }
}
