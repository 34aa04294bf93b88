//! The delete phase: rewards deleted from Feishu, each marked `deleting` (committed) before
//! it leaves and recorded when the answer arrives, so a crash or a stop is finished by the
//! next run. A rollback deletes what a run created ([`Delete`]); an import that replaced
//! rows deletes the earlier rewards once their revisions are held ([`Retire`]).

use crate::feishu::{Family, Request};
use crate::ledger::{Doomed, Ledger, LedgerError, Selection};
use crate::report::summary::{Outcome, Place};
use crate::run::engine::{Attempted, Tried};
use crate::run::{PAGE, Phase, Recorded};

/// The parameter error Feishu answers for a reward id it does not hold: after a delete
/// that may have left, it means that delete was carried out. (The delete's documentation
/// is not among the pages rewardsync was built from; this is what the sandbox answers and
/// needs confirming on a real tenant.)
const NO_SUCH_REWARD: i64 = 1002002;

/// The deletes of a selection of rewards.
pub struct Delete {
    selection: Selection,
}

impl Delete {
    /// Deletes the rewards of `selection`.
    pub fn new(selection: Selection) -> Delete {
        Delete { selection }
    }
}

impl Phase for Delete {
    type Item = Doomed;
    type Value = ();

    fn family(&self) -> Family {
        Family::RewardDelete
    }

    fn untouched(&self) -> Option<Outcome> {
        Some(Outcome::Pending)
    }

    fn count(&self, ledger: &Ledger, _run: i64) -> Result<u64, LedgerError> {
        Ok(ledger.count_to_delete(&self.selection)?.0)
    }

    fn page(
        &self,
        ledger: &Ledger,
        _run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Doomed)>, LedgerError> {
        let rows = ledger.next_to_delete(&self.selection, after, PAGE)?;
        Ok(rows.into_iter().map(|row| (row.id, row)).collect())
    }

    fn request(&self, row: &Doomed) -> Request<()> {
        Request::delete_reward(&row.reward_id)
    }

    fn mark(&self, ledger: &Ledger, run: i64, row: &Doomed) -> Result<(), LedgerError> {
        ledger.mark_deleting(row.id, run)
    }

    fn record(
        &self,
        ledger: &Ledger,
        _run: i64,
        row: Doomed,
        tried: Tried<()>,
    ) -> Result<Recorded, LedgerError> {
        let at = Some(Place::named(row.id, row.external_id.clone()));
        // An earlier delete of this reward may have been carried out (a crash, a dropped
        // answer): "no such reward" then means it is gone.
        let may_be_gone = row.in_doubt || tried.sent > 1;
        Ok(match tried.end {
            Attempted::Done(answer) => {
                ledger.record_deleted(row.id, answer.log_id.as_deref())?;
                Recorded::plain(Outcome::Done)
            }
            Attempted::Refused { code, log_id, .. } if may_be_gone && code == NO_SUCH_REWARD => {
                ledger.record_deleted(row.id, log_id.as_deref())?;
                Recorded::plain(Outcome::Done)
            }
            Attempted::Refused { code, msg, log_id } if !may_be_gone => {
                ledger.restore_after_delete(row.id, Some((Some(code), &msg, log_id.as_deref())))?;
                Recorded::because(Outcome::Failed, code.to_string(), msg, at)
            }
            Attempted::Refused { code, msg, log_id } => {
                let message =
                    format!("refused after an earlier delete may have gone through: {msg}");
                ledger.record_delete_in_doubt(row.id, Some(code), &message, log_id.as_deref())?;
                Recorded::because(Outcome::InDoubt, code.to_string(), message, at)
            }
            Attempted::Unsettled { in_doubt, error } => {
                if in_doubt || may_be_gone {
                    let (code, message, log_id) = match error {
                        Some(e) => (e.code, e.message, e.log_id),
                        None => (None, "the run stopped before resending it".to_owned(), None),
                    };
                    ledger.record_delete_in_doubt(row.id, code, &message, log_id.as_deref())?;
                    Recorded::because(Outcome::InDoubt, message.clone(), message, at)
                } else {
                    // Never carried out: back to what it was, its reward still on Feishu.
                    ledger.restore_after_delete(row.id, None)?;
                    match error {
                        Some(e) => {
                            Recorded::because(Outcome::Pending, e.message.clone(), e.message, at)
                        }
                        None => Recorded::because(
                            Outcome::Pending,
                            "stopped".into(),
                            "the run stopped before it was deleted".into(),
                            at,
                        ),
                    }
                }
            }
        })
    }
}

/// Deletes the earlier rewards whose revisions Feishu now holds, from any run: a crash
/// between a revision's import and this delete is finished by the next run. A delete that
/// fails leaves the earlier reward held and recorded as such, outstanding for the next run.
pub struct Retire(Delete);

impl Retire {
    /// The phase.
    pub fn new() -> Retire {
        Retire(Delete::new(Selection::Superseded))
    }
}

impl Default for Retire {
    fn default() -> Self {
        Retire::new()
    }
}

impl Phase for Retire {
    type Item = Doomed;
    type Value = ();

    fn family(&self) -> Family {
        self.0.family()
    }

    fn untouched(&self) -> Option<Outcome> {
        self.0.untouched()
    }

    fn count(&self, ledger: &Ledger, run: i64) -> Result<u64, LedgerError> {
        self.0.count(ledger, run)
    }

    fn page(
        &self,
        ledger: &Ledger,
        run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Doomed)>, LedgerError> {
        self.0.page(ledger, run, after)
    }

    fn request(&self, item: &Doomed) -> Request<()> {
        self.0.request(item)
    }

    fn mark(&self, ledger: &Ledger, run: i64, item: &Doomed) -> Result<(), LedgerError> {
        self.0.mark(ledger, run, item)
    }

    fn record(
        &self,
        ledger: &Ledger,
        run: i64,
        item: Doomed,
        tried: Tried<()>,
    ) -> Result<Recorded, LedgerError> {
        let name = item.external_id.clone();
        let recorded = self.0.record(ledger, run, item, tried)?;
        // A file row was counted once, when its revision was imported; the earlier
        // reward's delete is counted (as retired) only when it is left undone.
        Ok(match recorded.outcome {
            Some(Outcome::Done) | None => Recorded {
                outcome: None,
                reason: None,
            },
            Some(outcome) => {
                let (key, message, at) = recorded.reason.unwrap_or_default();
                Recorded::because(
                    outcome,
                    format!("retire:{key}"),
                    format!(
                        "the earlier reward of a replaced row is still on Feishu beside its revision: {message}; the next run deletes it"
                    ),
                    at.or(Some(Place::named(0, name))),
                )
            }
        })
    }
}
