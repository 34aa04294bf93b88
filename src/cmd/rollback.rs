//! `rewardsync rollback`: delete the rewards a run imported.

use crate::cli::RollbackArgs;
use crate::exit::Exit;

/// Runs a rollback.
pub fn run(_args: RollbackArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("rollback is not built yet")
}
