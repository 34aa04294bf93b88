//! The fields of a rewards file (SPEC §2): what each column of an input is for, by its
//! canonical name.

use std::borrow::Cow;
use std::fmt;

/// A column of the rewards CSV (SPEC §2), named as in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ReferralUserId,
    ReferralUserEmail,
    ReferralUserMobile,
    ExternalId,
    ApplicationId,
    TalentId,
    TalentEmail,
    TalentMobile,
    JobId,
    Reason,
    RuleType,
    BonusType,
    PointBonus,
    CurrencyType,
    Amount,
    /// One column for both: the amount on cash rows, the points on points rows (SPEC
    /// §2.4); the row's bonus_type decides. Mapped only by its canonical name.
    Value,
    Stage,
    CreateTime,
    ConfirmTime,
    PayTime,
    OnboardTime,
    ConversionTime,
    CreateUserId,
    ConfirmUserId,
    PayUserId,
    CreateUserEmail,
    CreateUserMobile,
    ConfirmUserEmail,
    ConfirmUserMobile,
    PayUserEmail,
    PayUserMobile,
    Comment,
}

impl Field {
    /// Every column, in the order the README documents them.
    pub const ALL: [Field; 32] = [
        Field::ReferralUserId,
        Field::ReferralUserEmail,
        Field::ReferralUserMobile,
        Field::ExternalId,
        Field::ApplicationId,
        Field::TalentId,
        Field::TalentEmail,
        Field::TalentMobile,
        Field::JobId,
        Field::Reason,
        Field::RuleType,
        Field::BonusType,
        Field::PointBonus,
        Field::CurrencyType,
        Field::Amount,
        Field::Value,
        Field::Stage,
        Field::CreateTime,
        Field::ConfirmTime,
        Field::PayTime,
        Field::OnboardTime,
        Field::ConversionTime,
        Field::CreateUserId,
        Field::ConfirmUserId,
        Field::PayUserId,
        Field::CreateUserEmail,
        Field::CreateUserMobile,
        Field::ConfirmUserEmail,
        Field::ConfirmUserMobile,
        Field::PayUserEmail,
        Field::PayUserMobile,
        Field::Comment,
    ];

    /// Columns the header must have. The referrer and the candidate are checked as
    /// groups ([`Field::REFERRER`], [`Field::CANDIDATE`]): one column of each is enough.
    pub const REQUIRED: [Field; 3] = [Field::ExternalId, Field::RuleType, Field::Stage];

    /// The columns that can name the referrer: an id, or an e-mail or mobile to look up.
    pub const REFERRER: [Field; 3] = [
        Field::ReferralUserId,
        Field::ReferralUserEmail,
        Field::ReferralUserMobile,
    ];

    /// The columns that can name the candidate.
    pub const CANDIDATE: [Field; 4] = [
        Field::ApplicationId,
        Field::TalentId,
        Field::TalentEmail,
        Field::TalentMobile,
    ];

    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Field::ReferralUserId => "referral_user_id",
            Field::ReferralUserEmail => "referral_user_email",
            Field::ReferralUserMobile => "referral_user_mobile",
            Field::ExternalId => "external_id",
            Field::ApplicationId => "application_id",
            Field::TalentId => "talent_id",
            Field::TalentEmail => "talent_email",
            Field::TalentMobile => "talent_mobile",
            Field::JobId => "job_id",
            Field::Reason => "reason",
            Field::RuleType => "rule_type",
            Field::BonusType => "bonus_type",
            Field::PointBonus => "point_bonus",
            Field::CurrencyType => "currency_type",
            Field::Amount => "amount",
            Field::Value => "value",
            Field::Stage => "stage",
            Field::CreateTime => "create_time",
            Field::ConfirmTime => "confirm_time",
            Field::PayTime => "pay_time",
            Field::OnboardTime => "onboard_time",
            Field::ConversionTime => "conversion_time",
            Field::CreateUserId => "create_user_id",
            Field::ConfirmUserId => "confirm_user_id",
            Field::PayUserId => "pay_user_id",
            Field::CreateUserEmail => "create_user_email",
            Field::CreateUserMobile => "create_user_mobile",
            Field::ConfirmUserEmail => "confirm_user_email",
            Field::ConfirmUserMobile => "confirm_user_mobile",
            Field::PayUserEmail => "pay_user_email",
            Field::PayUserMobile => "pay_user_mobile",
            Field::Comment => "comment",
        }
    }

    /// How many fields there are.
    pub const COUNT: usize = Field::ALL.len();

    /// The field a canonical name stands for (any case, `_` and spaces ignored), e.g.
    /// `Rule Type` or `RULE_TYPE`; the Chinese labels are the mapping's.
    pub fn from_canonical(name: &str) -> Option<Field> {
        Field::ALL
            .into_iter()
            .find(|field| normalize(field.name()) == normalize(name))
    }

    /// Its position in [`Field::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    /// The column a header name stands for (trimmed, any case).
    pub fn from_name(name: &str) -> Option<Field> {
        let name = name.trim();
        Field::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Columns that the `--errors` file adds (`line` for a CSV, `row` for a workbook, and
/// `errors`); recognised and ignored on input, so a fixed errors file can be fed back as
/// it is.
pub const ERRORS_FILE_COLUMNS: [&str; 3] = ["line", "row", "errors"];

/// A header name as it is compared: lowercase, without spaces or `_`, full-width forms
/// (`ＩＤ`, the ideographic space) as their half-width equivalents.
pub fn normalize(name: &str) -> Cow<'_, str> {
    let plain = name.bytes().all(|b| {
        b.is_ascii_lowercase() || b.is_ascii_digit() || (b >= 0x80 && b != 0xEF && b != 0xE3)
    });
    if plain && !name.is_empty() {
        return Cow::Borrowed(name);
    }
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        let c = half_width(c);
        if c.is_whitespace() || c == '_' {
            continue;
        }
        out.extend(c.to_lowercase());
    }
    Cow::Owned(out)
}

/// The half-width form of a full-width ASCII character (and the ideographic space).
fn half_width(c: char) -> char {
    match c {
        '\u{3000}' => ' ',
        '\u{FF01}'..='\u{FF5E}' => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
        _ => c,
    }
}
