//! Referral reward accounts (内推账户) in bulk: registering employees from a CSV, enabling
//! and deactivating accounts, reading balances, and reconciling them with the ledger.
//! Everything goes through the importer's client, throttle, retry engine and ledger.

pub mod actions;
pub mod assets;
pub mod register;
