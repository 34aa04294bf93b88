//! The ledger's record of referral accounts: each registration row (so a rerun never
//! registers an employee twice) and every enable/deactivate done to an account.

use rusqlite::{OptionalExtension, params};

use super::rewards::limit_param;
use super::{Ledger, LedgerError, NOW};

/// Where one registration stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AccountState {
    /// Planned; Feishu certainly has not registered it.
    Pending,
    /// A registration may have left: in doubt until answered (registering twice returns
    /// the same account, so the next run resends it).
    Sending,
    /// Feishu answered with the account.
    Registered,
    /// Feishu refused it (code and msg kept); resent only with `--retry-failed`.
    Failed,
    /// The file's row broke a rule.
    Invalid,
}

impl AccountState {
    /// Every state.
    pub const ALL: [AccountState; 5] = [
        AccountState::Pending,
        AccountState::Sending,
        AccountState::Registered,
        AccountState::Failed,
        AccountState::Invalid,
    ];

    /// The name stored in the ledger and written to the result file.
    pub fn as_str(self) -> &'static str {
        match self {
            AccountState::Pending => "pending",
            AccountState::Sending => "sending",
            AccountState::Registered => "registered",
            AccountState::Failed => "failed",
            AccountState::Invalid => "invalid",
        }
    }

    /// The state a stored name stands for.
    pub fn parse(name: &str) -> Option<AccountState> {
        AccountState::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// A registration as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownAccount {
    /// Ledger row id.
    pub id: i64,
    /// Its state (None: a state this build does not know).
    pub status: Option<AccountState>,
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
    /// True when an earlier attempt may have been carried out.
    pub in_doubt: bool,
    /// Its line in the file that planned it.
    pub source_line: Option<i64>,
}

/// What the ledger holds for one registration row, for the result file.
#[derive(Debug, Clone, Default)]
pub struct RegistrationResult {
    /// The state as stored.
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
                status: AccountState::parse(&r.get::<_, String>(1)?),
                account_id: r.get(2)?,
            })
        })
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Plans a registration row: `pending` (to send) unless it is already registered, in
    /// doubt, or failed and not retried. Returns the state it is left in.
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
    ) -> Result<Option<AccountState>, LedgerError> {
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
        Ok(self.account(key)?.and_then(|known| known.status))
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

    /// The next registrations after ledger id `after`: in doubt from any run (`None`), or
    /// planned by `run`.
    pub fn next_registrations(
        &self,
        run: Option<i64>,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Registration>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, email, mobile_code, mobile_number, status = 'sending', source_line FROM accounts
                 WHERE id > ?1 AND CASE WHEN ?2 IS NULL THEN status = 'sending'
                                        ELSE status = 'pending' AND run_id = ?2 END
                 ORDER BY id LIMIT ?3",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params![after, run, limit_param(limit)], |r| {
                let code: Option<String> = r.get(2)?;
                let number: Option<String> = r.get(3)?;
                Ok(Registration {
                    id: r.get(0)?,
                    email: r.get(1)?,
                    mobile: code.zip(number),
                    in_doubt: r.get(4)?,
                    source_line: r.get(5)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// How many registrations are in doubt (`None`) or planned by `run`.
    pub fn count_registrations(&self, run: Option<i64>) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM accounts WHERE CASE WHEN ?1 IS NULL THEN status = 'sending'
                                                         ELSE status = 'pending' AND run_id = ?1 END",
                [run],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Marks a registration in flight, before its request leaves.
    pub fn mark_registering(&self, id: i64) -> Result<(), LedgerError> {
        self.update(
            &format!("UPDATE accounts SET status = 'sending', updated_at = {NOW} WHERE id = ?1"),
            params![id],
        )
    }

    /// Records a registration Feishu answered: the account and its status.
    pub fn record_registered(
        &self,
        id: i64,
        account_id: &str,
        account_status: Option<i64>,
        log_id: Option<&str>,
        sent: u32,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE accounts SET status = 'registered', account_id = ?2, account_status = ?3,
                    error_code = NULL, error_message = NULL, log_id = ?4,
                    attempts = attempts + ?5, updated_at = {NOW} WHERE id = ?1"
            ),
            params![id, account_id, account_status, log_id, sent],
        )
    }

    /// Records a registration Feishu refused for good.
    pub fn record_registration_refused(
        &self,
        id: i64,
        code: i64,
        message: &str,
        log_id: Option<&str>,
        sent: u32,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE accounts SET status = 'failed', error_code = ?2, error_message = ?3,
                    log_id = ?4, attempts = attempts + ?5, updated_at = {NOW} WHERE id = ?1"
            ),
            params![id, code, message, log_id, sent],
        )
    }

    /// Records a registration with no definitive answer: `sending` (in doubt) when any
    /// attempt may have been carried out, else back to `pending`.
    pub fn record_registration_unsettled(
        &self,
        id: i64,
        in_doubt: bool,
        error: Option<(Option<i64>, &str, Option<&str>)>,
        sent: u32,
    ) -> Result<(), LedgerError> {
        let status = if in_doubt {
            AccountState::Sending
        } else {
            AccountState::Pending
        };
        let (code, message, log_id) = match error {
            Some((code, message, log_id)) => (code, Some(message), log_id),
            None => (None, None, None),
        };
        self.update(
            &format!(
                "UPDATE accounts SET status = ?2,
                    error_code = CASE WHEN ?6 THEN ?3 ELSE error_code END,
                    error_message = CASE WHEN ?6 THEN ?4 ELSE error_message END,
                    log_id = CASE WHEN ?6 THEN ?5 ELSE log_id END,
                    attempts = attempts + ?7, updated_at = {NOW} WHERE id = ?1"
            ),
            params![
                id,
                status.as_str(),
                code,
                message,
                log_id,
                error.is_some(),
                sent
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
}
