//! Human forms of cell values, made canonical (SPEC §2.1 "Legacy exports as they come").
//!
//! Legacy exports write amounts as `¥1,000.00`, points as `500积分`, enums as 入职奖励,
//! currencies as 人民币, ids as Excel's `="7214000000000001031"` and times as
//! `2024年1月8日 13:24`. Each function here reads one kind of cell, as text or as a
//! workbook's number or date cell, and returns the canonical value or a [`Violation`]
//! whose message quotes the value ([`crate::text::echo`]), says what is wrong and what to
//! write instead. Nothing here is guessed: a comma that may be a decimal point, a day and
//! month that may be either way round, a time that daylight saving skipped or repeated
//! are refused, not read one way.
//!
//! The functions are pure and run once per cell of files of millions of rows: the
//! canonical forms ("100.5", "1", "1704720275000", plain ids) take a path that allocates
//! nothing.
//!
//! [`Violation`]: crate::problem::Violation

mod amount;
mod civil;
mod contact;
mod currency;
mod excel;
mod id;
mod labels;
mod number;
mod points;
mod time;
pub mod totals;
mod value;
mod zone;

pub use amount::{Amount, amount, amount_from_number};
pub use contact::{MAINLAND, Mobile, email, mobile};
pub use currency::currency;
pub use id::{ID_MAX_NUMBER_DIGITS, UserIds, id_from_number, id_text, user_id};
pub use labels::{EnumField, enum_from_number, enum_value};
pub use number::{looks_scientific, normalize_digits};
pub use points::{points, points_from_number, points_mark};
pub use time::{
    DayMonthReadings, ReadTime, Reading, TimeError, TimeInput, TimeSettings, check_date_format,
    day_month_readings, time,
};
pub use value::{value_as_amount, value_as_points};
pub use zone::{UnknownZone, Zone};
