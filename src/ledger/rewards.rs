//! The import's rows: what planning reads and writes, what the send phases page through,
//! and the states an attempt moves a row through (SPEC §4).
//!
//! `body` and `body_hash` are what was (or will be) sent; for a row in doubt they are the
//! body that may have reached Feishu, never overwritten by a changed file. `changed_hash`
//! is the hash of the file's row when it differs from that body: a conflict, or a conflict
//! to be once the doubt is settled.

use std::collections::BTreeMap;

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Ledger, LedgerError, NOW, Status, sql_error};
use crate::feishu::UserIdType;
use crate::text::server_text;

/// What the ledger knows of one external_id, for planning.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Known {
    /// Its ledger row id.
    pub id: i64,
    /// Its state.
    pub status: Status,
    /// True when the body recorded (for `imported`/`conflict`/`sending`: the body the
    /// server holds or may hold) has the hash asked about.
    pub same_body: bool,
    /// On a row replaced by revisions (SPEC §7): the latest revision planned, the row that
    /// now stands for the file's row.
    pub head_revision: Option<i64>,
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
    /// The sheet, for a workbook.
    pub source_sheet: Option<String>,
    /// Its line.
    pub source_line: u64,
}

/// How planning changes a row's ledger entry.
#[derive(Debug, Clone)]
pub enum Change {
    /// To send: new, or pending/invalid/failed/deleted again. A row in doubt keeps the body
    /// that may have been sent, and remembers a different one as `changed_hash`.
    Send {
        /// Canonical JSON body.
        body: String,
        /// Its hash.
        hash: String,
        /// What its user ids are (`open_id`, …): a resend must say the same.
        user_id_type: UserIdType,
    },
    /// Imported earlier with another body: reported, not sent.
    Conflict {
        /// Hash of the body in the file now.
        changed_hash: String,
    },
    /// A conflict whose row is back to the imported body.
    Resolved,
    /// Imported earlier with another body, to be replaced (SPEC §7): the row of the
    /// revision to import ([`Planned::external_id`] is `{chain}~r{revision}`), pending; the
    /// earlier reward is deleted once Feishu holds it.
    Replace {
        /// The file's external_id, whose original row records the latest revision.
        chain: String,
        /// The revision's number (2, 3, …).
        revision: i64,
        /// The row it replaces (the original or the previous revision), which Feishu holds.
        held: String,
        /// Canonical JSON body, under the revision's external_id.
        body: String,
        /// Its hash.
        hash: String,
        /// What its user ids are.
        user_id_type: UserIdType,
    },
    /// The row broke a rule; never overwrites `imported`, `conflict`, `sending` or `deleting`.
    Invalid {
        /// The errors, joined.
        errors: String,
    },
    /// Well-formed, but a person it names could not be resolved to a Feishu id (SPEC §2.3);
    /// like `Invalid`, never overwrites a row Feishu may hold.
    Unresolved {
        /// Why, joined.
        errors: String,
    },
    /// Well-formed, but a person it names could not be looked up this run (the lookup
    /// failed after its retries, or was never made): `pending`, with no body, so nothing is
    /// sent until a run resolves its people (SPEC §4: `pending` is "certainly not
    /// stored"); never overwrites a row Feishu may hold, nor a refusal.
    AwaitingPeople {
        /// Why, joined.
        errors: String,
    },
    /// Refused in an earlier run and not retried: only its place in this run's file is
    /// noted, so the summary can name its refusal.
    KeepFailed,
}

/// A row to send (or settle), as the send phases read it back.
#[derive(Debug, Clone)]
pub struct Outgoing {
    /// Ledger row id.
    pub id: i64,
    /// The reward's external_id.
    pub external_id: String,
    /// Canonical JSON body.
    pub body: String,
    /// True when it is `sending`: in doubt since an earlier attempt, not merely planned.
    pub in_doubt: bool,
    /// Where it was in the file that last planned it.
    pub source_line: Option<i64>,
    /// That file.
    pub source_file: Option<String>,
    /// Its sheet, for a workbook.
    pub source_sheet: Option<String>,
    /// What its body's user ids are, as it was (or will be) sent.
    pub user_id_type: UserIdType,
    /// Its revision when it replaces an earlier reward (2, 3, …; SPEC §7).
    pub revision: Option<i64>,
}

/// What a success recorded: the row is imported, or (its file row having changed while it
/// was in doubt) a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Settled {
    /// Feishu holds the body the file holds.
    Imported,
    /// Feishu holds the body that was sent, and the file's row has changed since.
    Conflict,
}

/// A refusal the ledger keeps for a `failed` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refusal {
    /// Feishu's code.
    pub code: Option<i64>,
    /// Feishu's msg.
    pub message: String,
    /// The `x-tt-logid` of the answer.
    pub log_id: Option<String>,
}

impl Refusal {
    /// A refusal as the ledger holds it, its server text shown as such: a ledger written
    /// before server text was escaped where it arrives may hold it raw.
    fn read(code: Option<i64>, message: Option<String>, log_id: Option<String>) -> Refusal {
        Refusal {
            code,
            message: server_text(&message.unwrap_or_default()),
            log_id: log_id.map(|id| server_text(&id)),
        }
    }
}

/// A row's place as recorded: `FILE:LINE`, `FILE[SHEET]:ROW` (a row planned before
/// files were recorded: `line N`).
fn place(file: Option<String>, sheet: Option<String>, line: i64) -> rusqlite::Result<String> {
    Ok(at(file.as_deref(), sheet.as_deref(), line))
}

/// A row's place from its ledger columns: `FILE:LINE`, `FILE[SHEET]:ROW`; `line N` when
/// no file is recorded.
pub fn at(file: Option<&str>, sheet: Option<&str>, line: i64) -> String {
    match (file, sheet) {
        (Some(file), Some(sheet)) => format!("{file}[{sheet}]:{line}"),
        (Some(file), None) => format!("{file}:{line}"),
        (None, _) => format!("line {line}"),
    }
}

/// One row of `export`.
#[derive(Debug, Clone, Serialize)]
pub struct Entry {
    pub external_id: String,
    /// The state as stored (a state this build does not know is shown as it is).
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
    /// For a revision (`{external_id}~rN`): the file's external_id it stands for.
    pub revision_of: Option<String>,
    /// 1 for an original that has revisions, N for a revision; empty otherwise.
    pub revision: Option<i64>,
    /// The sheet of the workbook the row was in.
    pub source_sheet: Option<String>,
    /// The row's place as every message shows it: `FILE:LINE`, `FILE[SHEET]:ROW`.
    pub at: Option<String>,
}

/// Rows per state: every known state (zero included) and, under their stored names, any
/// state this build does not know (a newer rewardsync's).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StateCounts {
    /// The states this build knows.
    pub known: BTreeMap<Status, u64>,
    /// Any other state found in the ledger.
    pub unknown: BTreeMap<String, u64>,
}

impl Ledger {
    /// What the ledger knows of an external_id, and whether its recorded body hash is
    /// `hash`. One descent of a covering index: planning a million-row rerun is a million
    /// of these.
    pub fn lookup(&self, external_id: &str, hash: &str) -> Result<Option<Known>, LedgerError> {
        let mut stmt = self.lookup_statement()?;
        self.lookup_with(&mut stmt, external_id, hash)
    }

    pub(super) fn lookup_statement(&self) -> Result<rusqlite::CachedStatement<'_>, LedgerError> {
        self.conn
            .prepare_cached(
                "SELECT id, status, body_hash IS ?2, head_revision FROM rewards INDEXED BY rewards_lookup
                 WHERE external_id = ?1",
            )
            .map_err(|e| self.sql(e))
    }

    pub(super) fn lookup_with(
        &self,
        stmt: &mut rusqlite::Statement<'_>,
        external_id: &str,
        hash: &str,
    ) -> Result<Option<Known>, LedgerError> {
        let found: Option<(i64, String, bool, Option<i64>)> = stmt
            .query_row([external_id, hash], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .optional()
            .map_err(|e| self.sql(e))?;
        found
            .map(|(id, status, same_body, head_revision)| {
                let status = status.parse().map_err(|_| LedgerError::Sqlite {
                    path: self.path.clone(),
                    detail: format!(
                        "row {} is in state {}, which this rewardsync does not know; upgrade rewardsync",
                        crate::text::echo(external_id),
                        crate::text::echo(&status)
                    ),
                })?;
                Ok(Known {
                    id,
                    status,
                    same_body,
                    head_revision,
                })
            })
            .transpose()
    }

    /// [`Ledger::lookup`] for many rows at once, inside one read transaction: in WAL mode
    /// each lone query takes and releases its own read lock, which costs more system time
    /// than the lookup itself. Returns one answer per `(external_id, hash)`, in order.
    pub fn lookup_all(&self, rows: &[(&str, &str)]) -> Result<Vec<Option<Known>>, LedgerError> {
        let read = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        // One statement for the whole chunk: finding it in the cache per row costs 2 %.
        let known = {
            let mut stmt = self.lookup_statement()?;
            rows.iter()
                .map(|(external_id, hash)| self.lookup_with(&mut stmt, external_id, hash))
                .collect::<Result<Vec<_>, _>>()?
        };
        read.commit().map_err(|e| self.sql(e))?;
        Ok(known)
    }

    /// A `failed` row's refusal (code, msg, log id), for summaries and the errors file.
    pub fn refusal(&self, external_id: &str) -> Result<Option<Refusal>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT error_code, error_message, log_id FROM rewards
                 WHERE external_id = ?1 AND status = 'failed'",
            )
            .map_err(|e| self.sql(e))?;
        stmt.query_row([external_id], |r| {
            Ok(Refusal::read(r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()
        .map_err(|e| self.sql(e))
    }

    /// Calls `each` with every refusal (and its ledger id and place, `FILE:LINE` or
    /// `FILE[SHEET]:ROW`) of the `failed` rows this run planned to keep as they are.
    pub fn for_each_kept_refusal(
        &self,
        run: i64,
        mut each: impl FnMut(Refusal, i64, Option<String>),
    ) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(
                "SELECT error_code, error_message, log_id, source_line, source_file, source_sheet, id
                 FROM rewards INDEXED BY rewards_by_run
                 WHERE run_id = ?1 AND status = 'failed' ORDER BY id",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([run]).map_err(|e| self.sql(e))?;
        while let Some(r) = rows.next().map_err(|e| self.sql(e))? {
            let read = || -> rusqlite::Result<(Refusal, i64, Option<String>)> {
                let line: Option<i64> = r.get(3)?;
                let at = line
                    .map(|line| place(r.get(4)?, r.get(5)?, line))
                    .transpose()?;
                Ok((
                    Refusal::read(r.get(0)?, r.get(1)?, r.get(2)?),
                    r.get(6)?,
                    at,
                ))
            };
            let (refusal, id, at) = read().map_err(|e| self.sql(e))?;
            each(refusal, id, at);
        }
        Ok(())
    }

    /// Records a batch of planned rows in one transaction.
    pub fn apply_plan(&mut self, run: i64, batch: &[Planned]) -> Result<(), LedgerError> {
        let tx = self
            .conn
            .transaction()
            .map_err(|e| sql_error(&self.path, &e))?;
        let path = self.path.clone();
        let fail = |e: rusqlite::Error| sql_error(&path, &e);
        {
            // A row in doubt keeps the body that may have been sent; a different body in
            // the file is remembered, so that settling it can tell a conflict.
            let mut send = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, body, body_hash, source_file, source_line, run_id, user_id_type, source_sheet, created_at, updated_at)
                     VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?7, ?8, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO UPDATE SET
                        changed_hash = CASE WHEN status = 'sending' AND body_hash IS NOT excluded.body_hash
                                            THEN excluded.body_hash END,
                        body = CASE WHEN status = 'sending' THEN body ELSE excluded.body END,
                        body_hash = CASE WHEN status = 'sending' THEN body_hash ELSE excluded.body_hash END,
                        user_id_type = CASE WHEN status = 'sending' THEN user_id_type ELSE excluded.user_id_type END,
                        sent_by_run = CASE WHEN status = 'sending' THEN sent_by_run END,
                        error_code = CASE WHEN status = 'sending' THEN error_code END,
                        error_message = CASE WHEN status = 'sending' THEN error_message END,
                        status = CASE WHEN status = 'sending' THEN 'sending' ELSE 'pending' END,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        source_sheet = excluded.source_sheet,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'sending', 'invalid', 'unresolved', 'failed', 'deleted')"
                ))
                .map_err(fail)?;
            let mut conflict = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET status = 'conflict', changed_hash = ?2, source_file = ?3,
                        source_line = ?4, run_id = ?5, source_sheet = ?6, updated_at = {NOW}
                     WHERE external_id = ?1 AND status IN ('imported', 'conflict')"
                ))
                .map_err(fail)?;
            let mut resolved = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET status = 'imported', changed_hash = NULL, run_id = ?2,
                        updated_at = {NOW}
                     WHERE external_id = ?1 AND status = 'conflict'"
                ))
                .map_err(fail)?;
            let mut kept = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET source_file = ?2, source_line = ?3, run_id = ?4, source_sheet = ?5, updated_at = {NOW}
                     WHERE external_id = ?1 AND status = 'failed'"
                ))
                .map_err(fail)?;
            // A revision: a row of its own, pending; its original learns it is the latest.
            // An external_id of that name already in the ledger (a file may hold anything)
            // is never taken over: the change stays a conflict, saying why.
            let mut revision = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, body, body_hash, chain, revision, source_file, source_line, run_id, user_id_type, source_sheet, created_at, updated_at)
                     VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO NOTHING"
                ))
                .map_err(fail)?;
            let mut head = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET chain = ?1, revision = COALESCE(revision, 1),
                        head_revision = ?2, updated_at = {NOW}
                     WHERE external_id = ?1"
                ))
                .map_err(fail)?;
            let mut taken = tx
                .prepare_cached(&format!(
                    "UPDATE rewards SET status = 'conflict', changed_hash = ?2, error_message = ?3,
                        source_file = ?4, source_line = ?5, run_id = ?6, source_sheet = ?7, updated_at = {NOW}
                     WHERE external_id = ?1 AND status IN ('imported', 'conflict')"
                ))
                .map_err(fail)?;
            // The row standing for a file row that has revisions: its latest one.
            let mut head_of = tx
                .prepare_cached("SELECT head_revision FROM rewards WHERE external_id = ?1")
                .map_err(fail)?;
            // Invalid and unresolved rows: not sent, checked again next run.
            let mut unsent = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, error_message, source_file, source_line, run_id, source_sheet, created_at, updated_at)
                     VALUES (?1, ?6, ?2, ?3, ?4, ?5, ?7, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO UPDATE SET
                        status = excluded.status, error_code = NULL, error_message = excluded.error_message,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        source_sheet = excluded.source_sheet,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'invalid', 'unresolved', 'failed', 'deleted')"
                ))
                .map_err(fail)?;
            // Rows whose people could not be looked up: pending without a body, so that
            // neither this run nor a later one sends a body planned before (its people may
            // have changed); a refused row keeps its refusal.
            let mut awaiting = tx
                .prepare_cached(&format!(
                    "INSERT INTO rewards (external_id, status, error_message, source_file, source_line, run_id, source_sheet, created_at, updated_at)
                     VALUES (?1, 'pending', ?2, ?3, ?4, ?5, ?6, {NOW}, {NOW})
                     ON CONFLICT (external_id) DO UPDATE SET
                        status = 'pending', body = NULL, body_hash = NULL,
                        error_code = NULL, error_message = excluded.error_message,
                        source_file = excluded.source_file, source_line = excluded.source_line,
                        source_sheet = excluded.source_sheet,
                        run_id = excluded.run_id, updated_at = excluded.updated_at
                     WHERE status IN ('pending', 'invalid', 'unresolved', 'deleted')"
                ))
                .map_err(fail)?;
            for row in batch {
                let line = i64::try_from(row.source_line).unwrap_or(i64::MAX);
                match &row.change {
                    Change::Send {
                        body,
                        hash,
                        user_id_type,
                    } => send.execute(params![
                        row.external_id,
                        body,
                        hash,
                        row.source_file,
                        line,
                        run,
                        user_id_type.as_str(),
                        row.source_sheet
                    ]),
                    Change::Conflict { changed_hash } => conflict.execute(params![
                        row.external_id,
                        changed_hash,
                        row.source_file,
                        line,
                        run,
                        row.source_sheet
                    ]),
                    Change::Resolved => resolved.execute(params![row.external_id, run]),
                    Change::Replace {
                        chain,
                        revision: n,
                        held,
                        body,
                        hash,
                        user_id_type,
                    } => {
                        let inserted = revision
                            .execute(params![
                                row.external_id,
                                body,
                                hash,
                                chain,
                                n,
                                row.source_file,
                                line,
                                run,
                                user_id_type.as_str(),
                                row.source_sheet
                            ])
                            .map_err(fail)?;
                        if inserted == 1 {
                            head.execute(params![chain, n])
                        } else {
                            let why = format!(
                                "changed since it was imported, and cannot be replaced: its revision's external_id {} is already another row of this ledger",
                                crate::text::echo(&row.external_id)
                            );
                            taken.execute(params![
                                held,
                                hash,
                                why,
                                row.source_file,
                                line,
                                run,
                                row.source_sheet
                            ])
                        }
                    }
                    Change::KeepFailed => {
                        kept.execute(params![
                        row.external_id,
                        row.source_file,
                        line,
                        run,
                        row.source_sheet
                    ])
                    }
                    Change::Invalid { errors } => unsent.execute(params![
                        standing_for(&mut head_of, &row.external_id).map_err(fail)?,
                        errors,
                        row.source_file,
                        line,
                        run,
                        Status::Invalid.as_str(),
                        row.source_sheet
                    ]),
                    Change::Unresolved { errors } => unsent.execute(params![
                        standing_for(&mut head_of, &row.external_id).map_err(fail)?,
                        errors,
                        row.source_file,
                        line,
                        run,
                        Status::Unresolved.as_str(),
                        row.source_sheet
                    ]),
                    Change::AwaitingPeople { errors } => awaiting.execute(params![
                        standing_for(&mut head_of, &row.external_id).map_err(fail)?,
                        errors,
                        row.source_file,
                        line,
                        run,
                        row.source_sheet
                    ]),
                }
                .map_err(fail)?;
            }
        }
        tx.commit().map_err(|e| sql_error(&self.path, &e))
    }

    /// The next rows in doubt (`sending`, from any run) after ledger id `after`: every run
    /// settles them first, whatever file it was given.
    pub fn next_in_doubt(&self, after: i64, limit: usize) -> Result<Vec<Outgoing>, LedgerError> {
        self.outgoing(
            "SELECT id, external_id, body, 1, source_line, user_id_type, revision, source_file, source_sheet FROM rewards INDEXED BY rewards_by_status
             WHERE status = 'sending' AND id > ?1 AND body IS NOT NULL
             ORDER BY id LIMIT ?2",
            params![after, limit_param(limit)],
        )
    }

    /// How many rows are in doubt.
    pub fn count_in_doubt(&self) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM rewards WHERE status = 'sending' AND body IS NOT NULL",
                [],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    /// This run's planned rows after ledger id `after`, walking the (run, status) index in
    /// id order (one query with `OR` over several states made SQLite sort every remaining
    /// row for each page: quadratic over a million-row send).
    pub fn next_pending(
        &self,
        run: i64,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Outgoing>, LedgerError> {
        self.outgoing(
            "SELECT id, external_id, body, 0, source_line, user_id_type, revision, source_file, source_sheet FROM rewards INDEXED BY rewards_by_run
             WHERE run_id = ?1 AND status = 'pending' AND id > ?2 AND body IS NOT NULL
             ORDER BY id LIMIT ?3",
            params![run, after, limit_param(limit)],
        )
    }

    /// How many rows this run planned to send.
    pub fn count_pending(&self, run: i64) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM rewards
                 WHERE run_id = ?1 AND status = 'pending' AND body IS NOT NULL",
                [run],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }

    pub(super) fn outgoing(
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
                    source_line: r.get(4)?,
                    user_id_type: r
                        .get::<_, Option<String>>(5)?
                        .and_then(|t| UserIdType::parse(&t))
                        .unwrap_or_default(),
                    revision: r.get::<_, Option<i64>>(6)?.filter(|n| *n > 1),
                    source_file: r.get(7)?,
                    source_sheet: r.get(8)?,
                })
            })
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// Marks a row `sending` before an attempt leaves (committed before the throttle slot
    /// is taken). The run whose attempt first leaves is remembered: its rollback covers
    /// the row even while it is in doubt.
    pub fn mark_sending(&self, id: i64, run: i64) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET sent_by_run = CASE WHEN status = 'sending' THEN COALESCE(sent_by_run, ?2) ELSE ?2 END,
                    status = 'sending', run_id = ?2, updated_at = {NOW}
                 WHERE id = ?1"
            ),
            params![id, run],
        )
    }

    /// Records the server's reward id: `imported`, or `conflict` when the file's row
    /// changed while the row was in doubt (Feishu keeps the body that was sent).
    pub fn record_imported(
        &self,
        id: i64,
        reward_id: &str,
        log_id: Option<&str>,
        sent: u32,
    ) -> Result<Settled, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!(
                "UPDATE rewards SET
                    status = CASE WHEN changed_hash IS NOT NULL AND changed_hash IS NOT body_hash
                                  THEN 'conflict' ELSE 'imported' END,
                    changed_hash = CASE WHEN changed_hash IS NOT body_hash THEN changed_hash END,
                    reward_id = ?2, log_id = ?3, error_code = NULL, error_message = NULL,
                    attempts = attempts + ?4, imported_by_run = run_id, updated_at = {NOW}
                 WHERE id = ?1 RETURNING status"
            ))
            .map_err(|e| self.sql(e))?;
        let status: String = stmt
            .query_row(params![id, reward_id, log_id, sent], |r| r.get(0))
            .map_err(|e| self.sql(e))?;
        Ok(if status == Status::Conflict.as_str() {
            Settled::Conflict
        } else {
            Settled::Imported
        })
    }

    /// Records a permanent refusal: `failed`, with Feishu's code, msg and log id.
    pub fn record_refused(&self, id: i64, refusal: &Refusal, sent: u32) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'failed', error_code = ?2, error_message = ?3,
                    log_id = ?4, attempts = attempts + ?5, changed_hash = NULL, updated_at = {NOW}
                 WHERE id = ?1"
            ),
            params![id, refusal.code, refusal.message, refusal.log_id, sent],
        )
    }

    /// Records a row with no definitive answer: it stays `sending` when any attempt (in
    /// this run or before) may have been carried out, and goes back to `pending` only when
    /// Feishu certainly holds nothing. `error` (the last fault) replaces the stored one
    /// when given.
    pub fn record_unsettled(
        &self,
        id: i64,
        in_doubt: bool,
        error: Option<&Refusal>,
        sent: u32,
    ) -> Result<(), LedgerError> {
        let status = if in_doubt {
            Status::Sending
        } else {
            Status::Pending
        };
        self.update(
            &format!(
                "UPDATE rewards SET status = ?2,
                    sent_by_run = CASE WHEN ?2 = 'sending' THEN sent_by_run END,
                    error_code = CASE WHEN ?6 THEN ?3 ELSE error_code END,
                    error_message = CASE WHEN ?6 THEN ?4 ELSE error_message END,
                    log_id = CASE WHEN ?6 THEN ?5 ELSE log_id END,
                    attempts = attempts + ?7, updated_at = {NOW}
                 WHERE id = ?1"
            ),
            params![
                id,
                status.as_str(),
                error.and_then(|e| e.code),
                error.map(|e| e.message.as_str()),
                error.and_then(|e| e.log_id.as_deref()),
                error.is_some(),
                sent
            ],
        )
    }

    /// Rows per state.
    pub fn counts(&self) -> Result<StateCounts, LedgerError> {
        let mut counts = StateCounts {
            known: Status::ALL.into_iter().map(|s| (s, 0)).collect(),
            unknown: BTreeMap::new(),
        };
        let mut stmt = self
            .conn
            .prepare_cached("SELECT status, COUNT(*) FROM rewards GROUP BY status")
            .map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u64>(1)?)))
            .map_err(|e| self.sql(e))?;
        for row in rows {
            let (status, n) = row.map_err(|e| self.sql(e))?;
            match status.parse() {
                Ok(status) => {
                    counts.known.insert(status, n);
                }
                Err(_) => {
                    counts.unknown.insert(status, n);
                }
            }
        }
        Ok(counts)
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
                        source_file, source_line, body_hash, run_id, created_at, updated_at,
                        CASE WHEN revision > 1 THEN chain END, revision, source_sheet
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
                    revision_of: r.get(13)?,
                    revision: r.get(14)?,
                    source_sheet: r.get(15)?,
                    at: None,
                })
            })()
            .map_err(|e| self.sql(e))?;
            let mut entry = entry;
            entry.at = entry.source_line.map(|line| {
                at(
                    entry.source_file.as_deref(),
                    entry.source_sheet.as_deref(),
                    line,
                )
            });
            if let Err(e) = each(&entry) {
                return Ok(Err(e));
            }
        }
        Ok(Ok(()))
    }

    /// Calls `each` with the body of every reward Feishu holds (for `reconcile`).
    pub fn for_each_imported_body(&self, mut each: impl FnMut(&str)) -> Result<(), LedgerError> {
        let mut stmt = self
            .conn
            .prepare(
                "SELECT body FROM rewards WHERE status IN ('imported', 'conflict') AND body IS NOT NULL",
            )
            .map_err(|e| self.sql(e))?;
        let mut rows = stmt.query([]).map_err(|e| self.sql(e))?;
        while let Some(row) = rows.next().map_err(|e| self.sql(e))? {
            let body: String = row.get(0).map_err(|e| self.sql(e))?;
            each(&body);
        }
        Ok(())
    }
}

/// The external_id of a file row's latest revision, or its own when it has none.
fn standing_for(
    head_of: &mut rusqlite::CachedStatement<'_>,
    external_id: &str,
) -> rusqlite::Result<String> {
    let head: Option<Option<i64>> = head_of.query_row([external_id], |r| r.get(0)).optional()?;
    Ok(match head.flatten() {
        Some(n) if n > 1 => super::revision_id(external_id, n),
        _ => external_id.to_owned(),
    })
}

/// A page size as SQLite takes it.
pub(super) fn limit_param(limit: usize) -> i64 {
    i64::try_from(limit).unwrap_or(i64::MAX)
}
