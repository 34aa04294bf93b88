//! Where a row invalid in this file was imported from (SPEC §2.4, "Rows fixed elsewhere"):
//! its external_id is already imported, from a corrected copy (the errors file) or another
//! file, so there is nothing left to fix here.

use super::{Ledger, LedgerError, Status, revision_id};

/// The run and the file that imported an external_id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportedFrom {
    /// The run that imported it, as `rewardsync runs` numbers runs.
    pub run: Option<i64>,
    /// The file it was read from: `FILE`, or `FILE[SHEET]` for a workbook (None for a row
    /// planned before files were recorded).
    pub file: Option<String>,
}

impl ImportedFrom {
    /// What the summary says of such a row: `invalid here; imported in run N from FILE`.
    pub fn reason(&self) -> String {
        let mut text = match self.run {
            Some(run) => format!("invalid here; imported in run {run}"),
            None => "invalid here; imported in an earlier run".to_owned(),
        };
        if let Some(file) = &self.file {
            text.push_str(" from ");
            text.push_str(file);
        }
        text
    }
}

impl Ledger {
    /// For each external_id, where it was imported from, when Feishu holds it as the
    /// ledger's `imported` row (or its latest revision's, SPEC §7); None otherwise
    /// (unknown, pending, failed, invalid, in doubt, a conflict). One read transaction for
    /// all, over the planning index; a table row is read only for the imported ones.
    pub fn imported_from_all(
        &self,
        external_ids: &[&str],
    ) -> Result<Vec<Option<ImportedFrom>>, LedgerError> {
        if external_ids.is_empty() {
            return Ok(Vec::new());
        }
        let read = self.conn.unchecked_transaction().map_err(|e| self.sql(e))?;
        let found = {
            let mut lookup = self.lookup_statement()?;
            // The run that imported it: `imported_by_run`, kept when later runs touch the
            // row; `run_id` for a row imported before that column existed.
            let mut origin = self
                .conn
                .prepare_cached(
                    "SELECT COALESCE(imported_by_run, run_id), source_file, source_sheet
                     FROM rewards WHERE id = ?1",
                )
                .map_err(|e| self.sql(e))?;
            let mut found = Vec::with_capacity(external_ids.len());
            for external_id in external_ids {
                let mut known = self.lookup_with(&mut lookup, external_id, "")?;
                // A row replaced by revisions is its latest revision from then on.
                if let Some(n) = known.as_ref().and_then(|k| k.head_revision)
                    && n > 1
                {
                    known = self.lookup_with(&mut lookup, &revision_id(external_id, n), "")?;
                }
                let from = match known {
                    Some(k) if k.status == Status::Imported => Some(
                        origin
                            .query_row([k.id], |r| {
                                let file: Option<String> = r.get(1)?;
                                let sheet: Option<String> = r.get(2)?;
                                Ok(ImportedFrom {
                                    run: r.get(0)?,
                                    file: file.map(|file| match sheet {
                                        Some(sheet) => format!("{file}[{sheet}]"),
                                        None => file,
                                    }),
                                })
                            })
                            .map_err(|e| self.sql(e))?,
                    ),
                    _ => None,
                };
                found.push(from);
            }
            found
        };
        read.commit().map_err(|e| self.sql(e))?;
        Ok(found)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::tests::{planned_in as planned, send};
    use crate::ledger::{Change, RunKind};

    fn imported(ledger: &mut Ledger, run: i64, external_id: &str, file: &str) {
        ledger
            .apply_plan(run, &[planned(external_id, file, send(external_id))])
            .unwrap();
        let id = ledger.lookup(external_id, "").unwrap().unwrap().id;
        ledger.mark_sending(id, run).unwrap();
        ledger.record_imported(id, "r", None, 1).unwrap();
    }

    #[test]
    fn only_an_imported_row_says_where_it_was_imported_from() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let first = ledger.begin_run(RunKind::Import, Some("fix.csv")).unwrap();
        imported(&mut ledger, first, "DONE", "fix.csv");
        let invalid = Change::Invalid {
            errors: "column stage: is empty".into(),
        };
        ledger
            .apply_plan(first, &[planned("BROKEN", "fix.csv", invalid.clone())])
            .unwrap();
        ledger
            .apply_plan(first, &[planned("LATER", "fix.csv", send("LATER"))])
            .unwrap();

        // A later run meets DONE broken in another file: the imported row is kept as it
        // was, source and run included.
        let second = ledger
            .begin_run(RunKind::Import, Some("export.csv"))
            .unwrap();
        ledger
            .apply_plan(second, &[planned("DONE", "export.csv", invalid)])
            .unwrap();
        let found = ledger
            .imported_from_all(&["DONE", "BROKEN", "LATER", "UNKNOWN"])
            .unwrap();
        let done = ImportedFrom {
            run: Some(first),
            file: Some("fix.csv".into()),
        };
        assert_eq!(found, [Some(done.clone()), None, None, None]);
        assert_eq!(
            done.reason(),
            format!("invalid here; imported in run {first} from fix.csv")
        );
        assert_eq!(
            ledger.lookup("DONE", "").unwrap().unwrap().status,
            Status::Imported
        );
        let mut sources = Vec::new();
        ledger
            .for_each_entry(Some(Status::Imported), |e| {
                sources.push((e.external_id.clone(), e.at.clone(), e.run_id));
                Ok(())
            })
            .unwrap()
            .unwrap();
        assert_eq!(
            sources,
            [("DONE".to_owned(), Some("fix.csv:2".to_owned()), Some(first))]
        );
    }

    #[test]
    fn a_replaced_row_is_imported_once_its_latest_revision_is() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = Ledger::open(&dir.path().join("l.db")).unwrap();
        let first = ledger.begin_run(RunKind::Import, Some("a.csv")).unwrap();
        imported(&mut ledger, first, "X", "a.csv");
        let second = ledger.begin_run(RunKind::Import, Some("b.csv")).unwrap();
        let revision = Change::Replace {
            chain: "X".into(),
            revision: 2,
            held: "X".into(),
            body: "X2".into(),
            hash: "h-X2".into(),
            user_id_type: crate::feishu::UserIdType::OpenId,
        };
        ledger
            .apply_plan(second, &[planned(&revision_id("X", 2), "b.csv", revision)])
            .unwrap();
        // The revision that stands for X is not imported yet.
        assert_eq!(ledger.imported_from_all(&["X"]).unwrap(), [None]);
        let id = ledger.lookup("X~r2", "").unwrap().unwrap().id;
        ledger.mark_sending(id, second).unwrap();
        ledger.record_imported(id, "r2", None, 1).unwrap();
        assert_eq!(
            ledger.imported_from_all(&["X"]).unwrap(),
            [Some(ImportedFrom {
                run: Some(second),
                file: Some("b.csv".into()),
            })]
        );
    }
}
