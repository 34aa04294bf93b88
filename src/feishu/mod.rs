//! The Feishu Open Platform client: the tenant token, the Hire calls rewardsync makes, and
//! the sorting of every answer into success or one of four failure classes (SPEC §1).
//!
//! Each call makes one attempt (plus one resend after a refused token) and reports exactly
//! what happened; throttling, retries and back-off belong to the importer.

mod account;
mod answer;
mod client;
mod failure;
mod target;
mod token;
mod transport;

#[cfg(test)]
mod tests;

pub use account::{
    ACCOUNT_DEACTIVATED, ACCOUNT_ENABLED, Account, Assets, BonusAmount, CashAmount, I18nName,
    Referrer,
};
pub use answer::Answer;
pub use client::{Client, ClientBuildError, ClientOptions, UserIdType};
pub use failure::{Failure, Scope};
pub use target::{SECRET_ENV, SECRET_FILE_ENV, Secret, Target, TargetError};
