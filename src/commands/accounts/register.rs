//! `accounts register`: every valid row of the file registered once, at the documented
//! 100 per minute, through the run driver: resumable like an import (registrations in doubt
//! are resent first; registering twice returns the same account), and the result written
//! as CSV: the input's columns plus what became of each row.

use std::path::{Path, PathBuf};

use crate::feishu::{Account, Family, Request};
use crate::ledger::{AccountState, Ledger, LedgerError, Registration, RunKind};
use crate::read::account_files::AccountFileError;
use crate::read::source::{Encoding, EncodingChoice};
use crate::report::summary::{Outcome, Place, Reasons, Summary, Vocabulary};
use crate::run::engine::{Attempted, Tried};
use crate::run::{Opened, PAGE, Phase, Recorded, Session, StepError};

use crate::read::account_files::AccountReader;

/// The registration's words.
pub const WORDS: Vocabulary = Vocabulary {
    noun: "row",
    done: ("registered", "registered now"),
    already_done: ("already_registered", "already registered"),
    failed: ("failed", "failed"),
    replaced: None,
    skipped: None,
    fixed_elsewhere: None,
};

/// What to register, and how.
#[derive(Debug, Clone)]
pub struct RegisterOptions {
    /// The employees file.
    pub file: PathBuf,
    /// Its encoding.
    pub encoding: EncodingChoice,
    /// The ledger's path.
    pub ledger: PathBuf,
    /// Resend rows Feishu refused in an earlier run.
    pub retry_failed: bool,
}

/// What stops a registration before it begins.
#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error(transparent)]
    Input(#[from] AccountFileError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// What a registration gives back: how it ended, and the result rows to write.
pub struct Registered {
    /// How the run ended.
    pub summary: Summary,
    /// The input's header and columns, plus account_id, status, error_code, error_message,
    /// log_id.
    pub rows: Vec<Vec<String>>,
    /// The input's encoding, byte-order mark included: the result is written in it, so the
    /// program that wrote the input (Excel) reads the result back as it reads the input.
    pub encoding: Encoding,
}

/// Registers every valid row.
pub fn run(session: &Session, options: &RegisterOptions) -> Result<Registered, RegisterError> {
    let mut reader = AccountReader::open(&options.file, options.encoding)?;
    let file = reader.path().to_owned();
    let encoding = reader.encoding();
    let mut run = Opened::open(session, &options.ledger)?.begin(
        RunKind::AccountsRegister,
        WORDS,
        Some(&file),
    )?;
    run.step(|run| {
        let (id, retry_failed) = (run.id(), options.retry_failed);
        let mut rows = Vec::new();
        while let Some(row) = reader.next_row()? {
            rows.push(row);
        }
        // A file of employees is small: planned in one go on the ledger's thread.
        let (items, reasons, counts) = run.ledger().call_blocking(move |ledger| {
            let mut reasons = Reasons::default();
            let mut counts = Vec::new();
            for row in &rows {
                let at = Some(Place::line(i64::try_from(row.line).unwrap_or(i64::MAX)));
                let Some(key) = row.key().filter(|_| row.problems.is_empty()) else {
                    counts.push(Outcome::Invalid);
                    for problem in &row.problems {
                        let column = problem.column.as_deref().unwrap_or("row");
                        reasons.add(
                            Outcome::Invalid,
                            &format!("{column}:{}", problem.rule.name()),
                            &format!("column {column}: {}", problem.rule.summary()),
                            at.clone(),
                        );
                    }
                    // A duplicate's key belongs to its first row.
                    if let Some(key) = row.key().filter(|_| row.duplicate_of.is_none()) {
                        ledger.invalid_account(id, &key, &row.errors_text(), &file, row.line)?;
                    }
                    continue;
                };
                let mobile = row.mobile.as_ref().map(|(c, n)| (c.as_str(), n.as_str()));
                let state = ledger.plan_account(
                    id,
                    &key,
                    row.email.as_deref(),
                    mobile,
                    &file,
                    row.line,
                    retry_failed,
                )?;
                match state {
                    Some(AccountState::Registered) => counts.push(Outcome::AlreadyDone),
                    Some(AccountState::Failed) => {
                        counts.push(Outcome::FailedEarlier);
                        if let Some(result) = ledger.registration_result(&key)? {
                            let code = result
                                .error_code
                                .map_or_else(|| "refused".into(), |c| c.to_string());
                            reasons.add(
                                Outcome::FailedEarlier,
                                &code,
                                result.error_message.as_deref().unwrap_or(""),
                                at,
                            );
                        }
                    }
                    _ => {}
                }
            }
            Ok((rows.len() as u64, reasons, counts))
        })?;
        let summary = run.summary();
        summary.items = items;
        for outcome in counts {
            summary.count(outcome, 1);
        }
        summary.reasons.merge(reasons);
        Ok(())
    });
    run.phase(Register { in_doubt: true });
    run.phase(Register { in_doubt: false });
    let mut result = Vec::new();
    run.step(|run| {
        let (path, encoding) = (options.file.clone(), options.encoding);
        result = run
            .ledger()
            .call_blocking(move |ledger| Ok(result_rows(ledger, &path, encoding)))??;
        Ok(())
    });
    Ok(Registered {
        summary: run.finish(),
        rows: result,
        encoding,
    })
}

/// Registrations in doubt from any run (`in_doubt`), or this run's planned ones.
struct Register {
    in_doubt: bool,
}

impl Register {
    fn which(&self, run: i64) -> Option<i64> {
        (!self.in_doubt).then_some(run)
    }
}

impl Phase for Register {
    type Item = Registration;
    type Value = Account;

    fn family(&self) -> Family {
        Family::AccountRegister
    }

    fn untouched(&self) -> Option<Outcome> {
        Some(if self.in_doubt {
            Outcome::InDoubt
        } else {
            Outcome::Pending
        })
    }

    fn count(&self, ledger: &Ledger, run: i64) -> Result<u64, LedgerError> {
        ledger.count_registrations(self.which(run))
    }

    fn page(
        &self,
        ledger: &Ledger,
        run: i64,
        after: i64,
    ) -> Result<Vec<(i64, Registration)>, LedgerError> {
        let rows = ledger.next_registrations(self.which(run), after, PAGE)?;
        Ok(rows.into_iter().map(|r| (r.id, r)).collect())
    }

    fn request(&self, registration: &Registration) -> Request<Account> {
        let mobile = registration
            .mobile
            .as_ref()
            .map(|(c, n)| (c.as_str(), n.as_str()));
        Request::register_account(mobile, registration.email.as_deref())
    }

    fn mark(
        &self,
        ledger: &Ledger,
        _run: i64,
        registration: &Registration,
    ) -> Result<(), LedgerError> {
        ledger.mark_registering(registration.id)
    }

    fn record(
        &self,
        ledger: &Ledger,
        _run: i64,
        registration: Registration,
        tried: Tried<Account>,
    ) -> Result<Recorded, LedgerError> {
        let id = registration.id;
        let at = registration.source_line.map(Place::line);
        Ok(match tried.end {
            Attempted::Done(answer) => {
                let account_id = answer.value.account_id.clone().unwrap_or_default();
                ledger.record_registered(
                    id,
                    &account_id,
                    answer.value.status,
                    answer.log_id.as_deref(),
                    tried.sent,
                )?;
                Recorded::plain(Outcome::Done)
            }
            Attempted::Refused { code, msg, log_id } => {
                let message = format!("{msg}{}", advice(code));
                ledger.record_registration_refused(
                    id,
                    code,
                    &message,
                    log_id.as_deref(),
                    tried.sent,
                )?;
                Recorded::because(Outcome::Failed, code.to_string(), message, at)
            }
            Attempted::Unsettled { in_doubt, error } => {
                let in_doubt = in_doubt || registration.in_doubt;
                let fault = error
                    .as_ref()
                    .map(|e| (e.code, e.message.as_str(), e.log_id.as_deref()));
                ledger.record_registration_unsettled(id, in_doubt, fault, tried.sent)?;
                let outcome = if in_doubt {
                    Outcome::InDoubt
                } else {
                    Outcome::Pending
                };
                let message = error.map_or_else(
                    || "the run stopped before it was sent".to_owned(),
                    |e| e.message,
                );
                Recorded::because(outcome, message.clone(), message, at)
            }
        })
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
    ledger: &Ledger,
    file: &Path,
    encoding: EncodingChoice,
) -> Result<Vec<Vec<String>>, StepError> {
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
        let mut record: Vec<String> = row.fields.clone();
        let verdict = if row.problems.is_empty() {
            match row.key() {
                Some(key) => ledger.registration_result(&key)?.unwrap_or_default(),
                None => Default::default(),
            }
        } else {
            crate::ledger::RegistrationResult {
                status: AccountState::Invalid.as_str().into(),
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
