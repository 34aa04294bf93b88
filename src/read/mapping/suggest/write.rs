//! A [`Suggestion`] written as a mapping file: TOML that [`MapFile::parse`] reads, every
//! choice with a comment saying why, comments aligned within each block. Every header
//! and value of the export goes into a TOML string through [`toml_string`] (quotes,
//! backslashes and control characters escaped), and into a comment through [`shown`] (no
//! line break can end a comment early).
//!
//! [`MapFile::parse`]: crate::read::mapping::MapFile::parse

use std::fmt::Write as _;

use super::values::{self, ValueGuess};
use super::{Column, EnumValues, Line, Outcome, Placed, Suggestion};
use crate::text::{counted, echo};

/// Comments start at this display column at most (a longer line gets two spaces).
const COMMENT_COLUMN: usize = 40;

/// The whole file. (Writing to a `String` cannot fail: the `fmt::Result`s are dropped.)
pub(super) fn toml(suggestion: &Suggestion) -> String {
    let mut out = String::new();
    preface(&mut out, suggestion);
    let source = source_lines(suggestion);
    if !source.is_empty() {
        out.push_str("\n[source]\n");
        block(&mut out, &source);
    }
    let columns = column_lines(suggestion);
    if !columns.is_empty() {
        out.push_str("\n[columns]\n");
        block(&mut out, &columns);
    }
    for values in &suggestion.values {
        let lines = value_lines(values);
        if !lines.is_empty() {
            let _ = writeln!(out, "\n[values.{}]", values.field.name());
            block(&mut out, &lines);
        }
    }
    if !suggestion.defaults.is_empty() {
        out.push_str("\n[defaults]\n");
        block(&mut out, &suggestion.defaults);
    }
    if !suggestion.skips.is_empty() {
        out.push_str("\n[skip]\n");
        block(&mut out, &suggestion.skips);
    }
    out
}

/// What wrote the file, from what, and the next step.
fn preface(out: &mut String, suggestion: &Suggestion) {
    let file = shown(&suggestion.file);
    let sheet = match &suggestion.sheet {
        Some((name, _)) => format!(", sheet {}", shown(name)),
        None => String::new(),
    };
    let _ = writeln!(
        out,
        "# Mapping file for {file}{sheet}, suggested by `rewardsync map suggest`"
    );
    let _ = writeln!(
        out,
        "# from its header (row {}) and its {}.",
        suggestion.header.row,
        counted(suggestion.rows, "data row")
    );
    out.push_str("# Each choice says how sure it is: sure, likely or a guess. Check them,\n");
    out.push_str("# save this file as mapping.toml, then see what is left to fix with:\n");
    // Standard input is given again as `-`, not by the name messages show it by.
    let (file, from) = match suggestion.file.as_str() {
        crate::read::source::input::STDIN_SHOWN => {
            (crate::read::source::input::STDIN.to_owned(), " < FILE")
        }
        file => (shell_word(file), ""),
    };
    let _ = writeln!(
        out,
        "#   rewardsync validate {file} --map mapping.toml --explain{from}"
    );
}

fn source_lines(suggestion: &Suggestion) -> Vec<Line> {
    let mut lines = Vec::new();
    if let Some((name, given)) = &suggestion.sheet {
        let others = &suggestion.sheets;
        let passed = match others.passed.as_slice() {
            [] => String::new(),
            passed => format!(
                "; {} before it {} no table of rewards",
                crate::text::list(&passed.iter().map(|s| shown(s)).collect::<Vec<_>>(), 5),
                if passed.len() == 1 { "holds" } else { "hold" }
            ),
        };
        if *given {
            lines.push(Line::new(
                format!("sheet = {}", toml_string(name)),
                "as given with --sheet",
            ));
        } else if others.after.is_empty() {
            lines.push(Line::new(
                format!("sheet = {}", toml_string(name)),
                format!(
                    "the sheet read: the workbook's first worksheet with a table of rewards{passed}"
                ),
            ));
        } else {
            let after: Vec<String> = others.after.iter().map(|s| shown(s)).collect();
            lines.push(Line::new(
                "sheets = \"*\"".to_owned(),
                format!(
                    "likely: {} is read, and each sheet after it whose header is the same ({}), as one file{passed}; a sheet with another header is left out and listed. To read {} alone: sheet = {}",
                    shown(name),
                    crate::text::list(&after, 12),
                    shown(name),
                    toml_string(name)
                ),
            ));
        }
    }
    let header = &suggestion.header;
    if header.row != 1 || header.given {
        let why = match (&header.above, header.given) {
            (_, true) => "as given with --header-row".to_owned(),
            (Some(above), false) => format!(
                "the column names are on row {}; above them: {}",
                header.row,
                echo(above)
            ),
            (None, false) => format!("the column names are on row {}", header.row),
        };
        lines.push(Line::new(format!("header_row = {}", header.row), why));
    }
    if suggestion.gbk {
        lines.push(Line::new(
            "encoding = \"gbk\"",
            "the file is GBK (GB18030) text, as Excel on Chinese Windows saves a CSV",
        ));
    }
    if let Some((delimiter, given)) = suggestion.delimiter {
        let name = match delimiter {
            b'\t' => "tab".to_owned(),
            other => char::from(other).to_string(),
        };
        lines.push(Line::new(
            format!("delimiter = {}", toml_string(&name)),
            if given {
                "as given with --delimiter"
            } else {
                "found from the header line"
            },
        ));
    }
    if let Some((column, example)) = &suggestion.zone {
        lines.push(Line::new(
            "timezone = \"Asia/Shanghai\"",
            format!(
                "{} holds times without an offset (e.g. {example}): check this is the zone the export was written in",
                shown(column)
            ),
        ));
    }
    if let Some(dates) = &suggestion.dates {
        lines.push(dates.line.clone());
    }
    let ignored: Vec<(&str, &str)> = suggestion
        .columns
        .iter()
        .filter_map(|column| match &column.outcome {
            Outcome::Ignored { why } => Some((column.name.as_str(), why.as_str())),
            _ => None,
        })
        .collect();
    if !ignored.is_empty() {
        lines.push(Line::new(
            "ignore_columns = [",
            "columns to skip; map one under [columns] if it holds a field",
        ));
        for (name, why) in ignored {
            lines.push(Line::new(format!("    {},", toml_string(name)), why));
        }
        lines.push(Line::new("]", ""));
    }
    lines
}

fn column_lines(suggestion: &Suggestion) -> Vec<Line> {
    let ignored: Vec<String> = suggestion
        .columns
        .iter()
        .filter(|column| matches!(column.outcome, Outcome::Ignored { .. }))
        .map(|column| normal(&column.name))
        .collect();
    let mut lines = Vec::new();
    for Column { name, outcome } in &suggestion.columns {
        match outcome {
            Outcome::Known { field, label } => {
                let how = if *label {
                    "a documented label"
                } else {
                    "its canonical name"
                };
                if ignored.contains(&normal(name)) {
                    // `ignore_columns` skips every column of this name: the first is kept
                    // by naming it (a mapped column is the first of its name).
                    lines.push(Line::new(
                        format!("{} = {}", field.name(), toml_string(name)),
                        format!("{how}, named here as another column has the same name"),
                    ));
                } else {
                    lines.push(Line::new(
                        "",
                        format!("{} → {} ({how})", shown(name), field.name()),
                    ));
                }
            }
            Outcome::Mapped {
                field,
                confidence,
                because,
            } => lines.push(Line::new(
                format!("{} = {}", field.name(), toml_string(name)),
                format!("{}: {because}", confidence.word()),
            )),
            Outcome::Skipped { why } => lines.push(Line::new("", why.clone())),
            Outcome::Ignored { .. } => {}
        }
    }
    lines.extend(suggestion.missing.iter().cloned());
    lines
}

fn value_lines(values: &EnumValues) -> Vec<Line> {
    let field = values.field;
    let mut lines = Vec::new();
    for value in &values.values {
        let rows = counted(value.rows, "row");
        let key = toml_string(&value.text);
        match &value.placed {
            Placed::Accepted => {}
            Placed::Guessed(ValueGuess::Value {
                number,
                confidence,
                because,
            }) => lines.push(Line::new(
                format!("{key} = {number}"),
                format!("{}, {rows}: {because}", confidence.word()),
            )),
            Placed::Guessed(ValueGuess::NoValue { because }) => lines.push(Line::new(
                format!("# {key} = ?"),
                format!(
                    "{rows}: {because}; leave those rows out, or say which {}: {}",
                    field.name(),
                    values::choices(field)
                ),
            )),
            Placed::Unknown => lines.push(Line::new(
                format!("# {key} = ?"),
                format!("{rows}: which {}? {}", field.name(), values::choices(field)),
            )),
        }
    }
    if lines.is_empty() && !values.overflow {
        return lines;
    }
    let accepted: Vec<String> = values
        .values
        .iter()
        .filter(|v| v.placed == Placed::Accepted)
        .map(|v| echo(&v.text))
        .collect();
    let mut head = format!("the values of {}", shown(&values.column));
    if !accepted.is_empty() {
        let _ = write!(
            head,
            "; read as they are: {}",
            crate::text::list(&accepted, 5)
        );
    }
    lines.insert(0, Line::new("", head));
    if values.overflow {
        lines.push(Line::new(
            "",
            format!(
                "more than {} distinct values: only the first are listed (is {} an enum column?)",
                super::DISTINCT_VALUES,
                shown(&values.column)
            ),
        ));
    }
    lines
}

/// Lines with their comments aligned: a comment-only line is `# comment`.
fn block(out: &mut String, lines: &[Line]) {
    let column = lines
        .iter()
        .filter(|l| !l.code.is_empty() && !l.comment.is_empty())
        .map(|l| width(&l.code) + 2)
        .filter(|w| *w <= COMMENT_COLUMN)
        .max()
        .unwrap_or(0);
    for line in lines {
        // Headers cannot hold control characters (the reader refuses them) and values are
        // echoed, but a line break must never end a comment early, whatever its source.
        let comment = if line.comment.chars().any(char::is_control) {
            line.comment
                .chars()
                .map(|c| match c.is_control() {
                    true => c.escape_default().to_string(),
                    false => c.to_string(),
                })
                .collect()
        } else {
            line.comment.clone()
        };
        let line = Line::new(line.code.clone(), comment);
        match (line.code.is_empty(), line.comment.is_empty()) {
            (true, _) => {
                let _ = writeln!(out, "# {}", line.comment);
            }
            (false, true) => {
                let _ = writeln!(out, "{}", line.code);
            }
            (false, false) => {
                let pad = column.saturating_sub(width(&line.code)).max(2);
                let _ = writeln!(out, "{}{}# {}", line.code, " ".repeat(pad), line.comment);
            }
        }
    }
}

/// How many columns a terminal gives `text`: two for East Asian wide characters.
fn width(text: &str) -> usize {
    text.chars()
        .map(|c| match c as u32 {
            0x1100..=0x115F
            | 0x2E80..=0xA4CF
            | 0xAC00..=0xD7A3
            | 0xF900..=0xFAFF
            | 0xFE30..=0xFE4F
            | 0xFF00..=0xFF60
            | 0xFFE0..=0xFFE6 => 2,
            _ => 1,
        })
        .sum()
}

fn normal(name: &str) -> String {
    crate::read::field::normalize(name.trim()).into_owned()
}

pub(super) use crate::read::mapping::file::toml_string;

/// A name for a comment: as it is, unless a control character (a line break would end
/// the comment) makes it safer quoted and escaped.
fn shown(name: &str) -> String {
    if name.chars().any(char::is_control) {
        echo(name)
    } else {
        name.to_owned()
    }
}

/// A path as a shell word, for the command in the preface: as it is when it is plain,
/// else in single quotes.
fn shell_word(path: &str) -> String {
    if path.chars().any(char::is_control) {
        return echo(path);
    }
    let plain = !path.is_empty()
        && path
            .chars()
            .all(|c| c.is_alphanumeric() || "-_./+,:@%=".contains(c));
    if plain {
        path.to_owned()
    } else {
        format!("'{}'", path.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_are_escaped_for_toml() {
        for text in [
            "奖励\"编号\"",
            "a = b",
            "back\\slash",
            "line\nbreak",
            "tab\there",
            "nul\0del\u{7f}",
            "# not a comment",
            "'single'",
        ] {
            let document = format!("key = {}\n", toml_string(text));
            let parsed: toml::Table = toml::from_str(&document).expect(&document);
            assert_eq!(parsed["key"].as_str(), Some(text), "{document}");
        }
    }

    #[test]
    fn comments_align_by_display_width() {
        let mut out = String::new();
        block(
            &mut out,
            &[
                Line::new("a = \"奖励\"", "x"),
                Line::new("bb = \"c\"", "y"),
                Line::new("", "only a comment"),
            ],
        );
        assert_eq!(
            out,
            "a = \"奖励\"  # x\nbb = \"c\"    # y\n# only a comment\n"
        );
    }

    #[test]
    fn a_line_break_never_ends_a_comment() {
        let mut out = String::new();
        block(&mut out, &[Line::new("", "a\nb = 1")]);
        assert_eq!(out, "# a\\nb = 1\n");
    }

    #[test]
    fn paths_are_shell_words() {
        assert_eq!(shell_word("legacy.csv"), "legacy.csv");
        assert_eq!(shell_word("奖励 明细.xlsx"), "'奖励 明细.xlsx'");
        assert_eq!(shell_word("it's.csv"), "'it'\\''s.csv'");
    }
}
