//! An `.ods` checked before calamine reads it. `Ods::new` parses every table of
//! `content.xml` into dense ranges when the file is opened, expanding repeated rows and
//! columns (`table:number-rows-repeated="1048575"` is one row in the file and a million in
//! memory), with a cell's text cloned into every copy. `content.xml` is streamed here with
//! the same parser the same way ([`Part`]), calamine's memory reckoned as it goes, table by
//! table, and the file refused when it passes [`ODS_BUDGET`], naming the table and row;
//! so is a cell over 1 MiB.

use std::io::{Read, Seek};

use quick_xml::escape::unescape;
use quick_xml::events::Event;
use zip::ZipArchive;

use super::super::hidden::Hidden;
use super::xml::{Part, Stop, attr, raw_attrs};
use super::{
    CELL_BYTES, LAST_COLUMN, LAST_ROW, ODS_BUDGET, WorkbookLimit, cell_name, limit, megabytes,
    string_cost,
};
use crate::read::source::SourceError;
use crate::text::echo;

/// What a cell of a dense range takes: a `Data` (32 bytes) and, in the range of formulas,
/// a `String` (24).
const DATA_BYTES: u64 = 32;
const FORMULA_BYTES: u64 = 24;

/// What a cell calamine parses (before it expands the table) takes: both, in vectors that
/// grow by doubling (half as much again, on average: what is reserved past the end is not
/// touched).
const PARSED_BYTES: u64 = (DATA_BYTES + FORMULA_BYTES) * 3 / 2;

/// What each row element calamine parses takes: where its cells start, and its repeats.
const PARSED_ROW_BYTES: u64 = 24;

/// Refuses an `.ods` (`reader` at the start of the archive) whose tables calamine would
/// take more than [`ODS_BUDGET`] to hold, or one of whose cells holds more than
/// [`CELL_BYTES`]. A file that cannot be read is left to calamine to report.
///
/// Gives each table's hidden rows (`table:visibility="collapse"` or `"filter"`), by name.
pub(in crate::read::source::workbook) fn check<R: Read + Seek>(
    shown: &str,
    reader: &mut R,
) -> Result<Vec<(String, Hidden)>, SourceError> {
    let Ok(mut zip) = ZipArchive::new(&mut *reader) else {
        return Ok(Vec::new());
    };
    let Ok(content) = zip.by_name("content.xml") else {
        return Ok(Vec::new());
    };
    let mut content = Content {
        shown,
        part: Part::new(content),
        memory: Memory::default(),
        hidden: Vec::new(),
    };
    content.read()?;
    Ok(content.hidden)
}

/// calamine's memory, as its tables are read.
#[derive(Default)]
struct Memory {
    /// What the tables read so far keep (their ranges), and names and styles.
    kept: u64,
    /// The largest table's range of values: `worksheet_range` clones the one read.
    largest: u64,
}

/// `content.xml` being read.
struct Content<'a, R: Read> {
    shown: &'a str,
    part: Part<R>,
    memory: Memory,
    /// The hidden rows of each table read that has some.
    hidden: Vec<(String, Hidden)>,
}

/// A table being read: what calamine parses, then expands.
#[derive(Default)]
struct Table {
    name: String,
    /// Rows (repeats counted) read so far: the next row's number from 0.
    rows: u64,
    /// Cells parsed (each row's once, repeats of columns expanded), and their text.
    parsed: u64,
    parsed_text: u64,
    values: Extent,
    formulas: Extent,
    /// Its hidden rows.
    hidden: Hidden,
}

/// The dense range of one kind (values or formulas) a table's rows make.
#[derive(Default)]
struct Extent {
    /// Rows from the first non-empty one to the last, repeats expanded.
    rows: u64,
    /// Empty rows since the last non-empty one: expanded only if another follows.
    pending: u64,
    /// The columns of the non-empty cells, from 0: first and last.
    columns: Option<(u64, u64)>,
    /// The text cloned into the range.
    text: u64,
}

impl Extent {
    /// Takes a row repeated `repeats` times whose non-empty cells span `span`, holding
    /// `text` bytes once.
    fn add(&mut self, repeats: u64, span: Option<(u64, u64)>, text: u64) {
        let Some((first, last)) = span else {
            if self.columns.is_some() {
                self.pending = self.pending.saturating_add(repeats);
            }
            return;
        };
        self.rows = self
            .rows
            .saturating_add(self.pending)
            .saturating_add(repeats);
        self.pending = 0;
        self.columns = Some(match self.columns {
            Some((a, b)) => (a.min(first), b.max(last)),
            None => (first, last),
        });
        self.text = self.text.saturating_add(text.saturating_mul(repeats));
    }

    /// What the range takes, at `cell` bytes a cell.
    fn bytes(&self, cell: u64) -> u64 {
        let width = self.columns.map_or(0, |(a, b)| b - a + 1);
        self.rows
            .saturating_mul(width)
            .saturating_mul(cell)
            .saturating_add(self.text)
    }
}

/// One parsed row: its non-empty cells' columns and text, for values and formulas.
#[derive(Default)]
struct Row {
    cells: u64,
    values: Option<(u64, u64)>,
    value_text: u64,
    formulas: Option<(u64, u64)>,
    formula_text: u64,
}

/// A cell's start tag, as calamine's `get_datatype` reads its attributes.
struct Head {
    repeats: u64,
    /// Bytes of its value's text, if an attribute gives it.
    value: Option<u64>,
    formula: u64,
    /// Whether its value is read from its content (a string cell without a
    /// `office:string-value`, or an error cell).
    reads_content: bool,
}

impl Head {
    /// The attributes of `e`; None when calamine fails on them.
    fn of(e: &quick_xml::events::BytesStart<'_>) -> Option<Head> {
        let repeats = match attr(e, "table:number-columns-repeated") {
            None => 1,
            Some(n) => n.parse::<u64>().ok()?,
        };
        let mut value: Option<u64> = None;
        let mut string_value: Option<u64> = None;
        let mut is_string = false;
        let mut is_error = false;
        let mut formula = 0;
        for (key, text) in raw_attrs(e.attributes_raw()) {
            match key {
                "office:value" if value.is_none() => {
                    text.trim().parse::<f64>().ok()?;
                    value = Some(0);
                }
                "office:string-value" | "office:date-value" | "office:time-value"
                    if value.is_none() =>
                {
                    value = Some(text.len() as u64);
                    if key == "office:string-value" {
                        string_value = Some(text.len() as u64);
                    }
                }
                "office:boolean-value" if value.is_none() => value = Some(0),
                "office:value-type" if value.is_none() => is_string = text == "string",
                "calcext:value-type" => is_error = text == "error",
                "table:formula" => formula = text.len() as u64,
                _ => (),
            }
        }
        let reads_content = (value.is_none() && is_string) || (is_error && string_value == Some(0));
        Some(Head {
            repeats,
            value,
            formula,
            reads_content,
        })
    }

    /// The cell, its content's text being `content` when it was read.
    fn cell(&self, content: Option<u64>) -> Cell {
        Cell {
            repeats: self.repeats,
            value: content.or(self.value),
            formula: self.formula,
        }
    }
}

/// A cell as calamine's `get_datatype` reads it.
struct Cell {
    /// Columns it repeats over.
    repeats: u64,
    /// Bytes of its value's text, None when it has no value.
    value: Option<u64>,
    /// Bytes of its formula, 0 for none.
    formula: u64,
}

impl<R: Read> Content<'_, R> {
    /// Reads `content.xml` as calamine's `parse_content` does.
    fn read(&mut self) -> Result<(), SourceError> {
        loop {
            let event = match self.part.next() {
                Ok(event) => event,
                Err(Stop::LongEvent) => return Err(self.long_event("between its tables")),
                Err(Stop::Malformed) => return Ok(()),
            };
            match event {
                Event::Start(e) if e.name().as_ref() == "style:style" => {
                    let name = attr(&e, "style:name").map_or(0, str::len) as u64;
                    self.memory.kept += 64 + name;
                }
                Event::Start(e) if e.name().as_ref() == "table:table" => {
                    let Some(name) = attr(&e, "table:name") else {
                        continue;
                    };
                    let name = unescape(name).map_or_else(|_| name.to_owned(), |n| n.into_owned());
                    self.memory.kept += 256 + 2 * name.len() as u64;
                    let table = Table {
                        name,
                        ..Table::default()
                    };
                    if !self.table(table)? {
                        return Ok(());
                    }
                }
                Event::Start(e)
                    if matches!(
                        e.name().as_ref(),
                        "table:named-range" | "table:named-expression"
                    ) =>
                {
                    self.memory.kept += 96 + e.len() as u64;
                }
                Event::Eof => return Ok(()),
                _ => (),
            }
        }
    }

    /// Reads a table's rows, as calamine's `read_table` does; false when calamine would
    /// fail in it.
    fn table(&mut self, mut table: Table) -> Result<bool, SourceError> {
        loop {
            let event = match self.part.next() {
                Ok(event) => event,
                Err(Stop::LongEvent) => {
                    return Err(self.long_event(&format!("in table {}", echo(&table.name))));
                }
                Err(Stop::Malformed) => return Ok(false),
            };
            match event {
                Event::Start(e) if e.name().as_ref() == "table:table-row" => {
                    let repeats = match attr(&e, "table:number-rows-repeated") {
                        None => 1,
                        Some(n) => match unescape(n).ok().and_then(|n| n.parse::<u64>().ok()) {
                            Some(n) => n,
                            None => return Ok(false),
                        },
                    };
                    // calamine stops counting rows at Excel's last.
                    let repeats = repeats.min(u64::from(LAST_ROW).saturating_sub(table.rows));
                    // Hidden by hand (collapse) or by a filter.
                    if matches!(attr(&e, "table:visibility"), Some("collapse" | "filter")) {
                        let runs = table.hidden.runs();
                        table.hidden.add(table.rows + 1, repeats);
                        if table.hidden.runs() > runs {
                            // A run held until the table is read: count it with the rest.
                            self.memory.kept += 16;
                        }
                    }
                    let Some(row) = self.row(&table)? else {
                        return Ok(false);
                    };
                    table.parsed += row.cells;
                    table.parsed_text += PARSED_ROW_BYTES;
                    table.parsed_text += row.value_text + row.formula_text;
                    table.values.add(repeats, row.values, row.value_text);
                    table.formulas.add(repeats, row.formulas, row.formula_text);
                    self.charge(&table, repeats)?;
                    table.rows += repeats;
                }
                Event::End(e) if e.name().as_ref() == "table:table" => {
                    if table.hidden.runs() > 0 {
                        let hidden = std::mem::take(&mut table.hidden);
                        self.hidden.push((std::mem::take(&mut table.name), hidden));
                    }
                    let values = table.values.bytes(DATA_BYTES);
                    self.memory.kept += values + table.formulas.bytes(FORMULA_BYTES);
                    self.memory.largest = self.memory.largest.max(values);
                    return Ok(true);
                }
                Event::Eof => return Ok(false),
                _ => (),
            }
        }
    }

    /// Refuses the file when calamine's memory, with `table` read up to its row just
    /// read (repeated `repeats` times), passes the budget.
    fn charge(&self, table: &Table, repeats: u64) -> Result<(), SourceError> {
        let values = table.values.bytes(DATA_BYTES);
        // What this table parses is let go before `worksheet_range` clones a table's
        // values: the larger of the two counts.
        let parsed = table
            .parsed
            .saturating_mul(PARSED_BYTES)
            .saturating_add(table.parsed_text);
        let used = self
            .memory
            .kept
            .saturating_add(values)
            .saturating_add(table.formulas.bytes(FORMULA_BYTES))
            .saturating_add(parsed.max(self.memory.largest).max(values));
        if used <= ODS_BUDGET {
            return Ok(());
        }
        let row = table.rows + 1;
        let repeated = match repeats {
            1 => String::new(),
            n => format!(", repeated {n} times"),
        };
        Err(SourceError::WorkbookTooLarge {
            path: self.shown.to_owned(),
            what: format!(
                "table {} up to its row {row}{repeated} (the spreadsheet reader holds every table whole, each repeated row and column as many times as it repeats)",
                echo(&table.name)
            ),
            megabytes: megabytes(used),
            budget: megabytes(ODS_BUDGET),
            advice: "delete the rows and columns past the table's end (a sheet formatted down to its last row repeats them), or save the sheet as CSV UTF-8, which is read as a stream whatever its size",
        })
    }

    /// Reads a row's cells, as calamine's `read_row` does; None when calamine would fail
    /// in it.
    fn row(&mut self, table: &Table) -> Result<Option<Row>, SourceError> {
        let mut row = Row::default();
        let mut column: u64 = 0;
        let mut empty_repeats: u64 = 0;
        loop {
            let (event, start) = match self.part.next_at() {
                Ok(found) => found,
                Err(Stop::LongEvent) => return Err(self.cell_too_long(table, column, None)),
                Err(Stop::Malformed) => return Ok(None),
            };
            match event {
                Event::Start(e)
                    if matches!(
                        e.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    let name = e.name().as_ref().to_owned();
                    let Some(head) = Head::of(&e) else {
                        return Ok(None);
                    };
                    let Some(cell) =
                        self.cell(table, column + empty_repeats, start, &name, head)?
                    else {
                        return Ok(None);
                    };
                    let room = |column: u64| u64::from(LAST_COLUMN).saturating_sub(column);
                    let empties = empty_repeats.min(room(column));
                    row.cells += empties;
                    column += empties;
                    let repeats = cell.repeats.min(room(column));
                    match cell.value {
                        None if cell.formula == 0 => empty_repeats = repeats,
                        value => {
                            empty_repeats = 0;
                            if repeats > 0 {
                                let span = (column, column + repeats - 1);
                                if let Some(text) = value {
                                    row.values = Some(widen(row.values, span));
                                    row.value_text += string_cost(text).saturating_mul(repeats);
                                }
                                if cell.formula > 0 {
                                    row.formulas = Some(widen(row.formulas, span));
                                    row.formula_text +=
                                        string_cost(cell.formula).saturating_mul(repeats);
                                }
                            }
                            row.cells += repeats;
                            column += repeats;
                        }
                    }
                }
                Event::End(e) if e.name().as_ref() == "table:table-row" => return Ok(Some(row)),
                // Anything else between cells stops calamine's reader.
                _ => return Ok(None),
            }
        }
    }

    /// Reads a cell (its start tag, `name`, just read, ending at byte `start`), as
    /// calamine's `get_datatype` does, and then its content, refused once it takes more
    /// than [`CELL_BYTES`]; None when calamine would fail in it.
    fn cell(
        &mut self,
        table: &Table,
        column: u64,
        start: u64,
        name: &str,
        head: Head,
    ) -> Result<Option<Cell>, SourceError> {
        let mut text: u64 = 0;
        let mut first_paragraph = true;
        let mut depth: u64 = 0;
        // Inside an annotation, calamine reads to its end, whatever is in it.
        let mut annotation = false;
        loop {
            let (event, at) = match self.part.next_at() {
                Ok(found) => found,
                Err(Stop::LongEvent) => return Err(self.cell_too_long(table, column, None)),
                Err(Stop::Malformed) => return Ok(None),
            };
            let taken = at.saturating_sub(start);
            if taken > CELL_BYTES {
                return Err(self.cell_too_long(table, column, Some(taken)));
            }
            if !head.reads_content {
                // calamine skips the content with `read_to_end_into`.
                match event {
                    Event::Start(e) if e.name().as_ref() == name => depth += 1,
                    Event::End(e) if e.name().as_ref() == name => {
                        if depth == 0 {
                            return Ok(Some(head.cell(None)));
                        }
                        depth -= 1;
                    }
                    Event::Eof => return Ok(None),
                    _ => (),
                }
                continue;
            }
            if annotation {
                match event {
                    Event::End(e) if e.name().as_ref() == "office:annotation" => annotation = false,
                    // calamine's loop never ends there: it would read on forever.
                    Event::Eof => {
                        return Err(limit(
                            &format!("{}[{}]", self.shown, table.name),
                            format!(
                                "cell {} holds a comment that is never closed",
                                cell_name(table.rows, column)
                            ),
                            WorkbookLimit::Damaged,
                        ));
                    }
                    _ => (),
                }
                continue;
            }
            match event {
                Event::Text(t) => text += t.len() as u64,
                // An entity is at most a character: 4 bytes.
                Event::GeneralRef(_) => text += 4,
                Event::End(e)
                    if matches!(
                        e.name().as_ref(),
                        "table:table-cell" | "table:covered-table-cell"
                    ) =>
                {
                    return Ok(Some(head.cell(Some(text))));
                }
                Event::Start(e) => match e.name().as_ref() {
                    "office:annotation" => annotation = true,
                    "text:p" if first_paragraph => first_paragraph = false,
                    "text:p" | "text:tab" | "text:line-break" => text += 1,
                    "text:s" => match attr(&e, "text:c") {
                        None => text += 1,
                        Some(count) => {
                            match unescape(count).ok().and_then(|c| c.parse::<u64>().ok()) {
                                Some(count) => text = text.saturating_add(count),
                                None => return Ok(None),
                            }
                        }
                    },
                    _ => (),
                },
                Event::Eof => return Ok(None),
                _ => (),
            }
            if text > CELL_BYTES {
                return Err(self.cell_too_long(table, column, Some(text)));
            }
        }
    }

    fn cell_too_long(&self, table: &Table, column: u64, bytes: Option<u64>) -> SourceError {
        SourceError::CellTooLong {
            path: format!("{}[{}]", self.shown, table.name),
            row: table.rows + 1,
            cell: cell_name(table.rows, column),
            bytes,
        }
    }

    fn long_event(&self, place: &str) -> SourceError {
        limit(
            self.shown,
            format!(
                "the spreadsheet's content holds a run of more than 1 MiB without markup {place}"
            ),
            WorkbookLimit::Damaged,
        )
    }
}

/// `span` and `with`, together.
fn widen(span: Option<(u64, u64)>, with: (u64, u64)) -> (u64, u64) {
    match span {
        Some((a, b)) => (a.min(with.0), b.max(with.1)),
        None => with,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_rows_count_only_between_rows_that_hold_something() {
        let mut extent = Extent::default();
        extent.add(5, None, 0);
        extent.add(2, Some((1, 3)), 10);
        extent.add(1_000, None, 0);
        assert_eq!(extent.bytes(1), 2 * 3 + 20);
        extent.add(1, Some((0, 0)), 0);
        assert_eq!(extent.rows, 1_003);
        assert_eq!(extent.bytes(DATA_BYTES), 1_003 * 4 * DATA_BYTES + 20);
    }

    #[test]
    fn collapsed_and_filtered_rows_are_hidden_repeats_counted() {
        let cell =
            r#"<table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell>"#;
        let row =
            |attributes: &str| format!("<table:table-row{attributes}>{cell}</table:table-row>");
        let xml = format!(
            "<office:document-content><table:table table:name=\"A\">{}{}{}{}</table:table><table:table table:name=\"B\">{}</table:table></office:document-content>",
            row(""),
            row(r#" table:visibility="collapse""#),
            row(r#" table:number-rows-repeated="3" table:visibility="filter""#),
            row(r#" table:visibility="visible""#),
            row(""),
        );
        let mut content = Content {
            shown: "b.ods",
            part: Part::new(xml.as_bytes()),
            memory: Memory::default(),
            hidden: Vec::new(),
        };
        content.read().unwrap();
        let [(name, hidden)] = content.hidden.as_mut_slice() else {
            panic!("one table with hidden rows");
        };
        assert_eq!(name, "A");
        let found: Vec<u64> = (1..=7).filter(|&r| hidden.take(r)).collect();
        assert_eq!(found, [2, 3, 4, 5]);
    }
}
