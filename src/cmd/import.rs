//! `rewardsync import FILE`: send every valid row exactly once, resumably.

use std::io::{self, Write};

use crate::cli::ImportArgs;
use rewardsync::commands::import::{self, ImportOptions, Plan};
use rewardsync::notify::Notifier;
use rewardsync::report::exit::Exit;
use rewardsync::text::counted;

/// How many bodies `--dry-run` shows.
const DRY_RUN_BODIES: usize = 3;

/// Runs an import (or its dry run).
pub fn run(args: ImportArgs, notifier: Option<&Notifier>) -> anyhow::Result<Exit> {
    let options = ImportOptions {
        file: args.input.file.clone(),
        input: super::input_options(&args.input)?,
        ledger: args.ledger.ledger.clone(),
        user_id_type: args.user_id_type.into(),
        rules: import::Rules {
            retry_failed: args.retry_failed,
            replace_changed: args.replace_changed,
            max_replacements: args.max_replacements,
        },
        include_resigned: args.include_resigned,
        refresh_people: args.refresh_people,
        errors: args.errors.clone(),
    };
    if args.dry_run {
        return dry_run(&args, &options);
    }
    let session = super::session(
        &args.target,
        super::Pace {
            rate: Some(args.rate),
            concurrency: args.concurrency,
            retries: args.retries,
            no_progress: args.no_progress,
        },
    )?;
    let json = args.json;
    let summary = import::run(&session, &options, &mut |plan| {
        if !json {
            let mut out = io::stdout().lock();
            let _ = print_plan(&mut out, plan);
            let _ = out.flush();
        }
    })?;
    let exit = super::finish(&summary, json, notifier);
    session.runtime.shutdown_background();
    exit
}

fn dry_run(args: &ImportArgs, options: &ImportOptions) -> anyhow::Result<Exit> {
    let dry = import::dry_run(options, DRY_RUN_BODIES)?;
    let mut out = io::stdout().lock();
    if args.json {
        let mut json = dry.summary.to_json();
        json["first_bodies"] = serde_json::json!(dry.bodies);
        if let Some(people) = &dry.plan.people {
            json["people"] = serde_json::json!(people);
        }
        if !dry.plan.replacing.is_empty() {
            json["replacing"] = serde_json::json!(dry.plan.replacing);
        }
        serde_json::to_writer(&mut out, &json)?;
        writeln!(out)?;
    } else {
        writeln!(
            out,
            "dry run: nothing is sent and the ledger is not touched"
        )?;
        print_plan(&mut out, &dry.plan)?;
        for body in &dry.bodies {
            writeln!(out, "  would send: {body}")?;
        }
        let mut err = io::stderr().lock();
        rewardsync::report::summary::print(&mut out, &mut err, &dry.summary)?;
    }
    Ok(dry.summary.exit())
}

/// The import's plan, before anything is sent.
pub fn print_plan(out: &mut impl Write, plan: &Plan) -> io::Result<()> {
    let counts = &plan.counts;
    writeln!(
        out,
        "plan: {}: {} to send, {} already imported, {} changed since imported (conflict), {} failed earlier, {} invalid",
        counted(counts.rows, "row"),
        counts.to_send,
        counts.already_imported,
        counts.conflict,
        counts.previously_failed,
        counts.invalid
    )?;
    if let Some(people) = &plan.people {
        writeln!(
            out,
            "      people: {} named by e-mail or mobile: {} known to the ledger, {} to look up; {} unresolved",
            people.named,
            people.known,
            people.to_look_up,
            counted(counts.unresolved, "row")
        )?;
    }
    if plan.in_doubt > 0 {
        let elsewhere = plan.in_doubt.saturating_sub(counts.in_doubt);
        writeln!(
            out,
            "      settling first: {} in doubt since an earlier run ({} of this file, {} of other files); each is resent with the body that may have been sent (external_id is idempotent)",
            counted(plan.in_doubt, "row"),
            counts.in_doubt,
            elsewhere
        )?;
    }
    if counts.to_replace > 0 {
        writeln!(
            out,
            "      replacing {} changed since imported: each under a new revision, the earlier reward deleted once Feishu holds it",
            counted(counts.to_replace, "row")
        )?;
        for replacing in &plan.replacing {
            let changes: Vec<String> = replacing.changes.iter().map(ToString::to_string).collect();
            writeln!(
                out,
                "        {} ({}): {} → {}: {}",
                replacing.external_id,
                replacing.at,
                replacing.replaces,
                replacing.revision,
                if changes.is_empty() {
                    "the body differs".to_owned()
                } else {
                    changes.join("; ")
                }
            )?;
        }
        let more = counts
            .to_replace
            .saturating_sub(plan.replacing.len() as u64);
        if more > 0 {
            writeln!(out, "        … and {more} more")?;
        }
    }
    if let Some(max) = plan.refused_over {
        writeln!(
            out,
            "      refused: more than --max-replacements {max}; nothing is sent"
        )?;
    }
    if counts.previously_failed > 0 {
        writeln!(
            out,
            "      failed rows are not resent; pass --retry-failed after fixing their cause"
        )?;
    }
    Ok(())
}
