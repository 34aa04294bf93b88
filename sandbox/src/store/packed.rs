//! A reward body as the sandbox stores it: a few dozen bytes instead of a struct of twenty
//! strings. Texts that repeat across rewards (referrers, job, reason, comment, currency) are
//! numbers in a [`Symbols`] table; texts that are canonical decimal numbers (ids, times in
//! milliseconds) are varints; anything else is stored as its bytes, so every body decodes
//! to exactly the body that was encoded.
//!
//! Layout: external_id, employee, a bit per optional field present, rule_type, bonus_type,
//! stage, referral_user_id, the optional texts present in field order, point_bonus, cash.
//! The external_id comes first so that a lookup reads it without decoding the rest.

use rust_decimal::Decimal;

use super::symbols::Symbols;
use super::varint::{self, Reader};
use crate::reward_body::{Amount, Bonus, Cash, RewardBody};

/// Bytes that do not decode as a packed reward (they were not written by [`encode`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("a packed reward does not decode")]
pub struct Malformed;

// A text starts with a head whose low two bits say how it is stored.
/// The bytes follow; the head's high bits are their length.
const INLINE: u64 = 0;
/// The head's high bits are a symbol number.
const SYMBOL: u64 = 1;
/// A varint follows: the value of a text of digits with no leading zero.
const NUMBER: u64 = 2;
const KIND_BITS: u32 = 2;
const KIND_MASK: u64 = (1 << KIND_BITS) - 1;

/// Which optional texts may be interned, in the order of [`optional_texts`]: the ones that
/// repeat across rewards. Ids of candidates and times are unique, so they are not.
const INTERNED: [bool; OPTIONAL_TEXTS] = [
    true,  // create_user_id
    true,  // confirm_user_id
    true,  // pay_user_id
    false, // application_id
    false, // talent_id
    true,  // job_id
    true,  // reason
    false, // create_time
    false, // confirm_time
    false, // pay_time
    false, // onboard_time
    false, // conversion_time
    true,  // comment
];
const OPTIONAL_TEXTS: usize = 13;
/// Presence bits after the optional texts'.
const HAS_POINTS: u64 = 1 << OPTIONAL_TEXTS;
const HAS_CASH: u64 = 1 << (OPTIONAL_TEXTS + 1);
/// A cash amount's first byte: its scale, and this bit when it is negative.
const NEGATIVE: u8 = 0x80;

/// The body's optional texts, in the documented field order.
fn optional_texts(body: &RewardBody) -> [&Option<String>; OPTIONAL_TEXTS] {
    [
        &body.create_user_id,
        &body.confirm_user_id,
        &body.pay_user_id,
        &body.application_id,
        &body.talent_id,
        &body.job_id,
        &body.reason,
        &body.create_time,
        &body.confirm_time,
        &body.pay_time,
        &body.onboard_time,
        &body.conversion_time,
        &body.comment,
    ]
}

/// The same fields as [`optional_texts`], in the same order, to fill in.
fn optional_texts_mut(body: &mut RewardBody) -> [&mut Option<String>; OPTIONAL_TEXTS] {
    [
        &mut body.create_user_id,
        &mut body.confirm_user_id,
        &mut body.pay_user_id,
        &mut body.application_id,
        &mut body.talent_id,
        &mut body.job_id,
        &mut body.reason,
        &mut body.create_time,
        &mut body.confirm_time,
        &mut body.pay_time,
        &mut body.onboard_time,
        &mut body.conversion_time,
        &mut body.comment,
    ]
}

/// Appends `body` and the referrer's directory index to `out`, interning repeated texts
/// in `symbols`.
pub fn encode(body: &RewardBody, employee: usize, symbols: &mut Symbols, out: &mut Vec<u8>) {
    put_text(out, &body.external_id, None);
    // usize is at most 64 bits on every target Rust supports.
    varint::put(out, employee as u64);
    let mut present = 0;
    for (bit, field) in optional_texts(body).iter().enumerate() {
        if field.is_some() {
            present |= 1 << bit;
        }
    }
    if body.bonus.point_bonus.is_some() {
        present |= HAS_POINTS;
    }
    if body.bonus.cash.is_some() {
        present |= HAS_CASH;
    }
    varint::put(out, present);
    varint::put_signed(out, body.rule_type);
    varint::put_signed(out, body.bonus.bonus_type);
    varint::put_signed(out, body.stage);
    put_text(out, &body.referral_user_id, Some(symbols));
    for (field, interned) in optional_texts(body).into_iter().zip(INTERNED) {
        if let Some(text) = field {
            put_text(out, text, interned.then_some(&mut *symbols));
        }
    }
    if let Some(points) = body.bonus.point_bonus {
        varint::put_signed(out, points);
    }
    if let Some(cash) = &body.bonus.cash {
        put_text(out, &cash.currency_type, Some(symbols));
        put_decimal(out, cash.amount.value());
    }
}

/// The body and referrer index encoded at the start of `bytes` (which may go on past it).
pub fn decode(bytes: &[u8], symbols: &Symbols) -> Result<(RewardBody, usize), Malformed> {
    let mut reader = Reader::new(bytes);
    let external_id = read_text(&mut reader, symbols)?.into_string();
    let employee = usize::try_from(reader.get().ok_or(Malformed)?).map_err(|_| Malformed)?;
    let present = reader.get().ok_or(Malformed)?;
    let rule_type = reader.get_signed().ok_or(Malformed)?;
    let bonus_type = reader.get_signed().ok_or(Malformed)?;
    let stage = reader.get_signed().ok_or(Malformed)?;
    let referral_user_id = read_text(&mut reader, symbols)?.into_string();
    let mut body = RewardBody {
        referral_user_id,
        create_user_id: None,
        confirm_user_id: None,
        pay_user_id: None,
        external_id,
        application_id: None,
        talent_id: None,
        job_id: None,
        reason: None,
        rule_type,
        bonus: Bonus {
            bonus_type,
            point_bonus: None,
            cash: None,
        },
        stage,
        create_time: None,
        confirm_time: None,
        pay_time: None,
        onboard_time: None,
        conversion_time: None,
        comment: None,
    };
    for (bit, field) in optional_texts_mut(&mut body).into_iter().enumerate() {
        if present & (1 << bit) != 0 {
            *field = Some(read_text(&mut reader, symbols)?.into_string());
        }
    }
    if present & HAS_POINTS != 0 {
        body.bonus.point_bonus = Some(reader.get_signed().ok_or(Malformed)?);
    }
    if present & HAS_CASH != 0 {
        let currency_type = read_text(&mut reader, symbols)?.into_string();
        let amount = Amount::new(read_decimal(&mut reader)?);
        body.bonus.cash = Some(Cash {
            currency_type,
            amount,
        });
    }
    Ok((body, employee))
}

/// The external_id encoded at the start of `bytes`, without decoding the rest.
pub fn external_id<'a>(bytes: &'a [u8], symbols: &'a Symbols) -> Result<Text<'a>, Malformed> {
    read_text(&mut Reader::new(bytes), symbols)
}

/// A stored text as read, before it is copied out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Text<'a> {
    /// Stored as bytes or as a symbol.
    Str(&'a str),
    /// Stored as the value of its digits.
    Number(u64),
}

impl Text<'_> {
    /// True when this is exactly `text`.
    pub fn is(&self, text: &str) -> bool {
        match *self {
            Text::Str(stored) => stored == text,
            Text::Number(value) => as_number(text) == Some(value),
        }
    }

    /// The text.
    pub fn into_string(self) -> String {
        match self {
            Text::Str(stored) => stored.to_owned(),
            Text::Number(value) => value.to_string(),
        }
    }
}

/// The value of `text` when writing the value back gives `text` again: decimal digits, no
/// sign, no leading zero, within u64.
fn as_number(text: &str) -> Option<u64> {
    let digits = text.as_bytes();
    let canonical = match digits {
        [] => false,
        [b'0', _, ..] => false,
        _ => digits.iter().all(u8::is_ascii_digit),
    };
    if canonical { text.parse().ok() } else { None }
}

/// Appends `text`: as a symbol when `symbols` is given and takes it, else as a number when
/// it is one, else as its bytes.
fn put_text(out: &mut Vec<u8>, text: &str, symbols: Option<&mut Symbols>) {
    if let Some(number) = symbols.and_then(|s| s.intern(text)) {
        varint::put(out, (u64::from(number) << KIND_BITS) | SYMBOL);
    } else if let Some(value) = as_number(text) {
        varint::put(out, NUMBER);
        varint::put(out, value);
    } else {
        // A text's length fits in 62 bits on any machine that can hold it.
        varint::put(out, ((text.len() as u64) << KIND_BITS) | INLINE);
        out.extend_from_slice(text.as_bytes());
    }
}

fn read_text<'a>(reader: &mut Reader<'a>, symbols: &'a Symbols) -> Result<Text<'a>, Malformed> {
    let head = reader.get().ok_or(Malformed)?;
    let payload = head >> KIND_BITS;
    match head & KIND_MASK {
        INLINE => {
            let len = usize::try_from(payload).map_err(|_| Malformed)?;
            let bytes = reader.take(len).ok_or(Malformed)?;
            std::str::from_utf8(bytes)
                .map(Text::Str)
                .map_err(|_| Malformed)
        }
        SYMBOL => symbols.get(payload).map(Text::Str).ok_or(Malformed),
        NUMBER => reader.get().map(Text::Number).ok_or(Malformed),
        _ => Err(Malformed),
    }
}

/// Appends a decimal exactly: scale and sign in one byte, then the mantissa's magnitude.
fn put_decimal(out: &mut Vec<u8>, value: Decimal) {
    // A decimal's scale is at most 28, so it leaves the sign bit free.
    let mut flags = value.scale() as u8;
    if value.is_sign_negative() {
        flags |= NEGATIVE;
    }
    out.push(flags);
    varint::put_wide(out, value.mantissa().unsigned_abs());
}

fn read_decimal(reader: &mut Reader<'_>) -> Result<Decimal, Malformed> {
    let flags = reader.byte().ok_or(Malformed)?;
    let magnitude = reader.get_wide().ok_or(Malformed)?;
    let mantissa = i128::try_from(magnitude).map_err(|_| Malformed)?;
    let mut value = Decimal::try_from_i128_with_scale(mantissa, u32::from(flags & !NEGATIVE))
        .map_err(|_| Malformed)?;
    value.set_sign_negative(flags & NEGATIVE != 0);
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body() -> RewardBody {
        RewardBody {
            referral_user_id: "ou_8fe08882a7ae1007efe66632ce51f7a2".into(),
            create_user_id: None,
            confirm_user_id: None,
            pay_user_id: None,
            external_id: "MEM1000000-000000001".into(),
            application_id: Some("7214000000000000001".into()),
            talent_id: None,
            job_id: None,
            reason: Some("转正".into()),
            rule_type: 2,
            bonus: Bonus {
                bonus_type: 1,
                point_bonus: Some(200),
                cash: None,
            },
            stage: 2,
            create_time: Some("1704720276000".into()),
            confirm_time: Some("1704806676000".into()),
            pay_time: None,
            onboard_time: None,
            conversion_time: None,
            comment: Some("财务已确认".into()),
        }
    }

    fn cash(amount: &str, currency: &str) -> Bonus {
        Bonus {
            bonus_type: 2,
            point_bonus: None,
            cash: Some(Cash {
                currency_type: currency.into(),
                amount: Amount::new(amount.parse().unwrap()),
            }),
        }
    }

    /// Encodes and decodes `body` with `symbols`, checking that it comes back the same,
    /// to the byte of its JSON, and returns the encoded size.
    fn round_trip(body: &RewardBody, employee: usize, symbols: &mut Symbols) -> usize {
        let mut out = Vec::new();
        encode(body, employee, symbols, &mut out);
        // Bytes after the record (the next one in the arena) do not disturb it.
        let mut with_tail = out.clone();
        with_tail.extend_from_slice(&[0xff, 0x00, 0x7f]);
        let (decoded, index) = decode(&with_tail, symbols).unwrap();
        assert_eq!(&decoded, body);
        assert_eq!(index, employee);
        assert_eq!(
            serde_json::to_string(&decoded).unwrap(),
            serde_json::to_string(body).unwrap()
        );
        assert!(external_id(&out, symbols).unwrap().is(&body.external_id));
        out.len()
    }

    #[test]
    fn a_typical_body_round_trips_in_a_few_dozen_bytes() {
        let mut symbols = Symbols::default();
        let size = round_trip(&body(), 3, &mut symbols);
        assert!(size <= 64, "{size} bytes");
    }

    #[test]
    fn every_optional_field_present_or_absent_round_trips() {
        let mut symbols = Symbols::default();
        let mut full = body();
        full.create_user_id = Some("ou_create".into());
        full.confirm_user_id = Some("on_confirm".into());
        full.pay_user_id = Some("ou_pay".into());
        full.talent_id = Some("7213000000000000005".into());
        full.job_id = Some("6930815272790114568".into());
        full.pay_time = Some("1705584276000".into());
        full.onboard_time = Some("1700000000000".into());
        full.conversion_time = Some("1700000000001".into());
        full.bonus.cash = cash("100.5", "CNY").cash;
        round_trip(&full, 0, &mut symbols);
        // Each optional field alone missing, then all of them missing.
        for i in 0..OPTIONAL_TEXTS {
            let mut one_less = full.clone();
            *optional_texts_mut(&mut one_less)[i] = None;
            round_trip(&one_less, i, &mut symbols);
        }
        let mut bare = full.clone();
        optional_texts_mut(&mut bare)
            .into_iter()
            .for_each(|f| *f = None);
        bare.bonus.point_bonus = None;
        bare.bonus.cash = None;
        round_trip(&bare, usize::MAX, &mut symbols);
    }

    #[test]
    fn odd_texts_are_kept_exactly() {
        let mut symbols = Symbols::default();
        for text in [
            "",
            "0",
            "0012",
            "00",
            "-5",
            "+5",
            "1.5",
            "18446744073709551615",
            "18446744073709551616",
            "99999999999999999999999",
            "１２３",
            "2024-01-08 21:24:35",
            " 1704720275000",
            "候选人到面奖励\u{202e}",
            "\"迁移自旧内推系统, 第二批\"",
        ] {
            let mut odd = body();
            odd.external_id = text.into();
            odd.referral_user_id = text.into();
            odd.application_id = Some(text.into());
            odd.create_time = Some(text.into());
            odd.comment = Some(text.into());
            odd.job_id = Some(text.into());
            round_trip(&odd, 1, &mut symbols);
        }
    }

    #[test]
    fn numbers_are_stored_as_numbers_and_the_rest_as_text() {
        assert_eq!(as_number("1704720275000"), Some(1_704_720_275_000));
        assert_eq!(as_number("0"), Some(0));
        for text in ["", "0012", "00", "-1", "1e3", "18446744073709551616", "１"] {
            assert_eq!(as_number(text), None, "{text:?}");
        }
        assert!(Text::Number(12).is("12"));
        assert!(!Text::Number(12).is("012"));
        assert!(!Text::Number(12).is("12 "));
    }

    #[test]
    fn amounts_and_points_round_trip_exactly() {
        let mut symbols = Symbols::default();
        for (amount, currency) in [
            ("100.5", "CNY"),
            ("0.07", "USD"),
            ("0", "CNY"),
            ("99999999.99", "JPY"),
            ("1234567890123.45", "EUR"),
            ("79228162514264337593543950335", "CNY"),
            ("-79228162514264337593543950335", "CNY"),
            ("-0.01", "CNY"),
            ("0.0000000000000000000000000001", "CNY"),
            ("5", "rmb"),
        ] {
            let mut with_cash = body();
            with_cash.bonus = cash(amount, currency);
            round_trip(&with_cash, 2, &mut symbols);
            // Both fields with a type, as the API allows.
            with_cash.bonus.point_bonus = Some(7);
            round_trip(&with_cash, 2, &mut symbols);
        }
        for points in [0, 1, 100, i64::from(i32::MAX), -1, i64::MAX, i64::MIN] {
            let mut with_points = body();
            with_points.bonus.point_bonus = Some(points);
            round_trip(&with_points, 2, &mut symbols);
        }
        for odd in [0, -1, 99, i64::MIN, i64::MAX] {
            let mut enums = body();
            enums.rule_type = odd;
            enums.stage = odd;
            enums.bonus.bonus_type = odd;
            round_trip(&enums, 2, &mut symbols);
        }
    }

    #[test]
    fn a_full_symbol_table_stores_texts_in_place() {
        let mut symbols = Symbols::default();
        for i in 0..super::super::symbols::MAX_SYMBOLS {
            symbols.intern(&format!("s{i}"));
        }
        let mut fresh = body();
        fresh.reason = Some("never seen".into());
        fresh.referral_user_id = "ou_new".into();
        fresh.job_id = Some("42".into());
        fresh.comment = Some("x".repeat(1000));
        round_trip(&fresh, 0, &mut symbols);
    }

    #[test]
    fn truncated_bytes_do_not_decode() {
        let mut symbols = Symbols::default();
        let mut out = Vec::new();
        encode(&body(), 0, &mut symbols, &mut out);
        for len in 0..out.len() {
            assert_eq!(decode(&out[..len], &symbols), Err(Malformed), "{len}");
        }
        // A symbol number the table does not have.
        assert_eq!(decode(&out, &Symbols::default()), Err(Malformed));
    }
}
