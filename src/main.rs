//! The `rewardsync` binary: parse the command line, run it, map the result to an exit code.

use std::process::ExitCode;

mod cmd;

use clap::Parser;
use cmd::Cli;
use rewardsync::report::exit::Exit;

/// Rows are allocated on the checking threads and freed on the calling one: mimalloc does
/// that at a fraction of glibc's cost.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let json = cli.json();
    match cmd::run(cli) {
        Ok(exit) => exit.into(),
        Err(err) => {
            if cmd::is_broken_pipe(&err) {
                // A reader that went away (`| head`) is not a failure of ours.
                return Exit::Success.into();
            }
            let exit = cmd::exit_of(&err);
            let message = cmd::describe(&err);
            if json {
                // A script reading stdout still gets one object: what went wrong, and that
                // nothing was sent.
                let object =
                    serde_json::json!({"error": message, "exit_code": exit.code(), "sent": 0});
                println!("{object}");
            }
            eprintln!("rewardsync: {message}");
            exit.into()
        }
    }
}
