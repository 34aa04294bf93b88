//! The Feishu Open Platform client: where calls go and as whom, and the shapes the
//! account endpoints answer with (SPEC §1).

mod account;
mod target;

pub use account::{
    ACCOUNT_DEACTIVATED, ACCOUNT_ENABLED, Account, Assets, BonusAmount, CashAmount, I18nName,
    Referrer,
};
pub use target::{SECRET_ENV, SECRET_FILE_ENV, Secret, Target, TargetError};
