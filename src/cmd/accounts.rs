//! `rewardsync accounts …`: referral reward accounts in bulk.

use std::io::{self, BufWriter, Write};
use std::path::PathBuf;

use clap::{Args, Subcommand};

use super::options::{EncodingArg, LedgerArgs, NotifyArgs, TargetArgs, UserIdTypeArg};
use rewardsync::commands::accounts::actions::{self, Action};
use rewardsync::commands::accounts::assets::{self, AccountAssets, ImportedSums};
use rewardsync::commands::accounts::register::{self, RegisterOptions};
use rewardsync::notify::Notifier;
use rewardsync::read::account_files::read_account_ids;
use rewardsync::read::source::{Encoding, EncodingChoice};
use rewardsync::report::exit::Exit;
use rewardsync::report::summary::Outcome;
use rewardsync::report::{EncodedWriter, Reserved};
use rewardsync::reward::RewardBody;
use rewardsync::run::Opened;
use rewardsync::text::server_text;

/// `rewardsync accounts …`.
#[derive(Debug, Subcommand)]
pub enum AccountsCommand {
    /// Register a reward account for every row of a CSV (email and/or mobile_code +
    /// mobile_number; other columns are carried through), at the documented 100 per minute.
    Register(RegisterArgs),
    /// Enable accounts (10 per second).
    Enable(AccountIdsArgs),
    /// Deactivate accounts (100 per minute).
    Deactivate(AccountIdsArgs),
    /// Balances at a glance: status, referrer, confirmed and paid points and cash.
    Assets(AssetsArgs),
    /// For every registered account, the rewards the ledger imported for its referrer
    /// beside the account's balance.
    Reconcile(ReconcileArgs),
}

/// `accounts register`.
#[derive(Debug, Args)]
pub struct RegisterArgs {
    /// The CSV of employees to register.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Text encoding of FILE (as for rewards).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8, value_name = "E")]
    pub encoding: EncodingArg,

    /// Write the result here (the input columns plus account_id, status, error_code,
    /// error_message, log_id) instead of stdout.
    #[arg(long, value_name = "OUT.csv")]
    pub output: Option<PathBuf>,

    /// Resend rows Feishu refused in an earlier run.
    #[arg(long)]
    pub retry_failed: bool,

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

/// Account ids, given as arguments or in a file (one per line, or a CSV with an
/// `account_id` column such as `accounts register` writes).
#[derive(Debug, Args)]
pub struct AccountIdsArgs {
    /// Account ids.
    #[arg(value_name = "ID", required_unless_present = "file")]
    pub ids: Vec<String>,

    /// Read the account ids from this file.
    #[arg(long, value_name = "FILE", conflicts_with = "ids")]
    pub file: Option<PathBuf>,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,
}

/// `accounts assets`.
#[derive(Debug, Args)]
pub struct AssetsArgs {
    #[command(flatten)]
    pub ids: AccountIdsArgs,

    /// Which id type the referrer's id is shown as.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// Write CSV here (or JSON, with --json) instead of the table on stdout.
    #[arg(long, value_name = "OUT")]
    pub output: Option<PathBuf>,

    /// JSON instead of a table or CSV.
    #[arg(long)]
    pub json: bool,
}

/// `accounts reconcile`.
#[derive(Debug, Args)]
pub struct ReconcileArgs {
    /// Which id type `referral_user_id` held when the rewards were imported.
    #[arg(long, value_enum, default_value_t = UserIdTypeArg::OpenId, value_name = "T")]
    pub user_id_type: UserIdTypeArg,

    /// JSON instead of a table.
    #[arg(long)]
    pub json: bool,

    #[command(flatten)]
    pub ledger: LedgerArgs,

    #[command(flatten)]
    pub target: TargetArgs,
}

/// Runs an accounts subcommand.
pub fn run(command: AccountsCommand) -> anyhow::Result<Exit> {
    match command {
        AccountsCommand::Register(args) => {
            let notify = args.notify.clone();
            super::notified("accounts register", &notify, false, |n| register(args, n))
        }
        AccountsCommand::Enable(args) => action(Action::Enable, args),
        AccountsCommand::Deactivate(args) => action(Action::Deactivate, args),
        AccountsCommand::Assets(args) => assets(args),
        AccountsCommand::Reconcile(args) => reconcile(args),
    }
}

fn register(args: RegisterArgs, notifier: Option<&Notifier>) -> anyhow::Result<Exit> {
    // Checked before anything is sent: never the input file, and writable.
    let output = args
        .output
        .as_deref()
        .map(|path| Reserved::new(path, std::slice::from_ref(&args.file)))
        .transpose()?;
    let session = super::session(
        &args.target,
        super::Pace {
            no_progress: args.no_progress,
            ..super::Pace::default()
        },
    )?;
    let options = RegisterOptions {
        file: args.file.clone(),
        encoding: args.encoding.into(),
        ledger: args.ledger.ledger.clone(),
        retry_failed: args.retry_failed,
    };
    let register::Registered {
        summary,
        rows,
        encoding,
    } = register::run(&session, &options)?;
    let written = match output {
        Some(reserved) => {
            // Whole or not at all: written beside the path, then put in its place.
            let path = reserved.path().to_owned();
            let mut staged = reserved.stage()?;
            write_rows(BufWriter::new(&mut staged), &rows, encoding)
                .map_err(|e| super::LocalFailure(format!("{path}: cannot write: {e}")))?;
            staged.commit()?;
            true
        }
        None => {
            write_rows(io::stdout().lock(), &rows, encoding)?;
            false
        }
    };
    // The result is on stdout unless --output took it: the summary goes to stderr then.
    let (mut err, exit) = (io::stderr().lock(), summary.exit());
    if written {
        rewardsync::report::summary::print(&mut io::stdout().lock(), &mut err, &summary)?;
    } else {
        rewardsync::report::summary::print(&mut err, &mut io::stderr().lock(), &summary)?;
    }
    if let Some(notifier) = notifier {
        let delivery = notifier.notify(
            "accounts register",
            exit,
            rewardsync::notify::Outcome::Ran(&summary),
        );
        if delivery.delivered {
            writeln!(err, "notified {}", delivery.webhook)?;
        }
        super::warn_undelivered(&mut err, &delivery)?;
    }
    session.runtime.shutdown_background();
    Ok(exit)
}

/// Writes the result rows as CSV in the input's encoding (its byte-order mark too, without
/// which Excel shows a UTF-8 file's Chinese garbled).
fn write_rows(out: impl Write, rows: &[Vec<String>], encoding: Encoding) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(EncodedWriter::starting(out, encoding)?);
    for row in rows {
        csv.write_record(row)?;
    }
    csv.flush()?;
    Ok(())
}

fn action(action: Action, args: AccountIdsArgs) -> anyhow::Result<Exit> {
    let ids = account_ids(&args)?;
    let session = super::session(&args.target, super::Pace::default())?;
    let opened = Opened::open(&session, &args.ledger.ledger)?;
    let (summary, outcomes) = actions::run(opened, action, ids)?;
    let mut out = io::stdout().lock();
    for outcome in &outcomes {
        match (&outcome.error, outcome.status) {
            (None, Some(status)) => writeln!(
                out,
                "{}: {} (status {status}: {})",
                outcome.account_id,
                action.name(),
                status_name(status)
            )?,
            (None, None) => writeln!(out, "{}: {}", outcome.account_id, action.name())?,
            (Some(error), _) => writeln!(
                out,
                "{}: {} {}: {}{}",
                outcome.account_id,
                action.name(),
                match outcome.outcome {
                    Outcome::Failed => "failed",
                    Outcome::InDoubt => "in doubt",
                    _ => "not done",
                },
                error,
                outcome
                    .log_id
                    .as_deref()
                    .map(|l| format!(" (log id {l})"))
                    .unwrap_or_default()
            )?,
        }
    }
    drop(out);
    let exit = super::finish(&summary, false, None);
    session.runtime.shutdown_background();
    exit
}

/// How balances are read: four in flight at the documented rate, no progress shown (a
/// read of balances is short, and its output is the table).
const READS: super::Pace = super::Pace {
    rate: None,
    concurrency: 4,
    retries: rewardsync::run::engine::DEFAULT_RETRIES,
    no_progress: true,
};

fn assets(args: AssetsArgs) -> anyhow::Result<Exit> {
    let ids = account_ids(&args.ids)?;
    let session = super::session(&args.ids.target, READS)?;
    // Checked before anything is read: writable, and never the ids file.
    let output = args
        .output
        .as_deref()
        .map(|path| Reserved::apart_from(path, args.ids.file.as_deref()))
        .transpose()?;
    let (found, summary) = assets::read(&session, ids, args.user_id_type.into());
    session.runtime.shutdown_background();
    match (output, args.json) {
        (Some(reserved), json) => {
            // Whole or not at all: written beside the path, then put in its place.
            let path = reserved.path().to_owned();
            let mut staged = reserved.stage()?;
            let written = if json {
                let mut file = BufWriter::new(&mut staged);
                serde_json::to_writer_pretty(&mut file, &found)
                    .map_err(anyhow::Error::from)
                    .and_then(|()| Ok(file.flush()?))
            } else {
                write_assets_csv(BufWriter::new(&mut staged), &found)
            };
            written.map_err(|e| super::LocalFailure(format!("{path}: cannot write: {e}")))?;
            staged.commit()?;
        }
        (None, true) => {
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &found)?;
            writeln!(out)?;
        }
        (None, false) => print_assets_table(&mut io::stdout().lock(), &found)?,
    }
    rewardsync::report::summary::print_end(&mut io::stderr().lock(), &summary)?;
    Ok(summary.exit())
}

fn reconcile(args: ReconcileArgs) -> anyhow::Result<Exit> {
    let ledger = super::open_to_read(&args.ledger.ledger)?;
    let accounts = ledger.registered_accounts()?;
    if accounts.is_empty() {
        anyhow::bail!(
            "{}: no registered accounts in this ledger; `rewardsync accounts register FILE` registers them",
            ledger.path()
        );
    }
    let mut sums = ImportedSums::default();
    ledger.for_each_imported_body(|body| {
        if let Ok(body) = serde_json::from_str::<RewardBody>(body) {
            sums.add(&body);
        }
    })?;
    drop(ledger);
    let session = super::session(&args.target, READS)?;
    let ids = accounts.into_iter().map(|a| a.account_id).collect();
    let (found, mut summary) = assets::read(&session, ids, args.user_id_type.into());
    session.runtime.shutdown_background();
    let lines = assets::reconcile(found, &sums);
    // An account whose balance differs from what the ledger imported is for the user to see.
    let differ = lines
        .iter()
        .filter(|l| !l.matches && l.assets.error.is_none())
        .count();
    summary.count(Outcome::Conflict, differ as u64);
    let mut out = io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &lines)?;
        writeln!(out)?;
    } else {
        for line in &lines {
            let a = &line.assets;
            writeln!(
                out,
                "{} {} {}: {}",
                if line.matches { "ok  " } else { "DIFF" },
                a.account_id,
                a.name_zh
                    .as_deref()
                    .or(a.referrer_id.as_deref())
                    .unwrap_or("?"),
                a.error.as_deref().unwrap_or("")
            )?;
            writeln!(
                out,
                "       confirmed: ledger {} | Feishu {}",
                line.imported_confirmed.describe(),
                a.confirmed.describe()
            )?;
            writeln!(
                out,
                "       paid:      ledger {} | Feishu {}",
                line.imported_paid.describe(),
                a.paid.describe()
            )?;
        }
    }
    rewardsync::report::summary::print_end(&mut io::stderr().lock(), &summary)?;
    Ok(summary.exit())
}

/// Account ids from the arguments, or a file read through the one CSV reader: one id per
/// line, or a CSV with an `account_id` column (what `accounts register --output` writes).
/// Ids are ASCII digits, so the file's encoding is detected (a GBK header reads too).
fn account_ids(args: &AccountIdsArgs) -> anyhow::Result<Vec<String>> {
    match &args.file {
        None => Ok(args.ids.clone()),
        Some(path) => Ok(read_account_ids(path, EncodingChoice::Auto)?
            .into_iter()
            .map(|found| found.id)
            .collect()),
    }
}

fn status_name(status: i64) -> &'static str {
    match status {
        1 => "enabled",
        2 => "deactivated",
        _ => "unknown",
    }
}

fn print_assets_table(out: &mut impl Write, found: &[AccountAssets]) -> io::Result<()> {
    writeln!(
        out,
        "{:<20} {:<12} {:<24} {:<32} {:<32}",
        "account_id", "status", "referrer", "confirmed", "paid"
    )?;
    for a in found {
        if let Some(error) = &a.error {
            writeln!(out, "{:<20} {error}", a.account_id)?;
            continue;
        }
        // The referrer and the balances are the server's text: shown escaped and cut.
        let who = match (&a.name_zh, &a.referrer_id) {
            (Some(name), Some(id)) => format!("{name} {id}"),
            (None, Some(id)) => id.clone(),
            (Some(name), None) => name.clone(),
            (None, None) => String::new(),
        };
        writeln!(
            out,
            "{:<20} {:<12} {:<24} {:<32} {:<32}",
            a.account_id,
            a.status.map(status_name).unwrap_or(""),
            server_text(&who),
            server_text(&a.confirmed.describe()),
            server_text(&a.paid.describe())
        )?;
    }
    Ok(())
}

fn write_assets_csv(out: impl Write, found: &[AccountAssets]) -> anyhow::Result<()> {
    let mut csv = csv::Writer::from_writer(out);
    csv.write_record([
        "account_id",
        "status",
        "referrer_id",
        "name_zh",
        "name_en",
        "email",
        "mobile",
        "confirmed_points",
        "confirmed_cash",
        "paid_points",
        "paid_cash",
        "error",
    ])?;
    for a in found {
        csv.write_record([
            a.account_id.clone(),
            a.status.map(|s| s.to_string()).unwrap_or_default(),
            a.referrer_id.clone().unwrap_or_default(),
            a.name_zh.clone().unwrap_or_default(),
            a.name_en.clone().unwrap_or_default(),
            a.email.clone().unwrap_or_default(),
            a.mobile.clone().unwrap_or_default(),
            a.confirmed.points.to_string(),
            a.confirmed.cash_text(),
            a.paid.points.to_string(),
            a.paid.cash_text(),
            a.error.clone().unwrap_or_default(),
        ])?;
    }
    csv.flush()?;
    Ok(())
}
