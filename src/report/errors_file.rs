//! The `--errors` file: every row that was not sent for a reason the user can fix, with
//! its original columns plus where it was (`line` for a CSV, `row` for a workbook) and
//! `errors`, so the user fixes it and feeds it back as it is, with the same options and
//! mapping: a CSV input gives a CSV in the input's own encoding and delimiter, a workbook
//! gives a UTF-8 CSV with a byte-order mark (so Excel opens it right), and the rows above
//! the header (a title) are kept, so `--header-row` still points at the header. Its path
//! is checked when the command starts (never the input file, and writable), so a run never
//! ends having sent rows and lost the file that says which ones failed.
//!
//! The file is written whole or not at all: into a temporary file beside it, renamed over
//! the path once complete. A run that fails half way (a disk full, a cell no workbook can
//! hold, an interrupted import's own error) leaves no partial or empty file, and a file
//! already at the path as it was.

use std::borrow::Cow;
use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use thiserror::Error;

use crate::read::mapping::RewardFile;
use crate::read::source::{Encoding, Record, SourceKind};
use crate::read::validate::Checked;
use crate::text::grouped;

/// The rows of an .xlsx worksheet.
const XLSX_ROWS: u32 = 1_048_576;

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
    /// More rows or columns than a worksheet holds.
    #[error(
        "{path}: cannot write the errors file: an .xlsx worksheet holds at most 1,048,576 rows and 16,384 columns, and this one needs {needs}; nothing was written. Give --errors a .csv name (a CSV has no such limit)"
    )]
    TooBigForXlsx {
        path: String,
        /// What went past the limit: `row 1,048,577` or `column 16,385`.
        needs: String,
    },
}

impl ErrorsFileError {
    fn write(path: &str, source: &io::Error) -> ErrorsFileError {
        ErrorsFileError::Write {
            path: path.to_owned(),
            detail: crate::text::io_error(source),
        }
    }
}

/// An output file whose path was checked when the command started (not the input, not a
/// directory, and writable: its directory takes a new file, and a file already there
/// opens for writing); nothing is written to it until [`Reserved::stage`].
#[derive(Debug)]
pub struct Reserved {
    path: String,
    /// Where the finished file goes: the path, or the file a symbolic link at the path
    /// names (the link is kept, and the file it names replaced).
    target: PathBuf,
    /// The target opened, when it is no regular file (`/dev/stdout`, a FIFO): written to
    /// as it is, since nothing can be put in its place (and opened once: a FIFO's reader
    /// takes a writer's close for the end).
    stream: Option<File>,
}

impl Reserved {
    /// Checks that `path` is none of `inputs` (by name or by file) and that it can be
    /// written.
    pub fn new(path: &Path, inputs: &[std::path::PathBuf]) -> Result<Reserved, ErrorsFileError> {
        if inputs.iter().any(|input| same_file(path, input)) {
            return Err(ErrorsFileError::IsInput {
                path: path.display().to_string(),
            });
        }
        Reserved::apart_from(path, None)
    }

    /// [`Reserved::new`] for an output that may have no input to keep apart from.
    pub fn apart_from(path: &Path, input: Option<&Path>) -> Result<Reserved, ErrorsFileError> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Err(ErrorsFileError::IsDirectory { path: shown });
        }
        if input.is_some_and(|input| same_file(path, input)) {
            return Err(ErrorsFileError::IsInput { path: shown });
        }
        let target = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let mut stream = None;
        if let Ok(meta) = std::fs::metadata(&target) {
            // Replaced only at the end, but a file the user may not write is refused now,
            // as it was when it was opened here.
            let file = OpenOptions::new()
                .write(true)
                .open(&target)
                .map_err(|e| ErrorsFileError::write(&shown, &e))?;
            if !meta.is_file() {
                stream = Some(file);
            }
        }
        let reserved = Reserved {
            path: shown,
            target,
            stream,
        };
        if reserved.stream.is_none() {
            // The directory must take the temporary file the output is written to: one
            // is made and removed now, so that a run never ends unable to write it.
            drop(reserved.temporary()?);
        }
        Ok(reserved)
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// Starts writing: a new, empty temporary file beside the target, which
    /// [`Staged::commit`] puts in its place. Dropped uncommitted, it is removed. (A target
    /// that is no regular file is written to directly.)
    pub fn stage(self) -> Result<Staged, ErrorsFileError> {
        let out = match self.stream {
            Some(file) => Out::Stream(file),
            None => Out::Temporary(self.temporary()?),
        };
        Ok(Staged {
            path: self.path,
            target: self.target,
            out,
        })
    }

    /// A new temporary file beside the target, removed when dropped.
    fn temporary(&self) -> Result<tempfile::NamedTempFile, ErrorsFileError> {
        let fail = |e: io::Error| ErrorsFileError::write(&self.path, &e);
        let dir = match self.target.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        let name = self
            .target
            .file_name()
            .map_or_else(|| "output".into(), |n| n.to_string_lossy());
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        // As a new file would be created (the umask applies), or as the file it replaces.
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&self.target).map_or(0o666, |m| m.permissions().mode());
            builder.permissions(std::fs::Permissions::from_mode(mode & 0o777));
        }
        builder.tempfile_in(dir).map_err(fail)
    }
}

/// An output being written to a temporary file beside its path.
#[derive(Debug)]
pub struct Staged {
    path: String,
    target: PathBuf,
    out: Out,
}

/// Where a [`Staged`] output's bytes go.
#[derive(Debug)]
enum Out {
    /// A temporary file, renamed over the target when complete.
    Temporary(tempfile::NamedTempFile),
    /// The target itself, which is no regular file.
    Stream(File),
}

impl Out {
    fn file(&self) -> &File {
        match self {
            Out::Temporary(temp) => temp.as_file(),
            Out::Stream(file) => file,
        }
    }
}

impl Staged {
    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// A second handle on the temporary file, for a writer that owns its output.
    fn handle(&self) -> Result<File, ErrorsFileError> {
        self.out
            .file()
            .try_clone()
            .map_err(|e| ErrorsFileError::write(&self.path, &e))
    }

    /// Puts the complete file in place of the path (flushed to the disk first, so that a
    /// crash right after never leaves an empty file under the name).
    pub fn commit(self) -> Result<(), ErrorsFileError> {
        let Staged { path, target, out } = self;
        let Out::Temporary(temp) = out else {
            return Ok(());
        };
        temp.as_file()
            .sync_all()
            .map_err(|e| ErrorsFileError::write(&path, &e))?;
        temp.persist(&target)
            .map_err(|e| ErrorsFileError::write(&path, &e.error))?;
        Ok(())
    }
}

impl Write for Staged {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let mut file = self.out.file();
        file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        let mut file = self.out.file();
        file.flush()
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

/// The most UTF-16 code units an Excel cell holds (Excel counts text in them).
const XLSX_CELL_MAX: usize = 32_767;

/// A cell's text as an .xlsx cell can hold it: whole when it fits, else cut with a note
/// at its end saying so and how long it was (`… [cut: 1,048,576 characters in all]`).
fn fit_xlsx_cell(text: &str) -> Cow<'_, str> {
    // Every character is at most two UTF-16 units, and at least one UTF-8 byte.
    if text.len() <= XLSX_CELL_MAX || text.encode_utf16().count() <= XLSX_CELL_MAX {
        return Cow::Borrowed(text);
    }
    let note = format!(
        "… [cut: {} characters in all]",
        grouped(text.chars().count() as u64)
    );
    let room = XLSX_CELL_MAX - note.encode_utf16().count();
    let mut used = 0;
    let end = text
        .char_indices()
        .find(|(_, c)| {
            used += c.len_utf16();
            used > room
        })
        .map_or(text.len(), |(at, _)| at);
    Cow::Owned(format!("{}{note}", &text[..end]))
}

/// The `--errors` file being written: a CSV, or a workbook when its name ends in `.xlsx`.
pub struct ErrorsFile {
    path: String,
    out: Output,
    /// The temporary file the rows go to, put in place by [`ErrorsFile::finish`].
    staged: Staged,
    /// Input columns to copy (the input's own `line`/`row`/`errors` columns are replaced).
    fields: Vec<usize>,
    written: u64,
    /// The input's parts, when it has several: the position column then holds
    /// `FILE[SHEET]:ROW`, not only the row.
    parts: Option<crate::read::mapping::Parts>,
}

/// Where the rows go.
enum Output {
    Csv(Box<csv::Writer<EncodedWriter<BufWriter<File>>>>),
    Workbook {
        book: Box<rust_xlsxwriter::Workbook>,
        /// The next row to write, from 0.
        row: u32,
    },
}

impl ErrorsFile {
    /// Starts the file (in a temporary file beside the reserved path) and writes the rows
    /// above the header and the header of `input`, plus the position and `errors` columns.
    pub fn create(reserved: Reserved, input: &RewardFile) -> Result<Self, ErrorsFileError> {
        let staged = reserved.stage()?;
        let shown = staged.path().to_owned();
        let fail = |source: io::Error| ErrorsFileError::write(&shown, &source);
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
                row: 0,
            }
        } else {
            let (encoding, delimiter) = match input.kind() {
                SourceKind::Csv(encoding) => (encoding, input.source().delimiter()),
                // Excel opens a UTF-8 CSV right only with a byte-order mark.
                SourceKind::Workbook(_) => (Encoding::Utf8 { bom: true }, b','),
            };
            let out = EncodedWriter::starting(BufWriter::new(staged.handle()?), encoding)
                .map_err(fail)?;
            Output::Csv(Box::new(
                csv::WriterBuilder::new()
                    .flexible(true)
                    .delimiter(delimiter)
                    .from_writer(out),
            ))
        };
        let names = input.mapping().header();
        // Rows of several files or sheets: each row's place says which.
        let parts = input.is_several().then(|| input.parts());
        let fields: Vec<usize> = (0..names.len())
            .filter(|i| !input.mapping().is_errors_file_column(*i))
            .collect();
        let mut errors = ErrorsFile {
            path: shown,
            out,
            staged,
            fields,
            written: 0,
            parts,
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
        let line = match &self.parts {
            Some(parts) => parts.at(row.part, row.row),
            None => row.row.to_string(),
        };
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
                let too_big = |needs: String| ErrorsFileError::TooBigForXlsx {
                    path: self.path.clone(),
                    needs,
                };
                for (column, text) in cells.enumerate() {
                    let Ok(at) = u16::try_from(column) else {
                        return Err(too_big(format!("column {}", grouped(column as u64 + 1))));
                    };
                    // Text, always: an id must not become a number and lose digits.
                    sheet
                        .write_string(*row, at, fit_xlsx_cell(text))
                        .map_err(|e| match e {
                            rust_xlsxwriter::XlsxError::RowColumnLimitError
                                if *row >= XLSX_ROWS =>
                            {
                                too_big(format!("row {}", grouped(u64::from(*row) + 1)))
                            }
                            rust_xlsxwriter::XlsxError::RowColumnLimitError => {
                                too_big(format!("column {}", grouped(column as u64 + 1)))
                            }
                            other => fail(&self.path, &other),
                        })?;
                }
                *row += 1;
                Ok(())
            }
        }
    }

    /// Finishes the file and puts it in place of the path; returns how many rows it holds.
    /// Until then the path is untouched: an error here or before leaves no file of ours.
    pub fn finish(self) -> Result<u64, ErrorsFileError> {
        let ErrorsFile {
            path,
            out,
            mut staged,
            written,
            ..
        } = self;
        let fail = |e: &dyn std::fmt::Display| {
            ErrorsFileError::write(&path, &io::Error::other(e.to_string()))
        };
        match out {
            Output::Csv(mut csv) => csv.flush().map_err(|e| fail(&e))?,
            Output::Workbook { mut book, .. } => {
                // Straight to the file: the rows wait in a temporary file, not in memory.
                book.save_to_writer(&mut staged).map_err(|e| fail(&e))?;
            }
        }
        staged.commit()?;
        Ok(written)
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

    /// Wraps `inner`, starting a file: its byte-order mark first when the encoding has one.
    pub fn starting(mut inner: W, encoding: Encoding) -> io::Result<Self> {
        if encoding == (Encoding::Utf8 { bom: true }) {
            inner.write_all("\u{feff}".as_bytes())?;
        }
        Ok(EncodedWriter::new(inner, encoding))
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
    fn a_cell_is_cut_to_excels_limit_with_a_note() {
        let fits = "a".repeat(XLSX_CELL_MAX);
        assert!(matches!(fit_xlsx_cell(&fits), Cow::Borrowed(_)));
        let over = "a".repeat(XLSX_CELL_MAX + 1);
        let cut = fit_xlsx_cell(&over);
        assert!(cut.ends_with("a… [cut: 32,768 characters in all]"), "{cut}");
        assert_eq!(cut.encode_utf16().count(), XLSX_CELL_MAX);
        // 16,384 emoji are 32,768 UTF-16 units: one too many, and never cut in half.
        let emoji = "😀".repeat(16_384);
        let cut = fit_xlsx_cell(&emoji);
        assert!(
            cut.ends_with("😀… [cut: 16,384 characters in all]"),
            "{cut}"
        );
        assert!(cut.encode_utf16().count() <= XLSX_CELL_MAX);
        assert_eq!(fit_xlsx_cell("短"), "短");
    }

    #[test]
    fn the_input_is_never_the_errors_file() {
        let dir = tempfile::tempdir().unwrap();
        let input = dir.path().join("in.csv");
        std::fs::write(&input, "a,b\n").unwrap();
        let inputs = [input.clone()];
        let err = Reserved::new(&input, &inputs).unwrap_err();
        assert!(matches!(err, ErrorsFileError::IsInput { .. }), "{err}");
        let dotted = dir.path().join(".").join("in.csv");
        assert!(Reserved::new(&dotted, &inputs).is_err());
        #[cfg(unix)]
        {
            let link = dir.path().join("link.csv");
            std::os::unix::fs::symlink(&input, &link).unwrap();
            assert!(Reserved::new(&link, &inputs).is_err());
            let hard = dir.path().join("hard.csv");
            std::fs::hard_link(&input, &hard).unwrap();
            assert!(Reserved::new(&hard, &inputs).is_err());
        }
        assert_eq!(std::fs::read_to_string(&input).unwrap(), "a,b\n");
        let err = Reserved::new(dir.path(), &inputs).unwrap_err();
        assert!(matches!(err, ErrorsFileError::IsDirectory { .. }), "{err}");
        Reserved::new(&dir.path().join("errors.csv"), &inputs).unwrap();
    }
}
