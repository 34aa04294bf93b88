//! `rewardsync map suggest FILE`: print a mapping file suggested for a legacy export.

use std::io::{self, Write};

use crate::cli::{MapCommand, SuggestArgs};
use rewardsync::read::mapping::suggest;
use rewardsync::read::source::{EncodingChoice, SheetChoice, SourceOptions};
use rewardsync::report::exit::Exit;

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
        sheet: args.sheet.as_deref().map(SheetChoice::parse),
        header_row: args.header_row,
    };
    let suggestion = suggest::suggest(&args.file, &options)?;
    let mut out = io::stdout().lock();
    out.write_all(suggestion.to_toml().as_bytes())?;
    out.flush()?;
    Ok(Exit::Success)
}
