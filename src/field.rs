//! The fields of a rewards file (SPEC §2): what each column of an input is for, by its
//! canonical name.

use std::fmt;

/// A column of the rewards CSV (SPEC §2), named as in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    ReferralUserId,
    ExternalId,
    ApplicationId,
    TalentId,
    JobId,
    Reason,
    RuleType,
    BonusType,
    PointBonus,
    CurrencyType,
    Amount,
    Stage,
    CreateTime,
    ConfirmTime,
    PayTime,
    OnboardTime,
    ConversionTime,
    CreateUserId,
    ConfirmUserId,
    PayUserId,
    Comment,
}

impl Field {
    /// Every column, in the order the README documents them.
    pub const ALL: [Field; 21] = [
        Field::ReferralUserId,
        Field::ExternalId,
        Field::ApplicationId,
        Field::TalentId,
        Field::JobId,
        Field::Reason,
        Field::RuleType,
        Field::BonusType,
        Field::PointBonus,
        Field::CurrencyType,
        Field::Amount,
        Field::Stage,
        Field::CreateTime,
        Field::ConfirmTime,
        Field::PayTime,
        Field::OnboardTime,
        Field::ConversionTime,
        Field::CreateUserId,
        Field::ConfirmUserId,
        Field::PayUserId,
        Field::Comment,
    ];

    /// Columns the header must have. `application_id`/`talent_id` are checked per row:
    /// either may be absent from the header as long as the other is there.
    pub const REQUIRED: [Field; 4] = [
        Field::ReferralUserId,
        Field::ExternalId,
        Field::RuleType,
        Field::Stage,
    ];

    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Field::ReferralUserId => "referral_user_id",
            Field::ExternalId => "external_id",
            Field::ApplicationId => "application_id",
            Field::TalentId => "talent_id",
            Field::JobId => "job_id",
            Field::Reason => "reason",
            Field::RuleType => "rule_type",
            Field::BonusType => "bonus_type",
            Field::PointBonus => "point_bonus",
            Field::CurrencyType => "currency_type",
            Field::Amount => "amount",
            Field::Stage => "stage",
            Field::CreateTime => "create_time",
            Field::ConfirmTime => "confirm_time",
            Field::PayTime => "pay_time",
            Field::OnboardTime => "onboard_time",
            Field::ConversionTime => "conversion_time",
            Field::CreateUserId => "create_user_id",
            Field::ConfirmUserId => "confirm_user_id",
            Field::PayUserId => "pay_user_id",
            Field::Comment => "comment",
        }
    }

    /// How many fields there are.
    pub const COUNT: usize = Field::ALL.len();

    /// The field a canonical name stands for (any case, `_` and spaces ignored), e.g.
    /// `Rule Type` or `RULE_TYPE`; the Chinese labels are [`crate::mapping`]'s.
    pub fn from_canonical(name: &str) -> Option<Field> {
        Field::ALL.into_iter().find(|field| {
            crate::mapping::aliases::normalize(field.name())
                == crate::mapping::aliases::normalize(name)
        })
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
