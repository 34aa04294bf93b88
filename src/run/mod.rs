//! The one run driver every command that writes the ledger uses (import, rollback,
//! accounts register, enable, deactivate): open the ledger (its run lock) and pin the
//! tenant → begin the run → the command's plan → per phase: check the credentials once,
//! take a throttle slot per attempt through the [`Engine`], record each outcome → the
//! command's after-step (an errors or result file) → the summary, the run's end in the
//! ledger, and one exit code.
//!
//! A command gives the driver its plan (a closure over the ledger), its calls and recording
//! steps (a [`Phase`] per kind of call) and its after-step; the driver owns everything they
//! share: the tenant, the throttles (one per endpoint family, waiting out what the last run
//! left of its second), progress, the halt on a signal, a fatal answer or a local failure,
//! and how each of those ends the run.

pub mod engine;
pub mod throttle;
pub mod stop;
pub mod progress;

use std::collections::BTreeMap;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use crate::feishu::{Client, Failure, Family, Request};
use crate::ledger::{Ledger, LedgerError, LedgerHandle, RunKind, Target};
use crate::read::ReadError;
use crate::report::summary::{End, Outcome, Place, Reasons, Summary, Vocabulary};
use crate::run::engine::{
    Engine, EngineCounts, Halt, RetryPolicy, Tried, pages_in_memory, unix_ms,
};
use crate::run::progress::{Progress, ProgressMode, Tally};
use crate::run::stop::Stop;
use crate::run::throttle::{Rate, Throttle};

/// Items read from the ledger per page.
pub const PAGE: usize = 256;

/// Requests in flight for a per-minute family: its pace, not latency, sets the rate, and
/// every item in flight is marked in doubt before its slot comes.
const SLOW_FAMILY_CONCURRENCY: usize = 4;

/// Lookups in flight: 50 calls a second need 50 × latency in flight, so 16 keeps the pace
/// up to 320 ms a call (each carries up to 100 people); past the first 1000 calls of a
/// minute the minute quota, not latency, sets the pace, so more would only hold more
/// connections open.
const LOOKUP_CONCURRENCY: usize = 16;

/// What every run against the tenant shares: the client, the runtime, how to stop, how
/// hard to try, how fast to go, how to show progress.
pub struct Session {
    /// The API client (its target is pinned in the ledger).
    pub client: Client,
    /// The runtime the calls run on.
    pub runtime: tokio::runtime::Runtime,
    /// Turns to a signal on Ctrl-C or SIGTERM.
    pub stop: Stop,
    /// How progress is shown.
    pub progress: ProgressMode,
    /// Retries and back-off.
    pub retry: RetryPolicy,
    /// Requests in flight at once. Default 20 (10/s with up to 2 s of latency).
    pub concurrency: usize,
    /// `--rate`: requests per second for the reward calls (None: the documented 10).
    pub rate: Option<f64>,
}

impl Session {
    /// The pace of `family`: `--rate` for the reward calls, [`Family::pace`] otherwise.
    pub fn rate_of(&self, family: Family) -> Rate {
        match self.rate {
            Some(rate) if family.follows_rate_flag() => Rate::per_second(rate),
            _ => family.pace(),
        }
    }

    fn concurrency_of(&self, family: Family) -> usize {
        let concurrency = self.concurrency.max(1);
        if family.is_lookup() {
            concurrency.min(LOOKUP_CONCURRENCY)
        } else if self.rate_of(family).per >= Duration::from_secs(60) {
            concurrency.min(SLOW_FAMILY_CONCURRENCY)
        } else {
            concurrency
        }
    }
}

/// What stops a command's own step (its plan or its after-step).
#[derive(Debug, thiserror::Error)]
pub enum StepError {
    /// The input could not be read: the run ends with exit 2, nothing having been sent.
    #[error(transparent)]
    Input(#[from] ReadError),
    /// The ledger could not be read or written: exit 4.
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    /// An output file could not be written: exit 4.
    #[error("{path}: cannot write: {detail}")]
    Output {
        /// The file.
        path: String,
        /// Why.
        detail: String,
    },
    /// The run refuses to go on as asked (e.g. more replacements than allowed): exit 2,
    /// nothing having been sent.
    #[error("{0}")]
    Refused(String),
}

crate::read::read_errors_into!(StepError::Input);

impl StepError {
    fn end(&self) -> End {
        match self {
            StepError::Input(e) => End::BadInput {
                message: e.to_string(),
            },
            StepError::Refused(message) => End::BadInput {
                message: message.clone(),
            },
            other => End::LocalFailure {
                message: other.to_string(),
            },
        }
    }
}

/// One kind of call of a run: which items, which request for each, and how each outcome
/// is recorded. `mark` and `record` run on the ledger's thread; each is one short
/// transaction, committed before the next step relies on it.
pub trait Phase: Send + Sync + 'static {
    /// One thing to send.
    type Item: Clone + Send + Sync + 'static;
    /// What a successful call returns.
    type Value: Send + 'static;

    /// The endpoint family whose limit the calls count against.
    fn family(&self) -> Family;
    /// What an item stays as when the run stops before reaching it (None: not counted,
    /// as for lookups, which are no rows of the summary).
    fn untouched(&self) -> Option<Outcome>;
    /// How many items the phase will take on.
    fn count(&self, ledger: &Ledger, run: i64) -> Result<u64, LedgerError>;
    /// The items after key `after` (keys increase), at most [`PAGE`]; empty when done.
    fn page(
        &self,
        ledger: &Ledger,
        run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Self::Item)>, LedgerError>;
    /// The call for an item.
    fn request(&self, item: &Self::Item) -> Request<Self::Value>;
    /// Commits "in flight" before every attempt, before its throttle slot.
    fn mark(&self, _ledger: &Ledger, _run: i64, _item: &Self::Item) -> Result<(), LedgerError> {
        Ok(())
    }
    /// Records how the item's attempts ended; says what to count.
    fn record(
        &self,
        ledger: &Ledger,
        run: i64,
        item: Self::Item,
        tried: Tried<Self::Value>,
    ) -> Result<Recorded, LedgerError>;
}

/// What one recorded item counts as in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Its outcome (None: not counted, e.g. settled so that a later phase handles it).
    pub outcome: Option<Outcome>,
    /// Why, for the grouped reasons: key, message, place.
    pub reason: Option<(String, String, Option<Place>)>,
}

impl Recorded {
    /// Counted as `outcome`, with no reason to group.
    pub fn plain(outcome: Outcome) -> Recorded {
        Recorded {
            outcome: Some(outcome),
            reason: None,
        }
    }

    /// Counted as `outcome`, grouped under `key` with `message`, at `at`.
    pub fn because(outcome: Outcome, key: String, message: String, at: Option<Place>) -> Recorded {
        Recorded {
            outcome: Some(outcome),
            reason: Some((key, message, at)),
        }
    }
}

/// A ledger open for a run, its tenant pinned, before the run is recorded: commands check
/// what they need here (a rollback's selection) and may still decline to begin.
pub struct Opened<'s> {
    session: &'s Session,
    ledger: Ledger,
    target: Target,
}

impl<'s> Opened<'s> {
    /// Opens the ledger at `path`, taking its run lock, and pins the session's tenant.
    pub fn open(session: &'s Session, path: &std::path::Path) -> Result<Opened<'s>, LedgerError> {
        let ledger = Ledger::open(path)?;
        let target: Target = session.client.target().into();
        ledger.pin_target(&target)?;
        Ok(Opened {
            session,
            ledger,
            target,
        })
    }

    /// The ledger, to read before beginning.
    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    /// The tenant the run targets.
    pub fn target(&self) -> &Target {
        &self.target
    }

    /// Records the run's start and moves the ledger to its own thread.
    pub fn begin(
        self,
        kind: RunKind,
        words: Vocabulary,
        file: Option<&str>,
    ) -> Result<Run<'s>, LedgerError> {
        let id = self.ledger.begin_run(kind, file)?;
        let mut summary = Summary::new(kind.name(), words);
        summary.file = file.map(str::to_owned);
        summary.ledger = Some(self.ledger.path().to_owned());
        summary.target = Some(self.target);
        summary.run_id = Some(id);
        let ledger = LedgerHandle::spawn(self.ledger)?;
        let mut calls = Calls::new(self.session, kind.name(), words);
        calls.summary = summary;
        Ok(Run { calls, ledger, id })
    }
}

/// Calls to Feishu, as every command that makes any shares them, with a ledger or without
/// (`accounts assets` reads balances and records nothing): the halt on a signal or a fatal
/// answer, one engine and throttle per endpoint family, the credentials checked once
/// before the first item, progress, the counts of what was sent, and how it all ended.
pub struct Calls<'s> {
    session: &'s Session,
    halt: Arc<Halt>,
    summary: Summary,
    tally: Arc<Tally>,
    progress: Option<Progress>,
    engines: BTreeMap<Family, Arc<Engine>>,
    credentials_checked: bool,
    started: Instant,
}

/// A run under way: calls, and the ledger that records them.
pub struct Run<'s> {
    calls: Calls<'s>,
    ledger: LedgerHandle,
    id: i64,
}

impl<'s> Calls<'s> {
    /// Calls for `command`, whose summary speaks in `words`.
    pub fn new(session: &'s Session, command: &str, words: Vocabulary) -> Calls<'s> {
        Calls {
            session,
            halt: Arc::new(Halt::new(session.stop.clone())),
            summary: Summary::new(command, words),
            tally: Arc::new(Tally::default()),
            progress: None,
            engines: BTreeMap::new(),
            credentials_checked: false,
            started: Instant::now(),
        }
    }

    /// The summary so far, for the command's own counts.
    pub fn summary(&mut self) -> &mut Summary {
        &mut self.summary
    }

    /// Sends one call per item of `items` (read-only: nothing is recorded but what
    /// `record` keeps), through the family's engine; `record` says what each came to.
    /// Items the calls stop before reaching (a signal, a fatal answer) count as
    /// `untouched`.
    pub fn each<T, V>(
        &mut self,
        family: Family,
        items: Vec<T>,
        untouched: Outcome,
        request: impl Fn(&T) -> Request<V> + Send + Sync + 'static,
        record: impl Fn(T, Tried<V>) -> Recorded + Send + Sync + 'static,
    ) where
        T: Clone + Send + Sync + 'static,
        V: Send + 'static,
    {
        let total = items.len() as u64;
        if total == 0 {
            return;
        }
        if self.halt.is_halted() || !self.check_credentials() {
            self.summary.count(untouched, total);
            return;
        }
        self.show_progress(total);
        let engine = self.engine(family, None, &[]);
        let before = engine.counts();
        let outcomes: Arc<Counted> = Arc::default();
        let (request, record) = (Arc::new(request), Arc::new(record));
        let started = Instant::now();
        // Nothing is read from or written to a ledger: the drive cannot fail.
        let _ = self.session.runtime.block_on(engine.drive(
            self.session.concurrency_of(family),
            pages_in_memory(items),
            |item| {
                let (engine, client) = (Arc::clone(&engine), self.session.client.clone());
                let (request, record) = (Arc::clone(&request), Arc::clone(&record));
                let (outcomes, tally) = (Arc::clone(&outcomes), Arc::clone(&self.tally));
                async move {
                    let tried = engine
                        .attempt(&client, &request(&item), || std::future::ready(Ok(())))
                        .await?;
                    count(&tally, &outcomes, record(item, tried));
                    Ok(())
                }
            },
        ));
        self.summary.sending += started.elapsed();
        let after = engine.counts();
        self.add_engine_counts(family, before, after);
        let recorded = self.tallied(outcomes);
        self.summary
            .count(untouched, total.saturating_sub(recorded));
    }

    /// Starts showing progress, if not yet, with `more` items to go.
    fn show_progress(&mut self, more: u64) {
        self.tally.total.fetch_add(more, Ordering::Relaxed);
        if self.progress.is_none() {
            self.progress = Some(Progress::start(
                self.session.progress,
                Arc::clone(&self.tally),
                self.summary.words.done.0,
            ));
        }
    }

    /// Adds a phase's outcomes and reasons to the summary; returns how many items it
    /// recorded.
    fn tallied(&mut self, outcomes: Arc<Counted>) -> u64 {
        let Tallied {
            recorded,
            counts,
            reasons,
        } = match Arc::try_unwrap(outcomes) {
            Ok(mutex) => mutex.into_inner().unwrap_or_else(|e| e.into_inner()),
            Err(shared) => shared.lock().map(|g| g.clone()).unwrap_or_default(),
        };
        for (outcome, n) in counts {
            self.summary.count(outcome, n);
        }
        self.summary.reasons.merge(reasons);
        recorded
    }

    /// Ends the calls: how they ended (a fatal answer, a signal), and how long they took.
    /// Returns the summary to print.
    pub fn finish(mut self) -> Summary {
        if let Some(progress) = self.progress.take() {
            progress.finish();
        }
        if let Some(failure) = self.halt.fatal_failure() {
            self.summary.end_with(fatal_end(&failure));
        }
        if let Some(signal) = self.halt.signal() {
            self.summary.end_with(End::Interrupted(signal));
        }
        self.summary.elapsed = self.started.elapsed();
        self.summary
    }
}

impl<'s> Calls<'s> {
    /// The engine (and throttle) of `family`, created on first use. A run started right
    /// after another waits out what is left of the second in which that run last sent
    /// (`last_sent`, in Unix milliseconds, as the ledger remembers it); a family with a
    /// per-minute quota counts the calls of earlier runs in the last minute against it
    /// (`window_calls`, the same way).
    fn engine(
        &mut self,
        family: Family,
        last_sent: Option<i64>,
        window_calls: &[i64],
    ) -> Arc<Engine> {
        if let Some(engine) = self.engines.get(&family) {
            return Arc::clone(engine);
        }
        let rate = self.session.rate_of(family);
        let throttle = Arc::new(match family.window() {
            Some(window) => Throttle::with_window(rate, window),
            None => Throttle::new(rate),
        });
        let now_ms = unix_ms(SystemTime::now());
        let ages: Vec<Duration> = window_calls
            .iter()
            .filter_map(|at| u64::try_from(now_ms.saturating_sub(*at)).ok())
            .map(Duration::from_millis)
            .collect();
        throttle.seed(&ages);
        if let Some(last) = last_sent {
            let gap = rate.period().max(Duration::from_secs(1));
            let since = unix_ms(SystemTime::now()).saturating_sub(last);
            let since = Duration::from_millis(u64::try_from(since).unwrap_or(0));
            if let Some(wait) = gap.checked_sub(since) {
                throttle.pause(wait);
            }
        }
        let kept = family.window().map_or(0, |w| w.count.floor() as usize);
        let engine = Arc::new(
            Engine::new(throttle, self.session.retry.clone(), Arc::clone(&self.halt))
                .keeping_sends(kept, window_calls),
        );
        self.engines.insert(family, Arc::clone(&engine));
        engine
    }

    /// Fetches a token once before the first item is touched, so wrong credentials stop
    /// the run before anything is marked; false (the run ends, exit 3) when refused.
    fn check_credentials(&mut self) -> bool {
        if self.credentials_checked {
            return true;
        }
        let checked = self
            .session
            .runtime
            .block_on(self.session.client.check_credentials());
        match checked {
            Ok(()) => {
                self.credentials_checked = true;
                true
            }
            Err(failure) => {
                self.halt.fatal(failure);
                false
            }
        }
    }

    fn add_engine_counts(&mut self, family: Family, before: EngineCounts, after: EngineCounts) {
        self.summary.sent += after.sent - before.sent;
        if family.is_lookup() {
            self.summary.lookups += after.sent - before.sent;
        }
        self.summary.rate_limited += after.rate_limited - before.rate_limited;
        self.summary.retried += after.retried - before.retried;
    }

    /// Stops what follows: the run ends as `error` says.
    fn fail(&mut self, error: StepError) {
        self.halt.raise();
        self.summary.end_with(error.end());
    }
}

impl<'s> Run<'s> {
    /// The run's id in the ledger.
    pub fn id(&self) -> i64 {
        self.id
    }

    /// The ledger, on its thread.
    pub fn ledger(&self) -> &LedgerHandle {
        &self.ledger
    }

    /// The session.
    pub fn session(&self) -> &'s Session {
        self.calls.session
    }

    /// True once a signal or a fatal answer has stopped the run: later steps do nothing.
    pub fn is_halted(&self) -> bool {
        self.calls.halt.is_halted()
    }

    /// The summary so far, for the command's own counts.
    pub fn summary(&mut self) -> &mut Summary {
        &mut self.calls.summary
    }

    /// Runs one of the command's own steps (its plan, its after-step); a failure ends the
    /// run (exit 2 for unreadable input, 4 for a local failure) and skips what follows.
    pub fn step(&mut self, step: impl FnOnce(&mut Run<'s>) -> Result<(), StepError>) {
        if self.calls.summary.end != End::Completed {
            return;
        }
        if let Err(e) = step(self) {
            self.calls.fail(e);
        }
    }

    /// Sends every item of `phase`, recording each outcome.
    pub fn phase<P: Phase>(&mut self, phase: P) {
        if self.calls.summary.end != End::Completed {
            // A failed step: the ledger may not even be readable; nothing more is done.
            return;
        }
        let phase = Arc::new(phase);
        let (id, counting) = (self.id, Arc::clone(&phase));
        let total = match self
            .ledger
            .call_blocking(move |ledger| counting.count(ledger, id))
        {
            Ok(total) => total,
            Err(e) => return self.calls.fail(StepError::Ledger(e)),
        };
        if total == 0 {
            return;
        }
        // Stopped by a signal or a fatal answer: the items stay as they are, and say so.
        if self.calls.halt.is_halted() || !self.calls.check_credentials() {
            if let Some(outcome) = phase.untouched() {
                self.calls.summary.count(outcome, total);
            }
            return;
        }
        self.calls.show_progress(total);
        let family = phase.family();
        // The calls of the last minute (of a family with a per-minute quota) span runs.
        let since = unix_ms(SystemTime::now()) - 61_000;
        let windowed = family.window().is_some();
        let pacing = self.ledger.call_blocking(move |ledger| {
            let last = ledger.last_sent(family)?;
            let window = match windowed {
                true => ledger.window_calls(family, since)?,
                false => Vec::new(),
            };
            Ok((last, window))
        });
        let (last_sent, window_calls) = match pacing {
            Ok(pacing) => pacing,
            Err(e) => return self.calls.fail(StepError::Ledger(e)),
        };
        let engine = self.calls.engine(family, last_sent, &window_calls);
        let before = engine.counts();
        let outcomes: Arc<Counted> = Arc::default();
        let started = Instant::now();
        let session = self.calls.session;
        let driven = session.runtime.block_on(engine.drive(
            session.concurrency_of(family),
            {
                let (ledger, phase) = (self.ledger.clone(), Arc::clone(&phase));
                move |after| {
                    let (ledger, phase) = (ledger.clone(), Arc::clone(&phase));
                    async move { ledger.call(move |l| phase.page(l, id, after)).await }
                }
            },
            |item| {
                let (engine, ledger, phase, client) = (
                    Arc::clone(&engine),
                    self.ledger.clone(),
                    Arc::clone(&phase),
                    session.client.clone(),
                );
                let (outcomes, tally) = (Arc::clone(&outcomes), Arc::clone(&self.calls.tally));
                async move {
                    let request = phase.request(&item);
                    let tried = engine
                        .attempt(&client, &request, || {
                            let (phase, item) = (Arc::clone(&phase), item.clone());
                            ledger.call(move |l| phase.mark(l, id, &item))
                        })
                        .await?;
                    let recorded = ledger
                        .call(move |l| phase.record(l, id, item, tried))
                        .await?;
                    count(&tally, &outcomes, recorded);
                    Ok(())
                }
            },
        ));
        self.calls.summary.sending += started.elapsed();
        let after = engine.counts();
        self.calls.add_engine_counts(family, before, after);
        let recorded = self.calls.tallied(outcomes);
        // Items the run stopped before reaching keep their state.
        if let Some(outcome) = phase.untouched() {
            self.calls
                .summary
                .count(outcome, total.saturating_sub(recorded));
        }
        self.remember_last_sent(family, &engine);
        if let Err(e) = driven {
            self.calls.fail(StepError::Ledger(e));
        }
    }

    fn remember_last_sent(&mut self, family: Family, engine: &Engine) {
        if let Some(at) = engine.last_sent_ms() {
            let sends = engine.window_sends();
            let recorded = self.ledger.call_blocking(move |ledger| {
                ledger.record_last_sent(family, at)?;
                if family.window().is_some() {
                    ledger.record_window_calls(family, &sends)?;
                }
                Ok(())
            });
            if let Err(e) = recorded {
                self.calls.fail(StepError::Ledger(e));
            }
        }
    }

    /// Ends the run: how it ended, its summary recorded in the ledger, the ledger closed
    /// (its lock released). Returns the summary to print.
    pub fn finish(self) -> Summary {
        let Run { calls, ledger, id } = self;
        let mut summary = calls.finish();
        let (exit, record) = (summary.exit(), summary.to_json());
        if let Err(e) = ledger.call_blocking(move |ledger| ledger.end_run(id, &record, exit.code()))
        {
            summary.end_with(End::LocalFailure {
                message: e.to_string(),
            });
        }
        ledger.close();
        summary
    }
}

/// How a fatal answer ends a run: what Feishu said, and (once) what to fix.
pub fn fatal_end(failure: &Failure) -> End {
    End::Fatal {
        message: failure.headline(),
        advice: failure.advice().map(str::to_owned),
    }
}

/// What one phase's items came to.
#[derive(Debug, Clone, Default)]
struct Tallied {
    /// Items recorded, counted or handed on.
    recorded: u64,
    /// Items by outcome.
    counts: BTreeMap<Outcome, u64>,
    /// Why.
    reasons: Reasons,
}

type Counted = Mutex<Tallied>;

fn count(tally: &Tally, outcomes: &Counted, recorded: Recorded) {
    if let Ok(mut tallied) = outcomes.lock() {
        tallied.recorded += 1;
    }
    let Some(outcome) = recorded.outcome else {
        // Handed on to a later phase: finished here all the same.
        tally.done.fetch_add(1, Ordering::Relaxed);
        return;
    };
    let bucket = match outcome {
        Outcome::Done
        | Outcome::Replaced
        | Outcome::AlreadyDone
        | Outcome::Conflict
        | Outcome::Skipped
        | Outcome::FixedElsewhere => &tally.done,
        Outcome::Failed | Outcome::FailedEarlier | Outcome::Invalid | Outcome::Unresolved => {
            &tally.failed
        }
        Outcome::InDoubt | Outcome::Pending => &tally.left,
    };
    bucket.fetch_add(1, Ordering::Relaxed);
    if let Ok(mut tallied) = outcomes.lock() {
        *tallied.counts.entry(outcome).or_default() += 1;
        if let Some((key, message, at)) = recorded.reason {
            tallied.reasons.add(outcome, &key, &message, at);
        }
    }
}
