//! The importer: plan the file against the ledger, then send what the plan says, at the
//! documented rate, recording every step (SPEC §4, §5).
//!
//! Planning is synchronous and streams the file on the caller's thread; sending runs on
//! the tokio runtime with the ledger moved onto its own thread.

pub mod plan;
pub mod send;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use serde::Serialize;
use tokio::sync::watch;

use crate::dispatch::EngineReport;
use crate::exit::Exit;
use crate::feishu::{Client, Failure};
use crate::input::{InputError, ReadOptions, RewardReader};
use crate::ledger::{Ledger, LedgerError, LedgerHandle, Target};
use crate::progress::{Progress, ProgressMode, Tally};
use crate::report::{ErrorsFile, ErrorsFileError};
use crate::throttle::{Rate, Throttle};
use crate::validate::Validator;

pub use plan::{Action, PlanCounts, PlanError};
pub use send::SendSettings;

/// What can stop an import before it reaches its summary.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Input(#[from] InputError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    ErrorsFile(#[from] ErrorsFileError),
    #[error("cannot start the send phase: {0}")]
    Runtime(String),
}

impl From<PlanError> for ImportError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Input(e) => ImportError::Input(e),
            PlanError::Ledger(e) => ImportError::Ledger(e),
        }
    }
}

/// One import, fully described.
pub struct ImportJob {
    /// The rewards CSV.
    pub file: PathBuf,
    /// How to read it.
    pub read: ReadOptions,
    /// The ledger's path.
    pub ledger: PathBuf,
    /// The API client (its target is pinned in the ledger).
    pub client: Client,
    /// Business calls per second (the documented limit is 10).
    pub rate: f64,
    /// Concurrency, retries, id type.
    pub send: SendSettings,
    /// Resend rows the server refused in an earlier run.
    pub retry_failed: bool,
    /// How progress is shown.
    pub progress: ProgressMode,
    /// Write every invalid and failed row here after the run.
    pub errors: Option<PathBuf>,
    /// Turns true on Ctrl-C.
    pub stop: watch::Receiver<bool>,
}

/// How an import ended.
#[derive(Debug, Clone, Serialize)]
pub struct ImportSummary {
    /// The file.
    pub file: String,
    /// The ledger.
    pub ledger: String,
    /// The run's id in the ledger.
    pub run_id: i64,
    /// Where the rows went.
    pub target: Target,
    /// The plan.
    #[serde(flatten)]
    pub plan: PlanCounts,
    /// Rows the send phase took on (the plan's, plus rows in doubt from earlier runs).
    pub sent: u64,
    /// Imported by this run.
    pub imported: u64,
    /// Refused by the server in this run.
    pub failed: u64,
    /// Planned but not imported or failed: retry budget spent, or the run stopped.
    pub pending: u64,
    /// 429s waited out.
    pub rate_limited: u64,
    /// Transient faults retried.
    pub retried: u64,
    /// The whole run, in seconds.
    pub elapsed_seconds: f64,
    /// The send phase, in seconds.
    pub send_seconds: f64,
    /// Rows imported per second of the send phase.
    pub rate: f64,
    /// Ctrl-C stopped the run.
    pub interrupted: bool,
    /// The fatal answer that stopped the run, in words.
    pub fatal: Option<String>,
    /// What to fix, for a fatal stop.
    pub advice: Option<String>,
    /// Rows written to the errors file.
    pub errors_file_rows: Option<u64>,
    /// The exit code.
    pub exit_code: u8,
}

impl ImportSummary {
    /// The exit code the run's results call for (SPEC §3).
    pub fn exit(&self) -> Exit {
        if self.fatal.is_some() {
            Exit::Fatal
        } else if self.interrupted {
            Exit::Interrupted
        } else if self.plan.invalid
            + self.plan.conflict
            + self.plan.previously_failed
            + self.failed
            + self.pending
            == 0
        {
            Exit::Success
        } else {
            Exit::Incomplete
        }
    }
}

/// Called once the plan is recorded, before anything is sent: (plan, rows to send).
pub type OnPlan<'a> = &'a mut dyn FnMut(&PlanCounts, u64);

/// Runs an import: plan, check credentials if anything is to be sent, send, record.
pub fn run(
    job: ImportJob,
    runtime: &tokio::runtime::Runtime,
    on_plan: OnPlan<'_>,
) -> Result<ImportSummary, ImportError> {
    let started = Instant::now();
    let mut reader = RewardReader::open(&job.file, job.read)?;
    let mut ledger = Ledger::open(&job.ledger)?;
    let target: Target = job.client.target().into();
    ledger.pin_target(&target)?;
    let run = ledger.begin_run("import", Some(reader.path()))?;
    let plan = plan::plan(
        &mut reader,
        plan::PlanTarget::Record {
            ledger: &mut ledger,
            run,
        },
        job.retry_failed,
        |_, _| {},
    )?;
    let to_send = ledger.count_to_send(run)?;
    on_plan(&plan, to_send);

    let mut summary = ImportSummary {
        file: reader.path().to_owned(),
        ledger: ledger.path().to_owned(),
        run_id: run,
        target,
        plan,
        sent: to_send,
        imported: 0,
        failed: 0,
        pending: 0,
        rate_limited: 0,
        retried: 0,
        elapsed_seconds: 0.0,
        send_seconds: 0.0,
        rate: 0.0,
        interrupted: false,
        fatal: None,
        advice: None,
        errors_file_rows: None,
        exit_code: 0,
    };

    let handle = LedgerHandle::spawn(ledger)?;
    if to_send > 0 {
        // A wrong secret is found before any row is touched; a rerun with nothing to
        // send makes no request at all.
        if let Err(failure) = runtime.block_on(job.client.check_credentials()) {
            summary.pending = to_send;
            note_fatal(&mut summary, &failure);
        } else {
            let tally = Arc::new(Tally::default());
            let progress = Progress::start(job.progress, to_send, Arc::clone(&tally), "imported");
            let throttle = Arc::new(Throttle::new(Rate::per_second(job.rate)));
            let send_started = Instant::now();
            let outcome = runtime.block_on(send::send_all(
                handle.clone(),
                job.client.clone(),
                throttle,
                run,
                job.send.clone(),
                Arc::clone(&tally),
                job.stop.clone(),
            ))?;
            progress.finish();
            summary.send_seconds = send_started.elapsed().as_secs_f64();
            record_outcome(&mut summary, &tally, &outcome);
        }
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();

    if let Some(errors) = job.errors.clone() {
        let file = job.file.clone();
        let read = job.read;
        let written = runtime.block_on(
            handle.call(move |ledger| Ok(write_errors_file(ledger, &file, read, &errors))),
        )?;
        summary.errors_file_rows = Some(written?);
    }

    let exit = summary.exit();
    summary.exit_code = exit.code();
    let counts = serde_json::to_value(&summary).unwrap_or_default();
    runtime.block_on(handle.finish_run(run, counts, exit.code()))?;
    Ok(summary)
}

fn note_fatal(summary: &mut ImportSummary, failure: &Failure) {
    summary.fatal = Some(failure.to_string());
    if let Failure::Fatal { advice, .. } = failure {
        summary.advice = Some(advice.clone());
    }
}

fn record_outcome(summary: &mut ImportSummary, tally: &Tally, outcome: &EngineReport) {
    use std::sync::atomic::Ordering::Relaxed;
    summary.imported = tally.imported.load(Relaxed);
    summary.failed = tally.failed.load(Relaxed);
    summary.pending = summary
        .sent
        .saturating_sub(summary.imported + summary.failed);
    summary.rate_limited = outcome.rate_limited;
    summary.retried = outcome.transient;
    summary.interrupted = outcome.interrupted;
    summary.rate = if summary.send_seconds > 0.0 {
        summary.imported as f64 / summary.send_seconds
    } else {
        0.0
    };
    if let Some(failure) = &outcome.fatal {
        note_fatal(summary, failure);
    }
}

/// Writes every invalid row (with its errors) and every row the server refused (with its
/// code, msg and log id), reading the file once more: failures are rare, and this keeps
/// the send phase from holding rows in memory.
fn write_errors_file(
    ledger: &mut Ledger,
    file: &Path,
    read: ReadOptions,
    out: &Path,
) -> Result<u64, ImportError> {
    let mut reader = RewardReader::open(file, read)?;
    let mut errors = ErrorsFile::create(out, reader.header(), reader.encoding())?;
    let mut validator = Validator::new();
    while let Some(row) = reader.next_row()? {
        let checked = validator.check(reader.header(), &row);
        if !checked.is_valid() {
            errors.write_checked(&row, &checked)?;
        } else if let Some(failure) = ledger.failure(&checked.external_id)? {
            errors.write(&row, &failure)?;
        }
    }
    Ok(errors.finish()?)
}

/// A dry run: the plan, and the first bodies that would be sent; no network, no writes.
pub fn dry_run(
    file: &Path,
    read: ReadOptions,
    ledger: &Path,
    retry_failed: bool,
    preview: usize,
) -> Result<(PlanCounts, Vec<String>), ImportError> {
    let mut reader = RewardReader::open(file, read)?;
    let ledger = Ledger::open_read_only(ledger)?;
    let mut bodies = Vec::new();
    let plan = plan::plan(
        &mut reader,
        plan::PlanTarget::DryRun(ledger.as_ref()),
        retry_failed,
        |checked, action| {
            if action == Some(Action::Send)
                && bodies.len() < preview
                && let Some(body) = &checked.body
            {
                bodies.push(body.to_canonical_json());
            }
        },
    )?;
    Ok((plan, bodies))
}
