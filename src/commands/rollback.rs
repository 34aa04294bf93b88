//! `rollback`: delete the rewards one import run created (or the ones named), through the
//! run driver like an import. What a run *may* have created counts too: its rows still in
//! doubt are settled first (a resend is idempotent and answers with the reward id), then
//! deleted. Each delete is marked `deleting` (committed) before it leaves, so a crash or a
//! stop is finished by running the same rollback again.

use serde::Serialize;

use crate::ledger::{Ledger, LedgerError, RunKind, Selection, Status, Target};
use crate::phases::delete::Delete;
use crate::phases::send::{Rows, SendRows};
use crate::report::summary::{Outcome, Place, Summary, Vocabulary};
use crate::run::Opened;

/// The rollback's words.
pub const WORDS: Vocabulary = Vocabulary {
    noun: "reward",
    done: ("deleted", "deleted"),
    already_done: ("skipped", "nothing to delete"),
    failed: ("refused", "refused"),
    replaced: None,
    skipped: None,
    fixed_elsewhere: None,
};

/// Rows a preview lists before it only counts.
pub const PREVIEW: usize = 5;

/// Why a rollback cannot begin (exit 2).
#[derive(Debug, thiserror::Error)]
pub enum RollbackError {
    #[error("{path}: there is no run {run} in this ledger; `rewardsync runs` lists the runs")]
    NoSuchRun { path: String, run: i64 },
    #[error(
        "{path}: run {run} is a `{command}` run, not an import; `rewardsync runs` lists the runs"
    )]
    NotAnImport {
        path: String,
        run: i64,
        command: String,
    },
    #[error(
        "{path}: not in this ledger: {ids}; check the ids (`rewardsync export --status imported` lists what can be rolled back)"
    )]
    UnknownIds { path: String, ids: String },
    #[error("{path}: nothing was ever imported with this ledger, so there is nothing to roll back")]
    NeverImported { path: String },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

/// A named external_id the rollback does not delete, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The external_id.
    pub external_id: String,
    /// Its ledger state.
    pub status: Status,
}

impl Skipped {
    /// Why there is nothing to delete, in words.
    pub fn why(&self) -> &'static str {
        match self.status {
            Status::Deleted => "already deleted",
            _ => "never imported",
        }
    }
}

/// What a rollback will do, shown before it asks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preview {
    /// The tenant the rewards are deleted from.
    pub target: Target,
    /// What is rolled back.
    pub selection: Selection,
    /// Rewards Feishu holds (or may hold, from an interrupted rollback) to delete.
    pub covered: u64,
    /// Of those, in doubt from an interrupted rollback: their deletes are resent.
    pub deleting: u64,
    /// Rows whose import is in doubt: settled first, then deleted.
    pub in_doubt: u64,
    /// The first rows to delete: external_id and reward id.
    pub first: Vec<(String, String)>,
    /// Named external_ids with nothing to delete.
    pub skipped: Vec<Skipped>,
}

impl Preview {
    /// Everything the rollback may delete.
    pub fn total(&self) -> u64 {
        self.covered + self.in_doubt
    }
}

/// Checks the selection against the ledger and says what the rollback covers: `--run` must
/// name an import of this ledger, and every named external_id must be in it (a typo must
/// not pass for "nothing to delete").
pub fn preview(ledger: &Ledger, selection: &Selection) -> Result<Preview, RollbackError> {
    let path = || ledger.path().to_owned();
    let target = ledger
        .target()?
        .ok_or_else(|| RollbackError::NeverImported { path: path() })?;
    let mut skipped = Vec::new();
    match selection {
        Selection::Run(run) => match ledger.run(*run)? {
            Some(found) if found.kind() == Some(RunKind::Import) => {}
            Some(found) => {
                return Err(RollbackError::NotAnImport {
                    path: path(),
                    run: *run,
                    command: found.command,
                });
            }
            None => {
                return Err(RollbackError::NoSuchRun {
                    path: path(),
                    run: *run,
                });
            }
        },
        Selection::Superseded => {}
        Selection::ExternalIds(ids) => {
            let states = ledger.states_of(ids)?;
            let unknown: Vec<String> = states
                .iter()
                .filter(|(_, state)| state.is_none())
                .map(|(id, _)| crate::text::echo(id))
                .collect();
            if !unknown.is_empty() {
                return Err(RollbackError::UnknownIds {
                    path: path(),
                    ids: crate::text::list(&unknown, 10),
                });
            }
            for (external_id, state) in states {
                let Some(state) = state else { continue };
                if matches!(
                    state,
                    Status::Imported | Status::Conflict | Status::Deleting | Status::Sending
                ) {
                    continue;
                }
                // A row replaced by revisions is deleted itself, but its revision is not.
                let one = Selection::ExternalIds(vec![external_id.clone()]);
                if ledger.count_to_delete(&one)?.0 + ledger.count_in_doubt_selected(&one)? > 0 {
                    continue;
                }
                skipped.push(Skipped {
                    external_id,
                    status: state,
                });
            }
        }
    }
    let (covered, deleting) = ledger.count_to_delete(selection)?;
    let in_doubt = ledger.count_in_doubt_selected(selection)?;
    let first = ledger
        .next_to_delete(selection, 0, PREVIEW)?
        .into_iter()
        .map(|row| (row.external_id, row.reward_id))
        .collect();
    Ok(Preview {
        target,
        selection: selection.clone(),
        covered,
        deleting,
        in_doubt,
        first,
        skipped,
    })
}

/// Runs the rollback `preview` describes on a ledger opened for it.
pub fn run(opened: Opened<'_>, preview: &Preview) -> Result<Summary, LedgerError> {
    let mut run = opened.begin(RunKind::Rollback, WORDS, None)?;
    let summary = run.summary();
    summary.items = preview.total() + preview.skipped.len() as u64;
    for skipped in &preview.skipped {
        summary.count(Outcome::AlreadyDone, 1);
        summary.reasons.add(
            Outcome::AlreadyDone,
            skipped.status.as_str(),
            &format!("{} (state {})", skipped.why(), skipped.status),
            Some(Place::named(0, skipped.external_id.clone())),
        );
    }
    summary.subject = Some(match &preview.selection {
        Selection::Run(run) => format!("of run #{run}"),
        Selection::ExternalIds(ids) => format!(
            "of {}",
            crate::text::counted(ids.len() as u64, "external_id")
        ),
        Selection::Superseded => "of the rewards revisions replaced".to_owned(),
    });
    summary.extra.insert(
        "rolled_back_run".into(),
        match preview.selection {
            Selection::Run(run) => serde_json::json!(run),
            Selection::ExternalIds(_) | Selection::Superseded => serde_json::Value::Null,
        },
    );
    summary
        .extra
        .insert("skipped_ids".into(), serde_json::json!(preview.skipped));
    let selection = preview.selection.clone();
    run.phase(SendRows(Rows::InDoubtOf(selection.clone()), "line"));
    run.phase(Delete::new(selection));
    Ok(run.finish())
}
