//! The ledger's record of referral accounts: each registration row (so a rerun never
//! registers an employee twice) and every enable/deactivate done to an account.

use rusqlite::{OptionalExtension, params};

use super::{Ledger, LedgerError, NOW};

/// A registration as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAccount {
    /// Ledger row id.
    pub id: i64,
    /// `pending`, `sending`, `registered`, `failed` or `invalid`.
    pub status: String,
    /// The account id, once registered.
    pub account_id: Option<String>,
}

/// A registration to send.
#[derive(Debug, Clone)]
pub struct Registration {
    /// Ledger row id.
    pub id: i64,
    /// The employee's email.
    pub email: Option<String>,
    /// The employee's mobile country code and number.
    pub mobile: Option<(String, String)>,
}

/// What the ledger holds for one registration row, for the result file.
#[derive(Debug, Clone, Default)]
pub struct RegistrationResult {
    pub status: String,
    pub account_id: Option<String>,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub log_id: Option<String>,
}

/// A registered account, for `reconcile`.
#[derive(Debug, Clone)]
pub struct RegisteredAccount {
    pub account_id: String,
    pub email: Option<String>,
    pub mobile: Option<String>,
}

impl Ledger {
    /// What the ledger knows of a registration key.
    pub fn account(&self, key: &str) -> Result<Option<KnownAccount>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, status, account_id FROM accounts WHERE key = ?1")
            .map_err(|e| self.sql(e))?;
        stmt.query_row([key], |r| {
            Ok(KnownAccount {
                id: r.get(0)?,
                status: r.get(1)?,
                account_id: r.get(2)?,
            })
        })
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Plans a registration row: `pending` (to send) unless it is already registered, in
    /// doubt, or failed and not retried. Returns the status it is left in.
    #[allow(clippy::too_many_arguments)]
    pub fn plan_account(
        &self,
        run: i64,
        key: &str,
        email: Option<&str>,
        mobile: Option<(&str, &str)>,
        source_file: &str,
        source_line: u64,
        retry_failed: bool,
    ) -> Result<String, LedgerError> {
        let line = i64::try_from(source_line).unwrap_or(i64::MAX);
        let (code, number) = mobile.unzip();
        self.conn
            .execute(
                &format!(
                    "INSERT INTO accounts (key, email, mobile_code, mobile_number, status, source_file, source_line, run_id, created_at, updated_at)
                     VALUES (?1, ?2, ?3, ?4, 'pending', ?5, ?6, ?7, {NOW}, {NOW})
                     ON CONFLICT (key) DO UPDATE SET
                        status = 'pending', error_code = NULL, error_message = NULL,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status = 'pending' OR status = 'invalid' OR (status = 'failed' AND ?8)"
                ),
                params![key, email, code, number, source_file, line, run, retry_failed],
            )
            .map_err(|e| self.sql(e))?;
        // Rows in doubt (`sending`) are resent by `next_registrations` whatever their run.
        self.conn
            .execute(
                "UPDATE accounts SET run_id = ?2 WHERE key = ?1 AND status = 'sending'",
                params![key, run],
            )
            .map_err(|e| self.sql(e))?;
        Ok(self
            .account(key)?
            .map(|known| known.status)
            .unwrap_or_default())
    }

    /// Records a registration row that broke a rule.
    pub fn invalid_account(
        &self,
        run: i64,
        key: &str,
        errors: &str,
        source_file: &str,
        source_line: u64,
    ) -> Result<(), LedgerError> {
        let line = i64::try_from(source_line).unwrap_or(i64::MAX);
        self.conn
            .execute(
                &format!(
                    "INSERT INTO accounts (key, status, error_message, source_file, source_line, run_id, created_at, updated_at)
                     VALUES (?1, 'invalid', ?2, ?3, ?4, ?5, {NOW}, {NOW})
                     ON CONFLICT (key) DO UPDATE SET status = 'invalid', error_message = excluded.error_message,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'invalid', 'failed')"
                ),
                params![key, errors, source_file, line, run],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// The next registrations to send after ledger id `after`: this run's pending rows and
    /// every row in doubt.
    pub fn next_registrations(
        &self,
        run: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Registration>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, email, mobile_code, mobile_number FROM accounts
                 WHERE id > ?1 AND ((status = 'pending' AND run_id = ?2) OR status = 'sending')
                 ORDER BY id LIMIT ?3",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(
                params![after, run, i64::try_from(limit).unwrap_or(i64::MAX)],
                |r| {
                    let code: Option<String> = r.get(2)?;
                    let number: Option<String> = r.get(3)?;
                    Ok(Registration {
                        id: r.get(0)?,
                        email: r.get(1)?,
                        mobile: code.zip(number),
                    })
                },
            )
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// How many registrations the send phase will take on.
    pub fn count_registrations(&self, run: i64) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM accounts WHERE (status = 'pending' AND run_id = ?1) OR status = 'sending'",
                [run],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Marks a registration in flight, before its request leaves.
    pub fn mark_registering(&self, id: i64) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE accounts SET status = 'sending', attempts = attempts + 1, updated_at = {NOW} WHERE id = ?1"
            ),
            params![id],
        )
    }

    /// Records a registration's outcome: `registered` with the account, else `failed` or
    /// back to `pending` with the error.
    pub fn record_registration(
        &self,
        id: i64,
        status: &str,
        account: Option<(&str, Option<i64>)>,
        error: Option<(Option<i64>, &str)>,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        let (account_id, account_status) = account.unzip();
        let (code, message) = error.unzip();
        self.update(
            &format!(
                "UPDATE accounts SET status = ?2, account_id = COALESCE(?3, account_id),
                    account_status = COALESCE(?4, account_status), error_code = ?5,
                    error_message = ?6, log_id = ?7, updated_at = {NOW} WHERE id = ?1"
            ),
            params![
                id,
                status,
                account_id,
                account_status.flatten(),
                code.flatten(),
                message,
                log_id
            ],
        )
    }

    /// What the ledger holds for a registration key (for the result file).
    pub fn registration_result(
        &self,
        key: &str,
    ) -> Result<Option<RegistrationResult>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT status, account_id, error_code, error_message, log_id FROM accounts WHERE key = ?1",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_row([key], |r| {
            Ok(RegistrationResult {
                status: r.get(0)?,
                account_id: r.get(1)?,
                error_code: r.get(2)?,
                error_message: r.get(3)?,
                log_id: r.get(4)?,
            })
        })
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Records an enable or deactivate and, on success, the account's new status.
    #[allow(clippy::too_many_arguments)]
    pub fn record_account_event(
        &self,
        run: i64,
        account_id: &str,
        action: &str,
        outcome: &str,
        account_status: Option<i64>,
        error: Option<(Option<i64>, &str)>,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        let (code, message) = error.unzip();
        self.conn
            .execute(
                &format!(
                    "INSERT INTO account_events (account_id, action, outcome, error_code, error_message, log_id, at, run_id)
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, {NOW}, ?7)"
                ),
                params![account_id, action, outcome, code.flatten(), message, log_id, run],
            )
            .map_err(|e| self.sql(e))?;
        if let Some(status) = account_status {
            self.conn
                .execute(
                    &format!(
                        "UPDATE accounts SET account_status = ?2, updated_at = {NOW} WHERE account_id = ?1"
                    ),
                    params![account_id, status],
                )
                .map_err(|e| self.sql(e))?;
        }
        Ok(())
    }

    /// Every registered account.
    pub fn registered_accounts(&self) -> Result<Vec<RegisteredAccount>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT account_id, email, mobile_code, mobile_number FROM accounts
                 WHERE status = 'registered' AND account_id IS NOT NULL ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| {
                let code: Option<String> = r.get(2)?;
                let number: Option<String> = r.get(3)?;
                Ok(RegisteredAccount {
                    account_id: r.get(0)?,
                    email: r.get(1)?,
                    mobile: code.zip(number).map(|(c, n)| format!("+{c} {n}")),
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Calls `each` with the body of every imported reward (for `reconcile`).
    pub fn for_each_imported_body(&self, mut each: impl FnMut(&str)) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT body FROM rewards WHERE status IN ('imported', 'conflict') AND body IS NOT NULL")
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let body: String = row.get(0).map_err(|e| self.sql(e))?;
            each(&body);
        }
        Ok(())
    }
}
