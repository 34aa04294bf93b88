//! The documented enums (rule_type, bonus_type, stage) written as their labels (SPEC §2.1
//! "Enum labels"): 入职奖励 or onboard for rule_type 1, 现金 or cash for bonus_type 2, …,
//! besides the numbers themselves.

use super::number::{NumberError, normalize_digits, parse_digits, plain_number, whole_digits};
use crate::problem::{Rule, Violation};
use crate::reward::{BONUS_TYPES, EnumValue, RULE_TYPES, STAGES};
use crate::text::{self, echo};

/// A column whose cells are a documented enum.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EnumField {
    /// `rule_type`: what the reward was for.
    RuleType,
    /// `bonus_type`: points or cash.
    BonusType,
    /// `stage`: pending, confirmed or paid.
    Stage,
}

/// The labels of each value (SPEC §2.1 table, plus the English names of [`crate::reward`]).
const RULE_TYPE_LABELS: &[(i64, &[&str])] = &[
    (1, &["入职奖励", "入职", "onboard"]),
    (2, &["过程奖励", "过程", "process"]),
    (3, &["活动奖励", "活动", "activity"]),
    (4, &["开源奖励", "开源", "open-source", "open_source"]),
    (5, &["其他奖励", "其他", "other"]),
];
const BONUS_TYPE_LABELS: &[(i64, &[&str])] =
    &[(1, &["积分", "points", "point"]), (2, &["现金", "cash"])];
const STAGE_LABELS: &[(i64, &[&str])] = &[
    (1, &["待确认", "pending", "pending confirmation"]),
    (2, &["已确认", "confirmed"]),
    (3, &["已发放", "paid"]),
];

impl EnumField {
    /// The field's name, as the body and the mapping file's `[values.*]` call it.
    pub fn name(self) -> &'static str {
        match self {
            EnumField::RuleType => "rule_type",
            EnumField::BonusType => "bonus_type",
            EnumField::Stage => "stage",
        }
    }

    /// The documented values of the field.
    pub fn values(self) -> &'static [EnumValue] {
        match self {
            EnumField::RuleType => RULE_TYPES,
            EnumField::BonusType => BONUS_TYPES,
            EnumField::Stage => STAGES,
        }
    }

    /// Every value with the labels accepted for it.
    pub fn labels(self) -> &'static [(i64, &'static [&'static str])] {
        match self {
            EnumField::RuleType => RULE_TYPE_LABELS,
            EnumField::BonusType => BONUS_TYPE_LABELS,
            EnumField::Stage => STAGE_LABELS,
        }
    }

    /// "1 (入职奖励, 入职, onboard), 2 (…), …": what a refusal offers instead.
    pub fn accepted(self) -> String {
        self.labels()
            .iter()
            .map(|(n, labels)| format!("{n} ({})", labels.join(", ")))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The value `number` when it is one of the field's.
    fn check(self, number: i64) -> Option<i64> {
        self.values()
            .iter()
            .any(|(n, _, _)| *n == number)
            .then_some(number)
    }
}

/// An enum cell: a label of the field (trimmed; English in any case, `-`, `_` and a space
/// alike) or one of its numbers.
pub fn enum_value(field: EnumField, text: &str) -> Result<i64, Violation> {
    // The canonical form: one digit.
    if let [digit @ b'0'..=b'9'] = text.as_bytes() {
        return field
            .check(i64::from(digit - b'0'))
            .ok_or_else(|| not_a_value(field, text));
    }
    let trimmed = text::trim(text);
    // Labels as documented first (a plain comparison), then in other cases and spellings.
    for (number, labels) in field.labels() {
        if labels.contains(&trimmed) {
            return Ok(*number);
        }
    }
    for (number, labels) in field.labels() {
        if labels.iter().any(|label| same_label(label, trimmed)) {
            return Ok(*number);
        }
    }
    let normal = normalize_digits(trimmed);
    match plain_number(&normal) {
        Ok(plain) => match whole_digits(&plain) {
            Some(digits) => parse_digits(digits)
                .and_then(|n| i64::try_from(n).ok())
                .and_then(|n| field.check(n))
                .ok_or_else(|| not_a_value(field, text)),
            None => Err(not_whole(field, &echo(text))),
        },
        Err(NumberError::NotNumber) => Err(not_a_value(field, text)),
        Err(_) => Err(not_whole(field, &echo(text))),
    }
}

/// An enum from a workbook's number cell: a whole number of the field's values.
pub fn enum_from_number(field: EnumField, value: f64) -> Result<i64, Violation> {
    let shown = || echo(&value.to_string());
    if !value.is_finite() || value.fract() != 0.0 {
        return Err(not_whole(field, &shown()));
    }
    // A whole number of any size; only the small ones pass the check.
    let number = value as i64;
    field.check(number).ok_or_else(|| {
        Violation::new(
            Rule::Enum,
            format!(
                "{} is not a {}; use {}",
                shown(),
                field.name(),
                field.accepted()
            ),
        )
    })
}

fn not_a_value(field: EnumField, text: &str) -> Violation {
    Violation::new(
        Rule::Enum,
        format!(
            "{} is not a {}; use {}, or map it in the mapping file's [values.{}]",
            echo(text),
            field.name(),
            field.accepted(),
            field.name()
        ),
    )
}

fn not_whole(field: EnumField, shown: &str) -> Violation {
    Violation::new(
        Rule::NotWholeNumber,
        format!("{shown} is not a whole number; use {}", field.accepted()),
    )
}

/// True when `text` is `label`: Chinese exactly, Latin letters in any case, and `-`, `_`
/// and a space taken as the same (`open source`, `Open_Source`, `open-source`).
fn same_label(label: &str, text: &str) -> bool {
    fn fold(b: u8) -> u8 {
        match b {
            b'_' | b' ' => b'-',
            b => b.to_ascii_lowercase(),
        }
    }
    label.len() == text.len()
        && label
            .bytes()
            .zip(text.bytes())
            .all(|(a, b)| fold(a) == fold(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_documented_value_has_labels_and_back() {
        for field in [EnumField::RuleType, EnumField::BonusType, EnumField::Stage] {
            let numbers: Vec<i64> = field.values().iter().map(|(n, _, _)| *n).collect();
            let labelled: Vec<i64> = field.labels().iter().map(|(n, _)| *n).collect();
            assert_eq!(numbers, labelled, "{}", field.name());
            for (n, en, zh) in field.values() {
                assert_eq!(enum_value(field, en), Ok(*n), "{en}");
                assert_eq!(enum_value(field, zh), Ok(*n), "{zh}");
            }
        }
    }

    #[test]
    fn labels_fold_case_and_separators_only() {
        assert!(same_label("open-source", "Open Source"));
        assert!(same_label("open-source", "OPEN_SOURCE"));
        assert!(!same_label("open-source", "opensource"));
        assert!(same_label("入职", "入职"));
        assert!(!same_label("入职", "入職"));
    }
}
