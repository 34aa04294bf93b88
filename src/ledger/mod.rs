//! The ledger: the user's SQLite record of every reward rewardsync has planned, sent and
//! recorded, which makes reruns safe (SPEC §4).
//!
//! A row is marked `sending` and committed before its request leaves; its outcome is
//! committed when the answer arrives. A crash therefore leaves only `sending` rows in doubt,
//! and the next run resends exactly those (safe: external_id is the server's idempotency key).
//! WAL mode with `synchronous=NORMAL`: the last commits may be lost to a power cut, which is
//! tolerable only because every resend is idempotent. No transaction is ever open while a
//! request is in flight: every write here is one short transaction.

mod accounts;
mod lock;
mod rollback;
mod schema;
mod status;
mod worker;

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use thiserror::Error;

pub use accounts::{KnownAccount, RegisteredAccount, Registration, RegistrationResult};
pub use lock::lock_path;
pub use rollback::{Doomed, Selection};
pub use status::Status;
pub use worker::LedgerHandle;

/// What can go wrong with the ledger.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {source}")]
    Open {
        path: String,
        source: rusqlite::Error,
    },
    #[error(
        "{path}: another rewardsync run{pid} is using this ledger; wait for it to finish, or stop it (one run at a time per ledger)"
    )]
    Locked { path: String, pid: String },
    #[error("{path}: cannot take the run lock {lock}: {source}")]
    Lock {
        path: String,
        lock: String,
        source: std::io::Error,
    },
    #[error(
        "{path}: the ledger was written by a newer rewardsync (schema version {found}, this one knows {known}); upgrade rewardsync"
    )]
    Newer {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "{path}: this ledger belongs to {ledger} and this run targets {run}; use another --ledger for this target (a ledger must never mix tenants: rows imported into one would be skipped for the other)"
    )]
    WrongTarget {
        path: String,
        ledger: Target,
        run: Target,
    },
    #[error("{path}: ledger error: {source}")]
    Sqlite {
        path: String,
        source: rusqlite::Error,
    },
    #[error("the ledger's worker thread stopped")]
    WorkerGone,
}

/// The tenant a ledger belongs to: the base URL and app id of its first run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Target {
    /// The API base URL.
    pub base_url: String,
    /// The app id.
    pub app_id: String,
}

impl From<&crate::feishu::Target> for Target {
    fn from(target: &crate::feishu::Target) -> Self {
        Target {
            base_url: target.base_url.clone(),
            app_id: target.app_id.clone(),
        }
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} (app {})", self.base_url, self.app_id)
    }
}

/// What the ledger knows of one external_id, for planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its ledger row id.
    pub id: i64,
    /// Its state.
    pub status: Status,
    /// True when the body recorded (for `imported`/`conflict`: the body the server holds)
    /// has the hash asked about.
    pub same_body: bool,
}

/// A row to record as planned.
#[derive(Debug, Clone)]
pub struct Planned {
    /// The reward's external_id.
    pub external_id: String,
    /// What to record.
    pub change: Change,
    /// Where the row is in the file.
    pub source_file: String,
    /// Its line.
    pub source_line: u64,
}

/// How pass one changes a row's ledger entry.
#[derive(Debug, Clone)]
pub enum Change {
    /// To send: new, or pending/invalid/failed again (`sending` rows keep their body).
    Send {
        /// Canonical JSON body.
        body: String,
        /// Its hash.
        hash: String,
    },
    /// Imported earlier with another body: reported, not sent.
    Conflict {
        /// Hash of the body in the file now.
        changed_hash: String,
    },
    /// A conflict whose row is back to the imported body.
    Resolved,
    /// The row broke a rule; never overwrites `imported`, `conflict` or `sending`.
    Invalid {
        /// The errors, joined.
        errors: String,
    },
}

/// A row to send, as pass two reads it back.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Ledger row id.
    pub id: i64,
    /// The reward's external_id.
    pub external_id: String,
    /// Canonical JSON body.
    pub body: String,
    /// True when an earlier run left it `sending`: in doubt, not merely planned.
    pub in_doubt: bool,
}

/// One row of `export`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub external_id: String,
    pub status: String,
    pub reward_id: Option<String>,
    pub attempts: i64,
    pub error_code: Option<i64>,
    pub error_message: Option<String>,
    pub log_id: Option<String>,
    pub source_file: Option<String>,
    pub source_line: Option<i64>,
    pub body_hash: Option<String>,
    pub run_id: Option<i64>,
    pub created_at: String,
    pub updated_at: String,
}

/// One run, as `status` lists it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    pub id: i64,
    pub command: String,
    pub file: Option<String>,
    pub started_at: String,
    /// None: the run did not finish (crash, kill -9, second Ctrl-C).
    pub ended_at: Option<String>,
    /// Counts by outcome, as the run reported them.
    pub counts: Option<serde_json::Value>,
    pub exit_code: Option<i64>,
}

/// The ledger: one connection, one owner.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: String,
    _lock: Option<lock::RunLock>,
}

const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

impl Ledger {
    /// Opens (creating if needed) and migrates the ledger, holding its run lock until dropped.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let shown = path.display().to_string();
        let lock = lock::acquire(path).map_err(|failure| match failure {
            lock::LockFailure::Held { pid } => LedgerError::Locked {
                path: shown.clone(),
                pid: pid.map(|p| format!(" (pid {p})")).unwrap_or_default(),
            },
            lock::LockFailure::Io(source) => LedgerError::Lock {
                path: shown.clone(),
                lock: lock_path(path).display().to_string(),
                source,
            },
        })?;
        let conn = Connection::open(path).map_err(|source| LedgerError::Open {
            path: shown.clone(),
            source,
        })?;
        let mut ledger = Ledger {
            conn,
            path: shown,
            _lock: Some(lock),
        };
        ledger.prepare()?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read (`status`, `export`, `--dry-run`), without the run
    /// lock, so it works while a run is going on. `None` when there is no ledger yet.
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        if !path.exists() {
            return Ok(None);
        }
        let shown = path.display().to_string();
        let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(
            |source| LedgerError::Open {
                path: shown.clone(),
                source,
            },
        )?;
        let ledger = Ledger {
            conn,
            path: shown,
            _lock: None,
        };
        let version: i64 = ledger
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
            .map_err(|e| ledger.sql(e))?;
        if version > schema::VERSION {
            return Err(LedgerError::Newer {
                path: ledger.path,
                found: version,
                known: schema::VERSION,
            });
        }
        if version < schema::VERSION {
            // An older ledger is migrated by the next run, not by a reader.
            return Err(ledger.sql(rusqlite::Error::InvalidQuery));
        }
        Ok(Some(ledger))
    }

    fn prepare(&mut self) -> Result<(), LedgerError> {
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.sql(e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.sql(e))?;
        match schema::migrate(&mut self.conn).map_err(|e| self.sql(e))? {
            schema::Migrated::Current => Ok(()),
            schema::Migrated::Newer(found) => Err(LedgerError::Newer {
                path: self.path.clone(),
                found,
                known: schema::VERSION,
            }),
        }
    }

    fn sql(&self, source: rusqlite::Error) -> LedgerError {
        LedgerError::Sqlite {
            path: self.path.clone(),
            source,
        }
    }

    /// The ledger's file, as shown in messages.
    pub fn path(&self) -> &str {
        &self.path
    }

    /// The tenant the ledger belongs to, once a run has pinned it.
    pub fn target(&self) -> Result<Option<Target>, LedgerError> {
        self.conn
            .query_row(
                "SELECT base_url, app_id FROM target WHERE id = 1",
                [],
                |r| {
                    Ok(Target {
                        base_url: r.get(0)?,
                        app_id: r.get(1)?,
                    })
                },
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Pins the target on first use; refuses a run against another one.
    pub fn pin_target(&self, target: &Target) -> Result<(), LedgerError> {
        match self.target()? {
            Some(pinned) if &pinned == target => Ok(()),
            Some(pinned) => Err(LedgerError::WrongTarget {
                path: self.path.clone(),
                ledger: pinned,
                run: target.clone(),
            }),
            None => {
                self.conn
                    .execute(
                        &format!(
                            "INSERT INTO target (id, base_url, app_id, pinned_at) VALUES (1, ?1, ?2, {NOW})"
                        ),
                        params![target.base_url, target.app_id],
                    )
                    .map_err(|e| self.sql(e))?;
                Ok(())
            }
        }
    }

    /// Records the start of a run; returns its id.
    pub fn begin_run(&self, command: &str, file: Option<&str>) -> Result<i64, LedgerError> {
        self.conn
            .execute(
                &format!("INSERT INTO runs (command, file, started_at) VALUES (?1, ?2, {NOW})"),
                params![command, file],
            )
            .map_err(|e| self.sql(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the end of a run with its counts and exit code.
    pub fn end_run(
        &self,
        run: i64,
        counts: &serde_json::Value,
        exit_code: i32,
    ) -> Result<(), LedgerError> {
        self.conn
            .execute(
                &format!(
                    "UPDATE runs SET ended_at = {NOW}, counts = ?2, exit_code = ?3 WHERE id = ?1"
                ),
                params![run, counts.to_string(), exit_code],
            )
            .map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// What the ledger knows of an external_id, and whether its recorded body hash is
    /// `hash`. One descent of a covering index: planning a million-row rerun is a million
    /// of these.
    pub fn lookup(&self, external_id: &str, hash: &str) -> Result<Option<Known>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, status, body_hash IS ?2 FROM rewards INDEXED BY rewards_lookup
                 WHERE external_id = ?1",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_row([external_id, hash], |r| {
            let status: String = r.get(1)?;
            Ok((r.get(0)?, status, r.get(2)?))
        })
        .optional()
        .map_err(|e| self.sql(e))?
        .map(|(id, status, same_body): (i64, String, bool)| {
            let status = status
                .parse()
                .map_err(|_| self.sql(rusqlite::Error::InvalidColumnName(status)))?;
            Ok(Known {
                id,
                status,
                same_body,
            })
        })
        .transpose()
    }

    /// [`Ledger::lookup`] for many rows at once, inside one read transaction: in WAL mode
    /// each lone query takes and releases its own read lock, which costs more system time
    /// than the lookup itself. Returns one answer per `(external_id, hash)`, in order.
    pub fn lookup_all(&self, rows: &[(&str, &str)]) -> Result<Vec<Option<Known>>, LedgerError> {
        let read = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        let known = rows
            .iter()
            .map(|(external_id, hash)| self.lookup(external_id, hash))
            .collect::<Result<Vec<_>, _>>()?;
        read.commit().map_err(|e| self.sql(e))?;
        Ok(known)
    }

    /// A `failed` row's refusal in words (`code C: msg (log id L)`), for the errors file.
    pub fn failure(&self, external_id: &str) -> Result<Option<String>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT error_code, error_message, log_id FROM rewards
                 WHERE external_id = ?1 AND status = 'failed'",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_row([external_id], |r| {
            let code: Option<i64> = r.get(0)?;
            let message: Option<String> = r.get(1)?;
            let log_id: Option<String> = r.get(2)?;
            let mut text = match code {
                Some(code) => format!("refused by Feishu: code {code}: "),
                None => "refused: ".to_owned(),
            };
            text.push_str(message.as_deref().unwrap_or(""));
            if let Some(log_id) = log_id {
                text.push_str(&format!(" (log id {log_id})"));
            }
            Ok(text)
        })
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Records a batch of planned rows in one transaction.
    pub fn apply_plan(&mut self, run: i64, batch: &[Planned]) -> Result<(), LedgerError> {
        let path = self.path.clone();
        let sql = |source| LedgerError::Sqlite {
            path: path.clone(),
            source,
        };
        let tx = self.conn.transaction().map_err(sql)?;
        {
            let mut send = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, body, body_hash, source_file, source_line, run_id, created_at, updated_at)
                     VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO UPDATE SET
                        body = CASE WHEN status = 'sending' THEN body ELSE excluded.body END,
                        body_hash = CASE WHEN status = 'sending' THEN body_hash ELSE excluded.body_hash END,
                        status = CASE WHEN status = 'sending' THEN 'sending' ELSE 'pending' END,
                        error_code = NULL, error_message = NULL,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'sending', 'invalid', 'failed', 'deleted')"
                ))
                .map_err(sql)?;
            let mut conflict = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET status = 'conflict', changed_hash = ?2, source_file = ?3,
                        source_line = ?4, run_id = ?5, updated_at = {NOW}
                     WHERE external_id = ?1 AND status IN ('imported', 'conflict')"
                ))
                .map_err(sql)?;
            let mut resolved = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET status = 'imported', changed_hash = NULL, run_id = ?2,
                        updated_at = {NOW}
                     WHERE external_id = ?1 AND status = 'conflict'"
                ))
                .map_err(sql)?;
            let mut invalid = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, error_message, source_file, source_line, run_id, created_at, updated_at)
                     VALUES (?1, 'invalid', ?2, ?3, ?4, ?5, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO UPDATE SET
                        status = 'invalid', error_code = NULL, error_message = excluded.error_message,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'invalid', 'failed', 'deleted')"
                ))
                .map_err(sql)?;
            for row in batch {
                let line = i64::try_from(row.source_line).unwrap_or(i64::MAX);
                match &row.change {
                    Change::Send { body, hash } => send.execute(params![
                        row.external_id,
                        body,
                        hash,
                        row.source_file,
                        line,
                        run
                    ]),
                    Change::Conflict { changed_hash } => conflict.execute(params![
                        row.external_id,
                        changed_hash,
                        row.source_file,
                        line,
                        run
                    ]),
                    Change::Resolved => resolved.execute(params![row.external_id, run]),
                    Change::Invalid { errors } => invalid.execute(params![
                        row.external_id,
                        errors,
                        row.source_file,
                        line,
                        run
                    ]),
                }
                .map_err(sql)?;
            }
        }
        tx.commit().map_err(sql)
    }

    /// The next rows to send, after ledger id `after`: this run's `pending` rows, and every
    /// `sending` row of any run (in doubt since a crash: resent to learn their outcome).
    ///
    /// Two queries, each walking its own index in id order and stopping at `limit`, merged:
    /// one query with `OR` makes SQLite collect and sort every remaining row for each page,
    /// which is quadratic over a million-row send.
    pub fn next_to_send(
        &self,
        run: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Outgoing>, LedgerError> {
        let limit = i64::try_from(limit).unwrap_or(i64::MAX);
        let mut rows = self.outgoing(
            "SELECT id, external_id, body, 0 FROM rewards INDEXED BY rewards_by_run
             WHERE run_id = ?1 AND status = 'pending' AND id > ?2 AND body IS NOT NULL
             ORDER BY id LIMIT ?3",
            params![run, after, limit],
        )?;
        rows.extend(self.outgoing(
            "SELECT id, external_id, body, 1 FROM rewards INDEXED BY rewards_by_status
             WHERE status = 'sending' AND id > ?1 AND body IS NOT NULL
             ORDER BY id LIMIT ?2",
            params![after, limit],
        )?);
        rows.sort_by_key(|row| row.id);
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        Ok(rows)
    }

    fn outgoing(
        &self,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> Result<Vec<Outgoing>, LedgerError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(params, |r| {
                Ok(Outgoing {
                    id: r.get(0)?,
                    external_id: r.get(1)?,
                    body: r.get(2)?,
                    in_doubt: r.get(3)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// How many rows the send phase will send (see [`Ledger::next_to_send`]).
    pub fn count_to_send(&self, run: i64) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM rewards WHERE body IS NOT NULL
                   AND ((status = 'pending' AND run_id = ?1) OR status = 'sending')",
                [run],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// Marks a row `sending` (one more attempt) before its request leaves.
    pub fn mark_sending(&self, id: i64, run: i64) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'sending', attempts = attempts + 1, run_id = ?2, updated_at = {NOW} WHERE id = ?1"
            ),
            params![id, run],
        )
    }

    /// Puts a row marked `sending` back to `pending` when its request never left (the run
    /// stopped while it waited for a slot), leaving any earlier error as it was.
    pub fn unmark_sending(&self, id: i64) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'pending', attempts = attempts - 1, updated_at = {NOW}
                 WHERE id = ?1 AND status = 'sending'"
            ),
            params![id],
        )
    }

    /// Records the server's reward id.
    pub fn record_imported(
        &self,
        id: i64,
        reward_id: &str,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'imported', reward_id = ?2, log_id = ?3, error_code = NULL,
                    error_message = NULL, changed_hash = NULL, imported_by_run = run_id,
                    updated_at = {NOW} WHERE id = ?1"
            ),
            params![id, reward_id, log_id],
        )
    }

    /// Records a permanent refusal.
    pub fn record_failed(
        &self,
        id: i64,
        code: Option<i64>,
        message: &str,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.record_outcome(id, Status::Failed, code, message, log_id)
    }

    /// Puts a row back to `pending` with the last error: its retry budget ran out, or the
    /// run stopped before its answer meant anything. The next run sends it again.
    pub fn record_pending(
        &self,
        id: i64,
        code: Option<i64>,
        message: &str,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.record_outcome(id, Status::Pending, code, message, log_id)
    }

    fn record_outcome(
        &self,
        id: i64,
        status: Status,
        code: Option<i64>,
        message: &str,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = ?2, error_code = ?3, error_message = ?4, log_id = ?5,
                    updated_at = {NOW} WHERE id = ?1"
            ),
            params![id, status.as_str(), code, message, log_id],
        )
    }

    fn update(&self, sql: &str, params: impl rusqlite::Params) -> Result<(), LedgerError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        stmt.execute(params).map_err(|e| self.sql(e))?;
        Ok(())
    }

    /// Rows per state (every state present, zero included).
    pub fn counts(&self) -> Result<BTreeMap<Status, u64>, LedgerError> {
        let mut counts: BTreeMap<Status, u64> = Status::ALL.into_iter().map(|s| (s, 0)).collect();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM rewards GROUP BY status")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let (status, n) = row.map_err(|e| self.sql(e))?;
            if let Ok(status) = status.parse() {
                counts.insert(status, n);
            }
        }
        Ok(counts)
    }

    /// The last runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<Run>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, command, file, started_at, ended_at, counts, exit_code FROM runs
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| {
                let counts: Option<String> = r.get(5)?;
                Ok(Run {
                    id: r.get(0)?,
                    command: r.get(1)?,
                    file: r.get(2)?,
                    started_at: r.get(3)?,
                    ended_at: r.get(4)?,
                    counts: counts.and_then(|c| serde_json::from_str(&c).ok()),
                    exit_code: r.get(6)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Calls `each` for every row in a state (all rows with `None`), in ledger order.
    pub fn for_each_entry(
        &self,
        status: Option<Status>,
        mut each: impl FnMut(&Entry) -> Result<(), std::io::Error>,
    ) -> Result<Result<(), std::io::Error>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT external_id, status, reward_id, attempts, error_code, error_message, log_id,
                        source_file, source_line, body_hash, run_id, created_at, updated_at
                 FROM rewards WHERE ?1 IS NULL OR status = ?1 ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt
            .query([status.map(Status::as_str)])
            .map_err(|e| self.sql(e))?;
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let entry = (|| -> rusqlite::Result<Entry> {
                Ok(Entry {
                    external_id: r.get(0)?,
                    status: r.get(1)?,
                    reward_id: r.get(2)?,
                    attempts: r.get(3)?,
                    error_code: r.get(4)?,
                    error_message: r.get(5)?,
                    log_id: r.get(6)?,
                    source_file: r.get(7)?,
                    source_line: r.get(8)?,
                    body_hash: r.get(9)?,
                    run_id: r.get(10)?,
                    created_at: r.get(11)?,
                    updated_at: r.get(12)?,
                })
            })()
            .map_err(|e| self.sql(e))?;
            if let Err(e) = each(&entry) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn planned(external_id: &str, change: Change) -> Planned {
        Planned {
            external_id: external_id.into(),
            change,
            source_file: "f.csv".into(),
            source_line: 2,
        }
    }

    fn send(body: &str) -> Change {
        Change::Send {
            body: body.into(),
            hash: format!("h-{body}"),
        }
    }

    #[test]
    fn second_open_is_refused_while_the_first_holds_the_lock() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.db");
        let first = Ledger::open(&path).unwrap();
        let err = Ledger::open(&path).unwrap_err().to_string();
        assert!(err.contains("another rewardsync run (pid "), "{err}");
        drop(first);
        Ledger::open(&path).unwrap();
    }

    #[test]
    fn target_is_pinned_on_first_use() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let sandbox = Target {
            base_url: "http://127.0.0.1:8787".into(),
            app_id: "cli_sandbox".into(),
        };
        ledger.pin_target(&sandbox).unwrap();
        ledger.pin_target(&sandbox).unwrap();
        let real = Target {
            base_url: "https://open.feishu.cn".into(),
            app_id: "cli_real".into(),
        };
        let err = ledger.pin_target(&real).unwrap_err().to_string();
        assert!(
            err.contains("belongs to http://127.0.0.1:8787 (app cli_sandbox) and this run targets https://open.feishu.cn (app cli_real)"),
            "{err}"
        );
    }

    #[test]
    fn states_move_as_the_rules_say() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let run = ledger.begin_run("import", Some("f.csv")).unwrap();
        ledger
            .apply_plan(run, &[planned("a", send("A")), planned("b", send("B"))])
            .unwrap();
        let out = ledger.next_to_send(run, 0, 10).unwrap();
        assert_eq!(out.len(), 2);
        ledger.mark_sending(out[0].id, run).unwrap();
        ledger
            .record_imported(out[0].id, "r1", Some("log"))
            .unwrap();
        ledger.mark_sending(out[1].id, run).unwrap();
        // A crash here leaves b in doubt: the next run resends it with its recorded body.
        let run2 = ledger.begin_run("import", Some("f.csv")).unwrap();
        ledger
            .apply_plan(run2, &[planned("b", send("B2"))])
            .unwrap();
        let out = ledger.next_to_send(run2, 0, 10).unwrap();
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].body, "B");
        // An imported row is never overwritten by an invalid one, and a changed one conflicts.
        ledger
            .apply_plan(
                run2,
                &[
                    planned("a", Change::Invalid { errors: "x".into() }),
                    planned(
                        "a",
                        Change::Conflict {
                            changed_hash: "h-A2".into(),
                        },
                    ),
                ],
            )
            .unwrap();
        let known = ledger.lookup("a", "h-A").unwrap().unwrap();
        assert_eq!(known.status, Status::Conflict);
        assert!(
            known.same_body,
            "the imported body is kept, not the changed one"
        );
        ledger
            .apply_plan(run2, &[planned("a", Change::Resolved)])
            .unwrap();
        assert_eq!(
            ledger.lookup("a", "h-A").unwrap().unwrap().status,
            Status::Imported
        );
        let counts = ledger.counts().unwrap();
        assert_eq!(counts[&Status::Imported], 1);
        assert_eq!(counts[&Status::Sending], 1);
        assert_eq!(counts[&Status::Failed], 0);
    }
}
