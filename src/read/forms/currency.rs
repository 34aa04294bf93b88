//! Currencies as exports write them: ISO codes in any case, Chinese names, and the marks
//! around an amount (`¥`, `元`, `US$`). One table serves the currency column and the
//! amount's marks, so a name accepted in one is accepted in the other.

use crate::problem::{Rule, Violation};
use crate::reward::CURRENCIES;
use crate::text::{self, echo};

/// Names and marks that name exactly one currency, besides the ISO codes themselves.
const NAMES: &[(&str, &str)] = &[
    ("人民币", "CNY"),
    ("元", "CNY"),
    ("RMB", "CNY"),
    ("美元", "USD"),
    ("US$", "USD"),
    ("港币", "HKD"),
    ("港元", "HKD"),
    ("HK$", "HKD"),
    ("欧元", "EUR"),
    ("€", "EUR"),
    ("日元", "JPY"),
    ("英镑", "GBP"),
    ("新加坡元", "SGD"),
];

/// Marks used for several currencies: accepted around an amount, but they decide none
/// (`¥` is the yuan and the yen; `$` a dozen dollars; `£` the pound of Britain and Egypt).
const AMBIGUOUS: &[(&str, &str)] = &[
    ("¥", "CNY or JPY"),
    ("￥", "CNY or JPY"),
    ("$", "USD, HKD, SGD, AUD, CAD, …"),
    ("＄", "USD, HKD, SGD, AUD, CAD, …"),
    ("£", "GBP or EGP"),
];

/// What a mark around an amount says about its currency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mark {
    /// The mark names one currency: its ISO code.
    Names(&'static str),
    /// A currency mark that several currencies share.
    Shared,
}

/// The ISO code of `text` when it is a code of Feishu's enum (any case) or a name of
/// [`NAMES`] (Latin letters in any case).
fn code_of(text: &str) -> Option<&'static str> {
    // Every ISO code is three ASCII letters.
    let iso = (text.len() == 3)
        .then(|| {
            CURRENCIES
                .iter()
                .copied()
                .find(|code| code.eq_ignore_ascii_case(text))
        })
        .flatten();
    iso.or_else(|| {
        NAMES
            .iter()
            .find(|(name, _)| name.eq_ignore_ascii_case(text))
            .map(|&(_, code)| code)
    })
}

/// The currency mark `text` is (already trimmed), if any.
pub(crate) fn mark(text: &str) -> Option<Mark> {
    if let Some(code) = code_of(text) {
        return Some(Mark::Names(code));
    }
    AMBIGUOUS
        .iter()
        .any(|(sign, _)| *sign == text)
        .then_some(Mark::Shared)
}

/// A currency cell: an ISO code of Feishu's enum in any case (`usd`), or a Chinese name
/// (人民币, 美元, 港币/港元, 欧元, 日元, 英镑, 新加坡元) or RMB; returns the ISO code.
pub fn currency(text: &str) -> Result<&'static str, Violation> {
    let trimmed = text::trim(text);
    // The canonical form: a code of the list as it stands.
    if let Some(code) = CURRENCIES.iter().copied().find(|code| *code == trimmed) {
        return Ok(code);
    }
    if let Some(code) = code_of(trimmed) {
        return Ok(code);
    }
    let message = match AMBIGUOUS.iter().find(|(sign, _)| *sign == trimmed) {
        Some((_, which)) => format!(
            "currency {} does not say which currency it is ({which}); write its ISO code, e.g. CNY",
            echo(text)
        ),
        None => format!(
            "unknown currency {}; write an ISO 4217 code of Feishu's currency enum (CNY, USD, EUR, JPY, HKD, GBP, SGD, …) or one of 人民币, 美元, 港币, 港元, 欧元, 日元, 英镑, 新加坡元",
            echo(text)
        ),
    };
    Err(Violation::new(Rule::Currency, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_names_a_currency_of_the_enum() {
        for (name, code) in NAMES {
            assert!(CURRENCIES.contains(code), "{name} → {code}");
            assert_eq!(mark(name), Some(Mark::Names(code)));
        }
        for (sign, _) in AMBIGUOUS {
            assert_eq!(mark(sign), Some(Mark::Shared));
        }
        assert_eq!(mark("usd"), Some(Mark::Names("USD")));
        assert_eq!(mark("dollars"), None);
    }
}
