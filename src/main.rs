//! The `rewardsync` binary: parse the command line, run it, map the result to an exit code.

use std::process::ExitCode;

mod cli;
mod cmd;

use clap::Parser;
use cli::Cli;
use rewardsync::exit::Exit;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cmd::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            if cmd::is_broken_pipe(&err) {
                // A reader that went away (`| head`) is not a failure of ours.
                return Exit::Success.into();
            }
            eprintln!("rewardsync: {err:#}");
            Exit::Usage.into()
        }
    }
}
