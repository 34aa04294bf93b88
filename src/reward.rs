//! The reward as Feishu takes it: the typed request body of
//! `POST /open-apis/hire/v1/external_referral_rewards`, the domain rules that hold for it
//! whoever builds it (the CSV validator on the way out, the sandbox on the way in), and
//! its canonical hash, which the ledger uses to tell a changed row from a resend.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use sha2::{Digest, Sha256};

use crate::problem::{Rule, Violation};
use crate::text::echo;

/// The request body of one external referral reward, fields in the documented order.
///
/// Optional fields are omitted from the JSON when absent, never sent as `""`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardBody {
    pub referral_user_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_user_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_user_id: Option<String>,
    pub external_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    pub rule_type: i64,
    pub bonus: Bonus,
    pub stage: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboard_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_time: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// The `bonus` object: points, cash, or (as the API allows) both fields with a type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bonus {
    pub bonus_type: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_bonus: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash: Option<Cash>,
}

/// The `bonus.cash` object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cash {
    pub currency_type: String,
    pub amount: Amount,
}

/// A cash amount: a decimal that is written to JSON as a number without ever passing
/// through a binary float (100.5 stays 100.5, 0.07 stays 0.07).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Amount {
    /// The amount, normalised so that `100.50` and `100.5` are the same value and text.
    pub fn new(value: Decimal) -> Self {
        Amount(value.normalize())
    }

    /// The decimal value.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.0, f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A decimal's Display is a valid JSON number (no exponent, no leading '+').
        let raw = serde_json::value::RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?;
        raw.serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // Read the number's own text, so no float ever stands between the JSON and the decimal.
        let raw: Box<serde_json::value::RawValue> = Box::deserialize(deserializer)?;
        let text = raw.get();
        let is_number = text.starts_with(|c: char| c == '-' || c.is_ascii_digit());
        if !is_number {
            return Err(D::Error::custom(format!(
                "amount must be a JSON number, got {text}"
            )));
        }
        let value = Decimal::from_str(text)
            .or_else(|_| Decimal::from_scientific(text))
            .map_err(|e| D::Error::custom(format!("amount {text} is not a decimal: {e}")))?;
        Ok(Amount::new(value))
    }
}

/// A documented enum value: its number, its English name and its Chinese name.
pub type EnumValue = (i64, &'static str, &'static str);

/// `rule_type`: what the reward was for.
pub const RULE_TYPES: &[EnumValue] = &[
    (1, "onboard", "入职奖励"),
    (2, "process", "过程奖励"),
    (3, "activity", "活动奖励"),
    (4, "open-source", "开源奖励"),
    (5, "other", "其他奖励"),
];

/// `bonus.bonus_type`: points or cash.
pub const BONUS_TYPES: &[EnumValue] = &[(1, "points", "积分"), (2, "cash", "现金")];

/// `bonus_type` 1: points.
pub const BONUS_POINTS: i64 = 1;
/// `bonus_type` 2: cash.
pub const BONUS_CASH: i64 = 2;

/// `stage`: where the reward stands.
pub const STAGES: &[EnumValue] = &[
    (1, "pending confirmation", "待确认"),
    (2, "confirmed", "已确认"),
    (3, "paid", "已发放"),
];

/// `stage` 1: pending confirmation.
pub const STAGE_PENDING: i64 = 1;
/// `stage` 2: confirmed.
pub const STAGE_CONFIRMED: i64 = 2;
/// `stage` 3: paid.
pub const STAGE_PAID: i64 = 3;

/// Currency codes of Feishu Hire's currency enum (ISO 4217).
pub const CURRENCIES: &[&str] = &[
    "CNY", "USD", "EUR", "JPY", "HKD", "GBP", "SGD", "TWD", "MOP", "KRW", "AUD", "CAD", "CHF",
    "NZD", "SEK", "NOK", "DKK", "INR", "MYR", "THB", "IDR", "PHP", "VND", "AED", "SAR", "BRL",
    "MXN", "RUB", "TRY", "ZAR", "PLN", "ILS", "EGP", "NGN", "KZT", "PKR", "BDT", "CLP", "COP",
    "PEN", "ARS",
];

/// The largest `point_bonus` the API's int field holds.
pub const MAX_POINTS: i64 = i32::MAX as i64;

/// The most decimal places a cash amount may carry.
pub const AMOUNT_MAX_DECIMALS: u32 = 2;

/// Checks a value against a documented enum; the error lists every allowed value.
pub fn check_enum(values: &[EnumValue], value: i64) -> Result<(), Violation> {
    if values.iter().any(|(n, _, _)| *n == value) {
        Ok(())
    } else {
        Err(Violation::new(
            Rule::Enum,
            format!("{value} is not allowed; use {}", describe_enum(values)),
        ))
    }
}

/// "1 (onboard, 入职奖励), 2 (process, 过程奖励), …": the allowed values, in words.
pub fn describe_enum(values: &[EnumValue]) -> String {
    values
        .iter()
        .map(|(n, en, zh)| format!("{n} ({en}, {zh})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks a currency code against Feishu's currency enum.
pub fn check_currency(code: &str) -> Result<(), Violation> {
    if CURRENCIES.contains(&code) {
        return Ok(());
    }
    let upper = code.to_ascii_uppercase();
    let message = if CURRENCIES.contains(&upper.as_str()) {
        // `upper` is a code of the list, so it is safe to show as it is.
        format!(
            "currency {} must be written in capitals: {upper}",
            echo(code)
        )
    } else {
        format!(
            "unknown currency {}; use an ISO 4217 code from Feishu's currency enum, e.g. CNY, USD, EUR, JPY, HKD, GBP, SGD",
            echo(code)
        )
    };
    Err(Violation::new(Rule::Currency, message))
}

/// Checks a cash amount: not negative, at most two decimals (trailing zeros do not count).
///
/// The amount is shown as the decimal it was parsed to: digits, a sign and a point only.
pub fn check_amount(amount: Decimal) -> Result<(), Violation> {
    if amount.is_sign_negative() && !amount.is_zero() {
        return Err(Violation::new(
            Rule::Negative,
            format!("{amount} is negative; it must be 0 or more"),
        ));
    }
    if amount.normalize().scale() > AMOUNT_MAX_DECIMALS {
        return Err(Violation::new(
            Rule::AmountDecimals,
            format!("{amount} has more than {AMOUNT_MAX_DECIMALS} decimals; round it to cents"),
        ));
    }
    Ok(())
}

/// Checks a point bonus: a whole number from 0 to the API's int range.
pub fn check_points(points: i64) -> Result<(), Violation> {
    if points < 0 {
        return Err(Violation::new(
            Rule::Negative,
            format!("{points} is negative; it must be 0 or more"),
        ));
    }
    if points > MAX_POINTS {
        return Err(Violation::new(
            Rule::PointsTooLarge,
            format!("{points} is larger than the API accepts ({MAX_POINTS})"),
        ));
    }
    Ok(())
}

/// A field of the body, as a problem in it is named.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyField {
    ReferralUserId,
    ExternalId,
    /// The candidate: `application_id` (or `talent_id`).
    ApplicationId,
    RuleType,
    Stage,
    BonusType,
    PointBonus,
    /// `bonus.cash` as a whole (currency and amount missing).
    Cash,
    CurrencyType,
    Amount,
}

impl BodyField {
    /// Its dotted path in the JSON body.
    pub fn path(self) -> &'static str {
        match self {
            BodyField::ReferralUserId => "referral_user_id",
            BodyField::ExternalId => "external_id",
            BodyField::ApplicationId => "application_id",
            BodyField::RuleType => "rule_type",
            BodyField::Stage => "stage",
            BodyField::BonusType => "bonus.bonus_type",
            BodyField::PointBonus => "bonus.point_bonus",
            BodyField::Cash => "bonus.cash",
            BodyField::CurrencyType => "bonus.cash.currency_type",
            BodyField::Amount => "bonus.cash.amount",
        }
    }
}

impl std::fmt::Display for BodyField {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.path())
    }
}

/// One problem found in a body: the field, the rule it breaks and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    pub field: BodyField,
    pub message: String,
    /// The rule broken.
    pub rule: Rule,
}

impl RewardBody {
    /// The rules of a well-typed body that do not depend on where it came from: enum
    /// ranges, the bonus rules, and which ids are required. Every problem is returned.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let mut problem = |field: BodyField, violation: Violation| {
            problems.push(FieldProblem {
                field,
                message: violation.message,
                rule: violation.rule,
            });
        };
        if self.referral_user_id.is_empty() {
            problem(
                BodyField::ReferralUserId,
                Violation::new(Rule::Required, "is required"),
            );
        }
        if self.external_id.is_empty() {
            problem(
                BodyField::ExternalId,
                Violation::new(Rule::Required, "is required"),
            );
        }
        if self.application_id.is_none() && self.talent_id.is_none() {
            problem(
                BodyField::ApplicationId,
                Violation::new(
                    Rule::CandidateMissing,
                    "application_id or talent_id is required",
                ),
            );
        }
        if let Err(violation) = check_enum(RULE_TYPES, self.rule_type) {
            problem(BodyField::RuleType, violation);
        }
        if let Err(violation) = check_enum(STAGES, self.stage) {
            problem(BodyField::Stage, violation);
        }
        match self.bonus.bonus_type {
            BONUS_POINTS => match self.bonus.point_bonus {
                None => problem(
                    BodyField::PointBonus,
                    Violation::new(
                        Rule::RequiredByBonusType,
                        "is required when bonus_type is 1 (points)",
                    ),
                ),
                Some(points) => {
                    if let Err(violation) = check_points(points) {
                        problem(BodyField::PointBonus, violation);
                    }
                }
            },
            BONUS_CASH => match &self.bonus.cash {
                None => problem(
                    BodyField::Cash,
                    Violation::new(
                        Rule::RequiredByBonusType,
                        "currency_type and amount are required when bonus_type is 2 (cash)",
                    ),
                ),
                Some(cash) => {
                    if let Err(violation) = check_currency(&cash.currency_type) {
                        problem(BodyField::CurrencyType, violation);
                    }
                    if let Err(violation) = check_amount(cash.amount.value()) {
                        problem(BodyField::Amount, violation);
                    }
                }
            },
            other => {
                if let Err(violation) = check_enum(BONUS_TYPES, other) {
                    problem(BodyField::BonusType, violation);
                }
            }
        }
        problems
    }

    /// The canonical JSON text of the body: fields in the documented order, absent ones
    /// omitted, amounts normalised. Equal bodies give equal bytes whatever the CSV looked like.
    pub fn to_canonical_json(&self) -> String {
        // Serialising plain structs of strings and integers cannot fail.
        serde_json::to_string(self).unwrap_or_default()
    }

    /// SHA-256 of the canonical JSON, as 64 hex digits.
    pub fn canonical_hash(&self) -> String {
        hash_of_canonical(&self.to_canonical_json())
    }

    /// The canonical JSON and its hash, serialising once (what planning needs).
    pub fn canonical(&self) -> (String, String) {
        let json = self.to_canonical_json();
        let hash = hash_of_canonical(&json);
        (json, hash)
    }
}

/// SHA-256 of a body's canonical JSON text, as 64 hex digits.
pub fn hash_of_canonical(json: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(json.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push(char::from(HEX[usize::from(byte >> 4)]));
        hex.push(char::from(HEX[usize::from(byte & 0x0f)]));
    }
    hex
}

/// True for an external_id of the form rewardsync gives revisions (`…~r2`, SPEC §7):
/// a file may not use it for a reward of its own.
pub fn looks_like_revision(external_id: &str) -> bool {
    external_id.rsplit_once("~r").is_some_and(|(base, n)| {
        !base.is_empty() && !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn points_body() -> RewardBody {
        RewardBody {
            referral_user_id: "ou_1".into(),
            create_user_id: None,
            confirm_user_id: None,
            pay_user_id: None,
            external_id: "ext-1".into(),
            application_id: Some("app-1".into()),
            talent_id: None,
            job_id: None,
            reason: None,
            rule_type: 1,
            bonus: Bonus {
                bonus_type: 1,
                point_bonus: Some(100),
                cash: None,
            },
            stage: 2,
            create_time: None,
            confirm_time: None,
            pay_time: None,
            onboard_time: None,
            conversion_time: None,
            comment: None,
        }
    }

    #[test]
    fn amount_round_trips_through_json_without_a_float() {
        for text in [
            "100",
            "100.5",
            "0.07",
            "99999999.99",
            "0.1",
            "1234567890123.45",
        ] {
            let amount: Amount = serde_json::from_str(text).unwrap();
            assert_eq!(serde_json::to_string(&amount).unwrap(), text);
        }
    }

    #[test]
    fn amount_trailing_zeros_are_normalised() {
        let amount: Amount = serde_json::from_str("100.50").unwrap();
        assert_eq!(serde_json::to_string(&amount).unwrap(), "100.5");
    }

    #[test]
    fn amount_as_string_is_rejected() {
        let err = serde_json::from_str::<Amount>("\"100\"").unwrap_err();
        assert!(err.to_string().contains("must be a JSON number"), "{err}");
    }

    #[test]
    fn check_reports_every_problem() {
        let mut body = points_body();
        body.rule_type = 9;
        body.stage = 0;
        body.application_id = None;
        body.bonus.point_bonus = Some(-1);
        let found: Vec<_> = body
            .check()
            .into_iter()
            .map(|p| (p.field.path(), p.rule))
            .collect();
        assert_eq!(
            found,
            [
                ("application_id", Rule::CandidateMissing),
                ("rule_type", Rule::Enum),
                ("stage", Rule::Enum),
                ("bonus.point_bonus", Rule::Negative)
            ]
        );
    }

    #[test]
    fn checks_name_their_rule_and_echo_the_value() {
        let rule = |r: Result<(), Violation>| r.err().map(|v| v.rule);
        assert_eq!(rule(check_currency("usd")), Some(Rule::Currency));
        assert_eq!(rule(check_currency("RMB")), Some(Rule::Currency));
        assert_eq!(rule(check_currency("CNY")), None);
        assert_eq!(rule(check_points(-1)), Some(Rule::Negative));
        assert_eq!(
            rule(check_points(MAX_POINTS + 1)),
            Some(Rule::PointsTooLarge)
        );
        assert_eq!(
            rule(check_amount("1.005".parse().unwrap())),
            Some(Rule::AmountDecimals)
        );
        assert_eq!(rule(check_enum(STAGES, 9)), Some(Rule::Enum));
        let bidi = check_currency("C\u{202e}NY\u{1b}").unwrap_err();
        assert!(
            bidi.message
                .starts_with(r#"unknown currency "C\u{202e}NY\u{1b}";"#),
            "{bidi}"
        );
    }

    #[test]
    fn check_amount_counts_significant_decimals() {
        assert!(check_amount("100.500".parse().unwrap()).is_ok());
        assert!(check_amount("100.005".parse().unwrap()).is_err());
        assert!(check_amount("-0.01".parse().unwrap()).is_err());
        assert!(check_amount("0".parse().unwrap()).is_ok());
    }

    #[test]
    fn canonical_hash_ignores_amount_spelling() {
        let mut a = points_body();
        a.bonus = Bonus {
            bonus_type: 2,
            point_bonus: None,
            cash: Some(Cash {
                currency_type: "CNY".into(),
                amount: Amount::new("100.50".parse().unwrap()),
            }),
        };
        let mut b = a.clone();
        if let Some(cash) = b.bonus.cash.as_mut() {
            cash.amount = Amount::new("100.5".parse().unwrap());
        }
        assert_eq!(a.canonical_hash(), b.canonical_hash());
        assert_ne!(a.canonical_hash(), points_body().canonical_hash());
    }
}
