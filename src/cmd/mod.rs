//! One entry point per subcommand, each `run(args) -> anyhow::Result<Exit>`: parse what
//! the user typed into library options, run, print. Typed library errors get their context
//! for the user here, at the command-line edge.

pub mod accounts;
pub mod completions;
#[cfg(feature = "sandbox")]
pub mod demo;
pub mod export;
pub mod import;
pub mod man;
pub mod map;
pub mod options;
pub mod rollback;
pub mod runs;
#[cfg(feature = "sandbox")]
pub mod sandbox;
pub mod status;
pub mod validate;

use std::io::{self, Write};

use anyhow::Context;

use clap::{Parser, Subcommand};

use options::{NotifyArgs, TargetArgs};
use rewardsync::feishu::{Client, ClientOptions, Secret, Target};
use rewardsync::notify::{Delivery, Notifier, Outcome};
use rewardsync::report::exit::Exit;
use rewardsync::report::summary::Summary;
use rewardsync::run::Session;
use rewardsync::run::engine::RetryPolicy;
use rewardsync::run::progress::ProgressMode;

/// Import referral rewards into Feishu Hire (飞书招聘) and manage referral reward accounts.
#[derive(Debug, Parser)]
#[command(name = "rewardsync", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a rewards file (a CSV or a workbook) against every rule, without sending anything.
    Validate(validate::ValidateArgs),
    /// Import a rewards file (a CSV or a workbook) into Feishu Hire: every valid row exactly
    /// once, resumable.
    Import(import::ImportArgs),
    /// Mapping files for legacy exports: `map suggest FILE` writes one.
    #[command(subcommand)]
    Map(map::MapCommand),
    /// Show the ledger: rows by state, the target it belongs to, the last runs.
    Status(status::StatusArgs),
    /// Write the ledger's rows as CSV, with reward ids and log ids.
    Export(export::ExportArgs),
    /// Referral reward accounts: register, enable, deactivate, check balances, reconcile.
    #[command(subcommand)]
    Accounts(accounts::AccountsCommand),
    /// Delete the rewards a run imported (or named ones), resumably.
    Rollback(rollback::RollbackArgs),
    /// List the ledger's runs: id, command, file, start, end, counts, exit code.
    Runs(runs::RunsArgs),
    /// Import the legacy sample workbook (people by e-mail and mobile) into an in-process
    /// sandbox, twice, to show import and resume.
    #[cfg(feature = "sandbox")]
    Demo(demo::DemoArgs),
    /// Run a local, in-memory stand-in for the Feishu endpoints rewardsync calls.
    #[cfg(feature = "sandbox")]
    Sandbox(sandbox::SandboxArgs),
    /// Print a shell completion script on stdout (bash, zsh, fish, elvish, powershell).
    Completions(completions::CompletionsArgs),
    /// Print the man page (roff) on stdout, or write one page per subcommand into a directory.
    Man(man::ManArgs),
}

impl Cli {
    /// True when the command was asked for JSON on stdout (errors then come as JSON too).
    pub fn json(&self) -> bool {
        match &self.command {
            Command::Validate(args) => args.json,
            Command::Import(args) => args.json,
            Command::Status(args) => args.json,
            Command::Runs(args) => args.json,
            Command::Rollback(args) => args.json,
            Command::Accounts(accounts::AccountsCommand::Assets(args)) => args.json,
            Command::Accounts(accounts::AccountsCommand::Reconcile(args)) => args.json,
            _ => false,
        }
    }
}

/// Runs the command the user typed.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Import(args) => {
            let notify = args.notify.clone();
            notified("import", &notify, args.dry_run, |n| import::run(args, n))
        }
        Command::Map(command) => map::run(command),
        Command::Status(args) => status::run(args),
        Command::Runs(args) => runs::run(args),
        Command::Export(args) => export::run(args),
        Command::Accounts(command) => accounts::run(command),
        Command::Rollback(args) => {
            let notify = args.notify.clone();
            notified("rollback", &notify, args.dry_run, |n| {
                rollback::run(args, n)
            })
        }
        #[cfg(feature = "sandbox")]
        Command::Demo(args) => demo::run(args),
        #[cfg(feature = "sandbox")]
        Command::Sandbox(args) => sandbox::run(args),
        Command::Completions(args) => completions::run(args),
        Command::Man(args) => man::run(args),
    }
}

/// The library's input options for what the user typed: the mapping file read, the flags
/// over its `[source]`.
pub fn input_options(
    args: &options::InputArgs,
) -> anyhow::Result<rewardsync::read::mapping::InputOptions> {
    let map = args
        .map
        .as_deref()
        .map(rewardsync::read::mapping::MapFile::load)
        .transpose()?;
    for note in map
        .iter()
        .flat_map(rewardsync::read::mapping::MapFile::notes)
    {
        eprintln!("rewardsync: note: {note}");
    }
    Ok(rewardsync::read::mapping::InputOptions {
        map,
        encoding: args.encoding.map(Into::into),
        delimiter: args.delimiter,
        sheets: args
            .sheet
            .iter()
            .map(|s| rewardsync::read::source::SheetChoice::parse(s))
            .collect(),
        header_row: args.header_row,
        timezone: args
            .timezone
            .as_deref()
            .map(rewardsync::read::forms::Zone::parse)
            .transpose()
            .map_err(|e| anyhow::anyhow!("--timezone: {e}"))?,
        ignore_unknown_columns: args.ignore_unknown_columns,
        // The commands that know what their user ids are say so.
        user_ids: None,
    })
}

/// True when `cause` is an error of reading the input that the machine caused (a spill or a
/// stream's copy that could not be written), whichever stage of reading it came from.
fn read_write_failure(cause: &(dyn std::error::Error + 'static)) -> bool {
    use rewardsync::read::{
        ReadError, account_files::AccountFileError, mapping::MappingError, source::SourceError,
        validate::ValidateError,
    };
    cause
        .downcast_ref::<ReadError>()
        .map(ReadError::is_write_failure)
        .or_else(|| {
            cause
                .downcast_ref::<SourceError>()
                .map(SourceError::is_write_failure)
        })
        .or_else(|| {
            cause
                .downcast_ref::<MappingError>()
                .map(MappingError::is_write_failure)
        })
        .or_else(|| {
            cause
                .downcast_ref::<ValidateError>()
                .map(ValidateError::is_write_failure)
        })
        .or_else(|| {
            cause
                .downcast_ref::<AccountFileError>()
                .map(AccountFileError::is_write_failure)
        })
        .unwrap_or(false)
}

/// The exit code of a command that stopped with an error before (or instead of) a run
/// summary: 4 when something local could not be written, 2 otherwise (usage,
/// configuration, unreadable input).
pub fn exit_of(err: &anyhow::Error) -> Exit {
    let local = err.chain().any(|cause| {
        cause
            .downcast_ref::<rewardsync::ledger::LedgerError>()
            .is_some_and(|e| e.is_write_failure())
            || cause.downcast_ref::<LocalFailure>().is_some()
            || read_write_failure(cause)
    });
    if local {
        Exit::LocalFailure
    } else {
        Exit::Usage
    }
}

/// Marks an error as a local failure after work began (an output that could not be
/// written): exit 4.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct LocalFailure(pub String);

/// True when the error is stdout's reader going away (`rewardsync … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

/// The API client for the tenant the flags and environment name.
pub fn connect(args: &TargetArgs) -> anyhow::Result<Client> {
    let app_id = args.app_id.as_deref().context(
        "FEISHU_APP_ID is not set: export FEISHU_APP_ID=cli_… and FEISHU_APP_SECRET=… (or FEISHU_APP_SECRET_FILE=path to a file no other user can read: mode 0600, or 0440 for a group); `rewardsync sandbox` prints a block to paste",
    )?;
    let target = Target::new(&args.base_url, app_id)?;
    let secret = Secret::from_env()?;
    Ok(Client::new(target, secret, ClientOptions::default())?)
}

/// How a command that talks to the tenant sends.
pub struct Pace {
    /// Requests per second for the reward calls (`--rate`), if given.
    pub rate: Option<f64>,
    /// Requests in flight.
    pub concurrency: usize,
    /// Retries of a transient fault.
    pub retries: u32,
    /// `--no-progress`.
    pub no_progress: bool,
}

impl Default for Pace {
    fn default() -> Self {
        Pace {
            rate: None,
            concurrency: 20,
            retries: RetryPolicy::default().retry_budget,
            no_progress: false,
        }
    }
}

/// A session against the tenant the flags name: client, runtime, Ctrl-C/SIGTERM, pace.
pub fn session(target: &TargetArgs, pace: Pace) -> anyhow::Result<Session> {
    if let Some(rate) = pace.rate {
        if !(rate > 0.0 && rate.is_finite()) {
            anyhow::bail!("--rate {rate} must be a number above 0");
        }
        if rate > 10.0 {
            eprintln!(
                "rewardsync: warning: --rate {rate} is above the documented limit of 10 requests per second; expect 429s"
            );
        }
    }
    let client = connect(target)?;
    let runtime = runtime()?;
    let stop = rewardsync::run::stop::listen(&runtime);
    Ok(Session {
        client,
        runtime,
        stop,
        progress: ProgressMode::detect(pace.no_progress),
        retry: RetryPolicy {
            retry_budget: pace.retries,
            ..RetryPolicy::default()
        },
        concurrency: pace.concurrency.max(1),
        rate: pace.rate,
    })
}

/// Opens an existing ledger to read (`status`, `runs`, `export`, dry runs), or says how
/// one comes to exist.
pub fn open_to_read(path: &std::path::Path) -> anyhow::Result<rewardsync::ledger::Ledger> {
    rewardsync::ledger::Ledger::open_read_only(path)?.with_context(|| {
        format!(
            "{}: no ledger here yet; `rewardsync import FILE` creates it (or pass --ledger PATH)",
            path.display()
        )
    })
}

/// The multi-threaded runtime the network commands run on.
pub fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the async runtime")
}

/// Prints a run's summary (text, or one JSON object with `--json`; the error that ended
/// it on stderr either way), posts it to the team's bot when asked, and returns its exit
/// code (whatever the notification met).
pub fn finish(summary: &Summary, json: bool, notifier: Option<&Notifier>) -> anyhow::Result<Exit> {
    let (mut out, mut err) = (io::stdout().lock(), io::stderr().lock());
    if json {
        // Posted first, so the one JSON object can say how the post went.
        let delivery =
            notifier.map(|n| n.notify(&summary.command, summary.exit(), Outcome::Ran(summary)));
        let mut object = summary.to_json();
        if let Some(delivery) = &delivery {
            object["notification"] = serde_json::to_value(delivery)?;
        }
        serde_json::to_writer(&mut out, &object)?;
        writeln!(out)?;
        rewardsync::report::summary::print_end(&mut err, summary)?;
        if let Some(delivery) = &delivery {
            warn_undelivered(&mut err, delivery)?;
        }
    } else {
        rewardsync::report::summary::print(&mut out, &mut err, summary)?;
        out.flush()?;
        if let Some(notifier) = notifier {
            let delivery = notifier.notify(&summary.command, summary.exit(), Outcome::Ran(summary));
            if delivery.delivered {
                writeln!(out, "notified {}", delivery.webhook)?;
            }
            warn_undelivered(&mut err, &delivery)?;
        }
    }
    out.flush()?;
    Ok(summary.exit())
}

/// The one warning of a notification that did not arrive (the exit code stays the run's).
pub fn warn_undelivered(err: &mut impl Write, delivery: &Delivery) -> io::Result<()> {
    if delivery.delivered {
        return Ok(());
    }
    writeln!(
        err,
        "rewardsync: warning: the notification was not delivered to {} after {}: {}",
        delivery.webhook,
        rewardsync::text::counted(u64::from(delivery.attempts), "attempt"),
        delivery.error.as_deref().unwrap_or("unknown error")
    )
}

/// The notifier `--notify` and the environment ask for, checked before anything runs (a
/// bad address is exit 2).
fn notifier(args: &NotifyArgs) -> anyhow::Result<Option<Notifier>> {
    if args.notify.is_some() {
        eprintln!(
            "rewardsync: warning: --notify puts the bot's token on the command line, where other users of this machine can read it; prefer {} or {} (a file only you can read)",
            rewardsync::notify::URL_ENV,
            rewardsync::notify::URL_FILE_ENV
        );
    }
    Ok(Notifier::from_sources(args.notify.as_deref(), |name| {
        std::env::var(name).ok()
    })?)
}

/// Runs a command that notifies (not its dry run): an error that stops it before or
/// outside its run (exit 2 or 4) is posted too, so a nightly job that cannot start is heard.
pub fn notified(
    command: &str,
    args: &NotifyArgs,
    dry_run: bool,
    run: impl FnOnce(Option<&Notifier>) -> anyhow::Result<Exit>,
) -> anyhow::Result<Exit> {
    let notifier = if dry_run { None } else { notifier(args)? };
    let result = run(notifier.as_ref());
    if let (Err(error), Some(notifier)) = (&result, &notifier)
        && !is_broken_pipe(error)
    {
        let message = describe(error);
        let delivery = notifier.notify(command, exit_of(error), Outcome::Failed(&message));
        warn_undelivered(&mut io::stderr().lock(), &delivery)?;
    }
    result
}

/// The error and its causes on one line, each said once: a typed error often quotes its
/// cause already.
pub fn describe(err: &anyhow::Error) -> String {
    let mut message = err.to_string();
    for cause in err.chain().skip(1) {
        let text = cause.to_string();
        if !message.contains(&text) {
            message.push_str(": ");
            message.push_str(&text);
        }
    }
    message
}
