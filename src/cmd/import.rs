//! `rewardsync import FILE`: send every valid row exactly once, resumably.

use std::io::{self, Write};

use crate::cli::ImportArgs;
use rewardsync::exit::Exit;
use rewardsync::import::{self, ImportJob, SendSettings};
use rewardsync::input::ReadOptions;
use rewardsync::progress::ProgressMode;
use rewardsync::report;

/// How many bodies `--dry-run` shows.
const DRY_RUN_BODIES: usize = 3;

/// Runs an import (or its dry run).
pub fn run(args: ImportArgs) -> anyhow::Result<Exit> {
    if !(args.rate > 0.0 && args.rate.is_finite()) {
        anyhow::bail!("--rate {} must be a number above 0", args.rate);
    }
    if args.rate > 10.0 {
        eprintln!(
            "rewardsync: warning: --rate {} is above the documented limit of 10 requests per second; expect 429s",
            args.rate
        );
    }
    let read = ReadOptions {
        encoding: args.input.encoding.into(),
        ignore_unknown_columns: args.input.ignore_unknown_columns,
    };
    if args.dry_run {
        return dry_run(&args, read);
    }
    let client = super::connect(&args.target)?;
    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let job = ImportJob {
        file: args.input.file.clone(),
        read,
        ledger: args.ledger.ledger.clone(),
        client,
        rate: args.rate,
        send: SendSettings {
            concurrency: args.concurrency.max(1),
            user_id_type: args.user_id_type.into(),
            ..SendSettings::default()
        },
        retry_failed: args.retry_failed,
        progress: ProgressMode::detect(args.no_progress),
        errors: args.errors.clone(),
        stop,
    };
    let json = args.json;
    let summary = import::run(job, &runtime, &mut |plan, to_send| {
        if !json {
            let _ = report::print_plan(&mut io::stdout().lock(), plan, to_send);
        }
    })?;
    if json {
        let mut out = io::stdout().lock();
        serde_json::to_writer(&mut out, &summary)?;
        writeln!(out)?;
    } else {
        report::print_import_summary(&mut io::stdout().lock(), &summary)?;
    }
    if let Some(fatal) = &summary.fatal {
        eprintln!("rewardsync: stopped: {fatal}");
        if let Some(advice) = &summary.advice {
            eprintln!("rewardsync: to fix: {advice}");
        }
    }
    runtime.shutdown_background();
    Ok(summary.exit())
}

fn dry_run(args: &ImportArgs, read: ReadOptions) -> anyhow::Result<Exit> {
    let (plan, bodies) = import::dry_run(
        &args.input.file,
        read,
        &args.ledger.ledger,
        args.retry_failed,
        DRY_RUN_BODIES,
    )?;
    let mut out = io::stdout().lock();
    if args.json {
        let json = serde_json::json!({"dry_run": true, "plan": plan, "first_bodies": bodies});
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "dry run: nothing is sent and the ledger is not touched"
        )?;
        report::print_plan(&mut out, &plan, plan.to_send)?;
        for body in &bodies {
            writeln!(out, "  would send: {body}")?;
        }
    }
    Ok(
        if plan.invalid + plan.conflict + plan.previously_failed == 0 {
            Exit::Success
        } else {
            Exit::Incomplete
        },
    )
}
