//! Writes the big hostile inputs of issue 19 (SPEC §2.5) into a directory, for
//! `benches/hostile.sh`, which runs rewardsync on each and prints its exit code, wall time
//! and peak memory. The small hostile inputs are committed under `tests/corpus/` instead and
//! replayed by `cargo test`; these are generated because they are big (up to 1 GB).
//!
//! `cargo run --release --example gen_hostile -- DIR [NAME…]` (no names: all of them)
//!
//! Every file is deterministic: the same bytes on every run.

use std::error::Error;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use zip::ZipWriter;
use zip::write::SimpleFileOptions;

/// The header of every generated rewards file.
const HEADER: [&str; 7] = [
    "external_id",
    "referral_user_id",
    "application_id",
    "rule_type",
    "point_bonus",
    "stage",
    "reason",
];

/// One valid row under [`HEADER`], with `reason` as given.
fn row(i: u64, reason: &str) -> [String; 7] {
    [
        format!("H{i:06}"),
        "ou_8fe08882a7ae1007efe66632ce51f7a2".into(),
        format!("72140000000000{i:05}"),
        "1".into(),
        "100".into(),
        "1".into(),
        reason.into(),
    ]
}

/// What writes one part of a workbook.
type WritePart<'a> = &'a dyn Fn(&mut dyn Write) -> std::io::Result<()>;

/// A generator: the file's name and what writes it.
type Generator = (&'static str, fn(&Path) -> Result<(), Box<dyn Error>>);

const ALL: &[Generator] = &[
    ("xlsx-column-aaaaaaa.xlsx", column_aaaaaaa),
    ("xlsx-whitespace-1g.xlsx", whitespace_1g),
    ("xlsx-whitespace-300m-low-ratio.xlsx", whitespace_low_ratio),
    ("xlsx-shared-string-256m.xlsx", shared_string_256m),
    ("csv-line-100m.csv", csv_line_100m),
    ("csv-single-line-1g.csv", csv_single_line_1g),
    ("ods-row-repeated-1048575.ods", ods_row_repeated),
    ("csv-unclosed-quote.csv", csv_unclosed_quote),
];

fn main() -> Result<(), Box<dyn Error>> {
    let mut args = std::env::args().skip(1);
    let Some(dir) = args.next() else {
        eprintln!("usage: gen_hostile DIR [NAME…]");
        std::process::exit(2);
    };
    let names: Vec<String> = args.collect();
    std::fs::create_dir_all(&dir)?;
    for (name, write) in ALL {
        if !names.is_empty() && !names.iter().any(|n| n == name) {
            continue;
        }
        let path = Path::new(&dir).join(name);
        write(&path)?;
        println!(
            "{}\t{} bytes",
            path.display(),
            std::fs::metadata(&path)?.len()
        );
    }
    Ok(())
}

/// A small deterministic generator (xorshift64*), so the "random" text is the same on
/// every run.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
}

/// An `.xlsx` of one sheet `Sheet1`: `sheet` writes the sheet's XML, `strings` the shared
/// strings' (None: no shared strings part). Parts are deflated, as Excel writes them.
fn xlsx(
    path: &Path,
    sheet: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
    strings: Option<WritePart<'_>>,
) -> Result<(), Box<dyn Error>> {
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    let deflated = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .large_file(true);
    let shared_type = r#"<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>"#;
    zip.start_file("[Content_Types].xml", deflated)?;
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>{}</Types>"#,
        if strings.is_some() { shared_type } else { "" }
    )?;
    zip.start_file("_rels/.rels", deflated)?;
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#)?;
    zip.start_file("xl/workbook.xml", deflated)?;
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#)?;
    zip.start_file("xl/_rels/workbook.xml.rels", deflated)?;
    write!(
        zip,
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>{}</Relationships>"#,
        if strings.is_some() {
            r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#
        } else {
            ""
        }
    )?;
    zip.start_file("xl/worksheets/sheet1.xml", deflated)?;
    sheet(&mut zip)?;
    if let Some(strings) = strings {
        zip.start_file("xl/sharedStrings.xml", deflated)?;
        strings(&mut zip)?;
    }
    zip.finish()?.flush()?;
    Ok(())
}

const SHEET_START: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>"#;
const SHEET_END: &str = "</sheetData></worksheet>";

/// Column letters of a 0-based column index (A, …, Z, AA, …), with no upper limit.
fn column_letters(mut column: u64) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(b'A' + (column % 26) as u8);
        if column < 26 {
            break;
        }
        column = column / 26 - 1;
    }
    letters.reverse();
    String::from_utf8_lossy(&letters).into_owned()
}

/// Row `r` (from 1) of inline-string cells.
fn inline_row(r: u64, cells: &[String]) -> String {
    let mut xml = format!(r#"<row r="{r}">"#);
    for (c, text) in cells.iter().enumerate() {
        xml.push_str(&format!(
            r#"<c r="{}{r}" t="inlineStr"><is><t>{text}</t></is></c>"#,
            column_letters(c as u64)
        ));
    }
    xml.push_str("</row>");
    xml
}

fn header_cells() -> Vec<String> {
    HEADER.iter().map(|s| (*s).to_owned()).collect()
}

/// A header, a good row, and one cell at column AAAAAAA of row 3 (Excel stops at XFD).
fn column_aaaaaaa(path: &Path) -> Result<(), Box<dyn Error>> {
    let far = column_letters(0).repeat(7);
    xlsx(
        path,
        |out| {
            write!(
                out,
                r#"{SHEET_START}{}{}<row r="3"><c r="{far}3" t="inlineStr"><is><t>x</t></is></c></row>{SHEET_END}"#,
                inline_row(1, &header_cells()),
                inline_row(2, &row(1, "ok")),
            )
        },
        None,
    )
}

/// A header and a good row, then 1 GiB of spaces between two rows (≈ 1 MB deflated: over
/// 1,000 × its compressed size).
fn whitespace_1g(path: &Path) -> Result<(), Box<dyn Error>> {
    xlsx(
        path,
        |out| {
            write!(
                out,
                "{SHEET_START}{}{}",
                inline_row(1, &header_cells()),
                inline_row(2, &row(1, "ok"))
            )?;
            let spaces = vec![b' '; 1 << 20];
            for _ in 0..1024 {
                out.write_all(&spaces)?;
            }
            write!(out, "{}{SHEET_END}", inline_row(3, &row(2, "ok")))
        },
        None,
    )
}

/// As [`whitespace_1g`], but 300 MiB of spaces, tabs and line breaks in random order: far
/// under 1,000 × its compressed size, so only the length of the run can stop it.
fn whitespace_low_ratio(path: &Path) -> Result<(), Box<dyn Error>> {
    xlsx(
        path,
        |out| {
            write!(
                out,
                "{SHEET_START}{}{}",
                inline_row(1, &header_cells()),
                inline_row(2, &row(1, "ok"))
            )?;
            let mut noise = Noise(0x9E37_79B9_7F4A_7C15);
            let mut chunk = vec![0u8; 1 << 20];
            for _ in 0..300 {
                for pair in chunk.chunks_mut(8) {
                    let bits = noise.next();
                    for (i, b) in pair.iter_mut().enumerate() {
                        *b = [b' ', b'\t', b'\n', b'\r'][(bits >> (i * 2) & 3) as usize];
                    }
                }
                out.write_all(&chunk)?;
            }
            write!(out, "{}{SHEET_END}", inline_row(3, &row(2, "ok")))
        },
        None,
    )
}

/// A header and a row whose external_id is shared string 0: 256 MiB of random letters
/// (which deflate only about 1.6 ×, so no ratio rule stops it).
fn shared_string_256m(path: &Path) -> Result<(), Box<dyn Error>> {
    let strings = |out: &mut dyn Write| -> std::io::Result<()> {
        write!(
            out,
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="1"><si><t>"#
        )?;
        let mut noise = Noise(0x2545_F491_4F6C_DD1D);
        let mut chunk = vec![0u8; 1 << 20];
        for _ in 0..256 {
            for pair in chunk.chunks_mut(8) {
                let bits = noise.next();
                for (i, b) in pair.iter_mut().enumerate() {
                    *b = b'A' + (bits >> (i * 8) & 0xFF) as u8 % 26;
                }
            }
            out.write_all(&chunk)?;
        }
        write!(out, "</t></si></sst>")
    };
    xlsx(
        path,
        |out| {
            let mut second = inline_row(2, &row(1, "ok"));
            // The external_id cell (A2) refers to shared string 0.
            let inline_a2 = r#"<c r="A2" t="inlineStr"><is><t>H000001</t></is></c>"#;
            second = second.replace(inline_a2, r#"<c r="A2" t="s"><v>0</v></c>"#);
            write!(
                out,
                "{SHEET_START}{}{second}{SHEET_END}",
                inline_row(1, &header_cells())
            )
        },
        Some(&strings),
    )
}

/// A CSV: the header, a good row, a row whose reason is 100 MiB of text, a good row.
fn csv_line_100m(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "{}", HEADER.join(","))?;
    writeln!(out, "{}", row(1, "ok").join(","))?;
    // The row without its reason (it ends with the comma before it), then the reason.
    write!(out, "{}", row(2, "").join(","))?;
    let text = vec![b'x'; 1 << 20];
    for _ in 0..100 {
        out.write_all(&text)?;
    }
    writeln!(out)?;
    writeln!(out, "{}", row(3, "ok").join(","))?;
    out.flush()?;
    Ok(())
}

/// A CSV of one line of 1 GiB (`external_id,` over and over), and no line break.
fn csv_single_line_1g(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut out = BufWriter::new(File::create(path)?);
    let unit = b"external_id,";
    let chunk: Vec<u8> = unit
        .iter()
        .copied()
        .cycle()
        .take(unit.len() << 16)
        .collect();
    let mut written = 0u64;
    while written < 1 << 30 {
        out.write_all(&chunk)?;
        written += chunk.len() as u64;
    }
    out.flush()?;
    Ok(())
}

/// A CSV: the header, a row whose reason opens a quote and never closes it, then 50 good
/// rows, which the quote would swallow.
fn csv_unclosed_quote(path: &Path) -> Result<(), Box<dyn Error>> {
    let mut out = BufWriter::new(File::create(path)?);
    writeln!(out, "{}", HEADER.join(","))?;
    writeln!(out, "{}", row(1, "\"never closed").join(","))?;
    for i in 2..52 {
        writeln!(out, "{}", row(i, "ok").join(","))?;
    }
    out.flush()?;
    Ok(())
}

/// An `.ods` whose sheet has the header and one row of the full width repeated 1,048,575
/// times (under 1 KB).
fn ods_row_repeated(path: &Path) -> Result<(), Box<dyn Error>> {
    let cell = |text: &str| {
        format!(
            r#"<table:table-cell office:value-type="string"><text:p>{text}</text:p></table:table-cell>"#
        )
    };
    let header: String = HEADER.iter().map(|n| cell(n)).collect();
    let data: String = row(1, "ok").iter().map(|v| cell(v)).collect();
    let content = format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2"><office:body><office:spreadsheet><table:table table:name="Rewards"><table:table-row>{header}</table:table-row><table:table-row table:number-rows-repeated="1048575">{data}</table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#
    );
    let mut zip = ZipWriter::new(BufWriter::new(File::create(path)?));
    let stored = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let deflated =
        SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("mimetype", stored)?;
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")?;
    zip.start_file("META-INF/manifest.xml", deflated)?;
    zip.write_all(br#"<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.2"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>"#)?;
    zip.start_file("content.xml", deflated)?;
    zip.write_all(content.as_bytes())?;
    zip.finish()?.flush()?;
    Ok(())
}
