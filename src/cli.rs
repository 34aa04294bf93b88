//! What the user typed: the clap definitions of every subcommand and flag (SPEC §3).
//!
//! Parsing only checks shapes; it never opens files or sockets.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Import referral rewards into Feishu Hire (飞书招聘) and manage referral reward accounts.
#[derive(Debug, Parser)]
#[command(name = "rewardsync", version, about, max_term_width = 100)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a rewards CSV against every rule, without sending anything.
    Validate(ValidateArgs),
    /// Run a local, in-memory stand-in for the Feishu endpoints rewardsync calls.
    Sandbox(SandboxArgs),
}

/// How to read a rewards CSV: shared by every command that reads one.
#[derive(Debug, Clone, Args)]
pub struct InputArgs {
    /// The rewards CSV (header row required; columns in any order).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,

    /// Text encoding of FILE: utf-8 (BOM or not), gbk (GB18030, Excel on Chinese Windows),
    /// or auto (UTF-8 unless the start of the file only makes sense as GBK).
    #[arg(long, value_enum, default_value_t = EncodingArg::Utf8, value_name = "E")]
    pub encoding: EncodingArg,

    /// Skip columns rewardsync does not know instead of refusing the file.
    #[arg(long)]
    pub ignore_unknown_columns: bool,
}

/// `--encoding` values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EncodingArg {
    /// UTF-8, with or without a byte-order mark.
    #[value(name = "utf-8", alias = "utf8")]
    Utf8,
    /// GB18030, the superset of GBK and GB2312 that Excel on Chinese Windows writes.
    #[value(name = "gbk", alias = "gb18030", alias = "gb2312")]
    Gbk,
    /// UTF-8 if the start of the file is valid UTF-8, else GBK.
    Auto,
}

/// `rewardsync validate`.
#[derive(Debug, Args)]
pub struct ValidateArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Write every invalid row to OUT.csv: its original columns plus `line` and `errors`.
    /// Fix the rows in that file and validate or import it as it is.
    #[arg(long, value_name = "OUT.csv")]
    pub errors: Option<PathBuf>,

    /// Print one JSON object (counts and per-row errors) on stdout instead of text.
    #[arg(long)]
    pub json: bool,
}

// --- sandbox: owned by src/sandbox/ ---

/// `rewardsync sandbox`.
#[derive(Debug, Args)]
pub struct SandboxArgs {
    /// Address to listen on.
    #[arg(long, default_value = "127.0.0.1:8787")]
    pub listen: String,
}
