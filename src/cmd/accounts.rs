//! `rewardsync accounts …`: referral reward accounts in bulk.

use crate::cli::AccountsCommand;
use crate::exit::Exit;

/// Runs an accounts subcommand.
pub fn run(_command: AccountsCommand) -> anyhow::Result<Exit> {
    anyhow::bail!("the accounts commands are not built yet")
}
