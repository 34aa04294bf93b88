//! Reading: a legacy export becomes checked rows. [`source`] reads the file (CSV or
//! workbook, streams included) into records with their place; [`mapping`] says which
//! column is which field ([`field`]); [`forms`] reads the human forms of values (labels,
//! money strings, dates); [`person`] says whom a row names by e-mail or mobile; and
//! [`validate`] checks each row against SPEC §2 and builds its [`crate::reward`] body.
//! Nothing here knows the ledger or Feishu.

pub mod field;
pub mod forms;
pub mod mapping;
pub mod person;
pub mod source;
pub mod validate;
