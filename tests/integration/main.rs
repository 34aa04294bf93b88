//! The one integration test binary (see `autotests = false` in Cargo.toml).

mod accounts;
mod common;
mod demo;
mod exits;
mod forms_amounts;
mod forms_labels;
mod forms_times;
mod import;
mod in_doubt;
mod input_accounts;
mod input_control;
mod legacy_files;
mod legacy_rows;
mod map_suggest;
mod pacing;
mod people_columns;
mod people_import;
mod replace;
mod rollback;
mod sandbox;
mod sandbox_lookups;
mod validate_bodies;
mod validate_cli;
mod validate_rules;
mod workbook_formats;
mod workbook_read;
