//! What can be wrong with a row, in one place: the rules ([`Rule`], each with a stable name
//! and a summary for grouped reports), a value that breaks one ([`Violation`]), and a
//! problem as reported for a row ([`Problem`], an error or a warning, with its column).
//!
//! The reader (encodings, control characters, ragged rows), the domain rules of the
//! reward and the validator all speak of problems in these terms, so a summary can group
//! them by rule whichever found them.

use std::fmt;

use serde::{Serialize, Serializer};

/// How bad a problem is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Severity {
    /// The row is invalid and is not sent.
    Error,
    /// The row is sent anyway; the user may want to look.
    Warning,
}

/// Which rule a problem breaks: the stable key that summaries group problems by (with the
/// column), and that `--json` reports by [`Rule::name`]. One rule per distinct rule of
/// the input, whatever the wording of its messages; warnings have rules too.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    /// A cell holds bytes that are not valid in the file's encoding.
    Encoding,
    /// A row has more or fewer fields than the header.
    Ragged,
    /// A row holds more than a row may (1 MiB, SPEC §2.5): its cells were not kept.
    TooLong,
    /// A cell spanning lines that holds rows of the file: a quote closed far too late.
    QuoteSpansRows,
    /// A cell holds a control character, or a tab or line break outside free text.
    ControlCharacter,
    /// A required cell is empty.
    Required,
    /// A cell the row's bonus_type needs (points, or currency and amount) is empty.
    RequiredByBonusType,
    /// application_id and talent_id are both empty.
    CandidateMissing,
    /// A number in scientific notation, as Excel writes long numbers (ids lose digits).
    ScientificNotation,
    /// Not a plain whole number where one is needed (enums, points).
    NotWholeNumber,
    /// A number outside a documented enum (rule_type, bonus_type, stage).
    Enum,
    /// A negative amount or number of points.
    Negative,
    /// More points than the API's integer holds.
    PointsTooLarge,
    /// An amount with more than two decimals.
    AmountDecimals,
    /// An amount that is no decimal number at all.
    AmountNotDecimal,
    /// A currency that is not a code of Feishu's currency enum, in capitals.
    Currency,
    /// A time in epoch seconds where the API takes milliseconds.
    EpochSeconds,
    /// A time that is not epoch milliseconds (13 digits).
    NotEpochMillis,
    /// The same key (external_id, employee) on an earlier line.
    Duplicate,
    /// An external_id ending like a revision (`~r2`), which rewardsync keeps for them.
    RevisionSuffix,
    /// Warning: a field meant for a later stage than the row's.
    LaterStageField,
    /// Warning: a field Feishu ignores for the row's bonus_type.
    IgnoredForBonusType,
    /// Not an e-mail address.
    Email,
    /// Not a mobile number in a form that can be looked up.
    Mobile,
    /// A person named by e-mail or mobile whom Feishu did not resolve to one id.
    Unresolved,
    /// One of mobile_code and mobile_number without the other.
    MobileIncomplete,
    /// email and mobile_number are both empty.
    ContactMissing,
    /// Not digits only where digits are needed (account ids, mobiles, country codes).
    NotDigits,
    /// Digits, but too few or too many.
    DigitCount,
    /// A number whose thousands separators are not in groups of three (`1,00,000`).
    ThousandsGrouping,
    /// A number with a comma as its decimal point (`100,50`): ambiguous with a thousands separator.
    DecimalComma,
    /// An amount with text around the number that is no known currency mark, or with two marks.
    AmountUnknownMark,
    /// A date whose day and month could be either way round (`1/8/2024`).
    AmbiguousDate,
    /// A bare number in a time column that looks like an Excel serial date (`45299.5583`).
    ExcelSerialAsText,
    /// A time in none of the accepted forms.
    TimeForm,
    /// A date or time of day that does not exist in the calendar (February 30, 25:00).
    NoSuchDate,
    /// A local time that the zone skipped when daylight saving began.
    TimeSkipped,
    /// A local time that the zone went through twice when daylight saving ended.
    TimeRepeated,
    /// A time outside the range a reward time can take (1970 to the end of 9999).
    TimeOutOfRange,
    /// An id held as a number, which has lost digits (Excel keeps 15) or gained a `.0`.
    IdAsNumber,
    /// A user id column holding what is no id of the run's `--user-id-type`: an employee
    /// number, an e-mail address, a mobile, a name.
    NotAUserId,
    /// An amount whose currency mark names another currency than currency_type.
    CurrencyMismatch,
    /// A workbook cell of a kind the column cannot take (a date where an id belongs).
    CellKind,
    /// A workbook cell holding an error value (`#N/A`, `#REF!`).
    ExcelError,
    /// A time without an offset while no time zone is set: stops the run (SPEC §2.1).
    NeedsTimeZone,
    /// A one-value column holding the other bonus type's value: points on a cash row,
    /// a cash amount on a points row (SPEC §2.4).
    ValueForBonusType,
}

impl Rule {
    /// Every rule, in declaration order.
    pub const ALL: [Rule; 46] = [
        Rule::Encoding,
        Rule::Ragged,
        Rule::TooLong,
        Rule::QuoteSpansRows,
        Rule::ControlCharacter,
        Rule::Required,
        Rule::RequiredByBonusType,
        Rule::CandidateMissing,
        Rule::ScientificNotation,
        Rule::NotWholeNumber,
        Rule::Enum,
        Rule::Negative,
        Rule::PointsTooLarge,
        Rule::AmountDecimals,
        Rule::AmountNotDecimal,
        Rule::Currency,
        Rule::EpochSeconds,
        Rule::NotEpochMillis,
        Rule::Duplicate,
        Rule::RevisionSuffix,
        Rule::LaterStageField,
        Rule::IgnoredForBonusType,
        Rule::Email,
        Rule::Mobile,
        Rule::Unresolved,
        Rule::MobileIncomplete,
        Rule::ContactMissing,
        Rule::NotDigits,
        Rule::DigitCount,
        Rule::ThousandsGrouping,
        Rule::DecimalComma,
        Rule::AmountUnknownMark,
        Rule::AmbiguousDate,
        Rule::ExcelSerialAsText,
        Rule::TimeForm,
        Rule::NoSuchDate,
        Rule::TimeSkipped,
        Rule::TimeRepeated,
        Rule::TimeOutOfRange,
        Rule::IdAsNumber,
        Rule::NotAUserId,
        Rule::CurrencyMismatch,
        Rule::CellKind,
        Rule::ExcelError,
        Rule::NeedsTimeZone,
        Rule::ValueForBonusType,
    ];

    /// True when a row breaking this rule has no cells to check: they sit under the wrong
    /// names (a ragged row) or were not kept (a row over 1 MiB).
    pub fn spoils_row(self) -> bool {
        matches!(self, Rule::Ragged | Rule::TooLong)
    }

    /// The rule's stable snake_case name, for JSON and scripts. Never renamed.
    pub fn name(self) -> &'static str {
        match self {
            Rule::Encoding => "encoding",
            Rule::Ragged => "ragged",
            Rule::TooLong => "too_long",
            Rule::QuoteSpansRows => "quote_spans_rows",
            Rule::ControlCharacter => "control_character",
            Rule::Required => "required",
            Rule::RequiredByBonusType => "required_by_bonus_type",
            Rule::CandidateMissing => "candidate_missing",
            Rule::ScientificNotation => "scientific_notation",
            Rule::NotWholeNumber => "not_whole_number",
            Rule::Enum => "enum",
            Rule::Negative => "negative",
            Rule::PointsTooLarge => "points_too_large",
            Rule::AmountDecimals => "amount_decimals",
            Rule::AmountNotDecimal => "amount_not_decimal",
            Rule::Currency => "currency",
            Rule::EpochSeconds => "epoch_seconds",
            Rule::NotEpochMillis => "not_epoch_millis",
            Rule::Duplicate => "duplicate",
            Rule::RevisionSuffix => "revision_suffix",
            Rule::LaterStageField => "later_stage_field",
            Rule::IgnoredForBonusType => "ignored_for_bonus_type",
            Rule::Email => "email",
            Rule::Mobile => "mobile",
            Rule::Unresolved => "unresolved",
            Rule::MobileIncomplete => "mobile_incomplete",
            Rule::ContactMissing => "contact_missing",
            Rule::NotDigits => "not_digits",
            Rule::DigitCount => "digit_count",
            Rule::ThousandsGrouping => "thousands_grouping",
            Rule::DecimalComma => "decimal_comma",
            Rule::AmountUnknownMark => "amount_unknown_mark",
            Rule::AmbiguousDate => "ambiguous_date",
            Rule::ExcelSerialAsText => "excel_serial_as_text",
            Rule::TimeForm => "time_form",
            Rule::NoSuchDate => "no_such_date",
            Rule::TimeSkipped => "time_skipped",
            Rule::TimeRepeated => "time_repeated",
            Rule::TimeOutOfRange => "time_out_of_range",
            Rule::IdAsNumber => "id_as_number",
            Rule::NotAUserId => "not_a_user_id",
            Rule::CurrencyMismatch => "currency_mismatch",
            Rule::CellKind => "cell_kind",
            Rule::ExcelError => "excel_error",
            Rule::NeedsTimeZone => "needs_time_zone",
            Rule::ValueForBonusType => "value_for_bonus_type",
        }
    }

    /// A short phrase for a group heading, without any value; it reads after
    /// `column C` ("6 rows: column referral_user_id is empty; it is required").
    pub fn summary(self) -> &'static str {
        match self {
            Rule::Encoding => "holds bytes that are not valid in the file's encoding",
            Rule::Ragged => "the row has a different number of fields than the header",
            Rule::TooLong => "the row is over 1 MiB, and is not read",
            Rule::QuoteSpansRows => {
                "is a quoted cell holding rows of the file: its quote is closed far too late"
            }
            Rule::ControlCharacter => "contains a control character",
            Rule::Required => "is empty; it is required",
            Rule::RequiredByBonusType => "is empty; the row's bonus_type requires it",
            Rule::CandidateMissing => {
                "is empty and so is the other candidate id (application_id, talent_id); a reward needs one"
            }
            Rule::ScientificNotation => "is in scientific notation, as Excel writes long numbers",
            Rule::NotWholeNumber => "is not a whole number",
            Rule::Enum => "is not one of the documented values",
            Rule::Negative => "is negative; it must be 0 or more",
            Rule::PointsTooLarge => "is larger than the API accepts",
            Rule::AmountDecimals => "has more than 2 decimals",
            Rule::AmountNotDecimal => "is not a decimal number",
            Rule::Currency => "is not a currency code of Feishu's enum (ISO 4217, in capitals)",
            Rule::EpochSeconds => "is in epoch seconds; the API takes milliseconds",
            Rule::NotEpochMillis => "is not epoch milliseconds (13 digits)",
            Rule::Duplicate => "repeats an earlier row; each must appear once",
            Rule::RevisionSuffix => "ends in ~r and a number, which rewardsync keeps for revisions",
            Rule::LaterStageField => "is for a later stage than the row's (sent anyway)",
            Rule::IgnoredForBonusType => "is set, but Feishu ignores it for the row's bonus_type",
            Rule::Email => "is not an e-mail address",
            Rule::Mobile => "is not a mobile number that can be looked up",
            Rule::Unresolved => "names a person Feishu did not resolve to one id",
            Rule::MobileIncomplete => "is empty; mobile_code and mobile_number go together",
            Rule::ContactMissing => "email and mobile_number are both empty; give one of them",
            Rule::NotDigits => "is not digits only",
            Rule::DigitCount => "has too few or too many digits",
            Rule::ThousandsGrouping => "has thousands separators that are not in groups of three",
            Rule::DecimalComma => {
                "has a comma as the decimal point, which could also be a thousands separator"
            }
            Rule::AmountUnknownMark => {
                "has text around the number that is not a known currency mark"
            }
            Rule::AmbiguousDate => "is a date whose day and month could be either way round",
            Rule::ExcelSerialAsText => "is a bare number that looks like an Excel serial date",
            Rule::TimeForm => "is not a time in any accepted form",
            Rule::NoSuchDate => "is not a real date or time of day",
            Rule::TimeSkipped => "never happened in the time zone: daylight saving skipped it",
            Rule::TimeRepeated => {
                "happened twice in the time zone (daylight saving ended); it needs an offset"
            }
            Rule::TimeOutOfRange => "is outside the times the API takes (1970 onwards)",
            Rule::IdAsNumber => "is an id stored as a number, which loses digits (Excel keeps 15)",
            Rule::NotAUserId => {
                "holds no user id of the run's --user-id-type (an employee number, an e-mail, a mobile or a name)"
            }
            Rule::CurrencyMismatch => "has a currency mark that disagrees with currency_type",
            Rule::CellKind => "is a workbook cell of a kind the column cannot take",
            Rule::ExcelError => "holds an Excel error value (a formula that did not compute)",
            Rule::NeedsTimeZone => "has no offset, and no time zone is set to read it in",
            Rule::ValueForBonusType => {
                "holds the other bonus type's value: points on a cash row, or cash on a points row"
            }
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.name())
    }
}

/// A value that breaks a rule: which rule, and what to tell the user (the value echoed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The rule broken.
    pub rule: Rule,
    /// What is wrong and what to do.
    pub message: String,
}

impl Violation {
    /// A violation of `rule`, told by `message`.
    pub fn new(rule: Rule, message: impl Into<String>) -> Self {
        Violation {
            rule,
            message: message.into(),
        }
    }
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// One problem of one row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Error or warning.
    pub severity: Severity,
    /// The column, by its header name, when the problem belongs to one.
    pub column: Option<String>,
    /// What is wrong and what to do.
    pub message: String,
    /// The rule broken: with the column, the key problems are grouped by.
    pub rule: Rule,
}

/// Problems as one line, `column C: message; …`, as the ledger and the errors file keep them.
pub fn joined<'a>(problems: impl IntoIterator<Item = &'a Problem>) -> String {
    problems
        .into_iter()
        .map(|p| match &p.column {
            Some(column) => format!("column {column}: {}", p.message),
            None => p.message.clone(),
        })
        .collect::<Vec<_>>()
        .join("; ")
}

impl Problem {
    /// An error (the row is not sent).
    pub fn error(column: Option<&str>, rule: Rule, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            column: column.map(str::to_owned),
            message: message.into(),
            rule,
        }
    }

    /// A warning (the row is sent anyway).
    pub fn warning(column: Option<&str>, rule: Rule, message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(column, rule, message)
        }
    }
}
