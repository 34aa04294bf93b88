//! The ledger: the user's SQLite record of every reward rewardsync has planned, sent and
//! recorded, which makes reruns safe (SPEC §4).
//!
//! A row is marked `sending` and committed before its request leaves; its outcome is
//! committed when the answer arrives; once an attempt has left, the row stays `sending`
//! (in doubt) until a definitive answer. A crash therefore leaves only in-doubt rows, and
//! the next run settles exactly those (safe: external_id is the server's idempotency key).
//! WAL mode with `synchronous=NORMAL`: the last commits may be lost to a power cut, which is
//! tolerable only because every resend is idempotent. No transaction is ever open while a
//! request is in flight: every write here is one short transaction.
//!
//! The module is split by concern: opening and the tenant here, [`schema`] (migrations),
//! [`lock`] (one run per ledger file), `runs` (runs and pacing), `rewards` (the import's
//! rows), `elsewhere` (where a row invalid in one file was imported from), `rollback` and
//! `accounts`, and the [`LedgerHandle`] worker thread.

mod accounts;
mod elsewhere;
mod lock;
mod people;
mod revisions;
mod rewards;
mod rollback;
mod runs;
mod schema;
mod status;
mod worker;

use std::path::Path;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use serde::Serialize;
use thiserror::Error;

pub use accounts::{
    AccountState, KnownAccount, RegisteredAccount, Registration, RegistrationResult,
};
pub use elsewhere::ImportedFrom;
pub use people::{Directory, FoundPerson, PersonKey};
pub use revisions::{RevisionCounts, revision_id};
pub use rewards::{Change, Entry, Known, Outgoing, Planned, Refusal, Settled, StateCounts, at};
pub use rollback::{Doomed, Selection};
pub use runs::{Run, RunKind};
pub use status::Status;
pub use worker::{LedgerHandle, Pending};

/// What can go wrong with the ledger.
#[derive(Debug, Error)]
pub enum LedgerError {
    #[error("{path}: cannot open the ledger: {detail}")]
    Open { path: String, detail: String },
    #[error(
        "{path}: is a directory; --ledger names the ledger file itself (e.g. {path}/rewardsync.db)"
    )]
    IsDirectory { path: String },
    #[error(
        "{path}: another rewardsync run{holder} is using this ledger; wait for it to finish, or stop it (one run at a time per ledger file, whatever name or link it is reached by)"
    )]
    Locked { path: String, holder: String },
    #[error(
        "{path}: the ledger was written by a newer rewardsync (schema version {found}, this one knows up to {known}); upgrade rewardsync"
    )]
    Newer {
        path: String,
        found: i64,
        known: i64,
    },
    #[error(
        "{path}: not a rewardsync ledger: {what}; pass --ledger PATH of a ledger rewardsync wrote, or a new file name"
    )]
    NotALedger { path: String, what: String },
    #[error(
        "{path}: this ledger belongs to {ledger} and this run targets {run}; use another --ledger for this target (a ledger must never mix tenants: rows imported into one would be skipped for the other)"
    )]
    WrongTarget {
        path: String,
        ledger: Target,
        run: Target,
    },
    #[error("{path}: cannot write the ledger: {detail}")]
    Write { path: String, detail: String },
    /// A ledger that exists but cannot be read where it is, and why.
    #[error("{path}: cannot read the ledger: {why}; {advice}")]
    CannotRead {
        path: String,
        /// What stands in the way.
        why: String,
        /// What to do.
        advice: String,
    },
    #[error("{path}: ledger error: {detail}")]
    Sqlite { path: String, detail: String },
    #[error("the ledger's worker thread stopped")]
    WorkerGone,
}

impl LedgerError {
    /// True when the ledger could not be written (disk full, permissions, I/O): a local
    /// failure, exit 4 once a run has started.
    pub fn is_write_failure(&self) -> bool {
        matches!(self, LedgerError::Write { .. } | LedgerError::WorkerGone)
    }
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

/// The ledger: one connection, one owner.
#[derive(Debug)]
pub struct Ledger {
    // Declared before the lock: the connection must close before the lock's file handle
    // does (closing any handle of a file drops the process's POSIX locks on it).
    conn: Connection,
    path: String,
    _lock: Option<lock::RunLock>,
}

/// SQLite's "now" as stored in every timestamp column.
const NOW: &str = "strftime('%Y-%m-%dT%H:%M:%fZ','now')";

impl Ledger {
    /// Opens (creating if needed) and migrates the ledger, holding its run lock until dropped.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let shown = path.display().to_string();
        let lock = lock::acquire(path).map_err(|failure| match failure {
            lock::LockFailure::Held => LedgerError::Locked {
                holder: holder(path),
                path: shown.clone(),
            },
            lock::LockFailure::IsDirectory => LedgerError::IsDirectory {
                path: shown.clone(),
            },
            lock::LockFailure::Io(source) if source.kind() == std::io::ErrorKind::NotFound => {
                LedgerError::Open {
                    path: shown.clone(),
                    detail: format!(
                        "its directory {} does not exist; create it, or pass --ledger PATH in a directory that exists",
                        path.parent()
                            .filter(|p| !p.as_os_str().is_empty())
                            .unwrap_or(Path::new("."))
                            .display()
                    ),
                }
            }
            lock::LockFailure::Io(source) => LedgerError::Open {
                path: shown.clone(),
                detail: io_detail(&source),
            },
        })?;
        if lock.links() > 1 {
            // SQLite keeps its write-ahead log beside the name it was opened by: after a
            // crash, another name would not see the last commits.
            eprintln!(
                "rewardsync: warning: {shown} has {} hard links; always reach the ledger by the same name",
                lock.links()
            );
        }
        let conn = Connection::open(path).map_err(|source| LedgerError::Open {
            path: shown.clone(),
            detail: sqlite_detail(&source),
        })?;
        let mut ledger = Ledger {
            conn,
            path: shown,
            _lock: Some(lock),
        };
        ledger.prepare()?;
        Ok(ledger)
    }

    /// Opens an existing ledger to read (`status`, `runs`, `export`, dry runs), without the
    /// run lock, so it works while a run is going on. `None` when there is no ledger yet.
    /// A ledger of an older schema is migrated first (which takes the run lock briefly).
    /// A ledger where its user cannot write (a read-only file system, a directory of
    /// another user) is read too, when that can be done faithfully (see [`Ledger::without_log`]).
    pub fn open_read_only(path: &Path) -> Result<Option<Ledger>, LedgerError> {
        let shown = path.display().to_string();
        match std::fs::metadata(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => {
                return Err(LedgerError::Open {
                    path: shown,
                    detail: io_detail(&e),
                });
            }
            Ok(meta) if meta.is_dir() => return Err(LedgerError::IsDirectory { path: shown }),
            Ok(_) => {}
        }
        let mut ledger = Ledger::reader(path, false)?;
        let version = match ledger.user_version() {
            Ok(version) => version,
            Err(e) if is_log_unavailable(&e) => {
                drop(ledger);
                ledger = Ledger::without_log(path, &e)?;
                ledger.schema_version()?
            }
            Err(e) => return Err(ledger.not_a_ledger_because(&e)),
        };
        match version {
            version if version == schema::VERSION => Ok(Some(ledger)),
            found if found > schema::VERSION => Err(LedgerError::Newer {
                path: ledger.path,
                found,
                known: schema::VERSION,
            }),
            0 => Err(ledger.not_a_ledger()?),
            found => {
                drop(ledger);
                // An older ledger: bring it up to date (under the run lock), then read it.
                drop(Ledger::open(path).map_err(|e| match e {
                    LedgerError::Open { path, detail } | LedgerError::Write { path, detail } => {
                        LedgerError::CannotRead {
                            path,
                            why: format!(
                                "it was written by an older rewardsync (schema version {found}; this one reads {}), and bringing it up to date needs writing it ({detail})",
                                schema::VERSION
                            ),
                            advice: "run rewardsync once where the ledger can be written (`rewardsync status` is enough), or read it with the rewardsync that wrote it".into(),
                        }
                    }
                    other => other,
                })?);
                Ledger::open_read_only(path)
            }
        }
    }

    /// A connection that only reads; `immutable` reads the ledger file alone, without
    /// SQLite's locks and write-ahead log (see [`Ledger::without_log`]).
    fn reader(path: &Path, immutable: bool) -> Result<Ledger, LedgerError> {
        let shown = path.display().to_string();
        let flags = OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = if immutable {
            Connection::open_with_flags(immutable_uri(path), flags | OpenFlags::SQLITE_OPEN_URI)
        } else {
            Connection::open_with_flags(path, flags)
        }
        .map_err(|source| LedgerError::Open {
            path: shown.clone(),
            detail: sqlite_detail(&source),
        })?;
        Ok(Ledger {
            conn,
            path: shown,
            _lock: None,
        })
    }

    /// Reads a ledger whose write-ahead log SQLite could not open (`failed`): a reader of
    /// a WAL database needs the log's index (`-shm`) and creates it, and the log, when they
    /// are missing, which a read-only file system or a directory of another user forbids.
    ///
    /// When the log holds nothing (no `-wal` file, or an empty one: the last connection
    /// folded it into the ledger file and removed it, as every clean end of a run does),
    /// the ledger file alone is the whole ledger, and it is read with `immutable=1`: no
    /// locks, no log. That is faithful as long as nothing writes the ledger meanwhile,
    /// which only someone allowed to write its directory could, and whose run would leave
    /// the file itself alone until its first checkpoint. When the log holds commits, they
    /// cannot be read without the index, and reading the file alone would show the ledger
    /// as it was before them: refused, saying why and what to do.
    fn without_log(path: &Path, failed: &rusqlite::Error) -> Result<Ledger, LedgerError> {
        let shown = path.display().to_string();
        if let Err(e) = std::fs::File::open(path) {
            return Err(LedgerError::Open {
                path: shown,
                detail: format!(
                    "{}; make the ledger file readable by the user running rewardsync",
                    io_detail(&e)
                ),
            });
        }
        // SQLite keeps the log beside the file a symbolic link names.
        let file = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
        let beside = |suffix: &str| {
            let mut name = file.clone().into_os_string();
            name.push(suffix);
            std::path::PathBuf::from(name)
        };
        let dir = match file.parent() {
            Some(dir) if !dir.as_os_str().is_empty() => dir,
            _ => Path::new("."),
        };
        // Why the log's files cannot be made: the directory refuses a new file.
        let Err(refused) = tempfile::Builder::new()
            .prefix(".rewardsync-probe")
            .tempfile_in(dir)
        else {
            // The directory takes new files: the log is not what failed.
            return Err(LedgerError::Open {
                path: shown,
                detail: sqlite_detail(failed),
            });
        };
        let (wal, shm) = (beside("-wal"), beside("-shm"));
        let logged = std::fs::metadata(&wal).is_ok_and(|m| m.len() > 0);
        if logged {
            return Err(LedgerError::CannotRead {
                path: shown,
                why: format!(
                    "its write-ahead log {} holds commits that are not in the ledger file yet, and SQLite cannot create the log's index {} beside it to read them (in {}: {})",
                    wal.display(),
                    shm.display(),
                    dir.display(),
                    io_detail(&refused)
                ),
                advice: format!(
                    "run rewardsync as a user who can write {}, or copy the ledger and its -wal file together into a directory you can write and pass that copy with --ledger",
                    dir.display()
                ),
            });
        }
        tracing::debug!(
            ledger = %shown,
            reason = %io_detail(&refused),
            "the ledger's directory takes no new file: reading the ledger file alone (immutable), its log being empty"
        );
        Ledger::reader(path, true)
    }

    /// The schema version, as SQLite answers it.
    fn user_version(&self) -> rusqlite::Result<i64> {
        self.conn
            .pragma_query_value(None, "user_version", |r| r.get(0))
    }

    fn schema_version(&self) -> Result<i64, LedgerError> {
        self.user_version()
            .map_err(|e| self.not_a_ledger_because(&e))
    }

    /// The error for a file that has no rewardsync schema.
    fn not_a_ledger(&self) -> Result<LedgerError, LedgerError> {
        let tables = self.tables()?;
        Ok(match tables.is_empty() {
            true => LedgerError::NotALedger {
                path: self.path.clone(),
                what: "the file is empty (no schema)".to_owned(),
            },
            false => self.foreign(&tables),
        })
    }

    /// The tables of the database, by name.
    fn tables(&self) -> Result<Vec<String>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .map_err(|e| self.not_a_ledger_because(&e))?;
        let names = stmt
            .query_map([], |r| r.get(0))
            .map_err(|e| self.not_a_ledger_because(&e))?;
        names
            .collect::<Result<_, _>>()
            .map_err(|e| self.not_a_ledger_because(&e))
    }

    /// The error for a SQLite database of another program's: its `tables`.
    fn foreign(&self, tables: &[String]) -> LedgerError {
        LedgerError::NotALedger {
            path: self.path.clone(),
            what: format!(
                "it is a SQLite database with other tables ({})",
                crate::text::list(tables, 5)
            ),
        }
    }

    fn not_a_ledger_because(&self, e: &rusqlite::Error) -> LedgerError {
        LedgerError::NotALedger {
            path: self.path.clone(),
            what: sqlite_detail(e),
        }
    }

    fn prepare(&mut self) -> Result<(), LedgerError> {
        let version = self.schema_version()?;
        let empty_file = std::fs::metadata(&self.path).map_or(true, |m| m.len() == 0);
        if version == 0 && !empty_file {
            // A database that rewardsync did not create: never add tables to it.
            let tables = self.tables()?;
            if !tables.is_empty() {
                return Err(self.foreign(&tables));
            }
        }
        self.conn
            .busy_timeout(std::time::Duration::from_secs(5))
            .map_err(|e| self.open_error(&e))?;
        self.conn
            .pragma_update(None, "journal_mode", "WAL")
            .map_err(|e| self.open_error(&e))?;
        self.conn
            .pragma_update(None, "synchronous", "NORMAL")
            .map_err(|e| self.open_error(&e))?;
        self.conn
            .pragma_update(None, "foreign_keys", "ON")
            .map_err(|e| self.open_error(&e))?;
        match schema::migrate(&mut self.conn).map_err(|e| self.open_error(&e))? {
            schema::Migrated::Current => Ok(()),
            schema::Migrated::Newer(found) => Err(LedgerError::Newer {
                path: self.path.clone(),
                found,
                known: schema::VERSION,
            }),
        }
    }

    fn open_error(&self, e: &rusqlite::Error) -> LedgerError {
        if is_write_error(e) {
            return sql_error(&self.path, e);
        }
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::NotADatabase) => self.not_a_ledger_because(e),
            _ => LedgerError::Open {
                path: self.path.clone(),
                detail: sqlite_detail(e),
            },
        }
    }

    /// The error for a failed statement (see [`sql_error`]).
    fn sql(&self, source: rusqlite::Error) -> LedgerError {
        sql_error(&self.path, &source)
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

    /// Refuses a ledger of another tenant without pinning one (dry runs write nothing).
    pub fn check_target(&self, target: &Target) -> Result<(), LedgerError> {
        match self.target()? {
            Some(pinned) if &pinned != target => Err(LedgerError::WrongTarget {
                path: self.path.clone(),
                ledger: pinned,
                run: target.clone(),
            }),
            _ => Ok(()),
        }
    }

    /// Runs one statement that changes rows.
    fn update(&self, sql: &str, params: impl rusqlite::Params) -> Result<(), LedgerError> {
        let mut stmt = self.conn.prepare_cached(sql).map_err(|e| self.sql(e))?;
        stmt.execute(params).map_err(|e| self.sql(e))?;
        Ok(())
    }
}

/// Who holds a ledger's run lock, for the message a second run prints: the newest run
/// that has not ended, read without any lock. Best effort: empty when unknown.
fn holder(path: &Path) -> String {
    let read = || -> Option<String> {
        // Through another hard link SQLite would look for its log beside the wrong name.
        if lock::links(path) > 1 {
            return None;
        }
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .ok()?;
        conn.query_row(
            "SELECT id, command, started_at, pid FROM runs WHERE ended_at IS NULL ORDER BY id DESC LIMIT 1",
            [],
            |r| {
                let id: i64 = r.get(0)?;
                let command: String = r.get(1)?;
                let started: String = r.get(2)?;
                let pid: Option<i64> = r.get(3)?;
                Ok(match pid {
                    Some(pid) => format!(" (pid {pid}: run #{id}, {command}, started {started})"),
                    None => format!(" (run #{id}, {command}, started {started})"),
                })
            },
        )
        .ok()
    };
    read().unwrap_or_default()
}

/// The error for a failed statement: a failed write (disk full, read-only file, I/O) is
/// told apart, so that it ends a run with exit 4.
fn sql_error(path: &str, source: &rusqlite::Error) -> LedgerError {
    let detail = sqlite_detail(source);
    if is_write_error(source) {
        LedgerError::Write {
            path: path.to_owned(),
            detail,
        }
    } else {
        LedgerError::Sqlite {
            path: path.to_owned(),
            detail,
        }
    }
}

/// True for the errors SQLite gives a reader that cannot open or create a WAL database's
/// log or its index (`SQLITE_CANTOPEN`, `SQLITE_READONLY_DIRECTORY`, `…_CANTINIT`).
fn is_log_unavailable(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::*;
    matches!(e.sqlite_error_code(), Some(CannotOpen | ReadOnly))
}

/// The `file:` URI that opens `path` read-only and immutable (bytes other than letters,
/// digits and `/-._~` percent-encoded, as SQLite's URI rules ask).
fn immutable_uri(path: &Path) -> String {
    let absolute = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_owned());
    let mut uri = String::from("file:");
    for &byte in absolute.as_os_str().as_encoded_bytes() {
        if byte.is_ascii_alphanumeric() || b"/-._~".contains(&byte) {
            uri.push(char::from(byte));
        } else {
            uri.push_str(&format!("%{byte:02X}"));
        }
    }
    uri.push_str("?immutable=1");
    uri
}

/// True for the SQLite errors that mean the file could not be written.
fn is_write_error(e: &rusqlite::Error) -> bool {
    use rusqlite::ErrorCode::*;
    matches!(
        e.sqlite_error_code(),
        Some(DiskFull | ReadOnly | SystemIoFailure | CannotOpen | PermissionDenied)
    )
}

/// A SQLite error in words, once (rusqlite repeats the code name and the message).
fn sqlite_detail(e: &rusqlite::Error) -> String {
    match e {
        rusqlite::Error::SqliteFailure(code, Some(message)) => {
            let mut text = message.clone();
            if code.code == rusqlite::ErrorCode::DiskFull {
                text.push_str(" (the disk is full)");
            }
            text
        }
        other => other.to_string(),
    }
}

/// An OS error in words, without the "(os error N)" tail the message already implies.
fn io_detail(e: &std::io::Error) -> String {
    crate::text::io_error(e)
}

#[cfg(test)]
mod tests;
