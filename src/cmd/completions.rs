//! `rewardsync completions SHELL`: the completion script, generated from the same clap
//! definitions as the command line itself, so it never drifts from it.

use std::io::{self, Write};

use clap::CommandFactory;

use crate::cli::{Cli, CompletionsArgs};
use rewardsync::report::exit::Exit;

/// Prints the script on stdout.
pub fn run(args: CompletionsArgs) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "rewardsync", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}
