//! Pass two: send every planned row through the shared [`Engine`], each attempt committed
//! as `sending` before it leaves and its outcome committed when it returns.
//!
//! The `sending` commit comes before the throttle slot, so its variable duration never
//! pushes two requests closer together than the limiter spaced them (which a strict
//! sliding window answers with 429).

use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::watch;

use crate::dispatch::{Attempted, Engine, EngineReport, RetryPolicy};
use crate::feishu::{Client, Failure, UserIdType};
use crate::ledger::{LedgerError, LedgerHandle, Outgoing};
use crate::progress::Tally;
use crate::reward::RewardBody;
use crate::throttle::Throttle;

/// Rows read back from the ledger per query.
const PAGE: usize = 256;

/// How to send.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// Requests in flight at once. Default 20 (10/s with up to 2 s of latency).
    pub concurrency: usize,
    /// Which id type `referral_user_id` holds. Default open_id.
    pub user_id_type: UserIdType,
    /// Retries and back-off.
    pub retry: RetryPolicy,
}

impl Default for SendSettings {
    fn default() -> Self {
        SendSettings {
            concurrency: 20,
            user_id_type: UserIdType::OpenId,
            retry: RetryPolicy::default(),
        }
    }
}

/// Sends every row the plan left to send. `stop` turning true (Ctrl-C) stops dispatching;
/// requests in flight finish and are recorded.
pub async fn send_all(
    ledger: LedgerHandle,
    client: Client,
    throttle: Arc<Throttle>,
    run: i64,
    settings: SendSettings,
    tally: Arc<Tally>,
    stop: watch::Receiver<bool>,
) -> Result<EngineReport, LedgerError> {
    let engine = Arc::new(Engine::new(throttle, settings.retry.clone(), stop));
    let pages = ledger.clone();
    engine
        .drive(
            settings.concurrency,
            move |after| {
                let pages = pages.clone();
                async move {
                    let rows = pages
                        .call(move |l| l.next_to_send(run, after, PAGE))
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
                async move {
                    send_row(
                        &engine,
                        &ledger,
                        &client,
                        settings.user_id_type,
                        run,
                        &tally,
                        row,
                    )
                    .await
                }
            },
        )
        .await?;
    Ok(engine.report().await)
}

/// Sends one row until it ends; returns the fatal failure it met, if any.
async fn send_row(
    engine: &Engine,
    ledger: &LedgerHandle,
    client: &Client,
    user_id_type: UserIdType,
    run: i64,
    tally: &Tally,
    row: Outgoing,
) -> Result<Option<Failure>, LedgerError> {
    let id = row.id;
    let body: RewardBody = match serde_json::from_str(&row.body) {
        Ok(body) => body,
        Err(e) => {
            let message = format!("the ledger's body for this row cannot be read: {e}");
            ledger
                .call(move |l| l.record_failed(id, None, &message, None))
                .await?;
            tally.failed.fetch_add(1, Ordering::Relaxed);
            return Ok(None);
        }
    };
    let end = engine
        .attempt(
            || ledger.call(move |l| l.mark_sending(id, run)),
            || client.create_reward(&body, user_id_type),
        )
        .await?;
    match end {
        Attempted::Done(answer) => {
            let (reward_id, log_id) = (answer.value, answer.log_id);
            ledger
                .call(move |l| l.record_imported(id, &reward_id, log_id.as_deref()))
                .await?;
            tally.imported.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
        Attempted::Refused { code, msg, log_id } => {
            ledger
                .call(move |l| l.record_failed(id, Some(code), &msg, log_id.as_deref()))
                .await?;
            tally.failed.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
        Attempted::GaveUp {
            code,
            message,
            log_id,
        } => {
            ledger
                .call(move |l| l.record_pending(id, code, &message, log_id.as_deref()))
                .await?;
            tally.pending.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
        // Never sent in this run: back to how it was planned (pending, or in doubt).
        Attempted::NotSent if row.in_doubt => Ok(None),
        Attempted::NotSent => {
            ledger.call(move |l| l.unmark_sending(id)).await?;
            Ok(None)
        }
        Attempted::Fatal(failure) => {
            // Not the row's fault: it goes back to pending, and nothing is marked failed.
            let (code, message, log_id) = (
                failure.code(),
                failure.to_string(),
                failure.log_id().map(str::to_owned),
            );
            ledger
                .call(move |l| l.record_pending(id, code, &message, log_id.as_deref()))
                .await?;
            Ok(Some(failure))
        }
    }
}
