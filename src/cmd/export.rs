//! `rewardsync export`: the ledger's rows as CSV (reward ids, log ids, errors), for
//! reconciliation, support tickets, or a spreadsheet.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;

use crate::cli::{ExportArgs, ExportStatus};
use rewardsync::ledger::Status;
use rewardsync::report::exit::Exit;

/// Writes the rows.
pub fn run(args: ExportArgs) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let status = match args.status {
        ExportStatus::Pending => Some(Status::Pending),
        ExportStatus::Sending => Some(Status::Sending),
        ExportStatus::Imported => Some(Status::Imported),
        ExportStatus::Failed => Some(Status::Failed),
        ExportStatus::Invalid => Some(Status::Invalid),
        ExportStatus::Unresolved => Some(Status::Unresolved),
        ExportStatus::Conflict => Some(Status::Conflict),
        ExportStatus::Deleting => Some(Status::Deleting),
        ExportStatus::Deleted => Some(Status::Deleted),
        ExportStatus::All => None,
    };
    let out: Box<dyn Write> = match &args.output {
        Some(file) => Box::new(
            File::create(file).with_context(|| format!("{}: cannot create", file.display()))?,
        ),
        None => Box::new(io::stdout().lock()),
    };
    let mut csv = csv::Writer::from_writer(BufWriter::new(out));
    let written = ledger.for_each_entry(status.map(Status::as_str), |entry| {
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
