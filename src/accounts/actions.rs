//! `accounts enable` and `accounts deactivate`: each id once, at its documented limit,
//! every outcome recorded in the ledger's account events.

use std::sync::Arc;
use std::sync::Mutex;

use serde::Serialize;
use tokio::sync::watch;

use crate::dispatch::{Attempted, Engine, RetryPolicy, pages_in_memory};
use crate::feishu::{Account, Answer, Client, Failure};
use crate::ledger::{LedgerError, LedgerHandle};
use crate::throttle::{Rate, Throttle};

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

    /// The endpoint's documented limit.
    pub fn rate(self) -> Rate {
        match self {
            Action::Enable => Rate::per_second(10.0),
            Action::Deactivate => Rate::per_minute(100.0),
        }
    }

    async fn call(self, client: &Client, id: &str) -> Result<Answer<Account>, Failure> {
        match self {
            Action::Enable => client.enable_account(id).await,
            Action::Deactivate => client.deactivate_account(id).await,
        }
    }
}

/// The outcome for one account id.
#[derive(Debug, Clone, Serialize)]
pub struct ActionOutcome {
    pub account_id: String,
    /// `done`, `failed` or `pending` (not done in this run).
    pub outcome: String,
    /// The account's status after the call (1 enabled, 2 deactivated).
    pub status: Option<i64>,
    pub error: Option<String>,
    pub log_id: Option<String>,
}

/// Runs `action` on every id, in order; returns each outcome and the fatal failure, if any.
pub async fn run(
    action: Action,
    ids: Vec<String>,
    client: &Client,
    ledger: &LedgerHandle,
    run: i64,
    stop: watch::Receiver<bool>,
) -> Result<(Vec<ActionOutcome>, Option<Failure>), LedgerError> {
    let engine = Arc::new(Engine::new(
        Arc::new(Throttle::new(action.rate())),
        RetryPolicy::default(),
        stop,
    ));
    let outcomes: Arc<Mutex<Vec<Option<ActionOutcome>>>> =
        Arc::new(Mutex::new(vec![None; ids.len()]));
    engine
        .drive(
            4,
            pages_in_memory(ids.iter().cloned().enumerate().collect()),
            |(index, id)| {
                let (engine, client, ledger, outcomes) = (
                    Arc::clone(&engine),
                    client.clone(),
                    ledger.clone(),
                    Arc::clone(&outcomes),
                );
                async move {
                    let end = engine
                        .attempt(|| async { Ok(()) }, || action.call(&client, &id))
                        .await?;
                    let (outcome, fatal) = record(action, &ledger, run, &id, end).await?;
                    if let Ok(mut all) = outcomes.lock() {
                        all[index] = Some(outcome);
                    }
                    Ok(fatal)
                }
            },
        )
        .await?;
    let report = engine.report().await;
    let all = outcomes
        .lock()
        .map(|all| all.clone())
        .unwrap_or_default()
        .into_iter()
        .zip(ids)
        .map(|(outcome, id)| {
            outcome.unwrap_or(ActionOutcome {
                account_id: id,
                outcome: "pending".into(),
                status: None,
                error: Some("not done: the run stopped first".into()),
                log_id: None,
            })
        })
        .collect();
    Ok((all, report.fatal))
}

async fn record(
    action: Action,
    ledger: &LedgerHandle,
    run: i64,
    id: &str,
    end: Attempted<Account>,
) -> Result<(ActionOutcome, Option<Failure>), LedgerError> {
    let (outcome, status, error, log_id, fatal) = match end {
        Attempted::Done(answer) => ("done", answer.value.status, None, answer.log_id, None),
        Attempted::Refused { code, msg, log_id } => (
            "failed",
            None,
            Some((Some(code), format!("code {code}: {msg}"))),
            log_id,
            None,
        ),
        Attempted::GaveUp {
            code,
            message,
            log_id,
        } => ("pending", None, Some((code, message)), log_id, None),
        Attempted::NotSent => (
            "pending",
            None,
            Some((None, "not done: the run stopped first".to_owned())),
            None,
            None,
        ),
        Attempted::Fatal(failure) => {
            let error = (failure.code(), failure.to_string());
            let log_id = failure.log_id().map(str::to_owned);
            ("pending", None, Some(error), log_id, Some(failure))
        }
    };
    let (account_id, action_name, event_error, event_log) =
        (id.to_owned(), action.name(), error.clone(), log_id.clone());
    ledger
        .call(move |l| {
            l.record_account_event(
                run,
                &account_id,
                action_name,
                outcome,
                status,
                event_error.as_ref().map(|(c, m)| (*c, m.as_str())),
                event_log.as_deref(),
            )
        })
        .await?;
    Ok((
        ActionOutcome {
            account_id: id.to_owned(),
            outcome: outcome.to_owned(),
            status,
            error: error.map(|(_, message)| message),
            log_id,
        },
        fatal,
    ))
}
