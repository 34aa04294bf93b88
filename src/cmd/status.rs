//! `rewardsync status`: rows by state (every state, including any this build does not
//! know), the target the ledger belongs to, the last runs. Reads without the run lock, so
//! it works while an import is going on.

use std::io::{self, Write};

use clap::Args;
use serde_json::{Map, Value, json};

use super::options::LedgerArgs;
use rewardsync::report::exit::Exit;
use rewardsync::text::counted;

/// `rewardsync status`.
#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub ledger: LedgerArgs,

    /// Print one JSON object: a count per state under the state's name, target, last runs.
    #[arg(long)]
    pub json: bool,
}

/// Runs listed.
const RUNS_SHOWN: usize = 5;

/// Prints the ledger's status.
pub fn run(args: StatusArgs) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let counts = ledger.counts()?;
    let revisions = ledger.revision_counts()?;
    let target = ledger.target()?;
    let runs = ledger.runs(RUNS_SHOWN)?;
    let mut out = io::stdout().lock();
    if args.json {
        let mut object = Map::new();
        object.insert("ledger".into(), json!(ledger.path()));
        for (status, n) in &counts.known {
            object.insert(status.as_str().into(), json!(n));
        }
        for (status, n) in &counts.unknown {
            object.insert(status.clone(), json!(n));
        }
        object.insert("revisions".into(), json!(revisions));
        object.insert("target".into(), json!(target));
        object.insert("runs".into(), serde_json::to_value(&runs)?);
        serde_json::to_writer(&mut out, &Value::Object(object))?;
        writeln!(out)?;
        return Ok(Exit::Success);
    }
    writeln!(out, "ledger: {}", ledger.path())?;
    match &target {
        Some(target) => writeln!(out, "target: {target}")?,
        None => writeln!(out, "target: none yet (pinned by the first import)")?,
    }
    for (status, n) in &counts.known {
        writeln!(out, "  {:<10} {n}", status.as_str())?;
    }
    for (status, n) in &counts.unknown {
        writeln!(
            out,
            "  {status:<10} {n}   (a state this rewardsync does not know: written by a newer one?)"
        )?;
    }
    if revisions.replaced_rows > 0 {
        writeln!(
            out,
            "replaced: {} changed after import (--replace-changed), {} held by Feishu; `rewardsync export` lists each with its reward id",
            counted(revisions.replaced_rows, "row"),
            counted(revisions.revisions_held, "revision")
        )?;
    }
    if revisions.to_delete > 0 {
        writeln!(
            out,
            "  {} still held beside their revisions: the next import deletes them",
            counted(revisions.to_delete, "earlier reward")
        )?;
    }
    writeln!(out, "last runs (`rewardsync runs` lists more):")?;
    for run in &runs {
        let ended = match (&run.ended_at, run.exit_code) {
            (Some(ended), Some(code)) => format!("ended {ended}, exit {code}"),
            _ => "did not finish (still going, killed or crashed): its rows in doubt are settled by the next run".into(),
        };
        writeln!(
            out,
            "  #{} {} {} started {}, {ended}",
            run.id,
            run.command,
            run.file.as_deref().unwrap_or("-"),
            run.started_at
        )?;
    }
    Ok(Exit::Success)
}
