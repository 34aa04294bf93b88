//! `validate`'s report: per-row problems as text or JSON, then the counts. It streams, so a
//! file with a million bad rows costs no memory to report.

use std::io::{self, Write};

use serde::Serialize;

use crate::read::mapping::{HiddenRowsWarning, Parts};
use crate::read::source::{Origin, SourceKind};
use crate::read::validate::{Checked, Explained, Problem, Severity, Skip};
use crate::text::counted;

/// How many problems the text report shows in full before it only counts them.
pub const TEXT_PROBLEMS_SHOWN: usize = 50;

/// Counts of a validated file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FileCounts {
    /// Data rows read (blank rows are not counted).
    pub rows: u64,
    /// Rows with no error.
    pub valid: u64,
    /// Rows with at least one error.
    pub invalid: u64,
    /// Warnings, over all rows.
    pub warnings: u64,
    /// Rows that are not rewards (totals and note rows): neither valid nor invalid.
    pub skipped: u64,
}

impl FileCounts {
    /// Counts one checked row.
    pub fn add(&mut self, checked: &Checked) {
        self.rows += 1;
        if checked.skipped.is_some() {
            self.skipped += 1;
        } else if checked.is_valid() {
            self.valid += 1;
        } else {
            self.invalid += 1;
        }
        self.warnings += checked.warning_count() as u64;
    }
}

/// `FILE:LINE: column C: message`, with `warning: ` before the message of a warning.
pub fn format_problem(origin: &Origin, line: u64, problem: &Problem) -> String {
    format_problem_at(&origin.at(line), problem)
}

/// The same, at a place already written out (`FILE:LINE`, `FILE[SHEET]:ROW`).
pub fn format_problem_at(path: &str, problem: &Problem) -> String {
    let severity = match problem.severity {
        Severity::Error => "",
        Severity::Warning => "warning: ",
    };
    match &problem.column {
        Some(column) => format!("{path}: column {column}: {severity}{}", problem.message),
        None => format!("{path}: {severity}{}", problem.message),
    }
}

/// Where the problems of each row go as the file is read.
pub trait ProblemReport {
    /// Reports the problems of one row (called only for rows that have some).
    fn row(&mut self, checked: &Checked) -> io::Result<()>;
    /// Reports what the converted values of one row were read as (`--explain`; called
    /// only for rows that have some).
    fn explained(&mut self, checked: &Checked) -> io::Result<()>;
    /// Reports a row that is skipped, not a reward (called only for those).
    fn skipped(&mut self, checked: &Checked, skip: &Skip) -> io::Result<()>;
    /// Reports the sheets left out (`FILE[SHEET]`, why), once every row is read.
    fn skipped_parts(&mut self, parts: &[(String, String)]) -> io::Result<()>;
    /// Reports the rows hidden in a workbook and read, one warning a sheet, once every
    /// row is read.
    fn hidden_rows(&mut self, warnings: &[HiddenRowsWarning]) -> io::Result<()>;
    /// Ends the report with the counts.
    fn finish(&mut self, summary: &FileCounts) -> io::Result<()>;
}

/// `a.csv:2, column pay_time: "2024-01-08 13:24" read as 1704691440000 (…)`.
pub fn format_explained(at: &str, explained: &Explained) -> String {
    format!("{at}, {explained}")
}

/// The human report: the first problems in full, then how many more, then the counts.
pub struct TextReport<W: Write> {
    out: W,
    parts: Parts,
    shown: usize,
    hidden_errors: u64,
    hidden_warnings: u64,
    /// The errors file being written (`--errors`), which holds every invalid row.
    errors_file: Option<String>,
}

impl<W: Write> TextReport<W> {
    /// A text report about the rows of `parts`, written to `out`.
    pub fn new(out: W, parts: Parts) -> Self {
        TextReport {
            out,
            parts,
            shown: 0,
            hidden_errors: 0,
            hidden_warnings: 0,
            errors_file: None,
        }
    }

    /// Says that every invalid row is being written to `path`, instead of how to get them.
    pub fn with_errors_file(mut self, path: Option<String>) -> Self {
        self.errors_file = path;
        self
    }
}

impl<W: Write> ProblemReport for TextReport<W> {
    fn row(&mut self, checked: &Checked) -> io::Result<()> {
        for problem in &checked.problems {
            if self.shown < TEXT_PROBLEMS_SHOWN {
                self.shown += 1;
                let at = self.parts.at(checked.part, checked.line);
                writeln!(self.out, "{}", format_problem_at(&at, problem))?;
            } else if problem.severity == Severity::Error {
                self.hidden_errors += 1;
            } else {
                self.hidden_warnings += 1;
            }
        }
        Ok(())
    }

    fn explained(&mut self, checked: &Checked) -> io::Result<()> {
        let at = self.parts.at(checked.part, checked.line);
        for explained in &checked.explained {
            writeln!(self.out, "{}", format_explained(&at, explained))?;
        }
        Ok(())
    }

    fn skipped(&mut self, checked: &Checked, skip: &Skip) -> io::Result<()> {
        writeln!(
            self.out,
            "{}: skipped: {skip}",
            self.parts.at(checked.part, checked.line)
        )
    }

    fn skipped_parts(&mut self, parts: &[(String, String)]) -> io::Result<()> {
        for (at, why) in parts {
            writeln!(self.out, "{at}: sheet skipped: {why}")?;
        }
        Ok(())
    }

    fn hidden_rows(&mut self, warnings: &[HiddenRowsWarning]) -> io::Result<()> {
        for warning in warnings {
            writeln!(self.out, "{}: warning: {}", warning.at, warning.message)?;
        }
        Ok(())
    }

    fn finish(&mut self, summary: &FileCounts) -> io::Result<()> {
        if self.hidden_errors + self.hidden_warnings > 0 {
            let all = match &self.errors_file {
                Some(path) => format!("{path} holds every invalid row with its errors"),
                None => "--errors OUT.csv writes every invalid row with its errors".to_owned(),
            };
            writeln!(
                self.out,
                "… and {} more errors and {} more warnings not shown; {all}",
                self.hidden_errors, self.hidden_warnings
            )?;
        }
        writeln!(
            self.out,
            "{}: {}: {} valid, {} invalid, {}{}",
            self.parts.described(),
            counted(summary.rows, "row"),
            summary.valid,
            summary.invalid,
            if summary.skipped > 0 {
                format!("{} skipped, ", summary.skipped)
            } else {
                String::new()
            },
            counted(summary.warnings, "warning")
        )?;
        self.out.flush()
    }
}

/// The `--json` report: one JSON object, streamed row by row, counts last.
pub struct JsonReport<W: Write> {
    out: W,
    first: bool,
    parts: Parts,
    /// The sheets left out, written with the counts.
    skipped_parts: Vec<JsonSkippedPart>,
    /// The warnings about hidden rows read, written with the counts.
    hidden_rows: Vec<HiddenRowsWarning>,
    /// `--explain`'s readings: a few rows, written with the counts.
    explained: Vec<JsonExplained>,
    /// The rows skipped as no rewards, written with the counts.
    skipped: Vec<JsonSkipped>,
}

#[derive(Serialize)]
struct JsonSkippedPart {
    at: String,
    why: String,
}

#[derive(Serialize)]
struct JsonSkipped {
    at: String,
    line: u64,
    rule: &'static str,
    message: String,
}

#[derive(Serialize)]
struct JsonExplained {
    at: String,
    line: u64,
    column: String,
    value: String,
    read_as: String,
}

#[derive(Serialize)]
struct JsonProblem<'a> {
    column: Option<&'a str>,
    rule: &'static str,
    message: &'a str,
}

#[derive(Serialize)]
struct JsonRow<'a> {
    at: String,
    line: u64,
    external_id: &'a str,
    valid: bool,
    errors: Vec<JsonProblem<'a>>,
    warnings: Vec<JsonProblem<'a>>,
}

impl<W: Write> JsonReport<W> {
    /// Starts the object: the file (and sheet), its format, and a CSV's encoding.
    pub fn new(mut out: W, parts: Parts, kind: SourceKind) -> io::Result<Self> {
        let origin = parts.origin(0).unwrap_or_else(|| Origin {
            file: String::new(),
            sheet: None,
        });
        let (format, encoding) = match kind {
            SourceKind::Csv(encoding) => ("csv", Some(encoding.name())),
            SourceKind::Workbook(format) => (format.name(), None),
        };
        write!(
            out,
            "{{\"file\":{},\"sheet\":{},\"format\":\"{format}\",\"encoding\":{},\"rows_with_problems\":[",
            serde_json::to_string(&origin.file)?,
            serde_json::to_string(&origin.sheet)?,
            serde_json::to_string(&encoding)?
        )?;
        Ok(JsonReport {
            out,
            first: true,
            parts,
            skipped_parts: Vec::new(),
            hidden_rows: Vec::new(),
            explained: Vec::new(),
            skipped: Vec::new(),
        })
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
                    rule: p.rule.name(),
                    message: &p.message,
                })
                .collect()
        };
        let row = JsonRow {
            at: self.parts.at(checked.part, checked.line),
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

    fn explained(&mut self, checked: &Checked) -> io::Result<()> {
        self.explained
            .extend(checked.explained.iter().map(|e| JsonExplained {
                at: self.parts.at(checked.part, checked.line),
                line: checked.line,
                column: e.column.clone(),
                value: e.value.clone(),
                read_as: e.read_as.clone(),
            }));
        Ok(())
    }

    fn skipped(&mut self, checked: &Checked, skip: &Skip) -> io::Result<()> {
        self.skipped.push(JsonSkipped {
            at: self.parts.at(checked.part, checked.line),
            line: checked.line,
            rule: skip.key(),
            message: skip.to_string(),
        });
        Ok(())
    }

    fn skipped_parts(&mut self, parts: &[(String, String)]) -> io::Result<()> {
        self.skipped_parts
            .extend(parts.iter().map(|(at, why)| JsonSkippedPart {
                at: at.clone(),
                why: why.clone(),
            }));
        Ok(())
    }

    fn hidden_rows(&mut self, warnings: &[HiddenRowsWarning]) -> io::Result<()> {
        self.hidden_rows.extend_from_slice(warnings);
        Ok(())
    }

    fn finish(&mut self, summary: &FileCounts) -> io::Result<()> {
        let counts = serde_json::to_string(summary)?;
        write!(self.out, "]")?;
        write!(
            self.out,
            ",\"parts\":{}",
            serde_json::to_string(&self.parts.all())?
        )?;
        if !self.skipped_parts.is_empty() {
            write!(
                self.out,
                ",\"skipped_sheets\":{}",
                serde_json::to_string(&self.skipped_parts)?
            )?;
        }
        if !self.hidden_rows.is_empty() {
            write!(
                self.out,
                ",\"hidden_rows\":{}",
                serde_json::to_string(&self.hidden_rows)?
            )?;
        }
        if !self.skipped.is_empty() {
            write!(
                self.out,
                ",\"skipped_rows\":{}",
                serde_json::to_string(&self.skipped)?
            )?;
        }
        if !self.explained.is_empty() {
            write!(
                self.out,
                ",\"explained\":{}",
                serde_json::to_string(&self.explained)?
            )?;
        }
        // `counts` is `{"rows":…}`: splice its fields into the open object.
        writeln!(self.out, ",{}", &counts[1..])?;
        self.out.flush()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn problem_format() {
        let problem = Problem {
            severity: Severity::Warning,
            column: Some("pay_time".into()),
            message: "is for paid rewards".into(),
            rule: crate::read::validate::Rule::LaterStageField,
        };
        assert_eq!(
            format_problem(
                &crate::read::source::Origin {
                    file: "a.csv".into(),
                    sheet: None
                },
                7,
                &problem
            ),
            "a.csv:7: column pay_time: warning: is for paid rewards"
        );
    }
}
