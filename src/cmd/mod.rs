//! One entry point per subcommand, each `run(args) -> anyhow::Result<Exit>`: the
//! command-line edge, where typed library errors get their context for the user.

pub mod sandbox;
pub mod validate;

use crate::cli::{Cli, Command};
use crate::exit::Exit;

/// Runs the command the user typed.
pub fn run(cli: Cli) -> anyhow::Result<Exit> {
    match cli.command {
        Command::Validate(args) => validate::run(args),
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
