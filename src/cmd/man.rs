//! `rewardsync man`: the man page, generated from the same clap definitions as the command
//! line itself (roff, by clap_mangen).

use std::io::{self, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use clap::CommandFactory;

use super::Cli;
use rewardsync::report::exit::Exit;

/// `rewardsync man`.
#[derive(Debug, Args)]
#[command(after_help = "Read it with: man -l <(rewardsync man)")]
pub struct ManArgs {
    /// Write rewardsync.1 and one page per subcommand (rewardsync-import.1, …) into DIR
    /// instead of printing the main page.
    #[arg(long, value_name = "DIR")]
    pub dir: Option<PathBuf>,
}

/// Prints the main page, or writes every page into `--dir`.
pub fn run(args: ManArgs) -> anyhow::Result<Exit> {
    match args.dir {
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .with_context(|| format!("{}: cannot create the directory", dir.display()))
                .map_err(|e| super::LocalFailure(format!("{e:#}")))?;
            clap_mangen::generate_to(Cli::command(), &dir).map_err(|e| {
                super::LocalFailure(format!(
                    "{}: cannot write the man pages: {}",
                    dir.display(),
                    rewardsync::text::io_error(&e)
                ))
            })?;
            eprintln!(
                "wrote rewardsync.1 and one page per subcommand to {}; read one with: man -l {}/rewardsync-import.1",
                dir.display(),
                dir.display()
            );
        }
        None => {
            let mut out = io::stdout().lock();
            clap_mangen::Man::new(Cli::command()).render(&mut out)?;
            out.flush()?;
        }
    }
    Ok(Exit::Success)
}
