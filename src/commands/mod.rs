//! What each command does, on top of everything else: [`import`] (read, resolve the
//! people, plan, send, record), [`rollback`] (delete what a run created) and [`accounts`]
//! (referral reward accounts in bulk). Each runs through the one run driver
//! ([`crate::run`]) with the phases it needs ([`crate::phases`]); the command line that
//! starts them belongs to the binary.

pub mod accounts;
pub mod import;
pub mod rollback;
