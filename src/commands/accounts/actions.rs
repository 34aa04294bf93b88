//! `accounts enable` and `accounts deactivate`: each id once, at its documented limit,
//! through the run driver; every outcome recorded in the ledger's account events.

use std::sync::{Arc, Mutex};

use serde::Serialize;

use crate::feishu::{Account, Family, Request};
use crate::ledger::{Ledger, LedgerError, RunKind};
use crate::report::summary::{Outcome, Place, Summary, Vocabulary};
use crate::run::engine::{Attempted, Tried};
use crate::run::{Opened, PAGE, Phase, Recorded};

/// What to do to an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// `POST …/referral_account/enable` (10 per second).
    Enable,
    /// `POST …/referral_account/:id/deactivate` (100 per minute).
    Deactivate,
}

impl Action {
    /// The word used in output and the ledger.
    pub fn name(self) -> &'static str {
        match self {
            Action::Enable => "enable",
            Action::Deactivate => "deactivate",
        }
    }

    /// What its run is, in the runs table.
    pub fn run_kind(self) -> RunKind {
        match self {
            Action::Enable => RunKind::AccountsEnable,
            Action::Deactivate => RunKind::AccountsDeactivate,
        }
    }

    /// The summary's words.
    pub fn words(self) -> Vocabulary {
        match self {
            Action::Enable => Vocabulary {
                noun: "account",
                done: ("enabled", "enabled"),
                already_done: ("already_enabled", "already enabled"),
                failed: ("failed", "failed"),
                replaced: None,
                skipped: None,
                fixed_elsewhere: None,
            },
            Action::Deactivate => Vocabulary {
                noun: "account",
                done: ("deactivated", "deactivated"),
                already_done: ("already_deactivated", "already deactivated"),
                failed: ("failed", "failed"),
                replaced: None,
                skipped: None,
                fixed_elsewhere: None,
            },
        }
    }

    fn request(self, id: &str) -> Request<Account> {
        match self {
            Action::Enable => Request::enable_account(id),
            Action::Deactivate => Request::deactivate_account(id),
        }
    }

    fn family(self) -> Family {
        match self {
            Action::Enable => Family::AccountEnable,
            Action::Deactivate => Family::AccountDeactivate,
        }
    }
}

/// The outcome for one account id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionOutcome {
    /// The account.
    pub account_id: String,
    /// What it came to.
    #[serde(serialize_with = "outcome_name")]
    pub outcome: Outcome,
    /// The account's status after the call (1 enabled, 2 deactivated).
    pub status: Option<i64>,
    /// Why it was not done.
    pub error: Option<String>,
    /// The `x-tt-logid` of the last answer.
    pub log_id: Option<String>,
}

fn outcome_name<S: serde::Serializer>(outcome: &Outcome, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(match outcome {
        Outcome::Done => "done",
        Outcome::Failed => "failed",
        Outcome::InDoubt => "in_doubt",
        _ => "pending",
    })
}

/// Runs `action` on every id, in order, on a ledger opened for it; returns the summary and
/// each id's outcome.
pub fn run(
    opened: Opened<'_>,
    action: Action,
    ids: Vec<String>,
) -> Result<(Summary, Vec<ActionOutcome>), LedgerError> {
    let mut run = opened.begin(action.run_kind(), action.words(), None)?;
    run.summary().items = ids.len() as u64;
    let outcomes = Arc::new(Mutex::new(vec![None; ids.len()]));
    run.phase(Act {
        action,
        ids: ids.clone(),
        outcomes: Arc::clone(&outcomes),
    });
    let summary = run.finish();
    let outcomes = outcomes
        .lock()
        .map(|all| all.clone())
        .unwrap_or_default()
        .into_iter()
        .zip(ids)
        .map(|(outcome, account_id)| {
            outcome.unwrap_or(ActionOutcome {
                account_id,
                outcome: Outcome::Pending,
                status: None,
                error: Some("not done: the run stopped first".into()),
                log_id: None,
            })
        })
        .collect();
    Ok((summary, outcomes))
}

/// One call per id, the ids kept in memory.
struct Act {
    action: Action,
    ids: Vec<String>,
    outcomes: Arc<Mutex<Vec<Option<ActionOutcome>>>>,
}

impl Phase for Act {
    /// Index (1-based, the page key) and id.
    type Item = (usize, String);
    type Value = Account;

    fn family(&self) -> Family {
        self.action.family()
    }

    fn untouched(&self) -> Option<Outcome> {
        Some(Outcome::Pending)
    }

    fn count(&self, _ledger: &Ledger, _run: i64) -> Result<u64, LedgerError> {
        Ok(self.ids.len() as u64)
    }

    fn page(
        &self,
        _ledger: &Ledger,
        _run: i64,
        after: i64,
    ) -> Result<Vec<(i64, (usize, String))>, LedgerError> {
        let start = usize::try_from(after).unwrap_or(0);
        Ok(self
            .ids
            .iter()
            .enumerate()
            .skip(start)
            .take(PAGE)
            .map(|(i, id)| (i as i64 + 1, (i, id.clone())))
            .collect())
    }

    fn request(&self, (_, id): &(usize, String)) -> Request<Account> {
        self.action.request(id)
    }

    fn record(
        &self,
        ledger: &Ledger,
        run: i64,
        (index, id): (usize, String),
        tried: Tried<Account>,
    ) -> Result<Recorded, LedgerError> {
        let (outcome, status, error, log_id) = match tried.end {
            Attempted::Done(answer) => (Outcome::Done, answer.value.status, None, answer.log_id),
            Attempted::Refused { code, msg, log_id } => (
                Outcome::Failed,
                None,
                Some((Some(code), format!("code {code}: {msg}"))),
                log_id,
            ),
            // Enabling or deactivating twice does no harm: a doubt is resent next time.
            Attempted::Unsettled { in_doubt, error } => {
                let outcome = if in_doubt {
                    Outcome::InDoubt
                } else {
                    Outcome::Pending
                };
                match error {
                    Some(e) => (outcome, None, Some((e.code, e.message)), e.log_id),
                    None => (
                        outcome,
                        None,
                        Some((None, "not done: the run stopped first".to_owned())),
                        None,
                    ),
                }
            }
        };
        let event = match outcome {
            Outcome::Done => "done",
            Outcome::Failed => "failed",
            Outcome::InDoubt => "in_doubt",
            _ => "pending",
        };
        ledger.record_account_event(
            run,
            &id,
            self.action.name(),
            event,
            status,
            error.as_ref().map(|(c, m)| (*c, m.as_str())),
            log_id.as_deref(),
        )?;
        let done = ActionOutcome {
            account_id: id.clone(),
            outcome,
            status,
            error: error.as_ref().map(|(_, m)| m.clone()),
            log_id,
        };
        if let Ok(mut all) = self.outcomes.lock()
            && let Some(slot) = all.get_mut(index)
        {
            *slot = Some(done);
        }
        Ok(match error {
            Some((code, message)) => Recorded::because(
                outcome,
                code.map_or_else(|| message.clone(), |c| c.to_string()),
                message,
                Some(Place::named(index as i64, id)),
            ),
            None => Recorded::plain(outcome),
        })
    }
}
