//! `rewardsync rollback`: delete the rewards a run imported (or the ones named), through the
//! importer's engine, throttle, client and ledger, resumably: each row is marked `deleting`
//! before its delete leaves, so a crash or Ctrl-C is finished by running the same command.

use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use anyhow::Context;
use serde::Serialize;

use crate::cli::RollbackArgs;
use rewardsync::exit::Exit;
use rewardsync::feishu::{Client, Failure};
use rewardsync::ledger::{Ledger, LedgerHandle, Selection, Status, Target};
use rewardsync::progress::{Progress, ProgressMode, Tally};
use rewardsync::throttle::{Rate, Throttle};

/// Rows shown before asking.
const PREVIEW: usize = 5;

/// How a rollback ended (`--json` prints it as it is).
#[derive(Debug, Clone, Serialize)]
struct Summary {
    ledger: String,
    target: Target,
    /// This rollback's run id (None for a dry run).
    run_id: Option<i64>,
    /// The import run rolled back, for `--run`.
    rolled_back_run: Option<i64>,
    dry_run: bool,
    /// Rows the rollback covered (in doubt from an earlier rollback included).
    covered: u64,
    /// Of those, in doubt from an earlier rollback.
    in_doubt_before: u64,
    deleted: u64,
    /// Refused by Feishu: the row keeps its reward (and its earlier state).
    refused: u64,
    /// Still to delete: not attempted, or in doubt (`deleting`); the next rollback sends them.
    left: u64,
    /// Named external_ids with nothing to delete, and why.
    skipped: Vec<Skipped>,
    rate_limited: u64,
    retried: u64,
    elapsed_seconds: f64,
    rate: f64,
    interrupted: bool,
    fatal: Option<String>,
    advice: Option<String>,
    exit_code: u8,
}

/// A named external_id the rollback does not delete.
#[derive(Debug, Clone, Serialize)]
struct Skipped {
    external_id: String,
    /// Its ledger state (None: not in the ledger).
    status: Option<String>,
}

impl Summary {
    /// A rollback's summary before anything is deleted.
    fn planned(
        ledger: &str,
        target: Target,
        rolled_back_run: Option<i64>,
        dry_run: bool,
        (covered, in_doubt_before): (u64, u64),
        skipped: Vec<Skipped>,
    ) -> Summary {
        Summary {
            ledger: ledger.to_owned(),
            target,
            run_id: None,
            rolled_back_run,
            dry_run,
            covered,
            in_doubt_before,
            deleted: 0,
            refused: 0,
            left: covered,
            skipped,
            rate_limited: 0,
            retried: 0,
            elapsed_seconds: 0.0,
            rate: 0.0,
            interrupted: false,
            fatal: None,
            advice: None,
            exit_code: 0,
        }
    }

    /// SPEC §3: 0 when every covered row is deleted.
    fn exit(&self) -> Exit {
        let in_doubt_import = self
            .skipped
            .iter()
            .any(|s| s.status.as_deref() == Some(Status::Sending.as_str()));
        if self.fatal.is_some() {
            Exit::Fatal
        } else if self.interrupted {
            Exit::Interrupted
        } else if self.refused + self.left == 0 && !in_doubt_import {
            Exit::Success
        } else {
            Exit::Incomplete
        }
    }
}

/// Runs a rollback (or its dry run).
pub fn run(args: RollbackArgs) -> anyhow::Result<Exit> {
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        anyhow::bail!("--rate {} must be a number above 0", args.rate);
    }
    let selection = match args.run {
        Some(run) => Selection::Run(run),
        None if !args.external_id.is_empty() => Selection::ExternalIds(args.external_id.clone()),
        None => anyhow::bail!("say what to roll back: --run RUN_ID or --external-id ID…"),
    };
    if args.dry_run {
        return dry_run(&args, &selection);
    }
    let client = super::connect(&args.target)?;
    // Opening creates a ledger, and a rollback has nothing to do with a new one.
    if !args.ledger.ledger.exists() {
        anyhow::bail!(
            "{}: no ledger here; pass --ledger PATH of the ledger the import wrote",
            args.ledger.ledger.display()
        );
    }
    let ledger = Ledger::open(&args.ledger.ledger)?;
    let target = pin(&ledger, &client)?;
    let skipped = check_selection(&ledger, &selection)?;
    let started = Instant::now();
    let (covered, in_doubt) = ledger.count_to_delete(&selection)?;
    let mut summary = Summary::planned(
        ledger.path(),
        target,
        args.run,
        false,
        (covered, in_doubt),
        skipped,
    );
    {
        let mut shown = shown_to(args.json);
        preview(&mut shown, &ledger, &selection, &summary)?;
    }
    if covered > 0 && !args.yes {
        confirm(covered)?;
    }

    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let run = ledger.begin_run("rollback", None)?;
    summary.run_id = Some(run);
    let handle = LedgerHandle::spawn(ledger)?;
    if covered > 0 {
        // A wrong secret is found before any row is touched.
        if let Err(failure) = runtime.block_on(client.check_credentials()) {
            note_fatal(&mut summary, &failure);
        } else {
            let tally = Arc::new(Tally::default());
            let progress = Progress::start(
                ProgressMode::detect(args.no_progress),
                covered,
                Arc::clone(&tally),
                "deleted",
            );
            let throttle = Arc::new(Throttle::new(Rate::per_second(args.rate)));
            let send_started = Instant::now();
            let report = runtime.block_on(rewardsync::rollback::delete_all(
                handle.clone(),
                client,
                throttle,
                run,
                selection,
                args.concurrency.max(1),
                Arc::clone(&tally),
                stop,
            ));
            progress.finish();
            let report = report?;
            summary.deleted = tally.imported.load(Ordering::Relaxed);
            summary.refused = tally.failed.load(Ordering::Relaxed);
            summary.left = covered.saturating_sub(summary.deleted + summary.refused);
            summary.rate_limited = report.rate_limited;
            summary.retried = report.transient;
            summary.interrupted = report.interrupted;
            let seconds = send_started.elapsed().as_secs_f64();
            summary.rate = if seconds > 0.0 {
                summary.deleted as f64 / seconds
            } else {
                0.0
            };
            if let Some(failure) = &report.fatal {
                note_fatal(&mut summary, failure);
            }
        }
    }
    summary.elapsed_seconds = started.elapsed().as_secs_f64();
    let exit = summary.exit();
    summary.exit_code = exit.code();
    let counts = serde_json::to_value(&summary).unwrap_or_default();
    runtime.block_on(handle.finish_run(run, counts, exit.code()))?;
    print_summary(&summary, args.json)?;
    runtime.shutdown_background();
    Ok(exit)
}

/// `--dry-run`: what would be deleted; no network, no ledger writes, no credentials needed.
fn dry_run(args: &RollbackArgs, selection: &Selection) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let pinned = ledger.target()?.with_context(|| {
        format!(
            "{}: nothing was ever imported with this ledger, so there is nothing to roll back",
            ledger.path()
        )
    })?;
    // A dry run needs no app id; when one is given, the ledger must belong to it.
    if let Some(app_id) = &args.target.app_id {
        let wanted = rewardsync::feishu::Target::new(&args.target.base_url, app_id)?;
        ledger.pin_target(&(&wanted).into())?;
    }
    let skipped = check_selection(&ledger, selection)?;
    let (covered, in_doubt) = ledger.count_to_delete(selection)?;
    let summary = Summary::planned(
        ledger.path(),
        pinned,
        args.run,
        true,
        (covered, in_doubt),
        skipped,
    );
    let mut shown = shown_to(args.json);
    writeln!(
        shown,
        "dry run: nothing is deleted and the ledger is not touched"
    )?;
    preview(&mut shown, &ledger, selection, &summary)?;
    if args.json {
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, &summary)?;
        writeln!(out)?;
    }
    Ok(Exit::Success)
}

/// Refuses a ledger of another tenant, as import does.
fn pin(ledger: &Ledger, client: &Client) -> anyhow::Result<Target> {
    let target: Target = client.target().into();
    ledger.pin_target(&target)?;
    Ok(target)
}

/// Checks that `--run` names an import of this ledger, and sorts named external_ids:
/// unknown ones stop the rollback (a typo must not pass for "nothing to delete"); those
/// with no reward on the server are returned as skipped.
fn check_selection(ledger: &Ledger, selection: &Selection) -> anyhow::Result<Vec<Skipped>> {
    match selection {
        Selection::Run(run) => match ledger.run_command(*run)? {
            Some(command) if command == "import" => Ok(Vec::new()),
            Some(command) => anyhow::bail!(
                "{}: run {run} is a `{command}` run, not an import; `rewardsync status` lists the runs",
                ledger.path()
            ),
            None => anyhow::bail!(
                "{}: there is no run {run} in this ledger; `rewardsync status` lists the runs",
                ledger.path()
            ),
        },
        Selection::ExternalIds(ids) => {
            let states = ledger.states_of(ids)?;
            let unknown: Vec<&str> = states
                .iter()
                .filter(|(_, state)| state.is_none())
                .map(|(id, _)| id.as_str())
                .collect();
            if !unknown.is_empty() {
                anyhow::bail!(
                    "{}: not in this ledger: {}; check the ids (`rewardsync export --status imported` lists what can be rolled back)",
                    ledger.path(),
                    unknown.join(", ")
                );
            }
            Ok(states
                .into_iter()
                .filter_map(|(external_id, state)| match state {
                    Some(Status::Imported | Status::Conflict | Status::Deleting) | None => None,
                    Some(other) => Some(Skipped {
                        external_id,
                        status: Some(other.as_str().to_owned()),
                    }),
                })
                .collect())
        }
    }
}

/// Where the human-readable preview goes: stdout, or stderr when stdout carries `--json`.
fn shown_to(json: bool) -> Box<dyn Write> {
    if json {
        Box::new(io::stderr())
    } else {
        Box::new(io::stdout())
    }
}

/// What the rollback will delete: how many, from which run, and the first few rows.
fn preview(
    out: &mut dyn Write,
    ledger: &Ledger,
    selection: &Selection,
    summary: &Summary,
) -> anyhow::Result<()> {
    let from = match selection {
        Selection::Run(run) => format!("imported by run {run}"),
        Selection::ExternalIds(ids) => format!("of the {} external_ids named", ids.len()),
    };
    writeln!(
        out,
        "rollback: {} {from} to delete from {}{}",
        rewardsync::report::counted(summary.covered, "reward"),
        summary.target,
        if summary.in_doubt_before > 0 {
            format!(
                " ({} in doubt from an interrupted rollback, resent)",
                summary.in_doubt_before
            )
        } else {
            String::new()
        }
    )?;
    for row in ledger.next_to_delete(selection, 0, PREVIEW)? {
        writeln!(out, "  {}  reward {}", row.external_id, row.reward_id)?;
    }
    if summary.covered > PREVIEW as u64 {
        writeln!(out, "  … and {} more", summary.covered - PREVIEW as u64)?;
    }
    for skipped in &summary.skipped {
        let why = match skipped.status.as_deref() {
            Some("sending") => {
                "its import is in doubt: run the import again to settle it, then roll it back"
            }
            Some("deleted") => "already deleted",
            _ => "never imported: nothing on Feishu to delete",
        };
        writeln!(out, "  skipped {}: {why}", skipped.external_id)?;
    }
    Ok(())
}

/// Asks on the terminal; refuses when there is no terminal to ask on.
fn confirm(covered: u64) -> anyhow::Result<()> {
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!(
            "not deleting without confirmation, and stdin is not a terminal to ask on; pass --yes to delete {}",
            rewardsync::report::counted(covered, "reward")
        );
    }
    eprint!(
        "delete {} from Feishu? [y/N] ",
        rewardsync::report::counted(covered, "reward")
    );
    io::stderr().flush()?;
    let mut answer = String::new();
    stdin
        .lock()
        .read_line(&mut answer)
        .context("cannot read the answer from stdin")?;
    match answer.trim().to_lowercase().as_str() {
        "y" | "yes" => Ok(()),
        _ => anyhow::bail!("not confirmed: nothing deleted (answer y to delete, or pass --yes)"),
    }
}

fn note_fatal(summary: &mut Summary, failure: &Failure) {
    summary.fatal = Some(failure.to_string());
    if let Failure::Fatal { advice, .. } = failure {
        summary.advice = Some(advice.clone());
    }
}

fn print_summary(summary: &Summary, json: bool) -> anyhow::Result<()> {
    let mut out = io::stdout().lock();
    if json {
        serde_json::to_writer(&mut out, summary)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "rollback{} -> {}: {} deleted, {} refused, {} left to delete",
            summary
                .run_id
                .map(|run| format!(" (run {run})"))
                .unwrap_or_default(),
            summary.target,
            summary.deleted,
            summary.refused,
            summary.left
        )?;
        if summary.deleted > 0 {
            writeln!(
                out,
                "deleted at {:.1} rewards/s ({} rate-limit waits, {} retries); the whole run took {:.1} s",
                summary.rate, summary.rate_limited, summary.retried, summary.elapsed_seconds
            )?;
        }
        if summary.refused > 0 {
            writeln!(
                out,
                "refused rewards keep their state; `rewardsync export --status imported` shows each refusal's code, msg and log id"
            )?;
        }
        if summary.interrupted {
            writeln!(
                out,
                "stopped by Ctrl-C: run the same command again to delete the rest"
            )?;
        } else if summary.left > 0 && summary.fatal.is_none() {
            writeln!(
                out,
                "{} still to delete (retries ran out or in doubt): run the same command again",
                rewardsync::report::counted(summary.left, "reward")
            )?;
        }
    }
    if let Some(fatal) = &summary.fatal {
        eprintln!("rewardsync: stopped: {fatal}");
        if let Some(advice) = &summary.advice {
            eprintln!("rewardsync: to fix: {advice}");
        }
    }
    Ok(())
}
