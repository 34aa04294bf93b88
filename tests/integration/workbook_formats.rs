//! What a workbook file is, told by its content: an `.ods` (built here as LibreOffice
//! lays one out) whatever its name, and the files that only look like workbooks (a Word
//! document, an `.xlsb`, an OpenDocument text, a plain zip, a compound document that is no
//! workbook, a truncated download) refused with what they are and what to do. And a sheet
//! damaged past some row, reported with that row.

use std::path::{Path, PathBuf};

use rewardsync::read::source::{Cell, SheetChoice, SourceKind, SourceOptions, WorkbookFormat};

use crate::common::Workdir;
use crate::workbook_read::{NAMES, open, records, rewrite_entry, strings, xlsx, zip_of};

const MANIFEST: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2">
 <manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>
 <manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>
</manifest:manifest>"#;

/// A cell of an `.ods` row holding text.
fn text_cell(text: &str) -> String {
    format!(
        r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
    )
}

/// An `.ods` with a sheet of rewards (a header, two rows of nothing, a row of typed
/// cells) and a second sheet.
fn ods_bytes() -> Vec<u8> {
    let header: String = NAMES.iter().map(|n| text_cell(n)).collect();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">
<office:body><office:spreadsheet>
<table:table table:name="Rewards">
<table:table-row>{header}</table:table-row>
<table:table-row table:number-rows-repeated="2"><table:table-cell table:number-columns-repeated="6"/></table:table-row>
<table:table-row>{}{}<table:table-cell office:value-type="float" office:value="7214000000000000001"><text:p>7.214E+18</text:p></table:table-cell><table:table-cell office:value-type="float" office:value="1"><text:p>1</text:p></table:table-cell><table:table-cell office:value-type="boolean" office:boolean-value="true"><text:p>TRUE</text:p></table:table-cell><table:table-cell office:value-type="date" office:date-value="2024-01-08T13:24:35"><text:p>2024-01-08 13:24:35</text:p></table:table-cell></table:table-row>
</table:table>
<table:table table:name="Other">
<table:table-row>{}</table:table-row>
</table:table>
</office:spreadsheet></office:body></office:document-content>"#,
        text_cell("e1"),
        text_cell("ou_1"),
        text_cell("other"),
    );
    zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        ("META-INF/manifest.xml", MANIFEST),
        ("content.xml", &content),
    ])
}

#[test]
fn an_ods_is_read_by_its_content_with_dates_as_date_cells() {
    let dir = Workdir::new();
    // Named .xlsx: the content decides.
    let path = dir.create("rewards.xlsx", ods_bytes());
    let mut source = open(&path, &SourceOptions::default()).unwrap();
    assert_eq!(source.kind(), SourceKind::Workbook(WorkbookFormat::Ods));
    assert_eq!(source.names(), NAMES);
    let rows = records(&mut source);
    assert_eq!(rows.len(), 1);
    let row = &rows[0];
    assert!(
        source
            .origin()
            .at(row.row)
            .ends_with("rewards.xlsx[Rewards]:4")
    );
    assert_eq!(row.cell(0), Cell::Text("e1"));
    assert_eq!(row.cell(2), Cell::Number(7.214e18));
    assert_eq!(row.cell(3), Cell::Number(1.0));
    assert_eq!(row.cell(4), Cell::Bool(true));
    assert!(matches!(row.cell(5), Cell::Date { is_1904: false, .. }));
    assert_eq!(row.text(5), "2024-01-08 13:24:35");

    let options = SourceOptions {
        sheets: vec![SheetChoice::Name("other".into())],
        ..SourceOptions::default()
    };
    let other = open(&path, &options).unwrap();
    assert_eq!(other.origin().sheet.as_deref(), Some("Other"));
}

/// The message of opening a file of `bytes` named `name`.
fn refused(name: &str, bytes: &[u8]) -> String {
    let dir = Workdir::new();
    let path = dir.create(name, bytes);
    let err = open(&path, &SourceOptions::default())
        .unwrap_err()
        .to_string();
    let shown = path.display().to_string();
    err.strip_prefix(&shown)
        .map(|rest| format!("{name}{rest}"))
        .unwrap_or(err)
}

const CONTENT_TYPES: (&str, &str) = ("[Content_Types].xml", "<Types/>");

#[test]
fn a_word_document_is_not_a_workbook() {
    let docx = zip_of(&[CONTENT_TYPES, ("word/document.xml", "<w:document/>")]);
    assert_eq!(
        refused("rewards.xlsx", &docx),
        "rewards.xlsx: not a workbook: it is a Word document (.docx); open it in Excel and save it as an Excel Workbook (.xlsx), or give the rewards as .xlsx, .xls, .ods or CSV"
    );
}

#[test]
fn other_zip_archives_say_what_they_are() {
    let xlsb = zip_of(&[CONTENT_TYPES, ("xl/workbook.bin", "")]);
    assert!(refused("r.xlsb", &xlsb).starts_with(
        "r.xlsb: not a workbook: it is an Excel binary workbook (.xlsb); open it in Excel"
    ));
    let odt = zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.text"),
        ("content.xml", "<x/>"),
    ]);
    assert!(
        refused("r.ods", &odt)
            .starts_with("r.ods: not a workbook: it is an OpenDocument text, not a spreadsheet;")
    );
    let archive = zip_of(&[("rewards/2024.xlsx", "PK")]);
    assert_eq!(
        refused("export.zip", &archive),
        "export.zip: not a workbook: it is a zip archive with no workbook in it; if the workbook is inside the archive, extract it and give its path"
    );
}

#[test]
fn a_truncated_workbook_is_refused_as_damaged() {
    let dir = Workdir::new();
    let path = xlsx(&dir, "whole.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        strings(sheet, 1, &["e1", "ou_1"]);
    });
    let bytes = std::fs::read(&path).unwrap();
    let message = refused("cut.xlsx", &bytes[..bytes.len() / 2]);
    assert!(
        message.starts_with("cut.xlsx: the file cannot be read as a zip archive (which .xlsx and .ods files are): ")
            && message.ends_with("; it may be truncated or damaged: copy or download it again, or open it in Excel (or LibreOffice) and save it again"),
        "{message}"
    );
}

#[test]
fn a_compound_document_that_is_no_workbook_is_refused() {
    let mut bytes = vec![0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1];
    bytes.resize(1024, 0);
    let message = refused("old.xls", &bytes);
    assert!(
        message.starts_with("old.xls: not a workbook: it is an Office 97-2003 file that cannot be read as an Excel workbook (")
            && message.contains("perhaps another Office file (a Word .doc), an .xlsx protected by a password")
            && message.ends_with("save it as an Excel Workbook (.xlsx)"),
        "{message}"
    );
}

/// A workbook of `rows` rows whose sheet XML is damaged just after row `bad_after`.
fn damaged_after(dir: &Workdir, rows: u32, bad_after: u32) -> PathBuf {
    let path = xlsx(dir, "damaged.xlsx", |book| {
        let sheet = book.add_worksheet();
        strings(sheet, 0, &NAMES);
        for i in 1..rows {
            sheet.write_string(i, 0, format!("e{i}")).unwrap();
        }
    });
    // A cell of a type no spreadsheet writes: what a damaged file reads as.
    let marker = format!("<row r=\"{}\"", bad_after + 1);
    rewrite_entry(&path, "xl/worksheets/sheet1.xml", |xml| {
        assert!(xml.contains(&marker));
        xml.replacen(
            &marker,
            &format!(
                "<row r=\"{}\"><c r=\"B{}\" t=\"q\"><v>1</v></c></row>{marker}",
                bad_after + 1,
                bad_after + 1
            ),
            1,
        )
    });
    path
}

fn read_until_error(path: &Path) -> (Vec<u64>, String) {
    let mut source = open(path, &SourceOptions::default()).unwrap();
    let mut seen = Vec::new();
    loop {
        match source.next_record() {
            Ok(Some(row)) => seen.push(row.row),
            Ok(None) => panic!("the damage went unnoticed"),
            Err(e) => return (seen, e.to_string()),
        }
    }
}

#[test]
fn a_sheet_damaged_past_a_row_is_an_error_naming_that_row() {
    let dir = Workdir::new();
    let path = damaged_after(&dir, 3_000, 2_000);
    let (seen, err) = read_until_error(&path);
    // Every row up to the damage is handed out, in order, but the one being read when it
    // struck: the reader cannot tell whether that row was whole.
    assert_eq!(seen, (2..2_000).collect::<Vec<u64>>());
    assert!(
        err.ends_with("damaged.xlsx[Sheet1]: cannot read the sheet past row 1999 (Unknown cell 't' attribute: \"q\"); the file may be damaged: open it in Excel (or LibreOffice) and save it again"),
        "{err}"
    );
}
