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
//! [`rollback`] and [`accounts`] are commands on the same driver; the [`sandbox`] is a local
//! stand-in for the Feishu endpoints; [`text`] words values in messages. The command line
//! (what the user typed, one entry point per subcommand) belongs to the binary: the
//! library never sees its types.

pub mod commands;
pub mod feishu;
pub mod generate;
pub mod ledger;
pub mod notify;
pub mod people;
pub mod phases;
pub mod plan;
pub mod problem;
pub mod read;
pub mod report;
pub mod reward;
pub mod run;
pub mod sandbox;
pub mod text;
