//! `rewardsync completions SHELL`: the completion script, generated from the same clap
//! definitions as the command line itself, so it never drifts from it.

use std::io::{self, Write};

use clap::Args;
use clap::CommandFactory;

use super::Cli;
use rewardsync::report::exit::Exit;

/// `rewardsync completions SHELL`.
#[derive(Debug, Args)]
#[command(
    after_help = "Install, e.g.:\n  bash: rewardsync completions bash > ~/.local/share/bash-completion/completions/rewardsync\n  zsh:  rewardsync completions zsh > ~/.zfunc/_rewardsync   (with fpath+=~/.zfunc before compinit)\n  fish: rewardsync completions fish > ~/.config/fish/completions/rewardsync.fish"
)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum, value_name = "SHELL")]
    pub shell: clap_complete::Shell,
}

/// Prints the script on stdout.
pub fn run(args: CompletionsArgs) -> anyhow::Result<Exit> {
    let mut out = io::stdout().lock();
    clap_complete::generate(args.shell, &mut Cli::command(), "rewardsync", &mut out);
    out.flush()?;
    Ok(Exit::Success)
}
