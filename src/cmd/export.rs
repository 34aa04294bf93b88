//! `rewardsync export`: the ledger's rows as CSV (reward ids, log ids, errors), for
//! reconciliation, support tickets, or a spreadsheet.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};

use super::options::LedgerArgs;
use rewardsync::ledger::Status;
use rewardsync::report::exit::Exit;

/// `rewardsync export`.
#[derive(Debug, Args)]
pub struct ExportArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// Which rows: a ledger state, or all.
    #[arg(long, value_enum, default_value_t = ExportStatus::ALL)]
    pub status: ExportStatus,

    /// Write the CSV here instead of stdout.
    #[arg(long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,
}

/// `export --status` values: a ledger state (its name, from [`Status::ALL`]), or `all`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ExportStatus(pub Option<Status>);

impl ExportStatus {
    /// Every row.
    pub const ALL: ExportStatus = ExportStatus(None);

    /// Each state, then `all`: the list is the ledger's, so a new state needs no edit here.
    const VALUES: [ExportStatus; Status::ALL.len() + 1] = {
        let mut values = [ExportStatus::ALL; Status::ALL.len() + 1];
        let mut i = 0;
        while i < Status::ALL.len() {
            values[i] = ExportStatus(Some(Status::ALL[i]));
            i += 1;
        }
        values
    };
}

impl ValueEnum for ExportStatus {
    fn value_variants<'a>() -> &'a [Self] {
        &Self::VALUES
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.0.map_or("all", Status::as_str)))
    }
}

/// Writes the rows.
pub fn run(args: ExportArgs) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let out: Box<dyn Write> = match &args.output {
        Some(file) => Box::new(
            File::create(file).with_context(|| format!("{}: cannot create", file.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut csv = csv::Writer::from_writer(BufWriter::new(out));
    let written = ledger.for_each_entry(args.status.0, |entry| {
        csv.serialize(entry).map_err(io::Error::other)
    })?;
    let local = |e: io::Error| {
        super::LocalFailure(format!(
            "cannot write the export: {}",
            rewardsync::text::io_error(&e)
        ))
    };
    written.map_err(local)?;
    csv.flush().map_err(local)?;
    Ok(Exit::Success)
}
