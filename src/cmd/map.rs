//! `rewardsync map suggest FILE`: print a mapping file suggested for a legacy export.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::options::{EncodingArg, delimiter};
use rewardsync::read::mapping::suggest;
use rewardsync::read::source::{EncodingChoice, SheetChoice, SourceOptions};
use rewardsync::report::exit::Exit;

/// `rewardsync map …`.
#[derive(Debug, Subcommand)]
pub enum MapCommand {
    /// Print a mapping file (TOML) suggested for a legacy export.
    ///
    /// Each column is matched to a field (saying how sure), unmatched columns are ignored,
    /// a timezone is proposed when times need one, and [values] entries for enum values
    /// that are no documented label. Save it, check it, and run `rewardsync validate FILE
    /// --map mapping.toml --explain`.
    Suggest(SuggestArgs),
}

/// `rewardsync map suggest`.
#[derive(Debug, Args)]
pub struct SuggestArgs {
    /// The export: a CSV, or a workbook (.xlsx, .xlsm, .xls, .ods), told apart by its
    /// content.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// The sheet of a workbook: its name, or its position from 1 (default: the first).
    #[arg(long, value_name = "NAME|N")]
    pub sheet: Option<String>,

    /// The row holding the column names (default: the row among the first 20 that names
    /// the most columns, so a title above the header is skipped).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub header_row: Option<u64>,

    /// The CSV delimiter: one character, or `tab` (default: found from the header line).
    #[arg(long, value_name = "C", value_parser = delimiter)]
    pub delimiter: Option<u8>,

    /// Text encoding of a CSV: utf-8, gbk, or auto (the default here: UTF-8 unless the
    /// start of the file only makes sense as GBK; a GBK file gets `encoding = "gbk"`).
    #[arg(long, value_enum, value_name = "E")]
    pub encoding: Option<EncodingArg>,
}

/// Runs a `map` subcommand.
pub fn run(command: MapCommand) -> anyhow::Result<Exit> {
    match command {
        MapCommand::Suggest(args) => run_suggest(args),
    }
}

/// Prints the suggested mapping file on stdout; exit 0.
fn run_suggest(args: SuggestArgs) -> anyhow::Result<Exit> {
    let options = SourceOptions {
        // A legacy export is as often GBK as UTF-8: let the file's start decide, and the
        // suggestion says `encoding = "gbk"` when it is.
        encoding: args.encoding.map_or(EncodingChoice::Auto, Into::into),
        delimiter: args.delimiter,
        sheets: args
            .sheet
            .as_deref()
            .map(SheetChoice::parse)
            .into_iter()
            .collect(),
        header_row: args.header_row,
    };
    let suggestion = suggest::suggest(&args.file, &options)?;
    let mut out = io::stdout().lock();
    out.write_all(suggestion.to_toml().as_bytes())?;
    out.flush()?;
    Ok(Exit::Success)
}
