//! The deletion phase of a rollback: every covered reward deleted through the importer's
//! engine, throttle and client, each row marked `deleting` (committed) before its delete
//! leaves, so a crash or Ctrl-C is finished by running the same rollback again.

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use crate::dispatch::{Attempted, Engine, EngineReport};
use crate::feishu::{Client, Failure};
use crate::import::SendSettings;
use crate::ledger::{Doomed, LedgerError, LedgerHandle, Selection};
use crate::progress::Tally;
use crate::throttle::Throttle;

/// Rows read back from the ledger per query.
const PAGE: usize = 256;

/// The parameter error Feishu answers for a reward id it does not hold: after a delete
/// that may have left, it means that delete was carried out.
const NO_SUCH_REWARD: i64 = 1002002;

/// Deletes every covered row through the shared [`Engine`]. `stop` turning true (Ctrl-C)
/// stops dispatching; deletes in flight finish and are recorded.
#[allow(clippy::too_many_arguments)]
pub async fn delete_all(
    ledger: LedgerHandle,
    client: Client,
    throttle: Arc<Throttle>,
    run: i64,
    selection: Selection,
    concurrency: usize,
    tally: Arc<Tally>,
    stop: watch::Receiver<bool>,
) -> Result<EngineReport, LedgerError> {
    let settings = SendSettings {
        concurrency,
        ..SendSettings::default()
    };
    let engine = Arc::new(Engine::new(throttle, settings.retry, stop));
    let pages = ledger.clone();
    let selection = Arc::new(selection);
    engine
        .drive(
            settings.concurrency,
            move |after| {
                let (pages, selection) = (pages.clone(), Arc::clone(&selection));
                async move {
                    let rows = pages
                        .call(move |l| l.next_to_delete(&selection, after, PAGE))
                        .await?;
                    Ok(rows.into_iter().map(|row| (row.id, row)).collect())
                }
            },
            |row| {
                let (engine, ledger, client, tally) = (
                    Arc::clone(&engine),
                    ledger.clone(),
                    client.clone(),
                    Arc::clone(&tally),
                );
                async move { delete_row(&engine, &ledger, &client, run, &tally, row).await }
            },
        )
        .await?;
    Ok(engine.report().await)
}

/// Deletes one reward until it ends; returns the fatal failure it met, if any. Counts go
/// to the shared tally: `imported` holds deletes, `failed` refusals, `pending` doubts.
async fn delete_row(
    engine: &Engine,
    ledger: &LedgerHandle,
    client: &Client,
    run: i64,
    tally: &Tally,
    row: Doomed,
) -> Result<Option<Failure>, LedgerError> {
    let id = row.id;
    let mut calls = 0u32;
    let end = engine
        .attempt(
            || ledger.call(move |l| l.mark_deleting(id, run)),
            || {
                calls += 1;
                client.delete_reward(&row.reward_id)
            },
        )
        .await?;
    // An earlier delete of this reward may have been carried out (a crash or a dropped
    // answer): "no such reward" then means it is gone, and anything else leaves it in doubt.
    let may_be_gone = row.in_doubt || calls > 1;
    let (outcome, counter) = match end {
        Attempted::Done(answer) => (Outcome::Deleted(answer.log_id), Some(&tally.imported)),
        Attempted::Refused { code, log_id, .. } if may_be_gone && code == NO_SUCH_REWARD => {
            (Outcome::Deleted(log_id), Some(&tally.imported))
        }
        Attempted::Refused { code, msg, log_id } if !may_be_gone => {
            (Outcome::Refused(code, msg, log_id), Some(&tally.failed))
        }
        Attempted::Refused { code, msg, log_id } => (
            Outcome::InDoubt(
                Some(code),
                format!("refused after an earlier delete may have gone through: {msg}"),
                log_id,
            ),
            Some(&tally.pending),
        ),
        // At least one delete left: it stays in doubt for the next rollback.
        Attempted::GaveUp {
            code,
            message,
            log_id,
        } => (
            Outcome::InDoubt(code, message, log_id),
            Some(&tally.pending),
        ),
        Attempted::NotSent if may_be_gone => return Ok(None),
        Attempted::NotSent => (Outcome::Untouched, None),
        // Not the row's fault: no refusal is recorded on it.
        Attempted::Fatal(failure) => {
            if !may_be_gone {
                ledger
                    .call(move |l| l.restore_after_delete(id, None))
                    .await?;
            }
            return Ok(Some(failure));
        }
    };
    ledger
        .call(move |l| match &outcome {
            Outcome::Deleted(log_id) => l.record_deleted(id, log_id.as_deref()),
            Outcome::Refused(code, msg, log_id) => {
                l.restore_after_delete(id, Some((Some(*code), msg, log_id.as_deref())))
            }
            Outcome::InDoubt(code, message, log_id) => {
                l.record_delete_in_doubt(id, *code, message, log_id.as_deref())
            }
            Outcome::Untouched => l.restore_after_delete(id, None),
        })
        .await?;
    if let Some(counter) = counter {
        counter.fetch_add(1, Ordering::Relaxed);
    }
    Ok(None)
}

/// What one delete's end records on its row.
enum Outcome {
    /// Gone from Feishu (log id).
    Deleted(Option<String>),
    /// Refused for good: back to its earlier state, with code, msg and log id.
    Refused(i64, String, Option<String>),
    /// May or may not be gone: stays `deleting` with the last error.
    InDoubt(Option<i64>, String, Option<String>),
    /// Never sent: back to its earlier state as it was.
    Untouched,
}
