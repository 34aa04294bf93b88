//! rewardsync: import referral rewards from a legacy system into Feishu Hire, and manage the
//! referral reward accounts they land in.
//!
//! The modules follow the pipeline: [`source`] reads the file → [`validate`] checks each row
//! (in terms of [`problem`]s; human forms of values are read by [`forms`], through the
//! [`mapping`] of the file's columns)
//! and builds its [`reward`] body → [`import`] plans it against the [`ledger`] → the [`run`]
//! driver sends it through the [`engine`] ([`throttle`] slots, retries, the halt on
//! [`stop`]) with the [`feishu`] client → the [`ledger`] records every step → [`summary`]
//! says how it ended and [`report`] tells the user ([`progress`] while it runs).
//! [`rollback`] and [`accounts`] are commands on the same driver; the sandbox, a local
//! stand-in for the Feishu endpoints, is a crate of its own (`sandbox/`); [`text`] words
//! values in messages. The command line (what the user typed, one entry point per
//! subcommand) belongs to the binary: the library never sees its types.

pub mod accounts;
pub mod engine;
pub mod exit;
pub mod feishu;
pub mod field;
pub mod forms;
pub mod generate;
pub mod import;
pub mod ledger;
pub mod mapping;
pub mod notify;
pub mod person;
pub mod problem;
pub mod progress;
pub mod report;
pub mod resolve;
pub mod reward;
pub mod rollback;
pub mod run;
pub mod source;
pub mod stop;
pub mod summary;
pub mod text;
pub mod throttle;
pub mod validate;
