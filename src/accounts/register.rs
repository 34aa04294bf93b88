//! `accounts register`: every valid row of the file registered once, at the documented
//! 100 per minute, resumable through the ledger like an import; the result written as CSV.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use serde::Serialize;
use tokio::sync::watch;

use crate::dispatch::{Attempted, Engine, RetryPolicy};
use crate::feishu::{Client, Failure};
use crate::import::ImportError;
use crate::input::EncodingChoice;
use crate::ledger::{Ledger, LedgerHandle, Registration};
use crate::progress::{Progress, ProgressMode, Tally};
use crate::throttle::{Rate, Throttle};

use super::input::AccountReader;

/// The documented limit of account registration: 100 per minute.
pub const REGISTER_RATE: f64 = 100.0;

/// Registration requests in flight at once (the limit, not latency, sets the pace).
const CONCURRENCY: usize = 4;

/// One registration run, fully described.
pub struct RegisterJob {
    pub file: PathBuf,
    pub encoding: EncodingChoice,
    pub ledger: PathBuf,
    pub client: Client,
    pub retry_failed: bool,
    pub progress: ProgressMode,
    pub stop: watch::Receiver<bool>,
}

/// How a registration run ended.
#[derive(Debug, Clone, Default, Serialize)]
pub struct RegisterSummary {
    pub rows: u64,
    pub registered: u64,
    pub already_registered: u64,
    pub failed: u64,
    pub previously_failed: u64,
    pub invalid: u64,
    pub pending: u64,
    pub interrupted: bool,
    pub fatal: Option<String>,
    pub advice: Option<String>,
}

impl RegisterSummary {
    /// The exit code (SPEC §3).
    pub fn exit(&self) -> crate::exit::Exit {
        use crate::exit::Exit;
        if self.fatal.is_some() {
            Exit::Fatal
        } else if self.interrupted {
            Exit::Interrupted
        } else if self.failed + self.previously_failed + self.invalid + self.pending == 0 {
            Exit::Success
        } else {
            Exit::Incomplete
        }
    }
}

/// Plans, registers and writes the result file to `out`.
pub fn run(
    job: RegisterJob,
    runtime: &tokio::runtime::Runtime,
    out: &mut dyn Write,
) -> Result<RegisterSummary, ImportError> {
    let mut reader = AccountReader::open(&job.file, job.encoding)?;
    let ledger = Ledger::open(&job.ledger)?;
    ledger.pin_target(&job.client.target().into())?;
    let run = ledger.begin_run("accounts register", Some(reader.path()))?;
    let mut summary = RegisterSummary::default();
    let source = reader.path().to_owned();
    while let Some(row) = reader.next_row()? {
        summary.rows += 1;
        let Some(key) = row.key() else {
            summary.invalid += 1;
            continue;
        };
        if !row.problems.is_empty() {
            summary.invalid += 1;
            // A duplicate's key belongs to its first row.
            if !row.errors_text().contains("already appears on line") {
                ledger.invalid_account(run, &key, &row.errors_text(), &source, row.line)?;
            }
            continue;
        }
        let mobile = row.mobile.as_ref().map(|(c, n)| (c.as_str(), n.as_str()));
        match ledger
            .plan_account(
                run,
                &key,
                row.email.as_deref(),
                mobile,
                &source,
                row.line,
                job.retry_failed,
            )?
            .as_str()
        {
            "registered" => summary.already_registered += 1,
            "failed" => summary.previously_failed += 1,
            _ => {}
        }
    }
    let to_send = ledger.count_registrations(run)?;
    let handle = LedgerHandle::spawn(ledger)?;
    if to_send > 0 {
        if let Err(failure) = runtime.block_on(job.client.check_credentials()) {
            summary.pending = to_send;
            note_fatal(&mut summary, &failure);
        } else {
            let tally = Arc::new(Tally::default());
            let progress = Progress::start(job.progress, to_send, Arc::clone(&tally), "registered");
            let throttle = Arc::new(Throttle::new(Rate::per_minute(REGISTER_RATE)));
            let engine = Arc::new(Engine::new(
                throttle,
                RetryPolicy::default(),
                job.stop.clone(),
            ));
            runtime.block_on(register_all(&engine, &handle, &job.client, run, &tally))?;
            progress.finish();
            let report = runtime.block_on(engine.report());
            summary.registered = tally.imported.load(Ordering::Relaxed);
            summary.failed = tally.failed.load(Ordering::Relaxed);
            summary.pending = to_send.saturating_sub(summary.registered + summary.failed);
            summary.interrupted = report.interrupted;
            if let Some(failure) = &report.fatal {
                note_fatal(&mut summary, failure);
            }
        }
    }
    let file = job.file.clone();
    let encoding = job.encoding;
    let rows =
        runtime.block_on(handle.call(move |ledger| Ok(result_rows(ledger, &file, encoding))))??;
    let mut csv = csv::Writer::from_writer(out);
    for row in rows {
        csv.write_record(&row)
            .map_err(|e| ImportError::Runtime(e.to_string()))?;
    }
    csv.flush()
        .map_err(|e| ImportError::Runtime(e.to_string()))?;
    let counts = serde_json::to_value(&summary).unwrap_or_default();
    let exit = summary.exit();
    runtime.block_on(handle.finish_run(run, counts, exit.code()))?;
    Ok(summary)
}

fn note_fatal(summary: &mut RegisterSummary, failure: &Failure) {
    summary.fatal = Some(failure.to_string());
    if let Failure::Fatal { advice, .. } = failure {
        summary.advice = Some(advice.clone());
    }
}

async fn register_all(
    engine: &Arc<Engine>,
    ledger: &LedgerHandle,
    client: &Client,
    run: i64,
    tally: &Arc<Tally>,
) -> Result<(), crate::ledger::LedgerError> {
    let pages = ledger.clone();
    engine
        .drive(
            CONCURRENCY,
            move |after| {
                let pages = pages.clone();
                async move {
                    let rows = pages
                        .call(move |l| l.next_registrations(run, after, 64))
                        .await?;
                    Ok(rows.into_iter().map(|r| (r.id, r)).collect())
                }
            },
            |registration| {
                let (engine, ledger, client, tally) = (
                    Arc::clone(engine),
                    ledger.clone(),
                    client.clone(),
                    Arc::clone(tally),
                );
                async move { register_one(&engine, &ledger, &client, &tally, registration).await }
            },
        )
        .await
}

async fn register_one(
    engine: &Engine,
    ledger: &LedgerHandle,
    client: &Client,
    tally: &Tally,
    registration: Registration,
) -> Result<Option<Failure>, crate::ledger::LedgerError> {
    let id = registration.id;
    let mobile = registration
        .mobile
        .as_ref()
        .map(|(c, n)| (c.as_str(), n.as_str()));
    let email = registration.email.as_deref();
    let end = engine
        .attempt(
            || ledger.call(move |l| l.mark_registering(id)),
            || client.register_account(mobile, email),
        )
        .await?;
    match end {
        Attempted::Done(answer) => {
            let account_id = answer.value.account_id.clone().unwrap_or_default();
            let status = answer.value.status;
            let log_id = answer.log_id;
            ledger
                .call(move |l| {
                    l.record_registration(
                        id,
                        "registered",
                        Some((&account_id, status)),
                        None,
                        log_id.as_deref(),
                    )
                })
                .await?;
            tally.imported.fetch_add(1, Ordering::Relaxed);
            Ok(None)
        }
        Attempted::Refused { code, msg, log_id } => {
            let message = format!("{msg}{}", advice(code));
            ledger
                .call(move |l| {
                    l.record_registration(
                        id,
                        "failed",
                        None,
                        Some((Some(code), &message)),
                        log_id.as_deref(),
                    )
                })
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
                .call(move |l| {
                    l.record_registration(
                        id,
                        "pending",
                        None,
                        Some((code, &message)),
                        log_id.as_deref(),
                    )
                })
                .await?;
            Ok(None)
        }
        // Left as planned (pending) or in doubt (sending): the next run sends it again,
        // and registering an employee twice returns the same account.
        Attempted::NotSent => Ok(None),
        Attempted::Fatal(failure) => {
            let (code, message, log_id) = (
                failure.code(),
                failure.to_string(),
                failure.log_id().map(str::to_owned),
            );
            ledger
                .call(move |l| {
                    l.record_registration(
                        id,
                        "pending",
                        None,
                        Some((code, &message)),
                        log_id.as_deref(),
                    )
                })
                .await?;
            Ok(Some(failure))
        }
    }
}

/// The documentation's advice for a refused registration, in words.
fn advice(code: i64) -> &'static str {
    match code {
        1002551 => " — use the work email or mobile the employee has in Feishu",
        1002552 => " — several employees share it: give both email and mobile to tell them apart",
        _ => "",
    }
}

/// The result file's rows: the input's header and columns, plus the ledger's verdict.
fn result_rows(
    ledger: &mut Ledger,
    file: &std::path::Path,
    encoding: EncodingChoice,
) -> Result<Vec<Vec<String>>, ImportError> {
    let mut reader = AccountReader::open(file, encoding)?;
    let mut header: Vec<String> = reader.names().to_vec();
    header.extend(
        [
            "account_id",
            "status",
            "error_code",
            "error_message",
            "log_id",
        ]
        .map(str::to_owned),
    );
    let mut rows = vec![header];
    while let Some(row) = reader.next_row()? {
        let mut record: Vec<String> = row.fields.iter().map(str::to_owned).collect();
        let verdict = if row.problems.is_empty() {
            match row.key() {
                Some(key) => ledger.registration_result(&key)?.unwrap_or_default(),
                None => Default::default(),
            }
        } else {
            crate::ledger::RegistrationResult {
                status: "invalid".into(),
                error_message: Some(row.errors_text()),
                ..Default::default()
            }
        };
        record.extend([
            verdict.account_id.unwrap_or_default(),
            verdict.status,
            verdict
                .error_code
                .map(|c| c.to_string())
                .unwrap_or_default(),
            verdict.error_message.unwrap_or_default(),
            verdict.log_id.unwrap_or_default(),
        ]);
        rows.push(record);
    }
    Ok(rows)
}
