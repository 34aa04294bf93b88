//! `rewardsync rollback`: show what a rollback will delete, ask, then run it through the
//! library's rollback (which settles the selection's doubts and deletes, resumably).

use std::io::{self, BufRead, IsTerminal, Write};

use anyhow::Context;
use clap::Args;

use super::options::{LedgerArgs, NotifyArgs, PaceArgs, TargetArgs};
use rewardsync::commands::rollback::{self, PREVIEW, Preview};
use rewardsync::ledger::{Ledger, Selection};
use rewardsync::notify::Notifier;
use rewardsync::report::exit::Exit;
use rewardsync::run::Opened;
use rewardsync::text::counted;

/// `rewardsync rollback`.
#[derive(Debug, Args)]
pub struct RollbackArgs {
    /// Delete the rewards this run imported (`rewardsync status` lists runs).
    #[arg(long, value_name = "RUN_ID", required_unless_present = "external_id")]
    pub run: Option<i64>,

    /// Delete these rewards, by external_id.
    #[arg(long, value_name = "ID", num_args = 1.., conflicts_with = "run")]
    pub external_id: Vec<String>,

    /// Show what would be deleted; delete nothing.
    #[arg(long)]
    pub dry_run: bool,

    /// Do not ask for confirmation.
    #[arg(long)]
    pub yes: bool,

    #[command(flatten)]
    pub pace: PaceArgs,

    /// One JSON object on stdout at the end.
    #[arg(long)]
    pub json: bool,

    /// No progress output.
    #[arg(long)]
    pub no_progress: bool,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,
}

/// Runs a rollback (or its dry run).
pub fn run(args: RollbackArgs, notifier: Option<&Notifier>) -> anyhow::Result<Exit> {
    let selection = match args.run {
        Some(run) => Selection::Run(run),
        None if !args.external_id.is_empty() => Selection::ExternalIds(args.external_id.clone()),
        None => anyhow::bail!("say what to roll back: --run RUN_ID or --external-id ID…"),
    };
    if args.dry_run {
        return dry_run(&args, &selection);
    }
    // Opening creates a ledger, and a rollback has nothing to do with a new one.
    if !args.ledger.ledger.exists() {
        anyhow::bail!(
            "{}: no ledger here; pass --ledger PATH of the ledger the import wrote",
            args.ledger.ledger.display()
        );
    }
    let session = super::session(&args.target, args.pace.pace(args.no_progress))?;
    let opened = Opened::open(&session, &args.ledger.ledger)?;
    let preview = rollback::preview(opened.ledger(), &selection)?;
    show(&mut shown_to(args.json), &preview)?;
    if preview.total() > 0 && !args.yes {
        confirm(preview.total())?;
    }
    let summary = rollback::run(opened, &preview)?;
    let exit = super::finish(&summary, args.json, notifier);
    session.runtime.shutdown_background();
    exit
}

/// `--dry-run`: what would be deleted; no network, no ledger writes, no credentials needed.
fn dry_run(args: &RollbackArgs, selection: &Selection) -> anyhow::Result<Exit> {
    let ledger: Ledger = super::open_to_read(&args.ledger.ledger)?;
    // A dry run needs no app id; when one is given, the ledger must belong to it.
    if let Some(app_id) = &args.target.app_id {
        let wanted = rewardsync::feishu::Target::new(&args.target.base_url, app_id)?;
        ledger.check_target(&(&wanted).into())?;
    }
    let preview = rollback::preview(&ledger, selection)?;
    let mut shown = shown_to(args.json);
    writeln!(
        shown,
        "dry run: nothing is deleted and the ledger is not touched"
    )?;
    show(&mut shown, &preview)?;
    if args.json {
        let json = serde_json::json!({
            "command": "rollback",
            "dry_run": true,
            "ledger": ledger.path(),
            "target": preview.target,
            "rolled_back_run": match selection { Selection::Run(run) => Some(*run), Selection::ExternalIds(_) | Selection::Superseded => None },
            "covered": preview.covered,
            "deleting": preview.deleting,
            "in_doubt": preview.in_doubt,
            "skipped_ids": preview.skipped,
            "exit_code": 0,
        });
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    }
    Ok(Exit::Success)
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
fn show(out: &mut dyn Write, preview: &Preview) -> anyhow::Result<()> {
    let from = match &preview.selection {
        Selection::Run(run) => format!("imported by run {run}"),
        Selection::ExternalIds(ids) => format!("of the {} external_ids named", ids.len()),
        Selection::Superseded => "replaced by their revisions".to_owned(),
    };
    let mut notes = Vec::new();
    if preview.deleting > 0 {
        notes.push(format!(
            "{} in doubt from an interrupted rollback, resent",
            preview.deleting
        ));
    }
    if preview.in_doubt > 0 {
        notes.push(format!(
            "{} whose import is in doubt: settled first, then deleted",
            counted(preview.in_doubt, "row")
        ));
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    writeln!(
        out,
        "rollback: {} {from} to delete from {}{notes}",
        counted(preview.total(), "reward"),
        preview.target
    )?;
    for (external_id, reward_id) in &preview.first {
        writeln!(out, "  {external_id}  reward {reward_id}")?;
    }
    let listed = preview.first.len() as u64;
    if preview.total() > listed && listed == PREVIEW as u64 {
        writeln!(out, "  … and {} more", preview.total() - listed)?;
    }
    for skipped in &preview.skipped {
        let why = skipped.why();
        writeln!(
            out,
            "  skipped {}: {why} (state {})",
            skipped.external_id, skipped.status
        )?;
    }
    Ok(())
}

/// Asks on the terminal; refuses when there is no terminal to ask on.
fn confirm(total: u64) -> anyhow::Result<()> {
    let stdin = io::stdin();
    if !stdin.is_terminal() {
        anyhow::bail!(
            "not deleting without confirmation, and stdin is not a terminal to ask on; pass --yes to delete {}",
            counted(total, "reward")
        );
    }
    eprint!("delete {} from Feishu? [y/N] ", counted(total, "reward"));
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
