//! `rewardsync validate FILE…`: check every row against every rule, send nothing.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

use super::options::{InputArgs, UserIdTypeArg};
use rewardsync::read::mapping::RewardFile;
use rewardsync::read::validate::{Row, Validator, check_rows};
use rewardsync::report::exit::Exit;
use rewardsync::report::{ErrorsFile, FileCounts, JsonReport, ProblemReport, Reserved, TextReport};

/// `rewardsync validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write every invalid row to OUT.csv: its original columns plus `line` and `errors`.
    /// Fix the rows in that file and validate or import it as it is.
    #[arg(long, value_name = "OUT.csv")]
    pub errors: Option<PathBuf>,

    /// What the file's user ids are, as `import --user-id-type` takes them: a user id
    /// column holding something else (an employee number, an e-mail, a name) is an error.
    #[arg(long, value_enum, default_value = "open_id", value_name = "TYPE")]
    pub user_id_type: UserIdTypeArg,

    /// Print one JSON object (counts and per-row errors) on stdout instead of text.
    #[arg(long)]
    pub json: bool,

    /// Show what each converted value of the first N rows (default 5) was read as: labels,
    /// human times, money strings, Excel's wrappers. Check them before importing.
    #[arg(long, value_name = "N", num_args = 0..=1, default_missing_value = "5")]
    pub explain: Option<usize>,
}

/// Validates the file; exit 0 when every row is valid, 1 when some are not.
pub fn run(args: ValidateArgs) -> anyhow::Result<Exit> {
    let mut options = super::input_options(&args.input)?;
    options.user_ids = Some(args.user_id_type.into());
    let mut reader = RewardFile::open_all(&args.input.files, &options)?;
    let stdout = BufWriter::new(io::stdout().lock());
    let mut report: Box<dyn ProblemReport> = if args.json {
        Box::new(JsonReport::new(stdout, reader.parts(), reader.kind())?)
    } else {
        Box::new(
            TextReport::new(stdout, reader.parts())
                .with_errors_file(args.errors.as_ref().map(|p| p.display().to_string())),
        )
    };
    let mut errors_file = match &args.errors {
        Some(path) => Some(ErrorsFile::create(
            Reserved::new(path, &args.input.files)?,
            &reader,
        )?),
        None => None,
    };

    // What the errors file calls the rows' places, as `--errors` writes it.
    let position = reader.kind().position_word();
    let mut validator = Validator::for_file(&reader).explaining(args.explain.unwrap_or(0));
    let mut summary = FileCounts::default();
    // Checked on every core, reported in file order.
    check_rows(
        &mut reader,
        &mut validator,
        |_| (),
        |rows| -> anyhow::Result<()> {
            for Row {
                record, checked, ..
            } in rows
            {
                summary.add(&checked);
                if !checked.explained.is_empty() {
                    report
                        .explained(&checked)
                        .context("cannot write the report")?;
                }
                if let Some(skip) = &checked.skipped {
                    report
                        .skipped(&checked, skip)
                        .context("cannot write the report")?;
                    continue;
                }
                if !checked.problems.is_empty() {
                    report.row(&checked).context("cannot write the report")?;
                }
                if let (false, Some(file)) = (checked.is_valid(), errors_file.as_mut()) {
                    file.write_checked(&record, &checked)?;
                }
            }
            Ok(())
        },
    )?;
    report
        .skipped_parts(&reader.skipped_parts())
        .context("cannot write the report")?;
    report
        .hidden_rows(&reader.hidden_rows())
        .context("cannot write the report")?;
    report.finish(&summary).context("cannot write the report")?;

    if let Some(file) = errors_file {
        let path = file.path().to_owned();
        let written = file.finish()?;
        if !args.json {
            let mut err = io::stderr().lock();
            // The errors file keeps the input's sheet name, title rows, delimiter and
            // encoding: it reads back with the options that read the input.
            let options = if given_options(&args.input) {
                " with the same options"
            } else {
                ""
            };
            writeln!(
                err,
                "wrote {written} invalid rows to {path}: fix them there and run `rewardsync validate {path}`{options} (its {position} and errors columns are ignored)"
            )?;
        }
    }
    Ok(if summary.invalid == 0 {
        Exit::Success
    } else {
        Exit::Incomplete
    })
}

/// True when any input option was given (`--map`, `--sheet`, …).
fn given_options(input: &InputArgs) -> bool {
    input.map.is_some()
        || !input.sheet.is_empty()
        || input.header_row.is_some()
        || input.delimiter.is_some()
        || input.timezone.is_some()
        || input.encoding.is_some()
        || input.ignore_unknown_columns
}
