//! Writes N realistic, valid reward rows as CSV, for benchmarks and rehearsals.
//!
//! `cargo run --release --example gen_rewards -- 1000000 [PREFIX] [--legacy] > rewards-1m.csv`
//!
//! `--legacy` writes the same rewards as a legacy export (a title row, Chinese headers,
//! labels, times in Asia/Shanghai, money strings): read it with `--header-row 2
//! --timezone Asia/Shanghai`.

use std::io::{self, BufWriter, Write};

fn main() -> io::Result<()> {
    let (flags, args): (Vec<String>, Vec<String>) =
        std::env::args().skip(1).partition(|a| a.starts_with("--"));
    let legacy = flags.iter().any(|f| f == "--legacy");
    let rows: u64 = match args.first().map(|a| a.parse()) {
        Some(Ok(n)) if flags.iter().all(|f| f == "--legacy") => n,
        _ => {
            eprintln!("usage: gen_rewards ROWS [PREFIX] [--legacy] > out.csv");
            std::process::exit(2);
        }
    };
    let prefix = args.get(1).cloned().unwrap_or_else(|| "GEN".into());
    let mut out = BufWriter::with_capacity(1 << 20, io::stdout().lock());
    if legacy {
        rewardsync_testdata::write_legacy_rows(&mut out, rows, &prefix)?;
    } else {
        rewardsync_testdata::write_rows(&mut out, rows, &prefix)?;
    }
    out.flush()
}
