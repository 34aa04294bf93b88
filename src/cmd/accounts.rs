//! `rewardsync accounts …`: referral reward accounts in bulk.

use std::fs::File;
use std::io::{self, BufWriter, Write};

use anyhow::Context;

use crate::cli::{AccountIdsArgs, AccountsCommand, AssetsArgs, ReconcileArgs, RegisterArgs};
use rewardsync::accounts::actions::{self, Action};
use rewardsync::accounts::assets::{self, AccountAssets, ImportedSums};
use rewardsync::accounts::register::{self, RegisterJob};
use rewardsync::exit::Exit;
use rewardsync::feishu::Failure;
use rewardsync::ledger::{Ledger, LedgerHandle};
use rewardsync::progress::ProgressMode;
use rewardsync::reward::RewardBody;

/// Runs an accounts subcommand.
pub fn run(command: AccountsCommand) -> anyhow::Result<Exit> {
    match command {
        AccountsCommand::Register(args) => register(args),
        AccountsCommand::Enable(args) => action(Action::Enable, args),
        AccountsCommand::Deactivate(args) => action(Action::Deactivate, args),
        AccountsCommand::Assets(args) => assets(args),
        AccountsCommand::Reconcile(args) => reconcile(args),
    }
}

fn register(args: RegisterArgs) -> anyhow::Result<Exit> {
    let client = super::connect(&args.target)?;
    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let mut out: Box<dyn Write> = match &args.output {
        Some(path) => Box::new(BufWriter::new(
            File::create(path).with_context(|| format!("{}: cannot create", path.display()))?,
        )),
        None => Box::new(io::stdout().lock()),
    };
    let job = RegisterJob {
        file: args.file.clone(),
        encoding: args.encoding.into(),
        ledger: args.ledger.ledger.clone(),
        client,
        retry_failed: args.retry_failed,
        progress: ProgressMode::detect(args.no_progress),
        stop,
    };
    let summary = register::run(job, &runtime, &mut out)?;
    out.flush()?;
    eprintln!(
        "rewardsync: accounts register {}: {} rows: {} registered now, {} already registered, {} failed, {} invalid, {} failed earlier, {} pending",
        args.file.display(),
        summary.rows,
        summary.registered,
        summary.already_registered,
        summary.failed,
        summary.invalid,
        summary.previously_failed,
        summary.pending
    );
    report_fatal(summary.fatal.as_deref(), summary.advice.as_deref());
    runtime.shutdown_background();
    Ok(summary.exit())
}

fn action(action: Action, args: AccountIdsArgs) -> anyhow::Result<Exit> {
    let ids = account_ids(&args)?;
    let client = super::connect(&args.target)?;
    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let ledger = Ledger::open(&args.ledger.ledger)?;
    ledger.pin_target(&client.target().into())?;
    let command = format!("accounts {}", action.name());
    let run = ledger.begin_run(&command, None)?;
    let handle = LedgerHandle::spawn(ledger)?;
    let (outcomes, fatal) = runtime.block_on(async {
        if let Err(failure) = client.check_credentials().await {
            return Ok((Vec::new(), Some(failure)));
        }
        actions::run(action, ids, &client, &handle, run, stop.clone()).await
    })?;
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
                "{}: {} {}: {error}{}",
                outcome.account_id,
                action.name(),
                outcome.outcome,
                outcome
                    .log_id
                    .as_deref()
                    .map(|l| format!(" (log id {l})"))
                    .unwrap_or_default()
            )?,
        }
    }
    let exit = exit_of(
        fatal.as_ref(),
        *stop.borrow(),
        outcomes.iter().all(|o| o.outcome == "done"),
    );
    report_failure(fatal.as_ref());
    let counts = serde_json::json!({"outcomes": outcomes});
    runtime.block_on(handle.finish_run(run, counts, exit.code()))?;
    Ok(exit)
}

fn assets(args: AssetsArgs) -> anyhow::Result<Exit> {
    let ids = account_ids(&args.ids)?;
    let client = super::connect(&args.ids.target)?;
    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let (found, fatal) = runtime.block_on(assets::fetch(
        ids,
        args.user_id_type.into(),
        &client,
        stop.clone(),
    ))?;
    match (&args.output, args.json) {
        (Some(path), json) => {
            let file =
                File::create(path).with_context(|| format!("{}: cannot create", path.display()))?;
            if json {
                serde_json::to_writer_pretty(BufWriter::new(file), &found)?;
            } else {
                write_assets_csv(BufWriter::new(file), &found)?;
            }
        }
        (None, true) => {
            let mut out = io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &found)?;
            writeln!(out)?;
        }
        (None, false) => print_assets_table(&mut io::stdout().lock(), &found)?,
    }
    report_failure(fatal.as_ref());
    Ok(exit_of(
        fatal.as_ref(),
        *stop.borrow(),
        found.iter().all(|a| a.error.is_none()),
    ))
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
    let client = super::connect(&args.target)?;
    let runtime = super::runtime()?;
    let stop = super::stop_on_ctrl_c(&runtime);
    let ids = accounts.into_iter().map(|a| a.account_id).collect();
    let (found, fatal) = runtime.block_on(assets::fetch(
        ids,
        args.user_id_type.into(),
        &client,
        stop.clone(),
    ))?;
    let lines = assets::reconcile(found, &sums);
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
    report_failure(fatal.as_ref());
    Ok(exit_of(
        fatal.as_ref(),
        *stop.borrow(),
        lines.iter().all(|l| l.matches),
    ))
}

/// Account ids from the arguments, or a file: one per line, or a CSV with an `account_id`
/// column (what `accounts register` writes).
fn account_ids(args: &AccountIdsArgs) -> anyhow::Result<Vec<String>> {
    let Some(path) = &args.file else {
        return Ok(args.ids.clone());
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("{}: cannot read the account ids", path.display()))?;
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = reader.records();
    let Some(first) = records.next().transpose()? else {
        anyhow::bail!(
            "{}: the file is empty; put one account id per line",
            path.display()
        );
    };
    let column = first.iter().position(|c| c.trim() == "account_id");
    let mut ids = Vec::new();
    if column.is_none() {
        ids.extend(first.get(0).map(str::trim).map(str::to_owned));
    }
    for record in records {
        let record = record?;
        let id = record.get(column.unwrap_or(0)).map(str::trim).unwrap_or("");
        if !id.is_empty() {
            ids.push(id.to_owned());
        }
    }
    ids.retain(|id| !id.is_empty());
    if ids.is_empty() {
        anyhow::bail!("{}: no account ids in the file", path.display());
    }
    Ok(ids)
}

fn status_name(status: i64) -> &'static str {
    match status {
        1 => "enabled",
        2 => "deactivated",
        _ => "unknown",
    }
}

fn exit_of(fatal: Option<&Failure>, interrupted: bool, all_done: bool) -> Exit {
    if fatal.is_some() {
        Exit::Fatal
    } else if interrupted {
        Exit::Interrupted
    } else if all_done {
        Exit::Success
    } else {
        Exit::Incomplete
    }
}

fn report_failure(fatal: Option<&Failure>) {
    if let Some(Failure::Fatal { advice, .. }) = fatal {
        report_fatal(fatal.map(ToString::to_string).as_deref(), Some(advice));
    }
}

fn report_fatal(fatal: Option<&str>, advice: Option<&str>) {
    if let Some(fatal) = fatal {
        eprintln!("rewardsync: stopped: {fatal}");
        if let Some(advice) = advice {
            eprintln!("rewardsync: to fix: {advice}");
        }
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
            who,
            a.confirmed.describe(),
            a.paid.describe()
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
