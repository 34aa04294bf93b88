//! The import's send phases: first every row left in doubt (settled with the body and
//! user_id_type it may have been sent with), then this run's planned rows. Each attempt is
//! committed as `sending` before it leaves and its outcome when the answer arrives; a row
//! whose attempts may have been carried out stays `sending` until a definitive answer.
//! A rollback settles the doubts of what it rolls back with the same phase.

use crate::feishu::{Family, Request};
use crate::ledger::{Ledger, LedgerError, Outgoing, Refusal, Selection, Settled};
use crate::report::summary::{Outcome, Place};
use crate::run::engine::{Attempted, Tried};
use crate::run::{PAGE, Phase, Recorded};

/// Which rows a send phase takes on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rows {
    /// Every row in doubt, from any run and whatever file this run was given.
    InDoubt,
    /// This run's planned rows.
    Planned,
    /// A rollback's rows in doubt of their import: settled so that their reward ids are
    /// known, then handed on to the delete (a resend creates nothing new).
    InDoubtOf(Selection),
}

/// Sends (or resends) the import of every row of `rows`; places in the summary are called
/// by the second field (`line` for a CSV, `row` for a workbook).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendRows(pub Rows, pub &'static str);

impl Phase for SendRows {
    type Item = Outgoing;
    type Value = String;

    fn family(&self) -> Family {
        Family::RewardImport
    }

    fn untouched(&self) -> Option<Outcome> {
        Some(match self.0 {
            Rows::Planned => Outcome::Pending,
            Rows::InDoubt | Rows::InDoubtOf(_) => Outcome::InDoubt,
        })
    }

    fn count(&self, ledger: &Ledger, run: i64) -> Result<u64, LedgerError> {
        match &self.0 {
            Rows::InDoubt => ledger.count_in_doubt(),
            Rows::Planned => ledger.count_pending(run),
            Rows::InDoubtOf(selection) => ledger.count_in_doubt_selected(selection),
        }
    }

    fn page(
        &self,
        ledger: &Ledger,
        run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Outgoing)>, LedgerError> {
        let rows = match &self.0 {
            Rows::InDoubt => ledger.next_in_doubt(after, PAGE)?,
            Rows::Planned => ledger.next_pending(run, after, PAGE)?,
            Rows::InDoubtOf(selection) => ledger.next_in_doubt_selected(selection, after, PAGE)?,
        };
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    fn request(&self, row: &Outgoing) -> Request<String> {
        Request::create_reward_json(row.body.clone(), row.user_id_type)
    }

    fn mark(&self, ledger: &Ledger, run: i64, row: &Outgoing) -> Result<(), LedgerError> {
        ledger.mark_sending(row.id, run)
    }

    fn record(
        &self,
        ledger: &Ledger,
        _run: i64,
        row: Outgoing,
        tried: Tried<String>,
    ) -> Result<Recorded, LedgerError> {
        let place = match row.source_line {
            Some(line) => Place::named(
                row.id,
                crate::ledger::at(
                    row.source_file.as_deref(),
                    row.source_sheet.as_deref(),
                    line,
                ),
            ),
            None => Place::named(row.id, row.external_id.clone()),
        };
        let named = Place::named(place.order, format!("{} ({})", row.external_id, place.text));
        let for_rollback = matches!(self.0, Rows::InDoubtOf(_));
        Ok(match (write_outcome(ledger, &row, tried)?, for_rollback) {
            (Written::Imported | Written::Conflict, true) => Recorded {
                outcome: None,
                reason: None,
            },
            (Written::Imported, false) if row.revision.is_some() => {
                Recorded::plain(Outcome::Replaced)
            }
            (Written::Imported, false) => Recorded::plain(Outcome::Done),
            (Written::Conflict, false) => Recorded::because(
                Outcome::Conflict,
                "conflict".into(),
                "changed in the file while in doubt; Feishu holds the body that was sent, so the change is not sent".into(),
                Some(named),
            ),
            (Written::Refused(refusal), true) => Recorded::because(
                Outcome::AlreadyDone,
                "refused".into(),
                format!(
                    "its import was in doubt and Feishu refuses it ({}): nothing to delete",
                    refusal.message
                ),
                Some(named),
            ),
            (Written::Refused(refusal), false) => Recorded::because(
                Outcome::Failed,
                refusal.code.map_or_else(|| "refused".into(), |c| c.to_string()),
                refusal.message,
                Some(place),
            ),
            (Written::Unsettled { in_doubt, error }, _) => {
                let outcome = if in_doubt {
                    Outcome::InDoubt
                } else {
                    Outcome::Pending
                };
                let message = match error {
                    Some(error) => error.message,
                    None if row.in_doubt => "the run stopped before settling it".to_owned(),
                    None => "the run stopped before it was sent".to_owned(),
                };
                Recorded::because(outcome, message.clone(), message, Some(place))
            }
        })
    }
}

/// What a row's attempts were recorded as.
enum Written {
    /// Feishu holds the body the file holds.
    Imported,
    /// Feishu holds the body that was sent; the file's row changed while it was in doubt.
    Conflict,
    /// Refused for good.
    Refused(Refusal),
    /// No definitive answer: in doubt, or certainly not stored.
    Unsettled {
        in_doubt: bool,
        error: Option<Refusal>,
    },
}

/// Records how one row's attempts ended: the ledger's side of SPEC §4.
fn write_outcome(
    ledger: &Ledger,
    row: &Outgoing,
    tried: Tried<String>,
) -> Result<Written, LedgerError> {
    Ok(match tried.end {
        Attempted::Done(answer) => {
            match ledger.record_imported(
                row.id,
                &answer.value,
                answer.log_id.as_deref(),
                tried.sent,
            )? {
                Settled::Imported => Written::Imported,
                Settled::Conflict => Written::Conflict,
            }
        }
        Attempted::Refused { code, msg, log_id } => {
            let refusal = Refusal {
                code: Some(code),
                message: msg,
                log_id,
            };
            ledger.record_refused(row.id, &refusal, tried.sent)?;
            Written::Refused(refusal)
        }
        Attempted::Unsettled { in_doubt, error } => {
            // A row in doubt before this run stays in doubt whatever this run met.
            let in_doubt = in_doubt || row.in_doubt;
            let error = error.map(|e| Refusal {
                code: e.code,
                message: e.message,
                log_id: e.log_id,
            });
            ledger.record_unsettled(row.id, in_doubt, error.as_ref(), tried.sent)?;
            Written::Unsettled { in_doubt, error }
        }
    })
}
