//! What the user is told: per-row problems as text or JSON, the summary, and the errors
//! file. Every report streams, so a file with a million bad rows costs no memory to report.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::Path;

use serde::Serialize;
use thiserror::Error;

use crate::import::{ImportSummary, PlanCounts};
use crate::input::{Encoding, Header, Row};
use crate::validate::{Checked, Problem, Severity};

/// How many problems the text report shows in full before it only counts them.
pub const TEXT_PROBLEMS_SHOWN: usize = 50;

/// Counts of a validated file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    /// Data rows read (blank rows are not counted).
    pub rows: u64,
    /// Rows with no error.
    pub valid: u64,
    /// Rows with at least one error.
    pub invalid: u64,
    /// Warnings, over all rows.
    pub warnings: u64,
}

impl Summary {
    /// Counts one checked row.
    pub fn add(&mut self, checked: &Checked) {
        self.rows += 1;
        if checked.is_valid() {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        self.warnings += checked.warning_count() as u64;
    }
}

/// `FILE:LINE: column C: message`, with `warning: ` before the message of a warning.
pub fn format_problem(path: &str, line: u64, problem: &Problem) -> String {
    let severity = match problem.severity {
        Severity::Error => "",
        Severity::Warning => "warning: ",
    };
    match &problem.column {
        Some(column) => format!(
            "{path}:{line}: column {column}: {severity}{}",
            problem.message
        ),
        None => format!("{path}:{line}: {severity}{}", problem.message),
    }
}

/// "1 row", "2 rows".
pub fn counted(n: u64, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// Where the problems of each row go as the file is read.
pub trait ProblemReport {
    /// Reports the problems of one row (called only for rows that have some).
    fn row(&mut self, checked: &Checked) -> io::Result<()>;
    /// Ends the report with the counts.
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// The human report: the first problems in full, then how many more, then the counts.
pub struct TextReport<W: Write> {
    out: W,
    path: String,
    shown: usize,
    hidden_errors: u64,
    hidden_warnings: u64,
}

impl<W: Write> TextReport<W> {
    /// A text report about `path`, written to `out`.
    pub fn new(out: W, path: &str) -> Self {
        TextReport {
            out,
            path: path.to_owned(),
            shown: 0,
            hidden_errors: 0,
            hidden_warnings: 0,
        }
    }
}

impl<W: Write> ProblemReport for TextReport<W> {
    fn row(&mut self, checked: &Checked) -> io::Result<()> {
        for problem in &checked.problems {
            if self.shown < TEXT_PROBLEMS_SHOWN {
                self.shown += 1;
                writeln!(
                    self.out,
                    "{}",
                    format_problem(&self.path, checked.line, problem)
                )?;
            } else if problem.severity == Severity::Error {
                self.hidden_errors += 1;
            } else {
                self.hidden_warnings += 1;
            }
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if self.hidden_errors + self.hidden_warnings > 0 {
            writeln!(
                self.out,
                "… and {} more errors and {} more warnings not shown; --errors OUT.csv writes every invalid row with its errors",
                self.hidden_errors, self.hidden_warnings
            )?;
        }
        writeln!(
            self.out,
            "{}: {}: {} valid, {} invalid, {}",
            self.path,
            counted(summary.rows, "row"),
            summary.valid,
            summary.invalid,
            counted(summary.warnings, "warning")
        )?;
        self.out.flush()
    }
}

/// The `--json` report: one JSON object, streamed row by row, counts last.
pub struct JsonReport<W: Write> {
    out: W,
    first: bool,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    column: Option<&'a str>,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    line: u64,
    external_id: &'a str,
    valid: bool,
    errors: Vec<JsonProblem<'a>>,
    warnings: Vec<JsonProblem<'a>>,
}

impl<W: Write> JsonReport<W> {
    /// Starts the object: the file and its encoding.
    pub fn new(mut out: W, path: &str, encoding: Encoding) -> io::Result<Self> {
        write!(
            out,
            "{{\"file\":{},\"encoding\":\"{}\",\"rows_with_problems\":[",
            serde_json::to_string(path)?,
            encoding.name()
        )?;
        Ok(JsonReport { out, first: true })
    }
}

impl<W: Write> ProblemReport for JsonReport<W> {
    fn row(&mut self, checked: &Checked) -> io::Result<()> {
        let of = |severity| {
            checked
                .problems
                .iter()
                .filter(move |p| p.severity == severity)
                .map(|p| JsonProblem {
                    column: p.column.as_deref(),
                    message: &p.message,
                })
                .collect()
        };
        let row = JsonRow {
            line: checked.line,
            external_id: &checked.external_id,
            valid: checked.is_valid(),
            errors: of(Severity::Error),
            warnings: of(Severity::Warning),
        };
        if !self.first {
            self.out.write_all(b",")?;
        }
        self.first = false;
        serde_json::to_writer(&mut self.out, &row)?;
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let counts = serde_json::to_string(summary)?;
        // `counts` is `{"rows":…}`: splice its fields into the open object.
        writeln!(self.out, "],{}", &counts[1..])?;
        self.out.flush()
    }
}

/// A problem writing the errors file.
#[derive(Debug, Error)]
#[error("{path}: cannot write the errors file: {source}")]
pub struct ErrorsFileError {
    path: String,
    source: io::Error,
}

/// The `--errors` file: every invalid row with its original columns, plus `line` and
/// `errors`, in the input's own encoding, so the user fixes it and feeds it back as it is.
pub struct ErrorsFile {
    path: String,
    csv: csv::Writer<EncodedWriter<BufWriter<File>>>,
    /// Input field indexes to copy (the input's own `line`/`errors` columns are replaced).
    fields: Vec<usize>,
    written: u64,
}

impl ErrorsFile {
    /// Creates the file and writes its header.
    pub fn create(
        path: &Path,
        header: &Header,
        encoding: Encoding,
    ) -> Result<Self, ErrorsFileError> {
        let shown = path.display().to_string();
        let fail = |source| ErrorsFileError {
            path: shown.clone(),
            source,
        };
        let file = File::create(path).map_err(fail)?;
        let mut out = EncodedWriter::new(BufWriter::new(file), encoding);
        if encoding == (Encoding::Utf8 { bom: true }) {
            out.write_all("\u{feff}".as_bytes()).map_err(fail)?;
        }
        let mut csv = csv::WriterBuilder::new().flexible(true).from_writer(out);
        let fields: Vec<usize> = (0..header.names().len())
            .filter(|i| !header.is_errors_file_field(*i))
            .collect();
        let mut names: Vec<&str> = fields.iter().map(|i| header.names()[*i].as_str()).collect();
        names.extend(["line", "errors"]);
        csv.write_record(&names)
            .map_err(|e| fail(io::Error::other(e)))?;
        Ok(ErrorsFile {
            path: shown,
            csv,
            fields,
            written: 0,
        })
    }

    /// Writes one row with its errors.
    pub fn write(&mut self, row: &Row, errors: &str) -> Result<(), ErrorsFileError> {
        let line = row.line.to_string();
        let record = self
            .fields
            .iter()
            .map(|i| row.fields.get(*i).unwrap_or(""))
            .chain([line.as_str(), errors]);
        self.written += 1;
        self.csv.write_record(record).map_err(|e| self.fail(e))
    }

    /// Writes one invalid row with every error of its check.
    pub fn write_checked(&mut self, row: &Row, checked: &Checked) -> Result<(), ErrorsFileError> {
        self.write(row, &checked.errors_text())
    }

    /// Flushes the file; returns how many rows it holds.
    pub fn finish(mut self) -> Result<u64, ErrorsFileError> {
        self.csv.flush().map_err(|e| ErrorsFileError {
            path: self.path.clone(),
            source: e,
        })?;
        Ok(self.written)
    }

    /// The file's name as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    fn fail(&self, error: csv::Error) -> ErrorsFileError {
        ErrorsFileError {
            path: self.path.clone(),
            source: io::Error::other(error),
        }
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

/// The plan of an import, before anything is sent.
pub fn print_plan(out: &mut impl Write, plan: &PlanCounts, to_send: u64) -> io::Result<()> {
    writeln!(
        out,
        "plan: {}: {} to send, {} already imported, {} changed since imported (conflict), {} failed earlier, {} invalid",
        counted(plan.rows, "row"),
        to_send,
        plan.already_imported,
        plan.conflict,
        plan.previously_failed,
        plan.invalid
    )?;
    if to_send > plan.to_send {
        writeln!(
            out,
            "      (of which {} in doubt since an earlier run stopped: resent safely, external_id is idempotent)",
            to_send - plan.to_send
        )?;
    }
    if plan.previously_failed > 0 {
        writeln!(
            out,
            "      failed rows are not resent; pass --retry-failed after fixing their cause"
        )?;
    }
    Ok(())
}

/// The summary of an import.
pub fn print_import_summary(out: &mut impl Write, summary: &ImportSummary) -> io::Result<()> {
    writeln!(
        out,
        "{} -> {}, run {}: {} imported now, {} already imported, {} failed, {} pending, {} conflict, {} invalid, {} failed earlier",
        summary.file,
        summary.target,
        summary.run_id,
        summary.imported,
        summary.plan.already_imported,
        summary.failed,
        summary.pending,
        summary.plan.conflict,
        summary.plan.invalid,
        summary.plan.previously_failed
    )?;
    if summary.sent > 0 {
        writeln!(
            out,
            "sent {} at {:.1} rows/s in {:.1} s ({} rate-limit waits, {} retries); the whole run took {:.1} s",
            counted(summary.sent, "row"),
            summary.rate,
            summary.send_seconds,
            summary.rate_limited,
            summary.retried,
            summary.elapsed_seconds
        )?;
    }
    if let Some(rows) = summary.errors_file_rows {
        writeln!(out, "wrote {} to the errors file", counted(rows, "row"))?;
    }
    if summary.interrupted {
        writeln!(
            out,
            "stopped by Ctrl-C: run the same command again to send the rest"
        )?;
    } else if summary.pending > 0 {
        writeln!(
            out,
            "{} still pending after retries: run the same command again to send them",
            counted(summary.pending, "row")
        )?;
    }
    Ok(())
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
    fn problem_format() {
        let problem = Problem {
            severity: Severity::Warning,
            column: Some("pay_time".into()),
            message: "is for paid rewards".into(),
        };
        assert_eq!(
            format_problem("a.csv", 7, &problem),
            "a.csv:7: column pay_time: warning: is for paid rewards"
        );
    }
}
