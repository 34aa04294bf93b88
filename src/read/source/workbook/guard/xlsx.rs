//! An `.xlsx` checked before calamine reads it. calamine's `Xlsx::new` reads the package
//! relationships, the shared strings (every one of them, into memory), the styles, the
//! theme and the workbook; its cell reader then streams the chosen sheet. Each of those
//! parts is streamed here first (the sheet on a thread of its own, calamine's read of it
//! kept behind by the [gate](super::gate)), with the same parser configured the same way, event by
//! event with bounded memory ([`Part`]), and refused when calamine would hold too much:
//! a shared string or a cell over 1 MiB, shared strings or styles past a memory budget,
//! a cell reference past Excel's last column or row.
//!
//! The sheet's scan also finds the cells whose error value calamine does not know
//! (`#SPILL!`, `#CALC!`, `#GETTING_DATA`, …): calamine's cell reader fails on each of
//! them, and can carry on after it, but does not say where the cell was. [`ErrorCells`]
//! says, in sheet order.

use std::collections::{HashMap, VecDeque};
use std::io::{BufReader, Read, Seek};
use std::sync::Arc;

use quick_xml::events::Event;
use zip::ZipArchive;

use super::super::hidden::HiddenFeed;
use super::gate::{Gate, Progress};
use super::xml::{Part, Stop, attr, attr_local, local, raw_attrs};
use super::{
    CELL_BYTES, LAST_COLUMN, LAST_ROW, STRINGS_BUDGET, STRUCTURE_BUDGET, WorkbookLimit, cell_name,
    limit, megabytes, string_cost,
};
use crate::read::source::SourceError;
use crate::read::source::input::InputFile;
use crate::text::echo;

/// The error values calamine's cell reader knows; any other fails it.
const KNOWN_ERRORS: [&str; 7] = [
    "#DIV/0!", "#N/A", "#NAME?", "#NULL!", "#NUM!", "#REF!", "#VALUE!",
];

/// The most runs of unknown error cells a sheet may have: each is 16 bytes held until the
/// sheet is read (a column of `#SPILL!` down a million rows is one run).
const ERROR_RUNS: usize = 1_000_000;

/// Calamine's estimated cost of one style record (an `xf`: its `Style` is 152 bytes, with
/// clones of its font, fill and border), and of a font, fill, border or number format.
const XF_COST: u64 = 256;
const STYLE_PART_COST: u64 = 128;

/// What the check of a workbook found, for the check of its sheet.
pub(in crate::read::source::workbook) struct XlsxPlan {
    /// Each sheet's name and the path of its part, as calamine finds them.
    sheets: Vec<(String, String)>,
}

/// The positions of the cells whose error value calamine's cell reader does not know, in
/// sheet order: runs of consecutive rows in one column.
#[derive(Debug, Default, PartialEq, Eq)]
pub(in crate::read::source::workbook) struct ErrorCells {
    /// (row, column, how many rows down), all from 0.
    runs: VecDeque<(u32, u32, u32)>,
}

impl ErrorCells {
    /// The position of the next one, taken off the list.
    pub(in crate::read::source::workbook) fn take(&mut self) -> Option<(u32, u32)> {
        let (row, column, count) = self.runs.front_mut()?;
        let at = (*row, *column);
        *row += 1;
        *count -= 1;
        if *count == 0 {
            self.runs.pop_front();
        }
        Some(at)
    }

    fn push(&mut self, row: u32, column: u32) -> bool {
        if let Some((r, c, count)) = self.runs.back_mut()
            && *c == column
            && *r + *count == row
        {
            *count += 1;
            return true;
        }
        if self.runs.len() >= ERROR_RUNS {
            return false;
        }
        self.runs.push_back((row, column, 1));
        true
    }
}

/// The zip archive's names, found as calamine finds them: ignoring case, with `\` as `/`.
struct Names(HashMap<String, String>);

impl Names {
    fn of<R: Read + Seek>(zip: &ZipArchive<R>) -> Names {
        Names(
            zip.file_names()
                .filter_map(Result::ok)
                .map(|name| {
                    (
                        name.replace('\\', "/").to_ascii_lowercase(),
                        name.into_owned(),
                    )
                })
                .collect(),
        )
    }

    fn get<'a>(&'a self, path: &'a str) -> &'a str {
        self.0
            .get(&path.to_ascii_lowercase())
            .map_or(path, String::as_str)
    }
}

/// Checks what `Xlsx::new` reads (`reader` at the start of the archive), and finds where
/// each sheet is.
pub(in crate::read::source::workbook) fn check_book<R: Read + Seek>(
    shown: &str,
    reader: &mut R,
) -> Result<XlsxPlan, SourceError> {
    let mut plan = XlsxPlan { sheets: Vec::new() };
    let Ok(mut zip) = ZipArchive::new(&mut *reader) else {
        return Ok(plan);
    };
    let names = Names::of(&zip);
    let mut structure = Memory::new(STRUCTURE_BUDGET);

    let (xl_path, workbook_name) = match open(&mut zip, &names, "_rels/.rels") {
        Some(part) => match package_target(shown, part)? {
            Some(target) => target,
            None => return Ok(plan),
        },
        None => return Ok(plan),
    };
    if let Some(part) = open(&mut zip, &names, &format!("{xl_path}sharedStrings.xml")) {
        shared_strings(shown, part)?;
    }
    if let Some(part) = open(&mut zip, &names, &format!("{xl_path}theme/theme1.xml")) {
        // The theme only needs its events bounded: calamine keeps a dozen colors of it.
        count_elements(shown, part, "theme", |_| 0, &mut structure)?;
    }
    if let Some(part) = open(&mut zip, &names, &format!("{xl_path}styles.xml")) {
        count_elements(
            shown,
            part,
            "styles",
            |name| match name {
                "xf" => XF_COST,
                "font" | "fill" | "border" | "numFmt" => STYLE_PART_COST,
                _ => 0,
            },
            &mut structure,
        )?;
    }
    let rels_path = format!("{xl_path}_rels/{workbook_name}.rels");
    let relationships = match open(&mut zip, &names, &rels_path) {
        Some(part) => relationships(shown, part, &mut structure)?,
        None => return Ok(plan),
    };
    if let Some(part) = open(&mut zip, &names, &format!("{xl_path}{workbook_name}")) {
        plan.sheets = sheets(shown, part, &xl_path, &relationships, &mut structure)?;
    }
    Ok(plan)
}

impl XlsxPlan {
    /// Checks the part of `sheet`, the `index`th of calamine's (`origin` is `FILE[SHEET]`,
    /// for messages), finds its error cells calamine does not know, and tells `hidden`
    /// its hidden rows as it reads past them.
    pub(in crate::read::source::workbook) fn check_sheet(
        &self,
        file: InputFile,
        origin: &str,
        (sheet, index): (&str, usize),
        (gate, hidden): (&Arc<Gate>, &HiddenFeed),
    ) -> Result<ErrorCells, SourceError> {
        // By name, and else by position: both list the workbook's sheets in its order, and
        // calamine reads none it cannot place, so a name decoded otherwise is still found.
        let found = self
            .sheets
            .iter()
            .find(|(name, _)| name == sheet)
            .or_else(|| self.sheets.get(index));
        let Some((_, part_path)) = found else {
            return Ok(ErrorCells::default());
        };
        let file = Progress::new(file, Arc::clone(gate));
        let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
            return Ok(ErrorCells::default());
        };
        let names = Names::of(&zip);
        let Ok(part) = zip.by_name(names.get(part_path)) else {
            return Ok(ErrorCells::default());
        };
        // From its local header to the end of its data: what calamine reads of it.
        let start = part.header_start();
        let end = part
            .data_start()
            .unwrap_or(start)
            .saturating_add(part.compressed_size());
        gate.place(start, end);
        sheet_cells(origin, Part::new(part), hidden)
    }
}

/// The part at `path`, if the archive has it and it opens.
fn open<'a, R: Read + Seek>(
    zip: &'a mut ZipArchive<R>,
    names: &Names,
    path: &str,
) -> Option<Part<zip::read::ZipFile<'a, R>>> {
    zip.by_name(names.get(path)).ok().map(Part::new)
}

/// A part whose events are not small, outside any cell.
fn long_event(shown: &str, part: &str) -> SourceError {
    limit(
        shown,
        format!(
            "the workbook's {part} part holds a run of more than 1 MiB without markup (a text or a tag)"
        ),
        WorkbookLimit::Damaged,
    )
}

/// Where `_rels/.rels` says the workbook is: its folder and its name.
fn package_target<R: Read>(
    shown: &str,
    mut part: Part<R>,
) -> Result<Option<(String, String)>, SourceError> {
    loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "Relationship" => {
                let office =
                    attr(&e, "Type").is_some_and(|t| t.ends_with("/relationships/officeDocument"));
                if let (true, Some(target)) = (office, attr(&e, "Target")) {
                    let target = quick_xml::escape::unescape(target)
                        .map(|t| t.into_owned())
                        .unwrap_or_else(|_| target.to_owned());
                    let (dir, name) = match target.rfind('/') {
                        Some(i) => target.split_at(i + 1),
                        None => ("", target.as_str()),
                    };
                    let dir = dir.strip_prefix('/').unwrap_or(dir).to_owned();
                    let name = if name.is_empty() {
                        "workbook.xml"
                    } else {
                        name
                    };
                    return Ok(Some((dir, name.to_owned())));
                }
            }
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(None),
            Err(Stop::LongEvent) => return Err(long_event(shown, "package relationships")),
            Ok(_) => (),
        }
    }
}

/// The workbook's relationships: id to (target, type).
fn relationships<R: Read>(
    shown: &str,
    mut part: Part<R>,
    memory: &mut Memory,
) -> Result<HashMap<String, (String, String)>, SourceError> {
    let mut found = HashMap::new();
    loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "Relationship" => {
                if let Some(id) = attr(&e, "Id") {
                    let target = attr(&e, "Target").unwrap_or_default().to_owned();
                    let typ = attr(&e, "Type").unwrap_or_default().to_owned();
                    memory.charge(shown, 128 + (id.len() + target.len() + typ.len()) as u64)?;
                    found.insert(id.to_owned(), (target, typ));
                }
            }
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(found),
            Err(Stop::LongEvent) => return Err(long_event(shown, "workbook relationships")),
            Ok(_) => (),
        }
    }
}

/// The sheets listed in the workbook part, each with the path of its part.
fn sheets<R: Read>(
    shown: &str,
    mut part: Part<R>,
    xl_path: &str,
    relationships: &HashMap<String, (String, String)>,
    memory: &mut Memory,
) -> Result<Vec<(String, String)>, SourceError> {
    let mut sheets = Vec::new();
    loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "sheet" => {
                let name = attr(&e, "name").unwrap_or_default();
                let name = quick_xml::escape::unescape(name)
                    .map(|n| n.into_owned())
                    .unwrap_or_else(|_| name.to_owned());
                let id = attr_local(&e, "id").unwrap_or_default();
                memory.charge(shown, 160 + 2 * name.len() as u64)?;
                if let Some((target, _)) = relationships.get(id) {
                    let path = match target.strip_prefix('/') {
                        Some(absolute) => absolute.to_owned(),
                        None => format!("{xl_path}{target}"),
                    };
                    memory.charge(shown, path.len() as u64)?;
                    sheets.push((name, path));
                }
            }
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "definedName" => {
                memory.charge(shown, 64 + e.len() as u64)?;
            }
            Ok(Event::Text(text)) => memory.charge(shown, text.len() as u64)?,
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(sheets),
            Err(Stop::LongEvent) => return Err(long_event(shown, "workbook")),
            Ok(_) => (),
        }
    }
}

/// Bounds a part's events, and charges `cost(local name)` for each element it starts.
fn count_elements<R: Read>(
    shown: &str,
    mut part: Part<R>,
    what: &str,
    cost: impl Fn(&str) -> u64,
    memory: &mut Memory,
) -> Result<(), SourceError> {
    loop {
        match part.next() {
            Ok(Event::Start(e)) => {
                memory.charge(shown, cost(local(e.name().as_ref())) + e.len() as u64 / 2)?
            }
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(()),
            Err(Stop::LongEvent) => return Err(long_event(shown, what)),
            Ok(_) => (),
        }
    }
}

/// What calamine's structures cost, as they are read: refused past a budget.
struct Memory {
    used: u64,
    budget: u64,
}

impl Memory {
    fn new(budget: u64) -> Memory {
        Memory { used: 0, budget }
    }

    fn charge(&mut self, shown: &str, bytes: u64) -> Result<(), SourceError> {
        self.used = self.used.saturating_add(bytes);
        if self.used <= self.budget {
            return Ok(());
        }
        Err(SourceError::WorkbookTooLarge {
            path: shown.to_owned(),
            what: "the workbook's styles, sheets and names".to_owned(),
            megabytes: megabytes(self.used),
            budget: megabytes(self.budget),
            advice: WorkbookLimit::SaveAsCsv.advice(),
        })
    }
}

/// The shared strings, each as calamine reads it (its text runs, not its phonetic ones),
/// refused when one holds more than [`CELL_BYTES`] or all of them would take more than
/// [`STRINGS_BUDGET`] in calamine's `Vec<String>`.
fn shared_strings<R: Read>(shown: &str, mut part: Part<R>) -> Result<(), SourceError> {
    let too_large = |count: u64, memory: u64| SourceError::WorkbookTooLarge {
        path: shown.to_owned(),
        what: format!("the workbook's {count} shared strings (the text of its cells)"),
        megabytes: megabytes(memory),
        budget: megabytes(STRINGS_BUDGET),
        advice: WorkbookLimit::SaveAsCsv.advice(),
    };
    // calamine reserves room for the count the part declares before it reads a string.
    let declared = loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "sst" => {
                break attr(&e, "uniqueCount")
                    .and_then(|n| n.parse::<u64>().ok())
                    .unwrap_or(0);
            }
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(()),
            Err(Stop::LongEvent) => return Err(long_event(shown, "shared strings")),
            Ok(_) => (),
        }
    };
    let reserved = declared.saturating_mul(24);
    if reserved > STRINGS_BUDGET {
        return Err(too_large(declared, reserved));
    }
    let mut count: u64 = 0;
    let mut text: u64 = 0;
    loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "si" => {
                let closing = e.name().as_ref().to_owned();
                let Some(len) = string_length(shown, &mut part, &closing, count)? else {
                    return Ok(());
                };
                count += 1;
                text = text.saturating_add(string_cost(len));
                // The Vec holds what was reserved, and grows by doubling past it.
                let mut slots = declared.max(4);
                while slots < count {
                    slots = slots.saturating_mul(2);
                }
                let memory = text.saturating_add(slots.saturating_mul(24));
                if memory > STRINGS_BUDGET {
                    return Err(too_large(count, memory));
                }
            }
            Ok(Event::End(e)) if local(e.name().as_ref()) == "sst" => return Ok(()),
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(()),
            Err(Stop::LongEvent) => {
                return Err(SourceError::SharedStringTooLong {
                    path: shown.to_owned(),
                    index: count,
                    bytes: None,
                });
            }
            Ok(_) => (),
        }
    }
}

/// The length of the text of shared string `index` (its `<si>` just read, ending with
/// `closing`), as calamine's `read_string_with_bufs` gathers it; None when the part ends
/// or breaks first (calamine fails there too).
fn string_length<R: Read>(
    shown: &str,
    part: &mut Part<R>,
    closing: &str,
    index: u64,
) -> Result<Option<u64>, SourceError> {
    let too_long = |bytes: Option<u64>| SourceError::SharedStringTooLong {
        path: shown.to_owned(),
        index,
        bytes,
    };
    let mut phonetic = false;
    let mut len: u64 = 0;
    loop {
        let event = match part.next() {
            Ok(event) => event,
            Err(Stop::LongEvent) => return Err(too_long(None)),
            Err(Stop::Malformed) => return Ok(None),
        };
        match event {
            Event::Start(e) if local(e.name().as_ref()) == "rPh" => phonetic = true,
            Event::End(e) if e.name().as_ref() == closing => return Ok(Some(len)),
            Event::End(e) if local(e.name().as_ref()) == "rPh" => phonetic = false,
            Event::Start(e) if local(e.name().as_ref()) == "t" && !phonetic => {
                let t = e.name().as_ref().to_owned();
                loop {
                    match part.next() {
                        Ok(Event::Text(run)) => len += run.len() as u64,
                        Ok(Event::CData(run)) => len += run.len() as u64,
                        // An entity is at most a character: 4 bytes.
                        Ok(Event::GeneralRef(_)) => len += 4,
                        Ok(Event::End(end)) if end.name().as_ref() == t => break,
                        Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(None),
                        Err(Stop::LongEvent) => {
                            return Err(too_long(None));
                        }
                        Ok(_) => (),
                    }
                    if len > CELL_BYTES {
                        return Err(too_long(Some(len)));
                    }
                }
            }
            Event::Eof => return Ok(None),
            _ => (),
        }
    }
}

/// A row number (from 0) of a cell reference, as calamine parses it.
fn parse_reference(reference: &str) -> Option<(u64, Option<u64>)> {
    let bytes = reference.as_bytes();
    let letters = bytes.iter().take_while(|b| b.is_ascii_alphabetic()).count();
    let digits = &bytes[letters..];
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let column = bytes[..letters].iter().fold(0u64, |n, b| {
        n.saturating_mul(26)
            .saturating_add(u64::from(b.to_ascii_uppercase() - b'A') + 1)
    });
    let row = digits.iter().fold(0u64, |n, b| {
        n.saturating_mul(10).saturating_add(u64::from(b - b'0'))
    });
    let row = row.checked_sub(1)?;
    Some((row, column.checked_sub(1)))
}

/// A cell's type attribute, as far as calamine's reader tells them apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum CellType {
    /// `n`, `s`, `b`, `e` or none: a `<v>` read from its first text.
    Plain { error: bool },
    /// `inlineStr` or `is`: a `<v>` skipped.
    Inline,
    /// Anything else (`str`, `d`): a `<v>` read whole.
    Other,
}

/// How calamine's reader left a cell.
enum CellEnd {
    /// At its end: the next cell is in the next column.
    Closed,
    /// At its error value, which it does not know: the next event is read as if between
    /// cells, and the next cell without a reference takes this one's column.
    UnknownError,
}

/// The sheet's cells, as calamine's cell reader goes through them; its hidden rows
/// (`hidden="1"`, which a row filtered out has too) told to `hidden` as they are met.
fn sheet_cells<R: Read>(
    origin: &str,
    mut part: Part<R>,
    hidden: &HiddenFeed,
) -> Result<ErrorCells, SourceError> {
    let mut errors = ErrorCells::default();
    loop {
        match part.next() {
            Ok(Event::Start(e)) if local(e.name().as_ref()) == "sheetData" => break,
            Ok(Event::Eof) | Err(Stop::Malformed) => return Ok(errors),
            Err(Stop::LongEvent) => return Err(long_event(origin, "sheet")),
            Ok(_) => (),
        }
    }
    let outside = |row: u64| {
        limit(
            origin,
            format!(
                "the sheet's XML holds a run of more than 1 MiB without markup outside any cell (after row {row})"
            ),
            WorkbookLimit::Damaged,
        )
    };
    let mut row_index: u64 = 0;
    let mut col_index: u64 = 0;
    // The reference of the last unknown error cell while calamine's column lags behind it.
    let mut lagging: Option<String> = None;
    loop {
        let event = match part.next() {
            Ok(event) => event,
            Err(Stop::LongEvent) => return Err(outside(row_index)),
            Err(Stop::Malformed) => return Ok(errors),
        };
        match event {
            Event::Start(e) if local(e.name().as_ref()) == "row" => {
                // One pass over the attributes: this runs for every row of the sheet.
                let (mut reference, mut is_hidden) = (None, false);
                for (key, value) in raw_attrs(e.attributes_raw()) {
                    match key {
                        "r" if reference.is_none() => reference = Some(value),
                        "hidden" => is_hidden = matches!(value, "1" | "true"),
                        _ => (),
                    }
                }
                if let Some(r) = reference {
                    let Some((row, _)) = parse_reference(r) else {
                        return Ok(errors);
                    };
                    if row >= u64::from(LAST_ROW) {
                        return Err(out_of_range(origin, format!("row {}", echo(r)), true));
                    }
                    row_index = row;
                }
                if is_hidden {
                    hidden.add(row_index + 1, 1);
                }
            }
            Event::End(e) if local(e.name().as_ref()) == "row" => {
                row_index += 1;
                col_index = 0;
                lagging = None;
            }
            Event::Start(e) if local(e.name().as_ref()) == "c" => {
                let typ = match attr(&e, "t") {
                    Some("n" | "s" | "b") | None => CellType::Plain { error: false },
                    Some("e") => CellType::Plain { error: true },
                    Some("inlineStr" | "is") => CellType::Inline,
                    Some(_) => CellType::Other,
                };
                let (row, column) = match attr(&e, "r") {
                    Some(r) => {
                        let Some((row, Some(column))) = parse_reference(r) else {
                            return Ok(errors);
                        };
                        if column >= u64::from(LAST_COLUMN) {
                            return Err(out_of_range(origin, format!("cell {}", echo(r)), false));
                        }
                        if row >= u64::from(LAST_ROW) {
                            return Err(out_of_range(origin, format!("cell {}", echo(r)), true));
                        }
                        lagging = None;
                        col_index = column;
                        (row, column)
                    }
                    None => {
                        if let Some(previous) = lagging.take() {
                            return Err(crate::read::source::SourceError::DamagedWorkbook {
                                path: origin.to_owned(),
                                format: super::super::WorkbookFormat::Xlsx.described(),
                                detail: format!(
                                    "cell {previous} holds an error value the reader does not know, and the cell after it carries no reference, so its column cannot be told"
                                ),
                            });
                        }
                        if col_index >= u64::from(LAST_COLUMN) || row_index >= u64::from(LAST_ROW) {
                            let cell = cell_name(row_index, col_index);
                            return Err(out_of_range(
                                origin,
                                format!("cell {cell} (counted from the cells before it)"),
                                col_index < u64::from(LAST_COLUMN),
                            ));
                        }
                        (row_index, col_index)
                    }
                };
                let start = part.position();
                match cell(origin, &mut part, typ, start, row, column)? {
                    Some(CellEnd::Closed) => col_index += 1,
                    Some(CellEnd::UnknownError) => {
                        // Both fit in u32: checked against Excel's limits above.
                        if !errors.push(row as u32, column as u32) {
                            return Err(limit(
                                origin,
                                format!(
                                    "the sheet has more than {ERROR_RUNS} runs of cells holding error values such as #SPILL!"
                                ),
                                WorkbookLimit::SaveAsCsv,
                            ));
                        }
                        lagging = Some(cell_name(row, column));
                    }
                    // The XML breaks, or the cell holds what calamine's reader refuses: it
                    // stops there too.
                    None => return Ok(errors),
                }
            }
            Event::End(e) if local(e.name().as_ref()) == "sheetData" => return Ok(errors),
            Event::Eof => return Ok(errors),
            _ => (),
        }
    }
}

/// A cell reference past Excel's limits.
fn out_of_range(origin: &str, reference: String, row: bool) -> SourceError {
    SourceError::CellReference {
        path: origin.to_owned(),
        reference,
        what: if row { "row" } else { "column" },
        last: if row { "1048576" } else { "XFD" },
    }
}

/// The body of a cell (its start tag just read, at byte `start` of the part), as
/// calamine's reader reads it, refused past [`CELL_BYTES`]. None when calamine's reader
/// would fail in it (the XML breaks, or an element it does not expect).
fn cell<R: Read>(
    origin: &str,
    part: &mut Part<R>,
    typ: CellType,
    start: u64,
    row: u64,
    column: u64,
) -> Result<Option<CellEnd>, SourceError> {
    let mut body = Body {
        part,
        start,
        origin,
        row,
        column,
        watched: String::new(),
        last: String::new(),
    };
    loop {
        let Some(event) = body.next()? else {
            return Ok(None);
        };
        match event {
            Tag::Start(name, _) => {
                // The element's end is watched for by its whole name, as calamine does.
                std::mem::swap(&mut body.watched, &mut body.last);
                let read = match (name, typ) {
                    // An inline string: read up to the first end tag of its name.
                    (Name::Is, _) | (Name::V, CellType::Other) => body.past_end(false)?,
                    (Name::V, CellType::Inline) | (Name::F, _) => body.past_end(true)?,
                    (Name::V, CellType::Plain { error }) => match body.next()? {
                        None => false,
                        Some(Tag::Text(known)) if error && !known => {
                            return Ok(Some(CellEnd::UnknownError));
                        }
                        Some(Tag::End(_, true)) => true,
                        Some(_) => body.past_end(true)?,
                    },
                    _ => false,
                };
                if !read {
                    return Ok(None);
                }
            }
            Tag::End(Name::C, _) => return Ok(Some(CellEnd::Closed)),
            Tag::Eof => return Ok(None),
            _ => (),
        }
    }
}

/// The local names calamine's cell reader tells apart.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Name {
    C,
    V,
    F,
    Is,
    Other,
}

impl Name {
    fn of(name: &str) -> Name {
        match local(name) {
            "c" => Name::C,
            "v" => Name::V,
            "f" => Name::F,
            "is" => Name::Is,
            _ => Name::Other,
        }
    }
}

/// An event inside a cell, as much of it as the scan needs: a tag's local name, and
/// whether its whole name is the one watched for.
enum Tag {
    Start(Name, bool),
    End(Name, bool),
    /// Text: whether it is an error value calamine knows.
    Text(bool),
    Eof,
    Other,
}

/// A cell's body being read.
struct Body<'a, R: Read> {
    part: &'a mut Part<R>,
    start: u64,
    origin: &'a str,
    row: u64,
    column: u64,
    /// The whole name of the element whose end is looked for.
    watched: String,
    /// The whole name of the last start tag (buffers reused: no allocation a cell).
    last: String,
}

impl<R: Read> Body<'_, R> {
    /// The next event, refused once the cell has taken more than [`CELL_BYTES`]; None
    /// when the XML breaks.
    fn next(&mut self) -> Result<Option<Tag>, SourceError> {
        let (tag, at) = match self.part.next_at() {
            Ok((event, at)) => (
                match event {
                    Event::Start(e) => {
                        let name = e.name();
                        let name = name.as_ref();
                        self.last.clear();
                        self.last.push_str(name);
                        Tag::Start(Name::of(name), name == self.watched)
                    }
                    Event::End(e) => {
                        let name = e.name();
                        let name = name.as_ref();
                        Tag::End(Name::of(name), name == self.watched)
                    }
                    Event::Text(t) => Tag::Text(KNOWN_ERRORS.contains(&t.as_ref())),
                    Event::Eof => Tag::Eof,
                    _ => Tag::Other,
                },
                at,
            ),
            Err(Stop::Malformed) => return Ok(None),
            Err(Stop::LongEvent) => return Err(self.too_long(None)),
        };
        let taken = at.saturating_sub(self.start);
        if taken > CELL_BYTES {
            return Err(self.too_long(Some(taken)));
        }
        Ok(Some(tag))
    }

    fn too_long(&self, bytes: Option<u64>) -> SourceError {
        SourceError::CellTooLong {
            path: self.origin.to_owned(),
            row: self.row + 1,
            cell: cell_name(self.row, self.column),
            bytes,
        }
    }

    /// Reads past the end tag of the watched element (`nested`: counting start tags of the
    /// same name, as quick-xml's `read_to_end_into` does). False when the XML ends first.
    fn past_end(&mut self, nested: bool) -> Result<bool, SourceError> {
        let mut depth = 0u64;
        loop {
            match self.next()? {
                None | Some(Tag::Eof) => return Ok(false),
                Some(Tag::Start(_, true)) if nested => depth += 1,
                Some(Tag::End(_, true)) => {
                    if depth == 0 {
                        return Ok(true);
                    }
                    depth -= 1;
                }
                Some(_) => (),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn references_are_read_without_overflowing() {
        assert_eq!(parse_reference("A1"), Some((0, Some(0))));
        assert_eq!(
            parse_reference("XFD1048576"),
            Some((1_048_575, Some(16_383)))
        );
        // calamine's u32 wraps past 7 letters; here the column only grows.
        let (_, column) = parse_reference("AAAAAAA3").unwrap();
        assert!(column.unwrap() > u64::from(LAST_COLUMN));
        assert_eq!(parse_reference("7"), Some((6, None)));
        assert_eq!(parse_reference("A0"), None);
        assert_eq!(parse_reference("A1B"), None);
    }

    #[test]
    fn hidden_rows_are_told_as_the_sheet_is_read() {
        // Row 3 hidden, rows 5 and 6 filtered out (written hidden), the second without a
        // reference; a row hidden="0" is not.
        let xml = br#"<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row><row r="3" hidden="1" spans="1:1"><c r="A3"><v>3</v></c></row><row r="4" hidden="0"><c r="A4"><v>4</v></c></row><row r="5" hidden="true"><c r="A5"><v>5</v></c></row><row hidden="1"><c><v>6</v></c></row></sheetData></worksheet>"#;
        let feed = HiddenFeed::default();
        sheet_cells("b.xlsx[S]", Part::new(&xml[..]), &feed).unwrap();
        let mut hidden = super::super::super::hidden::Hidden::default();
        feed.take_into(&mut hidden);
        let found: Vec<u64> = (1..=7).filter(|&row| hidden.take(row)).collect();
        assert_eq!(found, [3, 5, 6]);
    }

    #[test]
    fn error_cells_down_a_column_are_one_run() {
        let mut cells = ErrorCells::default();
        for row in 5..1_005 {
            assert!(cells.push(row, 2));
        }
        assert!(cells.push(7, 9));
        assert_eq!(cells.runs.len(), 2);
        assert_eq!(cells.take(), Some((5, 2)));
        assert_eq!(cells.take(), Some((6, 2)));
        for _ in 0..998 {
            cells.take();
        }
        assert_eq!(cells.take(), Some((7, 9)));
        assert_eq!(cells.take(), None);
    }
}
