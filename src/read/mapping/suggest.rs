//! `rewardsync map suggest FILE` (SPEC §2.2): a mapping file written for a legacy export,
//! from its header and its data.
//!
//! The header is found among the first rows by a looser test than validation's (a
//! field's name, a documented label, or words that stand for a field: 奖励编号, 推荐人,
//! 发放日期), so a title row above it is skipped. Each column is matched to a field
//! (`headers`), the match weighed against the column's values, and every data row is
//! read once, streaming, keeping at most [`DISTINCT_VALUES`] distinct values a column:
//! times without an offset ask for a `timezone`, dates whose day and month could be
//! either way round for a `date_format`, enum values that are no documented label for
//! `[values]` entries (`values`), and amounts without a currency for `[defaults]`.
//! [`Suggestion::to_toml`] writes it all as a mapping file that [`MapFile::parse`] reads,
//! each choice with a comment saying how sure it is.
//!
//! [`MapFile::parse`]: super::MapFile::parse

mod headers;
mod value_column;
mod values;
mod words;
mod write;

use std::collections::{BTreeMap, HashMap};
use std::path::Path;

pub use headers::{CloseMatch, Confidence, close_match};

use self::headers::HeaderWords;
use self::values::ValueGuess;
use super::aliases;
use crate::problem::Rule;
use crate::read::field::{ERRORS_FILE_COLUMNS, Field};
use crate::read::forms::{self, EnumField, TimeError, TimeInput, TimeSettings};
use crate::read::source::{
    Cell, Encoding, HEADER_SEARCH_ROWS, Record, Source, SourceError, SourceKind, SourceOptions,
    cell_text,
};
use crate::text::echo;

/// How many distinct values of a column are kept (an enum column has a handful; more
/// means it is no enum column, and memory stays bounded whatever the file).
pub const DISTINCT_VALUES: usize = 50;

/// Values longer than this are kept out of the distinct values: no enum label is so long.
const DISTINCT_VALUE_CHARS: usize = 64;

/// Why no mapping could be suggested.
#[derive(Debug, thiserror::Error)]
pub enum SuggestError {
    /// The file cannot be read, or has no such sheet or row.
    #[error(transparent)]
    Input(#[from] SourceError),
    /// No row among the first ones names a column.
    #[error(
        "{path}: no header found: rows {first} to {last} hold no column name that rewardsync knows or recognises (such as 奖励ID, 推荐人, 金额, 状态, 发放日期); pass --header-row N with the row that holds the column names"
    )]
    NoHeader {
        /// The file (and sheet).
        path: String,
        /// The first row looked at.
        first: u64,
        /// The last row looked at.
        last: u64,
    },
}

/// What the suggestion does with one column of the export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// The header is the field's canonical name (`label` false) or a documented label:
    /// read as the field with no entry.
    Known {
        /// The field.
        field: Field,
        /// True for a documented label, false for the canonical name.
        label: bool,
    },
    /// `[columns]` maps the column to the field.
    Mapped {
        /// The field.
        field: Field,
        /// How sure the match is.
        confidence: Confidence,
        /// Why, in words.
        because: String,
    },
    /// Under `ignore_columns`.
    Ignored {
        /// Why, in words.
        why: String,
    },
    /// Nothing to write: a column with no name, or one the errors file adds.
    Skipped {
        /// Why, in words.
        why: String,
    },
}

/// One column of the export and what the suggestion does with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Column {
    /// The header, as the file writes it (trimmed).
    pub name: String,
    /// What is done with it.
    pub outcome: Outcome,
}

impl Column {
    /// The field the column is read as, if any.
    pub fn field(&self) -> Option<Field> {
        match self.outcome {
            Outcome::Known { field, .. } | Outcome::Mapped { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// A mapping file suggested for an export.
#[derive(Debug, Clone)]
pub struct Suggestion {
    /// The file, as the user named it.
    file: String,
    /// For a workbook: the sheet read, and whether `--sheet` named it.
    sheet: Option<(String, bool)>,
    /// For a workbook: its other visible sheets (read too with `sheets = "*"` when their
    /// header is this one's), and the sheets before the one read that hold no rewards.
    sheets: OtherSheets,
    header: HeaderRow,
    /// True for a GBK CSV (the default reading is UTF-8).
    gbk: bool,
    /// A CSV's delimiter when it is not the comma, and whether `--delimiter` gave it.
    delimiter: Option<(u8, bool)>,
    /// Data rows read.
    rows: u64,
    columns: Vec<Column>,
    /// The first time that needs a zone: its column and the value.
    zone: Option<(String, String)>,
    dates: Option<Dates>,
    values: Vec<EnumValues>,
    defaults: Vec<Line>,
    /// Comments for required fields no column gives.
    missing: Vec<Line>,
    /// `[skip]` lines: columns whose values say a reward was voided.
    skips: Vec<Line>,
}

/// Values that say a reward was voided or withdrawn: a column holding one is proposed under
/// `[skip]` (compared trimmed, in any case).
const VOIDED: [&str; 12] = [
    "作废",
    "已作废",
    "撤销",
    "已撤销",
    "取消",
    "已取消",
    "无效",
    "void",
    "voided",
    "cancelled",
    "canceled",
    "revoked",
];

/// Where the header is, and how that was decided.
#[derive(Debug, Clone)]
struct HeaderRow {
    row: u64,
    given: bool,
    /// The first cell of the rows above it, if any (a title).
    above: Option<String>,
}

/// Distinct values of one enum column, and what each becomes.
#[derive(Debug, Clone)]
struct EnumValues {
    field: EnumField,
    column: String,
    values: Vec<Distinct>,
    /// More distinct values than were kept.
    overflow: bool,
}

/// A line of the suggested file: TOML (or a commented-out line), and its comment.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    code: String,
    comment: String,
}

impl Line {
    fn new(code: impl Into<String>, comment: impl Into<String>) -> Line {
        Line {
            code: code.into(),
            comment: comment.into(),
        }
    }
}

impl Suggestion {
    /// The mapping file, as TOML with comments.
    pub fn to_toml(&self) -> String {
        write::toml(self)
    }

    /// The export's columns, in file order, with what is done with each.
    pub fn columns(&self) -> &[Column] {
        &self.columns
    }

    /// The row the header was read from.
    pub fn header_row(&self) -> u64 {
        self.header.row
    }
}

/// Reads `path` (a CSV or a workbook) and suggests a mapping file for it. `options` are
/// the flags: the sheet, the header row (found when None), the delimiter and encoding.
pub fn suggest(path: &Path, options: &SourceOptions) -> Result<Suggestion, SuggestError> {
    let given_row = options.header_row.is_some();
    let (probe, options, sheets) = choose_sheet(path, options)?;
    let options = &options;
    // The probe that found the header goes on as the reader when the header is its first
    // row: the file is opened once (a workbook's shared strings are read once).
    let (row, probe) = match options.header_row {
        Some(row) => (row, probe.at(row)),
        None => {
            let row = probe.header()?;
            (row, probe.at(row))
        }
    };
    let (mut source, read_ahead) = match probe {
        Some(found) => found,
        None => (
            Source::open(
                path,
                &SourceOptions {
                    header_row: Some(row),
                    ..options.clone()
                },
                &recognised,
            )?,
            Vec::new(),
        ),
    };
    let mut read_ahead = read_ahead.into_iter();
    let mut drafts = drafts(source.names());
    // Money columns are also seen by each row's bonus type: one may be the value column.
    let bonus = drafts
        .iter()
        .position(|d| d.kind == Kind::Enum(EnumField::BonusType));
    let mut by_bonus: Vec<value_column::ByBonus> =
        drafts.iter().map(|_| Default::default()).collect();
    let mut rows = 0;
    loop {
        let record = match read_ahead.next() {
            Some(record) => record,
            None => match source.next_record()? {
                Some(record) => record,
                None => break,
            },
        };
        if crate::read::forms::totals::not_a_reward(&record).is_some() {
            // A 合计 row or a note says nothing of what the columns hold.
            continue;
        }
        rows += 1;
        for (i, draft) in drafts.iter_mut().enumerate() {
            draft.stats.observe(&record, i, draft.kind);
        }
        if let Some(row_bonus) = bonus.and_then(|b| value_column::row_bonus(&record, b)) {
            for (i, draft) in drafts.iter().enumerate() {
                if draft.kind == Kind::Amount {
                    by_bonus[i].observe(record.cell(i), row_bonus);
                }
            }
        }
    }
    for draft in &mut drafts {
        draft.weigh();
    }
    let mut columns = assign(&drafts);
    value_column::propose(&mut columns, &by_bonus, bonus);

    let origin = source.origin();
    let header = HeaderRow {
        row: source.header_row(),
        given: given_row,
        above: source
            .preamble()
            .iter()
            .flatten()
            .find(|cell| !cell.trim().is_empty())
            .cloned(),
    };
    let (gbk, delimiter) = match source.kind() {
        SourceKind::Csv(encoding) => (
            encoding == Encoding::Gb18030,
            (source.delimiter() != b',').then(|| (source.delimiter(), options.delimiter.is_some())),
        ),
        SourceKind::Workbook(_) => (false, None),
    };
    let assigned = |field: Field| -> Option<(&Column, &Draft)> {
        columns
            .iter()
            .zip(&drafts)
            .find(|(column, _)| column.field() == Some(field))
    };
    let time_columns: Vec<(&Column, &Draft)> = Field::ALL
        .into_iter()
        .filter(|f| kind_of(*f) == Kind::Time)
        .filter_map(assigned)
        .collect();
    let zone = time_columns.iter().find_map(|(column, draft)| {
        draft
            .stats
            .needs_zone
            .clone()
            .map(|value| (column.name.clone(), value))
    });
    let dates = Dates::of(
        time_columns
            .iter()
            .filter(|(_, draft)| draft.stats.dates.count > 0)
            .map(|(column, draft)| (column.name.as_str(), &draft.stats.dates)),
        source.kind().position_word(),
    );
    let values = [EnumField::RuleType, EnumField::BonusType, EnumField::Stage]
        .into_iter()
        .filter_map(|which| {
            let field = enum_field(which);
            let (column, draft) = assigned(field)?;
            Some(EnumValues {
                field: which,
                column: column.name.clone(),
                values: draft.stats.distinct.values.clone(),
                overflow: draft.stats.distinct.overflow,
            })
        })
        .collect();
    let defaults = defaults(&assigned);
    let missing = missing(&assigned);
    let mut skips = Vec::new();
    for (column, draft) in columns.iter_mut().zip(&drafts) {
        let Some(line) = skip_line(column, &draft.stats.distinct) else {
            continue;
        };
        skips.push(line);
        if matches!(column.outcome, Outcome::Ignored { .. }) {
            // Read for [skip] alone: not a column to leave out.
            column.outcome = Outcome::Skipped {
                why: format!(
                    "{}: read only by [skip] below, which leaves its voided rows out",
                    column.name
                ),
            };
        }
    }
    Ok(Suggestion {
        file: origin.file.clone(),
        sheet: origin.sheet.clone().map(|name| (name, sheets.given)),
        sheets,
        header,
        gbk,
        delimiter,
        rows,
        columns,
        zone,
        dates,
        values,
        defaults,
        missing,
        skips,
    })
}

/// The `[skip]` line for a column whose values say some rewards were voided, if it has any.
fn skip_line(column: &Column, distinct: &Distincts) -> Option<Line> {
    let voided: Vec<&Distinct> = distinct
        .values
        .iter()
        .filter(|d| VOIDED.contains(&d.text.to_lowercase().as_str()))
        .collect();
    if voided.is_empty() {
        return None;
    }
    let key = match column.field() {
        Some(field) => field.name().to_owned(),
        None => write::toml_string(&column.name),
    };
    let values: Vec<String> = voided.iter().map(|d| write::toml_string(&d.text)).collect();
    let rows: u64 = voided.iter().map(|d| d.rows).sum();
    Some(Line::new(
        format!("{key} = [{}]", values.join(", ")),
        format!(
            "{} {} voided: left out, counted as skipped (delete the line to import them)",
            crate::text::counted(rows, "row"),
            if rows == 1 {
                "says it was"
            } else {
                "say they were"
            }
        ),
    ))
}

/// True when a header cell is a field's name, a documented label, or a close match: the
/// looser test that finds an export's header (and a CSV's delimiter).
fn recognised(name: &str) -> bool {
    aliases::field_of(name).is_some() || close_match(name).is_some()
}

/// How many recognised names make a header a table of rewards (an id, a referrer, a rule,
/// a stage…): a summary sheet's 月份, 笔数, 金额合计 make one at most.
const REWARDS_HEADER: usize = 3;

/// A workbook's sheets besides the one read, as `map suggest` reports them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OtherSheets {
    /// Whether `--sheet` named the sheet read.
    pub given: bool,
    /// The visible sheets before it whose header holds no table of rewards (a 汇总).
    pub passed: Vec<String>,
    /// The visible worksheets after it.
    pub after: Vec<String>,
}

/// The sheet to read: the one `--sheet` names, else the first visible sheet whose header
/// holds a table of rewards (not a summary), else the first. The options to read it
/// with, and the workbook's other sheets.
fn choose_sheet(
    path: &Path,
    options: &SourceOptions,
) -> Result<(Probe, SourceOptions, OtherSheets), SuggestError> {
    let given = !options.sheets.is_empty();
    let mut probe = find_header(path, options)?;
    let visible = probe.source.visible_sheets().to_vec();
    let first = probe.source.origin().sheet.clone();
    let mut sheets = OtherSheets {
        given,
        ..OtherSheets::default()
    };
    let Some(first) = first else {
        return Ok((probe, options.clone(), sheets));
    };
    let mut chosen = first.clone();
    if !given && probe.score < REWARDS_HEADER {
        let later = visible.iter().skip_while(|s| **s != first).skip(1);
        for name in later {
            let at = SourceOptions {
                sheets: vec![crate::read::source::SheetChoice::Name(name.clone())],
                ..options.clone()
            };
            let Ok(next) = find_header(path, &at) else {
                continue;
            };
            if next.score >= REWARDS_HEADER {
                sheets.passed = visible
                    .iter()
                    .skip_while(|s| **s != first)
                    .take_while(|s| *s != name)
                    .cloned()
                    .collect();
                chosen = name.clone();
                probe = next;
                break;
            }
        }
    }
    sheets.after = visible
        .iter()
        .skip_while(|s| **s != chosen)
        .skip(1)
        .cloned()
        .collect();
    let options = SourceOptions {
        sheets: vec![crate::read::source::SheetChoice::Name(chosen)],
        ..options.clone()
    };
    Ok((probe, options, sheets))
}

/// The header found by [`find_header`], with the source that found it.
struct Probe {
    /// The header's row.
    row: u64,
    /// How many names it recognises.
    score: usize,
    source: Source,
    /// The rows read past the probe's header (row 1) while looking.
    read: Vec<Record>,
    /// The first and last rows looked at.
    searched: (u64, u64),
}

impl Probe {
    /// The header's row; an error when no row looked at names a known column.
    fn header(&self) -> Result<u64, SuggestError> {
        if self.score == 0 {
            return Err(SuggestError::NoHeader {
                path: self.source.origin().to_string(),
                first: self.searched.0,
                last: self.searched.1,
            });
        }
        Ok(self.row)
    }

    /// The probe as the reader of the file, with the rows it read ahead, when the header
    /// is on `row`, the row it took for one (row 1).
    fn at(self, row: u64) -> Option<(Source, Vec<Record>)> {
        (row == self.source.header_row()).then_some((self.source, self.read))
    }
}

/// The row among the first [`HEADER_SEARCH_ROWS`] that holds the most recognised names
/// (the first of equals): a title above the header names one at most, a data row rarely
/// any.
fn find_header(path: &Path, options: &SourceOptions) -> Result<Probe, SuggestError> {
    let mut probe = Source::open(
        path,
        &SourceOptions {
            header_row: Some(1),
            ..options.clone()
        },
        &recognised,
    )?;
    let mut rows = vec![(probe.header_row(), probe.names().to_vec())];
    let mut read = Vec::new();
    while let Some(record) = probe.next_record()? {
        if record.row <= HEADER_SEARCH_ROWS {
            let cells = (0..record.len())
                .map(|i| record.text(i).trim().to_owned())
                .collect();
            rows.push((record.row, cells));
        }
        let past = record.row > HEADER_SEARCH_ROWS;
        read.push(record);
        if past {
            break;
        }
    }
    let score = |cells: &[String]| cells.iter().filter(|c| recognised(c)).count();
    let mut best = (0, 0);
    for (row, cells) in &rows {
        let named = score(cells);
        if named > best.0 {
            best = (named, *row);
        }
    }
    let searched = (
        rows.first().map_or(1, |(row, _)| *row),
        rows.last().map_or(1, |(row, _)| *row),
    );
    Ok(Probe {
        row: best.1,
        score: best.0,
        source: probe,
        read,
        searched,
    })
}

/// What a column's cells are checked as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Id,
    Email,
    Mobile,
    Text,
    Enum(EnumField),
    Points,
    Currency,
    Amount,
    Time,
    /// No field yet: its values may still say what it is.
    Unknown,
}

fn kind_of(field: Field) -> Kind {
    match field {
        Field::ReferralUserId
        | Field::ExternalId
        | Field::ApplicationId
        | Field::TalentId
        | Field::JobId
        | Field::CreateUserId
        | Field::ConfirmUserId
        | Field::PayUserId => Kind::Id,
        Field::ReferralUserEmail
        | Field::TalentEmail
        | Field::CreateUserEmail
        | Field::ConfirmUserEmail
        | Field::PayUserEmail => Kind::Email,
        Field::ReferralUserMobile
        | Field::TalentMobile
        | Field::CreateUserMobile
        | Field::ConfirmUserMobile
        | Field::PayUserMobile => Kind::Mobile,
        Field::Reason | Field::Comment => Kind::Text,
        Field::RuleType => Kind::Enum(EnumField::RuleType),
        Field::BonusType => Kind::Enum(EnumField::BonusType),
        Field::Stage => Kind::Enum(EnumField::Stage),
        Field::PointBonus => Kind::Points,
        Field::CurrencyType => Kind::Currency,
        // The value column is money-like: its points show only beside the bonus_type.
        Field::Amount | Field::Value => Kind::Amount,
        Field::CreateTime
        | Field::ConfirmTime
        | Field::PayTime
        | Field::OnboardTime
        | Field::ConversionTime => Kind::Time,
    }
}

fn enum_field(which: EnumField) -> Field {
    match which {
        EnumField::RuleType => Field::RuleType,
        EnumField::BonusType => Field::BonusType,
        EnumField::Stage => Field::Stage,
    }
}

const ENUMS: [EnumField; 3] = [EnumField::Stage, EnumField::RuleType, EnumField::BonusType];

/// What one value of a kind is called in comments, and many of them.
fn kind_words(kind: Kind) -> (String, String) {
    let (one, many) = match kind {
        Kind::Id => ("an id", "ids"),
        Kind::Email => ("an e-mail address", "e-mail addresses"),
        Kind::Mobile => ("a mobile number", "mobile numbers"),
        Kind::Text | Kind::Unknown => ("text", "text"),
        Kind::Enum(which) => return (format!("a {}", which.name()), format!("{}s", which.name())),
        Kind::Points => ("a number of points", "numbers of points"),
        Kind::Currency => ("a currency", "currencies"),
        Kind::Amount => ("an amount", "amounts"),
        Kind::Time => ("a time", "times"),
    };
    (one.to_owned(), many.to_owned())
}

/// A column's header and what it may be, before the data is read.
#[derive(Debug)]
struct Draft {
    name: String,
    kind: Kind,
    candidate: Option<Candidate>,
    /// Why it is nothing, when that is worth saying.
    note: Option<String>,
    /// Set for a column with no name or one the errors file adds: never written.
    skipped: Option<String>,
    stats: Stats,
}

/// A field a column may be, and how strongly.
#[derive(Debug, Clone)]
enum Candidate {
    Known { field: Field, label: bool },
    Close(CloseMatch),
}

impl Candidate {
    fn field(&self) -> Field {
        match self {
            Candidate::Known { field, .. } => *field,
            Candidate::Close(found) => found.field,
        }
    }

    /// Known names beat close matches; close matches go by confidence.
    fn strength(&self) -> u8 {
        match self {
            Candidate::Known { label: false, .. } => 5,
            Candidate::Known { label: true, .. } => 4,
            Candidate::Close(found) => match found.confidence {
                Confidence::Sure => 3,
                Confidence::Likely => 2,
                Confidence::Guess => 1,
            },
        }
    }

    fn describe(&self) -> String {
        match self {
            Candidate::Known { label: false, .. } => "its canonical name".into(),
            Candidate::Known { label: true, .. } => "a documented label".into(),
            Candidate::Close(found) => format!("{}: {}", found.confidence.word(), found.because),
        }
    }
}

/// Every column's draft, from the header alone.
fn drafts(names: &[String]) -> Vec<Draft> {
    let mut seen: HashMap<String, usize> = HashMap::new();
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let mut draft = Draft {
                name: name.clone(),
                kind: Kind::Unknown,
                candidate: None,
                note: None,
                skipped: None,
                stats: Stats::default(),
            };
            let normal = crate::read::field::normalize(name).into_owned();
            if name.is_empty() {
                draft.skipped = Some(format!(
                    "column {} has no name: its cells must be empty",
                    i + 1
                ));
                return draft;
            }
            if ERRORS_FILE_COLUMNS
                .iter()
                .any(|c| c.eq_ignore_ascii_case(name))
            {
                draft.skipped = Some(format!(
                    "{name}: a column the errors file adds, skipped on reading"
                ));
                return draft;
            }
            if let Some(first) = seen.get(&normal) {
                // Mapping a column finds the first column of that name: a second one can
                // only be skipped.
                draft.note = Some(format!(
                    "a second column named like column {} ({}): rename one of them to use it",
                    first + 1,
                    names[*first]
                ));
                return draft;
            }
            seen.insert(normal, i);
            if let Some(field) = aliases::field_of(name) {
                let label = crate::read::field::normalize(field.name())
                    != crate::read::field::normalize(name);
                draft.candidate = Some(Candidate::Known { field, label });
            } else {
                match headers::header_words(name) {
                    HeaderWords::Match(found) => draft.candidate = Some(Candidate::Close(found)),
                    HeaderWords::RuledOut(why) => draft.note = Some(why),
                    HeaderWords::RowNumber => draft.note = Some("numbers the rows".into()),
                    HeaderWords::Nothing => {}
                }
            }
            draft.kind = draft
                .candidate
                .as_ref()
                .map_or(Kind::Unknown, |c| kind_of(c.field()));
            draft
        })
        .collect()
}

impl Draft {
    /// Weighs a close match against the column's values: surer when every value reads
    /// as the field's, less sure (or no match) when most do not. A column without a
    /// match may still be one by its values alone (all of them stage labels).
    fn weigh(&mut self) {
        let stats = &self.stats;
        match &self.candidate {
            Some(Candidate::Close(found)) => {
                let found = found.clone();
                if stats.values == 0 || self.kind == Kind::Text {
                    return;
                }
                if let (Kind::Enum(which), true) = (self.kind, stats.read * 2 < stats.values) {
                    // The header says one enum, the values another (类型 holding 现金).
                    if let Some(other) = ENUMS
                        .into_iter()
                        .find(|other| *other != which && stats.distinct.all_labels_of(*other))
                    {
                        self.candidate = Some(Candidate::Close(CloseMatch {
                            field: enum_field(other),
                            confidence: Confidence::Likely,
                            because: format!(
                                "{}, but its values are {} labels ({})",
                                found.because,
                                other.name(),
                                stats.distinct.examples(3)
                            ),
                        }));
                        self.kind = Kind::Enum(other);
                        return;
                    }
                }
                let (one, many) = kind_words(self.kind);
                let example = stats.unread.clone().unwrap_or_default();
                let unread = stats.values - stats.read;
                let (confidence, because) = if unread == 0 {
                    match self.kind {
                        Kind::Enum(which) => (
                            Some(found.confidence.up()),
                            format!(
                                "{}; every value is a {} or has one below",
                                found.because,
                                which.name()
                            ),
                        ),
                        // Most things look like ids: only Feishu's own say more.
                        Kind::Id if stats.feishu_ids == stats.values => (
                            Some(found.confidence.up()),
                            format!(
                                "{}; every value is a Feishu user id (ou_…, on_…)",
                                found.because
                            ),
                        ),
                        Kind::Id => (Some(found.confidence), found.because.clone()),
                        _ => (
                            Some(found.confidence.up()),
                            format!("{}; every value reads as {one}", found.because),
                        ),
                    }
                } else if unread * 2 <= stats.values {
                    let (is, noun) = if unread == 1 {
                        ("is", one)
                    } else {
                        ("are", many.clone())
                    };
                    (
                        Some(found.confidence),
                        format!(
                            "{}; but {} of {} {is} not {noun}, e.g. {example}",
                            found.because,
                            crate::text::counted(unread, "value"),
                            stats.values
                        ),
                    )
                } else {
                    // An id column of names would send the names: no match at all.
                    let confidence = match self.kind {
                        Kind::Id => None,
                        _ => found.confidence.down(),
                    };
                    (
                        confidence,
                        format!(
                            "{}, but most values are not {many}, e.g. {example}",
                            found.because
                        ),
                    )
                };
                match confidence {
                    Some(confidence) => {
                        self.candidate = Some(Candidate::Close(CloseMatch {
                            field: found.field,
                            confidence,
                            because,
                        }))
                    }
                    None => {
                        self.candidate = None;
                        self.note = Some(format!(
                            "looks like {} by its name ({because})",
                            found.field.name()
                        ));
                    }
                }
            }
            None if self.note.is_none() && self.skipped.is_none() && stats.values > 0 => {
                let by_values = ENUMS
                    .into_iter()
                    .find(|which| stats.distinct.all_labels_of(*which))
                    .map(|which| (enum_field(which), format!("{} labels", which.name())))
                    .or_else(|| {
                        (stats.currencies == stats.values && !stats.distinct.overflow)
                            .then(|| (Field::CurrencyType, "currencies".to_owned()))
                    });
                if let Some((field, what)) = by_values {
                    self.candidate = Some(Candidate::Close(CloseMatch {
                        field,
                        confidence: Confidence::Likely,
                        because: format!(
                            "its values are all {what} ({})",
                            stats.distinct.examples(3)
                        ),
                    }));
                    self.kind = kind_of(field);
                }
            }
            _ => {}
        }
    }
}

/// Gives each field at most one column: the strongest candidate first, and among equals
/// the first column. Losers and columns without a field are ignored, each saying why.
fn assign(drafts: &[Draft]) -> Vec<Column> {
    let mut order: Vec<usize> = (0..drafts.len())
        .filter(|i| drafts[*i].candidate.is_some())
        .collect();
    order.sort_by_key(|i| {
        (
            std::cmp::Reverse(drafts[*i].candidate.as_ref().map_or(0, Candidate::strength)),
            *i,
        )
    });
    let mut winner: HashMap<Field, usize> = HashMap::new();
    for i in order {
        if let Some(candidate) = &drafts[i].candidate {
            winner.entry(candidate.field()).or_insert(i);
        }
    }
    drafts
        .iter()
        .enumerate()
        .map(|(i, draft)| {
            let outcome = if let Some(why) = &draft.skipped {
                Outcome::Skipped { why: why.clone() }
            } else {
                match &draft.candidate {
                    Some(candidate) => {
                        let field = candidate.field();
                        match winner.get(&field) {
                            Some(&w) if w == i => match candidate {
                                Candidate::Known { field, label } => Outcome::Known {
                                    field: *field,
                                    label: *label,
                                },
                                Candidate::Close(found) => Outcome::Mapped {
                                    field: found.field,
                                    confidence: found.confidence,
                                    because: found.because.clone(),
                                },
                            },
                            Some(&w) => Outcome::Ignored {
                                why: lost(candidate, &drafts[w]),
                            },
                            None => Outcome::Ignored {
                                why: "matches no field".into(),
                            },
                        }
                    }
                    None => Outcome::Ignored {
                        why: draft
                            .note
                            .clone()
                            .unwrap_or_else(|| "matches no field".into()),
                    },
                }
            };
            Column {
                name: draft.name.clone(),
                outcome,
            }
        })
        .collect()
}

/// Why a column that looks like a field is not mapped to it.
fn lost(candidate: &Candidate, winner: &Draft) -> String {
    let field = candidate.field().name();
    let strength = winner.candidate.as_ref().map_or(0, Candidate::strength);
    if let Candidate::Known { .. } = candidate {
        return format!(
            "names {field} too ({}), as {} does, and only one column can be {field}: delete one of the two",
            candidate.describe(),
            winner.name
        );
    }
    if strength > candidate.strength() {
        format!(
            "looks like {field} too ({}), but {} is a better match",
            candidate.describe(),
            winner.name
        )
    } else {
        format!(
            "looks like {field} as much as {} does ({}); the first column wins: if this one is {field}, swap the two under [columns]",
            winner.name,
            candidate.describe()
        )
    }
}

/// `[defaults]` lines: only what the data makes plain is given a value; anything about
/// money that the file does not say is a commented line asking for it.
fn defaults<'a>(assigned: &dyn Fn(Field) -> Option<(&'a Column, &'a Draft)>) -> Vec<Line> {
    let mut lines = Vec::new();
    // The value column holds the amounts too: the currency is asked for alike.
    let amount = assigned(Field::Amount).or_else(|| assigned(Field::Value));
    let points = assigned(Field::PointBonus);
    if assigned(Field::BonusType).is_none() {
        match (amount, points) {
            (Some((column, _)), None) => lines.push(Line::new(
                "bonus_type = 2",
                format!(
                    "cash: no column says points or cash, and the file has amounts ({}) and no points; without it every row would be points, the default",
                    column.name
                ),
            )),
            (None, Some(_)) => lines.push(Line::new(
                "",
                "bonus_type: points (1), the default when no column gives it",
            )),
            (Some(_), Some(_)) => lines.push(Line::new(
                "# bonus_type = ?",
                "the file has amounts and points but no column saying which a row is; a row is points (1) unless told: map a column, or give 2 if every row is cash",
            )),
            (None, None) => {}
        }
    }
    if let (Some((column, draft)), None) = (amount, assigned(Field::CurrencyType)) {
        let stats = &draft.stats;
        let named: Vec<&str> = stats.marks.keys().copied().collect();
        let header = header_currency(&column.name);
        let plain = stats.shared_marks + stats.unmarked;
        if stats.values == 0 {
        } else if let Some((code, unit)) = header {
            if named.iter().any(|n| *n != code) {
                lines.push(Line::new(
                    format!("# currency_type = \"{code}\""),
                    format!(
                        "the header {} says {unit} ({code}), but some amounts are marked {}: check the file, then give the currency",
                        column.name,
                        named.join(", ")
                    ),
                ));
            } else {
                lines.push(Line::new(
                    format!("currency_type = \"{code}\""),
                    format!("the header {} says {unit}: {code}", column.name),
                ));
            }
        } else if plain == 0 {
            lines.push(Line::new(
                "",
                format!(
                    "currency_type: none needed, every amount names its currency ({})",
                    named.join(", ")
                ),
            ));
        } else {
            let (code, why) = match named.as_slice() {
                [one] => (
                    *one,
                    format!(
                        "some amounts are marked {one}, but {plain} are not (e.g. {})",
                        stats.plain_example.clone().unwrap_or_default()
                    ),
                ),
                _ if stats.shared_marks > 0 => (
                    "CNY",
                    format!(
                        "no column gives the currency, and ¥ or $ does not say which (¥ is the yuan and the yen), e.g. {}",
                        stats.plain_example.clone().unwrap_or_default()
                    ),
                ),
                _ => (
                    "CNY",
                    format!(
                        "no column gives the currency, and the amounts have no mark, e.g. {}",
                        stats.plain_example.clone().unwrap_or_default()
                    ),
                ),
            };
            lines.push(Line::new(
                format!("# currency_type = \"{code}\""),
                format!("{why}: say which it is, and remove the #"),
            ));
        }
    }
    for (field, which) in [
        (Field::RuleType, EnumField::RuleType),
        (Field::Stage, EnumField::Stage),
    ] {
        if assigned(field).is_none() {
            lines.push(Line::new(
                format!("# {} = ?", field.name()),
                format!(
                    "no column gives {}, which every reward needs: map a column under [columns], or give every row's value here: {}",
                    field.name(),
                    values::choices(which)
                ),
            ));
        }
    }
    lines
}

/// Comments for the required columns that no column gives.
fn missing<'a>(assigned: &dyn Fn(Field) -> Option<(&'a Column, &'a Draft)>) -> Vec<Line> {
    let referrer_named = Field::REFERRER.iter().any(|f| assigned(*f).is_some());
    let mut lines: Vec<Line> = [Field::ReferralUserId, Field::ExternalId]
        .into_iter()
        .filter(|field| assigned(*field).is_none())
        .filter(|field| *field != Field::ReferralUserId || !referrer_named)
        .map(|field| {
            Line::new(
                format!("# {} = \"?\"", field.name()),
                format!(
                    "no column looks like {}, which every reward needs: write its column's name here, and remove the #",
                    field.name()
                ),
            )
        })
        .collect();
    if Field::CANDIDATE.iter().all(|f| assigned(*f).is_none()) {
        lines.push(Line::new(
            "# application_id = \"?\"",
            "no column looks like application_id or talent_id, and every reward needs one: write its column's name here, and remove the #",
        ));
    }
    lines
}

/// The currency a header's unit names: `奖励金额(元)` → CNY, `Amount (USD)` → USD.
fn header_currency(header: &str) -> Option<(&'static str, String)> {
    let open = header.find(['(', '（', '[', '【'])?;
    let rest = &header[open..];
    let first = rest.chars().next()?;
    let inner = &rest[first.len_utf8()..];
    let close = inner.find([')', '）', ']', '】'])?;
    let unit = inner[..close].trim();
    forms::currency(unit)
        .ok()
        .map(|code| (code, unit.to_owned()))
}

/// What the data of one column showed.
#[derive(Debug, Default)]
struct Stats {
    /// Cells with a value.
    values: u64,
    /// Values that read as the column's kind.
    read: u64,
    /// The first value that did not, echoed.
    unread: Option<String>,
    distinct: Distincts,
    /// Amounts: the currencies their marks name, and how many.
    marks: BTreeMap<&'static str, u64>,
    /// Amounts marked `¥` or `$`, which name no currency.
    shared_marks: u64,
    /// Amounts with no mark.
    unmarked: u64,
    /// An amount whose mark names no currency, echoed.
    plain_example: Option<String>,
    /// Times: the first value without an offset, echoed.
    needs_zone: Option<String>,
    /// Times: dates whose day and month could be either way round.
    dates: DayMonth,
    /// Unknown columns: values that are currencies by name or code.
    currencies: u64,
    /// Ids: values that are Feishu user ids (`ou_…`, `on_…`).
    feishu_ids: u64,
}

impl Stats {
    fn observe(&mut self, record: &Record, i: usize, kind: Kind) {
        let cell = record.cell(i);
        if matches!(cell, Cell::Empty) {
            return;
        }
        self.values += 1;
        let read = match kind {
            Kind::Text => true,
            Kind::Id => self.id(cell),
            Kind::Email => matches!(cell, Cell::Text(text) if forms::email(text).is_ok()),
            Kind::Mobile => match cell {
                Cell::Text(text) => forms::mobile(text).is_ok(),
                Cell::Number(n) => {
                    forms::id_from_number(n).is_ok_and(|digits| forms::mobile(&digits).is_ok())
                }
                _ => false,
            },
            Kind::Enum(which) => self.distinct.add(cell, Some(which)),
            Kind::Unknown => {
                self.distinct.add(cell, None);
                if let Cell::Text(text) = cell
                    && !looks_numeric(text)
                    && forms::currency(text).is_ok()
                {
                    self.currencies += 1;
                }
                true
            }
            Kind::Points => match cell {
                Cell::Text(text) => forms::points(text).is_ok(),
                Cell::Number(n) => forms::points_from_number(n).is_ok(),
                _ => false,
            },
            Kind::Currency => matches!(cell, Cell::Text(text) if forms::currency(text).is_ok()),
            Kind::Amount => self.amount(cell),
            Kind::Time => self.time(cell, record.row),
        };
        if read {
            self.read += 1;
        } else if self.unread.is_none() {
            self.unread = Some(echo(&cell_text(cell)));
        }
    }

    /// An id: anything but a person's name (Chinese characters, or words with spaces).
    fn id(&mut self, cell: Cell<'_>) -> bool {
        match cell {
            Cell::Text(text) => {
                let text = text.trim();
                if text.starts_with("ou_") || text.starts_with("on_") {
                    self.feishu_ids += 1;
                }
                !(text.chars().any(crate::text::is_cjk_ideograph)
                    || text.contains(char::is_whitespace))
            }
            Cell::Number(_) => true,
            _ => false,
        }
    }

    fn amount(&mut self, cell: Cell<'_>) -> bool {
        match cell {
            Cell::Text(text) => match forms::amount(text) {
                Ok(read) => {
                    match read.currency {
                        Some(code) => *self.marks.entry(code).or_default() += 1,
                        None => {
                            if text.contains(['¥', '￥', '$', '＄']) {
                                self.shared_marks += 1;
                            } else {
                                self.unmarked += 1;
                            }
                            self.plain_example.get_or_insert_with(|| echo(text));
                        }
                    }
                    true
                }
                Err(_) => false,
            },
            Cell::Number(n) => {
                self.unmarked += 1;
                self.plain_example
                    .get_or_insert_with(|| echo(&cell_text(cell)));
                forms::amount_from_number(n).is_ok()
            }
            _ => false,
        }
    }

    fn time(&mut self, cell: Cell<'_>, row: u64) -> bool {
        let input = match cell {
            Cell::Text(text) => TimeInput::Text(text),
            Cell::Number(n) => TimeInput::Number(n),
            Cell::Date { serial, is_1904 } => TimeInput::ExcelSerial {
                value: serial,
                is_1904,
            },
            _ => return false,
        };
        // No zone and no date_format: what the export needs is what is refused.
        match forms::time(input, &TimeSettings::default()) {
            Ok(_) => true,
            Err(TimeError::NeedsZone) => {
                self.needs_zone
                    .get_or_insert_with(|| echo(&cell_text(cell)));
                true
            }
            Err(TimeError::Refused(violation))
                if matches!(violation.rule, Rule::AmbiguousDate | Rule::NoSuchDate) =>
            {
                let Cell::Text(text) = cell else {
                    return false;
                };
                match forms::day_month_readings(text) {
                    Some(readings)
                        if readings.month_first.is_some() || readings.day_first.is_some() =>
                    {
                        // Once a date_format reads it, it is a time without an offset.
                        self.needs_zone.get_or_insert_with(|| echo(text));
                        self.dates.add(text, row, &readings);
                        true
                    }
                    _ => false,
                }
            }
            Err(TimeError::Refused(_)) => false,
        }
    }
}

/// True for a value that is a number: numbers are every enum's values, so they say
/// nothing about which enum a column is.
fn looks_numeric(text: &str) -> bool {
    let text = text.trim();
    !text.is_empty() && text.chars().all(|c| c.is_ascii_digit() || c == '.')
}

/// One distinct value of a column.
#[derive(Debug, Clone)]
struct Distinct {
    /// As first written (trimmed).
    text: String,
    /// Rows that hold it.
    rows: u64,
    /// For an enum column: what it becomes.
    placed: Placed,
    /// An enum label of which field, if any (for columns without a field yet).
    label_of: Option<EnumField>,
}

/// What a value of an enum column becomes.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Placed {
    /// Already read: a label or a number of the field.
    Accepted,
    /// A `[values]` entry proposes it.
    Guessed(ValueGuess),
    /// Nothing: the user is asked.
    Unknown,
}

/// The distinct values of a column, at most [`DISTINCT_VALUES`] of them, in the order
/// first met (values compared trimmed, in any case: as `[values]` compares them).
#[derive(Debug, Default, Clone)]
struct Distincts {
    values: Vec<Distinct>,
    index: HashMap<String, usize>,
    /// True when a value was left out: more distinct values, or one too long.
    overflow: bool,
}

impl Distincts {
    /// Counts a value; for an enum column, true when it is accepted or has a proposal.
    fn add(&mut self, cell: Cell<'_>, field: Option<EnumField>) -> bool {
        let text = cell_text(cell);
        let text = text.trim();
        let key = text.to_lowercase();
        if let Some(&at) = self.index.get(&key) {
            let entry = &mut self.values[at];
            entry.rows += 1;
            return entry.placed != Placed::Unknown;
        }
        let placed = field.map_or(Placed::Unknown, |which| place(which, text));
        let known = placed != Placed::Unknown;
        if self.values.len() < DISTINCT_VALUES && text.chars().count() <= DISTINCT_VALUE_CHARS {
            self.index.insert(key, self.values.len());
            self.values.push(Distinct {
                text: text.to_owned(),
                rows: 1,
                placed,
                label_of: (!looks_numeric(text))
                    .then(|| {
                        ENUMS
                            .into_iter()
                            .find(|which| forms::enum_value(*which, text).is_ok())
                    })
                    .flatten(),
            });
        } else {
            self.overflow = true;
        }
        known
    }

    /// True when every value (and there are some, all kept) is a label of `field`.
    fn all_labels_of(&self, field: EnumField) -> bool {
        !self.overflow
            && !self.values.is_empty()
            && self.values.iter().all(|v| v.label_of == Some(field))
    }

    /// The first values, echoed: `"已发放", "待确认"`.
    fn examples(&self, n: usize) -> String {
        self.values
            .iter()
            .take(n)
            .map(|v| echo(&v.text))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// What a value of an enum column becomes.
fn place(field: EnumField, text: &str) -> Placed {
    if forms::enum_value(field, text).is_ok() {
        return Placed::Accepted;
    }
    match values::guess(field, text) {
        Some(guess @ ValueGuess::Value { .. }) => Placed::Guessed(guess),
        Some(guess @ ValueGuess::NoValue { .. }) => Placed::Guessed(guess),
        None => Placed::Unknown,
    }
}

/// Dates of one column whose day and month could be either way round.
#[derive(Debug, Default, Clone)]
struct DayMonth {
    count: u64,
    /// The first such value, echoed, and its row.
    example: Option<(String, u64)>,
    /// A value that can only be month first, and one that can only be day first.
    only_month_first: Option<(String, u64)>,
    only_day_first: Option<(String, u64)>,
    /// The formats of the first value (month first, day first), and whether later values
    /// were written another way (with a time, another separator).
    formats: Option<(String, String)>,
    other_forms: bool,
}

impl DayMonth {
    fn add(&mut self, text: &str, row: u64, readings: &forms::DayMonthReadings) {
        self.count += 1;
        self.example.get_or_insert_with(|| (echo(text), row));
        match (readings.month_first, readings.day_first) {
            (Some(_), None) => {
                self.only_month_first
                    .get_or_insert_with(|| (echo(text), row));
            }
            (None, Some(_)) => {
                self.only_day_first.get_or_insert_with(|| (echo(text), row));
            }
            _ => {}
        }
        let formats = (
            readings.month_first_format.clone(),
            readings.day_first_format.clone(),
        );
        match &self.formats {
            None => self.formats = Some(formats),
            Some(first) if *first != formats => self.other_forms = true,
            Some(_) => {}
        }
    }
}

/// The `date_format` line: which order the dates are in, as far as the data says.
#[derive(Debug, Clone)]
struct Dates {
    line: Line,
}

impl Dates {
    /// `position` is what the file calls a row (`line`, `row`), to say where a date stands.
    fn of<'a>(
        columns: impl Iterator<Item = (&'a str, &'a DayMonth)>,
        position: &str,
    ) -> Option<Dates> {
        let at = |(text, row): &(String, u64)| format!("{text} on {position} {row}");
        let mut names = Vec::new();
        let mut all = DayMonth::default();
        for (name, dates) in columns {
            names.push(name.to_owned());
            all.count += dates.count;
            if all.example.is_none() {
                all.example.clone_from(&dates.example);
            }
            if all.only_month_first.is_none() {
                all.only_month_first.clone_from(&dates.only_month_first);
            }
            if all.only_day_first.is_none() {
                all.only_day_first.clone_from(&dates.only_day_first);
            }
            match (&all.formats, &dates.formats) {
                (None, _) => all.formats.clone_from(&dates.formats),
                (Some(a), Some(b)) if a != b => all.other_forms = true,
                _ => {}
            }
            all.other_forms |= dates.other_forms;
        }
        let (month_first, day_first) = all.formats.clone()?;
        let example = all.example.as_ref().map(at).unwrap_or_default();
        let only_month_first = all.only_month_first.as_ref().map(at);
        let only_day_first = all.only_day_first.as_ref().map(at);
        let (format, why) = match (&only_month_first, &only_day_first) {
            (Some(m), Some(d)) => (
                month_first,
                format!(
                    "the dates disagree: {m} can only be month first, {d} only day first; fix the file, then say which order"
                ),
            ),
            (Some(m), None) => (
                month_first,
                format!("month first, as {m} can only be read: check it, and remove the #"),
            ),
            (None, Some(d)) => (
                day_first,
                format!("day first, as {d} can only be read: check it, and remove the #"),
            ),
            (None, None) => (
                month_first.clone(),
                format!(
                    "{} both ways (e.g. {example}); month first is shown, day first is \"{day_first}\": check a row you know, then remove the #",
                    if all.count == 1 {
                        "it reads"
                    } else {
                        "every one reads"
                    }
                ),
            ),
        };
        let also = if all.other_forms {
            "; the dates are written in more than one form, and date_format reads one: make them alike"
        } else {
            ""
        };
        Some(Dates {
            line: Line::new(
                format!("# date_format = {}", write::toml_string(&format)),
                format!(
                    "{} {} {} {} whose day and month could be either way round; {why}{also}",
                    names.join(", "),
                    if names.len() == 1 { "has" } else { "have" },
                    all.count,
                    if all.count == 1 { "date" } else { "dates" }
                ),
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_units_name_currencies() {
        assert_eq!(
            header_currency("奖励金额(元)"),
            Some(("CNY", "元".to_owned()))
        );
        assert_eq!(
            header_currency("Amount (USD)"),
            Some(("USD", "USD".to_owned()))
        );
        assert_eq!(
            header_currency("金额（日元）"),
            Some(("JPY", "日元".to_owned()))
        );
        assert_eq!(header_currency("金额"), None);
        assert_eq!(header_currency("金额(¥)"), None);
    }

    #[test]
    fn distinct_values_are_bounded() {
        let mut distinct = Distincts::default();
        for i in 0..(DISTINCT_VALUES * 3) {
            let text = format!("v{i}");
            distinct.add(Cell::Text(&text), Some(EnumField::Stage));
        }
        distinct.add(Cell::Text("V1"), Some(EnumField::Stage));
        assert_eq!(distinct.values.len(), DISTINCT_VALUES);
        assert!(distinct.overflow);
        assert_eq!(distinct.values[1].rows, 2, "case and spaces ignored");
    }
}
