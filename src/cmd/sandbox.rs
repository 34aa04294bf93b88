//! `rewardsync sandbox`: serve the local stand-in until Ctrl-C.

use crate::cli::SandboxArgs;
use crate::exit::Exit;

/// Runs the sandbox in the foreground.
pub fn run(_args: SandboxArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("the sandbox is not built yet")
}
