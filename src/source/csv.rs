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
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::Path;

use csv::ByteRecord;

use super::encoding::{Encoding, SNIFF_BYTES, decode_field, sniff};
use super::lines::LineTracker;
use super::{
    Cells, HEADER_SEARCH_ROWS, HeaderSearch, InputError, Origin, ReadProblem, Record,
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
    queued: VecDeque<(u64, ByteRecord)>,
    csv: csv::Reader<LineTracker<BufReader<Box<dyn Read + Send>>>>,
    record: ByteRecord,
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
    /// Opens a file, sniffs its encoding and delimiter, and reads up to its header.
    /// `known` says whether a header cell names a column the caller knows.
    pub fn open(
        path: &Path,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<CsvReader, InputError> {
        let shown = path.display().to_string();
        let file = File::open(path).map_err(|source| io_error(&shown, None, source))?;
        // On Unix a directory opens like a file, and only its first read fails.
        if file.metadata().is_ok_and(|m| m.is_dir()) {
            return Err(InputError::IsDirectory { path: shown });
        }
        Self::from_reader(shown, Box::new(file), options, known)
    }

    /// Reads from any byte source; `path` is the name used in messages.
    pub fn from_reader(
        path: String,
        source: Box<dyn Read + Send>,
        options: &SourceOptions,
        known: &dyn Fn(&str) -> bool,
    ) -> Result<CsvReader, InputError> {
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

        let mut csv = csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .delimiter(delimiter)
            .from_reader(LineTracker::new(buffered));
        let origin = Origin {
            file: path.clone(),
            sheet: None,
        };
        // The first rows, while the header is looked for: kept, to be handed out after it.
        let mut first: Vec<(u64, ByteRecord)> = Vec::new();
        let mut record = ByteRecord::new();
        loop {
            let more = csv
                .read_byte_record(&mut record)
                .map_err(|e| csv_error(&path, e, 1))?;
            if !more {
                break;
            }
            let start = record.position().map_or(0, |p| p.byte());
            let line = csv.get_mut().line_at(start);
            first.push((line, record.clone()));
            if line >= HEADER_SEARCH_ROWS && first.len() > options.header_row.unwrap_or(1) as usize
            {
                break;
            }
        }
        if first.is_empty() {
            return Err(InputError::Empty { path });
        }
        let rows: Vec<(u64, Vec<String>)> = first
            .iter()
            .map(|(line, raw)| {
                let names = raw
                    .iter()
                    .map(|f| decode_field(f, sniffed.encoding).0.trim().to_owned())
                    .collect();
                (*line, names)
            })
            .collect();
        let at = HeaderSearch::new(&origin, options.header_row, known).find(&rows)?;
        let header_line = rows[at].0;
        let names = decode_header(&path, header_line, &first[at].1, sniffed.encoding)?;
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
            csv,
            record,
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
    pub fn next_record(&mut self) -> Result<Option<Record>, InputError> {
        loop {
            let line = match self.queued.pop_front() {
                Some((line, raw)) => {
                    self.record = raw;
                    line
                }
                None => {
                    let more = self.csv.read_byte_record(&mut self.record).map_err(|e| {
                        // An I/O error has no position: it is where the reader got to.
                        let at = self.csv.position().line();
                        csv_error(&self.origin.file, e, at)
                    })?;
                    if !more {
                        return Ok(None);
                    }
                    let start = self.record.position().map_or(0, |p| p.byte());
                    self.csv.get_mut().line_at(start)
                }
            };
            if self.record.iter().all(|f| f.trim_ascii().is_empty()) {
                continue;
            }
            return Ok(Some(self.decode_row(line)));
        }
    }

    fn decode_row(&self, line: u64) -> Record {
        let mut problems = Vec::new();
        let fields = match self.encoding {
            Encoding::Utf8 { .. } => match TextFields::from_utf8(&self.record) {
                Some(fields) => fields,
                None => self.decode_fields_lossy(&mut problems),
            },
            Encoding::Gb18030 => self.decode_fields_lossy(&mut problems),
        };
        // One pass over the whole row clears nearly every row; a suspect one is looked at
        // field by field.
        if text::may_hold_controls(fields.joined()) {
            report_controls(&self.names, fields.iter().enumerate(), &mut problems);
        }
        if let Some(problem) = ragged(&self.names, &fields, self.delimiter) {
            problems.push(problem);
        }
        Record {
            row: line,
            cells: Cells::Text(fields),
            problems,
        }
    }

    /// Decodes field by field, so a bad byte is reported in its own column.
    fn decode_fields_lossy(&self, problems: &mut Vec<ReadProblem>) -> TextFields {
        let mut fields = TextFields::with_capacity(self.record.as_slice().len(), self.record.len());
        for (i, raw) in self.record.iter().enumerate() {
            let (text, bad) = decode_field(raw, self.encoding);
            if let Some(bad) = bad {
                let column = self.names.get(i).cloned();
                problems.push(ReadProblem {
                    column,
                    message: self.decoding_advice(&bad),
                    field: Some(i),
                    rule: Rule::Encoding,
                });
            }
            fields.push_field(&text);
        }
        fields
    }

    fn decoding_advice(&self, bad: &[u8]) -> String {
        let hex: Vec<String> = bad.iter().map(|b| format!("0x{b:02X}")).collect();
        let bytes = match hex.len() {
            1 => format!("byte {} is", hex[0]),
            _ => format!("bytes {} are", hex.join(" ")),
        };
        match self.encoding {
            Encoding::Utf8 { .. } if self.looks_like_gbk => format!(
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
}

/// A row whose fields do not line up with the header: a missing or extra delimiter. Extra
/// empty fields past the header, and missing ones under unnamed columns (what Excel leaves
/// at the end of rows), are no problem.
fn ragged(names: &[String], fields: &TextFields, delimiter: u8) -> Option<ReadProblem> {
    let extra = fields.iter().skip(names.len()).any(|f| !text::is_blank(f));
    let short = names.iter().skip(fields.len()).any(|name| !name.is_empty());
    if !extra && !short {
        return None;
    }
    let delimiter = match delimiter {
        b',' => "comma".to_owned(),
        b';' => "semicolon".to_owned(),
        b'\t' => "tab".to_owned(),
        b'|' => "vertical bar (|)".to_owned(),
        other => format!("delimiter {:?}", char::from(other)),
    };
    Some(ReadProblem {
        column: None,
        message: format!(
            "the row has {} fields but the header has {}; look for a missing or extra {delimiter}, or a value with a {delimiter} that is not in double quotes",
            fields.len(),
            names.len()
        ),
        field: None,
        rule: Rule::Ragged,
    })
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
    record: &ByteRecord,
    encoding: Encoding,
) -> Result<Vec<String>, InputError> {
    record
        .iter()
        .enumerate()
        .map(|(i, raw)| match decode_field(raw, encoding) {
            (text, None) => header_name(path, line, i, text.trim()),
            (_, Some(_)) => Err(InputError::HeaderEncoding {
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
) -> Result<String, InputError> {
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
    Err(InputError::HeaderControlCharacter {
        path: path.to_owned(),
        row,
        column: field + 1,
        name: echo(name),
        character: text::describe_char(found.first),
        position: found.position,
        advice,
    })
}

fn csv_error(path: &str, error: csv::Error, reached: u64) -> InputError {
    // Line 0 means "before the first line"; a read error is always at a line.
    let line = error.position().map_or(reached, |p| p.line()).max(1);
    match error.into_kind() {
        csv::ErrorKind::Io(source) => io_error(path, Some(line), source),
        other => InputError::Syntax {
            path: path.to_owned(),
            line,
            message: format!("{other:?}"),
        },
    }
}
