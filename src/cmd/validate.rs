//! `rewardsync validate`.

use crate::cli::ValidateArgs;
use crate::exit::Exit;

/// Validates a file.
pub fn run(_args: ValidateArgs) -> anyhow::Result<Exit> {
    anyhow::bail!("not built yet")
}
