//! The ledger's side of `rewardsync rollback`: which rows a rollback covers (what a run
//! imported, or may have imported: its rows still in doubt), and the states a delete moves
//! them through (SPEC §4 rules, applied to deletes).
//!
//! A row is marked `deleting` and committed before its delete leaves, and its outcome is
//! committed when the answer arrives, so a crash leaves only `deleting` rows in doubt; the
//! next rollback resends those. The status a row had before (`imported` or `conflict`) is
//! not stored: a `conflict` row is the one with a `changed_hash`, so it can be told apart.

use rusqlite::params;

use super::revisions::SUPERSEDED;
use super::rewards::limit_param;
use super::{Ledger, LedgerError, NOW, Outgoing, Status};

/// What a rollback covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Selection {
    /// The rewards one import run imported, or sent and may have imported.
    Run(i64),
    /// The rewards with these external_ids (for a row replaced by revisions, every one of
    /// them Feishu holds).
    ExternalIds(Vec<String>),
    /// Earlier rewards a revision has replaced, still held (SPEC §7): an import deletes
    /// them once Feishu holds their revision.
    Superseded,
}

/// A reward a rollback will delete, as the delete phase reads it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Doomed {
    /// Ledger row id.
    pub id: i64,
    /// The reward's external_id.
    pub external_id: String,
    /// The server's reward id, which the delete names.
    pub reward_id: String,
    /// True when an earlier rollback left it `deleting`: its delete may have been carried out.
    pub in_doubt: bool,
}

/// The states a rollback covers: on the server, with a reward id, or in doubt of a delete.
const COVERED: &str =
    "old.status IN ('imported', 'conflict', 'deleting') AND old.reward_id IS NOT NULL";

impl Selection {
    /// The SQL condition picking the selection's rows (of `rewards old`); `?9` is bound by
    /// [`Selection::key`].
    fn condition(&self) -> String {
        match self {
            Selection::Run(_) => "(old.imported_by_run = ?9 OR old.sent_by_run = ?9)".to_owned(),
            Selection::ExternalIds(_) => "(old.external_id IN (SELECT value FROM json_each(?9))
                OR (old.chain IS NOT NULL AND old.chain IN (SELECT value FROM json_each(?9))))"
                .to_owned(),
            Selection::Superseded => format!("(?9 IS NULL AND {SUPERSEDED})"),
        }
    }

    /// The table as the selection reads it: replaced rewards through the partial index of
    /// the rows that have revisions, so that an import of a million rows with none does not
    /// scan them all to find there is nothing to delete.
    fn table(&self) -> &'static str {
        match self {
            Selection::Superseded => "rewards AS old INDEXED BY rewards_by_chain",
            Selection::Run(_) | Selection::ExternalIds(_) => "rewards AS old",
        }
    }

    /// The value bound to `?9`: the run id, or the external_ids as a JSON array.
    fn key(&self) -> rusqlite::types::Value {
        match self {
            Selection::Run(run) => rusqlite::types::Value::Integer(*run),
            Selection::ExternalIds(ids) => {
                rusqlite::types::Value::Text(serde_json::Value::from(ids.clone()).to_string())
            }
            Selection::Superseded => rusqlite::types::Value::Null,
        }
    }
}

impl Ledger {
    /// How many of the selection's rows are in doubt of their *import* (`sending`): the
    /// rollback settles them first (a resend is idempotent and answers with the reward id),
    /// then deletes them.
    pub fn count_in_doubt_selected(&self, selection: &Selection) -> Result<u64, LedgerError> {
        let sql = format!(
            "SELECT COUNT(*) FROM rewards old WHERE old.status = 'sending' AND old.body IS NOT NULL AND {}",
            selection.condition()
        );
        self.conn
            .query_row(&sql, rusqlite::named_params! {"?9": selection.key()}, |r| {
                r.get(0)
            })
            .map_err(|e| self.sql(e))
    }

    /// The selection's rows in doubt of their import, after ledger id `after`.
    pub fn next_in_doubt_selected(
        &self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Outgoing>, LedgerError> {
        let sql = format!(
            "SELECT id, external_id, body, 1, source_line, user_id_type, revision, source_file, source_sheet FROM rewards old
             WHERE old.id > ?1 AND old.status = 'sending' AND old.body IS NOT NULL AND {}
             ORDER BY old.id LIMIT ?2",
            selection.condition()
        );
        self.outgoing(
            &sql,
            rusqlite::named_params! {
                "?1": after,
                "?2": limit_param(limit),
                "?9": selection.key(),
            },
        )
    }

    /// How many rows a rollback covers, and how many of them are in doubt (`deleting`).
    pub fn count_to_delete(&self, selection: &Selection) -> Result<(u64, u64), LedgerError> {
        let sql = format!(
            "SELECT COUNT(*), COALESCE(SUM(old.status = 'deleting'), 0) FROM {}
             WHERE {COVERED} AND {}",
            selection.table(),
            selection.condition()
        );
        self.conn
            .query_row(&sql, rusqlite::named_params! {"?9": selection.key()}, |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .map_err(|e| self.sql(e))
    }

    /// The next rows a rollback deletes, after ledger id `after`, in ledger order.
    pub fn next_to_delete(
        &self,
        selection: &Selection,
        after: i64,
        limit: usize,
    ) -> Result<Vec<Doomed>, LedgerError> {
        // A run's rows are walked in id order straight from the table: through the
        // (imported_by_run, status) index SQLite would sort every remaining row for each page,
        // which is quadratic for a million-row rollback. Named ids use their unique index,
        // replaced rewards the partial index of the rows with revisions.
        let table = match selection {
            Selection::Run(_) => "rewards AS old NOT INDEXED",
            _ => selection.table(),
        };
        let sql = format!(
            "SELECT old.id, old.external_id, old.reward_id, old.status = 'deleting' FROM {table}
             WHERE old.id > ?1 AND {COVERED} AND {}
             ORDER BY old.id LIMIT ?2",
            selection.condition()
        );
        let mut stmt = self.conn.prepare_cached(&sql).map_err(|e| self.sql(e))?;
        let rows = stmt
            .query_map(
                rusqlite::named_params! {
                    "?1": after,
                    "?2": limit_param(limit),
                    "?9": selection.key(),
                },
                |r| {
                    Ok(Doomed {
                        id: r.get(0)?,
                        external_id: r.get(1)?,
                        reward_id: r.get(2)?,
                        in_doubt: r.get(3)?,
                    })
                },
            )
            .map_err(|e| self.sql(e))?;
        rows.collect::<Result<_, _>>().map_err(|e| self.sql(e))
    }

    /// The state of each named external_id (`None`: not in the ledger), in the order given.
    pub fn states_of(
        &self,
        external_ids: &[String],
    ) -> Result<Vec<(String, Option<Status>)>, LedgerError> {
        external_ids
            .iter()
            .map(|id| Ok((id.clone(), self.lookup(id, "")?.map(|known| known.status))))
            .collect()
    }

    /// Marks a row `deleting` before its delete leaves (the rollback's run is recorded on it).
    pub fn mark_deleting(&self, id: i64, run: i64) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'deleting', run_id = ?2, updated_at = {NOW}
                 WHERE id = ?1 AND status IN ('imported', 'conflict', 'deleting')"
            ),
            params![id, run],
        )
    }

    /// Records that the server no longer holds the row's reward; importing it again
    /// creates a new one.
    pub fn record_deleted(&self, id: i64, log_id: Option<&str>) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET status = 'deleted', log_id = ?2, error_code = NULL,
                    error_message = NULL, changed_hash = NULL, updated_at = {NOW}
                 WHERE id = ?1 AND status = 'deleting'"
            ),
            params![id, log_id],
        )
    }

    /// Puts a `deleting` row back to what it was before (`imported`, or `conflict` when
    /// its file row had changed), with the server's refusal when there was one.
    pub fn restore_after_delete(
        &self,
        id: i64,
        refusal: Option<(Option<i64>, &str, Option<&str>)>,
    ) -> Result<(), LedgerError> {
        let earlier = "CASE WHEN changed_hash IS NULL THEN 'imported' ELSE 'conflict' END";
        match refusal {
            None => self.update(
                &format!(
                    "UPDATE rewards SET status = {earlier}, updated_at = {NOW}
                     WHERE id = ?1 AND status = 'deleting'"
                ),
                params![id],
            ),
            Some((code, message, log_id)) => self.update(
                &format!(
                    "UPDATE rewards SET status = {earlier}, error_code = ?2, error_message = ?3,
                        log_id = ?4, updated_at = {NOW}
                     WHERE id = ?1 AND status = 'deleting'"
                ),
                params![id, code, message, log_id],
            ),
        }
    }

    /// Keeps a row `deleting` (in doubt: its delete may have been carried out) with the
    /// last error, for the next rollback to resend.
    pub fn record_delete_in_doubt(
        &self,
        id: i64,
        code: Option<i64>,
        message: &str,
        log_id: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.update(
            &format!(
                "UPDATE rewards SET error_code = ?2, error_message = ?3, log_id = ?4,
                    updated_at = {NOW} WHERE id = ?1 AND status = 'deleting'"
            ),
            params![id, code, message, log_id],
        )
    }
}

#[cfg(test)]
mod tests {
    use super::super::{Change, Planned};
    use super::*;

    fn imported(ledger: &mut Ledger, ids: &[&str]) -> i64 {
        let run = ledger
            .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
            .unwrap();
        let batch: Vec<Planned> = ids
            .iter()
            .map(|id| Planned {
                external_id: (*id).into(),
                change: Change::Send {
                    body: format!("B-{id}"),
                    hash: format!("h-{id}"),
                    user_id_type: crate::feishu::UserIdType::OpenId,
                },
                source_file: "f.csv".into(),
                source_sheet: None,
                source_line: 2,
            })
            .collect();
        ledger.apply_plan(run, &batch).unwrap();
        for row in ledger.next_pending(run, 0, 100).unwrap() {
            ledger.mark_sending(row.id, run).unwrap();
            ledger
                .record_imported(row.id, &format!("R-{}", row.external_id), None, 1)
                .unwrap();
        }
        run
    }

    #[test]
    fn a_run_covers_only_what_it_imported_and_moves_through_the_delete_states() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let first = imported(&mut ledger, &["a", "b", "c"]);
        let second = imported(&mut ledger, &["d"]);
        let selection = Selection::Run(first);
        assert_eq!(ledger.count_to_delete(&selection).unwrap(), (3, 0));
        assert_eq!(
            ledger.count_to_delete(&Selection::Run(second)).unwrap(),
            (1, 0)
        );
        let rows = ledger.next_to_delete(&selection, 0, 2).unwrap();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].reward_id, "R-a");
        let rest = ledger.next_to_delete(&selection, rows[1].id, 2).unwrap();
        assert_eq!(rest.len(), 1);

        let rollback = ledger
            .begin_run(crate::ledger::RunKind::Rollback, None)
            .unwrap();
        ledger.mark_deleting(rows[0].id, rollback).unwrap();
        ledger.record_deleted(rows[0].id, Some("L1")).unwrap();
        ledger.mark_deleting(rows[1].id, rollback).unwrap();
        ledger
            .restore_after_delete(rows[1].id, Some((Some(1002002), "no", Some("L2"))))
            .unwrap();
        ledger.mark_deleting(rest[0].id, rollback).unwrap();
        // A crash here leaves c in doubt, and still covered by the run that imported it.
        assert_eq!(ledger.count_to_delete(&selection).unwrap(), (2, 1));
        assert_eq!(
            ledger.lookup("a", "h-A").unwrap().unwrap().status,
            Status::Deleted
        );
        assert_eq!(
            ledger.lookup("b", "").unwrap().unwrap().status,
            Status::Imported
        );
        assert!(ledger.next_to_delete(&selection, 0, 10).unwrap()[1].in_doubt);
    }

    #[test]
    fn a_run_covers_the_rows_it_left_in_doubt_and_a_later_settling_run_covers_them_too() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let first = ledger
            .begin_run(crate::ledger::RunKind::Import, Some("f.csv"))
            .unwrap();
        ledger
            .apply_plan(
                first,
                &[Planned {
                    external_id: "a".into(),
                    change: Change::Send {
                        body: "B-a".into(),
                        hash: "h-a".into(),
                        user_id_type: crate::feishu::UserIdType::OpenId,
                    },
                    source_file: "f.csv".into(),
                    source_sheet: None,
                    source_line: 2,
                }],
            )
            .unwrap();
        let row = ledger.next_pending(first, 0, 10).unwrap().remove(0);
        ledger.mark_sending(row.id, first).unwrap();
        // Retries ran out after a timeout: in doubt, and covered by the run that sent it.
        ledger.record_unsettled(row.id, true, None, 3).unwrap();
        let by_first = Selection::Run(first);
        assert_eq!(ledger.count_in_doubt_selected(&by_first).unwrap(), 1);
        assert_eq!(ledger.count_to_delete(&by_first).unwrap(), (0, 0));
        // A later run settles it: both runs' rollbacks now cover the imported reward.
        let second = ledger
            .begin_run(crate::ledger::RunKind::Import, Some("g.csv"))
            .unwrap();
        ledger.mark_sending(row.id, second).unwrap();
        ledger.record_imported(row.id, "R-a", None, 1).unwrap();
        assert_eq!(ledger.count_in_doubt_selected(&by_first).unwrap(), 0);
        assert_eq!(ledger.count_to_delete(&by_first).unwrap(), (1, 0));
        assert_eq!(
            ledger.count_to_delete(&Selection::Run(second)).unwrap(),
            (1, 0)
        );
    }

    #[test]
    fn external_ids_select_only_the_named_rows_and_a_conflict_is_restored_as_one() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let run = imported(&mut ledger, &["a", "b", "c"]);
        ledger
            .apply_plan(
                run,
                &[Planned {
                    external_id: "b".into(),
                    change: Change::Conflict {
                        changed_hash: "h-b2".into(),
                    },
                    source_file: "f.csv".into(),
                    source_sheet: None,
                    source_line: 3,
                }],
            )
            .unwrap();
        let selection = Selection::ExternalIds(vec!["b".into(), "c".into(), "zz".into()]);
        let rows = ledger.next_to_delete(&selection, 0, 10).unwrap();
        let ids: Vec<&str> = rows.iter().map(|r| r.external_id.as_str()).collect();
        assert_eq!(ids, ["b", "c"]);
        ledger.mark_deleting(rows[0].id, run).unwrap();
        ledger.restore_after_delete(rows[0].id, None).unwrap();
        assert_eq!(
            ledger.lookup("b", "").unwrap().unwrap().status,
            Status::Conflict
        );
        let states = ledger.states_of(&["a".into(), "zz".into()]).unwrap();
        assert_eq!(states[0].1, Some(Status::Imported));
        assert_eq!(states[1].1, None);
    }
}
