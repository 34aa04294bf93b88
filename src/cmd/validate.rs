//! `rewardsync validate FILE`: check every row against every rule, send nothing.

use std::io::{self, BufWriter, Write};

use anyhow::Context;

use crate::cli::{InputArgs, ValidateArgs};
use rewardsync::exit::Exit;
use rewardsync::report::{ErrorsFile, FileCounts, JsonReport, ProblemReport, Reserved, TextReport};
use rewardsync::source::{ReadOptions, RewardReader};
use rewardsync::validate::Validator;

/// Opens the rewards CSV named by the input flags.
pub fn open_input(input: &InputArgs) -> anyhow::Result<RewardReader> {
    let options = ReadOptions {
        encoding: input.encoding.into(),
        ignore_unknown_columns: input.ignore_unknown_columns,
    };
    Ok(RewardReader::open(&input.file, options)?)
}

/// Validates the file; exit 0 when every row is valid, 1 when some are not.
pub fn run(args: ValidateArgs) -> anyhow::Result<Exit> {
    let mut reader = open_input(&args.input)?;
    let stdout = BufWriter::new(io::stdout().lock());
    let mut report: Box<dyn ProblemReport> = if args.json {
        Box::new(JsonReport::new(stdout, reader.path(), reader.encoding())?)
    } else {
        Box::new(TextReport::new(stdout, reader.path()))
    };
    let mut errors_file = match &args.errors {
        Some(path) => Some(ErrorsFile::create(
            Reserved::new(path, &args.input.file)?,
            reader.header(),
            reader.encoding(),
        )?),
        None => None,
    };

    let mut validator = Validator::new();
    let mut summary = FileCounts::default();
    while let Some(row) = reader.next_row()? {
        let checked = validator.check(reader.header(), &row);
        summary.add(&checked);
        if !checked.problems.is_empty() {
            report.row(&checked).context("cannot write the report")?;
        }
        if let (false, Some(file)) = (checked.is_valid(), errors_file.as_mut()) {
            file.write_checked(&row, &checked)?;
        }
    }
    report.finish(&summary).context("cannot write the report")?;

    if let Some(file) = errors_file {
        let path = file.path().to_owned();
        let written = file.finish()?;
        if !args.json {
            let mut err = io::stderr().lock();
            writeln!(
                err,
                "wrote {written} invalid rows to {path}: fix them there and run `rewardsync validate {path}` (its line and errors columns are ignored)"
            )?;
        }
    }
    Ok(if summary.invalid == 0 {
        Exit::Success
    } else {
        Exit::Incomplete
    })
}
