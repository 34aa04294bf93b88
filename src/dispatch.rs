//! The sending engine every command shares (import, rollback, accounts): items read page
//! by page, several in flight, each attempt taking a throttle slot, 429s pausing everyone,
//! transient faults retried with back-off, and a halt (Ctrl-C or a fatal answer) that stops
//! new attempts while the ones in flight finish.
//!
//! What an item *is* and how its outcome is recorded belongs to the caller: the engine only
//! knows calls that answer with [`Answer`] or [`Failure`], and a hook run before each
//! attempt (where callers commit "in flight" to the ledger).

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use rand::Rng;
use tokio::sync::{Mutex, Semaphore, watch};
use tokio::task::JoinSet;

use crate::feishu::{Answer, Failure};
use crate::ledger::LedgerError;
use crate::throttle::Throttle;

/// How hard to try one item.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries of a transient fault before the item is given up for this run
    /// (attempts = budget + 1). Default 5.
    pub retry_budget: u32,
    /// First back-off; doubles each retry, scaled by 50–100 % jitter. Default 500 ms.
    pub backoff_base: Duration,
    /// Longest back-off. Default 30 s.
    pub backoff_max: Duration,
    /// Pause after a 429 that named no reset. Default 1 s.
    pub rate_limit_wait: Duration,
    /// 429s one item may meet before it is given up for this run. Default 50.
    pub rate_limit_budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retry_budget: 5,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            rate_limit_wait: Duration::from_secs(1),
            rate_limit_budget: 50,
        }
    }
}

/// What one item's attempts ended in.
#[derive(Debug)]
pub enum Attempted<T> {
    /// The call succeeded.
    Done(Answer<T>),
    /// The server refused the item for good.
    Refused {
        code: i64,
        msg: String,
        log_id: Option<String>,
    },
    /// Transient faults or 429s outlasted the budget, or the run halted between retries:
    /// the item is left for the next run.
    GaveUp {
        code: Option<i64>,
        message: String,
        log_id: Option<String>,
    },
    /// The run halted before any attempt of this item left.
    NotSent,
    /// Credentials, permission or IP: the whole run stops (the engine halts itself).
    Fatal(Failure),
}

/// One phase of calls: the shared throttle, retry policy, halt and counters.
pub struct Engine {
    throttle: Arc<Throttle>,
    policy: RetryPolicy,
    halt_tx: watch::Sender<bool>,
    halt: watch::Receiver<bool>,
    stop: watch::Receiver<bool>,
    fatal: Mutex<Option<Failure>>,
    rate_limited: AtomicU64,
    transient: AtomicU64,
}

/// What a phase met, for the summary.
#[derive(Debug, Default)]
pub struct EngineReport {
    /// The fatal answer that halted the phase, if one did.
    pub fatal: Option<Failure>,
    /// True when Ctrl-C halted it.
    pub interrupted: bool,
    /// 429s waited out.
    pub rate_limited: u64,
    /// Transient faults met.
    pub transient: u64,
}

impl Engine {
    /// An engine halted by `stop` (Ctrl-C) or by the first fatal answer.
    pub fn new(
        throttle: Arc<Throttle>,
        policy: RetryPolicy,
        stop: watch::Receiver<bool>,
    ) -> Engine {
        let (halt_tx, halt) = watch::channel(*stop.borrow());
        Engine {
            throttle,
            policy,
            halt_tx,
            halt,
            stop,
            fatal: Mutex::new(None),
            rate_limited: AtomicU64::new(0),
            transient: AtomicU64::new(0),
        }
    }

    /// Resolves when the phase is halted (Ctrl-C or a fatal answer).
    async fn halted(&self) {
        let mut halt = self.halt.clone();
        let mut stop = self.stop.clone();
        tokio::select! {
            _ = halt.wait_for(|h| *h) => {}
            _ = stop.wait_for(|s| *s) => {}
        }
    }

    fn is_halted(&self) -> bool {
        *self.halt.borrow() || *self.stop.borrow()
    }

    /// Tries one call until it ends. `before` runs before every attempt and must commit
    /// whatever marks the item as in flight; the attempt leaves as soon as its slot is free.
    pub async fn attempt<T, B, BF, C, CF>(
        &self,
        mut before: B,
        mut call: C,
    ) -> Result<Attempted<T>, LedgerError>
    where
        B: FnMut() -> BF,
        BF: Future<Output = Result<(), LedgerError>>,
        C: FnMut() -> CF,
        CF: Future<Output = Result<Answer<T>, Failure>>,
    {
        let mut retries = 0;
        let mut rate_limits = 0;
        let mut last: Option<(Option<i64>, String, Option<String>)> = None;
        loop {
            before().await?;
            let halted = tokio::select! {
                biased;
                _ = self.halted() => true,
                _ = self.throttle.acquire() => false,
            };
            if halted {
                return Ok(match last {
                    None => Attempted::NotSent,
                    Some((code, what, log_id)) => Attempted::GaveUp {
                        code,
                        message: format!("{what}; the run stopped before a retry"),
                        log_id,
                    },
                });
            }
            match call().await {
                Ok(answer) => return Ok(Attempted::Done(answer)),
                Err(Failure::RateLimited { reset, log_id }) => {
                    self.rate_limited.fetch_add(1, Ordering::Relaxed);
                    rate_limits += 1;
                    self.throttle
                        .pause(reset.unwrap_or(self.policy.rate_limit_wait));
                    if rate_limits > self.policy.rate_limit_budget {
                        return Ok(Attempted::GaveUp {
                            code: Some(99991400),
                            message: format!(
                                "rate-limited {rate_limits} times in a row; left for the next run"
                            ),
                            log_id,
                        });
                    }
                    last = Some((Some(99991400), "rate-limited".into(), log_id));
                }
                Err(Failure::Transient { what, code, log_id }) => {
                    self.transient.fetch_add(1, Ordering::Relaxed);
                    retries += 1;
                    if retries > self.policy.retry_budget {
                        return Ok(Attempted::GaveUp {
                            code,
                            message: format!("{what} ({retries} attempts); left for the next run"),
                            log_id,
                        });
                    }
                    let wait = backoff(&self.policy, retries);
                    let halted = tokio::select! {
                        biased;
                        _ = self.halted() => true,
                        _ = tokio::time::sleep(wait) => false,
                    };
                    if halted {
                        return Ok(Attempted::GaveUp {
                            code,
                            message: format!("{what}; the run stopped before a retry"),
                            log_id,
                        });
                    }
                    last = Some((code, what, log_id));
                }
                Err(Failure::Permanent { code, msg, log_id }) => {
                    return Ok(Attempted::Refused { code, msg, log_id });
                }
                Err(fatal @ Failure::Fatal { .. }) => {
                    // Halt first, so no other item starts an attempt that would meet it too.
                    let _ = self.halt_tx.send(true);
                    return Ok(Attempted::Fatal(fatal));
                }
            }
        }
    }

    /// Runs `work` on every item `next_page` yields (it gets the last key seen and returns
    /// the next items after it, empty when done), `concurrency` at once, until every item is
    /// done or the phase is halted. `work` returns the fatal failure it met, if any.
    pub async fn drive<I, P, PF, W, WF>(
        self: &Arc<Self>,
        concurrency: usize,
        mut next_page: P,
        work: W,
    ) -> Result<(), LedgerError>
    where
        I: Send + 'static,
        P: FnMut(i64) -> PF,
        PF: Future<Output = Page<I>>,
        W: Fn(I) -> WF,
        WF: Future<Output = Result<Option<Failure>, LedgerError>> + Send + 'static,
    {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut after = 0;
        let mut result = Ok(());
        'pages: loop {
            let page = match next_page(after).await {
                Ok(page) => page,
                Err(e) => {
                    result = Err(e);
                    break;
                }
            };
            if page.is_empty() {
                break;
            }
            for (key, item) in page {
                after = key;
                let permit = tokio::select! {
                    biased;
                    _ = self.halted() => break 'pages,
                    permit = Arc::clone(&permits).acquire_owned() => permit,
                };
                let Ok(permit) = permit else { break 'pages };
                if self.is_halted() {
                    break 'pages;
                }
                let job = work(item);
                tasks.spawn(async move {
                    let end = job.await;
                    drop(permit);
                    end
                });
                while let Some(done) = tasks.try_join_next() {
                    self.settle(done, &mut result).await;
                }
            }
        }
        while let Some(done) = tasks.join_next().await {
            self.settle(done, &mut result).await;
        }
        result
    }

    async fn settle(
        &self,
        done: Result<Result<Option<Failure>, LedgerError>, tokio::task::JoinError>,
        result: &mut Result<(), LedgerError>,
    ) {
        match done {
            Ok(Ok(Some(failure))) => {
                let _ = self.halt_tx.send(true);
                self.fatal.lock().await.get_or_insert(failure);
            }
            Ok(Ok(None)) => {}
            Ok(Err(e)) => {
                let _ = self.halt_tx.send(true);
                if result.is_ok() {
                    *result = Err(e);
                }
            }
            // A panicked task's item stays marked in flight: in doubt, retried next run.
            Err(_) => {}
        }
    }

    /// What the phase met.
    pub async fn report(&self) -> EngineReport {
        EngineReport {
            fatal: self.fatal.lock().await.take(),
            interrupted: *self.stop.borrow(),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            transient: self.transient.load(Ordering::Relaxed),
        }
    }
}

/// One page of keyed items, as [`Engine::drive`] reads them.
pub type Page<T> = Result<Vec<(i64, T)>, LedgerError>;

/// Pages over items already in memory, for [`Engine::drive`]: item `i` gets key `i + 1`.
pub fn pages_in_memory<T: Clone>(items: Vec<T>) -> impl FnMut(i64) -> std::future::Ready<Page<T>> {
    let keyed: Vec<(i64, T)> = items
        .into_iter()
        .enumerate()
        .map(|(i, item)| (i64::try_from(i).unwrap_or(i64::MAX - 1) + 1, item))
        .collect();
    move |after| {
        let start = usize::try_from(after).unwrap_or(0);
        std::future::ready(Ok(keyed.iter().skip(start).take(64).cloned().collect()))
    }
}

/// Exponential back-off with jitter: base × 2^(n-1), capped, then scaled by 50–100 %.
fn backoff(policy: &RetryPolicy, retry: u32) -> Duration {
    let exp = policy
        .backoff_base
        .saturating_mul(1 << retry.saturating_sub(1).min(16));
    let capped = exp.min(policy.backoff_max);
    capped.mul_f64(rand::rng().random_range(0.5..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::throttle::Rate;

    #[test]
    fn backoff_grows_and_is_capped() {
        let policy = RetryPolicy::default();
        for retry in 1..=10 {
            let wait = backoff(&policy, retry);
            let ceiling = policy
                .backoff_base
                .saturating_mul(1 << (retry - 1))
                .min(policy.backoff_max);
            assert!(wait <= ceiling && wait >= ceiling / 2, "{retry}: {wait:?}");
        }
    }

    fn engine(stop: watch::Receiver<bool>) -> Engine {
        let policy = RetryPolicy {
            backoff_base: Duration::from_millis(1),
            retry_budget: 2,
            ..RetryPolicy::default()
        };
        Engine::new(
            Arc::new(Throttle::new(Rate::per_second(1000.0))),
            policy,
            stop,
        )
    }

    fn transient() -> Failure {
        Failure::Transient {
            what: "HTTP 503".into(),
            code: None,
            log_id: Some("L".into()),
        }
    }

    #[tokio::test]
    async fn transient_faults_are_retried_then_given_up() {
        let (_stop, stopped) = watch::channel(false);
        let engine = engine(stopped);
        let mut befores = 0;
        let mut calls = 0;
        let end = engine
            .attempt(
                || {
                    befores += 1;
                    async { Ok(()) }
                },
                || {
                    calls += 1;
                    async { Err::<Answer<()>, _>(transient()) }
                },
            )
            .await
            .unwrap();
        assert!(matches!(end, Attempted::GaveUp { .. }), "{end:?}");
        assert_eq!(
            (befores, calls),
            (3, 3),
            "budget 2 = three attempts, each marked first"
        );
    }

    #[tokio::test]
    async fn a_fatal_answer_halts_the_engine() {
        let (_stop, stopped) = watch::channel(false);
        let engine = engine(stopped);
        let end = engine
            .attempt(
                || async { Ok(()) },
                || async {
                    Err::<Answer<()>, _>(Failure::Fatal {
                        code: Some(99991672),
                        msg: "no".into(),
                        advice: "grant".into(),
                        log_id: None,
                    })
                },
            )
            .await
            .unwrap();
        assert!(matches!(end, Attempted::Fatal(_)));
        let next = engine
            .attempt(
                || async { Ok(()) },
                || async {
                    Ok(Answer {
                        value: (),
                        log_id: None,
                    })
                },
            )
            .await
            .unwrap();
        assert!(matches!(next, Attempted::NotSent), "{next:?}");
    }
}
