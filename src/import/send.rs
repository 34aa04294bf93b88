//! Pass two: send every planned row at the limiter's pace, several in flight at once,
//! each attempt recorded before it leaves and its outcome committed when it returns.
//!
//! Per row: mark `sending` (committed) → take a throttle slot → one call at once → record.
//! The commit comes before the slot, so its variable duration never pushes two requests
//! closer together than the limiter spaced them (which a strict window answers with 429). A 429
//! pauses every worker and is resent without using the row's retry budget; a transient
//! fault is retried with exponential back-off and jitter until the budget runs out, then
//! the row stays `pending` for the next run; a permanent refusal fails the row; a fatal
//! answer (credentials, permission, IP) stops dispatching and fails nothing.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::feishu::{Client, Failure, UserIdType};
use crate::ledger::{LedgerError, LedgerHandle, Outgoing};
use crate::progress::Tally;
use crate::reward::RewardBody;
use crate::throttle::Throttle;

/// Rows read back from the ledger per query.
const PAGE: usize = 256;

/// How hard to try.
#[derive(Debug, Clone)]
pub struct SendSettings {
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Which id type `referral_user_id` holds.
    pub user_id_type: UserIdType,
    /// Retries of a transient fault before the row is left pending (attempts = budget + 1).
    pub retry_budget: u32,
    /// First back-off; doubles each retry, with jitter.
    pub backoff_base: Duration,
    /// Longest back-off.
    pub backoff_max: Duration,
    /// Wait after a 429 that named no reset.
    pub rate_limit_wait: Duration,
    /// Consecutive 429s one row may meet before it is left pending.
    pub rate_limit_budget: u32,
}

impl Default for SendSettings {
    /// 20 in flight (10/s with up to 2 s of latency), 5 retries from 500 ms to 30 s,
    /// 1 s after an unexplained 429, 50 429s per row.
    fn default() -> Self {
        SendSettings {
            concurrency: 20,
            user_id_type: UserIdType::OpenId,
            retry_budget: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            rate_limit_wait: Duration::from_secs(1),
            rate_limit_budget: 50,
        }
    }
}

/// How the send phase ended.
#[derive(Debug, Default)]
pub struct SendOutcome {
    /// The fatal answer that stopped the run, if one did.
    pub fatal: Option<Failure>,
    /// True when Ctrl-C stopped dispatching.
    pub interrupted: bool,
    /// 429s met (each was waited out and resent).
    pub rate_limited: u64,
    /// Transient faults met (each was retried, or left the row pending).
    pub transient: u64,
}

/// What ended one row.
enum RowEnd {
    Imported,
    Failed,
    Pending,
    /// Stopped before its first attempt: the ledger entry is left exactly as planned.
    NotSent,
    Fatal(Failure),
}

/// Everything a row's task needs, shared.
struct Shared {
    ledger: LedgerHandle,
    client: Client,
    throttle: Arc<Throttle>,
    settings: SendSettings,
    tally: Arc<Tally>,
    run: i64,
    /// Turns true on Ctrl-C or a fatal answer: no new attempt starts.
    halt: watch::Receiver<bool>,
    rate_limited: std::sync::atomic::AtomicU64,
    transient: std::sync::atomic::AtomicU64,
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
) -> Result<SendOutcome, LedgerError> {
    let permits = Arc::new(Semaphore::new(settings.concurrency.max(1)));
    let (halt_tx, mut halt) = watch::channel(false);
    let halt_tx = Arc::new(halt_tx);
    // Ctrl-C halts like a fatal answer does; the forwarder ends with the send phase.
    let forward = {
        let halt_tx = Arc::clone(&halt_tx);
        let mut stop = stop.clone();
        tokio::spawn(async move {
            if stop.wait_for(|stop| *stop).await.is_ok() {
                let _ = halt_tx.send(true);
            }
        })
    };
    let shared = Arc::new(Shared {
        ledger,
        client,
        throttle,
        settings,
        tally,
        run,
        halt: halt.clone(),
        rate_limited: Default::default(),
        transient: Default::default(),
    });
    let mut outcome = SendOutcome::default();
    let mut tasks = JoinSet::new();
    let mut after = 0;
    'dispatch: loop {
        let page = shared
            .ledger
            .call(move |l| l.next_to_send(run, after, PAGE))
            .await?;
        if page.is_empty() {
            break;
        }
        for row in page {
            after = row.id;
            let permit = tokio::select! {
                permit = Arc::clone(&permits).acquire_owned() => permit,
                _ = halt.wait_for(|halt| *halt) => break 'dispatch,
            };
            let Ok(permit) = permit else { break 'dispatch };
            if *halt.borrow() {
                break 'dispatch;
            }
            let shared = Arc::clone(&shared);
            let halt_tx = Arc::clone(&halt_tx);
            tasks.spawn(async move {
                let end = send_row(&shared, row).await;
                if let Ok(RowEnd::Fatal(_)) = &end {
                    let _ = halt_tx.send(true);
                }
                drop(permit);
                end
            });
            while let Some(done) = tasks.try_join_next() {
                settle(&mut outcome, done)?;
            }
        }
    }
    while let Some(done) = tasks.join_next().await {
        settle(&mut outcome, done)?;
    }
    forward.abort();
    outcome.interrupted = *stop.borrow();
    outcome.rate_limited = shared.rate_limited.load(Ordering::Relaxed);
    outcome.transient = shared.transient.load(Ordering::Relaxed);
    Ok(outcome)
}

fn settle(
    outcome: &mut SendOutcome,
    done: Result<Result<RowEnd, LedgerError>, tokio::task::JoinError>,
) -> Result<(), LedgerError> {
    match done {
        Ok(Ok(RowEnd::Fatal(failure))) => {
            outcome.fatal.get_or_insert(failure);
        }
        Ok(Ok(_)) => {}
        Ok(Err(e)) => return Err(e),
        // A panicked task's row stays `sending`: in doubt, resent by the next run.
        Err(_) => {}
    }
    Ok(())
}

/// Sends one row until it ends: imported, failed, left pending, or fatal.
async fn send_row(shared: &Shared, row: Outgoing) -> Result<RowEnd, LedgerError> {
    let (id, run) = (row.id, shared.run);
    let body: RewardBody = match serde_json::from_str(&row.body) {
        Ok(body) => body,
        Err(e) => {
            let message = format!("the ledger's body for this row cannot be read: {e}");
            shared
                .ledger
                .call(move |l| l.record_failed(id, None, &message, None))
                .await?;
            shared.tally.failed.fetch_add(1, Ordering::Relaxed);
            return Ok(RowEnd::Failed);
        }
    };
    let mut retries = 0;
    let mut rate_limits = 0;
    let mut halt = shared.halt.clone();
    let mut last_error: Option<(Option<i64>, String, Option<String>)> = None;
    loop {
        shared.ledger.call(move |l| l.mark_sending(id, run)).await?;
        let halted = tokio::select! {
            _ = shared.throttle.acquire() => false,
            halted = halt.wait_for(|halt| *halt) => halted.is_ok(),
        };
        if halted {
            return match last_error {
                // Never sent in this run: back to how it was planned (pending, or in doubt).
                None if row.in_doubt => Ok(RowEnd::NotSent),
                None => {
                    shared.ledger.call(move |l| l.unmark_sending(id)).await?;
                    Ok(RowEnd::NotSent)
                }
                Some((code, what, log_id)) => {
                    let message = format!("{what}; the run stopped before a retry");
                    leave_pending(shared, id, code, message, log_id).await
                }
            };
        }
        let result = shared
            .client
            .create_reward(&body, shared.settings.user_id_type)
            .await;
        match result {
            Ok(answer) => {
                let reward_id = answer.value;
                let log_id = answer.log_id;
                shared
                    .ledger
                    .call(move |l| l.record_imported(id, &reward_id, log_id.as_deref()))
                    .await?;
                shared.tally.imported.fetch_add(1, Ordering::Relaxed);
                return Ok(RowEnd::Imported);
            }
            Err(Failure::RateLimited { reset, log_id }) => {
                shared.rate_limited.fetch_add(1, Ordering::Relaxed);
                rate_limits += 1;
                shared
                    .throttle
                    .pause(reset.unwrap_or(shared.settings.rate_limit_wait));
                if rate_limits > shared.settings.rate_limit_budget {
                    let message =
                        format!("rate-limited {rate_limits} times in a row; left for the next run");
                    return leave_pending(shared, id, Some(99991400), message, log_id).await;
                }
                last_error = Some((Some(99991400), "rate-limited".into(), log_id));
            }
            Err(Failure::Transient { what, code, log_id }) => {
                shared.transient.fetch_add(1, Ordering::Relaxed);
                retries += 1;
                if retries > shared.settings.retry_budget {
                    let message =
                        format!("{what} ({retries} attempts); left pending for the next run");
                    return leave_pending(shared, id, code, message, log_id).await;
                }
                let wait = backoff(&shared.settings, retries);
                let halted = tokio::select! {
                    _ = tokio::time::sleep(wait) => false,
                    halted = halt.wait_for(|halt| *halt) => halted.is_ok(),
                };
                if halted {
                    let message = format!("{what}; the run stopped before a retry");
                    return leave_pending(shared, id, code, message, log_id).await;
                }
                last_error = Some((code, what, log_id));
            }
            Err(Failure::Permanent { code, msg, log_id }) => {
                shared
                    .ledger
                    .call(move |l| l.record_failed(id, Some(code), &msg, log_id.as_deref()))
                    .await?;
                shared.tally.failed.fetch_add(1, Ordering::Relaxed);
                return Ok(RowEnd::Failed);
            }
            Err(fatal @ Failure::Fatal { .. }) => {
                // Not the row's fault: it goes back to pending, and nothing is marked failed.
                let (code, message, log_id) = (
                    fatal.code(),
                    fatal.to_string(),
                    fatal.log_id().map(str::to_owned),
                );
                leave_pending(shared, id, code, message, log_id).await?;
                return Ok(RowEnd::Fatal(fatal));
            }
        }
    }
}

async fn leave_pending(
    shared: &Shared,
    id: i64,
    code: Option<i64>,
    message: String,
    log_id: Option<String>,
) -> Result<RowEnd, LedgerError> {
    shared
        .ledger
        .call(move |l| l.record_pending(id, code, &message, log_id.as_deref()))
        .await?;
    shared.tally.pending.fetch_add(1, Ordering::Relaxed);
    Ok(RowEnd::Pending)
}

/// Exponential back-off with jitter: base × 2^(n-1), capped, then scaled by 50–100 %.
fn backoff(settings: &SendSettings, retry: u32) -> Duration {
    let exp = settings
        .backoff_base
        .saturating_mul(1 << retry.saturating_sub(1).min(16));
    let capped = exp.min(settings.backoff_max);
    capped.mul_f64(rand::rng().random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let settings = SendSettings::default();
        for retry in 1..=10 {
            let wait = backoff(&settings, retry);
            let ceiling = settings
                .backoff_base
                .saturating_mul(1 << (retry - 1))
                .min(settings.backoff_max);
            assert!(wait <= ceiling && wait >= ceiling / 2, "{retry}: {wait:?}");
        }
    }
}
