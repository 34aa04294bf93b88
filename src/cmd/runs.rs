//! `rewardsync runs`: the ledger's runs, newest first — so a rollback user can find an
//! import's run id however many commands ran since. Reads without the run lock.

use std::io::{self, Write};

use clap::Args;

use super::options::LedgerArgs;
use rewardsync::ledger::Run;
use rewardsync::report::exit::Exit;

/// `rewardsync runs`.
#[derive(Debug, Args)]
pub struct RunsArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// How many runs, newest first.
    #[arg(long, default_value_t = 20, value_name = "N")]
    pub limit: usize,

    /// Print one JSON array of runs on stdout.
    #[arg(long)]
    pub json: bool,
}

/// Counts worth a column, in the order shown (the keys the commands' summaries use).
const SHOWN: &[&str] = &[
    "imported",
    "deleted",
    "registered",
    "enabled",
    "deactivated",
    "already_imported",
    "already_registered",
    "skipped",
    "imported_elsewhere",
    "failed",
    "refused",
    "previously_failed",
    "invalid",
    "unresolved",
    "conflict",
    "in_doubt",
    "pending",
];

/// Lists the runs.
pub fn run(args: RunsArgs) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let runs = ledger.runs(args.limit.max(1))?;
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer(&mut out, &runs)?;
        writeln!(out)?;
        return Ok(Exit::Success);
    }
    if runs.is_empty() {
        writeln!(out, "{}: no runs yet", ledger.path())?;
        return Ok(Exit::Success);
    }
    writeln!(
        out,
        "{:>5}  {:<20} {:<24} {:<24} {:>4}  file and counts",
        "run", "command", "started (UTC)", "ended (UTC)", "exit"
    )?;
    for run in &runs {
        writeln!(
            out,
            "{:>5}  {:<20} {:<24} {:<24} {:>4}  {}",
            format!("#{}", run.id),
            run.command,
            run.started_at,
            run.ended_at.as_deref().unwrap_or("did not finish"),
            run.exit_code
                .map_or_else(|| "-".to_owned(), |c| c.to_string()),
            describe(run)
        )?;
    }
    Ok(Exit::Success)
}

/// The file and the non-zero counts of a run, in a few words.
fn describe(run: &Run) -> String {
    let mut parts = Vec::new();
    if let Some(counts) = &run.counts {
        for key in SHOWN {
            if let Some(n) = counts.get(*key).and_then(serde_json::Value::as_u64)
                && n > 0
            {
                parts.push(format!("{n} {}", key.replace('_', " ")));
            }
        }
        if let Some(rolled_back) = counts
            .get("rolled_back_run")
            .and_then(serde_json::Value::as_i64)
        {
            parts.push(format!("of run #{rolled_back}"));
        }
    } else if run.ended_at.is_none() {
        parts.push("its in-doubt rows are settled by the next run".to_owned());
    }
    let file = run.file.as_deref().unwrap_or("-");
    if parts.is_empty() {
        file.to_owned()
    } else {
        format!("{file}: {}", parts.join(", "))
    }
}
