//! The import's plan: read and validate the file, compare every row with the ledger, and
//! record what to send, what is already imported, what changed, what is invalid.
//!
//! It streams the file and writes the ledger in batches, so a million-row file costs no
//! more memory than a small one; a rerun of a fully imported file sends nothing and writes
//! nothing. The reasons it finds (invalid rows by rule, conflicts by name) go into the
//! summary as it goes, bounded.

use serde::Serialize;

use crate::feishu::UserIdType;
use crate::ledger::{
    Change, ImportedFrom, Known, Ledger, LedgerError, LedgerHandle, Pending, Planned, Status,
    revision_id,
};
use crate::people::book::{Filled, PeopleBook, Unanswered};
use crate::read::ReadError;
use crate::read::mapping::{Parts, RewardFile};
use crate::read::person::{Contact, Role};
use crate::read::validate::{Checked, Problem, Validator, check_rows};
use crate::report::summary::{Outcome, Place, Reasons};
use crate::reward::RewardBody;

pub mod replace;

use replace::{ReferrerChange, Replacing};

/// Rows per ledger transaction while planning.
const BATCH: usize = 5_000;

/// What the plan found, by row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct PlanCounts {
    /// Data rows in the file.
    pub rows: u64,
    /// Valid rows to send: new, pending, fixed after being invalid, or failed with
    /// `--retry-failed`. (Rows in doubt are settled by their own phase.)
    pub to_send: u64,
    /// Rows of the file in doubt since an earlier run: settled first, with the body that
    /// may have been sent.
    pub in_doubt: u64,
    /// Valid rows the ledger already records as imported with the same body: skipped.
    pub already_imported: u64,
    /// Rows imported earlier whose body has changed since: reported, not sent.
    pub conflict: u64,
    /// Rows imported earlier whose body has changed since, to import under a new revision
    /// (`--replace-changed`, SPEC §7).
    pub to_replace: u64,
    /// Rows the server refused in an earlier run: not sent without `--retry-failed`.
    pub previously_failed: u64,
    /// Rows that break a rule.
    pub invalid: u64,
    /// Rows that break a rule here, but whose external_id is already imported from a
    /// corrected copy or another file (SPEC §2.4): nothing to fix, not outstanding.
    pub imported_elsewhere: u64,
    /// Rows that are not rewards (totals and note rows, SPEC §2.4): neither sent nor recorded.
    pub skipped: u64,
    /// Valid rows naming a person Feishu did not resolve to one id: not sent.
    pub unresolved: u64,
    /// Valid rows naming a person who could not be looked up this run (the lookup failed
    /// after its retries, or was never made): pending, not sent, looked up next run.
    pub awaiting_people: u64,
    /// Warnings over all rows.
    pub warnings: u64,
}

/// What to do with one valid row, given what the ledger knows of it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    /// Send it.
    Send,
    /// In doubt: settle it with the body that may have been sent (a changed file row is
    /// remembered, to become a conflict once settled).
    Settle,
    /// Already imported with this body.
    Skip,
    /// Imported with another body.
    Conflict,
    /// A conflict whose row is back to the imported body.
    Resolved,
    /// Imported with another body, and replaced under a new revision (SPEC §7).
    Replace,
    /// Refused earlier; kept as it is.
    KeepFailed,
}

/// How the plan treats the rows the ledger already knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    /// Resend rows refused in an earlier run.
    pub retry_failed: bool,
    /// Replace rows changed since they were imported (SPEC §7).
    pub replace_changed: bool,
    /// Refuse the run when it would replace more rows than this.
    pub max_replacements: u64,
    /// With `replace_changed`: replace a row whose referrer changed too (SPEC §7); without
    /// it such a row stays a conflict, so a reassigned e-mail cannot move a reward.
    pub allow_referrer_change: bool,
}

impl Default for Rules {
    fn default() -> Self {
        Rules {
            retry_failed: false,
            replace_changed: false,
            max_replacements: DEFAULT_MAX_REPLACEMENTS,
            allow_referrer_change: false,
        }
    }
}

/// `--max-replacements`' default (SPEC §7).
pub const DEFAULT_MAX_REPLACEMENTS: u64 = 100;

/// The rules of SPEC §4 for one valid row: never resend an imported row, never send a
/// changed one (but replace it when asked, §7), settle rows in doubt, resend failed rows
/// only when asked.
pub fn decide(known: Option<&Known>, rules: &Rules) -> Action {
    let Some(known) = known else {
        return Action::Send;
    };
    let same = known.same_body;
    match known.status {
        Status::Pending | Status::Invalid | Status::Unresolved | Status::Deleted => Action::Send,
        Status::Sending => Action::Settle,
        Status::Failed if rules.retry_failed => Action::Send,
        Status::Failed => Action::KeepFailed,
        // A rollback is deleting it: finish the rollback before importing again.
        Status::Imported | Status::Deleting if same => Action::Skip,
        Status::Conflict if same => Action::Resolved,
        Status::Imported | Status::Conflict if rules.replace_changed => Action::Replace,
        Status::Imported | Status::Conflict | Status::Deleting => Action::Conflict,
    }
}

/// What planning found: the counts, and the first replacements, field by field.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PlanReport {
    /// What the rows came to.
    pub counts: PlanCounts,
    /// The first replacements (at most [`replace::SHOWN`]), old body against new.
    pub replacing: Vec<Replacing>,
    /// More rows would be replaced than `--max-replacements` allows: none of the
    /// replacements was recorded, and the run must not go on.
    pub too_many_replacements: bool,
}

/// Where the plan is recorded.
pub enum PlanTarget<'a> {
    /// A real run: the plan is written to the ledger (on its thread) under `run`.
    Record {
        /// The ledger.
        ledger: &'a LedgerHandle,
        /// This run's id.
        run: i64,
        /// What the file's user ids are (kept with each body, for resends).
        user_id_type: UserIdType,
    },
    /// `--dry-run`: read the ledger if there is one, write nothing.
    DryRun(Option<&'a Ledger>),
}

/// A problem that stops planning.
#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Input(#[from] ReadError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

crate::read::read_errors_into!(PlanError::Input);

/// A checked row with its canonical JSON and hash, made on a checking thread.
struct Prepared {
    checked: Checked,
    canonical: Option<(String, String)>,
    /// Why the people a valid row names could not be resolved (empty when they were).
    unresolved: Vec<Problem>,
    /// The e-mail or mobile the row names its referrer by, if it does: a conflict over a
    /// changed referrer names it.
    referrer_contact: Option<Contact>,
    /// The people it names who could not be looked up this run (empty when none).
    unanswered: Vec<Unanswered>,
}

impl Prepared {
    /// True for an invalid row whose external_id may be imported from elsewhere: one that
    /// keys a ledger row (not empty, not a duplicate, whose id belongs to its first row).
    fn keys_elsewhere(&self) -> bool {
        self.canonical.is_none()
            && self.unresolved.is_empty()
            && self.unanswered.is_empty()
            && self.checked.skipped.is_none()
            && !self.checked.external_id.is_empty()
            && self.checked.duplicate_of.is_none()
    }
}

/// What the ledger knows of a chunk: of each valid row, and of each invalid row that
/// keys one ([`Prepared::keys_elsewhere`]), where its external_id was imported from.
#[derive(Default)]
struct Answers {
    /// One per valid row, in chunk order.
    valid: Vec<Looked>,
    /// One per invalid row keying a ledger row, in chunk order.
    elsewhere: Vec<Option<ImportedFrom>>,
}

/// What the ledger knows of one valid row: of the row standing for it, its latest
/// revision when it has been replaced.
struct Looked {
    known: Option<Known>,
    /// The latest revision's number, when the row has revisions.
    head: Option<i64>,
    /// The row as its latest revision sends it: external_id, canonical JSON and hash.
    revised: Option<(String, String, String)>,
}

/// Plans the whole file; its reasons (invalid rows by rule, conflicts by name, earlier
/// refusals by code in a dry run) go into `reasons`. `each` sees every row's verdict and
/// action (None when invalid).
///
/// Every core shares the work ([`check_rows`]), so a rerun of a million imported rows
/// stays within seconds.
/// `people` holds the ids of the people the file names by e-mail or mobile (the resolve
/// phase's book); without one, such rows are not sent.
pub fn plan(
    reader: &mut RewardFile,
    target: PlanTarget<'_>,
    people: Option<&PeopleBook>,
    rules: &Rules,
    reasons: &mut Reasons,
    each: impl FnMut(&Checked, Option<Action>),
) -> Result<PlanReport, PlanError> {
    let mut planner = Planner {
        parts: reader.parts(),
        target,
        rules,
        reasons,
        each,
        report: PlanReport::default(),
        batch: Vec::with_capacity(BATCH),
        replacements: Vec::new(),
    };
    let mut validator = Validator::for_file(reader);
    // Rows are checked, their people filled in and their bodies hashed on every core;
    // this thread decides and writes the plan, in file order, while the ledger's thread
    // looks up the next chunk.
    let prepare = |checked: &mut Checked| {
        // Kept before the book fills the id in and forgets how the row named the person.
        let referrer_contact = checked
            .people
            .iter()
            .find(|w| w.role == Role::Referrer)
            .map(|w| w.contact.clone());
        let filled = fill_people(people, checked);
        let canonical = checked
            .is_ready()
            .then(|| checked.body.as_ref().map(RewardBody::canonical))
            .flatten();
        (canonical, filled, referrer_contact)
    };
    let mut in_flight: Option<Pending<LookedChunk>> = None;
    check_rows(
        reader,
        &mut validator,
        prepare,
        |rows| -> Result<(), PlanError> {
            let chunk: Vec<Prepared> = rows
                .into_iter()
                .map(|row| {
                    let (canonical, filled, referrer_contact) = row.extra;
                    // A duplicate is known only now: what was made of it before is void.
                    let valid = row.checked.is_valid();
                    let filled = if valid { filled } else { Filled::default() };
                    Prepared {
                        checked: row.checked,
                        canonical: canonical.filter(|_| valid),
                        unresolved: filled.unresolved,
                        unanswered: filled.unanswered,
                        referrer_contact,
                    }
                })
                .collect();
            let ready = match &planner.target {
                PlanTarget::Record { ledger, .. } => {
                    let pending = ledger.call_later(move |l| {
                        let looked = looked(l, &chunk)?;
                        Ok((chunk, looked))
                    })?;
                    in_flight.replace(pending).map(Pending::wait).transpose()?
                }
                PlanTarget::DryRun(ledger) => Some(lookup(*ledger, chunk)?),
            };
            match ready {
                Some((chunk, looked)) => planner.take(chunk, looked),
                None => Ok(()),
            }
        },
    )?;
    if let Some(pending) = in_flight {
        let (chunk, looked) = pending.wait()?;
        planner.take(chunk, looked)?;
    }
    planner.finish()
}

/// A chunk of rows and what the ledger knows of them.
type LookedChunk = (Vec<Prepared>, Answers);

/// The plan being made: what [`plan`] decides, row by row, in file order.
struct Planner<'a, 'r, F> {
    /// The parts of the input, for each row's place.
    parts: Parts,
    target: PlanTarget<'a>,
    rules: &'r Rules,
    reasons: &'r mut Reasons,
    each: F,
    report: PlanReport,
    batch: Vec<Planned>,
    /// Held back until the whole file is planned: a run replacing more than
    /// --max-replacements records none of them.
    replacements: Vec<Planned>,
}

impl<F: FnMut(&Checked, Option<Action>)> Planner<'_, '_, F> {
    /// Decides every row of a looked-up chunk, writing the plan in batches.
    fn take(&mut self, chunk: Vec<Prepared>, answers: Answers) -> Result<(), PlanError> {
        let Planner {
            parts,
            target,
            rules,
            reasons,
            each,
            report,
            batch,
            replacements,
        } = self;
        let rules = *rules;
        let mut looked = answers.valid.into_iter();
        let mut elsewhere = answers.elsewhere.into_iter();
        for prepared in chunk {
            // One answer per invalid row keying a ledger row, in chunk order.
            let imported_from = if prepared.keys_elsewhere() {
                elsewhere.next().flatten()
            } else {
                None
            };
            let Prepared {
                checked,
                canonical,
                unresolved,
                referrer_contact,
                unanswered,
            } = prepared;
            let counts = &mut report.counts;
            counts.rows += 1;
            counts.warnings += checked.warning_count() as u64;
            let origin = parts.origin(checked.part);
            let planned = |external_id: &str, change| Planned {
                external_id: external_id.to_owned(),
                change,
                source_file: origin.as_ref().map(|o| o.file.clone()).unwrap_or_default(),
                source_sheet: origin.as_ref().and_then(|o| o.sheet.clone()),
                source_line: checked.line,
            };
            let place = || place_of(parts, &checked);
            if let Some(skip) = &checked.skipped {
                // Not a reward: nothing recorded, nothing sent, nothing outstanding.
                counts.skipped += 1;
                reasons.add(Outcome::Skipped, skip.key(), skip.summary(), Some(place()));
                each(&checked, None);
                continue;
            }
            if !unresolved.is_empty() {
                counts.unresolved += 1;
                add_unresolved(reasons, &unresolved, &place());
                batch.push(planned(
                    &checked.external_id,
                    Change::Unresolved {
                        errors: crate::problem::joined(&unresolved),
                    },
                ));
                each(&checked, None);
                continue;
            }
            if let Some(first) = unanswered.first() {
                // An outage is not "no such person" (issue 22): pending, not sent, and its
                // people looked up again next run.
                counts.awaiting_people += 1;
                reasons.add(
                    Outcome::Pending,
                    &format!("people:{}", first.why),
                    &format!(
                        "not sent: their people could not be looked up ({}); the next run looks them up again",
                        first.why
                    ),
                    Some(place()),
                );
                let problems: Vec<Problem> = unanswered.into_iter().map(|u| u.problem).collect();
                batch.push(planned(
                    &checked.external_id,
                    Change::AwaitingPeople {
                        errors: crate::problem::joined(&problems),
                    },
                ));
                each(&checked, None);
                continue;
            }
            if let Some(from) = imported_from {
                // Fixed elsewhere: nothing recorded (the imported row keeps its source),
                // nothing to fix, not outstanding.
                counts.imported_elsewhere += 1;
                let reason = from.reason();
                reasons.add(Outcome::FixedElsewhere, &reason, &reason, Some(place()));
                each(&checked, None);
                continue;
            }
            let Some((json, hash)) = canonical else {
                counts.invalid += 1;
                add_invalid(reasons, &checked, &place());
                // A duplicate's external_id belongs to its first row; an empty one keys nothing.
                if !checked.external_id.is_empty() && checked.duplicate_of.is_none() {
                    batch.push(planned(
                        &checked.external_id,
                        Change::Invalid {
                            errors: checked.errors_text(),
                        },
                    ));
                }
                each(&checked, None);
                continue;
            };
            // One answer per valid row, in chunk order.
            let Looked {
                known,
                head,
                revised,
            } = looked.next().unwrap_or(Looked {
                known: None,
                head: None,
                revised: None,
            });
            // A row with revisions is its latest revision from now on.
            let (key, json, hash) =
                revised.unwrap_or_else(|| (checked.external_id.clone(), json, hash));
            let mut action = decide(known.as_ref(), rules);
            // Feishu's body of the row, read only for rows that would be replaced: to
            // compare referrers, and to show the first replacements field by field.
            let mut old_body = None;
            let mut moved = None;
            if action == Action::Replace {
                if !rules.allow_referrer_change || report.replacing.len() < replace::SHOWN {
                    old_body = body_of(target, &key)?;
                }
                if !rules.allow_referrer_change
                    && let (Some(old), Some(body)) = (&old_body, &checked.body)
                {
                    moved = ReferrerChange::between(old, body, referrer_contact);
                }
                if moved.is_some() {
                    action = Action::Conflict;
                }
            }
            match action {
                Action::Send | Action::Settle => {
                    if action == Action::Send {
                        counts.to_send += 1;
                    } else {
                        counts.in_doubt += 1;
                    }
                    if let PlanTarget::Record { user_id_type, .. } = &target {
                        batch.push(planned(
                            &key,
                            Change::Send {
                                body: json,
                                hash,
                                user_id_type: *user_id_type,
                            },
                        ));
                    }
                }
                Action::Skip => counts.already_imported += 1,
                Action::Resolved => {
                    counts.already_imported += 1;
                    batch.push(planned(&key, Change::Resolved));
                }
                Action::Replace => {
                    counts.to_replace += 1;
                    let revision = head.unwrap_or(1) + 1;
                    let new_key = revision_id(&checked.external_id, revision);
                    let Some(mut body) = checked.body.clone() else {
                        continue;
                    };
                    body.external_id.clone_from(&new_key);
                    let (new_json, new_hash) = body.canonical();
                    if report.replacing.len() < replace::SHOWN {
                        let old = old_body;
                        report.replacing.push(Replacing::new(
                            &checked.external_id,
                            place().text,
                            &key,
                            &new_key,
                            old.as_deref(),
                            &new_json,
                        ));
                    }
                    if let PlanTarget::Record { user_id_type, .. } = &target
                        && counts.to_replace <= rules.max_replacements
                    {
                        replacements.push(planned(
                            &new_key,
                            Change::Replace {
                                chain: checked.external_id.clone(),
                                revision,
                                held: key,
                                body: new_json,
                                hash: new_hash,
                                user_id_type: *user_id_type,
                            },
                        ));
                    }
                }
                Action::Conflict => {
                    counts.conflict += 1;
                    let at = place();
                    let at =
                        Place::named(at.order, format!("{} ({})", checked.external_id, at.text));
                    match &moved {
                        Some(moved) => reasons.add(
                            Outcome::Conflict,
                            &moved.key(),
                            &moved.to_string(),
                            Some(at),
                        ),
                        None => reasons.add(
                            Outcome::Conflict,
                            "conflict",
                            "changed since it was imported; Feishu keeps the body it was sent first, so the change is not sent",
                            Some(at),
                        ),
                    }
                    batch.push(planned(&key, Change::Conflict { changed_hash: hash }));
                }
                Action::KeepFailed => {
                    counts.previously_failed += 1;
                    match &target {
                        PlanTarget::Record { .. } => batch.push(planned(&key, Change::KeepFailed)),
                        PlanTarget::DryRun(ledger) => {
                            add_earlier_refusal(reasons, *ledger, &key, place())?;
                        }
                    }
                }
            }
            each(&checked, Some(action));
            if batch.len() >= BATCH {
                flush(target, batch)?;
            }
        }
        Ok(())
    }

    /// Writes what is left of the plan; holds the replacements back when there are more
    /// than --max-replacements.
    fn finish(mut self) -> Result<PlanReport, PlanError> {
        flush(&mut self.target, &mut self.batch)?;
        if self.report.counts.to_replace > self.rules.max_replacements {
            self.report.too_many_replacements = true;
        } else {
            flush(&mut self.target, &mut self.replacements)?;
        }
        Ok(self.report)
    }
}

/// The body the ledger records for `key` (what Feishu holds of a row to replace).
fn body_of(target: &PlanTarget<'_>, key: &str) -> Result<Option<String>, LedgerError> {
    match target {
        PlanTarget::Record { ledger, .. } => {
            let key = key.to_owned();
            ledger.call_blocking(move |l| l.body_of(&key))
        }
        PlanTarget::DryRun(Some(ledger)) => ledger.body_of(key),
        PlanTarget::DryRun(None) => Ok(None),
    }
}

/// Counts an invalid row under each rule it breaks.
fn add_invalid(reasons: &mut Reasons, checked: &Checked, place: &Place) {
    for problem in checked.errors() {
        let column = problem.column.as_deref().unwrap_or("row");
        let key = format!("{column}:{}", problem.rule.name());
        let message = match &problem.column {
            Some(column) => format!("column {column}: {}", problem.rule.summary()),
            None => problem.rule.summary().to_owned(),
        };
        reasons.add(Outcome::Invalid, &key, &message, Some(place.clone()));
    }
}

/// Counts an unresolved row under each column whose person was not resolved.
fn add_unresolved(reasons: &mut Reasons, problems: &[Problem], place: &Place) {
    for problem in problems {
        let column = problem.column.as_deref().unwrap_or("row");
        reasons.add(
            Outcome::Unresolved,
            &format!("{column}:{}", problem.rule.name()),
            &format!("column {column}: {}", problem.message),
            Some(place.clone()),
        );
    }
}

/// Fills a valid row's people from the book (and says of those not resolved why); with no
/// book, no one was looked up and every person is unanswered.
pub(super) fn fill_people(people: Option<&PeopleBook>, checked: &mut Checked) -> Filled {
    match people {
        Some(book) => book.fill(checked),
        None if checked.people.is_empty() => Filled::default(),
        None => PeopleBook::default().fill(checked),
    }
}

/// A row's place as the summary lists it: `FILE:LINE`, `FILE[SHEET]:ROW`.
fn place_of(parts: &Parts, checked: &Checked) -> Place {
    Place::named(
        Parts::order(checked.part, checked.line),
        parts.at(checked.part, checked.line),
    )
}

/// A dry run's earlier refusal (of the row standing for the file's row), read straight
/// from the ledger.
fn add_earlier_refusal(
    reasons: &mut Reasons,
    ledger: Option<&Ledger>,
    key: &str,
    place: Place,
) -> Result<(), LedgerError> {
    if let Some(refusal) = ledger.map(|l| l.refusal(key)).transpose()?.flatten() {
        let key = refusal
            .code
            .map_or_else(|| "refused".to_owned(), |c| c.to_string());
        reasons.add(Outcome::FailedEarlier, &key, &refusal.message, Some(place));
    }
    Ok(())
}

/// The `(external_id, hash)` of each valid row of a chunk, in order.
fn keys(chunk: &[Prepared]) -> Vec<(&str, &str)> {
    chunk
        .iter()
        .filter_map(|p| {
            Some((
                p.checked.external_id.as_str(),
                p.canonical.as_ref()?.1.as_str(),
            ))
        })
        .collect()
}

/// What the ledger knows of a chunk: its valid rows ([`looked_valid`]) and where its
/// invalid rows' external_ids were imported from, if they were (SPEC §2.4). A chunk with
/// no invalid row costs no second lookup.
fn looked(ledger: &Ledger, chunk: &[Prepared]) -> Result<Answers, LedgerError> {
    let invalid: Vec<&str> = chunk
        .iter()
        .filter(|p| p.keys_elsewhere())
        .map(|p| p.checked.external_id.as_str())
        .collect();
    Ok(Answers {
        valid: looked_valid(ledger, chunk)?,
        elsewhere: ledger.imported_from_all(&invalid)?,
    })
}

/// What the ledger knows of each valid row of a chunk, in order. A row replaced by
/// revisions is looked up again as its latest revision: rare, and batched like the rest.
fn looked_valid(ledger: &Ledger, chunk: &[Prepared]) -> Result<Vec<Looked>, LedgerError> {
    let known = ledger.lookup_all(&keys(chunk))?;
    let valid = chunk.iter().filter(|p| p.canonical.is_some());
    let mut looked: Vec<Looked> = Vec::with_capacity(known.len());
    let mut revised = Vec::new();
    for (prepared, known) in valid.zip(known) {
        let head = known
            .as_ref()
            .and_then(|k| k.head_revision)
            .filter(|n| *n > 1);
        if let (Some(n), Some(body)) = (head, &prepared.checked.body) {
            let mut body = body.clone();
            body.external_id = revision_id(&prepared.checked.external_id, n);
            let (json, hash) = body.canonical();
            revised.push((looked.len(), (body.external_id, json, hash)));
        }
        looked.push(Looked {
            known,
            head,
            revised: None,
        });
    }
    if !revised.is_empty() {
        let pairs: Vec<(&str, &str)> = revised
            .iter()
            .map(|(_, (key, _, hash))| (key.as_str(), hash.as_str()))
            .collect();
        let heads = ledger.lookup_all(&pairs)?;
        for ((at, form), known) in revised.into_iter().zip(heads) {
            looked[at].known = known;
            looked[at].revised = Some(form);
        }
    }
    Ok(looked)
}

/// A dry run's lookup, on this thread: what the ledger (if any) knows of the chunk's rows.
fn lookup(ledger: Option<&Ledger>, chunk: Vec<Prepared>) -> Result<LookedChunk, LedgerError> {
    let answers = match ledger {
        Some(ledger) => looked(ledger, &chunk)?,
        None => Answers::default(),
    };
    Ok((chunk, answers))
}

fn flush(target: &mut PlanTarget<'_>, batch: &mut Vec<Planned>) -> Result<(), LedgerError> {
    if let PlanTarget::Record { ledger, run, .. } = target
        && !batch.is_empty()
    {
        let rows = std::mem::replace(batch, Vec::with_capacity(BATCH));
        let run = *run;
        return ledger.call_blocking(move |l| l.apply_plan(run, &rows));
    }
    batch.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(status: Status, hash: &str) -> Known {
        Known {
            id: 1,
            status,
            same_body: hash == "h",
            head_revision: None,
        }
    }

    #[test]
    fn decisions_follow_the_ledger_rules() {
        use Action::*;
        let cases = [
            (None, false, Send),
            (Some(known(Status::Pending, "h")), false, Send),
            (Some(known(Status::Sending, "other")), false, Settle),
            (Some(known(Status::Sending, "h")), false, Settle),
            (Some(known(Status::Invalid, "other")), false, Send),
            (Some(known(Status::Unresolved, "other")), false, Send),
            (Some(known(Status::Failed, "h")), false, KeepFailed),
            (Some(known(Status::Failed, "h")), true, Send),
            (Some(known(Status::Imported, "h")), true, Skip),
            (Some(known(Status::Imported, "other")), false, Conflict),
            (Some(known(Status::Conflict, "h")), false, Resolved),
            (Some(known(Status::Conflict, "other")), false, Conflict),
            (Some(known(Status::Deleted, "h")), false, Send),
            (Some(known(Status::Deleting, "h")), false, Skip),
        ];
        for (known, retry, expected) in cases {
            let rules = Rules {
                retry_failed: retry,
                ..Rules::default()
            };
            assert_eq!(decide(known.as_ref(), &rules), expected, "{known:?}");
        }
        // With --replace-changed, a changed row that Feishu holds is replaced; one a
        // rollback is deleting is not.
        let replacing = Rules {
            replace_changed: true,
            ..Rules::default()
        };
        for (status, expected) in [
            (Status::Imported, Replace),
            (Status::Conflict, Replace),
            (Status::Deleting, Conflict),
        ] {
            let changed = known(status, "other");
            assert_eq!(decide(Some(&changed), &replacing), expected, "{status}");
            let same = known(status, "h");
            assert_ne!(decide(Some(&same), &replacing), Replace, "{status}");
        }
    }

    /// `csv` as the file `p.csv`.
    fn csv_file(csv: &str) -> RewardFile {
        RewardFile::from_csv(
            "p.csv".into(),
            Box::new(std::io::Cursor::new(csv.as_bytes().to_vec())),
            &crate::read::mapping::InputOptions::default(),
        )
        .unwrap()
    }

    /// The people book's key of an employee by e-mail.
    fn user(email: &str) -> crate::ledger::PersonKey {
        crate::ledger::PersonKey {
            directory: crate::ledger::Directory::Users(UserIdType::OpenId),
            contact: crate::read::person::Contact::Email(email.into()),
        }
    }

    #[test]
    fn a_plan_with_a_people_book_sends_the_resolved_and_counts_the_unresolved() {
        use crate::people::book::Resolution;

        let csv = "referral_user_email,application_id,external_id,rule_type,stage,point_bonus\n\
            known@example.com,7214,R1,1,3,100\n\
            gone@example.com,7214,R2,1,3,100\n\
            ,7214,R3,1,3,100\n";
        let mut file = csv_file(csv);
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(user("known@example.com"), Resolution::Found("ou_k".into()));
        book.insert(user("gone@example.com"), Resolution::NotFound);
        let mut reasons = Reasons::default();
        let mut sent = Vec::new();
        let counts = plan(
            &mut file,
            PlanTarget::DryRun(None),
            Some(&book),
            &Rules::default(),
            &mut reasons,
            |checked, action| {
                if action == Some(Action::Send) {
                    sent.push(checked.body.as_ref().unwrap().referral_user_id.clone());
                }
            },
        )
        .unwrap()
        .counts;
        assert_eq!(
            (
                counts.rows,
                counts.to_send,
                counts.unresolved,
                counts.invalid
            ),
            (3, 1, 1, 1)
        );
        assert_eq!(sent, ["ou_k"]);
        let groups = reasons.of(Outcome::Unresolved);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].at, ["p.csv:3"]);
        assert!(
            groups[0].message.starts_with(
                "column referral_user_email: no Feishu user has e-mail \"gone@example.com\""
            ),
            "{}",
            groups[0].message
        );
    }

    /// Issue 22: in one run, a person Feishu answered it does not have is unresolved, and a
    /// person whose lookup failed leaves their row pending, under its own reason.
    #[test]
    fn a_row_whose_people_could_not_be_looked_up_is_pending_not_unresolved() {
        use crate::people::book::Resolution;

        let csv = "referral_user_email,application_id,external_id,rule_type,stage,point_bonus\n\
            gone@example.com,7214,R1,1,3,100\n\
            later@example.com,7214,R2,1,3,100\n";
        let mut file = csv_file(csv);
        let mut book = PeopleBook::new(UserIdType::OpenId);
        book.insert(user("gone@example.com"), Resolution::NotFound);
        book.insert(
            user("later@example.com"),
            Resolution::Unanswered("Feishu did not answer: HTTP 503".into()),
        );
        let mut reasons = Reasons::default();
        let counts = plan(
            &mut file,
            PlanTarget::DryRun(None),
            Some(&book),
            &Rules::default(),
            &mut reasons,
            |_, _| {},
        )
        .unwrap()
        .counts;
        assert_eq!(
            (counts.to_send, counts.unresolved, counts.awaiting_people),
            (0, 1, 1)
        );
        assert_eq!(reasons.of(Outcome::Unresolved)[0].at, ["p.csv:2"]);
        let pending = reasons.of(Outcome::Pending);
        assert_eq!(pending.len(), 1);
        assert_eq!(pending[0].at, ["p.csv:3"]);
        assert_eq!(
            pending[0].message,
            "not sent: their people could not be looked up (Feishu did not answer: HTTP 503); the next run looks them up again"
        );
    }
}
