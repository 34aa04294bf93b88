//! An `.xls` checked before calamine reads it. `Xls::new` reads the whole file into memory
//! (its own compound-document reader keeps every sector it reads), copies the `Workbook`
//! stream, and parses every sheet into a *dense* range: one cell at `IV65536` in a 5.6 KB
//! file is 16.7 million cells, a gigabyte. Here the stream is read record by record with
//! the `cfb` crate (bounded memory: one record at a time), calamine's memory reckoned as
//! it would parse each sheet (the bounding box of its cells, their text, its formulas), and
//! the file refused past [`XLS_BUDGET`], naming the sheet and its far cell.

use std::collections::HashMap;
use std::io::{self, BufReader, Read, Seek, SeekFrom};

use cfb::CompoundFile;

use super::super::hidden::Hidden;
use super::{WorkbookLimit, XLS_BUDGET, cell_name, limit, megabytes, string_cost};
use crate::read::source::SourceError;
use crate::text::echo;

/// Sizes of what calamine holds per cell: `Cell<Data>` in the list it parses, `Data` in
/// the dense range, `String` in the dense range of formulas and `Cell<String>` in its list.
const PARSED_CELL: u64 = 40;
const DENSE_CELL: u64 = 32;
const DENSE_FORMULA: u64 = 24;
const PARSED_FORMULA: u64 = 32;

/// calamine gathers the CONTINUE records after a record in a list it takes from the front
/// (quadratic in their number): a real workbook's longest run is a few thousand.
const CONTINUES: u64 = 16_384;

/// Record types calamine reads.
const BOF: u16 = 0x0809;
const EOF: u16 = 0x000A;
const CONTINUE: u16 = 0x003C;

/// Refuses an `.xls` (`reader` at its start) whose sheets calamine would take more than
/// [`XLS_BUDGET`] to hold. A compound document the `cfb` crate cannot read is refused
/// as calamine refuses one without a workbook in it. Gives each sheet's hidden rows (its
/// ROW records' fDyZero flag), by name.
pub(in crate::read::source::workbook) fn check<R: Read + Seek>(
    shown: &str,
    reader: &mut R,
) -> Result<Vec<(String, Hidden)>, SourceError> {
    let file_len = reader
        .seek(SeekFrom::End(0))
        .map_err(|e| crate::read::source::io_error(shown, None, e))?;
    reader
        .rewind()
        .map_err(|e| crate::read::source::io_error(shown, None, e))?;
    let mut compound = match CompoundFile::open(&mut *reader) {
        Ok(compound) => compound,
        Err(e) => {
            return Err(super::super::open::unreadable_compound(
                shown,
                &e.to_string(),
            ));
        }
    };
    // calamine takes the first entry named so, in any case, wherever it is.
    let find = |name: &str| {
        compound
            .walk()
            .find(|entry| entry.is_stream() && entry.name().eq_ignore_ascii_case(name))
            .map(|entry| entry.path().to_owned())
    };
    let Some(path) = find("Workbook").or_else(|| find("Book")) else {
        return Ok(Vec::new());
    };
    let Ok(stream) = compound.open_stream(&path) else {
        return Ok(Vec::new());
    };
    let stream_len = stream.len();
    let mut book = Book {
        shown,
        records: Records::new(stream),
        // calamine keeps the file's sectors and a copy of the stream.
        used: file_len.saturating_add(stream_len),
        sst: Vec::new(),
        utf16: true,
        biff8: true,
        longest_name: 0,
        sheets: Vec::new(),
        hidden: Vec::new(),
    };
    match book.read() {
        Ok(()) | Err(Stop::Broken) => Ok(book.hidden),
        Err(Stop::Refused(error)) => Err(error),
        Err(Stop::Continues) => Err(limit(
            shown,
            format!("the workbook has more than {CONTINUES} CONTINUE records in a row"),
            WorkbookLimit::Damaged,
        )),
    }
}

/// Why the check stopped early.
enum Stop {
    /// calamine fails here too (a truncated record, a password): nothing more to reckon.
    Broken,
    Refused(SourceError),
    /// Too many CONTINUE records in a row.
    Continues,
}

impl From<io::Error> for Stop {
    fn from(_: io::Error) -> Stop {
        Stop::Broken
    }
}

/// The workbook stream being read.
struct Book<'a, S: Read + Seek> {
    shown: &'a str,
    records: Records<S>,
    /// calamine's memory so far.
    used: u64,
    /// Each shared string's length once decoded (UTF-8 bytes, at most).
    sst: Vec<u32>,
    /// Whether strings are UTF-16 (codepage 1200, BIFF8's own), whose decoded length is
    /// counted exactly; any other codepage is counted at 3 bytes a character.
    utf16: bool,
    biff8: bool,
    /// The longest sheet or defined name, in bytes: what a formula's reference expands to.
    longest_name: u64,
    /// Each sheet: its name and where its records start.
    sheets: Vec<(String, u64)>,
    /// The hidden rows of each sheet that has some.
    hidden: Vec<(String, Hidden)>,
}

/// What one sheet costs calamine.
#[derive(Clone, Default)]
struct Sheet {
    /// Cells parsed, or reserved for by its DIMENSIONS record, whichever is more.
    parsed: u64,
    reserved: u64,
    /// The bounding box of its cells, rows and columns from 0.
    rows: Option<(u64, u64)>,
    columns: Option<(u64, u64)>,
    text: u64,
    formulas: u64,
    formula_rows: Option<(u64, u64)>,
    formula_columns: Option<(u64, u64)>,
    formula_text: u64,
    /// Bytes of records calamine goes through for it.
    scanned: u64,
    /// The last cell its DIMENSIONS record declares (row, column), if it has one.
    declared: Option<(u64, u64)>,
    /// Its hidden rows.
    hidden: Hidden,
}

impl Sheet {
    fn cell(&mut self, row: u64, column: u64, text: u64) {
        self.parsed += 1;
        self.rows = Some(widen(self.rows, row));
        self.columns = Some(widen(self.columns, column));
        self.text += string_cost(text);
    }

    /// The dense range of values, with their text.
    fn dense(&self) -> u64 {
        span(self.rows)
            .saturating_mul(span(self.columns))
            .saturating_mul(DENSE_CELL)
            .saturating_add(self.text)
    }

    /// What is let go once the sheet is parsed: the lists of cells and formulas.
    fn parsed(&self) -> u64 {
        self.parsed
            .max(self.reserved)
            .saturating_mul(PARSED_CELL * 3 / 2)
            .saturating_add(self.formulas.saturating_mul(PARSED_FORMULA * 3 / 2))
    }

    /// What is kept: the dense ranges of values and formulas.
    fn kept(&self) -> u64 {
        let formulas = span(self.formula_rows)
            .saturating_mul(span(self.formula_columns))
            .saturating_mul(DENSE_FORMULA)
            .saturating_add(self.formula_text);
        self.dense().saturating_add(formulas)
    }

    /// Its far cell, as Excel names it: the last of its cells, or of those its DIMENSIONS
    /// record declares (calamine makes room for them all).
    fn far_cell(&self) -> String {
        let found = match (self.rows, self.columns) {
            (Some((_, row)), Some((_, column))) => (row, column),
            _ => (0, 0),
        };
        let (row, column) = match self.declared {
            Some(declared) if self.reserved > self.parsed => declared,
            _ => found,
        };
        cell_name(row, column)
    }
}

fn widen(span: Option<(u64, u64)>, at: u64) -> (u64, u64) {
    match span {
        Some((a, b)) => (a.min(at), b.max(at)),
        None => (at, at),
    }
}

fn span(span: Option<(u64, u64)>) -> u64 {
    span.map_or(0, |(a, b)| b - a + 1)
}

impl<S: Read + Seek> Book<'_, S> {
    fn read(&mut self) -> Result<(), Stop> {
        self.globals()?;
        let mut costs: HashMap<u64, Sheet> = HashMap::new();
        let mut kept: u64 = 0;
        let mut transient: u64 = 0;
        let mut scanned: u64 = 0;
        let stream_len = self.records.len;
        for (name, pos) in std::mem::take(&mut self.sheets) {
            let sheet = match costs.get(&pos) {
                Some(sheet) => sheet.clone(),
                None => {
                    let sheet = self.sheet(pos, &name, self.used + kept)?;
                    costs.insert(pos, sheet.clone());
                    sheet
                }
            };
            if sheet.hidden.runs() > 0 {
                self.hidden.push((name.clone(), sheet.hidden.clone()));
            }
            scanned = scanned.saturating_add(sheet.scanned);
            if scanned > stream_len.saturating_mul(4).max(64 << 20) {
                return Err(Stop::Refused(limit(
                    self.shown,
                    "the workbook lists its sheets over the same records again and again"
                        .to_owned(),
                    WorkbookLimit::Damaged,
                )));
            }
            kept = kept.saturating_add(sheet.kept());
            // calamine parses a sheet's cells, then lays them out densely; after the last
            // sheet, worksheet_range clones the one read.
            transient = transient.max(sheet.parsed()).max(sheet.dense());
            let used = self.used.saturating_add(kept).saturating_add(transient);
            if used > XLS_BUDGET {
                return Err(Stop::Refused(self.too_large(&name, &sheet, used)));
            }
        }
        Ok(())
    }

    fn too_large(&self, name: &str, sheet: &Sheet, used: u64) -> SourceError {
        SourceError::WorkbookTooLarge {
            path: self.shown.to_owned(),
            what: format!(
                "sheet {} (its cells up to {}, which the spreadsheet reader holds whole, empty ones too)",
                echo(name),
                sheet.far_cell()
            ),
            megabytes: megabytes(used),
            budget: megabytes(XLS_BUDGET),
            advice: "delete the cells far from the table (Ctrl+End in Excel goes to the last cell; delete the rows and columns between it and the table), or open the file in Excel and save it as an Excel Workbook (.xlsx), which is read as a stream",
        }
    }

    /// The workbook's globals, up to their EOF: the encoding, the sheets, the shared
    /// strings, the names.
    fn globals(&mut self) -> Result<(), Stop> {
        self.records.seek(0)?;
        while let Some(typ) = self.records.next()? {
            let data = &self.records.data;
            match typ {
                // FilePass: calamine refuses a password.
                0x002F if u16_at(data, 0) != Some(0) => return Err(Stop::Broken),
                0x0042 => self.utf16 = u16_at(data, 0) == Some(1200),
                0x0809 => {
                    let version = u16_at(data, 0).ok_or(Stop::Broken)?;
                    let dt = u16_at(data, 2).unwrap_or(0);
                    self.biff8 = match version {
                        0x0600 => true,
                        0x0200 | 0x0002 | 0x0007 | 0x0300 | 0x0400 | 0x0500 => false,
                        0 => dt != 0x1000,
                        _ => true,
                    };
                }
                0x0085 => {
                    let pos = u32_at(data, 0).ok_or(Stop::Broken)?;
                    let cch = u64::from(*data.get(6).ok_or(Stop::Broken)?);
                    let name = sheet_name(data, self.biff8);
                    self.longest_name = self.longest_name.max(cch * 3);
                    self.used += 128 + 3 * cch;
                    self.sheets.push((name, u64::from(pos)));
                }
                0x0018 => {
                    let cch = u64::from(*data.get(3).ok_or(Stop::Broken)?);
                    self.longest_name = self.longest_name.max(cch * 3);
                    self.used += 128 + 3 * cch + 8 * data.len() as u64;
                }
                0x00E0 | 0x041E | 0x0017 => self.used += 16 + data.len() as u64,
                0x00FC => self.shared_strings()?,
                EOF => break,
                _ => (),
            }
            self.check_budget()?;
        }
        Ok(())
    }

    fn check_budget(&self) -> Result<(), Stop> {
        if self.used <= XLS_BUDGET {
            return Ok(());
        }
        Err(Stop::Refused(SourceError::WorkbookTooLarge {
            path: self.shown.to_owned(),
            what: format!(
                "the workbook (its {} bytes, and {} shared strings)",
                self.records.len,
                self.sst.len()
            ),
            megabytes: megabytes(self.used),
            budget: megabytes(XLS_BUDGET),
            advice: "open the file in Excel and save it as an Excel Workbook (.xlsx), which is read as a stream, or as CSV UTF-8",
        }))
    }

    /// The SST record just read (and its CONTINUE records): each string's decoded length,
    /// read as calamine's `read_rich_extended_string` reads it.
    fn shared_strings(&mut self) -> Result<(), Stop> {
        let mut strings = Fragments {
            data: self.records.data.get(8..).ok_or(Stop::Broken)?.to_vec(),
            at: 0,
        };
        self.sst.clear();
        loop {
            if strings.at >= strings.data.len() && !strings.next(&mut self.records)? {
                return Ok(());
            }
            let header = strings.take(3).ok_or(Stop::Broken)?;
            let cch = u64::from(u16::from_le_bytes([header[0], header[1]]));
            let flags = header[2];
            let mut high_byte = flags & 1 != 0;
            let runs = if flags & 0x8 != 0 {
                let n = strings.take(2).ok_or(Stop::Broken)?;
                u64::from(u16::from_le_bytes([n[0], n[1]]))
            } else {
                0
            };
            let ext = if flags & 0x4 != 0 {
                let n = strings.take(4).ok_or(Stop::Broken)?;
                // calamine reads it as an i32 cast to usize: a negative one is huge.
                i32::from_le_bytes([n[0], n[1], n[2], n[3]]) as usize as u64
            } else {
                0
            };
            let mut left = cch;
            let mut len: u64 = 0;
            while left > 0 {
                if strings.at >= strings.data.len() {
                    if !strings.next(&mut self.records)? {
                        return Err(Stop::Broken);
                    }
                    high_byte = strings.take(1).ok_or(Stop::Broken)?[0] & 1 != 0;
                }
                let width = if high_byte { 2 } else { 1 };
                let chars = left.min(((strings.data.len() - strings.at) / width) as u64);
                if chars == 0 {
                    return Err(Stop::Broken);
                }
                let bytes = strings.take(chars as usize * width).ok_or(Stop::Broken)?;
                len += decoded_len(bytes, high_byte, self.utf16);
                left -= chars;
            }
            strings.skip(runs * 4 + ext, &mut self.records)?;
            self.sst.push(u32::try_from(len).unwrap_or(u32::MAX));
            let slots = (self.sst.len() as u64).next_power_of_two();
            self.used += string_cost(len.max(cch));
            self.check_budget_with(slots.saturating_mul(24))?;
        }
    }

    fn check_budget_with(&self, more: u64) -> Result<(), Stop> {
        if self.used.saturating_add(more) <= XLS_BUDGET {
            return Ok(());
        }
        self.check_budget().and(Err(Stop::Refused(SourceError::WorkbookTooLarge {
            path: self.shown.to_owned(),
            what: format!("the workbook's {} shared strings", self.sst.len()),
            megabytes: megabytes(self.used.saturating_add(more)),
            budget: megabytes(XLS_BUDGET),
            advice: "open the file in Excel and save it as an Excel Workbook (.xlsx), which is read as a stream, or as CSV UTF-8",
        })))
    }

    /// What the sheet whose records start at `pos` costs, as calamine's `parse_workbook`
    /// reads it: refused as soon as it alone passes the budget (with `used` before it).
    fn sheet(&mut self, pos: u64, name: &str, used: u64) -> Result<Sheet, Stop> {
        self.records.seek(pos)?;
        let mut sheet = Sheet::default();
        let mut seen_bof = false;
        let mut depth: u64 = 0;
        let mut formula_at = (0, 0);
        let formula_factor = 8u64.max((self.longest_name + 16).div_ceil(5));
        while let Some(typ) = self.records.next()? {
            let data = &self.records.data;
            sheet.scanned += 4 + data.len() as u64;
            if depth > 0 {
                match typ {
                    BOF => depth += 1,
                    EOF => depth -= 1,
                    _ => (),
                }
                continue;
            }
            let at = |data: &[u8]| -> Result<(u64, u64), Stop> {
                Ok((
                    u64::from(u16_at(data, 0).ok_or(Stop::Broken)?),
                    u64::from(u16_at(data, 2).ok_or(Stop::Broken)?),
                ))
            };
            match typ {
                BOF if seen_bof => depth += 1,
                BOF => seen_bof = true,
                0x0200 => {
                    let (first, last, first_col, last_col) = match data.len() {
                        10 => (
                            u32::from(u16_at(data, 0).unwrap_or(0)),
                            u32::from(u16_at(data, 2).unwrap_or(0)),
                            u32::from(u16_at(data, 4).unwrap_or(0)),
                            u32::from(u16_at(data, 6).unwrap_or(0)),
                        ),
                        14 | 16 => (
                            u32_at(data, 0).unwrap_or(0),
                            u32_at(data, 4).unwrap_or(0),
                            u32::from(u16_at(data, 8).unwrap_or(0)),
                            u32::from(u16_at(data, 10).unwrap_or(0)),
                        ),
                        _ => return Err(Stop::Broken),
                    };
                    let first_col = if first_col > 0xFF || last_col < first_col {
                        0
                    } else {
                        first_col
                    };
                    // As calamine computes it, wrapping where it wraps.
                    let (end_row, end_col) = if last >= 1 && last_col >= 1 {
                        (last - 1, last_col - 1)
                    } else {
                        (first, first_col)
                    };
                    let rows = end_row.wrapping_sub(first).wrapping_add(1) as u64;
                    let columns = end_col.wrapping_sub(first_col).wrapping_add(1) as u64;
                    sheet.reserved = sheet.reserved.max(rows.saturating_mul(columns));
                    sheet.declared = Some((u64::from(end_row), u64::from(end_col)));
                }
                // ROW: its option flags' bit 5 (fDyZero) says the row is hidden.
                0x0208 => {
                    let row = u16_at(data, 0).ok_or(Stop::Broken)?;
                    if u16_at(data, 12).is_some_and(|flags| flags & 0x0020 != 0) {
                        sheet.hidden.add(u64::from(row) + 1, 1);
                    }
                }
                0x0203 | 0x027E | 0x0205 => {
                    let (row, column) = at(data)?;
                    sheet.cell(row, column, 0);
                }
                0x0204 | 0x00D6 => {
                    let (row, column) = at(data)?;
                    let text = self.string_len(data.get(6..).unwrap_or_default());
                    sheet.cell(row, column, text);
                }
                0x0207 => {
                    let text = self.string_len(data);
                    sheet.cell(formula_at.0, formula_at.1, text);
                }
                0x00FD => {
                    let (row, column) = at(data)?;
                    let index = u32_at(data, 6).ok_or(Stop::Broken)? as usize;
                    if let Some(len) = self.sst.get(index) {
                        sheet.cell(row, column, u64::from(*len));
                    }
                }
                0x00BD => {
                    let (row, first) = at(data)?;
                    let last =
                        u64::from(u16_at(data, data.len().saturating_sub(2)).ok_or(Stop::Broken)?);
                    if last < first || data.len() as u64 != 6 + 6 * (last - first + 1) {
                        return Err(Stop::Broken);
                    }
                    for column in first..=last {
                        sheet.cell(row, column, 0);
                    }
                }
                0x00E5 => sheet.text += 16 * u64::from(u16_at(data, 0).unwrap_or(0)),
                0x0006 => {
                    if data.len() < 20 {
                        return Err(Stop::Broken);
                    }
                    let (row, column) = at(data)?;
                    formula_at = (row, column);
                    sheet.cell(row, column, 0);
                    sheet.formulas += 1;
                    sheet.formula_rows = Some(widen(sheet.formula_rows, row));
                    sheet.formula_columns = Some(widen(sheet.formula_columns, column));
                    sheet.formula_text += string_cost((data.len() as u64 - 20) * formula_factor);
                }
                EOF => break,
                _ => (),
            }
            let alone = used
                .saturating_add(sheet.kept())
                .saturating_add(sheet.parsed().max(sheet.dense()));
            if alone > XLS_BUDGET {
                return Err(Stop::Refused(self.too_large(name, &sheet, alone)));
            }
        }
        Ok(sheet)
    }

    /// The decoded length of an `XLUnicodeString` (a LABEL's, a STRING's), at most.
    fn string_len(&self, data: &[u8]) -> u64 {
        let Some(cch) = u16_at(data, 0) else {
            return 0;
        };
        let cch = u64::from(cch);
        match (self.biff8, data.get(2)) {
            (true, Some(flags)) => {
                let high_byte = flags & 1 != 0;
                let width = if high_byte { 2 } else { 1 };
                let bytes = &data[3..];
                let bytes = &bytes[..bytes.len().min(cch as usize * width)];
                decoded_len(bytes, high_byte, self.utf16)
            }
            _ => cch.min(data.len() as u64) * 3,
        }
    }
}

/// The UTF-8 length of characters stored as UTF-16 (`high_byte`) or one byte each, at most
/// (3 bytes a character when the codepage is another than UTF-16's).
fn decoded_len(bytes: &[u8], high_byte: bool, utf16: bool) -> u64 {
    if !utf16 {
        return bytes.len() as u64 * 3;
    }
    if !high_byte {
        return bytes.iter().map(|b| if *b < 0x80 { 1 } else { 2 }).sum();
    }
    bytes
        .chunks_exact(2)
        .map(|unit| match u16::from_le_bytes([unit[0], unit[1]]) {
            0..0x80 => 1,
            0x80..0x800 => 2,
            0xD800..0xE000 => 2,
            _ => 3,
        })
        .sum()
}

/// An SST's bytes, its record's then each CONTINUE's, one at a time.
struct Fragments {
    data: Vec<u8>,
    at: usize,
}

impl Fragments {
    /// The next `n` bytes of this fragment.
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let bytes = self.data.get(self.at..self.at + n)?;
        self.at += n;
        Some(bytes)
    }

    /// Moves to the next CONTINUE record; false when none follows.
    fn next<S: Read + Seek>(&mut self, records: &mut Records<S>) -> Result<bool, Stop> {
        if records.peek()? != Some(CONTINUE) {
            return Ok(false);
        }
        records.next()?;
        self.data.clear();
        self.data.extend_from_slice(&records.data);
        self.at = 0;
        Ok(true)
    }

    /// Skips `n` bytes, across CONTINUE records.
    fn skip<S: Read + Seek>(&mut self, mut n: u64, records: &mut Records<S>) -> Result<(), Stop> {
        while n > 0 {
            if self.at >= self.data.len() && !self.next(records)? {
                return Err(Stop::Broken);
            }
            let here = n.min((self.data.len() - self.at) as u64);
            self.at += here as usize;
            n -= here;
        }
        Ok(())
    }
}

/// The records of the workbook stream, one at a time (one record's bytes held), CONTINUE
/// records counted as calamine gathers them.
struct Records<S: Read + Seek> {
    stream: BufReader<S>,
    len: u64,
    pos: u64,
    /// The last record's data.
    data: Vec<u8>,
    /// CONTINUE records in a row so far.
    continues: u64,
}

impl<S: Read + Seek> Records<S> {
    fn new(stream: S) -> Records<S>
    where
        S: StreamLen,
    {
        let len = stream.stream_len();
        Records {
            stream: BufReader::new(stream),
            len,
            pos: 0,
            data: Vec::with_capacity(1 << 16),
            continues: 0,
        }
    }

    fn seek(&mut self, pos: u64) -> Result<(), Stop> {
        self.stream.seek(SeekFrom::Start(pos))?;
        self.pos = pos;
        self.continues = 0;
        Ok(())
    }

    /// The type of the next record, without reading it.
    fn peek(&mut self) -> Result<Option<u16>, Stop> {
        if self.len.saturating_sub(self.pos) < 4 {
            return Ok(None);
        }
        let mut head = [0u8; 2];
        self.stream.read_exact(&mut head)?;
        self.stream.seek_relative(-2)?;
        Ok(Some(u16::from_le_bytes(head)))
    }

    /// Reads the next record, leaving its data in `data`; None at the stream's end. A
    /// record that runs past the end is calamine's error too.
    fn next(&mut self) -> Result<Option<u16>, Stop> {
        let left = self.len.saturating_sub(self.pos);
        if left == 0 {
            return Ok(None);
        }
        if left < 4 {
            return Err(Stop::Broken);
        }
        let mut head = [0u8; 4];
        self.stream.read_exact(&mut head)?;
        let typ = u16::from_le_bytes([head[0], head[1]]);
        let len = u64::from(u16::from_le_bytes([head[2], head[3]]));
        if left - 4 < len {
            return Err(Stop::Broken);
        }
        self.data.clear();
        (&mut self.stream).take(len).read_to_end(&mut self.data)?;
        self.pos += 4 + len;
        if typ == CONTINUE {
            self.continues += 1;
            if self.continues > CONTINUES {
                return Err(Stop::Continues);
            }
        } else {
            self.continues = 0;
        }
        Ok(Some(typ))
    }
}

/// A stream that knows its length.
trait StreamLen {
    fn stream_len(&self) -> u64;
}

impl<F> StreamLen for cfb::Stream<F> {
    fn stream_len(&self) -> u64 {
        self.len()
    }
}

/// A BOUNDSHEET's sheet name, for messages: UTF-16 or one byte a character.
fn sheet_name(data: &[u8], biff8: bool) -> String {
    let cch = data.get(6).map_or(0, |n| usize::from(*n));
    let (high_byte, at) = match (biff8, data.get(7)) {
        (true, Some(flags)) => (flags & 1 != 0, 8),
        _ => (false, 7),
    };
    let bytes = data.get(at..).unwrap_or_default();
    let name: String = if high_byte {
        char::decode_utf16(
            bytes
                .chunks_exact(2)
                .take(cch)
                .map(|u| u16::from_le_bytes([u[0], u[1]])),
        )
        .map(|c| c.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect()
    } else {
        bytes.iter().take(cch).map(|b| char::from(*b)).collect()
    };
    name.replace('\0', "")
}

fn u16_at(data: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(data.get(at..at + 2)?.try_into().ok()?))
}

fn u32_at(data: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(data.get(at..at + 4)?.try_into().ok()?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoded_lengths_are_utf8_lengths_at_most() {
        assert_eq!(decoded_len(b"abc\xE9", false, true), 5);
        let units: Vec<u8> = "a\u{e9}\u{4e2d}\u{1F600}"
            .encode_utf16()
            .flat_map(u16::to_le_bytes)
            .collect();
        assert_eq!(decoded_len(&units, true, true), 1 + 2 + 3 + 4);
        assert_eq!(decoded_len(b"ab", false, false), 6);
    }

    #[test]
    fn sheet_names_read_in_either_width() {
        let mut narrow = vec![0, 0, 0, 0, 0, 0, 3, 0];
        narrow.extend(b"Abc");
        assert_eq!(sheet_name(&narrow, true), "Abc");
        let mut wide = vec![0, 0, 0, 0, 0, 0, 2, 1];
        wide.extend("奖励".encode_utf16().flat_map(u16::to_le_bytes));
        assert_eq!(sheet_name(&wide, true), "奖励");
    }

    #[test]
    fn a_sheet_costs_its_bounding_box() {
        let mut sheet = Sheet::default();
        sheet.cell(0, 0, 0);
        sheet.cell(65_535, 255, 0);
        assert_eq!(sheet.dense(), 65_536 * 256 * DENSE_CELL);
        assert_eq!(sheet.far_cell(), "IV65536");
    }
}
