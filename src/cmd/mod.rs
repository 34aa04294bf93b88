//! One entry point per subcommand, each `run(args) -> anyhow::Result<Exit>`: the
//! command-line edge, where typed library errors get their context for the user.

pub mod accounts;
pub mod demo;
pub mod export;
pub mod import;
pub mod rollback;
pub mod sandbox;
pub mod status;
pub mod validate;

use anyhow::Context;
use tokio::sync::watch;

use crate::cli::{Cli, Command, TargetArgs};
use rewardsync::exit::Exit;
use rewardsync::feishu::{Client, ClientOptions, Secret, Target};

/// Runs the command the user typed.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
        Command::Import(args) => import::run(args),
        Command::Status(args) => status::run(args),
        Command::Export(args) => export::run(args),
        Command::Accounts(command) => accounts::run(command),
        Command::Rollback(args) => rollback::run(args),
        Command::Demo(args) => demo::run(args),
        Command::Sandbox(args) => sandbox::run(args),
    }
}

/// True when the error is stdout's reader going away (`rewardsync … | head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// The API client for the tenant the flags and environment name.
pub fn connect(args: &TargetArgs) -> anyhow::Result<Client> {
    let app_id = args.app_id.as_deref().context(
        "FEISHU_APP_ID is not set: export FEISHU_APP_ID=cli_… and FEISHU_APP_SECRET=… (or FEISHU_APP_SECRET_FILE=path to a 0600 file); `rewardsync sandbox` prints a block to paste",
    )?;
    let target = Target::new(&args.base_url, app_id)?;
    let secret = Secret::from_env()?;
    Ok(Client::new(target, secret, ClientOptions::default())?)
}

/// Opens an existing ledger to read (`status`, `export`), or says how one comes to exist.
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

/// Ctrl-C handling (SPEC §4): the first stops dispatching (the receiver turns true) and
/// lets requests in flight finish and be recorded; the second exits at once with 130,
/// leaving only `sending` rows in doubt, as after a crash. SIGTERM, which Kubernetes and
/// systemd send to stop a job, counts as a Ctrl-C.
pub fn stop_on_ctrl_c(runtime: &tokio::runtime::Runtime) -> watch::Receiver<bool> {
    let (stop, stopped) = watch::channel(false);
    runtime.spawn(async move {
        interrupted().await;
        eprintln!(
            "rewardsync: stopping: no new requests; finishing and recording the ones in flight (Ctrl-C again to quit at once)"
        );
        let _ = stop.send(true);
        interrupted().await;
        eprintln!(
            "rewardsync: quit at once; rows in flight stay `sending` and are resent by the next run"
        );
        std::process::exit(i32::from(Exit::Interrupted.code()));
    });
    stopped
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM.
async fn interrupted() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
