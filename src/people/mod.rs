//! The people rows name by e-mail or mobile (SPEC §2.3), resolved to Feishu ids between
//! validation and the plan: [`cache`] says which of a file's people the ledger already
//! knows (and what a dry run says of them), [`book`] holds what the cache and this run's
//! lookups found and puts the ids into each row's body. The lookups themselves are a run
//! phase ([`crate::phases`]); whom a row names is the reader's ([`crate::read::person`]).

pub mod book;
pub mod cache;
