//! The importer: plan the file against the ledger, settle what earlier runs left in doubt,
//! send what the plan says at the documented rate, and record every step (SPEC §4, §5),
//! all through the one run driver.

use std::path::PathBuf;
use std::sync::Arc;

use crate::feishu::UserIdType;
use crate::ledger::{Ledger, LedgerError, RunKind};
use crate::people::cache;
use crate::phases::{delete, lookups, send};
use crate::plan;
use crate::read::ReadError;
use crate::read::mapping::{InputOptions, RewardFile};
use crate::read::validate::{Checked, Validator};
use crate::report::summary::{Outcome, Place, Reasons, Summary, Vocabulary, WrittenFile};
use crate::report::{ErrorsFile, ErrorsFileError, Reserved};
use crate::run::{Opened, Session, StepError};

pub use crate::plan::replace::{Difference, Replacing};
pub use crate::plan::{Action, DEFAULT_MAX_REPLACEMENTS, PlanCounts, PlanError, Rules};

/// The import's words.
pub const WORDS: Vocabulary = Vocabulary {
    noun: "row",
    done: ("imported", "imported now"),
    already_done: ("already_imported", "already imported"),
    failed: ("failed", "failed"),
    replaced: Some(("replaced", "replaced now")),
    skipped: Some(("skipped", "skipped")),
    fixed_elsewhere: Some(("imported_elsewhere", "imported elsewhere")),
};

/// What to import, and how.
#[derive(Debug, Clone)]
pub struct ImportOptions {
    /// The rewards files (one, or several read as one).
    pub files: Vec<PathBuf>,
    /// How to read it.
    pub input: InputOptions,
    /// The ledger's path.
    pub ledger: PathBuf,
    /// What the file's user ids are.
    pub user_id_type: UserIdType,
    /// Resend rows the server refused in an earlier run; replace changed ones.
    pub rules: Rules,
    /// Write every invalid and failed row here after the run.
    pub errors: Option<PathBuf>,
    /// Look up resigned employees too (SPEC §2.3).
    pub include_resigned: bool,
    /// Look everyone up again, whatever the ledger's cache knows.
    pub refresh_people: bool,
}

/// What stops an import before it begins (exit 2; 4 for a ledger that cannot be written).
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Input(#[from] ReadError),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    ErrorsFile(#[from] ErrorsFileError),
}

crate::read::read_errors_into!(ImportError::Input);

impl From<PlanError> for StepError {
    fn from(e: PlanError) -> Self {
        match e {
            PlanError::Input(e) => StepError::Input(e),
            PlanError::Ledger(e) => StepError::Ledger(e),
        }
    }
}

impl From<ErrorsFileError> for StepError {
    fn from(e: ErrorsFileError) -> Self {
        let path = match &e {
            ErrorsFileError::IsInput { path }
            | ErrorsFileError::IsDirectory { path }
            | ErrorsFileError::Write { path, .. }
            | ErrorsFileError::TooBigForXlsx { path, .. } => path.clone(),
        };
        StepError::Output {
            path,
            detail: e.to_string(),
        }
    }
}

/// The plan as shown before anything is sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// What the file's rows came to.
    pub counts: PlanCounts,
    /// The first rows to replace, field by field (SPEC §7).
    pub replacing: Vec<Replacing>,
    /// `--max-replacements`, when the plan would replace more rows than it allows.
    pub refused_over: Option<u64>,
    /// Rows in doubt in the whole ledger (this file's and others'), settled first.
    pub in_doubt: u64,
    /// The people the file names by e-mail or mobile, when it names any.
    pub people: Option<cache::PeopleCounts>,
}

/// Runs an import: plan, settle doubts, send, record, write the errors file. `on_plan` sees
/// the plan before anything is sent.
pub fn run(
    session: &Session,
    options: &ImportOptions,
    on_plan: &mut dyn FnMut(&Plan),
) -> Result<Summary, ImportError> {
    let mut reader = RewardFile::open_all(&options.files, &options.input)?;
    let errors = options
        .errors
        .as_deref()
        .map(|path| Reserved::new(path, &options.files))
        .transpose()?;
    let file = reader.described();
    let word = reader.kind().position_word();
    let names_people = cache::names_people(&reader);
    let mut run =
        Opened::open(session, &options.ledger)?.begin(RunKind::Import, WORDS, Some(&file))?;
    // The resolve phase (SPEC §2.3): the file's people, the cache, then the lookups.
    let book: lookups::SharedBook = Arc::default();
    let mut people_counts = None;
    let mut lookups = None;
    if names_people {
        run.step(|run| {
            let mut first = RewardFile::open_all(&options.files, &options.input)?;
            let named = crate::people::book::people_of_file(&mut first, options.user_id_type)?;
            let (uid, refresh) = (options.user_id_type, options.refresh_people);
            let (cached, unknown, counts) = run.ledger().call_blocking(move |ledger| {
                cache::from_cache(Some(ledger), named, uid, refresh)
            })?;
            *book.lock().unwrap_or_else(|e| e.into_inner()) = cached;
            people_counts = Some(counts);
            lookups = Some(lookups::plan_lookups(
                unknown,
                options.include_resigned,
                options.user_id_type,
                &book,
            ));
            Ok(())
        });
    }
    if let Some((users, talents)) = lookups {
        run.phase(users);
        let refused_whole = talents.refused_whole();
        run.phase(talents);
        // A batch Feishu refused whole for one invalid mobile: each value again, alone.
        if let Some(split) = lookups::TalentLookups::split(&refused_whole, &book) {
            run.phase(split);
        }
    }
    run.step(|run| {
        if run.is_halted() {
            // Stopped while looking people up: nothing is planned, nothing sent.
            return Ok(());
        }
        let mut reasons = Reasons::default();
        let target = plan::PlanTarget::Record {
            ledger: run.ledger(),
            run: run.id(),
            user_id_type: options.user_id_type,
        };
        let book = book.lock().unwrap_or_else(|e| e.into_inner());
        let report = plan::plan(
            &mut reader,
            target,
            names_people.then_some(&*book),
            &options.rules,
            &mut reasons,
            |_, _| {},
        )?;
        let counts = report.counts;
        run.summary().skipped_parts = reader.skipped_parts();
        run.summary().hidden_rows = reader.hidden_rows();
        let id = run.id();
        let (kept, in_doubt) = run.ledger().call_blocking(move |ledger| {
            let mut kept = Reasons::default();
            ledger.for_each_kept_refusal(id, |refusal, order, at| {
                let key = refusal
                    .code
                    .map_or_else(|| "refused".to_owned(), |c| c.to_string());
                let at = at.map(|at| Place::named(order, at));
                kept.add(Outcome::FailedEarlier, &key, &refusal.message, at);
            })?;
            Ok((kept, ledger.count_in_doubt()?))
        })?;
        reasons.merge(kept);
        record_plan(run.summary(), &counts, reasons);
        let refused_over = report
            .too_many_replacements
            .then_some(options.rules.max_replacements);
        on_plan(&Plan {
            counts,
            replacing: report.replacing,
            refused_over,
            in_doubt,
            people: people_counts,
        });
        match refused_over {
            Some(max) => Err(StepError::Refused(too_many_replacements(
                counts.to_replace,
                max,
            ))),
            None => Ok(()),
        }
    });
    run.phase(send::SendRows(send::Rows::InDoubt, word));
    run.phase(send::SendRows(send::Rows::Planned, word));
    // Import first, delete second: the earlier rewards whose revisions Feishu now holds
    // (this run's, or an interrupted run's).
    run.phase(delete::Retire::new());
    run.step(|run| {
        let id = run.id();
        let retired = run.ledger().call_blocking(move |l| l.count_retired(id))?;
        run.summary().retired = retired;
        Ok(())
    });
    if let Some(reserved) = errors {
        // Written whatever happened, so the rows refused so far are in it.
        let (path, input) = (options.files.clone(), options.input.clone());
        let shown = reserved.path().to_owned();
        let people = names_people.then(|| Arc::clone(&book));
        let written = run.ledger().call_blocking(move |ledger| {
            let book = people
                .as_ref()
                .map(|b| b.lock().unwrap_or_else(|e| e.into_inner()));
            Ok(write_errors_file(
                ledger,
                &path,
                &input,
                reserved,
                book.as_deref(),
            ))
        });
        run.step(|run| {
            let rows = written??;
            run.summary().written = Some(WrittenFile { path: shown, rows });
            Ok(())
        });
    }
    Ok(run.finish())
}

/// Why a run that would replace too many rewards stops before sending anything.
fn too_many_replacements(count: u64, max: u64) -> String {
    format!(
        "this run would replace {} changed since they were imported, more than --max-replacements {max}; nothing was sent. A broken export can look like this: check the changes (`rewardsync import FILE --replace-changed --dry-run` lists them field by field), then raise --max-replacements if they are right",
        crate::text::counted(count, "reward")
    )
}

/// Puts the plan's outcomes into the summary: the rows that will not be sent, and why.
fn record_plan(summary: &mut Summary, counts: &PlanCounts, reasons: Reasons) {
    summary.items = counts.rows;
    summary.warnings = counts.warnings;
    summary.count(Outcome::AlreadyDone, counts.already_imported);
    summary.count(Outcome::Conflict, counts.conflict);
    summary.count(Outcome::FailedEarlier, counts.previously_failed);
    summary.count(Outcome::Invalid, counts.invalid);
    summary.count(Outcome::FixedElsewhere, counts.imported_elsewhere);
    summary.count(Outcome::Skipped, counts.skipped);
    summary.count(Outcome::Unresolved, counts.unresolved);
    // Rows whose people could not be looked up are pending, with their own reason.
    summary.count(Outcome::Pending, counts.awaiting_people);
    summary.reasons.merge(reasons);
    summary.extra.insert(
        "plan".into(),
        serde_json::to_value(counts).unwrap_or_default(),
    );
}

/// Writes every invalid row (with its errors) and every row the server refused (with its
/// code, msg and log id), reading the file once more: failures are rare, and this keeps
/// the send phase from holding rows in memory. An invalid row whose external_id is
/// already imported from elsewhere (SPEC §2.4) needs no fixing and is left out.
fn write_errors_file(
    ledger: &Ledger,
    files: &[PathBuf],
    input: &InputOptions,
    reserved: Reserved,
    people: Option<&crate::people::book::PeopleBook>,
) -> Result<u64, StepError> {
    let mut reader = RewardFile::open_all(files, input)?;
    let mut errors = ErrorsFile::create(reserved, &reader)?;
    let mut validator = Validator::for_file(&reader);
    while let Some((row, mut checked)) = validator.next(&mut reader)? {
        // Rows whose people could not be looked up need no fixing: they stay out.
        let unresolved = plan::fill_people(people, &mut checked).unresolved;
        if checked.skipped.is_some() {
            // Not a reward: nothing to fix.
            continue;
        }
        if !checked.is_valid() {
            if !fixed_elsewhere(ledger, &checked)? {
                errors.write_checked(&row, &checked)?;
            }
        } else if !unresolved.is_empty() {
            errors.write(&row, &crate::problem::joined(&unresolved))?;
        } else if let Some(refusal) = ledger.refusal(&checked.external_id)? {
            let mut text = match refusal.code {
                Some(code) => format!("refused by Feishu: code {code}: "),
                None => "refused: ".to_owned(),
            };
            text.push_str(&refusal.message);
            if let Some(log_id) = refusal.log_id {
                text.push_str(&format!(" (log id {log_id})"));
            }
            errors.write(&row, &text)?;
        }
    }
    Ok(errors.finish()?)
}

/// True for an invalid row whose external_id the ledger holds as imported (the plan's
/// rule: a duplicate's or an empty external_id is no such row's).
fn fixed_elsewhere(ledger: &Ledger, checked: &Checked) -> Result<bool, LedgerError> {
    if checked.external_id.is_empty() || checked.duplicate_of.is_some() {
        return Ok(false);
    }
    let found = ledger.imported_from_all(&[checked.external_id.as_str()])?;
    Ok(found.into_iter().next().flatten().is_some())
}

/// What a dry run found: its summary (nothing sent, nothing written) and the first bodies
/// it would send.
#[derive(Debug, Clone)]
pub struct DryRun {
    /// The plan as a summary.
    pub summary: Summary,
    /// The plan.
    pub plan: Plan,
    /// The first bodies that would be sent, as canonical JSON.
    pub bodies: Vec<String>,
}

/// A dry run: the plan and the first bodies; no network, no ledger writes, no credentials.
pub fn dry_run(options: &ImportOptions, preview: usize) -> Result<DryRun, ImportError> {
    let mut reader = RewardFile::open_all(&options.files, &options.input)?;
    let ledger = Ledger::open_read_only(&options.ledger)?;
    // No lookups: the people the cache does not know stand as "(looked up at import: …)".
    let people = if cache::names_people(&reader) {
        let mut first = RewardFile::open_all(&options.files, &options.input)?;
        let named = crate::people::book::people_of_file(&mut first, options.user_id_type)?;
        let (mut book, unknown, counts) = cache::from_cache(
            ledger.as_ref(),
            named,
            options.user_id_type,
            options.refresh_people,
        )?;
        for key in unknown {
            book.insert(key, crate::people::book::Resolution::ToLookUp);
        }
        Some((book, counts))
    } else {
        None
    };
    let mut bodies = Vec::new();
    let mut reasons = Reasons::default();
    let report = plan::plan(
        &mut reader,
        plan::PlanTarget::DryRun(ledger.as_ref()),
        people.as_ref().map(|(book, _)| book),
        &options.rules,
        &mut reasons,
        |checked, action| {
            if action == Some(Action::Send)
                && bodies.len() < preview
                && let Some(body) = &checked.body
            {
                bodies.push(body.to_canonical_json());
            }
        },
    )
    .map_err(|e| match e {
        PlanError::Input(e) => ImportError::Input(e),
        PlanError::Ledger(e) => ImportError::Ledger(e),
    })?;
    let counts = report.counts;
    let in_doubt = ledger
        .as_ref()
        .map(Ledger::count_in_doubt)
        .transpose()?
        .unwrap_or(0);
    let mut summary = Summary::new("import", WORDS);
    summary.dry_run = true;
    summary.file = Some(reader.described());
    summary.skipped_parts = reader.skipped_parts();
    summary.hidden_rows = reader.hidden_rows();
    summary.ledger = Some(options.ledger.display().to_string());
    summary.target = ledger.as_ref().map(Ledger::target).transpose()?.flatten();
    record_plan(&mut summary, &counts, reasons);
    let refused_over = report
        .too_many_replacements
        .then_some(options.rules.max_replacements);
    if let Some(max) = refused_over {
        // The run itself would stop here: the rehearsal says so, with the same exit.
        summary.end_with(crate::report::summary::End::BadInput {
            message: too_many_replacements(counts.to_replace, max),
        });
    }
    Ok(DryRun {
        summary,
        plan: Plan {
            counts,
            replacing: report.replacing,
            refused_over,
            in_doubt,
            people: people.map(|(_, counts)| counts),
        },
        bodies,
    })
}
