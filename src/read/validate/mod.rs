//! The rules of SPEC §2 and §2.1 applied to one row at a time: every cell is read once,
//! in whatever form the export wrote it ([`crate::read::forms`]), every problem of every cell is
//! reported, and a valid row comes out as its canonical request body, whatever the form.
//!
//! Per-value domain rules (enum ranges, amounts, points, currencies) live in
//! [`crate::reward`] and are shared with the sandbox; the forms a value may take live in
//! [`crate::read::forms`]; this module adds what only a row can get wrong: empty cells, a cell of
//! the wrong kind, a currency mark that disagrees with currency_type, duplicates.

mod parallel;
mod seen;
mod skip;
mod value;

use std::borrow::Cow;
use std::hash::{DefaultHasher, Hash, Hasher};

use crate::read::field::Field;
use crate::read::forms::{
    self, EnumField, Mobile, ReadTime, Reading, TimeError, TimeInput, TimeSettings,
};
use crate::read::mapping::{Mapped, Mapping, Parts, RewardFile, Value, Via};
use crate::read::person::{Contact, Role, Wanted};
use crate::read::source::{Cell, Record, SourceError, cell_text};
use crate::reward::{
    Amount, BONUS_CASH, BONUS_POINTS, BodyField, Bonus, Cash, RewardBody, STAGE_CONFIRMED,
    STAGE_PAID, STAGE_PENDING, STAGES,
};
use crate::text::{self, echo};

pub use crate::problem::{Problem, Rule, Severity, Violation};
pub use parallel::{Row, check_rows};
pub use seen::{Seen, SpillError};
pub use skip::Skip;

/// What stops the checking of a file's rows: the reader's errors, the duplicate check's
/// spill that could not be written, a time that needs a zone none was given.
#[derive(Debug, thiserror::Error)]
pub enum ValidateError {
    #[error(transparent)]
    Source(#[from] SourceError),
    #[error(transparent)]
    Spill(#[from] SpillError),
    #[error("{path}: column {column}: {message}")]
    NeedsZone {
        path: String,
        column: String,
        /// The value, what is missing, and the flag that gives it.
        message: String,
    },
}

impl ValidateError {
    /// True when the machine failed, not the input: the duplicate check's spill file or a
    /// stream's copy could not be written (a full disk; exit 4, as for the ledger).
    pub fn is_write_failure(&self) -> bool {
        match self {
            ValidateError::Source(e) => e.is_write_failure(),
            ValidateError::Spill(_) => true,
            ValidateError::NeedsZone { .. } => false,
        }
    }
}

/// The verdict on one row.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The line the row starts on (a workbook's row).
    pub line: u64,
    /// The part of the input it is from (see [`crate::read::mapping::Parts`]).
    pub part: u32,
    /// The row's external_id: as sent when it could be read (Excel's `="…"` unwrapped),
    /// else as written (may be empty).
    pub external_id: String,
    /// Every problem found, errors and warnings, in column order.
    pub problems: Vec<Problem>,
    /// The request body, when the row has no error. Its ids of the people in
    /// [`Checked::people`] are empty until the resolve phase fills them in.
    pub body: Option<RewardBody>,
    /// The people a valid row names by e-mail or mobile (SPEC §2.3): looked up before the
    /// body can be sent. Empty when the row gives every id.
    pub people: Vec<Wanted>,
    /// The line of an earlier row with the same external_id, if any.
    pub duplicate_of: Option<u64>,
    /// What each converted value was read as, for a row being explained
    /// ([`Validator::explaining`]); empty otherwise.
    pub explained: Vec<Explained>,
    /// Why the row is skipped, when it is not a reward (a totals or note row): neither
    /// valid nor invalid, never sent.
    pub skipped: Option<Skip>,
}

impl Checked {
    /// True when the row has no error (it may still name people to look up).
    pub fn is_valid(&self) -> bool {
        self.body.is_some()
    }

    /// True when the body is complete: valid, and no person left to look up.
    pub fn is_ready(&self) -> bool {
        self.body.is_some() && self.people.is_empty()
    }

    /// The errors (not the warnings).
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// The errors as one line: `column C: message; …` (the errors file, the ledger).
    pub fn errors_text(&self) -> String {
        crate::problem::joined(self.errors())
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }

    /// The first time of the row that has no offset while no zone is set: the run stops
    /// on it before anything is sent (SPEC §2.1).
    pub fn needs_zone(&self) -> Option<&Problem> {
        self.problems.iter().find(|p| p.rule == Rule::NeedsTimeZone)
    }
}

/// One converted value and what it was read as (`validate --explain`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Explained {
    /// The column, as messages name it.
    pub column: String,
    /// The value as the file gave it, quoted (`"2024-01-08 13:24"`, `the date cell …`,
    /// `(empty)`).
    pub value: String,
    /// What is sent, and how it was read: `1704691440000 (2024-01-08 13:24 in Asia/Shanghai)`.
    pub read_as: String,
}

impl std::fmt::Display for Explained {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "column {}: {} read as {}",
            self.column, self.value, self.read_as
        )
    }
}

/// Checks the rows of one file in order; remembers external_ids to catch duplicates.
#[derive(Debug, Default)]
pub struct Validator {
    /// The rules of one row.
    rules: RowRules,
    /// The external_ids met so far (their hashes), with the line of each one's first row.
    seen: Seen,
    /// How many more rows to explain.
    explain: usize,
    /// The parts of the input, for the place of a duplicate's first row.
    parts: Parts,
}

/// The rules of one row, apart from the file: what can be checked on any thread.
#[derive(Debug, Default, Clone)]
pub struct RowRules {
    /// How times without an offset are read.
    time: TimeSettings,
    /// What the user id columns must hold (`--user-id-type`); None: not checked.
    user_ids: Option<forms::UserIds>,
}

impl Validator {
    /// A validator for a new file, with no time zone (times without an offset stop the run).
    pub fn new() -> Self {
        Self::default()
    }

    /// A validator reading times with `time` (the zone, the mapping's `date_format`).
    pub fn with_time(time: TimeSettings) -> Self {
        Validator {
            rules: RowRules {
                time,
                user_ids: None,
            },
            ..Self::default()
        }
    }

    /// A validator for `file`, reading its times as its options say.
    pub fn for_file(file: &RewardFile) -> Self {
        let mut validator = Validator {
            parts: file.parts(),
            ..Self::with_time(file.time_settings().clone())
        };
        validator.rules.user_ids = file.user_ids();
        validator
    }

    /// The duplicate check keeps its first occurrences in `seen` (tests: a small one).
    pub fn remembering(mut self, seen: Seen) -> Self {
        self.seen = seen;
        self
    }

    /// Reads and checks the next row of `file`. A time without an offset while no zone
    /// is set stops the file there (SPEC §2.1): every other row would need it too.
    pub fn next(
        &mut self,
        file: &mut RewardFile,
    ) -> Result<Option<(Record, Checked)>, ValidateError> {
        let (source, mapping) = file.split();
        let Some(record) = source.next_record()? else {
            return Ok(None);
        };
        let checked = self.check(mapping.row(&record))?;
        stop_for_zone(&self.parts, &checked)?;
        Ok(Some((record, checked)))
    }

    /// Explains the conversions of the first `rows` rows ([`Checked::explained`]).
    pub fn explaining(mut self, rows: usize) -> Self {
        self.explain = rows;
        self
    }

    /// Checks one row completely, the duplicate check included.
    pub fn check(&mut self, row: Mapped<'_>) -> Result<Checked, ValidateError> {
        let explaining = self.explain > 0;
        self.explain = self.explain.saturating_sub(1);
        let mut checked = self.rules.check(row, explaining);
        let hash = id_hash(&checked.external_id);
        self.note(row.record(), row.mapping(), &mut checked, hash)?;
        Ok(checked)
    }

    /// The rules of one row, for checking rows on other threads ([`check_rows`]).
    pub fn rules(&self) -> &RowRules {
        &self.rules
    }

    /// Readies the duplicate check for a row whose external_id hashes to `hash`: called
    /// for a batch of rows before [`Validator::note`] for each, it saves time.
    pub fn warm(&self, hash: u64) {
        self.seen.warm(hash);
    }

    /// The duplicate check, for a row checked by [`RowRules::check`] whose external_id
    /// hashes to `hash` ([`id_hash`]): rows must come in file order. An error when the
    /// row's external_id appeared on an earlier row.
    pub fn note(
        &mut self,
        record: &Record,
        mapping: &Mapping,
        checked: &mut Checked,
        hash: u64,
    ) -> Result<(), SpillError> {
        // A ragged row's cells sit under the wrong names: its "external_id" may be anything.
        if checked.external_id.is_empty() || record.problems.iter().any(|p| p.rule.spoils_row()) {
            return Ok(());
        }
        // Places across parts: the part in the high bits (see `Parts::order`).
        let at = u64::try_from(Parts::order(record.part, record.row)).unwrap_or(u64::MAX);
        let Some(first) = self.seen.first(hash, at)? else {
            return Ok(());
        };
        let (part, line) = ((first >> 40) as u32, first & ((1 << 40) - 1));
        let place = if part == record.part {
            // A workbook's rows are rows (as Excel numbers them), a CSV's lines are lines.
            match mapping.origin().sheet {
                Some(_) => format!("row {line}"),
                None => format!("line {line}"),
            }
        } else {
            self.parts.at(part, line)
        };
        checked.problems.push(Problem::error(
            Some(mapping.name_of(Field::ExternalId)),
            Rule::Duplicate,
            format!(
                "{} already appears on {place}; each reward must appear once (external_id is its idempotency key)",
                echo(&checked.external_id)
            ),
        ));
        checked.duplicate_of = Some(first);
        checked.body = None;
        checked.people.clear();
        Ok(())
    }
}

/// The hash the duplicate check knows an external_id by (SipHash with fixed keys: the
/// same in every run and on every thread).
pub fn id_hash(external_id: &str) -> u64 {
    let mut hasher = DefaultHasher::new();
    external_id.hash(&mut hasher);
    hasher.finish()
}

/// Stops the file at a row whose time needs a zone that was not given (SPEC §2.1).
fn stop_for_zone(parts: &Parts, checked: &Checked) -> Result<(), ValidateError> {
    match checked.needs_zone() {
        Some(problem) => Err(ValidateError::NeedsZone {
            path: parts.at(checked.part, checked.line),
            column: problem.column.clone().unwrap_or_default(),
            message: problem.message.clone(),
        }),
        None => Ok(()),
    }
}

impl RowRules {
    /// Checks one row, all but the duplicate check ([`Validator::note`]); `explaining`
    /// records what each converted value was read as.
    pub fn check(&self, row: Mapped<'_>, explaining: bool) -> Checked {
        let record = row.record();
        if let Some(skip) = skip::skip_of(record, row.mapping()) {
            return Checked {
                line: record.row,
                part: record.part,
                // Keys nothing: a totals row's 合计 is no external_id.
                external_id: String::new(),
                problems: Vec::new(),
                body: None,
                people: Vec::new(),
                duplicate_of: None,
                explained: Vec::new(),
                skipped: Some(skip),
            };
        }
        let mut cells = Cells {
            row,
            values: row.values(),
            problems: Vec::new(),
            time: &self.time,
            explained: explaining.then(Vec::new),
            people: Vec::new(),
            user_ids: self.user_ids,
        };
        for problem in &record.problems {
            let column = problem
                .field
                .and_then(|i| row.mapping().field_at(i))
                .map(|field| row.mapping().name_of(field).to_owned())
                .or_else(|| problem.column.clone());
            cells.problems.push(Problem::error(
                column.as_deref(),
                problem.rule,
                problem.message.clone(),
            ));
        }
        cells.problems.extend(row.problems());
        // A ragged row's cells sit under the wrong names, a row too long has none: checking
        // them would only mislead.
        let ragged = record.problems.iter().any(|p| p.rule.spoils_row());
        let (body, external_id) = if ragged {
            (None, None)
        } else {
            cells.layout_characters();
            cells.build()
        };
        let external_id = external_id.unwrap_or_else(|| {
            cell_text(cells.value(Field::ExternalId).cell)
                .trim()
                .to_owned()
        });
        let has_error = cells.problems.iter().any(|p| p.severity == Severity::Error);
        Checked {
            line: record.row,
            part: record.part,
            external_id,
            problems: cells.problems,
            body: if has_error { None } else { body },
            people: if has_error { Vec::new() } else { cells.people },
            duplicate_of: None,
            explained: cells.explained.unwrap_or_default(),
            skipped: None,
        }
    }
}

/// A cell read: nothing there, something wrong (already reported), or its value.
enum Got<T> {
    Missing,
    Invalid,
    Value(T),
}

impl<T> Got<T> {
    fn value(self) -> Option<T> {
        match self {
            Got::Value(value) => Some(value),
            Got::Missing | Got::Invalid => None,
        }
    }

    fn is_missing(&self) -> bool {
        matches!(self, Got::Missing)
    }
}

/// The cells of one row being checked, and the problems found so far.
struct Cells<'a> {
    row: Mapped<'a>,
    /// Each field's value, looked up once.
    values: [Value<'a>; Field::COUNT],
    problems: Vec<Problem>,
    time: &'a TimeSettings,
    /// `Some` while the row is being explained.
    explained: Option<Vec<Explained>>,
    /// The people the row names by e-mail or mobile, to look up.
    people: Vec<Wanted>,
    /// What its user id columns must hold, when that is checked.
    user_ids: Option<forms::UserIds>,
}

/// A person read from a row: an id, or how to look them up.
enum Person {
    Missing,
    Invalid,
    Id(String),
    Wanted(Wanted),
}

/// Free-text columns: the only ones whose cells may hold tabs and line breaks.
const FREE_TEXT: [Field; 2] = [Field::Reason, Field::Comment];

/// What each kind of column takes, for a cell of the wrong kind.
const TAKES_ID: &str = "an id";
const TAKES_EMAIL: &str = "an e-mail address";
const TAKES_MOBILE: &str = "a mobile number";
const TAKES_NUMBER: &str = "a number or one of its labels";
const TAKES_AMOUNT: &str = "an amount";
const TAKES_CURRENCY: &str = "a currency code such as CNY";
const TAKES_TIME: &str = "a time";

impl<'a> Cells<'a> {
    fn value(&self, field: Field) -> Value<'a> {
        self.values[field.index()]
    }

    /// True when the file itself gives the field in this row (a default does not count).
    fn in_file(&self, field: Field) -> bool {
        let value = self.value(field);
        !value.is_missing() && value.via != Via::Default
    }

    fn error(&mut self, column: Field, rule: Rule, message: String) {
        let name = self.row.mapping().name_of(column);
        self.problems
            .push(Problem::error(Some(name), rule, message));
    }

    fn warn(&mut self, column: Field, rule: Rule, message: String) {
        let name = self.row.mapping().name_of(column);
        self.problems
            .push(Problem::warning(Some(name), rule, message));
    }

    fn violation<T>(&mut self, column: Field, violation: Violation) -> Got<T> {
        self.error(column, violation.rule, violation.message);
        Got::Invalid
    }

    /// A workbook cell whose kind the column cannot take: a date or true/false cell where
    /// an id or a number belongs, or an error value (`#N/A`) anywhere.
    fn wrong_kind<T>(&mut self, column: Field, cell: Cell<'_>, takes: &str) -> Got<T> {
        let shown = echo(&cell_text(cell));
        let (rule, message) = match cell {
            Cell::Error(_) => (
                Rule::ExcelError,
                format!(
                    "holds Excel's error value {shown} (a formula that did not compute); fix it in the workbook, or type the value"
                ),
            ),
            Cell::Date { .. } => (
                Rule::CellKind,
                format!(
                    "the date cell {shown} is not {takes}; format the column as Text in the workbook and type the value again"
                ),
            ),
            Cell::Bool(_) => (
                Rule::CellKind,
                format!("the true/false cell {shown} is not {takes}; type the value as text"),
            ),
            _ => (
                Rule::CellKind,
                format!("the number cell {shown} is not {takes}; type the value as text"),
            ),
        };
        self.error(column, rule, message);
        Got::Invalid
    }

    /// Records what a converted value was read as, when the row is being explained and
    /// the value was not already in its canonical form.
    fn explain(&mut self, field: Field, canonical: impl FnOnce() -> String, how: Option<String>) {
        if self.explained.is_none() {
            return;
        }
        let value = self.value(field);
        let (shown, by) = match value.via {
            Via::File => (value.cell, None),
            Via::Label(original) => (original, Some(format!("by [values.{field}]"))),
            Via::Default => (Cell::Empty, Some("by [defaults]".to_owned())),
        };
        let canonical = canonical();
        let raw = cell_text(shown);
        let converted = by.is_some()
            || how.is_some()
            || matches!(shown, Cell::Date { .. } | Cell::Bool(_))
            || raw.trim() != canonical;
        if !converted {
            return;
        }
        let value_text = match shown {
            Cell::Empty => "(empty)".to_owned(),
            Cell::Text(text) => echo(text),
            Cell::Number(_) => format!("the number cell {}", echo(&raw)),
            Cell::Date { .. } => format!("the date cell {}", echo(&raw)),
            Cell::Bool(_) | Cell::Error(_) => echo(&raw),
        };
        let notes: Vec<String> = how.into_iter().chain(by).collect();
        let read_as = if notes.is_empty() {
            canonical
        } else {
            format!("{canonical} ({})", notes.join("; "))
        };
        let column = self.row.mapping().name_of(field).to_owned();
        if let Some(explained) = &mut self.explained {
            explained.push(Explained {
                column,
                value: value_text,
                read_as,
            });
        }
    }

    /// Tabs and line breaks are text layout: fine in reason and comment, refused anywhere
    /// else (an id or a number with a line break was edited by hand, or swallowed a stray
    /// quote), even at the edges of a cell. The reader has already refused every other
    /// control character, in every column; a cell it reported is not reported twice.
    fn layout_characters(&mut self) {
        if !self.row.record().may_hold_layout() {
            return;
        }
        for column in Field::ALL {
            if FREE_TEXT.contains(&column) {
                continue;
            }
            let Some(field) = self.row.mapping().column_of(column) else {
                continue;
            };
            let record = self.row.record();
            let Cell::Text(raw) = record.cell(field) else {
                continue;
            };
            // The reader has reported every other control character: only layout is left.
            if !text::has_layout(raw) {
                continue;
            }
            let Some(found) = text::find_controls(raw, &[]) else {
                continue;
            };
            let reported = record
                .problems
                .iter()
                .any(|p| p.rule == Rule::ControlCharacter && p.field == Some(field));
            if !reported {
                // A CSV cell over several lines: say where its quote opened and closed,
                // which is where to look when the quote was not meant to hold them.
                let advice = match record.lines_of(field) {
                    Some((first, last)) => format!(
                        "a quote opens this cell on line {first} and closes it only on line {last}; tabs and line breaks are allowed only in reason and comment: remove them from this cell, or close the quote where the cell ends"
                    ),
                    None => "tabs and line breaks are allowed only in reason and comment: remove it from this cell".to_owned(),
                };
                self.error(
                    column,
                    Rule::ControlCharacter,
                    text::control_message(raw, &found, &advice),
                );
            }
        }
    }

    /// Free text (reason, comment): trimmed; a workbook's number or date as it shows.
    fn free_text(&mut self, field: Field) -> Option<String> {
        match self.value(field).cell {
            Cell::Empty => None,
            Cell::Text(text) => {
                let text = text::trim(text);
                (!text.is_empty()).then(|| text.to_owned())
            }
            cell @ Cell::Error(_) => self.wrong_kind::<String>(field, cell, "text").value(),
            cell => Some(cell_text(cell).into_owned()),
        }
    }

    /// An id: Excel's `="…"` and `'` unwrapped; scientific notation and number cells that
    /// lost digits refused.
    fn id(&mut self, field: Field) -> Got<String> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::id_text(text).map(Cow::into_owned),
            Cell::Number(n) => forms::id_from_number(n),
            cell => return self.wrong_kind(field, cell, TAKES_ID),
        };
        match read {
            Ok(id) if id.is_empty() => Got::Missing,
            Ok(id) => {
                self.explain(field, || id.clone(), None);
                Got::Value(id)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    /// An application_id Excel destroyed, on a row that also names its candidate by
    /// talent_id, talent_email or talent_mobile (SPEC §2.4): its message says how to use
    /// that column instead.
    fn advise_the_other_candidate_column(&mut self) {
        let mapping = self.row.mapping();
        let Some(other) = [Field::TalentId, Field::TalentEmail, Field::TalentMobile]
            .into_iter()
            .find(|&field| self.in_file(field))
        else {
            return;
        };
        let Some(header) = mapping
            .column_of(Field::ApplicationId)
            .and_then(|i| mapping.header().get(i))
        else {
            return;
        };
        let advice = format!(
            "; this row also names the candidate in column {}: to use it instead, leave the ids out with ignore_columns = [{}] in the mapping file's [source]",
            mapping.name_of(other),
            crate::read::mapping::file::toml_string(header)
        );
        let column = mapping.name_of(Field::ApplicationId).to_owned();
        if let Some(problem) = self.problems.iter_mut().rev().find(|p| {
            p.column.as_deref() == Some(column.as_str())
                && matches!(p.rule, Rule::ScientificNotation | Rule::IdAsNumber)
        }) {
            problem.message.push_str(&advice);
        }
    }

    fn required_id(&mut self, field: Field) -> Got<String> {
        let id = self.id(field);
        if id.is_missing() {
            self.error(field, Rule::Required, "is empty; it is required".into());
        }
        id
    }

    /// An e-mail address (SPEC §2.3), trimmed.
    fn email(&mut self, field: Field) -> Got<String> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) if text::is_blank(text) => return Got::Missing,
            Cell::Text(text) => forms::email(text).map(str::to_owned),
            cell => return self.wrong_kind(field, cell, TAKES_EMAIL),
        };
        match read {
            Ok(email) => {
                self.explain(field, || email.clone(), None);
                Got::Value(email)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    /// A mobile number (SPEC §2.3), normalised for the lookup; a workbook's number cell
    /// is read as its digits.
    fn mobile(&mut self, field: Field) -> Got<Mobile> {
        let text = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) if text::is_blank(text) => return Got::Missing,
            Cell::Text(text) => Cow::Borrowed(text),
            Cell::Number(n) => match forms::id_from_number(n) {
                Ok(digits) => Cow::Owned(digits),
                Err(violation) => return self.violation(field, violation),
            },
            cell => return self.wrong_kind(field, cell, TAKES_MOBILE),
        };
        match forms::mobile(&text) {
            Ok(mobile) => {
                self.explain(field, || mobile.lookup_form(), None);
                Got::Value(mobile)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    /// A person: the id when the row gives one (an e-mail or mobile beside it is only
    /// checked), else the e-mail (then the mobile) to look them up by.
    fn person(&mut self, role: Role) -> Person {
        let id = self.id(role.id_field());
        let email = self.email(role.email_field());
        let mobile = self.mobile(role.mobile_field());
        // A candidate's talent_id is Hire's own id, not a user id of --user-id-type.
        let user_ids = self.user_ids.filter(|_| role != Role::Talent);
        let id = match (id, user_ids) {
            (Got::Value(id), Some(ids)) => {
                let contact = (role.email_field().name(), role.mobile_field().name());
                match forms::user_id(&id, ids, contact) {
                    Ok(()) => Got::Value(id),
                    Err(violation) => self.violation(role.id_field(), violation),
                }
            }
            (id, _) => id,
        };
        let mapping = self.row.mapping();
        let wanted = |field: Field, contact: Contact| {
            Person::Wanted(Wanted {
                role,
                field,
                column: mapping.name_of(field).to_owned(),
                contact,
            })
        };
        match (id, email, mobile) {
            (Got::Value(id), _, _) => Person::Id(id),
            (Got::Invalid, _, _) | (_, Got::Invalid, _) | (_, _, Got::Invalid) => Person::Invalid,
            (_, Got::Value(email), _) => wanted(role.email_field(), Contact::Email(email)),
            (_, _, Got::Value(mobile)) => wanted(role.mobile_field(), Contact::Mobile(mobile)),
            _ => Person::Missing,
        }
    }

    /// The first of `fields` the file has a column for (else the first): where a missing
    /// group is reported.
    fn first_mapped(&self, fields: &[Field]) -> Field {
        fields
            .iter()
            .copied()
            .find(|f| self.row.mapping().column_of(*f).is_some())
            .unwrap_or(fields[0])
    }

    /// The names of the columns of `fields` the file has, for a message.
    fn mapped_names(&self, fields: &[Field]) -> Vec<String> {
        fields
            .iter()
            .filter(|f| self.row.mapping().column_of(**f).is_some())
            .map(|f| f.name().to_owned())
            .collect()
    }

    /// The id a person stands for in the body: theirs, or empty until they are looked up.
    fn person_id(&mut self, person: Person) -> Option<String> {
        match person {
            Person::Id(id) => Some(id),
            Person::Wanted(wanted) => {
                self.people.push(wanted);
                None
            }
            Person::Missing | Person::Invalid => None,
        }
    }

    /// A documented enum: its number or one of its labels.
    fn enum_value(&mut self, field: Field, which: EnumField) -> Got<i64> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::enum_value(which, text),
            Cell::Number(n) => forms::enum_from_number(which, n),
            cell => return self.wrong_kind(field, cell, TAKES_NUMBER),
        };
        match read {
            Ok(n) => {
                self.explain(field, || n.to_string(), None);
                Got::Value(n)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    fn required_enum(&mut self, field: Field, which: EnumField) -> Got<i64> {
        let value = self.enum_value(field, which);
        if value.is_missing() {
            self.error(
                field,
                Rule::Required,
                format!("is empty; it is required: {}", which.accepted()),
            );
        }
        value
    }

    fn points(&mut self, field: Field) -> Got<i64> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::points(text),
            Cell::Number(n) => forms::points_from_number(n),
            cell => return self.wrong_kind(field, cell, TAKES_NUMBER),
        };
        match read {
            Ok(points) => {
                self.explain(field, || points.to_string(), None);
                Got::Value(points)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    fn amount(&mut self, field: Field) -> Got<forms::Amount> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::amount(text),
            Cell::Number(n) => forms::amount_from_number(n).map(|value| forms::Amount {
                value,
                currency: None,
            }),
            cell => return self.wrong_kind(field, cell, TAKES_AMOUNT),
        };
        match read {
            Ok(amount) => {
                self.explain(field, || amount.value.to_string(), None);
                Got::Value(amount)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    fn currency(&mut self, field: Field) -> Got<&'static str> {
        let read = match self.value(field).cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => forms::currency(text),
            cell => return self.wrong_kind(field, cell, TAKES_CURRENCY),
        };
        match read {
            Ok(code) => {
                self.explain(field, || code.to_owned(), None);
                Got::Value(code)
            }
            Err(violation) => self.violation(field, violation),
        }
    }

    /// A time, as epoch milliseconds in a decimal string.
    fn time(&mut self, field: Field) -> Got<String> {
        let value = self.value(field);
        let input = match value.cell {
            Cell::Empty => return Got::Missing,
            Cell::Text(text) => TimeInput::Text(text),
            Cell::Number(n) => TimeInput::Number(n),
            Cell::Date { serial, is_1904 } => TimeInput::ExcelSerial {
                value: serial,
                is_1904,
            },
            cell => return self.wrong_kind(field, cell, TAKES_TIME),
        };
        match forms::time(input, self.time) {
            Ok(ReadTime { millis, reading }) => {
                let millis = millis.to_string();
                if self.explained.is_some() {
                    let how = (reading != Reading::EpochMillis).then(|| reading.to_string());
                    self.explain(field, || millis.clone(), how);
                }
                Got::Value(millis)
            }
            Err(TimeError::NeedsZone) => {
                let shown = match value.cell {
                    Cell::Date { .. } => format!("the date cell {}", echo(&cell_text(value.cell))),
                    cell => echo(&cell_text(cell)),
                };
                self.error(
                    field,
                    Rule::NeedsTimeZone,
                    format!(
                        "{shown} has no offset and no time zone is set to read it in; give one with --timezone (e.g. --timezone Asia/Shanghai), or timezone = \"Asia/Shanghai\" under [source] in the mapping file"
                    ),
                );
                Got::Invalid
            }
            Err(TimeError::Refused(violation)) => self.violation(field, violation),
        }
    }

    /// The cash of a row: currency_type and the amount read from `from` (amount, or the
    /// value column on a cash row; `None`: no amount), with the amount's currency mark
    /// checked against currency_type, or filling it when it is empty.
    fn cash(&mut self, from: Option<Field>) -> (Got<&'static str>, Got<Amount>) {
        let mut currency = self.currency(Field::CurrencyType);
        let amount = match from {
            Some(Field::Value) => self.value_as_amount(),
            Some(field) => self.amount(field),
            None => Got::Missing,
        };
        let from = from.unwrap_or(Field::Amount);
        let Got::Value(read) = amount else {
            return (
                currency,
                match amount {
                    Got::Missing => Got::Missing,
                    _ => Got::Invalid,
                },
            );
        };
        if let Some(marked) = read.currency {
            match currency {
                Got::Missing => {
                    currency = Got::Value(marked);
                    if self.explained.is_some() {
                        let shown = echo(&cell_text(self.value(from).cell));
                        let column = self.row.mapping().name_of(Field::CurrencyType).to_owned();
                        if let Some(explained) = &mut self.explained {
                            explained.push(Explained {
                                column,
                                value: "(empty)".to_owned(),
                                read_as: format!("{marked} (from the amount's mark: {shown})"),
                            });
                        }
                    }
                }
                Got::Value(code) if code != marked => {
                    let shown = echo(&cell_text(self.value(from).cell));
                    let column = self.row.mapping().name_of(Field::CurrencyType).to_owned();
                    self.error(
                        from,
                        Rule::CurrencyMismatch,
                        format!(
                            "{shown} is marked {marked}, but {column} is {code}; make them agree, or write the amount without its mark"
                        ),
                    );
                    return (currency, Got::Invalid);
                }
                _ => {}
            }
        }
        (currency, Got::Value(Amount::new(read.value)))
    }

    /// Checks every cell and builds the body; the body is only used if no error was found.
    /// Also returns the external_id as read.
    fn build(&mut self) -> (Option<RewardBody>, Option<String>) {
        let referrer = self.person(Role::Referrer);
        if matches!(referrer, Person::Missing) {
            let names = self.mapped_names(&Field::REFERRER);
            let message = if names.len() > 1 {
                format!(
                    "{} are all empty; a reward needs its referrer",
                    names.join(", ")
                )
            } else {
                "is empty; it is required".to_owned()
            };
            self.error(self.first_mapped(&Field::REFERRER), Rule::Required, message);
        }
        let external_id = self.required_id(Field::ExternalId);
        if let Got::Value(id) = &external_id
            && crate::reward::looks_like_revision(id)
        {
            self.error(
                Field::ExternalId,
                Rule::RevisionSuffix,
                format!(
                    "{} ends like a revision (~r and a number), which rewardsync gives a replaced reward's new import (--replace-changed); rename it in the export, e.g. with - instead of ~",
                    echo(id)
                ),
            );
        }
        let application_id = self.id(Field::ApplicationId);
        let talent = self.person(Role::Talent);
        if matches!(application_id, Got::Invalid)
            && matches!(talent, Person::Id(_) | Person::Wanted(_))
        {
            self.advise_the_other_candidate_column();
        }
        if application_id.is_missing() && matches!(talent, Person::Missing) {
            let names = self.mapped_names(&Field::CANDIDATE);
            let message = if names.len() > 2 {
                format!(
                    "{} are all empty; a reward needs its candidate",
                    names.join(", ")
                )
            } else {
                "application_id and talent_id are both empty; a reward needs one of them".to_owned()
            };
            self.error(
                self.first_mapped(&Field::CANDIDATE),
                Rule::CandidateMissing,
                message,
            );
        }
        // An application id is not a talent id (SPEC §2.3): a talent e-mail or mobile beside
        // it is still looked up, so the body carries both ids, as if the file gave both.
        let job_id = self.id(Field::JobId);
        let reason = self.free_text(Field::Reason);
        let rule_type = self.required_enum(Field::RuleType, EnumField::RuleType);
        let bonus_type = match self.enum_value(Field::BonusType, EnumField::BonusType) {
            Got::Missing => Got::Value(BONUS_POINTS),
            read => read,
        };
        // With a value column the row's bonus_type says what it holds (SPEC §2.4).
        let by_value = self.row.mapping().gives(Field::Value);
        let (points_column, amount_column) = if by_value {
            (Field::Value, Field::Value)
        } else {
            (Field::PointBonus, Field::Amount)
        };
        let (point_bonus, (currency_type, amount)) = match bonus_type {
            _ if !by_value => (
                self.points(Field::PointBonus),
                self.cash(Some(Field::Amount)),
            ),
            Got::Value(BONUS_POINTS) => (
                self.value_as_points(self.value(Field::BonusType).is_missing()),
                self.cash(None),
            ),
            Got::Value(BONUS_CASH) => (Got::Missing, self.cash(Some(Field::Value))),
            // No bonus_type to read it by: the row is already invalid.
            _ => (Got::Invalid, self.cash(None)),
        };
        let stage = self.required_enum(Field::Stage, EnumField::Stage);
        let create_time = self.time(Field::CreateTime);
        let confirm_time = self.time(Field::ConfirmTime);
        let pay_time = self.time(Field::PayTime);
        let onboard_time = self.time(Field::OnboardTime);
        let conversion_time = self.time(Field::ConversionTime);
        let creator = self.person(Role::Creator);
        let confirmer = self.person(Role::Confirmer);
        let payer = self.person(Role::Payer);
        let comment = self.free_text(Field::Comment);

        let bonus_type = bonus_type.value();
        match bonus_type {
            Some(BONUS_POINTS) => {
                if point_bonus.is_missing() {
                    self.error(
                        points_column,
                        Rule::RequiredByBonusType,
                        "is empty; it is required when bonus_type is 1 (points)".into(),
                    );
                }
                for column in [Field::CurrencyType, Field::Amount] {
                    if self.in_file(column) {
                        self.warn(
                            column,
                            Rule::IgnoredForBonusType,
                            format!("is set on a points reward (bonus_type 1); Feishu ignores {column} for points, check the row's bonus_type"),
                        );
                    }
                }
            }
            Some(BONUS_CASH) => {
                for (column, missing) in [
                    (Field::CurrencyType, currency_type.is_missing()),
                    (amount_column, amount.is_missing()),
                ] {
                    if missing {
                        self.error(
                            column,
                            Rule::RequiredByBonusType,
                            "is empty; it is required when bonus_type is 2 (cash)".into(),
                        );
                    }
                }
                if self.in_file(Field::PointBonus) {
                    self.warn(
                        Field::PointBonus,
                        Rule::IgnoredForBonusType,
                        "is set on a cash reward (bonus_type 2); Feishu ignores point_bonus for cash, check the row's bonus_type".into(),
                    );
                }
            }
            _ => {}
        }
        let stage = stage.value();
        if let Some(stage) = stage {
            self.stage_warnings(stage);
        }

        let cash = match (currency_type.value(), amount.value()) {
            (Some(currency_type), Some(amount)) => Some(Cash {
                currency_type: currency_type.to_owned(),
                amount,
            }),
            _ => None,
        };
        let external_id = external_id.value();
        let referrer_wanted = matches!(referrer, Person::Wanted(_));
        let talent_wanted = matches!(talent, Person::Wanted(_));
        let referral_user_id = match referrer {
            Person::Missing | Person::Invalid => None,
            person => Some(self.person_id(person).unwrap_or_default()),
        };
        let talent_id = self.person_id(talent);
        let create_user_id = self.person_id(creator);
        let confirm_user_id = self.person_id(confirmer);
        let pay_user_id = self.person_id(payer);
        let (Some(referral_user_id), Some(id), Some(rule_type), Some(bonus_type), Some(stage)) = (
            referral_user_id,
            external_id.clone(),
            rule_type.value(),
            bonus_type,
            stage,
        ) else {
            return (None, external_id);
        };
        let body = RewardBody {
            referral_user_id,
            create_user_id,
            confirm_user_id,
            pay_user_id,
            external_id: id,
            application_id: application_id.value(),
            talent_id,
            job_id: job_id.value(),
            reason,
            rule_type,
            bonus: Bonus {
                bonus_type,
                point_bonus: point_bonus.value(),
                cash,
            },
            stage,
            create_time: create_time.value(),
            confirm_time: confirm_time.value(),
            pay_time: pay_time.value(),
            onboard_time: onboard_time.value(),
            conversion_time: conversion_time.value(),
            comment,
        };
        // The last gate is the same check the server side applies; it only speaks when
        // every cell passed, so it never repeats what a cell's own check said.
        if !self.problems.iter().any(|p| p.severity == Severity::Error) {
            for problem in body.check() {
                // A person to look up has no id yet: that is not a fault of the row.
                let awaited = (problem.field == BodyField::ReferralUserId && referrer_wanted)
                    || (problem.rule == Rule::CandidateMissing && talent_wanted);
                if awaited {
                    continue;
                }
                let column = match column_of_field(problem.field) {
                    Field::PointBonus | Field::Amount if by_value => Field::Value,
                    column => column,
                };
                self.error(column, problem.rule, problem.message);
            }
        }
        (Some(body), external_id)
    }

    /// Fields the API documents for later stages, set on an earlier one: sent anyway.
    fn stage_warnings(&mut self, stage: i64) {
        let stage_name = STAGES
            .iter()
            .find(|(n, _, _)| *n == stage)
            .map_or("", |(_, en, _)| *en);
        let confirm: (&[Field], _, _) = (
            &[
                Field::ConfirmTime,
                Field::ConfirmUserId,
                Field::ConfirmUserEmail,
                Field::ConfirmUserMobile,
            ],
            STAGE_CONFIRMED,
            "confirmed or paid rewards (stage 2 or 3)",
        );
        let pay: (&[Field], _, _) = (
            &[
                Field::PayTime,
                Field::PayUserId,
                Field::PayUserEmail,
                Field::PayUserMobile,
            ],
            STAGE_PAID,
            "paid rewards (stage 3)",
        );
        for (columns, from_stage, meant_for) in [confirm, pay] {
            if stage >= from_stage || stage < STAGE_PENDING {
                continue;
            }
            for &column in columns {
                if self.in_file(column) {
                    self.warn(
                        column,
                        Rule::LaterStageField,
                        format!(
                            "is for {meant_for}, but this row is stage {stage} ({stage_name}); it is sent anyway"
                        ),
                    );
                }
            }
        }
    }
}

/// The column a body field comes from.
fn column_of_field(field: BodyField) -> Field {
    match field {
        BodyField::ReferralUserId => Field::ReferralUserId,
        BodyField::ExternalId => Field::ExternalId,
        BodyField::ApplicationId => Field::ApplicationId,
        BodyField::RuleType => Field::RuleType,
        BodyField::Stage => Field::Stage,
        BodyField::BonusType => Field::BonusType,
        BodyField::PointBonus => Field::PointBonus,
        BodyField::Cash | BodyField::CurrencyType => Field::CurrencyType,
        BodyField::Amount => Field::Amount,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_names_are_stable_unique_snake_case() {
        let names = Rule::ALL.map(Rule::name);
        let mut unique = names.to_vec();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        for (rule, name) in Rule::ALL.iter().zip(names) {
            assert!(
                name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_'),
                "{name}"
            );
            assert_eq!(serde_json::to_string(rule).unwrap(), format!("\"{name}\""));
            assert_eq!(rule.to_string(), name);
            let summary = rule.summary();
            assert!(!summary.is_empty() && !summary.contains('"'), "{summary}");
        }
    }
}
