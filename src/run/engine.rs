//! The engine every call goes through (import, settle, rollback, accounts): items read page
//! by page, several in flight, and for each attempt, in this order: the token (fetched
//! before the slot), the caller's "in flight" mark (committed before the slot), the
//! throttle slot, then the exchange and nothing else (SPEC §5). A resend after a refused
//! token is an attempt of its own, with its own slot. 429s pause every worker of the
//! family; transient faults are retried with back-off; a halt (a stop signal, a fatal
//! answer, a local failure) stops new attempts while the ones in flight finish.
//!
//! What an item *is* and how its outcome is recorded belongs to the caller: the engine
//! says only whether an item got a definitive answer, and if not, whether any attempt may
//! have been carried out (SPEC §4: once an attempt has left, the item stays in doubt).

use std::collections::VecDeque;
use std::future::Future;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rand::Rng;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinSet;

use crate::feishu::{Answer, Client, Failure, Reply, Request};
use crate::ledger::LedgerError;
use crate::run::stop::{Signal, Stop};
use crate::run::throttle::Throttle;

/// Refused tokens in a row after which a request gives up, even if each was asked for
/// before the previous refusal (a server that keeps revoking must not loop us forever).
const MAX_TOKEN_REFUSALS: u32 = 3;

/// Retries of a transient fault by default (`--retries`).
pub const DEFAULT_RETRIES: u32 = 5;

/// How hard to try one item.
#[derive(Debug, Clone)]
pub struct RetryPolicy {
    /// Retries of a transient fault before the item is left for the next run
    /// (attempts = budget + 1). Default [`DEFAULT_RETRIES`].
    pub retry_budget: u32,
    /// First back-off; doubles each retry, scaled by 50–100 % jitter. Default 500 ms.
    pub backoff_base: Duration,
    /// Longest back-off. Default 30 s.
    pub backoff_max: Duration,
    /// Pause after a 429 that named no reset. Default 1 s.
    pub rate_limit_wait: Duration,
    /// 429s one item may meet before it is left for the next run. Default 50.
    pub rate_limit_budget: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            retry_budget: DEFAULT_RETRIES,
            backoff_base: Duration::from_millis(500),
            backoff_max: Duration::from_secs(30),
            rate_limit_wait: Duration::from_secs(1),
            rate_limit_budget: 50,
        }
    }
}

/// The last thing an item met without a definitive answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LastError {
    /// The body's code, when there was one.
    pub code: Option<i64>,
    /// What happened, in words.
    pub message: String,
    /// The `x-tt-logid` of the answer, when there was one.
    pub log_id: Option<String>,
}

impl LastError {
    fn of(failure: &Failure) -> LastError {
        LastError {
            code: failure.code(),
            message: failure.to_string(),
            log_id: failure.log_id().map(str::to_owned),
        }
    }

    fn with_note(mut self, note: &str) -> LastError {
        self.message.push_str("; ");
        self.message.push_str(note);
        self
    }
}

/// What one item's attempts ended in, and how many requests left for it.
#[derive(Debug)]
pub struct Tried<T> {
    /// How the attempts ended.
    pub end: Attempted<T>,
    /// Requests that left for this item (each took a throttle slot).
    pub sent: u32,
}

/// How one item's attempts ended.
#[derive(Debug)]
pub enum Attempted<T> {
    /// The call succeeded.
    Done(Answer<T>),
    /// The server refused the item for good.
    Refused {
        /// The body's code.
        code: i64,
        /// The body's msg.
        msg: String,
        /// The `x-tt-logid` of the answer.
        log_id: Option<String>,
    },
    /// No definitive answer in this run: retries ran out, 429s outlasted their budget, or
    /// the run halted. `in_doubt` is true when some attempt may have been carried out (a
    /// timeout, a dropped connection, a 5xx): the item must stay in doubt, never go back
    /// to "not sent". `error` is what the item last met (None: nothing was attempted).
    Unsettled {
        /// Some attempt may have been carried out.
        in_doubt: bool,
        /// The last fault, if any attempt was made.
        error: Option<LastError>,
    },
}

/// Why a run stopped early: shared by every engine of one run, so a fatal answer in one
/// phase halts the phases after it too.
#[derive(Debug)]
pub struct Halt {
    tx: watch::Sender<bool>,
    rx: watch::Receiver<bool>,
    stop: Stop,
    fatal: Mutex<Option<Failure>>,
}

impl Halt {
    /// A halt raised by `stop` (a signal), by [`Halt::fatal`], or by [`Halt::raise`].
    pub fn new(stop: Stop) -> Halt {
        let (tx, rx) = watch::channel(false);
        Halt {
            tx,
            rx,
            stop,
            fatal: Mutex::new(None),
        }
    }

    /// Stops new attempts (a local failure: the ledger cannot be written).
    pub fn raise(&self) {
        let _ = self.tx.send(true);
    }

    /// Stops the run for a fatal answer; the first one is kept for the summary.
    pub fn fatal(&self, failure: Failure) {
        if let Ok(mut fatal) = self.fatal.lock() {
            fatal.get_or_insert(failure);
        }
        self.raise();
    }

    /// The fatal answer that stopped the run, if one did.
    pub fn fatal_failure(&self) -> Option<Failure> {
        self.fatal.lock().ok().and_then(|f| f.clone())
    }

    /// The signal that stopped the run, if one did.
    pub fn signal(&self) -> Option<Signal> {
        *self.stop.borrow()
    }

    /// True once anything has halted the run.
    pub fn is_halted(&self) -> bool {
        *self.rx.borrow() || self.stop.borrow().is_some()
    }

    /// Resolves when the run is halted.
    pub async fn halted(&self) {
        let mut rx = self.rx.clone();
        let mut stop = self.stop.clone();
        // A stop whose sender is gone can never turn: it must not count as turned.
        let signalled = async move {
            if stop.wait_for(Option::is_some).await.is_err() {
                std::future::pending::<()>().await;
            }
        };
        tokio::select! {
            _ = rx.wait_for(|h| *h) => {}
            _ = signalled => {}
        }
    }
}

/// What one engine met, for the summary.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct EngineCounts {
    /// Requests that left (every attempt that took its slot).
    pub sent: u64,
    /// 429s waited out.
    pub rate_limited: u64,
    /// Transient faults retried (network, 5xx, token endpoint trouble).
    pub retried: u64,
}

/// One endpoint family's calls in one run: its throttle, the retry policy, the run's halt.
pub struct Engine {
    throttle: Arc<Throttle>,
    policy: RetryPolicy,
    halt: Arc<Halt>,
    sent: AtomicU64,
    rate_limited: AtomicU64,
    retried: AtomicU64,
    last_sent_ms: AtomicI64,
    /// For a family with a windowed quota: when its last calls left (Unix milliseconds,
    /// an earlier run's included), at most the window's count, for the next run.
    window_sends: Mutex<VecDeque<i64>>,
    /// How many of them are kept (0: none).
    window_count: usize,
}

impl Engine {
    /// An engine pacing with `throttle`, stopped by `halt`.
    pub fn new(throttle: Arc<Throttle>, policy: RetryPolicy, halt: Arc<Halt>) -> Engine {
        Engine {
            throttle,
            policy,
            halt,
            sent: AtomicU64::new(0),
            rate_limited: AtomicU64::new(0),
            retried: AtomicU64::new(0),
            last_sent_ms: AtomicI64::new(0),
            window_sends: Mutex::default(),
            window_count: 0,
        }
    }

    /// The same, keeping the times of its last `count` calls (a windowed quota's count),
    /// starting from `earlier` (an earlier run's, oldest first).
    pub fn keeping_sends(mut self, count: usize, earlier: &[i64]) -> Engine {
        self.window_count = count;
        let skip = earlier.len().saturating_sub(count);
        self.window_sends = Mutex::new(earlier[skip..].iter().copied().collect());
        self
    }

    /// When the last calls of a windowed family left (Unix milliseconds, oldest first).
    pub fn window_sends(&self) -> Vec<i64> {
        let sends = self.window_sends.lock().unwrap_or_else(|e| e.into_inner());
        sends.iter().copied().collect()
    }

    /// The halt this engine obeys.
    pub fn halt(&self) -> &Arc<Halt> {
        &self.halt
    }

    /// Tries one call until it ends. `before` runs before every attempt, after the token
    /// is in hand and before the slot is taken, and must commit whatever marks the item
    /// as in flight.
    pub async fn attempt<T, B, BF>(
        &self,
        client: &Client,
        request: &Request<T>,
        before: B,
    ) -> Result<Tried<T>, LedgerError>
    where
        B: FnMut() -> BF,
        BF: Future<Output = Result<(), LedgerError>>,
    {
        let mut sent = 0;
        let end = self.attempts(client, request, before, &mut sent).await?;
        Ok(Tried { end, sent })
    }

    async fn attempts<T, B, BF>(
        &self,
        client: &Client,
        request: &Request<T>,
        mut before: B,
        sent: &mut u32,
    ) -> Result<Attempted<T>, LedgerError>
    where
        B: FnMut() -> BF,
        BF: Future<Output = Result<(), LedgerError>>,
    {
        let mut retries = 0;
        let mut rate_limits = 0;
        let mut in_doubt = false;
        // When a token was last refused, and how often in a row.
        let mut refused: Option<(Instant, u32)> = None;
        let mut last: Option<LastError> = None;
        let stopped = |in_doubt: bool, last: Option<LastError>| Attempted::Unsettled {
            in_doubt,
            error: last.map(|e| e.with_note("the run stopped before another attempt")),
        };
        loop {
            if self.halt.is_halted() {
                return Ok(stopped(in_doubt, last));
            }
            // The token first: a fetch after the slot would send the request late.
            let token = tokio::select! {
                biased;
                _ = self.halt.halted() => return Ok(stopped(in_doubt, last)),
                token = client.token() => token,
            };
            let token = match token {
                Ok(token) => token,
                Err(fatal @ Failure::Fatal { .. }) => {
                    let error = LastError::of(&fatal);
                    self.halt.fatal(fatal);
                    return Ok(Attempted::Unsettled {
                        in_doubt,
                        error: Some(error),
                    });
                }
                // The token endpoint is unwell: no request of ours left, so no slot is spent.
                Err(other) => {
                    last = Some(LastError::of(&other).with_note("no tenant access token"));
                    if !self.back_off(&mut retries).await {
                        return Ok(self.given_up(in_doubt, last, retries));
                    }
                    continue;
                }
            };
            before().await?;
            tokio::select! {
                biased;
                _ = self.halt.halted() => return Ok(stopped(in_doubt, last)),
                _ = self.throttle.acquire() => {}
            }
            // Nothing may delay the request now: the freshest token costs no fetch.
            let token = client.freshest(token);
            self.sent.fetch_add(1, Ordering::Relaxed);
            *sent += 1;
            let now_ms = unix_ms(std::time::SystemTime::now());
            self.last_sent_ms.fetch_max(now_ms, Ordering::Relaxed);
            if self.window_count > 0 {
                let mut sends = self.window_sends.lock().unwrap_or_else(|e| e.into_inner());
                sends.push_back(now_ms);
                while sends.len() > self.window_count {
                    sends.pop_front();
                }
            }
            let failure = match client.send(request, &token).await {
                Ok(Reply::Answered(answer)) => return Ok(Attempted::Done(answer)),
                Ok(Reply::TokenRefused { code, msg, log_id }) => {
                    // Fatal once a token asked for after a refusal is refused too; one asked
                    // for before it (a refresh in flight) may have been revoked with it.
                    if let Some((at, count)) = refused
                        && (token.asked_at() >= at || count >= MAX_TOKEN_REFUSALS)
                    {
                        let fatal = Failure::fresh_token_refused(code, msg, log_id);
                        let error = LastError::of(&fatal);
                        self.halt.fatal(fatal);
                        return Ok(Attempted::Unsettled {
                            in_doubt,
                            error: Some(error),
                        });
                    }
                    tracing::info!(code, %msg, "token refused; fetching a fresh one and resending once");
                    client.forget(&token);
                    let count = refused.map_or(0, |(_, count)| count);
                    refused = Some((Instant::now(), count + 1));
                    last = Some(LastError {
                        code: Some(code),
                        message: format!("token refused: code {code}: {msg}"),
                        log_id,
                    });
                    continue;
                }
                Err(failure) => failure,
            };
            refused = None;
            match failure {
                Failure::RateLimited { reset, .. } => {
                    self.rate_limited.fetch_add(1, Ordering::Relaxed);
                    rate_limits += 1;
                    self.throttle
                        .pause(reset.unwrap_or(self.policy.rate_limit_wait));
                    last = Some(LastError::of(&failure));
                    if rate_limits > self.policy.rate_limit_budget {
                        return Ok(Attempted::Unsettled {
                            in_doubt,
                            error: last.map(|e| {
                                e.with_note(&format!(
                                    "rate-limited {rate_limits} times; left for the next run"
                                ))
                            }),
                        });
                    }
                }
                Failure::Unreachable { .. } => {
                    last = Some(LastError::of(&failure));
                    if !self.back_off(&mut retries).await {
                        return Ok(self.given_up(in_doubt, last, retries));
                    }
                }
                Failure::Transient { .. } => {
                    // The server may have carried it out: from now on the item is in doubt.
                    in_doubt = true;
                    last = Some(LastError::of(&failure));
                    if !self.back_off(&mut retries).await {
                        return Ok(self.given_up(in_doubt, last, retries));
                    }
                }
                Failure::Permanent { code, msg, log_id } => {
                    return Ok(Attempted::Refused { code, msg, log_id });
                }
                Failure::Fatal { .. } => {
                    let error = LastError::of(&failure);
                    self.halt.fatal(failure);
                    return Ok(Attempted::Unsettled {
                        in_doubt,
                        error: Some(error),
                    });
                }
            }
        }
    }

    /// Counts a retry and waits its back-off; false when the budget is spent or the run
    /// halted meanwhile.
    async fn back_off(&self, retries: &mut u32) -> bool {
        self.retried.fetch_add(1, Ordering::Relaxed);
        *retries += 1;
        if *retries > self.policy.retry_budget {
            return false;
        }
        let wait = backoff(&self.policy, *retries);
        tokio::select! {
            biased;
            _ = self.halt.halted() => false,
            _ = tokio::time::sleep(wait) => true,
        }
    }

    fn given_up<T>(&self, in_doubt: bool, last: Option<LastError>, retries: u32) -> Attempted<T> {
        let note = if self.halt.is_halted() {
            "the run stopped before another attempt".to_owned()
        } else {
            format!("{retries} attempts; left for the next run")
        };
        Attempted::Unsettled {
            in_doubt,
            error: last.map(|e| e.with_note(&note)),
        }
    }

    /// Runs `work` on every item `next_page` yields (it gets the last key seen and returns
    /// the next items after it, empty when done), `concurrency` at once, until every item is
    /// done or the run is halted. A ledger error halts the run and is returned.
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
        WF: Future<Output = Result<(), LedgerError>> + Send + 'static,
    {
        let permits = Arc::new(Semaphore::new(concurrency.max(1)));
        let mut tasks = JoinSet::new();
        let mut after = 0;
        let mut result = Ok(());
        'pages: loop {
            if self.halt.is_halted() {
                break;
            }
            let page = match next_page(after).await {
                Ok(page) => page,
                Err(e) => {
                    self.halt.raise();
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
                    _ = self.halt.halted() => break 'pages,
                    permit = Arc::clone(&permits).acquire_owned() => permit,
                };
                let Ok(permit) = permit else { break 'pages };
                if self.halt.is_halted() {
                    break 'pages;
                }
                let job = work(item);
                tasks.spawn(async move {
                    let end = job.await;
                    drop(permit);
                    end
                });
                while let Some(done) = tasks.try_join_next() {
                    self.settle(done, &mut result);
                }
            }
        }
        while let Some(done) = tasks.join_next().await {
            self.settle(done, &mut result);
        }
        result
    }

    fn settle(
        &self,
        done: Result<Result<(), LedgerError>, tokio::task::JoinError>,
        result: &mut Result<(), LedgerError>,
    ) {
        match done {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                self.halt.raise();
                if result.is_ok() {
                    *result = Err(e);
                }
            }
            // A panicked task's item stays marked in flight: in doubt, settled next run.
            Err(_) => {}
        }
    }

    /// When this engine last sent a request (Unix milliseconds), if it sent any.
    pub fn last_sent_ms(&self) -> Option<i64> {
        Some(self.last_sent_ms.load(Ordering::Relaxed)).filter(|ms| *ms > 0)
    }

    /// What this engine met.
    pub fn counts(&self) -> EngineCounts {
        EngineCounts {
            sent: self.sent.load(Ordering::Relaxed),
            rate_limited: self.rate_limited.load(Ordering::Relaxed),
            retried: self.retried.load(Ordering::Relaxed),
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

/// Milliseconds since the Unix epoch (0 for a clock before it).
pub fn unix_ms(at: std::time::SystemTime) -> i64 {
    at.duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
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
mod tests;
