//! The mapping file (`--map FILE`, TOML, SPEC §2.2): what an export's columns and values
//! are, for exports the built-in names and labels do not cover. Every key is optional; an
//! unknown key is an error naming its line (a typo must not silently change what is sent),
//! and so is a field name that is not one.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::read::field::Field;
use crate::read::forms::{self, EnumField, Zone};
use crate::read::source::{EncodingChoice, SheetChoice};
use crate::text::echo;

/// A mapping file that cannot be used: where, and why.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct MapFileError {
    /// The mapping file.
    pub path: String,
    /// The line the problem is on (1 when the file cannot be read).
    pub line: u64,
    /// What is wrong and what to do.
    pub message: String,
}

/// A setting with the line it was given on, for messages about it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Located<T> {
    /// The value.
    pub value: T,
    /// Its line in the mapping file.
    pub line: u64,
}

/// `[source]`: how to read the export (command-line flags override each).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceSettings {
    /// `sheet`: a sheet name or 1-based index.
    pub sheet: Option<SheetChoice>,
    /// `sheets`: `"*"` (every visible worksheet with the first one's header) or a list of
    /// names or positions, read in one run.
    pub sheets: Vec<SheetChoice>,
    /// `header_row`: the row holding the column names.
    pub header_row: Option<u64>,
    /// `delimiter`: CSV only.
    pub delimiter: Option<u8>,
    /// `encoding`: CSV only.
    pub encoding: Option<EncodingChoice>,
    /// `timezone`: for times without an offset (an IANA name, checked on reading).
    pub timezone: Option<Located<Zone>>,
    /// `date_format`: one more accepted time format (strftime).
    pub date_format: Option<Located<String>>,
    /// `ignore_columns`: columns to skip, with the line each is named on.
    pub ignore_columns: Vec<Located<String>>,
    /// `ignore_unknown_columns`: skip every column no field is known by.
    pub ignore_unknown_columns: bool,
    /// `hidden_rows`: what to do with rows hidden in a workbook (SPEC §2.4).
    pub hidden_rows: HiddenRows,
}

/// What to do with rows hidden in a workbook, hidden or filtered out (`hidden_rows`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum HiddenRows {
    /// Read them, with one warning listing them (the default).
    #[default]
    Warn,
    /// Leave them out, counted as skipped.
    Skip,
    /// Read them as any other row, saying nothing.
    Read,
}

/// One field's `[values]` table: the export's value (trimmed, lowercase) → the field's.
pub type Labels = Vec<(String, Located<String>)>;

/// A parsed mapping file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MapFile {
    /// The file, as the user named it.
    pub path: String,
    /// `[source]`.
    pub source: SourceSettings,
    /// `[columns]`: field → the export's column header.
    pub columns: Vec<(Field, Located<String>)>,
    /// `[values.FIELD]`: the export's value (trimmed, any case) → the field's value.
    pub values: Vec<(Field, Labels)>,
    /// `[defaults]`: the value of a field where no column gives it, or where its column's
    /// cell is empty (see [`MapFile::notes`]).
    pub defaults: Vec<(Field, Located<String>)>,
    /// `[skip]`: rows to leave out by the value of a field or a column (SPEC §2.4).
    pub skip: Vec<SkipEntry>,
}

/// One `[skip]` line: a field's name or a column's header, and the values (trimmed, any
/// case) whose rows are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipEntry {
    /// The field or column, as written, with its line.
    pub key: Located<String>,
    /// The values, trimmed and in lower case.
    pub values: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    source: Option<Spanned<RawSource>>,
    #[serde(default)]
    columns: BTreeMap<Spanned<String>, Spanned<String>>,
    #[serde(default)]
    values: BTreeMap<Spanned<String>, BTreeMap<Spanned<String>, Spanned<toml::Value>>>,
    #[serde(default)]
    defaults: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
    #[serde(default)]
    skip: BTreeMap<Spanned<String>, Spanned<toml::Value>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSource {
    sheet: Option<Spanned<toml::Value>>,
    sheets: Option<Spanned<toml::Value>>,
    header_row: Option<Spanned<i64>>,
    delimiter: Option<Spanned<String>>,
    encoding: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    date_format: Option<Spanned<String>>,
    #[serde(default)]
    ignore_columns: Vec<Spanned<String>>,
    #[serde(default)]
    ignore_unknown_columns: bool,
    hidden_rows: Option<Spanned<toml::Value>>,
}

/// The largest mapping file read: a `[values]` table of 100,000 labels takes 3 MB.
const MAX_BYTES: u64 = 16 << 20;

impl MapFile {
    /// Reads and checks a mapping file.
    pub fn load(path: &Path) -> Result<MapFile, MapFileError> {
        let shown = path.display().to_string();
        let text = crate::text::read_small_file(path, MAX_BYTES, "mapping file").map_err(|e| {
            MapFileError {
                path: shown.clone(),
                line: 1,
                message: format!(
                    "cannot read the mapping file: {}",
                    crate::text::io_error(&e)
                ),
            }
        })?;
        MapFile::parse(shown, &text)
    }

    /// Parses mapping-file text; `path` names it in messages.
    pub fn parse(path: String, text: &str) -> Result<MapFile, MapFileError> {
        let error = |line: u64, message: String| MapFileError {
            path: path.clone(),
            line,
            message,
        };
        // Every key and value asks for its line: the line starts are found once, and each
        // lookup is a binary search (counting newlines from the top for each one made a
        // `[values]` table of 100,000 labels take most of a minute).
        let lines = LineStarts::new(text);
        let line_of = |span: std::ops::Range<usize>| lines.line_at(span.start);
        let raw: RawFile = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, line_of);
            error(line, describe_toml_error(e.message()))
        })?;
        let field = |key: &Spanned<String>, table: &str| -> Result<Field, MapFileError> {
            Field::from_canonical(key.get_ref()).ok_or_else(|| {
                error(
                    line_of(key.span()),
                    format!(
                        "[{table}] names {}, which is not a field; the fields are {}",
                        echo(key.get_ref()),
                        Field::ALL.map(Field::name).join(", ")
                    ),
                )
            })
        };
        let mut file = MapFile {
            path: path.clone(),
            ..MapFile::default()
        };
        if let Some(source) = raw.source {
            file.source = source_settings(source.into_inner(), &error, &line_of)?;
        }
        for (key, header) in &raw.columns {
            file.columns.push((
                field(key, "columns")?,
                Located {
                    value: header.get_ref().trim().to_owned(),
                    line: line_of(header.span()),
                },
            ));
        }
        one_field_a_column(&file.columns).map_err(|(line, message)| error(line, message))?;
        for (key, entries) in &raw.values {
            let target = field(key, "values")?;
            let mut pairs = Vec::new();
            for (from, to) in entries {
                let value = scalar(to).ok_or_else(|| {
                    error(
                        line_of(to.span()),
                        format!(
                            "[values.{}] maps {} to something that is not a number or a text; write e.g. {} = 1",
                            target.name(),
                            echo(from.get_ref()),
                            toml_key(from.get_ref())
                        ),
                    )
                })?;
                let line = line_of(to.span());
                check_value(target, &value).map_err(|m| {
                    error(
                        line,
                        format!(
                            "[values.{}] maps {} to {m}",
                            target.name(),
                            echo(from.get_ref())
                        ),
                    )
                })?;
                pairs.push((
                    from.get_ref().trim().to_lowercase(),
                    Located {
                        value,
                        line: line_of(to.span()),
                    },
                ));
            }
            file.values.push((target, pairs));
        }
        for (key, value) in &raw.defaults {
            let target = field(key, "defaults")?;
            let text = scalar(value).ok_or_else(|| {
                error(
                    line_of(value.span()),
                    format!(
                        "[defaults] gives {} a value that is not a number or a text",
                        target.name()
                    ),
                )
            })?;
            let line = line_of(value.span());
            check_value(target, &text)
                .map_err(|m| error(line, format!("[defaults] gives {} {m}", target.name())))?;
            file.defaults.push((
                target,
                Located {
                    value: text,
                    line: line_of(value.span()),
                },
            ));
        }
        for (key, value) in &raw.skip {
            let line = line_of(key.span());
            let texts: Option<Vec<String>> = match value.get_ref() {
                toml::Value::String(one) => Some(vec![one.clone()]),
                toml::Value::Array(many) => {
                    many.iter().map(|v| v.as_str().map(str::to_owned)).collect()
                }
                _ => None,
            };
            let values: Vec<String> = texts
                .filter(|t| !t.is_empty())
                .ok_or_else(|| {
                    error(
                        line,
                        format!(
                            "[skip] {} takes a list of the values whose rows to leave out, e.g. {} = [\"作废\", \"已撤销\"]",
                            echo(key.get_ref()),
                            toml_key(key.get_ref())
                        ),
                    )
                })?
                .iter()
                .map(|v| v.trim().to_lowercase())
                .collect();
            file.skip.push(SkipEntry {
                key: Located {
                    value: key.get_ref().clone(),
                    line,
                },
                values,
            });
        }
        Ok(file)
    }
}

impl MapFile {
    /// What the mapping does that its reader may not expect, one sentence each, for the
    /// user to be told when it is read: a field both mapped to a column and defaulted
    /// takes the default where the column's cell is empty.
    pub fn notes(&self) -> Vec<String> {
        self.defaults
            .iter()
            .filter_map(|(field, default)| {
                let (_, column) = self.columns.iter().find(|(f, _)| f == field)?;
                Some(format!(
                    "{}:{}: [defaults] gives {field} {}, and [columns] maps {field} to the column {} on line {}: the default is used where that column's cell is empty",
                    self.path,
                    default.line,
                    echo(&default.value),
                    echo(&column.value),
                    column.line
                ))
            })
            .collect()
    }
}

/// Refuses `[columns]` that map two fields to one column: each would read the same cells,
/// and one of them is surely a mistake. The error is on the later line, naming the first.
fn one_field_a_column(columns: &[(Field, Located<String>)]) -> Result<(), (u64, String)> {
    let mut by_name: std::collections::HashMap<String, &(Field, Located<String>)> =
        std::collections::HashMap::new();
    let mut in_order: Vec<&(Field, Located<String>)> = columns.iter().collect();
    in_order.sort_by_key(|(_, column)| column.line);
    for entry in in_order {
        let (field, column) = entry;
        let name = crate::read::field::normalize(column.value.trim()).into_owned();
        if let Some((first, first_column)) = by_name.get(&name).copied() {
            return Err((
                column.line,
                format!(
                    "[columns] maps {field} to the column {}, which line {} already maps {first} to; a column is read as one field: map {field} to another column (or give it under [defaults]), or delete one of the two lines",
                    echo(&column.value),
                    first_column.line
                ),
            ));
        }
        by_name.insert(name, entry);
    }
    Ok(())
}

fn source_settings(
    raw: RawSource,
    error: &dyn Fn(u64, String) -> MapFileError,
    line_of: &dyn Fn(std::ops::Range<usize>) -> u64,
) -> Result<SourceSettings, MapFileError> {
    let mut settings = SourceSettings {
        ignore_columns: raw
            .ignore_columns
            .into_iter()
            .map(|name| Located {
                line: line_of(name.span()),
                value: name.into_inner(),
            })
            .collect(),
        ignore_unknown_columns: raw.ignore_unknown_columns,
        ..SourceSettings::default()
    };
    if let Some(sheet) = raw.sheet {
        settings.sheet = Some(match sheet.get_ref() {
            toml::Value::String(name) => SheetChoice::Name(name.clone()),
            toml::Value::Integer(n) if *n > 0 => SheetChoice::Index(*n as usize),
            _ => {
                return Err(error(
                    line_of(sheet.span()),
                    "sheet is a sheet's name (in quotes) or its position from 1".into(),
                ));
            }
        });
    }
    if let Some(sheets) = raw.sheets {
        let line = line_of(sheets.span());
        let wrong = || {
            error(
                line,
                "sheets is \"*\" (every visible sheet with the first one's header) or a list of sheet names (in quotes) or positions from 1".into(),
            )
        };
        let one = |value: &toml::Value| match value {
            toml::Value::String(name) => Some(SheetChoice::parse(name)),
            toml::Value::Integer(n) if *n > 0 => usize::try_from(*n).ok().map(SheetChoice::Index),
            _ => None,
        };
        settings.sheets = match sheets.get_ref() {
            toml::Value::Array(values) if !values.is_empty() => values
                .iter()
                .map(|v| one(v).ok_or_else(wrong))
                .collect::<Result<_, _>>()?,
            toml::Value::String(name) => vec![SheetChoice::parse(name)],
            _ => return Err(wrong()),
        };
    }
    if let Some(row) = raw.header_row {
        let line = line_of(row.span());
        let row = u64::try_from(*row.get_ref())
            .ok()
            .filter(|r| *r > 0)
            .ok_or_else(|| error(line, "header_row is a row number, from 1".into()))?;
        settings.header_row = Some(row);
    }
    if let Some(delimiter) = raw.delimiter {
        let line = line_of(delimiter.span());
        settings.delimiter =
            Some(parse_delimiter(delimiter.get_ref()).map_err(|m| error(line, m))?);
    }
    if let Some(encoding) = raw.encoding {
        let line = line_of(encoding.span());
        settings.encoding = Some(parse_encoding(encoding.get_ref()).map_err(|m| error(line, m))?);
    }
    if let Some(zone) = raw.timezone {
        let line = line_of(zone.span());
        let value =
            Zone::parse(zone.get_ref()).map_err(|e| error(line, format!("timezone: {e}")))?;
        settings.timezone = Some(Located { value, line });
    }
    if let Some(hidden) = raw.hidden_rows {
        settings.hidden_rows = match hidden.get_ref().as_str() {
            Some("warn") => HiddenRows::Warn,
            Some("skip") => HiddenRows::Skip,
            Some("read") => HiddenRows::Read,
            _ => {
                return Err(error(
                    line_of(hidden.span()),
                    format!(
                        "hidden_rows is {}, which it cannot be; write hidden_rows = \"skip\" to leave the rows hidden in a workbook out, \"read\" to read them as any other row, or \"warn\" (the default) to read them with a warning",
                        match hidden.get_ref() {
                            toml::Value::String(text) => echo(text),
                            toml::Value::Boolean(b) => b.to_string(),
                            toml::Value::Integer(n) => n.to_string(),
                            _ => "not a text".to_owned(),
                        }
                    ),
                ));
            }
        };
    }
    if let Some(format) = raw.date_format {
        let line = line_of(format.span());
        forms::check_date_format(format.get_ref()).map_err(|m| error(line, m))?;
        settings.date_format = Some(Located {
            line,
            value: format.into_inner(),
        });
    }
    Ok(settings)
}

/// Checks a value that `[values]` or `[defaults]` gives a field, the way a cell of the
/// field is read: a mistake here would make every row it touches invalid.
fn check_value(field: Field, text: &str) -> Result<(), String> {
    let read = match field {
        Field::RuleType => forms::enum_value(EnumField::RuleType, text).map(drop),
        Field::BonusType => forms::enum_value(EnumField::BonusType, text).map(drop),
        Field::Stage => forms::enum_value(EnumField::Stage, text).map(drop),
        Field::CurrencyType => forms::currency(text).map(drop),
        Field::PointBonus => forms::points(text).map(drop),
        Field::Amount => forms::amount(text).map(drop),
        // Which reading applies depends on each row's bonus_type: either will do here.
        Field::Value => forms::amount(text)
            .map(drop)
            .or_else(|_| forms::points(text).map(drop)),
        _ => return Ok(()),
    };
    read.map_err(|violation| format!("a value it cannot take: {violation}"))
}

/// A delimiter as written in a mapping file or on the command line: one ASCII character
/// (`,` `;` `|`), or `tab` / `\t`.
pub fn parse_delimiter(text: &str) -> Result<u8, String> {
    match text {
        "tab" | "\\t" | "\t" => Ok(b'\t'),
        _ if text.len() == 1
            && text.is_ascii()
            && !text.as_bytes()[0].is_ascii_alphanumeric()
            && text != "\"" =>
        {
            Ok(text.as_bytes()[0])
        }
        _ => Err(format!(
            "delimiter {} is not one character; use \",\", \";\", \"|\" or \"tab\"",
            echo(text)
        )),
    }
}

/// An encoding's name: utf-8, gbk (gb18030, gb2312), or auto.
pub fn parse_encoding(text: &str) -> Result<EncodingChoice, String> {
    match text.to_ascii_lowercase().as_str() {
        "utf-8" | "utf8" => Ok(EncodingChoice::Utf8),
        "gbk" | "gb18030" | "gb2312" => Ok(EncodingChoice::Gbk),
        "auto" => Ok(EncodingChoice::Auto),
        _ => Err(format!(
            "encoding {} is not one rewardsync reads; use \"utf-8\", \"gbk\" or \"auto\"",
            echo(text)
        )),
    }
}

/// A TOML value that can stand for a cell: a number or a text.
fn scalar(value: &Spanned<toml::Value>) -> Option<String> {
    match value.get_ref() {
        toml::Value::String(text) => Some(text.clone()),
        toml::Value::Integer(n) => Some(n.to_string()),
        toml::Value::Float(f) => Some(f.to_string()),
        _ => None,
    }
}

/// A key as it would be written in the mapping file.
fn toml_key(key: &str) -> String {
    format!("{key:?}")
}

/// Where each line of a text starts, to find the line of a byte offset.
struct LineStarts {
    /// The byte offset of every `\n`, in order.
    newlines: Vec<usize>,
}

impl LineStarts {
    fn new(text: &str) -> LineStarts {
        LineStarts {
            newlines: memchr::memchr_iter(b'\n', text.as_bytes()).collect(),
        }
    }

    /// The line a byte offset is on, from 1: one more than the newlines before it.
    fn line_at(&self, offset: usize) -> u64 {
        self.newlines.partition_point(|&at| at < offset) as u64 + 1
    }
}

/// The TOML parser's message, said for a mapping file's reader: the mistakes people make
/// in our words (a value of the wrong kind, a key given twice), anything else as the
/// parser says it, named as a TOML syntax error.
fn describe_toml_error(message: &str) -> String {
    let message = message.trim();
    if message.contains("unknown field") {
        return format!(
            "{message}; a typo must not silently change what is sent: check the key against the README's mapping file section"
        );
    }
    if message.starts_with("duplicate key") {
        return "this key is given twice in its table; keep one of them".to_owned();
    }
    if let Some((found, expected)) = message
        .strip_prefix("invalid type: ")
        .and_then(|rest| rest.split_once(", expected "))
    {
        let found = match found.split_once(' ') {
            Some(("integer" | "float", number)) => {
                format!("the number {}", number.trim_matches('`'))
            }
            Some(("string", text)) => format!("the text {text}"),
            Some(("boolean", value)) => format!("the value {}", value.trim_matches('`')),
            _ if found.starts_with("map") => "a table".to_owned(),
            _ if found.starts_with("sequence") => "a list".to_owned(),
            _ => found.to_owned(),
        };
        let takes = match expected {
            "a string" => "a text in double quotes",
            "i64" | "u64" | "an integer" => "a whole number",
            "a boolean" => "true or false",
            "a sequence" => "a list in brackets, e.g. [\"部门\"]",
            "a map" => "a table of keys and values",
            other => other,
        };
        return format!("this value is {found}, but the key takes {takes}");
    }
    format!("this is not valid TOML: {message}")
}

/// A TOML basic string: `"…"` with `"`, `\` and every control character escaped.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const EXAMPLE: &str = r#"
[source]
sheet = "奖励明细"
header_row = 2
delimiter = ";"
encoding = "gbk"
timezone = "Asia/Shanghai"
date_format = "%m/%d/%Y %H:%M"
ignore_columns = ["部门"]

[columns]
external_id = "奖励编号"
amount = "奖励金额(元)"

[values.rule_type]
"入职奖" = 1
"面试奖" = 2

[values.stage]
"已打款" = 3

[defaults]
currency_type = "CNY"
bonus_type = 2
"#;

    #[test]
    fn the_specs_example_reads() {
        let file = MapFile::parse("m.toml".into(), EXAMPLE).unwrap();
        assert_eq!(
            file.source.sheet,
            Some(SheetChoice::Name("奖励明细".into()))
        );
        assert_eq!(file.source.header_row, Some(2));
        assert_eq!(file.source.delimiter, Some(b';'));
        assert_eq!(file.source.encoding, Some(EncodingChoice::Gbk));
        assert_eq!(
            file.source.timezone.as_ref().unwrap().value.name(),
            "Asia/Shanghai"
        );
        assert_eq!(file.source.timezone.as_ref().unwrap().line, 7);
        assert_eq!(
            file.source.ignore_columns,
            [Located {
                value: "部门".into(),
                line: 9
            }]
        );
        assert!(file.columns.contains(&(
            Field::ExternalId,
            Located {
                value: "奖励编号".into(),
                line: 12
            }
        )));
        let (field, rule_types) = &file.values[0];
        assert_eq!(*field, Field::RuleType);
        assert_eq!(rule_types[0].0, "入职奖");
        assert_eq!(rule_types[0].1.value, "1");
        assert!(
            file.defaults
                .iter()
                .any(|(f, v)| *f == Field::BonusType && v.value == "2")
        );
    }

    #[test]
    fn hidden_rows_is_warn_unless_told() {
        let read = |text: &str| MapFile::parse("m.toml".into(), text).unwrap().source;
        assert_eq!(read("").hidden_rows, HiddenRows::Warn);
        for (value, expected) in [
            ("warn", HiddenRows::Warn),
            ("skip", HiddenRows::Skip),
            ("read", HiddenRows::Read),
        ] {
            let text = format!("[source]\nhidden_rows = \"{value}\"\n");
            assert_eq!(read(&text).hidden_rows, expected);
        }
    }

    #[test]
    fn lines_are_counted_at_and_around_line_breaks() {
        let lines = LineStarts::new("a\nbc\n\nd");
        for (offset, line) in [
            (0, 1),
            (1, 1),
            (2, 2),
            (4, 2),
            (5, 3),
            (6, 4),
            (7, 4),
            (99, 4),
        ] {
            assert_eq!(lines.line_at(offset), line, "offset {offset}");
        }
        assert_eq!(LineStarts::new("").line_at(0), 1);
    }

    /// 100,000 labels: found line by line from the top, this took over a minute (issue
    /// 19); the bound is some twenty times what it takes now in a debug build.
    #[test]
    fn a_large_values_table_reads_in_linear_time_with_its_lines() {
        let n = 100_000;
        let mut text = String::from("[values.rule_type]\n");
        for i in 0..n {
            text.push_str(&format!("\"label{i}\" = 1\n"));
        }
        text.push_str("\"bad\" = 9\n");
        let started = std::time::Instant::now();
        let err = MapFile::parse("m.toml".into(), &text).unwrap_err();
        let took = started.elapsed();
        assert_eq!(err.line, n + 2, "{err}");
        assert!(took < std::time::Duration::from_secs(10), "took {took:?}");
        text.truncate(text.len() - "\"bad\" = 9\n".len());
        let file = MapFile::parse("m.toml".into(), &text).unwrap();
        let (_, labels) = &file.values[0];
        assert_eq!(labels.len(), n as usize);
        assert!(
            labels
                .iter()
                .all(|(from, to)| to.line == from["label".len()..].parse::<u64>().unwrap() + 2)
        );
    }

    #[test]
    fn mistakes_name_their_line() {
        let cases = [
            ("[source]\nsheetz = 1\n", 2, "unknown field `sheetz`"),
            ("[source]\nsheets = 1\n", 2, "sheets is \"*\""),
            (
                "[colums]\nexternal_id = \"x\"\n",
                1,
                "unknown field `colums`",
            ),
            ("[columns]\nexternal_idd = \"x\"\n", 2, "not a field"),
            ("[defaults]\n\nbonus_typ = 2\n", 3, "not a field"),
            ("[source]\nheader_row = 0\n", 2, "from 1"),
            (
                "[source]\n\nhidden_rows = \"hide\"\n",
                3,
                "hidden_rows is \"hide\", which it cannot be; write hidden_rows = \"skip\"",
            ),
            ("[source]\nhidden_rows = true\n", 2, "hidden_rows is true,"),
            ("[source]\ndelimiter = \"ab\"\n", 2, "not one character"),
            (
                "[source]\nencoding = \"latin1\"\n",
                2,
                "not one rewardsync reads",
            ),
            ("[values.stage]\n\"x\" = [1]\n", 2, "not a number or a text"),
            (
                "[values.stage]\n\"已打款\" = 4\n",
                2,
                "[values.stage] maps \"已打款\" to a value it cannot take: \"4\" is not a stage",
            ),
            (
                "[defaults]\ncurrency_type = \"RMBX\"\n",
                2,
                "[defaults] gives currency_type a value it cannot take: unknown currency \"RMBX\"",
            ),
            (
                "[source]\ntimezone = \"Asia/Shanghia\"\n",
                2,
                "timezone: unknown time zone \"Asia/Shanghia\"",
            ),
            (
                "[source]\ndate_format = \"%H:%M\"\n",
                2,
                "does not give a whole date",
            ),
            ("[columns\n", 1, "this is not valid TOML: "),
            (
                "[columns]\namount = 1\n",
                2,
                "this value is the number 1, but the key takes a text in double quotes",
            ),
            (
                "[source]\nheader_row = \"2\"\n",
                2,
                "this value is the text \"2\", but the key takes a whole number",
            ),
            (
                "[source]\nignore_columns = \"部门\"\n",
                2,
                "but the key takes a list in brackets, e.g. [\"部门\"]",
            ),
            (
                "[source]\nignore_unknown_columns = \"yes\"\n",
                2,
                "but the key takes true or false",
            ),
            (
                "columns = 1\n",
                1,
                "but the key takes a table of keys and values",
            ),
            (
                "[columns]\namount = \"a\"\namount = \"b\"\n",
                3,
                "this key is given twice in its table; keep one of them",
            ),
        ];
        for (text, line, says) in cases {
            let err = MapFile::parse("m.toml".into(), text).unwrap_err();
            assert_eq!(err.line, line, "{text:?}: {err}");
            assert!(err.to_string().contains(says), "{text:?}: {err}");
            assert!(
                err.to_string().starts_with(&format!("m.toml:{line}: ")),
                "{err}"
            );
        }
    }
}
