//! The `--errors` file: every row that was not sent for a reason the user can fix, with
//! its original columns plus where it was (`line` for a CSV, `row` for a workbook) and
//! `errors`, so the user fixes it and feeds it back as it is, with the same options and
//! mapping: a CSV input gives a CSV in the input's own encoding and delimiter, a workbook
//! gives a UTF-8 CSV with a byte-order mark (so Excel opens it right), and the rows above
//! the header (a title) are kept, so `--header-row` still points at the header. Its path
//! is checked when the command starts (never the input file, and writable), so a run never
//! ends having sent rows and lost the file that says which ones failed.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Seek, Write};
use std::path::Path;

use thiserror::Error;

use crate::mapping::RewardFile;
use crate::source::{Encoding, Record, SourceKind};
use crate::validate::Checked;

/// A problem with the errors file.
#[derive(Debug, Error)]
pub enum ErrorsFileError {
    /// It names the input file.
    #[error(
        "{path}: --errors names the input file itself; give another file name (the input is never overwritten)"
    )]
    IsInput { path: String },
    /// It names a directory.
    #[error("{path}: --errors names a directory; give a file name, e.g. {path}/errors.csv")]
    IsDirectory { path: String },
    /// It cannot be created or written.
    #[error("{path}: cannot write the errors file: {detail}")]
    Write { path: String, detail: String },
}

impl ErrorsFileError {
    fn write(path: &str, source: &io::Error) -> ErrorsFileError {
        ErrorsFileError::Write {
            path: path.to_owned(),
            detail: crate::text::io_error(source),
        }
    }
}

/// An errors file whose path was checked and opened when the command started; nothing is
/// written to it until [`ErrorsFile::create`].
#[derive(Debug)]
pub struct Reserved {
    path: String,
    file: File,
}

impl Reserved {
    /// Checks that `path` is not `input` (by name or by file), and opens it for writing
    /// without truncating it yet.
    pub fn new(path: &Path, input: &Path) -> Result<Reserved, ErrorsFileError> {
        Reserved::apart_from(path, Some(input))
    }

    /// [`Reserved::new`] for an output that may have no input to keep apart from.
    pub fn apart_from(path: &Path, input: Option<&Path>) -> Result<Reserved, ErrorsFileError> {
        let is_input = |path: &Path| input.is_some_and(|input| same_file(path, input));
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(ErrorsFileError::IsDirectory { path: shown });
        }
        if is_input(path) {
            return Err(ErrorsFileError::IsInput { path: shown });
        }
        let file = OpenOptions::new()
            .write(true)
            .create(true)
            .truncate(false)
            .open(path)
            .map_err(|e| ErrorsFileError::write(&shown, &e))?;
        // Opening may have created it; it may also have been the input all along under
        // another name (a hard link): compare the files themselves now that both exist.
        if is_input(path) {
            return Err(ErrorsFileError::IsInput { path: shown });
        }
        Ok(Reserved { path: shown, file })
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Empties the file and hands it over, for an output that is not an errors file (the
    /// result of `accounts register`).
    pub fn into_file(mut self) -> Result<File, ErrorsFileError> {
        self.file
            .set_len(0)
            .and_then(|()| self.file.rewind())
            .map_err(|e| ErrorsFileError::write(&self.path, &e))?;
        Ok(self.file)
    }
}

/// True when both paths name one file (same device and inode, or the same canonical path).
fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        if let (Ok(a), Ok(b)) = (std::fs::metadata(a), std::fs::metadata(b)) {
            return a.dev() == b.dev() && a.ino() == b.ino();
        }
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// The `--errors` file being written: a CSV, or a workbook when its name ends in `.xlsx`.
pub struct ErrorsFile {
    path: String,
    out: Output,
    /// Input columns to copy (the input's own `line`/`row`/`errors` columns are replaced).
    fields: Vec<usize>,
    written: u64,
}

/// Where the rows go.
enum Output {
    Csv(Box<csv::Writer<EncodedWriter<BufWriter<File>>>>),
    Workbook {
        book: Box<rust_xlsxwriter::Workbook>,
        file: File,
        /// The next row to write, from 0.
        row: u32,
    },
}

impl ErrorsFile {
    /// Empties the reserved file and writes the rows above the header and the header of
    /// `input`, plus the position and `errors` columns.
    pub fn create(reserved: Reserved, input: &RewardFile) -> Result<Self, ErrorsFileError> {
        let Reserved {
            path: shown,
            mut file,
        } = reserved;
        let fail = |source: io::Error| ErrorsFileError::write(&shown, &source);
        file.set_len(0).map_err(fail)?;
        file.rewind().map_err(fail)?;
        let position = match input.kind() {
            SourceKind::Csv(_) => "line",
            SourceKind::Workbook(_) => "row",
        };
        let out = if shown.to_ascii_lowercase().ends_with(".xlsx") {
            let mut book = rust_xlsxwriter::Workbook::new();
            let sheet = book
                .add_worksheet_with_constant_memory()
                .map_err(|e| fail(io::Error::other(e)))?;
            // The input's sheet name, so `--sheet NAME` finds the rows again.
            if let Some(name) = &input.origin().sheet {
                sheet
                    .set_name(name)
                    .map_err(|e| fail(io::Error::other(e)))?;
            }
            Output::Workbook {
                book: Box::new(book),
                file,
                row: 0,
            }
        } else {
            let (encoding, delimiter) = match input.kind() {
                SourceKind::Csv(encoding) => (encoding, input.source().delimiter()),
                // Excel opens a UTF-8 CSV right only with a byte-order mark.
                SourceKind::Workbook(_) => (Encoding::Utf8 { bom: true }, b','),
            };
            let mut out = EncodedWriter::new(BufWriter::new(file), encoding);
            if encoding == (Encoding::Utf8 { bom: true }) {
                out.write_all("\u{feff}".as_bytes()).map_err(fail)?;
            }
            Output::Csv(Box::new(
                csv::WriterBuilder::new()
                    .flexible(true)
                    .delimiter(delimiter)
                    .from_writer(out),
            ))
        };
        let names = input.mapping().header();
        let fields: Vec<usize> = (0..names.len())
            .filter(|i| !input.mapping().is_errors_file_column(*i))
            .collect();
        let mut errors = ErrorsFile {
            path: shown,
            out,
            fields,
            written: 0,
        };
        for row in input.source().preamble() {
            errors.put(row.iter().map(String::as_str))?;
        }
        let mut header: Vec<&str> = errors.fields.iter().map(|i| names[*i].as_str()).collect();
        header.extend([position, "errors"]);
        errors.put(header.into_iter())?;
        Ok(errors)
    }

    /// Writes one row, its cells as text, with its errors.
    pub fn write(&mut self, row: &Record, errors: &str) -> Result<(), ErrorsFileError> {
        let line = row.row.to_string();
        let cells: Vec<_> = self.fields.iter().map(|i| row.text(*i)).collect();
        let record = cells
            .iter()
            .map(|c| c.as_ref())
            .chain([line.as_str(), errors]);
        self.written += 1;
        self.put(record)
    }

    /// Writes one invalid row with every error of its check.
    pub fn write_checked(
        &mut self,
        row: &Record,
        checked: &Checked,
    ) -> Result<(), ErrorsFileError> {
        self.write(row, &checked.errors_text())
    }

    fn put<'a>(&mut self, cells: impl Iterator<Item = &'a str>) -> Result<(), ErrorsFileError> {
        let fail = |path: &str, e: &dyn std::fmt::Display| {
            ErrorsFileError::write(path, &io::Error::other(e.to_string()))
        };
        match &mut self.out {
            Output::Csv(csv) => csv.write_record(cells).map_err(|e| fail(&self.path, &e)),
            Output::Workbook { book, row, .. } => {
                let sheet = book
                    .worksheet_from_index(0)
                    .map_err(|e| fail(&self.path, &e))?;
                for (column, text) in cells.enumerate() {
                    let column = u16::try_from(column).unwrap_or(u16::MAX);
                    // Text, always: an id must not become a number and lose digits.
                    sheet
                        .write_string(*row, column, text)
                        .map_err(|e| fail(&self.path, &e))?;
                }
                *row += 1;
                Ok(())
            }
        }
    }

    /// Finishes the file; returns how many rows it holds.
    pub fn finish(self) -> Result<u64, ErrorsFileError> {
        let fail = |e: &dyn std::fmt::Display| {
            ErrorsFileError::write(&self.path, &io::Error::other(e.to_string()))
        };
        match self.out {
            Output::Csv(mut csv) => csv.flush().map_err(|e| fail(&e))?,
            Output::Workbook {
                mut book, mut file, ..
            } => {
                // Straight to the file: the rows wait in a temporary file, not in memory.
                book.save_to_writer(&mut file).map_err(|e| fail(&e))?;
            }
        }
        Ok(self.written)
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }
}

/// Re-encodes UTF-8 written to it into the target encoding (a no-op for UTF-8). Holds back
/// a character cut in two by a buffer boundary until its other half arrives.
pub struct EncodedWriter<W: Write> {
    inner: W,
    encoding: Encoding,
    pending: Vec<u8>,
}

impl<W: Write> EncodedWriter<W> {
    /// Wraps `inner`.
    pub fn new(inner: W, encoding: Encoding) -> Self {
        EncodedWriter {
            inner,
            encoding,
            pending: Vec::new(),
        }
    }
}

impl<W: Write> Write for EncodedWriter<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let Encoding::Utf8 { .. } = self.encoding {
            return self.inner.write(buf);
        }
        self.pending.extend_from_slice(buf);
        let valid = match std::str::from_utf8(&self.pending) {
            Ok(text) => text.len(),
            Err(e) if e.error_len().is_none() => e.valid_up_to(),
            Err(e) => return Err(io::Error::new(io::ErrorKind::InvalidData, e)),
        };
        let text = std::str::from_utf8(&self.pending[..valid])
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
        let (bytes, _, _) = encoding_rs::GB18030.encode(text);
        self.inner.write_all(&bytes)?;
        self.pending.drain(..valid);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoded_writer_joins_split_characters() {
        let mut out = EncodedWriter::new(Vec::new(), Encoding::Gb18030);
        let bytes = "入职".as_bytes();
        out.write_all(&bytes[..2]).unwrap();
        out.write_all(&bytes[2..]).unwrap();
        let (expected, _, _) = encoding_rs::GB18030.encode("入职");
        assert_eq!(out.inner, expected.as_ref());
    }

    #[test]
    fn the_input_is_never_the_errors_file() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a,b\n").unwrap();
        let err = Reserved::new(&input, &input).unwrap_err();
        assert!(matches!(err, ErrorsFileError::IsInput { .. }), "{err}");
        let dotted = dir.path().join(".").join("in.csv");
        assert!(Reserved::new(&dotted, &input).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(Reserved::new(&link, &input).is_err());
            let hard = dir.path().join("hard.csv");
            std::fs::hard_link(&input, &hard).unwrap();
            assert!(Reserved::new(&hard, &input).is_err());
        }
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "a,b\n");
        let err = Reserved::new(dir.path(), &input).unwrap_err();
        assert!(matches!(err, ErrorsFileError::IsDirectory { .. }), "{err}");
        Reserved::new(&dir.path().join("errors.csv"), &input).unwrap();
    }
}
