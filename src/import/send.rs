//! The import's two send phases: first every row left in doubt by any run (settled with the
//! body that may have been sent), then this run's planned rows. Each attempt is committed
//! as `sending` before it leaves and its outcome when the answer arrives; a row whose
//! attempts may have been carried out stays `sending` until a definitive answer.

use crate::engine::{Attempted, Tried};
use crate::feishu::{Family, Request};
use crate::ledger::{Ledger, LedgerError, Outgoing, Refusal, Settled};
use crate::run::{PAGE, Phase, Recorded};
use crate::summary::{Outcome, Place};

/// Rows in doubt, from any run and whatever file this run was given: settled first, each
/// with the body and user_id_type it may have been sent with.
#[derive(Debug, Clone, Copy)]
pub struct Settle;

/// This run's planned rows.
#[derive(Debug, Clone, Copy)]
pub struct Send;

impl Phase for Settle {
    type Item = Outgoing;
    type Value = String;

    fn family(&self) -> Family {
        Family::RewardImport
    }

    fn untouched(&self) -> Outcome {
        Outcome::InDoubt
    }

    fn count(&self, ledger: &Ledger, _run: i64) -> Result<u64, LedgerError> {
        ledger.count_in_doubt()
    }

    fn page(
        &self,
        ledger: &Ledger,
        _run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Outgoing)>, LedgerError> {
        keyed(ledger.next_in_doubt(after, PAGE))
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
        record(ledger, row, tried)
    }
}

impl Phase for Send {
    type Item = Outgoing;
    type Value = String;

    fn family(&self) -> Family {
        Family::RewardImport
    }

    fn untouched(&self) -> Outcome {
        Outcome::Pending
    }

    fn count(&self, ledger: &Ledger, run: i64) -> Result<u64, LedgerError> {
        ledger.count_pending(run)
    }

    fn page(
        &self,
        ledger: &Ledger,
        run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Outgoing)>, LedgerError> {
        keyed(ledger.next_pending(run, after, PAGE))
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
        record(ledger, row, tried)
    }
}

fn keyed(rows: Result<Vec<Outgoing>, LedgerError>) -> Result<Vec<(i64, Outgoing)>, LedgerError> {
    Ok(rows?.into_iter().map(|row| (row.id, row)).collect())
}

/// Records how one row's attempts ended.
pub(crate) fn record(
    ledger: &Ledger,
    row: Outgoing,
    tried: Tried<String>,
) -> Result<Recorded, LedgerError> {
    let place = match row.source_line {
        Some(line) => Place::line(line),
        None => Place::named(row.id, row.external_id.clone()),
    };
    let at = Some(place.clone());
    Ok(match tried.end {
        Attempted::Done(answer) => {
            match ledger.record_imported(row.id, &answer.value, answer.log_id.as_deref(), tried.sent)? {
                Settled::Imported => Recorded::plain(Outcome::Done),
                Settled::Conflict => Recorded::because(
                    Outcome::Conflict,
                    "conflict".into(),
                    "changed in the file while in doubt; Feishu holds the body that was sent, so the change is not sent".into(),
                    Some(Place::named(place.order, format!("{} ({})", row.external_id, place.text))),
                ),
            }
        }
        Attempted::Refused { code, msg, log_id } => {
            let refusal = Refusal {
                code: Some(code),
                message: msg,
                log_id,
            };
            ledger.record_refused(row.id, &refusal, tried.sent)?;
            Recorded::because(Outcome::Failed, code.to_string(), refusal.message, at)
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
            let outcome = if in_doubt {
                Outcome::InDoubt
            } else {
                Outcome::Pending
            };
            match error {
                Some(error) => Recorded::because(outcome, error.message.clone(), error.message, at),
                None if row.in_doubt => Recorded::because(
                    outcome,
                    "stopped".into(),
                    "the run stopped before settling it".into(),
                    at,
                ),
                None => Recorded::because(
                    outcome,
                    "stopped".into(),
                    "the run stopped before it was sent".into(),
                    at,
                ),
            }
        }
    })
}
