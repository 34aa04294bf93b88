//! CSV records, parsed by `csv_core` (the parser under the `csv` crate), with what that
//! crate's reader cannot give (SPEC §2.5): a bound on a record's size, a quote left open at
//! the end of the file, and each record's true first line.
//!
//! - **Bounded.** A record whose raw bytes pass [`MAX_ROW_BYTES`] is parsed to its end
//!   (so the records after it are read as usual) but not kept: it comes out as
//!   [`RawRecord::TooLong`], with its lines and size. A 1 GB line costs no more memory
//!   than a 1 MB one.
//! - **Nothing swallowed.** At the end of the file a record under way is given one more
//!   line break; when that does not end it, its last field is a quote that was never
//!   closed, and the file is refused naming the line where it opened (counted back from
//!   the end by the line breaks inside the field). (`csv_core::Reader`'s `Clone` does not
//!   copy its whole state, so the question cannot be put to a copy.)
//! - **Lines.** Line breaks before a record (blank lines, which the parser skips) are
//!   skipped here, counting them, so a record's first line is exact; a record's last line
//!   is its first plus the line breaks in its fields (only quoted fields hold any).
//!
//! The `csv` crate's own reader offers none of these (its `ByteRecord` grows without limit
//! and an unclosed quote ends quietly at the end of the file), so the record loop it runs
//! around `csv_core` is run here instead, with the same parser and the same dialect.

use std::io::{self, BufRead};

use csv_core::{ReadRecordResult, Reader};

/// The most raw bytes one CSV record (a row and its line breaks) may hold.
pub const MAX_ROW_BYTES: u64 = 1 << 20;

/// Room for a record's bytes and ends, before the first grow.
const FIRST_CAPACITY: usize = 1024;

/// One record as read, borrowing the reader's buffers until the next.
#[derive(Debug, PartialEq, Eq)]
pub enum RawRecord<'a> {
    /// A record of at most [`MAX_ROW_BYTES`].
    Fields(Fields<'a>),
    /// A record over [`MAX_ROW_BYTES`], read to its end but not kept.
    TooLong {
        /// Its first line.
        line: u64,
        /// Its last line.
        last: u64,
        /// Its raw size in bytes.
        bytes: u64,
    },
}

impl RawRecord<'_> {
    /// The record's first line.
    pub fn line(&self) -> u64 {
        match self {
            RawRecord::Fields(fields) => fields.line,
            RawRecord::TooLong { line, .. } => *line,
        }
    }
}

/// A record's fields: their bytes end to end, and where each ends.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Fields<'a> {
    /// The record's first line.
    pub line: u64,
    /// The fields' bytes, end to end (quotes removed, doubled quotes undoubled).
    pub bytes: &'a [u8],
    /// Where each field ends in `bytes`.
    pub ends: &'a [usize],
}

impl<'a> Fields<'a> {
    /// Field `i` (from 0), if there is one.
    pub fn get(&self, i: usize) -> Option<&'a [u8]> {
        let end = *self.ends.get(i)?;
        let start = match i.checked_sub(1) {
            Some(before) => *self.ends.get(before)?,
            None => 0,
        };
        self.bytes.get(start..end)
    }

    /// The fields, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a [u8]> + use<'a> {
        let fields = *self;
        (0..fields.ends.len()).filter_map(move |i| fields.get(i))
    }

    /// How many fields the record has.
    pub fn len(&self) -> usize {
        self.ends.len()
    }
}

/// What stops the records of a file.
#[derive(Debug)]
pub enum RecordError {
    /// The file cannot be read further, on `line`.
    Io { line: u64, source: io::Error },
    /// A quote opened on `line` is still open at the end of the file, on line `last`.
    Unclosed { line: u64, last: u64 },
}

/// The records of a CSV, one at a time.
pub struct Records<R> {
    input: R,
    core: Reader,
    /// Line breaks (LF) read so far.
    lines: u64,
    /// Whether the last byte read was a line feed (then the file's last line is the one
    /// it ends, not an empty one after it).
    after_lf: bool,
    /// The record being read: its fields' bytes and ends. Their length is room to write
    /// in, never shrunk (as the `csv` crate's `ByteRecord` does), so no record after the
    /// first few allocates.
    bytes: Vec<u8>,
    ends: Vec<usize>,
    done: bool,
}

impl<R: BufRead> Records<R> {
    /// Records of `input`, split at `delimiter`, quoted with `"` (doubled inside quotes),
    /// ended by LF, CR or CRLF: what Excel and every legacy system writes.
    pub fn new(input: R, delimiter: u8) -> Self {
        Records {
            input,
            core: csv_core::ReaderBuilder::new().delimiter(delimiter).build(),
            lines: 0,
            after_lf: false,
            bytes: vec![0; FIRST_CAPACITY],
            ends: vec![0; 64],
            done: false,
        }
    }

    /// The next record, or None at the end of the file.
    pub fn next_record(&mut self) -> Result<Option<RawRecord<'_>>, RecordError> {
        if self.done || !self.skip_line_breaks()? {
            self.done = true;
            return Ok(None);
        }
        let line = self.lines + 1;
        // What the record has come to so far.
        let mut raw: u64 = 0;
        let (mut out, mut nends) = (0usize, 0usize);
        // Once over the bound: the fields go to scratch space, and only their line breaks
        // are counted.
        let mut discard: Option<Discard> = None;
        loop {
            if out == self.bytes.len() {
                self.bytes.resize(out * 2, 0);
            }
            if nends == self.ends.len() {
                self.ends.resize(nends * 2, 0);
            }
            let input = self.input.fill_buf().map_err(|source| RecordError::Io {
                line: self.lines + 1,
                source,
            })?;
            // At the end of the file, a record under way is given one more line break
            // instead: it ends the record exactly as the end of the file would, unless the
            // record is inside a quote, which the parser would otherwise end quietly.
            let end = input.is_empty() && raw > 0;
            let input: &[u8] = if end { b"\n" } else { input };
            // The line breaks in the field still open, should it be a quote never closed.
            let open_field_lines = match (&discard, end) {
                (_, false) => 0,
                (Some(d), true) => d.field_lines,
                (None, true) => count_lf(&self.bytes[field_start(&self.ends, nends)..out]),
            };
            let (result, nin, nout, nend) = match &mut discard {
                None => {
                    self.core
                        .read_record(input, &mut self.bytes[out..], &mut self.ends[nends..])
                }
                Some(d) => {
                    let (result, nin, nout, nend) =
                        self.core.read_record(input, &mut d.bytes, &mut d.ends);
                    d.count(nout, nend);
                    (result, nin, 0, 0)
                }
            };
            if end && result == ReadRecordResult::InputEmpty {
                return Err(RecordError::Unclosed {
                    line: self.lines + 1 - open_field_lines,
                    last: self.lines + u64::from(!self.after_lf),
                });
            }
            if !end && nin > 0 {
                self.after_lf = input[nin - 1] == b'\n';
                self.lines += count_lf(&input[..nin]);
                raw += nin as u64;
                self.input.consume(nin);
            }
            out += nout;
            nends += nend;
            if discard.is_none() && raw > MAX_ROW_BYTES {
                let field_lines = count_lf(&self.bytes[field_start(&self.ends, nends)..out]);
                discard = Some(Discard::new(count_lf(&self.bytes[..out]), field_lines, out));
            }
            match result {
                ReadRecordResult::InputEmpty => {}
                // Room is made at the top of the loop; scratch space is written again from
                // its start (`Discard::count` saw what was in it).
                ReadRecordResult::OutputFull | ReadRecordResult::OutputEndsFull => {}
                ReadRecordResult::Record => {
                    return Ok(Some(match discard {
                        None => RawRecord::Fields(Fields {
                            line,
                            bytes: &self.bytes[..out],
                            ends: &self.ends[..nends],
                        }),
                        Some(d) => RawRecord::TooLong {
                            line,
                            last: line + d.lines,
                            bytes: raw,
                        },
                    }));
                }
                ReadRecordResult::End => {
                    self.done = true;
                    return Ok(None);
                }
            }
        }
    }

    /// Skips the line breaks before the next record, counting them (the parser would skip
    /// them too, without saying how many). False at the end of the input.
    fn skip_line_breaks(&mut self) -> Result<bool, RecordError> {
        loop {
            let input = self.input.fill_buf().map_err(|source| RecordError::Io {
                line: self.lines + 1,
                source,
            })?;
            if input.is_empty() {
                return Ok(false);
            }
            let breaks = input
                .iter()
                .position(|b| !matches!(b, b'\n' | b'\r'))
                .unwrap_or(input.len());
            self.lines += count_lf(&input[..breaks]);
            if breaks > 0 {
                self.after_lf = input[breaks - 1] == b'\n';
            }
            let more = breaks < input.len();
            self.input.consume(breaks);
            if more {
                return Ok(true);
            }
        }
    }
}

/// Where the field after the `nends` ended ones starts.
fn field_start(ends: &[usize], nends: usize) -> usize {
    nends.checked_sub(1).map_or(0, |last| ends[last])
}

/// The line feeds in `bytes`.
pub fn count_lf(bytes: &[u8]) -> u64 {
    memchr::memchr_iter(b'\n', bytes).count() as u64
}

/// Scratch space for a record over the bound, and the line breaks seen in it.
struct Discard {
    bytes: Vec<u8>,
    ends: Vec<usize>,
    /// Line breaks in the record's fields.
    lines: u64,
    /// Line breaks in its last field so far.
    field_lines: u64,
    /// The record's bytes before this call (field ends count from the record's start).
    written: usize,
}

impl Discard {
    fn new(lines: u64, field_lines: u64, written: usize) -> Self {
        Discard {
            bytes: vec![0; 64 * 1024],
            ends: vec![0; 1024],
            lines,
            field_lines,
            written,
        }
    }

    /// Counts the line breaks of the `nout` bytes just written, in which `nend` fields
    /// ended.
    fn count(&mut self, nout: usize, nend: usize) {
        let written = &self.bytes[..nout];
        self.lines += count_lf(written);
        match nend.checked_sub(1) {
            None => self.field_lines += count_lf(written),
            Some(last) => {
                let start = self.ends[last].saturating_sub(self.written).min(nout);
                self.field_lines = count_lf(&written[start..]);
            }
        }
        self.written += nout;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every record of `text` read through a buffer of `capacity` bytes, as
    /// `(first line, fields)` or `(first line, last line, bytes)` for one too long.
    fn read(text: &[u8], capacity: usize) -> Result<Vec<String>, String> {
        let input = std::io::BufReader::with_capacity(capacity, text);
        let mut records = Records::new(input, b',');
        let mut out = Vec::new();
        loop {
            match records.next_record() {
                Ok(Some(RawRecord::Fields(fields))) => {
                    let cells: Vec<String> = fields
                        .iter()
                        .map(|f| String::from_utf8_lossy(f).into_owned())
                        .collect();
                    out.push(format!("{}: {}", fields.line, cells.join("|")));
                }
                Ok(Some(RawRecord::TooLong { line, last, bytes })) => {
                    out.push(format!("{line}-{last}: too long ({bytes} bytes)"));
                }
                Ok(None) => return Ok(out),
                Err(RecordError::Unclosed { line, last }) => {
                    return Err(format!("unclosed from {line} to {last}"));
                }
                Err(RecordError::Io { line, source }) => return Err(format!("{line}: {source}")),
            }
        }
    }

    #[test]
    fn records_with_their_first_lines_through_any_buffer() {
        let text = b"a,b\r\n\r\n1,\"x\ny\"\n\n\n2,z\r3,\"q\"\"\"";
        for capacity in [1, 2, 3, 7, 64, 8192] {
            assert_eq!(
                read(text, capacity).unwrap(),
                ["1: a|b", "3: 1|x\ny", "7: 2|z", "7: 3|q\""],
                "buffer of {capacity}"
            );
        }
    }

    #[test]
    fn a_quote_never_closed_names_the_line_it_opened_on() {
        // The quote opens on line 3 and swallows lines 3 to 5, the last.
        let text = b"a,b\n1,ok\n2,\"never closed\n3,x\n4,y\n";
        for capacity in [1, 5, 8192] {
            assert_eq!(
                read(text, capacity).unwrap_err(),
                "unclosed from 3 to 5",
                "buffer of {capacity}"
            );
        }
        // A doubled quote at the end is a quote inside the cell, still open.
        assert_eq!(read(b"a\n\"x\"\"", 8).unwrap_err(), "unclosed from 2 to 2");
        // Closed at the very end of the file, with or without a line break after it.
        assert_eq!(read(b"a\n\"x\ny\"", 8).unwrap(), ["1: a", "2: x\ny"]);
        assert_eq!(read(b"a\n\"x\"\n", 8).unwrap(), ["1: a", "2: x"]);
        // Not a quote at a field's start: a plain character, nothing open.
        assert_eq!(read(b"a\nx\"y\n", 8).unwrap(), ["1: a", "2: x\"y"]);
    }

    #[test]
    fn a_record_over_the_bound_is_read_to_its_end_and_not_kept() {
        let big = (MAX_ROW_BYTES + 10) as usize;
        let mut text = b"a,b\n1,".to_vec();
        text.extend(std::iter::repeat_n(b'x', big));
        text.extend_from_slice(b"\n2,\"");
        text.extend(std::iter::repeat_n(b'y', big));
        text.extend_from_slice(b"\ny\ny\",z\n3,ok\n");
        assert_eq!(
            read(&text, 8192).unwrap(),
            [
                "1: a|b".to_owned(),
                format!("2-2: too long ({} bytes)", big + 3),
                format!("3-5: too long ({} bytes)", big + 11),
                "6: 3|ok".to_owned(),
            ]
        );
        // Over the bound and never closed: the line it opened on still.
        let mut open = b"a\n\"".to_vec();
        open.extend(std::iter::repeat_n(b'y', big));
        open.extend_from_slice(b"\nmore\n");
        assert_eq!(read(&open, 8192).unwrap_err(), "unclosed from 2 to 3");
    }

    #[test]
    fn a_record_of_only_delimiters_is_bounded_too() {
        let mut text = b"a\n".to_vec();
        text.extend(std::iter::repeat_n(b',', (MAX_ROW_BYTES * 2) as usize));
        text.extend_from_slice(b"\nz\n");
        let read = read(&text, 8192).unwrap();
        assert_eq!(
            read[1],
            format!("2-2: too long ({} bytes)", MAX_ROW_BYTES * 2 + 1)
        );
        assert_eq!(read[2], "3: z");
    }
}
