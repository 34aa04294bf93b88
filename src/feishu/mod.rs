//! The Feishu Open Platform client: the tenant token, the Hire calls and people lookups rewardsync makes (as
//! [`Request`]s, each with its endpoint [`Family`]), and the sorting of every answer into
//! success, a refused token, or one of the failure classes of SPEC §1.
//!
//! Each exchange is one attempt and reports exactly what happened; throttling, retries,
//! the resend after a refused token and back-off belong to the engine.

mod account;
mod answer;
mod client;
mod failure;
mod lookup;
mod request;
mod target;
mod token;
mod transport;
mod user_id_type;

#[cfg(test)]
pub(crate) mod scripted;
#[cfg(test)]
mod tests;

pub use account::{
    ACCOUNT_DEACTIVATED, ACCOUNT_ENABLED, Account, Assets, BonusAmount, CashAmount, I18nName,
    Referrer,
};
pub use answer::Answer;
pub use client::{Client, ClientBuildError, ClientOptions, Reply};
pub use failure::{Failure, Scope};
pub use lookup::{
    BatchError, Contact, INVALID_MOBILE_CODE, MAX_BATCH, TalentKey, TalentMatch, UserMatch,
    UserStatus, talent_batches, user_batches,
};
pub use request::{Family, Rate, Request};
pub use target::{
    MAX_SECRET_FILE, SECRET_ENV, SECRET_FILE_ENV, Secret, Target, TargetError, exposure,
    private_fix,
};
pub use token::Token;
pub use user_id_type::UserIdType;
