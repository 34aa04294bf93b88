//! rewardsync: import referral rewards from a legacy system into Feishu Hire, and manage the
//! referral reward accounts they land in.
//!
//! The modules, in the order a row goes through them (ARCHITECTURE.md has the map): a row
//! is [`read`] from the file and checked, the people it names are resolved to ids
//! ([`people`]), the [`plan`] compares it with the [`ledger`], the [`run`] driver sends it
//! at the documented rate through the [`phases`] the commands share, with the [`feishu`]
//! client, and records each outcome in the [`ledger`]; [`report`] tells the user how it
//! ended and [`notify`] posts it to a bot. The [`commands`] put these together. Below them
//! all: the [`reward`] body Feishu takes, the [`problem`]s a row can have, and [`text`],
//! how values are worded in messages. The command line (what the user typed) belongs to
//! the binary: the library never sees its types. The sandbox, a local stand-in for
//! the Feishu endpoints, is a crate of its own (`sandbox/`) and shares nothing with this one.

// The pipeline, in order.
pub mod read;
pub mod people;
pub mod plan;
pub mod run;
pub mod phases;
pub mod ledger;
pub mod feishu;
pub mod report;
pub mod notify;
pub mod commands;

// What every stage speaks.
pub mod problem;
pub mod reward;
pub mod text;
