//! CSV files: the encoding (UTF-8 with or without BOM, GBK), the delimiter (found from the
//! lines that could be the header, or given), the header row (1 unless told, with the hint
//! when a later row holds the column names), physical line numbers, and the problems met
//! decoding each row.
//!
//! It streams (one record in memory at a time, plus the first rows while the header is
//! looked for), so a million-row export costs no more memory than a ten-row one. It
//! parses bytes and decodes each field afterwards, which is safe for both UTF-8 and
//! GB18030: neither uses the bytes of `,` `;` `|` tab `"` CR or LF inside a multi-byte
//! character. A field that does not decode is a problem of that row, reported with its
//! line, never silently replaced; so is a control character in any cell.

use std::collections::VecDeque;
use std::fmt;
use std::io::{BufRead, BufReader, Read};

use super::encoding::{Encoding, SNIFF_BYTES, decode_field, sniff};
use super::records::{Fields, MAX_ROW_BYTES, RawRecord, RecordError, Records, count_lf};
use super::{
    Cells, HEADER_SEARCH_ROWS, HeaderSearch, Origin, ReadProblem, Record, SourceError,
    SourceOptions, TextFields, io_error, report_controls,
};
use crate::problem::Rule;
use crate::text::{self, echo};

/// The delimiters tried, in order of preference when they tie.
const DELIMITERS: [u8; 4] = [b',', b';', b'\t', b'|'];

/// A streaming reader of a CSV file of any columns.
pub struct CsvReader {
    origin: Origin,
    encoding: Encoding,
    delimiter: u8,
    /// Set when the file is read as UTF-8 but its start decodes cleanly as GBK: the hint
    /// that goes with every decoding problem.
    looks_like_gbk: bool,
    names: Vec<String>,
    header_row: u64,
    preamble: Vec<Vec<String>>,
    /// Records read while looking for the header, not yet handed out.
    queued: VecDeque<Pending>,
    records: Records<BufReader<Box<dyn Read + Send>>>,
}

/// A record read ahead, while the header is looked for: owned, not yet decoded.
#[derive(Debug)]
enum Pending {
    Fields {
        line: u64,
        bytes: Vec<u8>,
        ends: Vec<usize>,
    },
    TooLong {
        line: u64,
        last: u64,
        bytes: u64,
    },
}

impl Pending {
    fn of(raw: &RawRecord<'_>) -> Pending {
        match *raw {
            RawRecord::Fields(fields) => Pending::Fields {
                line: fields.line,
                bytes: fields.bytes.to_vec(),
                ends: fields.ends.to_vec(),
            },
            RawRecord::TooLong { line, last, bytes } => Pending::TooLong { line, last, bytes },
        }
    }

    fn raw(&self) -> RawRecord<'_> {
        match self {
            Pending::Fields { line, bytes, ends } => RawRecord::Fields(Fields {
                line: *line,
                bytes,
                ends,
            }),
            Pending::TooLong { line, last, bytes } => RawRecord::TooLong {
                line: *line,
                last: *last,
                bytes: *bytes,
            },
        }
    }
}

impl fmt::Debug for CsvReader {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CsvReader")
            .field("origin", &self.origin)
            .field("encoding", &self.encoding)
            .field("delimiter", &char::from(self.delimiter))
            .finish_non_exhaustive()
    }
}

impl CsvReader {
    /// Reads from any byte source; `path` is the name used in messages.
    pub fn from_reader(
        path: String,
        source: Box<dyn Read + Send>,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<CsvReader, SourceError> {
        let mut buffered = BufReader::with_capacity(SNIFF_BYTES, source);
        let start = buffered
            .fill_buf()
            .map_err(|source| io_error(&path, Some(1), source))?;
        let sniffed = sniff(&path, start, options.encoding)?;
        let delimiter = match options.delimiter {
            Some(delimiter) => delimiter,
            None => detect_delimiter(&start[sniffed.skip..], sniffed.encoding, known),
        };
        buffered.consume(sniffed.skip);

        let mut records = Records::new(buffered, delimiter);
        let origin = Origin {
            file: path.clone(),
            sheet: None,
        };
        // The first rows, while the header is looked for: kept, to be handed out after it.
        let mut first: Vec<Pending> = Vec::new();
        while let Some(raw) = records.next_record().map_err(|e| record_error(&path, e))? {
            let line = raw.line();
            first.push(Pending::of(&raw));
            if line >= HEADER_SEARCH_ROWS && first.len() > options.header_row.unwrap_or(1) as usize
            {
                break;
            }
        }
        if first.is_empty() {
            return Err(SourceError::Empty { path });
        }
        let rows: Vec<(u64, Vec<String>)> = first
            .iter()
            .map(|pending| match pending.raw() {
                RawRecord::Fields(fields) => {
                    let names = fields
                        .iter()
                        .map(|f| decode_field(f, sniffed.encoding).0.trim().to_owned())
                        .collect();
                    (fields.line, names)
                }
                // Too long to be a header: a row with no names.
                RawRecord::TooLong { line, .. } => (line, Vec::new()),
            })
            .collect();
        let at = HeaderSearch::new(&origin, options.header_row, known).find(&rows)?;
        let header_line = rows[at].0;
        let names = match first[at].raw() {
            RawRecord::Fields(fields) => {
                decode_header(&path, header_line, &fields, sniffed.encoding)?
            }
            RawRecord::TooLong { line, bytes, .. } => {
                return Err(SourceError::HeaderTooLong { path, line, bytes });
            }
        };
        let preamble = rows[..at].iter().map(|(_, cells)| cells.clone()).collect();
        let queued = first.split_off(at + 1).into_iter().collect();
        Ok(CsvReader {
            origin,
            encoding: sniffed.encoding,
            delimiter,
            looks_like_gbk: sniffed.looks_like_gbk,
            names,
            header_row: header_line,
            preamble,
            queued,
            records,
        })
    }

    /// Where the records come from, for messages.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The encoding the file is read in.
    pub fn encoding(&self) -> Encoding {
        self.encoding
    }

    /// The delimiter the file is read with.
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The header's names, trimmed, in file order.
    pub fn names(&self) -> &[String] {
        &self.names
    }

    /// The line the header is on.
    pub fn header_row(&self) -> u64 {
        self.header_row
    }

    /// The rows above the header (a title, a date of export), as text.
    pub fn preamble(&self) -> &[Vec<String>] {
        &self.preamble
    }

    /// The next data row, skipping rows whose every cell is empty (Excel leaves those).
    pub fn next_record(&mut self) -> Result<Option<Record>, SourceError> {
        while let Some(pending) = self.queued.pop_front() {
            if let Some(record) = self.decode(pending.raw()) {
                return Ok(Some(record));
            }
        }
        loop {
            let raw = match self.records.next_record() {
                Ok(Some(raw)) => raw,
                Ok(None) => return Ok(None),
                Err(e) => return Err(record_error(&self.origin.file, e)),
            };
            // Decoding borrows the reader's buffers: the fields are copied out of them.
            let decoded = Self::decode_with(
                &self.names,
                self.encoding,
                self.delimiter,
                self.looks_like_gbk,
                raw,
            );
            if let Some(record) = decoded {
                return Ok(Some(record));
            }
        }
    }

    fn decode(&self, raw: RawRecord<'_>) -> Option<Record> {
        Self::decode_with(
            &self.names,
            self.encoding,
            self.delimiter,
            self.looks_like_gbk,
            raw,
        )
    }

    /// A record as handed out, or None for a row whose every cell is empty.
    fn decode_with(
        names: &[String],
        encoding: Encoding,
        delimiter: u8,
        looks_like_gbk: bool,
        raw: RawRecord<'_>,
    ) -> Option<Record> {
        let fields = match raw {
            RawRecord::Fields(fields) => fields,
            RawRecord::TooLong { line, last, bytes } => {
                return Some(too_long(line, last, bytes));
            }
        };
        if fields.iter().all(|f| f.trim_ascii().is_empty()) {
            return None;
        }
        let mut problems = Vec::new();
        let text = match encoding {
            Encoding::Utf8 { .. } => match TextFields::from_utf8(fields.bytes, fields.ends) {
                Some(text) => text,
                None => {
                    decode_fields_lossy(names, encoding, looks_like_gbk, &fields, &mut problems)
                }
            },
            Encoding::Gb18030 => {
                decode_fields_lossy(names, encoding, looks_like_gbk, &fields, &mut problems)
            }
        };
        // One pass over the whole row clears nearly every row; a suspect one is looked at
        // field by field.
        if text::may_hold_controls(text.joined()) {
            report_controls(names, text.iter().enumerate(), &mut problems);
        }
        if let Some(problem) = ragged(names, &text, delimiter, fields.line) {
            problems.push(problem);
        } else if let Some(problem) = swallowed_rows(names, &text, delimiter, fields.line) {
            problems.push(problem);
        }
        Some(Record {
            row: fields.line,
            part: 0,
            hidden: false,
            cells: Cells::Text(text),
            problems,
        })
    }
}

/// Decodes field by field, so a bad byte is reported in its own column.
fn decode_fields_lossy(
    names: &[String],
    encoding: Encoding,
    looks_like_gbk: bool,
    fields: &Fields<'_>,
    problems: &mut Vec<ReadProblem>,
) -> TextFields {
    let mut text = TextFields::with_capacity(fields.bytes.len(), fields.len());
    for (i, raw) in fields.iter().enumerate() {
        let (decoded, bad) = decode_field(raw, encoding);
        if let Some(bad) = bad {
            problems.push(ReadProblem {
                column: names.get(i).cloned(),
                message: decoding_advice(encoding, looks_like_gbk, &bad),
                field: Some(i),
                rule: Rule::Encoding,
            });
        }
        text.push_field(&decoded);
    }
    text
}

fn decoding_advice(encoding: Encoding, looks_like_gbk: bool, bad: &[u8]) -> String {
    let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02X}")).collect();
    let bytes = match hex.len() {
        1 => format!("byte {} is", hex[0]),
        _ => format!("bytes {} are", hex.join(" ")),
    };
    match encoding {
        Encoding::Utf8 { .. } if looks_like_gbk => format!(
            "{bytes} not valid UTF-8; the file looks like GBK (an Excel export from Chinese Windows): rerun with --encoding gbk"
        ),
        Encoding::Utf8 { .. } => format!(
            "{bytes} not valid UTF-8; save the file as UTF-8, or pass --encoding gbk if it is GBK"
        ),
        Encoding::Gb18030 => format!(
            "{bytes} not valid GBK/GB18030; check the file's encoding (--encoding utf-8 if it is UTF-8)"
        ),
    }
}

/// A record over [`MAX_ROW_BYTES`]: invalid, its cells not kept (SPEC §2.5).
fn too_long(line: u64, last: u64, bytes: u64) -> Record {
    let lines = match last > line {
        true => format!("lines {line} to {last} hold one row of {}", mib(bytes)),
        false => format!("the line is {} long", mib(bytes)),
    };
    Record {
        row: line,
        part: 0,
        hidden: false,
        cells: Cells::Text(TextFields::default()),
        problems: vec![ReadProblem {
            column: None,
            message: format!(
                "{lines}, over the {} a row may hold, so it is not read: no reward needs that much; look for a quote that opens a cell and is closed far later, or a document pasted into a cell",
                mib(MAX_ROW_BYTES)
            ),
            field: None,
            rule: Rule::TooLong,
        }],
    }
}

/// A size in MiB as messages show it: `1 MiB`, `100.0 MiB`.
pub(super) fn mib(bytes: u64) -> String {
    if bytes == MAX_ROW_BYTES {
        return "1 MiB".to_owned();
    }
    format!("{:.1} MiB", bytes as f64 / f64::from(1 << 20))
}

/// A row whose fields do not line up with the header: a missing or extra delimiter. Extra
/// empty fields past the header, and missing ones under unnamed columns (what Excel leaves
/// at the end of rows), are no problem.
fn ragged(names: &[String], fields: &TextFields, delimiter: u8, line: u64) -> Option<ReadProblem> {
    let extra = fields.iter().skip(names.len()).any(|f| !text::is_blank(f));
    let short = names.iter().skip(fields.len()).any(|name| !name.is_empty());
    if !extra && !short {
        return None;
    }
    let word = delimiter_word(delimiter);
    // A quote that opened a cell and closed lines later shifts every field after it.
    let last = line + count_lf(fields.joined().as_bytes());
    let spans = match last > line {
        true => format!(
            ", or a quote that opens a cell on line {line} and is closed only on line {last} (the row runs from line {line} to line {last})"
        ),
        false => String::new(),
    };
    Some(ReadProblem {
        column: None,
        message: format!(
            "the row has {} fields but the header has {}; look for a missing or extra {word}, or a value with a {word} that is not in double quotes{spans}",
            fields.len(),
            names.len()
        ),
        field: None,
        rule: Rule::Ragged,
    })
}

/// A delimiter in words, for messages.
fn delimiter_word(delimiter: u8) -> String {
    match delimiter {
        b',' => "comma".to_owned(),
        b';' => "semicolon".to_owned(),
        b'\t' => "tab".to_owned(),
        b'|' => "vertical bar (|)".to_owned(),
        other => format!("delimiter {:?}", char::from(other)),
    }
}

/// The fewest columns for which a line of a cell that holds as many delimiters as a row
/// is taken for a row the cell swallowed (with fewer, free text may well look like that).
const SWALLOW_MIN_COLUMNS: usize = 4;

/// A cell spanning lines, with a line after its first that holds as many delimiters as a
/// whole row of the file: rows swallowed by a quote that opened the cell and closed only
/// at a later stray quote (the count of fields can still come out right). SPEC §2.5:
/// nothing swallowed.
fn swallowed_rows(
    names: &[String],
    fields: &TextFields,
    delimiter: u8,
    line: u64,
) -> Option<ReadProblem> {
    if names.len() < SWALLOW_MIN_COLUMNS || !fields.joined().contains('\n') {
        return None;
    }
    let mut start = line;
    for (i, field) in fields.iter().enumerate() {
        let breaks = count_lf(field.as_bytes());
        let looks_like_row = field
            .split('\n')
            .skip(1)
            .position(|l| l.bytes().filter(|&b| b == delimiter).count() + 1 >= names.len());
        if let Some(k) = looks_like_row {
            let end = start + breaks;
            return Some(ReadProblem {
                column: names.get(i).filter(|n| !n.is_empty()).cloned(),
                message: format!(
                    "the cell runs from line {start} to line {end}, and its line {} holds as many {}s as a row of this file: a quote that opens the cell on line {start} is closed only on line {end}, so the rows between are read as this cell; close the quote where the cell ends (a quote inside a quoted cell is written twice: \"\")",
                    start + 1 + k as u64,
                    delimiter_word(delimiter),
                ),
                field: Some(i),
                rule: Rule::QuoteSpansRows,
            });
        }
        start += breaks;
    }
    None
}

/// The delimiter that makes the first rows name the most columns the caller knows (a
/// title row above the header names none, whatever the delimiter); ties go to the comma.
fn detect_delimiter(sample: &[u8], encoding: Encoding, known: &dyn Fn(&str) -> bool) -> u8 {
    let mut best = (0, DELIMITERS[0]);
    for delimiter in DELIMITERS {
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(sample);
        let score = reader
            .byte_records()
            .take(HEADER_SEARCH_ROWS as usize)
            .map_while(Result::ok)
            .map(|record| {
                record
                    .iter()
                    .filter(|raw| known(decode_field(raw, encoding).0.trim()))
                    .count()
            })
            .max()
            .unwrap_or(0);
        if score > best.0 {
            best = (score, delimiter);
        }
    }
    best.1
}

fn decode_header(
    path: &str,
    line: u64,
    fields: &Fields<'_>,
    encoding: Encoding,
) -> Result<Vec<String>, SourceError> {
    fields
        .iter()
        .enumerate()
        .map(|(i, raw)| match decode_field(raw, encoding) {
            (text, None) => header_name(path, line, i, text.trim()),
            (_, Some(_)) => Err(SourceError::HeaderEncoding {
                path: path.to_owned(),
                encoding: match encoding {
                    Encoding::Utf8 { .. } => "UTF-8",
                    Encoding::Gb18030 => "GBK/GB18030",
                },
                advice: match encoding {
                    Encoding::Utf8 { .. } => "if the file is GBK, rerun with --encoding gbk",
                    Encoding::Gb18030 => "if the file is UTF-8, rerun with --encoding utf-8",
                },
            }),
        })
        .collect()
}

/// A header cell's name (on row `row`), refused when it holds any control character: a
/// column name has no use for one, and what each one usually means is the advice. Shared
/// with workbooks, whose header cells are names all the same.
pub(super) fn header_name(
    path: &str,
    row: u64,
    field: usize,
    name: &str,
) -> Result<String, SourceError> {
    let Some(found) = text::find_controls(name, &[]) else {
        return Ok(name.to_owned());
    };
    let advice = match found.first {
        '\0' => {
            "a NUL in the header usually means the file is UTF-16: save it as UTF-8 (in Excel: \"CSV UTF-8 (Comma delimited)\")"
        }
        '\t' => {
            "remove the tab from the column name (a tab-separated file is read as one: pass --delimiter tab if it was not recognised)"
        }
        '\n' | '\r' => "remove the line break from the column name",
        _ => "remove it from the column name",
    };
    Err(SourceError::HeaderControlCharacter {
        path: path.to_owned(),
        row,
        column: field + 1,
        name: echo(name),
        character: text::describe_char(found.first),
        position: found.position,
        advice,
    })
}

fn record_error(path: &str, error: RecordError) -> SourceError {
    match error {
        RecordError::Io { line, source } => io_error(path, Some(line), source),
        RecordError::Unclosed { line, last } => SourceError::UnclosedQuote {
            path: path.to_owned(),
            line,
            last,
        },
    }
}
