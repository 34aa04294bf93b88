//! Property tests (proptest) over the workbook reader (SPEC §2.5): whatever a workbook
//! holds, reading it gives rows or an error that names the file, never a panic and never
//! an allocation the guard did not bound. Two kinds of input, for each format:
//!
//! - **raw bytes**: a good `.xlsx`, `.ods` and `.xls` with bytes flipped, cut off or
//!   inserted anywhere (most end in the zip or compound document's own checks);
//! - **structure**: the XML of a good `.xlsx` sheet or `.ods` table with hostile fragments
//!   put in at random places (cells past Excel's limits, references that overflow, error
//!   values no reader knows, shared strings that do not exist, repeats of a million, tags
//!   left open, entities, text where numbers go), zipped again so the XML is what is read.
//!
//! A fixed number of cases runs on every `cargo test` (CI included); proptest keeps any
//! failing case under `tests/proptest-regressions/` to be replayed first.

use proptest::prelude::*;

use rewardsync::read::source::{Source, SourceOptions};

use crate::common::{Workdir, repo_path};
use crate::workbook_hostile::HEADER;
use crate::workbook_read::{known, zip_of};

/// Cases per property: enough to find the shallow faults on every run, few enough for CI.
const CASES: u32 = 64;

/// Reads `bytes` as the workbook file `name` to its last row: the rows read, or the
/// error's text. Panics (the property's failure) if reading panics.
fn read_all(name: &str, bytes: &[u8]) -> Result<usize, String> {
    let dir = Workdir::new();
    let path = dir.create(name, bytes);
    let mut source =
        Source::open(&path, &SourceOptions::default(), &known).map_err(|e| e.to_string())?;
    let mut rows = 0;
    loop {
        match source.next_record() {
            Ok(Some(_)) => rows += 1,
            Ok(None) => return Ok(rows),
            Err(e) => return Err(e.to_string()),
        }
    }
}

/// Checks what [`read_all`] gave: any error names the file.
fn named(name: &str, read: Result<usize, String>) -> Result<(), TestCaseError> {
    if let Err(message) = read {
        prop_assert!(message.contains(name), "{message}");
    }
    Ok(())
}

/// One change to a file's bytes.
#[derive(Debug, Clone)]
enum Damage {
    /// The byte at this share of the file (in millionths) XORed with a mask.
    Flip(u32, u8),
    /// The file cut off at this share.
    Cut(u32),
    /// Bytes put in at this share.
    Insert(u32, Vec<u8>),
}

fn damage() -> impl Strategy<Value = Damage> {
    prop_oneof![
        4 => (0u32..1_000_000, 1u8..=255).prop_map(|(at, mask)| Damage::Flip(at, mask)),
        1 => (0u32..1_000_000).prop_map(Damage::Cut),
        1 => (0u32..1_000_000, prop::collection::vec(any::<u8>(), 1..16))
            .prop_map(|(at, bytes)| Damage::Insert(at, bytes)),
    ]
}

/// `bytes` with `damages` done to them, in order.
fn damaged(mut bytes: Vec<u8>, damages: &[Damage]) -> Vec<u8> {
    let at = |share: u32, len: usize| (share as usize * len / 1_000_000).min(len);
    for damage in damages {
        match damage {
            Damage::Flip(share, mask) if !bytes.is_empty() => {
                let i = at(*share, bytes.len() - 1);
                bytes[i] ^= mask;
            }
            Damage::Flip(..) => {}
            Damage::Cut(share) => bytes.truncate(at(*share, bytes.len())),
            Damage::Insert(share, inserted) => {
                let i = at(*share, bytes.len());
                bytes.splice(i..i, inserted.iter().copied());
            }
        }
    }
    bytes
}

/// A good `.xlsx` sheet's XML: the header and three rows, some cells shared strings.
fn sheet_xml() -> String {
    let mut xml = String::from(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:G4"/><sheetData>"#,
    );
    let letters = ["A", "B", "C", "D", "E", "F", "G"];
    xml.push_str(r#"<row r="1">"#);
    for (i, name) in HEADER.iter().enumerate() {
        xml.push_str(&format!(
            r#"<c r="{}1" t="inlineStr"><is><t>{name}</t></is></c>"#,
            letters[i]
        ));
    }
    xml.push_str("</row>");
    for r in 2..=4 {
        xml.push_str(&format!(
            r#"<row r="{r}"><c r="A{r}" t="s"><v>{}</v></c><c r="B{r}" t="s"><v>1</v></c><c r="C{r}"><v>721400000000000{r}</v></c><c r="D{r}"><v>1</v></c><c r="E{r}"><v>1</v></c><c r="F{r}"><v>100</v></c><c r="G{r}" s="1"><v>45299.5</v></c></row>"#,
            r - 2 + 2
        ));
    }
    xml.push_str("</sheetData></worksheet>");
    xml
}

/// Shared strings for [`sheet_xml`]: 0 and 1 are used by every row, 2 to 4 by one each.
fn strings_xml() -> String {
    let strings = [
        "unused",
        "ou_8fe08882a7ae1007efe66632ce51f7a2",
        "E2",
        "E3",
        "E4",
    ];
    let items: String = strings
        .iter()
        .map(|s| format!("<si><t>{s}</t></si>"))
        .collect();
    format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="5" uniqueCount="5">{items}</sst>"#
    )
}

const STYLES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><numFmts count="1"><numFmt numFmtId="164" formatCode="yyyy-mm-dd hh:mm"/></numFmts><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="164" applyNumberFormat="1"/></cellXfs></styleSheet>"#;

/// An `.xlsx` of one sheet, its XML and shared strings as given.
fn xlsx(sheet: &str, strings: &str) -> Vec<u8> {
    let parts = [
        (
            "[Content_Types].xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/></Types>"#,
        ),
        (
            "_rels/.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        ),
        (
            "xl/workbook.xml",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Rewards" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        ),
        (
            "xl/_rels/workbook.xml.rels",
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>"#,
        ),
        ("xl/styles.xml", STYLES),
        ("xl/worksheets/sheet1.xml", sheet),
        ("xl/sharedStrings.xml", strings),
    ];
    zip_of(&parts)
}

/// An `.ods` whose table rows are `rows` (the XML of `table:table-row`s).
fn ods(rows: &str) -> Vec<u8> {
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Rewards">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    zip_of(&[
        ("mimetype", "application/vnd.oasis.opendocument.spreadsheet"),
        (
            "META-INF/manifest.xml",
            r#"<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#,
        ),
        ("content.xml", &content),
    ])
}

/// A good `.ods` table's rows: the header and three rows of typed cells.
fn ods_rows() -> String {
    let cell = |kind: &str, value: &str| match kind {
        "string" => format!(
            r#"<table:table-cell office:value-type="string"><text:p>{value}</text:p></table:table-cell>"#
        ),
        "date" => format!(
            r#"<table:table-cell office:value-type="date" office:date-value="{value}"><text:p>{value}</text:p></table:table-cell>"#
        ),
        _ => format!(
            r#"<table:table-cell office:value-type="float" office:value="{value}"><text:p>{value}</text:p></table:table-cell>"#
        ),
    };
    let mut rows = String::from("<table:table-row>");
    for name in HEADER {
        rows.push_str(&cell("string", name));
    }
    rows.push_str(&cell("string", "create_time"));
    rows.push_str("</table:table-row>");
    for r in 2..=4 {
        rows.push_str("<table:table-row>");
        rows.push_str(&cell("string", &format!("E{r}")));
        rows.push_str(&cell("string", "ou_8fe08882a7ae1007efe66632ce51f7a2"));
        rows.push_str(&cell("string", &format!("721400000000000{r}")));
        for value in ["1", "1", "100", "1"] {
            rows.push_str(&cell("float", value));
        }
        rows.push_str(&cell("date", "2024-01-08T13:24:35"));
        rows.push_str("</table:table-row>");
    }
    rows
}

/// What turns up in hostile `.xlsx` sheet XML.
fn xlsx_fragment() -> impl Strategy<Value = String> {
    let fixed = prop::sample::select(vec![
        r#"<c r="XFD1048576"><v>1</v></c>"#,
        r#"<c r="XFE1"><v>1</v></c>"#,
        r#"<c r="A1048577"><v>1</v></c>"#,
        r#"<c r="AAAAAAAAAAAAAAAAAAAAAAAAAAAAA1"><v>1</v></c>"#,
        r#"<c r="A99999999999999999999"><v>1</v></c>"#,
        r#"<c r=""><v>1</v></c>"#,
        r#"<c><v>1</v></c>"#,
        r#"<c t="e"><v>#GETTING_DATA</v></c>"#,
        r#"<c r="B2" t="e"><v>#SPILL!</v></c>"#,
        r#"<c r="C3" t="e"><v></v></c>"#,
        r#"<c r="A2" t="s"><v>999999999</v></c>"#,
        r#"<c r="A2" t="s"><v>-1</v></c>"#,
        r#"<c r="A2" t="s"><v>x</v></c>"#,
        r#"<c r="G2" s="999"><v>45299</v></c>"#,
        r#"<c r="G2" s="1"><v>1e308</v></c>"#,
        r#"<c r="G2" s="1"><v>-1e308</v></c>"#,
        r#"<c r="G2" s="1"><v>NaN</v></c>"#,
        r#"<c r="D2" t="b"><v>7</v></c>"#,
        r#"<c r="D2" t="d"><v>9999-99-99T99:99:99</v></c>"#,
        r#"<c r="D2" t="str"><f>1/0</f><v>&#0;</v></c>"#,
        r#"<row r="0">"#,
        r#"<row r="4294967296">"#,
        r#"<row r="1048577"><c><v>1</v></c></row>"#,
        "</row>",
        "<row>",
        "<c>",
        "</c>",
        "<v>",
        "</sheetData>",
        "<!-- never closed",
        "<![CDATA[",
        "&amp;&lt;&#x110000;&unknown;",
        "<is><t>",
        "\u{0}\u{1b}\u{7f}",
        "<mergeCell ref=\"A1:XFD1048576\"/>",
    ])
    .prop_map(str::to_owned);
    let made = prop::collection::vec(any::<u8>(), 0..24)
        .prop_map(|bytes| String::from_utf8_lossy(&bytes).into_owned());
    prop_oneof![4 => fixed, 1 => made]
}

/// What turns up in hostile `.ods` table XML.
fn ods_fragment() -> impl Strategy<Value = String> {
    prop::sample::select(vec![
        r#"<table:table-row table:number-rows-repeated="1048576"><table:table-cell office:value-type="float" office:value="1"/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="4294967297"><table:table-cell/></table:table-row>"#,
        r#"<table:table-row table:number-rows-repeated="-1"><table:table-cell/></table:table-row>"#,
        r#"<table:table-cell table:number-columns-repeated="16385" office:value-type="string"><text:p>x</text:p></table:table-cell>"#,
        r#"<table:table-cell table:number-columns-repeated="99999999999"/>"#,
        r#"<table:table-cell office:value-type="date" office:date-value="1899-06-01"/>"#,
        r#"<table:table-cell office:value-type="date" office:date-value="99999-01-01T99:99:99"/>"#,
        r#"<table:table-cell office:value-type="float" office:value="NaN"/>"#,
        r#"<table:table-cell office:value-type="time" office:time-value="PT999999H"/>"#,
        r#"<table:table-cell office:value-type="percentage" office:value="x"/>"#,
        r#"<table:covered-table-cell/>"#,
        r#"<office:annotation><text:p>never closed"#,
        "<table:table-row>",
        "</table:table-row>",
        "</table:table>",
        "<text:p>",
        "&#0;&#x110000;",
    ])
    .prop_map(str::to_owned)
}

/// `text` with each fragment put in after the first tag that ends at or past its share of
/// the length (between two elements, where a fragment is most likely read as meant; the
/// fragments that are no whole element still break what they land in).
fn with_fragments(text: &str, fragments: &[(u32, String)]) -> String {
    let mut text = text.to_owned();
    for (share, fragment) in fragments {
        let from = (*share as usize * text.len() / 1_000_000).min(text.len());
        let at = text.as_bytes()[from..]
            .iter()
            .position(|&b| b == b'>')
            .map_or(text.len(), |i| from + i + 1);
        text.insert_str(at, fragment);
    }
    text
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(CASES))]

    #[test]
    fn any_damaged_workbook_reads_or_is_refused_naming_the_file(
        damages in prop::collection::vec(damage(), 1..6),
        which in 0usize..3,
    ) {
        let (name, good) = match which {
            0 => ("d.xlsx", xlsx(&sheet_xml(), &strings_xml())),
            1 => ("d.ods", ods(&ods_rows())),
            _ => ("d.xls", std::fs::read(repo_path("tests/corpus/workbooks/xls-rewards.xls")).unwrap()),
        };
        named(name, read_all(name, &damaged(good, &damages)))?;
    }

    #[test]
    fn any_xlsx_sheet_reads_or_is_refused_naming_the_file(
        sheet in prop::collection::vec((0u32..1_000_000, xlsx_fragment()), 1..6),
        strings in prop::collection::vec((0u32..1_000_000, xlsx_fragment()), 0..2),
    ) {
        let bytes = xlsx(
            &with_fragments(&sheet_xml(), &sheet),
            &with_fragments(&strings_xml(), &strings),
        );
        named("s.xlsx", read_all("s.xlsx", &bytes))?;
    }

    #[test]
    fn any_ods_table_reads_or_is_refused_naming_the_file(
        table in prop::collection::vec((0u32..1_000_000, ods_fragment()), 1..6),
    ) {
        let bytes = ods(&with_fragments(&ods_rows(), &table));
        named("t.ods", read_all("t.ods", &bytes))?;
    }
}

#[test]
fn the_good_workbooks_the_properties_start_from_read_whole() {
    assert_eq!(
        read_all("g.xlsx", &xlsx(&sheet_xml(), &strings_xml())),
        Ok(3)
    );
    assert_eq!(read_all("g.ods", &ods(&ods_rows())), Ok(3));
    let xls = std::fs::read(repo_path("tests/corpus/workbooks/xls-rewards.xls")).unwrap();
    assert_eq!(read_all("g.xls", &xls), Ok(2));
}
