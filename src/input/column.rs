//! The columns of the rewards CSV (SPEC §2) and their header names.

use std::fmt;

/// A column of the rewards CSV (SPEC §2), named as in the header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Column {
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

impl Column {
    /// Every column, in the order the README documents them.
    pub const ALL: [Column; 21] = [
        Column::ReferralUserId,
        Column::ExternalId,
        Column::ApplicationId,
        Column::TalentId,
        Column::JobId,
        Column::Reason,
        Column::RuleType,
        Column::BonusType,
        Column::PointBonus,
        Column::CurrencyType,
        Column::Amount,
        Column::Stage,
        Column::CreateTime,
        Column::ConfirmTime,
        Column::PayTime,
        Column::OnboardTime,
        Column::ConversionTime,
        Column::CreateUserId,
        Column::ConfirmUserId,
        Column::PayUserId,
        Column::Comment,
    ];

    /// Columns the header must have. `application_id`/`talent_id` are checked per row:
    /// either may be absent from the header as long as the other is there.
    pub const REQUIRED: [Column; 4] = [
        Column::ReferralUserId,
        Column::ExternalId,
        Column::RuleType,
        Column::Stage,
    ];

    /// The header name.
    pub fn name(self) -> &'static str {
        match self {
            Column::ReferralUserId => "referral_user_id",
            Column::ExternalId => "external_id",
            Column::ApplicationId => "application_id",
            Column::TalentId => "talent_id",
            Column::JobId => "job_id",
            Column::Reason => "reason",
            Column::RuleType => "rule_type",
            Column::BonusType => "bonus_type",
            Column::PointBonus => "point_bonus",
            Column::CurrencyType => "currency_type",
            Column::Amount => "amount",
            Column::Stage => "stage",
            Column::CreateTime => "create_time",
            Column::ConfirmTime => "confirm_time",
            Column::PayTime => "pay_time",
            Column::OnboardTime => "onboard_time",
            Column::ConversionTime => "conversion_time",
            Column::CreateUserId => "create_user_id",
            Column::ConfirmUserId => "confirm_user_id",
            Column::PayUserId => "pay_user_id",
            Column::Comment => "comment",
        }
    }

    /// The column a header name stands for (trimmed, any case).
    pub fn from_name(name: &str) -> Option<Column> {
        let name = name.trim();
        Column::ALL
            .into_iter()
            .find(|c| c.name().eq_ignore_ascii_case(name))
    }
}

impl fmt::Display for Column {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Columns that the `--errors` file adds; recognised and ignored on input, so a fixed
/// errors file can be fed back as it is.
pub const ERRORS_FILE_COLUMNS: [&str; 2] = ["line", "errors"];
