//! The rules of SPEC §2 applied to CSV rows: each row is checked completely, every problem
//! of every cell is reported, and a valid row comes out as its request body.
//!
//! Per-value domain rules (enum ranges, amounts, points, currencies) live in [`crate::reward`]
//! and are shared with the sandbox; this module adds what only a CSV can get wrong: empty
//! cells, numbers as text, ids that Excel mangled, times in the wrong unit, duplicates.

use std::collections::HashMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::str::FromStr;

use rust_decimal::Decimal;

use crate::field::Field;
use crate::mapping::Mapped;
use crate::reward::{
    self, Amount, BONUS_CASH, BONUS_POINTS, BONUS_TYPES, Bonus, Cash, EnumValue, RULE_TYPES,
    RewardBody, STAGE_CONFIRMED, STAGE_PAID, STAGE_PENDING, STAGES,
};
use crate::source::cell_text;
use crate::text::{self, echo};

pub use crate::problem::{Problem, Rule, Severity, Violation};

/// The verdict on one row.
#[derive(Debug, Clone)]
pub struct Checked {
    /// The line the row starts on.
    pub line: u64,
    /// The row's external_id as written (may be empty).
    pub external_id: String,
    /// Every problem found, errors and warnings, in column order.
    pub problems: Vec<Problem>,
    /// The request body, when the row has no error.
    pub body: Option<RewardBody>,
    /// The line of an earlier row with the same external_id, if any.
    pub duplicate_of: Option<u64>,
}

impl Checked {
    /// True when the row can be sent.
    pub fn is_valid(&self) -> bool {
        self.body.is_some()
    }

    /// The errors (not the warnings).
    pub fn errors(&self) -> impl Iterator<Item = &Problem> {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Error)
    }

    /// The errors as one line: `column C: message; …` (the errors file, the ledger).
    pub fn errors_text(&self) -> String {
        self.errors()
            .map(|p| match &p.column {
                Some(column) => format!("column {column}: {}", p.message),
                None => p.message.clone(),
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// The number of warnings.
    pub fn warning_count(&self) -> usize {
        self.problems
            .iter()
            .filter(|p| p.severity == Severity::Warning)
            .count()
    }
}

/// Checks the rows of one file in order; remembers external_ids to catch duplicates.
#[derive(Debug, Default)]
pub struct Validator {
    /// external_id hash → line of its first occurrence. A 64-bit hash keeps a million ids
    /// in ~32 MB instead of several times that; a false "duplicate" needs a hash collision
    /// (odds about 1 in 10^7 for a million-row file), and it is reported, never silent.
    first_seen: HashMap<u64, u64>,
}

impl Validator {
    /// A validator for a new file.
    pub fn new() -> Self {
        Self::default()
    }

    /// Checks one row completely.
    pub fn check(&mut self, row: Mapped<'_>) -> Checked {
        let record = row.record();
        let mut cells = Cells {
            row,
            problems: Vec::new(),
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
        let external_id = cells.text(Field::ExternalId).unwrap_or_default();
        // A ragged row's cells sit under the wrong names: checking them would only mislead.
        let ragged = record.problems.iter().any(|p| p.rule == Rule::Ragged);
        let (body, duplicate_of) = if ragged {
            (None, None)
        } else {
            cells.layout_characters();
            let body = cells.build();
            (body, self.check_duplicate(&mut cells, &external_id))
        };
        let has_error = cells.problems.iter().any(|p| p.severity == Severity::Error);
        Checked {
            line: record.row,
            external_id,
            problems: cells.problems,
            body: if has_error { None } else { body },
            duplicate_of,
        }
    }

    fn check_duplicate(&mut self, cells: &mut Cells<'_>, external_id: &str) -> Option<u64> {
        if external_id.is_empty() {
            return None;
        }
        let mut hasher = DefaultHasher::new();
        external_id.hash(&mut hasher);
        let line = cells.row.record().row;
        let first = *self.first_seen.entry(hasher.finish()).or_insert(line);
        if first != line {
            cells.error(
                Field::ExternalId,
                Rule::Duplicate,
                format!(
                    "{} already appears on line {first}; each reward must appear once (external_id is its idempotency key)",
                    echo(external_id)
                ),
            );
            return Some(first);
        }
        None
    }
}

/// The cells of one row being checked, and the problems found so far.
struct Cells<'a> {
    row: Mapped<'a>,
    problems: Vec<Problem>,
}

/// Free-text columns: the only ones whose cells may hold tabs and line breaks.
const FREE_TEXT: [Field; 2] = [Field::Reason, Field::Comment];

impl Cells<'_> {
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

    fn violation(&mut self, column: Field, violation: Violation) {
        self.error(column, violation.rule, violation.message);
    }

    /// Tabs and line breaks are text layout: fine in reason and comment, refused anywhere
    /// else (an id or a number with a line break was edited by hand, or swallowed a stray
    /// quote), even at the edges of a cell. The reader has already refused every other
    /// control character, in every column; a cell it reported is not reported twice.
    fn layout_characters(&mut self) {
        for column in Field::ALL {
            if FREE_TEXT.contains(&column) {
                continue;
            }
            let Some(field) = self.row.mapping().column_of(column) else {
                continue;
            };
            let record = self.row.record();
            let reported = record
                .problems
                .iter()
                .any(|p| p.rule == Rule::ControlCharacter && p.field == Some(field));
            let raw = record.text(field);
            let raw = raw.as_ref();
            if let (false, Some(found)) = (reported, text::find_controls(raw, &[])) {
                self.error(
                    column,
                    Rule::ControlCharacter,
                    text::control_message(
                        raw,
                        &found,
                        "tabs and line breaks are allowed only in reason and comment: remove it from this cell",
                    ),
                );
            }
        }
    }

    /// The trimmed value, `None` when empty.
    fn text(&self, column: Field) -> Option<String> {
        let value = self.row.get(column);
        let text = cell_text(value.cell);
        let text = text.trim();
        (!text.is_empty()).then(|| text.to_owned())
    }

    /// An id cell: refused if Excel turned it into scientific notation.
    fn id(&mut self, column: Field) -> Option<String> {
        let value = self.text(column)?;
        if looks_scientific(&value) {
            self.error(
                column,
                Rule::ScientificNotation,
                format!(
                    "{} is an id that Excel turned into scientific notation, which loses its digits; format the column as Text in Excel and export again",
                    echo(&value)
                ),
            );
            return None;
        }
        Some(value)
    }

    fn required_id(&mut self, column: Field) -> Option<String> {
        if self.text(column).is_none() {
            self.error(column, Rule::Required, "is empty; it is required".into());
            return None;
        }
        self.id(column)
    }

    /// A documented enum, written as its number.
    fn enum_value(&mut self, column: Field, values: &[EnumValue]) -> Option<i64> {
        let value = self.text(column)?;
        match parse_whole(&value) {
            Some(n) => match reward::check_enum(values, n) {
                Ok(()) => Some(n),
                Err(violation) => {
                    self.violation(column, violation);
                    None
                }
            },
            None => {
                self.error(
                    column,
                    Rule::NotWholeNumber,
                    format!(
                        "{} is not a whole number; use {}",
                        echo(&value),
                        reward::describe_enum(values)
                    ),
                );
                None
            }
        }
    }

    fn required_enum(&mut self, column: Field, values: &[EnumValue]) -> Option<i64> {
        if self.text(column).is_none() {
            self.error(
                column,
                Rule::Required,
                format!(
                    "is empty; it is required: {}",
                    reward::describe_enum(values)
                ),
            );
            return None;
        }
        self.enum_value(column, values)
    }

    /// A time: epoch milliseconds, as a decimal string.
    fn time(&mut self, column: Field) -> Option<String> {
        let value = self.text(column)?;
        let shown = echo(&value);
        let problem = if looks_scientific(&value) {
            Some(Violation::new(
                Rule::ScientificNotation,
                format!(
                    "{shown} is a time that Excel turned into scientific notation; format the column as Text or Number with no decimals, and export again"
                ),
            ))
        } else if !value.bytes().all(|b| b.is_ascii_digit()) {
            if value.contains(['-', '/', ':', '年']) {
                Some(Violation::new(
                    Rule::TimeLooksLikeDate,
                    format!(
                        "{shown} looks like a date; write the time as epoch milliseconds, e.g. 1704720275000 for 2024-01-08 13:24:35 UTC"
                    ),
                ))
            } else {
                Some(Violation::new(
                    Rule::NotEpochMillis,
                    format!("{shown} is not epoch milliseconds (digits only, e.g. 1704720275000)"),
                ))
            }
        } else if value.len() == 10 {
            // Ten ASCII digits: safe to repeat as they are in the suggestion.
            Some(Violation::new(
                Rule::EpochSeconds,
                format!("{shown} looks like epoch seconds; the API takes milliseconds: {value}000"),
            ))
        } else if value.len() != 13 {
            Some(Violation::new(
                Rule::NotEpochMillis,
                format!(
                    "{shown} is not a plausible epoch-milliseconds time (13 digits, e.g. 1704720275000)"
                ),
            ))
        } else {
            None
        };
        match problem {
            Some(violation) => {
                self.violation(column, violation);
                None
            }
            None => Some(value),
        }
    }

    fn points(&mut self, column: Field) -> Option<i64> {
        let value = self.text(column)?;
        let Some(points) = parse_whole(&value) else {
            let hint = if value.contains(',') {
                "; remove the thousands separator"
            } else {
                ""
            };
            self.error(
                column,
                Rule::NotWholeNumber,
                format!("{} is not a whole number of points{hint}", echo(&value)),
            );
            return None;
        };
        match reward::check_points(points) {
            Ok(()) => Some(points),
            Err(violation) => {
                self.violation(column, violation);
                None
            }
        }
    }

    fn amount(&mut self, column: Field) -> Option<Amount> {
        let value = self.text(column)?;
        let shown = echo(&value);
        let problem = if looks_scientific(&value) {
            Some(Violation::new(
                Rule::ScientificNotation,
                format!(
                    "{shown} is in scientific notation; write the amount in plain digits, e.g. 100.5"
                ),
            ))
        } else if value.contains(',') {
            Some(Violation::new(
                Rule::AmountThousandsSeparator,
                format!("{shown} has a thousands separator; write it without, e.g. 1000.5"),
            ))
        } else if value.starts_with(|c: char| !(c.is_ascii_digit() || c == '-' || c == '.')) {
            Some(Violation::new(
                Rule::AmountCurrencySign,
                format!(
                    "{shown} is not a plain number; write the amount without a currency sign and put the currency in currency_type"
                ),
            ))
        } else {
            None
        };
        if let Some(violation) = problem {
            self.violation(column, violation);
            return None;
        }
        // Parsed from the text as a decimal: no binary float ever sees the amount.
        let parsed = if value
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b'-')
        {
            Decimal::from_str_exact(&value).ok()
        } else {
            None
        };
        let Some(amount) = parsed else {
            self.error(
                column,
                Rule::AmountNotDecimal,
                format!("{shown} is not a decimal number (e.g. 100 or 100.5)"),
            );
            return None;
        };
        match reward::check_amount(amount) {
            Ok(()) => Some(Amount::new(amount)),
            Err(violation) => {
                self.violation(column, violation);
                None
            }
        }
    }

    fn currency(&mut self, column: Field) -> Option<String> {
        let value = self.text(column)?;
        match reward::check_currency(&value) {
            Ok(()) => Some(value),
            Err(violation) => {
                self.violation(column, violation);
                None
            }
        }
    }

    /// Checks every cell and builds the body; the body is only used if no error was found.
    fn build(&mut self) -> Option<RewardBody> {
        let referral_user_id = self.required_id(Field::ReferralUserId);
        let external_id = self.required_id(Field::ExternalId);
        let application_id = self.id(Field::ApplicationId);
        let talent_id = self.id(Field::TalentId);
        if self.text(Field::ApplicationId).is_none() && self.text(Field::TalentId).is_none() {
            let column = if self.row.mapping().column_of(Field::ApplicationId).is_some() {
                Field::ApplicationId
            } else {
                Field::TalentId
            };
            self.error(
                column,
                Rule::CandidateMissing,
                "application_id and talent_id are both empty; a reward needs one of them".into(),
            );
        }
        let job_id = self.id(Field::JobId);
        let reason = self.text(Field::Reason);
        let rule_type = self.required_enum(Field::RuleType, RULE_TYPES);
        let bonus_type = if self.text(Field::BonusType).is_none() {
            Some(BONUS_POINTS)
        } else {
            self.enum_value(Field::BonusType, BONUS_TYPES)
        };
        let point_bonus = self.points(Field::PointBonus);
        let currency_type = self.currency(Field::CurrencyType);
        let amount = self.amount(Field::Amount);
        let stage = self.required_enum(Field::Stage, STAGES);
        let create_time = self.time(Field::CreateTime);
        let confirm_time = self.time(Field::ConfirmTime);
        let pay_time = self.time(Field::PayTime);
        let onboard_time = self.time(Field::OnboardTime);
        let conversion_time = self.time(Field::ConversionTime);
        let create_user_id = self.id(Field::CreateUserId);
        let confirm_user_id = self.id(Field::ConfirmUserId);
        let pay_user_id = self.id(Field::PayUserId);
        let comment = self.text(Field::Comment);

        match bonus_type {
            Some(BONUS_POINTS) => {
                if self.text(Field::PointBonus).is_none() {
                    self.error(
                        Field::PointBonus,
                        Rule::RequiredByBonusType,
                        "is empty; it is required when bonus_type is 1 (points)".into(),
                    );
                }
                for column in [Field::CurrencyType, Field::Amount] {
                    if self.text(column).is_some() {
                        self.warn(
                            column,
                            Rule::IgnoredForBonusType,
                            format!("is set on a points reward (bonus_type 1); Feishu ignores {column} for points, check the row's bonus_type"),
                        );
                    }
                }
            }
            Some(BONUS_CASH) => {
                for column in [Field::CurrencyType, Field::Amount] {
                    if self.text(column).is_none() {
                        self.error(
                            column,
                            Rule::RequiredByBonusType,
                            "is empty; it is required when bonus_type is 2 (cash)".into(),
                        );
                    }
                }
                if self.text(Field::PointBonus).is_some() {
                    self.warn(
                        Field::PointBonus,
                        Rule::IgnoredForBonusType,
                        "is set on a cash reward (bonus_type 2); Feishu ignores point_bonus for cash, check the row's bonus_type".into(),
                    );
                }
            }
            _ => {}
        }
        if let Some(stage) = stage {
            self.stage_warnings(stage);
        }

        let cash = match (currency_type, amount) {
            (Some(currency_type), Some(amount)) => Some(Cash {
                currency_type,
                amount,
            }),
            _ => None,
        };
        let body = RewardBody {
            referral_user_id: referral_user_id?,
            create_user_id,
            confirm_user_id,
            pay_user_id,
            external_id: external_id?,
            application_id,
            talent_id,
            job_id,
            reason,
            rule_type: rule_type?,
            bonus: Bonus {
                bonus_type: bonus_type?,
                point_bonus,
                cash,
            },
            stage: stage?,
            create_time,
            confirm_time,
            pay_time,
            onboard_time,
            conversion_time,
            comment,
        };
        // The last gate is the same check the server side applies; it only speaks when
        // every cell passed, so it never repeats what a cell's own check said.
        if !self.problems.iter().any(|p| p.severity == Severity::Error) {
            for problem in body.check() {
                self.error(
                    column_of_field(problem.field),
                    problem.rule,
                    problem.message,
                );
            }
        }
        Some(body)
    }

    /// Fields the API documents for later stages, set on an earlier one: sent anyway.
    fn stage_warnings(&mut self, stage: i64) {
        let stage_name = STAGES
            .iter()
            .find(|(n, _, _)| *n == stage)
            .map_or("", |(_, en, _)| *en);
        let confirm = (
            [Field::ConfirmTime, Field::ConfirmUserId],
            STAGE_CONFIRMED,
            "confirmed or paid rewards (stage 2 or 3)",
        );
        let pay = (
            [Field::PayTime, Field::PayUserId],
            STAGE_PAID,
            "paid rewards (stage 3)",
        );
        for (columns, from_stage, meant_for) in [confirm, pay] {
            if stage >= from_stage || stage < STAGE_PENDING {
                continue;
            }
            for column in columns {
                if self.text(column).is_some() {
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

/// The CSV column a body field comes from.
fn column_of_field(field: &str) -> Field {
    match field {
        "referral_user_id" => Field::ReferralUserId,
        "external_id" => Field::ExternalId,
        "talent_id" => Field::TalentId,
        "rule_type" => Field::RuleType,
        "stage" => Field::Stage,
        "bonus.bonus_type" => Field::BonusType,
        "bonus.point_bonus" => Field::PointBonus,
        "bonus.cash.currency_type" | "bonus.cash" => Field::CurrencyType,
        "bonus.cash.amount" => Field::Amount,
        _ => Field::ApplicationId,
    }
}

/// A whole number written plainly: optional sign, digits only.
fn parse_whole(value: &str) -> Option<i64> {
    let digits = value.strip_prefix(['-', '+']).unwrap_or(value);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    i64::from_str(value).ok()
}

/// `6.93E+18`, `1e5`: what Excel writes for a long number it could not keep.
pub(crate) fn looks_scientific(value: &str) -> bool {
    let Some((mantissa, exponent)) = value.split_once(['e', 'E']) else {
        return false;
    };
    let mantissa = mantissa.strip_prefix(['-', '+']).unwrap_or(mantissa);
    let exponent = exponent.strip_prefix(['-', '+']).unwrap_or(exponent);
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    !int.is_empty()
        && int.bytes().all(|b| b.is_ascii_digit())
        && frac.bytes().all(|b| b.is_ascii_digit())
        && !exponent.is_empty()
        && exponent.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scientific_notation_is_recognised() {
        for yes in ["6.93E+18", "1e5", "6.930815E18", "1.2e-3"] {
            assert!(looks_scientific(yes), "{yes}");
        }
        for no in ["6930815272790114324", "ou_e5f", "e5", "1e", "abc", "1.5"] {
            assert!(!looks_scientific(no), "{no}");
        }
    }

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

    #[test]
    fn whole_numbers_are_plain_digits() {
        assert_eq!(parse_whole("12"), Some(12));
        assert_eq!(parse_whole("-3"), Some(-3));
        assert_eq!(parse_whole("1.0"), None);
        assert_eq!(parse_whole("1e3"), None);
        assert_eq!(parse_whole(""), None);
    }
}
