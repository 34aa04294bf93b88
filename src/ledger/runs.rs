//! The runs table (one row per command run: file, start, end, counts, exit code) and the
//! pacing table (when each endpoint family last sent, so that a run started right after
//! another does not begin with a 429).

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Ledger, LedgerError, NOW, sql_error};
use crate::feishu::Family;

/// What a run did: the commands that write runs, as the runs table names them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunKind {
    Import,
    Rollback,
    AccountsRegister,
    AccountsEnable,
    AccountsDeactivate,
}

impl RunKind {
    /// Every kind.
    pub const ALL: [RunKind; 5] = [
        RunKind::Import,
        RunKind::Rollback,
        RunKind::AccountsRegister,
        RunKind::AccountsEnable,
        RunKind::AccountsDeactivate,
    ];

    /// The command's name, as the runs table stores it and summaries show it.
    pub fn name(self) -> &'static str {
        match self {
            RunKind::Import => "import",
            RunKind::Rollback => "rollback",
            RunKind::AccountsRegister => "accounts register",
            RunKind::AccountsEnable => "accounts enable",
            RunKind::AccountsDeactivate => "accounts deactivate",
        }
    }
}

/// One run, as `status` and `runs` list it.
#[derive(Debug, Clone, Serialize)]
pub struct Run {
    /// Its id (`rollback --run` takes it).
    pub id: i64,
    /// `import`, `rollback`, `accounts register`, …
    pub command: String,
    /// The file it read, if any.
    pub file: Option<String>,
    /// When it started (UTC).
    pub started_at: String,
    /// None: the run did not finish (crash, kill -9, a second Ctrl-C) or is still going.
    pub ended_at: Option<String>,
    /// Its summary, as it reported it.
    pub counts: Option<serde_json::Value>,
    /// Its exit code.
    pub exit_code: Option<i64>,
    /// The process that ran it.
    pub pid: Option<i64>,
}

impl Run {
    /// What it did, when a command of this version wrote it.
    pub fn kind(&self) -> Option<RunKind> {
        RunKind::ALL
            .into_iter()
            .find(|kind| kind.name() == self.command)
    }
}

impl Ledger {
    /// Records the start of a run; returns its id.
    pub fn begin_run(&self, kind: RunKind, file: Option<&str>) -> Result<i64, LedgerError> {
        self.conn
            .execute(
                &format!(
                    "INSERT INTO runs (command, file, started_at, pid) VALUES (?1, ?2, {NOW}, ?3)"
                ),
                params![kind.name(), file, std::process::id()],
            )
            .map_err(|e| self.sql(e))?;
        Ok(self.conn.last_insert_rowid())
    }

    /// Records the end of a run with its summary and exit code.
    pub fn end_run(
        &self,
        run: i64,
        counts: &serde_json::Value,
        exit_code: u8,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!("UPDATE runs SET ended_at = {NOW}, counts = ?2, exit_code = ?3 WHERE id = ?1"),
            params![run, counts.to_string(), exit_code],
        )
    }

    /// The last runs, newest first.
    pub fn runs(&self, limit: usize) -> Result<Vec<Run>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT id, command, file, started_at, ended_at, counts, exit_code, pid FROM runs
                 ORDER BY id DESC LIMIT ?1",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([i64::try_from(limit).unwrap_or(i64::MAX)], read_run)
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// One run by id.
    pub fn run(&self, id: i64) -> Result<Option<Run>, LedgerError> {
        self.conn
            .query_row(
                "SELECT id, command, file, started_at, ended_at, counts, exit_code, pid FROM runs
                 WHERE id = ?1",
                [id],
                read_run,
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// When `family` last sent a request (Unix milliseconds), as the last run recorded it.
    pub fn last_sent(&self, family: Family) -> Result<Option<i64>, LedgerError> {
        self.conn
            .query_row(
                "SELECT last_sent_ms FROM pacing WHERE family = ?1",
                [family.name()],
                |r| r.get(0),
            )
            .optional()
            .map_err(|e| self.sql(e))
    }

    /// Keeps when the last calls of `family` left (Unix milliseconds, at most its
    /// window's count), in place of what an earlier run kept: the next run counts them
    /// against the family's per-minute quota.
    pub fn record_window_calls(
        &mut self,
        family: Family,
        at_ms: &[i64],
    ) -> Result<(), LedgerError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_error(&self.path, &e))?;
        {
            let fail = |e: rusqlite::Error| sql_error(&self.path, &e);
            tx.execute(
                "DELETE FROM window_calls WHERE family = ?1",
                [family.name()],
            )
            .map_err(fail)?;
            let mut insert = tx
                .prepare_cached("INSERT INTO window_calls (family, at_ms) VALUES (?1, ?2)")
                .map_err(fail)?;
            for at in at_ms {
                insert
                    .execute(rusqlite::params![family.name(), at])
                    .map_err(fail)?;
            }
        }
        tx.commit().map_err(|e| sql_error(&self.path, &e))
    }

    /// When the last calls of `family` left since `since_ms` (Unix milliseconds, oldest
    /// first), as [`Ledger::record_window_calls`] kept them.
    pub fn window_calls(&self, family: Family, since_ms: i64) -> Result<Vec<i64>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT at_ms FROM window_calls WHERE family = ?1 AND at_ms >= ?2 ORDER BY at_ms",
            )
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(rusqlite::params![family.name(), since_ms], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Records when `family` last sent a request (Unix milliseconds).
    pub fn record_last_sent(&self, family: Family, at_ms: i64) -> Result<(), LedgerError> {
        self.update(
            "INSERT INTO pacing (family, last_sent_ms) VALUES (?1, ?2)
             ON CONFLICT (family) DO UPDATE SET last_sent_ms = MAX(last_sent_ms, excluded.last_sent_ms)",
            params![family.name(), at_ms],
        )
    }
}

fn read_run(r: &rusqlite::Row<'_>) -> rusqlite::Result<Run> {
    let counts: Option<String> = r.get(5)?;
    Ok(Run {
        id: r.get(0)?,
        command: r.get(1)?,
        file: r.get(2)?,
        started_at: r.get(3)?,
        ended_at: r.get(4)?,
        counts: counts.and_then(|c| serde_json::from_str(&c).ok()),
        exit_code: r.get(6)?,
        pid: r.get(7)?,
    })
}
