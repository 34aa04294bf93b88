//! The calls commands share, each a [`crate::run::Phase`] the run driver sends through the
//! engine and records in the ledger: [`send`] imports rewards (doubts settled first),
//! [`delete`] deletes them, [`lookups`] looks people up.

pub mod delete;
pub mod lookups;
pub mod send;
