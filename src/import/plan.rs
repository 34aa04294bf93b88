//! Pass one: read and validate the file, compare every row with the ledger, and record
//! the plan (what to send, what is already imported, what changed, what is invalid).
//!
//! It streams the file and writes the ledger in batches, so a million-row file costs no
//! more memory than a small one; a rerun of a fully imported file sends nothing and
//! writes nothing.

use serde::Serialize;

use crate::input::{InputError, RewardReader};
use crate::ledger::{Change, Known, Ledger, LedgerError, Planned, Status};
use crate::reward::RewardBody;
use crate::validate::{Checked, Validator};

/// Rows per ledger transaction while planning.
const BATCH: usize = 5_000;

/// What the plan found, by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// Data rows in the file.
    pub rows: u64,
    /// Valid rows to send: new, pending, in doubt, fixed after being invalid, or failed
    /// with `--retry-failed`.
    pub to_send: u64,
    /// Valid rows the ledger already records as imported with the same body: skipped.
    pub already_imported: u64,
    /// Rows imported earlier whose body has changed since: reported, not sent.
    pub conflict: u64,
    /// Rows the server refused in an earlier run: not sent without `--retry-failed`.
    pub previously_failed: u64,
    /// Rows that break a rule.
    pub invalid: u64,
    /// Warnings over all rows.
    pub warnings: u64,
}

/// What to do with one valid row, given what the ledger knows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send it.
    Send,
    /// Already imported with this body.
    Skip,
    /// Imported with another body.
    Conflict,
    /// A conflict whose row is back to the imported body.
    Resolved,
    /// Refused earlier; kept as it is.
    KeepFailed,
}

/// The rules of SPEC §4 for one valid row: never resend an imported row, never send a
/// changed one, resend rows in doubt, failed rows only when asked.
pub fn decide(known: Option<&Known>, retry_failed: bool) -> Action {
    let Some(known) = known else {
        return Action::Send;
    };
    let same = known.same_body;
    match known.status {
        Status::Pending | Status::Sending | Status::Invalid | Status::Deleted => Action::Send,
        Status::Failed if retry_failed => Action::Send,
        Status::Failed => Action::KeepFailed,
        // A rollback is deleting it: finish the rollback before importing again.
        Status::Imported | Status::Deleting if same => Action::Skip,
        Status::Conflict if same => Action::Resolved,
        Status::Imported | Status::Conflict | Status::Deleting => Action::Conflict,
    }
}

/// Where the plan is recorded.
pub enum PlanTarget<'a> {
    /// A real run: the plan is written to the ledger under `run`.
    Record {
        /// The ledger.
        ledger: &'a mut Ledger,
        /// This run's id.
        run: i64,
    },
    /// `--dry-run`: read the ledger if there is one, write nothing.
    DryRun(Option<&'a Ledger>),
}

/// A problem that stops planning.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A checked row with its canonical JSON and hash, made on the reading thread.
struct Prepared {
    checked: Checked,
    canonical: Option<(String, String)>,
}

/// Rows handed from the reading thread to the planning thread at a time.
const CHUNK: usize = 1024;

/// Plans the whole file. `each` sees every row's verdict and action (None when invalid).
///
/// Two threads share the work, so a rerun of a million imported rows stays within seconds:
/// one reads, validates and hashes rows; this one looks each up in the ledger, decides, and
/// writes the plan.
pub fn plan(
    reader: &mut RewardReader,
    mut target: PlanTarget<'_>,
    retry_failed: bool,
    mut each: impl FnMut(&Checked, Option<Action>),
) -> Result<PlanCounts, PlanError> {
    let source_file = reader.path().to_owned();
    std::thread::scope(|scope| {
        let (chunks, prepared) = std::sync::mpsc::sync_channel(4);
        scope.spawn(move || read_ahead(reader, chunks));
        let mut counts = PlanCounts::default();
        let mut batch: Vec<Planned> = Vec::with_capacity(BATCH);
        for chunk in prepared {
            let chunk = chunk?;
            let keys: Vec<(&str, &str)> = chunk
                .iter()
                .filter_map(|p| {
                    Some((
                        p.checked.external_id.as_str(),
                        p.canonical.as_ref()?.1.as_str(),
                    ))
                })
                .collect();
            let mut known = match &target {
                PlanTarget::Record { ledger, .. } => ledger.lookup_all(&keys)?,
                PlanTarget::DryRun(Some(ledger)) => ledger.lookup_all(&keys)?,
                PlanTarget::DryRun(None) => vec![None; keys.len()],
            }
            .into_iter();
            for Prepared { checked, canonical } in chunk {
                counts.rows += 1;
                counts.warnings += checked.warning_count() as u64;
                let planned = |change| Planned {
                    external_id: checked.external_id.clone(),
                    change,
                    source_file: source_file.clone(),
                    source_line: checked.line,
                };
                let Some((json, hash)) = canonical else {
                    counts.invalid += 1;
                    // A duplicate's external_id belongs to its first row; an empty one keys nothing.
                    if !checked.external_id.is_empty() && checked.duplicate_of.is_none() {
                        batch.push(planned(Change::Invalid {
                            errors: checked.errors_text(),
                        }));
                    }
                    each(&checked, None);
                    continue;
                };
                // One answer per valid row, in chunk order.
                let known = known.next().flatten();
                let action = decide(known.as_ref(), retry_failed);
                match action {
                    Action::Send => {
                        counts.to_send += 1;
                        batch.push(planned(Change::Send { body: json, hash }));
                    }
                    Action::Skip => counts.already_imported += 1,
                    Action::Resolved => {
                        counts.already_imported += 1;
                        batch.push(planned(Change::Resolved));
                    }
                    Action::Conflict => {
                        counts.conflict += 1;
                        batch.push(planned(Change::Conflict { changed_hash: hash }));
                    }
                    Action::KeepFailed => counts.previously_failed += 1,
                }
                each(&checked, Some(action));
                if batch.len() >= BATCH {
                    flush(&mut target, &mut batch)?;
                }
            }
        }
        flush(&mut target, &mut batch)?;
        Ok(counts)
    })
}

/// The reading thread: rows validated and hashed, in chunks, until the file ends, a read
/// fails (the error is passed on), or the planner stops listening.
fn read_ahead(
    reader: &mut RewardReader,
    chunks: std::sync::mpsc::SyncSender<Result<Vec<Prepared>, InputError>>,
) {
    let mut validator = Validator::new();
    let mut chunk = Vec::with_capacity(CHUNK);
    loop {
        match reader.next_row() {
            Ok(Some(row)) => {
                let checked = validator.check(reader.header(), &row);
                let canonical = checked.body.as_ref().map(RewardBody::canonical);
                chunk.push(Prepared { checked, canonical });
                if chunk.len() == CHUNK
                    && chunks
                        .send(Ok(std::mem::replace(&mut chunk, Vec::with_capacity(CHUNK))))
                        .is_err()
                {
                    return;
                }
            }
            Ok(None) => {
                if !chunk.is_empty() {
                    let _ = chunks.send(Ok(chunk));
                }
                return;
            }
            Err(e) => {
                let _ = chunks.send(Err(e));
                return;
            }
        }
    }
}

fn flush(target: &mut PlanTarget<'_>, batch: &mut Vec<Planned>) -> Result<(), LedgerError> {
    if let PlanTarget::Record { ledger, run } = target
        && !batch.is_empty()
    {
        ledger.apply_plan(*run, batch)?;
    }
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(status: Status, hash: &str) -> Known {
        Known {
            id: 1,
            status,
            same_body: hash == "h",
        }
    }

    #[test]
    fn decisions_follow_the_ledger_rules() {
        use Action::*;
        let cases = [
            (None, false, Send),
            (Some(known(Status::Pending, "h")), false, Send),
            (Some(known(Status::Sending, "other")), false, Send),
            (Some(known(Status::Invalid, "other")), false, Send),
            (Some(known(Status::Failed, "h")), false, KeepFailed),
            (Some(known(Status::Failed, "h")), true, Send),
            (Some(known(Status::Imported, "h")), true, Skip),
            (Some(known(Status::Imported, "other")), false, Conflict),
            (Some(known(Status::Conflict, "h")), false, Resolved),
            (Some(known(Status::Conflict, "other")), false, Conflict),
            (Some(known(Status::Deleted, "h")), false, Send),
            (Some(known(Status::Deleting, "h")), false, Skip),
        ];
        for (known, retry, expected) in cases {
            assert_eq!(decide(known.as_ref(), retry), expected, "{known:?}");
        }
    }
}
