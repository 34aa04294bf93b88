//! `rewardsync import FILE`: send every valid row exactly once, resumably.

use std::io::{self, Write};
use std::path::PathBuf;

use clap::Args;

use super::options::{InputArgs, LedgerArgs, NotifyArgs, PaceArgs, TargetArgs, UserIdTypeArg};
use rewardsync::commands::import::{self, ImportOptions, Plan};
use rewardsync::notify::Notifier;
use rewardsync::report::exit::Exit;
use rewardsync::text::counted;

/// `rewardsync import`.
#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,

    #[command(flatten)]
    pub notify: NotifyArgs,

    /// Show the plan and the first bodies it would send; touch neither network nor ledger.
    #[arg(long)]
    pub dry_run: bool,

    #[command(flatten)]
    pub pace: PaceArgs,

    /// What referral_user_id (and the other user ids) hold.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// After the run, write every invalid and failed row to OUT.csv (original columns,
    /// plus `line` and `errors`), to fix and import again.
    #[arg(long, value_name = "OUT.csv")]
    pub errors: Option<PathBuf>,

    /// Resend rows the server refused in an earlier run.
    #[arg(long)]
    pub retry_failed: bool,

    /// Replace rows changed since they were imported (a reward confirmed, then paid; an
    /// amount corrected): each is imported under the next revision of its external_id
    /// (`ID~r2`, `ID~r3`, …), and the earlier reward is deleted once Feishu holds it.
    /// Without it they are reported as conflicts and not sent.
    #[arg(long)]
    pub replace_changed: bool,

    /// With --replace-changed: refuse the run (exit 2, before anything is sent) when it
    /// would replace more than N rewards, so a broken export cannot rewrite the tenant.
    #[arg(long, default_value_t = rewardsync::commands::import::DEFAULT_MAX_REPLACEMENTS, value_name = "N")]
    pub max_replacements: u64,

    /// With --replace-changed: replace a reward whose referrer changed too (another person,
    /// whether the file changed or the directory now gives the e-mail or mobile to someone
    /// else). Without it such a reward stays a conflict, naming both referrers.
    #[arg(long, requires = "replace_changed")]
    pub allow_referrer_change: bool,

    /// Look up resigned employees too (referrers of historic rewards often have left).
    #[arg(long)]
    pub include_resigned: bool,

    /// Look every person of the file up again, whatever the ledger remembers of them.
    #[arg(long)]
    pub refresh_people: bool,

    /// Print one JSON object (counts by outcome, reasons, elapsed seconds, rate) on stdout.
    #[arg(long)]
    pub json: bool,

    /// No progress bar or progress lines.
    #[arg(long)]
    pub no_progress: bool,
}

/// How many bodies `--dry-run` shows.
const DRY_RUN_BODIES: usize = 3;

/// Runs an import (or its dry run).
pub fn run(args: ImportArgs, notifier: Option<&Notifier>) -> anyhow::Result<Exit> {
    let options = ImportOptions {
        files: args.input.files.clone(),
        input: rewardsync::read::mapping::InputOptions {
            user_ids: Some(args.user_id_type.into()),
            ..super::input_options(&args.input)?
        },
        ledger: args.ledger.ledger.clone(),
        user_id_type: args.user_id_type.into(),
        rules: import::Rules {
            retry_failed: args.retry_failed,
            replace_changed: args.replace_changed,
            max_replacements: args.max_replacements,
            allow_referrer_change: args.allow_referrer_change,
        },
        include_resigned: args.include_resigned,
        refresh_people: args.refresh_people,
        errors: args.errors.clone(),
    };
    if args.dry_run {
        return dry_run(&args, &options);
    }
    let session = super::session(&args.target, args.pace.pace(args.no_progress))?;
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
        "plan: {}: {} to send, {} already imported, {} changed since imported (conflict), {} failed earlier, {} invalid{}{}",
        counted(counts.rows, "row"),
        counts.to_send,
        counts.already_imported,
        counts.conflict,
        counts.previously_failed,
        counts.invalid,
        if counts.imported_elsewhere > 0 {
            format!(
                ", {} invalid here but imported from another file",
                counts.imported_elsewhere
            )
        } else {
            String::new()
        },
        if counts.skipped > 0 {
            format!(", {} skipped (not rewards)", counts.skipped)
        } else {
            String::new()
        }
    )?;
    if let Some(people) = &plan.people {
        writeln!(
            out,
            "      people: {} named by e-mail or mobile: {} known to the ledger, {} to look up; {} unresolved{}",
            people.named,
            people.known,
            people.to_look_up,
            counted(counts.unresolved, "row"),
            if counts.awaiting_people > 0 {
                format!(
                    ", {} held back (their people could not be looked up)",
                    counted(counts.awaiting_people, "row")
                )
            } else {
                String::new()
            }
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
