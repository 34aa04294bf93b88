//! Replacements (SPEC §7): a reward whose row changed after it was imported is imported
//! again under a revision of its external_id, `{external_id}~rN`, a row of its own; once
//! Feishu holds the revision, the earlier reward is deleted. Import first, delete second:
//! between the two both are recorded as held, and any later run (import or not) finishes
//! the delete, so no moment exists with neither.
//!
//! The rows of one file row form a chain: the original (revision 1) and its revisions,
//! all with `chain` = the file's external_id. The original's `head_revision` names the
//! latest revision planned, the row that stands for the file's row from then on.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use super::{Ledger, LedgerError};

/// The external_id of revision `revision` of `external_id`.
pub fn revision_id(external_id: &str, revision: i64) -> String {
    format!("{external_id}~r{revision}")
}

/// The rows a replacement left behind: earlier rewards Feishu still holds although a later
/// revision of theirs is held too. `old` is the table's alias for the row itself.
pub(super) const SUPERSEDED: &str = "old.chain IS NOT NULL AND EXISTS (
        SELECT 1 FROM rewards newer WHERE newer.chain = old.chain AND newer.chain IS NOT NULL
            AND newer.revision > old.revision AND newer.status IN ('imported', 'conflict'))";

/// What the ledger holds of replacements, for `status`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RevisionCounts {
    /// File rows replaced at least once.
    pub replaced_rows: u64,
    /// Revisions Feishu holds.
    pub revisions_held: u64,
    /// Earlier rewards still held although their revision is: the next run deletes them.
    pub to_delete: u64,
}

impl Ledger {
    /// The body recorded for an external_id (what Feishu holds, for a held row).
    pub fn body_of(&self, external_id: &str) -> Result<Option<String>, LedgerError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM rewards WHERE external_id = ?1")
            .map_err(|e| self.sql(e))?;
        let body: Option<Option<String>> = stmt
            .query_row([external_id], |r| r.get(0))
            .optional()
            .map_err(|e| self.sql(e))?;
        Ok(body.flatten())
    }

    /// How many replacements the ledger records, held, and left to finish.
    pub fn revision_counts(&self) -> Result<RevisionCounts, LedgerError> {
        let sql = format!(
            "SELECT
                (SELECT COUNT(*) FROM rewards WHERE chain IS NOT NULL AND revision = 1),
                (SELECT COUNT(*) FROM rewards WHERE chain IS NOT NULL AND revision > 1
                    AND status IN ('imported', 'conflict')),
                (SELECT COUNT(*) FROM rewards AS old INDEXED BY rewards_by_chain
                    WHERE status IN ('imported', 'conflict', 'deleting')
                    AND reward_id IS NOT NULL AND {SUPERSEDED})"
        );
        self.conn
            .query_row(&sql, [], |r| {
                Ok(RevisionCounts {
                    replaced_rows: r.get(0)?,
                    revisions_held: r.get(1)?,
                    to_delete: r.get(2)?,
                })
            })
            .map_err(|e| self.sql(e))
    }

    /// How many earlier rewards this run deleted because a revision replaced them.
    pub fn count_retired(&self, run: i64) -> Result<u64, LedgerError> {
        self.conn
            .query_row(
                "SELECT COUNT(*) FROM rewards WHERE chain IS NOT NULL AND status = 'deleted'
                 AND run_id = ?1",
                params![run],
                |r| r.get(0),
            )
            .map_err(|e| self.sql(e))
    }
}
