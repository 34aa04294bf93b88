//! rewardsync: import referral rewards from a legacy system into Feishu Hire, and manage the
//! referral reward accounts they land in.
//!
//! The modules follow the pipeline: [`input`] reads the CSV → [`validate`] checks each row
//! and builds its [`reward`] body → [`import`] plans it against the [`ledger`] → the
//! [`throttle`] paces → [`feishu`] sends → the [`ledger`] records → [`report`] and
//! [`progress`] tell the user. The [`sandbox`] is a local stand-in for the Feishu
//! endpoints. The command line (what the user typed, and one entry point per subcommand)
//! belongs to the binary: the library never sees its types.

pub mod accounts;
pub mod dispatch;
pub mod exit;
pub mod feishu;
pub mod generate;
pub mod import;
pub mod input;
pub mod ledger;
pub mod progress;
pub mod report;
pub mod reward;
pub mod rollback;
pub mod sandbox;
pub mod text;
pub mod throttle;
pub mod validate;
