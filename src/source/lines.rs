//! Physical line numbers for CSV records.

use std::collections::VecDeque;
use std::io::{self, Read};

/// Counts line breaks under the CSV parser, so rows get their true physical line.
///
/// The csv crate's own line count runs one short after a CRLF record terminator (what
/// Excel writes); this counts `\n` bytes itself. It remembers the offsets of CR and LF bytes
/// the parser has read but not yet passed, which is bounded by the parser's read-ahead.
pub struct LineTracker<R> {
    inner: R,
    offset: u64,
    /// Offsets of CR/LF bytes read but not yet behind a record start, and whether each is LF.
    breaks: VecDeque<(u64, bool)>,
    /// LF bytes before the last record start.
    lines_before: u64,
}

impl<R: Read> LineTracker<R> {
    /// Wraps the byte source the CSV parser reads.
    pub fn new(inner: R) -> Self {
        LineTracker {
            inner,
            offset: 0,
            breaks: VecDeque::new(),
            lines_before: 0,
        }
    }

    /// The line of a record the parser says starts at byte `start`: the parser may put
    /// the start on the line breaks before the record, so those are skipped first.
    pub fn line_at(&mut self, start: u64) -> u64 {
        let mut at = start;
        while let Some(&(offset, is_lf)) = self.breaks.front() {
            if offset == at {
                at += 1;
            } else if offset > at {
                break;
            }
            if is_lf {
                self.lines_before += 1;
            }
            self.breaks.pop_front();
        }
        self.lines_before + 1
    }
}

impl<R: Read> Read for LineTracker<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        for i in memchr::memchr2_iter(b'\n', b'\r', &buf[..n]) {
            self.breaks
                .push_back((self.offset + i as u64, buf[i] == b'\n'));
        }
        self.offset += n as u64;
        Ok(n)
    }
}
