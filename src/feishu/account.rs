//! The referral reward account as the account endpoints return it (`data.account`), with
//! cash amounts read as decimals from the JSON number's own text, never through a float.

use std::str::FromStr;

use rust_decimal::Decimal;
use serde::de::Error as _;
use serde::{Deserialize, Deserializer};

/// A referral reward account. Fields the documentation allows to be absent are optional.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Account {
    /// The account id.
    #[serde(default)]
    pub account_id: Option<String>,
    /// Confirmed and paid bonuses.
    #[serde(default)]
    pub assets: Option<Assets>,
    /// 1 enabled, 2 deactivated.
    #[serde(default)]
    pub status: Option<i64>,
    /// Who the account belongs to (only from the assets query).
    #[serde(default)]
    pub referrer: Option<Referrer>,
}

/// `account.status` 1: the account can be used.
pub const ACCOUNT_ENABLED: i64 = 1;
/// `account.status` 2: the account is deactivated.
pub const ACCOUNT_DEACTIVATED: i64 = 2;

/// An account's assets.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Assets {
    /// Bonuses confirmed but not yet paid out.
    #[serde(default)]
    pub confirmed_bonus: Option<BonusAmount>,
    /// Bonuses already paid out.
    #[serde(default)]
    pub paid_bonus: Option<BonusAmount>,
}

/// Points and cash of one kind of bonus.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct BonusAmount {
    /// Points.
    #[serde(default)]
    pub point_bonus: Option<i64>,
    /// Cash, one entry per currency.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub cash_bonus: Vec<CashAmount>,
}

/// Cash in one currency.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct CashAmount {
    /// ISO 4217 code from Feishu's currency enum.
    #[serde(default)]
    pub currency_type: Option<String>,
    /// The amount, exactly as the server wrote it.
    #[serde(default, deserialize_with = "decimal_text")]
    pub amount: Option<Decimal>,
}

/// The person an account belongs to.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Referrer {
    /// The referrer's id, of the requested `user_id_type`.
    #[serde(default)]
    pub id: Option<String>,
    /// Names by language.
    #[serde(default)]
    pub name: Option<I18nName>,
    /// Shown only with the `hire:employee.email:readonly` scope.
    #[serde(default)]
    pub email: Option<String>,
    /// Shown only with the `hire:employee.mobile:readonly` scope.
    #[serde(default)]
    pub mobile: Option<String>,
}

/// A name in Chinese and English.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct I18nName {
    /// Chinese name.
    #[serde(default)]
    pub zh_cn: Option<String>,
    /// English name.
    #[serde(default)]
    pub en_us: Option<String>,
}

/// `null` where a list is documented: an empty list.
fn null_as_empty<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<CashAmount>, D::Error> {
    Ok(Option::<Vec<CashAmount>>::deserialize(d)?.unwrap_or_default())
}

/// A decimal from a JSON number's text (or a string holding one), or `null`.
fn decimal_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Decimal>, D::Error> {
    let raw: Box<serde_json::value::RawValue> = Box::deserialize(d)?;
    let text = raw.get();
    if text == "null" {
        return Ok(None);
    }
    // A string is read from its content; a number from its own digits.
    let digits = match serde_json::from_str::<String>(text) {
        Ok(s) => s,
        Err(_) => text.to_string(),
    };
    Decimal::from_str(&digits)
        .or_else(|_| Decimal::from_scientific(&digits))
        .map(Some)
        .map_err(|e| D::Error::custom(format!("amount {text} is not a decimal: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_example_parses_exactly() {
        let json = r#"{
            "account_id": "6942778198054125570",
            "assets": {
                "confirmed_bonus": {"point_bonus": 100, "cash_bonus": [{"currency_type": "CNY", "amount": 100.07}]},
                "paid_bonus": {"point_bonus": 5, "cash_bonus": [{"currency_type": "USD", "amount": "0.1"}]}
            },
            "status": 1,
            "referrer": {"id": "7413952589321914668", "name": {"zh_cn": "张三", "en_us": "zhangSan"},
                         "email": "a@b.c", "mobile": "1879087xxx8"}
        }"#;
        let account: Account = serde_json::from_str(json).unwrap();
        assert_eq!(account.account_id.as_deref(), Some("6942778198054125570"));
        assert_eq!(account.status, Some(ACCOUNT_ENABLED));
        let assets = account.assets.unwrap();
        let confirmed = assets.confirmed_bonus.unwrap();
        assert_eq!(confirmed.point_bonus, Some(100));
        assert_eq!(
            confirmed.cash_bonus[0].amount,
            Some(Decimal::from_str("100.07").unwrap())
        );
        assert_eq!(
            confirmed.cash_bonus[0].amount.unwrap().to_string(),
            "100.07"
        );
        let paid = assets.paid_bonus.unwrap();
        assert_eq!(paid.cash_bonus[0].amount.unwrap().to_string(), "0.1");
        let referrer = account.referrer.unwrap();
        assert_eq!(referrer.name.unwrap().zh_cn.as_deref(), Some("张三"));
    }

    #[test]
    fn absent_and_null_fields_are_allowed() {
        let account: Account = serde_json::from_str(r#"{"account_id":"1"}"#).unwrap();
        assert_eq!(account.assets, None);
        let bonus: BonusAmount =
            serde_json::from_str(r#"{"cash_bonus":null,"point_bonus":null}"#).unwrap();
        assert!(bonus.cash_bonus.is_empty());
        let cash: CashAmount = serde_json::from_str(r#"{"amount":null}"#).unwrap();
        assert_eq!(cash.amount, None);
        assert!(serde_json::from_str::<CashAmount>(r#"{"amount":"abc"}"#).is_err());
    }
}
