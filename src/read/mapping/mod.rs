//! The mapping layer between a [`Source`](crate::read::source::Source) and validation: which
//! column is which field (the canonical names, the documentation's labels, and a mapping
//! file's `[columns]`), which columns are skipped, what an export's own values stand for
//! (`[values.FIELD]`), and what a field is when no column gives it (`[defaults]`).
//!
//! Validation asks a [`Mapped`] row for a field's [`Value`] and never learns where it
//! came from: a CSV or a workbook, a label or a default.

pub mod aliases;
pub mod file;
mod hidden;
mod reward_file;
pub mod suggest;

use std::collections::HashMap;

use crate::problem::{Problem, Rule};
use crate::read::field::{ERRORS_FILE_COLUMNS, Field};
use crate::read::source::{
    Cell, NAMES_SHOWN, Origin, Record, SourceError, cell_text, echo_all, unnamed_value,
};
use crate::text::echo;

pub use file::{HiddenRows, Located, MapFile, MapFileError, SourceSettings};
pub use hidden::HiddenRowsWarning;
pub use reward_file::{InputOptions, PartReader, Parts, RewardFile};

/// What stops a file's columns from being mapped to fields (or the file from being read:
/// the reader's own errors, as they are).
#[derive(Debug, thiserror::Error)]
pub enum MappingError {
    #[error(transparent)]
    Source(#[from] SourceError),
    /// A mapping file that does not fit the file it maps (its lines named).
    #[error(transparent)]
    File(#[from] MapFileError),
    #[error(
        "{path}: missing required column{plural} {missing}; the header has: {found}. Add the column{plural} (see the README's CSV format), or map or default {missing} with --map"
    )]
    MissingColumns {
        path: String,
        missing: String,
        plural: &'static str,
        found: String,
    },
    #[error(
        "{path}: missing column application_id or talent_id (or talent_email, talent_mobile to look the talent up); every reward needs its candidate"
    )]
    MissingCandidateColumn { path: String },
    #[error(
        "{path}: unknown column{plural} {unknown}; known columns are {known} (or the labels of Feishu's documentation). Rename the column{plural}, map them with --map (`rewardsync map suggest FILE` writes a mapping), or pass --ignore-unknown-columns to skip them"
    )]
    UnknownColumns {
        path: String,
        unknown: String,
        plural: &'static str,
        known: String,
    },
    #[error(
        "{path}: two columns name the field {name}: column {first} {first_name} and column {second} {second_name}; keep one of them (or map one elsewhere with --map)"
    )]
    DuplicateColumn {
        path: String,
        name: String,
        first: usize,
        second: usize,
        first_name: String,
        second_name: String,
    },
    #[error(
        "{map}:{line}: [columns] maps {field} to the column {column}, but {path} has no such column; its header has: {found}"
    )]
    MappedColumnMissing {
        map: String,
        line: u64,
        field: &'static str,
        column: String,
        path: String,
        found: String,
    },
    #[error(
        "{path}: {value} gives value (the one column for cash and points, read by each row's bonus_type), and {other} gives {field}; a row's cash or points must come from one place: {fix}, or drop value and keep amount and point_bonus in columns of their own"
    )]
    ValueBesideSeparate {
        path: String,
        /// Where value comes from: `column "金额（元）"` or `[defaults]`.
        value: String,
        /// Where the other field comes from, said the same way.
        other: String,
        field: &'static str,
        /// How to drop the other field, for where it comes from.
        fix: String,
    },
    #[error(
        "{map}:{line}: [skip] names {key}, which is neither a field a column of {path} gives nor a column of its header; the header has: {found}"
    )]
    SkipColumnMissing {
        map: String,
        line: u64,
        key: String,
        path: String,
        found: String,
    },
}

impl MappingError {
    /// True when the machine failed, not the input (exit 4).
    pub fn is_write_failure(&self) -> bool {
        matches!(self, MappingError::Source(e) if e.is_write_failure())
    }
}

/// What the mapping is built from: the mapping file, if any, and the flags.
#[derive(Debug, Clone, Copy, Default)]
pub struct MapSpec<'a> {
    /// `--map FILE`.
    pub file: Option<&'a MapFile>,
    /// `--ignore-unknown-columns` (or the mapping file's `ignore_unknown_columns`).
    pub ignore_unknown_columns: bool,
}

impl MapSpec<'_> {
    /// True when a header cell names a column the mapping knows: what the source looks
    /// for to find the header row and the delimiter.
    pub fn knows(&self, name: &str) -> bool {
        let name = name.trim();
        !name.is_empty()
            && (aliases::field_of(name).is_some()
                || self.file.is_some_and(|file| {
                    file.columns
                        .iter()
                        .any(|(_, header)| same_header(&header.value, name))
                })
                || self.skip_column(name))
    }

    /// True when `[skip]` names this header: a column read only to leave rows out.
    fn skip_column(&self, name: &str) -> bool {
        self.file.is_some_and(|file| {
            file.skip
                .iter()
                .any(|entry| same_header(&entry.key.value, name))
        })
    }

    fn ignored(&self, name: &str) -> bool {
        self.file.is_some_and(|file| {
            file.source
                .ignore_columns
                .iter()
                .any(|ignored| same_header(&ignored.value, name))
        })
    }
}

/// How messages name a field's column: the header as written, with the field's name when
/// they differ (`奖励金额(元) (amount)`).
fn display_name(header: &[String], i: usize, field: Field) -> String {
    if header[i] == field.name() {
        field.name().to_owned()
    } else {
        format!("{} ({})", header[i], field.name())
    }
}

/// Two header names are the same column when they normalize alike.
fn same_header(a: &str, b: &str) -> bool {
    crate::read::field::normalize(a.trim()) == crate::read::field::normalize(b.trim())
}

/// Where a [`Value`] came from.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Via<'a> {
    /// The file's own cell.
    File,
    /// A `[values.FIELD]` entry replaced the file's cell, shown here.
    Label(Cell<'a>),
    /// `[defaults]`: no column gives the field, or its cell is empty.
    Default,
}

/// A field's value in one row.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Value<'a> {
    /// The value: the file's cell, or the text a mapping entry gave.
    pub cell: Cell<'a>,
    /// Where it came from.
    pub via: Via<'a>,
}

impl Value<'_> {
    /// True when the field has no value in this row.
    pub fn is_missing(&self) -> bool {
        matches!(self.cell, Cell::Empty)
    }
}

/// Which column is which field, for one file's header.
#[derive(Debug, Clone)]
pub struct Mapping {
    origin: Origin,
    header: Vec<String>,
    columns: [Option<usize>; Field::COUNT],
    /// How messages name each field's column: the header as written, with the field's
    /// name when they differ (`奖励金额(元) (amount)`).
    display: Vec<String>,
    values: Vec<HashMap<String, String>>,
    defaults: Vec<Option<String>>,
    /// Columns without a name: their cells must be empty (Excel's trailing columns).
    unnamed: Vec<usize>,
    /// Columns the errors file adds (`line`, `row`, `errors`).
    errors_file: Vec<usize>,
    /// The fields a column or a default gives: every other is missing in every row.
    given: Vec<Field>,
    /// `[skip]`: the columns whose values leave a row out.
    skips: Vec<SkipColumn>,
    /// What to do with rows hidden in a workbook.
    hidden_rows: HiddenRows,
}

/// A `[skip]` line as it applies to this file: a column, and the values (trimmed, lower
/// case) whose rows are left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkipColumn {
    /// The column's index.
    pub column: usize,
    /// How messages name it.
    pub name: String,
    /// The values, trimmed and in lower case.
    pub values: Vec<String>,
}

impl Mapping {
    /// Matches `header` (the source's names, in column order) to the fields. Refuses a
    /// header that names a field twice, an unknown column (unless skipped), a mapped
    /// column the header lacks, and a header without the required fields.
    pub fn new(
        origin: &Origin,
        header_row: u64,
        header: &[String],
        spec: &MapSpec<'_>,
    ) -> Result<Mapping, MappingError> {
        let path = origin.at(header_row);
        let mut columns: [Option<usize>; Field::COUNT] = [None; Field::COUNT];
        let mut unknown = Vec::new();
        let mut unnamed = Vec::new();
        let mut errors_file = Vec::new();
        let taken = |field: Field, i: usize, columns: &mut [Option<usize>; Field::COUNT]| {
            if let Some(first) = columns[field.index()] {
                return Err(MappingError::DuplicateColumn {
                    path: path.clone(),
                    name: field.name().to_owned(),
                    first: first + 1,
                    second: i + 1,
                    first_name: echo(&header[first]),
                    second_name: echo(&header[i]),
                });
            }
            columns[field.index()] = Some(i);
            Ok(())
        };
        // A mapping file's [columns] first: they may rename a column whose header is also
        // some other field's label.
        let mut mapped = vec![false; header.len()];
        if let Some(file) = spec.file {
            for (field, wanted) in &file.columns {
                let Some(i) = header
                    .iter()
                    .position(|name| same_header(name, &wanted.value))
                else {
                    return Err(MappingError::MappedColumnMissing {
                        map: file.path.clone(),
                        line: wanted.line,
                        field: field.name(),
                        column: echo(&wanted.value),
                        path: origin.to_string(),
                        found: echo_all(header),
                    });
                };
                taken(*field, i, &mut columns)?;
                mapped[i] = true;
            }
            read_or_skipped(file, header, &mapped, &origin.to_string())?;
        }
        for (i, name) in header.iter().enumerate() {
            if mapped[i] {
                continue;
            }
            if name.is_empty() {
                unnamed.push(i);
            } else if spec.ignored(name) {
            } else if let Some(field) = aliases::field_of(name) {
                taken(field, i, &mut columns)?;
            } else if spec.skip_column(name) {
                // Read only for [skip]: known, not a field.
            } else if ERRORS_FILE_COLUMNS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
            {
                errors_file.push(i);
            } else if !spec.ignore_unknown_columns {
                unknown.push(echo(name));
            }
        }
        if !unknown.is_empty() {
            return Err(MappingError::UnknownColumns {
                path: path.clone(),
                plural: plural(unknown.len()),
                unknown: crate::text::list(&unknown, NAMES_SHOWN),
                known: Field::ALL.map(Field::name).join(", "),
            });
        }
        let mut values = vec![HashMap::new(); Field::COUNT];
        let mut defaults = vec![None; Field::COUNT];
        if let Some(file) = spec.file {
            for (field, entries) in &file.values {
                values[field.index()].extend(
                    entries
                        .iter()
                        .map(|(from, to)| (from.clone(), to.value.clone())),
                );
            }
            for (field, value) in &file.defaults {
                defaults[field.index()] = Some(value.value.clone());
            }
        }
        let given =
            |field: Field| columns[field.index()].is_some() || defaults[field.index()].is_some();
        let mut missing: Vec<&str> = Field::REQUIRED
            .into_iter()
            .filter(|f| !given(*f))
            .map(Field::name)
            .collect();
        if !Field::REFERRER.into_iter().any(given) {
            missing.insert(
                0,
                "referral_user_id (or referral_user_email, referral_user_mobile)",
            );
        }
        if !missing.is_empty() {
            return Err(MappingError::MissingColumns {
                path: path.clone(),
                plural: plural(missing.len()),
                missing: missing.join(", "),
                found: echo_all(header),
            });
        }
        if !Field::CANDIDATE.into_iter().any(given) {
            return Err(MappingError::MissingCandidateColumn { path });
        }
        // The value column fills amount or point_bonus row by row: beside either, one of
        // the two would be read from two places.
        if given(Field::Value) {
            let from = |field: Field| match columns[field.index()] {
                Some(i) => format!("column {}", echo(&header[i])),
                None => "[defaults]".to_owned(),
            };
            if let Some(other) = [Field::Amount, Field::PointBonus]
                .into_iter()
                .find(|f| given(*f))
            {
                let fix = match columns[other.index()] {
                    Some(i) if mapped[i] => format!(
                        "delete the line {other} = {} under [columns]",
                        file::toml_string(&header[i])
                    ),
                    Some(i) => format!(
                        "leave that column out with ignore_columns = [{}] under [source] in the mapping file",
                        file::toml_string(&header[i])
                    ),
                    None => format!("delete {other} under [defaults]"),
                };
                return Err(MappingError::ValueBesideSeparate {
                    path,
                    value: from(Field::Value),
                    other: from(other),
                    field: other.name(),
                    fix,
                });
            }
        }
        let display = Field::ALL
            .iter()
            .map(|field| match columns[field.index()] {
                Some(i) => display_name(header, i, *field),
                None => field.name().to_owned(),
            })
            .collect();
        let given = Field::ALL
            .into_iter()
            .filter(|f| columns[f.index()].is_some() || defaults[f.index()].is_some())
            .collect();
        let mut skips = Vec::new();
        if let Some(file) = spec.file {
            for entry in &file.skip {
                let by_field = Field::from_canonical(&entry.key.value)
                    .and_then(|field| columns[field.index()].map(|i| (i, field)));
                let (column, name) = match by_field {
                    Some((i, field)) => (i, display_name(header, i, field)),
                    None => {
                        let i = header
                            .iter()
                            .position(|name| same_header(name, &entry.key.value))
                            .ok_or_else(|| MappingError::SkipColumnMissing {
                                map: file.path.clone(),
                                line: entry.key.line,
                                key: echo(&entry.key.value),
                                path: origin.to_string(),
                                found: echo_all(header),
                            })?;
                        (i, header[i].clone())
                    }
                };
                skips.push(SkipColumn {
                    column,
                    name,
                    values: entry.values.clone(),
                });
            }
        }
        Ok(Mapping {
            origin: origin.clone(),
            header: header.to_vec(),
            columns,
            display,
            values,
            defaults,
            unnamed,
            errors_file,
            given,
            skips,
            hidden_rows: spec
                .file
                .map_or_else(HiddenRows::default, |f| f.source.hidden_rows),
        })
    }

    /// What to do with rows hidden in a workbook (`hidden_rows` in the mapping file).
    pub fn hidden_rows(&self) -> HiddenRows {
        self.hidden_rows
    }

    /// `[skip]`: the columns whose values leave a row out.
    pub fn skips(&self) -> &[SkipColumn] {
        &self.skips
    }

    /// Where the rows come from.
    pub fn origin(&self) -> &Origin {
        &self.origin
    }

    /// The header, as the source read it.
    pub fn header(&self) -> &[String] {
        &self.header
    }

    /// True when the file can give `field`: a column of it, or a `[defaults]` value.
    pub fn gives(&self, field: Field) -> bool {
        self.column_of(field).is_some() || self.defaults[field.index()].is_some()
    }

    /// The column a field comes from, if one does.
    pub fn column_of(&self, field: Field) -> Option<usize> {
        self.columns[field.index()]
    }

    /// How messages name a field's column.
    pub fn name_of(&self, field: Field) -> &str {
        &self.display[field.index()]
    }

    /// The field a column holds, if any.
    pub fn field_at(&self, column: usize) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|field| self.columns[field.index()] == Some(column))
    }

    /// True for a column that the errors file adds (`line`, `row`, `errors`): skipped on
    /// input, replaced on output.
    pub fn is_errors_file_column(&self, column: usize) -> bool {
        self.errors_file.contains(&column)
    }

    /// One row seen through the mapping.
    pub fn row<'a>(&'a self, record: &'a Record) -> Mapped<'a> {
        Mapped {
            mapping: self,
            record,
        }
    }
}

/// Refuses an `ignore_columns` entry that names only columns `[columns]` maps: the
/// column is read, and the entry that says to skip it does nothing. (Naming a mapped
/// column there is how a mapping keeps the first of several columns of one name and skips
/// the others, as `map suggest` writes it: that is fine while there are others.)
fn read_or_skipped(
    file: &MapFile,
    header: &[String],
    mapped: &[bool],
    path: &str,
) -> Result<(), MappingError> {
    for ignored in &file.source.ignore_columns {
        let named: Vec<usize> = (0..header.len())
            .filter(|&i| same_header(&header[i], &ignored.value))
            .collect();
        if named.is_empty() || named.iter().any(|&i| !mapped[i]) {
            continue;
        }
        let Some((field, column)) = file
            .columns
            .iter()
            .find(|(_, column)| same_header(&column.value, &ignored.value))
        else {
            continue;
        };
        return Err(MappingError::File(MapFileError {
            path: file.path.clone(),
            line: ignored.line,
            message: format!(
                "ignore_columns skips the column {} of {path}, which [columns] maps {field} to on line {}; a column is either read or skipped: delete it from ignore_columns to read it as {field}, or delete line {} to skip it",
                echo(&ignored.value),
                column.line,
                column.line
            ),
        }));
    }
    Ok(())
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// One row, field by field.
#[derive(Debug, Clone, Copy)]
pub struct Mapped<'a> {
    mapping: &'a Mapping,
    record: &'a Record,
}

impl<'a> Mapped<'a> {
    /// The row as read.
    pub fn record(&self) -> &'a Record {
        self.record
    }

    /// The mapping.
    pub fn mapping(&self) -> &'a Mapping {
        self.mapping
    }

    /// Every field's value, by [`Field::index`]: [`Mapped::get`] of each, computed only for
    /// the fields the mapping gives (a row is read 32 fields wide, most often from 10).
    pub fn values(&self) -> [Value<'a>; Field::COUNT] {
        let mut values = [Value {
            cell: Cell::Empty,
            via: Via::File,
        }; Field::COUNT];
        for &field in &self.mapping.given {
            values[field.index()] = self.get(field);
        }
        values
    }

    /// A field's value: the file's cell, relabeled by `[values]`, or the `[defaults]`
    /// value when the cell is empty or no column gives the field.
    pub fn get(&self, field: Field) -> Value<'a> {
        let cell = self
            .mapping
            .column_of(field)
            .map_or(Cell::Empty, |i| self.record.cell(i));
        let labels = &self.mapping.values[field.index()];
        if !labels.is_empty() && !matches!(cell, Cell::Empty) {
            let text = cell_text(cell);
            if let Some(to) = labels.get(&text.trim().to_lowercase()) {
                return Value {
                    cell: Cell::Text(to),
                    via: Via::Label(cell),
                };
            }
        }
        match (&self.mapping.defaults[field.index()], cell) {
            (Some(default), Cell::Empty) => Value {
                cell: Cell::Text(default),
                via: Via::Default,
            },
            _ => Value {
                cell,
                via: Via::File,
            },
        }
    }

    /// Problems of the row that no field's rule sees: a value under a column with no name.
    pub fn problems(&self) -> Vec<Problem> {
        self.mapping
            .unnamed
            .iter()
            .filter_map(|&i| match self.record.cell(i) {
                Cell::Empty => None,
                cell => Some(Problem::error(
                    None,
                    Rule::Ragged,
                    unnamed_value(&cell_text(cell), i),
                )),
            })
            .collect()
    }
}
