//! The body of `POST /open-apis/hire/v1/external_referral_rewards` as the sandbox reads it,
//! written from Feishu's page for the endpoint (`api/external_referral_rewards-create.md`,
//! 请求体) and kept apart from the client's model on purpose: the sandbox stands in for
//! Feishu, so a misreading of the page in the client has to get past a second reading here
//! instead of agreeing with itself.
//!
//! What the page documents, and the sandbox enforces: the fields and their JSON types;
//! `referral_user_id`, `external_id`, `rule_type`, `bonus` and `stage` required;
//! `application_id` or `talent_id` required; the values of `rule_type` (1–5), `bonus_type`
//! (1 points, 2 cash) and `stage` (1–3); points with a points bonus and `cash` with a cash
//! bonus; an amount that is not negative (需传入非负数); `point_bonus` an `int` (32 bits).
//! What the page leaves to its enum page or says nothing of, and the sandbox decides as
//! SPEC §1–2 do: the currency codes ([`CURRENCIES`]), points not negative, at most two
//! decimals of cash, unknown fields refused. Every refusal is a 1002002 whose `msg` names
//! each field that is wrong and why.

use std::fmt;
use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::value::RawValue;

/// The request body, its fields in the page's order (which is also the order the sandbox
/// shows them in and names them in when a field is unknown). Optional fields are left out of
/// the JSON when absent.
///
/// The struct names `RewardBody`, `Bonus` and `Cash` appear in the answers (serde's
/// "expected struct Bonus"), so they are part of what the sandbox says.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewardBody {
    /// 内推人 ID (required): the referrer, an id of the query's `user_id_type`.
    pub referral_user_id: String,
    /// 奖励创建人: who created the reward ("外部系统" when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_user_id: Option<String>,
    /// 确认人: who confirmed it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_user_id: Option<String>,
    /// 发放人: who paid it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_user_id: Option<String>,
    /// 外部系统奖励唯一id (required): the idempotency key.
    pub external_id: String,
    /// 内推的候选人投递 ID: required when `talent_id` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub application_id: Option<String>,
    /// 内推的候选人人才 ID: required when `application_id` is absent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub talent_id: Option<String>,
    /// 内推职位 ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub job_id: Option<String>,
    /// 奖励原因.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// 奖励规则类型 (required): one of [`RULE_TYPES`].
    pub rule_type: i64,
    /// 奖励额度 (required).
    pub bonus: Bonus,
    /// 内推奖励状态 (required): one of [`STAGES`].
    pub stage: i64,
    /// 奖励产生时间: a timestamp in a string.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub create_time: Option<String>,
    /// 确认时间.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirm_time: Option<String>,
    /// 发放时间.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_time: Option<String>,
    /// 入职时间.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onboard_time: Option<String>,
    /// 转正时间.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conversion_time: Option<String>,
    /// 操作备注.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `bonus` (the page's `bonus_amount`): a form of payment and its quantity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Bonus {
    /// 奖励发放形式 (required): one of [`BONUS_TYPES`].
    pub bonus_type: i64,
    /// 导入积分数量: required when `bonus_type` is [`BONUS_POINTS`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub point_bonus: Option<i64>,
    /// 现金奖励: required when `bonus_type` is [`BONUS_CASH`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cash: Option<Cash>,
}

/// `bonus.cash`: both of its fields are required when it is given.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cash {
    /// 导入现金币种: one of [`CURRENCIES`].
    pub currency_type: String,
    /// 导入现金数量.
    pub amount: Amount,
}

/// A cash amount exactly as the JSON number wrote it (the page's `number(float)`): the
/// sandbox reads the number's text into a decimal, so 0.07 is 0.07 and a sum of a thousand
/// cents is exact, and writes it back as a number. `100.50` and `100.5` are one amount.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Amount(Decimal);

impl Amount {
    /// The amount of `value`, trailing zeros dropped.
    pub fn new(value: Decimal) -> Amount {
        Amount(value.normalize())
    }

    /// The decimal.
    pub fn value(self) -> Decimal {
        self.0
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Amount {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        // A decimal's text (digits, at most one point, perhaps a '-') is a JSON number as
        // it stands; handing it over raw keeps it from ever becoming a float.
        RawValue::from_string(self.0.to_string())
            .map_err(serde::ser::Error::custom)?
            .serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for Amount {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Amount, D::Error> {
        // The number's own text, before serde_json could turn it into an f64.
        let raw = Box::<RawValue>::deserialize(deserializer)?;
        let text = raw.get();
        // A JSON number starts with a digit or a minus; anything else (a string, null, an
        // object) is another JSON type.
        if !text.starts_with(|c: char| c == '-' || c.is_ascii_digit()) {
            return Err(D::Error::custom(format!(
                "amount must be a JSON number, got {text}"
            )));
        }
        // Plain notation first; JSON also allows an exponent (`1e2`), which the plain
        // parser refuses. When neither reads it, the exponent parser's reason is given.
        match Decimal::from_str(text) {
            Ok(value) => Ok(Amount::new(value)),
            Err(_) => Decimal::from_scientific(text)
                .map(Amount::new)
                .map_err(|e| D::Error::custom(format!("amount {text} is not a decimal: {e}"))),
        }
    }
}

/// One value of a documented enum field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Choice {
    /// The number the JSON carries.
    pub value: i64,
    /// An English word for it, for messages.
    pub word: &'static str,
    /// Its name on Feishu's page.
    pub name_zh: &'static str,
}

const fn choice(value: i64, word: &'static str, name_zh: &'static str) -> Choice {
    Choice {
        value,
        word,
        name_zh,
    }
}

/// `rule_type`'s values (可选值有).
pub const RULE_TYPES: [Choice; 5] = [
    choice(1, "onboard", "入职奖励"),
    choice(2, "process", "过程奖励"),
    choice(3, "activity", "活动奖励"),
    choice(4, "open-source", "开源奖励"),
    choice(5, "other", "其他奖励"),
];

/// `bonus_type` 1: 积分, points.
pub const BONUS_POINTS: i64 = 1;
/// `bonus_type` 2: 现金, cash.
pub const BONUS_CASH: i64 = 2;
/// `bonus.bonus_type`'s values.
pub const BONUS_TYPES: [Choice; 2] = [
    choice(BONUS_POINTS, "points", "积分"),
    choice(BONUS_CASH, "cash", "现金"),
];

/// `stage` 1: 待确认, waiting for an administrator.
pub const STAGE_PENDING: i64 = 1;
/// `stage` 2: 已确认, confirmed and not yet paid (counted in `confirmed_bonus`).
pub const STAGE_CONFIRMED: i64 = 2;
/// `stage` 3: 已发放, paid (counted in `paid_bonus`).
pub const STAGE_PAID: i64 = 3;
/// `stage`'s values.
pub const STAGES: [Choice; 3] = [
    choice(STAGE_PENDING, "pending confirmation", "待确认"),
    choice(STAGE_CONFIRMED, "confirmed", "已确认"),
    choice(STAGE_PAID, "paid", "已发放"),
];

/// The currency codes the sandbox takes as `currency_type`. The page defers to Feishu
/// Hire's enum page (枚举常量介绍), which is not among the pages in `api/`; these are the
/// ISO 4217 codes the sandbox has always taken for it, written in capitals as the page's
/// example (`"CNY"`) is. A code in other case is refused, with the capitals to use.
pub const CURRENCIES: [&str; 41] = [
    "CNY", "USD", "EUR", "JPY", "HKD", "GBP", "SGD", "TWD", "MOP", "KRW", "AUD", "CAD", "CHF",
    "NZD", "SEK", "NOK", "DKK", "INR", "MYR", "THB", "IDR", "PHP", "VND", "AED", "SAR", "BRL",
    "MXN", "RUB", "TRY", "ZAR", "PLN", "ILS", "EGP", "NGN", "KZT", "PKR", "BDT", "CLP", "COP",
    "PEN", "ARS",
];

/// The most points one reward carries: `point_bonus` is an `int` on the page, 32 bits.
pub const MAX_POINTS: i64 = i32::MAX as i64;

/// The most decimal places of a cash amount (cents), trailing zeros not counted.
pub const MAX_DECIMALS: u32 = 2;

/// A field the sandbox refuses, and why, as the answer's `msg` words it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldProblem {
    /// The field's JSON path (`bonus.cash.amount`).
    pub field: &'static str,
    /// What is wrong with it.
    pub message: String,
}

impl RewardBody {
    /// Every rule of the page (and the sandbox's own, see the module) that this body
    /// breaks, in the order of its fields: the sandbox refuses the body with all of them at
    /// once, so a user fixes a row in one pass.
    pub fn check(&self) -> Vec<FieldProblem> {
        let mut problems = Vec::new();
        let mut refuse = |field: &'static str, message: String| {
            problems.push(FieldProblem { field, message });
        };
        if self.referral_user_id.is_empty() {
            refuse("referral_user_id", "is required".into());
        }
        if self.external_id.is_empty() {
            refuse("external_id", "is required".into());
        }
        // Either id names the candidate; an empty one given still counts as given.
        if self.application_id.is_none() && self.talent_id.is_none() {
            refuse(
                "application_id",
                "application_id or talent_id is required".into(),
            );
        }
        if let Err(why) = one_of(&RULE_TYPES, self.rule_type) {
            refuse("rule_type", why);
        }
        if let Err(why) = one_of(&STAGES, self.stage) {
            refuse("stage", why);
        }
        match self.bonus.bonus_type {
            BONUS_POINTS => match self.bonus.point_bonus {
                Some(points) => {
                    if let Err(why) = points_allowed(points) {
                        refuse("bonus.point_bonus", why);
                    }
                }
                None => refuse(
                    "bonus.point_bonus",
                    "is required when bonus_type is 1 (points)".into(),
                ),
            },
            BONUS_CASH => match &self.bonus.cash {
                Some(cash) => {
                    if let Err(why) = currency_allowed(&cash.currency_type) {
                        refuse("bonus.cash.currency_type", why);
                    }
                    if let Err(why) = amount_allowed(cash.amount.value()) {
                        refuse("bonus.cash.amount", why);
                    }
                }
                None => refuse(
                    "bonus.cash",
                    "currency_type and amount are required when bonus_type is 2 (cash)".into(),
                ),
            },
            // Neither form: the enum's own refusal (what the other form's fields hold is
            // moot until the form is known).
            other => {
                if let Err(why) = one_of(&BONUS_TYPES, other) {
                    refuse("bonus.bonus_type", why);
                }
            }
        }
        problems
    }

    /// The body as JSON text: fields in the page's order, absent ones left out, amounts
    /// without trailing zeros. What `/sandbox/state` shows, and what tests compare with the
    /// body the client meant to send.
    pub fn to_canonical_json(&self) -> String {
        // Strings, integers and decimals always serialise.
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// Ok when `value` is one of `choices`; else why not, naming every allowed value.
fn one_of(choices: &[Choice], value: i64) -> Result<(), String> {
    if choices.iter().any(|c| c.value == value) {
        return Ok(());
    }
    let allowed: Vec<String> = choices
        .iter()
        .map(|c| format!("{} ({}, {})", c.value, c.word, c.name_zh))
        .collect();
    Err(format!(
        "{value} is not allowed; use {}",
        allowed.join(", ")
    ))
}

/// Ok for a whole number of points from 0 to [`MAX_POINTS`].
fn points_allowed(points: i64) -> Result<(), String> {
    if points < 0 {
        Err(format!("{points} is negative; it must be 0 or more"))
    } else if points > MAX_POINTS {
        Err(format!(
            "{points} is larger than the API accepts ({MAX_POINTS})"
        ))
    } else {
        Ok(())
    }
}

/// Ok for a code of [`CURRENCIES`] as written there.
fn currency_allowed(code: &str) -> Result<(), String> {
    if CURRENCIES.contains(&code) {
        return Ok(());
    }
    let capitals = code.to_ascii_uppercase();
    if CURRENCIES.contains(&capitals.as_str()) {
        // `capitals` is one of the list's codes, so it is shown as it is.
        Err(format!(
            "currency {} must be written in capitals: {capitals}",
            quoted(code)
        ))
    } else {
        Err(format!(
            "unknown currency {}; use an ISO 4217 code from Feishu's currency enum, e.g. CNY, USD, EUR, JPY, HKD, GBP, SGD",
            quoted(code)
        ))
    }
}

/// Ok for an amount of 0 or more with at most [`MAX_DECIMALS`] decimals that are not zeros.
fn amount_allowed(amount: Decimal) -> Result<(), String> {
    // -0 is zero, and allowed.
    if amount < Decimal::ZERO {
        return Err(format!("{amount} is negative; it must be 0 or more"));
    }
    if amount.normalize().scale() > MAX_DECIMALS {
        return Err(format!(
            "{amount} has more than {MAX_DECIMALS} decimals; round it to cents"
        ));
    }
    Ok(())
}

/// How many characters of a value a message quotes before it cuts the rest off.
const QUOTED_MAX_CHARS: usize = 80;

/// A value from the request as a `msg` quotes it: in double quotes, `"` and `\` escaped,
/// control and invisible characters (bidi marks, zero-width spaces, a BOM) escaped so the
/// answer cannot repaint a terminal or hide what was sent, at most [`QUOTED_MAX_CHARS`]
/// characters of it and `…` after the quotes when there was more.
fn quoted(value: &str) -> String {
    let mut shown = String::from("\"");
    let mut chars = value.chars();
    for c in chars.by_ref().take(QUOTED_MAX_CHARS) {
        match c {
            '"' | '\\' => {
                shown.push('\\');
                shown.push(c);
            }
            '\n' => shown.push_str("\\n"),
            '\t' => shown.push_str("\\t"),
            '\r' => shown.push_str("\\r"),
            '\0' => shown.push_str("\\0"),
            c if c.is_control() || invisible(c) => {
                shown.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
            }
            c => shown.push(c),
        }
    }
    shown.push('"');
    if chars.next().is_some() {
        shown.push('…');
    }
    shown
}

/// Characters that show nothing but change what is shown: zero-width space, the bidi marks,
/// embeddings, overrides and isolates, the word joiner and the byte order mark.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{200b}'
            | '\u{200e}'
            | '\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{feff}'
    )
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The page's request example (请求体示例), as it stands.
    const PAGE_EXAMPLE: &str = r#"{
        "referral_user_id": "on_94a1ee5551019f18cd73d9f111898cf2",
        "create_user_id": "on_94a1ee5551019f18cd73d9f111898cf2",
        "confirm_user_id": "on_94a1ee5551019f18cd73d9f111898cf2",
        "pay_user_id": "on_94a1ee5551019f18cd73d9f111898cf2",
        "external_id": "6930815272790114324",
        "application_id": "6930815272790114325",
        "talent_id": "6930815272790114326",
        "job_id": "6930815272790114327",
        "reason": "入职｜开源",
        "rule_type": 1,
        "bonus": {
            "bonus_type": 1,
            "point_bonus": 100,
            "cash": {
                "currency_type": "CNY",
                "amount": 100
            }
        },
        "stage": 1,
        "create_time": "1704720275000",
        "confirm_time": "1704720275000",
        "pay_time": "1704720275001",
        "onboard_time": "1704720275002",
        "conversion_time": "1704720275003",
        "comment": "已发放"
    }"#;

    fn parse(json: serde_json::Value) -> Result<RewardBody, String> {
        serde_json::from_value(json).map_err(|e| e.to_string())
    }

    /// A valid cash body to break one field at a time.
    fn cash_body() -> serde_json::Value {
        json!({
            "referral_user_id": "ou_1",
            "external_id": "E1",
            "application_id": "7214000000000000001",
            "rule_type": 2,
            "bonus": {"bonus_type": 2, "cash": {"currency_type": "CNY", "amount": 100.5}},
            "stage": 3
        })
    }

    /// The `msg` parts for `json`'s problems: `field: message`.
    fn problems(json: serde_json::Value) -> Vec<String> {
        parse(json)
            .expect("the body parses")
            .check()
            .into_iter()
            .map(|p| format!("{}: {}", p.field, p.message))
            .collect()
    }

    #[test]
    fn the_pages_example_is_accepted_and_shown_in_the_pages_order() {
        let body: RewardBody = serde_json::from_str(PAGE_EXAMPLE).unwrap();
        assert_eq!(body.check(), []);
        let compact: String = serde_json::from_str::<serde_json::Value>(PAGE_EXAMPLE)
            .unwrap()
            .to_string();
        // serde_json's Value sorts keys; the body keeps the page's order.
        let order: Vec<&str> = PAGE_EXAMPLE
            .lines()
            .filter_map(|l| l.trim().strip_prefix('"')?.split('"').next())
            .collect();
        let shown = body.to_canonical_json();
        let mut at = 0;
        for key in order {
            let found = shown[at..].find(&format!("\"{key}\":")).map(|i| at + i);
            at = found.unwrap_or_else(|| panic!("{key} out of order in {shown}"));
        }
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(&shown)
                .unwrap()
                .to_string(),
            compact
        );
    }

    #[test]
    fn a_minimal_body_is_shown_without_its_absent_fields() {
        let body = parse(cash_body()).unwrap();
        assert_eq!(
            body.to_canonical_json(),
            r#"{"referral_user_id":"ou_1","external_id":"E1","application_id":"7214000000000000001","rule_type":2,"bonus":{"bonus_type":2,"cash":{"currency_type":"CNY","amount":100.5}},"stage":3}"#
        );
        let mut null_comment = cash_body();
        null_comment["comment"] = json!(null);
        assert_eq!(parse(null_comment).unwrap(), body);
    }

    #[test]
    fn amounts_are_kept_exactly_and_without_trailing_zeros() {
        for (sent, kept) in [
            ("100", "100"),
            ("100.50", "100.5"),
            ("0.07", "0.07"),
            ("0.1", "0.1"),
            ("99999999.99", "99999999.99"),
            ("1234567890123.45", "1234567890123.45"),
            ("1e2", "100"),
            ("1.5E1", "15"),
        ] {
            let amount: Amount = serde_json::from_str(sent).unwrap();
            assert_eq!(serde_json::to_string(&amount).unwrap(), kept, "{sent}");
        }
        for (sent, refused) in [
            ("\"100\"", "amount must be a JSON number, got \"100\""),
            ("null", "amount must be a JSON number, got null"),
            ("{}", "amount must be a JSON number, got {}"),
        ] {
            let err = serde_json::from_str::<Amount>(sent).unwrap_err();
            assert!(err.to_string().starts_with(refused), "{sent}: {err}");
        }
        let err = serde_json::from_str::<Amount>("1e99").unwrap_err();
        assert!(
            err.to_string()
                .starts_with("amount 1e99 is not a decimal: "),
            "{err}"
        );
    }

    #[test]
    fn every_broken_rule_is_named_with_its_field_in_field_order() {
        let mut body = cash_body();
        body["referral_user_id"] = json!("");
        body["external_id"] = json!("");
        body.as_object_mut().unwrap().remove("application_id");
        body["rule_type"] = json!(9);
        body["stage"] = json!(0);
        body["bonus"]["cash"] = json!({"currency_type": "usd", "amount": -1.50});
        assert_eq!(
            problems(body),
            [
                "referral_user_id: is required",
                "external_id: is required",
                "application_id: application_id or talent_id is required",
                "rule_type: 9 is not allowed; use 1 (onboard, 入职奖励), 2 (process, 过程奖励), 3 (activity, 活动奖励), 4 (open-source, 开源奖励), 5 (other, 其他奖励)",
                "stage: 0 is not allowed; use 1 (pending confirmation, 待确认), 2 (confirmed, 已确认), 3 (paid, 已发放)",
                "bonus.cash.currency_type: currency \"usd\" must be written in capitals: USD",
                "bonus.cash.amount: -1.5 is negative; it must be 0 or more",
            ]
        );
    }

    #[test]
    fn each_form_of_bonus_needs_its_own_fields() {
        let points = |bonus: serde_json::Value| {
            let mut body = cash_body();
            body["bonus"] = bonus;
            problems(body)
        };
        assert_eq!(points(json!({"bonus_type": 1, "point_bonus": 0})), [""; 0]);
        assert_eq!(
            points(json!({"bonus_type": 1, "point_bonus": 2147483647})),
            [""; 0]
        );
        assert_eq!(
            points(json!({"bonus_type": 1, "cash": {"currency_type": "CNY", "amount": 1}})),
            ["bonus.point_bonus: is required when bonus_type is 1 (points)"]
        );
        assert_eq!(
            points(json!({"bonus_type": 1, "point_bonus": -1})),
            ["bonus.point_bonus: -1 is negative; it must be 0 or more"]
        );
        assert_eq!(
            points(json!({"bonus_type": 1, "point_bonus": 2147483648_i64})),
            ["bonus.point_bonus: 2147483648 is larger than the API accepts (2147483647)"]
        );
        assert_eq!(
            points(json!({"bonus_type": 2, "point_bonus": 5})),
            ["bonus.cash: currency_type and amount are required when bonus_type is 2 (cash)"]
        );
        assert_eq!(
            points(json!({"bonus_type": 3, "point_bonus": -5})),
            ["bonus.bonus_type: 3 is not allowed; use 1 (points, 积分), 2 (cash, 现金)"]
        );
        // A talent alone names the candidate too, and an empty id given counts as given.
        let mut talent_only = cash_body();
        talent_only
            .as_object_mut()
            .unwrap()
            .remove("application_id");
        talent_only["talent_id"] = json!("");
        assert_eq!(problems(talent_only), [""; 0]);
    }

    #[test]
    fn amounts_are_refused_below_zero_and_below_cents() {
        let amount = |amount: &str| {
            let mut body = cash_body();
            body["bonus"]["cash"]["amount"] = serde_json::from_str(amount).unwrap();
            problems(body)
        };
        for fine in ["0", "-0", "0.00", "100.500", "1e2", "12.34"] {
            assert_eq!(amount(fine), [""; 0], "{fine}");
        }
        assert_eq!(
            amount("100.005"),
            ["bonus.cash.amount: 100.005 has more than 2 decimals; round it to cents"]
        );
        assert_eq!(
            amount("-0.01"),
            ["bonus.cash.amount: -0.01 is negative; it must be 0 or more"]
        );
    }

    #[test]
    fn a_currency_is_a_code_of_the_list_in_capitals_and_quoted_safely_when_not() {
        let currency = |code: &str| {
            let mut body = cash_body();
            body["bonus"]["cash"]["currency_type"] = json!(code);
            problems(body)
        };
        for code in CURRENCIES {
            assert_eq!(currency(code), [""; 0], "{code}");
        }
        assert_eq!(
            currency("RMB"),
            [
                "bonus.cash.currency_type: unknown currency \"RMB\"; use an ISO 4217 code from Feishu's currency enum, e.g. CNY, USD, EUR, JPY, HKD, GBP, SGD"
            ]
        );
        let odd = currency("C\u{202e}NY\u{1b}\"\\\n");
        assert!(
            odd[0].starts_with(
                r#"bonus.cash.currency_type: unknown currency "C\u{202e}NY\u{1b}\"\\\n";"#
            ),
            "{odd:?}"
        );
        let long = "X".repeat(81);
        assert!(
            currency(&long)[0].contains(&format!("\"{}\"…;", "X".repeat(80))),
            "cut after 80 characters"
        );
    }

    #[test]
    fn a_body_of_the_wrong_shape_is_refused_as_serde_words_it() {
        let mut unknown = cash_body();
        unknown["bonus"]["points"] = json!(1);
        assert_eq!(
            parse(unknown).unwrap_err(),
            "unknown field `points`, expected one of `bonus_type`, `point_bonus`, `cash`"
        );
        let mut extra = cash_body();
        extra["amount"] = json!(1);
        assert_eq!(
            parse(extra).unwrap_err(),
            "unknown field `amount`, expected one of `referral_user_id`, `create_user_id`, `confirm_user_id`, `pay_user_id`, `external_id`, `application_id`, `talent_id`, `job_id`, `reason`, `rule_type`, `bonus`, `stage`, `create_time`, `confirm_time`, `pay_time`, `onboard_time`, `conversion_time`, `comment`"
        );
        let mut missing = cash_body();
        missing.as_object_mut().unwrap().remove("stage");
        assert_eq!(parse(missing).unwrap_err(), "missing field `stage`");
        let mut text_number = cash_body();
        text_number["rule_type"] = json!("1");
        assert_eq!(
            parse(text_number).unwrap_err(),
            "invalid type: string \"1\", expected i64"
        );
        let mut bonus_text = cash_body();
        bonus_text["bonus"] = json!("points");
        assert_eq!(
            parse(bonus_text).unwrap_err(),
            "invalid type: string \"points\", expected struct Bonus"
        );
    }
}
